"""What every ``tests/test_checks_labNN.py`` needs: run a visible check expecting it to fail, and
the catalogued mistakes that the visible check must name (``tests/mistakes/labNN.py``)."""

from __future__ import annotations

import pytest

from cxlabs.feedback import CheckFailed


def failure(exercise, func) -> str:
    """The message of the visible check ``exercise`` on the answer ``func``; fails the test if it passes."""
    with pytest.raises(CheckFailed) as info:
        exercise.check(func)
    return str(info.value)


def catalogue(mistakes: dict) -> list:
    """One ``pytest.param(answer_id, mistake)`` per mistake the visible check must name."""
    return [pytest.param(answer_id, m, id=f"{answer_id}-{i}")
            for answer_id, items in mistakes.items() for i, m in enumerate(items) if m.visible]


def assert_named(exercise, func, mistake) -> None:
    """The visible check fails ``func`` (a catalogued mistake) with the mistake's phrase in its message."""
    message = failure(exercise, func)
    assert mistake.visible.lower() in message.lower(), message
