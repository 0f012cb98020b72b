"""Instructor tooling for the cxlabs course, on top of nbgrader's own commands.

    python autograder/course.py release [LAB ...]   regenerate labs/ from solutions/ (nbgrader generate_assignment)
    python autograder/course.py check               fail if labs/ is not exactly what release would write
    python autograder/course.py setup               register the manifest's labs as nbgrader assignments
    python autograder/course.py readme [--check]    rewrite the README's lab list from the manifest
    python autograder/course.py export [LAB ...] [--out FILE]
                                                    grades of every student as CSV (long, and for Canvas and
                                                    Moodle), by default in autograder/work/ (git-ignored)
    python autograder/course.py variants [STUDENT ...]
                                                    build every learner's own world ahead of grading
    python autograder/course.py demo LAB [--dir DIR]
                                                    rehearse release to grades with made-up learners, in a
                                                    scratch course; prints where each file went
    python autograder/course.py memo-figures LAB [--student ID ...] [--out FILE]
                                                    a page of each learner's reference figures for the memo
    python autograder/course.py given [LAB ...] [--student ID ...] [--out DIR]
                                                    the given results a stuck learner's later cells use
                                                    (datasets/given/; see autograder/given_data.py)

Every nbgrader call runs from ``autograder/`` so ``autograder/nbgrader_config.py`` applies.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
README = REPO / "README.md"
LABS_START, LABS_END = "<!-- labs:start -->", "<!-- labs:end -->"


def nbgrader(*args: str, root: Path = REPO, env: dict | None = None, check: bool = True,
             capture: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` with this course's configuration, for the course at ``root``."""
    full_env = {**os.environ, **(env or {}), "CXLABS_COURSE_ROOT": str(root)}
    # nbgrader runs helpers such as `alembic` by name: put this environment's scripts first.
    bindir = str(Path(sys.executable).parent)
    full_env["PATH"] = bindir + os.pathsep + full_env.get("PATH", "")
    exe = Path(sys.executable).with_name("nbgrader")
    cmd = [str(exe) if exe.exists() else "nbgrader", *args]
    result = subprocess.run(cmd, cwd=HERE, env=full_env, text=True,
                            capture_output=capture)
    if check and result.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed ({result.returncode}):\n"
                           f"{result.stdout}\n{result.stderr}")
    return result


def lab_ids() -> list[str]:
    from cxlabs.course import labs

    return [lab.id for lab in labs()]


def release(root: Path = REPO, ids: list[str] | None = None) -> None:
    """Regenerate ``root/labs/<id>`` from ``root/solutions/<id>`` for each lab."""
    for lab_id in ids or lab_ids():
        if not (root / "solutions" / lab_id).is_dir():
            raise SystemExit(f"solutions/{lab_id} does not exist")
        target = root / "labs" / lab_id
        if target.exists():
            shutil.rmtree(target)
        nbgrader("generate_assignment", lab_id, "--force", "--create", root=root)
        for notebook in sorted(target.glob("*.ipynb")):
            add_break_cells(notebook, lab_id)
            add_progress_cell(notebook)
        print(f"released {lab_id} -> {target.relative_to(root)}")


PROGRESS_MARKDOWN = """## Where you stand

Run the cell below any time: for every exercise, whether its visible check passes, fails or
is not answered yet, the points still at stake, and whether your memo is written (as last
saved). It runs the same visible checks as the check cells above and never shows an answer;
passing them is necessary, not sufficient."""
PROGRESS_CODE = "from cxlabs.checks import progress\n\nprogress()"


def add_progress_cell(notebook: Path) -> None:
    """End a released lab with the progress summary (``cxlabs.checks.progress``), read-only.

    Added at release, so every lab has it without a line in ``solutions/``; the cell ids are
    fixed, so a release is reproducible (``course.py check``).
    """
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    if any(c.get("id") == "cxlabs-progress" for c in nb.cells):
        return
    locked = {"editable": False, "deletable": False}
    md = nbformat.v4.new_markdown_cell(PROGRESS_MARKDOWN, metadata=dict(locked))
    md["id"] = "cxlabs-progress-text"
    code = nbformat.v4.new_code_cell(PROGRESS_CODE, metadata=dict(locked))
    code["id"] = "cxlabs-progress"
    nb.cells += [md, code]
    nbformat.write(nb, notebook)


def add_break_cells(notebook: Path, lab_id: str) -> None:
    """Put a read-only break cell before each part that starts a new sitting (``breaks`` in
    ``course.toml``): how long the sitting was and how to pick up again.

    Added at release, like the progress cell; the cell ids are fixed (``cxlabs-break-N``), so a
    release is reproducible. A break that names no ``## Part`` heading of the notebook is an
    error, so a renamed part cannot silently lose its break.
    """
    import re

    import nbformat

    from cxlabs.course import break_markdown, lab

    item = lab(lab_id)
    if not item.breaks:
        return
    nb = nbformat.read(notebook, as_version=4)
    if any(str(c.get("id", "")).startswith("cxlabs-break-") for c in nb.cells):
        return
    for number, part in reversed(list(enumerate(item.breaks, 1))):
        starts = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                  and re.match(rf"##\s+{re.escape(part)}\b", c.source)]
        if len(starts) != 1:
            raise SystemExit(f"course.toml: {lab_id}'s break before {part!r} needs exactly one "
                             f"heading '## {part} ...' in {notebook.name}; found {len(starts)}")
        cell = nbformat.v4.new_markdown_cell(break_markdown(item, number),
                                             metadata={"editable": False, "deletable": False})
        cell["id"] = f"cxlabs-break-{number}"
        nb.cells.insert(starts[0], cell)
    nbformat.write(nb, notebook)


def drift(root: Path = REPO) -> list[str]:
    """Files that differ between ``root/labs`` and a fresh release of ``root/solutions``."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        shutil.copytree(root / "solutions", scratch / "solutions")
        release(scratch)
        fresh, committed = scratch / "labs", root / "labs"
        problems = []
        def files(folder: Path) -> set[Path]:  # JupyterLab's .ipynb_checkpoints are not the release
            return {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()
                    and ".ipynb_checkpoints" not in p.relative_to(folder).parts} if folder.is_dir() else set()

        fresh_files, committed_files = files(fresh), files(committed)
        for rel in sorted(fresh_files | committed_files):
            if rel not in committed_files:
                problems.append(f"labs/{rel} is missing")
            elif rel not in fresh_files:
                problems.append(f"labs/{rel} is not generated from solutions/")
            elif not filecmp.cmp(fresh / rel, committed / rel, shallow=False):
                problems.append(f"labs/{rel} differs from what solutions/ generates")
        return problems


def open_gradebook(root: Path = REPO):
    """The course's gradebook through nbgrader's Gradebook API (use as a context manager)."""
    from nbgrader.api import Gradebook

    # A new gradebook runs `alembic` by name: make this environment's scripts findable.
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    return Gradebook(course_config(root).CourseDirectory.db_url)


def setup(root: Path = REPO) -> None:
    """Register every lab of the manifest as an nbgrader assignment in the gradebook.

    Labs already registered are left alone, so running it again keeps their due dates.
    """
    with open_gradebook(root) as gb:
        due = {a.name: a.duedate for a in gb.assignments}
    for lab_id in lab_ids():
        if lab_id in due:
            print(f"assignment {lab_id} already registered (due: {due[lab_id] or 'no due date'})")
            continue
        nbgrader("db", "assignment", "add", lab_id, root=root)
        print(f"assignment {lab_id} registered")


def course_config(root: Path = REPO):
    """The course's nbgrader configuration (``autograder/nbgrader_config.py``) for ``root``."""
    from traitlets.config.loader import PyFileConfigLoader

    saved = os.environ.get("CXLABS_COURSE_ROOT")
    os.environ["CXLABS_COURSE_ROOT"] = str(root)
    try:
        return PyFileConfigLoader("nbgrader_config.py", path=str(HERE)).load_config()
    finally:
        if saved is None:
            os.environ.pop("CXLABS_COURSE_ROOT", None)
        else:
            os.environ["CXLABS_COURSE_ROOT"] = saved


EXPORT_COLUMNS = ["student_id", "lms_user_id", "lab", "score", "max_score", "late", "status",
                  "submitted_at", "variant_seed"]


def _grading():
    """``autograder/grading.py`` (instructor-only), imported from this folder."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import grading

    return grading


def graded_variant(root: Path, lab_id: str, student: str) -> int | None:
    """The variant seed a submission was graded with (recorded in its autograded notebook)."""
    import json

    folder = root / course_config(root).CourseDirectory.autograded_directory / student / lab_id
    for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
        try:
            seed = json.loads(path.read_text(encoding="utf-8"))["metadata"]["cxlabs"]["variant_seed"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(seed, int):
            return seed
    return None


def variant_of(root: Path, lab_id: str, student: str) -> str:
    """The ``variant_seed`` column: the seed the submission was graded with, else (variants on)
    the learner's seed; empty when everyone has the one world."""
    from cxlabs import variants

    seed = graded_variant(root, lab_id, student)
    if seed is None and variants.enabled():
        seed = variants.seed_for(student)
    return "" if seed is None else str(seed)


def grade_rows(root: Path = REPO, ids: list[str] | None = None) -> list[dict]:
    """One row per student and lab, read from the gradebook with nbgrader's Gradebook API.

    Labs are the manifest's labs released into the gradebook (or ``ids``); students are the
    gradebook's students, so a student who never submitted gets a row with score 0 and
    status ``missing``. ``score`` is the total after any late penalty nbgrader applied;
    ``late`` is 1 when the submission's timestamp is after the lab's due date (plus the
    student's extension, if any); ``status`` is ``graded``, ``needs_grading`` (a memo is not
    graded yet: its points are not in ``score``) or ``missing``; ``variant_seed`` is the
    learner's own world when every learner has one (:func:`variant_of`), else empty.
    """
    from nbgrader.api import MissingEntry

    rows = []
    with open_gradebook(root) as gb:
        registered = {a.name for a in gb.assignments}
        released = {a.name for a in gb.assignments if a.notebooks}
        wanted = ids or [lab_id for lab_id in lab_ids() if lab_id in released]
        unknown = [lab_id for lab_id in wanted if lab_id not in registered]
        if unknown:
            raise SystemExit(f"not in the gradebook: {', '.join(unknown)} "
                             f"(registered: {', '.join(sorted(registered)) or 'none'})")
        students = sorted(gb.students, key=lambda s: s.id)
        for lab_id in wanted:
            max_score = gb.find_assignment(lab_id).max_score
            for student in students:
                row = {"student_id": student.id, "lms_user_id": student.lms_user_id or "",
                       "lab": lab_id, "max_score": _points(max_score),
                       "variant_seed": variant_of(root, lab_id, student.id)}
                try:
                    sub = gb.find_submission(lab_id, student.id)
                except MissingEntry:
                    rows.append({**row, "score": _points(0), "late": 0, "status": "missing",
                                 "submitted_at": ""})
                    continue
                penalty = sub.late_submission_penalty or 0.0
                rows.append({**row, "score": _points(max(0.0, sub.score - penalty)),
                             "late": int(sub.total_seconds_late > 0),
                             "status": "needs_grading" if sub.needs_manual_grade else "graded",
                             "submitted_at": _iso(sub.timestamp)})
    return rows


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _iso(timestamp) -> str:
    return "" if timestamp is None else timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def export(root: Path = REPO, ids: list[str] | None = None, out: str | Path = "-") -> list[dict]:
    """Write :func:`grade_rows` as CSV to ``out`` (a path, or ``-`` for standard output).

    Written to a file, the same grades also go, one row per learner and one column per lab,
    into ``<out>-canvas.csv`` and ``<out>-moodle.csv`` beside it (:func:`lms_tables`).
    """
    rows = grade_rows(root, ids)
    with contextlib.ExitStack() as stack:
        fh = sys.stdout if str(out) == "-" else stack.enter_context(
            open(out, "w", newline="", encoding="utf-8"))
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    if str(out) != "-":
        for path, (columns, table) in zip(lms_paths(out), lms_tables(rows, student_details(root)), strict=True):
            with open(path, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(columns)
                writer.writerows(table)
    return rows


def lms_paths(out: str | Path) -> tuple[Path, Path]:
    """Where the Canvas and Moodle files of an export to ``out`` go: beside it."""
    out = Path(out)
    return (out.with_name(f"{out.stem}-canvas.csv"), out.with_name(f"{out.stem}-moodle.csv"))


def student_details(root: Path = REPO) -> dict[str, dict]:
    """The gradebook's students: ``{id: {first_name, last_name, email, lms_user_id}}``."""
    with open_gradebook(root) as gb:
        return {s.id: {"first_name": s.first_name or "", "last_name": s.last_name or "",
                       "email": s.email or "", "lms_user_id": s.lms_user_id or ""}
                for s in gb.students}


def lms_tables(rows: list[dict], students: dict[str, dict]) -> tuple[tuple[list, list], tuple[list, list]]:
    """The export pivoted for an LMS gradebook import: one row per learner, one column per lab.

    Returns ``((canvas_columns, canvas_rows), (moodle_columns, moodle_rows))``.

    - **Canvas** (Grades > Import): the columns Canvas's own gradebook export has, ``Student``
      ("Last, First"), ``ID`` (the Canvas user id: ``lms_user_id``), ``SIS User ID``,
      ``SIS Login ID`` (the nbgrader student id), ``Section``, then a column per lab named by
      its id (Canvas creates the assignment on the first import; rename a column to an
      existing assignment's name to fill that one); the row ``Points Possible`` holds each
      lab's maximum, as in Canvas's own export.
    - **Moodle** (Grades > Import > CSV file): ``Username`` (the nbgrader student id),
      ``ID number`` (``lms_user_id``), ``Email address``, ``First name``, ``Last name``, then a
      column per lab; map ``Username`` (or ``ID number``) to the user field when importing.

    A lab whose memo is not graded yet is left **empty** for that learner (the LMS keeps no
    partial grade); a missing submission is ``0``, as in the long export.
    """
    labs = list(dict.fromkeys(r["lab"] for r in rows))
    maxima = {r["lab"]: r["max_score"] for r in rows}
    by_student: dict[str, dict] = {}
    for r in rows:
        by_student.setdefault(r["student_id"], {})[r["lab"]] = \
            "" if r["status"] == "needs_grading" else r["score"]
    canvas_cols = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *labs]
    moodle_cols = ["Username", "ID number", "Email address", "First name", "Last name", *labs]
    canvas = [["Points Possible", "", "", "", "", *[maxima[lab_id] for lab_id in labs]]]
    moodle = []
    for sid in sorted(by_student):
        info = students.get(sid, {})
        first, last = info.get("first_name", ""), info.get("last_name", "")
        name = f"{last}, {first}" if first and last else (last or first or sid)
        scores = [by_student[sid].get(lab_id, "") for lab_id in labs]
        canvas.append([name, info.get("lms_user_id", ""), "", sid, "", *scores])
        moodle.append([sid, info.get("lms_user_id", ""), info.get("email", ""), first, last, *scores])
    return (canvas_cols, canvas), (moodle_cols, moodle)


# ---- every learner their own world: build ahead, and the memo figures page ---------------------

def course_students(root: Path = REPO, lab_id: str | None = None) -> list[str]:
    """The gradebook's students, and anyone with a submission (of ``lab_id``, or of any lab)."""
    found = set()
    url = course_config(root).CourseDirectory.db_url
    if not url.startswith("sqlite:///") or Path(url[len("sqlite:///"):]).is_file():  # never create one
        with open_gradebook(root) as gb:
            found |= {s.id for s in gb.students}
    submitted = root / course_config(root).CourseDirectory.submitted_directory
    if submitted.is_dir():
        found |= {d.name for d in submitted.iterdir() if d.is_dir()
                  and (lab_id is None or (d / lab_id).is_dir())}
    return sorted(found)


def build_variants(students: list[str], jobs: int = 1) -> list[dict]:
    """Build (or find) each learner's own world in the grader's cache; one row per learner."""
    from concurrent.futures import ProcessPoolExecutor

    rows = []
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for row in pool.map(_build_one, students):
            rows.append(row)
            print(f"{row['student']:<20} variant {row['seed']:<16} {row['state']:<8} "
                  f"{row['seconds']:5.1f} s  {row['folder']}", flush=True)
    return rows


def _build_one(student: str) -> dict:
    import time

    grading = _grading()
    from cxlabs.variants import seed_for

    seed = seed_for(student)
    folder = grading.worlds_dir() / f"variant-{seed}"
    existed = (folder / "world.json").is_file()
    t0 = time.perf_counter()
    folder, seed = grading.learner_world(student)
    return {"student": student, "seed": seed, "folder": str(folder), "state": "cached" if existed else "built",
            "seconds": time.perf_counter() - t0}


def memo_rows(root: Path, lab_id: str, students: list[str] | None = None) -> tuple[list[dict], bool]:
    """Per learner, the reference figures of their own world that the lab's memo rubric asks for.

    Returns ``(rows, variants_on)``. With variants off there is one row, for everyone. Figures
    are cached per lab and world in the grader's world cache, keyed on the code behind them.
    """
    import hashlib
    import json

    from cxlabs import variants
    from cxlabs.loading import ensure_world

    grading = _grading()
    if grading.memo_function(lab_id) is None:
        raise SystemExit(f"{lab_id} has no MEMO_FIGURES (autograder/graders/{lab_id}.py or {lab_id}_memo.py)")
    key = hashlib.sha256(b"".join(p.read_bytes() for p in grading.memo_sources(lab_id))).hexdigest()[:12]
    cache = grading.worlds_dir() / "memo-figures"
    cache.mkdir(parents=True, exist_ok=True)

    def figures(folder: Path, seed) -> dict:
        path = cache / f"{lab_id}-{seed}-{key}.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        got = grading.memo_figures(lab_id, grading.World(folder, "learner"))
        got = {k: v if isinstance(v, (int, float, str)) else str(v) for k, v in got.items()}
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(got), encoding="utf-8")
        os.replace(tmp, path)
        return got

    if not variants.enabled():
        folder = ensure_world()
        seed = json.loads((folder / "world.json").read_text())["seed"]
        return [{"student": "every learner", "seed": "", "figures": figures(folder, f"world{seed}")}], False
    rows = []
    for student in students if students is not None else course_students(root, lab_id):
        folder, seed = grading.learner_world(student)
        rows.append({"student": student, "seed": str(seed), "figures": figures(folder, seed)})
    return rows, True


def memo_page(root: Path, lab_id: str, students: list[str] | None = None, out: Path | None = None) -> Path:
    """Write the memo figures page of ``lab_id`` (HTML, one row per learner); return its path."""
    import datetime as dt
    import html

    import nbformat

    from cxlabs.course import lab

    rows, on = memo_rows(root, lab_id, students)
    item = lab(lab_id)
    rubric = ""
    source = root / "solutions" / item.path
    if source.is_file():
        for cell in nbformat.read(source, as_version=4).cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id == "memo_task":
                rubric = cell.source + rubric
            elif grade_id == "memo" and "**Grader's key**" in cell.source:  # instructor copy only
                rubric += "\n\n**Grader's key**" + cell.source.split("**Grader's key**", 1)[1]
    labels = list(dict.fromkeys(k for r in rows for k in r["figures"]))
    esc = html.escape
    head = "".join(f"<th>{esc(x)}</th>" for x in ["learner", "variant", *labels])
    body = "\n".join(
        "<tr>" + "".join(f"<td>{esc(str(x))}</td>" for x in
                         [r["student"], r["seed"], *[r["figures"].get(k, "") for k in labels]]) + "</tr>"
        for r in rows)
    note = ("Every learner has their own company (variants on): each row is computed on that learner's "
            "own world, the one their notebook loaded and was graded on." if on else
            "Variants are off: every learner has the same company, so one row holds for all.")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(lab_id)}: memo figures per learner</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; }}
table {{ border-collapse: collapse; font-size: 0.85rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }}
th {{ background: #f3f3f3; position: sticky; top: 0; }}
tr:nth-child(even) td {{ background: #fafafa; }}
td:first-child {{ font-weight: 600; white-space: nowrap; }}
pre {{ white-space: pre-wrap; background: #f7f7f7; padding: 0.8rem; max-width: 60rem; }}
</style></head><body>
<h1>{esc(lab_id)}: {esc(item.title)} — memo figures per learner</h1>
<p>{esc(note)} Check the numbers a memo quotes against its learner's row; a memo that quotes
another learner's figures was not written from the learner's own work. Written
{dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")} by <code>python autograder/course.py memo-figures {esc(lab_id)}</code>.</p>
<details><summary>The memo task and rubric</summary><pre>{esc(rubric)}</pre></details>
<table><thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody></table>
</body></html>
"""
    out = Path(out) if out else root / "autograder" / "work" / f"memo-figures-{lab_id}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


# ---- rehearse the whole cycle on one machine ---------------------------------------------------

DEMO_LEARNERS = {  # made-up learners: what each hands in
    "alice": "the model answers and the model memo",
    "bob": "the lab as fetched (blank)",
    "carol": "exercise 1 answered, a short memo",
}


def _fill(notebook: Path, solution: Path, grade_ids: set[str] | None, memo: str | None = None) -> None:
    """Put the model answers of ``grade_ids`` (None: all) into a fetched notebook."""
    import nbformat

    model = {c.metadata["nbgrader"]["grade_id"]: c.source
             for c in nbformat.read(solution, as_version=4).cells if "nbgrader" in c.metadata}
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        if meta.get("grade_id") == "memo" and memo is not None:
            cell.source = memo
        elif grade_ids is None or meta.get("grade_id") in grade_ids:
            cell.source = model[meta["grade_id"]]
    nbformat.write(nb, notebook)


def demo(lab_id: str, folder: Path | None = None, log=print) -> dict:
    """Rehearse release to grades for ``lab_id`` in a scratch course with made-up learners.

    Everything happens under ``folder`` (default: a new folder in the system's temporary
    directory): a copy of ``solutions/``, its own gradebook and exchange, and a home folder per
    learner. The course's own ``autograder/work/`` and gradebook are never touched. The
    commands are nbgrader's and this file's, as ``autograder/README.md`` gives them; the
    learners run nbgrader with the course's learner configuration. Returns the paths.
    """
    import datetime as dt
    import json

    from cxlabs.course import lab
    from cxlabs.loading import ensure_world

    item = lab(lab_id)
    folder = Path(folder or tempfile.mkdtemp(prefix=f"cxlabs-demo-{lab_id}-")).resolve()
    root = folder / "course"
    if root.exists():
        raise SystemExit(f"{root} exists: give an empty --dir")
    # the course-local exchange, as on one machine with one account (autograder/README.md)
    exchange = root / "autograder" / "work" / "exchange"
    env = {"CXLABS_DATA_DIR": os.environ.get("CXLABS_DATA_DIR", ""), "CXLABS_EXCHANGE": "",
           "CXLABS_VARIANTS": "0", "CXLABS_GRADEBOOK_URL": "", "CXLABS_CHECK_OWNER": "", "MPLBACKEND": "Agg"}
    went: list[tuple[str, Path]] = []

    def step(text: str) -> None:
        log(f"\n== {text}")

    def run(*args: str) -> subprocess.CompletedProcess:
        log("   $ nbgrader " + " ".join(args))
        result = nbgrader(*args, root=root, env=env)
        for line in warnings_in(result.stdout + result.stderr):
            log(f"     {line}")
        return result

    step(f"a scratch course in {folder}")
    shutil.copytree(REPO / "solutions", root / "solutions")
    (root / "autograder").mkdir()
    folder.mkdir(parents=True, exist_ok=True)
    went.append(("the course (solutions/, labs/)", root))
    roster = folder / "students.csv"
    roster.write_text("id,first_name,last_name,email,lms_user_id\n" + "".join(
        f"{s},{s.title()},Demo,{s}@example.org,{1001 + i}\n" for i, s in enumerate(DEMO_LEARNERS)),
        encoding="utf-8")
    went.append(("the student list (made up)", roster))
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        if not env["CXLABS_DATA_DIR"]:  # the course's one company (variants off for the rehearsal)
            os.environ.pop("CXLABS_DATA_DIR")
            env["CXLABS_DATA_DIR"] = os.environ["CXLABS_DATA_DIR"] = str(ensure_world())
        went.append(("the company's data the labs load", Path(env["CXLABS_DATA_DIR"])))
        run("db", "student", "import", str(roster))

        step(f"release {lab_id}")
        release(root, [lab_id])
        run("release_assignment", lab_id)
        went.append(("the released lab", root / "labs" / lab_id))
        went.append(("nbgrader's exchange", exchange))

        step("learners fetch, work and submit (each in their own home folder)")
        homes = {}
        for student, what in DEMO_LEARNERS.items():
            home = folder / "home" / student
            (home / ".jupyter").mkdir(parents=True)
            shutil.copy(HERE / "learner_nbgrader_config.py", home / ".jupyter" / "nbgrader_config.py")
            homes[student] = home
            learner(home, exchange, student, "fetch_assignment", lab_id, log=log)
            notebook = home / lab_id / f"{item.notebook}.ipynb"
            solution = root / "solutions" / item.path
            if student == "alice":
                _fill(notebook, solution, None)
            elif student == "carol":
                _fill(notebook, solution, {"ex1_answer"}, memo="I would look at the biggest market first.")
            learner(home, exchange, student, "submit", lab_id, log=log)
            log(f"   {student}: {what}")
        went.append(("each learner's fetched lab", folder / "home" / "<learner>" / lab_id))

        step("collect and autograde (learner code in the sandbox)")
        run("collect", lab_id)
        run("autograde", lab_id)
        work = root / "autograder" / "work"
        went.append(("collected submissions", work / "submitted"))
        went.append(("autograded notebooks", work / "autograded"))
        went.append(("the gradebook", work / "gradebook.db"))

        step("grade the memos (scripted, as a grader in the formgrader would)")
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:
            for student, points in [("alice", "full"), ("carol", 1)]:
                memo = gb.find_grade("memo", item.notebook, lab_id, student)
                memo.manual_score = memo.max_score if points == "full" else points
                memo.needs_manual_grade = False
                gb.db.commit()
                log(f"   {student}'s memo: {memo.manual_score:g} of {memo.max_score:g}")

        step("feedback")
        run("generate_feedback", lab_id)
        run("release_feedback", lab_id)
        for student, home in homes.items():
            learner(home, exchange, student, "fetch_feedback", lab_id, log=log)
        went.append(("feedback pages", work / "feedback"))
        went.append(("each learner's fetched feedback", folder / "home" / "<learner>" / lab_id / "feedback"))

        step("export the grades for the LMS")
        out = work / "grades.csv"
        rows = export(root, [lab_id], out=out)
        for r in rows:
            log(f"   {r['student_id']:<6} {r['score']:>5} / {r['max_score']:<5} {r['status']}")
        went.append(("grades, one row per learner and lab", out))
        canvas, moodle = lms_paths(out)
        went += [("grades for Canvas", canvas), ("grades for Moodle", moodle)]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    step("where each file went")
    for what, path in went:
        log(f"   {what:<40} {path}")
    log(f"\nOpen a feedback page, e.g. {next(iter(sorted((folder / 'home' / 'carol').rglob('*.html'))), '')}")
    log(f"Delete the rehearsal with: rm -rf {folder}")
    (folder / "demo.json").write_text(json.dumps(
        {"lab": lab_id, "written": dt.datetime.now(dt.UTC).isoformat(),
         "files": {what: str(path) for what, path in went}}, indent=1), encoding="utf-8")
    return {"folder": folder, "root": root, "exchange": exchange, "homes": homes, "grades": out,
            "files": dict(went)}


def learner(home: Path, exchange: Path, student: str, *args: str, log=print) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS --student=ID`` as a learner: own HOME (its nbgrader config), own id."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXLABS_")}
    env.update(HOME=str(home), CXLABS_EXCHANGE=str(exchange))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    exe = Path(sys.executable).with_name("nbgrader")
    log(f"   [{student}] $ nbgrader {' '.join(args)}")
    result = subprocess.run([str(exe) if exe.exists() else "nbgrader", *args, f"--student={student}"],
                            cwd=home, env=env, text=True, capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"{student}: nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    for line in warnings_in(result.stdout + result.stderr):
        log(f"     {line}")
    return result


def warnings_in(output: str) -> list[str]:
    """Every line of an nbgrader run that is not its routine ``[... | INFO]`` log: warnings,
    errors and Python warnings (SQLAlchemy's, say) with their continuation lines."""
    import re

    lines, keep = [], False
    for line in output.splitlines():
        head = re.match(r"\[\w+ \| (\w+)\]", line.strip())
        if head:
            keep = head[1] not in ("INFO", "DEBUG")
        elif re.search(r"\w*Warning\b|Error\b", line):
            keep = True
        if keep and line.strip():
            lines.append(line.rstrip())
    return lines

def readme(check: bool = False) -> int:
    from cxlabs.course import lab_list_markdown

    text = README.read_text(encoding="utf-8")
    if LABS_START not in text or LABS_END not in text:
        print(f"README.md lacks the {LABS_START} ... {LABS_END} markers", file=sys.stderr)
        return 1
    head, rest = text.split(LABS_START, 1)
    _, tail = rest.split(LABS_END, 1)
    new = f"{head}{LABS_START}\n{lab_list_markdown()}\n{LABS_END}{tail}"
    if check:
        if new != text:
            print("README.md's lab list is out of date: run `python autograder/course.py readme`",
                  file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    print("README.md lab list updated")
    return 0


def given(ids: list[str] | None = None, students: list[str] | None = None,
          out: str | Path | None = None, log=print) -> list[Path]:
    """Write the given results of ``ids`` (default: every lab with a recipe) for the shared world,
    or for each of ``students``' own worlds; see ``autograder/given_data.py``."""
    _grading()
    import given_data

    from cxlabs.loading import _default_dir, ensure_world

    worlds = ([_grading().learner_world(s)[0] for s in students] if students
              else [ensure_world(Path(os.environ.get("CXLABS_DATA_DIR") or _default_dir()))])
    written = []
    for world in worlds:
        for lab_id in ids or list(given_data.RECIPES):
            if lab_id not in given_data.RECIPES:
                raise SystemExit(f"{lab_id} has no given results (labs with some: {', '.join(given_data.RECIPES)})")
            folder = given_data.write(lab_id, world, Path(out) if out else given_data.DEFAULT_ROOT)
            log(f"given results of {lab_id} for the world in {world}: {folder}")
            written.append(folder)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("release", help="regenerate labs/ from solutions/")
    r.add_argument("labs", nargs="*", help="lab ids (default: every lab in the manifest)")
    sub.add_parser("check", help="fail if labs/ drifted from solutions/")
    sub.add_parser("setup", help="register the manifest's labs in the gradebook")
    m = sub.add_parser("readme", help="rewrite the README lab list from the manifest")
    m.add_argument("--check", action="store_true")
    e = sub.add_parser("export", help="grades of every student as a CSV an LMS can import")
    e.add_argument("labs", nargs="*", help="lab ids (default: every manifest lab in the gradebook)")
    e.add_argument("--out", default=None,
                   help="CSV file to write (default autograder/work/grades.csv, git-ignored: learner data "
                        "stays out of the repository), or - for standard output")
    v = sub.add_parser("variants", help="build every learner's own world ahead of grading (variants on)")
    v.add_argument("students", nargs="*", help="student ids (default: the gradebook's and submitted ones)")
    v.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="builds at a time (default: cores)")
    f = sub.add_parser("memo-figures", help="a page of each learner's reference figures for the memo")
    f.add_argument("lab", help="lab id, e.g. lab01")
    f.add_argument("--student", action="append", dest="students", help="only these learners (repeatable)")
    f.add_argument("--out", default=None, help="HTML file (default autograder/work/memo-figures-LAB.html)")
    d = sub.add_parser("demo", help="rehearse the whole cycle for one lab in a scratch course")
    d.add_argument("lab", help="lab id, e.g. lab00")
    d.add_argument("--dir", default=None, help="an empty folder for the rehearsal (default: a new temporary one)")
    g = sub.add_parser("given", help="the given results later parts fall back on (autograder/given_data.py)")
    g.add_argument("labs", nargs="*", help="lab ids (default: every lab with a recipe)")
    g.add_argument("--student", action="append", dest="students",
                   help="for this learner's own world (variants on; repeatable); default: the shared world")
    g.add_argument("--out", default=None, help="folder (default datasets/given; learners read $CXLABS_GIVEN_DIR)")
    args = parser.parse_args(argv)
    root = Path(os.environ.get("CXLABS_COURSE_ROOT", REPO)).resolve()  # as nbgrader_config.py
    if args.command == "release":
        release(root, ids=args.labs or None)
    elif args.command == "check":
        problems = drift(root)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print("Run `python autograder/course.py release` to regenerate labs/.", file=sys.stderr)
            return 1
        print("labs/ is exactly what solutions/ generates.")
    elif args.command == "setup":
        setup(root)
    elif args.command == "readme":
        return readme(check=args.check)
    elif args.command == "variants":
        from cxlabs import variants

        if not variants.enabled():
            print("Variants are off ([variants] enabled in src/cxlabs/course.toml, or CXLABS_VARIANTS=1): "
                  "every learner has the same world; nothing to build.", file=sys.stderr)
            return 1
        students = args.students or course_students(root)
        rows = build_variants(students, args.jobs)
        print(f"{len(rows)} learners' worlds in {_grading().worlds_dir()}")
    elif args.command == "demo":
        demo(args.lab, Path(args.dir) if args.dir else None)
    elif args.command == "given":
        given(args.labs, args.students, args.out)
    elif args.command == "memo-figures":
        path = memo_page(root, args.lab, args.students, args.out)
        print(f"memo figures of {args.lab} written to {path}")
    elif args.command == "export":
        out = args.out or root / "autograder" / "work" / "grades.csv"
        if out != "-":
            Path(out).parent.mkdir(parents=True, exist_ok=True)
        rows = export(root, ids=args.labs or None, out=out)
        if out != "-":
            canvas, moodle = lms_paths(out)
            print(f"{len(rows)} rows (one per learner and lab) written to {out}\n"
                  f"for Canvas (Grades > Import): {canvas}\nfor Moodle (Grades > Import > CSV file): {moodle}",
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
