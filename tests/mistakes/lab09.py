"""Common wrong answers for Lab 09 (Customer value: CLV, cost-to-serve, segment P&L).

Each source replaces a whole answer cell of ``solutions/lab09/lab09_customer_value.ipynb``; the
exercise's test cell must then fail, and the visible check's message must contain
``visible`` (``None``: only the grader catches it).
"""

from . import Mistake

_RATES = '''
def activity_rates(cost_centres, activity_cost_rates):
    centres = cost_centres.assign(cost_per_minute=PER_MINUTE)
    out = activity_cost_rates.merge(centres[KEYS + ["cost_per_minute"]].drop_duplicates(KEYS), on=KEYS,
                                    how="left")
    out["unit_cost"] = UNIT
    return out.set_index(["activity", "year"])[["cost_per_minute", "unit_cost"]].sort_index()
'''


def _rates(per_minute='cost_centres["capacity_cost"] / cost_centres["practical_capacity_minutes"]',
           keys='["year", "cost_centre"]',
           unit='out["minutes_per_unit"] * out["cost_per_minute"] + out["direct_cost"]') -> str:
    return _RATES.replace("PER_MINUTE", per_minute).replace("KEYS", keys).replace("UNIT", unit)


_UNUSED = '''
def unused_capacity(cost_centres, activity_cost_rates, volumes):
    rates = activity_cost_rates[KEYS + ["cost_centre", "minutes_per_unit"]].drop_duplicates(KEYS)
    m = volumes.merge(rates, on=KEYS)
    used = (USED).groupby([m["cost_centre"], m["year"]]).sum()
    out = cost_centres.set_index(["cost_centre", "year"])
    out["used_minutes"] = used.reindex(out.index, fill_value=0.0)
    out["unused_minutes"] = out["practical_capacity_minutes"] - out["used_minutes"]
    out["unused_share"] = out["unused_minutes"] / SHARE_BASE
    out["unused_cost"] = out["unused_share"] * out["capacity_cost"]
    return out[["used_minutes", "unused_minutes", "unused_share", "unused_cost"]].sort_index()
'''


def _unused(keys='["activity", "year"]', used='m["units"] * m["minutes_per_unit"]',
            share_base='out["practical_capacity_minutes"]') -> str:
    return _UNUSED.replace("KEYS", keys).replace("USED", used).replace("SHARE_BASE", share_base)


_PROFIT = '''
def customer_profit(customers, margins, units, rates):
    unit_cost = rates["unit_cost"].reset_index()
    last_year = unit_cost["year"].max()
    priced = units.assign(year=YEAR).merge(unit_cost, on=["activity", "year"], how="left")
    cost = (priced["units"] * priced["unit_cost"]).groupby(priced["customer_id"]).sum()
    ids = pd.Index(customers["customer_id"], name="customer_id")
    out = pd.DataFrame(index=ids)
    out["revenue_margin"] = REVENUE
    out["cost_to_serve"] = cost.reindex(ids, fill_value=0.0)
    out["profit"] = out["revenue_margin"] - out["cost_to_serve"]
    return FINAL
'''


def _profit(year='units["year"].clip(upper=last_year)',
            revenue='margins["product_margin"].reindex(ids, fill_value=0.0) + '
                    'margins["plan_fees"].reindex(ids, fill_value=0.0)',
            final="out") -> str:
    return _PROFIT.replace("YEAR", year).replace("REVENUE", revenue).replace("FINAL", final)


_PNL = '''
def segment_pnl(profit, customers, account_costs):
    table = profit.join(customers.set_index("customer_id")["segment"])
    out = table.groupby("segment").agg(customers=("profit", "size"), revenue_margin=("revenue_margin", "sum"),
                                       cost_to_serve=("cost_to_serve", "sum"), own=("profit", "mean"))
    out["account_costs"] = ACCOUNT
    out["profit"] = out["revenue_margin"] - out["cost_to_serve"] - out["account_costs"]
    out["profit_per_customer"] = PER_CUSTOMER
    out["profit_share"] = out["profit"] / SHARE_BASE
    out["subsidised"] = out["profit"] < 0
    return out.drop(columns="own").sort_values("profit", ascending=ASCENDING)
'''


def _pnl(account="account_costs.reindex(out.index, fill_value=0.0)",
         per_customer='out["profit"] / out["customers"]', share_base='out["profit"].sum()',
         ascending="False") -> str:
    return (_PNL.replace("ACCOUNT", account).replace("PER_CUSTOMER", per_customer)
            .replace("SHARE_BASE", share_base).replace("ASCENDING", ascending))


_WHALE = '''
def whale_curve(profit):
    ranked = profit.sort_values(ascending=ASCENDING)
    n = len(ranked)
    return pd.DataFrame({"customer_id": ranked.index.to_numpy(), "profit": ranked.to_numpy(),
                         "customer_share": SHARE,
                         "cumulative_profit_share": ranked.cumsum().to_numpy() / TOTAL})
'''


def _whale(ascending="False", share="np.arange(1, n + 1) / n", total="ranked.sum()") -> str:
    return _WHALE.replace("ASCENDING", ascending).replace("SHARE", share).replace("TOTAL", total)


_CLV = '''
def clv(inputs, discount_rate, horizon_years):
    t = np.arange(START, horizon_years + END)
    margin = inputs["margin_per_year"].to_numpy(dtype=float)[:, None]
    retention = inputs["retention"].to_numpy(dtype=float)[:, None]
    terms = margin * retention ** (t + SURVIVE) / DISCOUNT
    return pd.Series(terms.sum(axis=1), index=inputs.index, name="clv")
'''


def _clv(start="0", end="0", survive="0", discount="(1 + discount_rate) ** t") -> str:
    return (_CLV.replace("START", start).replace("END", end).replace("SURVIVE", survive)
            .replace("DISCOUNT", discount))


_VALUE = '''
def value_inputs(plan_value, by):
    pv = plan_value.assign(_margin=(plan_value["fees"] - COST) / plan_value["plan_years"],
                           _cancelled=plan_value["cancellations"] > 0)
    g = pv.groupby(by)
    out = pd.DataFrame({"plans": g.size(), "plan_years": g["plan_years"].sum()})
    out["margin_per_year"] = MARGIN
    out["retention"] = RETENTION
    return out
'''


def _value(cost='plan_value["service_cost"]',
           margin='(g["fees"].sum() - g["service_cost"].sum()) / out["plan_years"]',
           retention='1 - g["cancellations"].sum() / g["renewals"].sum()') -> str:
    return _VALUE.replace("COST", cost).replace("MARGIN", margin).replace("RETENTION", retention)


_CONCENTRATION = '''
def revenue_concentration(account_revenue, account_parents, n):
    by_account = account_revenue.groupby("account_id")[COLUMN].sum()
    parent = PARENT
    rows = {}
    for level, revenue in (("account", by_account), ("parent", by_account.groupby(parent).sum())):
        share = revenue / revenue.sum()
        hhi = float(((SCALE * share) ** 2).sum())
        rows[level] = {"top_n_share": share.nlargest(n).sum(), "hhi": hhi, "highly_concentrated": hhi THRESHOLD}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("level")
'''


def _concentration(column='"net_revenue"',
                   parent='account_parents.set_index("account_id")["parent_id"].reindex(by_account.index)', scale="100", threshold="> 1800") -> str:
    return (_CONCENTRATION.replace("COLUMN", column).replace("PARENT", parent).replace("SCALE", scale)
            .replace("THRESHOLD", threshold))


MISTAKES = {
    "ex1_answer": [
        Mistake("unit cost without the direct cost", _rates(unit='out["minutes_per_unit"] * out["cost_per_minute"]'),
                visible="direct cost is missing"),
        Mistake("every year priced at the first year's cost per minute", _rates(keys='["cost_centre"]'),
                visible="2024 cost per minute"),
        Mistake("cost per minute upside down (minutes per dollar)",
                _rates(per_minute='cost_centres["practical_capacity_minutes"] / cost_centres["capacity_cost"]'),
                visible="upside down"),
    ],
    "ex2_answer": [
        Mistake("used minutes count rows of volumes, not units", _unused(used='m["minutes_per_unit"]'),
                visible="counts rows"),
        Mistake("unused share divided by the used minutes", _unused(share_base='out["used_minutes"]'),
                visible="divided by the used minutes"),
        Mistake("volumes priced at one year's minutes per unit", _unused(keys='["activity"]'),
                visible="2024 minutes per unit"),
    ],
    "ex3_answer": [
        Mistake("units after the last rate year left out", _profit(year='units["year"]'),
                visible="was left out"),
        Mistake("plan fees left out of the revenue margin",
                _profit(revenue='margins["product_margin"].reindex(ids, fill_value=0.0)'),
                visible="plan fees are missing"),
        Mistake("customers with no activity dropped", _profit(final='out[out.index.isin(units["customer_id"])]'),
                visible="no activity at all is missing"),
        Mistake("every unit costed at the last year's rate", _profit(year="last_year"),
                visible="one year's rate"),
    ],
    "ex4_answer": [
        Mistake("account costs left out of the segment profit", _pnl(account="0.0"),
                visible="account costs are missing"),
        Mistake("profit share over the profitable segments only",
                _pnl(share_base='out["profit"].clip(lower=0).sum()'), visible="profitable segments only"),
        Mistake("profit per customer as the mean of the customers' own profit", _pnl(per_customer='out["own"]'),
                visible="mean of the customers' own profit"),
        Mistake("largest loss first", _pnl(ascending="True"), visible="largest loss first"),
    ],
    "ex5_answer": [
        Mistake("customers ranked from the least profitable up", _whale(ascending="True"),
                visible="least profitable up"),
        Mistake("cumulative profit divided by the profit of the profitable customers",
                _whale(total="ranked.clip(lower=0).sum()"), visible="profitable customers only"),
        Mistake("customer share starting at 0", _whale(share="np.arange(n) / n"), visible="starts at 0"),
    ],
    "ex6_answer": [
        Mistake("first margin counted a year from now (t = 1 .. H)",
                _clv(start="1", end="1", survive="0"), visible="a year from now"),
        Mistake("one margin too many (t = 0 .. H)", _clv(end="1"), visible="one year too many"),
        Mistake("discounting by (1 - d)^t", _clv(discount="(1 - discount_rate) ** -t"), visible="(1 - d)^t"),
        Mistake("the first margin weighted by retention", _clv(survive="1"), visible="retention^(t+1)"),
    ],
    "ex7_answer": [
        Mistake("margin per year from fees only", _value(cost="0.0",
                                                         margin='g["fees"].sum() / out["plan_years"]'),
                visible="fees only"),
        Mistake("margin per year as the mean of each plan's ratio", _value(margin='g["_margin"].mean()'),
                visible="average of each plan's own margin"),
        Mistake("retention as the share of plans never cancelled", _value(retention='1 - g["_cancelled"].mean()'),
                visible="retention counts plans"),
        Mistake("retention of a group with no renewal date set to 1",
                _value(retention='(1 - g["cancellations"].sum() / g["renewals"].sum()).fillna(1.0)'),
                visible="no renewal date"),
    ],
    "ex8_answer": [
        Mistake("HHI on shares as fractions", _concentration(scale="1"), visible="as fractions"),
        Mistake("no roll-up to parent groups", _concentration(parent="by_account.index.to_series()"),
                visible="parent level looks like the account level"),
        Mistake("shares of order revenue before the rebate", _concentration(column='"order_revenue"'),
                visible="net_revenue"),
        Mistake("highly concentrated from 1,500 (the 2010 bands) instead of above 1,800",
                _concentration(threshold="> 1500"), visible=None),
    ],
}
