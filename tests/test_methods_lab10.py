"""Lab 10's method references against the published test vectors (reference/methods-labs-05-15.md).

The Qini curve (Radcliffe 2007): y = [1,0,1,0,0,1,0,0], T = [1,1,1,0,0,0,1,0], scores falling,
gives Q(k) for k = 0..8 = [0, 1, 1, 2, 2, 2, 1, 0.6667, 1]; the three wrong answers the notes
list (no rescaling of the control, ascending order, the whole sample's control rate) do not.
The grader's references, the checks' worked answer and the solution's function must all agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, grading_module

from cxlabs.checks import lab10 as checks

Y = [1, 0, 1, 0, 0, 1, 0, 0]
T = [1, 1, 1, 0, 0, 0, 1, 0]
PUBLISHED = [0, 1, 1, 2, 2, 2, 1, 0.6667, 1]


def vector(order=slice(None)) -> pd.DataFrame:
    frame = pd.DataFrame({"customer_id": range(1, 9), "group": ["treatment" if t else "control" for t in T],
                          "converted_30d": [bool(y) for y in Y], "uplift": np.linspace(0.9, 0.2, 8)})
    return frame.iloc[order].reset_index(drop=True)


@pytest.fixture(scope="module")
def grader():
    return grading_module().grader_module("lab10")


@pytest.fixture(scope="module")
def solution():
    import nbformat

    nb = nbformat.read(REPO / "solutions" / "lab10" / "lab10_personalisation.ipynb", as_version=4)
    namespace = {"pd": pd, "np": np, "RULE_ORDER": ["stock", "hold", "region", "consent", "cap"]}
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "").endswith("_answer"):
            exec(cell.source, namespace)
    return namespace


def test_grader_qini_reproduces_the_published_vector(grader):
    for order in (slice(None), slice(None, None, -1)):
        got = grader._qini_ref(vector(order))
        assert np.allclose(got.to_numpy(), PUBLISHED, atol=1e-4)
        assert list(got.index) == list(range(9))


def test_solution_and_worked_answer_reproduce_the_published_vector(solution):
    got = solution["qini_curve"](vector(slice(None, None, -1)))
    assert np.allclose(got.to_numpy(), PUBLISHED, atol=1e-4)
    assert np.allclose(checks._QINI, PUBLISHED, atol=1e-4)


def test_the_listed_wrong_answers_differ_from_the_vector():
    y, t = np.array(Y, bool), np.array(T, bool)

    def curve(order, whole_sample=False, rescale=True):
        yy, tt = y[order], t[order]
        nt, nc = np.r_[0, np.cumsum(tt)], np.r_[0, np.cumsum(~tt)]
        yt, yc = np.r_[0, np.cumsum(yy & tt)], np.r_[0, np.cumsum(yy & ~tt)]
        if whole_sample:
            return yt - nt * yc[-1] / nc[-1]
        if not rescale:
            return yt - yc
        return yt - np.where(nc > 0, yc * nt / np.maximum(nc, 1), 0.0)

    falling = np.arange(8)
    assert np.allclose(curve(falling), PUBLISHED, atol=1e-4)
    assert not np.allclose(curve(falling, rescale=False), PUBLISHED, atol=1e-4)
    assert not np.allclose(curve(falling[::-1]), PUBLISHED, atol=1e-4)
    assert not np.allclose(curve(falling, whole_sample=True), PUBLISHED, atol=1e-4)


def test_grader_uplift_is_the_difference_of_two_cell_models(grader):
    # one cell, treated 2 of 4 and control 1 of 4: uplift 0.25 for every customer, treated or not
    data = pd.DataFrame({"customer_id": range(8), "group": ["treatment"] * 4 + ["control"] * 4,
                         "converted_30d": [1, 1, 0, 0, 1, 0, 0, 0], "cell": "a"})
    got = grader._uplift_ref(data, ["cell"])
    assert np.allclose(got["uplift"], 0.25) and np.allclose(got["p_treated"], 0.5)


def test_grader_net_margin_matches_a_hand_calculation(grader):
    # top 4 of the vector: treated 2 of 3 converted, control 0 of 1
    got = grader._net_ref(vector(), 4, 30.0, 50.0, 0.5, 10.0)
    assert np.isclose(got["incremental_margin"], 4 * (2 / 3 * 30 - 0))
    assert np.isclose(got["net_margin"], 80 - 2 - 10)
