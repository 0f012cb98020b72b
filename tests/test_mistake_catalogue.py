"""Every exercise of every lab has at least two catalogued mistakes that its visible check names
(COURSE.md, definition of done); the naming itself is tested per lab in test_checks_labNN.py and,
through the notebooks, in test_mistakes.py."""

from __future__ import annotations

import importlib

import pytest

from cxlabs.course import labs

LABS = [lab.id for lab in labs()]


@pytest.mark.parametrize("lab", LABS)
def test_every_exercise_names_at_least_two_mistakes(lab):
    mistakes = importlib.import_module(f"mistakes.{lab}").MISTAKES
    few = {answer_id: sum(1 for m in items if m.visible) for answer_id, items in mistakes.items()
           if sum(1 for m in items if m.visible) < 2}
    assert not few, f"{lab}: exercises whose check names fewer than two catalogued mistakes: {few}"
