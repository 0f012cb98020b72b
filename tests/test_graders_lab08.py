"""Lab 08's grader accepts every correct idiom and refuses hostile shortcuts.

The solution and the catalogued mistakes are graded by tests/test_graders.py and
tests/test_mistakes.py; here other correct ways of writing each function (other dtypes, a
one-column frame for a Series, other group cuts, categorical tiers, extra columns) must pass,
and answers that only look right must fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import grading_module


@pytest.fixture(scope="module")
def plan(world42):
    grading = grading_module()
    worlds = [grading.World(world42, "your company's data")]
    return grading.build_plan("lab08", worlds), worlds


def grade(plan, **functions):
    plan, worlds = plan
    cells = {f"ex{i}_tests" for i, name in enumerate(
        ["", "window_counts", "time_split", "lift_table", "kaplan_meier", "backtest", "contact_decisions"])
        if name in functions}
    return grading_module().grade_namespace("lab08", functions, worlds, plan, cells=sorted(cells))


# --- other correct idioms --------------------------------------------------------------------------

def window_counts(renewals, events, time_col, days, value_col=None):
    """A loop with searchsorted per customer, floats, as a one-column DataFrame."""
    out = []
    grouped = {c: g.sort_values(time_col) for c, g in events.groupby("customer_id")}
    for c, notice in zip(renewals["customer_id"], renewals["notice_date"], strict=True):
        g = grouped.get(c)
        if g is None:
            out.append(0.0)
            continue
        inside = g[g[time_col].between(notice - pd.Timedelta(days=days), notice, inclusive="left")]
        out.append(float(inside[value_col].sum() if value_col else len(inside)))
    return pd.DataFrame({"n": out}, index=renewals.index)


def time_split(renewals, split_day):
    part = np.where(renewals["renewal_date"] <= split_day, "train",
                    np.where(renewals["notice_date"] >= split_day, "test", "gap"))
    return pd.Series(pd.Categorical(part, categories=["train", "gap", "test"]), index=renewals.index, name="part")


def lift_table(scores, outcomes, groups=10):
    """pd.qcut of the rank (first occurrence after sorting by label): other sizes, same rule."""
    s = scores.sort_index()
    rank = s.rank(method="first", ascending=False)
    group = pd.qcut(rank, groups, labels=False) + 1
    y = outcomes.reindex(s.index).astype(float)
    out = pd.DataFrame({"renewals": group.value_counts().sort_index(),
                        "cancelled": y.groupby(group).sum()})
    out["cancel_rate"] = out["cancelled"] / out["renewals"]
    out["lift"] = out["cancel_rate"] / y.mean()
    out["cumulative_share"] = out["cancelled"].cumsum() / y.sum()
    out["extra"] = "x"
    return out[["cumulative_share", "lift", "cancel_rate", "cancelled", "renewals", "extra"]]


def kaplan_meier(durations, observed):
    frame = pd.DataFrame({"t": durations.to_numpy(), "e": observed.to_numpy().astype(int)})
    table = frame.groupby("t").agg(events=("e", "sum"), leaving=("e", "size"))
    table["at_risk"] = table["leaving"][::-1].cumsum()[::-1]
    table = table[table["events"] > 0].copy()
    table["survival"] = (1 - table["events"] / table["at_risk"]).cumprod()
    table.index = table.index.astype("Int64") if (table.index % 1 == 0).all() else table.index
    return table


def backtest(scores, outcomes, bounds):
    tier = pd.Series(np.select([scores >= bounds[1], scores >= bounds[0]], ["high", "medium"], "low"),
                     index=scores.index)
    tier = tier.astype(pd.CategoricalDtype(["low", "medium", "high"], ordered=True))
    frame = pd.DataFrame({"tier": tier, "p": scores, "y": outcomes.reindex(scores.index).astype(int)})
    g = frame.groupby("tier", observed=False)
    out = pd.DataFrame({"renewals": g.size().astype(float), "predicted_retention": 1 - g["p"].mean(),
                        "actual_retention": 1 - g["y"].mean()})
    out["gap"] = out["actual_retention"] - out["predicted_retention"]
    return out


def contact_decisions(scores, value, cost, save_rate):
    frame = pd.concat({"p": scores, "v": value}, axis=1).loc[scores.index]
    frame["threshold"] = cost / (save_rate * frame["v"])
    frame["expected_gain"] = frame["p"] * save_rate * frame["v"] - cost
    frame["contact"] = (frame["p"] > frame["threshold"]).astype(int)
    return frame


def test_other_correct_idioms_pass(plan):
    verdicts = grade(plan, window_counts=window_counts, time_split=time_split, lift_table=lift_table,
                     kaplan_meier=kaplan_meier, backtest=backtest, contact_decisions=contact_decisions)
    failed = {cell: v.message for cell, v in verdicts.items() if not v.passed}
    assert not failed, failed


# --- answers that only look right -------------------------------------------------------------------

def test_shortcuts_fail(plan):
    def counts_everything(renewals, events, time_col, days, value_col=None):
        return pd.Series(0, index=renewals.index)

    def lift_by_position(scores, outcomes, groups=10):
        y = pd.Series(outcomes.to_numpy().astype(int), index=scores.index)
        ranked = scores.sort_index().sort_values(ascending=False, kind="stable")
        group = 1 + np.arange(len(ranked)) * groups // len(ranked)
        out = pd.DataFrame({"renewals": 1, "cancelled": y[ranked.index].to_numpy(), "group": group}).groupby("group").sum()
        out["cancel_rate"] = out["cancelled"] / out["renewals"]
        out["lift"] = out["cancel_rate"] / y.mean()
        out["cumulative_share"] = out["cancelled"].cumsum() / y.sum()
        return out

    def unequal_groups(scores, outcomes, groups=10):
        table = lift_table(scores, outcomes, groups)
        return table.assign(renewals=table["renewals"] + np.r_[1, -1, np.zeros(groups - 2)])

    def km_censored_out(durations, observed):
        return kaplan_meier(durations[observed.astype(bool)], observed[observed.astype(bool)])

    def tiers_without_empty(scores, outcomes, bounds):
        out = backtest(scores, outcomes, bounds)
        return out[out["renewals"] > 0]

    def contact_everyone(scores, value, cost, save_rate):
        return contact_decisions(scores, value, cost, save_rate).assign(contact=True)

    verdicts = grade(plan, window_counts=counts_everything, lift_table=unequal_groups,
                     kaplan_meier=km_censored_out, backtest=tiers_without_empty, contact_decisions=contact_everyone)
    assert not any(v.passed for v in verdicts.values()), {c: v.message for c, v in verdicts.items() if v.passed}
    assert "equal slices" in verdicts["ex3_tests"].message
    assert "tier is missing" in verdicts["ex5_tests"].message
    assert not grade(plan, lift_table=lift_by_position)["ex3_tests"].passed


def test_messages_name_the_property_not_the_reference(plan):
    def off_by_one_day(renewals, events, time_col, days, value_col=None):
        return window_counts(renewals, events, time_col, days + 1, value_col)

    message = grade(plan, window_counts=off_by_one_day)["ex1_tests"].message
    assert "notice_date - days <= time < notice_date" in message or "window" in message, message
