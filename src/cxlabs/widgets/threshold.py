"""Lab 02: the match-weight threshold explorer and the pure function behind it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _Explorer, _ipywidgets

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


def given_consequences(comparisons: pd.DataFrame, weights: pd.Series, threshold: float,
                       given: pd.DataFrame) -> dict:
    """:func:`threshold_consequences` while the clustering exercise is not answered yet.

    Precision, recall and the pairs merged come from ``weights`` as usual; the customers, the
    largest cluster and the over-merged and split counts are read from ``given`` (the course's
    given clusters at each threshold, ``cxlabs.given.load("lab02", "explorer")``), at the
    largest threshold of it not above ``threshold``. Nothing here clusters.

    Examples
    --------
    >>> comparisons = pd.DataFrame({"record_id_a": ["a", "b"], "record_id_b": ["b", "c"],
    ...                             "is_match": pd.array([True, False], dtype="boolean")})
    >>> given = pd.DataFrame({"threshold": [0.0, 10.0], "customers": [1, 2], "largest": [3, 2],
    ...                       "over_merged": [1, 0], "split": [0, 0]})
    >>> c = given_consequences(comparisons, pd.Series([20.0, 8.0]), 12.5, given)
    >>> c["precision"], c["pairs_merged"], c["customers"], c["given_at"]
    (1.0, 1, 2, 10.0)
    """
    t = float(threshold)
    w, y = _reviewed(comparisons, weights)
    above = w >= t
    table = given.sort_values("threshold")
    row = table[table["threshold"] <= t + 1e-9]
    row = (row if len(row) else table.iloc[:1]).iloc[-1]
    out = {"threshold": t,
           "precision": float(y[above].mean()) if above.any() else float("nan"),
           "recall": float(y[above].sum() / y.sum()) if y.any() else float("nan"),
           "pairs_merged": int((pd.to_numeric(weights, errors="coerce") >= t).sum())}
    for name in ("customers", "largest", "over_merged", "split"):
        out[name] = int(row[name])
    out["given_at"] = float(row["threshold"])
    return out


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def threshold_summary(c: Mapping) -> str:
    """One plain sentence about a :func:`threshold_consequences` result.

    Examples
    --------
    >>> threshold_summary({"threshold": 13.0, "precision": 0.98, "recall": 0.9, "pairs_merged": 12000,
    ...                    "customers": 9000, "largest": 6, "over_merged": 3, "split": 40})
    'At 13.0 bits: precision 0.980 and recall 0.900 on the reviewed pairs; 12,000 pairs merged into 9,000 customers (largest 6 records); 3 reviewed clusters mix people (over-merged) and 40 reviewed people are split over several clusters.'
    >>> threshold_summary({"threshold": 9.5, "precision": 0.5, "recall": 1.0, "pairs_merged": 1,
    ...                    "customers": 1, "largest": 2, "over_merged": 1, "split": 1}).split("; ", 1)[1]
    '1 pair merged into 1 customer (largest 2 records); 1 reviewed cluster mixes people (over-merged) and 1 reviewed person is split over several clusters.'
    """
    precision = "n/a (no reviewed pair reaches it)" if np.isnan(c["precision"]) else f"{c['precision']:.3f}"
    mixes = "mixes" if c["over_merged"] == 1 else "mix"
    split = "is" if c["split"] == 1 else "are"
    return (f"At {c['threshold']:.1f} bits: precision {precision} and recall {c['recall']:.3f} on the "
            f"reviewed pairs; {_count(c['pairs_merged'], 'pair', 'pairs')} merged into "
            f"{_count(c['customers'], 'customer', 'customers')} (largest {c['largest']:,} records); "
            f"{_count(c['over_merged'], 'reviewed cluster', 'reviewed clusters')} {mixes} people "
            f"(over-merged) and {_count(c['split'], 'reviewed person', 'reviewed people')} {split} "
            "split over several clusters.")


def _threshold_figure(grid, precision, recall, c: Mapping):
    """Left: precision and recall against the threshold. Right: what the task asks about at the
    chosen threshold, the over-merged clusters and the split people, as two bars."""
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(9, 4))
    ax, counts = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
    ax.plot(grid, precision, label="precision", color=PALETTE[0])
    ax.plot(grid, recall, label="recall", color=PALETTE[1], linestyle="--")
    ax.axvline(c["threshold"], color="black", linestyle=":", label=f"you: {c['threshold']:.1f} bits")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left")
    ax.set_title("Precision and recall of the reviewed pairs")
    ax.set_xlabel("match weight threshold (bits)")
    ax.set_ylabel("share of reviewed pairs")
    names = ["over-merged\nclusters", "split\npeople"]
    values = [c["over_merged"], c["split"]]
    bars = counts.bar(names, values, color=[PALETTE[3], PALETTE[2]])
    counts.bar_label(bars, labels=[f"{v:,}" for v in values])
    counts.set_ylim(0, max(max(values) * 1.25, 1))
    finish(counts, f"At {c['threshold']:.1f} bits", "reviewed records", "clusters or people (count)",
           f"Left, line chart: precision rises and recall falls as the threshold rises, the dotted "
           f"line at your {c['threshold']:.1f} bits. Right, bar chart: at that threshold "
           f"{_count(c['over_merged'], 'reviewed cluster', 'reviewed clusters')} {'mixes' if c['over_merged'] == 1 else 'mix'} "
           f"people and {_count(c['split'], 'reviewed person', 'reviewed people')} "
           f"{'is' if c['split'] == 1 else 'are'} split; raise the threshold and the first falls "
           "while the second grows.")
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

    def __init__(self, comparisons, weights, cluster_fn, record_ids, review, *, start, step=0.5, given=None):
        w = _ipywidgets()
        self.args = (comparisons, weights, cluster_fn, record_ids, review)
        self.given = given
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
        source = ("the course's given clusters (exercise 7 is not answered yet)" if given is not None
                  else "your <code>cluster</code>")
        intro = w.HTML(f"<b>Move the threshold</b> (bits). Clusters come from {source}; "
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
            if self.given is not None:
                c = given_consequences(comparisons, weights, self.slider.value, self.given)
            else:
                c = threshold_consequences(comparisons, weights, self.slider.value, cluster_fn, record_ids, review)
        except Exception as exc:  # noqa: BLE001 - learner code: say what failed, keep the slider
            self.consequences = None
            self._fail(exc)
            return
        self.consequences = c
        summary = threshold_summary(c)
        if self.given is not None:
            summary += (f" (Customers, largest, over-merged and split: the course's given clusters at "
                        f"{c['given_at']:.1f} bits, until your cluster is written.)")
        self._show(summary, lambda: _threshold_figure(self.grid, self.precision, self.recall, c))


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
    try:
        threshold_consequences(comparisons, weights, start, cluster_fn, record_ids, review)
    except NotImplementedError:
        from cxlabs import given

        table = given.fallback(cluster_fn, record_ids, comparisons.iloc[:0], lab="lab02", name="explorer",
                               exercise="7")
        if table is None:
            return None
        return ThresholdExplorer(comparisons, weights, cluster_fn, record_ids, review, start=start, given=table)
    except Exception as exc:  # noqa: BLE001 - learner code: explain, do not stop Run All
        print(f"The explorer needs a working cluster; it raised {type(exc).__name__}: {exc}")
        return None
    return ThresholdExplorer(comparisons, weights, cluster_fn, record_ids, review, start=start)
