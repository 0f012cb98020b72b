"""Graded references for Lab 10, *Personalisation within operational limits* (instructor-only).

Each exercise's cases run the learner's function on the full tables of each world (rows
shuffled, as exports come) and on hand-made records at the rules' edges: a cell of exactly
the minimum audience and one short of it; stock exactly at the floor, stock that only the day
before or only the send day has; a hold placed or lifted on the send day; contacts at the
window's start and at the send's own instant, in the other channel; expected redemptions equal
to the stock; a discount of exactly the cap; cells with no control customer; ties in the
ranking; redemptions of offers without a forecast. The references are computed here, by a
different route from the solution notebook (dictionaries and loops where the notebook merges).

The company's rules the references apply are stated once, in the "rules" block below.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_type, labels, values_match

# =================================================================================================
# The rules (our policy; lab 04's consent rules for the context), in one place
# =================================================================================================

CENTRE_OF_MARKET = {"UK": "FC-UK", "DE": "FC-EU", "FR": "FC-EU", "NL": "FC-EU",
                    "US-CA": "FC-USW", "US-NY": "FC-USE", "US-TX": "FC-USC"}
SEND_HOUR = pd.Timedelta(hours=9)
RULE_ORDER = ("stock", "hold", "region", "consent", "cap")
ELIGIBLE = "eligible"
#: Consent with no decision on record (lab 04): nobody under the GDPR; nobody for marketing texts.
OPT_IN_REGIMES = frozenset({"GDPR"})
OPT_IN_PURPOSES = frozenset({"marketing_sms"})
TIER_LEVELS = [("micro-segment", ["segment", "market", "acquisition_channel"]),
               ("segment x market", ["segment", "market"]), ("segment", ["segment"]), ("mass", [])]
MIN_AUDIENCE = 200
NO_TIER = "none"
MAX_DISCOUNT, MIN_MARGIN = 0.30, 0.10
UPLIFT_FEATURES = ["recency", "late_delivery", "recent_ticket"]
PERSONALISATION_COST = 1500.0
#: Never decide at an exact float boundary: rows this close to a threshold are not judged.
EDGE = 1e-6
DAY = pd.Timedelta(days=1)
T = pd.Timestamp


def _dt(frame: pd.DataFrame, columns) -> pd.DataFrame:
    for c in columns:
        frame[c] = pd.to_datetime(frame[c], format="mixed").astype("datetime64[us]")
    return frame


def _indexed_like(answer, reference: pd.DataFrame, what: str) -> pd.DataFrame:
    """The answer as a DataFrame; a plain index with the key as a column is named in the message."""
    frame = expect_type(answer, pd.DataFrame, what)
    keys = list(reference.index.names)
    if frame.index.nlevels != len(keys) and all(k in frame.columns for k in keys):
        raise Fail(f"the result should be indexed by {', '.join(keys)}; it has them as columns")
    return frame


# =================================================================================================
# Exercise 1: personalisation tiers
# =================================================================================================

def _tiers_ref(audience: pd.DataFrame, levels, min_audience: int) -> pd.DataFrame:
    needed = ["customer_id", *sorted({c for _, cols in levels for c in cols})]
    rows = [dict(zip(needed, r, strict=True)) for r in zip(*[audience[c].tolist() for c in needed], strict=True)]
    counts = [Counter(tuple(r[c] for c in cols) for r in rows) for _, cols in levels]
    out = {}
    for r in rows:
        tier, size = NO_TIER, len(rows)
        for (name, cols), count in zip(levels, counts, strict=True):
            n = count[tuple(r[c] for c in cols)]
            if n >= min_audience:
                tier, size = name, n
                break
        out[int(r["customer_id"])] = (tier, size)
    frame = pd.DataFrame.from_dict(out, orient="index", columns=["tier", "cell_size"])
    frame.index.name = "customer_id"
    return frame


def _check_tiers(ref: pd.DataFrame):
    def check(answer):
        frame = _indexed_like(answer, ref, "a DataFrame indexed by customer_id with tier and cell_size")
        try:
            expect_frame(frame, ref, columns=["tier"], index_name="the index (customer_id)")
        except Fail as exc:
            if "tier" in str(exc):
                raise Fail(f"{exc}: each customer gets the FINEST level whose own cell has at least min_audience "
                           "customers (>=), falling back level by level; 'none' only if no level qualifies") from None
            raise
        expect_frame(frame, ref, columns=["cell_size"], index_name="the index (customer_id)")
    return check


def _tiers_world(world):
    customers = world.load("customers")
    consumers = customers[customers["segment"] != "business"]
    holdout = world.load("offer_holdout")[["customer_id"]].merge(consumers, on="customer_id")
    return [Case(f"the consumers of customers (rows shuffled), TIER_LEVELS, min_audience = {m}",
                 (consumers.sample(frac=1, random_state=10 + m), TIER_LEVELS, m),
                 _check_tiers(_tiers_ref(consumers, TIER_LEVELS, m)))
            for m in (MIN_AUDIENCE, 120)] + [
        Case("the consumers of the autumn holdout's audience, TIER_LEVELS, min_audience = 200",
             (holdout, TIER_LEVELS, MIN_AUDIENCE), _check_tiers(_tiers_ref(holdout, TIER_LEVELS, MIN_AUDIENCE)))]


def _tiers_fixed():
    # cells of exactly k (3) and k - 1 at each level; a segment that qualifies though one of its cells
    # does not; a segment too small at every level but mass; a single-column first level
    rows = [(1, "a", "UK", "x"), (2, "a", "UK", "x"), (3, "a", "UK", "y"),      # a/UK: 3 = k
            (4, "a", "DE", "x"), (5, "a", "DE", "x"),                           # a/DE: 2 -> segment a (5)
            (6, "b", "UK", "x"), (7, "b", "UK", "y"),                           # b: 2 -> mass
            (8, "c", "DE", "x"), (9, "c", "DE", "x"), (10, "c", "DE", "x"),     # c/DE/x: 3 micro
            (11, "c", "DE", "y"), (12, "c", "UK", "y"), (13, "c", "FR", "z")]   # c/DE: 4; c: 6
    audience = pd.DataFrame(rows, columns=["customer_id", "segment", "market", "acquisition_channel"])
    audience = audience.sample(frac=1, random_state=3).reset_index(drop=True)
    levels = [("micro", ["segment", "market", "acquisition_channel"]), ("seg-market", ["segment", "market"]),
              ("seg", ["segment"]), ("all", [])]
    tiny = audience.head(4)
    return [Case("a hand-made audience of 13 with min_audience = 3: cells of exactly 3 and of 2 at every level",
                 (audience, levels, 3), _check_tiers(_tiers_ref(audience, levels, 3))),
            Case("the same audience with min_audience = 4 and a level list without 'mass'",
                 (audience, levels[:3], 4), _check_tiers(_tiers_ref(audience, levels[:3], 4))),
            Case("an audience of 4 customers with min_audience = 5 (no level qualifies)",
                 (tiny, levels, 5), _check_tiers(_tiers_ref(tiny, levels, 5)))]


# =================================================================================================
# Exercise 2: the eligibility engine
# =================================================================================================

def _consented(candidates: pd.DataFrame, consent_events: pd.DataFrame) -> np.ndarray:
    """Lab 04's rule, by dictionaries: the latest decision at or before the send; withdraw wins a tie."""
    want = set(zip(candidates["customer_id"].tolist(), candidates["purpose"].tolist(), strict=True))
    history = defaultdict(list)
    times = consent_events["event_at"].to_numpy().astype("datetime64[us]").astype(np.int64).tolist()
    for c, p, a, t in zip(*_cols(consent_events, "customer_id", "purpose", "action"), times, strict=True):
        if (c, p) in want:
            history[(c, p)].append((t, a == "withdraw"))
    for v in history.values():
        v.sort()
    at = candidates["sent_at"].to_numpy().astype("datetime64[us]").astype(np.int64).tolist()
    memo: dict = {}
    out = []
    for c, p, t, regime in zip(*_cols(candidates, "customer_id", "purpose"), at,
                               candidates["privacy_regime"].tolist(), strict=True):
        key = (c, p, t)
        if key not in memo:
            seen = [e for e in history.get((c, p), []) if e[0] <= t]
            if seen:
                last = seen[-1][0]
                memo[key] = not any(w for s, w in seen if s == last)
            else:
                memo[key] = regime not in OPT_IN_REGIMES and p not in OPT_IN_PURPOSES
        out.append(memo[key])
    return np.array(out, dtype=bool)


def _context(world) -> pd.DataFrame:
    c = world.load("offer_candidates")
    o = world.load("offers").set_index("offer_id")
    p = world.load("products").set_index("product_id")
    cu = world.load("customers").set_index("customer_id")
    purpose = world.load("contact_policies").set_index("channel")["consent_purpose"]
    c = c.assign(channel=c["offer_id"].map(o["channel"]), send_date=c["offer_id"].map(o["send_date"]),
                 product_id=c["offer_id"].map(o["product_id"]),
                 min_available_units=c["offer_id"].map(o["min_available_units"]))
    c = c.assign(category=c["product_id"].map(p["category"]), market=c["customer_id"].map(cu["market"]),
                 privacy_regime=c["customer_id"].map(cu["privacy_regime"]), sent_at=c["send_date"] + SEND_HOUR,
                 purpose=c["channel"].map(purpose))
    c["fulfilment_centre"] = c["market"].map(CENTRE_OF_MARKET)
    c["consented"] = _consented(c, world.load("consent_events"))
    return c.drop(columns=["privacy_regime", "purpose"])


def _cols(frame: pd.DataFrame, *names: str) -> list[list]:
    """Columns as plain Python lists (fast to loop over, whatever the column's dtype)."""
    return [frame[n].tolist() for n in names]


def _us(values) -> np.ndarray:
    return pd.Series(values).to_numpy().astype("datetime64[us]").astype(np.int64)


def _atp(stock: pd.DataFrame, days) -> dict:
    """(day, product, centre) -> on_hand - committed, for the given days only."""
    s = stock[stock["date"].isin(pd.DatetimeIndex(sorted(set(days))))]
    return {(d, pid, fc): on - com for d, pid, fc, on, com in
            zip(_us(s["date"]).tolist(), *_cols(s, "product_id", "fulfilment_centre", "on_hand", "committed"),
                strict=True)}


def _eligibility_ref(context, stock, holds, rules, contacts, policies) -> pd.DataFrame:
    c = context.reset_index(drop=True)
    day = _us(c["send_date"])
    atp = _atp(stock, c["send_date"] - DAY)
    before = (day - 86_400_000_000).tolist()
    available = np.array([atp.get(k, np.nan) for k in zip(before, *_cols(c, "product_id", "fulfilment_centre"),
                                                              strict=True)],
                         dtype=float)
    f_stock = available < c["min_available_units"].to_numpy(dtype=float)
    f_hold = np.zeros(len(c), dtype=bool)
    for pid, a, b in zip(*_cols(holds, "product_id", "placed_date", "lifted_date"), strict=True):
        on = (c["product_id"].to_numpy() == pid) & (day >= _us([a])[0])
        if pd.notna(b):
            on &= day < _us([b])[0]
        f_hold |= on
    barred = set(zip(rules["market"].tolist(), rules["category"].tolist(), strict=True))
    f_region = np.array([(m, g) in barred for m, g in zip(*_cols(c, "market", "category"), strict=True)],
                        dtype=bool)
    f_consent = ~c["consented"].to_numpy(dtype=bool)
    # cap: one sorted int64 key per contact (customer and channel, then the second); count in [start, send)
    codes = {ch: i for i, ch in enumerate(sorted(set(policies["channel"])))}
    window = policies.set_index("channel")["cap_window_days"].to_dict()
    cap = policies.set_index("channel")["cap_max_contacts"].to_dict()
    origin = int(_us([T("2000-01-01")])[0])

    def key(customer, channel, at_us):
        return (np.asarray(customer, np.int64) * len(codes) + np.asarray(channel, np.int64)) * (1 << 34) \
            + (np.asarray(at_us, np.int64) - origin) // 1_000_000

    known = contacts["channel"].isin(list(codes))
    keys = np.sort(key(contacts.loc[known, "customer_id"], contacts.loc[known, "channel"].map(codes),
                       _us(contacts.loc[known, "sent_at"])))
    sent = _us(c["sent_at"])
    start = sent - c["channel"].map(window).to_numpy(np.int64) * 86_400_000_000
    ch = c["channel"].map(codes).to_numpy()
    n = (np.searchsorted(keys, key(c["customer_id"], ch, sent), side="left")
         - np.searchsorted(keys, key(c["customer_id"], ch, start), side="left"))
    f_cap = n >= c["channel"].map(cap).to_numpy()
    flags = np.column_stack([f_stock, f_hold, f_region, f_consent, f_cap])
    first = [next((r for r, f in zip(RULE_ORDER, row, strict=True) if f), ELIGIBLE) for row in flags.tolist()]
    frame = pd.DataFrame(flags, columns=list(RULE_ORDER), index=pd.Index(c["candidate_id"].astype(int),
                                                                         name="candidate_id"))
    frame["first_failure"] = first
    return frame


_RULE_WORDS = {
    "stock": "stock: available = on_hand - committed on the day BEFORE the send day, failing when below "
             "min_available_units",
    "hold": "hold: on from placed_date (included) to lifted_date (excluded), still on when lifted_date is missing",
    "region": "region: the customer's market and the product's category together in regional_rules",
    "consent": "consent: True where consented is False",
    "cap": "cap: contacts in the same channel in [send - cap_window_days, send), failing at cap_max_contacts or more",
    "first_failure": "first_failure: the first rule of RULE_ORDER that fails, else 'eligible'",
}


def _check_eligibility(ref: pd.DataFrame):
    def check(answer):
        frame = _indexed_like(answer, ref, "a DataFrame indexed by candidate_id")
        missing = [c for c in ref.columns if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        expect_frame(frame, ref, columns=[], index_name="the index (candidate_id)")
        for column in ref.columns:
            try:
                expect_frame(frame, ref, columns=[column], index_name="the index (candidate_id)")
            except Fail as exc:
                raise Fail(f"{exc} (check the rule's boundaries: {_RULE_WORDS[column]})") from None
    return check


def _eligibility_world(world):
    context = _context(world)
    tables = (world.load("daily_stock"), world.load("quality_holds"), world.load("regional_rules"),
              world.load("offer_contacts"), world.load("contact_policies"))
    ref = _eligibility_ref(context, *tables)
    return [Case("every ranked candidate of the 2025 campaigns (context rows shuffled)",
                 (context.sample(frac=1, random_state=21), *tables), _check_eligibility(ref))]


def _eligibility_fixed():
    send = T("2025-06-10")
    policies = pd.DataFrame({"channel": ["email", "sms"], "consent_purpose": ["marketing_email", "marketing_sms"],
                             "cap_window_days": [14, 30], "cap_max_contacts": [2, 1], "cost_per_contact": [0.01, 0.05]})
    # stock: available exactly the floor (two products), one below; on_hand above the floor but committed
    # takes it below; the send day's own row says the opposite of the day before's
    stock = pd.DataFrame([
        ("2025-06-09", 1, "FC-UK", 5, 3), ("2025-06-10", 1, "FC-UK", 0, 0),      # 2 = floor 2 (send day 0)
        ("2025-06-09", 1, "FC-EU", 3, 2), ("2025-06-10", 1, "FC-EU", 9, 0),      # 1 < 2 (send day 9)
        ("2025-06-09", 2, "FC-UK", 1, 0), ("2025-06-09", 2, "FC-EU", 4, 4),      # 1 = floor 1; 0 < 1
        ("2025-06-09", 3, "FC-UK", 7, 0), ("2025-06-09", 3, "FC-EU", 7, 0),
        ("2025-06-09", 4, "FC-UK", 2, 1), ("2025-06-09", 4, "FC-EU", 9, 9),      # 1 = floor 1; 0 < 1
    ], columns=["date", "product_id", "fulfilment_centre", "on_hand", "committed"]).assign(inbound=0, shipped=0)
    # holds: placed on the send day; lifted on the send day; lifted the day after; placed the day after;
    # an open hold placed long before
    holds = pd.DataFrame([(1, 2, "2025-06-10", "2025-06-30"), (2, 3, "2025-05-01", "2025-06-10"),
                          (3, 4, "2025-05-20", "2025-06-11"), (4, 1, "2025-06-11", None),
                          (5, 4, "2024-01-01", "2024-02-01")],
                         columns=["hold_id", "product_id", "placed_date", "lifted_date"]).assign(reason="labelling")
    rules = pd.DataFrame({"market": ["DE", "UK"], "category": ["speaker", "fridge"], "rule": "no_promotion",
                          "reason": "supplier agreement"})
    offers = {1: ("email", 1, "fan", 2), 2: ("sms", 2, "washer", 1), 3: ("email", 3, "speaker", 1),
              4: ("email", 4, "fridge", 1)}
    cands = [  # candidate, customer, offer, market, consented
        (1, 1, 1, "UK", True), (2, 2, 1, "DE", True), (3, 3, 3, "UK", True), (4, 4, 3, "DE", False),
        (5, 5, 2, "UK", True), (6, 2, 2, "DE", False), (7, 5, 1, "UK", False), (8, 1, 3, "UK", True),
        (9, 4, 1, "DE", True), (10, 3, 1, "UK", True), (11, 6, 4, "UK", True), (12, 7, 4, "DE", True),
        (13, 8, 3, "DE", True), (14, 6, 2, "UK", True), (15, 7, 3, "UK", True), (16, 8, 1, "UK", True),
        (17, 9, 3, "UK", True), (18, 9, 2, "UK", True),
    ]
    context = pd.DataFrame([(c, "hand-made", cu, o, 1, 0.1, offers[o][0], send, offers[o][1], offers[o][3],
                             offers[o][2], m, send + SEND_HOUR, CENTRE_OF_MARKET[m], ok)
                            for c, cu, o, m, ok in cands],
                           columns=["candidate_id", "campaign", "customer_id", "offer_id", "rank", "model_score",
                                    "channel", "send_date", "product_id", "min_available_units", "category", "market",
                                    "sent_at", "fulfilment_centre", "consented"])
    contacts = pd.DataFrame([
        (1, "email", "2025-05-27 09:00"), (1, "email", "2025-06-03 09:00"),     # start of the window + 1: cap
        (3, "email", "2025-05-27 08:59"), (3, "email", "2025-06-05 09:00"),     # one just outside: 1, passes
        (5, "sms", "2025-06-10 09:00"), (5, "email", "2025-06-01 09:00"), (5, "email", "2025-06-08 09:00"),
        (2, "sms", "2025-05-11 09:00"),                                          # 30 days before exactly: cap
        (4, "email", "2025-06-10 09:00"), (4, "email", "2025-06-10 09:00"),     # at the send instant: not counted
        (6, "sms", "2025-05-11 08:59"), (6, "email", "2025-06-09 09:00"), (6, "email", "2025-06-09 10:00"),
        (7, "email", "2025-06-10 09:00:01"), (7, "email", "2025-06-10 08:59:59"),  # one after, one before: 1
        (8, "email", "2025-06-01 09:00"), (8, "email", "2025-06-02 09:00"), (8, "email", "2025-06-03 09:00"),
        (9, "sms", "2025-06-10 09:00"), (9, "sms", "2025-06-10 09:00"),
    ], columns=["customer_id", "channel", "sent_at"])
    contacts.insert(0, "contact_id", range(1, len(contacts) + 1))
    contacts.insert(2, "offer_id", 99)
    context = _dt(context, ["send_date", "sent_at"])
    stock, holds = _dt(stock, ["date"]), _dt(holds, ["placed_date", "lifted_date"])
    contacts = _dt(contacts, ["sent_at"])
    ref = _eligibility_ref(context, stock, holds, rules, contacts, policies)
    return [Case("18 hand-made candidates at every rule's boundary (stock at the floor and the send day's own "
                 "stock, holds placed or lifted on the send day, contacts at the window's start, at the send "
                 "instant and in the other channel)", (context, stock, holds, rules, contacts, policies),
                 _check_eligibility(ref))]


# =================================================================================================
# Exercise 3: oversell check
# =================================================================================================

def _plan(world, ranks_sent_only: bool = True) -> pd.DataFrame:
    o = world.load("offers")
    o = o[o["model_ranked"]].set_index("offer_id")
    cand = world.load("offer_candidates")
    cand = cand[cand["rank"] == 1]
    cu = world.load("customers").set_index("customer_id")
    if ranks_sent_only:
        contacts = world.load("offer_contacts")
        score = {(c, f): s for c, f, s in zip(*_cols(cand, "customer_id", "offer_id", "model_score"), strict=True)}
        contacts = contacts[contacts["offer_id"].isin(o.index)]
        plan = contacts[["contact_id", "offer_id", "customer_id"]].copy()
        plan["model_score"] = [score[(c, f)] for c, f in zip(*_cols(plan, "customer_id", "offer_id"), strict=True)]
    else:
        plan = cand[["candidate_id", "offer_id", "customer_id", "model_score"]].rename(
            columns={"candidate_id": "contact_id"})
    plan["product_id"] = plan["offer_id"].map(o["product_id"])
    plan["fulfilment_centre"] = plan["customer_id"].map(cu["market"]).map(CENTRE_OF_MARKET)
    plan["send_date"] = plan["offer_id"].map(o["send_date"])
    return plan.reset_index(drop=True)


def _oversell_ref(plan: pd.DataFrame, stock: pd.DataFrame) -> pd.DataFrame:
    atp = _atp(stock, plan["send_date"] - DAY)
    acc: dict = {}
    for o, fc, pid, day, s in zip(plan["offer_id"], plan["fulfilment_centre"], plan["product_id"],
                                  (_us(plan["send_date"]) - 86_400_000_000).tolist(), plan["model_score"], strict=True):
        n, total, _, _ = acc.get((int(o), fc), (0, 0.0, pid, day))
        acc[(int(o), fc)] = (n + 1, total + float(s), pid, day)
    rows = {k: (n, total, atp.get((day, pid, k[1]), np.nan)) for k, (n, total, pid, day) in acc.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index",
                                   columns=["contacts", "expected_redemptions", "available_units"])
    frame.index = pd.MultiIndex.from_tuples(list(rows), names=["offer_id", "fulfilment_centre"])
    frame["oversold"] = frame["expected_redemptions"] > frame["available_units"]
    return frame


def _check_oversell(ref: pd.DataFrame, exact: bool = False):
    """``exact``: hand-made scores in binary fractions, so equality is decided exactly; on a world, rows
    within EDGE of equality are not judged."""
    clear = ((ref["expected_redemptions"] - ref["available_units"]).abs() > EDGE) | exact

    def check(answer):
        frame = _indexed_like(answer, ref, "a DataFrame indexed by (offer_id, fulfilment_centre)")
        if frame.index.nlevels != 2:
            raise Fail("the index should have two levels: (offer_id, fulfilment_centre)")
        numbers = ["contacts", "expected_redemptions", "available_units"]
        missing = [c for c in [*numbers, "oversold"] if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        frame = expect_frame(frame, ref, columns=numbers, index_name="the index (offer_id, fulfilment_centre)")
        ok = values_match(frame["oversold"], ref["oversold"]) | ~clear.to_numpy()
        if not ok.all():
            raise Fail(f"column 'oversold' is wrong in {int((~ok).sum()):,} of {len(ok):,} rows "
                       "(oversold only when expected_redemptions > available_units)")
    return check


def _oversell_world(world):
    stock = world.load("daily_stock")
    sent, model = _plan(world), _plan(world, ranks_sent_only=False)
    return [Case("what the engine sent in the model-ranked campaigns (rows shuffled)",
                 (sent.sample(frac=1, random_state=31), stock), _check_oversell(_oversell_ref(sent, stock))),
            Case("every rank-1 candidate of the model-ranked campaigns", (model, stock),
                 _check_oversell(_oversell_ref(model, stock)))]


def _oversell_fixed():
    send = T("2025-06-10")
    stock = pd.DataFrame([("2025-06-09", 1, "FC-UK", 5, 3), ("2025-06-10", 1, "FC-UK", 0, 0),
                          ("2025-06-09", 1, "FC-EU", 3, 2), ("2025-06-10", 1, "FC-EU", 9, 0),
                          ("2025-06-09", 2, "FC-UK", 2, 0), ("2025-06-09", 2, "FC-EU", 0, 0),
                          ("2025-06-08", 2, "FC-EU", 9, 0), ("2025-06-09", 3, "FC-UK", 1, 0)],
                         columns=["date", "product_id", "fulfilment_centre", "on_hand", "committed"])
    rows = [(1, "FC-UK", 1, 0.5)] * 4 + [(1, "FC-EU", 1, 0.5)] * 2 + [(2, "FC-UK", 2, 0.25)] * 8 \
        + [(2, "FC-EU", 2, 0.125)] + [(3, "FC-UK", 3, 0.375), (3, "FC-UK", 3, 0.375)] \
        + [(4, "FC-UK", 2, 0.75)] * 3
    plan = pd.DataFrame(rows, columns=["offer_id", "fulfilment_centre", "product_id", "model_score"])
    plan.insert(0, "contact_id", range(1, len(plan) + 1))
    plan.insert(2, "customer_id", range(101, 101 + len(plan)))
    plan["send_date"] = send
    plan.loc[plan["offer_id"] == 4, "send_date"] = T("2025-06-10")
    plan, stock = _dt(plan, ["send_date"]), _dt(stock, ["date"])
    return [Case("hand-made contacts: expected redemptions exactly equal to the stock (twice), stock that only "
                 "the send day or only on_hand would have, a centre with no stock", (plan, stock),
                 _check_oversell(_oversell_ref(plan, stock), exact=True))]


# =================================================================================================
# Exercise 4: price guardrails
# =================================================================================================

def _guard_ref(offers: pd.DataFrame, max_discount: float, min_margin: float) -> pd.DataFrame:
    rows = {}
    for r in offers.itertuples(index=False):
        discount = -float(r.price_change_pct)
        margin = (float(r.offer_price) - float(r.unit_cost)) / float(r.offer_price)
        breach = "discount" if discount > max_discount else "margin" if margin < min_margin else "ok"
        rows[int(r.offer_id)] = (discount, margin, breach)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["discount", "margin_pct", "breach"])
    frame.index.name = "offer_id"
    return frame


def _check_guard(ref: pd.DataFrame, judged: pd.Series | None = None):
    def check(answer):
        frame = _indexed_like(answer, ref, "a DataFrame indexed by offer_id")
        frame = expect_frame(frame, ref, columns=["discount"], index_name="the index (offer_id)")
        try:
            expect_frame(frame, ref, columns=["margin_pct"], atol=2e-4, rtol=0, index_name="the index (offer_id)")
        except Fail as exc:
            raise Fail(f"{exc}: the margin after the change, (offer_price - unit_cost) / offer_price") from None
        if "breach" not in frame.columns:
            raise Fail("the result is missing column(s) ['breach']")
        ok = values_match(frame["breach"].astype(str), ref["breach"])
        if judged is not None:
            ok |= ~judged.to_numpy()
        if not ok.all():
            raise Fail(f"column 'breach' is wrong in {int((~ok).sum()):,} of {len(ok):,} rows (the discount rule "
                       "first; exactly the cap or exactly the floor is allowed)")
    return check


def _guard_world(world):
    offers = world.load("offers")
    cases = []
    for label, args in (("the offers table (rows shuffled)", (offers.sample(frac=1, random_state=41), MAX_DISCOUNT,
                                                              MIN_MARGIN)),
                        ("the offers table with max_discount = 0.2 and min_margin = 0.15", (offers, 0.2, 0.15))):
        ref = _guard_ref(offers, args[1], args[2])
        judged = ((ref["margin_pct"] - args[2]).abs() > 1e-4) | (ref["breach"] == "discount")
        cases.append(Case(label, args, _check_guard(ref, judged)))
    return cases


def _guard_fixed():
    rows = [  # offer, list, change, offer price, cost
        (1, 100.0, -0.30, 70.0, 50.0), (2, 200.0, -0.30, 140.0, 60.0),     # exactly 30% off: allowed
        (3, 100.0, -0.35, 65.0, 40.0), (4, 100.0, -0.40, 60.0, 58.0),      # too deep (4 breaks both)
        (5, 100.0, -0.10, 90.0, 85.0), (6, 100.0, -0.15, 85.0, 77.0),      # margin under 10%
        (7, 100.0, -0.10, 90.0, 80.5), (8, 200.0, -0.05, 190.0, 172.0),    # 10.6% / 9.5% of list; 9.5% margin
        (9, 100.0, -0.45, 55.0, 20.0), (10, 100.0, -0.25, 75.0, 66.0),      # deep only; 12% margin
        (11, 50.0, 0.0, 50.0, 46.0),                                        # no change, 8% margin
    ]
    offers = pd.DataFrame(rows, columns=["offer_id", "list_price", "price_change_pct", "offer_price", "unit_cost"])
    offers["unit_margin"] = (offers["offer_price"] - offers["unit_cost"]).round(2)
    offers["margin_pct"] = (offers["unit_margin"] / offers["offer_price"]).round(4)
    return [Case("11 hand-made offers: exactly 30% off, both guardrails broken, margins near 10% of the offer and "
                 "of the list price", (offers, MAX_DISCOUNT, MIN_MARGIN),
                 _check_guard(_guard_ref(offers, MAX_DISCOUNT, MIN_MARGIN)))]


# =================================================================================================
# Exercise 5: two-model uplift
# =================================================================================================

def _features(holdout: pd.DataFrame) -> pd.DataFrame:
    def recency(d):
        if pd.isna(d) or d > 365:
            return "over 365d or never"
        return "0-90d" if d <= 90 else "91-365d"

    return holdout.assign(recency=[recency(d) for d in holdout["days_since_last_order"]],
                          late_delivery=[int(x) > 0 for x in holdout["late_deliveries_365d"]],
                          recent_ticket=[int(x) > 0 for x in holdout["tickets_180d"]])


def _uplift_ref(data: pd.DataFrame, by) -> pd.DataFrame:
    sums: dict = defaultdict(lambda: [0, 0, 0, 0])  # treated n, treated y, control n, control y
    keys = list(zip(*[data[c] for c in by], strict=True))
    for key, g, y in zip(keys, data["group"].tolist(), data["converted_30d"], strict=True):
        s = sums[key]
        i = 0 if g == "treatment" else 2
        s[i] += 1
        s[i + 1] += int(bool(y))
    rows = {}
    for cid, key in zip(data["customer_id"].tolist(), keys, strict=True):
        tn, ty, cn, cy = sums[key]
        pt = ty / tn if tn else np.nan
        pc = cy / cn if cn else np.nan
        rows[int(cid)] = (pt, pc, pt - pc)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["p_treated", "p_control", "uplift"])
    frame.index.name = "customer_id"
    return frame


def _check_uplift(ref: pd.DataFrame):
    def check(answer):
        frame = _indexed_like(answer, ref, "a DataFrame indexed by customer_id with p_treated, p_control, uplift")
        expect_frame(frame, ref, columns=[], index_name="the index (customer_id: every customer, treated or not)")
        for column, words in (("p_treated", "the rate of the TREATED customers of the customer's cell"),
                              ("p_control", "the rate of the CONTROL customers of the customer's cell, missing "
                                            "where the cell has none"),
                              ("uplift", "p_treated - p_control, missing where either is")):
            try:
                expect_frame(frame, ref, columns=[column], index_name="the index (customer_id)")
            except Fail as exc:
                raise Fail(f"{exc}: {words}") from None
    return check


def _uplift_world(world):
    data = _features(world.load("offer_holdout"))
    return [Case(f"the autumn holdout with its features (rows shuffled), by = {by}",
                 (data.sample(frac=1, random_state=51 + i), by), _check_uplift(_uplift_ref(data, by)))
            for i, by in enumerate([UPLIFT_FEATURES, ["recency"], ["segment", "region"]])]


def _uplift_fixed():
    rows = [  # customer, group, converted, a, b
        (1, "treatment", True, "x", True), (2, "treatment", False, "x", True), (3, "control", False, "x", True),
        (4, "control", True, "x", True),
        (5, "treatment", True, "x", False), (6, "treatment", True, "x", False),          # no control: NaN
        (7, "control", True, "y", False), (8, "control", False, "y", False),            # no treated: NaN
        (9, "treatment", False, "y", True), (10, "control", False, "y", True),          # 0 - 0
        (11, "treatment", True, "y", True), (12, "control", True, "y", True),
        (13, "treatment", True, "z", True),                                              # no control
    ]
    data = pd.DataFrame(rows, columns=["customer_id", "group", "converted_30d", "a", "b"])
    data = data.sample(frac=1, random_state=5).reset_index(drop=True)
    return [Case("13 hand-made customers in cells without control customers, without treated customers, and "
                 "with both", (data, ["a", "b"]), _check_uplift(_uplift_ref(data, ["a", "b"]))),
            Case("the same customers by one boolean feature", (data, ["b"]), _check_uplift(_uplift_ref(data, ["b"])))]


# =================================================================================================
# Exercise 6: the Qini curve
# =================================================================================================

def _ranked(scored: pd.DataFrame) -> list:
    rows = list(zip(*_cols(scored, "uplift", "customer_id", "group", "converted_30d"), strict=True))
    return sorted(rows, key=lambda r: (-float(r[0]), int(r[1])))


def _qini_ref(scored: pd.DataFrame) -> pd.Series:
    nt = nc = yt = yc = 0
    out = [0.0]
    for _, _, g, y in _ranked(scored):
        if g == "treatment":
            nt, yt = nt + 1, yt + int(bool(y))
        else:
            nc, yc = nc + 1, yc + int(bool(y))
        out.append(yt - yc * nt / nc if nc else float(yt))
    return pd.Series(out, index=pd.RangeIndex(len(out), name="k"))


def _check_qini(ref: pd.Series):
    def check(answer):
        if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
            answer = answer.iloc[:, 0]
        series = expect_type(answer, pd.Series, "a Series indexed by k = 0, 1, ..., n")
        if len(series) != len(ref):
            raise Fail(f"it has {len(series):,} values; the curve needs one per k = 0..n (Q(0) = 0 included)")
        if labels(series.index) != list(range(len(ref))):
            raise Fail("the index should be k = 0, 1, ..., n in order")
        ok = values_match(series.reset_index(drop=True), ref.reset_index(drop=True), rtol=1e-6, atol=1e-6)
        if not ok.all():
            raise Fail(f"Q(k) is wrong for {int((~ok).sum()):,} of {len(ok):,} values of k (rank by uplift, highest "
                       "first, ties by customer_id; rescale the control by N_T(k) / N_C(k))")
    return check


def _scored(world) -> pd.DataFrame:
    data = _features(world.load("offer_holdout"))
    uplift = _uplift_ref(data, UPLIFT_FEATURES)["uplift"].fillna(0.0)
    return data[["customer_id", "group", "converted_30d"]].assign(uplift=data["customer_id"].map(uplift).to_numpy())


def _qini_world(world):
    scored = _scored(world)
    rng = np.random.default_rng(61)
    noisy = scored.assign(uplift=rng.normal(0, 1, len(scored)))
    return [Case("the autumn holdout scored by the two-model uplift of exercise 5 (many ties; rows shuffled)",
                 (scored.sample(frac=1, random_state=62),), _check_qini(_qini_ref(scored))),
            Case("the autumn holdout with a random score", (noisy,), _check_qini(_qini_ref(noisy)))]


def _qini_fixed():
    y = [1, 0, 1, 0, 0, 1, 0, 0]
    t = [1, 1, 1, 0, 0, 0, 1, 0]
    vector = pd.DataFrame({"customer_id": range(1, 9), "group": ["treatment" if x else "control" for x in t],
                           "converted_30d": [bool(v) for v in y], "uplift": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]})
    # ties that matter: a control converter and a treated non-converter share a score, in both id orders;
    # the best customers are all treated (N_C = 0) and the scores are negative
    tied = pd.DataFrame({"customer_id": [30, 12, 25, 7, 18, 40, 3, 22, 9, 15],
                         "group": ["treatment", "treatment", "control", "treatment", "control", "control",
                                   "treatment", "control", "treatment", "control"],
                         "converted_30d": [True, False, True, False, True, False, True, False, False, True],
                         "uplift": [0.5, 0.5, 0.2, 0.2, -0.1, -0.1, -0.1, -0.3, -0.3, -0.3]})
    return [Case("the published test vector (8 customers, scores falling)", (vector.iloc[::-1].reset_index(drop=True),),
                 _check_qini(_qini_ref(vector))),
            Case("10 hand-made customers with ties in the score and only treated customers at the top",
                 (tied,), _check_qini(_qini_ref(tied)))]


# =================================================================================================
# Exercise 7: net margin at a targeting depth
# =================================================================================================

def _net_ref(scored, k, margin_offer, margin_list, cost_per_contact, fixed_cost) -> pd.Series:
    top = _ranked(scored)[:k]
    t = [bool(y) for _, _, g, y in top if g == "treatment"]
    c = [bool(y) for _, _, g, y in top if g != "treatment"]
    rt, rc = sum(t) / len(t), sum(c) / len(c)
    inc = k * (rt * margin_offer - rc * margin_list)
    return pd.Series({"contacts": float(k), "rate_treated": rt, "rate_control": rc,
                      "incremental_conversions": k * (rt - rc), "incremental_margin": inc,
                      "net_margin": inc - k * cost_per_contact - fixed_cost})


def _check_net(ref: pd.Series):
    def check(answer):
        if isinstance(answer, dict):
            answer = pd.Series(answer)
        series = expect_type(answer, pd.Series, "a Series with contacts, rate_treated, rate_control, "
                             "incremental_conversions, incremental_margin and net_margin")
        missing = [k for k in ref.index if k not in series.index]
        if missing:
            raise Fail(f"the Series is missing label(s) {missing}")
        for label in ref.index:
            value = series[label]
            if isinstance(value, pd.Series):
                raise Fail(f"the label {label!r} appears more than once")
            try:
                ok = bool(np.isclose(float(value), float(ref[label]), rtol=1e-6, atol=1e-6))
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise Fail(f"{label!r} is not right")
    return check


def _net_world(world):
    scored = _scored(world)
    offer = world.load("offers")
    offer = offer[offer["randomised_holdout"]].iloc[0]
    m_offer = float(offer["offer_price"] - offer["unit_cost"])
    m_list = float(offer["list_price"] - offer["unit_cost"])
    cost = float(world.load("contact_policies").set_index("channel").loc["email", "cost_per_contact"])
    n = len(scored)
    cases = []
    for k in (n // 10, n // 2, n):
        top = _ranked(scored)[:k]
        if {g for _, _, g, _ in top} != {"treatment", "control"}:
            continue
        args = (scored.sample(frac=1, random_state=70 + k), k, m_offer, m_list, cost, PERSONALISATION_COST)
        cases.append(Case(f"the autumn holdout scored by the two-model uplift, k = {k:,}", args,
                          _check_net(_net_ref(scored, k, m_offer, m_list, cost, PERSONALISATION_COST))))
    return cases


def _net_fixed():
    scored = pd.DataFrame({"customer_id": [5, 3, 9, 1, 7, 2, 8, 4, 6, 10],
                           "group": ["treatment", "control", "treatment", "control", "treatment", "control",
                                     "treatment", "control", "control", "treatment"],
                           "converted_30d": [True, True, False, False, True, True, False, True, False, True],
                           "uplift": [0.3, 0.3, 0.3, 0.2, 0.1, 0.1, 0.0, -0.1, -0.2, -0.2]})
    econ = (40.0, 70.0, 0.25, 12.0)
    return [Case(f"10 hand-made customers with ties at the cut, k = {k}", (scored, k, *econ),
                 _check_net(_net_ref(scored, k, *econ))) for k in (2, 5, 6, 10)]


# =================================================================================================
# Exercise 8: forecast against actual redemptions
# =================================================================================================

def _accuracy_ref(forecasts, redemptions, customers) -> pd.DataFrame:
    forecast: dict = defaultdict(float)
    for s, f in zip(forecasts["segment"].tolist(), forecasts["forecast_redemptions"].tolist(), strict=True):
        forecast[str(s)] += float(f)
    segment = dict(zip(customers["customer_id"].tolist(), customers["segment"].tolist(), strict=True))
    offered = set(forecasts["offer_id"])
    actual = Counter(str(segment[c]) for o, c in zip(*_cols(redemptions, "offer_id", "customer_id"), strict=True)
                     if o in offered)
    rows = {s: (f, actual.get(s, 0), f - actual.get(s, 0), f / actual[s] if actual.get(s) else np.nan)
            for s, f in forecast.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["forecast", "actual", "bias", "ratio"])
    frame.index.name = "segment"
    return frame.sort_values("ratio", ascending=False)


def _check_accuracy(ref: pd.DataFrame):
    def check(answer):
        frame = _indexed_like(answer, ref, "a DataFrame indexed by segment")
        frame = expect_frame(frame, ref, index_name="the index (segment)")
        got = [str(s) for s in answer.index]
        ratio = dict(zip(got, answer["ratio"].tolist(), strict=True))
        if any(float(ratio[a]) < float(ratio[b]) - 1e-9 for a, b in zip(got, got[1:], strict=False)):
            raise Fail("the rows are not sorted by ratio from highest to lowest")
    return check


def _accuracy_world(world):
    f, r, c = world.load("redemption_forecasts"), world.load("offer_redemptions"), world.load("customers")
    ref = _accuracy_ref(f, r, c)
    early = f[f["forecast_date"] < T("2025-07-01")]
    return [Case("the redemption_forecasts and offer_redemptions tables (rows shuffled)",
                 (f.sample(frac=1, random_state=81), r.sample(frac=1, random_state=82), c), _check_accuracy(ref)),
            Case("the forecasts made before July 2025 only", (early, r, c),
                 _check_accuracy(_accuracy_ref(early, r, c)))]


def _accuracy_fixed():
    forecasts = pd.DataFrame({"offer_id": [1, 1, 1, 2, 2, 2, 3], "segment": ["a", "b", "c", "a", "b", "c", "d"],
                              "contacts": 10, "forecast_redemptions": [2.0, 3.0, 1.5, 1.0, 3.0, 1.5, 0.5],
                              "forecast_date": "2025-03-01"})
    customers = pd.DataFrame({"customer_id": range(1, 11),
                              "segment": ["a", "a", "b", "b", "c", "c", "d", "d", "e", "e"]})
    redemptions = pd.DataFrame({"offer_id": [1, 2, 1, 5, 5, 2, 1, 2, 3, 5, 1, 4],
                                "customer_id": [1, 2, 3, 3, 4, 4, 5, 6, 7, 1, 9, 8]})
    redemptions.insert(0, "redemption_id", range(1, len(redemptions) + 1))
    forecasts = _dt(forecasts, ["forecast_date"])
    return [Case("hand-made forecasts and redemptions of offers without a forecast, by customers of a segment "
                 "with no forecast", (forecasts, redemptions, customers),
                 _check_accuracy(_accuracy_ref(forecasts, redemptions, customers)))]


EXERCISES = [
    Graded("ex1_tests", "personalisation_tiers", _tiers_world, _tiers_fixed),
    Graded("ex2_tests", "eligibility", _eligibility_world, _eligibility_fixed),
    Graded("ex3_tests", "oversell_check", _oversell_world, _oversell_fixed),
    Graded("ex4_tests", "price_guardrails", _guard_world, _guard_fixed),
    Graded("ex5_tests", "two_model_uplift", _uplift_world, _uplift_fixed),
    Graded("ex6_tests", "qini_curve", _qini_world, _qini_fixed),
    Graded("ex7_tests", "net_margin_at_depth", _net_world, _net_fixed),
    Graded("ex8_tests", "forecast_vs_actual", _accuracy_world, _accuracy_fixed),
]


# =================================================================================================
# Memo figures: what the memo rubric asks about, on the learner's world (the lab's own pipeline)
# =================================================================================================

def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric lists, in its order: what each rule stops, oversold offer-centres,
    guardrail breaches, uplift by cell, the Qini curve, net margin by depth and the forecast's error."""
    from grading import solution_namespace

    ns = solution_namespace("lab10", world, ["setup", "ex1_given", "ex2_given", "ex3_given", "ex4_given",
                                             "ex5_given", "ex7_given"])
    engine = ns["eligibility"](ns["context"], ns["daily_stock"], ns["quality_holds"], ns["regional_rules"],
                               ns["offer_contacts"], ns["contact_policies"])
    top = engine.join(ns["context"].set_index("candidate_id")[["rank", "channel", "campaign"]])
    top = top[top["rank"] == 1]
    counts = top["first_failure"].value_counts()
    email = top[(top["channel"] == "email") & ~top["consent"]]
    suppressed = float((email["first_failure"] != ELIGIBLE).mean())
    summer = top[top["campaign"].isin(["summer-kickoff", "heatwave"])]
    over = ns["oversell_check"](ns["plan"], ns["daily_stock"])
    short = (over["expected_redemptions"] - over["available_units"]).clip(lower=0)
    guard = ns["price_guardrails"](ns["offers"], ns["MAX_DISCOUNT"], ns["MIN_MARGIN"])
    bad = guard[guard["breach"] != "ok"]
    holdout = ns["holdout"]
    uplift = ns["two_model_uplift"](holdout, ns["UPLIFT_FEATURES"])
    cells = holdout.join(uplift, on="customer_id").groupby(ns["UPLIFT_FEATURES"]).agg(
        n=("customer_id", "size"), uplift=("uplift", "first")).sort_values("uplift", ascending=False)
    big = cells[cells["n"] >= MIN_AUDIENCE]
    best_cell = big.iloc[0] if len(big) else cells.iloc[0]
    best_key = {f: (bool(v) if isinstance(v, (bool, np.bool_)) else str(v))
                for f, v in zip(ns["UPLIFT_FEATURES"], best_cell.name, strict=True)}
    negative = int(cells.loc[cells["uplift"] < -0.05, "n"].sum())
    scored = holdout[["customer_id", "group", "converted_30d"]].join(uplift["uplift"].fillna(0.0), on="customer_id")
    curve = ns["qini_curve"](scored)
    n = len(scored)
    econ = (ns["MARGIN_OFFER"], ns["MARGIN_LIST"], ns["COST_PER_CONTACT"], ns["PERSONALISATION_COST"])
    depths = sorted({max(1, round(n * i / 20)) for i in range(1, 21)})
    margins = {k: float(ns["net_margin_at_depth"](scored, k, *econ)["net_margin"]) for k in depths}
    best_k = max(margins, key=margins.get)
    inc = ns["net_margin_at_depth"](scored, best_k, *econ)
    kept = 1 - suppressed
    after = float(inc["incremental_margin"]) * kept - best_k * kept * econ[2] - econ[3]
    accuracy = ns["forecast_vs_actual"](ns["redemption_forecasts"], ns["offer_redemptions"], ns["customers"])
    return {
        "rank-1 offers by first rule broken": f"{len(top):,} offers: " + ", ".join(
            f"{r} {int(counts.get(r, 0)):,}" for r in [*RULE_ORDER, ELIGIBLE]),
        "summer campaigns: rank-1 offers stopped for stock": f"{int(summer['stock'].sum()):,} of {len(summer):,}",
        "share of consenting e-mail rank-1 offers the other rules stop": f"{suppressed:.0%}",
        "oversold offer-centres (sent plan)": f"{int(over['oversold'].sum())} of {len(over)}; "
                                              f"short by {short.sum():.0f} units",
        "guardrail breaches": ", ".join(f"offer {i} ({b})" for i, b in bad["breach"].items()) or "none",
        f"best uplift cell of at least {MIN_AUDIENCE} customers": f"{best_key}: {best_cell['uplift']:+.3f} "
                                                                 f"({int(best_cell['n']):,} customers)",
        "cells with fewer than 200 customers": f"{int((cells['n'] < MIN_AUDIENCE).sum())} of {len(cells)}",
        "customers in cells with uplift below -5 points": f"{negative:,} of {n:,}",
        "Qini peak": f"{curve.max():.0f} extra conversions at the top {int(curve.idxmax()) / n:.0%}; "
                     f"everyone: {curve.iloc[-1]:.0f}",
        "net margin at the best depth (of 5% steps), no suppression": f"top {best_k / n:.0%}: {margins[best_k]:,.0f} USD",
        "net margin, everyone": f"{margins[n]:,.0f} USD",
        "net margin at the best depth after suppression": f"{after:,.0f} USD",
        "forecast / actual by segment": "; ".join(f"{s} {r:.2f} ({f:.0f} vs {int(a)})" for s, r, f, a in zip(
            accuracy.index, accuracy["ratio"], accuracy["forecast"], accuracy["actual"], strict=True)),
    }
