"""Unit tests of cxlabs.checks.lab16: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from check_support import assert_named, catalogue, failure
from mistakes.lab16 import MISTAKES
from scipy.optimize import Bounds, LinearConstraint, milp

from cxlabs.checks import lab16 as checks
from cxlabs.feedback import CheckFailed

SCORE_COLUMNS = ["process_score", "data_score", "digital_score", "people_score"]

# --- reference answers (written independently of the check module and the notebook) ---------


def good_tiers(markets):
    total = markets[SCORE_COLUMNS].sum(axis=1)
    tier = pd.cut(total, [-1, 9, 13, 99], labels=["emerging", "developing", "leading"]).astype(str)
    return pd.DataFrame({"mean_score": (total / 4).to_numpy(), "tier": tier.to_numpy()}, index=markets["market"].to_numpy())


def good_effect(team_months, trials):
    out = {}
    for _, t in trials.iterrows():
        d = team_months[team_months["market"] == t["market"]]
        inside = d["month"].between(t["started_on"], t["ended_on"])
        change = d[inside].groupby("team_id")["csat_mean"].mean() - d[~inside].groupby("team_id")["csat_mean"].mean()
        adopter = d.groupby("team_id")["adopter"].first()
        a, o = change[adopter], change[~adopter]
        effect = a.mean() - o.mean()
        se = np.sqrt(a.var() / len(a) + o.var() / len(o))
        out[t["market"]] = {"effect": effect, "se": se, "ci_low": effect - 1.96 * se, "ci_high": effect + 1.96 * se}
    return pd.DataFrame(out).T


def good_judge(effects, trials):
    rows = {}
    for _, t in trials.iterrows():
        e = effects.loc[t["market"]]
        late = t["criteria_registered_on"] > t["started_on"]
        ok = e["effect"] >= t["min_effect"] and e["ci_low"] > 0
        rows[t["market"]] = {"criteria_in_time": not late,
                             "verdict": "not valid" if late else ("success" if ok else "failure")}
    return pd.DataFrame(rows).T.astype({"criteria_in_time": bool})


def good_local(requests, years):
    net = years * (requests["annual_benefit_usd"] - requests["annual_upkeep_usd"]) - requests["one_off_cost_usd"]
    return pd.DataFrame({"net_value_usd": net.to_numpy(), "approve": ((requests["reason"] == "legal") | (net >= 0)).to_numpy()},
                        index=requests["request_id"].to_numpy())


def good_portfolio(initiatives, rules):
    best, chosen = -1, []
    rows = initiatives.to_dict("records")
    for k in range(len(rows) + 1):
        for combo in itertools.combinations(rows, k):
            spend = sum(r["cost_kusd"] for r in combo)
            prev = sum(r["cost_kusd"] for r in combo if r["category"] == "prevention")
            if (spend <= rules["budget_kusd"] and sum(r["risk_points"] for r in combo) <= rules["risk_limit_points"]
                    and sum(r["kind"] == "disruptive" for r in combo) <= rules["max_disruptive"]
                    and prev >= rules["min_prevention_share"] * spend):
                value = sum(r["expected_benefit_kusd"] for r in combo)
                if value > best:
                    best, chosen = value, sorted(r["initiative_id"] for r in combo)
    return chosen


def good_credits(performance, tiers):
    out = []
    for _, p in performance.iterrows():
        t = tiers[(tiers["vendor"] == p["vendor"]) & (tiers["at_least_pct"] <= p["customer_facing_pct"])]
        pct = t.sort_values("at_least_pct")["credit_pct"].iloc[-1]
        out.append((p["vendor"], p["month"], pct, p["fee_usd"] * pct / 100))
    return pd.DataFrame(out, columns=["vendor", "month", "credit_pct", "credit_usd"]).set_index(["vendor", "month"])


def good_themes(insights, keywords):
    def one(note):
        for theme, words in keywords.items():
            if any(w.lower() in note.lower() for w in words):
                return theme
        return "other"
    return insights["note"].map(one)


def good_claim(volume, reason, since, days):
    lo, hi = since - pd.Timedelta(days=days), since + pd.Timedelta(days=days)
    b = volume[volume["date"].between(lo, since, inclusive="left")]
    a = volume[volume["date"].between(since, hi, inclusive="left")]
    sb = b.loc[b["reason"] == reason, "contacts"].sum() / b["contacts"].sum()
    sa = a.loc[a["reason"] == reason, "contacts"].sum() / a["contacts"].sum()
    return {"share_before": sb, "share_after": sa, "ratio": sa / sb}


RIGHT = [(checks.maturity_tiers, good_tiers), (checks.practice_effect, good_effect), (checks.judge_trials, good_judge),
         (checks.localisation_decisions, good_local), (checks.best_portfolio, good_portfolio),
         (checks.service_credits, good_credits), (checks.tag_themes, good_themes), (checks.claim_check, good_claim)]
EXERCISES = [ex for ex, _ in RIGHT]
CHECK_OF_ANSWER = {f"ex{i + 1}_answer": ex for i, ex in enumerate(EXERCISES)}


def function_from(source: str):
    namespace = {"pd": pd, "np": np, "milp": milp, "LinearConstraint": LinearConstraint, "Bounds": Bounds,
                 "SCORE_COLUMNS": SCORE_COLUMNS}
    before = set(namespace)
    exec(source, namespace)
    return next(v for k, v in namespace.items() if k not in before and callable(v))


# --- right answers pass ----------------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", RIGHT, ids=[ex.number for ex, _ in RIGHT])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_other_idioms_pass():
    checks.maturity_tiers.check(lambda m: good_tiers(m).iloc[::-1].rename_axis("market")[["tier", "mean_score"]])
    checks.practice_effect.check(lambda tm, tr: good_effect(tm, tr).astype(float).assign(extra=1).iloc[::-1])
    checks.localisation_decisions.check(lambda r, y: good_local(r, y).astype({"net_value_usd": "Int64"}))
    checks.best_portfolio.check(lambda i, r: np.array(good_portfolio(i, r)))
    checks.tag_themes.check(lambda i, k: good_themes(i, k).to_frame("theme"))


def test_checks_use_fresh_examples():
    def mutating(markets):
        markets["process_score"] = 5
        return good_tiers(markets)

    with pytest.raises(CheckFailed):
        checks.maturity_tiers.check(mutating)
    checks.maturity_tiers.check(good_tiers)


@pytest.mark.parametrize("exercise", EXERCISES, ids=[ex.number for ex in EXERCISES])
def test_wrong_type_is_plain_words(exercise):
    message = failure(exercise, lambda *args: "done")
    assert "returned str" in message


def test_crash_and_missing_columns_are_plain_words():
    assert "raised KeyError" in failure(checks.maturity_tiers, lambda m: m["score"])
    assert "missing column" in failure(checks.service_credits, lambda p, t: good_credits(p, t).drop(columns="credit_usd"))


# --- every catalogued mistake is named by the visible check ------------------------------------

@pytest.mark.parametrize("answer_id, mistake", catalogue(MISTAKES))
def test_catalogued_mistake_is_named(answer_id, mistake):
    assert_named(CHECK_OF_ANSWER[answer_id], function_from(mistake.source), mistake)



# --- the worked examples can tell right from wrong ---------------------------------------------

def test_hand_worked_answers_match_the_references():
    t = good_tiers(checks.example_markets())
    assert t["mean_score"].tolist() == checks._MEAN and t["tier"].tolist() == checks._TIER
    e = good_effect(checks.example_team_months(), checks.example_trials())
    assert np.allclose(e["effect"].astype(float), checks._EFFECT) and np.allclose(e["se"].astype(float), checks._SE)
    j = good_judge(checks.example_effects(), checks.example_judged_trials())
    assert j["verdict"].tolist() == checks._VERDICT and j["criteria_in_time"].tolist() == checks._IN_TIME
    loc = good_local(checks.example_requests(), checks.EXAMPLE_YEARS)
    assert loc["net_value_usd"].tolist() == checks._NET and loc["approve"].tolist() == checks._APPROVE
    assert good_portfolio(checks.example_initiatives(), checks.EXAMPLE_RULES) == checks._BEST
    c = good_credits(checks.example_performance(), checks.example_tiers())
    assert c["credit_pct"].tolist() == checks._CREDIT_PCT
    assert good_themes(checks.example_insights(), checks.EXAMPLE_KEYWORDS).to_dict() == checks._THEMES
    got = good_claim(checks.example_volume(), "returns", checks.EXAMPLE_SINCE, checks.EXAMPLE_DAYS)
    assert np.allclose([got["share_before"], got["share_after"]], checks._SHARES)


def test_worked_examples_sit_on_the_boundaries():
    m = checks.example_markets()
    assert set(m[SCORE_COLUMNS].mean(axis=1)) >= {2.5, 3.5}
    j = checks.example_judged_trials()
    assert (j["criteria_registered_on"] == j["started_on"]).any()
    e = checks.example_effects()
    assert (e["effect"] == 0.1).any() and (e["ci_low"] == 0).any()
    p, t = checks.example_performance(), checks.example_tiers()
    assert p["customer_facing_pct"].isin(t["at_least_pct"]).sum() >= 4 and (p["customer_facing_pct"] == 100).any()


# --- never print the expected values; hints progress -------------------------------------------

def test_messages_do_not_leak_expected_values():
    message = failure(checks.practice_effect, lambda tm, tr: good_effect(tm, tr).assign(effect=1.0))
    assert "0.35" not in message and "0.25" not in message
    message = failure(checks.best_portfolio, lambda i, r: [101])
    assert "103" not in message and "105" not in message and "107" not in message
    message = failure(checks.claim_check, lambda v, r, s, d: {"share_before": 0.5, "share_after": 0.5, "ratio": 1.0})
    assert "0.28" not in message and "0.14" not in message


def test_hints_progress(capsys):
    for ex in EXERCISES:
        assert len(ex.hints) >= 2 and len(set(ex.hints)) == len(ex.hints)
        ex._hints_shown = 0
        ex.hint()
        ex.hint()
        out = capsys.readouterr().out
        assert "Hint 1/" in out and "Hint 2/" in out
