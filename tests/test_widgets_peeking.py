"""Lab 11's peeking explorer: the pure function behind it, and the control."""

from __future__ import annotations

import numpy as np
import pytest

from cxlabs.plotting import figure_problems
from cxlabs.widgets.peeking import PUBLISHED, looks_cost, looks_summary, peeking_explorer


def simulate(looks, alpha, simulations, seed):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((simulations, looks)).cumsum(axis=1) / np.sqrt(np.arange(1, looks + 1))
    from scipy import stats

    return float((np.abs(z) > stats.norm.isf(alpha / 2)).any(axis=1).mean())


def test_looks_cost_runs_the_given_simulation_for_every_number_of_looks():
    calls = []

    def record(looks, alpha, simulations, seed):
        calls.append((looks, alpha, simulations, seed))
        return 0.01 * looks

    cost = looks_cost(record, 4, 0.10, simulations=300, seed=9)
    assert calls == [(k, 0.10, 300, 9) for k in range(1, 5)]
    assert cost.index.tolist() == [1, 2, 3, 4] and cost.index.name == "looks"
    assert cost["simulated"].tolist() == pytest.approx([0.01, 0.02, 0.03, 0.04])
    assert cost["times_nominal"].tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert cost["published"].isna().all(), "Armitage's figures are for alpha 0.05 only"


def test_published_figures_are_shown_at_005_and_a_real_simulation_agrees():
    cost = looks_cost(simulate, 5, 0.05, simulations=20_000)
    assert cost["published"].dropna().to_dict() == {k: v for k, v in PUBLISHED.items() if k <= 5}
    assert np.allclose(cost["simulated"], cost["published"], atol=0.012)
    assert cost["simulated"].is_monotonic_increasing


def test_summary_says_how_many_times_the_nominal_level():
    cost = looks_cost(lambda k, a, n, s: 0.05 * (1 + 0.4 * (k - 1)), 6)
    assert looks_summary(cost, 0.05) == ("With 6 looks at alpha = 0.05, 15.0% of tests with no true effect "
                                         "are declared significant: 3.0 times the 5.0% you meant.")
    one = looks_cost(lambda k, a, n, s: a, 1)
    assert looks_summary(one, 0.05).startswith("With 1 look at")


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"simulate": 0.1, "max_looks": 3}, TypeError, "function itself"),
    ({"simulate": simulate, "max_looks": 0}, ValueError, "from 1 to 50"),
    ({"simulate": simulate, "max_looks": 2.5}, ValueError, "whole number"),
    ({"simulate": simulate, "max_looks": 3, "alpha": 0.7}, ValueError, "between 0 and 0.5"),
    ({"simulate": lambda *a: "high", "max_looks": 2}, TypeError, "a number"),
    ({"simulate": lambda *a: 14.2, "max_looks": 2}, ValueError, "between 0 and 1"),
])
def test_bad_input_gets_plain_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        looks_cost(**kwargs)


def test_explorer_moves_with_its_sliders():
    explorer = peeking_explorer(simulate, max_looks=3, simulations=2000)
    assert explorer.cost.index.tolist() == [1, 2, 3]
    assert "With 3 looks" in explorer.summary.value
    assert figure_problems(explorer.figure) == []
    first = explorer.figure
    explorer.looks.value = 6
    assert explorer.cost.index.tolist() == list(range(1, 7)) and explorer.figure is not first
    explorer.alpha.value = 0.01
    assert explorer.cost["published"].isna().all() and "alpha = 0.01" in explorer.summary.value
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_explorer_waits_for_an_unanswered_exercise_and_survives_a_broken_one(capsys):
    def blank(*args):
        raise NotImplementedError()

    assert peeking_explorer(blank) is None
    assert "Not answered yet" in capsys.readouterr().out
    assert peeking_explorer(lambda *a: 1 / 0) is None
    assert "ZeroDivisionError" in capsys.readouterr().out
    flaky = peeking_explorer(lambda k, a, n, s: 0.05 if k < 4 else "?", max_looks=2, simulations=10)
    flaky.looks.value = 5
    assert flaky.cost is None and "a number" in flaky.summary.value
