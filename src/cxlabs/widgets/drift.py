"""Lab 14: the drift explorer (PSI threshold and baseline window against the months flagged) and
the pure function behind it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _answered, _Explorer, _ipywidgets

PsiFn = Callable[[pd.Series, pd.Series], float]

#: The baseline windows the explorer offers: label -> first and last month (inclusive).
WINDOWS: dict[str, tuple[str, str]] = {
    "2024 (12 months)": ("2024-01-01", "2024-12-01"),
    "2024-01 to 2024-06": ("2024-01-01", "2024-06-01"),
    "2024-07 to 2024-12": ("2024-07-01", "2024-12-01"),
    "2025-01 to 2025-03 (the quarter before the release)": ("2025-01-01", "2025-03-01"),
}


def drift_flags(psi_fn: PsiFn, records: pd.DataFrame, feature: str, baseline_months: Sequence,
                threshold: float) -> pd.DataFrame:
    """The PSI of ``feature`` in every month after the baseline window, and whether it is flagged.

    Calls ``psi_fn(baseline values, month values)`` (in the lab: the learner's ``psi``) once per
    month after the last baseline month.

    Parameters
    ----------
    psi_fn : callable
        ``psi_fn(baseline, current) -> float``.
    records : DataFrame
        ``month`` (first day of the month) and ``feature``.
    feature : str
    baseline_months : sequence of dates
        The months whose records form the baseline.
    threshold : float
        A month is flagged when its PSI is above it (strictly).

    Returns
    -------
    DataFrame
        Indexed by ``month``: ``psi`` and ``flagged``.

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame({"month": pd.to_datetime(["2024-01-01"] * 2 + ["2024-02-01"] * 2),
    ...                      "x": [1.0, 2.0, 1.0, 5.0]})
    >>> spread = lambda b, c: abs(c.mean() - b.mean())   # any function of two samples
    >>> drift_flags(spread, recs, "x", ["2024-01-01"], 1.0)["flagged"].tolist()
    [True]
    """
    if not callable(psi_fn):
        raise TypeError("psi_fn should be the PSI function itself, e.g. psi, not the result of calling it.")
    missing = [c for c in ("month", feature) if c not in records.columns]
    if missing:
        raise ValueError(f"records is missing column(s) {missing}; it has {list(records.columns)}.")
    months = pd.DatetimeIndex(pd.to_datetime(list(baseline_months)))
    if len(months) == 0:
        raise ValueError("the baseline window has no months.")
    in_base = records["month"].isin(months)
    base = records.loc[in_base, feature]
    later = sorted(m for m in records["month"].unique() if pd.Timestamp(m) > months.max())
    values = [float(psi_fn(base, records.loc[records["month"] == m, feature])) for m in later]
    out = pd.DataFrame({"psi": values}, index=pd.DatetimeIndex(later, name="month"))
    out["flagged"] = out["psi"] > threshold
    return out


def drift_summary(table: pd.DataFrame, threshold: float, window: str) -> str:
    """One plain sentence about a :func:`drift_flags` result.

    Examples
    --------
    >>> t = pd.DataFrame({"psi": [0.01, 0.3, 0.4], "flagged": [False, True, True]},
    ...                  index=pd.to_datetime(["2025-03-01", "2025-04-01", "2025-05-01"]))
    >>> drift_summary(t, 0.25, "2024")
    'Baseline 2024, threshold 0.25: 2 of 3 months flagged, the first 2025-04.'
    """
    flagged = table.index[table["flagged"].to_numpy(dtype=bool)]
    first = f", the first {flagged[0]:%Y-%m}" if len(flagged) else ""
    return (f"Baseline {window}, threshold {threshold:.2f}: {len(flagged)} of {len(table)} months "
            f"flagged{first}.")


def _drift_figure(table: pd.DataFrame, threshold: float, summary: str):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(9, 4))
    ax = fig.subplots()
    x = np.arange(len(table))
    colours = [PALETTE[3] if f else PALETTE[0] for f in table["flagged"]]
    ax.bar(x, table["psi"], color=colours)
    ax.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"threshold {threshold:.2f}")
    ax.set_xticks(x, [f"{m:%Y-%m}" for m in table.index], rotation=60, ha="right")
    ax.set_yscale("symlog", linthresh=0.05)
    ax.legend(loc="upper left")
    finish(ax, "Population stability of the input, month by month", "month", "PSI (unitless)",
           "Bar chart of the PSI of each month after the baseline window; flagged months in a second "
           "colour. " + summary)
    return fig


class DriftExplorer(_Explorer):
    """A threshold slider, a baseline-window menu, a one-line summary and a chart; see
    :func:`drift_explorer`.

    Attributes
    ----------
    slider : FloatSlider
        The PSI threshold.
    window : Dropdown
        The baseline window (:data:`WINDOWS`).
    table : DataFrame
        The last :func:`drift_flags` result.
    """

    def __init__(self, psi_fn, records, feature, *, start, windows: Mapping[str, tuple[str, str]] = WINDOWS):
        w = _ipywidgets()
        self.args = (psi_fn, records, feature)
        self.windows = dict(windows)
        self._cache: dict[str, pd.DataFrame] = {}
        self.slider = w.FloatSlider(value=float(start), min=0.01, max=0.5, step=0.01, description="threshold",
                                    continuous_update=False, readout_format=".2f",
                                    style={"description_width": "90px"}, layout=w.Layout(width="520px"))
        self.window = w.Dropdown(options=list(self.windows), value=next(iter(self.windows)),
                                 description="baseline", style={"description_width": "90px"},
                                 layout=w.Layout(width="520px"))
        self.summary = w.HTML()
        self.output = w.Output()
        intro = w.HTML(f"<b>Move the PSI threshold and the baseline window</b>: which months would the "
                       f"monitor flag for <code>{feature}</code>? PSIs come from your <code>psi</code>.")
        self.widget = w.VBox([intro, self.window, self.slider, self.summary, self.output])
        self.widget.add_class("cxlabs-drift-explorer")
        self.slider.observe(self._changed, names="value")
        self.window.observe(self._changed, names="value")
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def update(self) -> None:
        psi_fn, records, feature = self.args
        label, threshold = self.window.value, float(self.slider.value)
        try:
            if label not in self._cache:
                first, last = self.windows[label]
                months = pd.date_range(first, last, freq="MS")
                self._cache[label] = drift_flags(psi_fn, records, feature, months, 0.0)
            table = self._cache[label].assign(flagged=lambda t: t["psi"] > threshold)
        except Exception as exc:  # noqa: BLE001 - learner code: say what failed, keep the controls
            self._fail(exc)
            return
        self.table = table
        summary = drift_summary(table, threshold, label)
        self._show(summary, lambda: _drift_figure(table, threshold, summary))


def drift_explorer(psi_fn: PsiFn, records: pd.DataFrame, feature: str = "engagement_score", *,
                   start: float = 0.25) -> DriftExplorer | None:
    """Lab 14's explorer: the PSI threshold and the baseline window against the months flagged.

    Returns None, with a note, when ``psi_fn`` is not written yet or fails, so *Run All* carries on.
    """
    sample = records[feature].iloc[:50]
    if not _answered(lambda: psi_fn(sample, sample), "psi"):
        return None
    return DriftExplorer(psi_fn, records, feature, start=start)
