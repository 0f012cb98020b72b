"""Unit tests of cxlabs.checks.lab10: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab10 import MISTAKES

from cxlabs.checks import lab10 as checks
from cxlabs.feedback import CheckFailed

RULE_ORDER = ["stock", "hold", "region", "consent", "cap"]

# --- reference answers (written independently of the check module and the notebook: loops) -----


def good_tiers(audience, levels, min_audience):
    rows = []
    for _, r in audience.iterrows():
        tier, size = "none", len(audience)
        for name, cols in levels:
            same = np.ones(len(audience), dtype=bool)
            for c in cols:
                same &= (audience[c] == r[c]).to_numpy()
            if same.sum() >= min_audience:
                tier, size = name, int(same.sum())
                break
        rows.append((r["customer_id"], tier, size))
    return pd.DataFrame(rows, columns=["customer_id", "tier", "cell_size"]).set_index("customer_id")


def good_eligibility(context, stock, holds, rules, contacts, policies):
    out = {}
    pol = policies.set_index("channel")
    for _, r in context.iterrows():
        day = r["send_date"]
        s = stock[(stock["date"] == day - pd.Timedelta(days=1)) & (stock["product_id"] == r["product_id"])
                  & (stock["fulfilment_centre"] == r["fulfilment_centre"])]
        f_stock = bool(len(s)) and (s["on_hand"] - s["committed"]).iloc[0] < r["min_available_units"]
        h = holds[holds["product_id"] == r["product_id"]]
        f_hold = bool(((h["placed_date"] <= day) & ((h["lifted_date"] > day) | h["lifted_date"].isna())).any())
        f_region = bool(((rules["market"] == r["market"]) & (rules["category"] == r["category"])).any())
        window = pd.Timedelta(days=int(pol.at[r["channel"], "cap_window_days"]))
        mine = contacts[(contacts["customer_id"] == r["customer_id"]) & (contacts["channel"] == r["channel"])]
        n = ((mine["sent_at"] >= r["sent_at"] - window) & (mine["sent_at"] < r["sent_at"])).sum()
        f_cap = bool(n >= pol.at[r["channel"], "cap_max_contacts"])
        flags = [f_stock, f_hold, f_region, not r["consented"], f_cap]
        first = next((rule for rule, f in zip(RULE_ORDER, flags, strict=True) if f), "eligible")
        out[r["candidate_id"]] = [*flags, first]
    frame = pd.DataFrame.from_dict(out, orient="index", columns=[*RULE_ORDER, "first_failure"])
    return frame.rename_axis("candidate_id")


def good_oversell(plan, stock):
    rows = {}
    for (offer, centre), g in plan.groupby(["offer_id", "fulfilment_centre"]):
        day = g["send_date"].iloc[0] - pd.Timedelta(days=1)
        s = stock[(stock["date"] == day) & (stock["product_id"] == g["product_id"].iloc[0])
                  & (stock["fulfilment_centre"] == centre)]
        available = int((s["on_hand"] - s["committed"]).iloc[0])
        rows[(offer, centre)] = (len(g), g["model_score"].sum(), available, g["model_score"].sum() > available)
    frame = pd.DataFrame.from_dict(rows, orient="index",
                                   columns=["contacts", "expected_redemptions", "available_units", "oversold"])
    frame.index = pd.MultiIndex.from_tuples(list(rows), names=["offer_id", "fulfilment_centre"])
    return frame


def good_guardrails(offers, max_discount, min_margin):
    rows = {}
    for _, o in offers.iterrows():
        d = -o["price_change_pct"]
        m = (o["offer_price"] - o["unit_cost"]) / o["offer_price"]
        rows[o["offer_id"]] = (d, m, "discount" if d > max_discount else "margin" if m < min_margin else "ok")
    return pd.DataFrame.from_dict(rows, orient="index", columns=["discount", "margin_pct", "breach"])


def good_uplift(data, by):
    rows = {}
    for _, r in data.iterrows():
        cell = np.logical_and.reduce([(data[c] == r[c]).to_numpy() for c in by])
        t = data[cell & (data["group"] == "treatment").to_numpy()]["converted_30d"]
        c = data[cell & (data["group"] == "control").to_numpy()]["converted_30d"]
        pt = t.mean() if len(t) else np.nan
        pc = c.mean() if len(c) else np.nan
        rows[r["customer_id"]] = (pt, pc, pt - pc)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["p_treated", "p_control", "uplift"])


def _order(scored):
    return sorted(scored.itertuples(index=False), key=lambda r: (-r.uplift, r.customer_id))


def good_qini(scored):
    q, nt, nc, yt, yc = [0.0], 0, 0, 0, 0
    for r in _order(scored):
        if r.group == "treatment":
            nt, yt = nt + 1, yt + r.converted_30d
        else:
            nc, yc = nc + 1, yc + r.converted_30d
        q.append(yt - yc * nt / nc if nc else float(yt))
    return pd.Series(q)


def good_net(scored, k, margin_offer, margin_list, cost_per_contact, fixed_cost):
    top = _order(scored)[:k]
    t = [r.converted_30d for r in top if r.group == "treatment"]
    c = [r.converted_30d for r in top if r.group == "control"]
    rt, rc = np.mean(t), np.mean(c)
    inc = k * (rt * margin_offer - rc * margin_list)
    return pd.Series({"net_margin": inc - k * cost_per_contact - fixed_cost, "contacts": k, "rate_treated": rt,
                      "rate_control": rc, "incremental_conversions": k * (rt - rc), "incremental_margin": inc})


def good_accuracy(forecasts, redemptions, customers):
    seg = customers.set_index("customer_id")["segment"]
    kept = redemptions[redemptions["offer_id"].isin(set(forecasts["offer_id"]))]
    rows = []
    for s, g in forecasts.groupby("segment"):
        f = g["forecast_redemptions"].sum()
        a = int((kept["customer_id"].map(seg) == s).sum())
        rows.append((s, f, a, f - a, f / a))
    frame = pd.DataFrame(rows, columns=["segment", "forecast", "actual", "bias", "ratio"]).set_index("segment")
    return frame.sort_values("ratio", ascending=False)


RIGHT = [(checks.personalisation_tiers, good_tiers), (checks.eligibility, good_eligibility),
         (checks.oversell_check, good_oversell), (checks.price_guardrails, good_guardrails),
         (checks.two_model_uplift, good_uplift), (checks.qini_curve, good_qini),
         (checks.net_margin_at_depth, good_net), (checks.forecast_vs_actual, good_accuracy)]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {f"ex{i + 1}_answer": ex for i, ex in enumerate(EXERCISES)}


def function_from(source: str):
    namespace = {"pd": pd, "np": np, "RULE_ORDER": RULE_ORDER}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    # other row orders, extra columns, nullable dtypes, index names
    checks.personalisation_tiers.check(lambda a, lv, m: good_tiers(a, lv, m).iloc[::-1].assign(extra=1))
    checks.eligibility.check(
        lambda *args: good_eligibility(*args).sample(frac=1, random_state=2).astype(
            {r: "boolean" for r in RULE_ORDER}).rename_axis(None))
    checks.oversell_check.check(lambda p, s: good_oversell(p, s).iloc[::-1].astype({"contacts": "Int64"}))
    checks.price_guardrails.check(lambda o, d, m: good_guardrails(o, d, m)[["breach", "margin_pct", "discount"]])
    checks.two_model_uplift.check(lambda d, b: good_uplift(d, b).astype("Float64"))
    checks.qini_curve.check(lambda s: good_qini(s).to_frame("q"))
    checks.net_margin_at_depth.check(lambda *args: good_net(*args).to_dict())


def test_checks_use_fresh_examples():
    def mutating(plan, stock):
        stock["on_hand"] = 0
        return good_oversell(plan, stock)

    with pytest.raises(CheckFailed):
        checks.oversell_check.check(mutating)
    checks.oversell_check.check(good_oversell)


# --- wrong types ------------------------------------------------------------------------------

@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    assert "returned str" in failure(exercise, lambda *args, **kwargs: "done")


def test_index_as_a_column_is_named():
    message = failure(checks.eligibility, lambda *args: good_eligibility(*args).reset_index())
    assert "set_index('candidate_id')" in message
    message = failure(checks.oversell_check, lambda p, s: good_oversell(p, s).reset_index())
    assert "set_index" in message


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)


def test_every_issue_mistake_is_catalogued():
    """The wrong answers the methods notes list for the Qini curve are all in the catalogue."""
    text = " ".join(m.description.lower() for m in MISTAKES["ex6_answer"])
    for phrase in ("not rescaled", "lowest uplift", "whole sample"):
        assert phrase in text, phrase


# --- the worked examples are well posed, and their hand-worked answers agree -------------------

def test_worked_examples_hold_every_boundary():
    stock = checks.example_stock()
    ctx = checks.example_context()
    assert not ctx["candidate_id"].is_monotonic_increasing
    # stock exactly at the floor, and a send day whose own stock says the opposite
    day = stock[stock["date"] == pd.Timestamp("2025-06-10")].set_index(["product_id", "fulfilment_centre"])["on_hand"]
    assert day[(10, "FC-UK")] == 0 and day[(10, "FC-EU")] == 9
    holds = checks.example_holds()
    assert (holds["placed_date"] == pd.Timestamp("2025-06-10")).any()
    assert (holds["lifted_date"] == pd.Timestamp("2025-06-10")).any()
    contacts = checks.example_contacts()
    assert (contacts["sent_at"] == pd.Timestamp("2025-06-10 09:00")).sum() >= 2      # at the send instant
    assert (contacts["sent_at"] == pd.Timestamp("2025-05-27 09:00")).any()           # at the window's start
    scored = checks.example_scored()
    assert scored["uplift"].duplicated().any() and not scored["uplift"].is_monotonic_decreasing


def test_hand_worked_answers_match_the_references():
    got = good_tiers(checks.example_audience(), checks.EXAMPLE_LEVELS, checks.EXAMPLE_MIN_AUDIENCE)
    assert {k: (t, s) for k, t, s in got.itertuples()} == checks._TIERS
    got = good_eligibility(checks.example_context(), checks.example_stock(), checks.example_holds(),
                           checks.example_rules(), checks.example_contacts(), checks.example_policies())
    assert {k: (tuple(bool(x) for x in r[:5]), r[5]) for k, *r in got.itertuples()} == checks._ELIGIBILITY
    got = good_oversell(checks.example_plan(), checks.example_stock())
    assert {k: tuple(r) for k, *r in got.itertuples()} == checks._OVERSELL
    got = good_guardrails(checks.example_offers(), 0.30, 0.10)
    assert all(np.isclose(got.at[k, "discount"], v[0]) and np.isclose(got.at[k, "margin_pct"], v[1])
               and got.at[k, "breach"] == v[2] for k, v in checks._GUARD.items())
    got = good_uplift(checks.example_holdout(), ["recency"])
    for k, (pt, pc) in checks._UPLIFT.items():
        assert np.isclose(got.at[k, "p_treated"], pt)
        assert np.isnan(got.at[k, "p_control"]) if pc is None else np.isclose(got.at[k, "p_control"], pc)
    assert np.allclose(good_qini(checks.example_scored()), checks._QINI)
    got = good_net(checks.example_scored(), checks.EXAMPLE_DEPTH, **checks.EXAMPLE_ECONOMICS)
    assert all(np.isclose(got[k], v) for k, v in checks._NET.items())
    got = good_accuracy(checks.example_forecasts(), checks.example_redemptions(), checks.example_customers())
    assert list(got.index) == list(checks._ACCURACY)
    assert all(got.at[s, "forecast"] == f and got.at[s, "actual"] == a for s, (f, a) in checks._ACCURACY.items())


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    def wrong_net(*args):
        out = good_net(*args)
        out["net_margin"] = 1.0
        return out

    message = failure(checks.net_margin_at_depth, wrong_net)
    assert "7.0" not in message.replace("Exercise 7", "") and "20" not in message
    message = failure(checks.qini_curve, lambda s: good_qini(s) * 2)
    assert "0.666" not in message and "0.667" not in message
    message = failure(checks.oversell_check, lambda p, s: good_oversell(p, s).assign(expected_redemptions=9.0))
    assert "1.375" not in message and "0.875" not in message
    message = failure(checks.forecast_vs_actual,
                      lambda f, r, c: good_accuracy(f, r, c).assign(ratio=lambda d: d["ratio"] + 1))
    assert "3.0" not in message and "1.5" not in message


def test_hints_progress():
    for ex in EXERCISES:
        assert 2 <= len(ex.hints) <= 3 and len(set(ex.hints)) == len(ex.hints)
