"""What nbgrader's feedback may show a learner: no hidden-test source, ever.

nbgrader autogrades a copy of the submission with the hidden tests put back into every test
cell, and ``nbgrader generate_feedback`` renders that copy as it is, so out of the box the
feedback HTML shows every hidden test (a known nbgrader problem: jupyter/nbgrader#917,
#1363). ``autograder/nbgrader_config.py`` adds :class:`HideHiddenTests` to
``GenerateFeedback.preprocessors``; for every cell it

- removes the ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` regions from the source
  (nbgrader's own ``ClearHiddenTests``, as when a lab is released), and
- cuts an output that quotes a hidden line, such as the traceback of a failed hidden
  assertion (Python prints the failing line and its neighbours), down to the error's name and
  message: ``AssertionError: revenue per channel``. The assertion messages of hidden tests
  are written for learners; the code around them is not.

Scores, the grader's comments and the learner's own cells are untouched.

Examples
--------
In ``nbgrader_config.py``::

    from feedback_filters import HideHiddenTests
    c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Bool, Integer, List

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def hidden_lines(source: str, begin: str = "BEGIN HIDDEN TESTS", end: str = "END HIDDEN TESTS",
                 min_length: int = 1) -> list[str]:
    """The stripped lines inside the hidden-test regions of a cell's source.

    Examples
    --------
    >>> hidden_lines("check(f)\\n### BEGIN HIDDEN TESTS\\nassert f(2) == 4\\n### END HIDDEN TESTS")
    ['assert f(2) == 4']
    """
    found, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and len(line.strip()) >= min_length:
            found.append(line.strip())
    return found


def _output_text(output) -> str:
    if output.get("output_type") == "error":
        return "\n".join(output.get("traceback", [])) + f"\n{output.get('evalue', '')}"
    if output.get("output_type") == "stream":
        return str(output.get("text", ""))
    data = output.get("data", {})
    return "\n".join(v if isinstance(v, str) else "\n".join(v) for k, v in data.items()
                     if k.startswith("text/"))


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden tests from the feedback: from cell sources and from outputs that quote them."""

    enforce_metadata = Bool(False, help="Never fail feedback over a misplaced hidden-test region.").tag(config=True)
    min_line_length = Integer(
        6, help="Hidden lines shorter than this (a lone bracket) are not searched for in outputs."
    ).tag(config=True)

    # nbgrader's preprocessors declare this without `config=True`, so the HTML exporter's
    # default configuration made generate_feedback warn "Config option `display_data_priority`
    # not recognized by `HideHiddenTests`" on every run; declared configurable, it is not.
    display_data_priority = List(["text/html", "application/pdf", "text/latex", "image/svg+xml",
                                  "image/png", "image/jpeg", "text/plain"]).tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        secret = hidden_lines(cell.source, self.begin_test_delimeter, self.end_test_delimeter,
                              self.min_line_length)
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if secret and cell.cell_type == "code":
            cell.outputs = [self._clean(output, secret) for output in cell.outputs]
        return cell, resources

    @staticmethod
    def _clean(output, secret: list[str]):
        text = ANSI.sub("", _output_text(output))
        if not any(line in text for line in secret):
            return output
        if output.get("output_type") == "error":
            output.traceback = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}",
                                "(The failing line is in a hidden test, so it is not shown.)"]
            return output
        return new_output("stream", name="stdout", text="(Output of a hidden test, not shown.)\n")


class NameExercises(Preprocessor):
    """Give every graded cell the name learners know it by, for the feedback page's contents.

    nbgrader's feedback lists every test cell as "Test cell"; the course's feedback template
    (``feedback_template/feedback``) shows ``cell.metadata.cxlabs.label`` instead:
    "Exercise 2 — revenue by channel" from the lab's visible checks
    (``cxlabs.checks.<lab>``: the exercise's number and title), "Decision memo" for the memo.
    A cell whose exercise is not found keeps nbgrader's name. Nothing else changes.
    """

    enabled = Bool(True).tag(config=True)  # nbconvert's preprocessors are off by default

    def preprocess(self, nb, resources):
        lab_id = (resources.get("nbgrader") or {}).get("assignment")
        self.titles = exercise_titles(lab_id) if lab_id else {}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        label = cell_label(cell.get("metadata", {}).get("nbgrader") or {}, self.titles)
        if label:
            cell.metadata.setdefault("cxlabs", {})["label"] = label
        return cell, resources


def exercise_titles(lab_id: str) -> dict[str, str]:
    """``{exercise number: title}`` of a lab's visible checks (empty when it has none)."""
    import importlib

    try:
        from cxlabs.feedback import Exercise

        module = importlib.import_module(f"cxlabs.checks.{lab_id}")
    except ImportError:
        return {}
    return {ex.number: ex.title for ex in vars(module).values() if isinstance(ex, Exercise)}


def cell_label(meta: dict, titles: dict[str, str]) -> str | None:
    """The name of a graded cell: ``Exercise 3b — title`` for ``ex3b_tests``, ``Decision memo``;
    of an answer cell, for the contents' "Comment on ..." (nbgrader's bare "Comment" otherwise).

    Examples
    --------
    >>> cell_label({"grade": True, "grade_id": "ex2_tests"}, {"2": "revenue by channel"})
    'Exercise 2 — revenue by channel'
    >>> cell_label({"grade": True, "solution": True, "grade_id": "memo"}, {})
    'Decision memo'
    >>> cell_label({"grade": False, "solution": True, "grade_id": "ex2_answer"}, {})  # "Comment on ..."
    'your answer to exercise 2'
    """
    grade_id = meta.get("grade_id") or ""
    if not meta.get("grade"):  # an answer cell: the page lists it only for a grader's comment
        found = re.fullmatch(r"ex(\w+?)_answer", grade_id) if meta.get("solution") else None
        return f"your answer to exercise {found[1]}" if found else None
    if grade_id == "memo":
        return "Decision memo"
    found = re.fullmatch(r"ex(\w+?)_tests", grade_id)
    if not found:
        return None
    number = found[1]
    return f"Exercise {number} — {titles[number]}" if number in titles else f"Exercise {number}"


class AltText(Preprocessor):
    """Give every figure in the feedback its description as alt text.

    ``cxlabs.plotting.finish`` prints each figure's one-line description ("Figure: Bar chart
    of ...") in the cell's output; the inline backend shows the image without alt text, and
    nbconvert warned "Alternative text is missing on N image(s)" on every feedback page. The
    descriptions of a cell are given, in order, to its images that have none (a cell with more
    images than descriptions repeats the last; a cell with none keeps its images as they are).
    """

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        """Also drop the saved widget state: with it, nbconvert draws each explorer as a live
        widget (scripts from a CDN, nothing without a kernel) instead of its static picture
        and summary, which the explorer leaves in the same output (``image/png``, ``text/plain``)."""
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code":
            return cell, resources
        described = alt_texts(cell.get("outputs", []))
        images = [o for o in cell.outputs if o.get("output_type") in ("display_data", "execute_result")
                  and any(m in o.get("data", {}) for m in ("image/png", "image/jpeg", "image/svg+xml"))]
        for i, output in enumerate(images):
            own = alt_texts([{"output_type": "stream", "text": output["data"].get("text/plain", "")}])
            if not own and not described:
                continue
            text = own[0] if own else described[min(i, len(described) - 1)]
            meta = output.setdefault("metadata", {})
            for mime in ("image/png", "image/jpeg", "image/svg+xml"):
                if mime in output["data"]:
                    meta.setdefault(mime, {}).setdefault("alt", text)
        return cell, resources


def alt_texts(outputs) -> list[str]:
    """The figure descriptions printed in a cell's outputs, in order.

    Examples
    --------
    >>> alt_texts([{"output_type": "stream", "name": "stdout", "text": "Figure: Bar chart of x.\\n"}])
    ['Bar chart of x.']
    >>> alt_texts([{"output_type": "stream", "text": "Figure: Bar chart of x;\\n  y is largest.\\nnext\\n"}])
    ['Bar chart of x; y is largest.']
    """
    found = []
    for output in outputs:
        if output.get("output_type") == "stream":
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            current = None  # a description continues on lines indented under it (feedback.wrap)
            for line in text.splitlines():
                if line.startswith("Figure: "):
                    found.append(line[len("Figure: "):].strip())
                    current = len(found) - 1
                elif current is not None and line.startswith("  ") and line.strip():
                    found[current] += " " + line.strip()
                else:
                    current = None
    return found
