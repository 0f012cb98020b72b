"""The grader's side of grading: graded inputs, references, and verdicts decided outside the kernel.

Learners' code and the grader never share an interpreter. For every graded exercise of a lab,
``autograder/graders/<lab>.py`` (instructor-only: not in the ``cxlabs`` package, never in a
cell the learner's kernel runs) says

- which learner function it grades and which test cell of the notebook carries its points;
- the **cases**: the inputs to call the function on (the full tables of the learner's world,
  the same tables of a *grading world* built from a seed learners never see, and hand-made
  boundary records), each with a ``check`` that compares an answer with the reference it
  computed and raises :class:`Fail` with a message in plain words.

The kernel only calls the learner's function on each case's inputs and sends back what it
returned as data (:mod:`cxlabs.answers`); :func:`verdict` decides, here, from that data.
The message of a failed case names the property that failed, never a reference value.

Examples
--------
A grader module::

    from grading import Case, Fail, Graded, expect_frame

    def _cases(world):
        events = world.load("process_events")
        reference = ...  # computed here, from the data
        return [Case("the process_events table", (events,), lambda a: expect_frame(a, reference))]

    EXERCISES = [Graded(cell="ex1_tests", function="case_times", on_world=_cases)]

In tests, :func:`grade_namespace` grades the functions of a notebook run as Python, through
the same encoding, so a mistake is caught by the same code that grades a cohort.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
GRADERS = HERE / "graders"
#: The grading world's seed: a world no learner has seen (``$CXLABS_GRADING_SEED`` overrides).
GRADING_SEED = 913_577
#: Characters of answer data accepted for one exercise (all its cases together).
MAX_EXERCISE_CHARS = 40_000_000


class Fail(AssertionError):
    """A graded case failed. The message is for the learner: the property, never the reference."""


# ---- what a grader module declares -------------------------------------------------------------

@dataclass
class Case:
    """One graded call of the learner's function.

    Parameters
    ----------
    label : str
        What the inputs are, for the learner: ``"the process_events table, rows shuffled"``.
    args : tuple
        Positional arguments (DataFrames, Series, dicts, numbers, ...).
    check : callable
        ``check(answer)`` raises :class:`Fail` when the decoded answer is wrong.
    kwargs : dict
        Keyword arguments.
    raises : str or tuple of str, optional
        The task says the function must raise this exception (by class name, e.g.
        ``"ValueError"``) on these inputs: raising it passes, returning anything fails, and
        ``check`` is not used.
    """

    label: str
    args: tuple
    check: Callable[[object], None] | None = None
    kwargs: dict = field(default_factory=dict)
    raises: str | tuple[str, ...] | None = None


@dataclass
class Graded:
    """One graded exercise.

    Parameters
    ----------
    cell : str
        ``grade_id`` of the notebook's test cell that carries the points.
    function : str
        Name of the learner's function.
    on_world : callable, optional
        ``on_world(world)`` returns the cases on one world's tables; it runs once per world
        (the learner's and the grading world).
    fixed : callable, optional
        ``fixed()`` returns hand-made cases (boundary records, edge cases).
    """

    cell: str
    function: str
    on_world: Callable[[World], list[Case]] | None = None
    fixed: Callable[[], list[Case]] | None = None


class World:
    """The tables of one generated world, read by the grader (never by learner code here).

    Parameters
    ----------
    folder : path
        A folder written by ``cxlabs data build``.
    label : str
        How the learner is told about it: ``"your company's data"``.
    """

    def __init__(self, folder, label: str):
        self.folder = Path(folder)
        self.label = label
        self._cache: dict[str, pd.DataFrame] = {}

    def load(self, name: str) -> pd.DataFrame:
        """A fresh copy of table ``name``, typed as ``cxlabs.load`` types it."""
        if name not in self._cache:
            from cxlabs.loading import _schema

            table = _schema(name)
            self._cache[name] = table.coerce(pd.read_parquet(self.folder / f"{name}.parquet"))
        return self._cache[name].copy()

    @property
    def seed(self) -> int | None:
        try:
            return json.loads((self.folder / "world.json").read_text())["seed"]
        except (OSError, ValueError, KeyError):
            return None


def grading_seed() -> int:
    return int(os.environ.get("CXLABS_GRADING_SEED", GRADING_SEED))


@cache
def generator_version() -> str:
    """A short hash of the world generator's source: a cached world is rebuilt when it changes."""
    import hashlib

    import cxlabs.world

    digest = hashlib.sha256()
    world = Path(cxlabs.world.__file__).parent
    for path in [*sorted(world.glob("*.py")), world.parent / "schema.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def grading_world(cache_dir: Path) -> Path:
    """The grading world's folder under ``cache_dir``, built once (a few seconds) per version of
    the generator, so a changed generator never grades against a stale world."""
    from cxlabs.loading import ensure_world

    seed = grading_seed()
    return ensure_world(Path(cache_dir) / f"grading-world-{seed}-{generator_version()}", seed=seed)


def worlds_dir() -> Path:
    """Where the grader keeps the worlds it builds: ``$CXLABS_WORLDS_DIR``, else
    ``autograder/work/worlds`` (the grading world, and each learner's variant)."""
    return Path(os.environ.get("CXLABS_WORLDS_DIR") or HERE / "work" / "worlds")


def learner_world(student: str, cache_dir: Path | None = None) -> tuple[Path, int]:
    """The world ``student`` worked on, when every learner has their own: ``(folder, seed)``.

    Built once per learner under ``cache_dir`` (default :func:`worlds_dir`) from the same seed
    the learner's own ``cxlabs.load`` used (:func:`cxlabs.variants.seed_for`), so the learner
    and the grader read the same bytes; kept for regrades. The folder is left readable by the
    sandbox's unprivileged user, which reads it in place.
    """
    from cxlabs.loading import ensure_world
    from cxlabs.variants import seed_for

    seed = seed_for(student)
    if seed == grading_seed():  # never in practice (48-bit seeds); never let it leak the grading world
        raise RuntimeError(f"learner {student!r} has the grading world's seed: change CXLABS_GRADING_SEED")
    folder = ensure_world(Path(cache_dir or worlds_dir()) / f"variant-{seed}", seed=seed)
    for path in [folder, *folder.iterdir()]:
        mode = 0o755 if path.is_dir() else 0o644
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    return folder, seed


@cache
def grader_module(lab_id: str):
    """``autograder/graders/<lab_id>.py``, imported by path (it is not a package learners get)."""
    path = GRADERS / f"{lab_id}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no grader for {lab_id}: {path} is missing")
    return _import_by_path(f"cxlabs_grader_{lab_id}", path)


@cache
def _import_by_path(name: str, path: Path):
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- memo figures: what a person grading a memo checks its numbers against ---------------------

def memo_function(lab_id: str) -> Callable[[World], dict] | None:
    """``MEMO_FIGURES(world)`` of a lab: from its grader module, else from
    ``graders/<lab_id>_memo.py`` (labs whose grader is not written yet); None if neither."""
    if has_grader(lab_id) and hasattr(grader_module(lab_id), "MEMO_FIGURES"):
        return grader_module(lab_id).MEMO_FIGURES
    path = GRADERS / f"{lab_id}_memo.py"
    if not path.is_file():
        return None
    return _import_by_path(f"cxlabs_memo_{lab_id}", path).MEMO_FIGURES


def memo_sources(lab_id: str) -> list[Path]:
    """The files a lab's memo figures are computed from (a cache of figures is keyed on them)."""
    from cxlabs.course import lab

    paths = [GRADERS / f"{lab_id}.py", GRADERS / f"{lab_id}_memo.py", HERE / "grading.py",
             HERE.parent / "solutions" / lab(lab_id).path]
    return [p for p in paths if p.is_file()]


def memo_figures(lab_id: str, world: World) -> dict[str, object]:
    """The reference figures of ``world`` that the lab's memo rubric asks about, in rubric order.

    Values are numbers or short text; a figure that cannot be computed on this world is
    reported as text saying so, never left out, so every learner's row has the same columns.
    """
    function = memo_function(lab_id)
    if function is None:
        return {}
    return dict(function(world))


def solution_namespace(lab_id: str, world: World, cells: Sequence[str]) -> dict:
    """The instructor's solution notebook, partly run as Python on ``world``: its cells with
    these ``grade_id`` s and every answer cell, in notebook order (no plots, no output).

    For memo figures that follow the lab's own pipeline (the model memo's numbers come from
    it). Runs instructor code only, in this process, with ``cxlabs.load`` reading ``world``.
    """
    import contextlib
    import io

    import matplotlib
    import nbformat

    from cxlabs.course import lab

    matplotlib.use("Agg")
    nb = nbformat.read(HERE.parent / "solutions" / lab(lab_id).path, as_version=4)
    wanted = set(cells)
    namespace: dict = {"__name__": f"cxlabs_solution_{lab_id}"}
    old = os.environ.get("CXLABS_DATA_DIR")
    os.environ["CXLABS_DATA_DIR"] = str(world.folder)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in nb.cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                grade_id = meta.get("grade_id", "")
                if cell.cell_type != "code" or not (grade_id in wanted or (
                        meta.get("solution") and grade_id.endswith("_answer"))):
                    continue
                source = cell.source.split("### BEGIN HIDDEN TESTS")[0]
                exec(compile(source, f"solutions/{lab_id}:{grade_id}", "exec"), namespace)
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
        if old is None:
            os.environ.pop("CXLABS_DATA_DIR", None)
        else:
            os.environ["CXLABS_DATA_DIR"] = old
    return namespace


def exercises(lab_id: str) -> list[Graded]:
    """The graded exercises of a lab, from its grader module."""
    return list(grader_module(lab_id).EXERCISES)


def has_grader(lab_id: str) -> bool:
    return (GRADERS / f"{lab_id}.py").is_file()


# ---- plans: the cases of every exercise, with their inputs written for the kernel -------------

@dataclass
class Plan:
    """Every graded case of a lab on a set of worlds, inputs on disk, checks in memory."""

    lab_id: str
    folder: Path
    cases: dict[str, list[tuple[str, Case, str]]]  # cell -> [(case id, case, world label)]
    functions: dict[str, str]                       # cell -> function name
    #: cell -> what the kernel reads for each case (its inputs' references), when written
    inputs: dict[str, list[dict]] = field(default_factory=dict)

    def plan_file(self, cell: str) -> Path:
        return self.folder / f"{cell}.json"


def build_plan(lab_id: str, worlds: Sequence[World], folder: Path | None = None, *,
               first_world: int = 0, fixed: bool = True) -> Plan:
    """Compute every case of ``lab_id`` on ``worlds``; write the inputs to ``folder`` if given.

    The checks (and so the references) stay in this process; ``folder`` gets only the
    inputs and one JSON plan per exercise, which the kernel reads.

    For plans put together per learner (:func:`learner_plan`), ``first_world`` numbers the
    worlds' cases from that index (case ids ``w<index>c<n>``) and ``fixed=False`` leaves the
    hand-made cases out.
    """
    cases: dict[str, list] = {}
    functions: dict[str, str] = {}
    inputs: dict[str, list[dict]] = {}
    if folder is not None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
    for graded in exercises(lab_id):
        items = []
        for w, world in enumerate(worlds, start=first_world):
            for i, case in enumerate(graded.on_world(world) if graded.on_world else []):
                items.append((f"w{w}c{i}", case, world.label))
        for i, case in enumerate(graded.fixed() if fixed and graded.fixed else []):
            items.append((f"f{i}", case, "hand-made records"))
        cases[graded.cell], functions[graded.cell] = items, graded.function
        if folder is not None:
            from cxlabs.answers import write_argument

            inputs[graded.cell] = [
                {"id": cid, "args": [write_argument(a, folder, f"{graded.cell}_{cid}_a{j}")
                                     for j, a in enumerate(case.args)],
                 "kwargs": {k: write_argument(v, folder, f"{graded.cell}_{cid}_{k}")
                            for k, v in case.kwargs.items()}}
                for cid, case, _ in items]
            plan = {"function": graded.function, "cases": inputs[graded.cell]}
            (folder / f"{graded.cell}.json").write_text(json.dumps(plan), encoding="utf-8")
    if folder is not None:
        for path in [folder, *folder.iterdir()]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return Plan(lab_id, folder or Path(), cases, functions, inputs)


def learner_plan(shared: Plan, world: World, folder: Path | None = None) -> Plan:
    """One learner's plan: the cases on their own ``world``, then ``shared``'s cases.

    ``shared`` is built once for everyone with ``build_plan(lab, [grading world], folder,
    first_world=1)``: the grading world and the hand-made records. Only the learner's own
    cases are computed here (and, with ``folder``, written there with one JSON plan per
    exercise whose shared cases point at ``shared.folder``), so the case ids and their order
    are those of ``build_plan(lab, [world, grading world])``.
    """
    if folder is not None and not shared.inputs:  # built in another process: read what it wrote
        shared.inputs = {cell: json.loads(shared.plan_file(cell).read_text(encoding="utf-8"))["cases"]
                         for cell in shared.functions}
    own = build_plan(shared.lab_id, [world], folder, fixed=False)
    cases = {cell: own.cases.get(cell, []) + items for cell, items in shared.cases.items()}
    plan = Plan(shared.lab_id, own.folder, cases, dict(shared.functions))
    if folder is not None:
        for cell, function in shared.functions.items():
            there = [{**case, "dir": str(shared.folder)} for case in shared.inputs.get(cell, [])]
            plan.inputs[cell] = own.inputs.get(cell, []) + there
            (own.folder / f"{cell}.json").write_text(
                json.dumps({"function": function, "cases": plan.inputs[cell]}), encoding="utf-8")
            os.chmod(own.folder / f"{cell}.json", 0o644)
    return plan


# ---- verdicts ------------------------------------------------------------------------------------

@dataclass
class Verdict:
    passed: bool
    message: str


def _received_index(received: Sequence[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for item in received:
        if isinstance(item, dict) and isinstance(item.get("case"), str):
            out.setdefault(item["case"], item)  # the first answer for a case counts
    return out


def verdict(plan: Plan, cell: str, received: Sequence[dict], note: str = "") -> Verdict:
    """Decide one exercise from what the kernel sent (``received``: one dict per case).

    ``note`` explains a missing answer (the export cell timed out, the kernel died).
    """
    from cxlabs.answers import AnswerError, loads

    function = plan.functions[cell]
    by_case = _received_index(received)
    budget = MAX_EXERCISE_CHARS
    for cid, case, where in plan.cases[cell]:
        on = f"on {case.label}, {where}" if where != "hand-made records" else f"on {case.label}"
        sent = by_case.get(cid)
        if sent is None:
            return Verdict(False, f"`{function}` gave no answer {on}: "
                           + (note or "it did not finish (or the kernel stopped) before the grader got an answer."))
        status = sent.get("status")
        if status == "blank":
            return Verdict(False, f"`{function}` is not answered yet (it raises NotImplementedError).")
        if status == "missing":
            return Verdict(False, f"there is no function named `{function}` when the notebook has run: "
                           "did you rename it, or not run its cell?")
        if status == "not_callable":
            return Verdict(False, f"`{function}` is not a function (it is a {str(sent.get('message'))[:80]}).")
        if case.raises:
            wanted = (case.raises,) if isinstance(case.raises, str) else tuple(case.raises)
            if status == "raised" and sent.get("error") in wanted:
                continue
            did = (f"raised {str(sent.get('error'))[:60]}" if status == "raised" else "returned a value")
            return Verdict(False, f"`{function}` should raise {' or '.join(wanted)} {on}, "
                           f"as the task says; it {did}.")
        if status == "raised":
            return Verdict(False, f"`{function}` raised {str(sent.get('error'))[:60]}: "
                           f"{str(sent.get('message'))[:200]} {on}.")
        if status == "cannot":
            return Verdict(False, f"this answer cannot be graded: `{function}` returned "
                           f"{str(sent.get('message'))[:200]} {on}.")
        text = sent.get("answer")
        if status != "answer" or not isinstance(text, str):
            return Verdict(False, f"the grader could not read the answer {on}.")
        budget -= len(text)
        if budget < 0:
            return Verdict(False, f"the answers of `{function}` are too large to grade "
                           f"(more than {MAX_EXERCISE_CHARS:,} characters of data).")
        try:
            answer = loads(text)
        except AnswerError as exc:
            return Verdict(False, f"the answer {on} is not readable data ({exc}).")
        problem = run_check(case, answer)
        if problem:
            return Verdict(False, f"{problem} ({on})")
    n = len(plan.cases[cell])
    return Verdict(True, f"correct on all {n} graded case{'s' if n != 1 else ''}.")


def run_check(case: Case, answer) -> str | None:
    """Run ``case.check`` on a decoded answer; the learner-facing message, or None when right.

    Only :class:`Fail` messages reach the learner; any other error inside a check (a
    missing column, a wrong type) becomes a generic message without values.
    """
    try:
        case.check(answer)
    except Fail as exc:
        return str(exc) or "the answer is not right"
    except KeyError as exc:
        key = exc.args[0] if exc.args else "?"
        return f"the answer has no {key!r} where the task asks for one (a column or index label)"
    except (TypeError, ValueError, AttributeError, IndexError, AssertionError, ArithmeticError) as exc:
        print(f"grading: check on {case.label!r} raised {type(exc).__name__}: {exc}", file=sys.stderr)
        return "the answer does not have the shape or types the task asks for"
    return None


def run_in_process(function, case: Case) -> dict:
    """What the kernel would send for ``case``: the function called on a copy, encoded as data."""
    from cxlabs.answers import CannotGrade, dumps

    args = copy.deepcopy(case.args)
    kwargs = copy.deepcopy(case.kwargs)
    try:
        result = function(*args, **kwargs)
    except NotImplementedError:
        return {"status": "blank"}
    except Exception as exc:  # noqa: BLE001
        return {"status": "raised", "error": type(exc).__name__, "message": str(exc)[:300]}
    try:
        return {"status": "answer", "answer": dumps(result)}
    except CannotGrade as exc:
        return {"status": "cannot", "message": str(exc)}


def grade_namespace(lab_id: str, namespace: dict, worlds: Sequence[World],
                    plan: Plan | None = None, cells: Sequence[str] | None = None) -> dict[str, Verdict]:
    """Grade the functions in ``namespace`` (a notebook run as Python): ``{cell: Verdict}``.

    For tests: the same cases, encoding and checks as grading a submission, in one process.
    ``cells`` limits grading to these test cells.
    """
    plan = plan or build_plan(lab_id, worlds)
    out = {}
    for cell, items in plan.cases.items():
        if cells is not None and cell not in cells:
            continue
        function = namespace.get(plan.functions[cell])
        received = []
        for cid, case, _ in items:
            if function is None:
                sent = {"status": "missing"}
            elif not callable(function):
                sent = {"status": "not_callable", "message": type(function).__name__}
            else:
                sent = run_in_process(function, case)
            received.append({"case": cid, **sent})
        out[cell] = verdict(plan, cell, received)
    return out


# ---- helpers for grader modules: comparisons that say what is wrong, never the reference ------

def expect_type(answer, kind, what: str):
    """Fail unless ``answer`` is a ``kind``; return it."""
    if not isinstance(answer, kind):
        got = "nothing (None)" if answer is None else f"a {type(answer).__name__}"
        raise Fail(f"it should return {what}, but it returned {got}")
    return answer


def _key(value):
    """A comparable form of a label: numpy and Python numbers alike, missing values alike."""
    if isinstance(value, (tuple, list)):
        return tuple(_key(v) for v in value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).as_unit("ns")
    return value if isinstance(value, str) else str(value)


def labels(index: pd.Index) -> list:
    """The labels of an index in comparable form (see :func:`_key`)."""
    return [_key(v) for v in index]


def values_match(got: pd.Series, want: pd.Series, rtol: float = 1e-6, atol: float = 1e-9) -> np.ndarray:
    """Per position: do two equally long columns agree? Numbers within tolerance, the rest exactly."""
    got = pd.Series(got).reset_index(drop=True)
    want = pd.Series(want).reset_index(drop=True)
    g_na = got.isna().to_numpy()
    w_na = want.isna().to_numpy()
    both = ~g_na & ~w_na
    ok = g_na == w_na
    if pd.api.types.is_bool_dtype(want.dtype) or pd.api.types.is_bool_dtype(got.dtype):
        gv = got.astype(object)[both].map(_key)
        wv = want.astype(object)[both].map(_key)
        ok[both] = (gv.to_numpy() == wv.to_numpy())
        return ok
    numeric = pd.api.types.is_numeric_dtype
    if numeric(want.dtype) and numeric(got.dtype):
        g = got.to_numpy(dtype="float64", na_value=np.nan)
        w = want.to_numpy(dtype="float64", na_value=np.nan)
        ok[both] = np.isclose(g[both], w[both], rtol=rtol, atol=atol)
        return ok
    if pd.api.types.is_datetime64_any_dtype(want.dtype):
        try:
            g = pd.to_datetime(got[both])
        except (ValueError, TypeError):
            ok[both] = False
            return ok
        ok[both] = (g.to_numpy(dtype="datetime64[ns]") == want[both].to_numpy(dtype="datetime64[ns]"))
        return ok
    if pd.api.types.is_timedelta64_dtype(want.dtype):
        ok[both] = [(_key(a) == _key(b)) for a, b in zip(got[both], want[both], strict=True)]
        return ok
    ok[both] = [_key(a) == _key(b) for a, b in zip(got[both], want[both], strict=True)]
    return ok


def expect_frame(answer, reference: pd.DataFrame, *, what: str = "a DataFrame",
                 by_index: bool = True, row_order: bool = False, rtol: float = 1e-6,
                 atol: float = 1e-9, columns: Sequence[str] | None = None,
                 index_name: str = "the index") -> pd.DataFrame:
    """Compare ``answer`` with ``reference`` column by column; :class:`Fail` names what differs.

    Extra columns in the answer are ignored, and so are column order, dtypes (numbers are
    compared as numbers, with tolerance) and index names. With ``by_index`` the rows are
    matched by index label; otherwise by position after sorting both by every compared
    column, unless ``row_order`` says the order is part of the task.
    """
    frame = expect_type(answer, pd.DataFrame, what)
    columns = list(reference.columns if columns is None else columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise Fail(f"the result is missing column(s) {missing}")
    if len(frame) != len(reference):
        raise Fail(f"it has {len(frame):,} rows; the graded data needs "
                   f"{'more' if len(frame) < len(reference) else 'fewer'}")
    if by_index:
        got_labels, want_labels = labels(frame.index), labels(reference.index)
        if len(set(got_labels)) != len(got_labels):
            raise Fail(f"{index_name} has repeated labels; there should be one row for each")
        if set(got_labels) != set(want_labels):
            extra = len(set(got_labels) - set(want_labels))
            raise Fail(f"{index_name} is not the right set of labels ({extra:,} of yours should not be there)")
        if row_order and got_labels != want_labels:
            raise Fail("the rows are not in the order the task asks for")
        position = {k: i for i, k in enumerate(got_labels)}
        frame = frame.iloc[[position[k] for k in want_labels]]
        want = reference
    elif row_order:
        want = reference
    else:
        frame = _sorted_rows(frame[columns])
        want = _sorted_rows(reference[columns])
    for c in columns:
        ok = values_match(frame[c], want[c], rtol=rtol, atol=atol)
        if not ok.all():
            bad = int((~ok).sum())
            raise Fail(f"column {c!r} is wrong in {bad:,} of {len(ok):,} rows")
    return frame


def _sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    keys = pd.DataFrame({c: frame[c].map(lambda v: (0, "") if _key(v) is None else (1, str(_key(v))))
                         for c in frame.columns})
    order = sorted(range(len(frame)), key=lambda i: tuple(keys.iloc[i]))
    return frame.iloc[order].reset_index(drop=True)


def expect_series(answer, reference: pd.Series, *, what: str = "a Series", rtol: float = 1e-6,
                  atol: float = 1e-9, row_order: bool = False, index_name: str = "the index",
                  accept_frame: bool = False) -> pd.Series:
    """Compare a Series by index label (see :func:`expect_frame`)."""
    if accept_frame and isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    series = expect_type(answer, pd.Series, what)
    got = series.to_frame("value")
    expect_frame(got, reference.rename("value").to_frame(), what=what, rtol=rtol, atol=atol,
                 row_order=row_order, index_name=index_name)
    return series


def expect_number(answer, reference: float, what: str, *, rtol: float = 1e-6, atol: float = 1e-9) -> float:
    """Compare one number; ``what`` names it for the message."""
    if isinstance(answer, (pd.Series, pd.DataFrame, np.ndarray)) and np.size(answer) == 1:
        answer = np.asarray(answer).ravel()[0]
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.number)):
        got = "nothing (None)" if answer is None else f"a {type(answer).__name__}"
        raise Fail(f"{what} should be a number, but it is {got}")
    if not np.isclose(float(answer), float(reference), rtol=rtol, atol=atol, equal_nan=True):
        raise Fail(f"{what} is not right")
    return float(answer)
