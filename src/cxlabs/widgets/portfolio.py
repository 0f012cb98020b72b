"""Lab 16: the risk-limit explorer and the pure function behind it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from cxlabs.widgets.explorer import _answered, _Explorer, _ipywidgets

PortfolioFn = Callable[[pd.DataFrame, Mapping], list]
NEEDED = ("initiative_id", "category", "kind", "cost_kusd", "expected_benefit_kusd", "risk_points")


def risk_frontier(portfolio_fn: PortfolioFn, initiatives: pd.DataFrame, rules: Mapping,
                  limits: Sequence[float]) -> pd.DataFrame:
    """What each risk limit buys: the portfolio ``portfolio_fn`` picks and its benefit.

    Calls ``portfolio_fn(initiatives, rules)`` (in the lab: the learner's ``best_portfolio``)
    once per limit, with ``rules["risk_limit_points"]`` set to that limit.

    Parameters
    ----------
    portfolio_fn : callable
        Returns the chosen initiative ids (a list).
    initiatives : DataFrame
        ``initiative_id``, ``category``, ``kind``, ``cost_kusd``, ``expected_benefit_kusd``,
        ``risk_points``.
    rules : mapping
        The budget's rules (``budget_kusd``, ``risk_limit_points``, ...), passed on unchanged
        except for the risk limit.
    limits : sequence of float
        The risk limits to try.

    Returns
    -------
    DataFrame
        Indexed by ``risk_limit``: ``benefit_kusd``, ``cost_kusd``, ``risk_points`` (used),
        ``prevention_share`` (of the money spent; NaN for an empty portfolio), ``disruptive``
        (count) and ``chosen`` (the ids, comma-separated).

    Examples
    --------
    >>> import pandas as pd
    >>> ini = pd.DataFrame({"initiative_id": [1, 2], "category": ["prevention", "recovery"],
    ...                     "kind": ["incremental", "disruptive"], "cost_kusd": [10, 10],
    ...                     "expected_benefit_kusd": [20, 50], "risk_points": [2, 6]})
    >>> def pick(ini, rules):  # everything that fits the risk limit, riskiest last
    ...     out, risk = [], 0
    ...     for _, r in ini.sort_values("risk_points").iterrows():
    ...         if risk + r["risk_points"] <= rules["risk_limit_points"]:
    ...             out.append(int(r["initiative_id"]))
    ...             risk += r["risk_points"]
    ...     return out
    >>> risk_frontier(pick, ini, {"risk_limit_points": 0}, [2, 8])["benefit_kusd"].tolist()
    [20, 70]
    """
    if not callable(portfolio_fn):
        raise TypeError("portfolio_fn should be a function: pass the function itself, not its result")
    missing = [c for c in NEEDED if c not in initiatives.columns]
    if missing:
        raise ValueError(f"initiatives is missing column(s) {missing}")
    frame = initiatives.set_index("initiative_id")
    rows = []
    for limit in limits:
        chosen = [int(i) for i in portfolio_fn(initiatives, {**dict(rules), "risk_limit_points": limit})]
        part = frame.loc[chosen]
        spend = int(part["cost_kusd"].sum())
        prevention = part.loc[part["category"] == "prevention", "cost_kusd"].sum()
        rows.append({"risk_limit": limit, "benefit_kusd": int(part["expected_benefit_kusd"].sum()),
                     "cost_kusd": spend, "risk_points": int(part["risk_points"].sum()),
                     "prevention_share": prevention / spend if spend else np.nan,
                     "disruptive": int((part["kind"] == "disruptive").sum()),
                     "chosen": ", ".join(str(i) for i in sorted(chosen))})
    return pd.DataFrame(rows).set_index("risk_limit")


def portfolio_summary(limit: float, row: Mapping) -> str:
    """One line on the portfolio at ``limit``.

    >>> portfolio_summary(18, {"benefit_kusd": 2393, "cost_kusd": 795, "risk_points": 17,
    ...                        "prevention_share": 0.44, "disruptive": 2, "chosen": "2, 4, 8, 11"})
    'Risk limit 18: initiatives 2, 4, 8, 11; benefit 2,393 kUSD for 795 kUSD, risk 17 points, 44% of the money on prevention, 2 disruptive.'
    """
    if not row["chosen"]:
        return f"Risk limit {limit:g}: nothing fits."
    return (f"Risk limit {limit:g}: initiatives {row['chosen']}; benefit {row['benefit_kusd']:,} kUSD for "
            f"{row['cost_kusd']:,} kUSD, risk {row['risk_points']} points, {row['prevention_share']:.0%} of the "
            f"money on prevention, {row['disruptive']} disruptive.")


def _portfolio_figure(table: pd.DataFrame, limit: float, row: Mapping):
    from matplotlib.figure import Figure

    from cxlabs.plotting import PALETTE, finish

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.step(table.index, table["benefit_kusd"], where="post", color=PALETTE[0], marker="o",
            label="best benefit at the limit")
    ax.plot(table.index, table["cost_kusd"], color=PALETTE[1], linestyle="--", marker="s", label="money spent")
    ax.axvline(limit, color="black", linestyle=":", label=f"you: {limit:g}")
    ax.legend(loc="upper left")
    finish(ax, "What the risk limit buys", "risk limit (points)", "thousand USD",
           "Step chart of the best portfolio's expected benefit and its cost against the risk limit. "
           + portfolio_summary(limit, row))
    return fig


class PortfolioExplorer(_Explorer):
    """A risk-limit slider, a one-line summary and a chart; see :func:`portfolio_explorer`.

    Attributes
    ----------
    slider : IntSlider
        The risk limit (points).
    table : DataFrame
        :func:`risk_frontier` on about ten limits from 0 to the sum of all risk points.
    summary, output, widget
        The summary line, the chart and what the notebook displays.
    """

    def __init__(self, portfolio_fn, initiatives, rules, *, start):
        w = _ipywidgets()
        self.args = (portfolio_fn, initiatives, dict(rules))
        top = int(initiatives["risk_points"].sum())
        step = max(1, round(top / 10))  # about ten integer programmes for the chart
        self.table = risk_frontier(portfolio_fn, initiatives, rules, sorted({*range(0, top + 1, step), top}))
        self.slider = w.IntSlider(value=int(min(start, top)), min=0, max=top, step=1, description="risk limit",
                                  continuous_update=False, style={"description_width": "90px"},
                                  layout=w.Layout(width="520px"))
        self.summary = w.HTML()
        self.output = w.Output()
        intro = w.HTML("<b>Move the risk limit</b>: the most risk points the portfolio may carry. "
                       "Portfolios come from your <code>best_portfolio</code>.")
        self.widget = w.VBox([intro, self.slider, self.summary, self.output])
        self.widget.add_class("cxlabs-portfolio-explorer")
        self.slider.observe(self._changed, names="value")
        self.update()

    def _changed(self, _change=None) -> None:
        self.update()

    def update(self) -> None:
        portfolio_fn, initiatives, rules = self.args
        limit = int(self.slider.value)
        try:
            row = risk_frontier(portfolio_fn, initiatives, rules, [limit]).iloc[0]
        except Exception as exc:  # noqa: BLE001 - learner code: say what failed, keep the slider
            self._fail(exc)
            return
        self._show(portfolio_summary(limit, row), lambda: _portfolio_figure(self.table, limit, row))


def portfolio_explorer(portfolio_fn: PortfolioFn, initiatives: pd.DataFrame, rules: Mapping, *,
                       start: float | None = None) -> PortfolioExplorer | None:
    """A slider for lab 16's risk limit: the portfolio and the benefit it buys.

    Starts at ``start`` (default: the rules' own risk limit). Returns None, with a note, when
    ``portfolio_fn`` is not written yet or fails, so *Run All* carries on.
    """
    if not _answered(lambda: portfolio_fn(initiatives, rules), "best_portfolio"):
        return None
    return PortfolioExplorer(portfolio_fn, initiatives, rules,
                             start=rules["risk_limit_points"] if start is None else start)
