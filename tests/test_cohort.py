"""Cohort grading: one batch of good, broken and hostile submissions, graded in parallel.

The corpus (``tests/hostile/corpus.py``, ``tests/hostile/attacks.py``) is built from lab01's solution and released
notebook. Every case is graded by ``autograder/cohort.py`` in ONE batch with two workers and
short limits; each gets its expected score (from the gradebook's points per test cell) and
reason, the sandbox keeps instructor files, the network and other learners' files out of
reach, and the SQLite gradebook comes out whole.
"""

from __future__ import annotations

import csv
import hashlib
import re
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, gradebook, python_env, require_system, scratch_course
from hostile.corpus import build_corpus

from cxlabs.course import lab

pytestmark = pytest.mark.notebooks

LAB, OTHER = lab("lab01"), lab("lab00")
TIME_LIMIT, CELL_TIMEOUT, MEMORY_MIB = 90, 20, 1536


_PROBE = """
import json, os, resource, socket
out = {"uid": os.getuid(), "cwd": os.getcwd(), "root": sorted(os.listdir("/")),
       "as": resource.getrlimit(resource.RLIMIT_AS)[0], "own": sorted(os.listdir("."))}
for name, path in [("repo", REPO), ("home", "/root"), ("world", WORLD)]:
    try:
        out[name] = sorted(os.listdir(path))
    except OSError as exc:
        out[name] = type(exc).__name__
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=2)
    out["net"] = "connected"
except OSError as exc:
    out["net"] = type(exc).__name__
try:
    open("evil.txt", "w")
    out["write"] = "wrote"
except OSError as exc:
    out["write"] = type(exc).__name__
print(json.dumps(out))
"""


def test_the_sandbox_alone(tmp_path, world42):
    """One program in the sandbox, as the kernel runs: who it is, what it sees, what it may do."""
    import json
    import os

    sys.path.insert(0, str(REPO / "autograder"))
    import sandbox

    bwrap = require_system("bwrap")["bwrap"]
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    mine = tmp_path / "submission"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    os.chmod(mine, 0o755)
    os.chmod(mine / "notes.txt", 0o644)
    import cxlabs

    cfg = {"python": sys.executable, "bwrap": bwrap, "runtime_dir": str(runtime), "uid": 61099,
           "memory_mib": 1024, "cpu_seconds": 30,
           "ro_binds": sorted({sys.prefix, sys.base_prefix, str(Path(cxlabs.__file__).parents[1])})}
    listener = Listener()
    probe = (_PROBE.replace("REPO", repr(str(REPO))).replace("WORLD", repr(str(world42)))
             .replace("PORT", str(listener.port)))
    as_root = os.geteuid() == 0
    try:
        done = subprocess.run(sandbox.bwrap_command(cfg, [sys.executable, "-c", probe], str(mine), as_root),
                              preexec_fn=sandbox.limits(cfg, as_root), capture_output=True, text=True,
                              timeout=60)
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    if as_root:
        assert seen["uid"] == 61099, "as root, the kernel runs as the worker's own unprivileged uid"
    assert seen["cwd"] == sandbox.WORKDIR and seen["own"] == ["notes.txt"]
    repo = seen["repo"] if isinstance(seen["repo"], list) else []
    assert not {"solutions", "autograder", "labs", "tests"} & set(repo), \
        f"of the repository, only the environment and cxlabs' source are there: {repo}"
    assert seen["world"] == "FileNotFoundError", "only the folders it is given are there"
    assert seen["home"] in ("FileNotFoundError", "PermissionError", [".pyenv"])
    assert seen["net"] in ("ConnectionRefusedError", "OSError"), "no way to the host's loopback"
    assert listener.received == []
    assert seen["write"] in ("OSError", "PermissionError"), "its own files are read-only"
    assert seen["as"] == 1024 * 2**20, "the memory limit applies"
    assert not (mine / "evil.txt").exists()


class Listener:
    """A TCP server on the host's loopback that records anything connecting to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(100) or b"<connected>")
                except OSError:
                    self.received.append(b"<connected>")

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def batch(course_tool, world42, tmp_path_factory):
    require_system("bwrap")
    root = scratch_course(course_tool, tmp_path_factory.mktemp("cohort"), [LAB.id])
    submitted = root / "autograder" / "work" / "submitted"
    victim_dir = submitted / "good-solution" / LAB.id
    listener = Listener()
    targets = {"solution": root / "solutions" / LAB.path,
               "gradebook": root / "autograder" / "work" / "gradebook.db",
               "victim_notebook": victim_dir / f"{LAB.notebook}.ipynb", "victim_dir": victim_dir,
               "course_root": root, "port": listener.port}
    cases = build_corpus(root, LAB, OTHER, targets, TIME_LIMIT, CELL_TIMEOUT)
    for case in cases:
        folder = submitted / case.student / LAB.id
        folder.mkdir(parents=True)
        for name, data in case.files.items():
            (folder / name).write_bytes(data)
    before = hashlib.sha256(targets["victim_notebook"].read_bytes()).hexdigest()
    env = {**python_env(world42), "CXLABS_COURSE_ROOT": str(root)}
    try:
        run = subprocess.run(
            [sys.executable, str(REPO / "autograder" / "cohort.py"), LAB.id, "--workers", "2",
             "--time-limit", str(TIME_LIMIT), "--cell-timeout", str(CELL_TIMEOUT),
             "--memory-limit", str(MEMORY_MIB)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    finally:
        listener.close()
    with open(root / "autograder" / "work" / f"cohort-{LAB.id}.csv", newline="") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    with gradebook(root) as gb:
        points = {c.name: c.max_score for c in gb.find_notebook(LAB.notebook, LAB.id).grade_cells
                  if c.cell_type == "code"}
    return {"root": root, "cases": cases, "run": run, "rows": rows, "points": points,
            "listener": listener, "victim_before": before, "targets": targets}


def autograded_outputs(root, student) -> str:
    """All text the autograded notebook's cells printed or raised (not their source)."""
    path = root / "autograder" / "work" / "autograded" / student / LAB.id / f"{LAB.notebook}.ipynb"
    if not path.is_file():
        return ""
    nb = nbformat.read(path, as_version=4)
    return "\n".join(str(out.get("text", "")) + str(out.get("evalue", "")) + str(out.get("data", ""))
                     for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)


def test_the_batch_finishes_and_reports_every_submission(batch):
    run = batch["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert set(batch["rows"]) == {c.student for c in batch["cases"]}
    progress = [ln for ln in run.stdout.splitlines() if ln.startswith("[")]
    assert len(progress) == len(batch["cases"]), "one progress line per finished submission"
    assert "student" in run.stdout and "reason" in run.stdout, "the grade table is printed"


def test_each_case_gets_its_score_status_and_reason(batch):
    problems = []
    for case in batch["cases"]:
        row = batch["rows"][case.student]
        low, high = case.score(batch["points"])
        score = float(row["score"])
        if not low <= score <= high:
            problems.append(f"{case.student} ({case.what}): score {score}, expected {low}..{high}"
                            f" [{row['status']}: {row['reason']}]")
        if case.status is not None and row["status"] != case.status:
            problems.append(f"{case.student}: status {row['status']!r}, expected {case.status!r}"
                            f" [{row['reason']}]")
        if case.reason and case.reason not in row["reason"].lower():
            problems.append(f"{case.student}: reason {row['reason']!r} lacks {case.reason!r}")
        text = autograded_outputs(batch["root"], case.student)
        for marker in case.output_lacks:
            if marker in text:
                problems.append(f"{case.student}: {marker!r} in the autograded notebook")
        for marker in case.output_has:
            if marker not in text:
                problems.append(f"{case.student}: {marker!r} missing from the autograded notebook")
    assert not problems, "\n".join(problems)


def test_the_sandbox_keeps_instructor_files_network_and_other_learners_out(batch):
    assert batch["listener"].received == [], "a submission reached the host's loopback"
    victim = batch["targets"]["victim_notebook"]
    assert hashlib.sha256(victim.read_bytes()).hexdigest() == batch["victim_before"]
    assert not (batch["targets"]["victim_dir"] / "evil.txt").exists()
    assert b"EVIL" not in batch["targets"]["solution"].read_bytes()
    flood = autograded_outputs(batch["root"], "flood")
    assert "output cut" in flood and len(flood) < 2_000_000, "the flood was cut at the source"


def test_the_gradebook_is_whole_after_the_parallel_batch(batch):
    root, cases = batch["root"], batch["cases"]
    db = root / "autograder" / "work" / "gradebook.db"
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        per_student = dict(con.execute(
            "SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id").fetchall())
    assert per_student == {c.student: 1 for c in cases}, "every submission present exactly once"
    with gradebook(root) as gb:
        cells = len(gb.find_notebook(LAB.notebook, LAB.id).grade_cells)
        for case in cases:
            sub = gb.find_submission(LAB.id, case.student)
            assert [len(nb.grades) for nb in sub.notebooks] == [cells]
            assert float(batch["rows"][case.student]["score"]) == pytest.approx(sub.score)


def test_no_process_outlives_grading(batch):
    from hostile.corpus import SURVIVOR_MARK

    alive = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if SURVIVOR_MARK.encode() in (proc / "cmdline").read_bytes():
                    alive.append(proc.name)
            except OSError:
                continue
    assert not alive, f"processes started by a submission survived grading: {alive}"


def test_rich_output_is_cut(batch):
    path = (batch["root"] / "autograder" / "work" / "autograded" / "display-flood" / LAB.id
            / f"{LAB.notebook}.ipynb")
    assert path.stat().st_size < 25 * 2**20, "displayed HTML and images are capped like text"


def grader_lines() -> list[str]:
    """Every non-trivial line of the lab's grader module (references and checks), except lines
    that the solution itself has (a learner may write them too)."""
    source = (REPO / "autograder" / "graders" / f"{LAB.id}.py").read_text(encoding="utf-8")
    solution = "\n".join(c.source for c in nbformat.read(REPO / "solutions" / LAB.path, as_version=4).cells)
    return [ln.strip() for ln in source.splitlines() if len(ln.strip()) > 30 and ln.strip() not in solution]


def test_nothing_of_the_grader_reaches_any_output(batch):
    lines = grader_lines()
    for case in batch["cases"]:
        text = autograded_outputs(batch["root"], case.student)
        leaked = [ln for ln in lines if ln in text]
        assert not leaked, f"{case.student}: the grader's code reached its output: {leaked[:2]}"


def hidden_test_lines(root) -> list[str]:
    """Every non-trivial line of the lab's hidden tests, from the instructor's notebook."""
    nb = nbformat.read(root / "solutions" / LAB.path, as_version=4)
    lines = []
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) > 12:
                lines.append(line.strip())
    return lines


def test_feedback_never_shows_hidden_tests(batch, course_tool):
    """nbgrader 0.9 puts hidden tests in the feedback; the course config takes them out."""
    import html

    root = batch["root"]
    hidden = hidden_test_lines(root) + grader_lines()
    for student in ("good-solution", "good-blank", "memory-bomb", "reads-the-interpreter"):
        course_tool.nbgrader("generate_feedback", LAB.id, "--student", student, "--force", root=root)
        page = root / "autograder" / "work" / "feedback" / student / LAB.id / f"{LAB.notebook}.html"
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        assert "Score" in text or "score" in text, "the feedback shows the scores"
        shown = {line.strip() for line in text.splitlines()}
        leaked = [line for line in hidden if line in shown]
        assert not leaked, f"{student}'s feedback shows hidden tests: {leaked[:3]}"
        assert "HIDDEN TESTS" not in text
