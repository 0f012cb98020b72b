"""Lab 15: the rollback-rule explorer (which changes a control-chart rule set would have rolled
back) and the pure functions behind it.

The explorer applies the learner's own ``control_rules`` to the days after each change; it
never evaluates a control-chart rule itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _answered, _Explorer, _ipywidgets

RulesFn = Callable[[pd.Series, float, float], pd.DataFrame]
RULES = ("rule1", "rule2", "rule3", "rule4")


def rollback_replay(changes: pd.DataFrame, kpi_daily: pd.DataFrame, rules_fn: RulesFn, rule_set: Sequence[str],
                    window_days: int = 14, baseline_days: int = 28) -> pd.DataFrame:
    """Replay a rollback rule over every change: would a control-chart alarm have rolled it back?

    For each change, the center and sigma are the mean and sample standard deviation (ddof=1) of
    its KPI on the ``baseline_days`` days before the go-live day; the rules run on the
    ``window_days`` full days after the go-live day (day 1 is the day after it). The change
    would be rolled back when any rule of ``rule_set`` flags a day of the window.

    Parameters
    ----------
    changes : DataFrame
        ``change_requests``: ``change_id``, ``kpi``, ``go_live_at``, ``rolled_back_on``.
    kpi_daily : DataFrame
        ``date``, ``kpi``, ``value``.
    rules_fn : callable
        ``rules_fn(values, center, sigma)`` returns one row per value with boolean columns
        ``rule1`` to ``rule4`` (in the lab: the learner's ``control_rules``).
    rule_set : sequence of str
        The rules that trigger a rollback.

    Returns
    -------
    DataFrame
        Indexed by ``change_id``: ``kpi``, ``alarm_day`` (first day of the window with an alarm,
        NaN: none), ``roll_back`` (bool), ``by_hand`` (the change was rolled back in fact) and
        ``days_by_hand`` (days from the go-live day to the manual rollback, NaN: none).

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2025-01-01", periods=40, freq="D")
    >>> values = [10.0, 12.0] * 14 + [20.0] * 12
    >>> daily = pd.DataFrame({"date": days, "kpi": "k", "value": values})
    >>> ch = pd.DataFrame({"change_id": [1], "kpi": ["k"], "go_live_at": [pd.Timestamp("2025-01-29 10:00")],
    ...                    "rolled_back_on": [pd.Timestamp("2025-02-05")]})
    >>> def beyond(v, c, s):
    ...     z = (v - c) / s
    ...     return pd.DataFrame({r: z.abs() > 3 for r in ("rule1", "rule2", "rule3", "rule4")})
    >>> rollback_replay(ch, daily, beyond, ["rule1"])[["alarm_day", "roll_back", "days_by_hand"]].values.tolist()
    [[1.0, True, 7.0]]
    """
    if not callable(rules_fn):
        raise TypeError("rules_fn should be the function itself, e.g. control_rules, not its result.")
    unknown = [r for r in rule_set if r not in RULES]
    if unknown:
        raise ValueError(f"unknown rules {unknown}; choose from {list(RULES)}.")
    wide = kpi_daily.pivot(index="date", columns="kpi", values="value").sort_index()
    rows = []
    for change in changes.itertuples(index=False):
        day = pd.Timestamp(change.go_live_at).normalize()
        series = wide[change.kpi]
        base = series[(series.index < day) & (series.index >= day - pd.Timedelta(days=baseline_days))]
        post = series[(series.index > day) & (series.index <= day + pd.Timedelta(days=window_days))]
        alarm_day = np.nan
        if len(post) and rule_set:
            flags = rules_fn(post.copy(), float(base.mean()), float(base.std()))
            if not isinstance(flags, pd.DataFrame) or not set(rule_set) <= set(flags.columns):
                raise ValueError("control_rules should return a DataFrame with the columns rule1 to rule4.")
            if len(flags) != len(post):
                raise ValueError("control_rules should return one row per value.")
            hit = flags[list(rule_set)].fillna(False).astype(bool).any(axis=1).to_numpy()
            if hit.any():
                alarm_day = float((post.index[int(np.argmax(hit))] - day).days)
        by_hand = pd.notna(change.rolled_back_on)
        rows.append({"change_id": change.change_id, "kpi": change.kpi, "alarm_day": alarm_day,
                     "roll_back": bool(alarm_day == alarm_day), "by_hand": bool(by_hand),
                     "days_by_hand": float((pd.Timestamp(change.rolled_back_on) - day).days) if by_hand else np.nan})
    return pd.DataFrame(rows).set_index("change_id")


def rollback_summary(replay: pd.DataFrame, rule_set: Sequence[str], window_days: int) -> str:
    """One plain sentence about a replay of :func:`rollback_replay`.

    Examples
    --------
    >>> r = pd.DataFrame({"alarm_day": [2.0, None, 5.0], "roll_back": [True, False, True],
    ...                   "by_hand": [True, True, False], "days_by_hand": [30.0, 25.0, None]})
    >>> rollback_summary(r, ["rule1", "rule4"], 14)
    'Rule set {1, 4} over 14 days: 2 of 3 changes rolled back; 1 of the 2 rolled back by hand caught, a median 2 days after go-live (by hand: 30 days); 1 not rolled back by hand.'
    """
    names = "{" + ", ".join(r.replace("rule", "") for r in rule_set) + "}"
    caught = replay[replay["roll_back"] & replay["by_hand"]]
    hand = int(replay["by_hand"].sum())
    extra = int((replay["roll_back"] & ~replay["by_hand"]).sum())
    when = (f", a median {caught['alarm_day'].median():.0f} days after go-live (by hand: "
            f"{caught['days_by_hand'].median():.0f} days)" if len(caught) else "")
    return (f"Rule set {names} over {window_days} days: {int(replay['roll_back'].sum())} of {len(replay)} changes "
            f"rolled back; {len(caught)} of the {hand} rolled back by hand caught{when}; {extra} not rolled back "
            f"by hand.")


def _figure(replay: pd.DataFrame, summary: str, window_days: int):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(8, 4.5))
    ax = fig.subplots()
    r = replay.reset_index()
    y = np.arange(len(r))
    hand = r["by_hand"].to_numpy()
    ax.scatter(r.loc[hand, "days_by_hand"], y[hand], color=PALETTE[1], marker="s", label="rolled back by hand")
    alarm = r["roll_back"].to_numpy()
    ax.scatter(r.loc[alarm, "alarm_day"], y[alarm], color=PALETTE[0], marker="o", label="rule alarm")
    ax.axvline(window_days, color="black", linestyle="--", linewidth=1)
    ax.set_yticks(y[::3], r["change_id"].astype(str).to_numpy()[::3])
    ax.legend(loc="lower right")
    finish(ax, "When each change was, or would have been, rolled back", "days after go-live (days)",
           "change (change_id)", "Dot chart per change: days to a rule alarm against days to the manual rollback. "
           + summary)
    return fig


class RollbackExplorer(_Explorer):
    """Rule check-boxes and a window slider, a summary and a chart; see :func:`rollback_explorer`."""

    def __init__(self, changes, kpi_daily, rules_fn, *, rule_set=("rule1",), window_days=14):
        w = _ipywidgets()
        self.changes, self.kpi_daily, self.rules_fn = changes, kpi_daily, rules_fn
        self.start = (tuple(rule_set), int(window_days))
        self.boxes = {r: w.Checkbox(value=r in rule_set, description=r.replace("rule", "rule "), indent=False,
                                    layout=w.Layout(width="90px")) for r in RULES}
        self.slider = w.IntSlider(value=int(window_days), min=3, max=28, step=1, description="window (days)",
                                  continuous_update=False, style={"description_width": "100px"},
                                  layout=w.Layout(width="520px"))
        self.reset = w.Button(description="Back to the start", icon="undo", layout=w.Layout(width="auto"))
        self.summary = w.HTML()
        self.output = w.Output()
        self.replay = None
        intro = w.HTML("<b>Choose the rules that trigger a rollback and the days watched after go-live.</b> "
                       "Alarms use your <code>control_rules</code>.")
        self.widget = w.VBox([intro, w.HBox(list(self.boxes.values())), self.slider, self.reset, self.summary,
                              self.output])
        self.widget.add_class("cxlabs-rollback-explorer")
        for box in self.boxes.values():
            box.observe(self._changed, names="value")
        self.slider.observe(self._changed, names="value")
        self.reset.on_click(self._reset)
        self.update()

    @property
    def rule_set(self) -> list[str]:
        return [r for r, box in self.boxes.items() if box.value]

    def _changed(self, _change=None) -> None:
        self.update()

    def _reset(self, _button=None) -> None:
        rules, window = self.start
        for r, box in self.boxes.items():
            box.value = r in rules
        self.slider.value = window

    def update(self) -> None:
        try:
            self.replay = rollback_replay(self.changes, self.kpi_daily, self.rules_fn, self.rule_set,
                                          self.slider.value)
        except (ValueError, TypeError, KeyError) as exc:
            self.replay = None
            self._fail(exc)
            return
        text = rollback_summary(self.replay, self.rule_set, self.slider.value)
        self._show(text, lambda: _figure(self.replay, text, self.slider.value))


def rollback_explorer(changes: pd.DataFrame, kpi_daily: pd.DataFrame, rules_fn: RulesFn, *,
                      rule_set: Sequence[str] = ("rule1",), window_days: int = 14) -> RollbackExplorer | None:
    """Check-boxes over the Western Electric rules and a slider over the window after go-live (lab 15).

    Returns None, with a plain note, when ``rules_fn`` is not answered yet or fails.

    Examples
    --------
    >>> explorer = rollback_explorer(change_requests, kpi_daily, control_rules)  # doctest: +SKIP
    >>> explorer.boxes["rule4"].value = True                                     # doctest: +SKIP
    >>> explorer.replay["roll_back"].sum()                                       # doctest: +SKIP
    """
    probe = pd.Series([10.0, 11.0, 9.0, 10.0, 12.0, 8.0, 10.0, 11.0, 9.0, 10.0])
    if not _answered(lambda: rules_fn(probe, 10.0, 1.0), "control_rules"):
        return None
    return RollbackExplorer(changes, kpi_daily, rules_fn, rule_set=rule_set, window_days=window_days)


__all__ = ["rollback_replay", "rollback_summary", "rollback_explorer", "RollbackExplorer", "RULES"]
