"""Lab 13: the fairness-floor explorer and the pure function behind it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _answered, _Explorer, _ipywidgets

AllocateFn = Callable[[pd.DataFrame, float, float], pd.Series]


def floor_tradeoff(allocate_fn: AllocateFn, requests: pd.DataFrame, supply: float,
                   floors: Sequence[float]) -> pd.DataFrame:
    """What each fairness floor costs: value served and each segment's share of its demand.

    Calls ``allocate_fn(requests, supply, floor)`` (in the lab: the learner's ``allocate``) once
    per floor; a floor it refuses with a ``ValueError`` (the floors need more than the supply)
    is reported as infeasible.

    Parameters
    ----------
    allocate_fn : callable
        Returns the units allocated per row of ``requests`` (a Series with its index).
    requests : DataFrame
        ``segment``, ``units`` and ``value_per_unit`` per row.
    supply : float
        Units to share.
    floors : sequence of float
        The floors to try (shares of each segment's demand, 0 to 1).

    Returns
    -------
    DataFrame
        Indexed by ``floor``: ``feasible`` (bool), ``value`` (value served), ``value_lost``
        (share of the value served at the smallest feasible floor tried that this floor gives
        up), ``lowest_fill`` (the lowest share of a segment's demand served) and
        ``lowest_segment`` (that segment). NaN where infeasible.

    Examples
    --------
    >>> import pandas as pd
    >>> requests = pd.DataFrame({"segment": ["a", "b"], "units": [10.0, 10.0], "value_per_unit": [3.0, 1.0]})
    >>> def greedy(req, supply, floor):  # right for two rows sorted by value: floors, then by value
    ...     if floor * req["units"].sum() > supply:
    ...         raise ValueError("floors exceed supply")
    ...     x = floor * req["units"]
    ...     x.iloc[0] += min(req["units"].iloc[0] - x.iloc[0], supply - x.sum())
    ...     x.iloc[1] += min(req["units"].iloc[1] - x.iloc[1], supply - x.sum())
    ...     return x
    >>> t = floor_tradeoff(greedy, requests, 10.0, [0.0, 0.3, 0.6])
    >>> t["value"].tolist()[:2], round(float(t.loc[0.3, "value_lost"]), 3), bool(t.loc[0.6, "feasible"])
    ([30.0, 24.0], 0.2, False)
    """
    if not callable(allocate_fn):
        raise TypeError("allocate_fn should be the allocation function itself, e.g. allocate, "
                        "not the result of calling it.")
    missing = [c for c in ("segment", "units", "value_per_unit") if c not in requests.columns]
    if missing:
        raise ValueError(f"requests is missing column(s) {missing}; it has {list(requests.columns)}.")
    demand = requests.groupby("segment")["units"].sum()
    rows = []
    for floor in floors:
        try:
            x = allocate_fn(requests, supply, float(floor))
        except ValueError:
            rows.append((float(floor), False, np.nan, np.nan, None))
            continue
        x = pd.Series(x).reindex(requests.index).astype(float)
        value = float((x * requests["value_per_unit"]).sum())
        fill = x.groupby(requests["segment"]).sum() / demand
        rows.append((float(floor), True, value, float(fill.min()), str(fill.idxmin())))
    out = pd.DataFrame(rows, columns=["floor", "feasible", "value", "lowest_fill", "lowest_segment"])
    out = out.set_index("floor")
    best = out.loc[out["feasible"], "value"]
    base = best.iloc[0] if len(best) else np.nan
    out["value_lost"] = 1 - out["value"] / base if base else np.nan
    return out[["feasible", "value", "value_lost", "lowest_fill", "lowest_segment"]]


def floor_summary(floor: float, row: Mapping) -> str:
    """One plain sentence about one floor of a :func:`floor_tradeoff` result.

    Examples
    --------
    >>> floor_summary(0.3, {"feasible": True, "value": 51234.5, "value_lost": 0.021,
    ...                     "lowest_fill": 0.3, "lowest_segment": "value"})
    'At a 30% floor: value served 51,234 USD, 2.1% less than with the smallest floor; the worst-served segment (value) gets 30% of its demand.'
    """
    if not row["feasible"]:
        return f"At a {floor:.0%} floor the segments' floors need more units than the supply: infeasible."
    return (f"At a {floor:.0%} floor: value served {row['value']:,.0f} USD, {row['value_lost']:.1%} less "
            f"than with the smallest floor; the worst-served segment ({row['lowest_segment']}) gets "
            f"{row['lowest_fill']:.0%} of its demand.")


def _floor_figure(table: pd.DataFrame, floor: float, row: Mapping):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ok = table[table["feasible"]]
    ax.plot(ok.index * 100, ok["value_lost"] * 100, color=PALETTE[3], marker="o", label="value given up")
    ax.plot(ok.index * 100, ok["lowest_fill"] * 100, color=PALETTE[0], linestyle="--", marker="s",
            label="worst-served segment's fill")
    ax.axvline(floor * 100, color="black", linestyle=":", label=f"you: {floor:.0%}")
    ax.set_xlim(-2, max(float(ok.index.max()), floor) * 100 + 2)
    ax.legend(loc="upper left")
    finish(ax, "What the fairness floor costs", "floor per segment (% of its demand)", "share (%)",
           "Line chart of the value given up and the worst-served segment's fill rate against the floor. "
           + floor_summary(floor, row))
    return fig


class FloorExplorer(_Explorer):
    """A floor slider, a one-line summary and a chart; see :func:`floor_explorer`.

    Attributes
    ----------
    slider : FloatSlider
        The floor (share of each segment's demand).
    table : DataFrame
        :func:`floor_tradeoff` on a grid of floors from 0 to the largest feasible one.
    summary, output, widget
        The summary line, the chart and what the notebook displays.
    """

    def __init__(self, allocate_fn, requests, supply, *, start, step=0.05):
        w = _ipywidgets()
        self.args = (allocate_fn, requests, float(supply))
        top = min(1.0, float(supply) / float(requests["units"].sum()))
        grid = np.round(np.arange(0, top + 1e-9, step), 6)
        self.table = floor_tradeoff(allocate_fn, requests, supply, grid)
        self.start = float(start)
        self.slider = w.FloatSlider(value=min(self.start, float(grid[-1])), min=0.0, max=float(grid[-1]),
                                    step=step, description="floor", continuous_update=False,
                                    readout_format=".0%", style={"description_width": "90px"},
                                    layout=w.Layout(width="520px"))
        self.summary = w.HTML()
        self.output = w.Output()
        intro = w.HTML("<b>Move the fairness floor</b>: every segment gets at least this share of its "
                       "demand. Allocations come from your <code>allocate</code>.")
        self.widget = w.VBox([intro, self.slider, self.summary, self.output])
        self.widget.add_class("cxlabs-floor-explorer")
        self.slider.observe(self._changed, names="value")
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def update(self) -> None:
        allocate_fn, requests, supply = self.args
        floor = float(self.slider.value)
        try:
            row = floor_tradeoff(allocate_fn, requests, supply, [0.0, floor]).iloc[-1]
        except Exception as exc:  # noqa: BLE001 - learner code: say what failed, keep the slider
            self._fail(exc)
            return
        self._show(floor_summary(floor, row), lambda: _floor_figure(self.table, floor, row))


def floor_explorer(allocate_fn: AllocateFn, requests: pd.DataFrame, supply: float, *,
                   start: float = 0.3) -> FloorExplorer | None:
    """A slider for lab 13's fairness floor: the value given up and who gets served.

    Returns None, with a note, when ``allocate_fn`` is not written yet or fails, so *Run All*
    carries on.
    """
    if not _answered(lambda: allocate_fn(requests, supply, 0.0), "allocate"):
        return None
    return FloorExplorer(allocate_fn, requests, supply, start=start)
