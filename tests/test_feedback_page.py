"""The feedback page names each exercise, wraps every message and shows a pass as clearly as a
failure (``autograder/feedback_template/feedback``, ``feedback_filters.NameExercises``).

Renders lab 00 as ``nbgrader generate_feedback`` does (the course's HTMLExporter settings and
feedback preprocessors) with a passed and a failed verdict in its test cells; the whole cycle
(``tests/test_cycle.py``) checks the real pages.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from conftest import REPO
from nbformat import NotebookNode

from cxlabs.course import lab

LONG = ("Exercise 2 (revenue by channel): your lead time equals the time from the first to the last "
        "event of the case, but the task counts waiting between teams as well; " * 3).strip()


FIGURE = "Line chart of orders per week; the peak is in late November."
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def render(course_tool, formgrader: bool = False) -> str:
    sys.path.insert(0, str(REPO / "autograder"))
    from feedback_filters import AltText, NameExercises
    from nbconvert import HTMLExporter

    item = lab("lab00")
    nb = nbformat.read(REPO / "labs" / item.path, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            meta["score"], meta["points"] = (meta.get("points", 2), meta.get("points", 2))
        if meta.get("grade_id") == "ex1_tests":
            cell.outputs = [NotebookNode(output_type="stream", name="stdout",
                                         text="✓ Graded: `customers_per_market` is correct on all 4 graded cases\n")]
        if meta.get("grade_id") == "tour_season_plot":
            cell.outputs = [NotebookNode(output_type="stream", name="stdout", text=f"Figure: {FIGURE}\n"),
                            NotebookNode(output_type="display_data", metadata={},
                                         data={"image/png": PNG, "text/plain": "<Figure>"})]
        if meta.get("grade_id") == "ex2_tests":
            cell.outputs = [NotebookNode(output_type="error", ename="NotCorrect", evalue=LONG,
                                         traceback=[f"✗ Graded: {LONG}"])]
    resources = {"nbgrader": {"notebook": item.notebook, "assignment": item.id, "score": 6,
                              "max_score": 10, "late_penalty": 0}}
    nb, resources = NameExercises()(nb, resources)  # as nbconvert calls it
    nb, resources = AltText()(nb, resources)
    config = course_tool.course_config(REPO)
    if formgrader:  # the formgrader's generate_feedback forces nbgrader's template name (apps/api.py)
        config.HTMLExporter.template_name = "feedback"
    import nbgrader

    # as nbgrader's generate_feedback does: its bootstrap folder on the template path
    css = Path(nbgrader.__file__).parent / "server_extensions/formgrader/static/node_modules/bootstrap/dist/css"
    exporter = HTMLExporter(config=config, extra_template_paths=[str(css)])
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    return html


@pytest.mark.parametrize("formgrader", [False, True], ids=["nbgrader-command", "formgrader"])
def test_feedback_page_names_exercises_wraps_and_shows_a_pass(course_tool, formgrader):
    html = render(course_tool, formgrader)
    assert "Test cell" not in html and "Written response" not in html
    assert "Exercise 1 — customers per market</a>" in html
    assert "Exercise 2 — revenue by channel</a>" in html
    assert "Decision memo</a>" in html
    assert "white-space: pre-wrap" in html, "messages wrap instead of running off the page"
    assert "output_stdout output_text cx-pass" in html, "a pass gets its own green box"
    assert LONG[-60:] in html, "the message is there whole"
    assert html.count('<a name="top"></a>') == 1 and html.count('<div id="toc">') == 1, \
        "the page and its contents are rendered once"
    assert f'alt="{FIGURE}"' in html, "the figure's description is its alt text"
    assert html.count("✓ Graded: <code>") + html.count("✓ Graded: `") == 1


def test_a_widgets_static_picture_gets_its_description_as_alt_text():
    sys.path.insert(0, str(REPO / "autograder"))
    from feedback_filters import AltText

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("maturity_explorer(...)")
    cell.outputs = [NotebookNode(output_type="display_data", metadata={}, data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2, "version_minor": 0},
        "image/png": PNG, "text/plain": f"Close first: a.\nFigure: {FIGURE}"})]
    nb.cells = [cell]
    nb, _ = AltText()(nb, {})
    assert nb.cells[0].outputs[0].metadata["image/png"]["alt"] == FIGURE
