"""Benchmark cohort grading: our parallel command against plain sequential ``nbgrader autograde``.

Run from the repository root::

    python benchmarks/grading.py                     # 100 submissions of lab01
    python benchmarks/grading.py --students 10       # a quick check that it works
    python benchmarks/grading.py --workers 2
    python benchmarks/grading.py --variants --students 200   # every learner their own world

With ``--variants`` it runs ``benchmarks/variants.py`` instead: the cohort's variants are
built (time per variant, cache size) and the cohort is graded on one world and on its own
worlds in the same run (time per submission of each, against a budget of 15 %).

It releases the lab into two identical scratch courses, gives each the same cohort (a third
the solution, a third the blank lab, a third partial answers: the solution with some
exercises left blank), then, on the same machine and in one run:

1. ``nbgrader autograde LAB`` in the first course (one process, one kernel after another);
2. ``python autograder/cohort.py LAB`` in the second (workers in parallel, sandboxed kernels).

It prints both wall times, the ratio, the peak memory of each (all processes of the run
together, sampled every 0.2 s) and whether the two gradebooks hold identical scores.
The goal is a ratio of at least 1.8 on 2 cores. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib.util
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
GOAL = 1.8
GIB = 1024**3


def course_tool():
    spec = importlib.util.spec_from_file_location("cx_course_tool", REPO / "autograder" / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PeakMemory:
    """Peak total resident memory and CPU time of a process and all its descendants, sampled.

    CPU time is summed per process from its last sample (``RUSAGE_CHILDREN`` would miss
    kernels that end by a kill and are never waited for), so each process's last fraction
    of a sampling interval is missed, the same way in both runs.
    """

    def __init__(self, proc: subprocess.Popen, every: float = 0.2):
        self.root, self.every, self.peak = psutil.Process(proc.pid), every, 0
        self.cpu: dict[tuple[int, float], float] = {}
        self.roles: dict[tuple[int, float], str] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            total = 0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                procs = []
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
                    times = p.cpu_times()
                    key = (p.pid, p.create_time())
                    self.cpu[key] = times.user + times.system
                    if key not in self.roles:
                        self.roles[key] = "main" if p.pid == self.root.pid else role(p.cmdline())
            self.peak = max(self.peak, total)
            self.stop.wait(self.every)

    def close(self) -> int:
        self.stop.set()
        self.thread.join()
        return self.peak


def role(cmdline: list[str]) -> str:
    """What a process of a grading run does, from its command line."""
    text = " ".join(cmdline)
    if "ipykernel" in text:
        return "kernels"
    if "--worker" in text:
        return "workers"
    if "bwrap" in text or "sandbox" in text:
        return "sandbox"
    return "other"


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict, cwd: Path) -> tuple[float, int, float, subprocess.CompletedProcess, dict]:
    """Run ``cmd``; return its wall time, peak memory, CPU seconds (all descendants), result and
    the sampled CPU seconds by role (main process, workers, kernels, sandbox, other)."""
    cpu0 = cpu_of_children()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    sampler = PeakMemory(proc)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    peak = sampler.close()
    cpu = max(cpu_of_children() - cpu0, sum(sampler.cpu.values()))
    by_role: dict[str, float] = {}
    for key, seconds in sampler.cpu.items():
        by_role[sampler.roles.get(key, "other")] = by_role.get(sampler.roles.get(key, "other"), 0.0) + seconds
    return wall, peak, cpu, subprocess.CompletedProcess(cmd, proc.returncode, out, err), by_role


def make_cohort(root: Path, lab, n: int) -> dict[str, str]:
    """Submit ``n`` notebooks to the course at ``root``: solution, blank, partial in turn."""
    import nbformat

    solution = nbformat.read(root / "solutions" / lab.path, as_version=4)
    blank = nbformat.read(root / "labs" / lab.path, as_version=4)
    blank_answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in blank.cells
                     if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    kinds = {}
    for i in range(n):
        student = f"learner{i:03d}"
        kind = ("good", "blank", "partial")[i % 3]
        if kind == "good":
            nb = solution
        elif kind == "blank":
            nb = blank
        else:  # leave every other exercise blank, starting at a different one each time
            nb = copy.deepcopy(solution)
            answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") in blank_answers]
            for j, cell in enumerate(answers):
                if (j + i // 3) % 2 == 0:
                    cell.source = blank_answers[cell.metadata["nbgrader"]["grade_id"]]
        folder = root / "autograder" / "work" / "submitted" / student / lab.id
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{lab.notebook}.ipynb")
        kinds[student] = kind
    return kinds


def scores(root: Path, lab, students) -> dict:
    from nbgrader.api import Gradebook

    url = f"sqlite:///{root / 'autograder' / 'work' / 'gradebook.db'}"
    out = {}
    with Gradebook(url, "cxlabs") as gb:
        for student in students:
            try:
                nb = gb.find_submission_notebook(lab.notebook, lab.id, student)
            except Exception:  # noqa: BLE001  not graded at all
                out[student] = None
                continue
            out[student] = {g.name: g.auto_score for g in nb.grades}
    return out


def human(n: float) -> str:
    return f"{n / GIB:.2f} GiB" if n >= GIB else f"{n / 1024**2:.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lab", default="lab01")
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None, help="default: the number of cores")
    parser.add_argument("--keep", action="store_true", help="keep the scratch courses")
    parser.add_argument("--baseline-cpu", type=float, default=None,
                        help="CPU s/submission of parallel grading before a change, to compare with "
                             "(budget: within 10%%)")
    parser.add_argument("--variants", action="store_true",
                        help="every learner their own world: build the cohort's variants and grade on them "
                             "against one world for everyone (benchmarks/variants.py)")
    args = parser.parse_args(argv)
    if args.variants:
        return subprocess.run([sys.executable, str(Path(__file__).with_name("variants.py")), "--lab", args.lab,
                               "--students", str(args.students),
                               *(["--workers", str(args.workers)] if args.workers else []),
                               *(["--keep"] if args.keep else [])]).returncode

    from cxlabs.course import lab as find_lab
    from cxlabs.loading import ensure_world

    lab = find_lab(args.lab)
    tool = course_tool()
    world = ensure_world()
    workers = args.workers or os.cpu_count() or 1
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
          f"Python {platform.python_version()}")
    print(f"Cohort: {args.students} submissions of {lab.id} (a third each: solution, partial, blank); "
          f"parallel workers: {workers}")
    tmp = Path(tempfile.mkdtemp(prefix="cxlabs-bench-grading-"))
    try:
        seq_root, par_root = tmp / "sequential", tmp / "parallel"
        shutil.copytree(REPO / "solutions", seq_root / "solutions")
        tool.release(seq_root, [lab.id])
        make_cohort(seq_root, lab, args.students)
        shutil.copytree(seq_root, par_root)
        env = {**os.environ, "CXLABS_DATA_DIR": str(world)}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        nbgrader = Path(sys.executable).with_name("nbgrader")
        # warm the page cache (Python, pandas, the world) so neither run pays it alone
        subprocess.run([sys.executable, "-c", "import nbgrader.apps, pandas, matplotlib.pyplot, cxlabs; "
                        "[cxlabs.load(t) for t in cxlabs.table_names()]"], env=env, check=True,
                       capture_output=True)

        print("\nsequential: nbgrader autograde ...", flush=True)
        seq_wall, seq_peak, seq_cpu, seq, seq_roles = timed([str(nbgrader), "autograde", lab.id, "--force"],
                                        {**env, "CXLABS_COURSE_ROOT": str(seq_root)}, REPO / "autograder")
        if seq.returncode != 0:
            print(seq.stderr[-2000:])
        print(f"  {seq_wall:.1f} s", flush=True)

        print(f"parallel: python autograder/cohort.py {lab.id} --workers {workers} ...", flush=True)
        par_wall, par_peak, par_cpu, par, par_roles = timed(
            [sys.executable, str(REPO / "autograder" / "cohort.py"), lab.id, "--workers", str(workers)],
            {**env, "CXLABS_COURSE_ROOT": str(par_root)}, REPO)
        if par.returncode != 0:
            print(par.stdout[-2000:], par.stderr[-2000:])
        print(f"  {par_wall:.1f} s", flush=True)

        students = [f"learner{i:03d}" for i in range(args.students)]
        a, b = scores(seq_root, lab, students), scores(par_root, lab, students)
        differ = [s for s in students if a[s] != b[s]]
        ratio = seq_wall / par_wall
        print()
        n = args.students
        rows = [["sequential nbgrader autograde", f"{seq_wall:.1f}", f"{seq_wall / n:.2f}",
                 f"{seq_cpu:.0f}", f"{seq_cpu / n:.2f}", human(seq_peak)],
                ["parallel cohort.py", f"{par_wall:.1f}", f"{par_wall / n:.2f}",
                 f"{par_cpu:.0f}", f"{par_cpu / n:.2f}", human(par_peak)]]
        header = ["run", "wall s", "wall s/submission", "CPU s", "CPU s/submission",
                  "peak memory (all processes)"]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for line in [header, ["-" * w for w in widths], *rows]:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        print("\nsampled CPU s by process (main: nbgrader or cohort.py itself; workers: cohort.py's "
              "grading workers; kernels: the learners' notebooks; sandbox: bwrap):")
        for name, by in (("sequential", seq_roles), ("parallel", par_roles)):
            print(f"  {name:<11}" + "  ".join(f"{k} {v:.0f}" for k, v in sorted(by.items())))
        print(f"\nspeed-up: {ratio:.2f}x (goal >= {GOAL}x on 2 cores: {'yes' if ratio >= GOAL else 'NO'})")
        print(f"identical scores: {'yes' if not differ else 'NO, ' + ', '.join(differ[:10])}")
        graded = sum(1 for s in students if b[s] is not None)
        print(f"graded by both: {graded}/{args.students}")
        import csv
        import statistics

        with open(par_root / "autograder" / "work" / f"cohort-{lab.id}.csv", newline="") as fh:
            seconds = sorted(float(r["seconds"]) for r in csv.DictReader(fh))
        if seconds:
            median = statistics.median(seconds)
            outliers = [x for x in seconds if x > 5 * median]
            print(f"parallel, per submission: median {median:.1f} s, slowest {seconds[-1]:.1f} s; "
                  f"outliers (> 5x median): {len(outliers)}")
        if args.baseline_cpu:
            budget = 1.10 * args.baseline_cpu
            per = par_cpu / n
            print(f"CPU per submission: {per:.2f} s against {args.baseline_cpu:.2f} s before "
                  f"(budget <= {budget:.2f} s: {'yes' if per <= budget else 'NO'})")
    finally:
        if args.keep:
            print(f"scratch courses kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
