"""Lab 10: the targeting-depth explorer and the pure function behind it.

How deep should a campaign go down a ranking by predicted uplift? The explorer calls the
learner's ``net_margin_at_depth`` at every depth and takes out the share of offers the
eligibility rules would suppress, so the curve shows the margin a rollout can really earn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from cxlabs.widgets.explorer import _answered, _Explorer, _ipywidgets

NetMarginFn = Callable[..., pd.Series]
#: What the curve holds per depth.
CURVE_COLUMNS = ("share", "contacts_sent", "incremental_conversions", "net_margin")


def depth_curve(scored: pd.DataFrame, net_margin_fn: NetMarginFn, depths: Sequence[int], *,
                margin_offer: float, margin_list: float, cost_per_contact: float, fixed_cost: float,
                suppressed_share: float = 0.0) -> pd.DataFrame:
    """Net margin of targeting the top ``k`` customers by uplift, for every ``k`` in ``depths``.

    ``net_margin_fn(scored, k, margin_offer, margin_list, cost_per_contact, fixed_cost)`` (in
    the lab: the learner's ``net_margin_at_depth``) gives the figures of sending to all of the
    top k. The rules then suppress ``suppressed_share`` of them, at random: a suppressed offer
    earns nothing and costs no contact; the fixed cost of the campaign stays.

    Parameters
    ----------
    scored : DataFrame
        One row per customer of a randomised holdout: ``customer_id``, ``group``,
        ``converted_30d`` and ``uplift``.
    net_margin_fn : callable
        Returns a Series with ``incremental_conversions``, ``incremental_margin`` and
        ``contacts`` for the top k.
    depths : sequence of int
        Depths k (customers targeted), each between 1 and ``len(scored)``.
    margin_offer, margin_list, cost_per_contact, fixed_cost : float
        As in the lab (USD).
    suppressed_share : float
        Share of chosen offers the rules suppress, between 0 and 1.

    Returns
    -------
    DataFrame
        Indexed by ``k``: ``share`` (k as a share of the audience), ``contacts_sent``,
        ``incremental_conversions`` and ``net_margin`` (USD), after suppression.

    Examples
    --------
    >>> import pandas as pd
    >>> scored = pd.DataFrame({"customer_id": [1, 2, 3, 4], "group": ["treatment", "control"] * 2,
    ...                        "converted_30d": [True, False, False, False], "uplift": [0.4, 0.3, 0.2, 0.1]})
    >>> def fn(s, k, mo, ml, c, f):  # a stand-in: one extra conversion in the top two, none after
    ...     return pd.Series({"contacts": k, "incremental_conversions": 1.0 * k / k,
    ...                       "incremental_margin": 10.0, "net_margin": 10.0 - k * c - f})
    >>> depth_curve(scored, fn, [2, 4], margin_offer=5, margin_list=8, cost_per_contact=1, fixed_cost=3,
    ...             suppressed_share=0.5)["net_margin"].tolist()
    [1.0, 0.0]
    """
    if not callable(net_margin_fn):
        raise TypeError("net_margin_fn should be the function itself (net_margin_at_depth), not its result.")
    s = float(suppressed_share)
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"suppressed_share should be between 0 and 1, got {suppressed_share}.")
    n = len(scored)
    rows = []
    for k in depths:
        k = int(k)
        if not 1 <= k <= n:
            raise ValueError(f"depth {k} is outside 1..{n} (the audience).")
        got = net_margin_fn(scored, k, margin_offer, margin_list, cost_per_contact, fixed_cost)
        if not isinstance(got, pd.Series):
            raise TypeError(f"net_margin_at_depth should return a Series, it returned {type(got).__name__}.")
        missing = [c for c in ("incremental_conversions", "incremental_margin") if c not in got.index]
        if missing:
            raise ValueError(f"net_margin_at_depth's Series has no {missing}.")
        kept = 1.0 - s
        margin = float(got["incremental_margin"]) * kept - k * kept * float(cost_per_contact) - float(fixed_cost)
        rows.append((k, k / n, k * kept, float(got["incremental_conversions"]) * kept, margin))
    out = pd.DataFrame(rows, columns=["k", *CURVE_COLUMNS]).set_index("k")
    return out


def depth_summary(curve: pd.DataFrame, k: int, suppressed_share: float) -> str:
    """One plain sentence about depth ``k`` of a :func:`depth_curve` result.

    Examples
    --------
    >>> curve = pd.DataFrame({"share": [0.5, 1.0], "contacts_sent": [50.0, 100.0],
    ...                       "incremental_conversions": [8.0, 5.0], "net_margin": [900.0, -200.0]},
    ...                      index=pd.Index([50, 100], name="k"))
    >>> depth_summary(curve, 50, 0.0)
    'Top 50 of 100 customers (50%): 50 offers sent, 8.0 extra conversions, net margin 900 USD; the best depth on the curve is the top 50 (900 USD); everyone: -200 USD.'
    """
    row = curve.loc[int(k)]
    best = int(curve["net_margin"].idxmax())
    n = int(curve.index.max() / curve["share"].max())
    cut = f" after {suppressed_share:.0%} of offers suppressed by the rules" if suppressed_share else ""
    return (f"Top {int(k):,} of {n:,} customers ({row['share']:.0%}): {row['contacts_sent']:,.0f} offers sent{cut}, "
            f"{row['incremental_conversions']:.1f} extra conversions, net margin {row['net_margin']:,.0f} USD; "
            f"the best depth on the curve is the top {best:,} ({curve.loc[best, 'net_margin']:,.0f} USD); "
            f"everyone: {curve['net_margin'].iloc[-1]:,.0f} USD.")


def _depth_figure(curve: pd.DataFrame, k: int, suppressed_share: float):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.plot(curve["share"] * 100, curve["net_margin"], color=PALETTE[0], label="net margin")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.axvline(curve.loc[int(k), "share"] * 100, color="black", linestyle=":", label="your depth")
    ax.legend(loc="lower left")
    finish(ax, "Net margin against targeting depth", "customers targeted (% of the audience, by predicted uplift)",
           "net margin (USD)", "Line chart of the campaign's net margin as the offer goes deeper down the uplift "
           "ranking; " + depth_summary(curve, k, suppressed_share))
    return fig


class TargetingExplorer(_Explorer):
    """A depth slider, a suppression slider, a one-line summary and a chart; see :func:`targeting_explorer`.

    Attributes
    ----------
    depth : IntSlider
        Customers targeted, as a percentage of the audience.
    suppressed : FloatSlider
        Share of chosen offers the rules suppress.
    curve : DataFrame or None
        The :func:`depth_curve` last computed (None if it failed).
    figure : matplotlib Figure or None
        The chart last drawn.
    widget : VBox
        What the notebook displays.
    """

    def __init__(self, scored, net_margin_fn, economics: Mapping, *, suppressed_share: float = 0.0,
                 steps: int = 20):
        w = _ipywidgets()
        self.scored, self.net_margin_fn, self.economics = scored, net_margin_fn, dict(economics)
        n = len(scored)
        self.depths = sorted({max(1, int(round(n * i / steps))) for i in range(1, steps + 1)})
        self.depth = w.IntSlider(value=100, min=100 // steps, max=100, step=100 // steps, description="depth (%)",
                                 continuous_update=False, style={"description_width": "110px"},
                                 layout=w.Layout(width="520px"))
        self.suppressed = w.FloatSlider(value=float(suppressed_share), min=0.0, max=0.9, step=0.05,
                                        description="suppressed", continuous_update=False, readout_format=".0%",
                                        style={"description_width": "110px"}, layout=w.Layout(width="520px"))
        self.summary = w.HTML()
        self.output = w.Output()
        self.curve = None
        self._cached = None
        intro = w.HTML("<b>Move the depth</b> (share of the audience, best predicted uplift first) and the share "
                       "of offers the rules suppress. Figures come from your <code>net_margin_at_depth</code>.")
        self.widget = w.VBox([intro, self.depth, self.suppressed, self.summary, self.output])
        self.widget.add_class("cxlabs-targeting-explorer")
        self.depth.observe(self._changed, names="value")
        self.suppressed.observe(self._changed, names="value")
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def k(self) -> int:
        """The depth on the curve nearest the slider."""
        target = len(self.scored) * self.depth.value / 100
        return min(self.depths, key=lambda d: abs(d - target))

    def update(self) -> None:
        """Recompute the curve at the suppression share and redraw at the depth."""
        s = float(self.suppressed.value)
        try:
            if self._cached is None or self._cached[0] != s:
                self._cached = (s, depth_curve(self.scored, self.net_margin_fn, self.depths,
                                               suppressed_share=s, **self.economics))
            curve = self._cached[1]
        except Exception as exc:  # noqa: BLE001 - learner code: say what failed, keep the sliders
            self.curve = None
            self._fail(exc)
            return
        self.curve = curve
        k = self.k()
        self._show(depth_summary(curve, k, s), lambda: _depth_figure(curve, k, s))


def targeting_explorer(scored: pd.DataFrame, net_margin_fn: NetMarginFn, *, margin_offer: float,
                       margin_list: float, cost_per_contact: float, fixed_cost: float,
                       suppressed_share: float = 0.0) -> TargetingExplorer | None:
    """Sliders for lab 10's targeting depth and suppression share: see the campaign's net margin.

    Parameters
    ----------
    scored : DataFrame
        The holdout with ``customer_id``, ``group``, ``converted_30d`` and ``uplift``.
    net_margin_fn : callable
        The learner's ``net_margin_at_depth``.
    margin_offer, margin_list, cost_per_contact, fixed_cost : float
        The campaign's economics (USD).
    suppressed_share : float
        Where the suppression slider starts.

    Returns
    -------
    TargetingExplorer or None
        Displays itself as the last expression of a cell. ``None``, with a note, when
        ``net_margin_fn`` is not written yet or fails, so *Run All* carries on.
    """
    economics = {"margin_offer": margin_offer, "margin_list": margin_list,
                 "cost_per_contact": cost_per_contact, "fixed_cost": fixed_cost}
    if not _answered(lambda: depth_curve(scored, net_margin_fn, [len(scored)], **economics), "net_margin_at_depth"):
        return None
    return TargetingExplorer(scored, net_margin_fn, economics, suppressed_share=suppressed_share)
