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

import html
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


class CheckFailed(AssertionError):
    """A visible check failed. The message says what was probably done wrong."""


WIDTH = 78  # nbgrader validate cuts lines at 87 characters after its 4-space indent


def wrap(text: str, width: int = WIDTH) -> str:
    """``text`` with every line wrapped at ``width`` characters, never cut.

    Long lines are broken between words (never inside a word, a column name or a call such
    as ``checks.case_times.hint()``); a continued line keeps the indentation of its line plus
    two spaces. Used for everything a learner reads in a notebook, in nbgrader's Validate
    dialog and in ``nbgrader validate`` in a terminal, which cuts longer lines ("…").

    Examples
    --------
    >>> print(wrap("Exercise 1 (lead times): " + "word " * 20, width=40))
    Exercise 1 (lead times): word word word
      word word word word word word word
      word word word word word word word
      word word word
    """
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        out.append(textwrap.fill(line.strip(), width=width, initial_indent=indent,
                                 subsequent_indent=indent + "  ", break_long_words=False,
                                 break_on_hyphens=False))
    return "\n".join(out)


def _show_check_failed(shell, etype, value, tb, tb_offset=None):
    """IPython handler for CheckFailed: the message alone, without the checker's traceback.

    The traceback would show the check's own source (its worked example and the mistakes it
    looks for) above the message, which buries the feedback and can give answers away. The
    cell still ends in an error, so Run All, nbgrader's Validate and autograding see a failure.
    The message is wrapped (:func:`wrap`), so no viewer cuts it.
    """
    text = wrap(f"✗ Check failed. {value}")
    head = "✗ Check failed."
    stb = [f"\x1b[1;31m{head}\x1b[0m{text[len(head):]}"]
    shell._showtraceback(etype, value, stb)
    return stb


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_passed(text: str) -> None:
    """Show a passed check as clearly as a failed one: a green box in a notebook, a line elsewhere.

    The plain-text form (terminals, ``nbgrader validate``, saved notebooks without HTML) is
    the same line, wrapped.
    """
    plain = wrap(text)
    if _QUIET or not _in_kernel():
        print(plain)
        return
    from IPython.display import display

    body = html.escape(text).replace("\n", "<br>")
    display({"text/plain": plain,
             "text/html": ('<div class="cxlabs-pass" style="background:#e6f4ea;border-left:4px solid #2e7d32;'
                           'color:#1b4d22;padding:0.4em 0.7em;white-space:pre-wrap;overflow-wrap:anywhere;'
                           f'font-family:var(--jp-code-font-family,monospace)">{body}</div>')}, raw=True)


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
        show_passed(f"✓ Exercise {self.number} ({self.title}): correct on the worked example. "
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
        print(wrap("Not answered yet: write the function above, then run this cell again."))
        return None


install_notebook_handler()


# ---- where the learner stands in a lab -------------------------------------------------------

_QUIET = False


def _lab_of(namespace: dict):
    """The ``cxlabs.checks.labNN`` module imported in a notebook's namespace, if any."""
    for value in namespace.values():
        name = getattr(value, "__name__", "")
        if isinstance(value, type(sys)) and name.startswith("cxlabs.checks.lab"):
            return value
    return None


def _lab_notebook(lab_id: str):
    """The lab's notebook: the learner's own copy in the working folder, else the released one."""
    from pathlib import Path

    import nbformat

    from cxlabs.course import lab

    item = lab(lab_id)
    repo = Path(__file__).resolve().parents[2]
    for path in [Path.cwd() / f"{item.notebook}.ipynb", repo / "labs" / item.path]:
        try:
            return nbformat.read(path, as_version=4), path
        except (OSError, ValueError):
            continue
    return None, None


class Progress(list):
    """The rows :func:`progress` returns; shown once, as its table, not again as a list."""

    def _ipython_display_(self) -> None:  # the table is already on screen
        return None


def progress(namespace: dict | None = None) -> list[dict]:
    """Where you stand in this lab: each exercise passed, failing, unanswered or not run yet,
    with its points, and the points still at stake. Call it any time.

    It runs the lab's visible checks again, on their small worked examples, exactly as the
    check cells do: it computes no graded answer and shows no expected value. Passing a
    visible check is necessary, not sufficient: grading runs your functions on the full data.
    The memo's state is read from the notebook as last saved.

    Returns one dict per exercise (``exercise``, ``title``, ``points``, ``state``, ``message``).
    """
    global _QUIET
    import contextlib
    import inspect
    import io
    import re

    if namespace is None:
        frame = inspect.currentframe()
        namespace = frame.f_back.f_globals if frame and frame.f_back else {}
    module = _lab_of(namespace)
    if module is None:
        print("progress() looks for the lab's checks: run the setup cell at the top of the lab "
              "(the one with `from cxlabs.checks import labNN as checks`) first.")
        return Progress()
    lab_id = module.__name__.rsplit(".", 1)[-1]
    exercises = {ex.number: ex for ex in vars(module).values() if isinstance(ex, Exercise)}
    nb, _ = _lab_notebook(lab_id)
    rows = []
    memo = None
    cells = nb.cells if nb is not None else []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade"):
            continue
        grade_id = meta.get("grade_id", "")
        if grade_id == "memo":
            written = cell.source.strip() not in ("", "YOUR ANSWER HERE")
            memo = {"exercise": "memo", "title": "decision memo", "points": meta.get("points", 0),
                    "state": "written" if written else "unanswered",
                    "message": ("saved; graded by a person" if written else
                                "not written yet (or not saved): write it, then save")}
            continue
        found = re.fullmatch(r"ex(\w+?)_tests", grade_id)
        ex = exercises.get(found[1]) if found else None
        row = {"exercise": found[1] if found else grade_id, "title": ex.title if ex else "",
               "points": meta.get("points", 0)}
        out = io.StringIO()
        _QUIET = True
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(cell.source, f"<check {grade_id}>", "exec"), namespace)  # the visible check cell
            row.update(state="passed", message="visible check passes; graded on the full data")
        except CheckFailed as exc:
            text = str(exc)
            if "not answered yet" in text:
                row.update(state="unanswered", message="not answered yet")
            else:
                row.update(state="failing", message=text.split("\n")[0].split(": ", 1)[-1])
        except NameError as exc:
            row.update(state="not run", message=f"run the answer cell first ({exc})")
        except Exception as exc:  # the check cell itself could not run: say so, never crash
            row.update(state="failing", message=f"{type(exc).__name__}: {exc}")
        finally:
            _QUIET = False
        rows.append(row)
    if not rows:  # no notebook found: run every check that has a function of the same name
        for number, ex in exercises.items():
            row = {"exercise": number, "title": ex.title, "points": None}
            func = namespace.get(ex.name or "")
            if func is None:
                row.update(state="not run", message="run the answer cell first")
            else:
                try:
                    _QUIET = True
                    with contextlib.redirect_stdout(io.StringIO()):
                        ex.check(func)
                    row.update(state="passed", message="visible check passes")
                except CheckFailed as exc:
                    state = "unanswered" if "not answered yet" in str(exc) else "failing"
                    row.update(state=state, message=str(exc).split("\n")[0].split(": ", 1)[-1])
                finally:
                    _QUIET = False
            rows.append(row)
    if memo:
        rows.append(memo)
    _show_progress(lab_id, rows)
    return Progress(rows)


def _show_progress(lab_id: str, rows: list[dict]) -> None:
    def pts(value) -> str:
        return "" if value is None else f"{float(value):g}"

    count = {s: sum(r["state"] == s for r in rows if r["exercise"] != "memo")
             for s in ["passed", "failing", "unanswered", "not run"]}
    known = [r for r in rows if r["points"] is not None]
    passed_pts = sum(float(r["points"]) for r in known if r["state"] == "passed" and r["exercise"] != "memo")
    total = sum(float(r["points"]) for r in known)
    stake = sum(float(r["points"]) for r in known if r["state"] != "passed" and r["exercise"] != "memo")
    memo = next((r for r in rows if r["exercise"] == "memo"), None)
    summary = (f"Lab {lab_id[3:]}: {count['passed']} passed, {count['failing']} failing, "
               f"{count['unanswered']} unanswered" + (f", {count['not run']} not run yet" if count["not run"] else ""))
    if known:
        summary += (f". Exercises passing their visible check: {passed_pts:g} points; still at stake: "
                    f"{stake:g} points" + (f", and the memo's {pts(memo['points'])}" if memo else "")
                    + f" (lab total {total:g}).")
    note = ("Passing a visible check is necessary, not sufficient: the grader runs your functions "
            "again on the full data.")
    mark = {"passed": "✓", "failing": "✗", "unanswered": "·", "not run": "·", "written": "✎"}
    lines = [summary, ""]
    for r in rows:
        name = "memo" if r["exercise"] == "memo" else f"exercise {r['exercise']}"
        lines.append(wrap(f"{mark.get(r['state'], ' ')} {name} ({r['title']}, {pts(r['points'])} pt): "
                          f"{r['state']} — {r['message']}"))
    lines += ["", note]
    plain = "\n".join(wrap(line) if line else line for line in lines)
    if not _in_kernel():
        print(plain)
        return
    from IPython.display import display

    colour = {"passed": "#e6f4ea", "failing": "#fdecea", "written": "#eef3fb"}
    left = 'style="text-align:left;vertical-align:top"'
    body = "".join(
        f'<tr style="background:{colour.get(r["state"], "#f6f6f6")}"><td {left}>{mark.get(r["state"], "")}</td>'
        f'<td {left}>{html.escape("memo" if r["exercise"] == "memo" else r["exercise"])}</td>'
        f'<td {left}>{html.escape(r["title"])}</td><td style="text-align:right;vertical-align:top">'
        f'{pts(r["points"])}</td><td {left}>{html.escape(r["state"])}</td>'
        f'<td style="text-align:left;vertical-align:top;white-space:normal;overflow-wrap:anywhere">'
        f'{html.escape(r["message"])}</td></tr>'
        for r in rows)
    head = "".join(f'<th {left}>{h}</th>' for h in ["", "exercise", "title", "points", "state", "what to do"])
    page = (f'<div class="cxlabs-progress"><p><b>{html.escape(summary)}</b></p>'
            f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
            f'<p>{html.escape(note)}</p></div>')
    display({"text/plain": plain, "text/html": page}, raw=True)
