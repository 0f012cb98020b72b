"""Graded references for Lab 05, *Journeys and orchestration that operations can keep*
(instructor-only).

Each exercise's cases run the learner's function on the full tables of each world (rows
shuffled, as exports come) and on hand-made records at the rules' edges: a gap of exactly 30
minutes and one a microsecond longer, midnight, same-instant events, sessions starting exactly
at a window's start and end, a purchase exactly at the rule's wait, stock exactly at the gate,
firings at one instant, a next chat exactly 7 days later. The references are computed here, by
other routes than the solution notebook (numpy arrays, plain loops, sets).

The rules the references apply are stated once, in the block below.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_series, expect_type, labels

# =================================================================================================
# The rules (our policy, as the lab states it)
# =================================================================================================

STEPS = ("product_view", "add_to_cart", "checkout_start", "purchase")
TIMEOUT_US = 30 * 60 * 1_000_000          # a gap of MORE than this opens a session
DAY_US = 86_400 * 1_000_000
CENTRE_OF_MARKET = {"UK": "FC-UK", "DE": "FC-EU", "FR": "FC-EU", "NL": "FC-EU",
                    "US-CA": "FC-USW", "US-NY": "FC-USE", "US-TX": "FC-USC"}
FOLLOW_UP = pd.Timedelta(days=7)          # a next chat at most this long after (included)
SENT, STOCK, CAPACITY = "sent", "suppressed_stock", "suppressed_capacity"
T = pd.Timestamp


def _us(s) -> np.ndarray:
    return pd.to_datetime(pd.Series(s)).astype("datetime64[us]").to_numpy().astype(np.int64)


def _int_labels(frame, what: str):
    try:
        out = frame.copy()
        out.index = pd.Index([int(v) for v in frame.index])
    except (TypeError, ValueError):
        raise Fail(f"the index should be {what}") from None
    return out


# =================================================================================================
# Exercise 1: sessions
# =================================================================================================

def _sessions_ref(events: pd.DataFrame) -> pd.Series:
    v = events["visitor_id"].to_numpy(np.int64)
    t = _us(events["event_at"])
    i = events["event_id"].to_numpy(np.int64)
    src = events["traffic_source"].astype(str).to_numpy()
    order = np.lexsort((i, t, v))
    v, t, src = v[order], t[order], src[order]
    first = np.r_[True, v[1:] != v[:-1]]
    opens = first.copy()
    opens[1:] |= (t[1:] - t[:-1]) > TIMEOUT_US
    opens[1:] |= (t[1:] // DAY_US) != (t[:-1] // DAY_US)
    opens[1:] |= src[1:] != src[:-1]
    running = np.cumsum(opens)
    start_of_visitor = np.maximum.accumulate(np.where(first, running - 1, 0))
    number = np.empty(len(v), np.int64)
    number[order] = running - start_of_visitor
    return pd.Series(number, index=events.index)


def _check_sessions(ref: pd.Series):
    def check(answer):
        if isinstance(answer, pd.DataFrame) and "session" in answer.columns:
            answer = answer["session"]
        series = expect_type(answer, pd.Series, "a Series of session numbers aligned with events.index")
        if len(series) != len(ref):
            raise Fail(f"it has {len(series):,} values; there should be one per event")
        if set(labels(series.index)) != set(labels(ref.index)):
            raise Fail("it is not aligned with events.index (keep the events' own index labels)")
        got = series.reindex(ref.index)
        try:
            wrong = int((got.to_numpy(dtype="float64", na_value=np.nan) != ref.to_numpy(dtype="float64")).sum())
        except (TypeError, ValueError):
            raise Fail("the session numbers should be whole numbers") from None
        if wrong:
            raise Fail(f"the session number is wrong for {wrong:,} of {len(ref):,} events (new session at a "
                       "visitor's first event, after MORE than 30 minutes, on a new day, or with a new "
                       "traffic_source; numbered 1, 2, 3 within each visitor)")
    return check


def _events(rows, start_id=1, index=None) -> pd.DataFrame:
    """Hand-made events: (time, visitor, source[, type[, customer[, product]]])."""
    out = []
    for k, row in enumerate(rows):
        t, v, s = row[:3]
        kind = row[3] if len(row) > 3 else "product_view"
        cust = row[4] if len(row) > 4 else None
        prod = row[5] if len(row) > 5 else None
        out.append((start_id + k, T(t), v, cust, "web" if v % 2 else "app", s, kind, prod))
    frame = pd.DataFrame(out, columns=["event_id", "event_at", "visitor_id", "customer_id", "channel",
                                       "traffic_source", "event_type", "product_id"])
    frame["event_at"] = frame["event_at"].astype("datetime64[us]")
    frame["customer_id"] = pd.array(frame["customer_id"], dtype="Int64")
    frame["product_id"] = pd.array(frame["product_id"], dtype="Int64")
    frame["traffic_source"] = frame["traffic_source"].astype("str")
    if index is not None:
        frame.index = index
    return frame


def _sessions_world(world):
    e = world.load("web_events")
    shuffled = e.sample(frac=1, random_state=51)
    return [Case("the web_events table (rows shuffled)", (shuffled,), _check_sessions(_sessions_ref(shuffled)))]


def _sessions_fixed():
    gaps = _events([
        ("2025-03-03 10:00:00", 11, "direct"), ("2025-03-03 10:30:00", 11, "direct"),          # exactly 30 min
        ("2025-03-03 11:00:00.000001", 11, "direct"),                                          # 30 min + 1 µs
        ("2025-03-03 11:29:59", 11, "direct"), ("2025-03-03 12:00:00", 11, "direct"),          # 30:01
        ("2025-03-03 23:59:59.999999", 11, "direct"), ("2025-03-04 00:00:00", 11, "direct"),   # midnight
        ("2025-03-04 00:10:00", 11, "email"), ("2025-03-04 00:11:00", 11, "direct"),          # source and back
        ("2025-03-03 10:10:00", 12, "direct"), ("2025-03-03 10:40:00", 12, "direct"),          # exactly 30 min
        ("2025-03-03 23:50:00", 12, "direct"), ("2025-03-04 00:05:00", 12, "direct"),          # midnight
        ("2025-03-03 10:05:00", 400001, "direct"), ("2025-03-03 10:06:00", 400001, "direct")])
    gaps = gaps.set_axis(pd.Index(np.arange(len(gaps))[::-1] * 7 + 1000))
    # same-instant events: event_id decides the order (rows listed against it)
    tie = _events([("2025-06-01 09:00:00", 21, "direct"), ("2025-06-01 09:05:00", 21, "direct"),
                   ("2025-06-01 09:05:00", 21, "email"), ("2025-06-01 09:05:00", 21, "email"),
                   ("2025-06-01 09:06:00", 21, "email"), ("2025-06-01 09:07:00", 23, "push"),
                   ("2025-06-01 09:07:00", 23, "sms"), ("2025-06-01 09:08:00", 23, "sms")])
    tie = tie.iloc[::-1]
    # two visitors whose events interleave with the same source: no gap is measured across them
    mixed = _events([(f"2025-07-01 {h:02d}:{m:02d}:00", v, "organic_search")
                     for h, m, v in ((8, 0, 31), (8, 20, 32), (8, 40, 31), (9, 0, 32), (9, 20, 31), (9, 50, 32),
                                     (9, 55, 33), (10, 30, 33))]).sample(frac=1, random_state=3)
    return [
        Case("hand-made events with gaps of exactly 30 minutes and a microsecond more, midnight, and a new "
             "source and back (index labels not 0, 1, 2)", (gaps,), _check_sessions(_sessions_ref(gaps))),
        Case("hand-made events at the same instant with different sources (rows listed against event_id)",
             (tie,), _check_sessions(_sessions_ref(tie))),
        Case("hand-made events of visitors whose events interleave in time (rows shuffled)", (mixed,),
             _check_sessions(_sessions_ref(mixed))),
    ]


# =================================================================================================
# Exercise 2: funnel
# =================================================================================================

def _session_table(events: pd.DataFrame) -> pd.DataFrame:
    """One row per (visitor_id, session): start, channel, and a column per step (reached or not)."""
    key = ["visitor_id", "session"]
    head = events.groupby(key).agg(start=("event_at", "min"), channel=("channel", "first"))
    pairs = events.loc[events["event_type"].isin(STEPS), key + ["event_type"]].drop_duplicates()
    for step in STEPS:
        mine = pairs[pairs["event_type"] == step].set_index(key).index
        head[step] = head.index.isin(mine)
    return head


def _funnel_ref(events, start, end) -> pd.DataFrame:
    s = _session_table(events)
    s = s[(s["start"] >= start) & (s["start"] < end)]
    rows = {}
    for channel in sorted(set(s["channel"].astype(str))):
        g = s[s["channel"].astype(str) == channel]
        for k, step in enumerate(STEPS):
            prev = g[STEPS[k - 1]] if k else None
            both = int((g[step] & prev).sum()) if k else 0
            conv = both / int(prev.sum()) if k and prev.sum() else np.nan
            rows[(channel, step)] = (int(g[step].sum()), conv, 1 - conv)
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["sessions", "conversion", "drop_off"])
    out.index = pd.MultiIndex.from_tuples(list(rows), names=["channel", "step"])
    return out


def _check_two_level(ref: pd.DataFrame, what: str, index_what: str, columns=None):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, what)
        if frame.index.nlevels != 2:
            raise Fail(f"the index should have two levels: {index_what}")
        frame = frame.copy()
        frame.index = pd.MultiIndex.from_tuples([(str(a), str(b)) for a, b in frame.index])
        expect_frame(frame, ref, columns=columns, index_name=f"the index {index_what}")
    return check


def _with_sessions(events):
    return events.assign(session=_sessions_ref(events))


def _funnel_world(world):
    e = _with_sessions(world.load("web_events")).sample(frac=1, random_state=52)
    cases = []
    for start, end in ((T("2025-01-01"), T("2025-04-01")), (T("2025-05-01"), T("2025-08-01"))):
        cases.append(Case(f"web_events with sessions, sessions starting in [{start.date()}, {end.date()}) "
                          "(rows shuffled)", (e, start, end),
                          _check_two_level(_funnel_ref(e, start, end), "a DataFrame indexed by (channel, step)",
                                           "(channel, step)")))
    return cases


def _sessioned(rows, first_id=1):
    """Hand-made events with sessions: (visitor, session, channel, [(minute after 2025-05-01 09:00, type)])."""
    out, i = [], first_id
    base = T("2025-05-01 09:00")
    for visitor, session, channel, evs in rows:
        for minute, kind in evs:
            out.append((i, base + pd.Timedelta(minutes=minute), visitor, None, channel, "direct", kind, None,
                        session))
            i += 1
    frame = pd.DataFrame(out, columns=["event_id", "event_at", "visitor_id", "customer_id", "channel",
                                       "traffic_source", "event_type", "product_id", "session"])
    frame["event_at"] = frame["event_at"].astype("datetime64[us]")
    frame["customer_id"] = pd.array(frame["customer_id"], dtype="Int64")
    frame["product_id"] = pd.array(frame["product_id"], dtype="Int64")
    return frame.sample(frac=1, random_state=len(frame))


_FUNNEL_ROWS = (
    (1, 1, "web", [(0, "landing"), (1, "product_view"), (2, "add_to_cart")]),               # at start
    (1, 2, "web", [(60, "product_view"), (61, "checkout_start"), (62, "purchase")]),       # no cart
    (2, 1, "web", [(-1, "product_view"), (3, "add_to_cart"), (5, "purchase")]),            # a minute early
    (2, 2, "web", [(600, "product_view"), (601, "product_view"), (602, "add_to_cart")]),
    (3, 1, "web", [(1440, "product_view"), (1441, "add_to_cart"), (1442, "checkout_start")]),  # at end
    (3, 2, "web", [(1439, "add_to_cart"), (1439.5, "checkout_start")]),                    # just before end
    (4, 1, "app", [(10, "landing"), (11, "help_view")]),                                   # no step at all
    (5, 1, "app", [(20, "landing")]),
    (1, 3, "app", [(30, "checkout_start"), (32, "checkout_start")]),
    (1, 4, "app", [(40, "product_view"), (41, "add_to_cart"), (44, "checkout_start"), (46, "purchase")]),
)


def _funnel_fixed():
    e = _sessioned(_FUNNEL_ROWS)
    start, end = T("2025-05-01 09:00"), T("2025-05-02 09:00")
    only_landing = _sessioned([(4, 1, "app", [(10, "landing")]), (6, 1, "web", [(11, "product_view")])])
    return [
        Case("hand-made sessions starting exactly at the window's start and end, a minute before the start, "
             "without a cart, and with repeated steps (the same session numbers for different visitors)",
             (e, start, end), _check_two_level(_funnel_ref(e, start, end), "a DataFrame indexed by (channel, step)",
                                               "(channel, step)")),
        Case("hand-made sessions of a channel whose only session reaches no step (all four rows, with 0 sessions)",
             (only_landing, start, end),
             _check_two_level(_funnel_ref(only_landing, start, end), "a DataFrame indexed by (channel, step)",
                              "(channel, step)")),
    ]


# =================================================================================================
# Exercise 3: top paths
# =================================================================================================

def _paths_ref(events: pd.DataFrame, n: int) -> pd.Series:
    v = events["visitor_id"].to_numpy(np.int64)
    s = events["session"].to_numpy(np.int64)
    order = np.lexsort((events["event_id"].to_numpy(np.int64), _us(events["event_at"]), s, v))
    keys = zip(v[order].tolist(), s[order].tolist(), strict=True)
    kinds = events["event_type"].astype(str).to_numpy()[order].tolist()
    counts: dict[str, int] = {}
    for _, group in itertools.groupby(zip(keys, kinds, strict=True), key=lambda kv: kv[0]):
        path = " > ".join(k for k, _ in itertools.groupby(kind for _, kind in group))
        counts[path] = counts.get(path, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return pd.Series([c for _, c in ranked], index=pd.Index([p for p, _ in ranked], name="path"), name="sessions")


def _check_paths(ref: pd.Series):
    def check(answer):
        if isinstance(answer, pd.DataFrame) and "sessions" in answer.columns:
            answer = answer["sessions"]
        series = expect_type(answer, pd.Series, "a Series named 'sessions' indexed by path")
        if len(series) != len(ref):
            raise Fail(f"it has {len(series)} paths; the task asks for the top n ({len(ref)} here)")
        got = [str(p) for p in series.index]
        if set(got) != set(ref.index):
            raise Fail("the set of paths is not right (collapse only consecutive repeats, events in time order; "
                       "ties at the n-th place go by path)")
        expect_series(series.set_axis(got), ref, what="a Series", index_name="the paths")
        if got != list(ref.index):
            raise Fail("the paths are not in the order the task asks for (sessions, largest first, ties by path)")
    return check


def _paths_world(world):
    e = _with_sessions(world.load("web_events")).sample(frac=1, random_state=53)
    return [Case("web_events with sessions, top 15 paths (rows shuffled)", (e, 15), _check_paths(_paths_ref(e, 15)))]


def _paths_fixed():
    rows = [(1, 1, "web", [(0, "landing"), (1, "product_view"), (2, "product_view")]),
            (1, 2, "web", [(90, "product_view"), (91, "landing")]),
            (2, 1, "web", [(0, "landing"), (1, "product_view")]),
            (2, 2, "web", [(90, "landing"), (91, "landing"), (92, "product_view"), (93, "help_view"),
                           (94, "product_view")]),
            (3, 1, "app", [(0, "landing"), (0, "product_view"), (0, "product_view"), (1, "add_to_cart")]),
            (3, 2, "app", [(90, "landing"), (91, "product_view"), (92, "help_view"), (93, "product_view")]),
            (4, 1, "app", [(0, "landing"), (1, "product_view"), (2, "add_to_cart")]),
            (5, 1, "app", [(5, "chat_start")]), (6, 1, "web", [(6, "chat_start")]), (7, 1, "web", [(7, "add_to_cart")])]
    e = _sessioned(rows)
    return [Case("hand-made sessions with repeats, same-instant events and ties at the n-th place (n = 3)", (e, 3),
                 _check_paths(_paths_ref(e, 3))),
            Case("the same sessions with n larger than the number of paths (n = 50)", (e, 50),
                 _check_paths(_paths_ref(e, 50)))]


# =================================================================================================
# Exercise 4: stalled-stage thresholds
# =================================================================================================

def _stages_ref(events: pd.DataFrame, q: float) -> pd.DataFrame:
    s = events[events["event_type"].isin(STEPS)]
    first = s.pivot_table(index=["visitor_id", "session"], columns="event_type", values="event_at", aggfunc="min")
    channel = events.drop_duplicates(["visitor_id", "session"]).set_index(["visitor_id", "session"])["channel"]
    rows = {}
    for stage, nxt in zip(STEPS[:-1], STEPS[1:], strict=True):
        if stage not in first or nxt not in first:
            continue
        both = first[[stage, nxt]].dropna()
        minutes = (both[nxt] - both[stage]) / pd.Timedelta(minutes=1)
        minutes = minutes[minutes >= 0]
        ch = channel.reindex(minutes.index).astype(str)
        for c in sorted(set(ch)):
            m = minutes[ch == c].to_numpy(float)
            rows[(c, stage)] = (len(m), float(np.median(m)), float(np.quantile(m, q)))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["sessions", "median_minutes", "threshold_minutes"])
    out.index = pd.MultiIndex.from_tuples(list(rows), names=["channel", "stage"])
    return out


def _stages_world(world):
    e = _with_sessions(world.load("web_events")).sample(frac=1, random_state=54)
    return [Case(f"web_events with sessions, q = {q}", (e, q),
                 _check_two_level(_stages_ref(e, q), "a DataFrame indexed by (channel, stage)", "(channel, stage)"))
            for q in (0.9, 0.5)]


def _stages_fixed():
    rows = [(1, 1, "web", [(0, "product_view"), (0, "add_to_cart"), (3, "checkout_start")]),       # 0 minutes
            (1, 2, "web", [(100, "add_to_cart"), (101, "product_view"), (104, "add_to_cart")]),    # cart first
            (2, 1, "web", [(0, "product_view"), (4, "product_view"), (7, "add_to_cart"), (8, "purchase")]),
            (2, 2, "web", [(50, "product_view"), (51.5, "add_to_cart"), (52, "checkout_start"), (60, "purchase")]),
            (3, 1, "app", [(0, "checkout_start"), (3, "purchase")]),                                # no earlier step
            (3, 2, "app", [(20, "product_view"), (22, "add_to_cart"), (22.25, "checkout_start")]),
            (1, 3, "app", [(30, "product_view"), (33, "add_to_cart")])]
    e = _sessioned(rows)
    return [Case(f"hand-made sessions with zero-minute stages, a cart before the view and repeated steps, q = {q}",
                 (e, q), _check_two_level(_stages_ref(e, q), "a DataFrame indexed by (channel, stage)",
                                          "(channel, stage)")) for q in (0.8, 0.25)]


# =================================================================================================
# Exercise 5: cart triggers
# =================================================================================================

def _triggers_ref(events, rules, rule_id, products, customers) -> pd.DataFrame:
    rule = rules[rules["rule_id"] == rule_id].iloc[0]
    wait = pd.Timedelta(hours=float(rule["wait_hours"]))
    known = events[events["customer_id"].notna()]
    carts = known[known["event_type"] == rule["trigger_event"]][["event_id", "customer_id", "product_id", "event_at"]]
    floor = rule["min_product_price"]
    if pd.notna(floor):
        price = dict(zip(products["product_id"], products["list_price"], strict=True))
        carts = carts[[price.get(int(p), -np.inf) >= floor for p in carts["product_id"]]]
    buys = known[known["event_type"] == "purchase"][["customer_id", "event_at"]].rename(columns={"event_at": "b"})
    pairs = carts.merge(buys, on="customer_id")
    stopped = pairs[(pairs["b"] >= pairs["event_at"]) & (pairs["b"] <= pairs["event_at"] + wait)]["event_id"]
    fired = carts[~carts["event_id"].isin(set(stopped))]
    market = dict(zip(customers["customer_id"], customers["market"], strict=True))
    out = pd.DataFrame({"customer_id": fired["customer_id"].astype("int64").to_numpy(),
                        "product_id": fired["product_id"].astype("int64").to_numpy(),
                        "fires_at": (fired["event_at"] + wait).to_numpy(),
                        "fulfilment_centre": [CENTRE_OF_MARKET[market[int(c)]] for c in fired["customer_id"]]},
                       index=pd.Index(fired["event_id"].astype("int64").to_numpy(), name="event_id"))
    return out


def _check_triggers(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by event_id")
        if "event_id" in frame.columns and frame.index.name != "event_id":
            frame = frame.set_index("event_id")
        frame = _int_labels(frame, "the event_id of the cart events")
        got = set(frame.index)
        want = set(ref.index)
        if got - want:
            raise Fail(f"{len(got - want):,} cart event(s) fire that should not (a purchase by the same customer "
                       "from the cart's time up to and including wait_hours later stops the rule; the price "
                       "floor is 'at least'; only known customers)")
        if want - got:
            raise Fail(f"{len(want - got):,} cart event(s) that should fire are missing (a purchase before the "
                       "cart, or by another customer, does not stop the rule)")
        expect_frame(frame, ref, index_name="the index (event_id)")
    return check


def _triggers_world(world):
    e, rules = world.load("web_events"), world.load("journey_rules")
    p, c = world.load("products"), world.load("customers")
    shuffled = e.sample(frac=1, random_state=55)
    return [Case(f"web_events and journey_rules, rule {r} (rows shuffled)", (shuffled, rules, r, p, c),
                 _check_triggers(_triggers_ref(e, rules, r, p, c))) for r in ("JR-01", "JR-02")]


def _rules_frame():
    return pd.DataFrame({"rule_id": ["R-1", "R-2", "R-3"], "rule_name": ["a", "b", "c"],
                         "trigger_event": ["add_to_cart", "add_to_cart", "product_view"],
                         "wait_hours": [3.0, 0.5, 0.0], "min_product_price": [np.nan, 999.99, np.nan],
                         "promise_kind": ["stock", "callback", "price"]})


def _triggers_fixed():
    rows = [  # (time, visitor, source, type, customer, product)
        ("2025-05-01 10:00:00", 1, "direct", "add_to_cart", 1, 10),
        ("2025-05-01 13:00:00", 1, "direct", "purchase", 1, 10),                # exactly 3 h: stops R-1
        ("2025-05-02 10:00:00", 1, "direct", "add_to_cart", 1, 11),
        ("2025-05-02 13:00:00.000001", 1, "direct", "purchase", 1, 11),         # 3 h + 1 µs: R-1 fires
        ("2025-05-03 10:00:00", 3, "direct", "add_to_cart", 2, 12),
        ("2025-05-03 10:00:00", 3, "direct", "purchase", 2, 10),                # same instant: stops
        ("2025-05-04 09:00:00", 3, "direct", "purchase", 2, 12),
        ("2025-05-04 09:00:01", 3, "direct", "add_to_cart", 2, 11),             # purchase a second before
        ("2025-05-05 10:00:00", 5, "direct", "add_to_cart", 3, 11),
        ("2025-05-05 10:20:00", 7, "direct", "purchase", 4, 11),                # another customer
        ("2025-05-06 10:00:00", 9, "direct", "add_to_cart", None, 12),          # anonymous
        ("2025-05-06 11:00:00", 5, "direct", "add_to_cart", 3, 10),
        ("2025-05-06 11:30:00", 5, "direct", "purchase", 3, 12),                # exactly 30 min: stops R-2
        ("2025-05-07 11:00:00", 5, "direct", "add_to_cart", 3, 12),
        ("2025-05-07 11:00:00", 5, "direct", "add_to_cart", 3, 12),             # two carts at one instant
        ("2025-05-07 12:00:00", 1, "direct", "product_view", 1, 12),
    ]
    e = _events(rows, start_id=101).sample(frac=1, random_state=9)
    products = pd.DataFrame({"product_id": [10, 11, 12], "category": ["a", "b", "c"],
                             "list_price": [999.99, 999.98, 1500.0]})
    customers = pd.DataFrame({"customer_id": [1, 2, 3, 4], "market": ["NL", "US-TX", "US-NY", "FR"]})
    rules = _rules_frame()
    return [Case(f"hand-made carts with purchases exactly at the wait, a microsecond later, at the cart's "
                 f"instant, a second before, by another customer, and a price exactly at the floor (rule {r})",
                 (e, rules, r, products, customers), _check_triggers(_triggers_ref(e, rules, r, products, customers)))
            for r in ("R-1", "R-2")]


# =================================================================================================
# Exercise 6: replay
# =================================================================================================

class _History:
    """Stock and capacity as dictionaries keyed by (day in microseconds, ...), built once per world."""

    def __init__(self, stock: pd.DataFrame, capacity: pd.DataFrame):
        days = (_us(stock["date"]) // DAY_US).tolist()
        self.available = dict(zip(zip(days, stock["product_id"].astype("int64").tolist(),
                                      stock["fulfilment_centre"].astype(str).tolist(), strict=True),
                                  (stock["on_hand"] - stock["committed"]).astype("int64").tolist(), strict=True))
        self.room = dict(zip(zip((_us(capacity["date"]) // DAY_US).tolist(), capacity["channel"].astype(str).tolist(),
                                 strict=True), capacity["capacity"].astype("int64").tolist(), strict=True))


def _replay_ref(triggers, history: _History, promise, min_units=None, capacity_channel=None) -> pd.DataFrame:
    fires = _us(triggers["fires_at"])
    items = sorted(zip(fires.tolist(), [int(i) for i in triggers.index], triggers["product_id"].astype("int64").tolist(),
                       triggers["fulfilment_centre"].astype(str).tolist(), strict=True))
    used, sent_today, out = {}, {}, {}
    for at, event, product, centre in items:
        day = at // DAY_US
        outcome = SENT
        if min_units is not None and history.available[(day - 1, product, centre)] < min_units:
            outcome = STOCK
        elif capacity_channel is not None:
            used[day] = used.get(day, 0) + 1
            if used[day] > history.room[(day, capacity_channel)]:
                outcome = CAPACITY
        broken = False
        if outcome == SENT:
            sent_today[day] = sent_today.get(day, 0) + 1
            if promise == "stock":
                broken = history.available[(day, product, centre)] < 1
            else:
                broken = sent_today[day] > history.room[(day, "callback")]
        out[event] = (outcome, broken)
    return pd.DataFrame.from_dict(out, orient="index", columns=["outcome", "broken"]).rename_axis("event_id")


def _check_replay(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by event_id")
        if "event_id" in frame.columns and frame.index.name != "event_id":
            frame = frame.set_index("event_id")
        frame = _int_labels(frame, "the event_id of the triggers")
        expect_frame(frame, ref, columns=["outcome"], index_name="the index (event_id)")
        if "broken" not in frame.columns:
            raise Fail("the result is missing column(s) ['broken']")
        expect_frame(frame, ref, columns=["broken"], index_name="the index (event_id)")
    return check


_REPLAY_WORLD_CALLS = (("JR-01", "stock", None, None), ("JR-01", "stock", 1, None), ("JR-01", "stock", 3, None),
                       ("JR-02", "callback", None, None), ("JR-02", "callback", None, "callback"),
                       ("JR-02", "callback", 1, "callback"))


def _covered(triggers, stock):
    day = triggers["fires_at"].dt.normalize()
    return triggers[(day > stock["date"].min()) & (day <= stock["date"].max())]


def _replay_world(world):
    e, rules = world.load("web_events"), world.load("journey_rules")
    p, c = world.load("products"), world.load("customers")
    stock, capacity = world.load("daily_stock"), world.load("contact_capacity")
    fired = {r: _covered(_triggers_ref(e, rules, r, p, c), stock).sample(frac=1, random_state=56)
             for r in ("JR-01", "JR-02")}
    history = _History(stock, capacity)
    return [Case(f"{r}'s firings replayed with promise={promise!r}, min_units={units}, "
                 f"capacity_channel={channel!r}", (fired[r], stock, capacity, promise, units, channel),
                 _check_replay(_replay_ref(fired[r], history, promise, units, channel)))
            for r, promise, units, channel in _REPLAY_WORLD_CALLS]


def _replay_fixed():
    days = pd.date_range("2025-06-01", "2025-06-04")
    stock_rows, k = [], 0
    for d in days:
        for p in (1, 2):
            for c in ("FC-UK", "FC-USE"):
                k += 1
                on_hand = (k * 7) % 5
                stock_rows.append((d, p, c, on_hand, (k * 3) % 4, 0, 0))
    stock = pd.DataFrame(stock_rows, columns=["date", "product_id", "fulfilment_centre", "on_hand", "committed",
                                              "inbound", "shipped"])
    stock["date"] = stock["date"].astype("datetime64[us]")
    capacity = pd.DataFrame([(d, ch, n) for d, n in zip(days, (5, 2, 0, 2), strict=True)
                             for ch, n in (("callback", n), ("email", 2))], columns=["date", "channel", "capacity"])
    capacity["date"] = capacity["date"].astype("datetime64[us]")
    trig = []
    for i, (p, c, t) in enumerate([(1, "FC-UK", "2025-06-02 09:00"), (2, "FC-UK", "2025-06-02 09:00"),
                                   (1, "FC-USE", "2025-06-02 09:00"), (2, "FC-USE", "2025-06-02 18:00"),
                                   (1, "FC-UK", "2025-06-03 00:00"), (2, "FC-UK", "2025-06-03 23:59:59"),
                                   (1, "FC-USE", "2025-06-04 08:00"), (2, "FC-USE", "2025-06-04 08:00"),
                                   (1, "FC-UK", "2025-06-04 07:00"), (2, "FC-UK", "2025-06-04 10:00"),
                                   (1, "FC-USE", "2025-06-04 11:00")]):
        trig.append((900 - 7 * i, 5, p, T(t), c))
    triggers = pd.DataFrame(trig, columns=["event_id", "customer_id", "product_id", "fires_at", "fulfilment_centre"])
    triggers["fires_at"] = triggers["fires_at"].astype("datetime64[us]")
    triggers = triggers.set_index("event_id").sample(frac=1, random_state=4)
    calls = (("stock", None, None), ("stock", 1, None), ("stock", 2, None), ("stock", 0, "email"),
             ("callback", None, None), ("callback", None, "callback"), ("callback", 1, "callback"))
    return [Case(f"hand-made firings at one instant (event ids against time order), stock exactly at the gate, "
                 f"a day with no callback capacity (promise={promise!r}, min_units={units}, "
                 f"capacity_channel={channel!r})", (triggers, stock, capacity, promise, units, channel),
                 _check_replay(_replay_ref(triggers, _History(stock, capacity), promise, units, channel)))
            for promise, units, channel in calls]


# =================================================================================================
# Exercise 7: handoff breakpoints
# =================================================================================================

def _handoff_ref(chats: pd.DataFrame) -> pd.DataFrame:
    c = chats[["chat_id", "customer_id", "started_at"]].copy()
    c = c.sort_values(["started_at", "chat_id"])
    c["rank"] = c.groupby("customer_id").cumcount()
    nxt = c.assign(rank=c["rank"] - 1)[["customer_id", "rank", "started_at"]].rename(columns={"started_at": "next_at"})
    c = c.merge(nxt, on=["customer_id", "rank"], how="left")
    again = dict(zip(c["chat_id"], (c["next_at"] - c["started_at"]) <= FOLLOW_UP, strict=True))
    h = chats[chats["bot_outcome"] == "handed_to_agent"]
    rows = {}
    for queue, g in h.groupby(h["agent_queue"].astype(str)):
        ident = g["repeated_identity"].astype(bool).to_numpy()
        issue = g["repeated_issue"].astype(bool).to_numpy()
        rows[queue] = (len(g), ident.mean(), g["repeated_order_number"].astype(bool).mean(), issue.mean(),
                       (ident & issue).mean(), np.mean([again[i] for i in g["chat_id"]]))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["handoffs", "repeated_identity",
                                                                "repeated_order_number", "repeated_issue",
                                                                "lost_context", "chat_again_7d"])
    order = sorted(out.index, key=lambda q: (-round(out.loc[q, "lost_context"], 12), q))
    return out.loc[order].rename_axis("agent_queue")


def _check_handoff(ref: pd.DataFrame):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by agent_queue")
        frame = frame.copy()
        frame.index = pd.Index([str(v) for v in frame.index])
        expect_frame(frame, ref, index_name="the index (agent_queue)")
        if list(frame.index) != list(ref.index):
            raise Fail("the rows are not sorted by lost_context, largest first, ties by agent_queue")
    return check


def _handoff_world(world):
    c = world.load("chat_conversations").sample(frac=1, random_state=57)
    return [Case("the chat_conversations table (rows shuffled)", (c,), _check_handoff(_handoff_ref(c)))]


def _handoff_fixed():
    rows = [  # chat, customer, started, outcome, queue, identity, order, issue
        (1, 1, "2025-03-01 10:00:00", "handed_to_agent", "q_b", True, True, True),
        (2, 1, "2025-03-08 10:00:00", "abandoned", None, None, None, None),                 # exactly 7 days
        (3, 2, "2025-03-01 10:00:00", "handed_to_agent", "q_b", True, False, True),
        (4, 2, "2025-03-08 10:00:00.000001", "resolved_by_bot", None, None, None, None),    # 7 days + 1 µs
        (5, 3, "2025-03-02 10:00:00", "handed_to_agent", "q_a", True, False, True),
        (6, 3, "2025-03-02 10:00:00", "resolved_by_bot", None, None, None, None),           # same instant, later id
        (7, 4, "2025-03-02 10:00:00", "resolved_by_bot", None, None, None, None),
        (8, 4, "2025-03-02 10:00:00", "handed_to_agent", "q_a", False, False, False),       # same instant, no next
        (9, 5, "2025-03-03 10:00:00", "handed_to_agent", "q_c", False, True, False),
        (10, 5, "2025-03-04 10:00:00", "handed_to_agent", "q_c", True, False, True),
        (11, 6, "2025-03-05 10:00:00", "handed_to_agent", "q_c", True, True, False),
    ]
    frame = pd.DataFrame([(c, 500 + c, u, "web", T(t), "returns", o, T(t) if q else pd.NaT, q, a, b, d,
                           5.0 if q else np.nan, True) for c, u, t, o, q, a, b, d in rows],
                         columns=["chat_id", "event_id", "customer_id", "channel", "started_at", "intent",
                                  "bot_outcome", "handed_off_at", "agent_queue", "repeated_identity",
                                  "repeated_order_number", "repeated_issue", "agent_handle_minutes", "resolved"])
    for col in ("started_at", "handed_off_at"):
        frame[col] = frame[col].astype("datetime64[us]")
    for col in ("repeated_identity", "repeated_order_number", "repeated_issue"):
        frame[col] = frame[col].astype("boolean")
    frame["agent_queue"] = frame["agent_queue"].astype("str")
    frame = frame.sample(frac=1, random_state=8)
    return [Case("hand-made chats with next chats exactly 7 days and a microsecond more later, at the same "
                 "instant (ties by chat_id), and two queues tied on lost_context", (frame,),
                 _check_handoff(_handoff_ref(frame)))]


EXERCISES = [
    Graded("ex1_tests", "sessionise", _sessions_world, _sessions_fixed),
    Graded("ex2_tests", "funnel", _funnel_world, _funnel_fixed),
    Graded("ex3_tests", "top_paths", _paths_world, _paths_fixed),
    Graded("ex4_tests", "stage_thresholds", _stages_world, _stages_fixed),
    Graded("ex5_tests", "cart_triggers", _triggers_world, _triggers_fixed),
    Graded("ex6_tests", "replay", _replay_world, _replay_fixed),
    Graded("ex7_tests", "handoff_breakpoints", _handoff_world, _handoff_fixed),
]


# =================================================================================================
# Memo figures: the numbers the memo rubric asks about, on one world (the lab's own pipeline)
# =================================================================================================

def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def MEMO_FIGURES(world) -> dict:
    """Broken promises and suppressed contacts per rule and gate, when JR-01's promises broke, the
    app's checkout step before and after the spring release, and the handoff queue that loses context."""
    from grading import solution_namespace

    ns = solution_namespace("lab05", world, ["setup"])
    events, rules = ns["web_events"], ns["journey_rules"]
    stock, capacity = ns["daily_stock"], ns["contact_capacity"]
    fired = {r: _covered(ns["cart_triggers"](events, rules, r, ns["products"], ns["customers"]), stock)
             for r in ("JR-01", "JR-02")}
    replay = ns["replay"]
    jr1 = replay(fired["JR-01"], stock, capacity, "stock")
    jr1_gated = replay(fired["JR-01"], stock, capacity, "stock", 1)
    jr2 = replay(fired["JR-02"], stock, capacity, "callback")
    jr2_gated = replay(fired["JR-02"], stock, capacity, "callback", None, "callback")
    when = fired["JR-01"]["fires_at"].reindex(jr1.index)
    summer = (when >= T("2025-06-01")) & (when < T("2025-08-01"))
    day = fired["JR-02"]["fires_at"].reindex(jr2.index).dt.day_of_week
    sessioned = events.assign(session=ns["sessionise"](events))
    before = ns["funnel"](sessioned, T("2025-01-01"), T("2025-04-01"))
    after = ns["funnel"](sessioned, T("2025-05-01"), T("2025-08-01"))
    thresholds = ns["stage_thresholds"](sessioned, 0.9)
    handoffs = ns["handoff_breakpoints"](ns["chat_conversations"])
    worst = handoffs.iloc[0]
    others = handoffs.iloc[1:]
    waits = rules.set_index("rule_id")["wait_hours"]
    return {
        "JR-01 as it ran: firings / broken stock promises": f"{len(jr1):,} / {int(jr1['broken'].sum()):,} "
                                                            f"({_pct(jr1['broken'].mean())})",
        "JR-01 broken-promise rate, June-July 2025 vs other months": f"{_pct(jr1.loc[summer, 'broken'].mean())} vs "
                                                                     f"{_pct(jr1.loc[~summer, 'broken'].mean())}",
        "JR-01 with a stock gate of 1 unit: suppressed / broken": f"{int((jr1_gated['outcome'] != 'sent').sum()):,}"
                                                                  f" / {int(jr1_gated['broken'].sum()):,}",
        "JR-02 as it ran: firings / broken callback promises": f"{len(jr2):,} / {int(jr2['broken'].sum()):,} "
                                                               f"({_pct(jr2['broken'].mean())})",
        "JR-02 broken on weekends": f"{int(jr2.loc[day >= 5, 'broken'].sum()):,}",
        "JR-02 with a capacity gate: callbacks suppressed": f"{int((jr2_gated['outcome'] != 'sent').sum()):,}",
        "app checkout_start -> purchase, Jan-Mar vs May-Jul 2025": (
            f"{before.loc[('app', 'purchase'), 'conversion']:.2f} vs {after.loc[('app', 'purchase'), 'conversion']:.2f}"
            f" (web {before.loc[('web', 'purchase'), 'conversion']:.2f} vs "
            f"{after.loc[('web', 'purchase'), 'conversion']:.2f})"),
        "p90 minutes in add_to_cart (app / web) vs the cart rules' waits": (
            f"{thresholds.loc[('app', 'add_to_cart'), 'threshold_minutes']:.1f} / "
            f"{thresholds.loc[('web', 'add_to_cart'), 'threshold_minutes']:.1f} min vs JR-01 "
            f"{waits['JR-01']:g} h, JR-02 {waits['JR-02']:g} h"),
        "handoff queue that loses context": (
            f"{handoffs.index[0]}: {_pct(worst['lost_context'])} lost, {_pct(worst['chat_again_7d'])} chat again "
            f"within 7 days (other queues {_pct(others['lost_context'].max())} max lost, "
            f"{_pct(others['chat_again_7d'].mean())} mean again)"),
    }
