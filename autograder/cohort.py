"""Autograde every submission of a lab in parallel, each in a sandbox, and report the grades.

    python autograder/cohort.py LAB [--workers N] [--time-limit S] [--memory-limit MiB]

What it does (see ``autograder/COHORT.md``):

- finds every submission of ``LAB`` in the course's ``submitted`` folder;
- computes the graded cases once, then forks ``N`` workers (default: the number of cores),
  which inherit them and nbgrader's imports. Each worker autogrades one submission at a
  time with nbgrader's own ``Autograde`` converter, in a private scratch copy of the
  course with a private SQLite gradebook, so workers never write the same database;
- the kernel that runs the learner's code is started by ``autograder/sandbox.py`` inside
  bubblewrap: no network, no instructor files, an unprivileged user, a memory limit, a CPU
  limit and a wall-time deadline for the whole submission;
- this process is the only writer of the real gradebook: it merges each finished
  submission (scores, comments, late penalty, timestamp) one at a time, copies its
  autograded notebook into place, and prints one progress line;
- a submission that fails, crashes, runs out of memory or time scores zero on the cells it
  did not pass and gets a reason; it never stops the batch;
- at the end (always, even after errors or Ctrl-C) it prints the grade table and writes it
  to ``autograder/work/cohort-LAB.csv``: student, score, max_score, status, reason.

Exit status: 0 when every submission was graded (whatever its score), 1 when one could not be
graded by the grader itself (status ``crashed``), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # sandboxed_autograde.py, grading.py, sandbox.py

REPO = HERE.parent
SLACK_SECONDS = 90      # grader's own time per submission (kernel start, saving) beyond --time-limit
MAX_FILE_BYTES = 50 * 1024 * 1024  # a submitted file larger than this is not copied for grading
STATUSES = ("ok", "timeout", "killed", "failed", "missing", "crashed")


# ---- course configuration -------------------------------------------------------------------

def load_config(root: Path | None = None):
    """The course's nbgrader configuration (``autograder/nbgrader_config.py``) for ``root``."""
    from traitlets.config.loader import PyFileConfigLoader

    if root is not None:
        os.environ["CXLABS_COURSE_ROOT"] = str(root)
    return PyFileConfigLoader("nbgrader_config.py", path=str(HERE)).load_config()


def course_paths(cfg) -> dict:
    from nbgrader.coursedir import CourseDirectory

    cd = CourseDirectory(config=cfg)
    root = Path(cd.root)
    return {"root": root, "course_id": cd.course_id, "db_url": cd.db_url,
            "submitted": root / cd.submitted_directory,
            "autograded": root / cd.autograded_directory,
            "source": root / cd.source_directory,
            "work": root / "autograder" / "work",
            "cell_timeout": int(cfg.Execute.timeout) if "timeout" in cfg.Execute else 120}


def copy_assignment_definition(src_url: str, dst_url: str, course_id: str, lab: str,
                               students: list[str]) -> dict:
    """Copy ``lab``'s notebooks and cells (and students' extensions) into a new gradebook.

    A SQLite gradebook is copied whole (the backup API gives a consistent snapshot); any
    other database (PostgreSQL) is copied through nbgrader's API. Returns
    ``{notebook: {grade_cell: max_score}}``.
    """
    from nbgrader.api import Gradebook, MissingEntry

    maxima: dict[str, dict[str, float]] = {}
    if src_url.startswith("sqlite:///") and dst_url.startswith("sqlite:///"):
        # SQLite (the default): a consistent snapshot of the whole file, in milliseconds
        import sqlite3

        with contextlib.closing(sqlite3.connect(src_url[len("sqlite:///"):])) as src, \
                contextlib.closing(sqlite3.connect(dst_url[len("sqlite:///"):])) as dst:
            src.backup(dst)
        with Gradebook(dst_url, course_id) as dst:
            for nb in dst.find_assignment(lab).notebooks:
                maxima[nb.name] = {c.name: c.max_score for c in [*nb.grade_cells, *nb.task_cells]}
        return maxima
    with Gradebook(src_url, course_id) as src, Gradebook(dst_url, course_id) as dst:
        assignment = src.find_assignment(lab)
        dst.update_or_create_assignment(lab, duedate=assignment.duedate)
        for nb in assignment.notebooks:
            dst.update_or_create_notebook(nb.name, lab, kernelspec=nb.kernelspec)
            maxima[nb.name] = {}
            for cell in nb.grade_cells:
                dst.update_or_create_grade_cell(cell.name, nb.name, lab, max_score=cell.max_score,
                                                cell_type=cell.cell_type)
                maxima[nb.name][cell.name] = cell.max_score
            for cell in nb.task_cells:
                dst.update_or_create_task_cell(cell.name, nb.name, lab, max_score=cell.max_score,
                                               cell_type=cell.cell_type)
                maxima[nb.name][cell.name] = cell.max_score
            for cell in nb.solution_cells:
                dst.update_or_create_solution_cell(cell.name, nb.name, lab)
            for cell in nb.source_cells:
                dst.update_or_create_source_cell(cell.name, nb.name, lab, cell_type=cell.cell_type,
                                                 locked=cell.locked, source=cell.source,
                                                 checksum=cell.checksum)
        for student in students:
            try:
                extension = src.find_submission(lab, student).extension
            except MissingEntry:
                extension = None
            if extension:
                dst.update_or_create_student(student)
                dst.update_or_create_submission(lab, student, extension=extension)
    return maxima


# ---- the worker (a child process: imports nbgrader once, grades one submission at a time) -----

def _cell_label(cell, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return grade_id or f"#{index + 1}"


def _copy_submission(src: Path, dst: Path) -> list[str]:
    """Copy a submission's regular files only (no symlinks, devices or huge files)."""
    skipped = []
    dst.mkdir(parents=True, exist_ok=True)
    os.chmod(dst, 0o755)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            skipped.append(f"{rel} (not a regular file)")
        elif path.is_dir():
            (dst / rel).mkdir(parents=True, exist_ok=True)
            os.chmod(dst / rel, 0o755)
        elif path.stat().st_size > MAX_FILE_BYTES:
            skipped.append(f"{rel} (larger than {MAX_FILE_BYTES // 2**20} MiB)")
        else:
            shutil.copyfile(path, dst / rel)
            os.chmod(dst / rel, 0o644)
    return skipped


class Worker:
    """State of one worker process: a private course, gradebook template and sandbox."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.base = Path(spec["base"])
        self.course = self.base / "course"
        self.work = self.course / "autograder" / "work"
        os.environ["JUPYTER_RUNTIME_DIR"] = str(self.base / "jupyter-runtime")
        cfg = load_config(self.course)
        from nbgrader.converters import Autograde
        from sandboxed_autograde import Run, SandboxedAutograde

        # The graded cases (and their references) are computed once per worker, here.
        Run.configure(self.base, spec["shared"], deadline_seconds=spec["time_limit"])
        defaults = list(Autograde.class_traits()["autograde_preprocessors"].default())
        cfg.Autograde.autograde_preprocessors = [
            SandboxedAutograde if getattr(p, "__name__", "") == "Execute" else p for p in defaults]
        cfg.CourseDirectory.root = str(self.course)
        cfg.CourseDirectory.db_url = f"sqlite:///{self.work / 'gradebook.db'}"
        cfg.Execute.timeout = int(spec["cell_timeout"])
        cfg.SandboxedAutograde.time_limit = int(spec["time_limit"])
        self.cfg = cfg
        from nbgrader.coursedir import CourseDirectory

        self.coursedir = CourseDirectory(config=cfg)
        self.submitted = Path(self.coursedir.root) / self.coursedir.submitted_directory
        self.autograded = Path(self.coursedir.root) / self.coursedir.autograded_directory

    def grade(self, job: dict) -> dict:
        from nbgrader.api import Gradebook
        from nbgrader.converters import Autograde
        from nbgrader.utils import capture_log

        lab, student = self.spec["lab"], job["student"]
        from sandboxed_autograde import SandboxedAutograde

        started = time.time()
        incidents: list[str] = []
        SandboxedAutograde.last = {}
        for folder in (self.submitted, self.autograded):
            shutil.rmtree(folder, ignore_errors=True)
        shutil.copyfile(self.spec["template"], self.work / "gradebook.db")
        here = self.submitted / student / lab
        skipped = _copy_submission(Path(job["path"]), here)
        result = {"student": student, "status": "ok", "reason": "", "notebooks": {},
                  "timestamp": None, "autograded": None}
        if skipped:
            incidents.append("not graded: " + ", ".join(skipped[:5]))
        stamp = here / "timestamp.txt"
        if stamp.is_file():
            result["timestamp"] = stamp.read_text(encoding="utf-8", errors="replace").strip()[:64]

        expected = list(self.spec["maxima"])
        present = [nb for nb in expected if (here / f"{nb}.ipynb").is_file()]
        if not present:
            found = sorted(p.name for p in here.iterdir() if p.name != "timestamp.txt")
            result.update(status="missing", reason=f"no {', '.join(n + '.ipynb' for n in expected)} "
                          f"in the submission (found: {', '.join(found) or 'nothing'})")
            return self._finish(result, started)
        unreadable = self._unreadable(here, present)
        if unreadable:
            result.update(status="failed", reason=unreadable)
            return self._finish(result, started)

        self.coursedir.assignment_id, self.coursedir.student_id = lab, student
        app = Autograde(coursedir=self.coursedir, config=self.cfg)
        app.force, app.create_student = True, True
        t0 = time.time()
        outcome = capture_log(app)
        last = SandboxedAutograde.last
        own = (f" (own world and graded cases: {last['learner_seconds']:.2f} s)"
               if last.get("variant_seed") is not None else "")
        print(f"{student}: prepared in {t0 - started:.2f} s, nbgrader autograde {time.time() - t0:.2f} s{own}",
              file=sys.stderr, flush=True)

        result["variant_seed"] = last.get("variant_seed")
        kernel, death = last.get("kernel", {}), last.get("kernel_death", {})
        incidents += last.get("incidents", [])
        if kernel.get("deadline"):
            result.update(status="timeout", reason=(
                f"time limit of {self.spec['time_limit']:g} s reached in cell "
                f"{death.get('cell', '?')}; it and later cells score zero"))
        elif death:
            rc = kernel.get("returncode")
            how = _describe_exit(rc)
            result.update(status="killed", reason=(
                f"the kernel died in cell {death['cell']} ({how}); "
                "it and later cells score zero"))
        if not outcome["success"]:
            print(f"---- {student}: nbgrader failed\n{outcome.get('log', '')}\n{outcome.get('error', '')}",
                  file=sys.stderr, flush=True)
            result.update(status="failed", reason="nbgrader could not grade it: "
                          + _nbgrader_error(outcome.get("log", "") + "\n" + outcome.get("error", "")))
        if incidents:
            notes = "; ".join(dict.fromkeys(incidents))
            result["reason"] = f"{result['reason']}; {notes}" if result["reason"] else notes

        with Gradebook(self.cfg.CourseDirectory.db_url, self.coursedir.course_id) as gb:
            try:
                sub = gb.find_submission(lab, student)
            except Exception:  # noqa: BLE001  nbgrader failed before creating it
                sub = None
            if sub is not None and outcome["success"]:  # a failed run leaves no usable scores
                if sub.timestamp:
                    result["timestamp"] = sub.timestamp.isoformat()
                for snb in sub.notebooks:
                    result["notebooks"][snb.name] = {
                        "late_penalty": snb.late_submission_penalty,
                        "grades": {g.name: g.auto_score for g in snb.grades},
                        "comments": {c.name: c.auto_comment for c in snb.comments}}
        out = self.autograded / student / lab
        if outcome["success"] and out.is_dir():
            staged = self.base.parent / "out" / student / lab
            shutil.rmtree(staged, ignore_errors=True)
            staged.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(out), staged)
            result["autograded"] = str(staged)
        return self._finish(result, started)

    @staticmethod
    def _unreadable(folder: Path, notebooks: list[str]) -> str:
        import nbformat

        for name in notebooks:
            raw = (folder / f"{name}.ipynb").read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return f"{name}.ipynb is not UTF-8 text (byte {exc.start}): it cannot be graded"
            try:
                nbformat.reads(text, as_version=4)
            except Exception as exc:  # noqa: BLE001  any reason nbformat rejects it
                first = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
                return f"{name}.ipynb is not a readable notebook ({type(exc).__name__}: {first})"
        return ""

    @staticmethod
    def _finish(result: dict, started: float) -> dict:
        result["seconds"] = round(time.time() - started, 2)
        return result


def _describe_exit(rc) -> str:
    if rc is None:
        return "no exit status"
    if rc > 128:  # bwrap reports a child killed by signal N as 128 + N
        try:
            name = signal.Signals(rc - 128).name
        except ValueError:
            name = f"signal {rc - 128}"
        extra = ", probably over the memory limit" if rc - 128 == signal.SIGKILL else ""
        return f"killed by {name}{extra}"
    if rc < 0:
        return f"killed by {signal.Signals(-rc).name}"
    return f"it exited with status {rc}"


def _nbgrader_error(text: str) -> str:
    """The most telling exception line of nbgrader's log (not its generic final one)."""
    found = [m.group(1) for m in re.finditer(r"^\s*((?:[\w.]+\.)?\w*(?:Error|Exception|Exit)\b.*)$",
                                             text, flags=re.MULTILINE)]
    found = [f for f in found if "NbGraderException" not in f] or found
    if not found:
        lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
        found = lines[-1:] or ["unknown error"]
    return found[-1].split("\n")[0][:160]


def worker_main(spec_path: str) -> int:
    """Child process (a restart): read jobs (JSON lines) on stdin, answer on stdout."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to the worker's log, not the protocol
    import nbclient  # noqa: F401
    import nbgrader.api  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401

    if not sys.stdin.readline():
        return 0  # not needed after all
    return serve_jobs(spec_path, sys.stdin, proto)


def serve_jobs(spec_path: str, jobs, proto) -> int:
    """Grade the jobs read from ``jobs`` (JSON lines), one result line each on ``proto``."""
    worker = Worker(json.loads(Path(spec_path).read_text()))
    proto.write(json.dumps({"ready": True}) + "\n")
    for line in jobs:
        job = json.loads(line)
        try:
            result = worker.grade(job)
        except Exception as exc:  # noqa: BLE001  report, keep serving
            import traceback

            traceback.print_exc()
            result = {"student": job["student"], "status": "crashed",
                      "reason": f"grader error: {type(exc).__name__}: {exc}"[:300], "notebooks": {}}
        proto.write(json.dumps(result) + "\n")
    return 0


class _Forked:
    """A worker forked from this process, with the parts of ``subprocess.Popen`` we use.

    Forking after :func:`sandboxed_autograde.prepare_shared` gives the worker this process's
    imports (nbgrader, nbclient: about 4 CPU s) and its graded cases (their references are
    not computed again), so the cores grade from the first second on.
    """

    def __init__(self, spec_path: Path, log_path: Path):
        jobs_r, jobs_w = os.pipe()
        out_r, out_w = os.pipe()
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's code
            code = 70
            try:
                os.setsid()
                os.dup2(jobs_r, 0)
                os.dup2(log, 1)
                os.dup2(log, 2)
                proto_fd = os.dup(out_w)
                keep = {0, 1, 2, proto_fd}
                for fd in map(int, os.listdir("/proc/self/fd")):  # other workers' pipes, files
                    if fd not in keep:
                        with contextlib.suppress(OSError):
                            os.close(fd)
                sys.stdin = os.fdopen(0, "r")
                code = serve_jobs(str(spec_path), sys.stdin, os.fdopen(proto_fd, "w", buffering=1))
            except BaseException:  # noqa: BLE001  report in the log; the parent restarts us
                import traceback

                with contextlib.suppress(Exception):
                    traceback.print_exc()
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        for fd in (jobs_r, out_w, log):
            os.close(fd)
        self.pid = pid
        self.returncode = None
        self.stdin = os.fdopen(jobs_w, "w", buffering=1)
        self.stdout = os.fdopen(out_r, "r")

    def poll(self):
        if self.returncode is None:
            with contextlib.suppress(ChildProcessError):
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None):
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired("cohort worker", timeout)
            time.sleep(0.05)
        return self.returncode


# ---- the parent: workers, merging, the report ------------------------------------------------

@dataclass
class Row:
    student: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "crashed"
    reason: str = "not graded"
    seconds: float = 0.0
    manual_pending: int = 0
    variant_seed: int | None = None  # the learner's own world, when every learner has one
    extra: dict = field(default_factory=dict)


class WorkerProcess:
    """A worker child process seen from the parent, restarted when it dies or hangs."""

    def __init__(self, spec_path: Path, log_path: Path):
        self.spec_path, self.log_path = spec_path, log_path
        self.proc = None
        self.ready = False
        self.lines: queue.Queue = queue.Queue()

    def fork(self) -> None:
        """Fork the worker from this process (its spec must exist); see :class:`_Forked`."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = _Forked(self.spec_path, self.log_path)
        self.ready = False
        self.lines = queue.Queue()

    def listen(self) -> None:
        """Start reading the worker's answers (after every fork: threads and fork do not mix)."""
        threading.Thread(target=self._read, args=(self.proc, self.lines), daemon=True).start()

    def start(self) -> None:
        """Start a fresh worker process (a restart, once the first one died or hung)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--worker", str(self.spec_path)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                start_new_session=True)
        self.ready = False
        self.lines = queue.Queue()
        self.listen()
        self.go()

    def go(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()

    @staticmethod
    def _read(proc, lines: queue.Queue) -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def request(self, job: dict | None, timeout: float) -> dict | None:
        """Send ``job`` (or just wait for readiness) and return the answer, or None."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        if not self.ready:
            try:
                line = self.lines.get(timeout=300)
            except queue.Empty:
                line = None
            if line is None:
                self.kill()
                return None
            self.ready = True
        if job is None:
            return {"ready": True}
        if job is not None:
            try:
                self.proc.stdin.write(json.dumps(job) + "\n")
                self.proc.stdin.flush()
            except OSError:
                self.kill()
                return None
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        if line is None:
            self.kill()
            return None
        return json.loads(line)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None


def cores() -> int:
    """The cores this process may use (its CPU affinity; falls back to the CPU count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def find_submissions(submitted: Path, lab: str) -> dict[str, Path]:
    if not submitted.is_dir():
        return {}
    return {d.name: d / lab for d in sorted(submitted.iterdir())
            if d.is_dir() and (d / lab).is_dir()}


def merge(gb, lab: str, result: dict, paths: dict, maxima: dict) -> None:
    """Write one graded submission into the real gradebook (the only writer)."""
    student = result["student"]
    gb.update_or_create_student(student)
    kwargs = {}
    if result.get("timestamp"):
        from nbgrader.utils import parse_utc

        with contextlib.suppress(Exception):  # an unreadable timestamp.txt is ignored
            kwargs["timestamp"] = parse_utc(result["timestamp"])
    gb.update_or_create_submission(lab, student, **kwargs)
    graded = result.get("notebooks") or {}
    for nb_name in maxima:
        snb = gb.find_submission_notebook(nb_name, lab, student)
        got = graded.get(nb_name)
        if got is not None:
            snb.late_submission_penalty = got.get("late_penalty")
        for grade in snb.grades:
            if got is None:  # nothing ran: every cell scores zero, nothing left to review
                grade.auto_score = 0.0
                grade.needs_manual_grade = grade.manual_score is not None
                continue
            grade.auto_score = got["grades"].get(grade.name)
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        for comment in snb.comments:
            comment.auto_comment = got["comments"].get(comment.name) if got else None
    gb.db.commit()
    target = paths["autograded"] / student / lab
    if result.get("autograded"):
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(result["autograded"], target)


def row_from_gradebook(gb, lab: str, result: dict, seconds: float) -> Row:
    sub = gb.find_submission(lab, result["student"])
    pending = sum(1 for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade)
    return Row(student=result["student"], score=float(sub.score), max_score=float(sub.max_score),
               status=result["status"], reason=result.get("reason", ""), seconds=seconds,
               manual_pending=pending, variant_seed=result.get("variant_seed"))


def print_table(rows: list[Row], out=sys.stdout) -> None:
    header = ["student", "score", "max", "status", "reason"]
    body = [[r.student, f"{r.score:g}", f"{r.max_score:g}", r.status, r.reason] for r in rows]
    widths = [max(len(x[i]) for x in [header, *body]) for i in range(4)]
    for line in [header, ["-" * w for w in widths] + ["------"], *body]:
        print("  ".join(c.ljust(w) for c, w in zip(line[:4], widths, strict=True)) + "  " + line[4],
              file=out)


def write_csv(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "score", "max_score", "status", "reason", "manual_pending",
                         "seconds", "variant_seed"])
        for r in rows:
            writer.writerow([r.student, f"{r.score:g}", f"{r.max_score:g}", r.status, r.reason,
                             r.manual_pending, f"{r.seconds:.1f}",
                             "" if r.variant_seed is None else r.variant_seed])


def grade_cohort(lab: str, workers: int | None = None, time_limit: float = 300.0,
                 memory_mib: int = 3072, cell_timeout: int | None = None,
                 students: list[str] | None = None, root: Path | None = None,
                 keep_scratch: bool = False, quiet: bool = False) -> list[Row]:
    """Autograde every submission of ``lab``; return the report rows (also written as CSV)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SystemExit("cohort grading needs bubblewrap (`bwrap`): sh tests/system-packages.sh")
    # nbgrader runs `alembic` by name when it creates a gradebook: this environment's first.
    bindir = str(Path(sys.executable).parent)
    if not os.environ.get("PATH", "").startswith(bindir + os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    workers = workers or cores()
    scratch = Path(tempfile.mkdtemp(prefix="cxlabs-cohort-"))
    # Workers are forked once their scratch courses and the graded cases are ready.
    pool = [WorkerProcess(scratch / f"w{i}" / "worker.json", scratch / f"worker{i}.log")
            for i in range(workers)]
    try:
        return _grade_cohort(lab, pool, scratch, time_limit, memory_mib, cell_timeout, students,
                             root, keep_scratch, quiet)
    finally:
        for wp in pool:
            wp.kill()
        if keep_scratch:
            print(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def _grade_cohort(lab, pool, scratch, time_limit, memory_mib, cell_timeout, students, root,
                  keep_scratch, quiet) -> list[Row]:
    workers = len(pool)
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy import exc as sa_exc

    cfg = load_config(root)
    paths = course_paths(cfg)
    cell_timeout = int(min(cell_timeout or paths["cell_timeout"], time_limit))
    subs = find_submissions(paths["submitted"], lab)
    if students:
        subs = {s: p for s, p in subs.items() if s in set(students)}
    with Gradebook(paths["db_url"], paths["course_id"]) as gb:
        try:
            gb.find_assignment(lab)
        except MissingEntry:
            raise SystemExit(f"{lab} is not in the gradebook ({paths['db_url']}): release it first "
                             f"with `python autograder/course.py release {lab}`") from None
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    rows: dict[str, Row] = {s: Row(student=s) for s in subs}
    csv_path = paths["work"] / f"cohort-{lab}.csv"
    try:
        template = scratch / "template.db"
        maxima = copy_assignment_definition(paths["db_url"], f"sqlite:///{template}",
                                            paths["course_id"], lab, list(subs))
        say(f"{lab}: {len(subs)} submissions, {workers} workers, time limit {time_limit:g} s, "
            f"cell limit {cell_timeout} s, memory {memory_mib} MiB")
        if not subs:
            return []
        from sandboxed_autograde import prepare_sandbox, prepare_shared

        shared = prepare_shared(lab, scratch / "shared")
        if shared["variants"]:
            say(f"every learner has their own world: built once each in {shared['worlds']} "
                "(kept for regrades), graded on it and on the grading world")
        uid_base = int(os.environ.get("CXLABS_SANDBOX_UID", "61000"))
        for i in range(min(workers, len(subs))):
            base = scratch / f"w{i}"
            for sub in ("jupyter-runtime", "course/autograder/work"):
                (base / sub).mkdir(parents=True, exist_ok=True)
            (base / "course" / paths["source"].name).symlink_to(paths["source"])
            prepare_sandbox(base, shared, uid_base + i, memory_mib, int(time_limit) + 10)
            spec = {"base": str(base), "lab": lab, "template": str(template), "maxima": maxima,
                    "time_limit": time_limit, "cell_timeout": cell_timeout, "shared": shared}
            (base / "worker.json").write_text(json.dumps(spec))
        active = pool[:len(subs)]
        import nbclient  # noqa: F401  imported once here, inherited by every forked worker
        import nbgrader.converters  # noqa: F401

        if shared["variants"]:
            # Every learner's own world: workers are started afresh (a forked worker died on
            # its first learner's world in tests/test_variants.py; not yet understood).
            for wp in active:
                wp.start()
        else:
            for wp in active:  # every fork before any thread starts
                wp.fork()
            for wp in active:
                wp.listen()

        jobs: queue.Queue = queue.Queue()
        for student, path in subs.items():
            jobs.put({"student": student, "path": str(path)})
        results: queue.Queue = queue.Queue()

        def serve(wp: WorkerProcess) -> None:
            while True:
                try:
                    job = jobs.get_nowait()
                except queue.Empty:
                    wp.close()
                    return
                started = time.time()
                answer = wp.request(job, timeout=time_limit + SLACK_SECONDS)
                if answer is None:
                    answer = {"student": job["student"], "status": "crashed", "notebooks": {},
                              "reason": "the grader process died or hung on this submission; "
                                        "it was stopped and restarted"}
                answer.setdefault("seconds", round(time.time() - started, 2))
                results.put(answer)

        threads = [threading.Thread(target=serve, args=(wp,), daemon=True) for wp in active]
        for t in threads:
            t.start()
        done = 0
        with Gradebook(paths["db_url"], paths["course_id"]) as gb, warnings.catch_warnings():
            # nbgrader's add_submission trips an SQLAlchemy autoflush warning; it is harmless
            warnings.simplefilter("ignore", category=sa_exc.SAWarning)
            while done < len(subs):
                result = results.get()
                done += 1
                try:
                    merge(gb, lab, result, paths, maxima)
                    row = row_from_gradebook(gb, lab, result, result.get("seconds", 0.0))
                except Exception as exc:  # noqa: BLE001  one bad merge must not stop the batch
                    gb.db.rollback()
                    row = Row(student=result["student"], status="crashed",
                              reason=f"could not record the grades: {type(exc).__name__}: {exc}"[:300])
                rows[row.student] = row
                width = len(str(len(subs)))
                say(f"[{done:>{width}}/{len(subs)}] {row.student:<16} {row.score:>6g}/{row.max_score:<6g} "
                    f"{row.status:<8} {row.seconds:6.1f} s  {row.reason}".rstrip())
        for t in threads:
            t.join()
    finally:
        ordered = [rows[s] for s in sorted(rows)]
        write_csv(ordered, csv_path)
        if not quiet:
            print()
            print_table(ordered)
            print(f"\ngrade table written to {csv_path}")
    return ordered


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1])
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lab", help="the lab id, e.g. lab01")
    parser.add_argument("--workers", type=int, default=None, help="parallel workers (default: cores)")
    parser.add_argument("--time-limit", type=float, default=300.0,
                        help="wall-time limit per submission in seconds (default 300)")
    parser.add_argument("--memory-limit", type=int, default=3072,
                        help="memory (address space) limit per kernel in MiB (default 3072)")
    parser.add_argument("--cell-timeout", type=int, default=None,
                        help="per-cell limit in seconds (default: Execute.timeout of the course config)")
    parser.add_argument("--student", action="append", dest="students",
                        help="grade only this student (repeatable)")
    parser.add_argument("--keep-scratch", action="store_true", help="keep the workers' scratch folder")
    args = parser.parse_args(argv)
    try:
        rows = grade_cohort(args.lab, workers=args.workers, time_limit=args.time_limit,
                            memory_mib=args.memory_limit, cell_timeout=args.cell_timeout,
                            students=args.students, keep_scratch=args.keep_scratch)
    except KeyboardInterrupt:  # the table of what was graded has been written already
        print("interrupted", file=sys.stderr)
        return 130
    return 1 if any(r.status == "crashed" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
