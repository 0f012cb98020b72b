"""Visible checks and hints for Lab 12, *Attribution and ROI net of operations*.

Every check runs the learner's function on a small hand-made example (print it:
``example_touches()``, ``example_conversions()``, ``example_orders()``, ``example_paths()``,
``example_journeys()``, ``example_loop_journeys()``, ``example_shapley_journeys()``,
``example_economics_inputs()``, ``example_credit()``, ``example_economics()``,
``example_media_spend()``, ``example_credits()``, ``example_truth()``), compares the result with the
answer worked out by hand, and, when it is wrong, says which common mistake it looks like. No check
prints the expected values.

>>> from cxlabs.checks import lab12 as checks
>>> checks.conversion_paths.hint()                        # doctest: +SKIP
>>> checks.conversion_paths.check(conversion_paths)       # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["conversion_paths", "touch_credit", "markov_credit", "shapley_credit", "order_economics", "channel_roi",
           "rule_scorecard", "example_touches", "example_conversions", "example_orders", "example_paths",
           "example_journeys", "example_loop_journeys", "example_shapley_journeys", "example_economics_inputs",
           "example_credit", "example_economics", "example_media_spend", "example_credits", "example_truth"]

T0 = pd.Timestamp("2025-03-20 12:00:00")


def _close(a, b, tol: float = 1e-6) -> bool:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if np.isnan(a) or np.isnan(b):
        return bool(np.isnan(a) and np.isnan(b))
    return abs(a - b) <= tol * max(1.0, abs(b))


def _plain(v):
    if isinstance(v, (np.integer,)) or (isinstance(v, (float, np.floating)) and float(v).is_integer()):
        return int(v)
    return v if isinstance(v, int) else str(v)


def _by_label(ex: Exercise, answer, what: str, wanted: list) -> pd.Series | pd.DataFrame:
    """The answer with plain labels; fail when labels repeat or some are missing."""
    out = answer.copy()
    out.index = pd.Index([_plain(v) for v in out.index])
    if out.index.has_duplicates:
        raise ex.fail(f"some {what} appear more than once in the index; there should be one value for each.")
    missing = [w for w in wanted if w not in out.index]
    if missing:
        raise ex.fail(f"the result should be indexed by {what}; {len(missing)} of the worked example's are missing "
                      f"(for example {missing[0]!r}).")
    return out


def _numbers(ex: Exercise, values, what: str) -> pd.Series:
    try:
        return pd.to_numeric(pd.Series(values)).astype(float)
    except (TypeError, ValueError):
        raise ex.fail(f"{what} should hold numbers.") from None


def _frame_indexed(ex: Exercise, answer, key: str, columns: list[str], wanted: list) -> pd.DataFrame:
    expect_type(ex, answer, pd.DataFrame, f"a DataFrame indexed by {key}")
    if isinstance(answer.index, pd.RangeIndex) and key in answer.columns:
        raise ex.fail(f"the result should be indexed by {key}; it is a column. Use .set_index({key!r}).")
    expect_columns(ex, answer, columns)
    return _by_label(ex, answer, key, wanted)


# --------------------------------------------------------------------------------------------
# Exercise 1: conversion paths
# --------------------------------------------------------------------------------------------

_TOUCHES = (  # touch, customer, moment, channel
    (11, 1, T0 - pd.Timedelta(days=10), "display"),         # exactly at the 10-day window's edge: in
    (12, 1, T0 - pd.Timedelta(days=10, seconds=1), "email"),  # one second older: out
    (13, 1, T0, "sms"),                                        # at the moment of the order: out
    (14, 1, T0 - pd.Timedelta(hours=3), "paid_search"),
    (20, 2, T0 - pd.Timedelta(days=2), "paid_social"),      # two touches at the same moment
    (21, 2, T0 - pd.Timedelta(days=2), "email"),
    (22, 2, T0 - pd.Timedelta(days=1), "paid_social"),
    (31, 3, T0 - pd.Timedelta(days=5), "push"),             # before the previous order: out
    (32, 3, T0 - pd.Timedelta(days=4), "email"),            # at the previous order: out
    (33, 3, T0 - pd.Timedelta(days=3, hours=12), "sms"),
    (51, 5, T0 - pd.Timedelta(days=8), "display"),
)
#: (order, touch) -> channel, days_before, position, touches (by hand, a 10-day window)
_PATHS = {(101, 11): ("display", 10.0, 1, 2), (101, 14): ("paid_search", 0.125, 2, 2),
          (102, 20): ("paid_social", 2.0, 1, 3), (102, 21): ("email", 2.0, 2, 3),
          (102, 22): ("paid_social", 1.0, 3, 3), (103, 33): ("sms", 3.5, 1, 1), (105, 51): ("display", 8.0, 1, 1)}
EXAMPLE_LOOKBACK = 10


def example_touches() -> pd.DataFrame:
    """Worked example for exercise 1: eleven touches of five customers, shaped like ``marketing_touches``."""
    rows = [(t, c, at, ch, 1) for t, c, at, ch in _TOUCHES]
    frame = pd.DataFrame(rows, columns=["touch_id", "customer_id", "touched_at", "channel", "campaign_id"])
    return frame.iloc[[4, 0, 9, 2, 6, 1, 10, 3, 7, 5, 8]].reset_index(drop=True)


def example_orders() -> pd.DataFrame:
    """Worked example for exercise 1: customer 3 also ordered 4 days before (a store order, not a conversion)."""
    rows = [(101, 1, T0), (102, 2, T0), (103, 3, T0), (130, 3, T0 - pd.Timedelta(days=4)), (104, 4, T0), (105, 5, T0)]
    return pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_at"]).assign(status="completed")


def example_conversions() -> pd.DataFrame:
    """Worked example for exercise 1: five conversions, each recorded at delivery 4 days after the order
    (customer 4 has no touch at all)."""
    return pd.DataFrame({"order_id": [101, 102, 103, 104, 105], "customer_id": [1, 2, 3, 4, 5],
                         "recorded_at": T0 + pd.Timedelta(days=4), "revenue": [120.0, 80.0, 45.0, 300.0, 60.0]})


def _check_paths(ex: Exercise, func) -> None:
    answer = call(ex, func, example_touches(), example_conversions(), example_orders(), EXAMPLE_LOOKBACK)
    expect_type(ex, answer, pd.DataFrame, "a DataFrame with one row per (order, touch)")
    frame = answer.reset_index(level=[n for n in answer.index.names if n in ("order_id", "touch_id")
                                      and n not in answer.columns]) if any(
        n in ("order_id", "touch_id") for n in answer.index.names) else answer
    expect_columns(ex, frame, ["order_id", "touch_id", "channel", "days_before", "position", "touches"])
    try:
        keys = [(int(o), int(t)) for o, t in zip(frame["order_id"], frame["touch_id"], strict=True)]
    except (TypeError, ValueError):
        raise ex.fail("order_id and touch_id should hold the ids of the orders and touches.") from None
    got = set(keys)
    if len(got) != len(keys):
        raise ex.fail("some (order, touch) pairs appear more than once: each touch of a path is one row.")
    touches = {t for _, t in got}
    if 13 in touches:
        if 11 not in touches or 51 not in touches:
            raise ex.fail("the window looks measured from the recorded conversion (delivery), not from the order: "
                          "it keeps a touch at or after the order and loses the earliest ones. Use the order's "
                          "ordered_at from `orders`.")
        raise ex.fail("a touch at the very moment of the order is in the path; the window ends just before the order "
                      "(touched_at < ordered_at).")
    if 12 in touches:
        raise ex.fail("a touch older than the window is in the path: keep touched_at >= ordered_at - lookback_days.")
    if 11 not in touches and 51 in touches:
        raise ex.fail("a touch exactly at the window's first moment is missing: the window includes its edge "
                      "(touched_at >= ordered_at - lookback_days, not >).")
    if 11 not in touches and 51 not in touches:
        raise ex.fail("the earliest touches of the paths are missing: is the window measured from the recorded "
                      "conversion (delivery) instead of the order, or in hours instead of days?")
    if 31 in touches:
        raise ex.fail("touches before the customer's previous order are in the path. A touch leads to the next "
                      "order only: keep touches after the customer's previous order.")
    if 32 in touches:
        raise ex.fail("a touch at the very moment of the customer's previous order is in the next order's path; "
                      "keep touches strictly after the previous order.")
    if 104 in {o for o, _ in got} or any(o not in (101, 102, 103, 105) for o, _ in got):
        raise ex.fail("there are rows for orders with no touch in their window, or for orders that are not "
                      "conversions; a conversion with no touch has no rows.")
    if got != set(_PATHS):
        raise ex.fail("the (order, touch) pairs are not the right ones: a path is the customer's touches in the "
                      "window before that order and after their previous order.")
    rows = {k: i for i, k in enumerate(keys)}
    days = _numbers(ex, frame["days_before"], "days_before").to_numpy()
    pos = _numbers(ex, frame["position"], "position").to_numpy()
    size = _numbers(ex, frame["touches"], "touches").to_numpy()
    if any(str(frame["channel"].iloc[rows[k]]) != v[0] for k, v in _PATHS.items()):
        raise ex.fail("the channel column does not match the touches.")
    if _close(days[rows[(101, 14)]], 0.0) or _close(days[rows[(103, 33)]], 3.0):
        raise ex.fail("days_before is in whole days; it should be a float (36 hours is 1.5): divide the time "
                      "difference by pd.Timedelta(days=1).")
    if _close(days[rows[(101, 14)]], 3.0):
        raise ex.fail("days_before looks measured in hours; it is in days (a float).")
    if any(_close(days[rows[k]], v[1] + 4) for k, v in _PATHS.items()):
        raise ex.fail("days_before is counted to the recorded conversion; count it to the order.")
    if not all(_close(days[rows[k]], v[1]) for k, v in _PATHS.items()):
        raise ex.fail("days_before is wrong: the days from the touch to the order (ordered_at - touched_at).")
    if int(pos[rows[(102, 20)]]) == 2 and int(pos[rows[(102, 21)]]) == 1:
        raise ex.fail("two touches at the same moment are in the wrong order: ties in time go in touch_id order.")
    if int(pos[rows[(101, 11)]]) == 2 and int(pos[rows[(101, 14)]]) == 1:
        raise ex.fail("position counts from the last touch; position 1 is the path's first touch in time.")
    if not all(int(pos[rows[k]]) == v[2] for k, v in _PATHS.items()):
        raise ex.fail("position is wrong: 1, 2, ... in time order within each order's path.")
    if not all(int(size[rows[k]]) == v[3] for k, v in _PATHS.items()):
        raise ex.fail("touches is wrong: the number of touches in that order's path (after the window and the "
                      "previous-order rule).")


conversion_paths = Exercise(
    "1", "conversion paths", "Part 1, 'Conversion paths'",
    (
        "Bring each conversion its order's ordered_at and its customer's previous order time from `orders`, "
        "then join the customer's touches and keep those in the window.",
        "Sort `orders` by customer and time; groupby('customer_id')['ordered_at'].shift() gives each order's "
        "previous one. Merge conversions -> orders -> touches on customer_id.",
        "Keep (touched_at >= ordered_at - pd.Timedelta(days=lookback_days)) & (touched_at < ordered_at) & "
        "(previous is missing | touched_at > previous); sort by order, time and touch_id; position = "
        "groupby('order_id').cumcount() + 1.",
    ),
    _check_paths,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: rule-based credit
# --------------------------------------------------------------------------------------------

_PATH_ROWS = ((1, 1, "email", 0.5), (2, 2, "display", 14.0), (2, 3, "email", 7.0), (3, 4, "display", 21.0),
              (3, 5, "sms", 14.0), (3, 6, "sms", 14.0), (3, 7, "paid_social", 0.0))
_CREDIT = {
    "first": {1: 1.0, 2: 1.0, 3: 0.0, 4: 1.0, 5: 0.0, 6: 0.0, 7: 0.0},
    "last": {1: 1.0, 2: 0.0, 3: 1.0, 4: 0.0, 5: 0.0, 6: 0.0, 7: 1.0},
    "linear": {1: 1.0, 2: 0.5, 3: 0.5, 4: 0.25, 5: 0.25, 6: 0.25, 7: 0.25},
    "position": {1: 1.0, 2: 0.5, 3: 0.5, 4: 0.4, 5: 0.1, 6: 0.1, 7: 0.4},
    "time_decay": {1: 1.0, 2: 1 / 3, 3: 2 / 3, 4: 1 / 13, 5: 2 / 13, 6: 2 / 13, 7: 8 / 13},
}


def example_paths() -> pd.DataFrame:
    """Worked example for exercises 2 and 6: paths of 1, 2 and 4 touches (a repeated channel, two touches
    on the same day), shaped like exercise 1's result."""
    p = pd.DataFrame(list(_PATH_ROWS), columns=["order_id", "touch_id", "channel", "days_before"])
    p["position"] = p.groupby("order_id").cumcount() + 1
    p["touches"] = p.groupby("order_id")["touch_id"].transform("size")
    return p.iloc[[3, 0, 6, 1, 5, 2, 4]].reset_index(drop=True)


def _credit_of(ex: Exercise, func, rule: str) -> dict:
    answer = call(ex, func, example_paths(), rule)
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    expect_type(ex, answer, pd.Series, "a Series indexed by touch_id")
    if isinstance(answer.index, pd.RangeIndex):
        raise ex.fail("the Series should be indexed by touch_id, not by row number.")
    s = _by_label(ex, answer, "touch_id", list(_CREDIT["first"]))
    return dict(zip(s.index, _numbers(ex, s.to_numpy(), f"the {rule!r} credit"), strict=True))


def _check_credit(ex: Exercise, func) -> None:
    for rule in ("first", "last", "linear", "position", "time_decay"):
        got = _credit_of(ex, func, rule)
        want = _CREDIT[rule]
        if all(_close(got[k], v) for k, v in want.items()):
            continue
        if rule in ("first", "last") and all(_close(got[k], v) for k, v in _CREDIT[
                "last" if rule == "first" else "first"].items()):
            raise ex.fail(f"rule {rule!r} gives the credit to the other end of the path: first is position 1, "
                          "last is position = touches.")
        if rule == "linear" and _close(got[5], 1 / 6) and _close(got[7], 1 / 3):
            raise ex.fail("linear splits the order by distinct channels; split it by touches (1 / touches), each "
                          "repeated touch with its own share.")
        if rule == "position":
            if _close(got[2], 0.4):
                raise ex.fail("position-based gives 40/40 to a path of two touches; the text gives 50% each.")
            if _close(got[1], 0.8) or _close(got[1], 0.4):
                raise ex.fail("position-based gives a single-touch path less than all of it; one touch gets 100%.")
            if _close(got[5], 0.2):
                raise ex.fail("position-based gives each middle touch 20%; the 20% is shared by all the middle "
                              "touches.")
        if rule == "time_decay":
            if _close(got[1], 2 ** (-0.5 / 7)) or _close(got[3], 0.5):
                raise ex.fail("time-decay weights are not normalised: divide each touch's 2^(-days/7) by the sum "
                              "over its order, so each order's shares add up to 1.")
            if _close(got[2], 1 / (1 + np.exp(1))) or _close(got[2], np.exp(-2) / (np.exp(-2) + np.exp(-1))):
                raise ex.fail("time decay uses e^(-days/7); the half-life is 7 days: weight 2^(-days/7), half as "
                              "much a week earlier.")
            if _close(got[3], 1 / 3) and _close(got[2], 2 / 3):
                raise ex.fail("time decay gives more to the older touches; the touch nearer the order (fewer "
                              "days_before) gets more.")
        raise ex.fail(f"the {rule!r} credit is wrong on the worked example; reread its row of the table.")
    try:
        answer = func(example_paths(), "u_shaped")
    except ValueError:
        return
    except Exception as exc:  # noqa: BLE001 - learner code
        raise ex.fail(f"for an unknown rule it should raise ValueError; it raised {type(exc).__name__}.") from None
    raise ex.fail("for a rule the table does not name ('u_shaped') it should raise ValueError, not return "
                  f"{type(answer).__name__}.")


touch_credit = Exercise(
    "2", "five rules", "Part 2, 'Five rules'",
    (
        "Every rule only needs the columns position, touches and days_before (and order_id to normalise time "
        "decay); no loop over orders is needed.",
        "first: position == 1; last: position == touches; linear: 1 / touches; position-based: np.select over "
        "touches == 1, touches == 2, first or last, with the middle share 0.2 / (touches - 2).",
        "time_decay: raw = 0.5 ** (days_before / half_life_days), then raw / raw.groupby(order_id).transform('sum'). "
        "Return pd.Series(values, index=paths['touch_id']).",
    ),
    _check_credit,
)

# --------------------------------------------------------------------------------------------
# Exercises 3 and 4: Markov removal effect and Shapley values
# --------------------------------------------------------------------------------------------


def _journeys(paths) -> pd.DataFrame:
    rows, touch = [], 1
    for pid, (path, conv) in enumerate(paths, start=1):
        for k, ch in enumerate(path.split(">")):
            rows.append((pid, touch, T0 + pd.Timedelta(days=pid, hours=k), ch, conv))
            touch += 1
    return pd.DataFrame(rows, columns=["path_id", "touch_id", "touched_at", "channel", "converted"])


def example_journeys() -> pd.DataFrame:
    """Worked example for exercise 3 (Puzyrov 2019): ga>conv twice, mail>conv, ga>mail>conv, ga>null."""
    return _journeys([("ga", True), ("ga", True), ("mail", True), ("ga>mail", True), ("ga", False)]).iloc[::-1]


def example_loop_journeys() -> pd.DataFrame:
    """Second worked example for exercise 3: c1>c2>c3 converts, c1 and c2>c3 do not."""
    return _journeys([("c1>c2>c3", True), ("c1", False), ("c2>c3", False)])


_MARKOV = {"ga": (0.75, 2.4), "mail": (0.5, 1.6)}
_MARKOV_LOOP = {"c1": (0.5, 0.2), "c2": (1.0, 0.4), "c3": (1.0, 0.4)}


def _markov_answer(ex: Exercise, func, journeys, wanted) -> tuple[pd.Series, pd.Series]:
    answer = call(ex, func, journeys)
    frame = _frame_indexed(ex, answer, "channel", ["removal_effect", "credit"], list(wanted))
    return (_numbers(ex, frame["removal_effect"], "removal_effect"), _numbers(ex, frame["credit"], "credit"))


def _check_markov(ex: Exercise, func) -> None:
    for journeys, want in ((example_journeys(), _MARKOV), (example_loop_journeys(), _MARKOV_LOOP)):
        effect, credit = _markov_answer(ex, func, journeys, want)
        if all(_close(effect[c], 1.0) for c in want) and want is _MARKOV_LOOP:
            raise ex.fail("every removal effect is 1: the chain looks built from the converting paths only. Paths "
                          "that end in null belong in the chain too (they are what a channel's removal is measured "
                          "against).")
        if not all(_close(effect[c], v[0]) for c, v in want.items()):
            raise ex.fail("removal_effect is wrong: 1 - P(conv with the channel removed) / P(conv), where removing "
                          "a channel sends every move into it to null, and P(conv) solves (I - Q) x = r from start.")
        total = sum(v[1] for v in want.values())
        if not _close(total, 1.0) and all(_close(credit[c], v[1] / total) for c, v in want.items()):
            raise ex.fail("credit adds up to 1; it is in conversions: the number of converting paths x RE / sum of RE.")
        if not _close(total, 1.0) and all(_close(credit[c], v[0] * total) for c, v in want.items()):
            raise ex.fail("credit is the removal effect times the conversions; divide by the sum of the removal "
                          "effects so the credits add up to the conversions.")
        if not all(_close(credit[c], v[1]) for c, v in want.items()):
            raise ex.fail("credit is wrong: the number of converting paths x RE_c / sum of RE over the channels.")


markov_credit = Exercise(
    "3", "the Markov removal effect", "Part 2, 'The Markov removal effect'",
    (
        "Turn each path into moves: start -> first channel, each channel -> the next, last channel -> conv or null. "
        "Count the moves with pd.crosstab and divide each row by its total.",
        "Order the states ['start', channels...]; Q = probabilities among them, r = the column 'conv'. "
        "np.linalg.solve(np.eye(n) - Q, r)[0] is P(conv) from start.",
        "To remove channel c, set Q's column of c to 0 (moves into c now lead nowhere, i.e. null) and solve again. "
        "RE_c = 1 - P_removed / P; credit = conversions x RE / RE.sum().",
    ),
    _check_markov,
)

_SHAPLEY_PATHS = (("a>c", True), ("b>c", True), ("a", False), ("c", False), ("b>b", False), ("c>a>b", True),
                  ("c", True))
_SHAPLEY = {"a": (1 / 42, 1 / 6), "b": (1 / 42, 1 / 6), "c": (11 / 21, 11 / 3)}
_SHAPLEY_COUNTS = {"a": 5 / 6, "b": 5 / 6, "c": 7 / 3}     # v(S) = conversions of the paths inside S
_SHAPLEY_EXACT = {"a": 1 / 3, "b": 1 / 3, "c": 10 / 3}      # v(S) = rate of the paths whose set is exactly S


def example_shapley_journeys() -> pd.DataFrame:
    """Worked example for exercise 4: seven paths over three channels, four of them converting."""
    return _journeys(list(_SHAPLEY_PATHS)).sample(frac=1, random_state=0)


def _check_shapley(ex: Exercise, func) -> None:
    answer = call(ex, func, example_shapley_journeys())
    frame = _frame_indexed(ex, answer, "channel", ["shapley_value", "credit"], list(_SHAPLEY))
    phi = _numbers(ex, frame["shapley_value"], "shapley_value")
    credit = _numbers(ex, frame["credit"], "credit")
    if all(_close(credit[c], v) for c, v in _SHAPLEY_COUNTS.items()):
        raise ex.fail("v(S) counts conversions; the text makes it a conversion rate (converting paths / all paths "
                      "whose channels are inside S), so paths that did not convert count too.")
    if all(_close(credit[c], v) for c, v in _SHAPLEY_EXACT.items()):
        raise ex.fail("v(S) uses the paths whose channel set is exactly S; use every path whose channels are all "
                      "inside S (a subset of S).")
    if all(_close(credit[c], v[0]) for c, v in _SHAPLEY.items()):
        raise ex.fail("credit equals the Shapley value; scale it to conversions: conversions x phi / sum of phi.")
    if not all(_close(phi[c], v[0]) for c, v in _SHAPLEY.items()):
        if _close(phi.sum(), 4 / 7):
            raise ex.fail("the Shapley values add up to the conversion rate but split it wrongly: check the weights "
                          "|S|! (n - |S| - 1)! / n! and that S runs over the sets without the channel.")
        raise ex.fail("shapley_value is wrong: the weighted average of v(S with the channel) - v(S) over every set "
                      "S of the other channels.")
    if not all(_close(credit[c], v[1]) for c, v in _SHAPLEY.items()):
        raise ex.fail("credit is wrong: the number of converting paths x phi / sum of phi.")


shapley_credit = Exercise(
    "4", "Shapley values", "Part 2, 'Shapley values'",
    (
        "Reduce each path to the set of channels it touched and whether it converted; then you need v(S) for all "
        "2^n sets S.",
        "Number the channels and store a path's set as a bit mask (sum of 1 << i over its distinct channels); a "
        "path is inside S when mask & ~S == 0. v(S) = converting / all among those paths, 0 if none.",
        "phi_i = sum over S without bit i of |S|! (n-|S|-1)! / n! * (v[S | 1 << i] - v[S]); credit = conversions * "
        "phi / phi.sum().",
    ),
    _check_shapley,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: order economics
# --------------------------------------------------------------------------------------------

_UNIT_COSTS = {("order_handling", 2024): 5.0, ("order_handling", 2025): 6.0,
               ("delivery_standard", 2024): 10.0, ("delivery_standard", 2025): 12.0,
               ("delivery_express", 2024): 20.0, ("delivery_express", 2025): 25.0,
               ("return_handling", 2024): 15.0, ("return_handling", 2025): 18.0,
               ("return_markdown", 2024): 0.2, ("return_markdown", 2025): 0.1,
               ("contact_phone", 2024): 7.0, ("contact_phone", 2025): 8.0,
               ("contact_chat", 2024): 4.0, ("contact_chat", 2025): 5.0}
#: order -> revenue, product_margin, fulfilment, returns, support, net (by hand)
_ECONOMICS = {
    1: (300.0, 90.0, 17.0, 88.0, 0.0, -15.0),     # placed 31 Dec 2024 (5), shipped 2025 (12); returned 200-150+18+20
    2: (180.0, 30.0, 31.0, 0.0, 0.0, -1.0),       # placed 2025 (6), shipped Jan 2026 at the 2025 rate (25)
    3: (120.0, 30.0, 6.0, 0.0, 8.0, 16.0),        # no shipment: handling only; a phone ticket in 2025
}
_ECONOMICS_MISTAKES = (
    ("fulfilment", {1: 15.0}, "delivery is priced at the year the order was placed; price it at the year its "
                              "shipment was shipped."),
    ("returns", {1: 38.0}, "the returns cost misses the margin lost on the returned unit (refund_amount - "
                           "unit_cost of the product)."),
    ("returns", {1: 68.0}, "the returns cost misses the markdown: refund_amount x the return_markdown rate."),
    ("returns", {1: 238.0}, "the returns cost counts the whole refund; the unit goes back to stock, so the loss is "
                            "refund_amount - unit_cost."),
    ("product_margin", {1: 70.0}, "product_margin ignores quantity: (unit_price - unit_cost) x quantity per line."),
)


def example_economics_inputs() -> dict:
    """Worked example for exercise 5, its arguments by name in the order the function takes them: three conversions, one placed on 31 December
    and shipped in January and returned, one shipped in January 2026 (past the last rate year), one with
    no shipment and a phone ticket; an order that is not a conversion; a ticket about no order."""
    ts = pd.Timestamp
    costs = pd.Series(_UNIT_COSTS, name="unit_cost")
    costs.index.names = ["activity", "year"]
    return {
        "conversions": pd.DataFrame({"order_id": [3, 1, 2], "customer_id": [3, 1, 2]}),
        "orders": pd.DataFrame({"order_id": [1, 2, 3, 9], "customer_id": [1, 2, 3, 9],
                                "ordered_at": [ts("2024-12-31 22:00"), ts("2025-12-30"), ts("2025-05-01"),
                                               ts("2025-05-01")],
                                "delivery_method": ["standard", "express", "standard", "standard"]}),
        "order_lines": pd.DataFrame({"order_id": [1, 1, 2, 3, 9], "line_number": [1, 2, 1, 1, 1],
                                     "product_id": [10, 20, 20, 10, 20], "quantity": [2, 1, 1, 3, 4],
                                     "unit_price": [50.0, 200.0, 180.0, 40.0, 200.0]}),
        "products": pd.DataFrame({"product_id": [10, 20], "unit_cost": [30.0, 150.0]}),
        "shipments": pd.DataFrame({"order_id": [1, 2, 9], "shipped_at": [ts("2025-01-02"), ts("2026-01-03"),
                                                                         ts("2025-05-02")]}),
        "returns": pd.DataFrame({"order_id": [1], "line_number": [2], "product_id": [20],
                                 "requested_date": [ts("2025-01-10")], "refund_amount": [200.0]}),
        "tickets": pd.DataFrame({"order_id": pd.array([3, None, 9], dtype="Int64"),
                                 "channel": ["phone", "chat", "phone"],
                                 "created_at": [ts("2025-05-04"), ts("2025-05-04"), ts("2025-05-05")]}),
        "unit_costs": costs,
    }


_ECONOMICS_COLUMNS = ["revenue", "product_margin", "fulfilment", "returns", "support", "net_contribution"]


def _check_economics(ex: Exercise, func) -> None:
    answer = call(ex, func, *example_economics_inputs().values())
    frame = _frame_indexed(ex, answer, "order_id", _ECONOMICS_COLUMNS, list(_ECONOMICS))
    if len(frame) != len(_ECONOMICS):
        raise ex.fail(f"it has {len(frame)} rows; there should be one per conversion (an order that is not a "
                      "conversion has none).")
    values = {c: _numbers(ex, frame[c], c) for c in _ECONOMICS_COLUMNS}
    for column, wrong, message in _ECONOMICS_MISTAKES:
        if all(_close(values[column][o], v) for o, v in wrong.items()):
            raise ex.fail(message)
    if _close(values["fulfilment"][3], 18.0) or values["fulfilment"].isna().any():
        raise ex.fail("an order with no shipment has no delivery cost: fulfilment is its order_handling only.")
    for k, column in enumerate(_ECONOMICS_COLUMNS):
        if not all(_close(values[column][o], v[k]) for o, v in _ECONOMICS.items()):
            raise ex.fail(f"{column} is wrong on the worked example; reread its bullet (and price every activity "
                          "with unit_cost_of at the year the text names).")


order_economics = Exercise(
    "5", "order economics", "Part 3, 'Order economics'",
    (
        "Build each part as a Series indexed by order_id (groupby order_id and sum), then put them side by side on "
        "the conversions' order ids, with 0 where an order has no return or ticket.",
        "Margin per line: (unit_price - products' unit_cost) * quantity. Fulfilment: unit_cost_of(unit_costs, "
        "'order_handling', ordered_at) + unit_cost_of(unit_costs, 'delivery_' + delivery_method, shipped_at).",
        "Per returned unit: refund_amount - unit_cost + unit_cost_of(..., 'return_handling', requested_date) + "
        "refund_amount * unit_cost_of(..., 'return_markdown', requested_date). Support: "
        "unit_cost_of(..., 'contact_' + channel, created_at) per ticket.",
    ),
    _check_economics,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: channel ROI
# --------------------------------------------------------------------------------------------

#: channel -> conversions, revenue, net_contribution, media_spend, roas, roi (by hand, linear credit
#: without touch 6, orders' revenue 100/250/80 and net 30/-20/10)
_ROI = {
    "email": (1.5, 225.0, 20.0, 15.0, 15.0, 1 / 3),
    "display": (0.75, 145.0, -7.5, 50.0, 2.9, -1.15),
    "sms": (0.25, 20.0, 2.5, 2.0, 10.0, 0.25),
    "paid_social": (0.25, 20.0, 2.5, 0.0, np.nan, np.nan),
    "paid_search": (0.0, 0.0, 0.0, 200.0, 0.0, -1.0),
}


def example_credit() -> pd.Series:
    """Worked example for exercise 6: the linear credit of ``example_paths()``, with touch 6 left out."""
    return pd.Series({1: 1.0, 2: 0.5, 3: 0.5, 4: 0.25, 5: 0.25, 7: 0.25}, name="linear").rename_axis("touch_id")


def example_economics() -> pd.DataFrame:
    """Worked example for exercise 6: revenue and net contribution of the three orders of ``example_paths()``."""
    return pd.DataFrame({"revenue": [100.0, 250.0, 80.0], "net_contribution": [30.0, -20.0, 10.0]},
                        index=pd.Index([1, 2, 3], name="order_id"))


def example_media_spend() -> pd.DataFrame:
    """Worked example for exercise 6: spend of e-mail (two campaigns), display, SMS and paid search (which
    has no touch); paid social has none."""
    return pd.DataFrame({"month": pd.Timestamp("2025-01-01"), "campaign_id": [1, 2, 3, 4, 5],
                         "channel": ["email", "display", "email", "sms", "paid_search"],
                         "spend": [10.0, 50.0, 5.0, 2.0, 200.0]})


def _check_roi(ex: Exercise, func) -> None:
    answer = call(ex, func, example_paths(), example_credit(), example_economics(), example_media_spend())
    columns = ["conversions", "revenue", "net_contribution", "media_spend", "roas", "roi"]
    expect_type(ex, answer, pd.DataFrame, "a DataFrame indexed by channel")
    labels = {str(v) for v in answer.index}
    if "paid_search" not in labels and "paid_social" in labels:
        raise ex.fail("a channel with spend but no touch is missing: one row for every channel in paths or in "
                      "media_spend (it credits nothing and loses its spend).")
    if "paid_social" not in labels and "paid_search" in labels:
        raise ex.fail("a channel with touches but no spend is missing: one row for every channel in paths or in "
                      "media_spend.")
    frame = _frame_indexed(ex, answer, "channel", columns, list(_ROI))
    values = {c: _numbers(ex, frame[c], c) for c in columns}
    if values["conversions"].isna().any() or _close(values["conversions"]["sms"], 0.0):
        raise ex.fail("a touch with no credit given should count 0 (fill the missing credit with 0).")
    if _close(values["media_spend"]["email"], 10.0) or _close(values["media_spend"]["email"], 5.0):
        raise ex.fail("media_spend keeps one campaign's spend; add up every row of the channel.")
    if _close(values["roi"]["email"], (225.0 - 15.0) / 15.0):
        raise ex.fail("roi is computed from revenue; it uses net_contribution (after product, fulfilment, returns "
                      "and support): (net_contribution - media_spend) / media_spend.")
    if _close(values["roi"]["email"], 20.0 / 15.0):
        raise ex.fail("roi does not subtract the media spend: (net_contribution - media_spend) / media_spend.")
    if not np.isnan(values["roi"]["paid_social"]) or not np.isnan(values["roas"]["paid_social"]):
        raise ex.fail("a channel with no spend should have roas and roi missing (NaN), not a number or infinity.")
    for k, c in enumerate(columns):
        if not all(_close(values[c][ch], v[k]) for ch, v in _ROI.items()):
            raise ex.fail(f"{c} is wrong on the worked example: credit x the order's value summed over the "
                          "channel's touches, spend summed over its rows, then the two ratios.")


channel_roi = Exercise(
    "6", "channel ROI net of operations", "Part 3, 'Channel ROI net of operations'",
    (
        "Give every touch of `paths` its credit (0 if missing) and its order's revenue and net contribution, then "
        "group by channel.",
        "paths['touch_id'].map(credit).fillna(0); .join(economics[['revenue', 'net_contribution']], on='order_id'); "
        "multiply both by the credit before summing.",
        "Join media_spend.groupby('channel')['spend'].sum() with how='outer' and fill 0; divide by the spend where "
        "it is above 0 (.where(spend > 0)) so a channel with none gets NaN.",
    ),
    _check_roi,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: the scorecard
# --------------------------------------------------------------------------------------------

#: rule -> share_error, rank_correlation, top channel (by hand)
_CARD = {"right": (0.0, 1.0, "a"), "backwards": (0.3, -1.0, "c"), "tied": (0.125, 0.75 ** 0.5, "a or b")}


def example_credits() -> pd.DataFrame:
    """Worked example for exercise 7: three rules' credit (conversions) over channels a, b, c (one with a tie)."""
    return pd.DataFrame({"right": [10.0, 6.0, 4.0], "backwards": [4.0, 6.0, 10.0], "tied": [30.0, 30.0, 20.0]},
                        index=pd.Index(["a", "b", "c"], name="channel"))


def example_truth() -> pd.Series:
    """Worked example for exercise 7: true shares of channels a, b, c."""
    return pd.Series({"a": 0.5, "b": 0.3, "c": 0.2}, name="share")


def _check_scorecard(ex: Exercise, func) -> None:
    answer = call(ex, func, example_credits(), example_truth())
    frame = _frame_indexed(ex, answer, "rule", ["share_error", "rank_correlation", "top_channel"], list(_CARD))
    error = _numbers(ex, frame["share_error"], "share_error")
    corr = _numbers(ex, frame["rank_correlation"], "rank_correlation")
    if _close(error["backwards"], 0.6):
        raise ex.fail("share_error is the sum of the differences; the text halves it (the share of conversions "
                      "credited to the wrong channels, from 0 to 1).")
    if error["tied"] > 1:
        raise ex.fail("share_error compares credit in conversions with shares; turn each rule's credit into shares "
                      "first (credit / its sum).")
    if not all(_close(error[r], v[0]) for r, v in _CARD.items()):
        raise ex.fail("share_error is wrong: half the sum over channels of |credit share - true share|.")
    if _close(corr["backwards"], np.corrcoef([4, 6, 10], [0.5, 0.3, 0.2])[0, 1]):
        raise ex.fail("rank_correlation is a Pearson correlation of the values; Spearman correlates their ranks.")
    if not _close(corr["backwards"], -1.0) or not _close(corr["right"], 1.0):
        raise ex.fail("rank_correlation is wrong: the Spearman correlation of each rule's credit with the truth "
                      "(a rule in the truth's order has 1, one in reverse order -1).")
    if _close(corr["tied"], 0.5):
        raise ex.fail("rank_correlation ranks tied credit one after the other; ties take their average rank "
                      "(Spearman, as .corr(method='spearman') does).")
    if not _close(corr["tied"], _CARD["tied"][1]):
        raise ex.fail("rank_correlation is wrong for a rule with a tie: ties take their average rank.")
    if str(frame["top_channel"]["tied"]) not in ("a", "b"):
        raise ex.fail("top_channel is not a channel with the most credit (idxmax of the rule's column).")
    for r in ("right", "backwards"):
        if str(frame["top_channel"][r]) != _CARD[r][2]:
            raise ex.fail("top_channel is not the channel with the most credit (idxmax of the rule's column).")


rule_scorecard = Exercise(
    "7", "a scorecard for the rules", "Part 4, 'A scorecard for the rules'",
    (
        "Work rule by rule (the columns of credits): turn the credit into shares, line it up with the truth on the "
        "same channels (missing = 0), then compute the three numbers.",
        "share_error = (share - truth).abs().sum() / 2 after reindexing both on credits.index.union(truth.index).",
        "rank_correlation: credit.reindex(truth.index).corr(truth, method='spearman'); top_channel: credit.idxmax(). "
        "Build a dict per rule and pd.DataFrame.from_dict(..., orient='index').",
    ),
    _check_scorecard,
)
