"""Instructor tooling for the cxlabs course, on top of nbgrader's own commands.

    python autograder/course.py release [LAB ...]   regenerate labs/ from solutions/ (nbgrader generate_assignment)
    python autograder/course.py check               fail if labs/ is not exactly what release would write
    python autograder/course.py setup               register the manifest's labs as nbgrader assignments
    python autograder/course.py readme [--check]    rewrite the README's lab list from the manifest
    python autograder/course.py export [LAB ...] [--out FILE]
                                                    grades of every student as a CSV an LMS can import
    python autograder/course.py variants [STUDENT ...]
                                                    build every learner's own world ahead of grading
    python autograder/course.py memo-figures LAB [--student ID ...] [--out FILE]
                                                    a page of each learner's reference figures for the memo

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
        print(f"released {lab_id} -> {target.relative_to(root)}")


def drift(root: Path = REPO) -> list[str]:
    """Files that differ between ``root/labs`` and a fresh release of ``root/solutions``."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        shutil.copytree(root / "solutions", scratch / "solutions")
        release(scratch)
        fresh, committed = scratch / "labs", root / "labs"
        problems = []
        fresh_files = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
        committed_files = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()} \
            if committed.is_dir() else set()
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
    """Write :func:`grade_rows` as CSV to ``out`` (a path, or ``-`` for standard output)."""
    rows = grade_rows(root, ids)
    with contextlib.ExitStack() as stack:
        fh = sys.stdout if str(out) == "-" else stack.enter_context(
            open(out, "w", newline="", encoding="utf-8"))
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


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
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "memo_task":
                rubric = cell.source
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
    e.add_argument("--out", default="lms-grades.csv",
                   help="CSV file to write, or - for standard output (default lms-grades.csv: "
                        "`nbgrader export` writes grades.csv)")
    v = sub.add_parser("variants", help="build every learner's own world ahead of grading (variants on)")
    v.add_argument("students", nargs="*", help="student ids (default: the gradebook's and submitted ones)")
    v.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="builds at a time (default: cores)")
    f = sub.add_parser("memo-figures", help="a page of each learner's reference figures for the memo")
    f.add_argument("lab", help="lab id, e.g. lab01")
    f.add_argument("--student", action="append", dest="students", help="only these learners (repeatable)")
    f.add_argument("--out", default=None, help="HTML file (default autograder/work/memo-figures-LAB.html)")
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
    elif args.command == "memo-figures":
        path = memo_page(root, args.lab, args.students, args.out)
        print(f"memo figures of {args.lab} written to {path}")
    elif args.command == "export":
        rows = export(root, ids=args.labs or None, out=args.out)
        if args.out != "-":
            print(f"{len(rows)} rows written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
