"""Common wrong answers for Lab 12 (Attribution and ROI net of operations).

Each source replaces a whole answer cell of ``solutions/lab12/lab12_attribution.ipynb``; the exercise's
test cell must then fail, and the visible check's message must contain ``visible`` (``None``: only the
grader catches it). Each wrong source is the right answer with one change (``_swap``).
"""

from . import Mistake

_ANSWERS = {
    "ex1_answer": '''
def conversion_paths(touches, conversions, orders, lookback_days):
    """One row per (order, touch): the customer's touches in the window before each converting order."""
    placed = orders[["order_id", "customer_id", "ordered_at"]].sort_values(["customer_id", "ordered_at"])
    placed["previous_at"] = placed.groupby("customer_id")["ordered_at"].shift()
    converting = conversions[["order_id"]].merge(placed, on="order_id")
    m = converting.merge(touches[["touch_id", "customer_id", "touched_at", "channel"]], on="customer_id")
    start = m["ordered_at"] - pd.Timedelta(days=lookback_days)
    inside = (m["touched_at"] >= start) & (m["touched_at"] < m["ordered_at"])
    after_previous = m["previous_at"].isna() | (m["touched_at"] > m["previous_at"])
    p = m[inside & after_previous].sort_values(["order_id", "touched_at", "touch_id"])
    p["days_before"] = (p["ordered_at"] - p["touched_at"]) / pd.Timedelta(days=1)
    p["position"] = p.groupby("order_id").cumcount() + 1
    p["touches"] = p.groupby("order_id")["touch_id"].transform("size")
    return p[["order_id", "touch_id", "channel", "days_before", "position", "touches"]].reset_index(drop=True)
''',
    "ex2_answer": '''
def touch_credit(paths, rule, half_life_days=7.0):
    """Each touch's share of its order under one rule, indexed by touch_id."""
    n, k = paths["touches"], paths["position"]
    if rule == "first":
        w = (k == 1).astype(float)
    elif rule == "last":
        w = (k == n).astype(float)
    elif rule == "linear":
        w = 1.0 / n
    elif rule == "position":
        middle = 0.2 / (n - 2).clip(lower=1)
        w = np.select([n == 1, n == 2, (k == 1) | (k == n)], [1.0, 0.5, 0.4], default=middle)
    elif rule == "time_decay":
        raw = 0.5 ** (paths["days_before"] / half_life_days)
        w = raw / raw.groupby(paths["order_id"]).transform("sum")
    else:
        raise ValueError(f"unknown rule {rule!r}; use one of {RULES}")
    return pd.Series(np.asarray(w, dtype=float), index=pd.Index(paths["touch_id"], name="touch_id"), name=rule)
''',
    "ex3_answer": '''
def markov_credit(journeys):
    """Removal effect and credited conversions per channel, from a first-order absorbing Markov chain."""
    j = journeys.sort_values(["path_id", "touched_at", "touch_id"])
    ends = j.groupby("path_id").agg(first=("channel", "first"), last=("channel", "last"),
                                    converted=("converted", "first"))
    same_path = j["path_id"].to_numpy()[1:] == j["path_id"].to_numpy()[:-1]
    moves = pd.concat([
        pd.DataFrame({"from": "start", "to": ends["first"].to_numpy()}),
        pd.DataFrame({"from": j["channel"].to_numpy()[:-1][same_path], "to": j["channel"].to_numpy()[1:][same_path]}),
        pd.DataFrame({"from": ends["last"].to_numpy(), "to": np.where(ends["converted"], "conv", "null")}),
    ])
    channels = sorted(j["channel"].unique())
    states = ["start"] + channels
    counts = pd.crosstab(moves["from"], moves["to"]).reindex(index=states, columns=states + ["conv", "null"],
                                                             fill_value=0)
    prob = counts.div(counts.sum(axis=1), axis=0)
    q, r = prob[states].to_numpy(), prob["conv"].to_numpy()

    def p_conv(q):
        return np.linalg.solve(np.eye(len(states)) - q, r)[0]

    base = p_conv(q)
    effect = {}
    for i, c in enumerate(states[1:], start=1):
        removed = q.copy()
        removed[:, i] = 0.0  # moves into c now end in null
        effect[c] = 1 - p_conv(removed) / base
    out = pd.DataFrame({"removal_effect": pd.Series(effect)})
    out["credit"] = ends["converted"].sum() * out["removal_effect"] / out["removal_effect"].sum()
    return out.rename_axis("channel")
''',
    "ex4_answer": '''
def shapley_credit(journeys):
    """Shapley value of each channel in the game v(S) = conversion rate of the paths inside S."""
    from math import factorial

    channels = sorted(journeys["channel"].unique())
    n = len(channels)
    bit = {c: 1 << i for i, c in enumerate(channels)}
    distinct = journeys.drop_duplicates(["path_id", "channel"])
    mask = distinct["channel"].map(bit).groupby(distinct["path_id"]).sum()
    converted = journeys.groupby("path_id")["converted"].first().reindex(mask.index)
    by_mask = pd.DataFrame({"paths": 1, "conv": converted.astype(int)}).groupby(mask.to_numpy()).sum()
    sets = np.arange(1 << n)
    inside = (by_mask.index.to_numpy()[None, :] & ~sets[:, None]) == 0
    paths_in, conv_in = inside @ by_mask["paths"].to_numpy(), inside @ by_mask["conv"].to_numpy()
    v = np.divide(conv_in, paths_in, out=np.zeros(len(sets)), where=paths_in > 0)
    size = np.array([bin(s).count("1") for s in sets])
    phi = {}
    for i, c in enumerate(channels):
        without = sets[(sets >> i) & 1 == 0]
        weight = np.array([factorial(k) * factorial(n - k - 1) for k in size[without]]) / factorial(n)
        phi[c] = float(weight @ (v[without | (1 << i)] - v[without]))
    out = pd.DataFrame({"shapley_value": pd.Series(phi)})
    out["credit"] = converted.sum() * out["shapley_value"] / out["shapley_value"].sum()
    return out.rename_axis("channel")
''',
    "ex5_answer": '''
def order_economics(conversions, orders, order_lines, products, shipments, returns, tickets, unit_costs):
    """Revenue, margin, fulfilment, returns and support cost, and net contribution per converting order."""
    ids = pd.Index(conversions["order_id"], name="order_id")
    cost = products.set_index("product_id")["unit_cost"]
    lines = order_lines[order_lines["order_id"].isin(ids)]
    value = lines["unit_price"] * lines["quantity"]
    margin = (lines["unit_price"] - lines["product_id"].map(cost)) * lines["quantity"]
    placed = orders.set_index("order_id").reindex(ids)
    shipped = shipments.set_index("order_id")["shipped_at"].reindex(ids)
    handling = unit_cost_of(unit_costs, "order_handling", placed["ordered_at"])
    delivery = unit_cost_of(unit_costs, ("delivery_" + placed["delivery_method"]).to_numpy(), shipped)
    back = returns[returns["order_id"].isin(ids)]
    back_cost = (back["refund_amount"].to_numpy() - back["product_id"].map(cost).to_numpy()
                 + unit_cost_of(unit_costs, "return_handling", back["requested_date"])
                 + back["refund_amount"].to_numpy() * unit_cost_of(unit_costs, "return_markdown", back["requested_date"]))
    asked = tickets[tickets["order_id"].isin(ids)]
    support = unit_cost_of(unit_costs, ("contact_" + asked["channel"]).to_numpy(), asked["created_at"])
    out = pd.DataFrame(index=ids)
    out["revenue"] = value.groupby(lines["order_id"]).sum().reindex(ids, fill_value=0.0)
    out["product_margin"] = margin.groupby(lines["order_id"]).sum().reindex(ids, fill_value=0.0)
    out["fulfilment"] = handling + delivery
    out["returns"] = pd.Series(back_cost).groupby(back["order_id"].to_numpy()).sum().reindex(ids, fill_value=0.0)
    out["support"] = pd.Series(support).groupby(asked["order_id"].astype("int64").to_numpy()).sum().reindex(
        ids, fill_value=0.0)
    out["net_contribution"] = out["product_margin"] - out["fulfilment"] - out["returns"] - out["support"]
    return out
''',
    "ex6_answer": '''
def channel_roi(paths, credit, economics, media_spend):
    """Conversions, revenue, net contribution, spend, ROAS and ROI per channel under one credit."""
    p = paths[["order_id", "touch_id", "channel"]].copy()
    p["conversions"] = p["touch_id"].map(credit).fillna(0.0)
    p = p.join(economics[["revenue", "net_contribution"]], on="order_id")
    p["revenue"] *= p["conversions"]
    p["net_contribution"] *= p["conversions"]
    out = p.groupby("channel")[["conversions", "revenue", "net_contribution"]].sum()
    out = out.join(media_spend.groupby("channel")["spend"].sum().rename("media_spend"), how="outer").fillna(0.0)
    media = out["media_spend"].where(out["media_spend"] > 0)
    out["roas"] = out["revenue"] / media
    out["roi"] = (out["net_contribution"] - out["media_spend"]) / media
    return out
''',
    "ex7_answer": '''
def rule_scorecard(credits, truth):
    """Share of conversions misattributed, rank correlation with the truth and top channel per rule."""
    channels = credits.index.union(truth.index)
    true = truth.reindex(channels, fill_value=0.0)
    rows = {}
    for rule in credits.columns:
        credit = credits[rule].reindex(channels, fill_value=0.0)
        rows[rule] = {"share_error": (credit / credit.sum() - true).abs().sum() / 2,
                      "rank_correlation": credit.reindex(truth.index).corr(truth, method="spearman"),
                      "top_channel": credit.idxmax()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("rule")
''',
}


def _swap(answer_id: str, *pairs: tuple[str, str]) -> str:
    """The right answer of ``answer_id`` with each ``old`` text replaced by ``new`` (each must occur)."""
    source = _ANSWERS[answer_id]
    for old, new in pairs:
        assert old in source, (answer_id, old)
        source = source.replace(old, new)
    return source


MISTAKES = {
    "ex1_answer": [
        Mistake("window measured from the recorded conversion (delivery)",
                _swap("ex1_answer", ('conversions[["order_id"]]', 'conversions[["order_id", "recorded_at"]]'),
                      ('start = m["ordered_at"]', 'start = m["recorded_at"]'),
                      ('(m["touched_at"] < m["ordered_at"])', '(m["touched_at"] < m["recorded_at"])')),
                visible="recorded conversion"),
        Mistake("a touch exactly at the window's edge left out",
                _swap("ex1_answer", ('(m["touched_at"] >= start)', '(m["touched_at"] > start)')),
                visible="first moment"),
        Mistake("touches before the customer's previous order kept",
                _swap("ex1_answer", ('after_previous = m["previous_at"].isna() | (m["touched_at"] > m["previous_at"])',
                                     'after_previous = True')),
                visible="previous order"),
        Mistake("days_before in whole days",
                _swap("ex1_answer", ('(p["ordered_at"] - p["touched_at"]) / pd.Timedelta(days=1)',
                                     '(p["ordered_at"] - p["touched_at"]).dt.days')),
                visible="whole days"),
        Mistake("ties in time ordered by channel, not touch_id",
                _swap("ex1_answer", ('sort_values(["order_id", "touched_at", "touch_id"])',
                                     'sort_values(["order_id", "touched_at", "channel"])')),
                visible="same moment"),
    ],
    "ex2_answer": [
        Mistake("position-based 40/40 on a two-touch path",
                _swap("ex2_answer", ("[n == 1, n == 2, (k == 1) | (k == n)], [1.0, 0.5, 0.4]",
                                     "[n == 1, (k == 1) | (k == n)], [1.0, 0.4]")),
                visible="50% each"),
        Mistake("position-based gives each middle touch 20%",
                _swap("ex2_answer", ("default=middle", "default=0.2")), visible="shared by all the middle"),
        Mistake("time-decay weights not normalised per order",
                _swap("ex2_answer", ('w = raw / raw.groupby(paths["order_id"]).transform("sum")', "w = raw")),
                visible="not normalised"),
        Mistake("time decay with e instead of a half-life",
                _swap("ex2_answer", ("raw = 0.5 ** (", "raw = np.exp(-1) ** (")), visible="half-life"),
        Mistake("an unknown rule falls back to linear instead of raising",
                _swap("ex2_answer", ('raise ValueError(f"unknown rule {rule!r}; use one of {RULES}")', "w = 1.0 / n")),
                visible="ValueError"),
    ],
    "ex3_answer": [
        Mistake("the chain built from converting paths only",
                _swap("ex3_answer", ('j = journeys.sort_values(', 'j = journeys[journeys["converted"]].sort_values(')),
                visible="converting paths only"),
        Mistake("credit as shares that add up to 1",
                _swap("ex3_answer", ('out["credit"] = ends["converted"].sum() * out["removal_effect"]',
                                     'out["credit"] = out["removal_effect"]')),
                visible="adds up to 1"),
        Mistake("credit = removal effect x conversions, not normalised",
                _swap("ex3_answer", ('out["removal_effect"] / out["removal_effect"].sum()', 'out["removal_effect"]')),
                visible="times the conversions"),
    ],
    "ex4_answer": [
        Mistake("v(S) counts conversions instead of a conversion rate",
                _swap("ex4_answer", ("v = np.divide(conv_in, paths_in, out=np.zeros(len(sets)), where=paths_in > 0)",
                                     "v = conv_in.astype(float)")),
                visible="counts conversions"),
        Mistake("v(S) from the paths whose channel set is exactly S",
                _swap("ex4_answer", ("inside = (by_mask.index.to_numpy()[None, :] & ~sets[:, None]) == 0",
                                     "inside = by_mask.index.to_numpy()[None, :] == sets[:, None]")),
                visible="exactly S"),
        Mistake("credit left as the Shapley value",
                _swap("ex4_answer", ('out["credit"] = converted.sum() * out["shapley_value"] / out["shapley_value"].sum()',
                                     'out["credit"] = out["shapley_value"]')),
                visible="equals the Shapley value"),
    ],
    "ex5_answer": [
        Mistake("delivery priced at the year the order was placed",
                _swap("ex5_answer", ('.to_numpy(), shipped)', '.to_numpy(), placed["ordered_at"])')),
                visible="year the order was placed"),
        Mistake("returns cost without the margin lost on the unit",
                _swap("ex5_answer", ('back_cost = (back["refund_amount"].to_numpy() - back["product_id"].map(cost).to_numpy()\n'
                                     '                 + unit_cost_of', 'back_cost = (unit_cost_of')),
                visible="margin lost"),
        Mistake("returns cost without the open-box markdown",
                _swap("ex5_answer", ('\n                 + back["refund_amount"].to_numpy() * unit_cost_of(unit_costs, '
                                     '"return_markdown", back["requested_date"]))', ')')),
                visible="markdown"),
        Mistake("product margin ignores quantity",
                _swap("ex5_answer", ('margin = (lines["unit_price"] - lines["product_id"].map(cost)) * lines["quantity"]',
                                     'margin = lines["unit_price"] - lines["product_id"].map(cost)')),
                visible="ignores quantity"),
    ],
    "ex6_answer": [
        Mistake("ROI from revenue, not net contribution",
                _swap("ex6_answer", ('out["roi"] = (out["net_contribution"] - out["media_spend"])',
                                     'out["roi"] = (out["revenue"] - out["media_spend"])')),
                visible="computed from revenue"),
        Mistake("ROI without subtracting the media spend",
                _swap("ex6_answer", ('out["roi"] = (out["net_contribution"] - out["media_spend"])',
                                     'out["roi"] = (out["net_contribution"])')),
                visible="does not subtract"),
        Mistake("channels with spend but no touch dropped",
                _swap("ex6_answer", ('how="outer"', 'how="left"')), visible="spend but no touch"),
    ],
    "ex7_answer": [
        Mistake("share error not halved",
                _swap("ex7_answer", ("(credit / credit.sum() - true).abs().sum() / 2",
                                     "(credit / credit.sum() - true).abs().sum()")),
                visible="halves it"),
        Mistake("credit compared with shares without turning it into shares",
                _swap("ex7_answer", ("(credit / credit.sum() - true).abs().sum() / 2", "(credit - true).abs().sum() / 2")),
                visible="compares credit in conversions"),
        Mistake("Pearson correlation of the values instead of Spearman",
                _swap("ex7_answer", ('method="spearman"', 'method="pearson"')), visible="Pearson"),
    ],
}
