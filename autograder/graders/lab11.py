"""Graded references for Lab 11, *Experiments for marketing and operations* (instructor-only).

Each exercise's cases run the learner's function on the full tables of each world (rows
shuffled, as exports come) and on hand-made inputs at the rules' edges: a p-value just either
side of the SRM threshold, a variant of the design that logged nobody, groups of unequal size
and spread, a change date on a day missing from the series, bounds exactly on a decision
threshold. The references are computed here, by another route than the solution notebook:
sums of squares by hand instead of scipy's tests, the CUPED difference from group means and
its variance reduction from the correlation, the peeking error by numerical integration (no
simulation), the interrupted time series by Newton's method on the log-likelihood.

The methods' constants (the SRM threshold, the interval's level, the decision rule) are stated
once, in the "rules" block below.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_type, labels
from scipy import stats

# =================================================================================================
# The rules
# =================================================================================================

#: Our policy (exercise 2): a sample-ratio mismatch when the chi-square p-value is below this.
SRM_THRESHOLD = 0.001
#: The pilot in `experiments` (exercises 3 and 4).
PILOT_ID = 1
METRICS = ["satisfaction", "cost_usd"]
PRE = {"satisfaction": "pre_satisfaction", "cost_usd": "pre_cost_usd"}
#: The criteria registered before the pilot (exercise 8; the notebook's CRITERIA).
CRITERIA = {"primary": "satisfaction", "min_gain": 0.30, "guardrail": "cost_usd", "max_cost": 7.00}
#: Exercise 7's window: 2024-02-01 to 2025-12-20 without the Christmas-returns season.
ITS_WINDOW = ("2024-02-01", "2025-12-20")


def decide(primary: dict, guardrail: dict, criteria: dict) -> str:
    """The registered rule (exercise 8), written clause by clause."""
    if primary["ci_high"] < criteria["min_gain"]:
        return "stop"
    if guardrail["ci_low"] > criteria["max_cost"]:
        return "stop"
    gain_real = primary["ci_low"] > 0
    gain_large = primary["difference"] >= criteria["min_gain"]
    cost_ok = guardrail["ci_high"] <= criteria["max_cost"]
    return "ship" if gain_real and gain_large and cost_ok else "extend"


def _facts(world) -> dict:
    f = world.load("planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def _number(answer, what: str) -> float:
    if isinstance(answer, (pd.Series, pd.DataFrame, np.ndarray)) and np.size(answer) == 1:
        answer = np.asarray(answer).ravel()[0]
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.number)):
        got = "nothing (None)" if answer is None else f"a {type(answer).__name__}"
        raise Fail(f"{what} should be a number, but it is {got}")
    value = float(answer)
    if not np.isfinite(value):
        raise Fail(f"{what} should be a finite number")
    return value


def _series(answer, keys, what: str) -> pd.Series:
    if isinstance(answer, dict):
        answer = pd.Series(answer)
    series = expect_type(answer, pd.Series, what)
    missing = [k for k in keys if k not in set(labels(series.index))]
    if missing:
        raise Fail(f"the Series is missing the label(s) {missing}")
    out = pd.Series({str(k): v for k, v in zip(labels(series.index), series.to_numpy(), strict=True)})
    for k in keys:
        _number(out[k], f"{k!r}")
    return out[list(keys)].astype(float)


# =================================================================================================
# Exercise 1: sample size per arm
# =================================================================================================

def _raw_size(p_c: float, p_t: float, alpha: float, power: float) -> float:
    """Customers per arm, unrounded: the task's formula (the variance under "no difference" with
    the mean rate, under the alternative with each rate's own), written with upper-tail quantiles."""
    z_a, z_b = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)
    mean_rate = (p_c + p_t) / 2
    sd_null = np.sqrt(2 * mean_rate * (1 - mean_rate))
    sd_alt = np.sqrt(p_c * (1 - p_c) + p_t * (1 - p_t))
    return float(((z_a * sd_null + z_b * sd_alt) / (p_t - p_c)) ** 2)


def _check_size(p_c, p_t, alpha, power):
    raw = _raw_size(p_c, p_t, alpha, power)
    # never decide at an exact boundary: within a millionth of a whole number, either side passes
    accepted = {int(np.ceil(raw - 1e-6)), int(np.ceil(raw + 1e-6))}

    def check(answer):
        n = _number(answer, "the sample size")
        if abs(n - round(n)) > 1e-9:
            raise Fail("the sample size should be a whole number of customers: round up")
        n = int(round(n))
        if n in accepted:
            return
        if n > 1.5 * max(accepted):
            raise Fail("the sample size is far too large: it is customers per arm, not both arms")
        if min(accepted) - 2 <= n < min(accepted):
            raise Fail("the sample size is a little too small: round up, never down")
        raise Fail("the sample size per arm is not right: a two-sided test needs the quantile at "
                   "1 - alpha/2, the power term must be there, and the formula is the one in the task")
    return check


def _size_world(world):
    a = world.load("experiment_assignments")
    out = world.load("email_test_outcomes")
    logged = out.merge(a[a["experiment_id"] == 2], on=["experiment_id", "customer_id"])
    control = logged[logged["variant"] == "control"]
    p_click, p_open = float(control["clicked"].mean()), float(control["opened"].mean())
    return [
        Case("the newsletter test's control click rate and a 25% lift (alpha 0.05, power 0.8)",
             (p_click, p_click * 1.25, 0.05, 0.8), _check_size(p_click, p_click * 1.25, 0.05, 0.8)),
        Case("the newsletter test's control open rate and a 10% fall (alpha 0.01, power 0.9)",
             (p_open, p_open * 0.90, 0.01, 0.9), _check_size(p_open, p_open * 0.90, 0.01, 0.9)),
    ]


def _size_fixed():
    cases = []
    for args, label in (((0.20, 0.25, 0.05, 0.8), "20% to 25%, alpha 0.05, power 0.8"),
                        ((0.25, 0.20, 0.05, 0.8), "a fall from 25% to 20% (treatment below control)"),
                        ((0.10, 0.12, 0.01, 0.9), "10% to 12%, alpha 0.01, power 0.9"),
                        ((0.50, 0.55, 0.10, 0.8), "50% to 55%, alpha 0.10, power 0.8"),
                        ((0.03, 0.036, 0.05, 0.95), "3% to 3.6%, alpha 0.05, power 0.95")):
        cases.append(Case(f"hand-made rates: {label}", args, _check_size(*args)))
    return cases


# =================================================================================================
# Exercise 2: the sample-ratio check
# =================================================================================================

def _srm_ref(assignments: pd.DataFrame, experiments: pd.DataFrame) -> pd.DataFrame:
    rows = {}
    for eid, variants in zip(experiments["experiment_id"], experiments["variants"], strict=True):
        design = [v.strip() for v in str(variants).split(",")]
        logged = assignments.loc[assignments["experiment_id"] == eid, "variant"]
        observed = np.array([(logged == v).sum() for v in design], dtype=float)
        expected = np.full(len(design), observed.sum() / len(design))
        chi2 = float(((observed - expected) ** 2 / expected).sum())
        p = float(stats.chi2.sf(chi2, len(design) - 1))
        rows[int(eid)] = {"units": int(observed.sum()), "chi2": chi2, "p_value": p, "srm": p < SRM_THRESHOLD}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "experiment_id"
    return out


def _check_srm(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by experiment_id")
        missing = [c for c in ("units", "chi2", "p_value", "srm") if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        if "experiment_id" in frame.columns and set(labels(frame.index)) != set(labels(ref.index)):
            frame = frame.set_index("experiment_id")
        expect_frame(frame, ref, columns=["units"], index_name="the experiment_id index")
        expect_frame(frame, ref, columns=["chi2"], rtol=1e-6, index_name="the experiment_id index")
        expect_frame(frame, ref, columns=["p_value"], rtol=1e-4, atol=1e-12, index_name="the experiment_id index")
        flags = pd.Series([bool(v) for v in frame["srm"]], index=labels(frame.index))
        for eid, want in ref["srm"].items():
            if bool(flags[int(eid)]) != bool(want):
                raise Fail("the srm flag is wrong for some experiment: our policy flags p below 0.001")
    return check


def _design(rows) -> pd.DataFrame:
    return pd.DataFrame([(eid, f"test {eid}", "email_test", "customer", pd.Timestamp("2025-05-01"),
                          pd.Timestamp("2025-05-08"), variants, 1 / len(variants.split(",")),
                          "clicked", "opened", "") for eid, variants in rows],
                        columns=["experiment_id", "name", "kind", "unit", "start_date", "end_date", "variants",
                                 "planned_share", "primary_metric", "secondary_metric", "description"])


def _logged(counts: dict) -> pd.DataFrame:
    rows, cid = [], 1
    for (eid, variant), n in counts.items():
        for _ in range(n):
            rows.append((eid, cid, variant, pd.Timestamp("2025-05-01 08:00")))
            cid += 1
    frame = pd.DataFrame(rows, columns=["experiment_id", "customer_id", "variant", "assigned_at"])
    return frame.sample(frac=1, random_state=5).reset_index(drop=True)


def _srm_world(world):
    a, e = world.load("experiment_assignments"), world.load("experiments")
    return [Case("the experiment_assignments and experiments tables (assignments shuffled)",
                 (a.sample(frac=1, random_state=21), e), _check_srm(_srm_ref(a, e)))]


def _srm_fixed():
    two = "control, treatment"
    # 552 vs 448: p just above 0.001 (no SRM); 553 vs 447: just below (SRM); 540 vs 460: p about
    # 0.01, an SRM at 0.05 but not by our policy; 500 vs 500: no difference at all.
    edges = _design([(11, two), (12, two), (13, two), (14, two)])
    edge_log = _logged({(11, "control"): 552, (11, "treatment"): 448, (12, "control"): 447,
                        (12, "treatment"): 553, (13, "control"): 540, (13, "treatment"): 460,
                        (14, "control"): 500, (14, "treatment"): 500})
    # a variant of the design that logged nobody, twice; a four-arm test that is balanced; an
    # experiment in the log that is not in the design (ignored)
    arms = _design([(21, "a, b, c"), (22, "control, treatment, holdout"), (23, "k1, k2, k3, k4")])
    arms_log = _logged({(21, "a"): 60, (21, "b"): 58, (22, "control"): 40, (22, "treatment"): 41,
                        (23, "k1"): 101, (23, "k2"): 97, (23, "k3"): 99, (23, "k4"): 103,
                        (99, "control"): 10, (99, "treatment"): 90})
    return [
        Case("hand-made logs whose p-values lie just either side of 0.001, near 0.01, and at 1",
             (edge_log, edges), _check_srm(_srm_ref(edge_log, edges))),
        Case("hand-made logs: variants of the design that logged nobody, a four-arm test, and an "
             "experiment that is not in the design", (arms_log, arms), _check_srm(_srm_ref(arms_log, arms))),
    ]


# =================================================================================================
# Exercise 3: the two-metric readout
# =================================================================================================

def _pilot(outcomes: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    arm = assignments[assignments["experiment_id"] == PILOT_ID].set_index("customer_id")["variant"]
    return outcomes.assign(_arm=outcomes["customer_id"].map(arm)).dropna(subset=["_arm"])


def _welch(t: np.ndarray, c: np.ndarray) -> dict:
    nt, nc = len(t), len(c)
    vt, vc = t.var(ddof=1) / nt, c.var(ddof=1) / nc
    se = float(np.sqrt(vt + vc))
    df = (vt + vc) ** 2 / (vt**2 / (nt - 1) + vc**2 / (nc - 1))
    diff = float(t.mean() - c.mean())
    q = stats.t.isf(0.025, df)
    return {"control_mean": float(c.mean()), "treatment_mean": float(t.mean()), "difference": diff,
            "ci_low": diff - q * se, "ci_high": diff + q * se, "relative": diff / float(c.mean()), "_se": se}


def _readout_ref(outcomes, assignments, metrics) -> pd.DataFrame:
    data = _pilot(outcomes, assignments)
    rows = {}
    for m in metrics:
        y = data[m].astype(float)
        rows[m] = _welch(y[data["_arm"] == "treatment"].to_numpy(), y[data["_arm"] == "control"].to_numpy())
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "metric"
    return out


def _check_readout(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by metric")
        if "metric" in frame.columns and not set(labels(frame.index)) >= set(ref.index):
            frame = frame.set_index("metric")
        cols = ["control_mean", "treatment_mean", "difference", "relative"]
        expect_frame(frame, ref, columns=cols, rtol=1e-6, index_name="the metric index")
        for c in ("ci_low", "ci_high"):
            if c not in frame.columns:
                raise Fail(f"the result is missing column(s) {[c]}")
        for m, row in ref.iterrows():
            got = frame.loc[m]
            # within a hundredth of a standard error: Student's t or the normal 1.96 both pass
            tol = 0.01 * row["_se"]
            for c in ("ci_low", "ci_high"):
                value = _number(got[c], f"{c!r}")
                if abs(value - row[c]) > tol:
                    wider = abs(value - row["difference"]) > abs(row[c] - row["difference"])
                    raise Fail(f"the 95% interval of {m!r} is {'too wide' if wider else 'too narrow'} "
                               "or off-centre: difference ± t × √(s²_t/n_t + s²_c/n_c)")
    return check


def _pilot_frame(rng, n_t, n_c, effect, spread_t, spread_c, offset=0):
    ids = np.arange(1, n_t + n_c + 1) + offset
    treated = np.r_[np.ones(n_t, bool), np.zeros(n_c, bool)]
    sat = np.clip(np.round(7 + effect * treated + rng.normal(0, np.where(treated, spread_t, spread_c))), 0, 10)
    pre = np.clip(np.round(sat + rng.normal(0, 1, len(ids))), 0, 10)
    cost = np.round(np.abs(rng.normal(np.where(treated, 14, 8), np.where(treated, 9, 4))), 2)
    pre_cost = np.round(np.abs(cost + rng.normal(0, 3, len(ids))), 2)
    outcomes = pd.DataFrame({"customer_id": ids, "pre_satisfaction": pre.astype(int), "pre_contacts": 1,
                             "pre_cost_usd": pre_cost, "satisfaction": sat.astype(int), "contacts": 1,
                             "cost_usd": cost})
    assign = pd.DataFrame({"experiment_id": PILOT_ID, "customer_id": ids,
                           "variant": np.where(treated, "treatment", "control"),
                           "assigned_at": pd.Timestamp("2025-03-20")})
    return outcomes, assign


def _other_experiments(ids: np.ndarray, rng) -> pd.DataFrame:
    """Assignments of the same customers to the e-mail tests (experiments 2 and 3)."""
    return pd.DataFrame({"experiment_id": np.r_[np.full(len(ids), 2), np.full(len(ids), 3)],
                         "customer_id": np.r_[ids, ids],
                         "variant": np.r_[rng.choice(["control", "treatment"], len(ids)),
                                          rng.choice([f"emails_{k}" for k in range(1, 9)], len(ids))],
                         "assigned_at": pd.Timestamp("2025-05-20")})


def _readout_world(world):
    o, a = world.load("service_pilot_outcomes"), world.load("experiment_assignments")
    three = ["cost_usd", "satisfaction", "contacts"]
    return [
        Case("the service_pilot_outcomes and experiment_assignments tables (rows shuffled)",
             (o.sample(frac=1, random_state=31), a.sample(frac=1, random_state=32), list(METRICS)),
             _check_readout(_readout_ref(o, a, METRICS))),
        Case("the same tables with three metrics in another order", (o, a, three),
             _check_readout(_readout_ref(o, a, three))),
    ]


def _readout_fixed():
    rng = np.random.default_rng(1103)
    # unequal groups with unequal spreads (a pooled-variance interval is wrong here), customers who
    # are also in the e-mail tests, and outcome rows of customers who were never in the pilot
    o, a = _pilot_frame(rng, 700, 300, 0.4, 2.5, 1.0)
    stray, _ = _pilot_frame(rng, 20, 20, 3.0, 1.0, 1.0, offset=5000)
    outcomes = pd.concat([o, stray], ignore_index=True).sample(frac=1, random_state=3)
    assign = pd.concat([a, _other_experiments(o["customer_id"].to_numpy(), rng)], ignore_index=True)
    # a pilot whose treatment lowers satisfaction (a negative difference)
    o2, a2 = _pilot_frame(rng, 400, 450, -0.5, 1.5, 1.5)
    return [
        Case("hand-made pilot: 700 treated and 300 controls with unequal spreads, customers also in "
             "other experiments, outcomes of non-participants", (outcomes, assign, list(METRICS)),
             _check_readout(_readout_ref(outcomes, assign, METRICS))),
        Case("hand-made pilot whose treatment lowers satisfaction", (o2, a2, ["satisfaction"]),
             _check_readout(_readout_ref(o2, a2, ["satisfaction"]))),
    ]


# =================================================================================================
# Exercise 4: CUPED
# =================================================================================================

def _cuped_ref(outcomes, assignments, metric, pre) -> pd.Series:
    data = _pilot(outcomes, assignments)
    y, x = data[metric].to_numpy(float), data[pre].to_numpy(float)
    treated = (data["_arm"] == "treatment").to_numpy()
    theta = float(np.polyfit(x, y, 1)[0])                 # the least-squares slope is cov/var
    rho = float(np.corrcoef(x, y)[0, 1])
    diff = (y[treated].mean() - y[~treated].mean()) - theta * (x[treated].mean() - x[~treated].mean())

    def adjusted_var(mask):
        return (np.var(y[mask], ddof=1) - 2 * theta * np.cov(x[mask], y[mask])[0, 1]
                + theta**2 * np.var(x[mask], ddof=1)) / mask.sum()

    se = float(np.sqrt(adjusted_var(treated) + adjusted_var(~treated)))
    return pd.Series({"theta": theta, "difference": float(diff), "se": se, "variance_reduction": rho**2})


def _check_cuped(ref: pd.Series):
    def check(answer):
        got = _series(answer, list(ref.index), "a Series with theta, difference, se and variance_reduction")
        for k, what in (("theta", "theta (cov(X, Y) / var(X) over all participants, both with the same ddof)"),
                        ("difference", "the CUPED difference (treatment - control of the adjusted outcome)"),
                        ("se", "the standard error (Welch, sample variances of the adjusted outcome)"),
                        ("variance_reduction", "the variance reduction (1 - var(Y') / var(Y))")):
            if not np.isclose(got[k], ref[k], rtol=1e-6, atol=1e-10):
                raise Fail(f"{what} is not right")
    return check


def _cuped_world(world):
    o, a = world.load("service_pilot_outcomes"), world.load("experiment_assignments")
    return [Case(f"the pilot's {m} with {PRE[m]} (rows shuffled)",
                 (o.sample(frac=1, random_state=41 + i), a, m, PRE[m]), _check_cuped(_cuped_ref(o, a, m, PRE[m])))
            for i, m in enumerate(METRICS)]


def _cuped_fixed():
    rng = np.random.default_rng(1104)
    o, a = _pilot_frame(rng, 60, 45, 0.6, 1.5, 1.2)
    # the treatment group happens to start from a higher pre-period: a per-group centring hides it
    o.loc[o.index[:60], "pre_satisfaction"] = np.clip(o["pre_satisfaction"].iloc[:60] + 1, 0, 10)
    assign = pd.concat([a, _other_experiments(o["customer_id"].to_numpy(), rng)], ignore_index=True)
    return [Case("hand-made pilot of 105 customers whose treatment group started higher, satisfaction",
                 (o, assign, "satisfaction", "pre_satisfaction"),
                 _check_cuped(_cuped_ref(o, assign, "satisfaction", "pre_satisfaction"))),
            Case("the same hand-made pilot, cost", (o, assign, "cost_usd", "pre_cost_usd"),
                 _check_cuped(_cuped_ref(o, assign, "cost_usd", "pre_cost_usd")))]


# =================================================================================================
# Exercise 5: the cost of peeking
# =================================================================================================

def exact_peeking_error(looks: int, alpha: float, step: float = 0.005) -> float:
    """Chance that a two-sided z-test at level ``alpha`` rejects at one or more of ``looks`` equally
    spaced looks under the null (Armitage, McPherson & Rowe 1969), by numerical integration.

    The running sum S_k of independent N(0, 1) increments continues while |S_k| < c√k; the density
    of the sums that have not stopped is carried from look to look on a grid by convolution with
    the normal density, and the error is one minus its mass after the last look. Accurate to
    about 5e-4 with the default step (the cut at each boundary falls between grid points).
    """
    if looks == 1:
        return float(alpha)  # one look: the nominal level, exactly
    c = stats.norm.isf(alpha / 2)
    bound = c * np.sqrt(looks)
    grid = np.arange(-bound, bound + step / 2, step)
    density = stats.norm.pdf(grid) * (np.abs(grid) < c)
    weights = np.full(len(grid), step)
    weights[0] = weights[-1] = step / 2  # trapezoid rule
    m = len(grid) - 1
    kernel = stats.norm.pdf(np.arange(-m, m + 1) * step)  # the normal density of one increment
    for k in range(2, looks + 1):
        spread = np.convolve(density * weights, kernel)[m:m + len(grid)]
        density = spread * (np.abs(grid) < c * np.sqrt(k))
    mass = float(((density[1:] + density[:-1]) / 2).sum() * step)
    return float(1 - mass)


def _check_peeking(looks, alpha, simulations):
    exact = exact_peeking_error(looks, alpha)
    tol = 4.5 * np.sqrt(exact * (1 - exact) / simulations) + 0.005

    def check(answer):
        rate = _number(answer, "the false-positive rate")
        if not 0 <= rate <= 1:
            raise Fail("the answer should be a share between 0 and 1")
        if abs(rate - exact) > tol:
            if looks > 1 and abs(rate - alpha) <= tol:
                raise Fail(f"with {looks} looks the rate is as with one look: test at every look on the "
                           "data so far, and count a test once if any look is significant")
            raise Fail(f"with {looks} looks at alpha {alpha:g} the rate is "
                       f"{'too high' if rate > exact else 'too low'} for a simulation of this size")
    return check


def _peeking_fixed():
    cases = []
    for looks, alpha, sims, seed in ((1, 0.05, 20000, 11), (2, 0.05, 20000, 12), (5, 0.05, 20000, 13),
                                     (10, 0.05, 20000, 14), (3, 0.01, 20000, 15), (7, 0.10, 20000, 16)):
        cases.append(Case(f"{looks} look{'s' if looks > 1 else ''} at alpha {alpha:g}, {sims:,} simulations",
                          (looks, alpha, sims, seed), _check_peeking(looks, alpha, sims)))
    return cases


# =================================================================================================
# Exercise 6: value by exposure arm
# =================================================================================================

def _exposure_ref(exposures, click_value, unsubscribe_cost) -> pd.DataFrame:
    counts = pd.crosstab(exposures["emails_planned"], [exposures["clicked"].astype(bool)])
    unsub = pd.crosstab(exposures["emails_planned"], [exposures["unsubscribed"].astype(bool)])
    n = counts.sum(axis=1)
    click = counts.get(True, pd.Series(0, index=counts.index)) / n
    gone = unsub.get(True, pd.Series(0, index=unsub.index)).reindex(n.index, fill_value=0) / n
    out = pd.DataFrame({"customers": n, "click_rate": click, "unsubscribe_rate": gone})
    out["value_per_customer"] = click_value * click - unsubscribe_cost * gone
    out.index = pd.Index([int(v) for v in out.index], name="emails_planned")
    return out.sort_index()


def _check_exposure(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by emails_planned")
        if "emails_planned" in frame.columns:
            frame = frame.set_index("emails_planned")
        if set(labels(frame.index)) != set(labels(ref.index)) and 0 in set(labels(frame.index)):
            raise Fail("the index holds e-mails delivered; group by the randomised arm, emails_planned")
        expect_frame(frame, ref, row_order=True, index_name="the emails_planned index")
    return check


def _exposure_world(world):
    e = world.load("email_exposures")
    return [Case("the email_exposures table (rows shuffled), a click worth $4 and an unsubscribe costing $15",
                 (e.sample(frac=1, random_state=61), 4.0, 15.0), _check_exposure(_exposure_ref(e, 4.0, 15.0))),
            Case("the email_exposures table, a click worth $2.50 and an unsubscribe costing $40",
                 (e, 2.5, 40.0), _check_exposure(_exposure_ref(e, 2.5, 40.0)))]


def _exposure_fixed():
    rows = []
    plan = {1: (10, 3, 0, 1), 2: (8, 4, 1, 2), 3: (12, 6, 2, 3), 5: (6, 3, 3, 2)}  # n, clicks, unsubs, short
    cid = 1
    for arm, (n, clicks, unsubs, short) in plan.items():
        for i in range(n):
            delivered = arm - 1 if i < short else arm  # some e-mails bounced: delivery is not the arm
            rows.append((3, cid, arm, max(delivered, 0), i < clicks, i >= n - unsubs))
            cid += 1
    frame = pd.DataFrame(rows, columns=["experiment_id", "customer_id", "emails_planned", "emails_delivered",
                                        "clicked", "unsubscribed"]).sample(frac=1, random_state=6)
    return [Case("hand-made arms of 1, 2, 3 and 5 e-mails (no arm of 4), some e-mails not delivered, "
                 "an arm with no unsubscribe", (frame, 4.0, 15.0), _check_exposure(_exposure_ref(frame, 4.0, 15.0)))]


# =================================================================================================
# Exercise 7: the interrupted time series
# =================================================================================================

def _newton_poisson(y: np.ndarray, X: np.ndarray, offset=None) -> tuple[np.ndarray, np.ndarray]:
    """Maximum likelihood of a log-linear Poisson model by Newton's method with step halving
    (``offset``: a known term added to the linear predictor, e.g. the log of a population)."""
    offset = np.zeros(len(y)) if offset is None else np.asarray(offset, dtype=float)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = X / scale
    beta = np.linalg.lstsq(Z, np.log(y + 0.5) - offset, rcond=None)[0]

    def loglik(b):
        eta = Z @ b + offset
        return float((y * eta - np.exp(eta)).sum())

    for _ in range(100):
        mu = np.exp(Z @ beta + offset)
        grad = Z.T @ (y - mu)
        hess = (Z.T * mu) @ Z
        move = np.linalg.solve(hess, grad)
        t, base = 1.0, loglik(beta)
        while loglik(beta + t * move) < base - 1e-12 and t > 1e-6:
            t /= 2
        beta = beta + t * move
        if np.max(np.abs(t * move)) < 1e-12:
            break
    mu = np.exp(Z @ beta + offset)
    cov = np.linalg.inv((Z.T * mu) @ Z) / np.outer(scale, scale)
    return beta / scale, cov


def _its_ref(counts: pd.Series, change) -> pd.Series:
    s = counts.sort_index()
    days = pd.DatetimeIndex(s.index)
    change = pd.Timestamp(change)
    t = ((days - days.min()) / pd.Timedelta(days=1)).to_numpy()
    t0 = (change - days.min()) / pd.Timedelta(days=1)
    post = np.asarray(days >= change, dtype=float)
    weekday = np.stack([np.asarray(days.day_of_week == d, dtype=float) for d in range(1, 7)], axis=1)
    X = np.column_stack([np.ones(len(t)), t, post, post * (t - t0), weekday])
    y = s.to_numpy(float)
    beta, cov = _newton_poisson(y, X)
    mu = np.exp(X @ beta)
    phi = float(((y - mu) ** 2 / mu).sum() / (len(y) - X.shape[1]))
    se = float(np.sqrt(phi * cov[2, 2]))
    return pd.Series({"step_rate_ratio": float(np.exp(beta[2])), "ci_low": float(np.exp(beta[2] - 1.96 * se)),
                      "ci_high": float(np.exp(beta[2] + 1.96 * se)), "slope_change_per_day": float(beta[3]),
                      "dispersion": phi})


def _check_its(ref: pd.Series):
    def check(answer):
        got = _series(answer, list(ref.index), "a Series with step_rate_ratio, ci_low, ci_high, "
                                               "slope_change_per_day and dispersion")
        if not np.isclose(got["step_rate_ratio"], ref["step_rate_ratio"], rtol=1e-5):
            raise Fail("the step's rate ratio is not right: check the design (calendar days since the first "
                       "date, post from the change day on, the slope term post × (t - t0), six day-of-week "
                       "columns)")
        if not np.isclose(got["slope_change_per_day"], ref["slope_change_per_day"], rtol=1e-4, atol=1e-9):
            raise Fail("the slope change per day is not right (beta_3, on the log scale, per calendar day)")
        if not np.isclose(got["dispersion"], ref["dispersion"], rtol=1e-5):
            raise Fail("the dispersion is not right: Pearson chi-square / (days - coefficients)")
        for c in ("ci_low", "ci_high"):
            if not np.isclose(got[c], ref[c], rtol=1e-5):
                raise Fail("the 95% interval of the step is not right: multiply the Poisson variance by the "
                           "dispersion, then exp(beta_2 ± 1.96 se)")
    return check


def _window(series: pd.Series) -> pd.Series:
    s = series.sort_index()[ITS_WINDOW[0]:ITS_WINDOW[1]]
    d = s.index
    return s[~((d.month == 1) | ((d.month == 12) & (d.day >= 27)))]


def _its_world(world):
    v = world.load("contact_volume_daily")
    change = pd.Timestamp(_facts(world)["returns_process_change"]["date"])
    returns = _window(v[v["reason"] == "returns"].groupby("date")["contacts"].sum()).rename("contacts")
    returns.index.name = "date"
    delivery = _window(v[v["reason"] == "delivery"].groupby("date")["contacts"].sum()).rename("contacts")
    later = change + pd.Timedelta(days=9)
    return [
        Case("the daily contacts about returns at the change date (days shuffled)",
             (returns.sample(frac=1, random_state=71), change), _check_its(_its_ref(returns, change))),
        Case("the daily contacts about returns, with a change date nine days later", (returns, later),
             _check_its(_its_ref(returns, later))),
        Case("the daily contacts about delivery at the same date", (delivery, change),
             _check_its(_its_ref(delivery, change))),
    ]


def _its_fixed():
    rng = np.random.default_rng(1107)
    days = pd.date_range("2025-01-01", "2025-08-31")
    days = days[~((days >= "2025-03-10") & (days <= "2025-03-16"))]  # a week missing before the change
    days = days[~((days >= "2025-05-01") & (days <= "2025-05-04"))]  # and the change days themselves
    t = (days - days[0]).days.to_numpy()
    change = pd.Timestamp("2025-05-02")  # not in the series: post starts on 5 May, t0 is still 2 May
    post = days >= change
    lam = 200 * np.exp(0.001 * t + 0.3 * post - 0.002 * post * (t - (change - days[0]).days)) \
        * np.where(days.day_of_week >= 5, 0.6, 1.0)
    y = pd.Series(rng.poisson(lam * rng.gamma(50, 1 / 50, len(days))), index=days, name="contacts")
    first = pd.Timestamp("2025-06-02")  # a change on a day that is in the series (inclusive)
    return [
        Case("hand-made daily counts with gaps, the change date on a day missing from the series (rows shuffled)",
             (y.sample(frac=1, random_state=7), change), _check_its(_its_ref(y, change))),
        Case("hand-made daily counts with gaps, the change on a Monday that is in the series", (y, first),
             _check_its(_its_ref(y, first))),
    ]


# =================================================================================================
# Exercise 8: ship, stop or extend
# =================================================================================================

def _readout_rows(rows: dict) -> pd.DataFrame:
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["difference", "ci_low", "ci_high"])
    out.index.name = "metric"
    return out


def _check_decision(want: str):
    def check(answer):
        if not isinstance(answer, str):
            raise Fail(f"it should return a word, 'ship', 'stop' or 'extend', but it returned "
                       f"{'nothing (None)' if answer is None else 'a ' + type(answer).__name__}")
        if answer.strip().lower() not in ("ship", "stop", "extend"):
            raise Fail("it should return 'ship', 'stop' or 'extend'")
        if answer.strip().lower() != want:
            raise Fail(f"the decision should not be {answer.strip().lower()!r} here: apply the rule clause by "
                       "clause, with strict and non-strict comparisons as the task says")
    return check


def _decision_case(label, primary, guardrail, criteria=CRITERIA, extra=None):
    rows = {criteria["primary"]: primary, criteria["guardrail"]: guardrail, **(extra or {})}
    frame = _readout_rows(rows)
    want = decide(frame.loc[criteria["primary"]], frame.loc[criteria["guardrail"]], criteria)
    return Case(label, (frame, dict(criteria)), _check_decision(want))


def _decision_fixed():
    # Hand-made readouts only: a decision is one of three words, so a world case could not tell a
    # learner's own answer from a classmate's (tests/test_variants.py); every clause is covered here.
    good_p = (0.45, 0.35, 0.55)
    good_g = (5.0, 4.0, 6.0)
    P = lambda d, lo, hi: dict(zip(("difference", "ci_low", "ci_high"), (d, lo, hi), strict=True))  # noqa: E731
    other = {"primary": "nps", "min_gain": 5.0, "guardrail": "handle_minutes", "max_cost": 1.5}
    return [
        _decision_case("a clear gain at an acceptable cost", P(*good_p), P(*good_g)),
        _decision_case("the gain's upper bound exactly at min_gain (not ruled out)", P(0.2, 0.1, 0.30), P(*good_g)),
        _decision_case("the gain's upper bound just below min_gain", P(0.2, 0.1, 0.29), P(*good_g)),
        _decision_case("the cost's lower bound exactly at max_cost (not surely too high)", P(*good_p), P(7.5, 7.0, 8.0)),
        _decision_case("the cost's lower bound just above max_cost", P(*good_p), P(7.5, 7.01, 8.0)),
        _decision_case("the gain's lower bound exactly 0", P(0.45, 0.0, 0.9), P(*good_g)),
        _decision_case("the gain exactly at min_gain and real", P(0.30, 0.10, 0.50), P(*good_g)),
        _decision_case("the cost's upper bound exactly at max_cost", P(*good_p), P(6.0, 5.0, 7.0)),
        _decision_case("the cost's upper bound just above max_cost", P(*good_p), P(6.0, 5.0, 7.01)),
        _decision_case("a real gain below min_gain, its interval reaching above it", P(0.25, 0.05, 0.45), P(*good_g)),
        _decision_case("a large gain that may be zero", P(0.50, -0.02, 1.02), P(*good_g)),
        _decision_case("a clear gain but a cost surely too high", P(*good_p), P(9.0, 8.0, 10.0)),
        _decision_case("a gain ruled out and a cost surely too high", P(0.0, -0.1, 0.1), P(9.0, 8.0, 10.0)),
        _decision_case("other metrics named in the criteria, and extra rows in the readout",
                       P(6.0, 5.5, 6.5), P(1.0, 0.5, 1.5), criteria=other,
                       extra={"satisfaction": P(-1.0, -2.0, 0.0), "cost_usd": P(20.0, 19.0, 21.0)}),
        _decision_case("other criteria: the gain ruled out", P(3.0, 1.0, 4.9), P(1.0, 0.5, 1.5), criteria=other,
                       extra={"satisfaction": P(1.0, 0.8, 1.2), "cost_usd": P(0.0, -1.0, 1.0)}),
    ]


EXERCISES = [
    Graded("ex1_tests", "sample_size", _size_world, _size_fixed),
    Graded("ex2_tests", "srm_check", _srm_world, _srm_fixed),
    Graded("ex3_tests", "readout", _readout_world, _readout_fixed),
    Graded("ex4_tests", "cuped", _cuped_world, _cuped_fixed),
    Graded("ex5_tests", "peeking_error", None, _peeking_fixed),
    Graded("ex6_tests", "exposure_value", _exposure_world, _exposure_fixed),
    Graded("ex7_tests", "its_fit", _its_world, _its_fixed),
    Graded("ex8_tests", "pilot_decision", None, _decision_fixed),
]


# =================================================================================================
# Memo figures
# =================================================================================================

def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric asks about, from the grader's references on ``world``."""
    o, a = world.load("service_pilot_outcomes"), world.load("experiment_assignments")
    plain = _readout_ref(o, a, METRICS)
    adjusted = {m: _cuped_ref(o, a, m, PRE[m]) for m in METRICS}
    cuped_rows = _readout_rows({m: (r["difference"], r["difference"] - 1.96 * r["se"],
                                    r["difference"] + 1.96 * r["se"]) for m, r in adjusted.items()})
    srm = _srm_ref(a, world.load("experiments"))
    value = _exposure_ref(world.load("email_exposures"), 4.0, 15.0)
    best = int(value["value_per_customer"].idxmax())
    v = world.load("contact_volume_daily")
    facts = _facts(world)
    change = pd.Timestamp(facts["returns_process_change"]["date"])
    its = _its_ref(_window(v[v["reason"] == "returns"].groupby("date")["contacts"].sum()), change)

    def interval(row, unit):
        return f"{row['difference']:+.2f} {unit} (95% {row['ci_low']:.2f} to {row['ci_high']:.2f})"

    return {
        "registered criteria": f"satisfaction +{CRITERIA['min_gain']:.2f} points or more; cost +${CRITERIA['max_cost']:.2f} "
                               "per participant at most",
        "satisfaction, plain (Welch)": interval(plain.loc["satisfaction"], "points"),
        "cost per participant, plain (Welch)": interval(plain.loc["cost_usd"], "USD"),
        "decision by the rule, plain": decide(plain.loc["satisfaction"], plain.loc["cost_usd"], CRITERIA),
        "satisfaction, CUPED": interval(cuped_rows.loc["satisfaction"], "points"),
        "cost per participant, CUPED": interval(cuped_rows.loc["cost_usd"], "USD"),
        "decision by the rule, CUPED": decide(cuped_rows.loc["satisfaction"], cuped_rows.loc["cost_usd"], CRITERIA),
        "SRM (p < 0.001)": "; ".join(f"experiment {eid}: {int(r.units):,} units, p = {r.p_value:.2g}"
                                     + (" SRM" if r.srm else "") for eid, r in srm.iterrows()),
        "cause of the newsletter SRM (planted)": f"{facts['email_test_srm']['provider']} filtered the treatment e-mail",
        "best arm at $4 a click, $15 an unsubscribe": f"{best} e-mails: ${value.loc[best, 'value_per_customer']:.2f} per "
                                                      f"customer; 8 e-mails: ${value.loc[8, 'value_per_customer']:.2f}, "
                                                      f"{value.loc[8, 'unsubscribe_rate']:.1%} unsubscribed",
        "returns contacts at the change": f"x{its['step_rate_ratio']:.3f} (95% {its['ci_low']:.3f} to "
                                          f"{its['ci_high']:.3f}) from {change.date()}",
    }
