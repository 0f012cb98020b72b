"""Lab 11: how many looks at a running test, and the false-positive rate they cost.

The explorer runs the learner's own simulation (``peeking_error(looks, alpha, simulations,
seed)``) for 1, 2, ... looks and sets it beside the exact figures Armitage, McPherson and Rowe
published for equally spaced looks at alpha = 0.05. The pure function behind it is
:func:`looks_cost`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _answered, _Explorer, _ipywidgets

#: Overall false-positive rate of "stop at the first look with p < 0.05", two-sided, for K equally
#: spaced looks: Armitage, McPherson & Rowe (1969), JRSS A 132(2) (K = 1 is the nominal level).
PUBLISHED = {1: 0.05, 2: 0.083, 3: 0.107, 4: 0.126, 5: 0.142, 10: 0.193}
PUBLISHED_ALPHA = 0.05

SimulateFn = Callable[[int, float, int, int], float]


def looks_cost(simulate: SimulateFn, max_looks: int, alpha: float = 0.05, *,
               simulations: int = 5000, seed: int = 2025) -> pd.DataFrame:
    """The false-positive rate that 1, 2, ..., ``max_looks`` looks cost, by ``simulate``.

    Parameters
    ----------
    simulate : callable
        ``simulate(looks, alpha, simulations, seed)`` returns the share of A/A tests declared
        significant at one look or more (in the lab: the learner's ``peeking_error``).
    max_looks : int
        The most looks to try (1 to 50).
    alpha : float
        Nominal two-sided level of each look (between 0 and 0.5).
    simulations : int
        A/A tests per number of looks.
    seed : int
        Passed to ``simulate``, the same for every number of looks.

    Returns
    -------
    DataFrame
        Indexed by ``looks`` (1 to ``max_looks``): ``simulated`` (the rate), ``times_nominal``
        (simulated / alpha), and ``published`` (Armitage et al.'s exact figure where one is
        published for this alpha, else missing).

    Examples
    --------
    >>> def never_peek(looks, alpha, simulations, seed):  # a stand-in: the rate of a single look
    ...     return alpha
    >>> looks_cost(never_peek, 3)["times_nominal"].tolist()
    [1.0, 1.0, 1.0]
    >>> looks_cost(never_peek, 3)["published"].tolist()
    [0.05, 0.083, 0.107]
    """
    if not callable(simulate):
        raise TypeError("simulate should be the simulation function itself, e.g. peeking_error, "
                        "not the result of calling it.")
    if isinstance(max_looks, bool) or not isinstance(max_looks, (int, np.integer)) or not 1 <= max_looks <= 50:
        raise ValueError(f"max_looks should be a whole number from 1 to 50, got {max_looks!r}.")
    if not 0 < float(alpha) < 0.5:
        raise ValueError(f"alpha should be between 0 and 0.5, got {alpha!r}.")
    rows = []
    for k in range(1, int(max_looks) + 1):
        rate = simulate(k, float(alpha), int(simulations), int(seed))
        try:
            rate = float(rate)
        except (TypeError, ValueError):
            raise TypeError(f"the simulation should return a share (a number); for {k} looks it "
                            f"returned {type(rate).__name__}.") from None
        if not 0 <= rate <= 1:
            raise ValueError(f"the simulation should return a share between 0 and 1; for {k} looks "
                             f"it returned {rate!r}.")
        published = PUBLISHED.get(k, np.nan) if np.isclose(alpha, PUBLISHED_ALPHA) else np.nan
        rows.append((k, rate, rate / float(alpha), published))
    return pd.DataFrame(rows, columns=["looks", "simulated", "times_nominal", "published"]).set_index("looks")


def looks_summary(cost: pd.DataFrame, alpha: float) -> str:
    """One plain sentence about a :func:`looks_cost` table.

    Examples
    --------
    >>> cost = pd.DataFrame({"simulated": [0.05, 0.14], "times_nominal": [1.0, 2.8],
    ...                      "published": [0.05, 0.083]}, index=pd.Index([1, 2], name="looks"))
    >>> looks_summary(cost, 0.05)
    'With 2 looks at alpha = 0.05, 14.0% of tests with no true effect are declared significant: 2.8 times the 5.0% you meant.'
    """
    k = int(cost.index[-1])
    last = cost.iloc[-1]
    return (f"With {k} look{'s' if k != 1 else ''} at alpha = {alpha:g}, {last['simulated']:.1%} of tests with "
            f"no true effect are declared significant: {last['times_nominal']:.1f} times the {alpha:.1%} you meant.")


def _looks_figure(cost: pd.DataFrame, alpha: float):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.plot(cost.index, cost["simulated"] * 100, "o-", color=PALETTE[0], label="your simulation")
    published = cost["published"].dropna()
    if len(published):
        ax.plot(published.index, published * 100, "x", color=PALETTE[3], markersize=10, mew=2,
                label="Armitage et al. 1969 (exact)")
    ax.axhline(alpha * 100, color="black", linestyle="--", linewidth=1, label="nominal level")
    ax.set_ylim(bottom=0)
    ax.legend()
    finish(ax, "Every look at a running test is another chance of a false alarm",
           "looks at the data (count)", "A/A tests declared significant (%)",
           f"Share of tests with no true effect declared significant at one of 1 to {len(cost)} looks at "
           f"alpha {alpha:g}: from {cost['simulated'].iloc[0]:.1%} with one look to "
           f"{cost['simulated'].iloc[-1]:.1%} with {len(cost)}.")
    return fig


class PeekingExplorer(_Explorer):
    """Sliders for the number of looks and alpha; see :func:`peeking_explorer`."""

    def __init__(self, simulate, *, max_looks=8, alpha=0.05, simulations=3000):
        w = _ipywidgets()
        self.simulate, self.simulations = simulate, int(simulations)
        self.looks = w.IntSlider(value=int(max_looks), min=1, max=20, description="looks",
                                 continuous_update=False)
        self.alpha = w.Dropdown(options=[0.01, 0.05, 0.10], value=alpha, description="alpha")
        self.summary = w.HTML()
        self.output = w.Output()
        self.cost = None
        intro = w.HTML("<b>How many looks can the dashboard afford?</b> Each point runs your "
                       f"peeking_error with {self.simulations:,} simulated A/A tests.")
        self.widget = w.VBox([intro, self.looks, self.alpha, self.summary, self.output])
        self.widget.add_class("cxlabs-peeking-explorer")
        self.looks.observe(self._changed, names="value")
        self.alpha.observe(self._changed, names="value")
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def update(self) -> None:
        """Rerun the simulation for 1 to the slider's looks and redraw."""
        alpha = float(self.alpha.value)
        try:
            self.cost = looks_cost(self.simulate, int(self.looks.value), alpha, simulations=self.simulations)
        except Exception as exc:  # noqa: BLE001 - learner code: say what went wrong, keep the sliders
            self.cost = None
            self._fail(exc)
            return
        self._show(looks_summary(self.cost, alpha), lambda: _looks_figure(self.cost, alpha))


def peeking_explorer(simulate: SimulateFn, *, max_looks: int = 8, alpha: float = 0.05,
                     simulations: int = 3000) -> PeekingExplorer | None:
    """Sliders for lab 11's peeking question: the false-positive rate 1 to K looks cost.

    Returns None, with a note, when ``simulate`` is not written yet or fails, so *Run All*
    carries on.
    """
    if not _answered(lambda: looks_cost(simulate, 1, alpha, simulations=100), "peeking_error"):
        return None
    return PeekingExplorer(simulate, max_looks=max_looks, alpha=alpha, simulations=simulations)
