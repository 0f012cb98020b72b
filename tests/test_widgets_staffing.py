"""cxlabs.widgets.staffing: the staffing what-if of lab 06 and the pure functions behind it."""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest
from test_checks_lab06 import good_erlang_c

from cxlabs.plotting import figure_problems
from cxlabs.widgets.staffing import (
    fewest_meeting,
    staffing_curve,
    staffing_explorer,
    staffing_summary,
)

matplotlib.use("Agg")


def test_curve_is_what_the_learners_function_says():
    curve = staffing_curve(good_erlang_c, 100, 180, 20, range(12, 16))
    assert curve.index.tolist() == [12, 13, 14, 15] and curve.index.name == "agents"
    assert [round(v, 4) for v in curve["service_level"]] == [0.6402, 0.7956, 0.8884, 0.9415]
    assert fewest_meeting(curve, 0.8) == 14
    assert fewest_meeting(curve, 0.99) is None
    seen = []

    def spy(calls, aht, agents, target, interval):
        seen.append((calls, aht, agents, target, interval))
        return good_erlang_c(calls, aht, agents, target, interval)

    staffing_curve(spy, 50, 300, 30, [9, 10], interval_seconds=3600)
    assert seen == [(50.0, 300.0, 9, 30.0, 3600.0), (50.0, 300.0, 10, 30.0, 3600.0)]


def test_overloaded_agents_show_an_endless_queue():
    curve = staffing_curve(good_erlang_c, 100, 180, 20, [9, 10, 11])
    assert curve.loc[10, "service_level"] == 0.0 and math.isinf(curve.loc[9, "asa_seconds"])
    text = staffing_summary(curve, 10, 0.8, 20)
    assert "without end" in text and "No number of agents shown meets the target" in text


def test_summary_names_the_agents_the_target_needs():
    curve = staffing_curve(good_erlang_c, 100, 180, 20, range(10, 20))
    assert staffing_summary(curve, 13, 0.8, 20).endswith("The target needs 14 agents.")
    assert "fewest agents that meets the target" in staffing_summary(curve, 14, 0.8, 20)


@pytest.mark.parametrize(("args", "message"), [
    ((good_erlang_c(100, 180, 14, 20), 100, 180, 20, [14]), "the function itself"),
    ((good_erlang_c, -1, 180, 20, [14]), "calls should be at least 0"),
    ((good_erlang_c, 100, 0, 20, [14]), "aht_seconds should be at least"),
    ((good_erlang_c, 100, 180, 20, [0]), "agents should be at least 1"),
    ((good_erlang_c, 100, 180, 20, [14.5]), "whole number"),
    ((good_erlang_c, 100, 180, 20, []), "at least one"),
    ((lambda *a: [1, 2], 100, 180, 20, [14]), "should return a dict"),
    ((lambda *a: {"load": 1.0}, 100, 180, 20, [14]), "missing"),
])
def test_bad_input_gets_plain_errors(args, message):
    with pytest.raises((TypeError, ValueError), match=message):
        staffing_curve(*args)


def test_explorer_moves_with_its_sliders():
    explorer = staffing_explorer(good_erlang_c)
    assert set(explorer.sliders) == {"calls", "aht_seconds", "agents", "target_seconds", "target_share"}
    assert "With 14 agents" in explorer.summary.value and "88.8%" in explorer.summary.value
    assert figure_problems(explorer.figure) == []
    first = explorer.figure
    explorer.sliders["agents"].value = 13
    assert "79.6%" in explorer.summary.value and "needs 14 agents" in explorer.summary.value
    assert explorer.figure is not first and "13 agents" in explorer.figure.cxlabs_description
    explorer.sliders["aht_seconds"].value = 150  # shorter calls: 13 agents are enough
    assert "fewest agents that meets" in explorer.summary.value or "needs 12" in explorer.summary.value
    explorer.sliders["calls"].value = 400  # far more than 13 agents can take
    assert explorer.curve.loc[13, "service_level"] == 0.0 and "without end" in explorer.summary.value
    explorer.reset.click()
    assert explorer.values() == {"calls": 100, "aht_seconds": 180, "agents": 14, "target_seconds": 20,
                                 "target_share": 0.8}
    assert isinstance(explorer.curve, pd.DataFrame)
    bundle = explorer._repr_mimebundle_()
    assert bundle


def test_explorer_waits_for_an_unanswered_exercise(capsys, monkeypatch, tmp_path):
    # no given results here (with them, the explorer moves over the course's given results
    # instead: tests/test_given.py), and these made-up records are not the company's anyway
    monkeypatch.setenv("CXLABS_GIVEN_DIR", str(tmp_path))

    def blank(*args):
        raise NotImplementedError()

    assert staffing_explorer(blank) is None
    assert "not answered yet" in capsys.readouterr().out.lower()
    assert staffing_explorer(lambda *a: 1 / 0) is None
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_explorer_shows_a_failing_function_in_words():
    calls = []

    def fails_later(c, aht, agents, target, interval=1800):
        calls.append(agents)
        if len(calls) > 1:
            raise ValueError("boom")
        return good_erlang_c(c, aht, agents, target, interval)

    explorer = staffing_explorer(fails_later)
    assert explorer.curve is None and "boom" in explorer.summary.value
