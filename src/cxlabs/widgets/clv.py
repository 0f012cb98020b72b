"""Lab 09: the discount rate and horizon against the lifetime-value ranking, and the function behind it.

While ``clv`` is not answered, the explorer (and the look cell of exercise 7) read the model
answer's lifetime values from the given results (``cxlabs.given``, lab 09's ``clv`` table: the
model answer's value inputs at every discount rate and horizon the sliders reach) through
:func:`given_clv`, which looks values up and computes none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _answered, _blank_or_answered, _Explorer, _ipywidgets

ClvFn = Callable[[pd.DataFrame, float, int], pd.Series]


def _values(inputs: pd.DataFrame, clv_fn: ClvFn, discount_rate: float, horizon_years: int) -> pd.Series:
    result = clv_fn(inputs, discount_rate, horizon_years)
    if isinstance(result, pd.DataFrame) and result.shape[1] == 1:
        result = result.iloc[:, 0]
    if not isinstance(result, pd.Series):
        raise TypeError("the lifetime-value function should return a Series indexed like its inputs; it "
                        f"returned {type(result).__name__}.")
    values = pd.to_numeric(result, errors="coerce").astype(float)
    if not values.index.is_unique:
        raise ValueError("the lifetime-value function returned more than one value for some group.")
    return values


def given_clv(table: pd.DataFrame) -> ClvFn:
    """A stand-in for a blank ``clv`` that reads lifetime values from a given ``table``.

    ``table`` has one row per group and setting: ``group`` (as text), ``margin_per_year``,
    ``retention``, ``discount_rate``, ``horizon_years`` and ``clv``. The stand-in returns, for
    each row of its inputs, the ``clv`` of the table row with the same group, inputs and
    setting; NaN, with a note, where the table has none (inputs other than the model answer's).

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["a", "a"], "margin_per_year": [10.0, 10.0], "retention": [0.5, 0.5],
    ...                       "discount_rate": [0.0, 0.1], "horizon_years": [2, 2], "clv": [15.0, 14.5]})
    >>> x = pd.DataFrame({"margin_per_year": [10.0], "retention": [0.5]}, index=["a"])
    >>> given_clv(table)(x, 0.1, 2).tolist()
    [14.5]
    """
    groups = table["group"].astype(str).to_numpy()
    columns = {c: table[c].to_numpy(dtype=float) for c in ("margin_per_year", "retention", "discount_rate",
                                                            "horizon_years")}
    values = table["clv"].to_numpy(dtype=float)

    def clv(inputs: pd.DataFrame, discount_rate: float, horizon_years: int) -> pd.Series:
        setting = (np.isclose(columns["discount_rate"], float(discount_rate), rtol=1e-9, atol=1e-12)
                   & (columns["horizon_years"] == float(horizon_years)))
        out = []
        for group, row in zip(inputs.index, inputs[["margin_per_year", "retention"]].to_numpy(dtype=float),
                              strict=True):
            hit = (setting & (groups == str(group))
                   & np.isclose(columns["margin_per_year"], row[0], rtol=1e-9, atol=1e-9)
                   & np.isclose(columns["retention"], row[1], rtol=1e-9, atol=1e-12))
            out.append(values[hit][0] if hit.any() else np.nan)
        result = pd.Series(out, index=inputs.index, name="clv", dtype=float)
        if result.isna().any():
            print(f"No given lifetime value for {int(result.isna().sum())} of {len(result)} groups at "
                  f"{float(discount_rate):.0%} over {int(horizon_years)} years (their inputs are not the model "
                  "answer's); write clv above to value them.")
        return result

    return clv


def clv_ranking(inputs: pd.DataFrame, clv_fn: ClvFn, discount_rate: float, horizon_years: int, *,
                baseline: tuple[float, int] | None = None) -> pd.DataFrame:
    """Rank groups by lifetime value for one discount rate and horizon.

    The values come from ``clv_fn`` (in the lab: the learner's ``clv``); this function only
    ranks them and says how the ranking moved compared with ``baseline``.

    Parameters
    ----------
    inputs : DataFrame
        Indexed by group, with the columns ``clv_fn`` needs (``margin_per_year``, ``retention``).
    clv_fn : callable
        ``clv_fn(inputs, discount_rate, horizon_years)`` returns a Series indexed like ``inputs``.
    discount_rate : float
        Yearly discount rate, a fraction from 0 up to (not including) 1.
    horizon_years : int
        Whole years counted, 1 or more.
    baseline : (float, int), optional
        A discount rate and horizon to compare with: adds ``baseline_rank`` and ``moved``
        (places moved up, positive = more valuable than under the baseline).

    Returns
    -------
    DataFrame
        Indexed by group, sorted by ``rank`` (1 = most valuable): ``clv`` and ``rank`` (largest
        value first, then group name; groups whose value cannot be computed last), plus
        ``baseline_rank`` and ``moved`` with ``baseline``.

    Examples
    --------
    >>> import pandas as pd
    >>> def flat(inputs, d, h):
    ...     return inputs["margin_per_year"] * h / (1 + d)
    >>> x = pd.DataFrame({"margin_per_year": [10.0, 30.0], "retention": [0.9, 0.5]}, index=["a", "b"])
    >>> r = clv_ranking(x, flat, 0.0, 2)
    >>> r.index.tolist(), r["clv"].tolist(), r["rank"].tolist()
    (['b', 'a'], [60.0, 20.0], [1, 2])
    """
    if not isinstance(inputs, pd.DataFrame):
        raise TypeError(f"inputs should be a DataFrame indexed by group, got {type(inputs).__name__}.")
    if not callable(clv_fn):
        raise TypeError("clv_fn should be the lifetime-value function itself, e.g. clv, not its result.")
    d = float(discount_rate)
    if not np.isfinite(d) or not 0 <= d < 1:
        raise ValueError(f"the discount rate should be a fraction from 0 up to 1, got {discount_rate!r}.")
    h = int(horizon_years)
    if h != horizon_years or h < 1:
        raise ValueError(f"the horizon should be a whole number of years, 1 or more, got {horizon_years!r}.")
    values = _values(inputs, clv_fn, d, h)
    out = pd.DataFrame({"clv": values})
    out.index.name = inputs.index.name or "group"
    key = out.assign(_missing=out["clv"].isna(), _name=out.index.astype(str))
    order = key.sort_values(["_missing", "clv", "_name"], ascending=[True, False, True]).index
    out["rank"] = pd.Series(np.arange(1, len(out) + 1), index=order)
    out = out.loc[order]
    if baseline is not None:
        base = clv_ranking(inputs, clv_fn, baseline[0], baseline[1])
        out["baseline_rank"] = base["rank"].reindex(out.index)
        out["moved"] = out["baseline_rank"] - out["rank"]
    return out


def clv_summary(ranking: pd.DataFrame, discount_rate: float, horizon_years: int) -> str:
    """One plain sentence about a :func:`clv_ranking`: the best and the worst, and what moved.

    Examples
    --------
    >>> r = pd.DataFrame({"clv": [60.0, -5.0], "rank": [1, 2]}, index=pd.Index(["b", "a"], name="channel"))
    >>> clv_summary(r, 0.1, 5)
    'At 10% over 5 years: most valuable b ($60 per plan), least valuable a ($-5); 1 of 2 below zero.'
    """
    best, worst = ranking.index[0], ranking.index[-1]
    below = int((ranking["clv"] < 0).sum())
    text = (f"At {discount_rate:.0%} over {horizon_years} year{'s' if horizon_years != 1 else ''}: most "
            f"valuable {best} (${ranking['clv'].iloc[0]:,.0f} per plan), least valuable {worst} "
            f"(${ranking['clv'].iloc[-1]:,.0f}); {below} of {len(ranking)} below zero.")
    if "moved" in ranking.columns:
        moved = ranking[ranking["moved"].fillna(0) != 0]
        if moved.empty:
            text += " Same order as with the lab's policy."
        else:
            parts = [f"{g} {'up' if m > 0 else 'down'} {abs(int(m))}" for g, m in moved["moved"].items()]
            text += " Compared with the lab's policy: " + ", ".join(parts) + "."
    return text


def _ranking_figure(ranking: pd.DataFrame, view: str, discount_rate: float, horizon_years: int):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    shown = ranking.iloc[::-1]
    fig = Figure(figsize=(8, 0.45 * len(shown) + 1.8))
    ax = fig.subplots()
    colours = [PALETTE[3] if v < 0 else PALETTE[0] for v in shown["clv"].fillna(0)]
    ax.barh([str(g) for g in shown.index], shown["clv"].fillna(0), color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    finish(ax, f"Lifetime value per plan ({view})", "lifetime value per plan (USD)",
           "group (most valuable at the top)",
           f"Bar chart of lifetime value per plan for {len(ranking)} groups at a {discount_rate:.0%} "
           f"discount rate over {horizon_years} years, {view}; negative values in orange-red; most "
           f"valuable: {ranking.index[0]}.")
    return fig


class ClvExplorer(_Explorer):
    """Sliders for the discount rate and horizon and a choice of view; see :func:`clv_explorer`.

    Attributes
    ----------
    rate, horizon : FloatSlider, IntSlider
        The discount rate (fraction) and the horizon (years).
    view : Dropdown
        Which inputs to value (e.g. net of service cost, fees only).
    summary : HTML
        The one-line summary (:func:`clv_summary`).
    ranking : DataFrame or None
        The :func:`clv_ranking` shown now (None if the settings are invalid).
    figure : matplotlib Figure or None
        The chart last drawn.
    widget : VBox
        What the notebook displays.
    """

    def __init__(self, views: Mapping[str, pd.DataFrame], clv_fn: ClvFn, *, discount_rate=0.10,
                 horizon_years=5, max_horizon=20, given=False):
        w = _ipywidgets()
        self.views, self.clv_fn = dict(views), clv_fn
        self.baseline = (float(discount_rate), int(horizon_years))
        self.rate = w.FloatSlider(value=float(discount_rate), min=0.0, max=0.30, step=0.01,
                                  description="discount rate", readout_format=".0%", continuous_update=False,
                                  style={"description_width": "110px"}, layout=w.Layout(width="420px"))
        self.horizon = w.IntSlider(value=int(horizon_years), min=1, max=int(max_horizon),
                                   description="horizon (years)", continuous_update=False,
                                   style={"description_width": "110px"}, layout=w.Layout(width="420px"))
        self.view = w.Dropdown(options=list(self.views), value=next(iter(self.views)), description="value",
                               style={"description_width": "110px"})
        self.summary = w.HTML()
        self.output = w.Output()
        self.ranking = None
        source = ("the course's given lifetime values (exercise 6 is not answered yet)" if given
                  else "your function")
        intro = w.HTML(f"<b>Move the discount rate and the horizon.</b> Values come from {source}; the "
                       "summary compares the ranking with the lab's policy.")
        self.widget = w.VBox([intro, self.rate, self.horizon, self.view, self.summary, self.output])
        self.widget.add_class("cxlabs-clv-explorer")
        for control in (self.rate, self.horizon, self.view):
            control.observe(self._changed, names="value")
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def update(self) -> None:
        """Recompute the ranking for the controls' settings and redraw."""
        d, h, view = float(self.rate.value), int(self.horizon.value), str(self.view.value)
        try:
            self.ranking = clv_ranking(self.views[view], self.clv_fn, d, h, baseline=self.baseline)
        except Exception as exc:  # noqa: BLE001 - learner code: say what failed, keep the controls
            self.ranking = None
            self._fail(exc)
            return
        self._show(clv_summary(self.ranking, d, h), lambda: _ranking_figure(self.ranking, view, d, h))


def clv_explorer(views: Mapping[str, pd.DataFrame], clv_fn: ClvFn, *, discount_rate: float = 0.10,
                 horizon_years: int = 5, max_horizon: int = 20) -> ClvExplorer | None:
    """Controls for lab 09's lifetime-value policy: see how the channels' ranking moves.

    Parameters
    ----------
    views : mapping of str to DataFrame
        The inputs to value, by name (e.g. ``{"net of service cost": ..., "fees only": ...}``),
        each indexed by group with ``margin_per_year`` and ``retention``.
    clv_fn : callable
        The learner's ``clv(inputs, discount_rate, horizon_years)``.
    discount_rate, horizon_years : float, int
        The lab's policy: where the sliders start and what the summary compares with.
    max_horizon : int
        Right end of the horizon slider.

    Returns
    -------
    ClvExplorer or None
        ``None``, with a note, when ``clv_fn`` is not written yet or fails, so *Run All* carries on.
    """
    if not isinstance(views, Mapping) or not views:
        raise ValueError("views should be a dict of name -> inputs DataFrame.")
    first = next(iter(views.values()))
    answered = _blank_or_answered(lambda: clv_ranking(first, clv_fn, discount_rate, horizon_years), "clv")
    if answered is None:  # not answered yet: the course's given lifetime values, if there are any
        from cxlabs import given

        table_fn = given.fallback_function(clv_fn, first, discount_rate, horizon_years, lab="lab09", name="clv",
                                           exercise="6", lookup=given_clv)
        if table_fn is None or not _answered(lambda: clv_ranking(first, table_fn, discount_rate, horizon_years),
                                             "clv"):
            return None
        return ClvExplorer(views, table_fn, discount_rate=discount_rate, horizon_years=horizon_years,
                           max_horizon=max_horizon, given=True)
    if not answered:
        return None
    return ClvExplorer(views, clv_fn, discount_rate=discount_rate, horizon_years=horizon_years,
                       max_horizon=max_horizon)
