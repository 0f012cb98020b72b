"""cxlabs.widgets.rollback: the rollback-rule replay behind lab 15's explorer, and the explorer."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from cxlabs.plotting import figure_problems

matplotlib.use("Agg")

DAYS = pd.date_range("2025-01-01", periods=80, freq="D")


def toy_rules(values, center, sigma):
    """Rule 1: beyond 3 sigma; rule 4: the value is above center + 1 sigma (a stand-in pattern)."""
    z = (values - center) / sigma
    return pd.DataFrame({"rule1": z.abs() > 3, "rule2": False, "rule3": False, "rule4": z > 1}, index=values.index)


def world():
    base = np.tile([10.0, 12.0], 40)                 # mean 11, sd ~1.006
    a = base.copy()
    a[32:40] = 14.0                                  # change 1 (go-live day 28 = 2025-01-29): z ~ 3.0, rule 4 only
    a[41] = 20.0                                     # day 13 after go-live: beyond 3 sigma
    b = base.copy()                                  # change 2: nothing happens
    daily = pd.concat([pd.DataFrame({"date": DAYS, "kpi": "a", "value": a}),
                       pd.DataFrame({"date": DAYS, "kpi": "b", "value": b})], ignore_index=True)
    changes = pd.DataFrame({"change_id": [1, 2], "kpi": ["a", "b"],
                            "go_live_at": [pd.Timestamp("2025-01-29 15:00"), pd.Timestamp("2025-01-29 09:00")],
                            "rolled_back_on": [pd.Timestamp("2025-02-28"), pd.NaT]})
    return changes, daily


def test_rollback_replay_finds_the_first_alarm_in_the_window():
    from cxlabs.widgets.rollback import rollback_replay

    changes, daily = world()
    r = rollback_replay(changes, daily, toy_rules, ["rule1"], 14)
    assert r.loc[1, "alarm_day"] == 13 and r.loc[1, "roll_back"] and not r.loc[2, "roll_back"]
    assert r.loc[1, "by_hand"] and r.loc[1, "days_by_hand"] == 30 and np.isnan(r.loc[2, "days_by_hand"])
    assert rollback_replay(changes, daily, toy_rules, ["rule1"], 12).loc[1, "alarm_day"] != 13   # outside the window
    r4 = rollback_replay(changes, daily, toy_rules, ["rule1", "rule4"], 14)
    assert r4.loc[1, "alarm_day"] == 4                 # day 32 of the series is day 4 after go-live
    assert not rollback_replay(changes, daily, toy_rules, [], 14)["roll_back"].any()


def test_rollback_replay_bad_rules_get_plain_errors():
    from cxlabs.widgets.rollback import rollback_replay

    changes, daily = world()
    with pytest.raises(TypeError, match="function itself"):
        rollback_replay(changes, daily, toy_rules(daily["value"], 0, 1), ["rule1"])
    with pytest.raises(ValueError, match="unknown rules"):
        rollback_replay(changes, daily, toy_rules, ["rule9"])
    with pytest.raises(ValueError, match="rule1 to rule4"):
        rollback_replay(changes, daily, lambda v, c, s: pd.DataFrame({"x": v}), ["rule1"])
    with pytest.raises(ValueError, match="one row per value"):
        rollback_replay(changes, daily, lambda v, c, s: toy_rules(v, c, s).head(2), ["rule1"])


def test_rollback_summary_counts():
    from cxlabs.widgets.rollback import rollback_replay, rollback_summary

    changes, daily = world()
    text = rollback_summary(rollback_replay(changes, daily, toy_rules, ["rule1"], 14), ["rule1"], 14)
    assert text.startswith("Rule set {1} over 14 days: 1 of 2 changes rolled back; 1 of the 1 rolled back by hand")
    assert "median 13 days" in text and "by hand: 30 days" in text


def test_rollback_explorer_moves_with_its_controls():
    from cxlabs.widgets.rollback import rollback_explorer

    changes, daily = world()
    explorer = rollback_explorer(changes, daily, toy_rules, rule_set=("rule1",), window_days=14)
    assert explorer.replay.loc[1, "alarm_day"] == 13
    assert figure_problems(explorer.figure) == []
    first = explorer.figure
    explorer.boxes["rule4"].value = True
    assert explorer.replay.loc[1, "alarm_day"] == 4 and explorer.figure is not first
    explorer.slider.value = 3
    assert not explorer.replay.loc[1, "roll_back"] and "over 3 days" in explorer.summary.value
    explorer.reset.click()
    assert explorer.rule_set == ["rule1"] and explorer.slider.value == 14
    assert "application/vnd.jupyter.widget-view+json" in explorer._repr_mimebundle_()


def test_rollback_explorer_waits_for_an_unanswered_exercise(capsys):
    from cxlabs.widgets.rollback import rollback_explorer

    changes, daily = world()

    def blank(*args, **kwargs):
        raise NotImplementedError()

    assert rollback_explorer(changes, daily, blank) is None
    assert "Not answered yet" in capsys.readouterr().out
    assert rollback_explorer(changes, daily, lambda *a: 1 / 0) is None
    assert "ZeroDivisionError" in capsys.readouterr().out
