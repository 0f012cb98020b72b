"""cxlabs.widgets.gates: the stock-gate trade-off behind lab 05's explorer, and the explorer."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from cxlabs.plotting import figure_problems

matplotlib.use("Agg")

TRIGGERS = pd.DataFrame({"level": [-1, 0, 0, 1, 2, 5, 8]}, index=pd.Index([11, 12, 13, 14, 15, 16, 17], name="event_id"))


def toy_replay(triggers, stock, capacity, promise, min_units=None, capacity_channel=None):
    """Suppress below the gate; a sent contact breaks its promise when its level is below 2."""
    level = triggers["level"]
    suppressed = level < min_units if min_units is not None else level < -99
    return pd.DataFrame({"outcome": suppressed.map({True: "suppressed_stock", False: "sent"}),
                         "broken": ~suppressed & (level < 2)})


def test_gate_tradeoff_counts_sent_suppressed_and_broken():
    from cxlabs.widgets.gates import gate_tradeoff

    got = gate_tradeoff(TRIGGERS, None, None, toy_replay, [None, 0, 1, 2, 3])
    assert list(got["gate"].astype(object).where(got["gate"].notna(), None)) == [None, 0, 1, 2, 3]
    assert list(got["sent"]) == [7, 6, 4, 3, 2]
    assert list(got["suppressed"]) == [0, 1, 3, 4, 5]
    assert list(got["broken"]) == [4, 3, 1, 0, 0]
    assert got["broken_per_1000_sent"].iloc[0] == pytest.approx(1000 * 4 / 7)


def test_gate_tradeoff_with_nothing_sent_has_no_rate():
    from cxlabs.widgets.gates import gate_tradeoff

    got = gate_tradeoff(TRIGGERS, None, None, toy_replay, [99])
    assert got["sent"].iloc[0] == 0 and got["broken_per_1000_sent"].isna().all()


def test_gate_tradeoff_bad_replay_gets_plain_errors():
    from cxlabs.widgets.gates import gate_tradeoff

    with pytest.raises(TypeError, match="replay function itself"):
        gate_tradeoff(TRIGGERS, None, None, toy_replay(TRIGGERS, None, None, "stock"), [1])
    with pytest.raises(ValueError, match="'outcome' and 'broken'"):
        gate_tradeoff(TRIGGERS, None, None, lambda *a: pd.DataFrame({"x": [1]}), [1])
    with pytest.raises(ValueError, match="one row per trigger"):
        gate_tradeoff(TRIGGERS, None, None, lambda *a: toy_replay(*a).head(2), [1])


def test_gate_explorer_moves_with_its_slider():
    from cxlabs.widgets.gates import gate_explorer

    explorer = gate_explorer(TRIGGERS, None, None, toy_replay, start=1, top=4)
    assert explorer.row["broken"] == 1 and explorer.baseline["broken"] == 4
    assert "Stock gate of 1 units" in explorer.summary.value and "3 fewer broken promises" in explorer.summary.value
    assert figure_problems(explorer.figure) == []
    first = explorer.figure
    explorer.slider.value = 3
    assert explorer.row["suppressed"] == 5 and explorer.figure is not first
    assert "Stock gate of 3 units" in explorer.figure.cxlabs_description
    explorer.reset.click()
    assert explorer.slider.value == 1 and explorer.row["broken"] == 1
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_gate_explorer_waits_for_an_unanswered_exercise(capsys):
    from cxlabs.widgets.gates import gate_explorer

    def blank(*args, **kwargs):
        raise NotImplementedError()

    assert gate_explorer(TRIGGERS, None, None, blank) is None
    assert "Not answered yet" in capsys.readouterr().out
    assert gate_explorer(TRIGGERS, None, None, lambda *a: 1 / 0) is None
    assert "ZeroDivisionError" in capsys.readouterr().out
