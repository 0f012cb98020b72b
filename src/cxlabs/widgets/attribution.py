"""Lab 12: the look-back window and the attribution rule against the channel ranking they produce,
and the pure function behind it.

While ``conversion_paths`` or ``touch_credit`` is not answered, the explorer reads the model
answer's credit per channel for every window, anchor and rule its controls reach from the given
results (``cxlabs.given``, lab 12's ``explorer`` table) and ranks those (:func:`credit_ranking`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _blank_or_answered, _Explorer, _ipywidgets

PathsFn = Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame, float], pd.DataFrame]
CreditFn = Callable[[pd.DataFrame, str], pd.Series]
ANCHORS = ("the order", "the recorded conversion")


def as_recorded(orders: pd.DataFrame, conversions: pd.DataFrame) -> pd.DataFrame:
    """``orders`` with each converting order's ``ordered_at`` replaced by the moment the marketing
    platform recorded its conversion (delivery): what a window measured from the conversion sees.

    Examples
    --------
    >>> o = pd.DataFrame({"order_id": [1, 2], "customer_id": [5, 6],
    ...                   "ordered_at": pd.to_datetime(["2025-01-01", "2025-01-02"])})
    >>> c = pd.DataFrame({"order_id": [2], "recorded_at": pd.to_datetime(["2025-01-06"])})
    >>> as_recorded(o, c)["ordered_at"].dt.day.tolist()
    [1, 6]
    """
    recorded = conversions.set_index("order_id")["recorded_at"]
    out = orders.copy()
    when = out["order_id"].map(recorded)
    out["ordered_at"] = when.where(when.notna(), out["ordered_at"]).astype(orders["ordered_at"].dtype)
    return out


def channel_ranking(paths: pd.DataFrame, credit: pd.Series, truth: pd.Series | None = None) -> pd.DataFrame:
    """Conversions credited to each channel by one rule, their share and rank, against the truth.

    Parameters
    ----------
    paths : DataFrame
        One row per (order, touch), with ``touch_id`` and ``channel`` (lab 12, exercise 1).
    credit : Series
        Each touch's share of its order, indexed by ``touch_id`` (lab 12, exercise 2); a touch
        missing from it counts 0.
    truth : Series, optional
        Each channel's true share of the conversions; adds ``true_share``, ``true_rank`` and
        ``rank_gap`` (places the rule puts the channel above its true rank, positive = over-ranked).

    Returns
    -------
    DataFrame
        Indexed by ``channel``, sorted by ``rank`` (1 = most credit; ties by channel name):
        ``conversions``, ``share`` and ``rank``, and the truth columns when ``truth`` is given.

    Examples
    --------
    >>> paths = pd.DataFrame({"touch_id": [1, 2, 3], "channel": ["email", "sms", "email"]})
    >>> r = channel_ranking(paths, pd.Series([0.5, 0.5, 1.0], index=[1, 2, 3]))
    >>> r.index.tolist(), r["conversions"].tolist(), r["rank"].tolist()
    (['email', 'sms'], [1.5, 0.5], [1, 2])
    """
    if not isinstance(paths, pd.DataFrame) or not {"touch_id", "channel"} <= set(paths.columns):
        raise TypeError("paths should be a DataFrame with columns touch_id and channel (one row per order and touch).")
    if isinstance(credit, pd.DataFrame) and credit.shape[1] == 1:
        credit = credit.iloc[:, 0]
    if not isinstance(credit, pd.Series):
        raise TypeError(f"the credit should be a Series indexed by touch_id; got {type(credit).__name__}.")
    if not credit.index.is_unique:
        raise ValueError("the credit gives some touch more than one value; it should have one per touch_id.")
    weights = pd.to_numeric(credit, errors="coerce").astype(float)
    per_touch = weights.reindex(paths["touch_id"].to_numpy()).fillna(0.0).to_numpy()
    channels = paths["channel"].astype(str).to_numpy()
    return credit_ranking(pd.Series(per_touch).groupby(channels).sum(), truth)


def credit_ranking(sums: pd.Series, truth: pd.Series | None = None) -> pd.DataFrame:
    """:func:`channel_ranking` from the conversions already credited to each channel (``sums``,
    indexed by channel): share, rank and the truth columns.

    Examples
    --------
    >>> credit_ranking(pd.Series({"sms": 0.5, "email": 1.5}))["rank"].to_dict()
    {'email': 1, 'sms': 2}
    """
    sums = pd.Series(sums, dtype=float)
    sums.index = sums.index.astype(str)
    out = pd.DataFrame({"conversions": sums})
    total = out["conversions"].sum()
    out["share"] = out["conversions"] / total if total else np.nan
    if truth is not None:
        out = out.reindex(out.index.union(pd.Index(truth.index.astype(str))), fill_value=0.0)
        out["share"] = out["conversions"] / total if total else np.nan
    out.index.name = "channel"
    order = sorted(out.index, key=lambda c: (-out.loc[c, "conversions"], c))
    out = out.loc[order]
    out["rank"] = np.arange(1, len(out) + 1)
    if truth is not None:
        t = pd.Series(truth, dtype=float)
        t.index = t.index.astype(str)
        out["true_share"] = t.reindex(out.index).fillna(0.0)
        true_order = sorted(out.index, key=lambda c: (-out.loc[c, "true_share"], c))
        out["true_rank"] = pd.Series(np.arange(1, len(out) + 1), index=true_order).reindex(out.index)
        out["rank_gap"] = out["true_rank"] - out["rank"]
    return out


def ranking_summary(ranking: pd.DataFrame, lookback_days: float, rule: str, anchor: str = ANCHORS[0]) -> str:
    """One plain sentence about a :func:`channel_ranking`.

    Examples
    --------
    >>> r = pd.DataFrame({"conversions": [3.0, 1.0], "share": [0.75, 0.25], "rank": [1, 2],
    ...                   "true_share": [0.4, 0.6], "true_rank": [2, 1], "rank_gap": [1, -1]},
    ...                  index=pd.Index(["email", "sms"], name="channel"))
    >>> ranking_summary(r, 30, "last")
    "30-day window from the order, rule 'last': email first (75% of the credit), sms last (25%); 0 of 2 channels in their true place; credit off by 35% of the conversions."
    """
    days = f"{lookback_days:g}-day window from {anchor}, rule {rule!r}: "
    if ranking.empty or not np.isfinite(ranking["share"]).any():
        return days + "no conversion has a touch in the window."
    best, worst = ranking.index[0], ranking.index[-1]
    text = (f"{days}{best} first ({ranking['share'].iloc[0]:.0%} of the credit), {worst} last "
            f"({ranking['share'].iloc[-1]:.0%})")
    if "true_rank" in ranking.columns:
        right = int((ranking["rank_gap"] == 0).sum())
        off = 0.5 * float((ranking["share"].fillna(0) - ranking["true_share"]).abs().sum())
        text += f"; {right} of {len(ranking)} channels in their true place; credit off by {off:.0%} of the conversions"
    return text + "."


def _ranking_figure(ranking: pd.DataFrame, lookback_days: float, rule: str, anchor: str):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    shown = ranking.iloc[::-1]
    fig = Figure(figsize=(8, 0.45 * len(shown) + 2.0))
    ax = fig.subplots()
    y = np.arange(len(shown))
    ax.barh(y, 100 * shown["share"].fillna(0), color=PALETTE[0], label=f"credited by {rule!r}")
    if "true_share" in shown.columns:
        ax.scatter(100 * shown["true_share"], y, marker="D", color=PALETTE[1], zorder=3, label="true contribution")
        ax.legend(loc="lower right")
    ax.set_yticks(y, [str(c) for c in shown.index])
    finish(ax, f"Channel credit: {rule}, {lookback_days:g}-day window from {anchor}", "share of the conversions (%)",
           "channel (most credit at the top)",
           f"Bar chart of the share of conversions credited to {len(ranking)} channels by the {rule} rule with a "
           f"{lookback_days:g}-day look-back window measured from {anchor}; diamonds mark each channel's true share; "
           f"most credit: {ranking.index[0]}.")
    return fig


class AttributionExplorer(_Explorer):
    """A slider for the look-back window, choices of rule and of what the window is measured from;
    see :func:`attribution_explorer`.

    Attributes
    ----------
    lookback, rule, anchor : IntSlider, Dropdown, Dropdown
        The controls.
    summary : HTML
        The one-line summary (:func:`ranking_summary`).
    ranking : DataFrame or None
        The :func:`channel_ranking` shown now (None if the learner's functions failed).
    figure : matplotlib Figure or None
        The chart last drawn.
    widget : VBox
        What the notebook displays.
    """

    def __init__(self, touches, conversions, orders, paths_fn: PathsFn, credit_fn: CreditFn, *,
                 truth: pd.Series | None = None, rules: Sequence[str] = ("first", "last", "linear", "position",
                                                                          "time_decay"),
                 lookback_days: int = 30, max_days: int = 90, given: pd.DataFrame | None = None):
        w = _ipywidgets()
        self.given = given
        self.tables = {ANCHORS[0]: orders, ANCHORS[1]: as_recorded(orders, conversions)}
        self.touches, self.conversions = touches, conversions
        self.paths_fn, self.credit_fn, self.truth = paths_fn, credit_fn, truth
        self._paths: dict = {}
        style = {"description_width": "140px"}
        self.lookback = w.IntSlider(value=int(lookback_days), min=1, max=int(max_days), description="look-back (days)",
                                    continuous_update=False, style=style, layout=w.Layout(width="440px"))
        self.rule = w.Dropdown(options=list(rules), value=list(rules)[1] if len(rules) > 1 else rules[0],
                               description="rule", style=style)
        self.anchor = w.Dropdown(options=list(ANCHORS), value=ANCHORS[0], description="window from", style=style)
        self.summary = w.HTML()
        self.output = w.Output()
        self.ranking = None
        source = ("the course's given credit per channel (exercise 1 or 2 is not answered yet)"
                  if given is not None else "your functions")
        intro = w.HTML(f"<b>Move the window and switch the rule.</b> Paths and credit come from {source}; "
                       "the diamonds are the channels' true contributions.")
        self.widget = w.VBox([intro, self.lookback, self.rule, self.anchor, self.summary, self.output])
        self.widget.add_class("cxlabs-attribution-explorer")
        for control in (self.lookback, self.rule, self.anchor):
            control.observe(self._changed, names="value")
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def paths(self, lookback_days: int, anchor: str) -> pd.DataFrame:
        key = (int(lookback_days), anchor)
        if key not in self._paths:
            self._paths[key] = self.paths_fn(self.touches, self.conversions, self.tables[anchor], int(lookback_days))
        return self._paths[key]

    def _given_sums(self, days: int, rule: str, anchor: str) -> pd.Series:
        g = self.given
        rows = g[(g["lookback_days"] == days) & (g["rule"] == rule) & (g["anchor"] == anchor)]
        if rows.empty:
            raise LookupError(f"The given credit does not cover a {days}-day window from {anchor} with rule "
                              f"{rule!r}; write conversion_paths and touch_credit above to explore it.")
        return rows.set_index("channel")["conversions"]

    def update(self) -> None:
        """Rebuild the paths (cached per window), credit them by the rule, and redraw."""
        days, rule, anchor = int(self.lookback.value), str(self.rule.value), str(self.anchor.value)
        try:
            if self.given is not None:
                self.ranking = credit_ranking(self._given_sums(days, rule, anchor), self.truth)
            else:
                paths = self.paths(days, anchor)
                self.ranking = channel_ranking(paths, self.credit_fn(paths, rule), self.truth)
        except Exception as exc:  # noqa: BLE001 - learner code: say what failed, keep the controls
            self.ranking = None
            self._fail(exc)
            return
        self._show(ranking_summary(self.ranking, days, rule, anchor),
                   lambda: _ranking_figure(self.ranking, days, rule, anchor))


def attribution_explorer(touches: pd.DataFrame, conversions: pd.DataFrame, orders: pd.DataFrame,
                         paths_fn: PathsFn, credit_fn: CreditFn, *, truth: pd.Series | None = None,
                         lookback_days: int = 30, max_days: int = 90) -> AttributionExplorer | None:
    """Controls for lab 12: the look-back window and the rule, and the channel ranking they produce.

    Parameters
    ----------
    touches, conversions, orders : DataFrame
        ``marketing_touches``, ``marketing_conversions`` and ``orders``.
    paths_fn : callable
        The learner's ``conversion_paths(touches, conversions, orders, lookback_days)``.
    credit_fn : callable
        The learner's ``touch_credit(paths, rule)``.
    truth : Series, optional
        The channels' true shares, drawn as diamonds.
    lookback_days, max_days : int
        Where the window slider starts (the lab's policy) and its right end.

    Returns
    -------
    AttributionExplorer or None
        ``None``, with a note, when a function is not written yet or fails, so *Run All* carries on.
    """
    def trial():
        paths = paths_fn(touches, conversions, orders, lookback_days)
        channel_ranking(paths, credit_fn(paths, "last"), truth)

    answered = _blank_or_answered(trial, "conversion_paths and touch_credit")
    if answered is None:  # not answered yet: the course's given credit per channel, if there is any
        from cxlabs import given

        table = given.fallback(trial, lab="lab12", name="explorer", exercise="1 or 2")
        if table is None:
            return None
        return AttributionExplorer(touches, conversions, orders, paths_fn, credit_fn, truth=truth,
                                   lookback_days=lookback_days, max_days=max_days, given=table)
    if not answered:
        return None
    return AttributionExplorer(touches, conversions, orders, paths_fn, credit_fn, truth=truth,
                               lookback_days=lookback_days, max_days=max_days)
