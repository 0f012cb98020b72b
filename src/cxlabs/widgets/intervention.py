"""Lab 08: the intervention-threshold explorer and the pure function behind it."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _answered, _Explorer, _ipywidgets

DecideFn = Callable[[pd.Series, pd.Series, float, float], pd.DataFrame]


def _aligned(scores: pd.Series, outcomes: pd.Series, value: pd.Series):
    if not isinstance(scores, pd.Series) or not isinstance(outcomes, pd.Series) or not isinstance(value, pd.Series):
        raise TypeError("scores, outcomes and value should be pandas Series with the same index labels.")
    y = outcomes.reindex(scores.index)
    v = value.reindex(scores.index)
    if y.isna().any() or v.isna().any():
        raise ValueError("outcomes and value need an entry for every label of scores.")
    return (scores.to_numpy(dtype=float), y.to_numpy(dtype=float), v.to_numpy(dtype=float))


def intervention_outcomes(scores: pd.Series, outcomes: pd.Series, value: pd.Series, cost: float,
                          save_rate: float, threshold: float) -> dict:
    """What contacting every renewal with a score at or above ``threshold`` gives.

    Parameters
    ----------
    scores : Series
        Churn probability per renewal.
    outcomes : Series
        True when the renewal was in fact cancelled (same labels as ``scores``).
    value : Series
        Value of keeping the renewal, USD (same labels).
    cost : float
        Cost of one contact, USD.
    save_rate : float
        Share of the contacted customers who would have cancelled and stay because of the contact.
    threshold : float
        Contact when score >= threshold.

    Returns
    -------
    dict
        ``threshold``; ``contacted`` (renewals); ``expected_saves`` (sum of score x save_rate
        over the contacted) and ``expected_net`` (sum of score x save_rate x value - cost, USD);
        ``saves`` (save_rate x cancellations among the contacted: what the back-test says)
        and ``net`` (save_rate x value of those cancellations - cost x contacted, USD).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.Series([0.5, 0.2, 0.1])
    >>> y = pd.Series([True, False, True])
    >>> v = pd.Series([100.0, 100.0, 300.0])
    >>> r = intervention_outcomes(p, y, v, cost=10, save_rate=0.5, threshold=0.2)
    >>> r["contacted"], r["expected_saves"], r["expected_net"], r["saves"], r["net"]
    (2, 0.35, 15.0, 0.5, 30.0)
    """
    p, y, v = _aligned(scores, outcomes, value)
    chosen = p >= float(threshold)
    n = int(chosen.sum())
    return {"threshold": float(threshold), "contacted": n,
            "expected_saves": float((p[chosen] * save_rate).sum()),
            "expected_net": float((p[chosen] * save_rate * v[chosen]).sum() - cost * n),
            "saves": float(save_rate * y[chosen].sum()),
            "net": float(save_rate * (y[chosen] * v[chosen]).sum() - cost * n)}


def intervention_summary(r: Mapping, name: str = "the intervention") -> str:
    """One plain sentence about an :func:`intervention_outcomes` result.

    Examples
    --------
    >>> intervention_summary({"threshold": 0.3, "contacted": 120, "expected_saves": 9.5, "expected_net": 410.0,
    ...                       "saves": 14.4, "net": 1200.0}, "retention_call")
    'retention_call to every renewal scored 0.30 or more: 120 contacted, 9.5 saves expected (net $410), 14.4 saves in the back-test (net $1,200).'
    """
    return (f"{name} to every renewal scored {r['threshold']:.2f} or more: {r['contacted']:,} contacted, "
            f"{r['expected_saves']:.1f} saves expected (net ${r['expected_net']:,.0f}), "
            f"{r['saves']:.1f} saves in the back-test (net ${r['net']:,.0f}).")


def _curve(scores, outcomes, value, cost, save_rate, grid) -> pd.DataFrame:
    """:func:`intervention_outcomes` at every threshold of ``grid`` (one pass over sorted scores)."""
    p, y, v = _aligned(scores, outcomes, value)
    order = np.argsort(-p, kind="stable")
    p, y, v = p[order], y[order], v[order]
    n = np.searchsorted(-p, -np.asarray(grid, dtype=float), side="right")  # scores >= threshold
    cum = {k: np.r_[0.0, np.cumsum(a)] for k, a in
           (("p", p * save_rate), ("pv", p * save_rate * v), ("y", y * save_rate), ("yv", y * save_rate * v))}
    return pd.DataFrame({"threshold": np.asarray(grid, dtype=float), "contacted": n,
                         "expected_saves": cum["p"][n], "expected_net": cum["pv"][n] - cost * n,
                         "saves": cum["y"][n], "net": cum["yv"][n] - cost * n})


def _figure(curve: pd.DataFrame, r: Mapping, rule: Mapping | None, name: str):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.plot(curve["threshold"], curve["expected_net"], color=PALETTE[0], label="expected net")
    ax.plot(curve["threshold"], curve["net"], color=PALETTE[1], linestyle="--", label="back-tested net")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.axvline(r["threshold"], color="black", linestyle="-.", label=f"slider: {r['threshold']:.2f}")
    text = ""
    if rule is not None:
        ax.axhline(rule["expected_net"], color=PALETTE[2], linestyle=":",
                   label=f"your expected-value rule: {rule['contacted']:,} contacted")
        text = (f" Your expected-value rule contacts {rule['contacted']:,} renewals for an expected net of "
                f"${rule['expected_net']:,.0f} (dotted line).")
    ax.legend(loc="best")
    finish(ax, f"Net value of {name} against one score threshold", "contact when the score is at least (probability)",
           "net value (USD)",
           "Line chart of the expected and back-tested net value as the threshold rises. "
           + intervention_summary(r, name) + text)
    return fig


class InterventionExplorer(_Explorer):
    """A threshold slider and an intervention menu, a one-line summary and a chart.

    Attributes
    ----------
    slider : FloatSlider
        The score threshold.
    menu : Dropdown
        The intervention.
    summary : HTML
    output : Output
    outcome : dict or None
        The :func:`intervention_outcomes` at the slider's threshold.
    rule : dict or None
        What the learner's decision function contacts, at its own thresholds.
    figure : matplotlib Figure or None
    widget : VBox
    """

    def __init__(self, scores, outcomes, value, interventions: pd.DataFrame, decide_fn: DecideFn, *,
                 start: float = 0.3):
        w = _ipywidgets()
        self.args = (scores, outcomes, value)
        self.interventions = interventions
        self.decide_fn = decide_fn
        self.grid = np.round(np.arange(0.0, 0.81, 0.02), 2)
        self.slider = w.FloatSlider(value=float(start), min=0.0, max=0.8, step=0.02, description="threshold",
                                    continuous_update=False, readout_format=".2f",
                                    style={"description_width": "90px"}, layout=w.Layout(width="520px"))
        self.menu = w.Dropdown(options=list(interventions.index), value=list(interventions.index)[0],
                               description="intervention", style={"description_width": "90px"})
        self.summary = w.HTML()
        self.output = w.Output()
        self.outcome = None
        self.rule = None
        intro = w.HTML("<b>Move the threshold</b> and pick an intervention: every renewal scored at or above "
                       "the threshold is contacted.")
        self.widget = w.VBox([intro, self.menu, self.slider, self.summary, self.output])
        self.widget.add_class("cxlabs-intervention-explorer")
        self.slider.observe(self._changed, names="value")
        self.menu.observe(self._changed, names="value")
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def update(self) -> None:
        scores, outcomes, value = self.args
        name = self.menu.value
        cost = float(self.interventions.loc[name, "cost"])
        rate = float(self.interventions.loc[name, "save_rate"])
        try:
            r = intervention_outcomes(scores, outcomes, value, cost, rate, self.slider.value)
            curve = _curve(scores, outcomes, value, cost, rate, self.grid)
            decided = self.decide_fn(scores, value, cost, rate)
            chosen = decided["contact"].reindex(scores.index).fillna(False).astype(bool)
            gain = decided["expected_gain"].reindex(scores.index)
            rule = {"contacted": int(chosen.sum()), "expected_net": float(gain[chosen].sum())}
        except Exception as exc:  # noqa: BLE001 - learner code: say what failed, keep the controls
            self.outcome = None
            self._fail(exc)
            return
        self.outcome, self.rule = r, rule
        self._show(intervention_summary(r, name), lambda: _figure(curve, r, rule, name))


def intervention_explorer(scores: pd.Series, outcomes: pd.Series, value: pd.Series, interventions: pd.DataFrame,
                          decide_fn: DecideFn, *, start: float = 0.3) -> InterventionExplorer | None:
    """A slider for lab 08's intervention threshold: contacted, saves and net value, expected and back-tested.

    Parameters
    ----------
    scores, outcomes, value
        As in :func:`intervention_outcomes`.
    interventions : DataFrame
        Indexed by intervention name, with ``cost`` and ``save_rate``.
    decide_fn : callable
        The learner's ``contact_decisions(scores, value, cost, save_rate)``; its choice is drawn for
        comparison.
    start : float
        Where the slider starts.

    Returns
    -------
    InterventionExplorer or None
        ``None``, with a note, when ``decide_fn`` is not written yet or fails, so *Run All* carries on.
    """
    first = interventions.iloc[0]
    if not _answered(lambda: decide_fn(scores, value, float(first["cost"]), float(first["save_rate"])),
                     "contact_decisions"):
        return None
    return InterventionExplorer(scores, outcomes, value, interventions, decide_fn, start=start)
