"""Common wrong answers for Lab 13 (Inventory and fulfilment promises).

Each source replaces a whole answer cell of ``solutions/lab13/lab13_inventory_promises.ipynb``;
the exercise's test cell must then fail in the grader, and the visible check's message must
contain ``visible`` (``None``: only the grader catches it).
"""

from . import Mistake

_BACKTEST = '''
def backtest(weekly, origins, horizon):
    units = weekly.set_index(["family", "region", "week"])["units"]
    series = weekly[["family", "region"]].drop_duplicates().reset_index(drop=True)
    week = pd.Timedelta(days=7)
    year = pd.Timedelta(days=YEAR)
    last = weekly["week"].max()

    def at(day):
        keys = pd.MultiIndex.from_arrays([series["family"], series["region"], [day] * len(series)])
        return units.reindex(keys).to_numpy()

    rows = []
    for origin in origins:
        recent = sum(at(origin - k * week) for k in WINDOW)
        before = sum(at(origin - year - k * week) for k in WINDOW)
        level = LEVEL
        for h in range(1, horizon + 1):
            target = origin + h * week
            if DROP:
                continue
            naive = NAIVE
            rows.append(series.assign(origin=origin, target=target, horizon=h, actual=at(target),
                                      naive=naive, seasonal=naive * level))
    return pd.concat(rows, ignore_index=True)
'''


def _backtest(year="364", window="range(8)", level="np.where(before > 0, recent / np.where(before > 0, before, 1), 1.0)",
              drop="target > last", naive="at(target - year)") -> str:
    return (_BACKTEST.replace("YEAR", year).replace("WINDOW", window).replace("LEVEL", level)
            .replace("DROP", drop).replace("NAIVE", naive))


_ERROR = '''
def forecast_error(results, by):
    frame = results.assign(error=ERROR)
    frame["abs_error"] = frame["error"].abs()
    out = frame.groupby(by)[["actual", "abs_error", "error"]].sum()
    total = TOTAL
    out["wape"] = WAPE
    out["bias"] = out["error"] / total
    return out[["actual", "wape", "bias"]]
'''


def _error(error='results["forecast"] - results["actual"]', total='out["actual"].where(out["actual"] != 0)',
           wape='out["abs_error"] / total') -> str:
    return _ERROR.replace("ERROR", error).replace("TOTAL", total).replace("WAPE", wape)


_MAPE = '''
def forecast_error(results, by):
    frame = results.assign(error=results["forecast"] - results["actual"])
    frame["ape"] = (frame["error"].abs() / frame["actual"]).where(frame["actual"] != 0)
    out = frame.groupby(by)[["actual", "error"]].sum()
    total = out["actual"].where(out["actual"] != 0)
    out["wape"] = frame.groupby(by)["ape"].mean().where(total.notna())
    out["bias"] = out["error"] / total
    return out[["actual", "wape", "bias"]]
'''

_DELAYS = '''
def supplier_delays(purchase_orders, start, end):
    po = purchase_orders[(purchase_orders["ordered_date"] >= start) & (purchase_orders["ordered_date"] END end)]
    po = po[KEEP]
    delay = (po["received_date"] - po[FROM]).dt.days
    g = delay.groupby(po["supplier_id"])
    return pd.DataFrame({"orders": g.size(), "mean_delay_days": g.mean(), "sd_delay_days": g.std(ddof=DDOF),
                         "late_share": (delay LATE 0).groupby(po["supplier_id"]).mean()})
'''


def _delays(end="<", keep='po["received_date"].notna()', start_col='"expected_date"', ddof="1", late=">") -> str:
    return (_DELAYS.replace("END", end).replace("KEEP", keep).replace("FROM", start_col).replace("DDOF", ddof)
            .replace("LATE", late))


_SS = '''
def safety_stock(plan, service_levels):
    z = plan["service_class"].map({c: Z for c, p in service_levels.items()})
    spread = SPREAD
    return plan.assign(z=z, safety_stock=z * spread)
'''


def _ss(z="NormalDist().inv_cdf(p)",
        spread='np.sqrt(plan["lead_mean"] * plan["demand_sd"] ** 2 + plan["demand_mean"] ** 2 * plan["lead_sd"] ** 2)'):
    return _SS.replace("Z", z).replace("SPREAD", spread)


_ALLOCATE = '''
def allocate(requests, supply, floor):
    units = requests["units"].to_numpy(dtype=float)
    segments = requests["segment"].to_numpy()
    rows = [np.ones(len(units))]
    limits = [float(supply)]
    for seg in GROUPS:
        mine = (segments == seg).astype(float)
        rows.append(-mine)
        limits.append(-floor * units[segments == seg].sum())
    if CHECK:
        raise ValueError("the floors need more units than the supply")
    result = linprog(SIGNrequests["value_per_unit"].to_numpy(dtype=float), A_ub=np.array(rows),
                     b_ub=np.array(limits), bounds=BOUNDS, method="highs")
    return pd.Series(result.x, index=requests.index, name="allocated")
'''


def _allocate(groups="pd.unique(segments)", check="floor * units.sum() > supply", sign="-",
              bounds="[(0, u) for u in units]") -> str:
    return (_ALLOCATE.replace("GROUPS", groups).replace("CHECK", check).replace("SIGN", sign)
            .replace("BOUNDS", bounds))


_ROW_FLOOR = '''
def allocate(requests, supply, floor):
    units = requests["units"].to_numpy(dtype=float)
    if floor * units.sum() > supply:
        raise ValueError("the floors need more units than the supply")
    result = linprog(-requests["value_per_unit"].to_numpy(dtype=float), A_ub=np.ones((1, len(units))),
                     b_ub=[float(supply)], bounds=[(floor * u, u) for u in units], method="highs")
    return pd.Series(result.x, index=requests.index, name="allocated")
'''

_POOL = '''
def pooling_saving(daily, z, lead_days):
    wide = daily.pivot_table(index="date", columns="location", values="units", aggfunc="sum")
    separate = float((z * wide.std(ddof=DDOF) * math.sqrt(lead_days)).sum())
    pooled = float(z * POOLED_SD * math.sqrt(lead_days))
    return pd.Series({"separate": separate, "pooled": pooled, "saving": SAVING})
'''


def _pool(ddof="1", pooled_sd="wide.sum(axis=1).std(ddof=DDOF)", saving="1 - pooled / separate") -> str:
    return _POOL.replace("POOLED_SD", pooled_sd).replace("DDOF", ddof).replace("SAVING", saving)


_PROMISE = '''
def delivery_promise(orders, shipments, q):
    done = DONE
    m = done.merge(shipments[["order_id", "delivered_at", "shipped_at"]], on="order_id")
    days = DAYS
    g = days.groupby([m["fulfilment_centre"], m["delivery_method"]])
    out = pd.DataFrame({"orders": g.size(), "mean_days": g.mean(), "quantile_days": g.quantile(q)})
    out["promise_days"] = PROMISE
    return out
'''


def _promise(done='orders[orders["status"] == "completed"]',
             days='(m["delivered_at"] - m["ordered_at"]).dt.total_seconds() / 86400',
             promise='np.ceil(out["quantile_days"]).astype(int)') -> str:
    return _PROMISE.replace("DONE", done).replace("DAYS", days).replace("PROMISE", promise)


_ACCURACY = '''
def promise_accuracy(orders, shipments, promise=None):
    done = orders[(orders["status"] == "completed") & orders["promised_delivery_date"].notna()]
    m = done.merge(shipments[["order_id", "delivered_at"]], on="order_id")
    if promise is None:
        due = m["promised_delivery_date"]
    else:
        days = m.join(promise["promise_days"], on=["fulfilment_centre", "delivery_method"])["promise_days"]
        m, days = m[days.notna()], days[days.notna()]
        due = START + pd.to_timedelta(days, unit="D")
    kept = KEPT
    g = kept.groupby([m["fulfilment_centre"], m["delivery_method"]])
    return pd.DataFrame({"orders": g.size(), "kept": g.sum().astype(int), "accuracy": g.mean()})
'''


def _accuracy(start='m["ordered_at"].dt.normalize()', kept='m["delivered_at"] < due + pd.Timedelta(days=1)') -> str:
    return _ACCURACY.replace("START", start).replace("KEPT", kept)


_ACCURACY_IGNORES_TABLE = '''
def promise_accuracy(orders, shipments, promise=None):
    done = orders[(orders["status"] == "completed") & orders["promised_delivery_date"].notna()]
    m = done.merge(shipments[["order_id", "delivered_at"]], on="order_id")
    kept = m["delivered_at"] < m["promised_delivery_date"] + pd.Timedelta(days=1)
    g = kept.groupby([m["fulfilment_centre"], m["delivery_method"]])
    return pd.DataFrame({"orders": g.size(), "kept": g.sum().astype(int), "accuracy": g.mean()})
'''

MISTAKES = {
    "ex1_answer": [
        Mistake("a year taken as 365 days (not a Monday)", _backtest(year="365"), visible="364 days"),
        Mistake("non-seasonal naive: the origin week's units", _backtest(naive="at(origin)"),
                visible="non-seasonal naive"),
        Mistake("level upside down", _backtest(level="np.where(recent > 0, before / np.where(recent > 0, recent, 1), 1.0)"),
                visible="upside down"),
        Mistake("level window leaves out the origin week", _backtest(window="range(1, 9)"), visible=None),
        Mistake("no level of 1 when last year sold nothing", _backtest(level="recent / before"), visible="level is 1"),
        Mistake("targets after the last week kept", _backtest(drop="False"), visible="targets after the last week"),
    ],
    "ex2_answer": [
        Mistake("MAPE instead of WAPE", _MAPE, visible="MAPE"),
        Mistake("bias with the sign reversed", _error(error='results["actual"] - results["forecast"]'),
                visible="wrong sign"),
        Mistake("infinite error for a segment that sold nothing", _error(total='out["actual"]'),
                visible="should get NaN"),
        Mistake("absolute error of the sums (misses cancel in the WAPE)", _error(wape='out["error"].abs() / total'),
                visible="wape should be"),
    ],
    "ex3_answer": [
        Mistake("lead time instead of delay", _delays(start_col='"ordered_date"'), visible="lead time"),
        Mistake("population standard deviation (ddof=0)", _delays(ddof="0"), visible="ddof=0"),
        Mistake("window end inclusive", _delays(end="<="), visible="day was counted: the period"),
        Mistake("orders that never arrived counted", _delays(keep='po.index == po.index'), visible="not arrived"),
        Mistake("arrival on the expected day counted as late", _delays(late=">="), visible="expected day"),
    ],
    "ex4_answer": [
        Mistake("lead-time variability left out", _ss(spread='np.sqrt(plan["lead_mean"]) * plan["demand_sd"]'),
                visible="lead-time variability is left out"),
        Mistake("L times sigma_d instead of the square root", _ss(
            spread='np.sqrt((plan["lead_mean"] * plan["demand_sd"]) ** 2 + plan["demand_mean"] ** 2 * plan["lead_sd"] ** 2)'),
            visible="not (L·σ_d)²"),
        Mistake("standard deviations added", _ss(
            spread='np.sqrt(plan["lead_mean"]) * plan["demand_sd"] + plan["demand_mean"] * plan["lead_sd"]'),
            visible="were added"),
        Mistake("two-sided z", _ss(z="NormalDist().inv_cdf(1 - (1 - p) / 2)"), visible="two-sided"),
        Mistake("z of 1 - level", _ss(z="NormalDist().inv_cdf(1 - p)"), visible="z is negative"),
    ],
    "ex5_answer": [
        Mistake("no fairness floor", _allocate(groups="[]"), visible="floor is missing"),
        Mistake("floor on each row instead of each segment", _ROW_FLOOR, visible="applied to each row"),
        Mistake("linprog minimises the value", _allocate(sign=""), visible="NEGATIVE"),
        Mistake("no ValueError when the floors need too much", _allocate(check="False"), visible="ValueError"),
        Mistake("ValueError when the floors use exactly the supply", _allocate(check="floor * units.sum() >= supply"),
                visible=None),
        Mistake("rows not bounded by their demand", _allocate(bounds="[(0, None) for u in units]"),
                visible="more than it asked for"),
    ],
    "ex6_answer": [
        Mistake("pooled spread assumes independence", _pool(pooled_sd="np.sqrt((wide.std() ** 2).sum())"),
                visible="independent"),
        Mistake("population standard deviations", _pool(ddof="0"), visible="ddof=0"),
        Mistake("saving as pooled / separate", _pool(saving="pooled / separate"), visible="1 − pooled / separate"),
        Mistake("pooled spread of the mean over locations", _pool(pooled_sd="wide.mean(axis=1).std()"),
                visible="pooled"),
    ],
    "ex7_answer": [
        Mistake("cancelled orders counted", _promise(done="orders"), visible="cancelled"),
        Mistake("dispatch to delivery instead of order to delivery",
                _promise(days='(m["delivered_at"] - m["shipped_at"]).dt.total_seconds() / 86400'),
                visible="shipped_at"),
        Mistake("whole days only", _promise(days='(m["delivered_at"] - m["ordered_at"]).dt.days'), visible=".dt.days"),
        Mistake("quantile rounded to the nearest day", _promise(promise='out["quantile_days"].round().astype(int)'),
                visible="rounded up"),
        Mistake("promise from the mean", _promise(promise='np.ceil(out["mean_days"]).astype(int)'),
                visible="rounded up"),
    ],
    "ex8_answer": [
        Mistake("delivery time compared with the promised date at midnight",
                _accuracy(kept='m["delivered_at"] <= due'), visible="late in the evening"),
        Mistake("midnight after the promised day counted as kept",
                _accuracy(kept='m["delivered_at"] <= due + pd.Timedelta(days=1)'), visible=None),
        Mistake("promise counted from the ordering time", _accuracy(start='m["ordered_at"]'),
                visible="ordering TIME"),
        Mistake("promise table ignored", _ACCURACY_IGNORES_TABLE, visible="not the promised_delivery_date"),
    ],
}
