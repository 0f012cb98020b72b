"""Unit tests of cxlabs.checks.lab00: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import pytest

from cxlabs.checks import lab00 as checks
from cxlabs.feedback import CheckFailed

# --- reference answers (written independently of the check module) ---------------------


def good_customers_per_market(customers):
    return customers["market"].value_counts().rename("customers")


def good_revenue_by_channel(orders, order_lines):
    lines = order_lines.merge(orders[orders["status"] == "completed"], on="order_id")
    return ((lines["quantity"] * lines["unit_price"]).groupby(lines["channel"]).sum()
            .sort_values(ascending=False).rename("revenue_usd"))


def good_on_time_rate_by_centre(orders, shipments):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    on_time = parcels["delivered_at"].dt.date <= parcels["promised_delivery_date"].dt.date
    return on_time.groupby(parcels["fulfilment_centre"]).mean().sort_values().rename("on_time_rate")


def good_orders_in_2025(orders):
    return int((orders["ordered_at"].dt.year == 2025).sum())


def failure(exercise, func) -> str:
    with pytest.raises(CheckFailed) as info:
        exercise.check(func)
    return str(info.value)


# --- right answers pass -----------------------------------------------------------------

@pytest.mark.parametrize("exercise, func", [
    (checks.warm_up, good_orders_in_2025),
    (checks.customers_per_market, good_customers_per_market),
    (checks.revenue_by_channel, good_revenue_by_channel),
    (checks.on_time_rate_by_centre, good_on_time_rate_by_centre),
])
def test_right_answer_passes(exercise, func, capsys):
    exercise.check(func)
    assert "✓" in capsys.readouterr().out


def test_alternative_right_answers_pass():
    checks.customers_per_market.check(
        lambda c: c.groupby("market").size().sort_values(ascending=False).rename("customers"))
    checks.on_time_rate_by_centre.check(lambda o, s: good_on_time_rate_by_centre(o, s).astype(float))

    def normalize_version(orders, shipments):
        promised = shipments["order_id"].map(orders.set_index("order_id")["promised_delivery_date"])
        ok = shipments["delivered_at"].dt.normalize() <= promised
        return ok.groupby(shipments["fulfilment_centre"]).mean().sort_values().rename("on_time_rate")

    checks.on_time_rate_by_centre.check(normalize_version)


def test_check_does_not_modify_or_depend_on_mutation():
    def mutating(customers):
        customers["market"] = "UK"
        return good_customers_per_market(customers)

    with pytest.raises(CheckFailed):
        checks.customers_per_market.check(mutating)
    checks.customers_per_market.check(good_customers_per_market)  # examples are fresh each call


# --- unanswered, crashes and wrong types ------------------------------------------------




def test_crash_and_wrong_type_are_plain_words():
    assert "raised KeyError" in failure(checks.customers_per_market, lambda c: c["country"])
    assert "DataFrame" in failure(checks.customers_per_market,
                                  lambda c: c.groupby("market").count())
    assert "returned list" in failure(checks.revenue_by_channel, lambda o, lines: [1, 2])
    assert "expected a function" in failure(checks.customers_per_market, 42)


# --- exercise 1 mistakes ----------------------------------------------------------------

@pytest.mark.parametrize("func, phrase", [
    (lambda c: c["market"].value_counts(normalize=True).rename("customers"), "shares"),
    (lambda c: (c["market"].value_counts(normalize=True) * 100).rename("customers"), "percentages"),
    (lambda c: c.groupby("market")["city"].nunique().sort_values(ascending=False).rename("customers"),
     "distinct cities"),
    (lambda c: c["region"].value_counts().rename("customers"), "regions"),
    (lambda c: c["city"].value_counts().rename("customers"), "cities, not markets"),
    (lambda c: c["market"].value_counts(), "name it 'customers'"),
    (lambda c: c["market"].value_counts(ascending=True).rename("customers"), "wrong way round"),
    (lambda c: c.groupby("market").size().rename("customers"), "not sorted"),
    (lambda c: c["market"].value_counts().rename("customers") + 1, "counts are not right"),
])
def test_customers_per_market_mistakes(func, phrase):
    assert phrase in failure(checks.customers_per_market, func)


# --- exercise 2 mistakes ----------------------------------------------------------------

def _merged(orders, order_lines, completed_only=True):
    keep = orders[orders["status"] == "completed"] if completed_only else orders
    return order_lines.merge(keep, on="order_id")


def _by_channel(lines, amount):
    return amount.groupby(lines["channel"]).sum().sort_values(ascending=False).rename("revenue_usd")


@pytest.mark.parametrize("func, phrase", [
    (lambda o, ol: _by_channel(m := _merged(o, ol), m["unit_price"]), "without multiplying by `quantity`"),
    (lambda o, ol: _by_channel(m := _merged(o, ol, False), m["quantity"] * m["unit_price"]),
     "included cancelled orders"),
    (lambda o, ol: _by_channel(m := _merged(o, ol, False), m["unit_price"]), "and included cancelled"),
    (lambda o, ol: _by_channel(m := _merged(o, ol),
                               m["quantity"] * m["unit_price"] * (1 - m["discount_pct"])),
     "discount off twice"),
    (lambda o, ol: _by_channel(m := _merged(o, ol), m["quantity"]), "units"),
    (lambda o, ol: _by_channel(m := _merged(o, ol), m["quantity"] * m["unit_price"]).rename("revenue"),
     "name it 'revenue_usd'"),
    (lambda o, ol: _by_channel(m := _merged(o, ol), m["quantity"] * m["unit_price"]).sort_values(),
     "wrong way round"),
    (lambda o, ol: _merged(o, ol).groupby("market")["unit_price"].sum(), "markets, not channels"),
])
def test_revenue_by_channel_mistakes(func, phrase):
    assert phrase in failure(checks.revenue_by_channel, func)


# --- exercise 3 mistakes ----------------------------------------------------------------

def _rate(orders, shipments, compare, by="fulfilment_centre", ascending=True, scale=1.0):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    ok = compare(parcels)
    return (scale * ok.groupby(parcels[by]).mean()).sort_values(ascending=ascending).rename("on_time_rate")


@pytest.mark.parametrize("func, phrase", [
    (lambda o, s: _rate(o, s, lambda p: p["delivered_at"] <= p["promised_delivery_date"]),
     "compare dates, not timestamps"),
    (lambda o, s: _rate(o, s, lambda p: p["delivered_at"].dt.normalize() < p["promised_delivery_date"]),
     "compare dates, not timestamps"),
    (lambda o, s: _rate(o, s, lambda p: p["delivered_at"].dt.normalize() <= p["promised_delivery_date"],
                        scale=100), "percentages"),
    (lambda o, s: _rate(o, s, lambda p: p["delivered_at"].dt.normalize() > p["promised_delivery_date"]),
     "LATE"),
    (lambda o, s: _rate(o, s, lambda p: p["shipped_at"].dt.normalize() <= p["promised_delivery_date"]),
     "shipped_at"),
    (lambda o, s: _rate(o, s, lambda p: p["delivered_at"].dt.normalize() <= p["promised_delivery_date"],
                        ascending=False), "wrong way round"),
    (lambda o, s: _rate(o, s, lambda p: p["delivered_at"].dt.normalize() <= p["promised_delivery_date"],
                        by="carrier"), "carriers, not fulfilment centres"),
    (lambda o, s: _rate(o, s, lambda p: p["delivered_at"].dt.normalize() <= p["promised_delivery_date"]
                        ).rename(None), "name it 'on_time_rate'"),
])
def test_on_time_rate_mistakes(func, phrase):
    assert phrase in failure(checks.on_time_rate_by_centre, func)


def test_same_day_message_names_the_fix():
    message = failure(checks.on_time_rate_by_centre,
                      lambda o, s: _rate(o, s, lambda p: p["delivered_at"] <= p["promised_delivery_date"]))
    assert ".dt.normalize()" in message and ".dt.date" in message


# --- the worked examples can tell the mistakes apart ------------------------------------

def test_worked_examples_separate_right_from_wrong():
    orders, shipments = checks.example_shipments()
    right = checks._on_time(orders, shipments)
    assert right.is_unique, "no ties, so the sort order is well defined"
    for wrong in (checks._on_time(orders, shipments, by_date=False),
                  checks._on_time(orders, shipments, when="shipped_at")):
        assert not wrong.reindex(right.index).equals(right)
    revenue = checks._revenue(checks.example_orders(), checks.example_order_lines())
    assert revenue.is_unique
    counts = checks._expected_customers_per_market(checks.example_customers())
    assert counts.is_unique


# --- never print the expected values; hints progress ------------------------------------

def test_messages_do_not_leak_expected_values():
    orders, lines = checks.example_orders(), checks.example_order_lines()
    expected = checks._revenue(orders, lines)
    message = failure(checks.revenue_by_channel, lambda o, ol: expected.rename("x") * 0 + 1)
    for value in expected:
        assert f"{value:g}" not in message
    rates = checks._on_time(*checks.example_shipments())
    message = failure(checks.on_time_rate_by_centre, lambda o, s: rates * 0)
    for value in rates:
        assert f"{value:.2f}" not in message and f"{value:g}" not in message


@pytest.mark.parametrize("exercise", [checks.customers_per_market, checks.revenue_by_channel,
                                      checks.on_time_rate_by_centre])
def test_every_exercise_has_two_or_three_hints(exercise):
    assert 2 <= len(exercise.hints) <= 3
    assert exercise.where
