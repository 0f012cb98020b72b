"""Visible checks and hints for Lab 05, *Journeys and orchestration that operations can keep*.

Every check runs the learner's function on a small hand-made example (print it:
``example_events()``, ``example_sessions()``, ``example_paths()``, ``example_stages()``,
``example_cart_events()`` with ``example_rules()``, ``example_products()`` and
``example_customers()``, ``example_triggers()`` with ``example_stock()`` and
``example_capacity()``, ``example_chats()``), compares the result with the answer worked out by
hand (kept below as literal data), and, when it is wrong, says which common mistake it looks
like. No check prints the expected values.

>>> from cxlabs.checks import lab05 as checks
>>> checks.sessionise.hint()                # doctest: +SKIP
>>> checks.sessionise.check(sessionise)     # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["sessionise", "funnel", "top_paths", "stage_thresholds", "cart_triggers", "replay",
           "handoff_breakpoints", "example_events", "example_sessions", "example_paths", "example_stages",
           "example_cart_events", "example_rules", "example_products", "example_customers",
           "example_triggers", "example_stock", "example_capacity", "example_chats", "FUNNEL_START",
           "FUNNEL_END", "PATHS_N", "THRESHOLD_Q", "REPLAY_CALLS"]

T = pd.Timestamp


def _dates(frame: pd.DataFrame, columns) -> pd.DataFrame:
    for c in columns:
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[us]")
    return frame


def _key(value):
    """A comparable form of one value (numbers alike whatever their type, missing as None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer, float, np.floating)):
        return round(float(value), 6)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    return str(value)


def _cells(ex: Exercise, frame: pd.DataFrame, columns, index_what: str) -> dict:
    """``{(label, column): value}`` of a frame (labels as tuples of keys), for comparisons."""
    out = {}
    labels = [tuple(_key(v) for v in (k if isinstance(k, tuple) else (k,))) for k in frame.index]
    if len(set(labels)) != len(labels):
        raise ex.fail(f"{index_what} has repeated labels; there should be one row for each.")
    for c in columns:
        for label, v in zip(labels, frame[c].tolist(), strict=True):
            out[(label, c)] = _key(v)
    return out


def _literal(rows: dict, columns) -> dict:
    """The same form from literal rows ``{label: (value, ...)}``."""
    out = {}
    for label, values in rows.items():
        label = tuple(_key(v) for v in (label if isinstance(label, tuple) else (label,)))
        for c, v in zip(columns, values, strict=True):
            out[(label, c)] = _key(v)
    return out


def _agrees(got: dict, signature: dict) -> bool:
    """True when ``got`` has every cell of ``signature`` with the same value."""
    return all(k in got and got[k] == v for k, v in signature.items())


def _diagnose(ex: Exercise, got: dict, want: dict, mistakes, generic: str) -> None:
    if got == want:
        return
    for signature, message in mistakes:
        if _agrees(got, signature):
            raise ex.fail(message)
    raise ex.fail(generic)


_EVENT_COLUMNS = ["event_id", "event_at", "visitor_id", "customer_id", "channel", "traffic_source",
                  "event_type", "product_id"]

#: Exercise 1: (event_id, time, visitor, source, type). Visitor 7 has a gap of exactly 30 minutes,
#: one of 30 minutes and 1 second, a new source, a long gap and midnight; visitor 3's events
#: interleave with visitor 7's in time and use the same source.
_SESSION_ROWS = (
    (1, "2025-03-03 10:00:00", 7, "direct", "landing"),
    (2, "2025-03-03 10:05:00", 3, "direct", "landing"),
    (3, "2025-03-03 10:20:00", 7, "direct", "product_view"),
    (4, "2025-03-03 10:30:00", 3, "direct", "product_view"),
    (5, "2025-03-03 10:50:00", 7, "direct", "product_view"),
    (6, "2025-03-03 11:00:00", 3, "direct", "product_view"),
    (7, "2025-03-03 11:20:01", 7, "direct", "product_view"),
    (8, "2025-03-03 11:25:00", 7, "email", "landing"),
    (9, "2025-03-03 11:45:00", 3, "direct", "landing"),
    (10, "2025-03-03 23:50:00", 7, "email", "product_view"),
    (11, "2025-03-04 00:05:00", 7, "email", "product_view"),
    (12, "2025-03-04 00:10:00", 7, "email", "add_to_cart"),
)
_SESSION_ORDER = (9, 2, 11, 0, 6, 4, 1, 10, 3, 7, 5, 8)


def example_events() -> pd.DataFrame:
    """Worked example for exercise 1: twelve events of two visitors, rows out of time order,
    index labels that are not 0, 1, 2 (the answer must keep them)."""
    rows = [(e, T(t), v, pd.NA, "web", s, k, pd.NA) for e, t, v, s, k in _SESSION_ROWS]
    frame = pd.DataFrame(rows, columns=_EVENT_COLUMNS)
    frame = _dates(frame, ["event_at"])
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    frame["product_id"] = frame["product_id"].astype("Int64")
    frame.index = pd.Index(frame["event_id"].to_numpy() * 10)
    return frame.iloc[list(_SESSION_ORDER)]


#: Exercises 2 and 3: sessions as (visitor, session, channel, [(minute after 2025-05-01 09:00, type)]).
#: The window is 2025-05-01 09:00 (included) to 2025-05-08 09:00 (excluded).
FUNNEL_START, FUNNEL_END = T("2025-05-01 09:00"), T("2025-05-08 09:00")
_SESSIONS = (
    (1, 1, "web", [(0, "landing"), (1, "product_view"), (3, "add_to_cart"), (5, "checkout_start"),
                   (8, "purchase")]),                                           # starts exactly at start
    (1, 2, "web", [(300, "landing"), (302, "product_view"), (304, "add_to_cart")]),
    (2, 1, "web", [(60, "product_view"), (62, "product_view")]),
    (2, 2, "web", [(900, "landing")]),
    (2, 3, "web", [(10080, "product_view"), (10082, "add_to_cart")]),          # starts exactly at end
    (5, 1, "web", [(-5, "product_view"), (2, "add_to_cart"), (4, "purchase")]),  # starts before start
    (3, 1, "app", [(120, "product_view"), (121, "add_to_cart"), (125, "checkout_start")]),
    (3, 2, "app", [(2000, "landing"), (2001, "checkout_start")]),              # a failed payment
    (4, 1, "app", [(40, "product_view"), (41, "add_to_cart"), (43, "checkout_start"), (45, "purchase")]),
    (4, 2, "app", [(4000, "product_view")]),
)


def example_sessions() -> pd.DataFrame:
    """Worked example for exercise 2: events of ten sessions with their ``session`` column
    (sessions are identified by visitor_id and session together), rows shuffled. Use it with
    ``checks.FUNNEL_START`` and ``checks.FUNNEL_END``."""
    rows, i = [], 0
    for visitor, session, channel, events in _SESSIONS:
        for minute, kind in events:
            i += 1
            rows.append((i, FUNNEL_START + pd.Timedelta(minutes=minute), visitor, pd.NA, channel, "direct", kind,
                         pd.NA, session))
    frame = pd.DataFrame(rows, columns=_EVENT_COLUMNS + ["session"])
    frame = _dates(frame, ["event_at"])
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    frame["product_id"] = frame["product_id"].astype("Int64")
    return frame.sample(frac=1, random_state=5)


#: Exercise 3: sessions as (visitor, session, [types in time order]); n = 3.
PATHS_N = 3
_PATHS = (
    (1, 1, ["landing", "product_view", "product_view", "add_to_cart"]),
    (2, 1, ["landing", "product_view", "add_to_cart"]),
    (3, 1, ["landing", "product_view", "add_to_cart", "add_to_cart"]),
    (1, 2, ["landing", "product_view", "help_view", "product_view"]),
    (4, 1, ["landing", "product_view", "product_view", "product_view"]),
    (4, 2, ["landing", "product_view"]),
    (5, 1, ["landing"]),
    (6, 1, ["landing"]),
    (6, 2, ["landing", "help_view", "chat_start"]),
    (7, 1, ["landing", "product_view", "help_view", "product_view"]),
    (7, 2, ["landing", "product_view", "help_view", "help_view", "product_view"]),
)


def example_paths() -> pd.DataFrame:
    """Worked example for exercise 3: events of nine sessions with a ``session`` column, rows
    shuffled. Use it with ``n = checks.PATHS_N``."""
    rows, i = [], 0
    for visitor, session, kinds in _PATHS:
        start = T("2025-02-10 08:00") + pd.Timedelta(hours=3 * visitor + session)
        for k, kind in enumerate(kinds):
            i += 1
            rows.append((i, start + pd.Timedelta(minutes=2 * k), visitor, pd.NA, "web", "direct", kind, pd.NA, session))
    frame = pd.DataFrame(rows, columns=_EVENT_COLUMNS + ["session"])
    frame = _dates(frame, ["event_at"])
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    frame["product_id"] = frame["product_id"].astype("Int64")
    return frame.sample(frac=1, random_state=8)


#: Exercise 4: sessions as (visitor, session, channel, [(minute, type)]); q = 0.75.
THRESHOLD_Q = 0.75
_STAGES = (
    (1, 1, "web", [(0, "product_view"), (1, "add_to_cart"), (2, "checkout_start"), (4, "purchase")]),
    (1, 2, "web", [(0, "product_view"), (2, "add_to_cart"), (6, "checkout_start")]),
    (2, 1, "web", [(0, "product_view"), (2, "product_view"), (3, "add_to_cart")]),     # first view counts
    (2, 2, "web", [(0, "landing"), (1, "product_view"), (11, "add_to_cart")]),
    (3, 1, "web", [(0, "product_view"), (30, "help_view")]),                           # never goes on
    (4, 1, "app", [(0, "product_view"), (2, "add_to_cart"), (3, "checkout_start"), (3, "help_view")]),
    (4, 2, "app", [(0, "product_view"), (6, "add_to_cart"), (7, "add_to_cart")]),
    (5, 1, "app", [(0, "add_to_cart"), (5, "product_view")]),                          # cart before the view
    (5, 2, "app", [(0, "checkout_start"), (9, "checkout_start")]),                     # a failed payment
)


def example_stages() -> pd.DataFrame:
    """Worked example for exercise 4: events of nine sessions with a ``session`` column, rows
    shuffled. Use it with ``q = checks.THRESHOLD_Q``."""
    rows, i = [], 0
    for visitor, session, channel, events in _STAGES:
        start = T("2025-02-10 08:00") + pd.Timedelta(hours=2 * visitor + session)
        for minute, kind in events:
            i += 1
            rows.append((i, start + pd.Timedelta(minutes=minute), visitor, pd.NA, channel, "direct", kind, pd.NA,
                         session))
    frame = pd.DataFrame(rows, columns=_EVENT_COLUMNS + ["session"])
    frame = _dates(frame, ["event_at"])
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    frame["product_id"] = frame["product_id"].astype("Int64")
    return frame.sample(frac=1, random_state=3)


#: Exercise 5: (event_id, time, customer or None, type, product).
_CART_ROWS = (
    (1, "2025-05-01 10:00:00", 1, "add_to_cart", 10),
    (2, "2025-05-02 09:00:00", 1, "add_to_cart", 12),
    (3, "2025-05-02 11:00:00", 1, "purchase", 12),       # exactly 2 hours after cart 2
    (4, "2025-05-03 10:00:00", 2, "add_to_cart", 11),
    (5, "2025-05-03 12:00:01", 2, "purchase", 11),       # 2 hours and 1 second after cart 4
    (6, "2025-05-04 08:00:00", 2, "add_to_cart", 12),
    (7, "2025-05-04 08:30:00", 2, "purchase", 10),       # another product
    (8, "2025-05-05 09:59:00", 3, "purchase", 10),       # before cart 9
    (9, "2025-05-05 10:00:00", 3, "add_to_cart", 11),
    (10, "2025-05-05 10:20:00", 3, "product_view", 12),
    (11, "2025-05-06 10:00:00", 1, "add_to_cart", 11),
    (12, "2025-05-06 10:30:00", 2, "purchase", 11),      # another customer's purchase
    (13, "2025-05-07 10:00:00", None, "add_to_cart", 12),  # an anonymous visitor
)


def example_cart_events() -> pd.DataFrame:
    """Worked example for exercise 5: thirteen events of three customers and one anonymous visitor."""
    rows = [(e, T(t), 100 + (c or 9), c, "web", "direct", k, p) for e, t, c, k, p in _CART_ROWS]
    frame = pd.DataFrame(rows, columns=_EVENT_COLUMNS)
    frame = _dates(frame, ["event_at"])
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    frame["product_id"] = frame["product_id"].astype("Int64")
    return frame.sample(frac=1, random_state=2)


def example_rules() -> pd.DataFrame:
    """Worked example for exercise 5: two cart rules in the shape of ``journey_rules`` (a few columns)."""
    return pd.DataFrame({"rule_id": ["JR-A", "JR-B"], "trigger_event": ["add_to_cart", "add_to_cart"],
                         "wait_hours": [2.0, 1.0], "min_product_price": [np.nan, 800.0],
                         "promise_kind": ["stock", "callback"]})


def example_products() -> pd.DataFrame:
    """Worked example for exercise 5: three products and their list prices (USD)."""
    return pd.DataFrame({"product_id": [10, 11, 12], "category": ["kettle", "dishwasher", "refrigerator"],
                         "list_price": [500.0, 800.0, 1200.0]})


def example_customers() -> pd.DataFrame:
    """Worked example for exercise 5: three customers and their markets."""
    return pd.DataFrame({"customer_id": [1, 2, 3], "market": ["UK", "US-CA", "DE"]})


#: Exercise 6: stock at the end of each day, (date, product, centre, on_hand, committed).
_STOCK_ROWS = (
    ("2025-06-01", 11, "FC-UK", 2, 0), ("2025-06-02", 11, "FC-UK", 0, 0), ("2025-06-03", 11, "FC-UK", 0, 1),
    ("2025-06-01", 12, "FC-UK", 0, 0), ("2025-06-02", 12, "FC-UK", 5, 0), ("2025-06-03", 12, "FC-UK", 5, 2),
    ("2025-06-01", 11, "FC-EU", 1, 0), ("2025-06-02", 11, "FC-EU", 2, 1), ("2025-06-03", 11, "FC-EU", 3, 0),
    ("2025-06-01", 12, "FC-EU", 4, 1), ("2025-06-02", 12, "FC-EU", 0, 1), ("2025-06-03", 12, "FC-EU", 4, 1),
)
_CAPACITY_ROWS = (("2025-06-01", "callback", 3), ("2025-06-02", "callback", 2), ("2025-06-03", "callback", 1),
                  ("2025-06-01", "email", 100), ("2025-06-02", "email", 100), ("2025-06-03", "email", 100))
#: (event_id, product, centre, fires_at)
_TRIGGER_ROWS = (
    (21, 11, "FC-UK", "2025-06-02 09:00"), (22, 12, "FC-UK", "2025-06-02 10:00"),
    (23, 11, "FC-EU", "2025-06-02 10:00"), (24, 12, "FC-EU", "2025-06-02 11:00"),
    (25, 12, "FC-EU", "2025-06-03 08:00"), (26, 11, "FC-UK", "2025-06-03 09:00"),
    (27, 12, "FC-UK", "2025-06-03 09:30"), (28, 11, "FC-EU", "2025-06-03 07:00"),
)
#: The calls the check makes: (promise, min_units, capacity_channel).
REPLAY_CALLS = (("stock", None, None), ("stock", 1, None), ("stock", 2, None), ("callback", None, None),
                ("callback", None, "callback"), ("callback", 1, "callback"))


def example_stock() -> pd.DataFrame:
    """Worked example for exercise 6: three days of stock of two products at two centres."""
    frame = pd.DataFrame([(T(d), p, c, h, m, 0, 0) for d, p, c, h, m in _STOCK_ROWS],
                         columns=["date", "product_id", "fulfilment_centre", "on_hand", "committed", "inbound",
                                  "shipped"])
    return _dates(frame, ["date"]).sample(frac=1, random_state=4)


def example_capacity() -> pd.DataFrame:
    """Worked example for exercise 6: three days of callback and e-mail capacity."""
    frame = pd.DataFrame([(T(d), c, n) for d, c, n in _CAPACITY_ROWS], columns=["date", "channel", "capacity"])
    return _dates(frame, ["date"])


def example_triggers() -> pd.DataFrame:
    """Worked example for exercise 6: eight firings in the shape ``cart_triggers`` returns
    (two fire at the same instant), rows out of time order."""
    frame = pd.DataFrame([(e, 1, p, T(t), c) for e, p, c, t in _TRIGGER_ROWS],
                         columns=["event_id", "customer_id", "product_id", "fires_at", "fulfilment_centre"])
    frame = _dates(frame, ["fires_at"]).set_index("event_id")
    return frame.iloc[[3, 0, 7, 2, 5, 1, 6, 4]]


#: Exercise 7: (chat_id, customer, started_at, bot_outcome, queue, identity, order, issue).
_CHAT_ROWS = (
    (1, 1, "2025-03-01 10:00", "handed_to_agent", "logistics_desk", True, True, True),
    (2, 1, "2025-03-08 10:00", "resolved_by_bot", None, None, None, None),         # exactly 7 days later
    (3, 2, "2025-03-02 09:00", "handed_to_agent", "logistics_desk", True, False, True),
    (4, 2, "2025-03-09 09:00:01", "handed_to_agent", "billing_desk", False, False, False),  # 7 days + 1 s
    (5, 3, "2025-03-03 12:00", "handed_to_agent", "logistics_desk", True, True, False),
    (6, 3, "2025-03-05 12:00", "abandoned", None, None, None, None),
    (7, 4, "2025-03-04 15:00", "handed_to_agent", "billing_desk", False, False, True),
    (8, 4, "2025-03-06 15:00", "handed_to_agent", "billing_desk", True, False, True),
    (9, 5, "2025-03-05 08:00", "handed_to_agent", "returns_desk", False, False, False),
    (10, 5, "2025-03-04 08:00", "resolved_by_bot", None, None, None, None),        # before chat 9
    (11, 6, "2025-03-06 08:00", "handed_to_agent", "returns_desk", True, False, True),
)


def example_chats() -> pd.DataFrame:
    """Worked example for exercise 7: eleven chats of six customers, rows out of time order."""
    rows = []
    for chat, c, t, outcome, queue, ident, order, issue in _CHAT_ROWS:
        rows.append((chat, 1000 + chat, c, "web", T(t), "delivery_status", outcome,
                     T(t) + pd.Timedelta(minutes=2) if queue else pd.NaT, queue, ident, order, issue,
                     7.0 if queue else np.nan, True))
    frame = pd.DataFrame(rows, columns=["chat_id", "event_id", "customer_id", "channel", "started_at", "intent",
                                        "bot_outcome", "handed_off_at", "agent_queue", "repeated_identity",
                                        "repeated_order_number", "repeated_issue", "agent_handle_minutes",
                                        "resolved"])
    frame = _dates(frame, ["started_at", "handed_off_at"])
    for c in ("repeated_identity", "repeated_order_number", "repeated_issue"):
        frame[c] = frame[c].astype("boolean")
    frame["agent_queue"] = frame["agent_queue"].astype("str")
    return frame.sample(frac=1, random_state=6)


def _frame(ex: Exercise, answer, what: str, columns, nlevels: int, index_what: str) -> pd.DataFrame:
    expect_type(ex, answer, pd.DataFrame, what)
    expect_columns(ex, answer, list(columns))
    if answer.index.nlevels != nlevels:
        raise ex.fail(f"the result should be indexed by {index_what} ({nlevels} level"
                      f"{'s' if nlevels > 1 else ''}); its index has {answer.index.nlevels}. Use set_index.")
    return answer


# --------------------------------------------------------------------------------------------
# Exercise 1: sessions
# --------------------------------------------------------------------------------------------

#: The worked example's sessions, worked out by hand: {index label: session}.
_SESSIONS_EXPECTED = {10: 1, 20: 1, 30: 1, 40: 1, 50: 1, 60: 1, 70: 2, 80: 3, 90: 2, 100: 4, 110: 5, 120: 5}
_SESSION_MISTAKES = (
    ({10: 0, 30: 0}, "a visitor's first event did not open a session (numbers start at 0 or run on from "
                     "another visitor's last event). The first event of each visitor always opens a new "
                     "session: gaps are measured within one visitor only, never from another visitor's event."),
    ({50: 2, 60: 2}, "a gap of exactly 30 minutes started a new session. Only a gap of MORE than 30 minutes "
                     "does: use > SESSION_TIMEOUT, not >=."),
    ({100: 4, 110: 4}, "the event just after midnight stayed in the session of the evening before. A new "
                       "calendar day (UTC) always opens a new session: compare event_at.dt.normalize() "
                       "with the previous event's."),
    ({80: 2, 100: 3, 110: 4}, "the visitor who came back through an e-mail link stayed in the same session. A new "
                      "traffic source opens a new session: compare traffic_source with the previous event's."),
    ({10: 3, 30: 3}, "the session numbers run on from one visitor to the next. Number the sessions within "
                     "its visitor: 1 for each visitor's first session (a cumulative sum grouped by visitor_id)."),
)


def _check_sessionise(ex: Exercise, func) -> None:
    events = example_events()
    answer = call(ex, func, events.copy())
    if isinstance(answer, pd.DataFrame) and "session" in answer.columns:
        answer = answer["session"]
    expect_type(ex, answer, pd.Series, "a Series of session numbers aligned with events.index")
    if len(answer) != len(events):
        raise ex.fail(f"expected one session number per event ({len(events)} in the worked example); you "
                      f"returned {len(answer)}.")
    if set(answer.index) != set(events.index):
        raise ex.fail("the result is not aligned with events.index: return the numbers with the same index "
                      "labels as the events (sort a copy, then reindex(events.index) or sort_index()); do not "
                      "reset the index.")
    if answer.isna().any() or not pd.api.types.is_numeric_dtype(answer):
        raise ex.fail("every event needs a whole-number session (1, 2, 3 ...); some are missing or not numbers.")
    got = {int(k): int(v) for k, v in answer.items()}
    if got == _SESSIONS_EXPECTED:
        return
    for signature, message in _SESSION_MISTAKES:
        if all(got[k] == v for k, v in signature.items()):
            raise ex.fail(message)
    raise ex.fail("some session numbers are wrong. Sort by visitor_id, event_at and event_id; a new session "
                  "starts at a visitor's first event, after a gap of more than 30 minutes, on a new day, or "
                  "with a new traffic_source; number sessions 1, 2, 3 within each visitor.")


sessionise = Exercise(
    "1", "sessions", "Part 1, 'From clicks to sessions'",
    (
        "Work on a copy sorted by visitor_id, event_at and event_id; compare each event with the one "
        "just before it (shift()).",
        "An event opens a session when the visitor changes, the gap is > SESSION_TIMEOUT, the day "
        "(dt.normalize()) changes or the traffic_source changes: combine the four with |.",
        "Turn the True/False 'opens a session' column into numbers with a cumulative sum grouped by "
        "visitor_id, then reindex(events.index) so the result lines up with the events you were given.",
    ),
    _check_sessionise,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: funnel by channel
# --------------------------------------------------------------------------------------------

_FUNNEL_COLUMNS = ("sessions", "conversion", "drop_off")
#: The worked example's funnel, worked out by hand: (channel, step) -> (sessions, conversion, drop_off).
_FUNNEL_EXPECTED = _literal({
    ("app", "product_view"): (3, None, None), ("app", "add_to_cart"): (2, 2 / 3, 1 / 3),
    ("app", "checkout_start"): (3, 1.0, 0.0), ("app", "purchase"): (1, 1 / 3, 2 / 3),
    ("web", "product_view"): (3, None, None), ("web", "add_to_cart"): (2, 2 / 3, 1 / 3),
    ("web", "checkout_start"): (1, 0.5, 0.5), ("web", "purchase"): (1, 1.0, 0.0),
}, _FUNNEL_COLUMNS)
_FUNNEL_MISTAKES = (
    (_literal({("app", "checkout_start"): (3, 1.5, -0.5)}, _FUNNEL_COLUMNS),
     "a conversion above 1: you divided this step's sessions by the previous step's sessions. Conversion is "
     "the share of the sessions that reach the previous step which also reach this one (both steps in the "
     "same session, divided by the previous step's sessions)."),
    (_literal({("web", "checkout_start"): (1, 1 / 3, 2 / 3), ("web", "purchase"): (1, 1 / 3, 2 / 3)},
              _FUNNEL_COLUMNS),
     "the conversion is measured against product_view for every step. Measure each step against the "
     "previous step of STEPS."),
    ({(("app", "product_view"), "sessions"): 1},
     "sessions of different visitors were merged: a session is identified by visitor_id and session "
     "together (session numbers restart at 1 for every visitor)."),
    (_literal({("web", "product_view"): (4, None, None), ("web", "add_to_cart"): (3, 0.75, 0.25)},
              _FUNNEL_COLUMNS),
     "a session that starts exactly at `end` was counted: the window is [start, end), so the end is excluded."),
    (_literal({("web", "product_view"): (4, None, None)}, _FUNNEL_COLUMNS),
     "you counted events, not sessions: a session with two product views counts once."),
    (_literal({("web", "product_view"): (2, None, None)}, _FUNNEL_COLUMNS),
     "a session that starts exactly at `start` was left out: the window is [start, end), so the start is "
     "included."),
    (_literal({("web", "add_to_cart"): (3, 2 / 3, 1 / 3)}, _FUNNEL_COLUMNS),
     "part of a session that started before `start` was counted: keep or drop whole sessions, by the time "
     "of their first event, not single events by their own time."),
)


def _check_funnel(ex: Exercise, func) -> None:
    answer = call(ex, func, example_sessions(), FUNNEL_START, FUNNEL_END)
    answer = _frame(ex, answer, "a DataFrame indexed by (channel, step)", _FUNNEL_COLUMNS, 2, "(channel, step)")
    got = _cells(ex, answer, _FUNNEL_COLUMNS, "the (channel, step) index")
    if {k[0] for k in got} != {k[0] for k in _FUNNEL_EXPECTED}:
        channels_seen = {k[0][0] for k in got}
        for signature, message in _FUNNEL_MISTAKES[2:3]:
            if _agrees(got, signature):
                raise ex.fail(message)
        raise ex.fail("the rows are not one per channel and step: every channel among the window's sessions "
                      f"gets all four steps of STEPS (you have channels {sorted(map(str, channels_seen))} and "
                      f"{len(answer)} rows).")
    _diagnose(ex, got, _FUNNEL_EXPECTED, _FUNNEL_MISTAKES,
              "some numbers are wrong. Keep the sessions (visitor_id and session) whose first event is in "
              "[start, end); per channel, count the sessions with at least one event of each step; conversion "
              "is the share of sessions at the previous step that also reach this step.")


funnel = Exercise(
    "2", "funnel by channel", "Part 2, 'Where the funnel leaks'",
    (
        "Work per session first: one row per (visitor_id, session) with its start, its channel and, for "
        "each step, whether it has an event of that type.",
        "groupby(['visitor_id', 'session'])['event_at'].transform('min') gives every event its session's "
        "start; pd.crosstab of the session keys against event_type, > 0, says which steps each session "
        "reached.",
        "For step k: sessions = has[k].sum(); conversion = (has[k] & has[k-1]).sum() / has[k-1].sum(), "
        "per channel.",
    ),
    _check_funnel,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: top paths
# --------------------------------------------------------------------------------------------

#: The worked example's answer, worked out by hand, in order.
_PATHS_EXPECTED = (("landing > product_view > add_to_cart", 3),
                   ("landing > product_view > help_view > product_view", 3), ("landing", 2))
_PATHS_MISTAKES = (
    ((("landing", 2), ("landing > product_view > help_view > product_view", 2), ("landing > help_view > chat_start", 1)),
     "consecutive repeats are not collapsed: three product_views in a row count once in a path."),
    ((("landing > product_view > add_to_cart", 3), ("landing > product_view > help_view", 3), ("landing", 2)),
     "you removed every repeated event type, not only consecutive ones: product_view, help_view, "
     "product_view stays as it is (collapse only consecutive repeats)."),
    ((("landing > product_view > help_view > product_view", 3), ("landing > product_view > add_to_cart", 3),
      ("landing > product_view", 2)),
     "ties are in the wrong order: paths with the same number of sessions go in alphabetical order of "
     "path (sort by sessions descending, then path ascending), and that order decides the top n."),
    ((("landing", 2), ("landing > add_to_cart > product_view", 2), ("help_view > chat_start > landing", 1)),
     "the events are not in time order within a session: sort by event_at (then event_id) before "
     "building the paths; rows of `events` come in any order."),
)


def _check_top_paths(ex: Exercise, func) -> None:
    answer = call(ex, func, example_paths(), PATHS_N)
    if isinstance(answer, pd.DataFrame) and "sessions" in answer.columns:
        answer = answer["sessions"]
    expect_type(ex, answer, pd.Series, "a Series named 'sessions' indexed by path")
    try:
        got = tuple((str(k), int(v)) for k, v in answer.items())
    except (TypeError, ValueError):
        raise ex.fail("the values should be whole numbers of sessions, indexed by the path text.") from None
    if got == _PATHS_EXPECTED:
        return
    for wrong, message in _PATHS_MISTAKES:
        if got == wrong:
            raise ex.fail(message)
    if len(got) != PATHS_N:
        raise ex.fail(f"expected the top n = {PATHS_N} paths in the worked example; you returned {len(got)}.")
    if sorted(got) == sorted(_PATHS_EXPECTED):
        raise ex.fail("the right paths, in the wrong order: sort by sessions (largest first), ties by path.")
    raise ex.fail("some paths or counts are wrong. Per (visitor_id, session): event types in time order, "
                  "consecutive repeats dropped, joined with ' > '; then count sessions per path.")


top_paths = Exercise(
    "3", "top paths", "Part 2, 'Where the funnel leaks'",
    (
        "Sort by visitor_id, session, event_at and event_id; drop an event when it has the same type as the "
        "event just before it in the same session.",
        "groupby(['visitor_id', 'session'])['event_type'].agg(' > '.join) gives one path per session (on "
        "the full table, adding ' > ' to each type and summing per session is much faster); value_counts() "
        "counts them.",
        "Sort the counts by sessions descending and path ascending (sort_values with two keys), then head(n).",
    ),
    _check_top_paths,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: stalled-stage thresholds
# --------------------------------------------------------------------------------------------

_STAGE_COLUMNS = ("sessions", "median_minutes", "threshold_minutes")
#: The worked example's thresholds (q = 0.75), worked out by hand.
_STAGES_EXPECTED = _literal({
    ("app", "product_view"): (2, 4.0, 5.0), ("web", "product_view"): (4, 2.5, 4.75),
    ("app", "add_to_cart"): (1, 1.0, 1.0), ("web", "add_to_cart"): (2, 2.5, 3.25),
    ("web", "checkout_start"): (1, 2.0, 2.0),
}, _STAGE_COLUMNS)
_STAGE_MISTAKES = (
    (_literal({("web", "product_view"): (4, 1.5, 4.0)}, _STAGE_COLUMNS),
     "time in stage is measured from the stage's LAST event: measure from the session's first event of the "
     "stage to its first event of the next step."),
    (_literal({("app", "product_view"): (3, 2.0, 4.0)}, _STAGE_COLUMNS),
     "a session whose next step came before the stage (a cart before any product view) was kept: only "
     "sessions where the next step's first event is at or after the stage's first event count."),
    (_literal({("web", "product_view"): (4, 2.5, 10.0)}, _STAGE_COLUMNS),
     "the threshold is not the linear interpolation quantile: use Series.quantile(q) with its default "
     "(linear interpolation), not 'higher', 'nearest' or 'lower'."),
    (_literal({("web", "product_view"): (4, 2.5, 2.5)}, _STAGE_COLUMNS),
     "threshold_minutes is the median: it should be the q quantile (Series.quantile(q))."),
)


def _check_stage_thresholds(ex: Exercise, func) -> None:
    answer = call(ex, func, example_stages(), THRESHOLD_Q)
    answer = _frame(ex, answer, "a DataFrame indexed by (channel, stage)", _STAGE_COLUMNS, 2, "(channel, stage)")
    got = _cells(ex, answer, _STAGE_COLUMNS, "the (channel, stage) index")
    labels = {k[0] for k in got}
    want = {k[0] for k in _STAGES_EXPECTED}
    if labels != want:
        if (("app", "checkout_start")) in labels:
            raise ex.fail("there is a row for a channel and stage where no session goes on to the next step: "
                          "leave it out (only sessions that reach the next step are in the distribution).")
        if any(s == "purchase" for _, s in labels):
            raise ex.fail("purchase is the last step, not a stage: stages are the first three steps of STEPS.")
        raise ex.fail("the rows are not one per channel and stage with at least one session that goes on.")
    _diagnose(ex, got, _STAGES_EXPECTED, _STAGE_MISTAKES,
              "some numbers are wrong. Per session: the first event of each step; the minutes from a stage's "
              "first event to the next step's first event (when it is at or after it); then per channel and "
              "stage the count, the median and Series.quantile(q).")


stage_thresholds = Exercise(
    "4", "stalled-stage thresholds", "Part 3, 'When is a customer stuck?'",
    (
        "First get, per (visitor_id, session), the time of the first event of each step (groupby, min, "
        "unstack).",
        "For each stage and its next step: (first[next] - first[stage]).dt.total_seconds() / 60, dropping "
        "missing and negative values.",
        "Group those minutes by the session's channel: size(), median() and quantile(q).",
    ),
    _check_stage_thresholds,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: cart triggers
# --------------------------------------------------------------------------------------------

_TRIGGER_COLUMNS = ("customer_id", "product_id", "fires_at", "fulfilment_centre")
#: The worked example's firings per rule, worked out by hand: event_id -> (customer, product, fires_at, centre).
_TRIGGERS_EXPECTED = {
    "JR-A": {1: (1, 10, T("2025-05-01 12:00"), "FC-UK"), 4: (2, 11, T("2025-05-03 12:00"), "FC-USW"),
             9: (3, 11, T("2025-05-05 12:00"), "FC-EU"), 11: (1, 11, T("2025-05-06 12:00"), "FC-UK")},
    "JR-B": {2: (1, 12, T("2025-05-02 10:00"), "FC-UK"), 4: (2, 11, T("2025-05-03 11:00"), "FC-USW"),
             9: (3, 11, T("2025-05-05 11:00"), "FC-EU"), 11: (1, 11, T("2025-05-06 11:00"), "FC-UK")},
}
#: The event ids each mistake fires for, per rule.
_TRIGGER_MISTAKES = (
    ({"JR-A": {1, 2, 4, 9, 11}}, "a purchase exactly wait_hours after the cart did not stop the rule: a purchase "
                                 "up to AND including event_at + wait_hours stops it (<=, not <)."),
    ({"JR-A": {1, 4, 11}}, "a purchase before the cart stopped the rule: only purchases at or after the cart's "
                           "event_at (and within wait_hours) count."),
    ({"JR-B": {2}}, "a product priced exactly at min_product_price was left out: the price must be at least the "
                    "floor (>=)."),
    ({"JR-A": {1, 4, 9}}, "another customer's purchase stopped the rule: only a purchase by the same customer "
                          "counts."),
)


def _check_cart_triggers(ex: Exercise, func) -> None:
    for rule_id, want in _TRIGGERS_EXPECTED.items():
        answer = call(ex, func, example_cart_events(), example_rules(), rule_id, example_products(),
                      example_customers())
        if isinstance(answer, pd.DataFrame) and "event_id" in answer.columns and answer.index.name != "event_id":
            answer = answer.set_index("event_id")
        answer = _frame(ex, answer, "a DataFrame indexed by event_id", _TRIGGER_COLUMNS, 1, "event_id")
        try:
            fired = {int(k) for k in answer.index}
        except (TypeError, ValueError):
            raise ex.fail("the index should hold the event_id of the cart events.") from None
        if fired != set(want):
            for signature, message in _TRIGGER_MISTAKES:
                if fired == signature.get(rule_id):
                    raise ex.fail(message)
            if 13 in fired:
                raise ex.fail("an anonymous visitor's cart fired the rule: only known customers (customer_id "
                              "filled) can be contacted.")
            raise ex.fail(f"rule {rule_id} fires for the wrong carts. It fires for a known customer's "
                          "add_to_cart (price at least the floor, if any) with no purchase by that customer "
                          "from the cart's time up to and including wait_hours later.")
        got = _cells(ex, answer, _TRIGGER_COLUMNS, "event_id")
        expected = _literal(want, _TRIGGER_COLUMNS)
        if any(got[k] != v for k, v in expected.items() if k[1] == "fires_at"):
            raise ex.fail("fires_at is wrong: the rule acts wait_hours after the cart (event_at + "
                          "pd.Timedelta(hours=wait_hours)).")
        if any(got[k] != v for k, v in expected.items() if k[1] == "fulfilment_centre"):
            raise ex.fail("fulfilment_centre is wrong: it is the centre of the customer's market "
                          "(CENTRE_OF_MARKET[market]).")
        if got != expected:
            raise ex.fail("customer_id or product_id is wrong: they are the cart event's customer and product.")


cart_triggers = Exercise(
    "5", "when a cart rule fires", "Part 4, 'Triggers that operations can keep'",
    (
        "Take the rule's row with rules.set_index('rule_id').loc[rule_id]; its wait is "
        "pd.Timedelta(hours=wait_hours). Keep known customers' cart events (and the price floor when the "
        "rule has one).",
        "For each cart you need the same customer's first purchase at or after the cart: "
        "pd.merge_asof(carts, purchases, by='customer_id', direction='forward') finds it (both sorted by time).",
        "The rule fires unless that purchase is within the wait: keep rows where NOT (bought_at - event_at "
        "<= wait) (a missing purchase counts as 'not within').",
    ),
    _check_cart_triggers,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: replay
# --------------------------------------------------------------------------------------------

_S, _SS, _SC = "sent", "suppressed_stock", "suppressed_capacity"
_IDS = (21, 22, 23, 24, 25, 26, 27, 28)
#: The worked example's replays, worked out by hand: call -> (outcome per event 21..28, broken ids).
_REPLAY_EXPECTED = {
    ("stock", None, None): ((_S,) * 8, {21, 24, 26}),
    ("stock", 1, None): ((_S, _SS, _S, _S, _SS, _SS, _S, _S), {21, 24}),
    ("stock", 2, None): ((_S, _SS, _SS, _S, _SS, _SS, _S, _SS), {21, 24}),
    ("callback", None, None): ((_S,) * 8, {23, 24, 25, 26, 27}),
    ("callback", None, "callback"): ((_S, _S, _SC, _SC, _SC, _SC, _SC, _S), set()),
    ("callback", 1, "callback"): ((_S, _SS, _S, _SC, _SS, _SS, _SC, _S), set()),
}
_REPLAY_MISTAKES = (
    (("stock", 1, None), (_SS, _S, _S, _SS, _S, _SS, _S, _S), None,
     "the stock gate read the stock at the end of the firing day. The rule can only know the stock at the "
     "end of the DAY BEFORE it fires (date + 1 day = firing day)."),
    (("stock", None, None), None, {22, 25, 26},
     "broken promises were judged on the day before's stock. A stock promise is broken when fewer than 1 unit "
     "is available at the end of the firing day itself."),
    (("stock", 1, None), (_S, _SS, _SS, _S, _SS, _SS, _S, _SS), None,
     "the stock gate suppressed a contact with exactly min_units available: suppress only when the units "
     "available are below min_units (<, not <=)."),
    (("callback", 1, "callback"), (_S, _SS, _SC, _SC, _SC, _SC, _SC, _S), None,
     "contacts suppressed by the stock gate used up capacity: count only the firings that pass the stock gate "
     "against the day's capacity."),
    (("callback", 1, "callback"), None, {23},
     "a callback was counted as broken although it was within capacity: count only the day's sent callbacks, "
     "in firing order."),
    (("callback", None, None), None, {22, 24, 25, 26, 27},
     "two firings at the same instant were taken in the wrong order: ties of fires_at go by event_id, "
     "smallest first."),
)


def _check_replay(ex: Exercise, func) -> None:
    results = {}
    for args in _REPLAY_EXPECTED:
        answer = call(ex, func, example_triggers(), example_stock(), example_capacity(), *args)
        if isinstance(answer, pd.DataFrame) and "event_id" in answer.columns and answer.index.name != "event_id":
            answer = answer.set_index("event_id")
        answer = _frame(ex, answer, "a DataFrame indexed by event_id", ("outcome", "broken"), 1, "event_id")
        try:
            got = {int(k): (str(o), bool(b)) for k, o, b in zip(answer.index, answer["outcome"], answer["broken"],
                                                                  strict=True)}
        except (TypeError, ValueError):
            raise ex.fail("outcome should hold text and broken True/False, one row per trigger.") from None
        if set(got) != set(_IDS):
            raise ex.fail("expected one row per trigger, indexed by event_id (the index of `triggers`).")
        results[args] = (tuple(got[i][0] for i in _IDS), {i for i in _IDS if got[i][1]})
    for args, outcomes, broken, message in _REPLAY_MISTAKES:
        o, b = results[args]
        if (outcomes is None or o == outcomes) and (broken is None or b == broken) and results[args] != \
                _REPLAY_EXPECTED[args]:
            raise ex.fail(message)
    for args, (outcomes, broken) in _REPLAY_EXPECTED.items():
        o, b = results[args]
        promise, units, channel = args
        if any(x != _S and i in b for x, i in zip(o, _IDS, strict=True)):
            raise ex.fail("a suppressed contact is marked broken: only sent contacts can break a promise.")
        if o != outcomes:
            raise ex.fail(f"the outcomes are wrong for promise={promise!r}, min_units={units}, "
                          f"capacity_channel={channel!r}. Stock gate first (stock at the end of the day before), "
                          "then the capacity gate over the firings that passed it, in firing order.")
        if b != broken:
            raise ex.fail(f"the broken promises are wrong for promise={promise!r}, min_units={units}, "
                          f"capacity_channel={channel!r}. Stock: fewer than 1 unit available at the end of the "
                          "firing day; callback: a sent callback beyond the day's callback capacity.")


replay = Exercise(
    "6", "replaying the rules", "Part 4, 'Triggers that operations can keep'",
    (
        "Sort the triggers by fires_at and event_id and add the firing day (fires_at.dt.normalize()). Units "
        "available are on_hand - committed; look them up by (date, product_id, fulfilment_centre) for the "
        "day before and for the firing day.",
        "Gates in order: outcome = 'suppressed_stock' where the day before's units < min_units; then, among "
        "the rows still 'sent', a running count per day (cumsum of a 0/1 column grouped by day) against the "
        "day's capacity on capacity_channel.",
        "broken: for 'stock', sent & (firing day's units < 1); for 'callback', a running count of the SENT "
        "rows per day above the day's 'callback' capacity.",
    ),
    _check_replay,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: handoff breakpoints
# --------------------------------------------------------------------------------------------

_HANDOFF_COLUMNS = ("handoffs", "repeated_identity", "repeated_order_number", "repeated_issue", "lost_context",
                    "chat_again_7d")
#: The worked example's answer, worked out by hand, in order.
_HANDOFF_EXPECTED = {
    "logistics_desk": (3, 1.0, 2 / 3, 2 / 3, 2 / 3, 2 / 3),
    "returns_desk": (2, 0.5, 0.0, 0.5, 0.5, 0.0),
    "billing_desk": (3, 1 / 3, 0.0, 2 / 3, 1 / 3, 1 / 3),
}
_HANDOFF_MISTAKES = (
    (_literal({"logistics_desk": (3, 1.0, 2 / 3, 2 / 3, 2 / 3, 0.0)}, _HANDOFF_COLUMNS),
     "the next chat was looked for among handoffs only: any next chat of the customer counts, also one the "
     "bot solved or the customer abandoned."),
    (_literal({"logistics_desk": (3, 1.0, 2 / 3, 2 / 3, 2 / 3, 1 / 3)}, _HANDOFF_COLUMNS),
     "a next chat exactly 7 days later was not counted: 'within 7 days' includes exactly 7 days (<=)."),
    (_literal({"logistics_desk": (3, 1.0, 2 / 3, 2 / 3, 1.0, 2 / 3)}, _HANDOFF_COLUMNS),
     "lost_context counts customers who repeated who they are OR the issue: it needs both (&)."),
)


def _check_handoff(ex: Exercise, func) -> None:
    answer = call(ex, func, example_chats())
    answer = _frame(ex, answer, "a DataFrame indexed by agent_queue", _HANDOFF_COLUMNS, 1, "agent_queue")
    if {str(k) for k in answer.index} != set(_HANDOFF_EXPECTED):
        raise ex.fail("the rows should be the agent queues of the handed-off chats, one each (leave out chats "
                      "the bot solved or the customer abandoned).")
    got = _cells(ex, answer, _HANDOFF_COLUMNS, "agent_queue")
    _diagnose(ex, got, _literal(_HANDOFF_EXPECTED, _HANDOFF_COLUMNS), _HANDOFF_MISTAKES,
              "some numbers are wrong. Find each chat's next chat of the same customer (sort by customer_id, "
              "started_at, chat_id; shift(-1) within the customer) first, on ALL chats; then keep the handoffs "
              "and average the flags per agent_queue.")
    if [str(k) for k in answer.index] != list(_HANDOFF_EXPECTED):
        raise ex.fail("the numbers are right but the rows are not sorted by lost_context, largest first "
                      "(ties by agent_queue).")


handoff_breakpoints = Exercise(
    "7", "handoff breakpoints", "Part 5, 'When the bot hands over'",
    (
        "The 7-day follow-up needs every chat, not only handoffs: work it out before you filter.",
        "Sort by customer_id, started_at and chat_id; groupby('customer_id')['started_at'].shift(-1) is each "
        "chat's next chat; compare the difference with pd.Timedelta(days=7) using <=.",
        "Keep bot_outcome == 'handed_to_agent', add lost_context = repeated_identity & repeated_issue, then "
        "groupby('agent_queue').agg(...) with 'size' and 'mean', and sort.",
    ),
    _check_handoff,
)
