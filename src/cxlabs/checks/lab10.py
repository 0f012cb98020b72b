"""Visible checks and hints for Lab 10, *Personalisation within operational limits*.

Every check runs the learner's function on a small hand-made example (print it:
``example_audience()``, ``example_context()``, ``example_stock()``, ``example_holds()``,
``example_rules()``, ``example_contacts()``, ``example_policies()``, ``example_plan()``,
``example_offers()``, ``example_holdout()``, ``example_scored()``, ``example_forecasts()``,
``example_redemptions()``, ``example_customers()``), compares the result with the answer worked
out by hand, and, when it is wrong, says which common mistake it looks like. No check prints
the expected values.

>>> from cxlabs.checks import lab10 as checks
>>> checks.eligibility.hint()                 # doctest: +SKIP
>>> checks.eligibility.check(eligibility)     # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["personalisation_tiers", "eligibility", "oversell_check", "price_guardrails", "two_model_uplift",
           "qini_curve", "net_margin_at_depth", "forecast_vs_actual", "example_audience", "example_context",
           "example_stock", "example_holds", "example_rules", "example_contacts", "example_policies",
           "example_plan", "example_offers", "example_holdout", "example_scored", "example_forecasts",
           "example_redemptions", "example_customers", "EXAMPLE_LEVELS", "EXAMPLE_MIN_AUDIENCE",
           "EXAMPLE_ECONOMICS", "EXAMPLE_DEPTH"]

T = pd.Timestamp


def _dt(frame, columns):
    for c in columns:
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[us]")
    return frame


# ---- exercise 1 ----
#: The worked example's levels and threshold for exercise 1.
EXAMPLE_LEVELS = [("fine", ["segment", "market"]), ("segment", ["segment"]), ("mass", [])]
EXAMPLE_MIN_AUDIENCE = 3

_AUDIENCE = (  # customer, segment, market, acquisition channel
    (101, "value", "UK", "email"), (102, "value", "UK", "store"), (103, "value", "UK", "email"),
    (104, "value", "DE", "store"), (105, "premium", "UK", "email"), (106, "premium", "UK", "store"),
    (107, "mainstream", "DE", "email"), (108, "mainstream", "DE", "store"), (109, "mainstream", "DE", "email"),
    (110, "mainstream", "DE", "store"), (111, "mainstream", "UK", "email"),
)


def example_audience() -> pd.DataFrame:
    """Worked example for exercise 1: eleven customers (use with EXAMPLE_LEVELS and EXAMPLE_MIN_AUDIENCE = 3)."""
    rows = [_AUDIENCE[i] for i in (4, 0, 7, 10, 2, 5, 8, 1, 3, 9, 6)]
    return pd.DataFrame(rows, columns=["customer_id", "segment", "market", "acquisition_channel"])


# ---- exercise 2 and 3 ----
SEND = T("2025-06-10")


def example_policies() -> pd.DataFrame:
    """Worked example for exercise 2: the two channels' consent purpose and frequency cap."""
    return pd.DataFrame({"channel": ["email", "sms"], "consent_purpose": ["marketing_email", "marketing_sms"],
                         "cap_window_days": [14, 30], "cap_max_contacts": [2, 1], "cost_per_contact": [0.01, 0.05]})


_CONTEXT = (  # candidate, customer, offer, channel, product, category, floor, market, centre, consented
    (1, 1, 1, "email", 10, "fan", 2, "UK", "FC-UK", True),
    (2, 2, 1, "email", 10, "fan", 2, "DE", "FC-EU", True),
    (3, 3, 3, "email", 30, "smart speaker", 1, "UK", "FC-UK", True),
    (4, 4, 3, "email", 30, "smart speaker", 1, "DE", "FC-EU", False),
    (5, 5, 2, "sms", 20, "washing machine", 1, "UK", "FC-UK", True),
    (6, 2, 2, "sms", 20, "washing machine", 1, "DE", "FC-EU", False),
    (7, 5, 1, "email", 10, "fan", 2, "UK", "FC-UK", False),
    (8, 1, 3, "email", 30, "smart speaker", 1, "UK", "FC-UK", True),
    (9, 4, 1, "email", 10, "fan", 2, "DE", "FC-EU", True),
    (10, 3, 1, "email", 10, "fan", 2, "UK", "FC-UK", True),
)


def example_context() -> pd.DataFrame:
    """Worked example for exercise 2: ten candidates of three offers sent on 10 June 2025 at 09:00."""
    rows = [_CONTEXT[i] for i in (6, 2, 9, 0, 4, 8, 1, 5, 3, 7)]
    frame = pd.DataFrame(rows, columns=["candidate_id", "customer_id", "offer_id", "channel", "product_id", "category",
                                        "min_available_units", "market", "fulfilment_centre", "consented"])
    frame.insert(3, "campaign", "example")
    frame.insert(4, "rank", 1)
    frame["send_date"] = SEND
    frame["sent_at"] = SEND + pd.Timedelta(hours=9)
    return _dt(frame, ["send_date", "sent_at"])


_STOCK = (  # date, product, centre, on_hand, committed
    ("2025-06-09", 10, "FC-UK", 5, 3), ("2025-06-09", 10, "FC-EU", 3, 2),
    ("2025-06-09", 20, "FC-UK", 1, 0), ("2025-06-09", 20, "FC-EU", 0, 0),
    ("2025-06-09", 30, "FC-UK", 4, 0), ("2025-06-09", 30, "FC-EU", 6, 1),
    ("2025-06-10", 10, "FC-UK", 0, 0), ("2025-06-10", 10, "FC-EU", 9, 0),
    ("2025-06-10", 20, "FC-UK", 0, 0), ("2025-06-10", 20, "FC-EU", 5, 0),
    ("2025-06-10", 30, "FC-UK", 4, 0), ("2025-06-10", 30, "FC-EU", 6, 1),
    ("2025-06-08", 10, "FC-EU", 8, 0), ("2025-06-08", 20, "FC-EU", 8, 0),
)


def example_stock() -> pd.DataFrame:
    """Worked example for exercises 2 and 3: stock of three products at two centres around 10 June 2025."""
    frame = pd.DataFrame(_STOCK, columns=["date", "product_id", "fulfilment_centre", "on_hand", "committed"])
    frame["inbound"] = 0
    frame["shipped"] = 0
    return _dt(frame, ["date"])


def example_holds() -> pd.DataFrame:
    """Worked example for exercise 2: three quality holds."""
    frame = pd.DataFrame({"hold_id": [1, 2, 3], "product_id": [20, 30, 10],
                          "placed_date": ["2025-06-10", "2025-05-01", "2025-06-11"],
                          "lifted_date": ["2025-06-20", "2025-06-10", None], "reason": "safety_check"})
    return _dt(frame, ["placed_date", "lifted_date"])


def example_rules() -> pd.DataFrame:
    """Worked example for exercise 2: one market and category that must not be promoted."""
    return pd.DataFrame({"market": ["DE", "UK"], "category": ["smart speaker", "refrigerator"],
                         "rule": "no_promotion", "reason": "supplier agreement"})


_CONTACTS = (  # customer, channel, sent_at
    (1, "email", "2025-05-27 09:00"), (1, "email", "2025-06-03 09:00"),
    (3, "email", "2025-05-27 08:59"), (3, "email", "2025-06-05 09:00"),
    (5, "sms", "2025-06-10 09:00"), (5, "email", "2025-06-01 09:00"), (5, "email", "2025-06-08 09:00"),
    (2, "sms", "2025-05-20 09:00"), (4, "email", "2025-06-10 09:00"), (4, "email", "2025-06-10 09:00"),
)


def example_contacts() -> pd.DataFrame:
    """Worked example for exercise 2: offer contacts already sent."""
    frame = pd.DataFrame(_CONTACTS, columns=["customer_id", "channel", "sent_at"])
    frame.insert(0, "contact_id", range(1, len(frame) + 1))
    frame.insert(2, "offer_id", 99)
    return _dt(frame, ["sent_at"])


_PLAN = (  # offer, customer, product, centre, score
    (1, 1, 10, "FC-UK", 0.5), (1, 3, 10, "FC-UK", 0.5), (1, 5, 10, "FC-UK", 0.5), (1, 7, 10, "FC-UK", 0.5),
    (1, 2, 10, "FC-EU", 0.625), (1, 4, 10, "FC-EU", 0.75),
    (2, 5, 20, "FC-UK", 0.25), (2, 9, 20, "FC-UK", 0.25), (2, 11, 20, "FC-UK", 0.375),
    (2, 2, 20, "FC-EU", 0.125),
)


def example_plan() -> pd.DataFrame:
    """Worked example for exercise 3: ten contacts of two offers sent on 10 June 2025 (stock: example_stock())."""
    rows = [_PLAN[i] for i in (9, 0, 6, 4, 1, 7, 2, 5, 8, 3)]
    frame = pd.DataFrame(rows, columns=["offer_id", "customer_id", "product_id", "fulfilment_centre", "model_score"])
    frame.insert(0, "contact_id", range(1, len(frame) + 1))
    frame["send_date"] = SEND
    return _dt(frame, ["send_date"])


# ---- exercise 4 ----
_OFFERS = (  # offer, list price, price change, offer price, unit cost
    (1, 100.0, -0.30, 70.0, 50.0), (2, 100.0, -0.35, 65.0, 40.0), (3, 100.0, -0.40, 60.0, 58.0),
    (4, 100.0, -0.10, 90.0, 85.0), (5, 200.0, -0.20, 160.0, 140.0), (6, 100.0, -0.10, 90.0, 80.5),
    (7, 100.0, -0.15, 85.0, 77.0),
)


def example_offers() -> pd.DataFrame:
    """Worked example for exercise 4: seven offers."""
    rows = [_OFFERS[i] for i in (3, 0, 6, 1, 5, 2, 4)]
    frame = pd.DataFrame(rows, columns=["offer_id", "list_price", "price_change_pct", "offer_price", "unit_cost"])
    frame["unit_margin"] = (frame["offer_price"] - frame["unit_cost"]).round(2)
    frame["margin_pct"] = (frame["unit_margin"] / frame["offer_price"]).round(4)
    frame.insert(1, "campaign", "example")
    return frame


# ---- exercises 5, 6 and 7 ----
_HOLDOUT = (  # customer, group, converted, recency, late delivery, recent ticket
    (1, "treatment", True, "0-90d", False, False), (2, "treatment", False, "0-90d", True, False),
    (3, "control", False, "0-90d", False, True),
    (4, "treatment", True, "91-365d", False, False), (5, "treatment", True, "91-365d", True, False),
    (6, "treatment", False, "91-365d", False, False), (7, "control", True, "91-365d", False, False),
    (8, "control", False, "91-365d", False, True),
    (9, "treatment", False, "over 365d or never", False, False),
    (10, "treatment", True, "over 365d or never", False, False),
)


def example_holdout() -> pd.DataFrame:
    """Worked example for exercise 5: ten customers of a holdout with three features (use by=["recency"])."""
    rows = [_HOLDOUT[i] for i in (4, 9, 0, 7, 2, 5, 1, 8, 3, 6)]
    return pd.DataFrame(rows, columns=["customer_id", "group", "converted_30d", "recency", "late_delivery",
                                       "recent_ticket"])


_SCORED = (  # customer, group, converted, uplift (ranked: highest first; 16 and 17 tie)
    (11, "treatment", True, 0.9), (12, "treatment", False, 0.8), (13, "treatment", True, 0.7),
    (14, "control", False, 0.6), (15, "control", False, 0.5), (16, "control", True, 0.35),
    (17, "treatment", False, 0.35), (18, "control", False, 0.2),
)


def example_scored() -> pd.DataFrame:
    """Worked example for exercises 6 and 7: eight customers with a predicted uplift (two tie)."""
    rows = [_SCORED[i] for i in (6, 2, 7, 0, 4, 1, 5, 3)]
    return pd.DataFrame(rows, columns=["customer_id", "group", "converted_30d", "uplift"])


#: The worked example's economics for exercise 7 (USD), with k = EXAMPLE_DEPTH, passed in this order.
EXAMPLE_ECONOMICS = {"margin_offer": 30.0, "margin_list": 50.0, "cost_per_contact": 0.5, "fixed_cost": 10.0}
EXAMPLE_DEPTH = 6


# ---- exercise 8 ----
def example_forecasts() -> pd.DataFrame:
    """Worked example for exercise 8: forecasts of two offers for three segments."""
    frame = pd.DataFrame({"offer_id": [1, 1, 1, 2, 2, 2],
                          "segment": ["value", "mainstream", "premium"] * 2, "contacts": [20, 30, 10, 10, 30, 10],
                          "forecast_redemptions": [2.0, 3.0, 1.0, 1.0, 3.0, 1.0],
                          "forecast_date": "2025-03-01"})
    return _dt(frame, ["forecast_date"])


def example_customers() -> pd.DataFrame:
    """Worked example for exercise 8: six customers and their segments."""
    return pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 6],
                         "segment": ["value", "value", "mainstream", "mainstream", "premium", "premium"],
                         "market": ["UK", "DE", "UK", "DE", "UK", "DE"]})


def example_redemptions() -> pd.DataFrame:
    """Worked example for exercise 8: eight redemptions (offer 3 is a weekly deal with no forecast)."""
    frame = pd.DataFrame({"offer_id": [1, 2, 1, 3, 2, 1, 3, 2], "customer_id": [1, 2, 3, 3, 4, 5, 1, 6],
                          "redeemed_at": "2025-03-05 10:00", "revenue": 50.0, "margin": 10.0})
    frame.insert(0, "redemption_id", range(1, len(frame) + 1))
    frame.insert(1, "contact_id", range(100, 100 + len(frame)))
    return _dt(frame, ["redeemed_at"])


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------

def _indexed(ex: Exercise, frame, key, labels: list, what: str):
    """The answer with its index labels as plain Python values; fails if the index is not ``key``."""
    got = [tuple(_plain(v) for v in i) if isinstance(i, tuple) else _plain(i) for i in frame.index]
    if sorted(got, key=str) != sorted(labels, key=str):
        cols = key if isinstance(key, list) else [key]
        if all(c in frame.columns for c in cols):
            raise ex.fail(f"the result should be indexed by {what}; you have it as column(s). "
                          f"Use .set_index({key!r}).")
        if len(got) != len(labels):
            raise ex.fail(f"the result should have one row per {what.split(' (')[0]} of the worked example "
                          f"({len(labels)} rows); it has {len(got)}.")
        raise ex.fail(f"the index should be {what}; yours has other labels.")
    out = frame.copy()
    out.index = pd.Index(got) if not isinstance(got[0], tuple) else pd.MultiIndex.from_tuples(got)
    return out


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def _close(a, b, tol: float = 1e-6) -> bool:
    try:
        return bool(np.isclose(float(a), float(b), rtol=tol, atol=1e-9))
    except (TypeError, ValueError):
        return False


def _flags(ex: Exercise, frame: pd.DataFrame, column: str) -> dict:
    values = frame[column]
    if values.isna().any():
        raise ex.fail(f"column {column!r} has missing values; it should be True or False for every row.")
    try:
        return {k: bool(v) for k, v in values.items()}
    except (TypeError, ValueError):
        raise ex.fail(f"column {column!r} should hold True/False values.") from None


# --------------------------------------------------------------------------------------------
# Exercise 1: personalisation tiers
# --------------------------------------------------------------------------------------------

#: Worked out by hand: customer -> (tier, cell size). value/UK is a cell of exactly 3; value/DE
#: (1) falls back to the value segment (4); premium (2 in all) falls back to mass (11).
_TIERS = {101: ("fine", 3), 102: ("fine", 3), 103: ("fine", 3), 104: ("segment", 4), 105: ("mass", 11),
          106: ("mass", 11), 107: ("fine", 4), 108: ("fine", 4), 109: ("fine", 4), 110: ("fine", 4),
          111: ("segment", 5)}


def _check_tiers(ex: Exercise, func) -> None:
    answer = call(ex, func, example_audience(), [(n, list(c)) for n, c in EXAMPLE_LEVELS], EXAMPLE_MIN_AUDIENCE)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by customer_id with tier and cell_size")
    expect_columns(ex, answer, ["tier", "cell_size"])
    got = _indexed(ex, answer, "customer_id", list(_TIERS), "customer_id (one row per audience customer)")
    if got["tier"].isna().any():
        raise ex.fail("some customers have no tier. A customer whose cell is too small at one level falls back "
                      "to the next, coarser level; every customer gets a tier (\"none\" only if even the last "
                      "level is too small).")
    tier = {k: str(v) for k, v in got["tier"].items()}
    if set(tier.values()) == {"mass"}:
        raise ex.fail("everyone ended up in the coarsest level. Go through the levels from the FINEST to the "
                      "coarsest and give each customer the first one whose cell is big enough; judge each cell "
                      "on its own (a small cell does not rule out a whole level).")
    if tier[101] != "fine" and tier[107] == "fine":
        raise ex.fail("a cell of exactly min_audience customers was refused: the threshold is 'at least' "
                      "(>= min_audience), not 'more than'.")
    if tier[104] == "mass" or tier[111] == "mass":
        raise ex.fail("a customer skipped a level they qualify for: the value segment has enough customers even "
                      "though one of its cells does not. Judge each cell on its own.")
    if any(tier[k] != t for k, (t, _) in _TIERS.items()):
        raise ex.fail("some tiers are wrong. Each customer gets the finest level whose cell (customers with the "
                      "same values in that level's columns) has at least min_audience customers.")
    size = got["cell_size"]
    if size.isna().any() or not all(_close(size[k], s) for k, (_, s) in _TIERS.items()):
        if _close(size[104], 1) or _close(size[105], 2):
            raise ex.fail("cell_size is the size of the customer's FINEST cell; it should be the size of the cell "
                          "at the tier the customer was given.")
        raise ex.fail("cell_size is wrong: the number of audience customers in the customer's cell at the tier "
                      "given (the whole audience for a level with no columns).")


personalisation_tiers = Exercise(
    "1", "personalisation tiers", "Part 1, 'How fine can personalisation go?'",
    (
        "Work level by level from the finest: at each level, count the customers in each cell and keep, for "
        "the customers who have no tier yet, the level where their cell is big enough.",
        "groupby(columns)['customer_id'].transform('size') gives each customer the size of their cell; a level "
        "with no columns is one cell of len(audience). Keep a mask of the customers already given a tier.",
        "Start from a frame indexed by customer_id with tier 'none'; for each level, take = not yet done & "
        "(size >= min_audience); set tier and cell_size where take; done |= take.",
    ),
    _check_tiers,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: the eligibility engine
# --------------------------------------------------------------------------------------------

_RULES = ("stock", "hold", "region", "consent", "cap")
#: Worked out by hand: candidate -> rules broken (stock, hold, region, consent, cap) and the first one.
#: 1, 7, 10: 2 units available = the floor of 2; 2, 9: 3 on hand but 2 committed; 3: hold lifted on the
#: send day; 5: hold placed on the send day, a text at the send's own instant; 1, 8: two e-mails in the
#: window, one at its very start; 4, 9: two e-mails at the send's own instant; 7: two e-mails in the window.
_ELIGIBILITY = {
    1: ((False, False, False, False, True), "cap"), 2: ((True, False, False, False, False), "stock"),
    3: ((False, False, False, False, False), "eligible"), 4: ((False, False, True, True, False), "region"),
    5: ((False, True, False, False, False), "hold"), 6: ((True, True, False, True, True), "stock"),
    7: ((False, False, False, True, True), "consent"), 8: ((False, False, False, False, True), "cap"),
    9: ((True, False, False, False, False), "stock"), 10: ((False, False, False, False, False), "eligible"),
}


def _check_eligibility(ex: Exercise, func) -> None:
    answer = call(ex, func, example_context(), example_stock(), example_holds(), example_rules(),
                  example_contacts(), example_policies())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by candidate_id with one column per rule "
                "and first_failure")
    expect_columns(ex, answer, [*_RULES, "first_failure"])
    got = _indexed(ex, answer, "candidate_id", list(_ELIGIBILITY), "candidate_id (one row per candidate)")
    f = {rule: _flags(ex, got, rule) for rule in _RULES}
    want = {rule: {k: v[0][i] for k, v in _ELIGIBILITY.items()} for i, rule in enumerate(_RULES)}
    if f["consent"] == {k: not v for k, v in want["consent"].items()}:
        raise ex.fail("the consent column is upside down: each rule column is True when the candidate BREAKS "
                      "the rule, so consent is True where the customer has NOT consented.")
    if f["stock"] != want["stock"]:
        if f["stock"][1] and not f["stock"][2]:
            raise ex.fail("stock was read on the send day itself. The rule uses the stock at the end of the DAY "
                          "BEFORE the send day (the daily_stock row dated send_date - 1 day).")
        if not f["stock"][2] and not f["stock"][9]:
            raise ex.fail("stock used on_hand alone. Units available to promise are on_hand - committed: units "
                          "already promised to orders are not available.")
        if f["stock"][1] and f["stock"][5]:
            raise ex.fail("a candidate with exactly min_available_units available failed the stock rule: it "
                          "fails only when available < min_available_units.")
        raise ex.fail("the stock column is wrong: available = on_hand - committed for the offer's product at the "
                      "customer's fulfilment centre on the day before the send day, failing when it is below "
                      "min_available_units.")
    if f["hold"] != want["hold"]:
        if f["hold"][3]:
            raise ex.fail("a hold lifted ON the send day was still counted. The lifted day is excluded: the "
                          "product may be promoted again that day (placed_date <= send day < lifted_date).")
        if not f["hold"][5]:
            raise ex.fail("a hold placed ON the send day was missed: the placed day is included "
                          "(placed_date <= send day).")
        if f["hold"][1]:
            raise ex.fail("a hold placed after the send day was counted: only holds already on on the send day "
                          "count.")
        raise ex.fail("the hold column is wrong: a hold is on from placed_date (included) to lifted_date "
                      "(excluded); a missing lifted_date means it is still on.")
    if f["region"] != want["region"]:
        raise ex.fail("the region column is wrong: a candidate fails when BOTH its market and its product's "
                      "category are one of the rows of regional_rules.")
    if f["consent"] != want["consent"]:
        raise ex.fail("the consent column is wrong: it is True where the context's consented is False.")
    if f["cap"] != want["cap"]:
        if not f["cap"][7]:
            raise ex.fail("a customer with exactly cap_max_contacts earlier contacts passed the cap: the cap "
                          "fails at AT LEAST cap_max_contacts (>=), because this send would be one more.")
        if not f["cap"][1]:
            raise ex.fail("a contact exactly cap_window_days before the send was left out: the window's start "
                          "counts (sent_at >= send - window).")
        if f["cap"][4] or f["cap"][9]:
            raise ex.fail("contacts at the send's own instant were counted. The window is [send - window, send): "
                          "the send instant itself is excluded.")
        if f["cap"][5]:
            raise ex.fail("contacts in the other channel were counted. The cap is per channel: count only earlier "
                          "contacts in the candidate's own channel.")
        raise ex.fail("the cap column is wrong: count the customer's offer contacts in the same channel with "
                      "sent_at in [send - cap_window_days, send); it fails at cap_max_contacts or more.")
    first = got["first_failure"]
    if first.isna().any():
        raise ex.fail("first_failure has missing values: candidates that break no rule get the text 'eligible'.")
    first = {k: str(v) for k, v in first.items()}
    if first[6] == "cap" or first[4] == "consent":
        raise ex.fail("first_failure holds the LAST rule broken. It is the first one in RULE_ORDER: stock, hold, "
                      "region, consent, cap.")
    if any(first[k] != v[1] for k, v in _ELIGIBILITY.items()):
        raise ex.fail("first_failure is wrong: the first rule in RULE_ORDER whose column is True, or 'eligible'.")


eligibility = Exercise(
    "2", "the eligibility engine", "Part 2, 'Rules before the model'",
    (
        "Build one boolean column per rule, each from its own table, aligned on candidate_id; only then pick "
        "the first failure. Each rule has an exact boundary in the task: reread which end is included.",
        "Stock: shift daily_stock's date by one day and merge on (send_date, product_id, fulfilment_centre). "
        "Holds and regional rules: merge and mark the candidate_ids that match. Cap: merge the contacts on "
        "(customer_id, channel), keep contact_at in [sent_at - window, sent_at), count per candidate.",
        "With flags = out[RULE_ORDER], flags.idxmax(axis=1) gives the first True column of each row (in column "
        "order); use np.where(flags.any(axis=1), ..., 'eligible').",
    ),
    _check_eligibility,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: oversell check
# --------------------------------------------------------------------------------------------

#: Worked out by hand: (offer, centre) -> contacts, expected redemptions, available, oversold.
_OVERSELL = {(1, "FC-EU"): (2, 1.375, 1, True), (1, "FC-UK"): (4, 2.0, 2, False),
             (2, "FC-EU"): (1, 0.125, 0, True), (2, "FC-UK"): (3, 0.875, 1, False)}


def _check_oversell(ex: Exercise, func) -> None:
    answer = call(ex, func, example_plan(), example_stock())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by (offer_id, fulfilment_centre)")
    expect_columns(ex, answer, ["contacts", "expected_redemptions", "available_units", "oversold"])
    if answer.index.nlevels != 2:
        if {"offer_id", "fulfilment_centre"} <= set(answer.columns):
            raise ex.fail("the result should be indexed by (offer_id, fulfilment_centre); you have them as "
                          "columns. Use .set_index(['offer_id', 'fulfilment_centre']).")
        raise ex.fail("the index should have two levels: (offer_id, fulfilment_centre).")
    got = _indexed(ex, answer, ["offer_id", "fulfilment_centre"], list(_OVERSELL),
                   "(offer_id, fulfilment_centre) (one row per pair in the plan)")
    if not all(_close(got.loc[[k], "contacts"].iloc[0], v[0]) for k, v in _OVERSELL.items()):
        raise ex.fail("contacts is wrong: the number of plan rows of each offer and centre.")
    expected = got["expected_redemptions"]
    if _close(expected.loc[[(1, "FC-UK")]].iloc[0], 0.5):
        raise ex.fail("expected_redemptions is the mean score; it should be the SUM of model_score (each contact "
                      "redeems with probability model_score, so the sum is the expected number of units).")
    if not all(_close(expected.loc[[k]].iloc[0], v[1]) for k, v in _OVERSELL.items()):
        raise ex.fail("expected_redemptions is wrong: the sum of model_score per offer and centre.")
    available = got["available_units"]
    if _close(available.loc[[(1, "FC-UK")]].iloc[0], 0):
        raise ex.fail("available_units was read on the send day. Use the stock at the end of the DAY BEFORE the "
                      "send day, as in Part 2.")
    if _close(available.loc[[(1, "FC-UK")]].iloc[0], 5):
        raise ex.fail("available_units used on_hand alone: units available to promise are on_hand - committed.")
    if not all(_close(available.loc[[k]].iloc[0], v[2]) for k, v in _OVERSELL.items()):
        raise ex.fail("available_units is wrong: on_hand - committed of the offer's product at the centre on the "
                      "day before the send day.")
    over = {k: bool(got.loc[[k], "oversold"].iloc[0]) for k in _OVERSELL}
    if over[(2, "FC-UK")]:
        raise ex.fail("oversold compares the number of contacts with stock. Compare EXPECTED redemptions (the "
                      "sum of scores): not every contact redeems.")
    if over[(1, "FC-UK")]:
        raise ex.fail("an offer whose expected redemptions equal the units available was called oversold: it is "
                      "oversold only when expected_redemptions > available_units.")
    if any(over[k] != v[3] for k, v in _OVERSELL.items()):
        raise ex.fail("oversold is wrong: True when expected_redemptions > available_units.")


oversell_check = Exercise(
    "3", "oversell check", "Part 3, 'Promises stock can keep'",
    (
        "One row per (offer_id, fulfilment_centre): aggregate the plan first, then look up one stock figure "
        "per row.",
        "groupby(['offer_id', 'fulfilment_centre', 'product_id', 'send_date']).agg(contacts=('customer_id', "
        "'size'), expected_redemptions=('model_score', 'sum')), then merge the stock of the day before.",
        "Give daily_stock a column send_date = date + 1 day and available_units = on_hand - committed, merge on "
        "(send_date, product_id, fulfilment_centre), and compare with > .",
    ),
    _check_oversell,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: price guardrails
# --------------------------------------------------------------------------------------------

#: Worked out by hand: offer -> discount, margin after the change, breach. Offer 1 is exactly 30% off;
#: offer 3 breaks both (discount first); offer 6's margin is 10.6% of the offer price (9.5% of the list price).
_GUARD = {1: (0.30, 20 / 70, "ok"), 2: (0.35, 25 / 65, "discount"), 3: (0.40, 2 / 60, "discount"),
          4: (0.10, 5 / 90, "margin"), 5: (0.20, 20 / 160, "ok"), 6: (0.10, 9.5 / 90, "ok"),
          7: (0.15, 8 / 85, "margin")}


def _check_guardrails(ex: Exercise, func) -> None:
    answer = call(ex, func, example_offers(), 0.30, 0.10)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by offer_id")
    expect_columns(ex, answer, ["discount", "margin_pct", "breach"])
    got = _indexed(ex, answer, "offer_id", list(_GUARD), "offer_id (one row per offer)")
    if _close(got.loc[2, "discount"], -0.35):
        raise ex.fail("discount is negative: it is -price_change_pct, so 35% off is 0.35.")
    if not all(_close(got.loc[k, "discount"], v[0]) for k, v in _GUARD.items()):
        raise ex.fail("discount is wrong: use -price_change_pct (not a ratio of the rounded prices).")
    margin = {k: got.loc[k, "margin_pct"] for k in _GUARD}
    if _close(margin[4], 0.15):
        raise ex.fail("margin_pct is the margin BEFORE the discount. The guardrail is on the margin after the "
                      "change: (offer_price - unit_cost) / offer_price.")
    if _close(margin[6], 0.095):
        raise ex.fail("margin_pct is divided by the list price; divide by the offer price: "
                      "(offer_price - unit_cost) / offer_price.")
    if not all(_close(margin[k], v[1], 1e-3) for k, v in _GUARD.items()):
        raise ex.fail("margin_pct is wrong: (offer_price - unit_cost) / offer_price, as a fraction.")
    breach = {k: str(got.loc[k, "breach"]) for k in _GUARD}
    if breach[1] == "discount":
        raise ex.fail("an offer of exactly 30% off was flagged: exactly max_discount is allowed (discount > "
                      "max_discount breaks it, not >=).")
    if breach[3] == "margin":
        raise ex.fail("an offer that breaks both guardrails should say 'discount': the discount rule is checked "
                      "first.")
    if any(breach[k] != v[2] for k, v in _GUARD.items()):
        raise ex.fail("breach is wrong: 'discount' if discount > max_discount, else 'margin' if margin_pct < "
                      "min_margin, else 'ok'.")


price_guardrails = Exercise(
    "4", "price guardrails", "Part 4, 'Price guardrails'",
    (
        "Two numbers per offer, then one label: compute discount and margin_pct first, then decide the breach "
        "with the discount rule first.",
        "margin_pct divides by the offer price, not the list price; discount is -price_change_pct.",
        "np.select([discount > max_discount, margin_pct < min_margin], ['discount', 'margin'], 'ok') puts the "
        "conditions in order.",
    ),
    _check_guardrails,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: two-model uplift
# --------------------------------------------------------------------------------------------

#: Worked out by hand (by recency): 0-90d: treated 1 of 2, control 0 of 1; 91-365d: treated 2 of 3,
#: control 1 of 2; over 365d or never: treated 1 of 2, no control.
_UPLIFT = {1: (0.5, 0.0), 2: (0.5, 0.0), 3: (0.5, 0.0), 4: (2 / 3, 0.5), 5: (2 / 3, 0.5), 6: (2 / 3, 0.5),
           7: (2 / 3, 0.5), 8: (2 / 3, 0.5), 9: (0.5, None), 10: (0.5, None)}


def _check_uplift(ex: Exercise, func) -> None:
    answer = call(ex, func, example_holdout(), ["recency"])
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by customer_id with p_treated, p_control, uplift")
    expect_columns(ex, answer, ["p_treated", "p_control", "uplift"])
    got = _indexed(ex, answer, "customer_id", list(_UPLIFT), "customer_id (one row per customer, treated or not)")
    pt, pc, up = (pd.to_numeric(got[c], errors="coerce").astype(float) for c in ("p_treated", "p_control", "uplift"))
    if _close(pt[1], 1 / 3) and _close(pc[1], 1 / 3):
        raise ex.fail("p_treated and p_control are the same: both are the cell's rate over everyone. Two models "
                      "means one rate from the TREATED customers of the cell and one from the CONTROL customers.")
    if all(_close(pc[k], 1 / 3) for k in _UPLIFT):
        raise ex.fail("p_control is the control rate of the whole sample. Learn it per cell, like p_treated.")
    if not np.isnan(pc[9]) or not np.isnan(up[9]):
        raise ex.fail("a cell with no control customer got a p_control (or an uplift). Leave it missing (NaN): "
                      "there is no evidence of what those customers do without the offer.")
    if not all(_close(pt[k], v[0]) for k, v in _UPLIFT.items()):
        raise ex.fail("p_treated is wrong: the conversion rate of the treated customers in the customer's cell.")
    if not all(_close(pc[k], v[1]) for k, v in _UPLIFT.items() if v[1] is not None):
        raise ex.fail("p_control is wrong: the conversion rate of the control customers in the customer's cell.")
    if _close(up[4], -1 / 6):
        raise ex.fail("uplift has the wrong sign: it is p_treated - p_control.")
    if not all(_close(up[k], v[0] - v[1]) for k, v in _UPLIFT.items() if v[1] is not None):
        raise ex.fail("uplift is wrong: p_treated - p_control.")


two_model_uplift = Exercise(
    "5", "two-model uplift", "Part 5, 'Who does the offer change?'",
    (
        "Two models, one per group: learn a conversion rate per cell from the treated customers, and another "
        "from the control customers; then give every customer both.",
        "data[data['group'] == 'treatment'].groupby(by)['converted_30d'].mean() is the treated model; do the "
        "same for control, then join both onto every row with .join(model, on=by).",
        "A left join leaves NaN where a cell has no customer of a group; do not fill it. uplift = p_treated - "
        "p_control; set_index('customer_id').",
    ),
    _check_uplift,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: the Qini curve
# --------------------------------------------------------------------------------------------

#: Worked out by hand (the test vector of the methods notes): Q(k) for k = 0..8.
_QINI = (0.0, 1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 2 / 3, 1.0)


def _check_qini(ex: Exercise, func) -> None:
    answer = call(ex, func, example_scored())
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    expect_type(ex, answer, pd.Series, "a Series indexed by k = 0, 1, ..., n")
    if len(answer) == len(_QINI) - 1:
        raise ex.fail("the curve has n values; it should have n + 1, starting with Q(0) = 0 (nobody targeted).")
    if len(answer) != len(_QINI):
        raise ex.fail(f"the curve should have one value per k = 0..n ({len(_QINI)} in the worked example); it has "
                      f"{len(answer)}.")
    if [_plain(i) for i in answer.index] != list(range(len(_QINI))):
        raise ex.fail("the index should be k = 0, 1, ..., n in order.")
    q = pd.to_numeric(answer, errors="coerce").astype(float).to_numpy()
    if all(_close(a, b) for a, b in zip(q, _QINI, strict=True)):
        return
    if _close(q[3], -0.5) or _close(q[8], 1.0) and _close(q[6], 0.5):
        raise ex.fail("the customers were ranked from the LOWEST uplift. Rank from the highest (ascending=False).")
    if _close(q[1], 0.75):
        raise ex.fail("the control's conversions come from the whole sample's control rate. Use the control "
                      "customers among the top k only: Y_C(k) * N_T(k) / N_C(k).")
    if _close(q[7], 1.0) and _close(q[6], 1.0):
        raise ex.fail("the control's conversions were not rescaled: subtract Y_C(k) * N_T(k) / N_C(k), not "
                      "Y_C(k).")
    if _close(q[6], 2.0):
        raise ex.fail("two customers with the same uplift came in the wrong order: ties go by customer_id "
                      "ascending.")
    raise ex.fail("some Q(k) are wrong: rank by uplift (highest first, ties by customer_id), take cumulative "
                  "sums of treated, control and their conversions, then Q = Y_T - Y_C * N_T / N_C (Y_T when "
                  "N_C is 0).")


qini_curve = Exercise(
    "6", "the Qini curve", "Part 5, 'The Qini curve'",
    (
        "Sort once, then everything is a cumulative sum: of treated customers, of control customers, and of "
        "the conversions in each group.",
        "scored.sort_values(['uplift', 'customer_id'], ascending=[False, True]); then np.cumsum of the masks "
        "(group == 'treatment') and its opposite, and of converted & each mask.",
        "Prepend a 0 to each cumulative sum (np.r_[0, ...]) so the curve starts at k = 0; divide only where "
        "N_C > 0 (np.where).",
    ),
    _check_qini,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: net margin at a targeting depth
# --------------------------------------------------------------------------------------------

#: Worked out by hand with k = 6 and EXAMPLE_ECONOMICS: the top 6 are 11-16 (16 before 17 on the tie):
#: treated 2 of 3 converted, control 1 of 3.
_NET = {"contacts": 6.0, "rate_treated": 2 / 3, "rate_control": 1 / 3, "incremental_conversions": 2.0,
        "incremental_margin": 20.0, "net_margin": 7.0}


def _check_net(ex: Exercise, func) -> None:
    answer = call(ex, func, example_scored(), EXAMPLE_DEPTH, *EXAMPLE_ECONOMICS.values())
    if isinstance(answer, dict):
        answer = pd.Series(answer)
    expect_type(ex, answer, pd.Series, "a Series with contacts, rate_treated, rate_control, "
                "incremental_conversions, incremental_margin and net_margin")
    missing = [k for k in _NET if k not in answer.index]
    if missing:
        raise ex.fail(f"the Series is missing label(s) {missing}.")
    got = {k: answer[k] for k in _NET}
    if not _close(got["contacts"], 6):
        raise ex.fail("contacts should be k: everyone in the top k gets the offer.")
    if _close(got["rate_treated"], 0.5) and _close(got["rate_control"], 0.25):
        raise ex.fail("the top k were taken from the LOWEST uplift. Rank from the highest (ascending=False).")
    if _close(got["rate_control"], 0.0):
        raise ex.fail("two customers with the same uplift came in the wrong order at the cut: ties go by "
                      "customer_id ascending.")
    if _close(got["rate_treated"], 0.5) and _close(got["rate_control"], 0.5):
        raise ex.fail("both rates are the rate of all the top k. rate_treated counts only the treated customers "
                      "among them, rate_control only the control customers.")
    if not (_close(got["rate_treated"], _NET["rate_treated"]) and _close(got["rate_control"], _NET["rate_control"])):
        raise ex.fail("the rates are wrong: the conversion rates of the treated and of the control customers among "
                      "the top k by uplift.")
    if not _close(got["incremental_conversions"], 2.0):
        raise ex.fail("incremental_conversions is wrong: k * (rate_treated - rate_control).")
    if _close(got["incremental_margin"], 60.0):
        raise ex.fail("incremental_margin values the customers who would have bought anyway at the offer's margin. "
                      "Without the offer they would have paid the LIST price: subtract rate_control * margin_list.")
    if _close(got["incremental_margin"], 120.0):
        raise ex.fail("incremental_margin counts every treated conversion. Subtract the margin those customers would "
                      "have brought without the offer: k * rate_control * margin_list.")
    if not _close(got["incremental_margin"], 20.0):
        raise ex.fail("incremental_margin is wrong: k * (rate_treated * margin_offer - rate_control * margin_list).")
    if _close(got["net_margin"], 17.0):
        raise ex.fail("net_margin leaves out the fixed cost of personalisation: subtract fixed_cost once.")
    if _close(got["net_margin"], 10.0):
        raise ex.fail("net_margin leaves out the cost of the contacts: subtract k * cost_per_contact.")
    if not _close(got["net_margin"], 7.0):
        raise ex.fail("net_margin is wrong: incremental_margin - k * cost_per_contact - fixed_cost.")


net_margin_at_depth = Exercise(
    "7", "net margin at a targeting depth", "Part 6, 'Is personalisation worth what it costs?'",
    (
        "Take the top k first (same ranking as exercise 6), then compute two rates inside it, one per group.",
        "The offer earns margin_offer per treated conversion, but the control customers show what would have "
        "happened anyway, at the list price's margin.",
        "incremental_margin = k * (rate_treated * margin_offer - rate_control * margin_list); then subtract "
        "k * cost_per_contact and fixed_cost. Return pd.Series({...}).",
    ),
    _check_net,
)

# --------------------------------------------------------------------------------------------
# Exercise 8: forecast against actual redemptions
# --------------------------------------------------------------------------------------------

#: Worked out by hand: segment -> forecast, actual (offers 1 and 2 only), in the order of the ratio.
_ACCURACY = {"mainstream": (6.0, 2), "value": (3.0, 2), "premium": (2.0, 2)}


def _check_accuracy(ex: Exercise, func) -> None:
    answer = call(ex, func, example_forecasts(), example_redemptions(), example_customers())
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by segment")
    expect_columns(ex, answer, ["forecast", "actual", "bias", "ratio"])
    got = _indexed(ex, answer, "segment", list(_ACCURACY), "segment (one row per segment of the forecasts)")
    if not all(_close(got.loc[s, "forecast"], v[0]) for s, v in _ACCURACY.items()):
        raise ex.fail("forecast is wrong: the sum of forecast_redemptions per segment.")
    if _close(got.loc["value", "actual"], 3) or _close(got.loc["mainstream", "actual"], 3):
        raise ex.fail("actual counts redemptions of offers that have no forecast (the weekly deals, the holdout). "
                      "Count only redemptions of offers whose offer_id is in forecasts.")
    if not all(_close(got.loc[s, "actual"], v[1]) for s, v in _ACCURACY.items()):
        raise ex.fail("actual is wrong: redemptions of the forecast offers, by the customers' segment (from "
                      "customers).")
    if _close(got.loc["mainstream", "bias"], -4.0):
        raise ex.fail("bias has the wrong sign: forecast - actual (positive means over-forecast).")
    if not all(_close(got.loc[s, "bias"], v[0] - v[1]) for s, v in _ACCURACY.items()):
        raise ex.fail("bias is wrong: forecast - actual.")
    if _close(got.loc["mainstream", "ratio"], 1 / 3):
        raise ex.fail("ratio is upside down: forecast / actual (above 1 means the forecast was too high).")
    if not all(_close(got.loc[s, "ratio"], v[0] / v[1]) for s, v in _ACCURACY.items()):
        raise ex.fail("ratio is wrong: forecast / actual.")
    if [str(s) for s in answer.index] != list(_ACCURACY):
        raise ex.fail("the rows are not sorted by ratio from highest to lowest.")


forecast_vs_actual = Exercise(
    "8", "forecast against actual redemptions", "Part 7, 'Did the forecast hold?'",
    (
        "Two numbers per segment from two tables: sum the forecasts; count the redemptions, but only of the "
        "offers that were forecast.",
        "redemptions[redemptions['offer_id'].isin(forecasts['offer_id'])], then merge the customers' segment and "
        "count per segment.",
        "Put both in one DataFrame indexed by segment, add bias and ratio, and sort_values('ratio', "
        "ascending=False).",
    ),
    _check_accuracy,
)
