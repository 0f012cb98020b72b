"""Memo rubrics ask for judgement; the answer lives in the grader's key (solutions/README.md).

The rubric in the memo's task cell is what learners read. The model memo and the
``**Grader's key**`` after it (in the ``memo`` cell, which the release blanks) hold the answer:
the figures, the names of the tables, teams, markets and vendors, the planted cause. A fact is
*key-only* when the key or model memo states it and the learner's notebook states it nowhere
else (not in an exercise's text, not in a given cell). The rubric must not quote a key-only
fact: no key-only number, no key-only name, no run of five content words that only the answer uses.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import REPO

from cxlabs.course import labs

LABS = labs()
KEY = "**Grader's key**"

STOPWORDS = frozenset(re.findall(r"\S+", """
a an the and or but nor not no of to in on at by for from with without as is are was were be been
being it its this that these those than then there their they them we our us you your he she his
her i my me one two three each every any all some more most less least much many few own other
else such so if when whether which who whom whose what where why how into onto over under about
after before between against per up down out off again once only also just too very can could
would should may might must will shall do does did done has have had e g eg etc
"""))


def _cells(lab):
    nb = nbformat.read(REPO / "solutions" / lab.path, as_version=4)
    task = memo = None
    visible = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == "memo_task":
            task = cell
        elif meta.get("grade_id") == "memo":
            memo = cell
        elif meta.get("solution") and cell.cell_type == "code":
            # the learner sees the function's signature and docstring, not the solution region
            visible.append(re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "", cell.source, flags=re.S))
        else:
            visible.append(cell.source)
    assert task is not None and memo is not None, f"{lab.id}: no memo_task or memo cell"
    return task, memo, "\n".join(visible)


def _plain(text: str) -> str:
    """Markdown to plain words: links keep their text, markup goes."""
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return re.sub(r"[*_`#>\[\]|]", " ", text)


def numbers(text: str) -> set[str]:
    """Numbers as written (1,424 -> 1424; 0.95; 26.9), without word limits, rubric numbering and
    small whole numbers (counts of things, which any rubric may use)."""
    text = re.sub(r"\b\d+\s+words\b", " ", text)
    text = re.sub(r"(?m)^\s*\d+\.\s", " ", text)
    found = set()
    for raw in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", text):
        value = raw.replace(",", "")
        if "." in value or int(value) >= 13:
            found.add(value)
    return found


def names(text: str) -> set[str]:
    """Identifiers and proper names: code in backticks, snake_case, CamelCase, codes such as
    FC-EU, JR-02 or US-CA."""
    found = {m.strip() for m in re.findall(r"`([^`\n]+)`", text)}
    for word in re.findall(r"[A-Za-z][\w-]*[\w]", text):
        if ("_" in word or re.search(r"[a-z][A-Z]", word) or re.fullmatch(r"[A-Z]{1,4}-[A-Z0-9]{1,4}", word)):
            found.add(word)
    return found


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", _plain(text).lower())
            if w not in STOPWORDS and len(w) > 1]


def phrases(text: str, n: int = 5) -> set[tuple[str, ...]]:
    """Runs of ``n`` content words, within one sentence or list item."""
    runs = set()
    for piece in re.split(r"[.;:!?()\n]\s|\n\s*\n|\n\s*\d+\.\s|\n\s*[-*]\s", text):
        words = content_words(piece)
        runs.update(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
    return runs


def _without_titles(text: str) -> str:
    """Numbered items without their bold titles, which name the rubric's criteria on purpose."""
    return re.sub(r"(?m)^(\s*\d+\.\s*)\*\*[^*]+\*\*", r"\1", text)


def leaks(rubric: str, answer: str, elsewhere: str) -> list[str]:
    """What ``rubric`` quotes from ``answer`` (model memo and key) that ``elsewhere`` does not say."""
    rubric = _without_titles(rubric)  # an item's title names its criterion ("Success in 90 days")
    found = []
    for value in sorted(numbers(answer) & numbers(rubric) - numbers(elsewhere)):
        found.append(f"the number {value}")
    for name in sorted(names(answer) & names(rubric) - names(elsewhere)):
        found.append(f"the name {name!r}")
    for run in sorted(phrases(_without_titles(answer)) & phrases(rubric) - phrases(elsewhere)):
        found.append("the words " + " ".join(run))
    return found


def rubric_items(text: str) -> list[str]:
    return re.findall(r"(?m)^\d+\.\s", text)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_every_memo_has_a_graders_key_item_for_each_rubric_point(lab):
    task, memo, _ = _cells(lab)
    assert KEY in memo.source, f"{lab.id}: the memo cell has no {KEY} after the model memo"
    model, key = memo.source.split(KEY, 1)
    assert model.strip(), f"{lab.id}: no model memo before the grader's key"
    rubric = task.source.split("Rubric", 1)[-1]
    items = rubric_items(rubric)
    assert items, f"{lab.id}: the task cell has no numbered rubric"
    assert len(rubric_items(key)) == len(items), (
        f"{lab.id}: the rubric has {len(items)} points, the grader's key {len(rubric_items(key))} items")
    points = task.metadata.get("nbgrader", {}).get("points") or memo.metadata["nbgrader"]["points"]
    if re.search(r"1 point each|1 each", task.source):
        assert len(items) == points, f"{lab.id}: {len(items)} rubric items at 1 point each, {points} points"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_rubric_does_not_quote_the_graders_key(lab):
    task, memo, elsewhere = _cells(lab)
    found = leaks(task.source, memo.source, elsewhere)
    assert not found, (
        f"{lab.id}: the memo's task cell (what learners read) quotes what only the model memo and "
        f"the grader's key should hold: {'; '.join(found)}. Ask for the quality instead (the data, "
        "a test that can tell the suspects apart, a result that would refute a claim, the limits) "
        "and keep the specifics in the key.")


def test_the_leak_detector_finds_a_copied_answer():
    answer = ("Limits: the KPI conflict is a correlation over 24 months that the Christmas peak may "
              "drive; the payment_check handoff waits 26.9 h at FC-EU.\n\n" + KEY + "\n\n1. **Data:** x")
    elsewhere = "Waits between teams, in hours. The KPI table has one row per month."
    assert leaks("4. **Limits.** What would settle it.", answer, elsewhere) == []
    found = leaks("4. **Limits.** For example a correlation over 24 months that the Christmas peak "
                  "drives; the `payment_check` wait of 26.9 h; FC-EU.", answer, elsewhere)
    assert any("26.9" in f for f in found)
    assert any("payment_check" in f for f in found)
    assert any("FC-EU" in f for f in found)
    assert any("correlation 24 months christmas peak" in f for f in found)
    # what the exercises already tell the learner is no leak
    assert leaks("the KPI table has one row per month", answer, elsewhere) == []
