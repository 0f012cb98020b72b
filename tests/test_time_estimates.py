"""Each lab's time estimate follows the model in solutions/README.md ("Time estimates").

The model's inputs are read from the solution notebook, so adding an exercise, a widget, an
ungraded part or a longer text without updating ``minutes`` in src/cxlabs/course.toml fails here.
"""

from __future__ import annotations

import math
import re

import nbformat
import pytest
from conftest import REPO

from cxlabs.course import labs

LABS = labs()

READING_WORDS_PER_MINUTE = 150          # careful reading of instructions, tables and hints
MINUTES_PER_EXERCISE = {2: 7, 3: 11}    # by points: 2 a routine function, 3 a harder one
MINUTES_PER_WIDGET = 5
MINUTES_PER_UNGRADED_PART = 10          # a heading marked "(not graded)", e.g. an industrial tool
MEMO_WORDS_PER_MINUTE = 10              # a memo of at most 250 words: 25 minutes
ROUND_TO = 15                           # estimates are quoted in quarter-hours
SLACK = 5                               # a few more words of text need no new estimate


def model_inputs(lab) -> dict:
    nb = nbformat.read(REPO / "solutions" / lab.path, as_version=4)
    words = widgets = ungraded = 0
    exercises, memo_words = [], None
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if grade_id == "memo":
            continue  # the learner's answer; its writing time is the memo term
        if grade_id == "memo_task":
            limit = re.search(r"at\s+most\W+(\d+)\s+words", cell.source)
            assert limit, f"{lab.id}: the memo task states no word limit ('at most N words')"
            memo_words = int(limit.group(1))
        if cell.cell_type == "markdown":
            words += len(cell.source.split())
            ungraded += sum(1 for line in cell.source.splitlines()
                            if line.startswith("#") and "not graded" in line.lower())
        elif "cxlabs.widgets" in cell.source:
            widgets += 1
        if meta.get("grade") and grade_id.endswith("_tests"):
            exercises.append(meta["points"])
    assert memo_words, f"{lab.id}: no memo task"
    return {"words": words, "exercises": exercises, "widgets": widgets,
            "ungraded": ungraded, "memo_words": memo_words}


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


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_minutes_follow_the_time_model(lab):
    inputs = model_inputs(lab)
    need = estimate(inputs)
    assert need - SLACK <= lab.minutes <= quoted(need) + ROUND_TO, (
        f"{lab.id} claims {lab.minutes} minutes; the time model (solutions/README.md, 'Time "
        f"estimates') gives {need:.0f} ({len(inputs['exercises'])} exercises worth "
        f"{sum(inputs['exercises'])} points, {inputs['words']} words to read, {inputs['widgets']} "
        f"widget(s), {inputs['ungraded']} ungraded part(s), a memo of {inputs['memo_words']} words): "
        f"set minutes = {quoted(need)} in src/cxlabs/course.toml, or trim the lab")
