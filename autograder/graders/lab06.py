"""Graded references for Lab 06, *Service operations: SLAs, staffing, routing* (instructor-only).

Each exercise's cases run the learner's function on the tables of each world (rows shuffled, as
exports come) or on inputs taken from them (the busiest, a typical and an overloaded interval of
each channel), and on hand-made records at every edge of the rules: a campaign's first and last
day and the days either side, one-day and overlapping campaigns, intervals with no contacts; no
more agents than load, exactly as many, hundreds of agents, no calls; a shrinkage whose quotient
is a whole number in exact arithmetic; status changes exactly at as_of and a microsecond after;
first responses of exactly 1, 8 and 24 hours and a microsecond more.

The references are computed here by other routes than the solution notebook: Erlang C from the
Poisson distribution (scipy), campaign days as a set of dates, visits by comparing neighbouring
rows of sorted arrays, bands by integer microseconds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_type, labels
from scipy import stats

# =================================================================================================
# The rules (as the lab states them; service targets are company policy)
# =================================================================================================

INTERVAL_SECONDS = 1800
END_OF_HISTORY = pd.Timestamp("2025-12-31 23:59:59")
BANDS = ["up to 1h", "1h to 8h", "8h to 24h", "over 24h"]
#: Upper ends of the first-response bands, in hours (each band includes its upper end).
BAND_EDGES_H = (1, 8, 24)
SCHEDULE_DECIMALS = 6
T = pd.Timestamp


def _campaign_dates(campaigns: pd.DataFrame) -> set:
    days = set()
    for s, e in zip(campaigns["start_date"], campaigns["end_date"], strict=True):
        days.update(pd.date_range(pd.Timestamp(s).normalize(), pd.Timestamp(e).normalize(), freq="D").date)
    return days


def erlang(calls: float, aht: float, agents: int, target: float, interval: float = INTERVAL_SECONDS) -> dict:
    """Erlang C by the Poisson form: C = P(N) / (P(N) + (1 - A/N) P(X < N)) for X ~ Poisson(A)."""
    a = calls * aht / interval
    if calls == 0:
        return {"load": 0.0, "p_wait": 0.0, "service_level": 1.0, "asa_seconds": 0.0, "occupancy": 0.0}
    if agents <= a:
        return {"load": a, "p_wait": 1.0, "service_level": 0.0, "asa_seconds": math.inf, "occupancy": 1.0}
    log_pmf = stats.poisson.logpmf(agents, a)
    log_below = stats.poisson.logcdf(agents - 1, a)
    # C = 1 / (1 + (1 - A/N) exp(log_below - log_pmf)), in logs so hundreds of agents stay exact
    c = 1.0 / (1.0 + (1 - a / agents) * math.exp(log_below - log_pmf))
    return {"load": a, "p_wait": c, "service_level": 1 - c * math.exp(-(agents - a) * target / aht),
            "asa_seconds": c * aht / (agents - a), "occupancy": a / agents}


def fewest_agents(calls, aht, share, target) -> tuple[int, float]:
    """Smallest N > A with an Erlang C service level of at least ``share`` (scan upwards)."""
    n = int(math.floor(calls * aht / INTERVAL_SECONDS)) + 1
    while True:
        sl = erlang(calls, aht, n, target)["service_level"]
        if sl >= share:
            return n, sl
        n += 1


def scheduled_for(agents: int, shrinkage: float) -> int:
    """agents / (1 - shrinkage), rounded to SCHEDULE_DECIMALS, then up (exact with fractions where it matters)."""
    from fractions import Fraction

    exact = Fraction(agents) / (1 - Fraction(str(shrinkage)))
    return math.ceil(round(float(exact), SCHEDULE_DECIMALS))


# =================================================================================================
# Shared checks
# =================================================================================================

def _dict(answer, keys, what: str) -> dict:
    if not isinstance(answer, dict):
        got = "nothing (None)" if answer is None else f"a {type(answer).__name__}"
        raise Fail(f"it should return {what}, but it returned {got}")
    missing = [k for k in keys if k not in answer]
    if missing:
        raise Fail(f"the dict is missing the key(s) {missing}")
    out = {}
    for k in keys:
        v = answer[k]
        if isinstance(v, (pd.Series, pd.DataFrame, np.ndarray)) and np.size(v) == 1:
            v = np.asarray(v).ravel()[0]
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number)):
            raise Fail(f"{k!r} should be a number")
        out[k] = float(v)
    return out


def _same(got: float, want: float, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    if math.isinf(want) or math.isinf(got):
        return got == want
    return bool(np.isclose(got, want, rtol=rtol, atol=atol))


# =================================================================================================
# Exercise 1: service level at peaks
# =================================================================================================

def _service_level_ref(intervals: pd.DataFrame, campaigns: pd.DataFrame, denominator: str = "offered",
                       end_inclusive: bool = True) -> pd.DataFrame:
    days = _campaign_dates(campaigns if end_inclusive else campaigns.assign(
        end_date=campaigns["end_date"] - pd.Timedelta(days=1)))
    date = intervals["interval_start"].dt.date
    peak = date.isin(days).to_numpy()
    rows = {}
    for channel in sorted(intervals["channel"].astype(str).unique()):
        mine = (intervals["channel"] == channel).to_numpy()
        within, offered = intervals["answered_within_target"].to_numpy(), intervals[denominator].to_numpy()
        rows[channel] = {"peak": within[mine & peak].sum() / offered[mine & peak].sum(),
                         "off_peak": within[mine & ~peak].sum() / offered[mine & ~peak].sum()}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "channel"
    return out


def _check_service_level(intervals, campaigns):
    ref = _service_level_ref(intervals, campaigns)
    handled = _service_level_ref(intervals, campaigns, denominator="handled")
    exclusive = _service_level_ref(intervals, campaigns, end_inclusive=False)

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by channel")
        if frame.index.nlevels != 1:
            raise Fail("the index should be the channel, one level")
        frame = frame.copy()
        frame.index = pd.Index([str(c) for c in frame.index])
        for c in ("peak", "off_peak"):
            if c not in frame.columns:
                raise Fail(f"the result is missing column(s) {[c]}")
        try:
            expect_frame(frame, ref, columns=["peak", "off_peak"], index_name="the index (channel)")
        except Fail:
            for other, message in ((handled, "abandoned contacts should count as missed: divide by the offered "
                                    "contacts, not by the handled ones"),
                                   (exclusive, "intervals on a campaign's last day should be peak intervals "
                                    "(end_date is included)")):
                try:
                    expect_frame(frame, other, columns=["peak", "off_peak"])
                except Fail:
                    continue
                raise Fail(message) from None
            raise
    return check


_IV_COLUMNS = ["interval_start", "channel", "offered", "offered_business", "handled", "abandoned",
               "answered_within_target", "aht_seconds", "asa_seconds", "agents_available"]


def _intervals(rows) -> pd.DataFrame:
    """Hand-made intervals: (start, channel, offered, abandoned, within)."""
    out = []
    for start, ch, offered, abandoned, within in rows:
        handled = offered - abandoned
        out.append((T(start), ch, offered, offered // 10, handled, abandoned, within,
                    np.nan if handled == 0 else 300.0, np.nan if handled == 0 else 12.0, 10))
    frame = pd.DataFrame(out, columns=_IV_COLUMNS)
    frame["interval_start"] = frame["interval_start"].astype("datetime64[us]")
    return frame


def _calendar(rows) -> pd.DataFrame:
    frame = pd.DataFrame([(i + 1, f"campaign {i + 1}", "sale", T(s), T(e)) for i, (s, e) in enumerate(rows)],
                         columns=["campaign_id", "campaign_name", "kind", "start_date", "end_date"])
    for c in ("start_date", "end_date"):
        frame[c] = frame[c].astype("datetime64[us]")
    return frame


def _service_level_world(world):
    iv, cal = world.load("contact_intervals"), world.load("campaign_calendar")
    recent = iv[iv["interval_start"] >= T("2025-01-01")]
    return [
        Case("the contact_intervals and campaign_calendar tables (rows shuffled)",
             (iv.sample(frac=1, random_state=61), cal), _check_service_level(iv, cal)),
        Case("the 2025 intervals, with the campaign calendar listed last campaign first",
             (recent, cal.iloc[::-1].reset_index(drop=True)), _check_service_level(recent, cal)),
    ]


def _service_level_fixed():
    # a three-day campaign, a one-day campaign, and two overlapping ones; intervals at 07:00 and
    # 21:30 of the first and last days and of the days either side; empty intervals; a channel whose
    # abandoned contacts are many
    cal = _calendar([("2025-05-05", "2025-05-07"), ("2025-05-20", "2025-05-20"),
                     ("2025-06-02", "2025-06-05"), ("2025-06-04", "2025-06-09")])
    rows = []
    for day, k in (("2025-05-04", 1), ("2025-05-05", 2), ("2025-05-07", 3), ("2025-05-08", 4),
                   ("2025-05-19", 5), ("2025-05-20", 6), ("2025-05-21", 7), ("2025-06-01", 8),
                   ("2025-06-05", 9), ("2025-06-07", 10), ("2025-06-09", 11), ("2025-06-10", 12)):
        rows += [(f"{day} 07:00", "phone", 10 * k, k, 7 * k), (f"{day} 21:30", "phone", 3 * k, 0, 2 * k),
                 (f"{day} 07:00", "chat", 5 + k, 5, k), (f"{day} 21:30", "chat", 0, 0, 0)]
    iv = _intervals(rows)
    return [Case("hand-made intervals on campaigns' first and last days (07:00 and 21:30) and the days "
                 "either side, a one-day campaign, overlapping campaigns, empty intervals (rows shuffled)",
                 (iv.sample(frac=1, random_state=5), cal), _check_service_level(iv, cal))]


# =================================================================================================
# Exercise 2: Erlang C
# =================================================================================================

ERLANG_KEYS = ("load", "p_wait", "service_level", "asa_seconds", "occupancy")


def _check_erlang(args, kwargs=None):
    ref = erlang(*args, **(kwargs or {}))

    def check(answer):
        got = _dict(answer, ERLANG_KEYS, "a dict with load, p_wait, service_level, asa_seconds and occupancy")
        for key in ERLANG_KEYS:
            if not _same(got[key], ref[key]):
                raise Fail(f"{key!r} is not right" + (
                    " (with no more agents than load the queue grows without end: see the task)"
                    if ref["p_wait"] == 1.0 and ref["load"] > 0 else
                    " (for hundreds of agents A**N / N! loses precision: use the Erlang B recursion)"
                    if args[2] > 170 else ""))
    return check


def _world_intervals(world, kinds=("busiest", "typical", "overloaded")) -> list[tuple[str, int, float, int, int]]:
    """(label, calls, aht, agents, target seconds) of chosen intervals of each channel."""
    iv = world.load("contact_intervals")
    targets = world.load("service_targets").set_index("channel")
    out = []
    for channel in sorted(targets.index):
        mine = iv[(iv["channel"] == channel) & (iv["handled"] > 0)]
        load = mine["offered"] * mine["aht_seconds"] / INTERVAL_SECONDS
        picks = {"busiest": mine["offered"].idxmax(),
                 "typical": (mine["offered"] - mine["offered"].median()).abs().idxmin(),
                 "overloaded": (load - mine["agents_available"]).idxmax()}
        for kind in kinds:
            row = mine.loc[picks[kind]]
            out.append((f"the {kind} {channel} interval ({row['interval_start']})", int(row["offered"]),
                        float(row["aht_seconds"]), int(row["agents_available"]),
                        int(targets.loc[channel, "target_seconds"])))
    return out


def _erlang_world(world):
    return [Case(f"{label}: its contacts, handling time and agents", (calls, aht, agents, t),
                 _check_erlang((calls, aht, agents, t)))
            for label, calls, aht, agents, t in _world_intervals(world)]


def _erlang_fixed():
    cases = [
        ((100, 180, 14, 20), "the published example (100 calls, AHT 180 s, 14 agents, 20 s)"),
        ((100, 180, 13, 20), "the published example with 13 agents"),
        ((100, 180, 10, 20), "exactly as many agents as load (10 erlangs, 10 agents)"),
        ((100, 180, 11, 20), "one agent more than the load"),
        ((100, 180, 7, 20), "fewer agents than load"),
        ((4000, 180, 420, 20), "400 erlangs and 420 agents"),
        ((9500, 180, 1000, 30), "950 erlangs and 1,000 agents"),
        ((0, 300, 5, 20), "no calls"),
        ((3, 120, 1, 20), "one agent and a light load"),
        ((100, 180, 14, 0), "a target of 0 seconds (SL = 1 - P_w)"),
        ((57, 540.5, 21, 60), "a chat interval with a fractional handling time"),
    ]
    out = [Case(label, args, _check_erlang(args)) for args, label in cases]
    out.append(Case("the published example over an hour (interval_seconds=3600: 200 calls)",
                    (200, 180, 14, 20), _check_erlang((200, 180, 14, 20), {"interval": 3600}),
                    kwargs={"interval_seconds": 3600}))
    return out


# =================================================================================================
# Exercise 3: agents for the target
# =================================================================================================

def _check_staffing(calls, aht, share, target, shrinkage):
    agents, sl = fewest_agents(calls, aht, share, target)
    scheduled = scheduled_for(agents, shrinkage)

    def check(answer):
        got = _dict(answer, ("agents", "service_level", "scheduled"), "a dict with agents, service_level and scheduled")
        if got["agents"] != agents:
            low = got["agents"] < agents
            raise Fail("'agents' is not the fewest that meet the target" + (
                ": that many agents fall short of target_share (compare the exact service level)" if low else
                ": fewer agents already meet it"))
        if not _same(got["service_level"], sl):
            raise Fail("'service_level' is not the Erlang C service level at the agents returned")
        if got["scheduled"] != scheduled:
            raise Fail("'scheduled' is not agents / (1 - shrinkage) rounded to 6 decimals and then up")
    return check


def _staffing_world(world):
    targets = world.load("service_targets").set_index("channel")
    cases = []
    for label, calls, aht, _, t in _world_intervals(world, kinds=("busiest", "typical")):
        channel = label.split()[2]
        row = targets.loc[channel]
        args = (calls, aht, float(row["target_share"]), t, float(row["planned_shrinkage"]))
        cases.append(Case(f"{label}: its contacts and handling time, the channel's target and planned shrinkage",
                          args, _check_staffing(*args)))
    return cases


def _staffing_fixed():
    cases = [
        ((100, 180, 0.8, 20, 0.3), "the published example (80% in 20 s, 30% shrinkage)"),
        ((170, 180, 0.8, 20, 0.3), "21 agents at 30% shrinkage (21 / 0.7 is 30 exactly)"),
        ((128, 180, 0.8, 20, 0.32), "17 agents at 32% shrinkage (17 / 0.68 is 25 exactly)"),
        ((100, 180, 0.7956, 20, 0.3), "a target just above the service level of 13 agents (79.559%)"),
        ((100, 180, 0.7955, 20, 0.2), "a target just below the service level of 13 agents"),
        ((100, 180, 0.0001, 20, 0.25), "a tiny target: the first number of agents above the load (10 erlangs)"),
        ((4000, 180, 0.8, 20, 0.3), "4,000 calls (400 erlangs)"),
        ((9000, 200, 0.9, 15, 0.35), "9,000 calls (1,000 erlangs)"),
        ((60, 540, 0.99, 60, 0.31), "a 99% target"),
        ((45, 600, 0.8, 60, 0.5), "half of the scheduled time lost to shrinkage"),
        ((7, 300, 0.8, 20, 0.3), "a quiet interval (about 1 erlang)"),
    ]
    return [Case(label, args, _check_staffing(*args)) for args, label in cases]


# =================================================================================================
# Exercise 4: campaign uplift
# =================================================================================================

def _uplift_ref(daily: pd.DataFrame, campaigns: pd.DataFrame, window: int) -> pd.DataFrame:
    per_day = daily.groupby(daily["date"].dt.date)["contacts"].sum()
    busy = _campaign_dates(campaigns)
    rows = {}
    for cid, s, e in zip(campaigns["campaign_id"], campaigns["start_date"], campaigns["end_date"], strict=True):
        own = set(pd.date_range(s, e, freq="D").date)
        near = set(pd.date_range(s - pd.Timedelta(days=window), e + pd.Timedelta(days=window), freq="D").date) - busy
        during = [per_day[d] for d in sorted(own) if d in per_day.index]
        base = [per_day[d] for d in sorted(near) if d in per_day.index]
        rows[int(cid)] = (float(np.mean(during)), float(np.mean(base)), float(np.mean(during) / np.mean(base)))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["during", "baseline", "uplift"])
    out.index.name = "campaign_id"
    return out


def _check_uplift(daily, campaigns, window):
    ref = _uplift_ref(daily, campaigns, window)

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by campaign_id")
        if frame.index.nlevels != 1:
            raise Fail("the index should be the campaign_id, one level")
        frame = frame.copy()
        try:
            frame.index = pd.Index([int(i) for i in frame.index])
        except (TypeError, ValueError):
            raise Fail("the index should be the campaign_id") from None
        expect_frame(frame, ref, columns=["during"], index_name="the index (campaign_id)")
        try:
            expect_frame(frame, ref, columns=["baseline", "uplift"], index_name="the index (campaign_id)")
        except Fail:
            if "baseline" in frame.columns and np.allclose(frame.loc[ref.index, "baseline"].astype(float),
                                                           _mixed_baseline(daily, campaigns, window), rtol=1e-6):
                raise Fail("the baseline should leave out every day of any campaign") from None
            raise
    return check


def _mixed_baseline(daily, campaigns, window) -> np.ndarray:
    """The baseline when other campaigns' days are not left out (only the campaign's own days are)."""
    per_day = daily.groupby(daily["date"].dt.date)["contacts"].sum()
    out = []
    for s, e in zip(campaigns["start_date"], campaigns["end_date"], strict=True):
        own = set(pd.date_range(s, e, freq="D").date)
        near = set(pd.date_range(s - pd.Timedelta(days=window), e + pd.Timedelta(days=window), freq="D").date) - own
        out.append(np.mean([per_day[d] for d in near if d in per_day.index]))
    return np.array(out)


def _uplift_world(world):
    daily, cal = world.load("contact_volume_daily"), world.load("campaign_calendar")
    return [Case(f"the contact_volume_daily and campaign_calendar tables, window_days={w} (rows shuffled)",
                 (daily.sample(frac=1, random_state=64 + w), cal, w), _check_uplift(daily, cal, w))
            for w in (21, 7)]


def _daily(totals: dict) -> pd.DataFrame:
    rows = []
    for day, total in totals.items():
        rows += [(T(day), "phone", "delivery", total // 2), (T(day), "chat", "billing", total - total // 2 - 1),
                 (T(day), "email", "returns", 1)]
    frame = pd.DataFrame(rows, columns=["date", "channel", "reason", "contacts"])
    frame["date"] = frame["date"].astype("datetime64[us]")
    return frame


def _uplift_fixed():
    days = pd.date_range("2025-03-01", "2025-04-10", freq="D")
    rng = np.random.default_rng(6)
    totals = {str(d.date()): int(v) for d, v in zip(days, rng.integers(80, 160, len(days)), strict=True)}
    # campaigns: one starting on the table's first day, two a day apart, a one-day one, and one
    # whose window reaches past the table's last day; the window's first and last days are odd
    cal = _calendar([("2025-03-01", "2025-03-03"), ("2025-03-10", "2025-03-12"), ("2025-03-14", "2025-03-14"),
                     ("2025-03-25", "2025-03-28"), ("2025-04-08", "2025-04-10")])
    for day, value in (("2025-03-06", 400), ("2025-03-07", 10), ("2025-03-17", 500), ("2025-03-18", 5),
                       ("2025-03-21", 300), ("2025-04-01", 7), ("2025-04-02", 350)):
        totals[day] = value
    daily = _daily(totals)
    return [Case("hand-made days with campaigns at the table's first and last days, two a day apart, a "
                 "one-day campaign, and odd days exactly at the window's ends (window_days=4, rows shuffled)",
                 (daily.sample(frac=1, random_state=3), cal, 4), _check_uplift(daily, cal, 4))]


# =================================================================================================
# Exercise 5: priority waits
# =================================================================================================

PRIORITY_KEYS = ("wait_priority_seconds", "wait_other_seconds", "wait_fcfs_seconds")


def _priority_ref(p_wait, agents, c1, c2, aht, interval=INTERVAL_SECONDS) -> dict:
    """Cobham's formula written with arrival rates per second and service rate 1 / AHT."""
    lam1, lam = c1 / interval, (c1 + c2) / interval
    mu = 1 / aht
    w0 = p_wait / (agents * mu)
    s1, s = lam1 / (agents * mu), lam / (agents * mu)
    return {"wait_priority_seconds": w0 / (1 - s1), "wait_other_seconds": w0 / ((1 - s1) * (1 - s)),
            "wait_fcfs_seconds": p_wait / (agents * mu - lam)}


def _check_priority(args, kwargs=None):
    ref = _priority_ref(*args, **(kwargs or {}))
    c1, c2 = args[2], args[3]

    def check(answer):
        got = _dict(answer, PRIORITY_KEYS, "a dict with wait_priority_seconds, wait_other_seconds and wait_fcfs_seconds")
        if not _same(got["wait_fcfs_seconds"], ref["wait_fcfs_seconds"]):
            raise Fail("'wait_fcfs_seconds' is not right: P_w x AHT / (N - A), in seconds")
        for key in PRIORITY_KEYS[:2]:
            if not _same(got[key], ref[key]):
                weighted = (c1 * got["wait_priority_seconds"] + c2 * got["wait_other_seconds"]) / (c1 + c2)
                hint = "" if _same(weighted, ref["wait_fcfs_seconds"]) else \
                    " (the contact-weighted mean of the two waits should equal the first-come-first-served wait)"
                raise Fail(f"{key!r} is not right{hint}")
    return check


def _priority_world(world):
    cases = []
    iv = world.load("contact_intervals")
    for label, calls, aht, agents, t in _world_intervals(world, kinds=("busiest", "typical")):
        if agents <= calls * aht / INTERVAL_SECONDS:
            agents = fewest_agents(calls, aht, 0.8, t)[0]
            label += ", staffed to 80% within target"
        channel = label.split()[2]
        mine = iv[iv["channel"] == channel]
        business = int(round(calls * mine["offered_business"].sum() / mine["offered"].sum()))
        p_wait = erlang(calls, aht, agents, t)["p_wait"]
        args = (p_wait, agents, business, calls - business, aht)
        cases.append(Case(f"{label}: business customers first", args, _check_priority(args)))
    return cases


def _priority_fixed():
    cases = [
        ((0.1741, 14, 20, 80, 180), "the published example with 20 of 100 calls in priority"),
        ((0.4, 25, 30, 320, 120), "a small priority class in a busy system"),
        ((0.3, 12, 0, 90, 200), "no priority calls (everyone waits as before)"),
        ((0.3, 12, 90, 0, 200), "every call in priority (everyone waits as before)"),
        ((0.05, 420, 400, 3600, 180), "400 erlangs and 420 agents"),
        ((0.9, 11, 50, 48, 200), "a system close to its limit (10.9 erlangs, 11 agents)"),
    ]
    out = [Case(label, args, _check_priority(args)) for args, label in cases]
    out.append(Case("the published example over an hour (interval_seconds=3600)", (0.1741, 14, 40, 160, 180),
                    _check_priority((0.1741, 14, 40, 160, 180), {"interval": 3600}),
                    kwargs={"interval_seconds": 3600}))
    return out


# =================================================================================================
# Exercise 6: time in status
# =================================================================================================

def _time_in_status_ref(history: pd.DataFrame, as_of) -> pd.DataFrame:
    h = history[history["entered_at"] <= as_of]
    order = np.lexsort((h["entered_at"].to_numpy(), h["ticket_id"].to_numpy()))
    ticket = h["ticket_id"].to_numpy()[order]
    start = h["entered_at"].to_numpy(dtype="datetime64[us]")[order]
    status = h["status"].astype(str).to_numpy()[order]
    same_next = np.r_[ticket[1:] == ticket[:-1], False]
    end = np.where(same_next, np.r_[start[1:], start[:1]], np.datetime64(pd.Timestamp(as_of).as_unit("us")))
    hours = (end - start).astype("int64") / 3.6e9
    keep = status != "closed"
    frame = pd.DataFrame({"status": status[keep], "hours": hours[keep]})
    g = frame.groupby("status")["hours"]
    return pd.DataFrame({"visits": g.size(), "total_hours": g.sum(), "median_hours": g.median()})


def _check_time_in_status(history, as_of):
    ref = _time_in_status_ref(history, as_of)

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by status")
        if frame.index.nlevels != 1:
            raise Fail("the index should be the status, one level")
        frame = frame.copy()
        frame.index = pd.Index([str(s) for s in frame.index])
        if "closed" in frame.index and "closed" not in ref.index:
            raise Fail("'closed' should not be in the result: its visits have no end")
        if "visits" in frame.columns and set(frame.index) == set(ref.index):
            got, want = float(pd.to_numeric(frame["visits"]).sum()), float(ref["visits"].sum())
            if got < want:
                raise Fail("visits are missing: a ticket with no later change up to as_of is still in its "
                           "status, and that visit lasts until as_of")
            if got > want:
                raise Fail("there are too many visits: only status changes with entered_at <= as_of count")
        expect_frame(frame, ref, columns=["visits"], index_name="the index (status)")
        expect_frame(frame, ref, columns=["total_hours", "median_hours"], index_name="the index (status)",
                     rtol=1e-7, atol=1e-6)
    return check


def _history(rows) -> pd.DataFrame:
    frame = pd.DataFrame([(t, s, T(a)) for t, s, a in rows], columns=["ticket_id", "status", "entered_at"])
    frame["entered_at"] = frame["entered_at"].astype("datetime64[us]")
    return frame


def _time_in_status_world(world):
    h = world.load("ticket_status_history")
    return [Case(f"the ticket_status_history table as of {as_of} (rows shuffled)",
                 (h.sample(frac=1, random_state=66 + i), as_of), _check_time_in_status(h, as_of))
            for i, as_of in enumerate((END_OF_HISTORY, T("2025-06-30 12:00:00")))]


def _time_in_status_fixed():
    as_of = T("2025-08-01 12:00:00")
    rows = [
        # a change exactly at as_of (a visit of 0 hours, still open) and one a microsecond after it
        (10, "new", "2025-08-01 09:00:00"), (10, "assigned", "2025-08-01 12:00:00"),
        (11, "new", "2025-08-01 10:00:00"), (11, "assigned", "2025-08-01 12:00:00.000001"),
        # back and forth between statuses, closed within the history, ids that sort differently as text
        (9, "new", "2025-07-01 08:00:00"), (9, "assigned", "2025-07-01 08:30:00"),
        (9, "pending_customer", "2025-07-01 10:00:00"), (9, "assigned", "2025-07-03 10:00:00"),
        (9, "pending_warehouse", "2025-07-03 11:00:00"), (9, "assigned", "2025-07-05 11:00:00"),
        (9, "resolved", "2025-07-05 12:00:00"), (9, "closed", "2025-07-07 12:00:00"),
        (100, "new", "2025-07-30 00:00:00"), (100, "assigned", "2025-07-30 00:15:00"),
        (100, "pending_field_service", "2025-07-30 06:00:00"),
        (12, "new", "2025-07-31 23:00:00"),
        # a resolved ticket whose automatic close falls after as_of, and one before it
        (13, "new", "2025-07-30 10:00:00"), (13, "assigned", "2025-07-30 11:00:00"),
        (13, "resolved", "2025-07-31 00:00:00"), (13, "closed", "2025-08-02 00:00:00"),
        (14, "new", "2025-07-20 10:00:00"), (14, "resolved", "2025-07-21 10:00:00"),
        (14, "closed", "2025-07-23 10:00:00"),
    ]
    h = _history(rows)
    return [Case("hand-made histories: a change exactly at as_of and one a microsecond after, tickets that "
                 "go back and forth, open and closed tickets, a close due after as_of (rows shuffled)",
                 (h.sample(frac=1, random_state=8), as_of), _check_time_in_status(h, as_of))]


# =================================================================================================
# Exercise 7: first response against satisfaction
# =================================================================================================

def _bands_ref(tickets: pd.DataFrame, surveys: pd.DataFrame, side: str = "left") -> pd.DataFrame:
    """Surveys per band; ``side="right"`` puts a response exactly at an edge in the slower band."""
    us = (tickets["first_response_at"].to_numpy(dtype="datetime64[us]")
          - tickets["created_at"].to_numpy(dtype="datetime64[us]")).astype("int64")
    edges = np.array(BAND_EDGES_H, dtype="int64") * 3_600_000_000
    band_of = dict(zip(tickets["ticket_id"].astype(int), np.searchsorted(edges, us, side=side), strict=True))
    answered = surveys[surveys["responded"].astype(bool) & (surveys["trigger"] == "post_ticket")]
    rows = {b: [] for b in range(len(BANDS))}
    for t, csat, nps in zip(answered["ticket_id"], answered["csat"], answered["nps"], strict=True):
        if pd.notna(t) and int(t) in band_of:
            rows[band_of[int(t)]].append((float(csat), float(nps)))
    out = pd.DataFrame({"surveys": [len(rows[b]) for b in range(len(BANDS))],
                        "mean_csat": [np.mean([r[0] for r in rows[b]]) if rows[b] else np.nan for b in range(len(BANDS))],
                        "mean_nps": [np.mean([r[1] for r in rows[b]]) if rows[b] else np.nan for b in range(len(BANDS))]},
                       index=pd.Index(BANDS, name="band"))
    return out


def _check_bands(tickets, surveys):
    ref = _bands_ref(tickets, surveys)
    left_closed = _bands_ref(tickets, surveys, side="right")["surveys"].tolist()

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by band")
        if frame.index.nlevels != 1:
            raise Fail("the index should be the band, one level")
        frame = frame.copy()
        frame.index = pd.Index([str(b) for b in frame.index])
        if "surveys" in frame.columns and set(frame.index) == set(BANDS):
            got = [float(v) for v in pd.to_numeric(frame.loc[BANDS, "surveys"])]
            if got != ref["surveys"].tolist() and got == left_closed:
                raise Fail("a first response of exactly 1, 8 or 24 hours should be in the faster band "
                           "(each band includes its upper end)")
            if sum(got) > ref["surveys"].sum():
                raise Fail("too many surveys are counted: only answered post-ticket surveys count")
        expect_frame(frame, ref, columns=["surveys"], index_name="the index (the four bands of BANDS)")
        if labels(frame.index) != BANDS:
            raise Fail("the bands should be in the order of BANDS")
        expect_frame(frame, ref, columns=["mean_csat", "mean_nps"], index_name="the index (band)")
    return check


def _bands_world(world):
    tickets, surveys = world.load("tickets"), world.load("surveys")
    return [Case("the tickets and surveys tables (rows shuffled)",
                 (tickets.sample(frac=1, random_state=67), surveys.sample(frac=1, random_state=68)),
                 _check_bands(tickets, surveys))]


def _bands_fixed():
    hour = 3600 * 10**6
    firsts = {1: hour, 2: hour + 1, 3: 8 * hour, 4: 8 * hour + 1, 5: 24 * hour, 6: 24 * hour + 1,
              7: hour - 1, 8: 2 * hour, 9: 1, 10: 100 * hour, 11: 3 * hour}
    created = T("2025-02-10 09:00")
    tickets = pd.DataFrame({"ticket_id": list(firsts), "customer_id": [70] * 6 + [71] * 5,
                            "channel": "email", "created_at": created,
                            "first_response_at": [created + pd.Timedelta(microseconds=v) for v in firsts.values()]})
    for c in ("created_at", "first_response_at"):
        tickets[c] = tickets[c].astype("datetime64[us]")
    # answered post-ticket surveys for tickets 1-10 (two for ticket 5), one unanswered (11), two
    # after deliveries; no first response lands in '8h to 24h' except exactly 24h and 8h + 1 us
    rows = [(i, 70, "post_ticket", t, True, 1 + t % 5, t % 11) for i, t in enumerate(range(1, 11), start=1)]
    rows += [(20, 70, "post_ticket", 5, True, 2, 3), (21, 71, "post_ticket", 11, False, None, None),
             (22, 70, "post_delivery", None, True, 5, 10), (23, 71, "post_delivery", None, False, None, None)]
    surveys = pd.DataFrame(rows, columns=["survey_id", "customer_id", "trigger", "ticket_id", "responded", "csat", "nps"])
    for c in ("ticket_id", "csat", "nps"):
        surveys[c] = surveys[c].astype("Int64")
    empty = surveys[~surveys["ticket_id"].isin([3, 4, 5, 6])]
    return [
        Case("hand-made first responses of exactly 1, 8 and 24 hours and a microsecond more or less, an "
             "unanswered survey and surveys after deliveries (rows shuffled)",
             (tickets.sample(frac=1, random_state=9), surveys.sample(frac=1, random_state=10)),
             _check_bands(tickets, surveys)),
        Case("hand-made surveys with none in '8h to 24h'", (tickets, empty), _check_bands(tickets, empty)),
    ]


EXERCISES = [
    Graded("ex1_tests", "service_level", _service_level_world, _service_level_fixed),
    Graded("ex2_tests", "erlang_c", _erlang_world, _erlang_fixed),
    Graded("ex3_tests", "agents_for_target", _staffing_world, _staffing_fixed),
    Graded("ex4_tests", "campaign_uplift", _uplift_world, _uplift_fixed),
    Graded("ex5_tests", "priority_waits", _priority_world, _priority_fixed),
    Graded("ex6_tests", "time_in_status", _time_in_status_world, _time_in_status_fixed),
    Graded("ex7_tests", "first_response_bands", _bands_world, _bands_fixed),
]


# =================================================================================================
# Memo figures
# =================================================================================================

def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric asks about, from the references above, on one world."""
    iv, cal = world.load("contact_intervals"), world.load("campaign_calendar")
    plan, targets = world.load("staffing_plan"), world.load("service_targets").set_index("channel")
    sl = _service_level_ref(iv, cal)
    peak = iv["interval_start"].dt.date.isin(_campaign_dates(cal)).to_numpy()
    figures = {"service level, campaign days / other days": "; ".join(
        f"{ch} {sl.loc[ch, 'peak']:.0%} / {sl.loc[ch, 'off_peak']:.0%} (target {targets.loc[ch, 'target_share']:.0%} "
        f"in {int(targets.loc[ch, 'target_seconds'])} s)" for ch in sl.index)}
    staffing, forecast = [], []
    for ch in sl.index:
        on = (iv["channel"] == ch).to_numpy() & peak
        aht = float(plan.loc[on, "forecast_aht_seconds"].iloc[0])
        share, t = float(targets.loc[ch, "target_share"]), int(targets.loc[ch, "target_seconds"])
        need = {c: fewest_agents(c, aht, share, t)[0] if c else 0 for c in np.unique(iv.loc[on, "offered"])}
        needed = iv.loc[on, "offered"].map(need)
        staffing.append(f"{ch} {needed.mean():.1f} needed / {iv.loc[on, 'agents_available'].mean():.1f} available")
        forecast.append(f"{ch} {plan.loc[on, 'forecast_offered'].sum() / iv.loc[on, 'offered'].sum():.0%}")
    figures["campaign days: mean agents needed / available per interval"] = "; ".join(staffing)
    figures["campaign days: plan's forecast / contacts offered"] = "; ".join(forecast)
    uplift = _uplift_ref(world.load("contact_volume_daily"), cal, 21)
    names = cal.set_index("campaign_id")
    bf = [i for i in uplift.index if "Black Friday" in str(names.loc[i, "campaign_name"])]
    figures["campaign uplift (21-day window): range; Black Friday"] = (
        f"{uplift['uplift'].min():.2f}-{uplift['uplift'].max():.2f}; "
        + ", ".join(f"{names.loc[i, 'start_date']:%Y} {uplift.loc[i, 'uplift']:.2f}" for i in bf))
    lanes = []
    for label, calls, aht, _, t in _world_intervals(world, kinds=("typical",)):
        ch = label.split()[2]
        n = fewest_agents(calls, aht, float(targets.loc[ch, "target_share"]), t)[0]
        business = int(round(calls * iv.loc[iv["channel"] == ch, "offered_business"].sum()
                             / iv.loc[iv["channel"] == ch, "offered"].sum()))
        w = _priority_ref(erlang(calls, aht, n, t)["p_wait"], n, business, calls - business, aht)
        lanes.append(f"{ch} ({calls} calls, {n} agents): business {w['wait_priority_seconds']:.1f} s, others "
                     f"{w['wait_other_seconds']:.1f} s, no lane {w['wait_fcfs_seconds']:.1f} s")
    figures["business lane at a typical interval staffed to target"] = "; ".join(lanes)
    status = _time_in_status_ref(world.load("ticket_status_history"), END_OF_HISTORY)
    working = status.drop(index=["resolved"], errors="ignore")["median_hours"]
    figures["longest median time per visit (working statuses)"] = f"{working.idxmax()} {working.max():.1f} h"
    bands = _bands_ref(world.load("tickets"), world.load("surveys"))
    figures["mean CSAT by first response (n)"] = "; ".join(
        f"{b} {r.mean_csat:.2f} ({int(r.surveys)})" for b, r in bands.iterrows())
    return figures


__all__ = ["BANDS", "EXERCISES", "MEMO_FIGURES", "erlang", "fewest_agents", "scheduled_for"]
