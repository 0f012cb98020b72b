"""Common wrong answers for Lab 06 (Service operations: SLAs, staffing, routing).

Each source replaces a whole answer cell of ``solutions/lab06/lab06_service_operations.ipynb``;
the exercise's test cell must then fail, and the visible check's message must contain
``visible`` (``None``: only the grader catches it).
"""

from . import Mistake

_SERVICE_LEVEL = '''
def service_level(intervals, campaigns):
    day = DAY
    peak = pd.Series(False, index=intervals.index)
    for start, end in zip(campaigns["start_date"], campaigns["end_date"]):
        peak |= (day >= start) & (day <= end)
    frame = intervals.assign(period=np.where(peak, "peak", "off_peak"))
    RESULT
'''
_SUMS = '''sums = frame.groupby(["channel", "period"])[["answered_within_target", DENOMINATOR]].sum()
    return (sums["answered_within_target"] / sums[DENOMINATOR]).unstack("period")[["peak", "off_peak"]]'''
_MEANS = '''ratio = frame["answered_within_target"] / frame["offered"]
    return frame.assign(r=ratio).groupby(["channel", "period"])["r"].mean().unstack("period")[["peak", "off_peak"]]'''


def _service_level(day='intervals["interval_start"].dt.normalize()', result=_SUMS, denominator='"offered"') -> str:
    return (_SERVICE_LEVEL.replace("DAY", day).replace("RESULT", result.replace("DENOMINATOR", denominator)))


_ERLANG = '''
def erlang_c(calls, aht_seconds, agents, target_seconds, interval_seconds=1800):
    load = calls * aht_seconds / interval_seconds
    GUARD
    PWAIT
    return {"load": load, "p_wait": p_wait,
            "service_level": SL,
            "asa_seconds": p_wait * aht_seconds / (agents - load), "occupancy": load / agents}
'''
_GUARD = '''if agents <= load:
        return {"load": load, "p_wait": 1.0, "service_level": 0.0, "asa_seconds": math.inf, "occupancy": 1.0}'''
_RECURSION = '''b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    p_wait = agents * b / (agents - load * (1 - b))'''
_FACTORIAL = '''top = load ** agents / math.factorial(agents) * agents / (agents - load)
    p_wait = top / (sum(load ** k / math.factorial(k) for k in range(agents)) + top)'''
_ERLANG_B = '''b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    p_wait = b'''
_SL = "1 - p_wait * math.exp(-(agents - load) * target_seconds / aht_seconds)"


def _erlang(guard=_GUARD, p_wait=_RECURSION, sl=_SL) -> str:
    return _ERLANG.replace("GUARD", guard).replace("PWAIT", p_wait).replace("SL", sl)


_STAFFING = '''
def agents_for_target(calls, aht_seconds, target_share, target_seconds, shrinkage, interval_seconds=1800):
    load = calls * aht_seconds / interval_seconds
    b, n = 1.0, 0
    while True:
        n += 1
        b = load * b / (n + load * b)
        if n > load:
            p_wait = n * b / (n - load * (1 - b))
            sl = 1 - p_wait * math.exp(-(n - load) * target_seconds / aht_seconds)
            if COMPARE:
                return {"agents": n, "service_level": sl, "scheduled": SCHEDULED}
'''


def _staffing(compare="sl >= target_share", scheduled="math.ceil(round(n / (1 - shrinkage), 6))") -> str:
    return _STAFFING.replace("COMPARE", compare).replace("SCHEDULED", scheduled)


_UPLIFT = '''
def campaign_uplift(daily, campaigns, window_days=21):
    per_day = daily.groupby("date")["contacts"].sum()
    busy = pd.Series(False, index=per_day.index)
    for start, end in zip(campaigns["start_date"], campaigns["end_date"]):
        busy |= (per_day.index >= start) & (per_day.index <= end)
    rows = {}
    w = pd.Timedelta(days=window_days)
    for cid, start, end in zip(campaigns["campaign_id"], campaigns["start_date"], campaigns["end_date"]):
        own = (per_day.index >= start) & (per_day.index <= end)
        near = NEAR
        during, baseline = per_day[own].AGG(), per_day[near].AGG()
        rows[cid] = (during, baseline, during / baseline)
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["during", "baseline", "uplift"])
    out.index.name = "campaign_id"
    return out
'''


def _uplift(near="((per_day.index >= start - w) & (per_day.index <= end + w)) & ~busy", agg="mean") -> str:
    return _UPLIFT.replace("NEAR", near).replace("AGG", agg)


_PRIORITY = '''
def priority_waits(p_wait, agents, calls_priority, calls_other, aht_seconds, interval_seconds=1800):
    a1 = calls_priority * aht_seconds / interval_seconds
    a = (calls_priority + calls_other) * aht_seconds / interval_seconds
    w0 = W0
    s1, s = a1 / agents, a / agents
    out = {"wait_priority_seconds": w0 / (1 - s1), "wait_other_seconds": OTHER,
           "wait_fcfs_seconds": p_wait * aht_seconds / (agents - a)}
    return {k: v / UNIT for k, v in out.items()}
'''


def _priority(w0="p_wait * aht_seconds / agents", other="w0 / ((1 - s1) * (1 - s))", unit="1") -> str:
    return _PRIORITY.replace("W0", w0).replace("OTHER", other).replace("UNIT", unit)


_TIME_IN_STATUS = '''
def time_in_status(history, as_of):
    h = HISTORY
    left = LEFT
    h = h.assign(hours=(left - h["entered_at"]).dt.total_seconds() / 3600)TAIL
    h = h[h["status"] != "closed"]
    return h.groupby("status")["hours"].agg(visits="size", total_hours="sum", median_hours="median")
'''


def _time_in_status(history='history[history["entered_at"] <= as_of].sort_values(["ticket_id", "entered_at"])',
                    left='h.groupby("ticket_id")["entered_at"].shift(-1).fillna(as_of)', tail="") -> str:
    return _TIME_IN_STATUS.replace("HISTORY", history).replace("LEFT", left).replace("TAIL", tail)


_BANDS = '''
def first_response_bands(tickets, surveys):
    answered = surveys[KEEP]
    t = tickets.assign(hours=(tickets["first_response_at"] - tickets["created_at"]).dt.total_seconds() / 3600)
    m = answered.merge(t[["JOIN", "hours"]], on="JOIN")
    m["band"] = pd.cut(m["hours"], [-np.inf, 1, 8, 24, np.inf], labels=BANDS, right=RIGHT)
    g = m.groupby("band", observed=False)
    return pd.DataFrame({"surveys": g.size(), "mean_csat": g["csat"].mean(), "mean_nps": g["nps"].mean()})
'''


def _bands(keep='surveys["responded"] & surveys["trigger"].eq("post_ticket")', join="ticket_id",
           right="True") -> str:
    return _BANDS.replace("KEEP", keep).replace("JOIN", join).replace("RIGHT", right)


MISTAKES = {
    "ex1_answer": [
        Mistake("abandoned contacts left out (divided by handled)", _service_level(denominator='"handled"'),
                visible="divided by the handled"),
        Mistake("mean of the intervals' service levels", _service_level(result=_MEANS),
                visible="averaged the intervals"),
        Mistake("the campaign's last day compared by time, not date",
                _service_level(day='intervals["interval_start"]'), visible="last day"),
    ],
    "ex2_answer": [
        Mistake("A**N / N! overflows for hundreds of agents", _erlang(p_wait=_FACTORIAL), visible="overflow"),
        Mistake("service level without the probability of waiting",
                _erlang(sl="1 - math.exp(-(agents - load) * target_seconds / aht_seconds)"),
                visible="leaves out the probability of waiting"),
        Mistake("Erlang B used as the probability of waiting", _erlang(p_wait=_ERLANG_B), visible="Erlang B"),
        Mistake("no guard for N <= A", _erlang(guard="pass"), visible="grows without end"),
    ],
    "ex3_answer": [
        Mistake("service level rounded to 2 decimals before the comparison",
                _staffing(compare="round(sl, 2) >= target_share"), visible="below 80%"),
        Mistake("scheduled = agents x (1 + shrinkage)", _staffing(scheduled="math.ceil(n * (1 + shrinkage))"),
                visible="(1 + shrinkage)"),
        Mistake("rounded up without rounding the quotient first",
                _staffing(scheduled="math.ceil(n / (1 - shrinkage))"), visible="floating point"),
        Mistake("first N meeting the target by a strict comparison of rounded values",
                _staffing(compare="round(sl, 3) > round(target_share, 3) - 0.005"), visible=None),
    ],
    "ex4_answer": [
        Mistake("other campaigns' days left in the baseline",
                _uplift(near="((per_day.index >= start - w) & (per_day.index <= end + w)) & ~own"),
                visible="another campaign"),
        Mistake("sums instead of means", _uplift(agg="sum"), visible="summed the days"),
        Mistake("the window's end days left out",
                _uplift(near="((per_day.index > start - w) & (per_day.index < end + w)) & ~busy"),
                visible="first or last day"),
    ],
    "ex5_answer": [
        Mistake("W0 without the probability of waiting", _priority(w0="aht_seconds / agents"),
                visible="leaves out the probability of waiting"),
        Mistake("the others' wait without the priority factor", _priority(other="w0 / (1 - s)"),
                visible="what everyone waited before"),
        Mistake("waits in minutes", _priority(unit="60"), visible="minutes"),
    ],
    "ex6_answer": [
        Mistake("next change taken across tickets (no groupby)",
                _time_in_status(left='h["entered_at"].shift(-1).fillna(as_of)'), visible="another ticket's change"),
        Mistake("open tickets' last visits dropped",
                _time_in_status(left='h.groupby("ticket_id")["entered_at"].shift(-1)',
                                tail='.dropna(subset=["hours"])'), visible="still open"),
        Mistake("changes after as_of counted",
                _time_in_status(history='history.sort_values(["ticket_id", "entered_at"])'), visible="after as_of"),
        Mistake("rows not sorted by time within the ticket",
                _time_in_status(history='history[history["entered_at"] <= as_of]'), visible="another ticket's change"),
    ],
    "ex7_answer": [
        Mistake("bands closed on the left (exactly 1 h in the slower band)", _bands(right="False"),
                visible="slower band"),
        Mistake("unanswered surveys counted", _bands(keep='surveys["trigger"].eq("post_ticket")'),
                visible="unanswered"),
        Mistake("surveys joined to tickets on customer_id", _bands(join="customer_id"), visible="customer_id"),
    ],
}
