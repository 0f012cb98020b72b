"""The instalment-credit decision rule, as the credit policy writes it (given code for lab 14).

Every application for instalment credit at checkout gets one of three decisions: ``"approve"``
(the plan is offered at once), ``"refer"`` (a person reviews it) or ``"decline"``. Our policy
(the company's credit policy, version 3, in force since 2024-01), clause by clause, in order;
the first clause that applies decides:

1. the basket is above ``MAX_BASKET_USD`` (2,500 USD; exactly 2,500 is allowed): decline;
2. the bureau's count of missed payments is missing (no credit file): refer;
3. the bureau data are stale, older than ``STALE_AFTER_DAYS`` (90) days on the application day
   (exactly 90 days is not stale): refer;
4. the collections flag is set but the bureau shows no missed payment (two sources that
   conflict): refer;
5. the collections flag is set: decline;
6. ``MAX_MISSED`` (3) or more missed payments in the past 12 months: decline;
7. the model's score (probability of repaying, 0-1) is at least ``APPROVE_AT`` (0.85): approve;
   at least ``REFER_AT`` (0.75): refer; otherwise decline.

The rule is the policy; the system in production is meant to implement it. Test it with a
table of inputs and the decision the policy gives for each.
"""

from __future__ import annotations

import math

APPROVE_AT = 0.85
REFER_AT = 0.75
MAX_BASKET_USD = 2500.0
STALE_AFTER_DAYS = 90
MAX_MISSED = 3
DECISIONS = ("approve", "refer", "decline")


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):  # pandas.NA compares to missing
        return True


def decide(score: float, basket_usd: float, missed_payments_12m, in_collections: bool,
           bureau_age_days: int) -> str:
    """The policy's decision for one application.

    Parameters
    ----------
    score : float
        The model's probability that the customer repays, 0-1.
    basket_usd : float
        The basket to be paid in instalments, USD.
    missed_payments_12m : int or None
        Missed payments in the past 12 months by the bureau; ``None`` (or NaN, ``pd.NA``): no file.
    in_collections : bool
        The collections system's flag.
    bureau_age_days : int
        Days from the bureau check to the application day.

    Examples
    --------
    >>> decide(0.9, 300.0, 0, False, 10)
    'approve'
    >>> decide(0.9, 300.0, None, False, 10)
    'refer'
    """
    if basket_usd > MAX_BASKET_USD:
        return "decline"
    if _missing(missed_payments_12m):
        return "refer"
    if bureau_age_days > STALE_AFTER_DAYS:
        return "refer"
    if in_collections and missed_payments_12m == 0:
        return "refer"
    if in_collections:
        return "decline"
    if missed_payments_12m >= MAX_MISSED:
        return "decline"
    if score >= APPROVE_AT:
        return "approve"
    if score >= REFER_AT:
        return "refer"
    return "decline"
