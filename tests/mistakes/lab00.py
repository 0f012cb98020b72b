"""Common wrong answers in lab 00 (orientation); tests/test_mistakes.py proves the tests catch them."""

from mistakes import Mistake

MISTAKES = {
    "ex1_answer": [
        Mistake("shares from value_counts(normalize=True), not counts", source='''
def customers_per_market(customers):
    return customers["market"].value_counts(normalize=True).rename("customers")
''', visible="shares"),
        Mistake("counted distinct cities per market, not customers", source='''
def customers_per_market(customers):
    return (customers.groupby("market")["city"].nunique()
            .sort_values(ascending=False).rename("customers"))
''', visible="distinct cities"),
        Mistake("counted per region instead of per market", source='''
def customers_per_market(customers):
    return customers["region"].value_counts().rename("customers")
''', visible="regions"),
        Mistake("value_counts kept its default name 'count'", source='''
def customers_per_market(customers):
    return customers["market"].value_counts()
''', visible="name it 'customers'"),
        Mistake("sorted smallest first", source='''
def customers_per_market(customers):
    return customers.groupby("market").size().sort_values().rename("customers")
''', visible="wrong way round"),
        Mistake("the market order of the course's data written in, not sorted by count", source='''
def customers_per_market(customers):
    order = ["UK", "US-CA", "DE", "US-TX", "US-NY", "FR", "NL"]  # largest first, as seen in the data
    return customers["market"].value_counts().reindex(order).rename("customers")
''', visible=None),
    ],
    "ex2_answer": [
        Mistake("summed unit prices, forgetting quantity", source='''
def revenue_by_channel(orders, order_lines):
    lines = order_lines.merge(orders[orders["status"] == "completed"], on="order_id")
    return (lines.groupby("channel")["unit_price"].sum()
            .sort_values(ascending=False).rename("revenue_usd"))
''', visible="without multiplying by `quantity`"),
        Mistake("included cancelled orders", source='''
def revenue_by_channel(orders, order_lines):
    lines = order_lines.merge(orders, on="order_id")
    lines["revenue"] = lines["quantity"] * lines["unit_price"]
    return (lines.groupby("channel")["revenue"].sum()
            .sort_values(ascending=False).rename("revenue_usd"))
''', visible="included cancelled orders"),
        Mistake("took the discount off a price that is already discounted", source='''
def revenue_by_channel(orders, order_lines):
    lines = order_lines.merge(orders[orders["status"] == "completed"], on="order_id")
    lines["revenue"] = lines["quantity"] * lines["unit_price"] * (1 - lines["discount_pct"])
    return (lines.groupby("channel")["revenue"].sum()
            .sort_values(ascending=False).rename("revenue_usd"))
''', visible="discount off twice"),
        Mistake("left in groupby's alphabetical order, not sorted by revenue", source='''
def revenue_by_channel(orders, order_lines):
    lines = order_lines.merge(orders[orders["status"] == "completed"], on="order_id")
    lines["revenue"] = lines["quantity"] * lines["unit_price"]
    return lines.groupby("channel")["revenue"].sum().rename("revenue_usd")
''', visible="not sorted"),
        Mistake("looked each line's order up by position (order_id - 1), not by order_id", source='''
def revenue_by_channel(orders, order_lines):
    order = orders.iloc[order_lines["order_id"].to_numpy() - 1]  # ids happen to be 1, 2, 3, ...
    completed = (order["status"] == "completed").to_numpy()
    amount = (order_lines["quantity"] * order_lines["unit_price"]).to_numpy()[completed]
    return (pd.Series(amount).groupby(order["channel"].to_numpy()[completed]).sum()
            .sort_values(ascending=False).rename("revenue_usd"))
''', visible=None),
    ],
    "ex3_answer": [
        Mistake("compared the delivered_at timestamp with the promised date (midnight)", source='''
def on_time_rate_by_centre(orders, shipments):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    on_time = parcels["delivered_at"] <= parcels["promised_delivery_date"]
    return (on_time.groupby(parcels["fulfilment_centre"]).mean()
            .sort_values().rename("on_time_rate"))
''', visible="compare dates, not timestamps"),
        Mistake("percentage instead of a fraction", source='''
def on_time_rate_by_centre(orders, shipments):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    on_time = parcels["delivered_at"].dt.normalize() <= parcels["promised_delivery_date"]
    return (100 * on_time.groupby(parcels["fulfilment_centre"]).mean()).sort_values().rename("on_time_rate")
''', visible="percentages"),
        Mistake("strictly before the promised date: same-day deliveries counted late", source='''
def on_time_rate_by_centre(orders, shipments):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    on_time = parcels["delivered_at"].dt.date < parcels["promised_delivery_date"].dt.date
    return (on_time.groupby(parcels["fulfilment_centre"]).mean()
            .sort_values().rename("on_time_rate"))
''', visible="compare dates, not timestamps"),
        Mistake("share delivered late instead of on time", source='''
def on_time_rate_by_centre(orders, shipments):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    late = parcels["delivered_at"].dt.normalize() > parcels["promised_delivery_date"]
    return late.groupby(parcels["fulfilment_centre"]).mean().sort_values().rename("on_time_rate")
''', visible="LATE"),
        Mistake("sorted best first", source='''
def on_time_rate_by_centre(orders, shipments):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    on_time = parcels["delivered_at"].dt.normalize() <= parcels["promised_delivery_date"]
    return (on_time.groupby(parcels["fulfilment_centre"]).mean()
            .sort_values(ascending=False).rename("on_time_rate"))
''', visible="wrong way round"),
        Mistake("one day added to the promise and compared with <=: midnight after the promised day "
                "counts as on time", source='''
def on_time_rate_by_centre(orders, shipments):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    on_time = parcels["delivered_at"] <= parcels["promised_delivery_date"] + pd.Timedelta(days=1)
    return on_time.groupby(parcels["fulfilment_centre"]).mean().sort_values().rename("on_time_rate")
''', visible="midnight right AFTER the promised day"),
        Mistake("the promised day ends at 23:59:59, so its last second counts as late", source='''
def on_time_rate_by_centre(orders, shipments):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    on_time = parcels["delivered_at"] <= parcels["promised_delivery_date"] + pd.Timedelta("23:59:59")
    return on_time.groupby(parcels["fulfilment_centre"]).mean().sort_values().rename("on_time_rate")
''', visible="rates are not right"),
        Mistake("compared days of the year, which restart on 1 January", source='''
def on_time_rate_by_centre(orders, shipments):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    on_time = parcels["delivered_at"].dt.day_of_year <= parcels["promised_delivery_date"].dt.day_of_year
    return on_time.groupby(parcels["fulfilment_centre"]).mean().sort_values().rename("on_time_rate")
''', visible=None),
        Mistake("share of on-time parcels from value_counts: a centre with none on time disappears", source='''
def on_time_rate_by_centre(orders, shipments):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    parcels["on_time"] = parcels["delivered_at"].dt.normalize() <= parcels["promised_delivery_date"]
    shares = parcels.groupby("fulfilment_centre")["on_time"].value_counts(normalize=True)
    return shares.xs(True, level="on_time").sort_values().rename("on_time_rate")
''', visible=None),
        Mistake("looked each shipment's promise up by position (order_id - 1), not by order_id", source='''
def on_time_rate_by_centre(orders, shipments):
    promised = orders["promised_delivery_date"].to_numpy()[shipments["order_id"].to_numpy() - 1]
    on_time = shipments["delivered_at"].dt.normalize().to_numpy() <= promised
    return (pd.Series(on_time).groupby(shipments["fulfilment_centre"].to_numpy()).mean()
            .sort_values().rename("on_time_rate"))
''', visible=None),
    ],
}
