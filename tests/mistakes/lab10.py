"""Common wrong answers for Lab 10 (Personalisation within operational limits).

Each source replaces a whole answer cell of ``solutions/lab10/lab10_personalisation.ipynb``; the
exercise's graded cases must then fail, and the visible check's message must contain
``visible`` (``None``: only the grader catches it).
"""

from . import Mistake


def _swap(source: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in source, old
        source = source.replace(old, new)
    return source


_EX1 = '''
def personalisation_tiers(audience, levels, min_audience):
    out = pd.DataFrame({"tier": "none", "cell_size": len(audience)},
                       index=pd.Index(audience["customer_id"], name="customer_id"))
    done = np.zeros(len(audience), dtype=bool)
    for name, columns in levels:
        if columns:
            size = audience.groupby(list(columns))["customer_id"].transform("size").to_numpy()
        else:
            size = np.full(len(audience), len(audience))
        take = ~done & (size >= min_audience)
        out.loc[take, "tier"] = name
        out.loc[take, "cell_size"] = size[take]
        done |= take
    return out
'''


_EX2 = '''
def eligibility(context, daily_stock, quality_holds, regional_rules, contacts, policies):
    c = context.set_index("candidate_id")
    out = pd.DataFrame(index=c.index)
    stock = daily_stock.assign(send_date=daily_stock["date"] + pd.Timedelta(days=1),
                               available=daily_stock["on_hand"] - daily_stock["committed"])
    available = (c[["send_date", "product_id", "fulfilment_centre"]].reset_index()
                 .merge(stock[["send_date", "product_id", "fulfilment_centre", "available"]], how="left")
                 .set_index("candidate_id")["available"].reindex(c.index))
    out["stock"] = (available < c["min_available_units"]).to_numpy()
    h = c[["product_id", "send_date"]].reset_index().merge(quality_holds, on="product_id")
    on = (h["placed_date"] <= h["send_date"]) & (h["lifted_date"].isna() | (h["send_date"] < h["lifted_date"]))
    out["hold"] = out.index.isin(h.loc[on, "candidate_id"])
    barred = c[["market", "category"]].reset_index().merge(regional_rules, on=["market", "category"])
    out["region"] = out.index.isin(barred["candidate_id"])
    out["consent"] = ~c["consented"].astype(bool).to_numpy()
    policy = policies.set_index("channel")
    k = c[["customer_id", "channel", "sent_at"]].reset_index().merge(
        contacts[["customer_id", "channel", "sent_at"]].rename(columns={"sent_at": "contact_at"}),
        on=["customer_id", "channel"])
    window = pd.to_timedelta(k["channel"].map(policy["cap_window_days"]), unit="D")
    k = k[(k["contact_at"] < k["sent_at"]) & (k["contact_at"] >= k["sent_at"] - window)]
    before = k.groupby("candidate_id").size().reindex(c.index, fill_value=0)
    out["cap"] = (before >= c["channel"].map(policy["cap_max_contacts"])).to_numpy()
    flags = out[RULE_ORDER]
    out["first_failure"] = np.where(flags.any(axis=1), flags.idxmax(axis=1), "eligible")
    return out
'''


_EX3 = '''
def oversell_check(plan, daily_stock):
    g = (plan.groupby(["offer_id", "fulfilment_centre", "product_id", "send_date"])
         .agg(contacts=("customer_id", "size"), expected_redemptions=("model_score", "sum")).reset_index())
    stock = daily_stock.assign(send_date=daily_stock["date"] + pd.Timedelta(days=1),
                               available_units=daily_stock["on_hand"] - daily_stock["committed"])
    g = g.merge(stock[["send_date", "product_id", "fulfilment_centre", "available_units"]], how="left")
    g["oversold"] = g["expected_redemptions"] > g["available_units"]
    return g.set_index(["offer_id", "fulfilment_centre"])[["contacts", "expected_redemptions", "available_units",
                                                           "oversold"]]
'''


_EX4 = '''
def price_guardrails(offers, max_discount, min_margin):
    o = offers.set_index("offer_id")
    out = pd.DataFrame({"discount": -o["price_change_pct"],
                        "margin_pct": (o["offer_price"] - o["unit_cost"]) / o["offer_price"]})
    out["breach"] = np.select([out["discount"] > max_discount, out["margin_pct"] < min_margin],
                              ["discount", "margin"], "ok")
    return out
'''


_EX5 = '''
def two_model_uplift(data, by):
    treated = data[data["group"] == "treatment"].groupby(by)["converted_30d"].mean().rename("p_treated")
    control = data[data["group"] == "control"].groupby(by)["converted_30d"].mean().rename("p_control")
    out = data[["customer_id", *by]].join(treated, on=by).join(control, on=by)
    out["uplift"] = out["p_treated"] - out["p_control"]
    return out.set_index("customer_id")[["p_treated", "p_control", "uplift"]]
'''


_EX6 = '''
def qini_curve(scored):
    s = scored.sort_values(["uplift", "customer_id"], ascending=[False, True])
    treated = (s["group"] == "treatment").to_numpy()
    y = s["converted_30d"].to_numpy(dtype=bool)
    n_t = np.r_[0, np.cumsum(treated)]
    n_c = np.r_[0, np.cumsum(~treated)]
    y_t = np.r_[0, np.cumsum(y & treated)]
    y_c = np.r_[0, np.cumsum(y & ~treated)]
    q = y_t - np.where(n_c > 0, y_c * n_t / np.maximum(n_c, 1), 0.0)
    return pd.Series(q, index=pd.RangeIndex(len(q), name="k"), name="qini")
'''


_EX7 = '''
def net_margin_at_depth(scored, k, margin_offer, margin_list, cost_per_contact, fixed_cost):
    top = scored.sort_values(["uplift", "customer_id"], ascending=[False, True]).head(k)
    treated = top["group"] == "treatment"
    rate_t = top.loc[treated, "converted_30d"].mean()
    rate_c = top.loc[~treated, "converted_30d"].mean()
    incremental_margin = k * (rate_t * margin_offer - rate_c * margin_list)
    return pd.Series({"contacts": k, "rate_treated": rate_t, "rate_control": rate_c,
                      "incremental_conversions": k * (rate_t - rate_c),
                      "incremental_margin": incremental_margin,
                      "net_margin": incremental_margin - k * cost_per_contact - fixed_cost})
'''


_EX8 = '''
def forecast_vs_actual(forecasts, redemptions, customers):
    forecast = forecasts.groupby("segment")["forecast_redemptions"].sum()
    r = redemptions[redemptions["offer_id"].isin(forecasts["offer_id"])]
    r = r.merge(customers[["customer_id", "segment"]], on="customer_id")
    actual = r.groupby("segment").size().reindex(forecast.index, fill_value=0)
    out = pd.DataFrame({"forecast": forecast, "actual": actual})
    out["bias"] = out["forecast"] - out["actual"]
    out["ratio"] = out["forecast"] / out["actual"]
    return out.sort_values("ratio", ascending=False)
'''


MISTAKES = {
    "ex1_answer": [
        Mistake("levels tried from the coarsest first", _swap(_EX1, ("for name, columns in levels:",
                                                                    "for name, columns in levels[::-1]:")),
                visible="coarsest level"),
        Mistake("a cell must hold more than min_audience (> instead of >=)",
                _swap(_EX1, ("size >= min_audience", "size > min_audience")), visible="not 'more than'"),
        Mistake("a level is used only if every one of its cells is big enough", _swap(
            _EX1, ("take = ~done & (size >= min_audience)", "take = ~done & bool((size >= min_audience).all())")),
                visible="coarsest level"),
        Mistake("cell_size of the finest cell, whatever the tier", _swap(
            _EX1, ("out.loc[take, \"cell_size\"] = size[take]",
                   "out.loc[take, \"cell_size\"] = size[take] if name == levels[0][0] else out.loc[take, \"cell_size\"]"),
            ("done = np.zeros(len(audience), dtype=bool)",
             "done = np.zeros(len(audience), dtype=bool)\n    out[\"cell_size\"] = audience.groupby(list(levels[0][1]))"
             "[\"customer_id\"].transform(\"size\").to_numpy()")),
                visible="finest cell"),
        Mistake("no fallback: customers whose finest cell is too small get no tier", _swap(
            _EX1, ("out = pd.DataFrame({\"tier\": \"none\", \"cell_size\": len(audience)},",
                   "out = pd.DataFrame({\"tier\": None, \"cell_size\": np.nan},"),
            ("for name, columns in levels:", "for name, columns in levels[:1]:")),
                visible="no tier"),
        Mistake("'none' customers get cell_size 0 instead of the audience size", _swap(
            _EX1, ("\"cell_size\": len(audience)}", "\"cell_size\": 0}")), visible=None),
    ],
    "ex2_answer": [
        Mistake("stock read on the send day itself", _swap(
            _EX2, ("send_date=daily_stock[\"date\"] + pd.Timedelta(days=1)", "send_date=daily_stock[\"date\"]")),
                visible="send day itself"),
        Mistake("stock from on_hand alone (committed units counted as available)", _swap(
            _EX2, ("available=daily_stock[\"on_hand\"] - daily_stock[\"committed\"]", "available=daily_stock[\"on_hand\"]")),
                visible="on_hand alone"),
        Mistake("stock at exactly the floor fails (<= instead of <)", _swap(
            _EX2, ("(available < c[\"min_available_units\"])", "(available <= c[\"min_available_units\"])")),
                visible="exactly min_available_units"),
        Mistake("a hold lifted on the send day still counts", _swap(
            _EX2, ("(h[\"send_date\"] < h[\"lifted_date\"])", "(h[\"send_date\"] <= h[\"lifted_date\"])")),
                visible="lifted on the send day"),
        Mistake("a hold placed on the send day does not count yet", _swap(
            _EX2, ("(h[\"placed_date\"] <= h[\"send_date\"])", "(h[\"placed_date\"] < h[\"send_date\"])")),
                visible="placed on the send day"),
        Mistake("the cap fails only above cap_max_contacts (> instead of >=)", _swap(
            _EX2, ("(before >= c[\"channel\"]", "(before > c[\"channel\"]")), visible="at least cap_max_contacts"),
        Mistake("the window's start excluded", _swap(
            _EX2, ("(k[\"contact_at\"] >= k[\"sent_at\"] - window)", "(k[\"contact_at\"] > k[\"sent_at\"] - window)")),
                visible="window's start counts"),
        Mistake("contacts at the send's own instant counted", _swap(
            _EX2, ("(k[\"contact_at\"] < k[\"sent_at\"])", "(k[\"contact_at\"] <= k[\"sent_at\"])")),
                visible="send's own instant"),
        Mistake("the cap counts contacts in every channel", _swap(
            _EX2, ("contacts[[\"customer_id\", \"channel\", \"sent_at\"]].rename(columns={\"sent_at\": \"contact_at\"}),"
                   "\n        on=[\"customer_id\", \"channel\"])",
                   "contacts[[\"customer_id\", \"sent_at\"]].rename(columns={\"sent_at\": \"contact_at\"}),"
                   "\n        on=[\"customer_id\"])")),
                visible="other channel"),
        Mistake("first_failure is the last rule broken", _swap(
            _EX2, ("flags = out[RULE_ORDER]", "flags = out[RULE_ORDER[::-1]]")), visible="last rule broken"),
        Mistake("the consent column says who consented (True = passes)", _swap(
            _EX2, ("out[\"consent\"] = ~c[\"consented\"].astype(bool).to_numpy()",
                   "out[\"consent\"] = c[\"consented\"].astype(bool).to_numpy()")), visible="upside down"),
        Mistake("eligible candidates left missing instead of 'eligible'", _swap(
            _EX2, ("flags.idxmax(axis=1), \"eligible\")", "flags.idxmax(axis=1), None)")), visible="'eligible'"),
    ],
    "ex3_answer": [
        Mistake("stock read on the send day", _swap(
            _EX3, ("send_date=daily_stock[\"date\"] + pd.Timedelta(days=1)", "send_date=daily_stock[\"date\"]")),
                visible="read on the send day"),
        Mistake("equal to the stock counts as oversold (>= instead of >)", _swap(
            _EX3, ("g[\"expected_redemptions\"] > g[\"available_units\"]",
                   "g[\"expected_redemptions\"] >= g[\"available_units\"]")), visible="equal the units available"),
        Mistake("contacts compared with stock instead of expected redemptions", _swap(
            _EX3, ("g[\"expected_redemptions\"] > g[\"available_units\"]", "g[\"contacts\"] > g[\"available_units\"]")),
                visible="number of contacts"),
        Mistake("expected redemptions as the mean score", _swap(
            _EX3, ("expected_redemptions=(\"model_score\", \"sum\")", "expected_redemptions=(\"model_score\", \"mean\")")),
                visible="mean score"),
        Mistake("available units from on_hand alone", _swap(
            _EX3, ("available_units=daily_stock[\"on_hand\"] - daily_stock[\"committed\"]",
                   "available_units=daily_stock[\"on_hand\"]")), visible="on_hand alone"),
    ],
    "ex4_answer": [
        Mistake("exactly 30% off flagged (>= instead of >)", _swap(
            _EX4, ("out[\"discount\"] > max_discount", "out[\"discount\"] >= max_discount")), visible="exactly 30% off"),
        Mistake("margin rule checked before the discount rule", _swap(
            _EX4, ("[out[\"discount\"] > max_discount, out[\"margin_pct\"] < min_margin],\n"
                   "                              [\"discount\", \"margin\"]",
                   "[out[\"margin_pct\"] < min_margin, out[\"discount\"] > max_discount],\n"
                   "                              [\"margin\", \"discount\"]")), visible="checked first"),
        Mistake("margin divided by the list price", _swap(
            _EX4, ("(o[\"offer_price\"] - o[\"unit_cost\"]) / o[\"offer_price\"]",
                   "(o[\"offer_price\"] - o[\"unit_cost\"]) / o[\"list_price\"]")), visible="divided by the list price"),
        Mistake("margin before the discount", _swap(
            _EX4, ("(o[\"offer_price\"] - o[\"unit_cost\"]) / o[\"offer_price\"]",
                   "(o[\"list_price\"] - o[\"unit_cost\"]) / o[\"list_price\"]")), visible="before the discount"),
        Mistake("discount computed from the rounded prices", _swap(
            _EX4, ("\"discount\": -o[\"price_change_pct\"]", "\"discount\": 1 - o[\"offer_price\"] / o[\"list_price\"]")),
                visible=None),
    ],
    "ex5_answer": [
        Mistake("control rate of the whole sample", _swap(
            _EX5, ("out = data[[\"customer_id\", *by]].join(treated, on=by).join(control, on=by)",
                   "out = data[[\"customer_id\", *by]].join(treated, on=by)\n"
                   "    out[\"p_control\"] = data.loc[data[\"group\"] == \"control\", \"converted_30d\"].mean()")),
                visible="whole sample"),
        Mistake("cells without control customers filled with 0", _swap(
            _EX5, ("out[\"uplift\"] = out[\"p_treated\"] - out[\"p_control\"]",
                   "out = out.fillna(0.0)\n    out[\"uplift\"] = out[\"p_treated\"] - out[\"p_control\"]")),
                visible="no control customer"),
        Mistake("uplift as control minus treated", _swap(
            _EX5, ("out[\"uplift\"] = out[\"p_treated\"] - out[\"p_control\"]",
                   "out[\"uplift\"] = out[\"p_control\"] - out[\"p_treated\"]")), visible="wrong sign"),
        Mistake("one model: the cell's rate over both groups", _swap(
            _EX5, ("treated = data[data[\"group\"] == \"treatment\"].groupby(by)",
                   "treated = data.groupby(by)"),
            ("control = data[data[\"group\"] == \"control\"].groupby(by)", "control = data.groupby(by)")),
                visible="are the same"),
        Mistake("predictions only for the treated customers", _swap(
            _EX5, ("out = data[[\"customer_id\", *by]]", "out = data.loc[data[\"group\"] == \"treatment\", [\"customer_id\", *by]]")),
                visible="one row per customer_id"),
    ],
    "ex6_answer": [
        Mistake("control conversions not rescaled by N_T / N_C", _swap(
            _EX6, ("q = y_t - np.where(n_c > 0, y_c * n_t / np.maximum(n_c, 1), 0.0)", "q = y_t - y_c")),
                visible="not rescaled"),
        Mistake("ranked from the lowest uplift", _swap(_EX6, ("ascending=[False, True]", "ascending=[True, True]")),
                visible="lowest uplift"),
        Mistake("the whole sample's control rate", _swap(
            _EX6, ("q = y_t - np.where(n_c > 0, y_c * n_t / np.maximum(n_c, 1), 0.0)",
                   "q = y_t - n_t * y_c[-1] / n_c[-1]")), visible="whole sample"),
        Mistake("no Q(0): the curve starts at k = 1", _swap(
            _EX6, ("return pd.Series(q, index=pd.RangeIndex(len(q), name=\"k\"), name=\"qini\")",
                   "return pd.Series(q[1:], index=pd.RangeIndex(1, len(q), name=\"k\"), name=\"qini\")")),
                visible="n + 1"),
        Mistake("ties by customer_id descending", _swap(_EX6, ("ascending=[False, True]", "ascending=[False, False]")),
                visible="ties go by customer_id"),
        Mistake("ties left to an unstable sort of the score alone", _swap(
            _EX6, ("s = scored.sort_values([\"uplift\", \"customer_id\"], ascending=[False, True])",
                   "s = scored.iloc[np.argsort(-scored[\"uplift\"].to_numpy())]")), visible=None),
    ],
    "ex7_answer": [
        Mistake("customers who would have bought anyway valued at the offer's margin", _swap(
            _EX7, ("rate_c * margin_list", "rate_c * margin_offer")), visible="list price"),
        Mistake("fixed cost of personalisation left out", _swap(
            _EX7, ("- k * cost_per_contact - fixed_cost", "- k * cost_per_contact")), visible="fixed cost"),
        Mistake("cost of the contacts left out", _swap(
            _EX7, ("- k * cost_per_contact - fixed_cost", "- fixed_cost")), visible="cost of the contacts"),
        Mistake("both rates over everyone in the top k", _swap(
            _EX7, ("rate_t = top.loc[treated, \"converted_30d\"].mean()", "rate_t = top[\"converted_30d\"].mean()"),
            ("rate_c = top.loc[~treated, \"converted_30d\"].mean()", "rate_c = top[\"converted_30d\"].mean()")),
                visible="rate of all the top k"),
        Mistake("top k from the lowest uplift", _swap(_EX7, ("ascending=[False, True]", "ascending=[True, True]")),
                visible="lowest uplift"),
    ],
    "ex8_answer": [
        Mistake("redemptions of every offer counted", _swap(
            _EX8, ("r = redemptions[redemptions[\"offer_id\"].isin(forecasts[\"offer_id\"])]", "r = redemptions")),
                visible="no forecast"),
        Mistake("ratio as actual / forecast", _swap(
            _EX8, ("out[\"forecast\"] / out[\"actual\"]", "out[\"actual\"] / out[\"forecast\"]")), visible="upside down"),
        Mistake("bias as actual - forecast", _swap(
            _EX8, ("out[\"forecast\"] - out[\"actual\"]", "out[\"actual\"] - out[\"forecast\"]")), visible="wrong sign"),
        Mistake("rows not sorted by ratio", _swap(_EX8, ("return out.sort_values(\"ratio\", ascending=False)",
                                                         "return out")), visible="not sorted"),
    ],
}
