"""Lab 07: the escalation-threshold explorer and the pure function behind it.

The learner's ``escalation_z`` turns monthly comment counts per theme into z-scores against a
baseline. Where to put the threshold is the lesson: a low one raises alarms on noise, a high one
misses rises until they are old news. :func:`escalation_tradeoff` measures both on simulated
histories that look like the company's (the same number of comments each month, the same theme
mix) in which one theme's share rises from a random month, a truth known by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _answered, _Explorer, _ipywidgets

ZFn = Callable[..., pd.DataFrame]
#: Thresholds the explorer's curves are drawn for (z, standard errors above the baseline).
GRID = np.round(np.arange(1.0, 6.01, 0.25), 2)


def _z_frame(z_fn: ZFn, counts: pd.DataFrame, baseline_months: int) -> np.ndarray:
    """The learner's z for ``counts`` as a float array, after checking its shape."""
    z = z_fn(counts, baseline_months)
    if not isinstance(z, pd.DataFrame):
        raise TypeError(f"the z function should return a DataFrame, it returned {type(z).__name__}.")
    if z.shape != counts.shape:
        raise ValueError(f"the z function returned a {z.shape[0]} x {z.shape[1]} table for {counts.shape[0]} "
                         f"months and {counts.shape[1]} themes: it should have the shape of counts.")
    return z.to_numpy(dtype=float, na_value=np.nan)


def simulate_histories(counts: pd.DataFrame, runs: int, rise: float = 2.0, seed: int = 0,
                       baseline_months: int = 6) -> list[tuple[pd.DataFrame, int, int]]:
    """Histories like ``counts`` with stable theme shares, in each of which one theme rises.

    Every simulated month has as many comments as the same month of ``counts``; themes are drawn
    with the shares of the whole of ``counts``, except that from a random month (after the first
    ``baseline_months``) one random theme's share is multiplied by ``rise`` (at most 0.95; the
    other themes shrink in proportion).

    Returns
    -------
    list of (DataFrame, int, int)
        Per run: the simulated counts (same index and columns as ``counts``), the position of
        the theme that rises and the position of the month it starts.

    Examples
    --------
    >>> counts = pd.DataFrame({"a": [50] * 8, "b": [50] * 8})
    >>> runs = simulate_histories(counts, 3, seed=1, baseline_months=6)
    >>> len(runs), runs[0][0].shape, all(s >= 6 for _, _, s in runs)
    (3, (8, 2), True)
    >>> bool((runs[0][0].sum(axis=1) == 100).all())
    True
    """
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        raise ValueError("counts should be a DataFrame of comment counts, one row per month and one column per theme.")
    if len(counts) <= baseline_months:
        raise ValueError(f"counts has {len(counts)} months: it needs more than baseline_months={baseline_months}.")
    values = counts.to_numpy(dtype=float)
    n = values.sum(axis=1).astype(np.int64)
    base = values.sum(axis=0) / values.sum()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(runs):
        theme = int(rng.integers(counts.shape[1]))
        start = int(rng.integers(baseline_months, len(counts)))
        risen = base.copy()
        risen[theme] = min(base[theme] * rise, 0.95)
        others = np.arange(len(base)) != theme
        risen[others] *= (1 - risen[theme]) / max(base[others].sum(), 1e-12)
        shares = np.where((np.arange(len(counts)) >= start)[:, None], risen, base)
        sim = np.stack([rng.multinomial(k, p / p.sum()) for k, p in zip(n, shares, strict=True)])
        out.append((pd.DataFrame(sim, index=counts.index, columns=counts.columns), theme, start))
    return out


def escalation_tradeoff(z_fn: ZFn, counts: pd.DataFrame, thresholds=GRID, *, rise: float = 2.0,
                        runs: int = 100, seed: int = 0, baseline_months: int = 6) -> pd.DataFrame:
    """False alarms and rises caught by the rule ``z >= threshold``, for each threshold.

    ``z_fn(counts, baseline_months)`` (in the lab: the learner's ``escalation_z``) is run on
    ``counts`` and on ``runs`` histories from :func:`simulate_histories`.

    Returns
    -------
    DataFrame
        Indexed by ``threshold``: ``false_alarms_per_year`` (alerts on months and themes that did
        not rise, per 12 months of history, all themes together), ``caught`` (share of the rises
        alerted in the month they start or the month after), ``caught_first_month`` (in the
        month they start), and ``alerts_here`` (alerts on ``counts`` itself).

    Examples
    --------
    A rule that alerts on nothing catches nothing and raises no alarm:

    >>> counts = pd.DataFrame({"a": [60, 55, 70, 65, 60, 58, 62, 64], "b": [40, 45, 30, 35, 40, 42, 38, 36]})
    >>> never = lambda c, b: c * 0.0 - 10
    >>> escalation_tradeoff(never, counts, [2.0], runs=5, baseline_months=3).iloc[0].tolist()
    [0.0, 0.0, 0.0, 0.0]
    """
    if not callable(z_fn):
        raise TypeError("pass the z function itself, e.g. escalation_z, not the result of calling it.")
    thresholds = np.asarray(thresholds, dtype=float)
    here = _z_frame(z_fn, counts, baseline_months)
    false_alarms = np.zeros(len(thresholds))
    caught = np.zeros(len(thresholds))
    first = np.zeros(len(thresholds))
    months = 0
    histories = simulate_histories(counts, runs, rise=rise, seed=seed, baseline_months=baseline_months)
    for sim, theme, start in histories:
        z = _z_frame(z_fn, sim, baseline_months)
        risen = np.zeros(z.shape, dtype=bool)
        risen[start:, theme] = True
        months += int((~np.isnan(z)).any(axis=1).sum())
        window = z[start:start + 2, theme]
        for i, t in enumerate(thresholds):
            alert = np.nan_to_num(z, nan=-np.inf) >= t
            false_alarms[i] += (alert & ~risen).sum()
            caught[i] += bool((np.nan_to_num(window, nan=-np.inf) >= t).any())
            first[i] += bool(np.nan_to_num(z[start, theme], nan=-np.inf) >= t)
    alerts_here = [(np.nan_to_num(here, nan=-np.inf) >= t).sum() for t in thresholds]
    return pd.DataFrame({"false_alarms_per_year": 12 * false_alarms / max(months, 1),
                         "caught": caught / max(len(histories), 1),
                         "caught_first_month": first / max(len(histories), 1),
                         "alerts_here": np.asarray(alerts_here, dtype=int)},
                        index=pd.Index(thresholds, name="threshold"))


def escalation_summary(threshold: float, row: Mapping, alerts: list[str]) -> str:
    """One plain sentence about the rule at ``threshold`` (a row of :func:`escalation_tradeoff`).

    Examples
    --------
    >>> escalation_summary(3.0, {"false_alarms_per_year": 0.8, "caught": 0.9, "caught_first_month": 0.7,
    ...                          "alerts_here": 2}, ["app_experience 2025-04", "price 2025-03"])
    'At z >= 3.00: 2 alerts on your data (app_experience 2025-04, price 2025-03). In simulated histories: 0.8 false alarms a year; 90% of rises caught within two months (70% in their first month).'
    """
    listed = f" ({', '.join(alerts[:4])}{', ...' if len(alerts) > 4 else ''})" if alerts else ""
    return (f"At z >= {threshold:.2f}: {int(row['alerts_here'])} alerts on your data{listed}. In simulated "
            f"histories: {row['false_alarms_per_year']:.1f} false alarms a year; {row['caught']:.0%} of rises "
            f"caught within two months ({row['caught_first_month']:.0%} in their first month).")


def _alerts(z: pd.DataFrame, threshold: float) -> list[str]:
    stacked = z.stack()
    hits = stacked[stacked >= threshold]
    return [f"{theme} {pd.Timestamp(month):%Y-%m}" if isinstance(month, (pd.Timestamp, np.datetime64))
            else f"{theme} {month}" for month, theme in hits.index]


def _escalation_figure(curve: pd.DataFrame, threshold: float, summary: str):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    left.plot(curve.index, curve["false_alarms_per_year"], color=PALETTE[3], marker=".")
    left.axvline(threshold, color="black", linestyle=":")
    left.set_title("False alarms")
    left.set_xlabel("threshold (z)")
    left.set_ylabel("false alarms (per year)")
    right.plot(curve.index, curve["caught"], color=PALETTE[0], marker=".", label="within two months")
    right.plot(curve.index, curve["caught_first_month"], color=PALETTE[1], linestyle="--", label="in the first month")
    right.axvline(threshold, color="black", linestyle=":", label=f"you: {threshold:.2f}")
    right.set_ylim(0, 1.02)
    right.legend(loc="lower left")
    finish(right, "Rises caught", "threshold (z)", "share of rises caught (fraction)",
           "Two line charts against the threshold: false alarms a year fall and the share of rises caught "
           "falls as the threshold rises. " + summary)
    return fig


class EscalationExplorer(_Explorer):
    """A threshold slider, a one-line summary and the trade-off chart; see :func:`escalation_explorer`.

    Attributes
    ----------
    slider : FloatSlider
        The threshold (z).
    curve : DataFrame
        :func:`escalation_tradeoff` on the grid of thresholds (computed once).
    z : DataFrame
        The learner's z on the company's counts.
    summary : HTML
    output : Output
    figure : matplotlib Figure or None
    widget : VBox
    """

    def __init__(self, z_fn: ZFn, counts: pd.DataFrame, *, start: float = 3.0, baseline_months: int = 6,
                 runs: int = 100):
        w = _ipywidgets()
        self.start = float(start)
        grid = np.union1d(GRID, [self.start])
        self.curve = escalation_tradeoff(z_fn, counts, grid, runs=runs, baseline_months=baseline_months)
        self.z = z_fn(counts, baseline_months)
        self.slider = w.FloatSlider(value=self.start, min=float(grid.min()), max=float(grid.max()), step=0.25,
                                    description="threshold", continuous_update=False, readout_format=".2f",
                                    style={"description_width": "90px"}, layout=w.Layout(width="520px"))
        self.reset = w.Button(description="Back to the starting threshold", icon="undo", layout=w.Layout(width="auto"))
        self.summary = w.HTML()
        self.output = w.Output()
        intro = w.HTML("<b>Move the threshold</b> (z). Alerts come from your <code>escalation_z</code>; "
                       "the dotted line is where you are.")
        self.widget = w.VBox([intro, self.slider, self.reset, self.summary, self.output])
        self.widget.add_class("cxlabs-escalation-explorer")
        self.slider.observe(lambda _change: self.update(), names="value")
        self.reset.on_click(lambda _button: setattr(self.slider, "value", self.start))
        self.update()

    def row(self, threshold: float) -> pd.Series:
        """The trade-off at ``threshold`` (the nearest threshold of the curve)."""
        i = int(np.argmin(np.abs(self.curve.index.to_numpy() - threshold)))
        return self.curve.iloc[i]

    def update(self) -> None:
        t = float(self.slider.value)
        try:
            text = escalation_summary(t, self.row(t), _alerts(self.z, t))
        except Exception as exc:  # noqa: BLE001 - learner output: say what failed, keep the slider
            self._fail(exc)
            return
        self._show(text, lambda: _escalation_figure(self.curve, t, text))


def escalation_explorer(z_fn: ZFn, counts: pd.DataFrame, *, start: float = 3.0,
                        baseline_months: int = 6, runs: int = 100) -> EscalationExplorer | None:
    """A slider for lab 07's escalation threshold: alerts raised against rises caught.

    Parameters
    ----------
    z_fn : callable
        ``z_fn(counts, baseline_months)`` (in the lab: the learner's ``escalation_z``).
    counts : DataFrame
        Comments per month (rows, consecutive) and theme (columns).
    start : float
        Where the slider starts; the reset button returns there.

    Returns
    -------
    EscalationExplorer or None
        Displays itself as the last expression of a cell; ``None``, with a note, while
        ``z_fn`` is not written yet or fails, so *Run All* carries on.

    Examples
    --------
    >>> escalation_explorer(escalation_z, counts, start=3.0)   # doctest: +SKIP
    """
    if not _answered(lambda: _z_frame(z_fn, counts, baseline_months), "escalation_z"):
        return None
    return EscalationExplorer(z_fn, counts, start=start, baseline_months=baseline_months, runs=runs)
