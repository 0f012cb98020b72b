"""Interactive controls for the labs' trade-offs: move a parameter, see the consequence.

Each control is a thin ipywidgets layer over a pure, unit-tested function, so what the
learner sees when a slider moves is exactly what the function returns. The controls take
the learner's own exercise function as an argument: they never contain an exercise's answer.

Lab 01 (weighted capability maturity)::

    from cxlabs.widgets import maturity_explorer
    maturity_explorer(assessments, maturity_scores, WEIGHTS)   # sliders, ranking, chart

:func:`weighted_ranking` is the function behind it.

Lab 02 (the match-weight threshold)::

    from cxlabs.widgets import threshold_explorer
    threshold_explorer(comparisons, weights, cluster, keys["record_id"], review, start=13.0)

:func:`threshold_consequences` is the function behind it.

One module per control: :mod:`.explorer` holds what every control shares, :mod:`.maturity`
lab 01's, :mod:`.threshold` lab 02's. A new lab adds its own module here and imports from it
(``from cxlabs.widgets.<topic> import ...``).
"""

from cxlabs.widgets.maturity import (
    LEVELS,
    MaturityExplorer,
    ScoreFn,
    maturity_explorer,
    ranking_summary,
    weighted_ranking,
)
from cxlabs.widgets.threshold import (
    ClusterFn,
    ThresholdExplorer,
    threshold_consequences,
    threshold_explorer,
    threshold_summary,
)

__all__ = ["weighted_ranking", "ranking_summary", "maturity_explorer", "MaturityExplorer",
           "threshold_consequences", "threshold_summary", "threshold_explorer", "ThresholdExplorer",
           "LEVELS", "ScoreFn", "ClusterFn"]
