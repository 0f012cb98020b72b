"""Given results, so a learner stuck on one exercise can still do the parts after it.

Some parts of a lab build on an earlier exercise's result (lab 02's clusters need the match
weights, which need the normalised keys). When that exercise is not answered yet, the
read-only cells after it use the **given** result instead, and say so::

    weights = given.fallback(match_weights, comparisons, M_U,
                             lab="lab02", name="weights", exercise="5")

:func:`fallback` runs the learner's function; only when it raises ``NotImplementedError``
does it print "Exercise 5 is not answered yet, so this uses the given match weights; your
own answer will replace it" and return the given data. An answer that runs, right or wrong,
is always used as it is.

What this module is not: it computes nothing. The given results are files, written by the
instructor with ``python autograder/course.py given`` from the instructor's solution run on
the learner's world, and only read here. They describe the learner's own world and no other:
the graded cases run the learner's functions on a second world nobody has seen and on
hand-made records too, so a function that returns the given data scores nothing.

Where the files are, first match wins:

1. ``$CXLABS_GIVEN_DIR`` if set;
2. ``datasets/given`` of the source checkout ``cxlabs`` is installed from;
3. ``given`` under the cache folder (``~/.cache/cxlabs/given``).

Under that folder, ``seed-<seed>/<lab>/`` holds one lab's given results for the world built
from ``seed``, with ``given.json`` recording the content hash of every table they were
computed from. A given result is used only when those hashes equal the learner's world's
(``world.json``): never on another company's data.

With per-learner variants on (:mod:`cxlabs.variants`), each learner's world has its own seed,
and the shipped files (``seed-42``, the shared world) do not describe it: the cells then say
that no given result exists for this company and wait for the learner's own answer, unless
the instructor wrote the learner's files with ``course.py given LAB --student ID`` into a
folder the learner reads (``$CXLABS_GIVEN_DIR``, e.g. a read-only shared folder on the hub).

The grading sandbox never sees these files: it binds the package (``src/``) and copies of the
worlds, not ``datasets/`` and not the cache. Its kernel has ``CXLABS_GRADING=1``
(``autograder/sandboxed_autograde.py``), and there a blank exercise's later cells say once, in
one line, that given results are not used in grading, instead of the learner's "ask your
instructor" note in every cell (which would fill the feedback).

Explorers and cells that call an exercise's function many times (on every move of a slider,
or in a loop) cannot use one given result: :func:`fallback_function` gives them, instead of
the blank function, one that reads the model answer's result for its arguments from a given
table (one row per argument combination). It computes nothing: arguments the table does not
hold raise :class:`GivenMissing`, saying to write the function.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

#: Environment variable naming the folder of given results (first in line).
ENV_DIR = "CXLABS_GIVEN_DIR"
#: The file in each ``seed-<seed>/<lab>/`` folder that lists the items and the tables' hashes.
INDEX = "given.json"
#: Set (to 1) in the grading sandbox's kernel, where given results are unreadable by design.
GRADING_ENV = "CXLABS_GRADING"
#: What a blank exercise's later cells print in grading, once per kernel.
GRADING_NOTE = ("(Given results are not used in grading: cells after an unanswered exercise show "
                "nothing here.)")
_said_in_grading = False


class GivenMissing(LookupError):
    """No usable given result: the message says why and what to run."""


def root() -> Path:
    """The folder of given results (see the module docstring)."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "datasets").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout / "datasets" / "given"
    from cxlabs.variants import cache_dir

    return cache_dir() / "given"


def _world_meta() -> dict:
    from cxlabs.loading import data_dir

    path = data_dir() / "world.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GivenMissing(f"The company's data in {path.parent} has no readable world.json ({exc}); "
                           "load a table first (cxlabs.load), which builds it.") from None


def folder(lab: str, seed: int | None = None) -> Path:
    """Where the given results of ``lab`` for the world built from ``seed`` (default: the
    learner's world) are."""
    seed = _world_meta()["seed"] if seed is None else int(seed)
    return root() / f"seed-{seed}" / lab


def _command(lab: str) -> str:
    return f"python autograder/course.py given {lab}"


def _index(lab: str) -> tuple[Path, dict]:
    meta = _world_meta()
    where = folder(lab, meta["seed"])
    try:
        index = json.loads((where / INDEX).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GivenMissing(
            f"There are no given results of {lab} for this company's data (world seed {meta['seed']}) "
            f"in {where}. On the course's shared data they come with the course: ask your instructor, "
            f"who makes them with `{_command(lab)}`. With a company of your own (variants) the "
            f"instructor makes yours with `{_command(lab)} --student YOUR-ID`.") from None
    ours = meta.get("content_sha256", {})
    stale = sorted(t for t, h in index.get("tables", {}).items() if ours.get(t) != h)
    if stale:
        raise GivenMissing(
            f"The given results of {lab} in {where} were made from other data than yours (tables "
            f"{', '.join(stale)} differ), so they are not used. The instructor makes them again with "
            f"`{_command(lab)}`.")
    return where, index


def load(lab: str, name: str):
    """The given result ``name`` of ``lab`` for the learner's world (a DataFrame, a Series or a
    dict). Raises :class:`GivenMissing`, saying what to run, if there is none."""
    where, index = _index(lab)
    item = index.get("items", {}).get(name)
    if item is None:
        raise GivenMissing(f"{lab} has no given result named {name!r}; it has "
                           f"{', '.join(sorted(index.get('items', {}))) or 'none'}.")
    path = where / item["file"]
    if item["kind"] == "dict":
        return json.loads(path.read_text(encoding="utf-8"))
    frame = pd.read_parquet(path)
    if item["kind"] == "series":
        series = frame.set_index(frame.columns[0])[frame.columns[1]] if item.get("indexed") else frame.iloc[:, 0]
        series.index.name = item.get("index_name")
        series.name = item.get("series_name")
        return series
    return frame


def describe(lab: str, name: str) -> str:
    """What the given result ``name`` is, in words (from ``given.json``)."""
    _, index = _index(lab)
    return index.get("items", {}).get(name, {}).get("what", name)


def note(exercise: str, what: str) -> str:
    """The sentence a cell prints when it uses a given result."""
    return (f"Exercise {exercise} is not answered yet, so this uses the given {what} (made by the "
            "course from your company's data); your own answer will replace it when you run this "
            "cell again.")


def grading() -> bool:
    """True in the grading sandbox's kernel (``CXLABS_GRADING`` set by the grader)."""
    return os.environ.get(GRADING_ENV, "") not in ("", "0")


def _missing(exercise: str, exc: GivenMissing) -> None:
    """Say that there is no given result: in grading once and briefly, else what to do."""
    global _said_in_grading
    from cxlabs.feedback import wrap

    if grading():
        if not _said_in_grading:
            _said_in_grading = True
            print(GRADING_NOTE)
        return
    print(wrap(f"Exercise {exercise} is not answered yet: write the function above, then run "
               f"this cell again. ({exc})"))


def _announced(lab: str, name: str, exercise: str):
    """The given result ``name``, after printing that it stands in for exercise ``exercise``;
    None, after saying why, when there is none."""
    from cxlabs.feedback import wrap

    try:
        value = load(lab, name)
        what = describe(lab, name)
    except GivenMissing as exc:
        _missing(exercise, exc)
        return None
    print(wrap(note(exercise, what)))
    return value


def fallback(func, *args, lab: str, name: str, exercise: str, pairs: pd.DataFrame | None = None, **kwargs):
    """``func(*args, **kwargs)``; if the exercise is not answered yet, the given result instead.

    For read-only cells after an exercise. Only ``NotImplementedError`` (the blank answer)
    falls back: an answer that runs is used as it is, and any other error is raised. Prints
    what it does. Returns None, with the reason, when there is no given result to use.

    ``pairs``: for a given result with one value per candidate pair (``record_id_a``,
    ``record_id_b`` and the value), the learner's pairs to put it on (:func:`aligned`).
    """

    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        pass
    value = _announced(lab, name, exercise)
    if value is None:
        return None
    if pairs is not None:
        value = aligned(value, pairs, value.columns[-1])
    return value


class TableFunction:
    """Stands in for a blank function whose results for some arguments are given (a table).

    Called like the function it replaces; returns the row of the table whose argument columns
    equal the call's arguments (bound by name, defaults applied), as a dict of the other
    columns. Arguments the table does not hold raise :class:`GivenMissing`.

    >>> table = pd.DataFrame({"n": [1, 2], "x": [0.5, 1.0], "out": [10.0, 20.0]})
    >>> def f(n, x=0.5): raise NotImplementedError()
    >>> TableFunction(f, table, "f")(2, x=1.0)
    {'out': 20.0}
    """

    def __init__(self, func, table: pd.DataFrame, name: str):
        import inspect

        self.signature = inspect.signature(func)
        self.table, self.name = table, name
        self.keys = [k for k in self.signature.parameters if k in table.columns]
        self.values = [c for c in table.columns if c not in self.keys]

    def __call__(self, *args, **kwargs):
        import numpy as np

        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        hit = np.ones(len(self.table), dtype=bool)
        for key in self.keys:
            hit &= np.isclose(self.table[key].to_numpy(dtype=float), float(bound.arguments[key]), rtol=1e-9, atol=1e-12)
        if not hit.any():
            shown = ", ".join(f"{k}={bound.arguments[k]!r}" for k in self.keys)
            raise GivenMissing(f"The given results of {self.name} do not cover {shown}; write {self.name} above "
                               "to explore beyond them.")
        row = self.table[hit].iloc[0]
        return {c: row[c].item() if hasattr(row[c], "item") else row[c] for c in self.values}


def fallback_function(func, *probe, lab: str, name: str, exercise: str, lookup=None, **probe_kwargs):
    """``func`` if it runs on ``probe``; if the exercise is not answered yet, a stand-in that
    reads the model answer's results from the given table ``name``.

    For cells and explorers that call an exercise's function many times. The stand-in is
    ``lookup(table)`` when given (for arguments that are tables), else a :class:`TableFunction`
    (scalar arguments, one row per combination). Any other error is left for the cell to
    show: ``func`` is returned. Prints what it does; returns None, with the reason, when there
    is no given table.
    """

    try:
        func(*probe, **probe_kwargs)
        return func
    except NotImplementedError:
        pass
    except Exception:  # noqa: BLE001 - the learner's error: the cell runs func and shows it
        return func
    table = _announced(lab, name, exercise)
    if table is None:
        return None
    return lookup(table) if lookup is not None else TableFunction(func, table, getattr(func, "__name__", name))


def aligned(weights: pd.DataFrame, pairs: pd.DataFrame, column: str = "weight") -> pd.Series:
    """A given per-pair value (``record_id_a``, ``record_id_b``, ``column``) on the rows of
    ``pairs``; pairs the given result does not know get NaN (and a note)."""
    keys = ["record_id_a", "record_id_b"]
    merged = pairs[keys].merge(weights[[*keys, column]], on=keys, how="left")
    out = pd.Series(merged[column].to_numpy(), index=pairs.index, name=column)
    unknown = int(out.isna().sum())
    if unknown:
        from cxlabs.feedback import wrap

        print(wrap(f"{unknown:,} of your {len(out):,} pairs are not among the given pairs (your keys "
                   "differ from the ones the given results come from); they have no given value."))
    return out
