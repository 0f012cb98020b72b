"""Each lab's time estimate follows the model in solutions/README.md ("Time estimates"), and a
lab longer than one class session is split into sittings that each fit one.

The model's inputs are read from the released notebook (what the learner reads, split at its
break cells), so adding an exercise, a widget, an ungraded part or a longer text without
updating ``sittings`` in src/cxlabs/course.toml fails here.
"""

from __future__ import annotations

import math
import re

import nbformat
import pytest
from conftest import REPO

from cxlabs.course import SITTING_MINUTES, break_markdown, labs

LABS = labs()

READING_WORDS_PER_MINUTE = 150          # careful reading of instructions, tables and hints
MINUTES_PER_EXERCISE = {2: 7, 3: 11}    # by points: 2 a routine function, 3 a harder one
MINUTES_PER_WIDGET = 5
MINUTES_PER_UNGRADED_PART = 10          # a heading marked "(not graded)", e.g. an industrial tool
MEMO_WORDS_PER_MINUTE = 10              # a memo of at most 250 words: 25 minutes
ROUND_TO = 15                           # estimates are quoted in quarter-hours
SLACK = 5                               # a few more words of text need no new estimate


def model_inputs(cells) -> dict:
    """The time model's inputs for a run of notebook cells (a sitting, or a whole lab)."""
    words = widgets = ungraded = memo_words = 0
    exercises = []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if grade_id == "memo":
            continue  # the learner's answer; its writing time is the memo term
        if grade_id == "memo_task":
            limit = re.search(r"at\s+most\W+(\d+)\s+words", cell.source)
            assert limit, "the memo task states no word limit ('at most N words')"
            memo_words = int(limit.group(1))
        if cell.cell_type == "markdown":
            words += len(cell.source.split())
            ungraded += sum(1 for line in cell.source.splitlines()
                            if line.startswith("#") and "not graded" in line.lower())
        elif "cxlabs.widgets" in cell.source:
            widgets += 1
        if meta.get("grade") and grade_id.endswith("_tests"):
            exercises.append(meta["points"])
    return {"words": words, "exercises": exercises, "widgets": widgets,
            "ungraded": ungraded, "memo_words": memo_words}


def released(lab) -> nbformat.NotebookNode:
    return nbformat.read(REPO / "labs" / lab.path, as_version=4)


def sittings(nb) -> list[list]:
    """The notebook's cells, split at its break cells (the break cell opens the next sitting)."""
    out = [[]]
    for cell in nb.cells:
        if str(cell.get("id", "")).startswith("cxlabs-break-"):
            out.append([])
        out[-1].append(cell)
    return out


def estimate(inputs: dict) -> float:
    """Minutes a learner new to the topic needs, before rounding."""
    unknown = set(inputs["exercises"]) - set(MINUTES_PER_EXERCISE)
    assert not unknown, f"no time in the model for an exercise of {unknown} points"
    return (inputs["words"] / READING_WORDS_PER_MINUTE
            + sum(MINUTES_PER_EXERCISE[p] for p in inputs["exercises"])
            + MINUTES_PER_WIDGET * inputs["widgets"]
            + MINUTES_PER_UNGRADED_PART * inputs["ungraded"]
            + inputs["memo_words"] / MEMO_WORDS_PER_MINUTE)


def quoted(minutes: float) -> int:
    return ROUND_TO * math.ceil(minutes / ROUND_TO)


def test_the_model_on_a_made_up_lab():
    inputs = {"words": 1500, "exercises": [2, 2, 3], "widgets": 1, "ungraded": 0, "memo_words": 250}
    assert estimate(inputs) == pytest.approx(10 + 25 + 5 + 25)
    assert quoted(estimate(inputs)) == 75 and quoted(75) == 75 and quoted(75.1) == 90


def describe(inputs: dict) -> str:
    return (f"{len(inputs['exercises'])} exercises worth {sum(inputs['exercises'])} points, "
            f"{inputs['words']} words to read, {inputs['widgets']} widget(s), {inputs['ungraded']} "
            f"ungraded part(s), a memo of {inputs['memo_words']} words")


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_every_sitting_follows_the_time_model_and_fits_a_session(lab):
    parts = sittings(released(lab))
    assert len(parts) == len(lab.sittings), (
        f"{lab.id}: course.toml plans {len(lab.sittings)} sitting(s), labs/{lab.path} has "
        f"{len(parts) - 1} break cell(s): run python autograder/course.py release {lab.id}")
    assert model_inputs(parts[-1])["memo_words"], f"{lab.id}: the memo belongs in the last sitting"
    for number, (cells, claimed) in enumerate(zip(parts, lab.sittings, strict=True), 1):
        inputs = model_inputs(cells)
        need = estimate(inputs)
        what = f"{lab.id}, sitting {number} of {len(parts)}"
        assert need - SLACK <= claimed <= quoted(need) + ROUND_TO, (
            f"{what} claims {claimed} minutes; the time model (solutions/README.md, 'Time "
            f"estimates') gives {need:.0f} ({describe(inputs)}): set its minutes to {quoted(need)} "
            "in `sittings` in src/cxlabs/course.toml, or trim the lab")
        assert quoted(need) <= SITTING_MINUTES and claimed <= SITTING_MINUTES, (
            f"{what} needs {need:.0f} minutes ({describe(inputs)}), more than one "
            f"{SITTING_MINUTES}-minute session: split it (`breaks` in src/cxlabs/course.toml) or trim it")


@pytest.mark.parametrize("lab", [lab for lab in LABS if lab.breaks], ids=lambda lab: lab.id)
def test_each_break_opens_its_part_and_says_how_to_pick_up(lab):
    cells = released(lab).cells
    for number, part in enumerate(lab.breaks, 1):
        at = next(i for i, c in enumerate(cells) if c.get("id") == f"cxlabs-break-{number}")
        assert cells[at].source == break_markdown(lab, number)
        assert "Run All Above Selected Cell" in cells[at].source
        assert re.match(rf"##\s+{re.escape(part)}\b", cells[at + 1].source), (
            f"{lab.id}: break {number} should come right before '## {part}'")
        assert cells[at].metadata.get("editable") is False


def test_a_lab_without_breaks_is_one_sitting():
    for lab in LABS:
        if not lab.breaks:
            assert len(lab.sittings) == 1 and lab.sittings[0] <= SITTING_MINUTES, lab.id
