"""Graded references for Lab 09, *Customer value: CLV, cost-to-serve, segment P&L* (instructor-only).

Each exercise's cases run the learner's function on the full tables of each world (rows
shuffled, as exports come) and on hand-made records at the rules' edges: a centre-year no
activity used, volumes in a year without rates, units dated after the last rate year, customers
with no activity or no margin, segments with no account costs, ties in profit, a horizon of one
year, retention 0 and 1, groups that reached no renewal date, plans with no plan-years, HHI just
below and just above the 1,800 threshold.

The graded inputs that the notebook builds with its given helpers (the activity ledger, the
margins, the plans' value table, the account costs) are rebuilt here by another route, from
the raw tables, and so are the references.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from grading import (
    Case,
    Fail,
    Graded,
    expect_frame,
    expect_series,
    expect_type,
    labels,
    values_match,
)

# =================================================================================================
# The rules (our policy and the sources the lab cites), in one place.
# =================================================================================================

#: Discount rate and horizon (our policy) used in the memo figures and one world case.
DISCOUNT_RATE, HORIZON_YEARS = 0.10, 5
#: HHI above this is "highly concentrated" (2023 Merger Guidelines, section 2.1; our policy to borrow it).
HHI_HIGHLY = 1800.0
HISTORY_START, HISTORY_END = pd.Timestamp("2024-01-01"), pd.Timestamp("2026-01-01")
TOOK_PLACE = ("completed", "failed", "no_access")
BAD_VISIT = ("failed", "no_access")


# =================================================================================================
# References (another route than the notebook: dictionaries and explicit loops over few keys)
# =================================================================================================

def ref_rates(cost_centres: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    per_minute = {(int(y), str(c)): cost / cap for y, c, cost, cap in zip(
        cost_centres["year"], cost_centres["cost_centre"], cost_centres["capacity_cost"],
        cost_centres["practical_capacity_minutes"], strict=True)}
    rows = []
    for a, y, c, m, d in zip(rates["activity"], rates["year"], rates["cost_centre"], rates["minutes_per_unit"],
                             rates["direct_cost"], strict=True):
        pm = per_minute.get((int(y), str(c)), np.nan)
        rows.append((str(a), int(y), pm, m * pm + d))
    out = pd.DataFrame(rows, columns=["activity", "year", "cost_per_minute", "unit_cost"])
    return out.set_index(["activity", "year"])


def ref_unused(cost_centres: pd.DataFrame, rates: pd.DataFrame, volumes: pd.DataFrame) -> pd.DataFrame:
    minutes = {(str(a), int(y)): (str(c), float(m)) for a, y, c, m in zip(
        rates["activity"], rates["year"], rates["cost_centre"], rates["minutes_per_unit"], strict=True)}
    summed = volumes.groupby(["activity", "year"])["units"].sum()
    used: dict = {}
    for (a, y), u in summed.items():
        if (str(a), int(y)) in minutes:
            c, m = minutes[(str(a), int(y))]
            used[(c, int(y))] = used.get((c, int(y)), 0.0) + u * m
    rows = []
    for c, y, cost, cap in zip(cost_centres["cost_centre"], cost_centres["year"], cost_centres["capacity_cost"],
                               cost_centres["practical_capacity_minutes"], strict=True):
        u = used.get((str(c), int(y)), 0.0)
        rows.append((str(c), int(y), u, cap - u, (cap - u) / cap, (cap - u) / cap * cost))
    out = pd.DataFrame(rows, columns=["cost_centre", "year", "used_minutes", "unused_minutes", "unused_share",
                                      "unused_cost"])
    return out.set_index(["cost_centre", "year"])


def ref_profit(customers, margins, units, unit_costs: pd.DataFrame) -> pd.DataFrame:
    cost_of = unit_costs["unit_cost"].to_dict()
    last = max(y for _, y in cost_of)
    key = pd.Series(list(zip(units["activity"].astype(str), np.minimum(units["year"].astype(int), last),
                             strict=True)), index=units.index)
    price = key.map(cost_of).astype(float)
    cost = (price * units["units"]).groupby(units["customer_id"]).sum()
    ids = customers["customer_id"].to_numpy()
    m = margins.reindex(ids)
    revenue = m["product_margin"].fillna(0.0).to_numpy() + m["plan_fees"].fillna(0.0).to_numpy()
    serve = cost.reindex(ids).fillna(0.0).to_numpy()
    return pd.DataFrame({"revenue_margin": revenue, "cost_to_serve": serve, "profit": revenue - serve},
                        index=pd.Index(ids, name="customer_id"))


def ref_segments(profit: pd.DataFrame, customers: pd.DataFrame, account_costs: pd.Series) -> pd.DataFrame:
    segment = dict(zip(customers["customer_id"], customers["segment"], strict=True))
    rows = []
    for s in sorted(set(customers["segment"])):
        mine = profit[[segment.get(c) == s for c in profit.index]]
        acct = float(account_costs.get(s, 0.0))
        p = mine["revenue_margin"].sum() - mine["cost_to_serve"].sum() - acct
        rows.append((s, len(mine), mine["revenue_margin"].sum(), mine["cost_to_serve"].sum(), acct, p, p / len(mine)))
    out = pd.DataFrame(rows, columns=["segment", "customers", "revenue_margin", "cost_to_serve", "account_costs",
                                      "profit", "profit_per_customer"]).set_index("segment")
    out["profit_share"] = out["profit"] / out["profit"].sum()
    out["subsidised"] = out["profit"] < 0
    return out


def ref_clv(inputs: pd.DataFrame, discount_rate: float, horizon_years: int) -> pd.Series:
    values = []
    for m, r in zip(inputs["margin_per_year"], inputs["retention"], strict=True):
        total, survive, factor = 0.0, 1.0, 1.0
        for _ in range(int(horizon_years)):
            total += m * survive / factor
            survive *= r
            factor *= 1 + discount_rate
        values.append(total)
    return pd.Series(values, index=inputs.index, name="clv")


def clv_closed_form(margin: float, retention: float, discount_rate: float, first_now: bool = True) -> float:
    """Infinite-horizon CLV: m(1+d)/(1+d-r) with the first margin now, m r/(1+d-r) a year from now."""
    return margin * ((1 + discount_rate) if first_now else retention) / (1 + discount_rate - retention)


def ref_value_inputs(plan_value: pd.DataFrame, by) -> pd.DataFrame:
    keys = [by] if isinstance(by, str) else list(by)
    sums = plan_value.groupby(keys)[["plan_years", "fees", "service_cost", "renewals", "cancellations"]].sum()
    count = plan_value.groupby(keys).size()
    out = pd.DataFrame({"plans": count, "plan_years": sums["plan_years"]})
    out["margin_per_year"] = (sums["fees"] - sums["service_cost"]) / sums["plan_years"]
    renewals = sums["renewals"].astype(float)
    out["retention"] = np.where(renewals > 0, 1 - sums["cancellations"] / renewals.where(renewals > 0), np.nan)
    return out


def hhi(shares) -> float:
    return float(sum((100.0 * s) ** 2 for s in shares))


def ref_concentration(account_revenue: pd.DataFrame, account_parents: pd.DataFrame, n: int) -> pd.DataFrame:
    revenue: dict = {}
    for a, v in zip(account_revenue["account_id"], account_revenue["net_revenue"], strict=True):
        revenue[int(a)] = revenue.get(int(a), 0.0) + float(v)
    parent_of = dict(zip(account_parents["account_id"].astype(int), account_parents["parent_id"], strict=True))
    groups: dict = {}
    for a, v in revenue.items():
        groups[parent_of[a]] = groups.get(parent_of[a], 0.0) + v
    rows = []
    for level, amounts in (("account", revenue), ("parent", groups)):
        total = sum(amounts.values())
        shares = sorted((v / total for v in amounts.values()), reverse=True)
        h = hhi(shares)
        rows.append((level, sum(shares[:n]), h, h > HHI_HIGHLY))
    return pd.DataFrame(rows, columns=["level", "top_n_share", "hhi", "highly_concentrated"]).set_index("level")


# =================================================================================================
# The graded inputs the notebook's given helpers build, rebuilt here from the raw tables
# =================================================================================================

def _rows(customer, activity, when, units=1.0, plan=None) -> pd.DataFrame:
    n = len(customer)
    return pd.DataFrame({"customer_id": np.asarray(customer, dtype="int64"),
                         "plan_id": pd.array(np.asarray(plan, dtype=float) if plan is not None else [np.nan] * n,
                                             dtype="Float64").astype("Int64"),
                         "activity": np.broadcast_to(np.asarray(activity, dtype=object), (n,)),
                         "year": pd.DatetimeIndex(when).year.to_numpy().astype("int64"),
                         "units": np.broadcast_to(np.asarray(units, dtype=float), (n,)).copy()})


def world_units(world) -> pd.DataFrame:
    """The activity ledger: one row per customer, plan, activity, year and driver event."""
    orders, lines = world.load("orders"), world.load("order_lines")
    ships, rets, tickets = world.load("shipments"), world.load("returns"), world.load("tickets")
    visits, pay = world.load("field_visits"), world.load("plan_payments")
    done = orders[orders["status"].to_numpy() == "completed"]
    ships = ships.merge(orders[["order_id", "customer_id", "delivery_method"]], on="order_id")
    rets = rets.merge(orders[["order_id", "customer_id"]], on="order_id")
    b2b = done[done["channel"].to_numpy() == "b2b"].merge(
        lines.assign(v=lines["unit_price"] * lines["quantity"]).groupby("order_id", as_index=False)["v"].sum(),
        on="order_id", how="left")
    carry = done[done["delivery_method"].to_numpy() == "carry_out"]
    outcome, kind = visits["outcome"].to_numpy(), visits["visit_type"].to_numpy()
    plan = visits["plan_id"].to_numpy(dtype=float, na_value=np.nan)
    parts = [
        _rows(done["customer_id"], "order_handling", done["ordered_at"]),
        _rows(carry["customer_id"], "delivery_carry_out", carry["ordered_at"]),
        _rows(ships["customer_id"], "delivery_" + ships["delivery_method"].astype(object), ships["shipped_at"]),
        _rows(rets["customer_id"], "return_handling", rets["requested_date"]),
        _rows(rets["customer_id"], "return_markdown", rets["requested_date"], rets["refund_amount"]),
        _rows(tickets["customer_id"], "contact_" + tickets["channel"].astype(object), tickets["created_at"]),
        _rows(b2b["customer_id"], "b2b_sales_commission", b2b["ordered_at"], b2b["v"].fillna(0.0)),
        _rows(pay["customer_id"], "payment_" + pay["method"].astype(object), pay["attempted_at"],
              plan=pay["plan_id"]),
    ]
    failed_pay = pay[pay["status"].to_numpy() == "failed"]
    parts.append(_rows(failed_pay["customer_id"], "failed_payment_follow_up", failed_pay["attempted_at"],
                       plan=failed_pay["plan_id"]))
    for mask, activity, per in (
            (np.char.startswith(outcome.astype(str), "rescheduled"), "appointment_rescheduling", None),
            (np.isin(outcome, TOOK_PLACE), "field_call_out", None),
            ((outcome == "completed") & (kind == "installation"), "installation_work", "units"),
            ((outcome == "completed") & (kind == "repair"), "repair_work", None),
            ((outcome == "completed") & (kind == "maintenance"), "maintenance_work", None)):
        v = visits[mask]
        parts.append(_rows(v["customer_id"], activity, v["scheduled_start"],
                           v["units"].to_numpy(dtype=float) if per else 1.0, plan=plan[mask]))
    return pd.concat(parts, ignore_index=True)


def world_account_units(world) -> pd.DataFrame:
    accounts = world.load("accounts")
    rows = []
    for a, tier, start in zip(accounts["account_id"], accounts["tier"], accounts["contract_start"], strict=True):
        for year in (2024, 2025):
            months = 12 - min(12, max(0, (start.year - year) * 12 + start.month - 1))
            rows.append((int(a), f"account_management_{tier}", year, float(months)))
    return pd.DataFrame(rows, columns=["account_id", "activity", "year", "units"])


def world_margins(world) -> pd.DataFrame:
    customers, orders = world.load("customers"), world.load("orders")
    lines = world.load("order_lines").merge(world.load("products")[["product_id", "unit_cost"]], on="product_id")
    lines = lines.merge(orders.loc[orders["status"] == "completed", ["order_id", "customer_id"]], on="order_id")
    rets = world.load("returns").merge(world.load("products")[["product_id", "unit_cost"]], on="product_id").merge(
        orders[["order_id", "customer_id"]], on="order_id")
    pay = world.load("plan_payments")
    ledger = pd.concat([
        pd.DataFrame({"c": lines["customer_id"], "k": "product_margin",
                      "v": (lines["unit_price"] - lines["unit_cost"]) * lines["quantity"]}),
        pd.DataFrame({"c": rets["customer_id"], "k": "product_margin", "v": rets["unit_cost"] - rets["refund_amount"]}),
        pd.DataFrame({"c": pay.loc[pay["status"] == "succeeded", "customer_id"], "k": "plan_fees",
                      "v": pay.loc[pay["status"] == "succeeded", "amount"]}),
    ])
    wide = ledger.pivot_table(index="c", columns="k", values="v", aggfunc="sum")
    wide = wide.reindex(customers["customer_id"]).fillna(0.0)
    wide.index.name, wide.columns.name = "customer_id", None
    return wide[["product_margin", "plan_fees"]]


def world_account_costs(world, unit_costs: pd.DataFrame) -> pd.Series:
    months = world_account_units(world)
    cost_of = unit_costs["unit_cost"].to_dict()
    management = sum(u * cost_of[(a, y)] for a, y, u in zip(months["activity"], months["year"], months["units"],
                                                             strict=True))
    return pd.Series({"business": management + float(world.load("account_revenue")["rebate"].sum())})


def world_plan_value(world, units: pd.DataFrame, unit_costs: pd.DataFrame) -> pd.DataFrame:
    plans = world.load("service_plans").merge(world.load("customers")[["customer_id", "acquisition_channel"]],
                                              on="customer_id")
    cost_of = unit_costs["unit_cost"].to_dict()
    last = max(y for _, y in cost_of)
    work = units[units["plan_id"].notna()]
    price = np.array([cost_of[(a, min(int(y), last))] for a, y in zip(work["activity"], work["year"], strict=True)])
    cost = pd.Series(price * work["units"].to_numpy()).groupby(work["plan_id"].to_numpy(dtype="int64")).sum()
    pay = world.load("plan_payments")
    fees = pay[pay["status"] == "succeeded"].groupby("plan_id")["amount"].sum()
    visits = world.load("field_visits")
    bad = set(visits.loc[visits["outcome"].isin(BAD_VISIT), "customer_id"])
    ren = world.load("plan_renewals")
    renewals = ren.groupby("plan_id").size()
    cancelled = ren[ren["outcome"] == "cancelled"].groupby("plan_id").size()
    start = plans["started_on"].where(plans["started_on"] > HISTORY_START, HISTORY_START)
    end = plans["ended_on"].fillna(HISTORY_END)
    end = end.where(end < HISTORY_END, HISTORY_END)
    days = (end - start).dt.days.to_numpy()
    return pd.DataFrame({
        "plan_id": plans["plan_id"].to_numpy(), "tier": plans["tier"].to_numpy(),
        "acquisition_channel": plans["acquisition_channel"].to_numpy(),
        "failed_visit": plans["customer_id"].isin(bad).to_numpy(),
        "plan_years": np.maximum(days, 0) / 365,
        "fees": fees.reindex(plans["plan_id"]).fillna(0.0).to_numpy(),
        "service_cost": cost.reindex(plans["plan_id"]).fillna(0.0).to_numpy(),
        "renewals": renewals.reindex(plans["plan_id"]).fillna(0).astype(int).to_numpy(),
        "cancellations": cancelled.reindex(plans["plan_id"]).fillna(0).astype(int).to_numpy()})


_INPUTS: dict = {}


def world_inputs(world) -> dict:
    """Every graded input and reference of one world, computed once."""
    key = str(world.folder)
    if key in _INPUTS:
        return _INPUTS[key]
    centres, rates = world.load("cost_centres"), world.load("activity_cost_rates")
    unit_costs = ref_rates(centres, rates)[["unit_cost"]]
    units = world_units(world)
    margins = world_margins(world)
    customers = world.load("customers")
    profit = ref_profit(customers, margins, units, unit_costs)
    account_costs = world_account_costs(world, unit_costs)
    acct = world_account_units(world)
    volumes = pd.concat([units[["activity", "year", "units"]], acct[["activity", "year", "units"]]],
                        ignore_index=True)
    out = {"centres": centres, "rates": rates, "unit_costs": unit_costs, "units": units, "margins": margins,
           "customers": customers, "profit": profit, "account_costs": account_costs, "volumes": volumes,
           "plan_value": world_plan_value(world, units, unit_costs)}
    _INPUTS[key] = out
    return out


# =================================================================================================
# Shared checks
# =================================================================================================

def _indexed(answer, keys: list[str], what: str) -> pd.DataFrame:
    frame = expect_type(answer, pd.DataFrame, f"a DataFrame indexed by {what}")
    if frame.index.nlevels != len(keys):
        if all(k in frame.columns for k in keys):
            raise Fail(f"the result should be indexed by {what}; {keys} are columns")
        raise Fail(f"the result should be indexed by {what}")
    return frame


def _check_frame(ref: pd.DataFrame, keys: list[str], what: str, *, row_order: bool = False, columns=None):
    def check(answer):
        frame = _indexed(answer, keys, what)
        expect_frame(frame, ref, index_name=what, row_order=row_order, columns=columns, rtol=1e-6, atol=1e-6)
    return check


def _flag(frame: pd.DataFrame, ref: pd.DataFrame, column: str, what: str) -> None:
    position = {k: i for i, k in enumerate(labels(frame.index))}
    got = frame.iloc[[position[k] for k in labels(ref.index)]][column]
    if got.isna().any():
        raise Fail(f"column {column!r} has missing values; it should be True or False")
    ok = values_match(got.astype(bool), ref[column].astype(bool))
    if not ok.all():
        raise Fail(f"column {column!r} is wrong in {int((~ok).sum())} of {len(ok)} rows ({what})")


# =================================================================================================
# Exercise 1: time-driven unit costs
# =================================================================================================

def _centres(rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["year", "cost_centre", "capacity_cost", "practical_capacity_minutes"])


def _rates(rows) -> pd.DataFrame:
    return pd.DataFrame([(y, a, c, "one unit", m, d) for y, a, c, m, d in rows],
                        columns=["year", "activity", "cost_centre", "driver", "minutes_per_unit", "direct_cost"])


_FIXED_CENTRES = _centres([(2024, "desk", 900.0, 3000), (2025, "desk", 1500.0, 3000), (2024, "vans", 7000.0, 2000),
                           (2025, "vans", 7000.0, 2500), (2024, "idle", 500.0, 100), (2025, "idle", 500.0, 100)])
_FIXED_RATES = _rates([(2024, "call", "desk", 7.5, 0.0), (2025, "call", "desk", 7.5, 0.0),
                       (2024, "drop", "vans", 12.0, 18.0), (2025, "drop", "vans", 12.0, 18.5),
                       (2024, "fee", "desk", 0.0, 0.3), (2025, "fee", "desk", 0.0, 0.3),
                       (2025, "survey", "desk", 2.0, 0.0)])


def _rates_world(world):
    c, r = world.load("cost_centres"), world.load("activity_cost_rates")
    return [Case("the cost_centres and activity_cost_rates tables (rows shuffled)",
                 (c.sample(frac=1, random_state=3), r.sample(frac=1, random_state=4)),
                 _check_frame(ref_rates(c, r), ["activity", "year"], "(activity, year)",
                              columns=["cost_per_minute", "unit_cost"]))]


def _rates_fixed():
    return [Case("hand-made centres whose cost changes between years but whose capacity does not (and the "
                 "reverse), an activity with only a direct cost, one in 2025 only, and a centre no activity uses",
                 (_FIXED_CENTRES.iloc[::-1].reset_index(drop=True), _FIXED_RATES),
                 _check_frame(ref_rates(_FIXED_CENTRES, _FIXED_RATES), ["activity", "year"], "(activity, year)",
                              columns=["cost_per_minute", "unit_cost"]))]


# =================================================================================================
# Exercise 2: unused capacity
# =================================================================================================

_UNUSED_COLUMNS = ["used_minutes", "unused_minutes", "unused_share", "unused_cost"]


def _unused_world(world):
    x = world_inputs(world)
    return [Case("the cost_centres and activity_cost_rates tables with every customer's and account's units",
                 (x["centres"], x["rates"], x["volumes"].sample(frac=1, random_state=5)),
                 _check_frame(ref_unused(x["centres"], x["rates"], x["volumes"]), ["cost_centre", "year"],
                              "(cost_centre, year)", columns=_UNUSED_COLUMNS))]


def _unused_fixed():
    rates = _rates([(2024, "call", "desk", 7.5, 0.0), (2025, "call", "desk", 9.0, 0.0),
                    (2024, "drop", "vans", 12.0, 18.0), (2025, "drop", "vans", 12.0, 18.5),
                    (2024, "fee", "desk", 0.0, 0.3), (2025, "fee", "desk", 0.0, 0.3)])
    volumes = pd.DataFrame([("call", 2024, 100.0), ("call", 2024, 60.0), ("call", 2025, 200.0),
                            ("fee", 2024, 900.0), ("drop", 2024, 40.0), ("drop", 2026, 80.0), ("call", 2023, 5.0),
                            ("drop", 2024, 10.0)], columns=["activity", "year", "units"])
    return [Case("hand-made volumes with repeated rows, minutes that change between years, units in years "
                 "without a centre row, an activity with no minutes, and centre-years nobody used",
                 (_FIXED_CENTRES, rates, volumes),
                 _check_frame(ref_unused(_FIXED_CENTRES, rates, volumes), ["cost_centre", "year"],
                              "(cost_centre, year)", columns=_UNUSED_COLUMNS))]


# =================================================================================================
# Exercise 3: cost to serve and profit per customer
# =================================================================================================

_PROFIT_COLUMNS = ["revenue_margin", "cost_to_serve", "profit"]


def _profit_world(world):
    x = world_inputs(world)
    return [Case("the customers with their margins and activity ledger (rows shuffled), priced at the "
                 "grader's unit costs",
                 (x["customers"], x["margins"], x["units"].sample(frac=1, random_state=6), x["unit_costs"]),
                 _check_frame(x["profit"], ["customer_id"], "customer_id", columns=_PROFIT_COLUMNS))]


def _unit_costs(rows) -> pd.DataFrame:
    return pd.DataFrame([r[2] for r in rows], columns=["unit_cost"],
                        index=pd.MultiIndex.from_tuples([(a, y) for a, y, _ in rows], names=["activity", "year"]))


def _profit_fixed():
    costs = _unit_costs([("call", 2024, 4.0), ("call", 2025, 6.5), ("drop", 2024, 40.0), ("drop", 2025, 55.0),
                         ("fee", 2024, 0.25), ("fee", 2025, 0.3)])
    customers = pd.DataFrame({"customer_id": [40, 7, 300, 12, 8], "segment": ["value"] * 5})
    units = pd.DataFrame([(7, None, "drop", 2026, 1.0), (7, None, "drop", 2027, 1.0), (7, None, "call", 2025, 1.0),
                          (40, 4, "fee", 2024, 2.0), (40, 4, "fee", 2024, 2.0), (40, None, "drop", 2024, 1.0),
                          (300, None, "call", 2024, 3.0), (999, None, "call", 2025, 4.0),
                          (12, None, "drop", 2025, 0.0)],
                         columns=["customer_id", "plan_id", "activity", "year", "units"])
    units["plan_id"] = pd.array(units["plan_id"], dtype="Int64")
    margins = pd.DataFrame({"product_margin": [120.0, -15.0, 30.0, 500.0], "plan_fees": [60.0, 0.0, 0.0, 10.0]},
                           index=pd.Index([40, 7, 8, 555], name="customer_id"))
    return [Case("hand-made units dated one and two years after the last rate year, repeated rows, a customer "
                 "with no activity, one with no margin, and units and margins of people not in `customers`",
                 (customers, margins, units, costs),
                 _check_frame(ref_profit(customers, margins, units, costs), ["customer_id"], "customer_id",
                              columns=_PROFIT_COLUMNS))]


# =================================================================================================
# Exercise 4: segment P&L
# =================================================================================================

_PNL_COLUMNS = ["customers", "revenue_margin", "cost_to_serve", "account_costs", "profit", "profit_per_customer",
                "profit_share"]


def _check_pnl(ref: pd.DataFrame):
    def check(answer):
        frame = _indexed(answer, ["segment"], "segment")
        expect_frame(frame, ref, index_name="the segments", columns=_PNL_COLUMNS, rtol=1e-6, atol=1e-6)
        if "subsidised" not in frame.columns:
            raise Fail("the result is missing column(s) ['subsidised']")
        _flag(frame, ref, "subsidised", "a segment is subsidised when its profit is below 0")
        got = pd.to_numeric(frame["profit"]).to_numpy(dtype=float)
        if (np.diff(got) > 1e-6).any():
            raise Fail("the rows are not sorted by profit, largest first")
    return check


def _pnl_world(world):
    x = world_inputs(world)
    ref = ref_segments(x["profit"], x["customers"], x["account_costs"])
    return [Case("every customer's profit (the grader's), their segments and the B2B account costs",
                 (x["profit"].sample(frac=1, random_state=7), x["customers"], x["account_costs"]),
                 _check_pnl(ref))]


def _pnl_fixed():
    customers = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5, 6, 7],
                              "segment": ["b", "a", "b", "c", "a", "d", "b"]})
    profit = pd.DataFrame({"revenue_margin": [100.0, 40.0, 300.0, 10.0, 0.0, 0.0, 50.0],
                           "cost_to_serve": [150.0, 10.0, 20.0, 60.0, 0.0, 0.0, 50.0]},
                          index=pd.Index([1, 2, 3, 4, 5, 6, 7], name="customer_id"))
    profit["profit"] = profit["revenue_margin"] - profit["cost_to_serve"]
    costs = pd.Series({"b": 120.0, "c": 5.0, "z": 1000.0})
    return [Case("hand-made customers in four segments: two that lose money, one with no account costs, one "
                 "whose customers earn nothing, and account costs of a segment nobody is in",
                 (profit.iloc[::-1], customers, costs), _check_pnl(ref_segments(profit, customers, costs)))]


# =================================================================================================
# Exercise 5: the whale curve
# =================================================================================================

def _check_whale(profit: pd.Series):
    ranked = np.sort(profit.to_numpy(dtype=float))[::-1]
    n, total = len(ranked), ranked.sum()
    share = np.arange(1, n + 1) / n
    cumulative = np.cumsum(ranked) / total
    pairs = sorted(zip(profit.index.tolist(), profit.round(6).tolist(), strict=True))

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per customer")
        missing = [c for c in ("customer_id", "profit", "customer_share", "cumulative_profit_share")
                   if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        if len(frame) != n:
            raise Fail(f"it has {len(frame):,} rows; there should be one per customer")
        got = pd.to_numeric(frame["profit"]).to_numpy(dtype=float)
        if not np.allclose(got, ranked, rtol=1e-9, atol=1e-6):
            raise Fail("the rows are not the customers sorted by profit, largest first")
        try:
            ids = [int(v) for v in frame["customer_id"]]
        except (TypeError, ValueError):
            raise Fail("customer_id should hold the customers' ids") from None
        if sorted(zip(ids, np.round(got, 6).tolist(), strict=True)) != pairs:
            raise Fail("some rows pair a customer with another customer's profit")
        for column, want in (("customer_share", share), ("cumulative_profit_share", cumulative)):
            ok = values_match(pd.to_numeric(frame[column]), pd.Series(want), rtol=1e-6, atol=1e-9)
            if not ok.all():
                raise Fail(f"column {column!r} is wrong in {int((~ok).sum()):,} of {n:,} rows")
        if labels(frame.index) != list(range(n)):
            raise Fail("the result should have a plain 0, 1, 2… index")
    return check


def _whale_world(world):
    profit = world_inputs(world)["profit"]["profit"]
    return [Case("every customer's profit (the grader's), in customer order and shuffled",
                 (profit.sample(frac=1, random_state=8),), _check_whale(profit))]


def _whale_fixed():
    ties = pd.Series([30.0, -10.0, 30.0, 0.0, 0.0, 5.0, -10.0, 80.0], index=[5, 6, 7, 8, 9, 10, 11, 12], name="profit")
    losers = pd.Series([-20.0, 100.0, -60.0, 15.0], index=[3, 1, 4, 2], name="profit")
    one = pd.Series([42.0], index=[77], name="profit")
    return [Case("hand-made profits with ties (equal gains, equal losses, zeros)", (ties,), _check_whale(ties)),
            Case("hand-made profits where the loss-makers give back most of the profit", (losers,),
                 _check_whale(losers)),
            Case("a single customer", (one,), _check_whale(one))]


# =================================================================================================
# Exercise 6: lifetime value
# =================================================================================================

def _check_clv(inputs: pd.DataFrame, d: float, h: int):
    ref = ref_clv(inputs, d, h)

    def check(answer):
        expect_series(answer, ref, what="a Series indexed like inputs", index_name="the groups of inputs",
                      rtol=1e-7, atol=1e-7, accept_frame=True)
    return check


def _clv_world(world):
    x = world_inputs(world)
    by_channel = ref_value_inputs(x["plan_value"], "acquisition_channel")[["margin_per_year", "retention"]]
    by_tier = ref_value_inputs(x["plan_value"], "tier")[["margin_per_year", "retention"]]
    return [Case(f"the plans' margin and retention by acquisition channel, at {DISCOUNT_RATE:.0%} over "
                 f"{HORIZON_YEARS} years", (by_channel, DISCOUNT_RATE, HORIZON_YEARS),
                 _check_clv(by_channel, DISCOUNT_RATE, HORIZON_YEARS)),
            Case("the plans' margin and retention by tier, at 4% over 12 years", (by_tier, 0.04, 12),
                 _check_clv(by_tier, 0.04, 12))]


def _clv_fixed():
    edge = pd.DataFrame({"margin_per_year": [100.0, 80.0, -40.0, 250.0, 0.0],
                         "retention": [0.8, 1.0, 0.6, 0.0, 0.9]},
                        index=pd.Index(["book", "loyal", "loss", "one_term", "zero"], name="group"))
    return [Case("hand-made groups (retention 1, retention 0, a negative margin) over a 1-year horizon",
                 (edge, 0.10, 1), _check_clv(edge, 0.10, 1)),
            Case("hand-made groups with no discounting over 4 years", (edge, 0.0, 4), _check_clv(edge, 0.0, 4)),
            Case("hand-made groups at 10% over 200 years (near the closed form)", (edge.iloc[:3], 0.10, 200),
                 _check_clv(edge.iloc[:3], 0.10, 200))]


# =================================================================================================
# Exercise 7: margin and retention by group
# =================================================================================================

_VALUE_COLUMNS = ["plans", "plan_years", "margin_per_year", "retention"]


def _check_value(plan_value: pd.DataFrame, by):
    ref = ref_value_inputs(plan_value, by)
    keys = [by] if isinstance(by, str) else list(by)

    def check(answer):
        frame = _indexed(answer, keys, f"the groups of {by!r}")
        expect_frame(frame, ref, index_name=f"the groups of {by!r}", columns=_VALUE_COLUMNS, rtol=1e-6, atol=1e-6)
    return check


def _value_world(world):
    pv = world_inputs(world)["plan_value"]
    shuffled = pv.sample(frac=1, random_state=9)
    return [Case(f"the plans' value table by {by!r} (rows shuffled)", (shuffled, by), _check_value(pv, by))
            for by in ("tier", "acquisition_channel", ["acquisition_channel", "failed_visit"])]


def _value_fixed():
    cols = ["plan_id", "tier", "acquisition_channel", "failed_visit", "plan_years", "fees", "service_cost",
            "renewals", "cancellations"]
    pv = pd.DataFrame([(1, "premium", "store", False, 0.0, 0.0, 0.0, 1, 1),
                       (2, "premium", "store", True, 0.1, 30.0, 400.0, 0, 0),
                       (3, "premium", "email", False, 2.0, 560.0, 300.0, 2, 0),
                       (4, "essential", "web", False, 1.0, 100.0, 20.0, 0, 0),
                       (5, "essential", "web", True, 0.5, 50.0, 90.0, 0, 0),
                       (6, "plus", "email", False, 1.25, 200.0, 50.0, 3, 2),
                       (7, "plus", "store", True, 1.75, 300.0, 120.0, 1, 0)], columns=cols)
    return [Case(f"hand-made plans by {by!r}: a plan with no plan-years, groups that reached no renewal date, "
                 "a group that always renewed", (pv.iloc[::-1], by), _check_value(pv, by))
            for by in ("tier", "acquisition_channel", ["tier", "failed_visit"])]


# =================================================================================================
# Exercise 8: revenue concentration
# =================================================================================================

def _check_concentration(ref: pd.DataFrame):
    def check(answer):
        frame = _indexed(answer, ["level"], "level ('account' and 'parent')")
        expect_frame(frame, ref, index_name="the levels ('account' and 'parent')", columns=["top_n_share", "hhi"],
                     rtol=1e-6, atol=1e-6)
        if "highly_concentrated" not in frame.columns:
            raise Fail("the result is missing column(s) ['highly_concentrated']")
        _flag(frame, ref, "highly_concentrated", "HHI above 1,800")
    return check


def _concentration_world(world):
    rev, par = world.load("account_revenue"), world.load("account_parents")
    return [Case(f"the account_revenue and account_parents tables, top {n}", (rev.sample(frac=1, random_state=n),
                                                                             par, n),
                 _check_concentration(ref_concentration(rev, par, n))) for n in (3, 5)]


def _revenue(net: dict, months=("2025-01-01", "2025-02-01")) -> pd.DataFrame:
    rows = []
    for a, v in net.items():
        for i, m in enumerate(months):
            part = v * (0.25 if i == 0 else 0.75)
            rows.append((a, pd.Timestamp(m), part * 1.05, part * 0.05, part))
    return pd.DataFrame(rows, columns=["account_id", "month", "order_revenue", "rebate", "net_revenue"])


def _parents(mapping: dict) -> pd.DataFrame:
    return pd.DataFrame({"account_id": list(mapping), "parent_id": list(mapping.values()),
                         "parent_name": [f"P{p}" for p in mapping.values()]})


def _concentration_fixed():
    # shares 31, 19 and five of 10 (HHI 1,822) against 29, 21 and five of 10 (1,782), as accounts and as
    # groups of accounts; a single group that owns everything (10,000); n larger than the number of groups
    above = {1: 31.0, 2: 19.0, 3: 10.0, 4: 10.0, 5: 10.0, 6: 10.0, 7: 10.0}
    below = {1: 29.0, 2: 21.0, 3: 10.0, 4: 10.0, 5: 10.0, 6: 10.0, 7: 10.0}
    split = {11: 15.5, 12: 15.5, 2: 19.0, 3: 10.0, 4: 10.0, 5: 10.0, 6: 10.0, 7: 10.0}
    split_parents = {11: 1, 12: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7}
    alone = {a: a for a in above}
    one_group = {a: 9 for a in above}
    cases = []
    for label, net, parents, n in (
            ("shares whose HHI is just above 1,800", above, alone, 2),
            ("shares whose HHI is just below 1,800", below, alone, 2),
            ("two accounts of one group that together pass 1,800, though no account does", split, split_parents, 3),
            ("one group that owns every account, and n larger than the number of groups", above, one_group, 4)):
        rev, par = _revenue(net), _parents(parents)
        cases.append(Case(f"hand-made accounts: {label}", (rev, par, n),
                          _check_concentration(ref_concentration(rev, par, n))))
    return cases


EXERCISES = [
    Graded("ex1_tests", "activity_rates", _rates_world, _rates_fixed),
    Graded("ex2_tests", "unused_capacity", _unused_world, _unused_fixed),
    Graded("ex3_tests", "customer_profit", _profit_world, _profit_fixed),
    Graded("ex4_tests", "segment_pnl", _pnl_world, _pnl_fixed),
    Graded("ex5_tests", "whale_curve", _whale_world, _whale_fixed),
    Graded("ex6_tests", "clv", _clv_world, _clv_fixed),
    Graded("ex7_tests", "value_inputs", _value_world, _value_fixed),
    Graded("ex8_tests", "revenue_concentration", _concentration_world, _concentration_fixed),
]


# =================================================================================================
# Memo figures
# =================================================================================================

def MEMO_FIGURES(world) -> dict:  # noqa: N802 - the name every grader module uses
    """The figures the memo rubric asks about, from the grader's references on one world."""
    x = world_inputs(world)
    pnl = ref_segments(x["profit"], x["customers"], x["account_costs"]).sort_values("profit", ascending=False)
    unused = ref_unused(x["centres"], x["rates"], x["volumes"])
    tiers = ref_value_inputs(x["plan_value"], "tier")
    tiers["clv"] = ref_clv(tiers, DISCOUNT_RATE, HORIZON_YEARS)
    channels = ref_value_inputs(x["plan_value"], "acquisition_channel")
    channels["clv"] = ref_clv(channels, DISCOUNT_RATE, HORIZON_YEARS)
    fees_only = ref_value_inputs(x["plan_value"].assign(service_cost=0.0), "acquisition_channel")
    fees_clv = ref_clv(fees_only, DISCOUNT_RATE, HORIZON_YEARS)
    experience = ref_value_inputs(x["plan_value"], "failed_visit")
    experience["clv"] = ref_clv(experience, DISCOUNT_RATE, HORIZON_YEARS)
    conc = ref_concentration(world.load("account_revenue"), world.load("account_parents"), 3)
    field = unused.xs("field_service", level="cost_centre")
    return {
        "segment profit (USD)": "; ".join(f"{s} {p:,.0f}" for s, p in pnl["profit"].items()),
        "segments subsidised": ", ".join(pnl.index[pnl["subsidised"]]) or "none",
        "profit share of the segments that pay": f"{pnl.loc[~pnl['subsidised'], 'profit_share'].sum():.0%}",
        "tier margin per plan-year (USD)": "; ".join(f"{t} {m:,.0f}" for t, m in tiers["margin_per_year"].items()),
        "tier retention": "; ".join(f"{t} {r:.0%}" for t, r in tiers["retention"].items()),
        f"tier CLV, {DISCOUNT_RATE:.0%} over {HORIZON_YEARS} years (USD)":
            "; ".join(f"{t} {v:,.0f}" for t, v in tiers["clv"].items()),
        "channel CLV net / fees only (USD)": "; ".join(f"{c} {v:,.0f} / {fees_clv[c]:,.0f}"
                                                      for c, v in channels["clv"].sort_values().items()),
        "CLV with / without a failed visit (USD)":
            f"{experience['clv'].get(True, np.nan):,.0f} / {experience['clv'].get(False, np.nan):,.0f}",
        "unused capacity cost, 2 years (USD)": f"{unused['unused_cost'].sum():,.0f}",
        "field-service capacity unused": f"{field['unused_share'].mean():.0%}",
        "B2B top-3 share, accounts / parent groups": f"{conc.loc['account', 'top_n_share']:.0%} / "
                                                     f"{conc.loc['parent', 'top_n_share']:.0%}",
        "B2B HHI, accounts / parent groups": f"{conc.loc['account', 'hhi']:,.0f} / {conc.loc['parent', 'hhi']:,.0f}",
    }
