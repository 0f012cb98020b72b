"""Common wrong answers for Lab 11 (Experiments for marketing and operations).

Each source replaces a whole answer cell of ``solutions/lab11/lab11_experiments.ipynb``; the
exercise's test cell must then fail, and the visible check's message must contain
``visible`` (``None``: only the grader catches it).
"""

from . import Mistake

_SIZE = '''
def sample_size(p_control, p_treatment, alpha=0.05, power=0.8):
    z_a = stats.norm.ppf(Z_A)
    z_b = stats.norm.ppf(power)
    p_bar = (p_control + p_treatment) / 2
    spread = z_a * np.sqrt(2 * p_bar * (1 - p_bar)) + POWER * np.sqrt(
        p_control * (1 - p_control) + p_treatment * (1 - p_treatment))
    return ROUND(ARMS * spread**2 / (p_treatment - p_control) ** 2)
'''


def _size(z_a="1 - alpha / 2", power="z_b", rounding="int(np.ceil", arms="1") -> str:
    src = _SIZE.replace("Z_A", z_a).replace("POWER", power).replace("ARMS", arms)
    closing = ")" if rounding.startswith("int(") else ""
    return src.replace("ROUND(", rounding + "(").rstrip() + closing + "\n"


_SIZE_KOHAVI = '''
def sample_size(p_control, p_treatment, alpha=0.05, power=0.8):
    return int(np.ceil(16 * p_control * (1 - p_control) / (p_treatment - p_control) ** 2))
'''

_SRM = '''
def srm_check(assignments, experiments):
    rows = []
    for e in experiments.itertuples(index=False):
        variants = [v.strip() for v in e.variants.split(",")]
        counts = FILTERED["variant"].value_counts()
        observed = COUNTS
        chi2, p = stats.chisquare(observed)
        rows.append((e.experiment_id, int(observed.sum()), chi2, p))
    out = pd.DataFrame(rows, columns=["experiment_id", "units", "chi2", "p_value"]).set_index("experiment_id")
    out["srm"] = out["p_value"] < THRESHOLD
    return out
'''


def _srm(filtered='assignments[assignments["experiment_id"] == e.experiment_id]',
         counts="counts.reindex(variants, fill_value=0).to_numpy()", threshold="SRM_THRESHOLD") -> str:
    return _SRM.replace("FILTERED", filtered).replace("COUNTS", counts).replace("THRESHOLD", threshold)


_READOUT = '''
def readout(outcomes, assignments, metrics):
    groups = GROUPS[["customer_id", "variant"]]
    data = outcomes.merge(groups, on="customer_id")
    rows = {}
    for m in metrics:
        t = data.loc[data["variant"] == "treatment", m].astype(float)
        c = data.loc[data["variant"] == "control", m].astype(float)
        test = stats.ttest_ind(t, c, equal_var=EQUAL)
        ci = test.confidence_interval(LEVEL)
        rows[m] = {"control_mean": c.mean(), "treatment_mean": t.mean(), "difference": DIFF,
                   "ci_low": ci.low, "ci_high": ci.high}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["relative"] = out["difference"] / out["control_mean"]
    out.index.name = "metric"
    return out
'''


def _readout(groups='assignments.loc[assignments["experiment_id"] == PILOT_ID]', equal="False", level="0.95",
             diff='t.mean() - c.mean()') -> str:
    return (_READOUT.replace("GROUPS", groups).replace("EQUAL", equal).replace("LEVEL", level)
            .replace("DIFF", diff))


_READOUT_SIGN = _readout().replace('test = stats.ttest_ind(t, c, equal_var=False)',
                                   'test = stats.ttest_ind(c, t, equal_var=False)')

_CUPED = '''
def cuped(outcomes, assignments, metric, pre_metric):
    groups = assignments.loc[assignments["experiment_id"] == PILOT_ID, ["customer_id", "variant"]]
    data = outcomes.merge(groups, on="customer_id")
    y, x = data[metric].astype(float), data[pre_metric].astype(float)
    theta = THETA
    adjusted = y - theta * (x - CENTRE)
    treated = data["variant"] == "treatment"
    a, b = adjusted[treated], adjusted[~treated]
    return pd.Series({"theta": theta, "difference": a.mean() - b.mean(),
                      "se": np.sqrt(a.var() / len(a) + b.var() / len(b)),
                      "variance_reduction": 1 - adjusted.var() / y.var()})
'''


def _cuped(theta="np.cov(x, y)[0, 1] / x.var()", centre="x.mean()") -> str:
    return _CUPED.replace("THETA", theta).replace("CENTRE", centre)


_PEEK = '''
def peeking_error(looks, alpha, simulations, seed):
    rng = np.random.default_rng(seed)
    steps = rng.standard_normal((simulations, looks))
    z = Z
    return float((np.abs(z) > stats.norm.ppf(1 - alpha / 2)).ANY.mean())
'''


def _peek(z="steps.cumsum(axis=1) / np.sqrt(np.arange(1, looks + 1))", any_="any(axis=1)") -> str:
    return _PEEK.replace("Z", z, 1).replace("ANY", any_)


_PEEK_LAST = _peek(any_="any(axis=1)").replace("(np.abs(z) >", "(np.abs(z[:, -1:]) >")

_EXPOSURE = '''
def exposure_value(exposures, click_value, unsubscribe_cost):
    g = exposures.groupby(BY)
    out = pd.DataFrame({"customers": g.size(), "click_rate": g["clicked"].MEAN(),
                        "unsubscribe_rate": g["unsubscribed"].mean()})
    out["value_per_customer"] = click_value * out["click_rate"] SIGN unsubscribe_cost * out["unsubscribe_rate"]
    return out.sort_index()
'''


def _exposure(by='"emails_planned"', mean="mean", sign="-") -> str:
    return _EXPOSURE.replace("BY", by).replace("MEAN", mean).replace("SIGN", sign)


_ITS = '''
def its_fit(counts, change_date):
    counts = counts.sort_index()
    dates = counts.index
    t = TIME
    t0 = T0
    post = (POST).astype(float)
    dow = pd.get_dummies(dates.day_of_week, prefix="dow", drop_first=True, dtype=float).to_numpy()
    X = np.column_stack([np.ones_like(t), t, post, SLOPE, DOW])
    y = counts.to_numpy().astype(float)
    beta, cov, mu = poisson_glm(y, X)
    dispersion = ((y - mu) ** 2 / mu).sum() / (len(y) - X.shape[1])
    se = np.sqrt(SCALE * cov[2, 2])
    return pd.Series({"step_rate_ratio": np.exp(beta[2]), "ci_low": np.exp(beta[2] - 1.96 * se),
                      "ci_high": np.exp(beta[2] + 1.96 * se), "slope_change_per_day": beta[3],
                      "dispersion": dispersion})
'''


def _its(time="(dates - dates[0]).days.to_numpy().astype(float)", t0="(pd.Timestamp(change_date) - dates[0]).days",
         post="dates >= change_date", slope="post * (t - t0)", dow="dow", scale="dispersion") -> str:
    return (_ITS.replace("TIME", time).replace("T0", t0).replace("POST", post).replace("SLOPE", slope)
            .replace("DOW", dow).replace("SCALE", scale))


_DECISION = '''
def pilot_decision(readout, criteria):
    p, g = readout.loc[criteria["primary"]], readout.loc[criteria["guardrail"]]
    if STOP:
        return "stop"
    if SHIP:
        return "ship"
    return "extend"
'''
_STOP = 'p["ci_high"] < criteria["min_gain"] or g["ci_low"] > criteria["max_cost"]'
_SHIP = 'p["ci_low"] > 0 and p["difference"] >= criteria["min_gain"] and g["ci_high"] <= criteria["max_cost"]'


def _decision(stop=_STOP, ship=_SHIP) -> str:
    return _DECISION.replace("STOP", stop).replace("SHIP", ship)


MISTAKES = {
    "ex1_answer": [
        Mistake("one-sided quantile z(1 - alpha)", _size(z_a="1 - alpha"), visible="one-sided"),
        Mistake("power term left out", _size(power="0"), visible="power term is missing"),
        Mistake("both arms together", _size(arms="2"), visible="total of both arms"),
        Mistake("rounded down", _size(rounding="int(np.floor"), visible="round UP"),
        Mistake("not rounded at all (a float)", _size(rounding="float"), visible="not a whole number"),
        Mistake("Kohavi's rule of thumb 16 p(1-p) / delta^2 for every alpha and power", _SIZE_KOHAVI),
    ],
    "ex2_answer": [
        Mistake("a variant of the design with no units left out",
                _srm(counts="counts.to_numpy()"), visible="logged nobody"),
        Mistake("threshold 0.05 instead of our policy's 0.001", _srm(threshold="0.05"), visible="you used 0.05"),
        Mistake("units counted over every experiment in the log", _srm(filtered="assignments"),
                visible="counts every assignment"),
        Mistake("chi-square on shares instead of counts",
                _srm(counts="counts.reindex(variants, fill_value=0).to_numpy() / counts.sum()").replace(
                    "int(observed.sum())", "int(counts.sum())"), visible="shares, not counts"),
    ],
    "ex3_answer": [
        Mistake("assignments of every experiment joined (customers in the e-mail tests counted twice)",
                _readout(groups="assignments"), visible="e-mail test's assignments"),
        Mistake("control - treatment", _readout(diff="c.mean() - t.mean()").replace(
            "ttest_ind(t, c,", "ttest_ind(c, t,"), visible="wrong sign"),
        Mistake("pooled-variance (Student) interval", _readout(equal="True"), visible="pooled-variance"),
        Mistake("90% interval", _readout(level="0.90"), visible="90% interval"),
        Mistake("interval of the reversed comparison around the right difference", _READOUT_SIGN),
    ],
    "ex4_answer": [
        Mistake("theta upside down: var(X) / cov(X, Y)", _cuped(theta="x.var() / np.cov(x, y)[0, 1]"),
                visible="upside down"),
        Mistake("np.cov (n - 1) over np.var (n)", _cuped(theta="np.cov(x, y)[0, 1] / np.var(x)"),
                visible="mixes two conventions"),
        Mistake("X centred on each group's own mean",
                _cuped(centre='x.groupby(data["variant"]).transform("mean")'), visible="centred on each group"),
        Mistake("theta from the treatment group only",
                _cuped(theta='np.cov(x[data["variant"] == "treatment"], y[data["variant"] == "treatment"])[0, 1]'
                             ' / x[data["variant"] == "treatment"].var()')),
    ],
    "ex5_answer": [
        Mistake("only the last look tested", _PEEK_LAST, visible="only at the last look"),
        Mistake("every look on fresh data (not cumulative)", _peek(z="steps"), visible="fresh, independent"),
        Mistake("one-sided threshold at each look",
                _peek().replace("stats.norm.ppf(1 - alpha / 2)", "stats.norm.ppf(1 - alpha)"),
                visible="two-sided"),
    ],
    "ex6_answer": [
        Mistake("grouped by e-mails delivered", _exposure(by='"emails_delivered"'), visible="DELIVERED"),
        Mistake("unsubscribes added to the value", _exposure(sign="+"), visible="were added"),
        Mistake("clicks counted, not a rate", _exposure(mean="sum"), visible="is a count"),
    ],
    "ex7_answer": [
        Mistake("time in rows (gaps ignored)", _its(time="np.arange(len(counts)).astype(float)",
                                                    t0="int(np.searchsorted(dates, change_date))"),
                visible="counts rows"),
        Mistake("no day-of-week columns", _its(dow="np.ones((len(t), 0))"), visible="day-of-week"),
        Mistake("slope term post * t, not reset at the change", _its(slope="post * t"), visible="post × t"),
        Mistake("the change day counted as before", _its(post="dates > change_date"), visible="counted as before"),
        Mistake("plain Poisson interval (dispersion ignored)", _its(scale="1.0"), visible="plain Poisson"),
    ],
    "ex8_answer": [
        Mistake("guardrail ignored", _decision(stop='p["ci_high"] < criteria["min_gain"]',
                                               ship='p["ci_low"] > 0 and p["difference"] >= criteria["min_gain"]'),
                visible="guardrail is ignored"),
        Mistake("point estimates only", _decision(ship='p["difference"] >= criteria["min_gain"] and '
                                                       'g["difference"] <= criteria["max_cost"]'),
                visible="includes 0"),
        Mistake("non-strict stop at a bound on the threshold",
                _decision(stop='p["ci_high"] <= criteria["min_gain"] or g["ci_low"] >= criteria["max_cost"]'),
                visible="exactly at a threshold stopped"),
        Mistake("ci_low >= 0 ships a gain whose bound is 0",
                _decision(ship=_SHIP.replace('p["ci_low"] > 0', 'p["ci_low"] >= 0')), visible="exactly 0"),
        Mistake("strict ship comparisons", _decision(ship=_SHIP.replace(">= criteria", "> criteria").replace(
            "<= criteria", "< criteria")), visible="kept the pilot from shipping"),
        Mistake("fixed metric names instead of the criteria's",
                _decision().replace('readout.loc[criteria["primary"]], readout.loc[criteria["guardrail"]]',
                                    'readout.loc["satisfaction"], readout.loc["cost_usd"]')),
    ],
}
