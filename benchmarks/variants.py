"""Benchmark every learner their own world: building a cohort's variants, and grading on them.

Run from the repository root::

    python benchmarks/variants.py                    # 200 learners of lab01
    python benchmarks/variants.py --students 20      # a quick check that it works
    python benchmarks/variants.py --workers 2 --lab lab00

In one run, on the same machine:

1. **Build** every learner's world (``grading.learner_world``, what grading and ``python
   autograder/course.py variants`` do), ``--workers`` at a time, into a scratch cache:
   seconds per variant (wall and CPU), and the size of the whole cache.
2. **Grade** the same cohort (a third each: the solution, the blank lab, partial answers;
   ``benchmarks/grading.py``'s cohort) with ``python autograder/cohort.py`` twice, in two
   identical scratch courses: once with one world for everyone (variants off, today), once
   with every learner on their own world (variants on; the worlds from step 1, as in a
   regrade or after ``course.py variants``). Each run grades the cohort in two halves, in
   the order one world, own worlds, own worlds, one world, so that a machine whose load
   drifts during the run weighs on both alike. Wall and CPU time per submission of each, their
   ratio against the budget (variants within 15% of one world), peak memory, and whether
   both runs gave every learner the same scores (they must: the solution is right on every
   world, a blank answer on none).

Figures depend on the machine and what else runs on it; the script always exits 0. See
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUDGET = 1.15          # grading time per submission with variants, against one world
BUILD_BUDGET = 15.0    # seconds to build one variant (the default world's build budget)


def _grading_bench():
    spec = importlib.util.spec_from_file_location("cx_bench_grading", REPO / "benchmarks" / "grading.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(student: str) -> tuple[str, int, float, float]:
    """Build one learner's world in this process; (student, seed, wall s, CPU s)."""
    sys.path.insert(0, str(REPO / "autograder"))
    import grading

    wall, cpu = time.perf_counter(), time.process_time()
    with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet):
        _, seed = grading.learner_world(student)
    return student, seed, time.perf_counter() - wall, time.process_time() - cpu


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lab", default="lab01")
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None, help="default: the number of cores")
    parser.add_argument("--keep", action="store_true", help="keep the scratch courses and worlds")
    args = parser.parse_args(argv)

    bench = _grading_bench()
    from cxlabs.course import lab as find_lab
    from cxlabs.loading import ensure_world

    lab = find_lab(args.lab)
    tool = bench.course_tool()
    world = ensure_world()
    workers = args.workers or os.cpu_count() or 1
    n = args.students
    students = [f"learner{i:03d}" for i in range(n)]
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f} at start")
    print(f"Cohort: {n} learners of {lab.id} (a third each: solution, partial, blank); workers: {workers}")
    tmp = Path(tempfile.mkdtemp(prefix="cxlabs-bench-variants-"))
    worlds = tmp / "worlds"
    os.environ["CXLABS_WORLDS_DIR"] = str(worlds)  # inherited by the build workers and cohort.py
    try:
        # 1. every learner's world
        print(f"\nbuilding {n} variants, {workers} at a time ...", flush=True)
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            built = list(pool.map(_build, students))
        build_wall = time.perf_counter() - t0
        walls = [b[2] for b in built]
        cpus = [b[3] for b in built]
        variant_dirs = sorted(p for p in worlds.glob("variant-*") if p.is_dir())
        size = _size(worlds)
        assert len({b[1] for b in built}) == n == len(variant_dirs), "one world per learner"
        stamps = {p: (p / "world.json").stat().st_mtime_ns for p in variant_dirs}
        print(f"  {build_wall:.1f} s; per variant {statistics.median(walls):.2f} s wall (median), "
              f"{statistics.median(cpus):.2f} s CPU; cache {bench.human(size)}", flush=True)

        # 2. grading: one world for everyone, then every learner their own
        single_root, variant_root = tmp / "single", tmp / "variants"
        shutil.copytree(REPO / "solutions", single_root / "solutions")
        tool.release(single_root, [lab.id])
        bench.make_cohort(single_root, lab, n)
        shutil.copytree(single_root, variant_root)
        env = {k: v for k, v in os.environ.items() if k not in ("CXLABS_LEARNER",)}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        cohort = [sys.executable, str(REPO / "autograder" / "cohort.py"), lab.id, "--workers", str(workers)]
        # the grading world once, outside both timed runs (both use it)
        subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, 'autograder'); import grading; "
                        "grading.grading_world(grading.worlds_dir())"], cwd=REPO, env=env, check=True,
                       capture_output=True)
        modes = {"one world (variants off)": (single_root, {"CXLABS_VARIANTS": "0", "CXLABS_DATA_DIR": str(world)}),
                 "own worlds (variants on)": (variant_root, {"CXLABS_VARIANTS": "1"})}
        one, own = list(modes)
        # Each mode grades half the cohort, then the other mode both halves, then the first mode
        # its second half (A B B A): a load that drifts during the run weighs on both alike.
        halves = [students[0::2], students[1::2]]
        runs = {name: [0.0, 0, 0.0, modes[name][0]] for name in modes}
        for name, half in ((one, 0), (own, 0), (own, 1), (one, 1)):
            root, extra = modes[name]
            run_env = {k: v for k, v in env.items() if k != "CXLABS_DATA_DIR"} | extra
            print(f"grading, {name}: python autograder/cohort.py {lab.id} --workers {workers} "
                  f"(half {half + 1} of the cohort) ...", flush=True)
            picked = [a for s in halves[half] for a in ("--student", s)]
            wall, peak, cpu, done, _ = bench.timed([*cohort, *picked], {**run_env, "CXLABS_COURSE_ROOT": str(root)}, REPO)
            if done.returncode != 0:
                print(done.stdout[-2000:], done.stderr[-2000:])
            print(f"  {wall:.1f} s, load average {os.getloadavg()[0]:.1f}", flush=True)
            total = runs[name]
            total[0] += wall
            total[1] = max(total[1], peak)
            total[2] += cpu

        # report
        print(f"\nBuilding {n} variants ({workers} at a time): {build_wall:.1f} s in all")
        rows = [["per variant, wall s", f"{statistics.median(walls):.2f}", f"{statistics.mean(walls):.2f}",
                 f"{max(walls):.2f}"],
                ["per variant, CPU s", f"{statistics.median(cpus):.2f}", f"{statistics.mean(cpus):.2f}",
                 f"{max(cpus):.2f}"]]
        _table(["", "median", "mean", "slowest"], rows)
        print(f"budget: a variant builds in at most {BUILD_BUDGET:g} s: "
              f"{'yes' if max(walls) <= BUILD_BUDGET else 'NO'} (slowest {max(walls):.1f} s)")
        print(f"cache: {bench.human(size)} for {n} variants ({bench.human(size / n)} each), in {worlds}")

        print(f"\nGrading {n} submissions of {lab.id}")
        rows = []
        for name, (wall, peak, cpu, _) in runs.items():
            rows.append([name, f"{wall:.1f}", f"{wall / n:.2f}", f"{cpu:.0f}", f"{cpu / n:.2f}", bench.human(peak)])
        _table(["run", "wall s", "wall s/submission", "CPU s", "CPU s/submission", "peak memory"], rows)
        (w1, _, c1, r1), (w2, _, c2, r2) = runs.values()
        print(f"variants / one world, wall per submission: {w2 / w1:.3f} (budget <= {BUDGET}: "
              f"{'yes' if w2 / w1 <= BUDGET else 'NO'})")
        print(f"variants / one world, CPU per submission:  {c2 / c1:.3f} (budget <= {BUDGET}: "
              f"{'yes' if c2 / c1 <= BUDGET else 'NO'})")
        print(f"first grading of a learner whose world is not built yet: + {statistics.mean(cpus):.2f} s CPU "
              f"(the build), {(w2 + build_wall) / n:.2f} s wall per submission in all")
        a, b = bench.scores(r1, lab, students), bench.scores(r2, lab, students)
        differ = [s for s in students if a[s] != b[s]]
        print(f"same scores on own worlds as on one world: {'yes' if not differ else 'NO, ' + ', '.join(differ[:10])}")
        rebuilt = [p.name for p in variant_dirs if stamps[p] != (p / "world.json").stat().st_mtime_ns]
        print(f"worlds rebuilt while grading: {len(rebuilt)} (grading reuses the built worlds)")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        if args.keep:
            print(f"scratch kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for line in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


if __name__ == "__main__":
    sys.exit(main())
