"""Visible checks and hints for Lab 11, *Experiments for marketing and operations*.

Every check runs the learner's function on a small hand-made example (print it:
``example_experiments()``, ``example_assignments()``, ``example_pilot()``,
``example_exposures()``, ``example_counts()``, ``example_readouts()``), compares the result
with the answer worked out in advance, and, when it is wrong, says which common mistake it looks
like. No check prints the expected values.

>>> from cxlabs.checks import lab11 as checks
>>> checks.srm_check.hint()                 # doctest: +SKIP
>>> checks.srm_check.check(srm_check)       # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["sample_size", "srm_check", "readout", "cuped", "peeking_error", "exposure_value", "its_fit",
           "pilot_decision", "example_experiments", "example_assignments", "example_pilot",
           "example_exposures", "example_counts", "example_readouts", "EXAMPLE_CHANGE", "EXAMPLE_CRITERIA"]

T = pd.Timestamp


def _close(a, b, rtol=1e-6, atol=1e-9) -> bool:
    try:
        return bool(np.isclose(float(a), float(b), rtol=rtol, atol=atol))
    except (TypeError, ValueError):
        return False


def _number(ex: Exercise, value, what: str) -> float:
    if isinstance(value, (pd.Series, pd.DataFrame, np.ndarray)) and np.size(value) == 1:
        value = np.asarray(value).ravel()[0]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise ex.fail(f"{what} should be a number, but it is {type(value).__name__}.")
    return float(value)


def _labelled(ex: Exercise, answer, keys, what: str) -> dict:
    if isinstance(answer, dict):
        answer = pd.Series(answer)
    expect_type(ex, answer, pd.Series, what)
    missing = [k for k in keys if k not in answer.index]
    if missing:
        raise ex.fail(f"the Series is missing the label(s) {missing}; it has {list(answer.index)}.")
    return {k: _number(ex, answer[k], repr(k)) for k in keys}


# --------------------------------------------------------------------------------------------
# Exercise 1: sample size per arm
# --------------------------------------------------------------------------------------------

#: (p_control, p_treatment, alpha, power) -> the answer, and what three mistakes give, worked out
#: in advance: (right, one-sided quantile, no power term, both arms together)
_SIZES = (((0.20, 0.25, 0.05, 0.8), 1094, 862, 536, 2188),
          ((0.25, 0.20, 0.05, 0.8), 1094, 862, 536, 2188),
          ((0.10, 0.12, 0.01, 0.9), 7281, 6370, 3248, 14562),
          ((0.30, 0.35, 0.05, 0.8), 1377, 1084, 675, 2754))


def _check_sample_size(ex: Exercise, func) -> None:
    for args, right, one_sided, no_power, both in _SIZES:
        got = _number(ex, call(ex, func, *args), "the sample size")
        if abs(got - round(got)) > 1e-9:
            raise ex.fail("the sample size is not a whole number: round UP to a whole customer "
                          "(math.ceil or np.ceil), then int(...).")
        n = int(round(got))
        if n == right:
            continue
        if n == right - 1:
            raise ex.fail("you rounded down (or to the nearest): a plan needs at least the computed "
                          "number, so round UP.")
        if n == one_sided:
            raise ex.fail("the sample size is too small: you used a one-sided quantile z(1 - alpha). The "
                          "test is two-sided: use z(1 - alpha/2).")
        if n == no_power:
            raise ex.fail("the power term is missing: add z(power) × √(p_c(1-p_c) + p_t(1-p_t)) inside "
                          "the square, or the test detects the lift only half the time.")
        if n == both:
            raise ex.fail("that is the total of both arms: the task asks for customers per arm.")
        if args[1] < args[0] and n <= 0:
            raise ex.fail("a fall in the rate should need as many customers as the same rise: square "
                          "the difference, or take its absolute value.")
        raise ex.fail(f"the sample size for p_control={args[0]}, p_treatment={args[1]}, alpha={args[2]}, "
                      f"power={args[3]} is not right. Check the formula term by term: p̄ is the mean of "
                      "the two rates; the first term uses 2 p̄(1-p̄), the second the two rates' variances.")


sample_size = Exercise(
    "1", "sample size per arm", "Part 1, 'How many customers does a test need?'",
    (
        "Write the formula in three pieces: the two quantiles (scipy.stats.norm.ppf), the two "
        "standard deviations under 'no difference' and under 'the difference you want', and the "
        "squared difference in rates.",
        "z_a = norm.ppf(1 - alpha / 2) (two-sided), z_b = norm.ppf(power); p̄ = (p_control + "
        "p_treatment) / 2. n = (z_a·√(2p̄(1-p̄)) + z_b·√(p_c(1-p_c) + p_t(1-p_t)))² / (p_t - p_c)².",
        "Finish with int(np.ceil(n)): a whole number of customers, rounded up.",
    ),
    _check_sample_size,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: the sample-ratio check
# --------------------------------------------------------------------------------------------

_DESIGN = ((1, "Homepage banner", "control, treatment"), (2, "Checkout copy", "control, treatment"),
           (3, "Three subject lines", "a, b, c"))
#: logged units per (experiment, variant); variant "c" of experiment 3 logged nobody
_LOGGED = {(1, "control"): 60, (1, "treatment"): 40, (2, "control"): 75, (2, "treatment"): 25,
           (3, "a"): 30, (3, "b"): 34}
#: experiment -> (units, chi2, p_value, srm), worked out in advance
_SRM = {1: (100, 4.0, 0.045500263896, False), 2: (100, 25.0, 5.73303143758e-07, True),
        3: (64, 32.375, 9.3295e-08, True)}
#: the chi-square of experiment 3 without its empty variant
_SRM_NO_EMPTY = 0.25


def example_experiments() -> pd.DataFrame:
    """Worked example for exercise 2: three experiments shaped like ``experiments``."""
    rows = [(e, name, "email_test", "customer", T("2025-05-06"), T("2025-05-13"), variants,
             1 / len(variants.split(",")), "clicked", "opened", "") for e, name, variants in _DESIGN]
    return pd.DataFrame(rows, columns=["experiment_id", "name", "kind", "unit", "start_date", "end_date",
                                       "variants", "planned_share", "primary_metric", "secondary_metric",
                                       "description"])


def example_assignments() -> pd.DataFrame:
    """Worked example for exercise 2: 264 logged assignments shaped like ``experiment_assignments``
    (60/40, 75/25, and 30/34/0 across three variants)."""
    rows, cid = [], 100
    for (e, variant), n in _LOGGED.items():
        rows += [(e, cid + i, variant, T("2025-05-06 08:00")) for i in range(n)]
        cid += n
    order = np.argsort([(i * 37) % len(rows) for i in range(len(rows))], kind="stable")
    frame = pd.DataFrame(rows, columns=["experiment_id", "customer_id", "variant", "assigned_at"])
    return frame.iloc[order].reset_index(drop=True)


def _check_srm(ex: Exercise, func) -> None:
    answer = call(ex, func, example_assignments(), example_experiments())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by experiment_id")
    if "experiment_id" in answer.columns:
        answer = answer.set_index("experiment_id")
    expect_columns(ex, answer, ["units", "chi2", "p_value", "srm"])
    try:
        got = {int(k): row for k, row in answer.iterrows()}
    except (TypeError, ValueError):
        raise ex.fail("the index should be the experiment_id (numbers).") from None
    if sorted(got) != [1, 2, 3] or len(answer) != 3:
        raise ex.fail("expected one row per experiment in `experiments` (three in the worked example), "
                      "indexed by experiment_id.")
    units = {k: _number(ex, r["units"], "units") for k, r in got.items()}
    if units[1] in (200, 264):
        raise ex.fail("units counts every assignment in the log: count only the rows of each experiment "
                      "(filter on experiment_id).")
    if units != {k: v[0] for k, v in _SRM.items()}:
        raise ex.fail("units is wrong: the number of assignments the log holds for each experiment.")
    chi2 = {k: _number(ex, r["chi2"], "chi2") for k, r in got.items()}
    if _close(chi2[3], _SRM_NO_EMPTY):
        raise ex.fail("a variant of the design that logged nobody was left out. Take the variants from "
                      "`experiments.variants` and count 0 for those with no rows: missing units are the "
                      "strongest sign of a mismatch.")
    if _close(chi2[1], 0.04) or _close(chi2[1], 4.0 / 100):
        raise ex.fail("the test ran on shares, not counts: chi-square needs the counts of units.")
    if not all(_close(chi2[k], v[1]) for k, v in _SRM.items()):
        raise ex.fail("chi2 is wrong: compare the observed counts with the expected counts of an equal "
                      "split (units / number of variants), e.g. scipy.stats.chisquare(counts).")
    if not all(_close(_number(ex, got[k]["p_value"], "p_value"), v[2], rtol=1e-4, atol=1e-12)
               for k, v in _SRM.items()):
        raise ex.fail("p_value is wrong: the chi-square test with (number of variants - 1) degrees of "
                      "freedom; scipy.stats.chisquare gives it.")
    flags = {k: bool(r["srm"]) for k, r in got.items()}
    if flags[1]:
        raise ex.fail("experiment 1 (p about 0.05) is flagged: you used 0.05. Our policy flags a "
                      "sample-ratio mismatch when p < 0.001 (SRM_THRESHOLD).")
    if flags != {k: v[3] for k, v in _SRM.items()}:
        raise ex.fail("the srm flag is wrong: True when p_value < 0.001 (our policy), else False.")


srm_check = Exercise(
    "2", "the sample-ratio check", "Part 2, 'The sample-ratio check'",
    (
        "Loop over the rows of `experiments`: for each, the design's variant list, and the counts the "
        "log has for that experiment.",
        "variants = [v.strip() for v in row.variants.split(',')]; counts = assignments.loc[assignments"
        "['experiment_id'] == row.experiment_id, 'variant'].value_counts().reindex(variants, fill_value=0).",
        "scipy.stats.chisquare(counts) tests against an equal split and returns (statistic, pvalue); "
        "collect one row per experiment and set_index('experiment_id').",
    ),
    _check_srm,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: two-metric readout; exercise 4: CUPED
# --------------------------------------------------------------------------------------------

#: customer, arm, pre_satisfaction, satisfaction, pre_cost_usd, cost_usd
_PILOT = (
    (1, "treatment", 6, 8, 10.0, 22.0), (2, "treatment", 8, 9, 0.0, 9.0), (3, "treatment", 5, 6, 30.0, 35.0),
    (4, "treatment", 9, 10, 8.0, 16.0), (5, "treatment", 4, 7, 12.0, 20.0), (6, "treatment", 7, 6, 5.0, 9.0),
    (7, "treatment", 8, 10, 20.0, 31.0), (8, "treatment", 3, 5, 40.0, 52.0),
    (9, "control", 7, 7, 15.0, 14.0), (10, "control", 6, 6, 0.0, 0.0), (11, "control", 8, 8, 22.0, 25.0),
    (12, "control", 5, 5, 9.0, 7.0), (13, "control", 7, 8, 30.0, 28.0),
)
#: metric -> control_mean, treatment_mean, difference, relative, (Welch t interval), (normal 1.96 interval)
_READOUT = {
    "satisfaction": (6.8, 7.625, 0.825, 0.12132352941176, (-1.14992843075475, 2.79992843075475),
                     (-0.93032589566724, 2.58032589566724)),
    "cost_usd": (14.8, 24.25, 9.45, 0.63851351351351, (-6.99119115941317, 25.89119115941317),
                 (-5.0198584650991, 23.9198584650991)),
}
#: what mistakes give for satisfaction: a pooled-variance interval, a 90% interval, and the
#: difference when the e-mail test's assignments are not filtered out
_POOLED_SAT = (-1.33757038052794, 2.98757038052794)
_NINETY_SAT = (-0.78566241086805, 2.43566241086805)
_UNFILTERED_SAT = 0.63636363636364
#: metric -> theta, difference, se, variance_reduction (pooled theta), worked out in advance
_CUPED = {"satisfaction": (0.76763485477178, 1.09367219917012, 0.45357275327779, 0.62837366430434),
          "cost_usd": (1.0479701669633, 9.00461267904059, 1.40545441686013, 0.85889514910196)}
_CUPED_INVERTED = {"satisfaction": 1.3027027027027, "cost_usd": 0.95422563687829}
_CUPED_DDOF_MIX = {"satisfaction": 0.83160442600277, "cost_usd": 1.13530101421024}


def example_pilot() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Worked example for exercises 3 and 4: ``(outcomes, assignments)`` of a 13-customer pilot
    (experiment 1: 8 treated, 5 controls), shaped like ``service_pilot_outcomes`` and
    ``experiment_assignments``; five of the customers are in the e-mail test (experiment 2) too."""
    out = pd.DataFrame([(c, pre, 1, pc, s, 1, cost) for c, _, pre, s, pc, cost in _PILOT],
                       columns=["customer_id", "pre_satisfaction", "pre_contacts", "pre_cost_usd",
                                "satisfaction", "contacts", "cost_usd"])
    arms = [(1, c, arm, T("2025-03-20")) for c, arm, *_ in _PILOT]
    arms += [(2, c, "treatment" if c % 2 else "control", T("2025-05-06")) for c in (1, 2, 9, 10, 11)]
    assign = pd.DataFrame(arms, columns=["experiment_id", "customer_id", "variant", "assigned_at"])
    return out.iloc[::-1].reset_index(drop=True), assign


def _check_readout(ex: Exercise, func) -> None:
    outcomes, assign = example_pilot()
    answer = call(ex, func, outcomes, assign, ["satisfaction", "cost_usd"])
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by metric")
    if "metric" in answer.columns:
        answer = answer.set_index("metric")
    expect_columns(ex, answer, ["control_mean", "treatment_mean", "difference", "ci_low", "ci_high", "relative"])
    if sorted(map(str, answer.index)) != ["cost_usd", "satisfaction"]:
        raise ex.fail("the index should be the metric names, one row per name in `metrics`.")
    answer = answer.copy()
    answer.index = answer.index.map(str)
    sat = answer.loc["satisfaction"]
    if _close(sat["difference"], _UNFILTERED_SAT):
        raise ex.fail("the e-mail test's assignments got mixed in: `assignments` holds every experiment; "
                      "keep the rows with experiment_id == PILOT_ID before joining.")
    if _close(sat["difference"], -_READOUT["satisfaction"][2]):
        raise ex.fail("the difference has the wrong sign: it is treatment mean - control mean.")
    for m, (c, t, d, rel, ci_t, ci_z) in _READOUT.items():
        row = answer.loc[m]
        if not (_close(row["control_mean"], c) and _close(row["treatment_mean"], t)):
            raise ex.fail(f"the group means of {m!r} are wrong: join outcomes to the pilot's variant by "
                          "customer_id, then take the mean per variant.")
        if not _close(row["difference"], d):
            raise ex.fail(f"the difference of {m!r} is wrong: treatment mean - control mean.")
        if not _close(row["relative"], rel):
            raise ex.fail("relative is wrong: difference / control mean.")
        low, high = _number(ex, row["ci_low"], "ci_low"), _number(ex, row["ci_high"], "ci_high")
        if m == "satisfaction" and _close(low, _POOLED_SAT[0]) and _close(high, _POOLED_SAT[1]):
            raise ex.fail("that is the pooled-variance (Student) interval: the task asks for Welch's, "
                          "which does not assume equal variances (equal_var=False).")
        if m == "satisfaction" and _close(low, _NINETY_SAT[0]) and _close(high, _NINETY_SAT[1]):
            raise ex.fail("that is a 90% interval: the task asks for 95% (confidence_interval(0.95)).")
        if not any(_close(low, ci[0], rtol=1e-5) and _close(high, ci[1], rtol=1e-5) for ci in (ci_t, ci_z)):
            raise ex.fail(f"the 95% interval of {m!r} is wrong: difference ± t × SE with SE = "
                          "√(s²_t/n_t + s²_c/n_c) from the SAMPLE variances (divide by n inside the root).")


readout = Exercise(
    "3", "two-metric readout with intervals", "Part 3, 'A two-metric readout with intervals'",
    (
        "First the pilot's participants and their variant: filter `assignments` on the pilot, then "
        "merge on customer_id. Then one row per metric.",
        "For each metric: t = the treatment's values, c = the control's; difference = t.mean() - "
        "c.mean(); scipy.stats.ttest_ind(t, c, equal_var=False).confidence_interval(0.95) has .low "
        "and .high.",
        "Collect a dict per metric and build pd.DataFrame.from_dict(rows, orient='index'); add "
        "relative = difference / control_mean.",
    ),
    _check_readout,
)


def _check_cuped(ex: Exercise, func) -> None:
    outcomes, assign = example_pilot()
    for metric, pre in (("satisfaction", "pre_satisfaction"), ("cost_usd", "pre_cost_usd")):
        answer = call(ex, func, outcomes, assign, metric, pre)
        got = _labelled(ex, answer, ["theta", "difference", "se", "variance_reduction"],
                        "a Series with theta, difference, se and variance_reduction")
        theta, diff, se, reduction = _CUPED[metric]
        if _close(got["theta"], _CUPED_INVERTED[metric]):
            raise ex.fail("theta is upside down: θ = cov(X, Y) / var(X), not var(X) / cov(X, Y).")
        if _close(got["theta"], _CUPED_DDOF_MIX[metric]):
            raise ex.fail("theta mixes two conventions: np.cov divides by n - 1 but np.var by n. Use the "
                          "same for both (x.var() of a pandas Series divides by n - 1).")
        if not _close(got["theta"], theta):
            raise ex.fail("theta is wrong: cov(X, Y) / var(X) over ALL participants of the pilot, both "
                          "groups together (not per group, not over other experiments' rows).")
        if metric == "satisfaction" and _close(got["difference"], _READOUT["satisfaction"][2]):
            raise ex.fail("the difference is the plain one: X was centred on each group's own mean, which "
                          "cancels the adjustment. Centre on the mean of all participants.")
        if not _close(got["difference"], diff):
            raise ex.fail("the difference is wrong: Y' = Y - θ(X - X̄) with X̄ over all participants, then "
                          "mean of Y' in treatment - mean of Y' in control.")
        if not _close(got["se"], se):
            raise ex.fail("se is wrong: √(s²_t/n_t + s²_c/n_c) of the ADJUSTED outcome Y', with sample "
                          "variances (ddof=1).")
        if not _close(got["variance_reduction"], reduction):
            raise ex.fail("variance_reduction is wrong: 1 - var(Y') / var(Y) over all participants (it "
                          "equals ρ², the squared correlation of X and Y).")


cuped = Exercise(
    "4", "CUPED", "Part 3, 'Tighter intervals from the pre-period: CUPED'",
    (
        "Same start as exercise 3: the pilot's participants with their variant. Then Y = the metric, "
        "X = the pre-period metric, over all of them.",
        "theta = np.cov(x, y)[0, 1] / x.var() (both divide by n - 1); adjusted = y - theta * (x - x.mean()).",
        "Split `adjusted` by variant for the difference and the Welch se; variance_reduction = "
        "1 - adjusted.var() / y.var().",
    ),
    _check_cuped,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: the cost of peeking
# --------------------------------------------------------------------------------------------

#: Published: Armitage, McPherson & Rowe (1969), alpha = 0.05, equally spaced looks.
_ARMITAGE = {1: 0.05, 2: 0.083, 4: 0.126, 5: 0.142}
#: 1 - 0.95**k: what looks at fresh, independent data would give
_INDEPENDENT = {2: 0.0975, 4: 0.18549375, 5: 0.22621906}
_SIMULATIONS = 4000


def _check_peeking(ex: Exercise, func) -> None:
    tol = lambda p: 4.5 * np.sqrt(p * (1 - p) / _SIMULATIONS) + 0.004  # noqa: E731
    first = _number(ex, call(ex, func, 1, 0.05, _SIMULATIONS, 7), "the false-positive rate")
    if not 0 <= first <= 1:
        raise ex.fail("the answer should be a share between 0 and 1 (tests found significant / tests).")
    if abs(first - 0.10) < tol(0.10) or abs(first - 0.025) < tol(0.025):
        raise ex.fail("with one look the rate is not close to alpha: the test is two-sided, reject when "
                      "|z| > norm.ppf(1 - alpha/2).")
    if abs(first - 0.05) > tol(0.05):
        raise ex.fail("with one look the rate should be close to alpha (0.05): check the z-statistic "
                      "(a sum of k standard normal increments divided by √k) and the threshold.")
    again = _number(ex, call(ex, func, 1, 0.05, _SIMULATIONS, 7), "the false-positive rate")
    if again != first:
        raise ex.fail("the same seed gave two different answers: draw every random number from "
                      "np.random.default_rng(seed), not from np.random directly.")
    for looks, seed in ((2, 8), (5, 9), (4, 10)):
        rate = _number(ex, call(ex, func, looks, 0.05, _SIMULATIONS, seed), "the false-positive rate")
        if abs(rate - 0.05) < tol(0.05) and abs(_ARMITAGE[looks] - 0.05) > tol(0.05):
            raise ex.fail(f"with {looks} looks the rate is as with one: you test only at the last look. "
                          "Test at every look and count a test as a false positive if any look is significant.")
        if abs(rate - _INDEPENDENT[looks]) < tol(_INDEPENDENT[looks]) and abs(rate - _ARMITAGE[looks]) > tol(0.1):
            raise ex.fail(f"with {looks} looks the rate is as if every look saw fresh, independent data "
                          "(1 - 0.95^looks). Each look tests ALL the data so far: cumulate the increments.")
        if abs(rate - _ARMITAGE[looks]) > tol(_ARMITAGE[looks]):
            raise ex.fail(f"with {looks} looks at alpha 0.05 the rate is {'too high' if rate > _ARMITAGE[looks] else 'too low'}"
                          " compared with the published figures. At look k: z = (sum of the first k increments) "
                          "/ √k; significant when |z| > norm.ppf(1 - alpha/2).")
    return ("It matches Armitage, McPherson and Rowe's published figures within simulation error. "
            "The graded tests run other numbers of looks and levels.")


peeking_error = Exercise(
    "5", "the cost of peeking", "Part 4, 'Simulate it'",
    (
        "One row per simulated test, one column per look: the data of each look is a standard normal "
        "increment (the difference between the arms in that batch, standardised).",
        "rng = np.random.default_rng(seed); steps = rng.standard_normal((simulations, looks)); "
        "z = steps.cumsum(axis=1) / np.sqrt(np.arange(1, looks + 1)).",
        "A test is a false positive when ANY look has |z| above norm.ppf(1 - alpha / 2): "
        "(np.abs(z) > c).any(axis=1).mean().",
    ),
    _check_peeking,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: value by exposure arm
# --------------------------------------------------------------------------------------------

_EXPOSURE_ROWS = (  # customer, arm, delivered, clicked, unsubscribed
    (1, 1, 1, True, False), (2, 1, 1, False, False), (3, 1, 0, False, False), (4, 1, 1, False, False),
    (5, 2, 2, True, False), (6, 2, 2, True, False), (7, 2, 1, False, True), (8, 2, 2, False, False),
    (9, 2, 2, False, False),
    (10, 4, 4, True, True), (11, 4, 4, True, False), (12, 4, 3, False, True), (13, 4, 4, True, False),
)
#: arm -> customers, click_rate, unsubscribe_rate, value_per_customer at $4 a click, $15 an unsubscribe
_EXPOSURE = {1: (4, 0.25, 0.0, 1.0), 2: (5, 0.4, 0.2, -1.4), 4: (4, 0.75, 0.5, -4.5)}


def example_exposures() -> pd.DataFrame:
    """Worked example for exercise 6: 13 customers in arms of 1, 2 and 4 e-mails, shaped like
    ``email_exposures`` (some e-mails were not delivered)."""
    frame = pd.DataFrame([(3, *r) for r in _EXPOSURE_ROWS],
                         columns=["experiment_id", "customer_id", "emails_planned", "emails_delivered",
                                  "clicked", "unsubscribed"])
    return frame.iloc[[9, 2, 12, 5, 0, 7, 11, 3, 8, 1, 10, 6, 4]].reset_index(drop=True)


def _check_exposure(ex: Exercise, func) -> None:
    answer = call(ex, func, example_exposures(), 4.0, 15.0)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by emails_planned")
    if "emails_planned" in answer.columns:
        answer = answer.set_index("emails_planned")
    expect_columns(ex, answer, ["customers", "click_rate", "unsubscribe_rate", "value_per_customer"])
    try:
        index = [int(v) for v in answer.index]
    except (TypeError, ValueError):
        raise ex.fail("the index should be the number of e-mails planned (1, 2, ...).") from None
    if 0 in index or 3 in index:
        raise ex.fail("the index holds e-mails DELIVERED: group by the randomised arm, emails_planned.")
    if sorted(index) != [1, 2, 4]:
        raise ex.fail("expected one row per arm in the data (arms 1, 2 and 4 in the worked example).")
    if index != sorted(index):
        raise ex.fail("sort the rows by emails_planned, ascending (sort_index()).")
    rows = {k: answer.iloc[i] for i, k in enumerate(index)}
    for arm, (n, click, gone, value) in _EXPOSURE.items():
        r = rows[arm]
        if not _close(r["customers"], n):
            raise ex.fail("customers is wrong: the number of customers in each arm.")
        if _close(r["click_rate"], click * n) and n > 1 and click > 0:
            raise ex.fail("click_rate is a count: divide by the arm's customers (or take the mean of clicked).")
        if not (_close(r["click_rate"], click) and _close(r["unsubscribe_rate"], gone)):
            raise ex.fail("the rates are wrong: the share of the arm's customers who clicked, and who "
                          "unsubscribed.")
        if _close(r["value_per_customer"], 4.0 * click + 15.0 * gone) and gone > 0:
            raise ex.fail("unsubscribes were added: they cost money, so subtract unsubscribe_cost × "
                          "unsubscribe_rate.")
        if not _close(r["value_per_customer"], value):
            raise ex.fail("value_per_customer is wrong: click_value × click_rate - unsubscribe_cost × "
                          "unsubscribe_rate.")


exposure_value = Exercise(
    "6", "value by exposure arm", "Part 5, 'Value by exposure arm'",
    (
        "One row per arm: group by the column the experiment randomised.",
        "g = exposures.groupby('emails_planned'); the mean of a True/False column is a share: "
        "g['clicked'].mean().",
        "Build the frame from g.size(), the two means, then value_per_customer = click_value * "
        "click_rate - unsubscribe_cost * unsubscribe_rate; sort_index().",
    ),
    _check_exposure,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: interrupted time series
# --------------------------------------------------------------------------------------------

#: 80 days from 3 February 2025, 17-20 February missing, the change on Monday 10 March.
_COUNTS = (130, 149, 113, 126, 148, 90, 81, 117, 149, 105, 108, 132, 45, 46, 102, 88, 70, 157, 118, 118, 146,
           156, 61, 40, 153, 159, 142, 147, 149, 45, 77, 164, 168, 195, 170, 204, 102, 88, 130, 216, 143, 134,
           226, 96, 118, 227, 161, 225, 144, 167, 83, 130, 166, 183, 160, 222, 226, 84, 119, 158, 191, 158, 188,
           179, 82, 52, 198, 204, 225, 188, 130, 79, 96, 160, 108, 143, 188, 173, 108, 120)
#: The worked example's change day.
EXAMPLE_CHANGE = T("2025-03-10")
#: step_rate_ratio, ci_low, ci_high, slope_change_per_day, dispersion, worked out in advance
_ITS = (1.34133231892268, 1.12433585069009, 1.60020903779082, -0.00327093599368, 5.01117099537796)
#: step_rate_ratio of common mistakes: time in rows, no day of week, slope term not reset, change day
#: counted before; and the Poisson interval without the dispersion
_ITS_ROWS, _ITS_NO_DOW, _ITS_NO_RESET, _ITS_EXCLUSIVE = 1.34399914273342, 1.52220970146491, 1.50402695509481, 1.32050470994892
_ITS_POISSON_CI = (1.23965265655334, 1.45135202209692)


def example_counts() -> pd.Series:
    """Worked example for exercise 7: 80 days of counts (17-20 February 2025 missing), indexed by
    date, not in date order; the change is on ``EXAMPLE_CHANGE``."""
    days = pd.date_range("2025-02-03", periods=84)
    days = days[~((days >= "2025-02-17") & (days <= "2025-02-20"))]
    s = pd.Series(_COUNTS, index=days.astype("datetime64[us]"), name="contacts")
    s.index.name = "date"
    order = [(i * 17) % len(s) for i in range(len(s))]
    return s.iloc[order]


def _check_its(ex: Exercise, func) -> None:
    answer = call(ex, func, example_counts(), EXAMPLE_CHANGE)
    got = _labelled(ex, answer, ["step_rate_ratio", "ci_low", "ci_high", "slope_change_per_day", "dispersion"],
                    "a Series with step_rate_ratio, ci_low, ci_high, slope_change_per_day and dispersion")
    step = got["step_rate_ratio"]
    if _close(step, np.log(_ITS[0]), rtol=1e-4):
        raise ex.fail("step_rate_ratio is on the log scale: return exp(beta_2), a ratio.")
    if _close(step, _ITS_ROWS, rtol=1e-5):
        raise ex.fail("time counts rows, not days: the series has gaps, so t = (date - first date) in days.")
    if _close(step, _ITS_NO_DOW, rtol=1e-5):
        raise ex.fail("the day-of-week columns are missing: add six 0/1 columns (one day is the reference).")
    if _close(step, _ITS_NO_RESET, rtol=1e-5):
        raise ex.fail("the slope term is post × t: it must be post × (t - t0), so that beta_2 is the jump "
                      "AT the change.")
    if _close(step, _ITS_EXCLUSIVE, rtol=1e-5):
        raise ex.fail("the change day itself was counted as before: post = 1 from change_date on "
                      "(date >= change_date).")
    if not _close(step, _ITS[0], rtol=1e-5):
        raise ex.fail("step_rate_ratio is wrong: check the design matrix (constant, t, post, post × (t - t0), "
                      "six day-of-week columns) and sort the series by date first.")
    if not _close(got["slope_change_per_day"], _ITS[3], rtol=1e-4):
        raise ex.fail("slope_change_per_day is wrong: beta_3 itself (log scale, per calendar day).")
    if not _close(got["dispersion"], _ITS[4], rtol=1e-5):
        raise ex.fail("dispersion is wrong: sum((y - mu)² / mu) / (n - p), with p the number of columns "
                      "of the design (constant included).")
    if _close(got["ci_low"], _ITS_POISSON_CI[0], rtol=1e-5):
        raise ex.fail("the interval is the plain Poisson one: multiply the variance of beta_2 by the "
                      "dispersion (the se by its square root) before exp(beta_2 ± 1.96 se).")
    if not (_close(got["ci_low"], _ITS[1], rtol=1e-5) and _close(got["ci_high"], _ITS[2], rtol=1e-5)):
        raise ex.fail("the interval is wrong: se = √(dispersion × cov[2, 2]); ci = exp(beta_2 ± 1.96 se).")


its_fit = Exercise(
    "7", "interrupted time series", "Part 6, 'The step at the change'",
    (
        "Sort the series by date, then build one column per term of the model: a constant, t, post, "
        "post × (t - t0), and six day-of-week columns.",
        "t = (dates - dates[0]).days; post = (dates >= change_date); day of week: "
        "pd.get_dummies(dates.day_of_week, drop_first=True, dtype=float). Stack with np.column_stack.",
        "beta, cov, mu = poisson_glm(y, X); dispersion = ((y - mu)**2 / mu).sum() / (len(y) - X.shape[1]); "
        "se = np.sqrt(dispersion * cov[2, 2]).",
    ),
    _check_its,
)

# --------------------------------------------------------------------------------------------
# Exercise 8: ship, stop or extend
# --------------------------------------------------------------------------------------------

#: The worked example's criteria.
EXAMPLE_CRITERIA = {"primary": "csat", "min_gain": 0.5, "guardrail": "cost", "max_cost": 2.0}
#: label -> ((csat difference, ci_low, ci_high), (cost difference, ci_low, ci_high)), decision by hand
_READOUTS = {
    "clear win": (((0.8, 0.6, 1.0), (1.0, 0.5, 1.5)), "ship"),
    "gain ruled out": (((0.2, 0.0, 0.4), (1.0, 0.5, 1.5)), "stop"),
    "gain bound exactly at min_gain": (((0.3, 0.1, 0.5), (1.0, 0.5, 1.5)), "extend"),
    "cost surely too high": (((0.8, 0.6, 1.0), (3.0, 2.5, 3.5)), "stop"),
    "cost bound exactly at max_cost": (((0.8, 0.6, 1.0), (2.5, 2.0, 3.0)), "extend"),
    "cost may be too high": (((0.8, 0.6, 1.0), (1.8, 1.0, 2.6)), "extend"),
    "cost upper bound exactly at max_cost": (((0.8, 0.6, 1.0), (1.5, 1.0, 2.0)), "ship"),
    "gain exactly min_gain": (((0.5, 0.2, 0.8), (1.0, 0.5, 1.5)), "ship"),
    "gain may be zero": (((0.7, -0.1, 1.5), (1.0, 0.5, 1.5)), "extend"),
    "gain lower bound exactly 0": (((0.7, 0.0, 1.4), (1.0, 0.5, 1.5)), "extend"),
}


def example_readouts() -> dict[str, pd.DataFrame]:
    """Worked example for exercise 8: readouts (indexed by metric, with an extra row) for
    ``EXAMPLE_CRITERIA``, by situation."""
    out = {}
    for label, ((p, g), _) in _READOUTS.items():
        frame = pd.DataFrame([("nps", 3.0, -1.0, 7.0), ("cost", *g), ("csat", *p)],
                             columns=["metric", "difference", "ci_low", "ci_high"]).set_index("metric")
        out[label] = frame
    return out


def _check_decision(ex: Exercise, func) -> None:
    answers = {}
    for label, frame in example_readouts().items():
        answer = call(ex, func, frame, dict(EXAMPLE_CRITERIA))
        if not isinstance(answer, str) or answer.strip().lower() not in ("ship", "stop", "extend"):
            raise ex.fail("the function should return one of the words 'ship', 'stop' or 'extend'; it "
                          f"returned {answer!r}." if isinstance(answer, str) else
                          "the function should return one of the words 'ship', 'stop' or 'extend'; it "
                          f"returned {type(answer).__name__}.")
        answers[label] = answer.strip().lower()
    want = {k: v[1] for k, v in _READOUTS.items()}
    if answers == want:
        return
    if answers["gain may be zero"] == "ship":
        raise ex.fail("a gain whose interval includes 0 was shipped: ship only when the gain's lower bound "
                      "is above 0 (the point estimate alone is not evidence).")
    if answers["cost may be too high"] == "ship" or answers["cost surely too high"] == "ship":
        raise ex.fail("the guardrail is ignored: ship only when the cost's upper bound is at most max_cost.")
    if answers["gain bound exactly at min_gain"] == "stop" or answers["cost bound exactly at max_cost"] == "stop":
        raise ex.fail("a bound exactly at a threshold stopped the pilot: stop needs ci_high < min_gain or "
                      "ci_low > max_cost, strictly.")
    if answers["gain lower bound exactly 0"] == "ship":
        raise ex.fail("a gain whose lower bound is exactly 0 was shipped: the rule asks for ci_low > 0, strictly.")
    if answers["cost upper bound exactly at max_cost"] != "ship" or answers["gain exactly min_gain"] != "ship":
        raise ex.fail("a bound exactly at a threshold kept the pilot from shipping: difference >= min_gain "
                      "and ci_high <= max_cost include the threshold.")
    if answers["gain ruled out"] != "stop" or answers["cost surely too high"] != "stop":
        raise ex.fail("a pilot whose gain is ruled out, or whose cost is surely too high, should stop.")
    raise ex.fail("some decisions are wrong: stop first (either stop clause), then ship (all three ship "
                  "clauses), else extend. Use the metric names in `criteria`, not fixed names.")


pilot_decision = Exercise(
    "8", "ship, stop or extend", "Part 7, 'The decision rule, set in advance'",
    (
        "Take the two rows you need with readout.loc[criteria['primary']] and "
        "readout.loc[criteria['guardrail']].",
        "Check the stop clauses first (either one is enough), then the ship clauses (all three), and "
        "return 'extend' otherwise.",
        "Mind the comparisons: stop uses < and >, ship uses > 0, >= min_gain and <= max_cost.",
    ),
    _check_decision,
)
