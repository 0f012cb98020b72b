"""Common wrong answers for Lab 05 (Journeys and orchestration that operations can keep).

Each source replaces a whole answer cell of ``solutions/lab05/lab05_journeys.ipynb``; the
exercise's test cell must then fail in the grader, and the visible check's message must contain
``visible`` (``None``: only the grader catches it).
"""

from . import Mistake

_SESSIONISE = '''
def sessionise(events):
    e = events.sort_values(SORT)
    new = (FIRST
           | (e["event_at"].diff() GAP SESSION_TIMEOUT)
           | e["event_at"].dt.normalize().ne(e["event_at"].shift().dt.normalize())
           | e["traffic_source"].ne(e["traffic_source"].shift()))
    session = new.astype(int).groupby(BY).cumsum()
    return RESULT
'''


def _sessionise(sort='["visitor_id", "event_at", "event_id"]', first='e["visitor_id"].ne(e["visitor_id"].shift())',
                gap=">", by='e["visitor_id"]', result='session.reindex(events.index).rename("session")',
                drop=None) -> str:
    src = (_SESSIONISE.replace("SORT", sort).replace("FIRST", first).replace("GAP", gap).replace("BY", by)
           .replace("RESULT", result))
    if drop:
        src = src.replace(drop, "")
    return src


_FUNNEL = '''
def funnel(events, start, end):
    key = KEY
    first = events.groupby(key)["event_at"].transform("min")
    e = events[WINDOW]
    channel = e.groupby(key)["channel"].first()
    has = (pd.crosstab([e[k] for k in key], e["event_type"])
           .reindex(index=channel.index, columns=list(STEPS), fill_value=0) > 0)
    counts = (pd.crosstab([e[k] for k in key], e["event_type"])
              .reindex(index=channel.index, columns=list(STEPS), fill_value=0))
    rows = {}
    for ch, h in has.groupby(channel):
        for i, step in enumerate(STEPS):
            if i == 0:
                conversion = np.nan
            else:
                before = h[STEPS[i - 1]]
                conversion = CONVERSION
            rows[(ch, step)] = (SESSIONS, conversion)
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["sessions", "conversion"])
    out.index = pd.MultiIndex.from_tuples(out.index, names=["channel", "step"])
    out["drop_off"] = 1 - out["conversion"]
    return out
'''


def _funnel(key='["visitor_id", "session"]', window='(first >= start) & (first < end)',
            conversion='(h[step] & before).sum() / before.sum() if before.any() else np.nan',
            sessions='int(h[step].sum())') -> str:
    return (_FUNNEL.replace("KEY", key).replace("WINDOW", window).replace("CONVERSION", conversion)
            .replace("SESSIONS", sessions))


_PATHS = '''
def top_paths(events, n):
    e = events.sort_values(SORT)
    repeat = (e["event_type"].eq(e["event_type"].shift()) & e["visitor_id"].eq(e["visitor_id"].shift())
              & e["session"].eq(e["session"].shift()))
    kept = e[KEEP]
    paths = kept.groupby(["visitor_id", "session"])["event_type"].agg(JOIN)
    counts = paths.value_counts().rename_axis("path").rename("sessions").reset_index()
    counts = counts.sort_values(["sessions", "path"], ascending=ASC).head(n)
    return counts.set_index("path")["sessions"]
'''


def _paths(sort='["visitor_id", "session", "event_at", "event_id"]', keep="~repeat", join='" > ".join',
           asc="[False, True]") -> str:
    return _PATHS.replace("SORT", sort).replace("KEEP", keep).replace("JOIN", join).replace("ASC", asc)


_STAGES = '''
def stage_thresholds(events, q):
    key = ["visitor_id", "session"]
    steps = events[events["event_type"].isin(STEPS)]
    first = (steps.groupby(key + ["event_type"])["event_at"].AGG().unstack()
             .reindex(columns=list(STEPS)))
    channel = events.groupby(key)["channel"].first()
    rows = {}
    for stage, nxt in zip(STEPS[:-1], STEPS[1:]):
        minutes = ((first[nxt] - first[stage]).dt.total_seconds() / 60).dropna()
        minutes = minutes[KEEP]
        for ch, m in minutes.groupby(channel.reindex(minutes.index)):
            rows[(ch, stage)] = (len(m), m.median(), QUANTILE)
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["sessions", "median_minutes", "threshold_minutes"])
    out.index = pd.MultiIndex.from_tuples(out.index, names=["channel", "stage"])
    return out
'''


def _stages(agg="min", keep="minutes >= 0", quantile="m.quantile(q)") -> str:
    return _STAGES.replace("AGG", agg).replace("KEEP", keep).replace("QUANTILE", quantile)


_TRIGGERS = '''
def cart_triggers(events, rules, rule_id, products, customers):
    rule = rules.set_index("rule_id").loc[rule_id]
    wait = pd.Timedelta(hours=float(rule["wait_hours"]))
    known = events[events["customer_id"].notna()]
    carts = known[known["event_type"] == rule["trigger_event"]]
    if pd.notna(rule["min_product_price"]):
        price = carts["product_id"].map(products.set_index("product_id")["list_price"])
        carts = carts[PRICE]
    buys = (known.loc[known["event_type"] == "purchase", ["customer_id", "event_at"]]
            .rename(columns={"event_at": "bought_at"}).sort_values("bought_at"))
    m = pd.merge_asof(carts[["event_id", "customer_id", "product_id", "event_at"]].sort_values("event_at"),
                      buys, left_on="event_at", right_on="bought_at", by="customer_id", direction=DIRECTION)
    m = m[~(WITHIN)]
    market = m["customer_id"].map(customers.set_index("customer_id")["market"])
    out = pd.DataFrame({"event_id": m["event_id"], "customer_id": m["customer_id"],
                        "product_id": m["product_id"], "fires_at": m["event_at"] + FIRES,
                        "fulfilment_centre": market.map(CENTRE_OF_MARKET)})
    return out.set_index("event_id").sort_index()
'''


def _triggers(price='price >= rule["min_product_price"]', direction='"forward"',
              within='(m["bought_at"] - m["event_at"]) <= wait', fires="wait") -> str:
    return (_TRIGGERS.replace("PRICE", price).replace("DIRECTION", direction).replace("WITHIN", within)
            .replace("FIRES", fires))


_REPLAY = '''
def replay(triggers, stock, capacity, promise, min_units=None, capacity_channel=None):
    t = triggers.rename_axis("event_id").reset_index().sort_values(ORDER)
    day = t["fires_at"].dt.normalize()
    available = (stock["on_hand"] - stock["committed"]).set_axis(
        pd.MultiIndex.from_frame(stock[["date", "product_id", "fulfilment_centre"]]))
    before = available.reindex(pd.MultiIndex.from_arrays(
        [day - pd.Timedelta(days=GATE_LAG), t["product_id"], t["fulfilment_centre"]])).to_numpy()
    after = available.reindex(pd.MultiIndex.from_arrays(
        [day - pd.Timedelta(days=BROKEN_LAG), t["product_id"], t["fulfilment_centre"]])).to_numpy()
    limit = capacity.set_index(["date", "channel"])["capacity"]
    outcome = pd.Series("sent", index=t.index)
    if min_units is not None:
        outcome[before STOCK_GATE min_units] = "suppressed_stock"
    if capacity_channel is not None:
        passing = PASSING
        nth = passing.astype(int).groupby(day).cumsum()
        room = limit.reindex(pd.MultiIndex.from_arrays([day, [capacity_channel] * len(t)])).to_numpy()
        outcome[passing & (nth > room)] = "suppressed_capacity"
    sent = outcome.eq("sent")
    if promise == "stock":
        broken = sent & (after < 1)
    else:
        nth_sent = COUNTED.astype(int).groupby(day).cumsum()
        room = limit.reindex(pd.MultiIndex.from_arrays([day, ["callback"] * len(t)])).to_numpy()
        broken = sent & (nth_sent CALLBACK_CMP room)
    out = pd.DataFrame({"outcome": outcome, "broken": broken}).set_index(t["event_id"])
    return out.sort_index()
'''


def _replay(order='["fires_at", "event_id"]', gate_lag="1", broken_lag="0", stock_gate="<",
            passing='outcome.eq("sent")', counted="sent", callback_cmp=">") -> str:
    return (_REPLAY.replace("ORDER", order).replace("GATE_LAG", gate_lag).replace("BROKEN_LAG", broken_lag)
            .replace("STOCK_GATE", stock_gate).replace("PASSING", passing).replace("COUNTED", counted)
            .replace("CALLBACK_CMP", callback_cmp))


_HANDOFF = '''
def handoff_breakpoints(chats):
    c = chats.sort_values(["customer_id", "started_at", "chat_id"])
    POOL
    nxt = c.groupby("customer_id")["started_at"].shift(-1)
    c = c.assign(chat_again_7d=(nxt - c["started_at"]) WINDOW pd.Timedelta(days=7))
    h = c[c["bot_outcome"] == "handed_to_agent"]
    h = h.assign(lost_context=LOST)
    for col in ("repeated_identity", "repeated_order_number", "repeated_issue"):
        h[col] = h[col].astype(bool)
    out = h.groupby("agent_queue").agg(
        handoffs=("chat_id", "size"), repeated_identity=("repeated_identity", "mean"),
        repeated_order_number=("repeated_order_number", "mean"), repeated_issue=("repeated_issue", "mean"),
        lost_context=("lost_context", "mean"), chat_again_7d=("chat_again_7d", "mean"))
    return RESULT
'''


def _handoff(pool="", window="<=",
             lost='h["repeated_identity"].astype(bool) & h["repeated_issue"].astype(bool)',
             result='out.reset_index().sort_values(["lost_context", "agent_queue"], ascending=[False, True])'
                    '.set_index("agent_queue")') -> str:
    return (_HANDOFF.replace("POOL", pool).replace("WINDOW", window).replace("LOST", lost)
            .replace("RESULT", result))


MISTAKES = {
    "ex1_answer": [
        Mistake("a gap of exactly 30 minutes starts a new session (>= instead of >)", _sessionise(gap=">="),
                visible="exactly 30 minutes"),
        Mistake("midnight ignored", _sessionise(),  # replaced below
                visible="midnight"),
        Mistake("a new traffic source ignored", _sessionise(),  # replaced below
                visible="traffic source"),
        Mistake("sessions numbered across all visitors (one running count)", _sessionise(by="np.zeros(len(e))"),
                visible="within its visitor"),
        Mistake("gaps measured across visitors (no new session at a new visitor)",
                _sessionise(first="False"), visible="another visitor"),
        Mistake("answer in sorted order with a new index (not aligned with events)",
                _sessionise(result='session.reset_index(drop=True).rename("session")'), visible="aligned"),
        Mistake("events ordered by event_at only (same-instant events in row order)",
                _sessionise(sort='["visitor_id", "event_at"]').replace(
                    "events.sort_values(", "events.sort_values(kind='stable', by="), visible=None),
    ],
    "ex2_answer": [
        Mistake("conversion as this step's sessions over the previous step's", _funnel(
            conversion="h[step].sum() / before.sum() if before.any() else np.nan"), visible="previous step's sessions"),
        Mistake("conversion against the first step (product_view) instead of the previous one", _funnel(
            conversion='(h[step] & h["product_view"]).sum() / h["product_view"].sum()'), visible="previous step"),
        Mistake("events counted instead of sessions", _funnel(sessions="int(counts.loc[h.index, step].sum())"),
                visible="events"),
        Mistake("sessions identified by the session number alone (visitors merged)", _funnel(key='["session"]'),
                visible="visitor_id and session"),
        Mistake("the window's end included", _funnel(window="(first >= start) & (first <= end)"),
                visible="end is excluded"),
        Mistake("the window's start excluded", _funnel(window="(first > start) & (first < end)"),
                visible="start is included"),
        Mistake("events filtered by time instead of sessions by their start",
                _funnel(window='(events["event_at"] >= start) & (events["event_at"] < end)'), visible=None),
    ],
    "ex3_answer": [
        Mistake("consecutive repeats not collapsed", _paths(keep="slice(None)"), visible="consecutive repeats"),
        Mistake("every repeat removed, not only consecutive ones", _paths(
            join='lambda s: " > ".join(dict.fromkeys(s))'), visible="only consecutive"),
        Mistake("ties ordered by path in reverse", _paths(asc="[False, False]"), visible="ties"),
        Mistake("events in row order, not time order", _paths(sort='["visitor_id", "session"]').replace(
            "events.sort_values(", "events.sort_values(kind='stable', by="), visible="time order"),
    ],
    "ex4_answer": [
        Mistake("time from the stage's last event instead of its first", _stages(agg="max"),
                visible="first event"),
        Mistake("sessions where the next step comes first kept (negative times)", _stages(keep="slice(None)"),
                visible="at or after"),
        Mistake("the quantile taken as the nearest higher value", _stages(
            quantile='m.quantile(q, interpolation="higher")'), visible="linear interpolation"),
        Mistake("the median reported as the threshold", _stages(quantile="m.median()"), visible="quantile"),
    ],
    "ex5_answer": [
        Mistake("a purchase exactly wait_hours later does not stop the rule (< instead of <=)",
                _triggers(within='(m["bought_at"] - m["event_at"]) < wait'), visible="exactly wait_hours"),
        Mistake("a purchase before the cart stops the rule", _triggers(direction='"nearest"',
                within='(m["bought_at"] - m["event_at"]).abs() <= wait'), visible="before the cart"),
        Mistake("the price floor applied with > instead of >=", _triggers(price='price > rule["min_product_price"]'),
                visible="at least"),
        Mistake("the rule acts at the cart's time (wait not added)", _triggers(fires="pd.Timedelta(0)"),
                visible="fires_at"),
        Mistake("any customer's purchase stops the rule", _TRIGGERS.replace(
            'by="customer_id", ', '').replace('known.loc[known["event_type"] == "purchase", ["customer_id", '
                                             '"event_at"]]', 'known.loc[known["event_type"] == "purchase", '
                                             '["event_at"]]').replace("PRICE", 'price >= rule["min_product_price"]')
                .replace("DIRECTION", '"forward"').replace("WITHIN", '(m["bought_at"] - m["event_at"]) <= wait')
                .replace("FIRES", "wait"), visible="same customer"),
    ],
    "ex6_answer": [
        Mistake("the stock gate reads the firing day's own stock", _replay(gate_lag="0"), visible="day before"),
        Mistake("broken promises judged on the day before's stock", _replay(broken_lag="1"),
                visible="end of the firing day"),
        Mistake("the stock gate lets through exactly min_units - 1 (<= instead of <)", _replay(stock_gate="<="),
                visible="below min_units"),
        Mistake("contacts suppressed by stock use up capacity", _replay(passing="pd.Series(True, index=t.index)"),
                visible="pass the stock gate"),
        Mistake("callbacks beyond capacity counted over every firing, sent or not", _replay(
            counted="pd.Series(True, index=t.index)"), visible="sent callbacks"),
        Mistake("same-instant firings ordered against event_id", _replay(order='["fires_at", "event_id"], '
                                                                        'ascending=[True, False]'), visible=None),
    ],
    "ex7_answer": [
        Mistake("next chat searched among handoffs only", _handoff(
            pool='c = c[c["bot_outcome"] == "handed_to_agent"]'), visible="any next chat"),
        Mistake("a next chat exactly 7 days later not counted (< instead of <=)", _handoff(window="<"),
                visible="exactly 7 days"),
        Mistake("lost context as identity OR issue repeated", _handoff(
            lost='h["repeated_identity"].astype(bool) | h["repeated_issue"].astype(bool)'), visible="both"),
        Mistake("not sorted by lost_context", _handoff(result="out"), visible="sorted"),
    ],
}

# Two mistakes remove a clause of the rule (easier to write by deleting a line).
MISTAKES["ex1_answer"][1] = Mistake(
    "midnight ignored", _sessionise(drop='           | e["event_at"].dt.normalize().ne(e["event_at"].shift().dt.normalize())\n'),
    visible="midnight")
MISTAKES["ex1_answer"][2] = Mistake(
    "a new traffic source ignored",
    _sessionise(drop='\n           | e["traffic_source"].ne(e["traffic_source"].shift())').replace(
        "shift().dt.normalize())\n", "shift().dt.normalize()))\n"),
    visible="traffic source")
