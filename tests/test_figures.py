"""Every figure a lab draws can be read by everyone: title, labelled axes with units, a text description.

Each solution notebook runs once as plain Python (the session's run that the grader and mistake
tests share) with every figure it creates recorded, including the ones drawn inside widgets;
then each figure is held to ``cxlabs.plotting.figure_problems``. Also: importing ``cxlabs.plotting`` applies the course style.
"""

from __future__ import annotations

import os

import matplotlib
import pytest

from cxlabs.course import labs

matplotlib.use("Agg")

LABS = labs()


@pytest.fixture(scope="module")
def figures(solution_runs):
    """{lab id: [(cell grade_id, figure)]} for every figure each solution notebook creates
    (the session's one run of each solution, ``solution_runs`` in conftest)."""
    return {lab_id: found for lab_id, (_, found) in solution_runs.items()}


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_every_lab_figure_has_title_labels_units_and_description(lab, figures):
    from cxlabs.plotting import figure_problems

    drawn = figures[lab.id]
    assert drawn, f"{lab.id} draws no figure"
    problems = {f"{cell} #{i}": figure_problems(fig) for i, (cell, fig) in enumerate(drawn)}
    assert not {k: v for k, v in problems.items() if v}, problems


def test_lab01_widget_draws_a_readable_figure(figures):
    cells = [cell for cell, _ in figures["lab01"]]
    assert "ex6_explore" in cells, "the maturity explorer should draw its chart when the cell runs"


def test_lab02_widget_draws_a_readable_figure(figures):
    cells = [cell for cell, _ in figures["lab02"]]
    assert "ex7_explore" in cells, "the threshold explorer should draw its chart when the cell runs"


def test_importing_plotting_applies_the_course_style():
    import subprocess
    import sys

    code = ("import matplotlib as mpl; import cxlabs.plotting as p; "
            "assert p.style_applied(); "
            "assert mpl.rcParams['axes.prop_cycle'].by_key()['color'][0].upper() == p.PALETTE[0]; "
            "assert mpl.rcParams['axes.titlesize'] >= 12 and mpl.rcParams['axes.labelsize'] >= 11")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "MPLBACKEND": "Agg"})


def test_finish_refuses_an_unlabelled_figure():
    import matplotlib.pyplot as plt

    from cxlabs.plotting import figure_problems, finish

    fig, ax = plt.subplots()
    assert "no text description (use cxlabs.plotting.finish or describe)" in figure_problems(fig)
    assert "axes 0: no title" in figure_problems(fig)
    with pytest.raises(ValueError, match="labelled axes"):
        finish(ax, "A title", "", "orders (count)", "A chart.")
    with pytest.raises(ValueError, match="description"):
        finish(ax, "A title", "day", "orders (count)", " ")
    finish(ax, "A title", "day", "orders", "A chart of nothing.")
    assert figure_problems(fig) == ["axes 0: no unit in brackets on an axis label, e.g. 'wait (hours)'"]
    plt.close(fig)
