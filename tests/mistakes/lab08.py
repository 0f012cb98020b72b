"""Common wrong answers for Lab 08 (Churn and customer health from operational signals).

Each source replaces a whole answer cell of ``solutions/lab08/lab08_churn.ipynb``; the
exercise's test cell must then fail, and the visible check's message must contain
``visible`` (``None``: only the grader catches it).
"""

from . import Mistake

_WINDOW = '''
def window_counts(renewals, events, time_col, days, value_col=None):
    keys = renewals[["customer_id", "notice_date"]].assign(_row=np.arange(len(renewals)))
    columns = ["customer_id", time_col] + ([value_col] if value_col else [])
    m = keys.merge(events[columns], on="customer_id")
    inside = INSIDE
    m = m[inside]
    values = m[value_col] if value_col else pd.Series(1, index=m.index)
    totals = values.groupby(m["_row"]).sum().reindex(range(len(renewals)), fill_value=0)
    return pd.Series(totals.to_numpy(), index=renewals.index)
'''
_LOW = 'm[time_col] >= m["notice_date"] - pd.Timedelta(days=days)'
_HIGH = 'm[time_col] < m["notice_date"]'


def _window(low=_LOW, high=_HIGH) -> str:
    return _WINDOW.replace("INSIDE", f"({low}) & ({high})")


_SPLIT = '''
def time_split(renewals, split_day):
    train = TRAIN
    test = TEST
    return pd.Series(np.select([train, test], ["train", "test"], "gap"), index=renewals.index)
'''


def _split(train='renewals["renewal_date"] <= split_day', test='renewals["notice_date"] >= split_day') -> str:
    return _SPLIT.replace("TRAIN", train).replace("TEST", test)


_LIFT = '''
def lift_table(scores, outcomes, groups=10):
    ranked = RANKED
    y = outcomes.reindex(ranked.index).astype(int).to_numpy()
    group = 1 + np.arange(len(ranked)) * groups // len(ranked)
    out = pd.DataFrame({"renewals": 1, "cancelled": y, "group": group}).groupby("group").sum()
    out["cancel_rate"] = out["cancelled"] / out["renewals"]
    out["lift"] = out["cancel_rate"] / y.mean()
    out["cumulative_share"] = CUMULATIVE
    return out
'''


def _lift(ranked='scores.sort_index().sort_values(ascending=False, kind="stable")',
          cumulative='out["cancelled"].cumsum() / y.sum()') -> str:
    return _LIFT.replace("RANKED", ranked).replace("CUMULATIVE", cumulative)


_KM = '''
def kaplan_meier(durations, observed):
    d = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    times = np.unique(d[e])
    at_risk = np.array([AT_RISK for t in times])
    events = np.array([(e & (d == t)).sum() for t in times])
    survival = SURVIVAL
    return pd.DataFrame({"at_risk": at_risk, "events": events, "survival": survival},
                        index=pd.Index(times, name="time"))
'''


def _km(at_risk="(d >= t).sum()", survival="np.cumprod(1 - events / at_risk)") -> str:
    return _KM.replace("AT_RISK", at_risk).replace("SURVIVAL", survival)


_BACKTEST = '''
def backtest(scores, outcomes, bounds):
    tiers = ["low", "medium", "high"]
    tier = pd.cut(scores, [-np.inf, bounds[0], bounds[1], np.inf], right=RIGHT, labels=tiers)
    frame = pd.DataFrame({"tier": tier, "p": scores, "y": OUTCOMES})
    g = frame.groupby("tier", observed=False)
    out = pd.DataFrame({"renewals": g.size(), "predicted_retention": 1 - g["p"].mean(),
                        "actual_retention": 1 - g["y"].mean()})
    out["gap"] = GAP
    out.index = out.index.astype(str)
    return ORDER
'''


def _backtest(right="False", outcomes='outcomes.reindex(scores.index).astype(float)',
              gap='out["actual_retention"] - out["predicted_retention"]', order="out.reindex(tiers)") -> str:
    return (_BACKTEST.replace("RIGHT", right).replace("OUTCOMES", outcomes).replace("GAP", gap)
            .replace("ORDER", order))


_CONTACT = '''
def contact_decisions(scores, value, cost, save_rate):
    v = VALUE
    gain = GAIN
    return pd.DataFrame({"threshold": THRESHOLD, "expected_gain": gain, "contact": CONTACT}, index=scores.index)
'''


def _contact(value="value.reindex(scores.index)", gain="scores * save_rate * v - cost",
             threshold="cost / (save_rate * v)", contact="gain > 0") -> str:
    return (_CONTACT.replace("VALUE", value).replace("GAIN", gain).replace("THRESHOLD", threshold)
            .replace("CONTACT", contact))


MISTAKES = {
    "ex1_answer": [
        Mistake("events at or after the cut-off counted (no upper bound: leakage)", _window(high="True"),
                visible="rows after the cut-off"),
        Mistake("the cut-off instant included (time <= notice_date)",
                _window(high='m[time_col] <= m["notice_date"]'), visible="cut-off instant"),
        Mistake("the first day of the window left out (time > notice_date - days)",
                _window(low='m[time_col] > m["notice_date"] - pd.Timedelta(days=days)'), visible="first day"),
        Mistake("every earlier event counted (no window)", _window(low="True"), visible="older than the window"),
        Mistake("renewals without events dropped (inner merge, no reindex)", '''
def window_counts(renewals, events, time_col, days, value_col=None):
    m = renewals[["customer_id", "notice_date"]].rename_axis("_label").reset_index().merge(events, on="customer_id")
    inside = (m[time_col] >= m["notice_date"] - pd.Timedelta(days=days)) & (m[time_col] < m["notice_date"])
    m = m[inside]
    values = m[value_col] if value_col else pd.Series(1, index=m.index)
    return values.groupby(m["_label"]).sum()
''', visible="no events"),
        Mistake("one window per customer (the latest notice) for all of the customer's renewals", '''
def window_counts(renewals, events, time_col, days, value_col=None):
    latest = renewals.groupby("customer_id")["notice_date"].max()
    e = events.assign(notice_date=events["customer_id"].map(latest))
    e = e[(e[time_col] >= e["notice_date"] - pd.Timedelta(days=days)) & (e[time_col] < e["notice_date"])]
    values = e[value_col] if value_col else pd.Series(1, index=e.index)
    per_customer = values.groupby(e["customer_id"]).sum()
    return renewals["customer_id"].map(per_customer).fillna(0)
''', visible="same value"),
        Mistake("the result indexed by position, not by the renewals' labels", '''
def window_counts(renewals, events, time_col, days, value_col=None):
    keys = renewals[["customer_id", "notice_date"]].assign(_row=np.arange(len(renewals)))
    m = keys.merge(events, on="customer_id")
    m = m[(m[time_col] >= m["notice_date"] - pd.Timedelta(days=days)) & (m[time_col] < m["notice_date"])]
    values = m[value_col] if value_col else pd.Series(1, index=m.index)
    return values.groupby(m["_row"]).sum().reindex(range(len(renewals)), fill_value=0)
''', visible="index of renewals"),
    ],
    "ex2_answer": [
        Mistake("split on the notice date only (outcomes not known at the split in train)",
                _split(train='renewals["notice_date"] < split_day'), visible="outcome was not known"),
        Mistake("split on the renewal date only (renewals scored before the split in test)",
                _split(test='renewals["renewal_date"] > split_day'), visible="scored before"),
        Mistake("a renewal on the split day left out of train (renewal_date < split_day)",
                _split(train='renewals["renewal_date"] < split_day'), visible="ON the split day"),
        Mistake("a notice on the split day left out of test (notice_date > split_day)",
                _split(test='renewals["notice_date"] > split_day'), visible="notice goes out ON"),
        Mistake("a random split", '''
def time_split(renewals, split_day):
    rng = np.random.default_rng(0)
    return pd.Series(np.where(rng.random(len(renewals)) < 0.7, "train", "test"), index=renewals.index)
''', visible=None),
    ],
    "ex3_answer": [
        Mistake("lowest scores first", _lift(ranked='scores.sort_index().sort_values(kind="stable")'),
                visible="LOWEST"),
        Mistake("ties taken in reverse index order",
                _lift(ranked='scores.sort_index(ascending=False).sort_values(ascending=False, kind="stable")'),
                visible="tie rule"),
        Mistake("cumulative share of renewals instead of cancellations",
                _lift(cumulative='out["renewals"].cumsum() / len(ranked)'), visible="share of renewals"),
        Mistake("outcomes matched by position, not by label", '''
def lift_table(scores, outcomes, groups=10):
    frame = pd.DataFrame({"p": scores.to_numpy(), "y": outcomes.to_numpy().astype(int)}, index=scores.index)
    frame = frame.sort_index().sort_values("p", ascending=False, kind="stable")
    y = frame["y"].to_numpy()
    group = 1 + np.arange(len(frame)) * groups // len(frame)
    out = pd.DataFrame({"renewals": 1, "cancelled": y, "group": group}).groupby("group").sum()
    out["cancel_rate"] = out["cancelled"] / out["renewals"]
    out["lift"] = out["cancel_rate"] / y.mean()
    out["cumulative_share"] = out["cancelled"].cumsum() / y.sum()
    return out
''', visible="by index label"),
        Mistake("groups from pd.qcut of the scores (ties kept together, unequal groups)", '''
def lift_table(scores, outcomes, groups=10):
    y = outcomes.reindex(scores.index).astype(int)
    group = pd.qcut(-scores, groups, labels=False, duplicates="drop") + 1
    out = pd.DataFrame({"renewals": 1, "cancelled": y, "group": group}).groupby("group").sum()
    out["cancel_rate"] = out["cancelled"] / out["renewals"]
    out["lift"] = out["cancel_rate"] / y.mean()
    out["cumulative_share"] = out["cancelled"].cumsum() / y.sum()
    return out
''', visible=None),
    ],
    "ex4_answer": [
        Mistake("censored plans dropped", '''
def kaplan_meier(durations, observed):
    e = np.asarray(observed, dtype=bool)
    d = np.asarray(durations, dtype=float)[e]
    times = np.unique(d)
    at_risk = np.array([(d >= t).sum() for t in times])
    events = np.array([(d == t).sum() for t in times])
    return pd.DataFrame({"at_risk": at_risk, "events": events, "survival": np.cumprod(1 - events / at_risk)},
                        index=pd.Index(times, name="time"))
''', visible="censored plans were dropped"),
        Mistake("a plan censored at an event time left out of that time's risk set",
                _km(at_risk="((d > t) | ((d == t) & e)).sum()"), visible="same time as an event"),
        Mistake("one minus the share of all plans that ended (censoring ignored)",
                _km(survival="1 - np.cumsum(events) / len(d)"), visible="ignores censoring"),
        Mistake("a row for every distinct time, censoring-only times too", '''
def kaplan_meier(durations, observed):
    d = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    times = np.unique(d)
    at_risk = np.array([(d >= t).sum() for t in times])
    events = np.array([(e & (d == t)).sum() for t in times])
    return pd.DataFrame({"at_risk": at_risk, "events": events, "survival": np.cumprod(1 - events / at_risk)},
                        index=pd.Index(times, name="time"))
''', visible="only censoring"),
    ],
    "ex5_answer": [
        Mistake("a score on a bound put in the lower tier (right-closed bins)", _backtest(right="True"),
                visible="lower bound"),
        Mistake("tiers in alphabetical order", _backtest(order="out.sort_index()"), visible="order low, medium, high"),
        Mistake("gap with the sign reversed", _backtest(gap='out["predicted_retention"] - out["actual_retention"]'),
                visible="wrong sign"),
        Mistake("outcomes matched by position", _backtest(outcomes="outcomes.to_numpy().astype(float)"),
                visible="by index label"),
        Mistake("bins from 0 to 1 (a score of exactly 1 gets no tier)", '''
def backtest(scores, outcomes, bounds):
    tiers = ["low", "medium", "high"]
    tier = pd.cut(scores, [0, bounds[0], bounds[1], 1], right=False, labels=tiers)
    frame = pd.DataFrame({"tier": tier, "p": scores, "y": outcomes.reindex(scores.index).astype(float)})
    g = frame.groupby("tier", observed=False)
    out = pd.DataFrame({"renewals": g.size(), "predicted_retention": 1 - g["p"].mean(),
                        "actual_retention": 1 - g["y"].mean()})
    out["gap"] = out["actual_retention"] - out["predicted_retention"]
    out.index = out.index.astype(str)
    return out.reindex(tiers)
''', visible=None),
        Mistake("empty tiers dropped", _backtest(order='out.reindex(tiers)[lambda d: d["renewals"] > 0]'),
                visible=None),
    ],
    "ex6_answer": [
        Mistake("save rate left out", _contact(gain="scores * v - cost", threshold="cost / v"),
                visible="save rate is missing"),
        Mistake("threshold upside down", _contact(threshold="save_rate * v / cost"), visible="upside down"),
        Mistake("value matched by position", _contact(value="pd.Series(value.to_numpy(), index=scores.index)"),
                visible="match value to scores"),
        Mistake("one fixed score threshold for everyone", _contact(contact="scores >= 0.2"),
                visible="one fixed score"),
        Mistake("the cost counted only for customers who would cancel",
                _contact(gain="scores * (save_rate * v - cost)", threshold="cost / (save_rate * v)"),
                visible="paid for every contact"),
    ],
}
