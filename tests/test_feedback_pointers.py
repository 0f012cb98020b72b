"""Every exercise of every lab in the manifest teaches when it fails.

For each ``Exercise`` in ``cxlabs.checks.<lab>``: at least two progressive hints; a ``where``
pointer that quotes a heading of the lab's notebook; and, whatever a learner's function gets
wrong (not written, crashes, returns nothing or the wrong kind of thing), the check raises
``CheckFailed`` with a message that names the exercise, says where to look, and says how to
ask for a hint, never a raw pandas traceback.
"""

from __future__ import annotations

import importlib
import re

import nbformat
import pandas as pd
import pytest
from conftest import REPO

from cxlabs.course import labs
from cxlabs.feedback import CheckFailed, Exercise

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

LABS = labs()


def exercises(lab) -> dict[str, Exercise]:
    module = importlib.import_module(f"cxlabs.checks.{lab.id}")
    found = {name: ex for name, ex in vars(module).items() if isinstance(ex, Exercise)}
    assert found, f"cxlabs.checks.{lab.id} defines no Exercise"
    return found


def heading_phrases(lab) -> set[str]:
    """Texts a learner can find in the lab: each heading, its parts around ' — ', without '(...)'."""
    nb = nbformat.read(REPO / "solutions" / lab.path, as_version=4)
    phrases = set()
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if not line.startswith("#"):
                continue
            text = line.lstrip("#").strip()
            for part in [text, *text.split(" — ")]:
                part = re.sub(r"\s*\([^)]*\)\s*$", "", part).strip()
                if len(part) >= 5:
                    phrases.add(part)
    return phrases


CASES = [pytest.param(lab, name, id=f"{lab.id}-{name}") for lab in LABS for name in exercises(lab)]


@pytest.mark.parametrize(("lab", "name"), CASES)
def test_exercise_has_progressive_hints_and_a_real_pointer(lab, name):
    ex = exercises(lab)[name]
    assert len(ex.hints) >= 2, f"{name}: give a first nudge and a more specific hint"
    assert len(set(ex.hints)) == len(ex.hints) and all(h.strip() for h in ex.hints)
    assert ex.number and ex.title and ex.where
    phrases = heading_phrases(lab)
    assert any(p in ex.where for p in phrases), (
        f"{name}.where = {ex.where!r} should quote a heading of {lab.path}, "
        f"one of {sorted(phrases)}")
    assert ex.name == name, "the exercise must be a module-level name of its checks module"


def _blank(*args, **kwargs):
    raise NotImplementedError()


def _crash(*args, **kwargs):
    return {}["no such key"]


WRONG = {
    "not written": _blank,
    "crashes": _crash,
    "returns nothing": lambda *a, **k: None,
    "returns a number": lambda *a, **k: 0,
    "returns an empty table": lambda *a, **k: pd.DataFrame(),
    "returns an empty series": lambda *a, **k: pd.Series(dtype=float),
    "not a function": 42,
}


@pytest.mark.parametrize(("lab", "name"), CASES)
@pytest.mark.parametrize("wrong", list(WRONG))
def test_every_failure_says_what_where_and_how_to_get_a_hint(lab, name, wrong):
    ex = exercises(lab)[name]
    with pytest.raises(CheckFailed) as err:
        ex.check(WRONG[wrong])
    message = str(err.value)
    assert message.startswith(f"Exercise {ex.number} ("), message
    assert f"Where to look: {ex.where}." in message
    assert f"checks.{name}.hint()" in message
    what = message.split("\n")[0].split("): ", 1)[1]
    assert len(what.split()) >= 5, f"say in plain words what went wrong, not just {what!r}"
    assert "Traceback" not in message and "dtype" not in message
    if wrong == "not written":
        assert "not answered yet" in message
    if wrong == "crashes":
        assert "raised KeyError" in message
    if wrong == "not a function":
        assert "expected a function" in message


def test_hints_come_in_order_then_repeat(capsys):
    lab = LABS[-1]
    name, ex = next(iter(exercises(lab).items()))
    fresh = Exercise(ex.number, ex.title, ex.where, ex.hints, ex.checker)
    for _ in range(len(ex.hints) + 1):
        fresh.hint()
    out = capsys.readouterr().out.splitlines()
    n = len(ex.hints)
    assert [line.split(" for ")[0] for line in out] == [f"Hint {i}/{n}" for i in range(1, n + 1)] + [f"Hint {n}/{n}"]
    assert all("again" in line for line in out[: n - 1])


def test_a_failed_check_in_a_notebook_shows_the_message_not_the_checkers_source():
    """In a kernel the cell still fails (Run All, Validate and grading see it), but shows only the message."""
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from cxlabs.checks import lab01 as checks\nchecks.case_times.check(lambda events: None)")]
    nbclient.NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120).execute()
    (error,) = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    shown = "\n".join(error.traceback)
    assert error.ename == "CheckFailed"
    assert "Check failed." in shown and "did you forget the `return`" in " ".join(shown.split())
    assert all(len(ANSI.sub("", line)) <= 78 for line in shown.splitlines()), "wrapped, never cut"
    assert "Where to look: Part 1" in shown
    assert "_check_case_times" not in shown and "diagnose(" not in shown and "File " not in shown


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_check_cells_let_run_all_reach_every_exercise(lab):
    """Check cells carry raises-exception: Run All shows every message (the browser test relies on it)."""
    for folder in ("solutions", "labs"):
        nb = nbformat.read(REPO / folder / lab.path, as_version=4)
        tests = [c for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_tests")]
        assert tests and all("raises-exception" in c.metadata.get("tags", []) for c in tests), folder
