"""Lab 06: the staffing what-if explorer and the pure function behind it.

The explorer never computes Erlang C itself: it calls the learner's ``erlang_c`` for every
number of agents around the one chosen, so what the chart shows is what the learner's function
says. :func:`staffing_curve` does the calling and the bookkeeping; :func:`staffing_summary` turns
one choice into a sentence.

While ``erlang_c`` is not answered, the explorer reads the model answer's Erlang C results for
every number of agents at the starting contacts, handling time and target time from the given
results (``cxlabs.given``, lab 06's ``erlang_c`` table): the agents and the target share move,
the other sliders wait for the learner's function.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _answered, _blank_or_answered, _Explorer, _ipywidgets

ErlangFn = Callable[..., Mapping[str, float]]
#: What the learner's ``erlang_c`` must return (exercise 2 of lab 06).
ERLANG_KEYS = ("load", "p_wait", "service_level", "asa_seconds", "occupancy")


def _number(name: str, value, *, low: float, integer: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} should be a number, got {value!r}.") from None
    if not math.isfinite(v) or v < low:
        raise ValueError(f"{name} should be at least {low:g}, got {value!r}.")
    if integer and not v.is_integer():
        raise ValueError(f"{name} should be a whole number, got {value!r}.")
    return v


def staffing_curve(erlang_fn: ErlangFn, calls: float, aht_seconds: float, target_seconds: float,
                   agents: range | list[int], interval_seconds: float = 1800) -> pd.DataFrame:
    """Service level, waiting and occupancy for each number of agents, from ``erlang_fn``.

    Parameters
    ----------
    erlang_fn : callable
        ``erlang_fn(calls, aht_seconds, agents, target_seconds, interval_seconds)`` returning a
        dict with ``load``, ``p_wait``, ``service_level``, ``asa_seconds`` and ``occupancy``
        (in the lab: the learner's ``erlang_c``).
    calls : float
        Contacts offered in the interval (0 or more).
    aht_seconds : float
        Average handling time (above 0).
    target_seconds : float
        The service-level target time (0 or more).
    agents : iterable of int
        The numbers of agents to evaluate, each at least 1.
    interval_seconds : float, default 1800
        Length of the interval.

    Returns
    -------
    DataFrame
        Indexed by ``agents`` (in the order given), with the five values ``erlang_fn`` returned,
        as floats.

    Examples
    --------
    >>> def toy(calls, aht, n, t, interval):  # not Erlang C: a stand-in with the right shape
    ...     load = calls * aht / interval
    ...     sl = 0.0 if n <= load else 1 - load / n
    ...     return {"load": load, "p_wait": load / n, "service_level": sl, "asa_seconds": 1.0,
    ...             "occupancy": min(load / n, 1.0)}
    >>> curve = staffing_curve(toy, 100, 180, 20, range(9, 12))
    >>> curve["service_level"].round(3).tolist(), curve.index.tolist()
    ([0.0, 0.0, 0.091], [9, 10, 11])
    """
    if not callable(erlang_fn):
        raise TypeError("erlang_fn should be the function itself, e.g. erlang_c, not the result of calling it.")
    calls = _number("calls", calls, low=0)
    aht_seconds = _number("aht_seconds", aht_seconds, low=1e-9)
    target_seconds = _number("target_seconds", target_seconds, low=0)
    interval_seconds = _number("interval_seconds", interval_seconds, low=1e-9)
    counts = [int(_number("agents", n, low=1, integer=True)) for n in agents]
    if not counts:
        raise ValueError("agents should list at least one number of agents.")
    rows = []
    for n in counts:
        result = erlang_fn(calls, aht_seconds, n, target_seconds, interval_seconds)
        if not isinstance(result, Mapping):
            raise TypeError(f"erlang_c should return a dict, it returned {type(result).__name__}.")
        missing = [k for k in ERLANG_KEYS if k not in result]
        if missing:
            raise ValueError(f"erlang_c's dict is missing {missing}; it has {sorted(result)}.")
        rows.append([float(result[k]) for k in ERLANG_KEYS])
    return pd.DataFrame(rows, columns=list(ERLANG_KEYS), index=pd.Index(counts, name="agents"))


def fewest_meeting(curve: pd.DataFrame, target_share: float) -> int | None:
    """The fewest agents in ``curve`` whose service level reaches ``target_share`` (None if none does).

    Examples
    --------
    >>> curve = pd.DataFrame({"service_level": [0.64, 0.7956, 0.8884]}, index=[12, 13, 14])
    >>> fewest_meeting(curve, 0.8)
    14
    """
    ok = curve.index[curve["service_level"].to_numpy() >= float(target_share)]
    return int(min(ok)) if len(ok) else None


def staffing_summary(curve: pd.DataFrame, agents: int, target_share: float, target_seconds: float) -> str:
    """One plain sentence about ``agents`` on a :func:`staffing_curve`.

    Examples
    --------
    >>> curve = pd.DataFrame({"load": [10.0, 10.0], "p_wait": [0.27, 0.17],
    ...                       "service_level": [0.7956, 0.8884], "asa_seconds": [13.0, 7.8],
    ...                       "occupancy": [0.769, 0.714]}, index=pd.Index([13, 14], name="agents"))
    >>> staffing_summary(curve, 13, 0.8, 20)
    'With 13 agents for a load of 10.0 erlangs: 79.6% answered within 20 s (target 80%), average wait 13.0 s, occupancy 77%. The target needs 14 agents.'
    """
    row = curve.loc[agents]
    asa = "without end (more agents than load are needed)" if math.isinf(row["asa_seconds"]) \
        else f"{row['asa_seconds']:.1f} s"
    need = fewest_meeting(curve, target_share)
    tail = (f" The target needs {need} agents." if need is not None and need != agents else
            " This is the fewest agents that meets the target." if need == agents else
            " No number of agents shown meets the target: add more.")
    return (f"With {agents} agents for a load of {row['load']:.1f} erlangs: {row['service_level']:.1%} "
            f"answered within {target_seconds:g} s (target {target_share:.0%}), average wait {asa}, "
            f"occupancy {row['occupancy']:.0%}.{tail}")


def _staffing_figure(curve: pd.DataFrame, agents: int, target_share: float, target_seconds: float):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(10, 4))
    ax, right = fig.subplots(1, 2)
    ax.plot(curve.index, curve["service_level"], marker="o", color=PALETTE[0], label="service level")
    ax.axhline(target_share, color="black", linestyle="--", linewidth=1, label=f"target {target_share:.0%}")
    ax.axvline(agents, color=PALETTE[3], linestyle=":", label=f"you: {agents} agents")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    asa = curve["asa_seconds"].replace(np.inf, np.nan)
    right.plot(curve.index, asa, color=PALETTE[1], marker="s")
    right.axvline(agents, color=PALETTE[3], linestyle=":")
    right.set_title("Average speed of answer")
    right.set_xlabel("agents available (count)")
    right.set_ylabel("average wait (seconds)")
    finish(ax, f"Service level within {target_seconds:g} s",
           "agents available (count)", "service level (share answered in time)",
           "Two line charts against agents: service level rises (left, dashed line the target) and the "
           "average wait falls (right; no point where the queue would grow without end); "
           + staffing_summary(curve, agents, target_share, target_seconds))
    return fig


class StaffingExplorer(_Explorer):
    """Sliders for contacts, handling time, agents and the target; see :func:`staffing_explorer`.

    Attributes
    ----------
    sliders : dict of sliders
        ``calls``, ``aht_seconds``, ``agents``, ``target_seconds``, ``target_share``.
    summary : HTML
        The one-line summary (:func:`staffing_summary`).
    output : Output
        The chart.
    curve : DataFrame or None
        The :func:`staffing_curve` around the chosen agents (None if it failed).
    figure : matplotlib Figure or None
        The chart last drawn.
    widget : VBox
        What the notebook displays.
    """

    def __init__(self, erlang_fn, *, calls, aht_seconds, agents, target_seconds, target_share, span=8,
                 given=False):
        w = _ipywidgets()
        self.erlang_fn, self.span, self.given = erlang_fn, int(span), bool(given)
        self.start = {"calls": int(calls), "aht_seconds": int(aht_seconds), "agents": int(agents),
                      "target_seconds": int(target_seconds), "target_share": float(target_share)}
        style, layout = {"description_width": "150px"}, w.Layout(width="520px")
        self.sliders = {
            "calls": w.IntSlider(value=int(calls), min=0, max=max(600, 2 * int(calls)), step=5,
                                 description="contacts / 30 min", style=style, layout=layout,
                                 continuous_update=False),
            "aht_seconds": w.IntSlider(value=int(aht_seconds), min=60, max=max(900, 2 * int(aht_seconds)),
                                       step=10, description="AHT (s)", style=style, layout=layout,
                                       continuous_update=False),
            "agents": w.IntSlider(value=int(agents), min=1, max=max(150, 2 * int(agents)), step=1,
                                  description="agents", style=style, layout=layout, continuous_update=False),
            "target_seconds": w.IntSlider(value=int(target_seconds), min=5, max=180, step=5,
                                          description="target time (s)", style=style, layout=layout,
                                          continuous_update=False),
            "target_share": w.FloatSlider(value=float(target_share), min=0.5, max=0.99, step=0.01,
                                          description="target share", style=style, layout=layout,
                                          readout_format=".0%", continuous_update=False),
        }
        self.reset = w.Button(description="Back to the starting values", icon="undo", layout=w.Layout(width="auto"))
        self.summary = w.HTML()
        self.output = w.Output()
        self.curve = None
        intro = w.HTML("<b>Move the sliders.</b> Service level and waits come from your <code>erlang_c</code>.")
        if self.given:  # the given table holds the starting contacts, handling time and target time
            for name in ("calls", "aht_seconds", "target_seconds"):
                self.sliders[name].disabled = True
            intro = w.HTML("<b>Move the agents and the target share.</b> Service level and waits are the "
                           "course's given Erlang C results (exercise 2 is not answered yet); the other "
                           "sliders move once your <code>erlang_c</code> is written.")
        self.widget = w.VBox([intro, *self.sliders.values(), self.reset, self.summary, self.output])
        self.widget.add_class("cxlabs-staffing-explorer")
        for s in self.sliders.values():
            s.observe(self._changed, names="value")
        self.reset.on_click(self._reset)
        self.update()

    def values(self) -> dict:
        """The sliders' values now."""
        return {k: s.value for k, s in self.sliders.items()}

    def _changed(self, _change=None) -> None:
        self.update()

    def _reset(self, _button=None) -> None:
        for k, s in self.sliders.items():
            s.value = self.start[k]

    def update(self) -> None:
        """Recompute the curve around the chosen agents and redraw."""
        v = self.values()
        low = max(1, v["agents"] - self.span)
        try:
            self.curve = staffing_curve(self.erlang_fn, v["calls"], v["aht_seconds"], v["target_seconds"],
                                        range(low, v["agents"] + self.span + 1))
        except Exception as exc:  # noqa: BLE001 - learner code: say what failed, keep the sliders
            self.curve = None
            self._fail(exc)
            return
        self._show(staffing_summary(self.curve, v["agents"], v["target_share"], v["target_seconds"]),
                   lambda: _staffing_figure(self.curve, v["agents"], v["target_share"], v["target_seconds"]))


def staffing_explorer(erlang_fn: ErlangFn, *, calls: int = 100, aht_seconds: int = 180, agents: int = 14,
                      target_seconds: int = 20, target_share: float = 0.8) -> StaffingExplorer | None:
    """Sliders for lab 06's staffing what-if: what agents, handling time and the target buy.

    Parameters
    ----------
    erlang_fn : callable
        The learner's ``erlang_c(calls, aht_seconds, agents, target_seconds, interval_seconds=1800)``.
    calls, aht_seconds, agents, target_seconds, target_share
        Starting values (the published example by default: 100 calls, 180 s, 14 agents, 80/20).

    Returns
    -------
    StaffingExplorer or None
        Displays itself as the last expression of a cell. ``None``, with a note, when
        ``erlang_fn`` is not written yet or fails, so *Run All* carries on.
    """
    answered = _blank_or_answered(lambda: staffing_curve(erlang_fn, calls, aht_seconds, target_seconds, [agents]),
                                  "erlang_c")
    if answered is None:  # not answered yet: the course's given Erlang C results, if there are any
        from cxlabs import given

        table_fn = given.fallback_function(erlang_fn, calls, aht_seconds, agents, target_seconds, lab="lab06",
                                           name="erlang_c", exercise="2")
        if table_fn is None or not _answered(
                lambda: staffing_curve(table_fn, calls, aht_seconds, target_seconds, [agents]), "erlang_c"):
            return None
        return StaffingExplorer(table_fn, calls=calls, aht_seconds=aht_seconds, agents=agents,
                                target_seconds=target_seconds, target_share=target_share, given=True)
    if not answered:
        return None
    return StaffingExplorer(erlang_fn, calls=calls, aht_seconds=aht_seconds, agents=agents,
                            target_seconds=target_seconds, target_share=target_share)
