"""Reading feedback pages as a learner does, and finding grading code (graders, hidden tests) in them."""

from __future__ import annotations

import html.parser
import re
import sys
from pathlib import Path

import nbformat
from conftest import REPO

sys.path.insert(0, str(REPO / "autograder"))
from feedback_filters import ANSI, hidden_lines  # noqa: E402

__all__ = ["ANSI", "leaks", "page_text", "secret_lines"]


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(path: Path) -> str:
    """The text a reader sees in an HTML page (code is split into highlighting spans)."""
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


def secret_lines(root: Path = REPO) -> list[str]:
    """Every line of grading code that learners must never see, and do not already see.

    That is every line of the graders (``autograder/graders/*.py``: graded cases, references,
    checks) and of any hidden test left in ``solutions/``. Lines shorter than 10 characters
    (a bracket, ``else:``; 25 for the graders, whose short lines are generic Python) and
    lines that learners see in the released labs are not secrets.
    """
    # learners see the released labs, and may write what the solutions' own code has
    visible = "\n".join([*(c.source for c in _cells(root / "labs")),
                         *(re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", c.source, flags=re.S)
                           for c in _cells(root / "solutions"))])
    hidden = {line for c in _cells(root / "solutions") for line in hidden_lines(c.source, min_length=10)}
    graders = {line.strip() for path in sorted((root / "autograder" / "graders").glob("*.py"))
               for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) >= 25}
    return sorted(line for line in hidden | graders if line not in visible)


def _cells(folder: Path):
    for path in sorted(folder.rglob("*.ipynb")):
        yield from nbformat.read(path, as_version=4).cells


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [line for line in secrets if line in text]
