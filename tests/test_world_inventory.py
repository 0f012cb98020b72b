"""Stock and demand (labs 05, 10, 13): the flows balance, and the seasons, the shortage and the
unreliable supplier are recoverable from the raw tables, on two seeds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy import stats

CENTRE_OF_MARKET = {"UK": "FC-UK", "DE": "FC-EU", "FR": "FC-EU", "NL": "FC-EU",
                    "US-CA": "FC-USW", "US-NY": "FC-USE", "US-TX": "FC-USC"}
KEY = ["date", "product_id", "fulfilment_centre"]


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def test_demand_holds_the_orders_of_known_customers(any_world):
    o, lines, d = read(any_world, "orders"), read(any_world, "order_lines"), read(any_world, "daily_demand")
    o = o[o["status"] == "completed"]
    centre = o["fulfilment_centre"].fillna(o["market"].map(CENTRE_OF_MARKET))
    m = lines.merge(o.assign(centre=centre)[["order_id", "ordered_at", "centre"]], on="order_id")
    got = m.groupby([m["ordered_at"].dt.normalize().rename("date"), "product_id",
                     m["centre"].rename("fulfilment_centre")])["quantity"].sum()
    have = d.set_index(KEY)["units_from_orders"]
    assert (have.loc[got.index].to_numpy() == got.to_numpy()).all()
    assert have.sum() == got.sum()
    assert (d["units_demanded"] >= d["units_from_orders"]).all()


def test_stock_flows_balance(any_world):
    s, d, po = read(any_world, "daily_stock"), read(any_world, "daily_demand"), read(any_world, "purchase_orders")
    assert (s[KEY].to_numpy() == d[KEY].to_numpy()).all(), "stock and demand share their rows"
    s = s.assign(demanded=d["units_demanded"].to_numpy()).sort_values(KEY)
    n_days = s["date"].nunique()

    def grid(col):  # days x (product, centre)
        return s[col].to_numpy().reshape(n_days, -1)

    on_hand, inbound, committed, shipped, demanded = (grid(c) for c in
                                                     ("on_hand", "inbound", "committed", "shipped", "demanded"))
    assert (on_hand[1:] == on_hand[:-1] + inbound[1:] - shipped[1:]).all()
    assert (committed[1:] == committed[:-1] - shipped[1:] + demanded[1:]).all()
    assert (shipped[1:] <= committed[:-1]).all(), "orders ship from the next day on"
    received = po.dropna(subset=["received_date"]).groupby(["received_date", "product_id", "fulfilment_centre"],
                                                           as_index=False)["quantity"].sum()
    m = s.merge(received.rename(columns={"received_date": "date"}), on=KEY, how="left")
    assert (m["inbound"].to_numpy() == m["quantity"].fillna(0).to_numpy()).all()


def test_service_classes_follow_order_revenue(any_world):
    lines, ps = read(any_world, "order_lines"), read(any_world, "product_supply")
    revenue = (lines["unit_price"] * lines["quantity"]).groupby(lines["product_id"]).sum()
    revenue = revenue.reindex(ps["product_id"], fill_value=0).sort_values(ascending=False, kind="stable")
    before = (revenue.cumsum() - revenue) / revenue.sum()
    abc = pd.Series(np.select([before < 0.70, before < 0.95], ["A", "B"], "C"), index=revenue.index)
    assert (ps.set_index("product_id")["service_class"] == abc.loc[ps["product_id"]].to_numpy()).all()


def poisson_regression(y: np.ndarray, X: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Poisson GLM (log link) by iteratively reweighted least squares: coefficients and standard
    errors (scaled by the Pearson dispersion when it exceeds 1)."""
    A, y = X.to_numpy(float), np.asarray(y, float)
    beta = np.zeros(A.shape[1])
    mu = np.full(len(y), y.mean() + 0.1)
    eta = np.log(mu)
    for _ in range(100):
        new = np.linalg.solve(A.T @ (A * mu[:, None]), A.T @ (mu * (eta + (y - mu) / mu)))
        done = np.max(np.abs(new - beta)) < 1e-10
        beta, eta = new, A @ new
        mu = np.exp(eta)
        if done:
            break
    dispersion = max(((y - mu) ** 2 / mu).sum() / (len(y) - A.shape[1]), 1.0)
    se = np.sqrt(np.diag(np.linalg.inv(A.T @ (A * mu[:, None]))) * dispersion)
    return pd.Series(beta, X.columns), pd.Series(se, X.columns)


def test_seasons_are_recovered_by_poisson_regression(any_world):
    """Daily units of shoppers without a customer record, per category: a Poisson regression
    with category, weekend, trend, peak, January and the cooling family's summer months."""
    p, d = read(any_world, "products"), read(any_world, "daily_demand")
    seasons = facts(any_world)["inventory_seasons"]
    d = d.merge(p[["product_id", "category"]], on="product_id")
    day = (d["units_demanded"] - d["units_from_orders"]).groupby([d["date"], d["category"]]).sum().reset_index(name="units")
    t = day["date"]
    peak = np.zeros(len(day), bool)
    for bf in pd.to_datetime(seasons["black_friday"]):
        peak |= (t >= bf) & (t <= pd.Timestamp(year=bf.year, month=12, day=24))
    cooling = day["category"] == seasons["cooling_family"]
    X = pd.DataFrame({"peak": peak, "january": (t.dt.month == 1) & t.dt.day.between(2, 15),
                      "weekend": t.dt.day_of_week >= 5, "trend": (t - t.min()).dt.days / 730}).astype(float)
    for month in (6, 7, 8):
        X[f"cooling_{month}"] = (cooling & (t.dt.month == month)).astype(float)
    X = X.join(pd.get_dummies(day["category"], dtype=float))
    beta, se = poisson_regression(day["units"].to_numpy(), X)
    planted = {"peak": seasons["peak_multiplier"], "january": seasons["january_multiplier"]}
    planted |= {f"cooling_{m}": v for m, v in seasons["summer_multiplier"].items()}
    for name, value in planted.items():
        z = (beta[name] - np.log(value)) / se[name]
        assert abs(z) < 4, f"{name}: estimated x{np.exp(beta[name]):.2f}, planted x{value}"
    assert np.exp(beta["cooling_7"]) > 1.5 and np.exp(beta["peak"]) > 1.5


def _stock(folder) -> pd.DataFrame:
    s, p = read(folder, "daily_stock"), read(folder, "products")
    s = s.merge(p[["product_id", "category"]], on="product_id")
    return s.assign(out=(s["on_hand"] - s["committed"]) <= 0)


def _longest_run(flags: np.ndarray) -> int:
    """Longest run of consecutive True values."""
    edges = np.diff(np.r_[0, flags.astype(np.int8), 0])
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max(initial=0))


def test_shortage_family_centres_and_window_are_recovered(any_world):
    s = _stock(any_world)
    planted = facts(any_world)["inventory_shortage"]
    # Which family at which centres: the ones that received nothing for weeks in 2025.
    y = s[s["date"].dt.year == 2025]
    delivered = y.groupby(["category", "fulfilment_centre", "date"])["inbound"].sum() > 0
    dry = delivered.groupby(level=[0, 1]).agg(lambda d: _longest_run(~d.to_numpy()))
    assert set(dry[dry > 45].index) == {(planted["family"], c) for c in planted["centres"]}
    assert dry.drop(dry[dry > 45].index).max() < 40
    # There, stock ran out in June and July as it had not the year before.
    summer = s[s["date"].dt.month.isin([6, 7])]
    rate = summer.groupby([summer["date"].dt.year, "category", "fulfilment_centre"])["out"].mean()
    for centre in planted["centres"]:
        now, before = rate.loc[(2025, planted["family"], centre)], rate.loc[(2024, planted["family"], centre)]
        assert now > 0.2 and now > before + 0.15, (centre, now, before)
    # The window: days on which at least a third of the family's products at those centres are out.
    short = s[(s["category"] == planted["family"]) & s["fulfilment_centre"].isin(planted["centres"])]
    share = short.groupby("date")["out"].mean().loc["2025-05-01":"2025-08-31"]
    days = share[share >= 1 / 3].index
    assert abs((days.min() - pd.Timestamp(planted["stockout_start"])).days) <= 3
    assert abs((days.max() - pd.Timestamp(planted["stockout_end"])).days) <= 3
    assert pd.Timestamp("2025-05-25") <= days.min() <= pd.Timestamp("2025-06-20") and days.max().month in (7, 8)
    # Supply: at each short centre nothing arrives between its stop and the resume; then the backlog does.
    resume = pd.Timestamp(planted["supply_resume"])
    for centre, day in planted["supply_stop"].items():
        here = short[short["fulfilment_centre"] == centre]
        received = here.loc[here["inbound"] > 0, "date"]
        assert not received.between(pd.Timestamp(day), resume - pd.Timedelta(days=1)).any(), centre
        assert received[received >= pd.Timestamp(day)].min() - resume <= pd.Timedelta(days=4), centre
    others = s[(s["category"] == planted["family"]) & ~s["fulfilment_centre"].isin(planted["centres"])]
    assert others.loc[others["date"].between("2025-06-01", resume), "inbound"].sum() > 0


def test_one_supplier_has_far_more_variable_lead_times(any_world):
    po, sup, p = read(any_world, "purchase_orders"), read(any_world, "suppliers"), read(any_world, "products")
    planted = facts(any_world)
    short = planted["inventory_shortage"]
    po = po.dropna(subset=["received_date"]).merge(p[["product_id", "category"]], on="product_id")
    held = ((po["category"] == short["family"]) & po["fulfilment_centre"].isin(short["centres"])
            & (po["received_date"] >= min(pd.to_datetime(list(short["supply_stop"].values())))))
    po = po[~held].merge(sup[["supplier_id", "brand"]], on="supplier_id")
    log_ratio = np.log((po["received_date"] - po["ordered_date"]).dt.days / po["quoted_lead_time_days"])
    sd = log_ratio.groupby(po["brand"]).std()
    assert sd.idxmax() == planted["inventory_unreliable_supplier"]
    assert abs(sd.max() - planted["inventory_lead_time_sd"][sd.idxmax()]) < 0.05
    assert sd.drop(sd.idxmax()).max() < sd.max() / 2
    groups = [g.to_numpy() for _, g in log_ratio.groupby(po["brand"])]
    assert stats.levene(*groups, center="median").pvalue < 1e-10
