"""Visible checks and hints for Lab 06, *Service operations: SLAs, staffing, routing*.

Every check runs the learner's function on a small hand-made example (print it:
``example_intervals()``, ``example_campaigns()``, ``example_daily()``, ``example_history()``,
``example_tickets()``, ``example_surveys()``; the Erlang C examples are the published one of
Call Centre Helper and a few more, listed in ``ERLANG_EXAMPLES``), compares the result with the
answer worked out by hand, and, when it is wrong, says which common mistake it looks like.
No check prints the expected values.

>>> from cxlabs.checks import lab06 as checks
>>> checks.erlang_c.hint()                 # doctest: +SKIP
>>> checks.erlang_c.check(erlang_c)        # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from cxlabs.feedback import Exercise, call, expect_columns, expect_type

__all__ = ["service_level", "erlang_c", "agents_for_target", "campaign_uplift", "priority_waits",
           "time_in_status", "first_response_bands", "example_intervals", "example_campaigns",
           "example_daily", "example_history", "example_tickets", "example_surveys", "ERLANG_EXAMPLES",
           "STAFFING_EXAMPLES", "PRIORITY_EXAMPLES", "HISTORY_AS_OF", "UPLIFT_WINDOW", "BANDS"]

T = pd.Timestamp
BANDS = ["up to 1h", "1h to 8h", "8h to 24h", "over 24h"]


def _close(a, b, rtol: float = 1e-4) -> bool:
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if math.isinf(b) or math.isinf(a):
        return a == b
    return bool(np.isclose(a, b, rtol=rtol, atol=1e-9))


def _frame_of(ex: Exercise, answer, what: str, columns: list[str]) -> pd.DataFrame:
    expect_type(ex, answer, pd.DataFrame, what)
    expect_columns(ex, answer, columns)
    return answer


def _numbers(ex: Exercise, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        try:
            out[c] = pd.to_numeric(out[c]).astype(float)
        except (TypeError, ValueError):
            raise ex.fail(f"column {c!r} should hold numbers, it holds {frame[c].dtype}.") from None
    return out


def _dict_of(ex: Exercise, answer, keys: tuple[str, ...]) -> dict:
    if not isinstance(answer, Mapping):
        raise ex.fail(f"your function should return a dict with the keys {list(keys)}, but it returned "
                      f"{'nothing (None): did you forget the `return` line?' if answer is None else type(answer).__name__}.")
    missing = [k for k in keys if k not in answer]
    if missing:
        raise ex.fail(f"the dict is missing the key(s) {missing}; it has {sorted(map(str, answer))}.")
    out = {}
    for k in keys:
        try:
            out[k] = float(answer[k])
        except (TypeError, ValueError):
            raise ex.fail(f"{k!r} should be a number, got {type(answer[k]).__name__}.") from None
    return out


# --------------------------------------------------------------------------------------------
# Exercise 1: service level at peaks
# --------------------------------------------------------------------------------------------

_INTERVALS = (  # start, channel, offered, handled, abandoned, answered within target
    ("2025-03-09 21:30", "phone", 10, 8, 2, 7),     # the day before the campaign: off-peak
    ("2025-03-10 07:00", "phone", 20, 18, 2, 12),   # its first day: peak
    ("2025-03-12 21:30", "phone", 30, 25, 5, 15),   # the last interval of its last day: peak
    ("2025-03-13 07:00", "phone", 40, 40, 0, 36),   # the day after: off-peak
    ("2025-03-13 07:30", "phone", 0, 0, 0, 0),      # nobody called
    ("2025-03-14 08:00", "phone", 2, 2, 0, 0),      # a small interval that missed
    ("2025-03-11 12:00", "chat", 10, 10, 0, 9),
    ("2025-03-11 12:30", "chat", 50, 40, 10, 30),
    ("2025-03-13 12:00", "chat", 20, 20, 0, 17),
    ("2025-03-13 12:30", "chat", 5, 4, 1, 4),
)
_INTERVAL_ORDER = (6, 2, 9, 0, 4, 7, 1, 8, 3, 5)
#: The worked example's answer, by hand: channel -> (peak, off_peak).
#: phone: peak (12 + 15) / (20 + 30); off-peak (7 + 36 + 0 + 0) / (10 + 40 + 0 + 2).
#: chat: peak (9 + 30) / (10 + 50); off-peak (17 + 4) / (20 + 5).
_SERVICE_LEVEL = {"phone": (27 / 50, 43 / 52), "chat": (39 / 60, 21 / 25)}


def example_intervals() -> pd.DataFrame:
    """Worked example for exercise 1: ten intervals shaped like ``contact_intervals`` (some columns)."""
    rows = [(T(s), ch, o, o_b, h, a, w) for (s, ch, o, h, a, w), o_b in
            zip(_INTERVALS, (0, 1, 2, 3, 0, 0, 1, 4, 1, 0), strict=True)]
    frame = pd.DataFrame(rows, columns=["interval_start", "channel", "offered", "offered_business", "handled",
                                        "abandoned", "answered_within_target"])
    frame["interval_start"] = frame["interval_start"].astype("datetime64[us]")
    return frame.iloc[list(_INTERVAL_ORDER)].reset_index(drop=True)


def example_campaigns() -> pd.DataFrame:
    """Worked example for exercise 1: a three-day campaign (10 to 12 March 2025) and one in April."""
    frame = pd.DataFrame({"campaign_id": [1, 2], "campaign_name": ["Spring sale", "Easter push"],
                          "kind": ["sale", "promotion"],
                          "start_date": [T("2025-03-10"), T("2025-04-14")],
                          "end_date": [T("2025-03-12"), T("2025-04-18")]})
    for c in ("start_date", "end_date"):
        frame[c] = frame[c].astype("datetime64[us]")
    return frame


def _check_service_level(ex: Exercise, func) -> None:
    answer = call(ex, func, example_intervals(), example_campaigns())
    got = _numbers(ex, _frame_of(ex, answer, "a DataFrame indexed by channel", ["peak", "off_peak"]),
                   ["peak", "off_peak"])
    if sorted(map(str, got.index)) != ["chat", "phone"]:
        raise ex.fail("the index should be the channel, one row per channel (here 'chat' and 'phone'); "
                      "put the channels in the index, not in a column.")
    got.index = got.index.map(str)
    phone, chat = got.loc["phone"], got.loc["chat"]
    if _close(phone["peak"], 27 / 43) or _close(chat["peak"], 39 / 50):
        raise ex.fail("you divided by the handled contacts. Abandoned contacts count as missed (our "
                      "policy): divide the answered-within-target contacts by the OFFERED contacts.")
    if _close(phone["peak"], 0.55) or _close(phone["off_peak"], 1.6 / 3) or _close(phone["off_peak"], 0.4):
        raise ex.fail("you averaged the intervals' service levels. The service level is a ratio of sums: "
                      "sum answered_within_target over the intervals, divided by the sum of offered, so a "
                      "busy interval weighs more than a quiet one.")
    if _close(phone["peak"], 0.6):
        raise ex.fail("the campaign's last day is counted as off-peak. end_date is included: compare the "
                      "interval's DATE (interval_start.dt.normalize()) with start_date and end_date, "
                      "so 21:30 on the last day is still a peak interval.")
    if _close(chat["peak"], 21 / 25) and _close(chat["off_peak"], 39 / 60):
        raise ex.fail("peak and off_peak are swapped: 'peak' is the service level on campaign days.")
    for channel, (peak, off) in _SERVICE_LEVEL.items():
        if not (_close(got.loc[channel, "peak"], peak) and _close(got.loc[channel, "off_peak"], off)):
            raise ex.fail(f"the {channel} service level is wrong. An interval is peak when its date is "
                          "within any campaign (start_date to end_date, both included); service level "
                          "= sum answered_within_target / sum offered.")


service_level = Exercise(
    "1", "service level at peaks", "Part 1, 'Do we keep the promise?'",
    (
        "Flag each interval as peak or off-peak first: its date (interval_start.dt.normalize()) is "
        "within some campaign's start_date and end_date, both included. Then sum two columns per "
        "channel and flag.",
        "Loop over the few campaigns and OR the flags: peak |= (day >= start) & (day <= end). Then "
        "group by [channel, flag] and .sum() answered_within_target and offered; divide the sums.",
        "sums = intervals.groupby(['channel', flag])[['answered_within_target', 'offered']].sum(); "
        "(sums['answered_within_target'] / sums['offered']).unstack() gives one column per flag: "
        "name them 'peak' and 'off_peak'.",
    ),
    _check_service_level,
)

# --------------------------------------------------------------------------------------------
# Exercise 2: Erlang C
# --------------------------------------------------------------------------------------------

#: Worked examples for exercise 2: (calls, aht_seconds, agents, target_seconds) and the answer
#: (load, p_wait, service_level, asa_seconds, occupancy). The first is Call Centre Helper's
#: published example; the second needs 420 agents (A^N / N! overflows a float); in the third
#: there are no more agents than load; the fourth has no calls.
ERLANG_EXAMPLES = (
    ((100, 180, 14, 20), (10.0, 0.17413193359504983, 0.8883500191794669, 7.835937011777243, 0.7142857142857143)),
    ((4000, 180, 420, 20), (400.0, 0.23028543077534383, 0.9750444230900732, 2.0725688769780946,
                            0.9523809523809523)),
    ((100, 180, 10, 20), (10.0, 1.0, 0.0, math.inf, 1.0)),
    ((0, 180, 3, 20), (0.0, 0.0, 1.0, 0.0, 0.0)),
)
_ERLANG_KEYS = ("load", "p_wait", "service_level", "asa_seconds", "occupancy")


def _erlang_answer(ex: Exercise, func, args) -> dict:
    try:
        result = func(*args)
    except NotImplementedError:
        raise ex.fail("not answered yet: replace `raise NotImplementedError()` with your code.") from None
    except (OverflowError, ZeroDivisionError, ValueError) as exc:
        if 0 < args[2] <= args[0] * args[1] / 1800:
            raise ex.fail(f"your function raised {type(exc).__name__} with no more agents than load "
                          f"({args[2]} agents, {args[0] * args[1] / 1800:g} erlangs): there the queue grows "
                          "without end. Test N <= A before the formulas and return p_wait 1.0, "
                          "service_level 0.0, asa_seconds math.inf, occupancy 1.0.") from None
        if args[2] > 170:
            raise ex.fail(f"your function raised {type(exc).__name__} for {args[2]} agents: the A**N / N! "
                          "form overflows a float beyond about 170 agents. Use the Erlang B recursion, "
                          "which only multiplies and divides numbers near 1.") from None
        raise ex.fail(f"your function raised {type(exc).__name__}: {exc} for calls={args[0]}, "
                      f"aht_seconds={args[1]}, agents={args[2]}, target_seconds={args[3]}.") from None
    except Exception as exc:  # noqa: BLE001 - learner code
        raise ex.fail(f"your function raised {type(exc).__name__}: {exc} when run on the worked example "
                      f"(calls={args[0]}, aht_seconds={args[1]}, agents={args[2]}).") from None
    return _dict_of(ex, result, _ERLANG_KEYS)


def _check_erlang_c(ex: Exercise, func) -> None:
    if not callable(func):
        call(ex, func)
    got = [_erlang_answer(ex, func, args) for args, _ in ERLANG_EXAMPLES[:1]]
    first, want = got[0], dict(zip(_ERLANG_KEYS, ERLANG_EXAMPLES[0][1], strict=True))
    if _close(first["load"], 5.0):
        raise ex.fail("the load is per hour. The load of an interval is calls x AHT / interval_seconds "
                      "(1800 for half an hour): 100 calls of 180 s in 30 minutes are 10 erlangs.")
    if not _close(first["load"], want["load"]):
        raise ex.fail("the load is wrong: A = calls x aht_seconds / interval_seconds, in erlangs.")
    if _close(first["p_wait"], 0.056819143386520866):  # Erlang B of the example, from the recursion
        raise ex.fail("p_wait is the Erlang B blocking probability. Erlang C turns it into the "
                      "probability of waiting: P_w = N B / (N - A (1 - B)).")
    if not _close(first["p_wait"], want["p_wait"]):
        raise ex.fail("p_wait is wrong on the published example (100 calls, AHT 180 s, 14 agents): "
                      "run the recursion B(n) = A B(n-1) / (n + A B(n-1)) from B(0) = 1 up to n = N, then "
                      "P_w = N B / (N - A (1 - B)).")
    if _close(first["service_level"], 1 - math.exp(-4 * 20 / 180)):
        raise ex.fail("the service level leaves out the probability of waiting: SL = 1 - P_w x "
                      "exp(-(N - A) T / AHT). Contacts that do not wait are all answered in time.")
    for key in ("service_level", "asa_seconds", "occupancy"):
        if _close(first[key] / 60, want[key]) and key == "asa_seconds":
            raise ex.fail("asa_seconds is in minutes or scaled: ASA = P_w x AHT / (N - A), in seconds.")
        if not _close(first[key], want[key]):
            raise ex.fail(f"{key} is wrong on the published example; see the formulas in the task "
                          "(SL = 1 - P_w exp(-(N - A) T / AHT), ASA = P_w AHT / (N - A), occupancy A / N).")
    for args, expected in ERLANG_EXAMPLES[1:]:
        got = _erlang_answer(ex, func, args)
        want = dict(zip(_ERLANG_KEYS, expected, strict=True))
        bad = [k for k in _ERLANG_KEYS if not _close(got[k], want[k])]
        if not bad:
            continue
        calls, _, agents, _ = args
        if agents > 170:
            raise ex.fail(f"the answer for {agents} agents is wrong ({', '.join(bad)}): the A**N / N! "
                          "form loses its precision or overflows for hundreds of agents. Use the Erlang "
                          "B recursion.")
        if calls == 0:
            raise ex.fail("with no calls nobody waits: p_wait 0, service level 1, ASA 0, occupancy 0 "
                          f"({', '.join(bad)} wrong).")
        raise ex.fail("with no more agents than load (N <= A) the queue grows without end: p_wait 1.0, "
                      f"service_level 0.0, asa_seconds math.inf, occupancy 1.0 ({', '.join(bad)} wrong). "
                      "Test N <= A before the formulas.")


erlang_c = Exercise(
    "2", "Erlang C for one interval", "Part 2, 'How many agents does the promise take?'",
    (
        "Work in erlangs: A = calls x aht_seconds / interval_seconds. Handle N <= A first (and "
        "calls = 0 falls out of the formulas: check it).",
        "The textbook form needs A**N / N!, which overflows. Instead start from B = 1.0 and loop "
        "n = 1..N: B = A * B / (n + A * B). That is Erlang B with N agents.",
        "P_w = N * B / (N - A * (1 - B)); SL = 1 - P_w * math.exp(-(N - A) * target_seconds / "
        "aht_seconds); ASA = P_w * aht_seconds / (N - A); occupancy = A / N. Return them in a dict.",
    ),
    _check_erlang_c,
)

# --------------------------------------------------------------------------------------------
# Exercise 3: agents for the target
# --------------------------------------------------------------------------------------------

#: Worked examples for exercise 3: (calls, aht_seconds, target_share, target_seconds, shrinkage)
#: and the answer (agents, service_level, scheduled). The first is the published example (13
#: agents give 79.6%, 14 give 88.8%; 14 / 0.7 = 20 on shift); in the second, 21 / (1 - 0.3) is
#: 30.000000000000004 in floating point.
STAFFING_EXAMPLES = (
    ((100, 180, 0.8, 20, 0.3), (14, 0.8883500191794669, 20)),
    ((170, 180, 0.8, 20, 0.3), (21, 0.8285810425926909, 30)),
    ((100, 180, 0.8, 20, 0.35), (14, 0.8883500191794669, 22)),
    ((4000, 180, 0.8, 20, 0.3), (410, 0.8320408465359376, 586)),
    ((100, 180, 0.95, 20, 0.3), (16, 0.9705604925032156, 23)),
)
_STAFFING_KEYS = ("agents", "service_level", "scheduled")


def _staffing_answer(ex: Exercise, func, args) -> dict:
    try:
        result = func(*args)
    except NotImplementedError:
        raise ex.fail("not answered yet: replace `raise NotImplementedError()` with your code.") from None
    except Exception as exc:  # noqa: BLE001 - learner code
        big = " (the A**N / N! form overflows: use the Erlang B recursion)" if args[0] >= 1000 else ""
        raise ex.fail(f"your function raised {type(exc).__name__}: {exc} for calls={args[0]}, "
                      f"aht_seconds={args[1]}, target_share={args[2]}{big}.") from None
    return _dict_of(ex, result, _STAFFING_KEYS)


def _check_agents_for_target(ex: Exercise, func) -> None:
    if not callable(func):
        call(ex, func)
    first = _staffing_answer(ex, func, STAFFING_EXAMPLES[0][0])
    if first["agents"] == 13:
        raise ex.fail("13 agents give a service level of 79.6%, which is below 80%: compare the exact "
                      "service level with target_share (do not round it first) and take the first N "
                      "whose service level is at least the target.")
    if first["agents"] == 14 and first["scheduled"] == 19:
        raise ex.fail("you scheduled agents x (1 + shrinkage). Shrinkage is a share of the SCHEDULED "
                      "agents: scheduled = agents / (1 - shrinkage), rounded up.")
    second = _staffing_answer(ex, func, STAFFING_EXAMPLES[1][0])
    if second["agents"] == 21 and second["scheduled"] == 31:
        raise ex.fail("21 / (1 - 0.3) is 30 exactly, but 30.000000000000004 in floating point, and you "
                      "rounded that up to 31. Round the quotient to 6 decimals before math.ceil.")
    for args, expected in STAFFING_EXAMPLES:
        got = _staffing_answer(ex, func, args)
        want = dict(zip(_STAFFING_KEYS, expected, strict=True))
        if got["agents"] != want["agents"]:
            raise ex.fail(f"the number of agents is wrong for calls={args[0]}, aht_seconds={args[1]}, "
                          f"target {args[2]:.0%} within {args[3]} s: take the smallest N above the load whose "
                          "Erlang C service level is at least target_share"
                          + (" (for thousands of calls the A**N / N! form fails: use the recursion)."
                             if args[0] >= 1000 else "."))
        if not _close(got["service_level"], want["service_level"]):
            raise ex.fail("service_level should be the Erlang C service level at the number of agents you "
                          "return, not at the one before or after.")
        if got["scheduled"] != want["scheduled"]:
            raise ex.fail(f"scheduled is wrong for shrinkage {args[4]}: scheduled = agents / (1 - "
                          "shrinkage), rounded to 6 decimals, then rounded up to a whole agent.")


agents_for_target = Exercise(
    "3", "agents for the target, and the schedule", "Part 2, 'How many agents does the promise take?'",
    (
        "Step N up from 1, keeping Erlang B from the step before: B(n) = A B(n-1) / (n + A B(n-1)). "
        "Only N above the load can meet a target.",
        "Inside the loop, once n > A: P_w = n B / (n - A (1 - B)) and SL = 1 - P_w exp(-(n - A) T / "
        "AHT). Stop at the first n with SL >= target_share (compare the exact value).",
        "scheduled = math.ceil(round(agents / (1 - shrinkage), 6)): shrinkage is a share of the "
        "scheduled time, and the rounding keeps 21 / (1 - 0.3) at 30.",
    ),
    _check_agents_for_target,
)

# --------------------------------------------------------------------------------------------
# Exercise 4: campaign uplift
# --------------------------------------------------------------------------------------------

#: The window of the worked example for exercise 4 (window_days).
UPLIFT_WINDOW = 4
#: Contacts per day of the worked example, 1 to 20 January 2025 (split over two channels and
#: two reasons in ``example_daily``). Campaign 1 runs 8-10 January, campaign 2 on 14 January.
_DAY_TOTALS = (100, 100, 100, 70, 80, 100, 100, 150, 160, 170, 100, 100, 120, 200, 110, 90, 130, 140, 100, 100)
#: The worked example's answer, by hand: campaign -> (during, baseline, uplift).
#: 1: days 8-10 (150, 160, 170) -> 160; baseline days 4-7 and 11-13 (14 is campaign 2):
#:    70, 80, 100, 100, 100, 100, 120 -> 670 / 7.
#: 2: day 14 -> 200; baseline days 11-13 and 15-18 (10 is campaign 1):
#:    100, 100, 120, 110, 90, 130, 140 -> 790 / 7.
_UPLIFT = {1: (160.0, 670 / 7, 160 / (670 / 7)), 2: (200.0, 790 / 7, 200 / (790 / 7))}


def example_daily() -> pd.DataFrame:
    """Worked example for exercise 4: 1-20 January 2025 shaped like ``contact_volume_daily``
    (four rows a day: phone and e-mail, delivery and billing)."""
    rows = []
    for d, total in enumerate(_DAY_TOTALS, start=1):
        parts = (total * 4 // 10, total * 3 // 10, total * 2 // 10)
        split = (*parts, total - sum(parts))
        for (channel, reason), n in zip((("phone", "delivery"), ("phone", "billing"), ("email", "delivery"),
                                         ("email", "billing")), split, strict=True):
            rows.append((T(2025, 1, d), channel, reason, n))
    frame = pd.DataFrame(rows, columns=["date", "channel", "reason", "contacts"])
    frame["date"] = frame["date"].astype("datetime64[us]")
    return frame.sample(frac=1, random_state=6).reset_index(drop=True)


def example_uplift_campaigns() -> pd.DataFrame:
    """Worked example for exercise 4: campaign 1 on 8-10 January 2025, campaign 2 on 14 January."""
    frame = pd.DataFrame({"campaign_id": [1, 2], "campaign_name": ["January sale", "Flash day"],
                          "kind": ["sale", "promotion"], "start_date": [T("2025-01-08"), T("2025-01-14")],
                          "end_date": [T("2025-01-10"), T("2025-01-14")]})
    for c in ("start_date", "end_date"):
        frame[c] = frame[c].astype("datetime64[us]")
    return frame


def _check_campaign_uplift(ex: Exercise, func) -> None:
    answer = call(ex, func, example_daily(), example_uplift_campaigns(), UPLIFT_WINDOW)
    got = _numbers(ex, _frame_of(ex, answer, "a DataFrame indexed by campaign_id", ["during", "baseline", "uplift"]),
                   ["during", "baseline", "uplift"])
    try:
        ids = sorted(int(i) for i in got.index)
    except (TypeError, ValueError):
        ids = []
    if ids != [1, 2]:
        raise ex.fail("the index should be the campaign_id, one row per campaign.")
    got.index = got.index.map(int)
    one, two = got.loc[1], got.loc[2]
    if one["during"] < 100:
        raise ex.fail("'during' is too small: contacts per day are the day's total over EVERY channel and "
                      "reason. Sum the rows of each day first (groupby('date')['contacts'].sum()).")
    if _close(one["during"], 155.0):
        raise ex.fail("the campaign's last day is left out of 'during': end_date is included.")
    if _close(one["during"], 480.0) or _close(one["baseline"], 670.0):
        raise ex.fail("you summed the days instead of averaging them: 'during' and 'baseline' are means "
                      "of contacts per day (campaigns and windows have different lengths).")
    if _close(one["baseline"], 870 / 8) or _close(two["baseline"], 960 / 8):
        raise ex.fail("the baseline includes a day of another campaign. Leave out every day of ANY "
                      "campaign from the baseline (campaigns can be close together).")
    if _close(one["baseline"], 600 / 6) or _close(two["baseline"], 650 / 6):
        raise ex.fail("the baseline window leaves out its first or last day: it runs from start_date - "
                      "window_days to end_date + window_days, both included.")
    for cid, (during, base, uplift) in _UPLIFT.items():
        if not (_close(got.loc[cid, "during"], during) and _close(got.loc[cid, "baseline"], base)
                and _close(got.loc[cid, "uplift"], uplift)):
            raise ex.fail(f"campaign {cid} is wrong: during = mean contacts per day over its days; baseline = "
                          "mean over the days within window_days of it that are no campaign's day; "
                          "uplift = during / baseline.")


campaign_uplift = Exercise(
    "4", "contact uplift of each campaign", "Part 3, 'Campaign peaks'",
    (
        "Make one number per day first: the day's contacts over every channel and reason. Then flag "
        "the days that belong to any campaign.",
        "For one campaign: during = per_day[start..end].mean(); the baseline window is start - "
        "window_days .. end + window_days (pd.Timedelta(days=window_days)), both ends included, "
        "without the flagged campaign days.",
        "per_day = daily.groupby('date')['contacts'].sum(); busy |= (per_day.index >= s) & "
        "(per_day.index <= e) for every campaign; then a loop over campaigns fills a dict you turn "
        "into a DataFrame indexed by campaign_id.",
    ),
    _check_campaign_uplift,
)

# --------------------------------------------------------------------------------------------
# Exercise 5: priority waits
# --------------------------------------------------------------------------------------------

#: Worked examples for exercise 5: (p_wait, agents, calls_priority, calls_other, aht_seconds) and
#: the answer (wait_priority_seconds, wait_other_seconds, wait_fcfs_seconds). The first is the
#: published example with 20% of the calls in priority; in the second priority is small.
PRIORITY_EXAMPLES = (
    ((0.1741, 14, 20, 80, 180), (2.6115, 9.14025, 7.8345)),
    ((0.4, 25, 30, 320, 120), (1.92 / 0.92, 1.92 / (0.92 * (1 - 350 * 120 / 1800 / 25)), 28.8)),
)
_PRIORITY_KEYS = ("wait_priority_seconds", "wait_other_seconds", "wait_fcfs_seconds")


def _check_priority_waits(ex: Exercise, func) -> None:
    answers = [_dict_of(ex, call(ex, func, *args), _PRIORITY_KEYS) for args, _ in PRIORITY_EXAMPLES]
    first = answers[0]
    if _close(first["wait_priority_seconds"], 2.6115 / 60) or _close(first["wait_fcfs_seconds"], 7.8345 / 60):
        raise ex.fail("the waits are in minutes: keep them in seconds (AHT is in seconds).")
    if _close(first["wait_priority_seconds"], 180 / 14 / (1 - 2 / 14)):
        raise ex.fail("W_0 leaves out the probability of waiting: W_0 = P_w x AHT / N (most contacts "
                      "find a free agent and do not wait at all).")
    if _close(first["wait_other_seconds"], 7.8345) or _close(first["wait_other_seconds"], first["wait_fcfs_seconds"]):
        raise ex.fail("the other customers wait what everyone waited before: W_other needs both factors, "
                      "W_0 / ((1 - sigma_1)(1 - sigma)). Priority pushes them back behind the priority "
                      "contacts.")
    if _close(first["wait_priority_seconds"], 9.14025) and _close(first["wait_other_seconds"], 2.6115):
        raise ex.fail("the classes are swapped: the priority class has the shorter wait, W_0 / (1 - sigma_1).")
    for (args, expected), got in zip(PRIORITY_EXAMPLES, answers, strict=True):
        for key, want in zip(_PRIORITY_KEYS, expected, strict=True):
            if not _close(got[key], want):
                raise ex.fail(f"{key} is wrong for p_wait={args[0]}, {args[1]} agents: loads are in erlangs "
                              "(calls x AHT / interval_seconds); sigma_1 = A_1 / N and sigma = A / N; "
                              "W_fcfs = P_w AHT / (N - A).")


priority_waits = Exercise(
    "5", "what priority costs everyone else", "Part 4, 'A priority lane for business customers'",
    (
        "Turn calls into loads first: A_1 = calls_priority x AHT / interval_seconds, and A for all "
        "calls together. sigma_1 and sigma are those loads divided by the agents.",
        "W_0 = p_wait x AHT / agents is the mean time until some agent frees up, counted over all "
        "contacts (those who do not wait count as 0).",
        "Priority: W_0 / (1 - sigma_1); others: W_0 / ((1 - sigma_1)(1 - sigma)); first come, first "
        "served: p_wait x AHT / (agents - A). Check: (calls_1 W_1 + calls_2 W_2) / calls = W_fcfs.",
    ),
    _check_priority_waits,
)

# --------------------------------------------------------------------------------------------
# Exercise 6: time in status
# --------------------------------------------------------------------------------------------

#: The worked example's moment for exercise 6.
HISTORY_AS_OF = T("2025-05-03 00:00")
_HISTORY = (  # ticket, status, entered_at
    (1, "new", "2025-04-20 08:00"), (1, "assigned", "2025-04-20 09:00"),
    (1, "pending_warehouse", "2025-04-20 10:00"), (1, "resolved", "2025-04-21 10:00"),
    (1, "closed", "2025-04-23 10:00"),
    (2, "new", "2025-05-01 12:00"), (2, "assigned", "2025-05-01 12:30"),
    (2, "pending_customer", "2025-05-01 14:30"), (2, "assigned", "2025-05-01 20:30"),
    (2, "resolved", "2025-05-02 02:30"), (2, "closed", "2025-05-04 02:30"),
    (3, "new", "2025-05-02 22:00"), (3, "assigned", "2025-05-03 01:00"),
    (4, "new", "2025-04-30 00:00"), (4, "assigned", "2025-04-30 06:00"),
    (4, "pending_warehouse", "2025-04-30 07:00"),
)
_HISTORY_ORDER = (9, 3, 14, 0, 12, 6, 1, 15, 10, 4, 7, 13, 2, 11, 5, 8)
#: The worked example's answer, by hand: status -> (visits, total_hours, median_hours).
#: new: 1, 0.5, 2 (ticket 3 until as_of; its 01:00 change is after it), 6; assigned: 1, 2, 6, 1;
#: pending_warehouse: 24, 65 (ticket 4, still there); pending_customer: 6;
#: resolved: 48 (ticket 1), 21.5 (ticket 2: its close is after as_of). closed: not counted.
_TIME_IN_STATUS = {"new": (4, 9.5, 1.5), "assigned": (4, 10.0, 1.5), "pending_warehouse": (2, 89.0, 44.5),
                   "pending_customer": (1, 6.0, 6.0), "resolved": (2, 69.5, 34.75)}


def example_history() -> pd.DataFrame:
    """Worked example for exercise 6: four tickets' status changes (rows shuffled), read on
    ``HISTORY_AS_OF``."""
    frame = pd.DataFrame([(t, s, T(a)) for t, s, a in _HISTORY], columns=["ticket_id", "status", "entered_at"])
    frame["entered_at"] = frame["entered_at"].astype("datetime64[us]")
    return frame.iloc[list(_HISTORY_ORDER)].reset_index(drop=True)


def _check_time_in_status(ex: Exercise, func) -> None:
    answer = call(ex, func, example_history(), HISTORY_AS_OF)
    cols = ["visits", "total_hours", "median_hours"]
    got = _numbers(ex, _frame_of(ex, answer, "a DataFrame indexed by status", cols), cols)
    got.index = got.index.map(str)
    if "closed" in got.index:
        raise ex.fail("'closed' is in the result: closed is final and its visits have no end; leave them out.")
    if "status" in got.columns and set(got.index) <= set(map(str, range(len(got)))):
        raise ex.fail("the index should be the status; put it in the index (set_index or groupby).")
    if set(got.index) != set(_TIME_IN_STATUS):
        raise ex.fail("the statuses in the index are not right: one row per status with at least one "
                      "counted visit, closed excluded.")
    new = got.loc["new"]
    if new["visits"] == 3 or got.loc["pending_warehouse", "visits"] == 1:
        raise ex.fail("the last visit of tickets that are still open is missing. When a ticket has no "
                      "later change (up to as_of), its visit lasts until as_of: fill the missing end "
                      "with as_of.")
    if _close(new["total_hours"], 10.5) or got.loc["assigned", "visits"] == 5:
        raise ex.fail("a status change after as_of was counted: keep only rows with entered_at <= as_of "
                      "before working out the visits.")
    if not all(_close(got.loc[s, "total_hours"], v[1]) and int(got.loc[s, "visits"]) == v[0]
               for s, v in _TIME_IN_STATUS.items()):
        raise ex.fail("some visits end at another ticket's change or in the wrong order. Sort by ticket_id "
                      "and entered_at, and take the next entered_at WITHIN each ticket "
                      "(groupby('ticket_id')['entered_at'].shift(-1)).")
    for status, (_, _, median) in _TIME_IN_STATUS.items():
        if not _close(got.loc[status, "median_hours"], median):
            raise ex.fail("median_hours is wrong: the median of the hours per visit of each status "
                          "(not the mean, not the total).")


time_in_status = Exercise(
    "6", "where tickets wait", "Part 5, 'After the first answer: tickets and satisfaction'",
    (
        "Each row is the START of a visit; its end is the next row of the same ticket. Keep only "
        "changes up to as_of, and sort by ticket and time first.",
        "left = h.groupby('ticket_id')['entered_at'].shift(-1) gives each visit's end; where there "
        "is none, the ticket is still there: .fillna(as_of).",
        "hours = (left - entered_at).dt.total_seconds() / 3600; drop 'closed'; then "
        "groupby('status')['hours'].agg(visits='size', total_hours='sum', median_hours='median').",
    ),
    _check_time_in_status,
)

# --------------------------------------------------------------------------------------------
# Exercise 7: first response against satisfaction
# --------------------------------------------------------------------------------------------

_TICKETS = (  # ticket, customer, created_at, first response after (seconds)
    (1, 50, "2025-02-03 09:00:00", 1800), (2, 51, "2025-02-03 10:00:00", 3600),
    (3, 52, "2025-02-04 11:00:00", 3601), (4, 53, "2025-02-05 08:00:00", 8 * 3600),
    (5, 54, "2025-02-05 09:00:00", 24 * 3600), (6, 50, "2025-02-06 09:00:00", 30 * 3600),
    (7, 55, "2025-02-07 12:00:00", 2 * 3600),
)
_SURVEYS = (  # survey, customer, trigger, ticket, responded, csat, nps
    (11, 50, "post_ticket", 6, True, 1, 2), (12, 51, "post_ticket", 2, True, 4, 8),
    (13, 52, "post_ticket", 3, True, 4, 7), (14, 53, "post_ticket", 4, True, 3, 6),
    (15, 54, "post_ticket", 5, True, 2, 4), (16, 50, "post_ticket", 1, True, 5, 9),
    (17, 55, "post_ticket", 7, False, None, None), (18, 56, "post_delivery", None, True, 5, 10),
)
#: The worked example's answer, by hand: band -> (surveys, mean_csat, mean_nps).
#: up to 1h: tickets 1 (30 min) and 2 (exactly 1 h); 1h to 8h: 3 (1 h 1 s) and 4 (exactly 8 h);
#: 8h to 24h: 5 (exactly 24 h); over 24h: 6. Ticket 7's survey was not answered.
_BANDS = {"up to 1h": (2, 4.5, 8.5), "1h to 8h": (2, 3.5, 6.5), "8h to 24h": (1, 2.0, 4.0),
          "over 24h": (1, 1.0, 2.0)}


def example_tickets() -> pd.DataFrame:
    """Worked example for exercise 7: seven tickets shaped like ``tickets`` (some columns)."""
    frame = pd.DataFrame([(t, c, "email", T(a), T(a) + pd.Timedelta(seconds=s)) for t, c, a, s in _TICKETS],
                         columns=["ticket_id", "customer_id", "channel", "created_at", "first_response_at"])
    for c in ("created_at", "first_response_at"):
        frame[c] = frame[c].astype("datetime64[us]")
    return frame


def example_surveys() -> pd.DataFrame:
    """Worked example for exercise 7: eight surveys shaped like ``surveys`` (one unanswered, one
    after a delivery)."""
    frame = pd.DataFrame(list(_SURVEYS), columns=["survey_id", "customer_id", "trigger", "ticket_id", "responded",
                                                  "csat", "nps"])
    for c in ("ticket_id", "csat", "nps"):
        frame[c] = frame[c].astype("Int64")
    return frame


def _check_first_response_bands(ex: Exercise, func) -> None:
    answer = call(ex, func, example_tickets(), example_surveys())
    cols = ["surveys", "mean_csat", "mean_nps"]
    got = _numbers(ex, _frame_of(ex, answer, "a DataFrame indexed by band", cols), cols)
    labels = [str(b) for b in got.index]
    if sorted(labels) != sorted(BANDS):
        raise ex.fail("the index should be the four bands of BANDS, each once (also a band with no surveys).")
    if labels != BANDS:
        raise ex.fail("the bands are not in the order of BANDS (fastest first): reindex(BANDS), or use "
                      "pd.cut with labels=BANDS and keep its order.")
    surveys = [int(v) for v in got["surveys"]]
    if surveys == [1, 2, 1, 2]:
        raise ex.fail("a first response of exactly 1, 8 or 24 hours went to the slower band. Each band "
                      "includes its upper end: exactly 1 hour is 'up to 1h' (pd.cut's default right=True).")
    if surveys == [2, 3, 1, 1]:
        raise ex.fail("an unanswered survey was counted. Keep only surveys with responded True.")
    if surveys[-1] >= 5:
        raise ex.fail("nearly everything is 'over 24h': first_response_at - created_at is a time span; "
                      "turn it into hours with .dt.total_seconds() / 3600.")
    for band, (n, csat, nps) in _BANDS.items():
        row = got.loc[got.index.map(str) == band].iloc[0]
        if int(row["surveys"]) != n:
            raise ex.fail("the survey counts per band are wrong: join the answered post-ticket surveys to "
                          "their ticket on ticket_id (not on customer_id).")
        if not (_close(row["mean_csat"], csat) and _close(row["mean_nps"], nps)):
            raise ex.fail("mean_csat or mean_nps is wrong: the mean of the band's answered post-ticket "
                          "surveys' csat and nps.")


first_response_bands = Exercise(
    "7", "first response against satisfaction", "Part 5, 'After the first answer: tickets and satisfaction'",
    (
        "Keep the surveys that were answered and came after a ticket, then bring in their ticket's "
        "first-response time (merge on ticket_id).",
        "hours = (first_response_at - created_at).dt.total_seconds() / 3600; the bands include their "
        "upper ends: pd.cut(hours, [-np.inf, 1, 8, 24, np.inf], labels=BANDS).",
        "groupby(band, observed=False) keeps empty bands: size() for surveys, and the mean of csat "
        "and nps.",
    ),
    _check_first_response_bands,
)

