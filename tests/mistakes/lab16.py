"""Common wrong answers for Lab 16 (Investing and scaling across markets).

Each source replaces a whole answer cell of ``solutions/lab16/lab16_markets.ipynb``; the
exercise's test cell must then fail in the grader, and the visible check's message must contain
``visible`` (``None``: only the grader catches it).
"""

from . import Mistake

_TIERS = '''
def maturity_tiers(markets):
    mean = markets.set_index("market")[COLUMNS].MEAN
    tier = np.select([mean LEADING, mean DEVELOPING], ["leading", "developing"], "emerging")
    return pd.DataFrame({"mean_score": mean, "tier": tier}, index=mean.index)
'''


def _tiers(columns="SCORE_COLUMNS", mean="mean(axis=1)", leading=">= 3.5", developing=">= 2.5") -> str:
    return (_TIERS.replace("COLUMNS", columns).replace("MEAN", mean).replace("LEADING", leading)
            .replace("DEVELOPING", developing))


_EFFECT = '''
def practice_effect(team_months, trials):
    t = team_months.merge(trials[["market", "started_on", "ended_on"]], on="market")
    t["during"] = (t["month"] >= t["started_on"]) & (t["month"] <= t["ended_on"])
    means = t.groupby(["market", "team_id", GROUP, "during"])["csat_mean"].mean().unstack("during")
    change = (CHANGE).rename("change").reset_index().rename(columns={GROUP: "adopter"})
    g = change.groupby(["market", "adopter"])["change"]
    mean, var, n = g.mean().unstack(), g.var(ddof=DDOF).unstack(), g.size().unstack()
    effect = mean[True] - mean[False]
    se = np.sqrt(var[True] / n[True] + var[False] / n[False])
    return pd.DataFrame({"effect": effect, "se": se, "ci_low": effect - 1.96 * se, "ci_high": effect + 1.96 * se})
'''


def _effect(group='"adopter"', change="means[True] - means[False]", ddof="1") -> str:
    return _EFFECT.replace("GROUP", group).replace("CHANGE", change).replace("DDOF", ddof)


_POOLED = '''
def practice_effect(team_months, trials):
    t = team_months.merge(trials[["market", "started_on", "ended_on"]], on="market")
    t["during"] = (t["month"] >= t["started_on"]) & (t["month"] <= t["ended_on"])
    g = t.groupby(["market", "adopter", "during"])["csat_mean"].mean().unstack(["adopter", "during"])
    effect = (g[(True, True)] - g[(True, False)]) - (g[(False, True)] - g[(False, False)])
    sd = t[t["during"]].groupby(["market", "adopter"])["csat_mean"].agg(["var", "size"]).unstack()
    se = np.sqrt(sd[("var", True)] / sd[("size", True)] + sd[("var", False)] / sd[("size", False)])
    return pd.DataFrame({"effect": effect, "se": se, "ci_low": effect - 1.96 * se, "ci_high": effect + 1.96 * se})
'''

_JUDGE = '''
def judge_trials(effects, trials):
    t = trials.set_index("market")
    e = effects.reindex(t.index)
    in_time = t["criteria_registered_on"] TIME t["started_on"]
    success = (e["effect"] EFFECT t["min_effect"]) & (e["ci_low"] CI 0)
    verdict = np.where(~in_time, "not valid", np.where(success, "success", "failure"))
    VERDICT
    return pd.DataFrame({"criteria_in_time": in_time, "verdict": verdict}, index=t.index)
'''


def _judge(time="<=", effect=">=", ci=">", verdict="") -> str:
    return (_JUDGE.replace("TIME", time).replace("EFFECT", effect).replace("CI", ci)
            .replace("VERDICT", verdict or "pass"))


_LOCAL = '''
def localisation_decisions(requests, years):
    r = requests.set_index("request_id")
    net = NET
    approve = APPROVE
    return pd.DataFrame({"net_value_usd": net, "approve": approve})
'''


def _local(net='years * (r["annual_benefit_usd"] - r["annual_upkeep_usd"]) - r["one_off_cost_usd"]',
           approve='(r["reason"] == "legal") | (net >= 0)') -> str:
    return _LOCAL.replace("NET", net).replace("APPROVE", approve)


_PORTFOLIO = '''
def best_portfolio(initiatives, rules):
    cost = initiatives["cost_kusd"].to_numpy(float)
    prevention = (initiatives["category"] == "prevention").to_numpy(float)
    disruptive = (initiatives["kind"] == "disruptive").to_numpy(float)
    share = rules["min_prevention_share"]
    a = np.vstack([cost, initiatives["risk_points"].to_numpy(float), disruptive, PREVENTION])
    limits = LinearConstraint(a, [-np.inf, -np.inf, -np.inf, FLOOR],
                              [rules["budget_kusd"], RISK, rules["max_disruptive"], np.inf])
    res = milp(-initiatives["expected_benefit_kusd"].to_numpy(float), constraints=limits,
               integrality=INTEGRALITY, bounds=Bounds(0, 1))
    chosen = np.floor(res.x + 1e-9).astype(bool)
    return sorted(int(i) for i in initiatives.loc[chosen, "initiative_id"])
'''


def _portfolio(prevention="cost * (prevention - share)", floor="0", risk='rules["risk_limit_points"]',
               integrality="np.ones(len(cost))") -> str:
    return (_PORTFOLIO.replace("PREVENTION", prevention).replace("FLOOR", floor).replace("RISK", risk)
            .replace("INTEGRALITY", integrality))


_GREEDY = '''
def best_portfolio(initiatives, rules):
    chosen = []
    order = initiatives.assign(ratio=initiatives["expected_benefit_kusd"] / initiatives["cost_kusd"])
    for _, row in order.sort_values("ratio", ascending=False).iterrows():
        trial = initiatives[initiatives["initiative_id"].isin(chosen + [row["initiative_id"]])]
        spend = trial["cost_kusd"].sum()
        prevention = trial.loc[trial["category"] == "prevention", "cost_kusd"].sum()
        if (spend <= rules["budget_kusd"] and trial["risk_points"].sum() <= rules["risk_limit_points"]
                and (trial["kind"] == "disruptive").sum() <= rules["max_disruptive"]
                and prevention >= rules["min_prevention_share"] * spend):
            chosen.append(int(row["initiative_id"]))
    return sorted(chosen)
'''

_CREDITS = '''
def service_credits(performance, tiers):
    m = performance.merge(tiers, on="vendor")
    value = m[MEASURE]
    inside = INSIDE
    m = m[inside].set_index(["vendor", "month"])
    return pd.DataFrame({"credit_pct": m["credit_pct"], "credit_usd": m["fee_usd"] * m["credit_pct"] / 100})
'''


def _credits(measure='"customer_facing_pct"',
             inside='(value >= m["at_least_pct"]) & ((value < m["below_pct"]) | (m["below_pct"] == 100))') -> str:
    return _CREDITS.replace("MEASURE", measure).replace("INSIDE", inside)


_THEMES = '''
def tag_themes(insights, keywords):
    text = insights["note"]LOWER
    theme = pd.Series("other", index=insights.index)
    for name, words in ORDER:
        hit = pd.Series(False, index=insights.index)
        for w in words:
            hit |= text.str.contains(w.lower(), regex=False)
        theme[hit] = name
    return theme
'''


def _themes(lower=".str.lower()", order="reversed(list(keywords.items()))") -> str:
    return _THEMES.replace("LOWER", lower).replace("ORDER", order)


_CLAIM = '''
def claim_check(volume, reason, since, days):
    before = volume[(volume["date"] BEFORE_LO since - pd.Timedelta(days=days)) & (volume["date"] BEFORE_HI since)]
    after = volume[(volume["date"] >= since) & (volume["date"] < since + pd.Timedelta(days=days))]

    def share(v):
        return SHARE

    b, a = share(before), share(after)
    return {"share_before": float(b), "share_after": float(a), "ratio": float(a / b)}
'''


def _claim(lo=">=", hi="<", share='v.loc[v["reason"] == reason, "contacts"].sum() / v["contacts"].sum()') -> str:
    return _CLAIM.replace("BEFORE_LO", lo).replace("BEFORE_HI", hi).replace("SHARE", share)


_DAILY = ('v.assign(mine=v["contacts"].where(v["reason"] == reason, 0)).groupby("date")[["mine", "contacts"]]'
          '.sum().pipe(lambda d: (d["mine"] / d["contacts"]).mean())')

MISTAKES = {
    "ex1_answer": [
        Mistake("a mean exactly on a threshold put in the lower tier", _tiers(leading="> 3.5", developing="> 2.5"),
                visible="higher tier"),
        Mistake("the four scores summed, not averaged", _tiers(mean="sum(axis=1) / 1"), visible="sum of the four"),
        Mistake("years of trading counted as a fifth score",
                _tiers(columns='SCORE_COLUMNS + ["years_trading"]'), visible="do not count"),
    ],
    "ex2_answer": [
        Mistake("adopters against the others in the trial months only", _effect(change="means[True]"),
                visible="trial months only"),
        Mistake("population variances in the standard error", _effect(ddof="0"), visible="ddof=0"),
        Mistake("group means and team-month variances instead of each team's change", _POOLED, visible=None),
        Mistake("the effect the wrong way round", _effect(change="means[False] - means[True]"),
                visible="wrong sign"),
    ],
    "ex3_answer": [
        Mistake("criteria registered late still judged", _judge(verdict='verdict = np.where(success, "success", '
                                                                        '"failure")'),
                visible="not valid"),
        Mistake("criteria on the start day counted late", _judge(time="<"), visible="start day"),
        Mistake("an effect exactly at the minimum counted as failure", _judge(effect=">"), visible="at least"),
        Mistake("an interval touching 0 counted as success", _judge(ci=">="), visible="above 0"),
    ],
    "ex4_answer": [
        Mistake("yearly upkeep left out", _local(net='years * r["annual_benefit_usd"] - r["one_off_cost_usd"]'),
                visible="upkeep"),
        Mistake("one year only", _local(net='r["annual_benefit_usd"] - r["annual_upkeep_usd"] - r["one_off_cost_usd"]'),
                visible="one year"),
        Mistake("breaking even rejected", _local(approve='(r["reason"] == "legal") | (net > 0)'), visible="breaks even"),
        Mistake("legal requests judged on money", _local(approve="net >= 0"), visible="legal"),
    ],
    "ex5_answer": [
        Mistake("risk limit ignored", _portfolio(risk="np.inf"), visible="risk limit"),
        Mistake("prevention share of the budget, not of the money spent",
                _portfolio(prevention="cost * prevention", floor='share * rules["budget_kusd"]'),
                visible="whole budget"),
        Mistake("prevention rule left out", _portfolio(floor="-np.inf"), visible="prevention rule is missing"),
        Mistake("greedy by benefit per dollar", _GREEDY, visible="benefit per dollar"),
        Mistake("linear relaxation rounded down", _portfolio(integrality="np.zeros(len(cost))"), visible=None),
    ],
    "ex6_answer": [
        Mistake("the vendor's internal uptime instead of the customer-facing measure",
                _credits(measure='"internal_uptime_pct"'), visible="internal uptime"),
        Mistake("bounds inclusive on the wrong side",
                _credits(inside='(value > m["at_least_pct"]) & (value <= m["below_pct"])'), visible="worse tier"),
        Mistake("a measure of exactly 100 dropped",
                _credits(inside='(value >= m["at_least_pct"]) & (value < m["below_pct"])'), visible="exactly 100"),
    ],
    "ex7_answer": [
        Mistake("case-sensitive matching", _themes(lower=""), visible="upper case"),
        Mistake("the last matching theme wins", _themes(order="keywords.items()"), visible="last one"),
    ],
    "ex8_answer": [
        Mistake("mean of daily shares", _claim(share=_DAILY), visible="means of daily shares"),
        Mistake("counts instead of shares", _claim(share='v.loc[v["reason"] == reason, "contacts"].sum()'),
                visible="not counts"),
        Mistake("the before window one day too long, ending on the claim's day", _claim(lo=">", hi="<="),
                visible="windows"),
    ],
}
