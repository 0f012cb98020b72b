"""Finance: what activities cost, and what B2B accounts bring in.

* ``cost_centres``: each team's yearly cost of the capacity it supplies and its practical
  capacity in minutes (time-driven activity-based costing: cost per minute = cost / capacity);
* ``activity_cost_rates``: each activity's driver, the minutes one unit takes and its direct
  cost (carrier fees, parts, card fees), per year;
* ``account_parents``: the company group each B2B account belongs to;
* ``account_revenue``: each account's invoiced revenue and volume rebate per month.

Planted truths:

* **Unused capacity.** Each centre's capacity exceeds the minutes its activities used by a
  known share (:data:`UNUSED_SHARE`): rebuilding the used minutes from the activity tables
  (drivers in :data:`ACTIVITIES`) recovers it.
* **Segments and tiers that lose money.** Costed at these rates, the business segment loses
  money (installation by the unit, two-person deliveries, account management, the account
  managers' commission and volume rebates eat its margin) while the consumer segments pay;
  premium service plans lose money (see ``aftercare``).
* **Revenue concentrated in a few parent groups.** Three company groups own a set of accounts
  each, chosen so that they take about 42%, 17% and 10% of B2B revenue: by account the revenue
  looks spread out; by parent group it is concentrated (HHI above 1,800).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.registry import generates

YEARS = (2024, 2025)
#: centre -> (cost per minute in 2024 USD, yearly increase, share of capacity left unused)
CENTRE_SPEC = {
    "contact_centre": (0.85, 0.04, 0.12),
    "fulfilment": (0.60, 0.03, 0.10),
    "logistics": (0.70, 0.03, 0.15),
    "returns": (0.55, 0.03, 0.30),
    "field_service": (1.60, 0.05, 0.20),
    "finance": (0.80, 0.03, 0.35),
    "key_accounts": (1.20, 0.04, 0.05),
}
CENTRES = tuple(CENTRE_SPEC)
UNUSED_SHARE = {c: s[2] for c, s in CENTRE_SPEC.items()}
#: activity -> (cost centre, driver: what one unit is, minutes per unit, direct cost per unit in 2024 USD)
ACTIVITIES = {
    "order_handling": ("fulfilment", "completed order (any channel), by the year it was placed", 6, 1.50),
    "delivery_carry_out": ("logistics", "completed carry-out order, by the year it was placed", 4, 0.0),
    "delivery_standard": ("logistics", "shipment of a standard-delivery order, by the year it was shipped", 5, 14.0),
    "delivery_express": ("logistics", "shipment of an express order, by the year it was shipped", 5, 26.0),
    "delivery_installation": ("logistics", "two-person shipment of an installation order, by the year it "
                              "was shipped", 12, 55.0),
    "return_handling": ("returns", "returned order line (collection, inspection, restocking), by the year "
                        "it was requested", 30, 25.0),
    "return_markdown": ("returns", "USD refunded on returned lines, by the year requested (the markdown when "
                        "the item is resold as open-box)", 0, 0.25),
    "contact_phone": ("contact_centre", "ticket by phone, by the year it was created", 9, 0.0),
    "contact_chat": ("contact_centre", "ticket by chat, by the year it was created", 6, 0.0),
    "contact_email": ("contact_centre", "ticket by email, by the year it was created", 8, 0.0),
    "contact_self_service": ("contact_centre", "self-service ticket, by the year it was created", 0, 0.40),
    "appointment_rescheduling": ("contact_centre", "field appointment rescheduled (by the company or the "
                                 "customer), by the year it was scheduled for", 6, 0.0),
    "field_call_out": ("field_service", "field appointment attended (completed, failed or no access): "
                       "travel and set-up, by the year it was scheduled for", 50, 10.0),
    "installation_work": ("field_service", "unit installed at a completed installation appointment", 45, 0.0),
    "repair_work": ("field_service", "completed repair appointment (labour and parts)", 40, 55.0),
    "maintenance_work": ("field_service", "completed maintenance appointment", 35, 8.0),
    "payment_card": ("finance", "card payment attempt, by the year it was attempted", 0, 0.55),
    "payment_direct_debit": ("finance", "direct-debit payment attempt, by the year it was attempted", 0, 0.22),
    "failed_payment_follow_up": ("finance", "failed payment attempt (dunning)", 8, 0.0),
    "account_management_strategic": ("key_accounts", "month a strategic B2B account is under contract", 1600, 0.0),
    "account_management_key": ("key_accounts", "month a key B2B account is under contract", 800, 0.0),
    "account_management_standard": ("key_accounts", "month a standard B2B account is under contract", 320, 0.0),
    "b2b_sales_commission": ("key_accounts", "USD of revenue of completed B2B orders, by the year they were "
                             "placed (the account managers' commission)", 0, 0.08),
}
DIRECT_COST_INCREASE = 0.03  # per year, on every direct cost but the commission
FIXED_DIRECT_COST = ("b2b_sales_commission", "return_markdown")
#: Volume rebate on B2B order revenue: accounts in a parent group, else by the account's tier.
REBATE_RATE = {"group": 0.06, "strategic": 0.05, "key": 0.04, "standard": 0.03}
#: Shares of B2B order revenue the three parent groups are built to take.
GROUP_SHARES = (0.42, 0.17, 0.10)
GROUP_NAMES = ("Atlas Holdings", "Halcyon Group", "Corvid Partners", "Tamarind Capital", "Orion Estates",
               "Juniper Collective")

COST_CENTRES = Table(
    "cost_centres",
    "Each cost centre's yearly cost of the capacity it supplies (people, premises, vans, systems) and "
    "the practical capacity that buys, in minutes of work. Time-driven activity-based costing: the "
    "cost per minute is cost / practical capacity; capacity the activities did not use is unused "
    "capacity, a cost of its own, not a cost of any customer.",
    "cost centre and year",
    (
        Column("year", "int", "Calendar year.", allowed=YEARS),
        Column("cost_centre", "str", "Cost centre.", allowed=CENTRES),
        Column("capacity_cost", "float", "Cost of the capacity supplied in the year.", unit="USD", min=0),
        Column("practical_capacity_minutes", "int", "Minutes of work the capacity can deliver in the year "
               "(after breaks, training and downtime).", unit="minutes", min=1),
    ),
    group="finance",
)

ACTIVITY_COST_RATES = Table(
    "activity_cost_rates",
    "What each activity takes: the cost centre doing it, its driver (what one unit of the activity "
    "is), the minutes of the centre's capacity one unit uses, and its direct cost outside the "
    "centre (carrier fees, parts, card fees). Cost of one unit = minutes x the centre's cost per "
    "minute + direct cost.",
    "activity and year",
    (
        Column("year", "int", "Calendar year the rate applies to.", allowed=YEARS),
        Column("activity", "str", "Activity.", allowed=tuple(ACTIVITIES)),
        Column("cost_centre", "str", "Cost centre whose capacity it uses.", allowed=CENTRES,
               references="cost_centres.cost_centre"),
        Column("driver", "str", "What one unit of the activity is, and which year it counts in."),
        Column("minutes_per_unit", "float", "Minutes of the centre's capacity per unit.", unit="minutes", min=0),
        Column("direct_cost", "float", "Direct cost per unit outside the centre.", unit="USD", min=0),
    ),
    group="finance",
)

ACCOUNT_PARENTS = Table(
    "account_parents",
    "The company group each B2B account belongs to. Most accounts stand alone (their parent is "
    "themselves); a few groups own several accounts, signed separately by their hotels, "
    "properties or sites.",
    "B2B account",
    (
        Column("account_id", "int", "Account.", unique=True, references="accounts.account_id"),
        Column("parent_id", "int", "Parent group identifier (shared by the accounts of one group)."),
        Column("parent_name", "str", "Name of the parent group (the account's own name when it stands alone)."),
    ),
    group="finance",
)

ACCOUNT_REVENUE = Table(
    "account_revenue",
    "Revenue invoiced to each B2B account per month: the completed orders its staff placed "
    "(`orders` in channel b2b of customers with the account's `account_id`), less the volume rebate "
    "the contract grants.",
    "B2B account and month",
    (
        Column("account_id", "int", "Account.", references="accounts.account_id"),
        Column("month", "date", "First day of the month."),
        Column("order_revenue", "float", "Revenue of the completed orders placed in the month.", unit="USD", min=0),
        Column("rebate", "float", "Volume rebate credited on that revenue.", unit="USD", min=0),
        Column("net_revenue", "float", "Order revenue less the rebate.", unit="USD", min=0),
    ),
    group="finance",
)


def _centre_rate(centre: str, year: int) -> float:
    base, growth, _ = CENTRE_SPEC[centre]
    return round(base * (1 + growth) ** (year - YEARS[0]), 4)


@generates(ACTIVITY_COST_RATES)
def make_activity_cost_rates(ctx, rng):
    """The finance team's time study: each activity's minutes (within 10% of the typical figure)
    and direct cost (within 5%), the same minutes both years, direct costs up 3% a year (the
    money-driven rates, commission and markdown, stay fixed)."""
    names = list(ACTIVITIES)
    minutes = np.array([ACTIVITIES[a][2] for a in names], float) * rng.uniform(0.9, 1.1, len(names))
    minutes = np.round(minutes * 2) / 2
    fixed = np.isin(names, FIXED_DIRECT_COST)
    direct = np.array([ACTIVITIES[a][3] for a in names]) * np.where(fixed, 1.0, rng.uniform(0.95, 1.05, len(names)))
    rows = []
    for y in YEARS:
        grown = np.where(fixed, direct, direct * (1 + DIRECT_COST_INCREASE) ** (y - YEARS[0]))
        rows += [(y, a, ACTIVITIES[a][0], ACTIVITIES[a][1], minutes[i], round(float(grown[i]), 2))
                 for i, a in enumerate(names)]
    return pd.DataFrame(rows, columns=ACTIVITY_COST_RATES.column_names)


def activity_volumes(orders, order_lines, shipments, returns, tickets, field_visits, plan_payments,
                     accounts) -> pd.DataFrame:
    """Units of every activity per year (2024, 2025), by the drivers in ACTIVITIES: a DataFrame
    indexed by activity with one column per year."""
    def by_year(times, mask=None) -> np.ndarray:
        years = pd.DatetimeIndex(times).year.to_numpy()
        if mask is not None:
            years = years[np.asarray(mask)]
        return np.array([(years == y).sum() for y in YEARS])

    done = orders["status"] == "completed"
    method = orders.set_index("order_id")["delivery_method"]
    ship_method = method.reindex(shipments["order_id"]).to_numpy()
    visit_year = field_visits["scheduled_start"]
    outcome, kind = field_visits["outcome"], field_visits["visit_type"]
    attended = outcome.isin(["completed", "failed", "no_access"])
    completed = outcome == "completed"
    vol = {
        "order_handling": by_year(orders["ordered_at"], done),
        "delivery_carry_out": by_year(orders["ordered_at"], done & (orders["delivery_method"] == "carry_out")),
        "return_handling": by_year(returns["requested_date"]),
        "return_markdown": _sum_by_year(returns["requested_date"], returns["refund_amount"]),
        "appointment_rescheduling": by_year(visit_year, outcome.str.startswith("rescheduled")),
        "field_call_out": by_year(visit_year, attended),
        "repair_work": by_year(visit_year, completed & (kind == "repair")),
        "maintenance_work": by_year(visit_year, completed & (kind == "maintenance")),
        "payment_card": by_year(plan_payments["attempted_at"], plan_payments["method"] == "card"),
        "payment_direct_debit": by_year(plan_payments["attempted_at"], plan_payments["method"] == "direct_debit"),
        "failed_payment_follow_up": by_year(plan_payments["attempted_at"], plan_payments["status"] == "failed"),
    }
    for m in ("standard", "express", "installation"):
        vol[f"delivery_{m}"] = by_year(shipments["shipped_at"], ship_method == m)
    for ch in ("phone", "chat", "email", "self_service"):
        vol[f"contact_{ch}"] = by_year(tickets["created_at"], tickets["channel"] == ch)
    inst = completed & (kind == "installation")
    years = pd.DatetimeIndex(visit_year).year.to_numpy()
    vol["installation_work"] = np.array([field_visits["units"].to_numpy()[inst.to_numpy() & (years == y)].sum()
                                         for y in YEARS])
    for tier in ("strategic", "key", "standard"):
        vol[f"account_management_{tier}"] = account_months(accounts, tier)
    b2b = orders[done & (orders["channel"] == "b2b")]
    line_rev = (order_lines["unit_price"] * order_lines["quantity"]).groupby(order_lines["order_id"]).sum()
    b2b_rev = line_rev.reindex(b2b["order_id"]).to_numpy()
    vol["b2b_sales_commission"] = _sum_by_year(b2b["ordered_at"], b2b_rev)
    return pd.DataFrame(vol, index=list(YEARS)).T.reindex(list(ACTIVITIES))


def _sum_by_year(times, amounts) -> np.ndarray:
    years = pd.DatetimeIndex(times).year.to_numpy()
    amounts = np.asarray(amounts, float)
    return np.array([round(float(amounts[years == y].sum()), 2) for y in YEARS])


def account_months(accounts: pd.DataFrame, tier: str) -> np.ndarray:
    """Months of each year in which accounts of ``tier`` were under contract (from the contract
    start's month on)."""
    start = accounts.loc[accounts["tier"] == tier, "contract_start"]
    out = []
    for y in YEARS:
        months = 12 - np.clip((start.dt.year - y) * 12 + start.dt.month - 1, 0, 12)
        out.append(int(months.sum()))
    return np.array(out)


@generates(COST_CENTRES, needs=("activity_cost_rates", "orders", "order_lines", "shipments", "returns", "tickets",
                                "field_visits", "plan_payments", "accounts"))
def make_cost_centres(ctx, rng, activity_cost_rates, orders, order_lines, shipments, returns, tickets, field_visits,
                      plan_payments, accounts):
    vol = activity_volumes(orders, order_lines, shipments, returns, tickets, field_visits, plan_payments, accounts)
    rates = activity_cost_rates.set_index(["activity", "year"])
    minutes = pd.DataFrame({y: rates["minutes_per_unit"].xs(y, level="year").reindex(vol.index) for y in YEARS})
    centre = [ACTIVITIES[a][0] for a in vol.index]
    used = (vol * minutes).groupby(centre).sum()
    rows = []
    for y in YEARS:
        for c in CENTRES:
            capacity = int(np.ceil(used.loc[c, y] / (1 - UNUSED_SHARE[c])))
            rows.append((y, c, round(capacity * _centre_rate(c, y), 2), capacity))
    ctx.plant("cost_centre_rates", {c: {str(y): _centre_rate(c, y) for y in YEARS} for c in CENTRES},
              "Cost per minute of each cost centre per year (capacity_cost / practical_capacity_minutes).")
    ctx.plant("cost_centre_unused_share", UNUSED_SHARE,
              "Share of each centre's practical capacity its activities did not use, each year (activity "
              "volumes by the drivers in activity_cost_rates, times minutes per unit).")
    unit = {str(y): {a: round(float(rates.loc[(a, y), "minutes_per_unit"] * _centre_rate(c, y)
                                     + rates.loc[(a, y), "direct_cost"]), 4)
                     for a, (c, *_rest) in ACTIVITIES.items()} for y in YEARS}
    ctx.plant("activity_unit_costs", unit,
              "Cost of one unit of each activity per year: minutes x the centre's cost per minute + direct cost.")
    ctx.plant("unprofitable_segments", ["business"],
              "Segments whose customers lose money over 2024-2025 once costs are assigned: revenue of completed "
              "orders less product cost, less returned lines (refund less the unit cost back in stock), plus plan "
              "fees collected, less B2B rebates, less every activity's cost at the activity cost rates "
              "(orders, deliveries, returns, contacts, field visits, payments) and, for the business segment, "
              "account management. The consumer segments pay.")
    return pd.DataFrame(rows, columns=COST_CENTRES.column_names)


@generates((ACCOUNT_PARENTS, ACCOUNT_REVENUE), needs=("accounts", "customers", "orders", "order_lines"))
def make_account_revenue(ctx, accounts, customers, orders, order_lines):
    """Parent groups (drawn from the ``account_parents`` stream) and monthly revenue (no randomness)."""
    rng = ctx.rng("account_parents")
    n = len(accounts)
    acc_ids = accounts["account_id"].to_numpy()
    rev = b2b_order_revenue(customers, orders, order_lines)
    monthly = rev.groupby(["account_id", "month"])["revenue"].sum()
    total = rev.groupby("account_id")["revenue"].sum().reindex(acc_ids, fill_value=0.0).to_numpy()

    # Walk the accounts in a random order and cut the running share of revenue at the groups'
    # targets: each account goes to the group its midpoint falls in, the rest stand alone.
    perm = rng.permutation(n)
    share = total[perm] / total.sum()
    mid = np.cumsum(share) - share / 2
    group_of = np.searchsorted(np.cumsum(GROUP_SHARES), mid, side="right")  # 3: stands alone
    group = np.full(n, len(GROUP_SHARES))
    group[perm] = group_of
    names = np.array(GROUP_NAMES)[rng.choice(len(GROUP_NAMES), len(GROUP_SHARES), replace=False)]
    # Parent ids: the groups first, then each standalone account, in account order.
    alone = group == len(GROUP_SHARES)
    parent_id = np.where(alone, len(GROUP_SHARES) + np.cumsum(alone), group + 1)
    parent_name = np.where(alone, accounts["account_name"].to_numpy(dtype=object),
                           names[np.minimum(group, len(GROUP_SHARES) - 1)])
    parents = pd.DataFrame({"account_id": acc_ids, "parent_id": parent_id,
                            "parent_name": pd.array(parent_name, dtype="str")})

    tier_rate = np.array([REBATE_RATE[t] for t in accounts["tier"]])
    rate = pd.Series(np.where(alone, tier_rate, REBATE_RATE["group"]), index=acc_ids)
    months = pd.date_range(ctx.start.normalize(), ctx.end.normalize(), freq="MS")
    grid = pd.MultiIndex.from_product([acc_ids, months], names=["account_id", "month"])
    order_revenue = monthly.reindex(grid, fill_value=0.0).round(2)
    rebate = (order_revenue * rate.reindex(grid.get_level_values(0)).to_numpy()).round(2)
    revenue = pd.DataFrame({"order_revenue": order_revenue, "rebate": rebate,
                            "net_revenue": (order_revenue - rebate).round(2)}).reset_index()

    by_parent = pd.Series(total).groupby(parent_id).sum() / total.sum()
    ctx.plant("b2b_parent_groups",
              [{"parent_name": str(names[g]), "account_ids": acc_ids[group == g].tolist(),
                "design_share": GROUP_SHARES[g]} for g in range(len(GROUP_SHARES))],
              "Parent groups that own several B2B accounts, largest first: their accounts and the share of "
              "B2B order revenue they were built to take.")
    ctx.plant("b2b_revenue_concentration",
              {"design_group_shares": list(GROUP_SHARES),
               "group_shares": [round(float(by_parent.loc[g + 1]), 4) for g in range(len(GROUP_SHARES))],
               "hhi_parents": round(float((100 * by_parent) @ (100 * by_parent)), 1),
               "hhi_accounts": round(float(np.sum((100 * total / total.sum()) ** 2)), 1),
               "revenue": "completed b2b orders (unit_price x quantity) over the history, before rebates"},
              "B2B revenue is concentrated in three parent groups (HHI on parents above 1,800, highly "
              "concentrated under the 2023 US Merger Guidelines; between 1,500 and 2,500, moderately "
              "concentrated under the 2010 Horizontal Merger Guidelines), though no single account is large "
              "(HHI on accounts below 1,000).")
    return {ACCOUNT_PARENTS.name: parents, ACCOUNT_REVENUE.name: revenue}


def b2b_order_revenue(customers, orders, order_lines) -> pd.DataFrame:
    """Revenue of each completed B2B order line with its account and month."""
    o = orders[(orders["status"] == "completed") & (orders["channel"] == "b2b")]
    acct = customers.set_index("customer_id")["account_id"]
    o = pd.DataFrame({"order_id": o["order_id"].to_numpy(),
                      "account_id": acct.reindex(o["customer_id"]).to_numpy(),
                      "month": o["ordered_at"].dt.to_period("M").dt.to_timestamp().to_numpy()})
    o = o[o["account_id"].notna()]
    lines = order_lines[["order_id"]].assign(
        revenue=(order_lines["unit_price"] * order_lines["quantity"]).to_numpy())
    m = lines.merge(o, on="order_id")
    m["account_id"] = m["account_id"].astype("int64")
    return m

