"""Lab 05: the stock-gate explorer (broken promises against suppressed contacts) and the pure
function behind it.

The explorer replays a stock-promising journey rule with the learner's own ``replay`` at a
range of stock gates; it never computes a replay itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from cxlabs.widgets.explorer import _answered, _Explorer, _ipywidgets

ReplayFn = Callable[..., pd.DataFrame]
OUTCOMES = ("sent", "suppressed_stock", "suppressed_capacity")


def gate_tradeoff(triggers: pd.DataFrame, stock: pd.DataFrame, capacity: pd.DataFrame,
                  replay_fn: ReplayFn, gates: Sequence[int | None], promise: str = "stock") -> pd.DataFrame:
    """What each stock gate does to a rule's contacts and promises, from ``replay_fn``'s replays.

    Parameters
    ----------
    triggers, stock, capacity : DataFrame
        The rule's firings (indexed by event id), ``daily_stock`` and ``contact_capacity``.
    replay_fn : callable
        ``replay_fn(triggers, stock, capacity, promise, min_units, None)`` returns one row per
        trigger with ``outcome`` and ``broken`` (in the lab: the learner's ``replay``).
    gates : sequence of int or None
        The stock gates to try (``None``: no gate).
    promise : str
        The rule's promise kind.

    Returns
    -------
    DataFrame
        One row per gate, in the order given: ``gate`` (the gate, ``None`` for none),
        ``sent``, ``suppressed`` (contacts not sent), ``broken`` (broken promises) and
        ``broken_per_1000_sent`` (NaN when nothing is sent).

    Examples
    --------
    >>> import pandas as pd
    >>> def toy_replay(triggers, stock, capacity, promise, min_units=None, capacity_channel=None):
    ...     level = triggers["level"]
    ...     suppressed = level < (min_units if min_units is not None else -1)
    ...     return pd.DataFrame({"outcome": suppressed.map({True: "suppressed_stock", False: "sent"}),
    ...                          "broken": ~suppressed & (level < 1)})
    >>> t = pd.DataFrame({"level": [0, 0, 1, 2, 5]})
    >>> gate_tradeoff(t, None, None, toy_replay, [None, 1, 3])[["sent", "suppressed", "broken"]].values.tolist()
    [[5, 0, 2], [3, 2, 0], [1, 4, 0]]
    """
    if not callable(replay_fn):
        raise TypeError("replay_fn should be the replay function itself, e.g. replay, not its result.")
    rows = []
    for gate in gates:
        result = replay_fn(triggers, stock, capacity, promise, gate, None)
        if not isinstance(result, pd.DataFrame) or not {"outcome", "broken"} <= set(result.columns):
            raise ValueError("replay should return a DataFrame with the columns 'outcome' and 'broken'.")
        if len(result) != len(triggers):
            raise ValueError(f"replay returned {len(result):,} rows for {len(triggers):,} triggers; "
                             "it should return one row per trigger.")
        sent = int((result["outcome"].astype(str) == "sent").sum())
        broken = int(result["broken"].fillna(False).astype(bool).sum())
        rows.append({"gate": gate, "sent": sent, "suppressed": len(result) - sent, "broken": broken,
                     "broken_per_1000_sent": 1000 * broken / sent if sent else float("nan")})
    return pd.DataFrame(rows, columns=["gate", "sent", "suppressed", "broken", "broken_per_1000_sent"])


def gate_summary(row: Mapping, baseline: Mapping) -> str:
    """One plain sentence about one gate's row of :func:`gate_tradeoff`, against no gate.

    Examples
    --------
    >>> gate_summary({"gate": 2, "sent": 900, "suppressed": 100, "broken": 9, "broken_per_1000_sent": 10.0},
    ...              {"gate": None, "sent": 1000, "suppressed": 0, "broken": 40, "broken_per_1000_sent": 40.0})
    'Stock gate of 2 units: 900 reminders sent, 100 suppressed; 9 broken promises (10.0 per 1,000 sent), against 40 with no gate: 31 fewer broken promises for 100 fewer contacts.'
    """
    gate = row["gate"]
    gate_text = "none" if gate is None or gate != gate else f"{int(gate)}"
    per = row["broken_per_1000_sent"]
    per_text = "nothing sent" if per != per else f"{per:.1f} per 1,000 sent"
    saved = int(baseline["broken"]) - int(row["broken"])
    lost = int(row["suppressed"]) - int(baseline["suppressed"])
    return (f"Stock gate of {gate_text} units: {int(row['sent']):,} reminders sent, "
            f"{int(row['suppressed']):,} suppressed; {int(row['broken']):,} broken promises ({per_text}), "
            f"against {int(baseline['broken']):,} with no gate: {saved:,} fewer broken promises for "
            f"{lost:,} fewer contacts.")


def _gate_figure(curve: pd.DataFrame, row: Mapping, baseline: Mapping):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.plot(curve["suppressed"], curve["broken"], marker="o", color=PALETTE[0], label="stock gate of 0, 1, 2 ... units")
    for r in curve.itertuples():
        ax.annotate(f"{int(r.gate)}", (r.suppressed, r.broken), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.scatter([baseline["suppressed"]], [baseline["broken"]], color=PALETTE[3], marker="s", zorder=3,
               label="no gate (as the rule ran)")
    ax.scatter([row["suppressed"]], [row["broken"]], color="black", marker="*", s=160, zorder=4,
               label=f"you: {int(row['gate'])} units")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right")
    finish(ax, "Broken promises against suppressed reminders, by stock gate",
           "reminders suppressed (contacts)", "broken stock promises (contacts)",
           "Line chart: as the stock gate rises, suppressed reminders rise and broken promises fall. "
           + gate_summary(row, baseline))
    return fig


class GateExplorer(_Explorer):
    """A stock-gate slider, a one-line summary and a chart; see :func:`gate_explorer`.

    Attributes
    ----------
    slider : IntSlider
        The stock gate (units available to promise the day before).
    curve : DataFrame
        :func:`gate_tradeoff` at every gate of the slider.
    baseline : dict
        :func:`gate_tradeoff` with no gate.
    row : dict or None
        The row of the slider's gate.
    figure : matplotlib Figure or None
        The chart last drawn.
    widget : VBox
        What the notebook displays.
    """

    def __init__(self, triggers, stock, capacity, replay_fn, *, start=1, top=8, promise="stock"):
        w = _ipywidgets()
        self.start = int(start)
        gates = list(range(0, max(int(top), self.start) + 1))
        self.curve = gate_tradeoff(triggers, stock, capacity, replay_fn, gates, promise)
        self.baseline = gate_tradeoff(triggers, stock, capacity, replay_fn, [None], promise).iloc[0].to_dict()
        self.slider = w.IntSlider(value=self.start, min=gates[0], max=gates[-1], step=1,
                                  description="stock gate", continuous_update=False,
                                  style={"description_width": "90px"}, layout=w.Layout(width="520px"))
        self.reset = w.Button(description="Back to the start", icon="undo", layout=w.Layout(width="auto"))
        self.summary = w.HTML()
        self.output = w.Output()
        self.row = None
        intro = w.HTML("<b>Move the stock gate</b> (units available at the customer's centre the evening "
                       "before). Replays use your <code>replay</code>.")
        self.widget = w.VBox([intro, self.slider, self.reset, self.summary, self.output])
        self.widget.add_class("cxlabs-gate-explorer")
        self.slider.observe(self._changed, names="value")
        self.reset.on_click(self._reset)
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def _reset(self, _button=None) -> None:
        self.slider.value = self.start

    def update(self) -> None:
        try:
            match = self.curve[self.curve["gate"] == self.slider.value]
            self.row = match.iloc[0].to_dict()
        except (IndexError, KeyError) as exc:
            self.row = None
            self._fail(exc)
            return
        self._show(gate_summary(self.row, self.baseline), lambda: _gate_figure(self.curve, self.row, self.baseline))


def gate_explorer(triggers: pd.DataFrame, stock: pd.DataFrame, capacity: pd.DataFrame, replay_fn: ReplayFn,
                  *, start: int = 1, top: int = 8, promise: str = "stock") -> GateExplorer | None:
    """A slider over the stock gate of a rule, replayed with ``replay_fn`` (lab 05).

    Returns None, with a plain note, when ``replay_fn`` is not answered yet or fails.

    Examples
    --------
    >>> explorer = gate_explorer(triggers["JR-01"], daily_stock, contact_capacity, replay)  # doctest: +SKIP
    >>> explorer.slider.value = 3                                                           # doctest: +SKIP
    >>> explorer.row["broken"]                                                              # doctest: +SKIP
    """
    if not _answered(lambda: replay_fn(triggers.head(50), stock, capacity, promise, int(start), None), "replay"):
        return None
    return GateExplorer(triggers, stock, capacity, replay_fn, start=start, top=top, promise=promise)


__all__ = ["gate_tradeoff", "gate_summary", "gate_explorer", "GateExplorer", "OUTCOMES", "ReplayFn"]
