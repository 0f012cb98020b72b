"""Common wrong answers for Lab 14 (Watching automated decisions: drift, decay, fairness).

Each source replaces a whole answer cell of ``solutions/lab14/lab14_watching_decisions.ipynb``;
the exercise's test cell must then fail in the grader, and the visible check's message must
contain ``visible`` (``None``: only the grader catches it).
"""

from . import Mistake

_PSI = '''
def psi(baseline, current):
    b = pd.Series(baseline).astype("float64").dropna()
    c = pd.Series(current).astype("float64").dropna()
    edges = np.unique(np.quantile(EDGES_FROM, np.linspace(0.1, 0.9, 9)))
    bins = np.r_[-np.inf, edges, np.inf]
    e = pd.cut(b, bins, right=RIGHT).value_counts(normalize=True, sort=False).to_numpy()
    a = pd.cut(c, bins, right=RIGHT).value_counts(normalize=True, sort=False).to_numpy()
    FLOOR
    return float(np.sum(FORMULA))
'''


def _psi(edges_from="b", right="True", floor="e, a = np.maximum(e, EPS), np.maximum(a, EPS)",
         formula="(a - e) * np.log(a / e)") -> str:
    return (_PSI.replace("EDGES_FROM", edges_from).replace("RIGHT", right).replace("FLOOR", floor)
            .replace("FORMULA", formula))


_PSI_EQUAL_WIDTH = '''
def psi(baseline, current):
    b = pd.Series(baseline).astype("float64").dropna()
    c = pd.Series(current).astype("float64").dropna()
    bins = np.r_[-np.inf, np.linspace(b.min(), b.max(), 11)[1:-1], np.inf]
    e = pd.cut(b, bins).value_counts(normalize=True, sort=False).to_numpy()
    a = pd.cut(c, bins).value_counts(normalize=True, sort=False).to_numpy()
    e, a = np.maximum(e, EPS), np.maximum(a, EPS)
    return float(np.sum((a - e) * np.log(a / e)))
'''

_KS = '''
def ks_by_month(records, feature, baseline_months):
    in_base = records["month"].isin(baseline_months)
    base = records.loc[in_base, feature]DROP
    rows = {}
    for month, g in records[KEEP].groupby("month"):
        result = stats.ks_2samp(base, g[feature]DROP)
        rows[month] = (result.statistic, result.pvalue)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["ks", "p_value"]).rename_axis("month")
'''


def _ks(drop=".dropna()", keep="~in_base") -> str:
    return _KS.replace("DROP", drop).replace("KEEP", keep)


_KS_PREVIOUS = '''
def ks_by_month(records, feature, baseline_months):
    in_base = records["month"].isin(baseline_months)
    months = sorted(records["month"].unique())
    rows = {}
    for i, month in enumerate(months):
        if month in set(pd.to_datetime(baseline_months)):
            continue
        before = records.loc[records["month"] == months[i - 1], feature].dropna()
        now = records.loc[records["month"] == month, feature].dropna()
        result = stats.ks_2samp(before, now)
        rows[month] = (result.statistic, result.pvalue)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["ks", "p_value"]).rename_axis("month")
'''

_PERF = '''
def monthly_performance(records):
    known = KNOWN
    repaid = (~known["delinquent_3m"].fillna(False).astype(bool)).astype(int)
    rows = {}
    for month, g in known.groupby("month"):
        y = repaid.loc[g.index]
        s = g["score"]
        u = stats.mannwhitneyu(s[y == POS], s[y == 1 - POS]).statistic
        auc = u / ((y == 1).sum() * (y == 0).sum())
        rows[month] = (len(g), auc, float(((s - BRIER_Y) ** 2).mean()))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["applications", "auc", "brier"]).rename_axis("month")
'''


def _perf(known='records[records["delinquent_3m"].notna()]', pos="1", brier_y="y") -> str:
    return _PERF.replace("KNOWN", known).replace("POS", pos).replace("BRIER_Y", brier_y)


_TRIGGER = '''
def retraining_month(auc, baseline_months, delta, consecutive):
    auc = auc.sort_index()
    in_base = auc.index.isin(baseline_months)
    threshold = auc[in_base].mean() - delta
    run = 0
    for month, value in auc[AFTER].items():
        run = RUN
        if run == consecutive:
            return RETURN
    return None
'''


def _trigger(after="~in_base", run="run + 1 if value < threshold else 0", ret="month") -> str:
    return _TRIGGER.replace("AFTER", after).replace("RUN", run).replace("RETURN", ret)


_TRIGGER_FIRST = '''
def retraining_month(auc, baseline_months, delta, consecutive):
    auc = auc.sort_index()
    in_base = auc.index.isin(baseline_months)
    threshold = auc[in_base].mean() - delta
    below = auc[~in_base][auc[~in_base] < threshold]
    return below.index[0] if len(below) else None
'''

_TRIGGER_FIRST_OF_RUN = '''
def retraining_month(auc, baseline_months, delta, consecutive):
    auc = auc.sort_index()
    in_base = auc.index.isin(baseline_months)
    threshold = auc[in_base].mean() - delta
    run, start = 0, None
    for month, value in auc[~in_base].items():
        if value < threshold:
            start = month if run == 0 else start
            run += 1
        else:
            run = 0
        if run == consecutive:
            return start
    return None
'''

_SEL = '''
def selection_rates(records, by):
    approved = records["decision"].SELECTED
    g = approved.groupby([records["month"], records[by]])
    out = pd.DataFrame({"applications": g.size(), "selection_rate": g.mean()})
    out["impact_ratio"] = out["selection_rate"] / DENOMINATOR
    return out
'''


def _sel(selected='eq("approve")', denominator='out.groupby(level=0)["selection_rate"].transform("max")') -> str:
    return _SEL.replace("SELECTED", selected).replace("DENOMINATOR", denominator)


_ERR = '''
def error_rates(records, by):
    known = KNOWN
    bad = known["delinquent_3m"].fillna(False).astype(bool)
    approved = known["decision"].APPROVED
    good_rows, bad_rows = known[~bad], known[bad]
    return pd.DataFrame({
        "false_decline_rate": (~approved[~bad]).groupby([good_rows["month"], good_rows[by]]).mean(),
        "false_approval_rate": approved[bad].groupby([bad_rows["month"], bad_rows[by]]).mean(),
    })
'''


def _err(known='records[records["delinquent_3m"].notna()]', approved='eq("approve")') -> str:
    return _ERR.replace("KNOWN", known).replace("APPROVED", approved)


_ERR_BY_DECISION = '''
def error_rates(records, by):
    known = records[records["delinquent_3m"].notna()]
    bad = known["delinquent_3m"].astype(bool)
    approved = known["decision"].eq("approve")
    keys_out, keys_in = [known["month"][~approved], known[by][~approved]], [known["month"][approved], known[by][approved]]
    return pd.DataFrame({
        "false_decline_rate": (~bad[~approved]).groupby(keys_out).mean(),
        "false_approval_rate": bad[approved].groupby(keys_in).mean(),
    })
'''

_RULES = '''
def rule_tests():
    ok = dict(score=0.90, basket_usd=500.0, missed_payments_12m=0, in_collections=False, bureau_age_days=10)
    cases = CASES
    table = pd.DataFrame([{**ok, **change, "expected": want} for change, want in cases])
    table["missed_payments_12m"] = table["missed_payments_12m"].astype("Int64")
    return table
'''


def _rules(cases: str) -> str:
    return _RULES.replace("CASES", cases)


# Only the happy paths: one row per decision, none at an edge.
_HAPPY = '[({}, "approve"), ({"score": 0.8}, "refer"), ({"score": 0.3}, "decline")]'
# The production system's four defects caught, but no boundary of the limits tested.
_NO_LIMITS = ('[({}, "approve"), ({"missed_payments_12m": None}, "refer"), ({"bureau_age_days": 200}, "refer"), '
              '({"in_collections": True}, "refer"), ({"score": 0.85}, "approve")]')
# Every clause tested, but the stale limit not at its edge (91 and 90 left out).
_NO_STALE_EDGE = ('[({}, "approve"), ({"basket_usd": 2500.0}, "approve"), ({"basket_usd": 2600.0}, "decline"), '
                  '({"missed_payments_12m": None}, "refer"), ({"missed_payments_12m": None, "score": 0.5}, "refer"), '
                  '({"bureau_age_days": 200}, "refer"), ({"in_collections": True}, "refer"), '
                  '({"in_collections": True, "missed_payments_12m": 1}, "decline"), ({"missed_payments_12m": 3}, "decline"), '
                  '({"score": 0.85}, "approve"), ({"score": 0.82}, "refer"), ({"score": 0.75}, "refer"), '
                  '({"score": 0.72}, "decline")]')
# A row that expects the production system's decision, not the policy's.
_WRONG_EXPECTED = '[({}, "approve"), ({"missed_payments_12m": None}, "approve"), ({"score": 0.85}, "refer")]'

MISTAKES = {
    "ex1_answer": [
        Mistake("bins closed on the left", _psi(right="False"), visible="closed on the right"),
        Mistake("no floor on empty bins (infinite PSI)", _psi(floor="pass"), visible="floor"),
        Mistake("one-directional KL divergence instead of the PSI", _psi(formula="a * np.log(a / e)"),
                visible="both directions"),
        Mistake("bins from the current sample's deciles", _psi(edges_from="c"), visible="current sample"),
        Mistake("equally wide bins instead of deciles", _PSI_EQUAL_WIDTH, visible="equally wide"),
    ],
    "ex2_answer": [
        Mistake("baseline months compared too", _ks(keep="records.index == records.index"), visible="baseline months"),
        Mistake("missing values not dropped", _ks(drop=""), visible="missing"),
        Mistake("each month against the month before", _KS_PREVIOUS, visible="month before"),
    ],
    "ex3_answer": [
        Mistake("AUC of the score for delinquency (upside down)", _perf(pos="0"), visible="upside down"),
        Mistake("Brier score against delinquency", _perf(brier_y="(1 - y)"), visible="compares the score with delinquency"),
        Mistake("unknown outcomes counted as repaid", _perf(known="records"), visible="not known"),
    ],
    "ex4_answer": [
        Mistake("the first breach triggers (no run)", _TRIGGER_FIRST, visible="first month below"),
        Mistake("breaches counted in all, not in a row", _trigger(run="run + 1 if value < threshold else run"),
                visible="in a row"),
        Mistake("the first month of the run returned", _TRIGGER_FIRST_OF_RUN, visible="first month of the run"),
        Mistake("baseline months counted in the run", _trigger(after="auc.index == auc.index"), visible=None),
    ],
    "ex5_answer": [
        Mistake("referrals counted as selected", _sel(selected='isin(["approve", "refer"])'), visible="referrals"),
        Mistake("impact ratio against the month's overall rate",
                _sel(denominator='records["decision"].eq("approve").groupby(records["month"]).mean()'
                                 '.reindex(out.index.get_level_values(0)).to_numpy()'),
                visible="overall rate"),
        Mistake("impact ratio against the lowest group", _sel(denominator='out.groupby(level=0)["selection_rate"]'
                                                                         '.transform("min")'),
                visible="above 1"),
    ],
    "ex6_answer": [
        Mistake("rates conditioned on the decision, not the outcome", _ERR_BY_DECISION, visible="conditioned on the decision"),
        Mistake("referrals counted as approvals", _err(approved='isin(["approve", "refer"])'), visible="referrals"),
        Mistake("unknown outcomes counted as repaid", _err(known="records"), visible="not known"),
    ],
    "ex7_answer": [
        Mistake("only the happy paths, no edge tested", _rules(_HAPPY), visible="does not catch"),
        Mistake("a row expecting what production does, not the policy", _rules(_WRONG_EXPECTED),
                visible="policy does not give"),
        Mistake("production defects caught, limits not tested at their edges", _rules(_NO_LIMITS), visible=None),
        Mistake("the stale limit not tested at 90 and 91 days", _rules(_NO_STALE_EDGE), visible=None),
    ],
}
