"""Lab 01: the weighted capability-maturity explorer and the pure function behind it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _answered, _Explorer, _ipywidgets

#: Names of the maturity levels, by the floor of the score.
LEVELS = {1: "initial", 2: "repeatable", 3: "defined", 4: "managed", 5: "optimising"}

ScoreFn = Callable[[pd.DataFrame, dict], pd.DataFrame]


def _check_weights(weights, dimensions) -> dict[str, float]:
    if not isinstance(weights, Mapping) or not weights:
        raise ValueError("weights should be a dict mapping each dimension to a number, "
                         f"e.g. {{'people': 1.0, 'data': 2.0}}; got {type(weights).__name__}.")
    clean = {}
    for dim, w in weights.items():
        try:
            value = float(w)
        except (TypeError, ValueError):
            raise ValueError(f"the weight of {dim!r} should be a number, got {w!r}.") from None
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"the weight of {dim!r} should be 0 or more, got {w!r}.")
        clean[str(dim)] = value
    missing = sorted(set(dimensions) - set(clean))
    if missing:
        raise ValueError(f"no weight for dimension(s) {missing}: give every dimension a weight "
                         "(0 leaves it out).")
    if not any(clean[d] > 0 for d in dimensions):
        raise ValueError("every weight is 0: give at least one dimension a weight above 0.")
    return clean


def _scores(assessments, weights, score_fn) -> pd.Series:
    result = score_fn(assessments, dict(weights))
    if not isinstance(result, pd.DataFrame) or "score" not in result.columns:
        raise TypeError("the scoring function should return a DataFrame indexed by capability with "
                        f"a 'score' column; it returned {type(result).__name__}"
                        + (f" with columns {list(result.columns)}" if isinstance(result, pd.DataFrame)
                           else "") + ".")
    scores = pd.to_numeric(result["score"], errors="coerce").astype(float)
    if not scores.index.is_unique:
        raise ValueError("the scoring function returned more than one row for some capability.")
    return scores


def weighted_ranking(assessments: pd.DataFrame, weights: Mapping[str, float], score_fn: ScoreFn, *,
                     target: float = 3.0,
                     baseline_weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Rank capabilities by how far they fall short of a target level, for given weights.

    The scores come from ``score_fn`` (in the lab: the learner's ``maturity_scores``); this
    function only turns them into a ranking of gaps, and says how the ranking moved compared
    with ``baseline_weights``.

    Parameters
    ----------
    assessments : DataFrame
        Rows with at least ``capability``, ``dimension`` and ``score`` (as ``capability_assessments``).
    weights : mapping
        Weight per dimension, 0 or more, at least one above 0; every dimension of
        ``assessments`` needs one.
    score_fn : callable
        ``score_fn(assessments, weights)`` returns a DataFrame indexed by capability with a
        ``score`` column.
    target : float, default 3.0
        The level every capability should reach (3 = *defined*).
    baseline_weights : mapping, optional
        Weights to compare with; adds ``baseline_rank`` and ``moved`` (places moved towards
        "close first", positive = more urgent than under the baseline).

    Returns
    -------
    DataFrame
        Indexed by capability, one row each, sorted by ``rank`` (1 = close first): ``score``,
        ``level``, ``gap`` (levels short of ``target``, 0 when reached) and ``rank`` (largest gap
        first, then lowest score, then name), plus ``baseline_rank`` and ``moved`` when
        ``baseline_weights`` is given.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"capability": ["x", "x", "y", "y"], "dimension": ["data", "people"] * 2,
    ...                   "assessor": "it", "score": [1, 4, 3, 2]})
    >>> def plain_mean(assessments, weights):
    ...     m = assessments.pivot_table(index="capability", columns="dimension", values="score")
    ...     w = pd.Series(weights)[m.columns]
    ...     return pd.DataFrame({"score": m @ w / w.sum()})
    >>> r = weighted_ranking(a, {"data": 3, "people": 1}, plain_mean)
    >>> r.index.tolist(), r["score"].tolist(), r["gap"].tolist(), r["rank"].tolist()
    (['x', 'y'], [1.75, 2.75], [1.25, 0.25], [1, 2])
    """
    if not isinstance(assessments, pd.DataFrame):
        raise TypeError(f"assessments should be a DataFrame, got {type(assessments).__name__}.")
    missing = [c for c in ("capability", "dimension", "score") if c not in assessments.columns]
    if missing:
        raise ValueError(f"assessments is missing column(s) {missing}; it has {list(assessments.columns)}.")
    if not callable(score_fn):
        raise TypeError("score_fn should be the scoring function itself, e.g. maturity_scores, "
                        "not the result of calling it.")
    if not 1 <= float(target) <= 5:
        raise ValueError(f"target should be a level between 1 and 5, got {target!r}.")
    dimensions = sorted(assessments["dimension"].astype(str).unique())
    scores = _scores(assessments, _check_weights(weights, dimensions), score_fn)
    out = pd.DataFrame({"score": scores})
    out.index.name = "capability"
    out["level"] = np.floor(out["score"].clip(1, 5) + 1e-9).astype(int).map(LEVELS)
    out["gap"] = (float(target) - out["score"]).clip(lower=0.0)
    order = out.assign(_name=out.index.astype(str)).sort_values(["gap", "score", "_name"],
                                                                ascending=[False, True, True])
    out["rank"] = pd.Series(np.arange(1, len(out) + 1), index=order.index)
    out = out.loc[order.index]
    if baseline_weights is not None:
        base = weighted_ranking(assessments, baseline_weights, score_fn, target=target)
        out["baseline_rank"] = base["rank"].reindex(out.index)
        out["moved"] = out["baseline_rank"] - out["rank"]
    return out


def ranking_summary(ranking: pd.DataFrame, target: float = 3.0) -> str:
    """One plain sentence about a :func:`weighted_ranking`: what to close first and what moved.

    Examples
    --------
    >>> r = pd.DataFrame({"score": [1.5, 3.2], "level": ["initial", "defined"], "gap": [1.5, 0.0],
    ...                   "rank": [1, 2]}, index=pd.Index(["x", "y"], name="capability"))
    >>> ranking_summary(r)
    "Close first: x (score 1.50, 1.50 levels below 'defined'). 1 of 2 capabilities are below 'defined'."
    """
    name = LEVELS.get(int(np.floor(target)), f"level {target:g}")
    below = int((ranking["gap"] > 0).sum())
    first = ranking.index[0]
    row = ranking.iloc[0]
    if below == 0:
        text = f"Every capability has reached '{name}'; the lowest is {first} at {row['score']:.2f}."
    else:
        text = (f"Close first: {first} (score {row['score']:.2f}, {row['gap']:.2f} levels below "
                f"'{name}'). {below} of {len(ranking)} capabilities are below '{name}'.")
    if "moved" in ranking.columns:
        moved = ranking[ranking["moved"] != 0]
        if moved.empty:
            text += " Same order as with the lab's weights."
        else:
            parts = [f"{cap} {'up' if m > 0 else 'down'} {abs(int(m))}"
                     for cap, m in moved["moved"].items()]
            text += " Compared with the lab's weights: " + ", ".join(parts) + "."
    return text


def _ranking_figure(ranking: pd.DataFrame, weights: Mapping[str, float], target: float):
    # A Figure outside pyplot: a widget callback redraws it, and pyplot's global figure
    # state (and the inline backend's hooks) is not safe to use from a callback.
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    shown = ranking.iloc[::-1]  # rank 1 at the top of a horizontal bar chart
    fig = Figure(figsize=(8, 0.45 * len(shown) + 1.8))
    ax = fig.subplots()
    colours = [PALETTE[3] if g > 0 else PALETTE[0] for g in shown["gap"]]
    ax.barh([str(c) for c in shown.index], shown["score"], color=colours)
    ax.axvline(target, color="black", linestyle="--", linewidth=1)
    ax.set_xlim(0, 5)
    w = ", ".join(f"{d} {v:g}" for d, v in weights.items())
    below = int((ranking["gap"] > 0).sum())
    finish(ax, "Weighted maturity and the gap to close first",
           "maturity score (1 initial to 5 optimising)", "capability (close first at the top)",
           f"Bar chart of weighted maturity for {len(ranking)} capabilities with weights {w}; "
           f"{below} are below the target level {target:g} (dashed line, bars in orange-red); "
           f"close first: {ranking.index[0]}.")
    return fig


class MaturityExplorer(_Explorer):
    """Sliders for the weights, a one-line summary and a chart; see :func:`maturity_explorer`.

    Attributes
    ----------
    sliders : dict of FloatSlider
        One per dimension.
    summary : HTML
        The one-line summary (:func:`ranking_summary`).
    output : Output
        The chart.
    ranking : DataFrame or None
        The :func:`weighted_ranking` for the current weights (None if they are invalid).
    figure : matplotlib Figure or None
        The chart last drawn (a Figure outside pyplot, shown as a PNG: pyplot's global
        state is not safe to use from a widget callback).
    widget : VBox
        What the notebook displays.
    """

    def __init__(self, assessments, score_fn, weights, *, target=3.0, max_weight=3.0, step=0.25):
        w = _ipywidgets()
        self.assessments, self.score_fn, self.target = assessments, score_fn, float(target)
        self.baseline = dict(weights)
        self.sliders = {
            d: w.FloatSlider(value=float(v), min=0.0, max=float(max_weight), step=step,
                             description=str(d), continuous_update=False, readout_format=".2f",
                             style={"description_width": "90px"},
                             layout=w.Layout(width="420px"))
            for d, v in weights.items()
        }
        self.reset = w.Button(description="Back to the lab's weights", icon="undo",
                              layout=w.Layout(width="auto"))
        self.summary = w.HTML()
        self.output = w.Output()
        self.ranking = None
        intro = w.HTML("<b>Move the weights.</b> Scores come from your function; the dashed line "
                       f"is the target level {self.target:g} (defined).")
        self.widget = w.VBox([intro, *self.sliders.values(), self.reset, self.summary, self.output])
        self.widget.add_class("cxlabs-maturity-explorer")
        for s in self.sliders.values():
            s.observe(self._changed, names="value")
        self.reset.on_click(self._reset)
        self.update()

    def weights(self) -> dict[str, float]:
        """The weights the sliders show now."""
        return {d: float(s.value) for d, s in self.sliders.items()}

    def _changed(self, _change=None) -> None:
        self.update()

    def _reset(self, _button=None) -> None:
        for d, s in self.sliders.items():
            s.value = self.baseline[d]

    def update(self) -> None:
        """Recompute the ranking for the sliders' weights and redraw."""
        try:
            self.ranking = weighted_ranking(self.assessments, self.weights(), self.score_fn,
                                            target=self.target, baseline_weights=self.baseline)
        except Exception as exc:  # noqa: BLE001 - e.g. every weight at 0: say so, keep the sliders
            self.ranking = None
            self._fail(exc)
            return
        self._show(ranking_summary(self.ranking, self.target),
                   lambda: _ranking_figure(self.ranking, self.weights(), self.target))


def maturity_explorer(assessments: pd.DataFrame, score_fn: ScoreFn, weights: Mapping[str, float], *,
                      target: float = 3.0, max_weight: float = 3.0) -> MaturityExplorer | None:
    """Sliders for lab 01's maturity weights: see which capability to close first as they move.

    Parameters
    ----------
    assessments : DataFrame
        ``capability_assessments``.
    score_fn : callable
        The learner's ``maturity_scores(assessments, weights)``.
    weights : mapping
        Starting weights (the lab's ``WEIGHTS``); the summary compares every other choice
        with them.
    target : float, default 3.0
        The level every capability should reach.
    max_weight : float, default 3.0
        Right end of each slider.

    Returns
    -------
    MaturityExplorer or None
        Displays itself as the last expression of a cell. ``None``, with a note, when
        ``score_fn`` is not written yet or fails, so *Run All* carries on.

    Examples
    --------
    >>> explorer = maturity_explorer(assessments, maturity_scores, WEIGHTS)  # doctest: +SKIP
    >>> explorer.sliders["people"].value = 3.0                               # doctest: +SKIP
    >>> explorer.ranking.index[0]                                            # doctest: +SKIP
    """
    if not _answered(lambda: weighted_ranking(assessments, weights, score_fn, target=target),
                     "maturity_scores"):
        return None
    return MaturityExplorer(assessments, score_fn, weights, target=target, max_weight=max_weight)
