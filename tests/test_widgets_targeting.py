"""cxlabs.widgets.targeting: lab 10's targeting-depth explorer and the pure function behind it."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from cxlabs.plotting import figure_problems
from cxlabs.widgets.targeting import depth_curve, depth_summary, targeting_explorer

matplotlib.use("Agg")

# Eight customers: the top four hold every treated converter.
SCORED = pd.DataFrame({"customer_id": range(1, 9),
                       "group": ["treatment", "control"] * 4,
                       "converted_30d": [True, False, True, False, False, True, False, True],
                       "uplift": [0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]})
ECON = {"margin_offer": 30.0, "margin_list": 50.0, "cost_per_contact": 1.0, "fixed_cost": 10.0}


def net(scored, k, margin_offer, margin_list, cost_per_contact, fixed_cost):
    """A reference net_margin_at_depth, written for the test (loops)."""
    top = sorted(scored.itertuples(index=False), key=lambda r: (-r.uplift, r.customer_id))[:k]
    t = [r.converted_30d for r in top if r.group == "treatment"]
    c = [r.converted_30d for r in top if r.group == "control"]
    rt, rc = (np.mean(t) if t else np.nan), (np.mean(c) if c else np.nan)
    inc = k * (rt * margin_offer - rc * margin_list)
    return pd.Series({"contacts": k, "rate_treated": rt, "rate_control": rc, "incremental_conversions": k * (rt - rc),
                      "incremental_margin": inc, "net_margin": inc - k * cost_per_contact - fixed_cost})


def test_without_suppression_the_curve_is_the_learners_net_margin():
    curve = depth_curve(SCORED, net, [2, 4, 8], **ECON)
    for k in (2, 4, 8):
        assert np.isclose(curve.loc[k, "net_margin"], net(SCORED, k, *ECON.values())["net_margin"])
        assert curve.loc[k, "contacts_sent"] == k
    # top 2: treated 1 of 1, control 0 of 1: 2 * 30 - 2 - 10 = 48; top 4: 4 * (1 * 30 - 0) - 4 - 10 = 106
    assert curve["net_margin"].tolist()[:2] == [48.0, 106.0]
    # everyone: treated 2 of 4, control 2 of 4: 8 * (15 - 25) - 8 - 10 = -98
    assert np.isclose(curve.loc[8, "net_margin"], -98.0)
    assert curve["share"].tolist() == [0.25, 0.5, 1.0]


def test_suppression_scales_what_is_sent_and_keeps_the_fixed_cost():
    half = depth_curve(SCORED, net, [4], suppressed_share=0.5, **ECON)
    # (120 - 4) * 0.5 - 10
    assert np.isclose(half.loc[4, "net_margin"], 48.0)
    assert half.loc[4, "contacts_sent"] == 2.0
    everything = depth_curve(SCORED, net, [4], suppressed_share=1.0, **ECON)
    assert np.isclose(everything.loc[4, "net_margin"], -10.0)


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(TypeError, match="function itself"):
        depth_curve(SCORED, net(SCORED, 2, *ECON.values()), [2], **ECON)
    with pytest.raises(ValueError, match="between 0 and 1"):
        depth_curve(SCORED, net, [2], suppressed_share=1.5, **ECON)
    with pytest.raises(ValueError, match="outside"):
        depth_curve(SCORED, net, [0], **ECON)
    with pytest.raises(TypeError, match="should return a Series"):
        depth_curve(SCORED, lambda *a: 3.0, [2], **ECON)


def test_summary_names_the_depth_the_best_depth_and_everyone():
    curve = depth_curve(SCORED, net, [2, 4, 8], **ECON)
    text = depth_summary(curve, 4, 0.0)
    assert text.startswith("Top 4 of 8 customers (50%)")
    assert "best depth on the curve is the top 4 (106 USD)" in text and "everyone: -98 USD" in text
    assert "suppressed" in depth_summary(depth_curve(SCORED, net, [2, 4, 8], suppressed_share=0.2, **ECON), 4, 0.2)


def test_explorer_draws_a_readable_figure_and_follows_the_sliders():
    pytest.importorskip("ipywidgets")
    explorer = targeting_explorer(SCORED, net, suppressed_share=0.0, **ECON)
    assert explorer is not None and explorer.curve is not None
    assert figure_problems(explorer.figure) == []
    explorer.depth.value = 50
    assert explorer.k() == 4 and "Top 4 of 8" in explorer.summary.value
    explorer.suppressed.value = 0.5
    assert np.isclose(explorer.curve.loc[4, "net_margin"], 48.0)


def test_explorer_waits_for_an_answer(capsys):
    pytest.importorskip("ipywidgets")

    def blank(*args):
        raise NotImplementedError()

    assert targeting_explorer(SCORED, blank, **ECON) is None
    assert "Not answered yet" in capsys.readouterr().out
