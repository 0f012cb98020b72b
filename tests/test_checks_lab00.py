"""Unit tests of cxlabs.checks.lab00: right answers pass, common mistakes are named, no answers leak."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from check_support import failure

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


# --- warm-up: the first and last instants of 2025 ---------------------------------------

@pytest.mark.parametrize("func, phrase", [
    (lambda o: len(o), "every order, in both years"),
    (lambda o: int((o["ordered_at"].dt.year == 2024).sum()), "2024 orders"),
    (lambda o: int(o["ordered_at"].between("2025-01-01", "2025-12-31").sum()), "31 December 2025"),
    (lambda o: int((o["ordered_at"] > "2025-01-01").sum()), "midnight on 1 January 2025"),
    (lambda o: int(((o["ordered_at"] > "2024-12-31") & (o["ordered_at"] < "2026-01-01")).sum()),
     "count is not right"),
])
def test_warm_up_mistakes(func, phrase):
    assert phrase in failure(checks.warm_up, func)


def test_warm_up_right_answers_at_the_year_boundaries_pass(capsys):
    checks.warm_up.check(lambda o: int(((o["ordered_at"] >= "2025-01-01")
                                        & (o["ordered_at"] < "2026-01-01")).sum()))
    checks.warm_up.check(lambda o: len(o[o["ordered_at"].dt.strftime("%Y") == "2025"]))
    assert capsys.readouterr().out.count("✓") == 2


# --- exercise 3: the day boundaries ------------------------------------------------------

@pytest.mark.parametrize("func", [
    lambda o, s: _rate(o, s, lambda p: p["delivered_at"] <= p["promised_delivery_date"] + pd.Timedelta(days=1)),
    lambda o, s: _rate(o, s, lambda p: (p["delivered_at"] - p["promised_delivery_date"]).dt.total_seconds()
                       <= 86400),
])
def test_midnight_after_the_promised_day_is_late(func):
    assert "midnight right AFTER the promised day" in failure(checks.on_time_rate_by_centre, func)


@pytest.mark.parametrize("func", [
    lambda o, s: _rate(o, s, lambda p: p["delivered_at"] < p["promised_delivery_date"] + pd.Timedelta(days=1)),
    lambda o, s: _rate(o, s, lambda p: (p["delivered_at"] - p["promised_delivery_date"]).dt.days <= 0),
    lambda o, s: _rate(o, s, lambda p: p["delivered_at"].dt.floor("D") <= p["promised_delivery_date"]),
])
def test_other_right_day_comparisons_pass(func):
    checks.on_time_rate_by_centre.check(func)


# --- the frozen answers are the worked examples' answers ---------------------------------
# The check module holds its right answers (and the answers of the mistakes it names) as
# literal numbers; here they are computed again, independently, from the worked examples.

def _revenue(orders, lines, statuses=("completed",), amount=lambda d: d["quantity"] * d["unit_price"]):
    merged = lines.merge(orders[orders["status"].isin(statuses)][["order_id", "channel"]], on="order_id")
    return amount(merged).groupby(merged["channel"]).sum()


def _on_time(orders, shipments, compare):
    parcels = shipments.merge(orders[["order_id", "promised_delivery_date"]], on="order_id")
    return compare(parcels).groupby(parcels["fulfilment_centre"]).mean()


def _same(frozen, computed):
    computed = computed.astype(float)
    return frozen.index.is_unique and set(frozen.index) == set(computed.index) \
        and np.allclose(frozen.to_numpy(), computed.reindex(frozen.index).to_numpy())


def test_frozen_answers_match_the_worked_examples():
    customers = checks.example_customers()
    assert _same(checks._CUSTOMERS_PER_MARKET, customers["market"].value_counts())
    assert _same(checks._CITIES_PER_MARKET, customers.groupby("market")["city"].nunique())
    assert _same(checks._SHARES_PER_MARKET, customers["market"].value_counts(normalize=True))
    assert _same(checks._PERCENT_PER_MARKET, 100 * customers["market"].value_counts(normalize=True))

    orders, lines = checks.example_orders(), checks.example_order_lines()
    both = ("completed", "cancelled")
    assert _same(checks._REVENUE, _revenue(orders, lines))
    assert _same(checks._REVENUE_PRICES_ONLY, _revenue(orders, lines, amount=lambda d: d["unit_price"]))
    assert _same(checks._REVENUE_WITH_CANCELLED, _revenue(orders, lines, both))
    assert _same(checks._REVENUE_PRICES_WITH_CANCELLED, _revenue(orders, lines, both, lambda d: d["unit_price"]))
    assert _same(checks._REVENUE_DISCOUNT_TWICE, _revenue(
        orders, lines, amount=lambda d: d["quantity"] * d["unit_price"] * (1 - d["discount_pct"])))
    assert _same(checks._UNITS, _revenue(orders, lines, amount=lambda d: d["quantity"]))

    o, s = checks.example_shipments()
    day = pd.Timedelta(days=1)
    assert _same(checks._ON_TIME, _on_time(o, s, lambda p: p["delivered_at"].dt.date
                                             <= p["promised_delivery_date"].dt.date))
    assert _same(checks._ON_TIME_SAME_DAY_LATE, _on_time(o, s, lambda p: p["delivered_at"]
                                                           <= p["promised_delivery_date"]))
    assert _same(checks._ON_TIME_SAME_DAY_LATE, _on_time(o, s, lambda p: p["delivered_at"].dt.normalize()
                                                           < p["promised_delivery_date"]))
    assert _same(checks._SHIPPED_BY_PROMISE, _on_time(o, s, lambda p: p["shipped_at"].dt.normalize()
                                                        <= p["promised_delivery_date"]))
    assert _same(checks._ON_TIME_NEXT_MIDNIGHT, _on_time(o, s, lambda p: p["delivered_at"]
                                                           <= p["promised_delivery_date"] + day))

    warm = checks._warm_up_orders()
    year = warm["ordered_at"].dt.year
    assert (year == 2025).sum() == checks._ORDERS_IN_2025
    assert len(warm) == checks._ORDERS_BOTH_YEARS
    assert (year == 2024).sum() == checks._ORDERS_IN_2024
    assert warm["ordered_at"].between("2025-01-01", "2025-12-31").sum() == checks._ORDERS_TO_DEC_31_MIDNIGHT
    assert (warm["ordered_at"] > "2025-01-01").sum() == checks._ORDERS_AFTER_NEW_YEAR


def test_the_check_module_computes_no_answers():
    """Only checkers and example builders take data; no reference a learner could call on theirs."""
    import inspect

    allowed = {"_series", "_values_by_label", "_check_labels", "_check_order", "_check_name", "_frozen",
               "_check_warm_up", "_check_customers_per_market", "_check_revenue_by_channel",
               "_check_on_time_rate_by_centre", "_warm_up_orders"}
    own = {name for name, f in vars(checks).items()
           if inspect.isfunction(f) and f.__module__ == checks.__name__ and not name.startswith("example_")}
    assert own <= allowed, f"unexpected functions in the check module: {sorted(own - allowed)}"


# --- the worked examples can tell the mistakes apart ------------------------------------

def test_worked_examples_separate_right_from_wrong():
    right = checks._ON_TIME
    assert right.is_unique, "no ties, so the sort order is well defined"
    for wrong in (checks._ON_TIME_SAME_DAY_LATE, checks._SHIPPED_BY_PROMISE, checks._ON_TIME_NEXT_MIDNIGHT):
        assert not np.allclose(wrong.reindex(right.index).to_numpy(), right.to_numpy())
    assert checks._REVENUE.is_unique
    assert checks._CUSTOMERS_PER_MARKET.is_unique
    counts = [checks._ORDERS_IN_2025, checks._ORDERS_BOTH_YEARS, checks._ORDERS_IN_2024,
              checks._ORDERS_TO_DEC_31_MIDNIGHT, checks._ORDERS_AFTER_NEW_YEAR]
    assert len(set(counts)) == len(counts), "each warm-up mistake gives its own count"


# --- never print the expected values; hints progress ------------------------------------

def test_messages_do_not_leak_expected_values():
    expected = checks._REVENUE
    message = failure(checks.revenue_by_channel, lambda o, ol: expected.rename("x") * 0 + 1)
    for value in expected:
        assert f"{value:g}" not in message
    rates = checks._ON_TIME
    message = failure(checks.on_time_rate_by_centre, lambda o, s: rates * 0)
    for value in rates:
        assert f"{value:.2f}" not in message and f"{value:g}" not in message


@pytest.mark.parametrize("exercise", [checks.customers_per_market, checks.revenue_by_channel,
                                      checks.on_time_rate_by_centre])
def test_every_exercise_has_two_or_three_hints(exercise):
    assert 2 <= len(exercise.hints) <= 3
    assert exercise.where
