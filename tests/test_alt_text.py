"""A figure's one-line description is its image's alt text in saved notebooks and their HTML.

Runs a small notebook in a real kernel (``cxlabs.plotting`` registers the description as the
``alt`` metadata and plain-text form of every described figure, and of an explorer's static
picture), then renders it with nbconvert's classic template, which nbgrader's feedback page
extends and which writes ``alt`` from that metadata. JupyterLab 4 does not read the metadata
(its ``renderImage`` sets only source, size and background): there the printed "Figure: ..."
line is the description, which ``tests/test_browser.py`` sees.
"""

from __future__ import annotations

import nbformat
import pytest
from conftest import REPO

FIGURE = "Line chart of orders over three days; the busiest is day 2."

CELLS = [
    f'''import matplotlib.pyplot as plt
from cxlabs.plotting import finish, use_course_style
use_course_style()
fig, ax = plt.subplots()
ax.plot([1, 2, 3], [10, 12, 9])
finish(ax, "Orders per day", "day (of March)", "orders (count)", "{FIGURE}")''',
    '''import pandas as pd
from cxlabs.widgets import threshold_explorer
comparisons = pd.DataFrame({"record_id_a": ["a", "b", "c"], "record_id_b": ["b", "c", "d"],
                            "is_match": pd.array([True, False, True], dtype="boolean")})
def by_hand(ids, matches):
    label = {i: i for i in ids}
    for a, b in zip(matches["record_id_a"], matches["record_id_b"]):
        label[b] = label[a]
    return pd.Series(label)
review = pd.DataFrame({"record_id": ["a", "b", "c", "d"], "person": [1, 1, 2, 2]})
threshold_explorer(comparisons, pd.Series([20.0, 8.0, 15.0]), by_hand, pd.Series(list("abcd")), review, start=10)''',
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    import os
    import sys

    from nbclient import NotebookClient

    sys.path.insert(0, str(REPO / "autograder"))
    from reliable_replies import ReliableRepliesMixin  # the explorer writes into an Output widget

    client = type("ReliableClient", (ReliableRepliesMixin, NotebookClient), {})

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(REPO / "src") + (os.pathsep + old if old else "")
    try:
        client(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path_factory.mktemp("alt"))}}).execute()
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    return nb


def _images(cell):
    return [o for o in cell.outputs if "image/png" in o.get("data", {})]


def test_a_figure_is_saved_with_its_description_as_alt_text(executed):
    [image] = _images(executed.cells[0])
    assert image.metadata["image/png"]["alt"] == FIGURE
    assert image.data["text/plain"] == f"Figure: {FIGURE}", "not '<Figure size 800x450 with 1 Axes>'"


def test_an_explorer_leaves_a_picture_and_summary_with_alt_text(executed):
    [image] = _images(executed.cells[1])
    assert "application/vnd.jupyter.widget-view+json" in image.data, "the live widget comes first"
    alt = image.metadata["image/png"]["alt"]
    assert alt.startswith("Left, line chart") and alt in image.data["text/plain"]
    assert image.data["text/plain"].startswith("At 10.0 bits:"), "the summary is saved as text"


def test_nbconvert_html_gives_each_figure_its_alt_text(executed):
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter(template_name="classic").from_notebook_node(executed)
    assert f'alt="{FIGURE}"' in html


def test_the_feedback_page_shows_an_explorers_picture_with_its_alt_text(executed):
    """With the widget state saved (as nbclient and nbgrader's executor save it), nbconvert would
    draw the live widget; the feedback's ``AltText`` drops the state, so the picture shows."""
    import copy
    import sys

    from nbconvert import HTMLExporter

    assert "widgets" in executed.metadata
    sys.path.insert(0, str(REPO / "autograder"))
    from feedback_filters import AltText

    nb, _ = AltText()(copy.deepcopy(executed), {})
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    assert 'alt="Left, line chart' in html and f'alt="{FIGURE}"' in html
    assert "widget-view+json" not in html
