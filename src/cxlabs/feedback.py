"""Instant feedback for learners: checks that say what was probably done wrong, and hints.

Each exercise of a lab is an :class:`Exercise` in ``cxlabs.checks.labNN``. Its ``check``
runs the learner's function on a small worked example, so no check depends on the
generated data, and compares the result with the right answer *and* with the answers the
common mistakes give, to name the mistake. A check never prints the right answer.

In a notebook::

    from cxlabs.checks import lab01 as checks
    checks.lead_times.check(case_times)   # raises CheckFailed with a plain-words message
    checks.lead_times.hint()              # first nudge; call again for a more specific one
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


class CheckFailed(AssertionError):
    """A visible check failed. The message says what was probably done wrong."""


def _show_check_failed(shell, etype, value, tb, tb_offset=None):
    """IPython handler for CheckFailed: the message alone, without the checker's traceback.

    The traceback would show the check's own source (its worked example and the mistakes it
    looks for) above the message, which buries the feedback and can give answers away. The
    cell still ends in an error, so Run All, nbgrader's Validate and autograding see a failure.
    """
    stb = [f"\x1b[1;31m✗ Check failed.\x1b[0m {value}"]
    shell._showtraceback(etype, value, stb)
    return stb


def install_notebook_handler() -> bool:
    """In a notebook kernel, show failed checks as a short message; elsewhere do nothing.

    Runs when this module is imported (``from cxlabs.checks import labNN as checks``).
    Returns True when the handler was installed.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    custom = tuple(getattr(shell, "custom_exceptions", ()) or ())
    if custom and CheckFailed not in custom:
        return False  # someone else's handler: leave it alone
    shell.set_custom_exc((CheckFailed,), _show_check_failed)
    return True


@dataclass
class Mistake:
    """A common wrong answer: how to produce it on the worked example, and what to say."""

    message: str
    answer: Callable[[], object]


@dataclass
class Exercise:
    """One exercise: where it is in the lab, its hints, and how to check an answer.

    Parameters
    ----------
    number : str
        Exercise number as printed in the lab, e.g. ``"3a"``.
    title : str
        Short title.
    where : str
        Where in the lab to look when the check fails, e.g. ``"Part 2, 'Waiting between teams'"``.
        It must quote the text of a heading of the lab's notebook (a test holds it against the
        notebook), and every failure message ends with it.
    hints : tuple of str
        Progressive hints, from a nudge to a specific pointer; never the solution.
    checker : callable
        ``checker(exercise, answer)`` raises :class:`CheckFailed` or returns a success note.
    """

    number: str
    title: str
    where: str
    hints: tuple[str, ...]
    checker: Callable[[Exercise, object], str | None]
    _hints_shown: int = field(default=0, repr=False)

    def check(self, answer) -> None:
        """Check ``answer`` on the worked example; print a success line or raise CheckFailed."""
        note = self.checker(self, answer)
        print(f"✓ Exercise {self.number} ({self.title}): correct on the worked example. "
              + (note or "The graded tests run it on the full data."))

    def hint(self) -> None:
        """Print the next hint; after the last one, repeat it."""
        if not self.hints:
            print("No hints for this exercise.")
            return
        i = min(self._hints_shown, len(self.hints) - 1)
        self._hints_shown += 1
        more = " Call .hint() again for a more specific one." if i + 1 < len(self.hints) else ""
        print(f"Hint {i + 1}/{len(self.hints)} for exercise {self.number}: {self.hints[i]}{more}")

    @property
    def name(self) -> str | None:
        """The exercise's name in its checks module (``case_times`` for ``checks.case_times``).

        Found by looking the exercise up in the module that defines its checker, so an
        ``Exercise`` needs no extra argument for it.
        """
        module = sys.modules.get(getattr(self.checker, "__module__", None) or "")
        for key, value in vars(module).items() if module else ():
            if value is self:
                return key
        return None

    def hint_call(self) -> str:
        """What the learner types for a hint, e.g. ``checks.case_times.hint()``."""
        return f"checks.{self.name}.hint()" if self.name else ".hint() on this check"

    def fail(self, message: str) -> CheckFailed:
        """A CheckFailed naming the exercise, what went wrong, where to look, and how to get a hint."""
        return CheckFailed(f"Exercise {self.number} ({self.title}): {message}\n"
                           f"  Where to look: {self.where}.\n"
                           f"  Stuck? Run {self.hint_call()} for a nudge; run it again for a more "
                           "specific hint.")


def call(ex: Exercise, func, *args, **kwargs):
    """Call the learner's ``func``; turn 'not written yet' and crashes into plain messages."""
    if not callable(func):
        raise ex.fail(f"expected a function, got {type(func).__name__}. Pass the function itself, "
                      "without calling it: check(my_function), not check(my_function()).")
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        raise ex.fail("not answered yet: replace `raise NotImplementedError()` with your code.") from None
    except Exception as exc:  # any crash in learner code becomes a readable message
        raise ex.fail(f"your function raised {type(exc).__name__}: {exc} when run on the worked "
                      "example (a small table with the same columns as the real one).") from None


def same(a, b, rtol: float = 1e-6) -> bool:
    """True when two answers are equal up to float tolerance (Series/DataFrame/scalars)."""
    try:
        if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
            if list(a.columns) != list(b.columns) or len(a) != len(b):
                return False
            return all(same(a[c], b[c], rtol) for c in a.columns) and a.index.equals(b.index)
        if isinstance(a, pd.Series) and isinstance(b, pd.Series):
            if len(a) != len(b) or not a.index.equals(b.index):
                return False
            if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
                return bool(np.allclose(a.astype(float), b.astype(float), rtol=rtol, atol=1e-9, equal_nan=True))
            missing = a.isna().to_numpy()
            if not (missing == b.isna().to_numpy()).all():
                return False
            return bool((a[~missing].astype(str).to_numpy() == b[~missing].astype(str).to_numpy()).all())
        if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)):
            return bool(np.isclose(float(a), float(b), rtol=rtol, atol=1e-12))
        return a == b
    except (TypeError, ValueError):
        return False


def returned(answer) -> str:
    """How to name what a learner's function returned, in plain words."""
    if answer is None:
        return "nothing (None): did you forget the `return` line at the end of the function?"
    return f"{type(answer).__name__}."


def expect_type(ex: Exercise, answer, kind: type, what: str) -> None:
    """Fail with a plain message unless ``answer`` is a ``kind``."""
    if not isinstance(answer, kind):
        raise ex.fail(f"your function should return {what}, but it returned {returned(answer)}")


def expect_columns(ex: Exercise, frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ex.fail(f"the result is missing column(s) {missing}; it has {list(frame.columns)}.")


def diagnose(ex: Exercise, answer, expected, mistakes: list[Mistake], generic: str) -> None:
    """Raise a specific message if ``answer`` equals a known mistake, else ``generic`` if wrong."""
    if same(answer, expected):
        return
    for m in mistakes:
        if same(answer, m.answer()):
            raise ex.fail(m.message)
    raise ex.fail(generic)


def preview(func, *args, **kwargs):
    """Run an exercise's function for display; ``None`` (with a note) if it is not answered yet.

    Use it in the read-only "look at it" cells, so an unanswered exercise does not stop
    *Run All* before the later exercises.
    """
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        print("Not answered yet: write the function above, then run this cell again.")
        return None


install_notebook_handler()
