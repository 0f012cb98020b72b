"""Unit tests of cxlabs.checks.lab11: right answers pass, other correct idioms pass, the common
mistakes are named, and no message gives an expected value away."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab11 import MISTAKES
from scipy import stats

from cxlabs.checks import lab11 as checks
from cxlabs.feedback import CheckFailed

PILOT_ID = 1
SRM_THRESHOLD = 0.001

# --- reference answers (written independently of the check module and the notebook) ---------


def good_sample_size(p_control, p_treatment, alpha, power):
    z_a, z_b = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)
    p_bar = (p_control + p_treatment) / 2
    top = z_a * (2 * p_bar * (1 - p_bar)) ** 0.5 + z_b * (p_control * (1 - p_control) + p_treatment * (1 - p_treatment)) ** 0.5
    return int(np.ceil(top**2 / abs(p_treatment - p_control) ** 2))


def good_srm_check(assignments, experiments):
    out = {}
    for eid, variants in zip(experiments["experiment_id"], experiments["variants"], strict=True):
        names = [v.strip() for v in variants.split(",")]
        mine = assignments[assignments["experiment_id"] == eid]
        observed = np.array([(mine["variant"] == v).sum() for v in names], dtype=float)
        expected = observed.sum() / len(names)
        chi2 = ((observed - expected) ** 2 / expected).sum()
        p = stats.chi2.sf(chi2, len(names) - 1)
        out[eid] = {"units": int(observed.sum()), "chi2": chi2, "p_value": p, "srm": p < SRM_THRESHOLD}
    return pd.DataFrame.from_dict(out, orient="index").rename_axis("experiment_id")


def _arms(outcomes, assignments):
    pilot = assignments[assignments["experiment_id"] == PILOT_ID]
    return outcomes.merge(pilot[["customer_id", "variant"]], on="customer_id", how="inner")


def good_readout(outcomes, assignments, metrics):
    data = _arms(outcomes, assignments)
    rows = []
    for m in metrics:
        t = data.loc[data["variant"] == "treatment", m].to_numpy(float)
        c = data.loc[data["variant"] == "control", m].to_numpy(float)
        se = np.sqrt(t.var(ddof=1) / len(t) + c.var(ddof=1) / len(c))
        df = se**4 / ((t.var(ddof=1) / len(t)) ** 2 / (len(t) - 1) + (c.var(ddof=1) / len(c)) ** 2 / (len(c) - 1))
        d = t.mean() - c.mean()
        q = stats.t.ppf(0.975, df)
        rows.append((m, c.mean(), t.mean(), d, d - q * se, d + q * se, d / c.mean()))
    return pd.DataFrame(rows, columns=["metric", "control_mean", "treatment_mean", "difference", "ci_low",
                                       "ci_high", "relative"]).set_index("metric")


def good_cuped(outcomes, assignments, metric, pre_metric):
    data = _arms(outcomes, assignments)
    y, x = data[metric].to_numpy(float), data[pre_metric].to_numpy(float)
    theta = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    adj = y - theta * (x - x.mean())
    t = (data["variant"] == "treatment").to_numpy()
    se = np.sqrt(adj[t].var(ddof=1) / t.sum() + adj[~t].var(ddof=1) / (~t).sum())
    return pd.Series({"theta": theta, "difference": adj[t].mean() - adj[~t].mean(), "se": se,
                      "variance_reduction": 1 - adj.var() / y.var()})


def good_peeking_error(looks, alpha, simulations, seed):
    """Simulates customers: 50 per arm per look, a z-test of the means so far."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((simulations, looks, 50)).mean(axis=2)
    b = rng.standard_normal((simulations, looks, 50)).mean(axis=2)
    k = np.arange(1, looks + 1)
    z = (a.cumsum(axis=1) / k - b.cumsum(axis=1) / k) / np.sqrt(2 / (50 * k))
    return float((np.abs(z) > stats.norm.ppf(1 - alpha / 2)).any(axis=1).mean())


def good_exposure_value(exposures, click_value, unsubscribe_cost):
    t = exposures.pivot_table(index="emails_planned", values=["clicked", "unsubscribed"], aggfunc="mean")
    t = t.rename(columns={"clicked": "click_rate", "unsubscribed": "unsubscribe_rate"})
    t["customers"] = exposures["emails_planned"].value_counts()
    t["value_per_customer"] = click_value * t["click_rate"] - unsubscribe_cost * t["unsubscribe_rate"]
    return t.sort_index()


def good_its_fit(counts, change_date):
    s = counts.sort_index()
    d = s.index
    t = np.asarray((d - d.min()).days, dtype=float)
    t0 = (change_date - d.min()).days
    post = np.asarray(d >= change_date, dtype=float)
    X = np.column_stack([np.ones(len(s)), t / 100, post, post * (t - t0)]
                        + [np.asarray(d.day_of_week == k, dtype=float) for k in (0, 1, 2, 3, 4, 5)])
    y = s.to_numpy(float)
    beta = np.zeros(X.shape[1])
    beta[0] = np.log(y.mean())
    for _ in range(100):
        mu = np.exp(X @ beta)
        beta = beta + np.linalg.solve((X.T * mu) @ X, X.T @ (y - mu))
    mu = np.exp(X @ beta)
    phi = ((y - mu) ** 2 / mu).sum() / (len(y) - X.shape[1])
    se = np.sqrt(phi * np.linalg.inv((X.T * mu) @ X)[2, 2])
    return pd.Series({"step_rate_ratio": np.exp(beta[2]), "ci_low": np.exp(beta[2] - 1.96 * se),
                      "ci_high": np.exp(beta[2] + 1.96 * se), "slope_change_per_day": beta[3],
                      "dispersion": phi})


def good_pilot_decision(readout, criteria):
    p = readout.loc[criteria["primary"]]
    g = readout.loc[criteria["guardrail"]]
    stop = p["ci_high"] < criteria["min_gain"] or g["ci_low"] > criteria["max_cost"]
    ship = p["ci_low"] > 0 and p["difference"] >= criteria["min_gain"] and g["ci_high"] <= criteria["max_cost"]
    return "stop" if stop else "ship" if ship else "extend"


RIGHT = [(checks.sample_size, good_sample_size), (checks.srm_check, good_srm_check),
         (checks.readout, good_readout), (checks.cuped, good_cuped), (checks.peeking_error, good_peeking_error),
         (checks.exposure_value, good_exposure_value), (checks.its_fit, good_its_fit),
         (checks.pilot_decision, good_pilot_decision)]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {f"ex{i + 1}_answer": ex for i, ex in enumerate(EXERCISES)}


def function_from(source: str):
    def poisson_glm(y, X, iterations=50):
        y, X = np.asarray(y, float), np.asarray(X, float)
        beta = np.zeros(X.shape[1])
        beta[0] = np.log(y.mean())
        for _ in range(iterations):
            mu = np.exp(X @ beta)
            beta = beta + np.linalg.solve((X.T * mu) @ X, X.T @ (y - mu))
        mu = np.exp(X @ beta)
        return beta, np.linalg.inv((X.T * mu) @ X), mu

    namespace = {"pd": pd, "np": np, "stats": stats, "PILOT_ID": PILOT_ID, "SRM_THRESHOLD": SRM_THRESHOLD,
                 "poisson_glm": poisson_glm}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass(capsys):
    # srm: experiment_id as a column, not the index; extra columns
    checks.srm_check.check(lambda a, e: good_srm_check(a, e).reset_index().assign(df=1))
    # readout: the normal 1.96 interval; columns in another order; metric as a column
    def z_readout(o, a, metrics):
        out = good_readout(o, a, metrics)
        data = _arms(o, a)
        for m in metrics:
            t = data.loc[data["variant"] == "treatment", m]
            c = data.loc[data["variant"] == "control", m]
            se = np.sqrt(t.var() / len(t) + c.var() / len(c))
            out.loc[m, ["ci_low", "ci_high"]] = out.loc[m, "difference"] - 1.96 * se, out.loc[m, "difference"] + 1.96 * se
        return out[out.columns[::-1]].reset_index()
    checks.readout.check(z_readout)
    # cuped: a dict instead of a Series; population variances in both theta terms
    def dict_cuped(o, a, m, p):
        out = good_cuped(o, a, m, p).to_dict()
        data = _arms(o, a)
        x, y = data[p].to_numpy(float), data[m].to_numpy(float)
        out["theta"] = np.cov(x, y, ddof=0)[0, 1] / np.var(x)
        return out
    checks.cuped.check(dict_cuped)
    # exposure: emails_planned as a column; int rates for whole shares do not matter
    checks.exposure_value.check(lambda e, c, u: good_exposure_value(e, c, u).reset_index())
    # its: a dict; decision: upper-case words with spaces
    checks.its_fit.check(lambda s, d: good_its_fit(s, d).to_dict())
    checks.pilot_decision.check(lambda r, c: f" {good_pilot_decision(r, c).upper()} ")
    assert capsys.readouterr().out.count("✓") == 6


def test_checks_use_fresh_examples():
    a, b = checks.example_pilot(), checks.example_pilot()
    a[0].loc[0, "satisfaction"] = 99
    assert b[0].loc[0, "satisfaction"] != 99
    s = checks.example_counts()
    s.iloc[0] = -1
    assert checks.example_counts().iloc[0] != -1


# --- wrong types, crashes ------------------------------------------------------------------------

@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    message = failure(exercise, lambda *args: [1, 2])
    assert "list" in message and "Where to look" in message


def test_crash_is_plain_words():
    assert "raised KeyError" in failure(checks.readout, lambda o, a, m: o["nps"])
    assert "missing column" in failure(checks.srm_check,
                                       lambda a, e: good_srm_check(a, e).drop(columns="chi2"))


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)



def test_every_issue_mistake_is_catalogued():
    """The wrong answers the methods notes single out for lab 11 are in the catalogue."""
    text = " ".join(m.description.lower() for items in MISTAKES.values() for m in items)
    for phrase in ("upside down", "one-sided", "last look", "not cumulative", "variant of the design",
                   "day-of-week", "time in rows"):
        assert phrase in text, phrase


# --- the worked examples can tell right from wrong, and no message leaks an answer -------------

def test_worked_examples_are_well_posed():
    a, e = checks.example_assignments(), checks.example_experiments()
    assert not a["experiment_id"].is_monotonic_increasing, "rows are mixed"
    ref = good_srm_check(a, e)
    assert ref["srm"].tolist() == [False, True, True] and 0.001 < ref.loc[1, "p_value"] < 0.05
    o, asg = checks.example_pilot()
    assert set(asg["experiment_id"]) == {1, 2} and asg["customer_id"].duplicated().any()
    counts = checks.example_counts()
    assert not counts.index.is_monotonic_increasing
    assert checks.EXAMPLE_CHANGE in counts.index
    assert (counts.sort_index().index.to_series().diff().dt.days > 1).any(), "the series has a gap"
    decisions = [good_pilot_decision(r, checks.EXAMPLE_CRITERIA) for r in checks.example_readouts().values()]
    assert set(decisions) == {"ship", "stop", "extend"}


def _numbers(value) -> set[str]:
    out = set()
    if isinstance(value, pd.DataFrame):
        for c in value.columns:
            out |= _numbers(value[c])
    elif isinstance(value, pd.Series):
        for v in value.to_numpy():
            out |= _numbers(v)
    elif isinstance(value, dict):
        for v in value.values():
            out |= _numbers(v)
    elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        v = float(value)
        if abs(v) >= 0.01 and not float(v).is_integer():
            out |= {f"{v:.3f}", f"{v:.2f}"}
        elif float(v).is_integer() and abs(v) >= 10:
            out.add(str(int(v)))
    return out


def test_failure_messages_never_print_the_expected_values():
    answers = {
        "1": [good_sample_size(*args) for args in ((0.20, 0.25, 0.05, 0.8), (0.30, 0.35, 0.05, 0.8))],
        "2": good_srm_check(checks.example_assignments(), checks.example_experiments()),
        "3": good_readout(*checks.example_pilot(), ["satisfaction", "cost_usd"]),
        "4": good_cuped(*checks.example_pilot(), "satisfaction", "pre_satisfaction"),
        "6": good_exposure_value(checks.example_exposures(), 4.0, 15.0),
        "7": good_its_fit(checks.example_counts(), checks.EXAMPLE_CHANGE),
    }
    secrets = set()
    for value in answers.values():
        secrets |= _numbers(value) if not isinstance(value, list) else {str(v) for v in value}
    secrets -= {"0.05", "0.25", "0.80", "0.30", "0.35", "0.50", "1.96", "0.95", "0.90", "4.00", "15.00"}
    messages = [failure(ex, lambda *a, **k: 1 / 0) for ex in EXERCISES]
    for answer_id, items in MISTAKES.items():
        for m in items:
            try:
                CHECK_OF_ANSWER[answer_id].check(function_from(m.source))
            except CheckFailed as exc:
                messages.append(str(exc))
    for message in messages:
        found = [s for s in secrets if re.search(rf"(?<![\d.]){re.escape(s)}(?![\d])", message)]
        assert not found, (found, message)
