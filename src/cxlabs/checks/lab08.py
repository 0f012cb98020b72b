"""Visible checks and hints for Lab 08, *Churn and customer health from operational signals*.

Every check runs the learner's function on a small hand-made example (print it:
``example_renewals()``, ``example_events()``, ``example_split()``, ``example_scores()``,
``example_survival()``, ``example_backtest()``, ``example_contacts()``), compares the result
with the answer worked out by hand, and, when it is wrong, says which common mistake it looks
like. No check prints the expected values.

:func:`leakage_audit` is a test any feature function can be put through: it fails when a
feature changes once the rows at or after the cut-off are removed.

>>> from cxlabs.checks import lab08 as checks
>>> checks.window_counts.hint()                 # doctest: +SKIP
>>> checks.window_counts.check(window_counts)   # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["window_counts", "time_split", "lift_table", "kaplan_meier", "backtest", "contact_decisions",
           "leakage_audit", "example_renewals", "example_events", "example_split", "example_scores",
           "example_survival", "example_backtest", "example_contacts", "SPLIT_DAY", "LIFT_GROUPS",
           "BACKTEST_BOUNDS", "CONTACT_COST", "CONTACT_SAVE_RATE"]

T = pd.Timestamp


def _close(got, want, tol: float = 1e-6) -> bool:
    try:
        g = np.asarray(got, dtype=float)
        w = np.asarray(want, dtype=float)
    except (TypeError, ValueError):
        return False
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=tol, atol=1e-9, equal_nan=True))


def _as_series(ex: Exercise, answer, what: str) -> pd.Series:
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    expect_type(ex, answer, pd.Series, what)
    return answer


def _same_labels(ex: Exercise, answer_index: pd.Index, want: list, what: str) -> None:
    try:
        got = sorted(answer_index.tolist())
    except TypeError:
        got = None
    if got != sorted(want) or answer_index.has_duplicates:
        raise ex.fail(f"the index should be {what}: one entry for each, no more, no fewer "
                      f"(the worked example has {len(want)}).")


# --------------------------------------------------------------------------------------------
# Leakage audit (a tool, not an exercise)
# --------------------------------------------------------------------------------------------

def leakage_audit(feature, renewals: pd.DataFrame, events: pd.DataFrame, time_col: str) -> bool:
    """Does ``feature(renewals, events)`` use rows at or after the cut-off? Prints the verdict.

    The audit takes each customer's earliest renewal in ``renewals``, computes the feature on
    all of ``events``, then again after removing every event of that customer at or after the
    renewal's ``notice_date``. A feature that only looks before the cut-off cannot change.

    Returns True when no value changed (no leak found), False otherwise.
    """
    first = (renewals.sort_values(["notice_date"], kind="stable")
             .drop_duplicates("customer_id"))
    cut = events["customer_id"].map(first.set_index("customer_id")["notice_date"])
    before = events[~(events[time_col] >= cut)]  # events of customers without a renewal stay
    a = pd.Series(feature(first, events)).astype(float)
    b = pd.Series(feature(first, before)).astype(float)
    changed = int((~np.isclose(a.to_numpy(), b.reindex(a.index).to_numpy(), equal_nan=True)).sum())
    if changed:
        print(f"✗ Leakage: the feature changed for {changed:,} of {len(a):,} renewals when the rows at "
              "or after their cut-off were removed. It uses what was not known at the cut-off.")
        return False
    print(f"✓ No leak found: the feature is the same for all {len(a):,} renewals with or without "
          f"the {len(events) - len(before):,} rows at or after their cut-off.")
    return True


# --------------------------------------------------------------------------------------------
# Exercise 1: point-in-time window counts
# --------------------------------------------------------------------------------------------

_RENEWALS = (  # label, customer, notice date
    (10, 1, "2024-03-01"), (11, 1, "2025-03-01"), (12, 2, "2025-06-15"), (13, 3, "2025-06-15"),
    (14, 4, "2025-09-30"),
)
_RENEWAL_ORDER = (2, 4, 0, 3, 1)
_EVENTS = (  # customer, time, amount
    (1, "2024-02-29 23:00", 10.0), (1, "2024-03-01 09:00", 20.0), (1, "2025-02-10 10:00", 40.0),
    (1, "2025-03-01 00:00", 80.0),
    (2, "2024-06-15 00:00", 1.0), (2, "2024-06-14 23:59", 2.0), (2, "2025-06-20 08:00", 4.0),
    (2, "2025-06-14 12:00", 8.0),
    (4, "2025-09-29 09:00", 100.0), (4, "2025-09-29 15:00", 200.0), (4, "2025-10-05 11:00", 400.0),
    (5, "2025-01-01 10:00", 1000.0),
)
_EVENT_ORDER = (6, 0, 11, 3, 9, 1, 7, 4, 10, 2, 8, 5)
#: The worked answers, by hand (days=365): renewal label -> count, sum of amount.
_COUNTS = {10: 1, 11: 2, 12: 2, 13: 0, 14: 2}
_SUMS = {10: 10.0, 11: 60.0, 12: 9.0, 13: 0.0, 14: 300.0}
#: What the common mistakes give on the worked example.
_COUNTS_UP_TO_NOTICE = {10: 1, 11: 3, 12: 2, 13: 0, 14: 2}        # time <= notice_date
_COUNTS_NO_UPPER = {10: 4, 11: 3, 12: 3, 13: 0, 14: 3}            # nothing stops at the cut-off
_COUNTS_LOWER_OPEN = {10: 1, 11: 2, 12: 1, 13: 0, 14: 2}          # time > notice - days
_COUNTS_NO_LOWER = {10: 1, 11: 3, 12: 3, 13: 0, 14: 2}            # every earlier event


def example_renewals() -> pd.DataFrame:
    """Worked example for exercise 1: five renewals (index: renewal label), two of customer 1."""
    frame = pd.DataFrame([(c, T(d)) for _, c, d in _RENEWALS], columns=["customer_id", "notice_date"],
                         index=pd.Index([r for r, _, _ in _RENEWALS], name="renewal"))
    frame["notice_date"] = frame["notice_date"].astype("datetime64[us]")
    return frame.iloc[list(_RENEWAL_ORDER)]


def example_events() -> pd.DataFrame:
    """Worked example for exercise 1: twelve events (``customer_id``, ``event_at``, ``amount``),
    some on a cut-off day, on the first day of a window, after a cut-off; customer 3 has none,
    customer 5 no renewal."""
    frame = pd.DataFrame([(c, T(t), a) for c, t, a in _EVENTS], columns=["customer_id", "event_at", "amount"])
    frame["event_at"] = frame["event_at"].astype("datetime64[us]")
    return frame.iloc[list(_EVENT_ORDER)].reset_index(drop=True)


def _check_window_counts(ex: Exercise, func) -> None:
    labels = [r for r, _, _ in _RENEWALS]
    answer = call(ex, func, example_renewals(), example_events(), "event_at", 365)
    got = _as_series(ex, answer, "a Series with one count per renewal (the same index as renewals)")
    if len(got) < len(labels) and set(got.index) <= set(labels) and 13 not in set(got.index):
        raise ex.fail("renewals with no events in their window are missing. Every renewal gets a value: "
                      "0 when the customer had no events (reindex on renewals.index with fill_value=0).")
    _same_labels(ex, got.index, labels, "the index of renewals (the renewal labels, not customer ids)")
    counts = {k: float(v) if pd.notna(v) else np.nan for k, v in got.items()}
    if counts.get(13) is None or np.isnan(counts[13]):
        raise ex.fail("a renewal with no events got a missing value; it should be 0.")
    if counts == _COUNTS_NO_UPPER:
        raise ex.fail("your counts use rows after the cut-off: events on or after the notice date were "
                      "counted. That is leakage: keep only events with time < notice_date.")
    if counts == _COUNTS_UP_TO_NOTICE:
        raise ex.fail("an event at the cut-off instant (midnight of the notice date) was counted: the "
                      "window ends before the notice date, time < notice_date, not <=.")
    if counts == _COUNTS_LOWER_OPEN:
        raise ex.fail("an event exactly `days` days before the notice date was left out: the first day "
                      "of the window is included, time >= notice_date - days.")
    if counts == _COUNTS_NO_LOWER:
        raise ex.fail("events older than the window were counted: keep only the last `days` days, "
                      "time >= notice_date - pd.Timedelta(days=days).")
    if counts[10] == counts[11]:
        raise ex.fail("the two renewals of one customer got the same value: each renewal has its own "
                      "window, ending at its own notice date. Count per renewal, not per customer.")
    if counts != _COUNTS:
        raise ex.fail("some counts are wrong. Per renewal: the customer's events with "
                      "notice_date - days <= time < notice_date.")
    sums = call(ex, func, example_renewals(), example_events(), "event_at", 365, value_col="amount")
    sums = _as_series(ex, sums, "a Series with one total per renewal when value_col is given")
    _same_labels(ex, sums.index, labels, "the index of renewals")
    if _close([float(sums[k]) for k in labels], [float(_COUNTS[k]) for k in labels]):
        raise ex.fail("with value_col given, add up that column over the window's events instead of "
                      "counting them.")
    if not _close([float(sums[k]) for k in labels], [_SUMS[k] for k in labels]):
        raise ex.fail("the sums with value_col are wrong: the same window as the counts, adding up "
                      "value_col (0 when there are no events).")


window_counts = Exercise(
    "1", "point-in-time window counts", "Part 1, 'Counting what was known at the cut-off'",
    (
        "Pair every renewal with its customer's events (a merge on customer_id), keep the events "
        "inside that renewal's own window, then add them up per renewal.",
        "The window is notice_date - pd.Timedelta(days=days) <= time < notice_date: the lower end "
        "included, the notice date itself excluded (that day is already the future).",
        "Keep the renewal labels through the merge (renewals.reset_index()), group the events inside "
        "the window by that label, .size() or [value_col].sum(), then "
        ".reindex(renewals.index, fill_value=0) so renewals without events get 0.",
    ),
    _check_window_counts,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: a split by time
# --------------------------------------------------------------------------------------------

#: The worked example's split day for exercise 2.
SPLIT_DAY = T("2025-07-01")
_SPLIT_ROWS = (  # label, renewal date, part (by hand)
    (1, "2025-06-15", "train"), (2, "2025-07-01", "train"), (3, "2025-07-02", "gap"),
    (4, "2025-07-30", "gap"), (5, "2025-07-31", "test"), (6, "2025-10-01", "test"),
    (7, "2024-12-31", "train"),
)
_SPLIT_ORDER = (3, 6, 0, 5, 2, 4, 1)


def example_split() -> pd.DataFrame:
    """Worked example for exercise 2: seven renewals around ``SPLIT_DAY`` (notice 30 days before
    the renewal): one renews on the split day, one's notice goes out on it."""
    rows = [(T(d) - pd.Timedelta(days=30), T(d)) for _, d, _ in _SPLIT_ROWS]
    frame = pd.DataFrame(rows, columns=["notice_date", "renewal_date"],
                         index=pd.Index([r for r, _, _ in _SPLIT_ROWS], name="renewal"))
    frame = frame.astype("datetime64[us]")
    frame.insert(0, "customer_id", [100 + r for r, _, _ in _SPLIT_ROWS])
    return frame.iloc[list(_SPLIT_ORDER)]


def _check_time_split(ex: Exercise, func) -> None:
    labels = [r for r, _, _ in _SPLIT_ROWS]
    answer = call(ex, func, example_split(), SPLIT_DAY)
    got = _as_series(ex, answer, "a Series of 'train', 'gap' or 'test' per renewal")
    _same_labels(ex, got.index, labels, "the index of renewals")
    part = {k: str(v) for k, v in got.items()}
    if not set(part.values()) <= {"train", "gap", "test"}:
        raise ex.fail("the values should be the words 'train', 'gap' and 'test'.")
    if part[3] == "train" and part[4] == "train":
        raise ex.fail("renewals whose notice went out before the split but whose outcome came after it "
                      "are in train: their outcome was not known on the split day. Train needs "
                      "renewal_date <= split_day.")
    if part[3] == "test" and part[4] == "test":
        raise ex.fail("renewals whose notice went out before the split day are in test: they were "
                      "scored before a model trained on the split day existed. Test needs "
                      "notice_date >= split_day; the renewals in between are the gap.")
    if part[2] != "train":
        raise ex.fail("a renewal ON the split day is not in train: its outcome is known that day "
                      "(renewal_date <= split_day).")
    if part[5] != "test":
        raise ex.fail("a renewal whose notice goes out ON the split day is not in test: it is scored "
                      "that day (notice_date >= split_day).")
    if part != {r: p for r, _, p in _SPLIT_ROWS}:
        raise ex.fail("some parts are wrong: train when renewal_date <= split_day, test when "
                      "notice_date >= split_day, gap otherwise.")


time_split = Exercise(
    "2", "train, gap and test by time", "Part 2, 'Train on the past, test on the future'",
    (
        "Two dates matter: when a renewal is scored (its notice date) and when its outcome is known "
        "(its renewal date). A model trained on the split day may learn only from outcomes known by "
        "then, and is tested only on renewals it scores from then on.",
        "train: renewal_date <= split_day; test: notice_date >= split_day; everything else is the "
        "gap. np.select([train, test], ['train', 'test'], 'gap').",
    ),
    _check_time_split,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: lift and gains
# --------------------------------------------------------------------------------------------

#: Groups in the worked example of exercise 3.
LIFT_GROUPS = 5
_SCORES = {101: 0.9, 102: 0.7, 103: 0.7, 104: 0.6, 105: 0.5, 106: 0.35, 107: 0.35, 108: 0.3, 109: 0.2, 110: 0.1}
_OUTCOMES = {101: 1, 102: 1, 103: 0, 104: 1, 105: 0, 106: 1, 107: 0, 108: 0, 109: 0, 110: 0}
_SCORE_ORDER = (104, 110, 101, 107, 103, 108, 106, 102, 109, 105)
_OUTCOME_ORDER = (108, 101, 105, 110, 103, 106, 102, 109, 104, 107)
#: The worked answer, by hand: group -> (renewals, cancelled, cancel_rate, lift, cumulative_share).
_LIFT = {1: (2, 2, 1.0, 2.5, 0.5), 2: (2, 1, 0.5, 1.25, 0.75), 3: (2, 1, 0.5, 1.25, 1.0),
         4: (2, 0, 0.0, 0.0, 1.0), 5: (2, 0, 0.0, 0.0, 1.0)}
_LIFT_COLUMNS = ["renewals", "cancelled", "cancel_rate", "lift", "cumulative_share"]
_CANCELLED_TIES_REVERSED = [1, 2, 0, 1, 0]
_CANCELLED_LOWEST_FIRST = [0, 1, 0, 2, 1]
_CUM_RENEWALS = [0.2, 0.4, 0.6, 0.8, 1.0]


def example_scores() -> tuple[pd.Series, pd.Series]:
    """Worked example for exercise 3: ``(scores, outcomes)`` of ten renewals, in different row
    orders (align them by index label); two ties of scores."""
    scores = pd.Series([_SCORES[k] for k in _SCORE_ORDER], index=pd.Index(_SCORE_ORDER, name="renewal"),
                       name="score")
    outcomes = pd.Series([bool(_OUTCOMES[k]) for k in _OUTCOME_ORDER],
                         index=pd.Index(_OUTCOME_ORDER, name="renewal"), name="cancelled")
    return scores, outcomes


def _check_lift_table(ex: Exercise, func) -> None:
    scores, outcomes = example_scores()
    answer = call(ex, func, scores, outcomes, LIFT_GROUPS)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by group (1 = the highest scores)")
    expect_columns(ex, answer, _LIFT_COLUMNS)
    try:
        groups = [int(g) for g in answer.index]
    except (TypeError, ValueError):
        groups = None
    if groups is not None and groups == list(range(LIFT_GROUPS)):
        raise ex.fail("the groups are numbered from 0; number them 1 to `groups` (1 = the highest scores).")
    if groups != list(range(1, LIFT_GROUPS + 1)):
        raise ex.fail(f"the index should be the groups 1, 2, ... in order ({LIFT_GROUPS} in the worked "
                      "example), one row each.")
    renewals = answer["renewals"].tolist()
    if not _close(renewals, [2] * LIFT_GROUPS):
        raise ex.fail("the groups are not equal slices of the sorted renewals: group = 1 + "
                      "position * groups // n, position 0, 1, ... after sorting.")
    cancelled = answer["cancelled"].tolist()
    if _close(cancelled, _CANCELLED_LOWEST_FIRST):
        raise ex.fail("group 1 holds the LOWEST scores. Sort by score, highest first.")
    if _close(cancelled, _CANCELLED_TIES_REVERSED):
        raise ex.fail("the tie rule is not applied: renewals with the same score are taken in index "
                      "order (lowest label first), so sort by the index first, then by score with a "
                      "stable sort (kind='stable').")
    if not _close(cancelled, [v[1] for v in _LIFT.values()]):
        raise ex.fail("the cancellations per group are wrong. Did you match outcomes to scores by "
                      "index label? The two Series come in different row orders.")
    if not _close(answer["cancel_rate"], [v[2] for v in _LIFT.values()]):
        raise ex.fail("cancel_rate is wrong: cancelled / renewals of the group.")
    if not _close(answer["lift"], [v[3] for v in _LIFT.values()]):
        raise ex.fail("lift is wrong: the group's cancel rate divided by the cancel rate of ALL renewals.")
    if _close(answer["cumulative_share"], _CUM_RENEWALS):
        raise ex.fail("cumulative_share is the share of renewals; it should be the share of all "
                      "cancellations found in groups 1 to k (the gains curve).")
    if not _close(answer["cumulative_share"], [v[4] for v in _LIFT.values()]):
        raise ex.fail("cumulative_share is wrong: cancellations in groups 1..k divided by all cancellations.")


lift_table = Exercise(
    "3", "lift and gains by group", "Part 3, 'Lift and gains'",
    (
        "Put scores and outcomes side by side by index label, sort highest score first, cut the "
        "sorted list into equal slices, and count cancellations per slice.",
        "Ties: sort by index first, then sort_values(ascending=False, kind='stable'), so equal "
        "scores stay in index order. Group of position i (0-based) = 1 + i * groups // n.",
        "lift = cancel_rate / (all cancellations / all renewals); cumulative_share = "
        "cancelled.cumsum() / cancelled.sum().",
    ),
    _check_lift_table,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: Kaplan-Meier
# --------------------------------------------------------------------------------------------

_SURV_D = (12, 5, 8, 3, 15, 5, 12, 10, 5, 8)
_SURV_E = (1, 0, 1, 1, 0, 1, 1, 0, 1, 0)
#: The worked answer by hand: time -> (at_risk, events, survival).
_KM = {3: (10, 1, 0.9), 5: (9, 2, 0.7), 8: (6, 1, 0.7 * 5 / 6), 12: (3, 2, 0.7 * 5 / 6 / 3)}
_KM_DROP_CENSORED = [5 / 6, 0.5, 1 / 3, 0.0]
_KM_CENSORED_LEAVE_FIRST = [0.9, 0.675, 0.54, 0.18]
_KM_NAIVE = [0.9, 0.7, 0.6, 0.4]


def example_survival() -> tuple[pd.Series, pd.Series]:
    """Worked example for exercise 4: ``(durations, observed)`` of ten plans, not sorted; at time 5
    and at time 8 one plan is censored as others end."""
    index = pd.Index(range(201, 211), name="plan")
    return (pd.Series(_SURV_D, index=index, name="duration"),
            pd.Series([bool(e) for e in _SURV_E], index=index, name="observed"))


def _check_kaplan_meier(ex: Exercise, func) -> None:
    durations, observed = example_survival()
    answer = call(ex, func, durations, observed)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by event time")
    expect_columns(ex, answer, ["at_risk", "events", "survival"])
    times = list(_KM)
    try:
        got_times = [float(t) for t in answer.index]
    except (TypeError, ValueError):
        got_times = None
    if got_times is not None and sorted(got_times) == [3, 5, 8, 10, 12, 15]:
        raise ex.fail("there is a row for times when only censoring happened. Keep only the times "
                      "with at least one event (observed True).")
    if got_times != [float(t) for t in times]:
        raise ex.fail("the index should be the distinct times with at least one event, in increasing "
                      "order (4 in the worked example).")
    surv = answer["survival"].tolist()
    if _close(surv, _KM_DROP_CENSORED):
        raise ex.fail("the censored plans were dropped. A censored plan is still at risk until its "
                      "time: it counts in n_i for every event time up to and including its own.")
    if _close(surv, _KM_CENSORED_LEAVE_FIRST):
        raise ex.fail("a plan censored at the same time as an event was left out of that time's risk "
                      "set. At risk at t means duration >= t, censored or not.")
    if _close(surv, _KM_NAIVE):
        raise ex.fail("this is 1 minus the share of ALL plans that ended, which ignores censoring. "
                      "Kaplan–Meier multiplies (1 - d_i / n_i) over the event times.")
    if not _close(answer["at_risk"], [v[0] for v in _KM.values()]):
        raise ex.fail("at_risk is wrong: the number of plans with duration >= t (censored or not).")
    if not _close(answer["events"], [v[1] for v in _KM.values()]):
        raise ex.fail("events is wrong: the number of plans with duration == t and observed True.")
    if not _close(surv, [v[2] for v in _KM.values()]):
        raise ex.fail("survival is wrong: the running product of (1 - events / at_risk).")


kaplan_meier = Exercise(
    "4", "Kaplan–Meier survival", "Part 4, 'Kaplan–Meier by hand'",
    (
        "Work time by time: at each time with an event, how many plans were still at risk, and how "
        "many ended then? Survival is the running product of (1 - ended / at risk).",
        "At risk at t: durations >= t, whether censored or not; a plan censored at t is still at "
        "risk at t. Events at t: durations == t with observed True.",
        "times = np.sort(durations[observed].unique()); at_risk = [(durations >= t).sum() for t in "
        "times]; then np.cumprod(1 - events / at_risk).",
    ),
    _check_kaplan_meier,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: risk tiers, back-tested
# --------------------------------------------------------------------------------------------

#: The worked example's tier boundaries for exercise 5.
BACKTEST_BOUNDS = (0.15, 0.30)
_BT_SCORES = {1: 0.05, 2: 0.10, 3: 0.15, 4: 0.20, 5: 0.25, 6: 0.30, 7: 0.40, 8: 0.60, 9: 0.149}
_BT_OUTCOMES = {1: 0, 2: 0, 3: 0, 4: 1, 5: 0, 6: 1, 7: 0, 8: 1, 9: 0}
_BT_ORDER = (6, 2, 9, 4, 1, 8, 3, 7, 5)
_BT_OUT_ORDER = (1, 4, 5, 6, 7, 2, 8, 3, 9)
#: The worked answer by hand: tier -> (renewals, predicted_retention, actual_retention, gap)
_BT = {"low": (3, 1 - 0.299 / 3, 1.0, 0.299 / 3),
       "medium": (3, 0.8, 2 / 3, 2 / 3 - 0.8),
       "high": (3, 1 - 1.3 / 3, 1 / 3, 1 / 3 - (1 - 1.3 / 3))}
_BT_COLUMNS = ["renewals", "predicted_retention", "actual_retention", "gap"]
_BT_RIGHT_CLOSED_N = [4, 3, 2]


def example_backtest() -> tuple[pd.Series, pd.Series]:
    """Worked example for exercise 5: ``(scores, outcomes)`` of nine renewals (in different
    orders), two of them exactly on a tier boundary."""
    scores = pd.Series([_BT_SCORES[k] for k in _BT_ORDER], index=pd.Index(_BT_ORDER, name="renewal"))
    outcomes = pd.Series([bool(_BT_OUTCOMES[k]) for k in _BT_OUT_ORDER], index=pd.Index(_BT_OUT_ORDER,
                                                                                         name="renewal"))
    return scores, outcomes


def _check_backtest(ex: Exercise, func) -> None:
    scores, outcomes = example_backtest()
    answer = call(ex, func, scores, outcomes, BACKTEST_BOUNDS)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by tier (low, medium, high)")
    expect_columns(ex, answer, _BT_COLUMNS)
    tiers = [str(t) for t in answer.index]
    if sorted(tiers) == sorted(_BT) and tiers != list(_BT):
        raise ex.fail("the tiers are not in the order low, medium, high (sorting them by name puts "
                      "high first). Reindex on ['low', 'medium', 'high'].")
    if tiers != list(_BT):
        raise ex.fail("the index should be the three tiers 'low', 'medium', 'high', in that order.")
    n = answer["renewals"].tolist()
    if _close(n, _BT_RIGHT_CLOSED_N):
        raise ex.fail("a score exactly on a boundary went to the lower tier. Tiers include their lower "
                      "bound: low < 0.15 <= medium < 0.30 <= high (pd.cut(..., right=False)).")
    if not _close(n, [v[0] for v in _BT.values()]):
        raise ex.fail("the renewals per tier are wrong: low when score < bounds[0], medium when "
                      "bounds[0] <= score < bounds[1], high from bounds[1] up.")
    pred = answer["predicted_retention"].tolist()
    if _close(pred, [1 - v[1] for v in _BT.values()]):
        raise ex.fail("predicted_retention holds the predicted CHURN. Retention is 1 - the mean score.")
    if not _close(pred, [v[1] for v in _BT.values()]):
        raise ex.fail("predicted_retention is wrong: 1 - the mean score of the tier's renewals.")
    actual = answer["actual_retention"].tolist()
    if _close(actual, [1 - v[2] for v in _BT.values()]):
        raise ex.fail("actual_retention holds the share that CANCELLED; it is the share that renewed.")
    if not _close(actual, [v[2] for v in _BT.values()]):
        raise ex.fail("actual_retention is wrong: the share of the tier's renewals that did not cancel. "
                      "Did you match outcomes to scores by index label?")
    gap = answer["gap"].tolist()
    if _close(gap, [-v[3] for v in _BT.values()]):
        raise ex.fail("the gap has the wrong sign: actual_retention - predicted_retention (negative "
                      "when the model was too optimistic).")
    if not _close(gap, [v[3] for v in _BT.values()]):
        raise ex.fail("gap is wrong: actual_retention - predicted_retention.")


backtest = Exercise(
    "5", "risk tiers, back-tested", "Part 5, 'Risk tiers, back-tested'",
    (
        "First put every renewal in its tier from its score alone; then, per tier, compare what the "
        "model expected (1 - mean score) with what happened (share that renewed).",
        "pd.cut(scores, [0, *bounds, 1], right=False, labels=['low', 'medium', 'high']) includes each "
        "lower bound; a score of exactly 1 needs the last edge a little above 1 (np.inf).",
        "Group by the tier with observed=False so an empty tier still gets its row, and "
        "reindex(['low', 'medium', 'high']) to fix the order.",
    ),
    _check_backtest,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: whom to contact
# --------------------------------------------------------------------------------------------

#: The worked example's intervention for exercise 6: cost per contact (USD) and save rate.
CONTACT_COST = 20.0
CONTACT_SAVE_RATE = 0.25
_CT_P = {1: 0.10, 2: 0.21, 3: 0.30, 4: 0.50, 5: 0.10, 6: 0.25}
_CT_V = {1: 400.0, 2: 400.0, 3: 400.0, 4: 100.0, 5: 1000.0, 6: 200.0}
_CT_ORDER = (4, 1, 6, 3, 5, 2)
#: The worked answer by hand: label -> (threshold, expected_gain, contact)
_CT = {1: (0.2, -10.0, False), 2: (0.2, 1.0, True), 3: (0.2, 10.0, True), 4: (0.8, -7.5, False),
       5: (0.08, 5.0, True), 6: (0.4, -7.5, False)}
_CT_NO_SAVE_RATE = {1: (0.05, 20.0, True), 2: (0.05, 64.0, True), 3: (0.05, 100.0, True),
                    4: (0.2, 30.0, True), 5: (0.02, 80.0, True), 6: (0.1, 30.0, True)}


def example_contacts() -> tuple[pd.Series, pd.Series]:
    """Worked example for exercise 6: ``(scores, value)`` of six renewals (value in USD), for an
    intervention costing ``CONTACT_COST`` per contact that saves ``CONTACT_SAVE_RATE`` of the
    contacted customers who would have cancelled."""
    index = pd.Index(_CT_ORDER, name="renewal")
    value_order = (2, 5, 3, 6, 1, 4)
    return (pd.Series([_CT_P[k] for k in _CT_ORDER], index=index),
            pd.Series([_CT_V[k] for k in value_order], index=pd.Index(value_order, name="renewal")))


def _check_contact_decisions(ex: Exercise, func) -> None:
    scores, value = example_contacts()
    answer = call(ex, func, scores, value, CONTACT_COST, CONTACT_SAVE_RATE)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed like scores")
    expect_columns(ex, answer, ["threshold", "expected_gain", "contact"])
    labels = list(_CT)
    _same_labels(ex, answer.index, labels, "the index of scores")
    got = answer.loc[labels]
    thr = got["threshold"].tolist()
    gain = got["expected_gain"].tolist()
    contact = [bool(v) for v in got["contact"]]
    if _close(gain, [v[1] for v in _CT_NO_SAVE_RATE.values()]):
        raise ex.fail("the save rate is missing: contacting a customer who would cancel saves them only "
                      "with probability save_rate. expected_gain = score * save_rate * value - cost.")
    if _close(thr, [1 / v[0] for v in _CT.values()]):
        raise ex.fail("the threshold is upside down: the break-even score is cost / (save_rate * value).")
    if not _close(thr, [v[0] for v in _CT.values()]):
        raise ex.fail("threshold is wrong: the break-even score cost / (save_rate * value), per renewal "
                      "(it depends on the renewal's value). Did you match value to scores by index?")
    if not _close(gain, [v[1] for v in _CT.values()]):
        raise ex.fail("expected_gain is wrong: score * save_rate * value - cost. The cost is paid for "
                      "every contact, whether or not the customer would have cancelled.")
    if contact == [False, True, True, True, False, True]:
        raise ex.fail("you contact everyone above one fixed score; the decision depends on the value "
                      "at stake: contact when expected_gain > 0 (score above the renewal's own threshold).")
    if contact != [v[2] for v in _CT.values()]:
        raise ex.fail("contact is wrong: True when expected_gain > 0, i.e. score > threshold.")


contact_decisions = Exercise(
    "6", "the expected-value contact rule", "Part 6, 'Whom to contact: the expected-value threshold'",
    (
        "A contact costs the same whoever receives it; it only pays when the customer would have "
        "cancelled AND the offer keeps them. Write the expected gain of one contact.",
        "expected_gain = p * s * V - c; contact when it is positive, which is when p > c / (s * V): "
        "the break-even threshold, one per renewal because V differs.",
        "Align value to scores with value.reindex(scores.index), then build the three columns "
        "with vector arithmetic; no loop is needed.",
    ),
    _check_contact_decisions,
)
