"""Lab 09's finance tables: time-driven costing with known unused capacity, the segment and the
service tier that lose money once costs are assigned, acquisition channels whose plan holders'
value differs once field service is counted, and B2B revenue concentrated in a few parent groups.

The tests cost every activity from the raw tables at rates they derive from ``cost_centres``
(cost / practical capacity) and ``activity_cost_rates``; nothing is read back from a truth table.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

YEARS = (2024, 2025)
CONSUMER_SEGMENTS = ("value", "mainstream", "premium")


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def unit_costs(folder) -> pd.Series:
    """Cost of one unit of each activity, indexed by (activity, year): minutes x (capacity cost /
    practical capacity) of its centre + direct cost."""
    centres = read(folder, "cost_centres")
    centres["per_minute"] = centres["capacity_cost"] / centres["practical_capacity_minutes"]
    rates = read(folder, "activity_cost_rates").merge(centres, on=["year", "cost_centre"])
    cost = rates["minutes_per_unit"] * rates["per_minute"] + rates["direct_cost"]
    return pd.Series(cost.to_numpy(), index=pd.MultiIndex.from_frame(rates[["activity", "year"]]))


def cost_of(costs: pd.Series, activity, when: pd.Series) -> np.ndarray:
    """Unit cost of ``activity`` (a name or one per row) in the year of ``when`` (2026 costs as 2025)."""
    years = when.dt.year.clip(YEARS[0], YEARS[-1]).to_numpy()
    acts = np.broadcast_to(np.asarray(activity, dtype=object), years.shape)
    return costs.reindex(pd.MultiIndex.from_arrays([acts, years])).to_numpy()


def account_months(accounts: pd.DataFrame, tier: str, year: int) -> int:
    start = accounts.loc[accounts["tier"] == tier, "contract_start"]
    months = [max(0, 12 - max(0, (s.year - year) * 12 + s.month - 1)) for s in start]
    return int(sum(months))


def customer_ledger(folder) -> pd.DataFrame:
    """Every revenue and cost item of every customer over the history: customer_id, item, usd."""
    costs = unit_costs(folder)
    orders, lines, products = read(folder, "orders"), read(folder, "order_lines"), read(folder, "products")
    done = orders[orders["status"] == "completed"]
    lines = lines.merge(products[["product_id", "unit_cost"]], on="product_id").merge(
        done[["order_id", "customer_id"]], on="order_id")
    returns = read(folder, "returns").merge(products[["product_id", "unit_cost"]], on="product_id").merge(
        orders[["order_id", "customer_id"]], on="order_id")
    shipments = read(folder, "shipments").merge(orders[["order_id", "customer_id", "delivery_method"]], on="order_id")
    carry = done[done["delivery_method"] == "carry_out"]
    tickets = read(folder, "tickets")
    visits = read(folder, "field_visits")
    pay = read(folder, "plan_payments")
    outcome, kind = visits["outcome"], visits["visit_type"]
    completed = outcome == "completed"
    visit_cost = (np.where(outcome.isin(["completed", "failed", "no_access"]),
                           cost_of(costs, "field_call_out", visits["scheduled_start"]), 0)
                  + np.where(outcome.str.startswith("rescheduled"),
                             cost_of(costs, "appointment_rescheduling", visits["scheduled_start"]), 0)
                  + np.where(completed & (kind == "installation"),
                             visits["units"] * cost_of(costs, "installation_work", visits["scheduled_start"]), 0)
                  + np.where(completed & (kind == "repair"), cost_of(costs, "repair_work", visits["scheduled_start"]), 0)
                  + np.where(completed & (kind == "maintenance"),
                             cost_of(costs, "maintenance_work", visits["scheduled_start"]), 0))
    pay_cost = (cost_of(costs, ("payment_" + pay["method"]).to_numpy(), pay["attempted_at"])
                + np.where(pay["status"] == "failed", cost_of(costs, "failed_payment_follow_up", pay["attempted_at"]), 0))
    paid = pay[pay["status"] == "succeeded"]
    parts = [
        (lines["customer_id"], "gross_margin", (lines["unit_price"] - lines["unit_cost"]) * lines["quantity"]),
        (returns["customer_id"], "returns", -(returns["refund_amount"] - returns["unit_cost"])
         - cost_of(costs, "return_handling", returns["requested_date"])
         - returns["refund_amount"] * cost_of(costs, "return_markdown", returns["requested_date"])),
        (done["customer_id"], "fulfilment", -cost_of(costs, "order_handling", done["ordered_at"])),
        (carry["customer_id"], "fulfilment", -cost_of(costs, "delivery_carry_out", carry["ordered_at"])),
        (shipments["customer_id"], "fulfilment",
         -cost_of(costs, ("delivery_" + shipments["delivery_method"]).to_numpy(), shipments["shipped_at"])),
        (tickets["customer_id"], "contacts", -cost_of(costs, ("contact_" + tickets["channel"]).to_numpy(),
                                                      tickets["created_at"])),
        (visits["customer_id"], np.where(visits["plan_id"].isna(), "installation_visits", "plan_visits"), -visit_cost),
        (pay["customer_id"], "plan_payments", -pay_cost),
        (paid["customer_id"], "plan_fees", paid["amount"]),
    ]
    return pd.concat([pd.DataFrame({"customer_id": np.asarray(c), "item": item, "usd": np.asarray(v, float)})
                      for c, item, v in parts], ignore_index=True)


def segment_pnl(folder) -> pd.DataFrame:
    """Items (rows) by segment (columns), with the business segment's account costs added."""
    customers = read(folder, "customers")
    ledger = customer_ledger(folder).merge(customers[["customer_id", "segment"]], on="customer_id")
    pnl = ledger.pivot_table(index="item", columns="segment", values="usd", aggfunc="sum", fill_value=0.0)
    costs = unit_costs(folder)
    accounts = read(folder, "accounts")
    management = sum(account_months(accounts, t, y) * costs[(f"account_management_{t}", y)]
                     for t in ("strategic", "key", "standard") for y in YEARS)
    orders, lines = read(folder, "orders"), read(folder, "order_lines")
    b2b = orders[(orders["status"] == "completed") & (orders["channel"] == "b2b")]
    b2b_lines = lines.merge(b2b[["order_id", "ordered_at"]], on="order_id")
    commission = (b2b_lines["unit_price"] * b2b_lines["quantity"]
                  * cost_of(costs, "b2b_sales_commission", b2b_lines["ordered_at"])).sum()
    extra = pd.DataFrame(0.0, index=["account_management", "commission", "rebates"], columns=pnl.columns)
    extra.loc["account_management", "business"] = -management
    extra.loc["commission", "business"] = -commission
    extra.loc["rebates", "business"] = -read(folder, "account_revenue")["rebate"].sum()
    return pd.concat([pnl, extra])


def test_business_segment_loses_money_once_costs_are_assigned(any_world):
    """The business segment brings the most gross margin but loses money after its costs; the
    consumer segments pay (and subsidise it)."""
    pnl = segment_pnl(any_world)
    profit = pnl.sum()
    assert facts(any_world)["unprofitable_segments"] == ["business"]
    assert pnl.loc["gross_margin"].idxmax() == "business"
    assert profit["business"] < -0.05 * pnl.loc["gross_margin", "business"], profit.to_dict()
    for segment in CONSUMER_SEGMENTS:
        assert profit[segment] > 0.2 * pnl.loc["gross_margin", segment], (segment, profit.to_dict())


def plan_holder_ledger(folder) -> pd.DataFrame:
    """Plan holders' plan fees, plan visits and payment costs, with tier and acquisition channel."""
    plans = read(folder, "service_plans").merge(
        read(folder, "customers")[["customer_id", "acquisition_channel"]], on="customer_id")
    ledger = customer_ledger(folder)
    ledger = ledger[ledger["item"].isin(["plan_fees", "plan_visits", "plan_payments"])]
    wide = ledger.pivot_table(index="customer_id", columns="item", values="usd", aggfunc="sum")
    wide = wide.reindex(plans["customer_id"]).fillna(0.0).reset_index(drop=True)
    return pd.concat([plans[["plan_id", "tier", "acquisition_channel"]], wide], axis=1)


def test_premium_plans_do_not_pay(any_world):
    """Costed at the activity rates, premium plans' field visits cost more than their fees bring
    in; essential and plus plans pay."""
    plans = plan_holder_ledger(any_world)
    by_tier = plans.groupby("tier")[["plan_fees", "plan_visits", "plan_payments"]].sum()
    margin = by_tier.sum(axis=1) / by_tier["plan_fees"]
    assert facts(any_world)["plan_unprofitable_tiers"] == ["premium"]
    assert margin["premium"] < -0.1, margin.to_dict()
    assert margin["essential"] > 0.15 and margin["plus"] > 0.15, margin.to_dict()


def test_paid_social_plan_holders_pay_more_and_are_worth_least(any_world):
    """Per plan holder, customers acquired through paid social pay more in plan fees than the
    average (they choose premium more often) but are worth the least once their field visits
    are counted."""
    plans = plan_holder_ledger(any_world)
    per_holder = plans.groupby("acquisition_channel")[["plan_fees", "plan_visits", "plan_payments"]].mean()
    fees, net = per_holder["plan_fees"], per_holder.sum(axis=1)
    assert fees["paid_social"] > fees.drop("paid_social").mean(), fees.to_dict()
    assert net.idxmin() == "paid_social", net.to_dict()
    assert net.drop("paid_social").min() - net["paid_social"] > 50, net.to_dict()


def test_unused_capacity_is_recovered(any_world):
    """Used minutes rebuilt from the activity tables, by each rate's driver, leave the planted
    share of every centre's practical capacity unused."""
    orders = read(any_world, "orders")
    done = orders[orders["status"] == "completed"]
    ships = read(any_world, "shipments").merge(orders[["order_id", "delivery_method"]], on="order_id")
    tickets, returns = read(any_world, "tickets"), read(any_world, "returns")
    visits, pay, accounts = read(any_world, "field_visits"), read(any_world, "plan_payments"), read(any_world, "accounts")

    def per_year(times: pd.Series, weights=None) -> dict[int, float]:
        w = pd.Series(1.0 if weights is None else np.asarray(weights, float), index=times.index)
        return w.groupby(times.dt.year).sum().reindex(YEARS, fill_value=0.0).to_dict()

    attended = visits["outcome"].isin(["completed", "failed", "no_access"])
    completed = visits["outcome"] == "completed"
    volume = {
        "order_handling": per_year(done["ordered_at"]),
        "delivery_carry_out": per_year(done.loc[done["delivery_method"] == "carry_out", "ordered_at"]),
        "return_handling": per_year(returns["requested_date"]),
        "appointment_rescheduling": per_year(visits.loc[visits["outcome"].str.startswith("rescheduled"),
                                                        "scheduled_start"]),
        "field_call_out": per_year(visits.loc[attended, "scheduled_start"]),
        "repair_work": per_year(visits.loc[completed & (visits["visit_type"] == "repair"), "scheduled_start"]),
        "maintenance_work": per_year(visits.loc[completed & (visits["visit_type"] == "maintenance"),
                                                "scheduled_start"]),
        "failed_payment_follow_up": per_year(pay.loc[pay["status"] == "failed", "attempted_at"]),
    }
    inst = visits[completed & (visits["visit_type"] == "installation")]
    volume["installation_work"] = per_year(inst["scheduled_start"], inst["units"])
    for method in ("standard", "express", "installation"):
        volume[f"delivery_{method}"] = per_year(ships.loc[ships["delivery_method"] == method, "shipped_at"])
    for channel in ("phone", "chat", "email", "self_service"):
        volume[f"contact_{channel}"] = per_year(tickets.loc[tickets["channel"] == channel, "created_at"])
    for method in ("card", "direct_debit"):
        volume[f"payment_{method}"] = per_year(pay.loc[pay["method"] == method, "attempted_at"])
    for tier in ("strategic", "key", "standard"):
        volume[f"account_management_{tier}"] = {y: account_months(accounts, tier, y) for y in YEARS}

    rates = read(any_world, "activity_cost_rates")
    rates["units"] = [volume.get(a, {}).get(y, 0.0) for a, y in zip(rates["activity"], rates["year"], strict=True)]
    untimed = rates.loc[rates["units"] == 0, "activity"].unique()
    assert set(untimed) <= {"return_markdown", "b2b_sales_commission"}, untimed  # money drivers, no minutes
    assert (rates.loc[rates["activity"].isin(untimed), "minutes_per_unit"] == 0).all()
    used = (rates["units"] * rates["minutes_per_unit"]).groupby([rates["year"], rates["cost_centre"]]).sum()
    centres = read(any_world, "cost_centres").set_index(["year", "cost_centre"])
    unused = 1 - used / centres["practical_capacity_minutes"]
    planted = facts(any_world)["cost_centre_unused_share"]
    for (year, centre), share in unused.items():
        assert abs(share - planted[centre]) < 0.005, (year, centre, share, planted[centre])


def hhi(shares: pd.Series) -> float:
    return float(((100 * shares) ** 2).sum())


def test_b2b_revenue_concentrates_in_a_few_parent_groups(any_world):
    """By account no one dominates B2B revenue; rolled up to parent groups, three groups take
    most of it and the HHI passes the 2023 Merger Guidelines' 1,800."""
    revenue = read(any_world, "account_revenue")
    parents = read(any_world, "account_parents")
    # account_revenue agrees with the orders it invoices
    orders, lines, customers = read(any_world, "orders"), read(any_world, "order_lines"), read(any_world, "customers")
    b2b = orders[(orders["status"] == "completed") & (orders["channel"] == "b2b")].merge(
        customers[["customer_id", "account_id"]], on="customer_id")
    recount = lines.merge(b2b[["order_id", "account_id"]], on="order_id")
    recount = (recount["unit_price"] * recount["quantity"]).groupby(recount["account_id"]).sum()
    by_account = revenue.groupby("account_id")["order_revenue"].sum()
    assert np.allclose(by_account.reindex(recount.index).to_numpy(), recount.to_numpy(), atol=0.01 * 24)
    assert np.allclose(revenue["net_revenue"], revenue["order_revenue"] - revenue["rebate"], atol=0.011)

    account_share = by_account / by_account.sum()
    parent_share = by_account.groupby(parents.set_index("account_id")["parent_id"]).sum() / by_account.sum()
    top3 = parent_share.nlargest(3)
    names = parents.drop_duplicates("parent_id").set_index("parent_id")["parent_name"]
    groups = facts(any_world)["b2b_parent_groups"]
    assert list(names[top3.index]) == [g["parent_name"] for g in groups]
    design = [g["design_share"] for g in groups]
    assert np.allclose(top3.to_numpy(), design, atol=0.03), (top3.to_dict(), design)
    assert 1800 < hhi(parent_share) < 2500, hhi(parent_share)
    assert hhi(account_share) < 1000, hhi(account_share)
    for g in groups:
        assert set(parents.loc[parents["parent_name"] == g["parent_name"], "account_id"]) == set(g["account_ids"])
