"""Interactive controls for the labs' trade-offs: move a parameter, see the consequence.

Each control is a thin ipywidgets layer over a pure, unit-tested function, so what the
learner sees when a slider moves is exactly what the function returns. The controls take
the learner's own exercise function as an argument: they never contain an exercise's answer.

Lab 01 (weighted capability maturity)::

    from cxlabs.widgets import maturity_explorer
    maturity_explorer(assessments, maturity_scores, WEIGHTS)   # sliders, ranking, chart

:func:`weighted_ranking` is the function behind it.

Lab 02 (the match-weight threshold)::

    from cxlabs.widgets import threshold_explorer
    threshold_explorer(comparisons, weights, cluster, keys["record_id"], review, start=13.0)

:func:`threshold_consequences` is the function behind it.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

__all__ = ["weighted_ranking", "ranking_summary", "maturity_explorer", "MaturityExplorer",
           "threshold_consequences", "threshold_summary", "threshold_explorer", "ThresholdExplorer"]

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


def _ipywidgets():
    import ipywidgets

    return ipywidgets


def _answered(trial: Callable[[], object], function_name: str) -> bool:
    """Run ``trial`` once; False, with a plain note, if the learner's function is not ready."""
    try:
        trial()
    except NotImplementedError:
        print(f"Not answered yet: write {function_name} above, then run this cell again.")
        return False
    except Exception as exc:  # noqa: BLE001 - learner code: explain, do not stop Run All
        print(f"The explorer needs a working {function_name}; it raised {type(exc).__name__}: {exc}")
        return False
    return True


class _Explorer:
    """What every explorer shares: a one-line summary and a chart, redrawn on every change.

    A subclass builds ``self.summary`` (HTML), ``self.output`` (Output) and ``self.widget``,
    then calls :meth:`_show` or :meth:`_fail` from its ``update``.
    """

    figure = None

    def _show(self, summary: str, draw: Callable) -> None:
        """Show ``summary``, and the figure ``draw()`` returns with its one-line description."""
        from IPython.display import Image, display

        self.summary.value = f"<p class='cxlabs-summary'>{html.escape(summary)}</p>"
        self.output.clear_output(wait=True)
        with self.output:  # the chart and its printed description, inside the widget
            fig = draw()
            png = io.BytesIO()
            fig.savefig(png, format="png", bbox_inches="tight")
            display(Image(data=png.getvalue(), format="png"))
        self.figure = fig

    def _fail(self, exc: Exception) -> None:
        self.summary.value = f"<p class='cxlabs-summary'>{html.escape(str(exc))}</p>"
        self.output.clear_output()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


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


# -- Lab 02: the match-weight threshold ----------------------------------------------------------

ClusterFn = Callable[[pd.Series, pd.DataFrame], pd.Series]


def _reviewed(comparisons: pd.DataFrame, weights: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Weights and verdicts of the reviewed pairs, as arrays."""
    labelled = comparisons["is_match"].notna().to_numpy()
    w = pd.to_numeric(weights, errors="coerce").to_numpy(dtype=float)[labelled]
    y = comparisons["is_match"].to_numpy()[labelled].astype(bool)
    return w, y


def threshold_consequences(comparisons: pd.DataFrame, weights: pd.Series, threshold: float,
                           cluster_fn: ClusterFn, record_ids: pd.Series,
                           review: pd.DataFrame) -> dict:
    """What matching every pair at or above ``threshold`` bits does to the customers you get.

    Precision and recall are measured on the reviewed pairs, as in lab 02's
    ``choose_threshold``; the customers come from ``cluster_fn`` (in the lab: the learner's
    ``cluster``), and the reviewed records say which clusters mix people.

    Parameters
    ----------
    comparisons : DataFrame
        One row per candidate pair: ``record_id_a``, ``record_id_b`` and ``is_match`` (the
        reviewers' verdict, ``<NA>`` for pairs not reviewed).
    weights : Series
        The match weight of each pair in bits, aligned with ``comparisons``.
    threshold : float
        Pairs with a weight at or above it are matched.
    cluster_fn : callable
        ``cluster_fn(record_ids, matches)`` returns the cluster label of every record, as a
        Series indexed by record id.
    record_ids : Series
        Every record id.
    review : DataFrame
        ``record_id`` and ``person`` of the reviewed records.

    Returns
    -------
    dict
        ``threshold``; ``precision`` and ``recall`` on the reviewed pairs (precision is NaN
        when no reviewed pair reaches the threshold); ``pairs_merged`` (all pairs at or above
        it); ``customers`` (clusters) and ``largest`` (records in the biggest one);
        ``over_merged`` (clusters whose reviewed records belong to more than one person) and
        ``split`` (reviewed people whose records fall into more than one cluster).

    Examples
    --------
    >>> import pandas as pd
    >>> comparisons = pd.DataFrame({"record_id_a": ["a", "b", "c"], "record_id_b": ["b", "c", "d"],
    ...                             "is_match": pd.array([True, False, True], dtype="boolean")})
    >>> def by_hand(ids, matches):  # fine for a chain of pairs in order
    ...     label = {i: i for i in ids}
    ...     for a, b in zip(matches["record_id_a"], matches["record_id_b"]):
    ...         label[b] = label[a]
    ...     return pd.Series(label)
    >>> review = pd.DataFrame({"record_id": ["a", "b", "c", "d"], "person": [1, 1, 2, 2]})
    >>> ids = pd.Series(["a", "b", "c", "d"])
    >>> low = threshold_consequences(comparisons, pd.Series([20.0, 8.0, 15.0]), 5, by_hand, ids, review)
    >>> low["precision"], low["customers"], low["over_merged"]
    (0.6666666666666666, 1, 1)
    >>> high = threshold_consequences(comparisons, pd.Series([20.0, 8.0, 15.0]), 10, by_hand, ids, review)
    >>> high["precision"], high["recall"], high["customers"], high["over_merged"]
    (1.0, 1.0, 2, 0)
    """
    if not isinstance(comparisons, pd.DataFrame):
        raise TypeError(f"comparisons should be a DataFrame, got {type(comparisons).__name__}.")
    missing = [c for c in ("record_id_a", "record_id_b", "is_match") if c not in comparisons.columns]
    if missing:
        raise ValueError(f"comparisons is missing column(s) {missing}; it has {list(comparisons.columns)}.")
    if not isinstance(weights, pd.Series) or not weights.index.equals(comparisons.index):
        raise ValueError("weights should be a Series with the same index as comparisons "
                         "(one weight per pair), as match_weights returns it.")
    if not callable(cluster_fn):
        raise TypeError("cluster_fn should be the clustering function itself, e.g. cluster, "
                        "not the result of calling it.")
    t = float(threshold)
    w, y = _reviewed(comparisons, weights)
    above = w >= t
    precision = float(y[above].mean()) if above.any() else float("nan")
    recall = float(y[above].sum() / y.sum()) if y.any() else float("nan")
    matched = comparisons[(weights >= t).to_numpy()]
    labels = cluster_fn(record_ids, matched)
    if not isinstance(labels, pd.Series):
        raise TypeError(f"the clustering function should return a Series, it returned {type(labels).__name__}.")
    lost = pd.Index(record_ids).difference(labels.index)
    if len(lost):
        raise ValueError(f"the clustering function left out {len(lost):,} record(s), e.g. {lost[0]!r}: "
                         "every record needs a cluster label, also records in no match.")
    sizes = labels.value_counts()
    people = review.assign(cluster=review["record_id"].map(labels))
    return {"threshold": t, "precision": precision, "recall": recall,
            "pairs_merged": int(len(matched)), "customers": int(len(sizes)),
            "largest": int(sizes.iloc[0]) if len(sizes) else 0,
            "over_merged": int((people.groupby("cluster")["person"].nunique() > 1).sum()),
            "split": int((people.groupby("person")["cluster"].nunique() > 1).sum())}


def threshold_summary(c: Mapping) -> str:
    """One plain sentence about a :func:`threshold_consequences` result.

    Examples
    --------
    >>> threshold_summary({"threshold": 13.0, "precision": 0.98, "recall": 0.9, "pairs_merged": 12000,
    ...                    "customers": 9000, "largest": 6, "over_merged": 3, "split": 40})
    'At 13.0 bits: precision 0.980 and recall 0.900 on the reviewed pairs; 12,000 pairs merged into 9,000 customers (largest 6 records); 3 reviewed clusters mix people (over-merged) and 40 reviewed people are split over several clusters.'
    """
    precision = "n/a (no reviewed pair reaches it)" if np.isnan(c["precision"]) else f"{c['precision']:.3f}"
    return (f"At {c['threshold']:.1f} bits: precision {precision} and recall {c['recall']:.3f} on the "
            f"reviewed pairs; {c['pairs_merged']:,} pairs merged into {c['customers']:,} customers "
            f"(largest {c['largest']:,} records); {c['over_merged']:,} reviewed clusters mix people "
            f"(over-merged) and {c['split']:,} reviewed people are split over several clusters.")


def _threshold_figure(grid, precision, recall, c: Mapping):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.plot(grid, precision, label="precision", color=PALETTE[0])
    ax.plot(grid, recall, label="recall", color=PALETTE[1], linestyle="--")
    ax.axvline(c["threshold"], color="black", linestyle=":", label=f"you: {c['threshold']:.1f} bits")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left")
    finish(ax, "Precision and recall of the reviewed pairs against the threshold",
           "match weight threshold (bits)", "share of reviewed pairs",
           "Line chart: precision rises and recall falls as the threshold rises; "
           + threshold_summary(c))
    return fig


class ThresholdExplorer(_Explorer):
    """A threshold slider, a one-line summary and a chart; see :func:`threshold_explorer`.

    Attributes
    ----------
    slider : FloatSlider
        The threshold in bits.
    summary : HTML
        The one-line summary (:func:`threshold_summary`).
    output : Output
        The chart.
    consequences : dict or None
        The :func:`threshold_consequences` at the slider's threshold (None if they failed).
    figure : matplotlib Figure or None
        The chart last drawn.
    widget : VBox
        What the notebook displays.
    """

    def __init__(self, comparisons, weights, cluster_fn, record_ids, review, *, start, step=0.5):
        w = _ipywidgets()
        self.args = (comparisons, weights, cluster_fn, record_ids, review)
        self.start = float(start)
        reviewed, y = _reviewed(comparisons, weights)
        every = pd.to_numeric(weights, errors="coerce").to_numpy(dtype=float)
        low = float(np.floor(min(np.nanmin(every), self.start)))
        high = float(np.ceil(max(np.nanmax(every), self.start)))
        self.grid = np.arange(low, high + step, step)
        self.precision = [y[reviewed >= t].mean() if (reviewed >= t).any() else np.nan for t in self.grid]
        self.recall = [y[reviewed >= t].sum() / max(y.sum(), 1) for t in self.grid]
        self.slider = w.FloatSlider(value=self.start, min=low, max=high, step=step,
                                    description="threshold", continuous_update=False,
                                    readout_format=".1f", style={"description_width": "90px"},
                                    layout=w.Layout(width="520px"))
        self.reset = w.Button(description="Back to your chosen threshold", icon="undo",
                              layout=w.Layout(width="auto"))
        self.summary = w.HTML()
        self.output = w.Output()
        self.consequences = None
        intro = w.HTML("<b>Move the threshold</b> (bits). Clusters come from your <code>cluster</code>; "
                       "the dotted line is where you are.")
        self.widget = w.VBox([intro, self.slider, self.reset, self.summary, self.output])
        self.widget.add_class("cxlabs-threshold-explorer")
        self.slider.observe(self._changed, names="value")
        self.reset.on_click(self._reset)
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def _reset(self, _button=None) -> None:
        self.slider.value = self.start

    def update(self) -> None:
        """Recompute the consequences at the slider's threshold and redraw."""
        comparisons, weights, cluster_fn, record_ids, review = self.args
        try:
            c = threshold_consequences(comparisons, weights, self.slider.value, cluster_fn, record_ids, review)
        except Exception as exc:  # noqa: BLE001 - learner code: say what failed, keep the slider
            self.consequences = None
            self._fail(exc)
            return
        self.consequences = c
        self._show(threshold_summary(c), lambda: _threshold_figure(self.grid, self.precision, self.recall, c))


def threshold_explorer(comparisons: pd.DataFrame, weights: pd.Series, cluster_fn: ClusterFn,
                       record_ids: pd.Series, review: pd.DataFrame, *,
                       start: float) -> ThresholdExplorer | None:
    """A slider for lab 02's match-weight threshold: see what each choice does to the customers.

    Parameters
    ----------
    comparisons, weights, cluster_fn, record_ids, review
        As in :func:`threshold_consequences` (in the lab: ``comparisons``, ``weights``, the
        learner's ``cluster``, ``keys["record_id"]`` and ``review``).
    start : float
        Where the slider starts (the learner's chosen threshold); the reset button returns there.

    Returns
    -------
    ThresholdExplorer or None
        Displays itself as the last expression of a cell. ``None``, with a note, when
        ``cluster_fn`` is not written yet or fails, so *Run All* carries on.

    Examples
    --------
    >>> explorer = threshold_explorer(comparisons, weights, cluster, keys["record_id"], review,
    ...                               start=chosen["threshold"])           # doctest: +SKIP
    >>> explorer.slider.value = 30.0                                        # doctest: +SKIP
    >>> explorer.consequences["over_merged"]                                # doctest: +SKIP
    """
    if not _answered(lambda: threshold_consequences(comparisons, weights, start, cluster_fn,
                                                    record_ids, review), "cluster"):
        return None
    return ThresholdExplorer(comparisons, weights, cluster_fn, record_ids, review, start=start)
