"""Feedback without hidden tests (nbgrader 0.9's ``generate_feedback`` keeps them).

nbgrader writes the feedback HTML from the *autograded* notebook, into which autograde put
the hidden tests back, and its ``GenerateFeedback`` preprocessors do not remove them again.
``autograder/nbgrader_config.py`` adds :class:`HideHiddenTests` to that list, so a learner's
feedback shows the visible checks, the scores and the messages, but not the hidden tests:
neither their source nor the traceback lines that would quote it.

Example (what ``nbgrader_config.py`` does)::

    c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
"""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden-test regions, and cut the tracebacks of the cells that held them.

    A failing hidden ``assert`` raises a traceback that quotes the lines around it, i.e.
    the hidden test. In such a cell only the error's name and message are kept (the
    message is written for the learner, e.g. ``AssertionError: sorted largest first``).
    """

    def preprocess_cell(self, cell, resources, cell_index):
        hidden = cell.cell_type == "code" and self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if hidden:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
