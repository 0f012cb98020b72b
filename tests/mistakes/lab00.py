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
    ],
}
