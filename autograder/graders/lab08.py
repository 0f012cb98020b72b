"""Graded references for Lab 08, *Churn and customer health from operational signals* (instructor-only).

Each exercise's cases run the learner's function on the tables of each world (rows shuffled,
as exports come) and on hand-made records at the rules' edges: an event at the cut-off instant,
on the first instant of the window and a microsecond either side; a renewal on the split day
and a notice on it; ties of scores across a group boundary and a count not divisible by the
groups; censoring at an event time; scores exactly on a tier bound, at 0 and at 1, and an
empty tier. The references are computed here by another route than the solution notebook
(sorted arrays and searchsorted, lexsort ranks, explicit loops over event times), and the
scores the later exercises take come from a logistic regression fitted here by Newton's method.

Every rule the references apply is stated once, in the "rules" block below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from grading import (
    Case,
    Fail,
    Graded,
    expect_frame,
    expect_type,
    labels,
    values_match,
)

# =================================================================================================
# The rules (the lab's text): every constant the references and the boundary records use.
# =================================================================================================

WINDOW_DAYS = 365                      # exercise 1: the look-back window of the lab's features
SPLIT_DAYS = (pd.Timestamp("2025-07-01"), pd.Timestamp("2025-01-01"))  # exercise 2: split days graded
PARTS = ("train", "gap", "test")
TIERS = ("low", "medium", "high")
RISK_BOUNDS = (0.15, 0.30)             # exercise 5: our policy (each bound belongs to the higher tier)
#: exercise 6: the lab's interventions (cost per contact USD, save rate)
INTERVENTIONS = {"discount_email": (3.0, 0.05), "retention_call": (10.0, 0.30), "priority_visit": (35.0, 0.50)}
END_OF_HISTORY = pd.Timestamp("2025-12-31")
US = pd.Timedelta(microseconds=1)
DAY = pd.Timedelta(days=1)
T = pd.Timestamp


def in_window(time: np.ndarray, notice: np.ndarray, days: int) -> np.ndarray:
    """Exercise 1: the event counts for the renewal: notice - days <= time < notice."""
    return (time >= notice - np.timedelta64(days, "D")) & (time < notice)


def split_part(notice: pd.Series, renewal: pd.Series, split_day) -> pd.Series:
    """Exercise 2: train when the outcome is known by the split day, test when scored from it on."""
    known = (split_day - renewal).dt.days >= 0
    scored_after = (notice - split_day).dt.days >= 0
    return pd.Series(np.where(known, "train", np.where(scored_after, "test", "gap")), index=notice.index)


def tier_of(p: float, bounds) -> str:
    """Exercise 5: a score's tier; a bound belongs to the higher tier."""
    return "high" if p >= bounds[1] else "medium" if p >= bounds[0] else "low"


# =================================================================================================
# The world's operational events and a model of it (the later exercises' inputs)
# =================================================================================================

def _signals(world) -> dict[str, pd.DataFrame]:
    orders = world.load("orders")
    shipped = world.load("shipments").merge(orders[["order_id", "customer_id", "promised_delivery_date"]],
                                            on="order_id")
    late = shipped[shipped["delivered_at"].dt.floor("D") > shipped["promised_delivery_date"]]
    tickets = world.load("tickets").sort_values(["customer_id", "category", "created_at"], kind="stable")
    previous = tickets.groupby(["customer_id", "category"])["created_at"].shift()
    repeat = tickets[(tickets["created_at"] - previous) < pd.Timedelta(days=7)]
    visits = world.load("field_visits")
    lines = world.load("order_lines")
    revenue = (lines["unit_price"] * lines["quantity"]).groupby(lines["order_id"]).sum()
    done = orders[orders["status"] == "completed"]
    return {
        "late": late[["customer_id", "delivered_at"]].reset_index(drop=True),
        "repeat": repeat[["customer_id", "created_at"]].reset_index(drop=True),
        "failed": visits.loc[visits["outcome"] == "failed", ["customer_id", "scheduled_start"]].reset_index(drop=True),
        "orders": done[["customer_id", "ordered_at"]].assign(revenue=done["order_id"].map(revenue).to_numpy())
        .reset_index(drop=True),
        "views": world.load("plan_events").query("event_type == 'page_view'")[["customer_id", "event_at"]]
        .reset_index(drop=True),
    }


def window_ref(renewals: pd.DataFrame, events: pd.DataFrame, time_col: str, days: int,
               value_col: str | None = None) -> pd.Series:
    """Exercise 1's reference: sorted (customer, time) keys and searchsorted, no merge."""
    order = np.lexsort((events[time_col].to_numpy("datetime64[us]"), events["customer_id"].to_numpy()))
    cust = events["customer_id"].to_numpy()[order]
    time = events[time_col].to_numpy("datetime64[us]")[order]
    weights = (events[value_col].to_numpy(float) if value_col else np.ones(len(events)))[order]
    cum = np.r_[0.0, np.cumsum(weights)]
    out = np.zeros(len(renewals))
    notice = renewals["notice_date"].to_numpy("datetime64[us]")
    for i, (c, hi) in enumerate(zip(renewals["customer_id"].to_numpy(), notice, strict=True)):
        a, b = np.searchsorted(cust, c, "left"), np.searchsorted(cust, c, "right")
        lo_i = a + np.searchsorted(time[a:b], hi - np.timedelta64(days, "D"), "left")
        hi_i = a + np.searchsorted(time[a:b], hi, "left")
        out[i] = cum[hi_i] - cum[lo_i]
    return pd.Series(out, index=renewals.index)


def _features(world) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    renewals = world.load("plan_renewals")
    s = _signals(world)
    tier = renewals["plan_id"].map(world.load("service_plans").set_index("plan_id")["tier"])
    X = pd.DataFrame({
        "late": window_ref(renewals, s["late"], "delivered_at", WINDOW_DAYS),
        "repeat": window_ref(renewals, s["repeat"], "created_at", WINDOW_DAYS),
        "failed": window_ref(renewals, s["failed"], "scheduled_start", WINDOW_DAYS),
        "log_spend": np.log1p(window_ref(renewals, s["orders"], "ordered_at", WINDOW_DAYS, "revenue") / 100),
        "plus": (tier == "plus").astype(float), "premium": (tier == "premium").astype(float),
    })
    return renewals, X, tier


def _logit(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    X = np.column_stack([np.ones(len(X)), X])
    b = np.zeros(X.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-X @ b))
        step = np.linalg.solve(X.T @ (X * (p * (1 - p))[:, None]) + 1e-9 * np.eye(len(b)), X.T @ (y - p))
        b += step
        if np.abs(step).max() < 1e-10:
            break
    return b


_MODEL_CACHE: dict = {}


def model_scores(world) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Churn probabilities of the test renewals (split 2025-07-01), their outcomes and plan value."""
    key = str(world.folder)
    if key not in _MODEL_CACHE:
        renewals, X, tier = _features(world)
        y = renewals["outcome"].eq("cancelled").to_numpy(float)
        part = split_part(renewals["notice_date"], renewals["renewal_date"], SPLIT_DAYS[0])
        train, test = (part == "train").to_numpy(), (part == "test").to_numpy()
        b = _logit(X.to_numpy()[train], y[train])
        eta = b[0] + X.to_numpy()[test] @ b[1:]
        index = renewals.index[test]
        fee = world.load("plan_tiers").set_index("tier")["annual_fee"]
        if len(_MODEL_CACHE) > 3:
            _MODEL_CACHE.clear()
        _MODEL_CACHE[key] = (pd.Series(1 / (1 + np.exp(-eta)), index=index, name="score"),
                             pd.Series(y[test].astype(bool), index=index, name="cancelled"),
                             pd.Series(tier[index].map(fee).to_numpy(float), index=index, name="value"))
    return _MODEL_CACHE[key]


# =================================================================================================
# Shared checks
# =================================================================================================

def _series(answer, what: str) -> pd.Series:
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    return expect_type(answer, pd.Series, what)


def _by_label(answer: pd.Series, ref: pd.Series, what: str) -> pd.Series:
    got_labels, want_labels = labels(answer.index), labels(ref.index)
    if len(got_labels) != len(want_labels):
        raise Fail(f"it has {len(got_labels):,} values; there should be one per {what} "
                   f"({'more' if len(got_labels) < len(want_labels) else 'fewer'})")
    if len(set(got_labels)) != len(got_labels) or set(got_labels) != set(want_labels):
        raise Fail(f"the index is not the index of the {what}s: keep their labels (not positions, not "
                   "customer ids), one value each")
    position = {k: i for i, k in enumerate(got_labels)}
    return answer.iloc[[position[k] for k in want_labels]]


def _shuffled(frame, seed: int):
    return frame.sample(frac=1, random_state=seed)


# =================================================================================================
# Exercise 1: point-in-time window counts
# =================================================================================================

def _check_windows(ref: pd.Series, where: dict[str, pd.Series] | None = None):
    def check(answer):
        got = _by_label(_series(answer, "a Series with one value per renewal"), ref, "renewal")
        ok = values_match(got.astype(float), ref.astype(float))
        if ok.all():
            return
        wrong = pd.Series(~ok, index=ref.index)
        for message, rows in (where or {}).items():
            if (wrong & rows.reindex(ref.index, fill_value=False)).any():
                raise Fail(message)
        raise Fail(f"the value is wrong for {int(wrong.sum()):,} of {len(ref):,} renewals: count (or add up "
                   "value_col over) the customer's events with notice_date - days <= time < notice_date")
    return check


def _windows_world(world):
    renewals = world.load("plan_renewals")
    s = _signals(world)
    shuffled = _shuffled(renewals, 3)
    cases = []
    for i, (name, table, col, days, value) in enumerate([
            ("late deliveries", "late", "delivered_at", WINDOW_DAYS, None),
            ("repeat contacts", "repeat", "created_at", 90, None),
            ("completed orders' revenue", "orders", "ordered_at", WINDOW_DAYS, "revenue"),
            ("plan-page views", "views", "event_at", 30, None)]):
        events = _shuffled(s[table], 10 + i)
        ref = window_ref(shuffled, events, col, days, value)
        kwargs = {"value_col": value} if value else {}
        cases.append(Case(f"plan_renewals (rows shuffled) and the {name}, {days} days",
                          (shuffled, events, col, days), _check_windows(ref), kwargs=kwargs))
    return cases


def _fixed_windows():
    renewals = pd.DataFrame({
        "customer_id": [1, 1, 2, 3, 4, 5, 6, 7],
        "notice_date": [T("2025-03-01"), T("2025-05-01"), T("2024-06-15"), T("2025-01-01"), T("2025-07-01"),
                        T("2025-09-30"), T("2025-02-01"), T("2025-02-01")],
    }, index=pd.Index(["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"], name="renewal"))  # r8: no events
    renewals["notice_date"] = renewals["notice_date"].astype("datetime64[us]")
    days = 30
    rows = [  # customer, time, amount
        (1, T("2025-03-01"), 1.0), (1, T("2025-03-01"), 2.0),                    # at r1's cut-off: out of r1
        (1, T("2025-03-01") - US, 4.0),                                          # last instant before it: in r1
        (1, T("2025-02-15"), 8.0),                                               # inside r1's window
        (1, T("2025-04-01"), 16.0), (1, T("2025-04-01"), 32.0),                  # r2's first instant: in r2
        (1, T("2025-04-01") - US, 64.0),                                         # just before r2's window
        (2, T("2024-06-15 10:00"), 128.0), (2, T("2024-06-20"), 256.0),          # on and after r3's notice day
        (2, T("2024-06-14 23:00"), 512.0),                                       # in r3
        (4, T("2025-06-30 12:00"), 1.0), (4, T("2025-06-30 12:00"), 1.0),        # same instant, both count
        (4, T("2025-06-01"), 3.0),                                               # r5's first instant
        (4, T("2025-06-01") - US, 13.0),                                         # just before r5's window
        (9, T("2025-06-30"), 5.0),                                               # customer without a renewal
        (5, T("2025-10-01"), 7.0), (5, T("2025-09-30"), 9.0),                    # all at or after r6's cut-off
        (3, T("2024-11-15"), 11.0),                                              # before r4's window
        (6, T("2025-02-01") - US, 17.0),                                         # last instant before r7's cut-off
    ]
    events = pd.DataFrame(rows, columns=["customer_id", "event_at", "amount"]).astype({"event_at": "datetime64[us]"})
    events = events.sample(frac=1, random_state=5).reset_index(drop=True)
    renewals = renewals.iloc[[3, 0, 7, 6, 2, 5, 1, 4]]
    at_cutoff = pd.Series({"r1": True, "r3": True, "r6": True, "r7": True})
    first_day = pd.Series({"r2": True, "r4": True, "r5": True})
    where = {"an event at or after the cut-off (the notice date's midnight, or later that day) was counted, or "
             "the last instant before it was not: the window ends just before the notice date, time < "
             "notice_date": at_cutoff,
             "an event on the first instant of the window (exactly `days` days before the notice date) was "
             "left out, or an older one counted: the window starts at notice_date - days, included": first_day}
    cases = []
    for value in (None, "amount"):
        ref = window_ref(renewals, events, "event_at", days, value)
        kwargs = {"value_col": value} if value else {}
        cases.append(Case(f"hand-made events at the edges of {days}-day windows"
                          + (" (adding up value_col)" if value else ""),
                          (renewals, events, "event_at", days), _check_windows(ref, where), kwargs=kwargs))
    return cases


# =================================================================================================
# Exercise 2: train, gap and test
# =================================================================================================

def _check_split(ref: pd.Series, where: dict[str, pd.Series] | None = None):
    def check(answer):
        got = _by_label(_series(answer, "a Series of 'train', 'gap' or 'test' per renewal"), ref, "renewal")
        values = {str(v) for v in got.dropna().unique()}
        if not values <= set(PARTS) or got.isna().any():
            raise Fail("the values should be the words 'train', 'gap' and 'test' only")
        wrong = pd.Series(got.astype(str).to_numpy() != ref.to_numpy(), index=ref.index)
        if not wrong.any():
            return
        for message, rows in (where or {}).items():
            if (wrong & rows.reindex(ref.index, fill_value=False)).any():
                raise Fail(message)
        kinds = sorted({f"{r} as {g}" for r, g in zip(ref[wrong], got.astype(str)[wrong.to_numpy()], strict=True)})
        raise Fail(f"{int(wrong.sum()):,} of {len(ref):,} renewals are in the wrong part ({'; '.join(kinds[:3])}): "
                   "train when renewal_date <= split_day, test when notice_date >= split_day, else gap")
    return check


def _split_world(world):
    renewals = _shuffled(world.load("plan_renewals"), 21)
    return [Case(f"plan_renewals (rows shuffled), split on {day.date()}", (renewals, day),
                 _check_split(split_part(renewals["notice_date"], renewals["renewal_date"], day)))
            for day in SPLIT_DAYS]


def _fixed_split():
    split = T("2025-04-01")
    renewal = [split, split, split + DAY, split + 29 * DAY, split + 30 * DAY, split + 30 * DAY, split - DAY,
               split + 31 * DAY]
    labels_ = [f"p{i}" for i in range(len(renewal))]
    frame = pd.DataFrame({"customer_id": range(len(renewal)),
                          "notice_date": [r - 30 * DAY for r in renewal], "renewal_date": renewal},
                         index=pd.Index(labels_, name="renewal")).astype({"notice_date": "datetime64[us]",
                                                                          "renewal_date": "datetime64[us]"})
    frame = frame.iloc[[5, 2, 7, 0, 4, 1, 6, 3]]
    ref = split_part(frame["notice_date"], frame["renewal_date"], split)
    where = {"a renewal whose renewal date is the split day itself should be in train: its outcome is known "
             "that day (renewal_date <= split_day)": pd.Series({"p0": True, "p1": True}),
             "a renewal whose notice goes out on the split day itself should be in test: it is scored that "
             "day (notice_date >= split_day)": pd.Series({"p4": True, "p5": True})}
    return [Case("hand-made renewals on and around the split day", (frame, split), _check_split(ref, where))]


# =================================================================================================
# Exercise 3: lift and gains
# =================================================================================================

LIFT_COLUMNS = ["renewals", "cancelled", "cancel_rate", "lift", "cumulative_share"]


def lift_ref(scores: pd.Series, outcomes: pd.Series, groups: int, sizes=None) -> pd.DataFrame:
    """Exercise 3's reference: a lexsort rank (score descending, label ascending) and loops over groups.

    ``sizes`` (renewals per group, in group order) lets the reference follow any equal-size cut
    the learner chose (1 + i * groups // n, pd.qcut of the rank, np.array_split); by default the
    task's example formula."""
    ids = labels(scores.index)
    label_rank = np.empty(len(ids), dtype=np.int64)
    label_rank[sorted(range(len(ids)), key=lambda i: ids[i])] = np.arange(len(ids))
    order = np.lexsort((label_rank, -scores.to_numpy(float)))
    y = outcomes.reindex(scores.index).to_numpy(bool)[order]
    n = len(order)
    if sizes is None:
        group = np.array([1 + i * groups // n for i in range(n)])
    else:
        group = np.repeat(np.arange(1, groups + 1), np.asarray(sizes, dtype=int))
    rows = []
    total, rate = y.sum(), y.mean()
    found = 0
    for g in range(1, groups + 1):
        mine = y[group == g]
        found += mine.sum()
        rows.append((len(mine), int(mine.sum()), mine.mean() if len(mine) else np.nan,
                     (mine.mean() / rate) if len(mine) and rate else np.nan, found / total if total else np.nan))
    return pd.DataFrame(rows, columns=LIFT_COLUMNS, index=pd.Index(range(1, groups + 1), name="group"))


def equal_sizes(sizes, n: int, groups: int) -> bool:
    """Are ``sizes`` a cut of n renewals into ``groups`` groups whose sizes differ by at most one?"""
    try:
        sizes = [float(x) for x in sizes]
    except (TypeError, ValueError):
        return False
    low, high = n // groups, -(-n // groups)
    return (len(sizes) == groups and sum(sizes) == n and all(x in (low, high) for x in sizes)
            and all(float(x).is_integer() for x in sizes))


def _check_lift(scores: pd.Series, outcomes: pd.Series, groups: int, tie_hint: bool = False):
    ref = lift_ref(scores, outcomes, groups)

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by group")
        if labels(frame.index) == list(range(len(ref))):
            raise Fail("the groups are numbered from 0; number them 1 to `groups`")
        if labels(frame.index) != labels(ref.index) and sorted(labels(frame.index), key=str) == sorted(
                labels(ref.index), key=str):
            raise Fail("the rows are not in group order 1, 2, ...")
        want = ref
        if "renewals" in frame.columns and len(frame) == groups:
            if not equal_sizes(frame["renewals"], len(scores), groups):
                raise Fail("the groups are not equal slices of the sorted renewals: their sizes should differ "
                           "by at most one")
            want = lift_ref(scores, outcomes, groups, frame["renewals"].to_numpy())
        try:
            expect_frame(frame, want, row_order=True, index_name="the groups")
        except Fail as exc:
            if tie_hint and "cancelled" in str(exc):
                raise Fail(f"{exc}: renewals with equal scores are taken in index order (lowest label first) "
                           "before cutting the groups") from None
            raise
    return check


def _lift_world(world):
    scores, outcomes, _ = model_scores(world)
    renewals, X, _ = _features(world)
    coarse = pd.Series(X["failed"].to_numpy() + X["late"].to_numpy(), index=renewals.index)  # many ties
    y_all = renewals["outcome"].eq("cancelled")
    return [Case("the model's scores of the test renewals and their outcomes (another order), 10 groups",
                 (_shuffled(scores, 31), _shuffled(outcomes, 32), 10), _check_lift(scores, outcomes, 10)),
            Case("a score with many ties (failed visits + late deliveries) of every renewal, 7 groups",
                 (_shuffled(coarse, 33), _shuffled(y_all, 34), 7), _check_lift(coarse, y_all, 7, True))]


def _fixed_lift():
    # 11 renewals, 4 groups (sizes 3, 3, 3, 2); ties straddle the first and third boundaries
    ids = [40, 12, 33, 7, 25, 18, 3, 50, 29, 41, 9]
    p = [0.9, 0.6, 0.6, 0.6, 0.5, 0.4, 0.3, 0.3, 0.3, 0.1, 0.05]
    y = [True, False, True, False, True, False, True, False, False, False, True]
    scores = pd.Series(p, index=pd.Index(ids, name="renewal"))
    outcomes = pd.Series(y, index=pd.Index(ids, name="renewal"))
    return [Case("hand-made scores with ties across group boundaries, 11 renewals in 4 groups",
                 (scores.iloc[::-1], outcomes.sample(frac=1, random_state=2), 4),
                 _check_lift(scores, outcomes, 4, True))]


# =================================================================================================
# Exercise 4: Kaplan-Meier
# =================================================================================================

KM_COLUMNS = ["at_risk", "events", "survival"]


def km_ref(durations, observed) -> pd.DataFrame:
    """Exercise 4's reference: sorted durations and searchsorted counts."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    ordered = np.sort(d)
    times = np.unique(d[e])
    at_risk = len(d) - np.searchsorted(ordered, times, "left")
    ended = np.sort(d[e])
    events = np.searchsorted(ended, times, "right") - np.searchsorted(ended, times, "left")
    survival, s = [], 1.0
    for n, k in zip(at_risk, events, strict=True):
        s *= 1 - k / n
        survival.append(s)
    return pd.DataFrame({"at_risk": at_risk, "events": events, "survival": survival},
                        index=pd.Index(times, name="time"))


#: Freireich et al. (1963), 6-MP arm (the test vector of the methods file): + marks censoring.
FREIREICH = "6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+"


def freireich() -> tuple[pd.Series, pd.Series]:
    items = FREIREICH.split()
    return (pd.Series([float(i.rstrip("+")) for i in items]), pd.Series([not i.endswith("+") for i in items]))


def _check_km(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by event time")
        try:
            got_times = [float(t) for t in frame.index]
        except (TypeError, ValueError):
            raise Fail("the index should be the event times (numbers)") from None
        want = [float(t) for t in ref.index]
        if len(got_times) > len(want) and set(want) <= set(got_times):
            raise Fail("there are rows for times when only censoring happened; keep the times with at least "
                       "one event")
        if got_times != want:
            raise Fail("the index should be the distinct times with at least one event, in increasing order")
        frame = frame.copy()
        frame.index = pd.Index(want)
        reference = ref.copy()
        reference.index = pd.Index(want)
        expect_frame(frame, reference, row_order=True, index_name="the event times")
    return check


def _plan_durations(world) -> tuple[pd.Series, pd.Series]:
    plans = world.load("service_plans")
    plans = plans[plans["origin_order_id"].notna()]
    end = plans["ended_on"].fillna(END_OF_HISTORY)
    return (end - plans["started_on"]).dt.days, plans["status"].eq("cancelled")


def _km_world(world):
    d, e = _plan_durations(world)
    order = np.random.default_rng(4).permutation(len(d))
    d, e = d.iloc[order], e.iloc[order]
    renewals = world.load("plan_renewals")
    terms = renewals.groupby("plan_id").agg(term=("term_number", "max"),
                                            ended=("outcome", lambda s: bool((s == "cancelled").any())))
    return [Case("plans bought in the history: days from start to cancellation or to the end of the data",
                 (d, e), _check_km(km_ref(d, e))),
            Case("every plan with a renewal: its last term reached, cancelled or not",
                 (terms["term"], terms["ended"]), _check_km(km_ref(terms["term"], terms["ended"])))]


def _fixed_km():
    d, e = freireich()
    shuffled = np.random.default_rng(1).permutation(len(d))
    d2 = pd.Series([2.5, 2.5, 2.5, 4.0, 4.0, 7.25, 7.25, 9.0, 1.0, 12.0])
    e2 = pd.Series([True, False, False, True, False, True, True, False, False, False])
    d3 = pd.Series([5.0, 3.0, 8.0, 8.0])
    e3 = pd.Series([False, True, False, False])
    return [Case("the 6-MP arm of Freireich et al. (1963), rows shuffled", (d.iloc[shuffled], e.iloc[shuffled]),
                 _check_km(km_ref(d, e))),
            Case("hand-made durations with censoring at the event times and after the last event", (d2, e2),
                 _check_km(km_ref(d2, e2))),
            Case("hand-made durations with one event and every other plan censored", (d3, e3),
                 _check_km(km_ref(d3, e3)))]


# =================================================================================================
# Exercise 5: risk tiers, back-tested
# =================================================================================================

BT_COLUMNS = ["renewals", "predicted_retention", "actual_retention", "gap"]


def backtest_ref(scores: pd.Series, outcomes: pd.Series, bounds) -> pd.DataFrame:
    y = outcomes.reindex(scores.index).to_numpy(bool)
    tier = np.array([tier_of(p, bounds) for p in scores.to_numpy(float)])
    rows = []
    for t in TIERS:
        mine = tier == t
        n = int(mine.sum())
        pred = 1 - scores.to_numpy(float)[mine].mean() if n else np.nan
        actual = 1 - y[mine].mean() if n else np.nan
        rows.append((n, pred, actual, actual - pred if n else np.nan))
    return pd.DataFrame(rows, columns=BT_COLUMNS, index=pd.Index(TIERS, name="tier"))


def _check_backtest(ref: pd.DataFrame, boundary: bool = False):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by tier")
        got = [str(t) for t in frame.index]
        if sorted(got) == sorted(TIERS) and got != list(TIERS):
            raise Fail("the tiers are not in the order low, medium, high")
        if len(got) < len(TIERS) and set(got) <= set(TIERS):
            raise Fail("a tier is missing: every tier gets a row, an empty one with renewals 0")
        frame = frame.copy()
        frame.index = pd.Index(got)
        try:
            expect_frame(frame, ref, row_order=True, index_name="the tiers")
        except Fail as exc:
            if boundary and "renewals" in str(exc):
                raise Fail(f"{exc}: a score exactly on a bound belongs to the higher tier (and a score of 1 "
                           "to high, 0 to low)") from None
            raise
    return check


def _backtest_world(world):
    scores, outcomes, _ = model_scores(world)
    return [Case(f"the model's scores of the test renewals and their outcomes (another order), bounds {b}",
                 (_shuffled(scores, 41), _shuffled(outcomes, 42), b), _check_backtest(backtest_ref(scores, outcomes, b)))
            for b in (RISK_BOUNDS, (0.1, 0.2))]


def _fixed_backtest():
    ids = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    p = [0.0, 0.15, 0.15, 0.3, 0.3, 1.0, 0.1499, 0.2999, 0.5]
    y = [False, True, False, True, True, True, False, False, False]
    scores = pd.Series(p, index=ids)
    outcomes = pd.Series(y, index=ids)
    empty = pd.Series([0.05, 0.4, 0.9, 0.1], index=["w", "x", "y", "z"])
    empty_y = pd.Series([False, True, True, False], index=["w", "x", "y", "z"])
    return [Case("hand-made scores on the tier bounds, at 0 and at 1, bounds (0.15, 0.3)",
                 (scores.iloc[::-1], outcomes, RISK_BOUNDS), _check_backtest(backtest_ref(scores, outcomes, RISK_BOUNDS),
                                                                           True)),
            Case("hand-made scores with no renewal in the medium tier",
                 (empty, empty_y.iloc[::-1], RISK_BOUNDS), _check_backtest(backtest_ref(empty, empty_y, RISK_BOUNDS)))]


# =================================================================================================
# Exercise 6: whom to contact
# =================================================================================================

def contact_ref(scores: pd.Series, value: pd.Series, cost: float, save_rate: float) -> pd.DataFrame:
    rows = []
    for label, p in scores.items():
        v = float(value[label])
        gain = p * save_rate * v - cost
        rows.append((cost / (save_rate * v), gain, gain > 0))
    return pd.DataFrame(rows, columns=["threshold", "expected_gain", "contact"], index=scores.index)


def _check_contact(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed like scores")
        missing = [c for c in ref.columns if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        frame = frame.copy()
        try:
            frame["contact"] = frame["contact"].astype(bool)
        except (TypeError, ValueError):
            raise Fail("column 'contact' should hold True or False") from None
        expect_frame(frame, ref, index_name="the renewals")
    return check


def _contact_world(world):
    scores, _, value = model_scores(world)
    # never decide at an exact float boundary: leave out renewals within 1e-9 of break-even
    cases = []
    for i, (name, (cost, rate)) in enumerate(INTERVENTIONS.items()):
        gain = scores * rate * value - cost
        keep = gain.abs() > 1e-9
        s, v = scores[keep], value[keep]
        cases.append(Case(f"the model's scores of the test renewals and their plan fees (another order), {name}",
                          (_shuffled(s, 51 + i), _shuffled(v, 61 + i), cost, rate),
                          _check_contact(contact_ref(s, v, cost, rate))))
    return cases


def _fixed_contact():
    ids = [5, 1, 9, 3, 7, 8, 2]
    scores = pd.Series([0.05, 0.9, 0.3, 0.12, 0.6, 0.08, 0.95], index=ids)
    value = pd.Series([2000.0, 50.0, 120.0, 289.0, 99.0, 1500.0, 60.0], index=ids)
    return [Case("hand-made renewals: high risk but little value, low risk but much value (cost 30, save rate 0.4)",
                 (scores, value.iloc[::-1], 30.0, 0.4), _check_contact(contact_ref(scores, value, 30.0, 0.4)))]


EXERCISES = [
    Graded("ex1_tests", "window_counts", _windows_world, _fixed_windows),
    Graded("ex2_tests", "time_split", _split_world, _fixed_split),
    Graded("ex3_tests", "lift_table", _lift_world, _fixed_lift),
    Graded("ex4_tests", "kaplan_meier", _km_world, _fixed_km),
    Graded("ex5_tests", "backtest", _backtest_world, _fixed_backtest),
    Graded("ex6_tests", "contact_decisions", _contact_world, _fixed_contact),
]


# =================================================================================================
# Memo figures
# =================================================================================================

def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric asks about, from the lab's own pipeline on this world: the
    back-test per tier, the operational model against the revenue-only baseline, the survival
    after the first renewal, and each intervention's expected and back-tested net value."""
    from grading import solution_namespace
    from sklearn.metrics import roc_auc_score

    ns = solution_namespace("lab08", world, ["setup", "signals", "ex1_look", "ex2_look", "ex5_bounds",
                                             "teams_look", "ex6_interventions"])
    scores, y = ns["scores"], ns["y_test"]
    result = ns["backtest"](scores["operational"], y, ns["RISK_BOUNDS"])
    lifts = {name: ns["lift_table"](p, y, 10) for name, p in scores.items()}
    new_plans = ns["plans"][ns["plans"]["origin_order_id"].notna()]
    days = (new_plans["ended_on"].fillna(ns["END_OF_HISTORY"]) - new_plans["started_on"]).dt.days
    km = ns["kaplan_meier"](days, new_plans["status"].eq("cancelled"))
    fee = ns["fee"]
    value = ns["features"].loc[scores["operational"].index, "tier"].map(fee)
    figures = {
        "test renewals (scored on or after the split day)": f"{len(y):,}, {_pct(y.mean())} cancelled",
        "AUC revenue only / operational": " / ".join(f"{roc_auc_score(y, p):.3f}" for p in scores.values()),
        "cancellations in the top 30% of scores, revenue only / operational": " / ".join(
            _pct(t["cumulative_share"].iloc[2]) for t in lifts.values()),
        "back-test per tier (renewals, predicted vs actual retention)": "; ".join(
            f"{t}: {int(r.renewals)}, {_pct(r.predicted_retention)} vs {_pct(r.actual_retention)}"
            for t, r in result.iterrows()),
        "plans bought in the history still running after the first renewal": (
            f"{_pct(km['survival'].iloc[0])}" if len(km) else "no cancellation"),
    }
    flags, y_flags = ns["flags"], ns["y_test"]
    figures["teams' flags today: flagged, cancel rate flagged vs not"] = "; ".join(
        f"{c}: {int(flags[c].sum())}, {_pct(y_flags[flags[c]].mean())} vs {_pct(y_flags[~flags[c]].mean())}"
        for c in flags)
    for name, o in ns["INTERVENTIONS"].iterrows():
        d = ns["contact_decisions"](scores["operational"], value, o["cost"], o["save_rate"])
        chosen = d["contact"].astype(bool)
        back = o["save_rate"] * (y[chosen] * value[chosen]).sum() - o["cost"] * chosen.sum()
        figures[f"{name}: contacted, expected net, back-tested net"] = (
            f"{int(chosen.sum())}, ${d.loc[chosen, 'expected_gain'].sum():,.0f}, ${back:,.0f}")
    return figures
