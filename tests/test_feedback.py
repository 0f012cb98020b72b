"""The feedback framework: plain messages, hints in order, never the answer."""

from __future__ import annotations

import pandas as pd
import pytest

from cxlabs.feedback import CheckFailed, Exercise, Mistake, call, diagnose, preview, same


def make_exercise(expected=3):
    def checker(ex, func):
        answer = call(ex, func, 1, 2)
        diagnose(ex, answer, expected, [Mistake("you subtracted instead of adding", lambda: -1)],
                 generic="the sum is wrong")

    return Exercise("1", "adding", "Part 1", ("Think about +.", "Use the + operator on a and b."), checker)


def test_right_answer_prints_success(capsys):
    make_exercise().check(lambda a, b: a + b)
    assert "✓ Exercise 1" in capsys.readouterr().out


def test_known_mistake_is_named_and_answer_is_not_printed():
    with pytest.raises(CheckFailed) as err:
        make_exercise().check(lambda a, b: a - b)
    message = str(err.value)
    assert "you subtracted instead of adding" in message
    assert "Where to look: Part 1" in message
    assert "3" not in message.replace("Exercise 1", "")


def test_unknown_mistake_gets_the_generic_message():
    with pytest.raises(CheckFailed, match="the sum is wrong"):
        make_exercise().check(lambda a, b: a * b + 10)


def test_unanswered_and_crashing_functions_get_plain_messages():
    def blank(a, b):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not answered yet"):
        make_exercise().check(blank)
    with pytest.raises(CheckFailed, match="raised KeyError"):
        make_exercise().check(lambda a, b: {}["x"])
    with pytest.raises(CheckFailed, match="expected a function"):
        make_exercise().check(3)


def test_hints_are_progressive(capsys):
    ex = make_exercise()
    ex.hint()
    ex.hint()
    ex.hint()
    out = capsys.readouterr().out.splitlines()
    assert "Hint 1/2" in out[0] and "again" in out[0]
    assert "Hint 2/2" in out[1] and "Use the + operator" in out[1]
    assert "Hint 2/2" in out[2]


def test_same_compares_frames_with_tolerance():
    a = pd.DataFrame({"x": [1.0, 2.0]}, index=["a", "b"])
    assert same(a, a + 1e-9)
    assert not same(a, a + 1)
    assert not same(a, a.rename(index={"a": "z"}))
    assert not same(a, a.rename(columns={"x": "y"}))


def test_preview_tolerates_unanswered(capsys):
    def blank():
        raise NotImplementedError()

    assert preview(blank) is None
    assert "Not answered yet" in capsys.readouterr().out
    assert preview(lambda: 5) == 5


def test_same_treats_missing_text_as_equal():
    a = pd.Series(["x", None, "z"], dtype="str")
    assert same(a, a.copy())
    assert not same(a, pd.Series(["x", "y", "z"], dtype="str"))
