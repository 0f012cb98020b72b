"""Benchmark the world build and the labs, and compare the figures with the budgets.

Run from the repository root::

    python benchmarks/run.py                  # world at 1x, 10x, 100x, then every lab
    python benchmarks/run.py --sizes 1,10     # smaller worlds only
    python benchmarks/run.py --skip-labs      # the world build only
    python benchmarks/run.py --skip-world     # the labs only
    python benchmarks/run.py --skip-world --lab lab05   # one lab only

Each world is built by a fresh child process, so its peak memory (peak resident set size)
is the build's alone. Each solution notebook runs on a fresh ``python3`` kernel against a
default-size world built once into a temporary folder. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CUSTOMERS = 10_000  # cxlabs.world.DEFAULT_CUSTOMERS; size 1 is the default world
GIB = 1024**3

# Budgets.
WORLD_DEFAULT_MAX_S = 15.0      # default-size world build, seconds
WORLD_100X_MIN_ROWS_S = 1_000_000  # rows per second at 100x
LAB_MAX_S = 20.0                # one solution notebook on a fresh kernel, seconds
LAB_MAX_RSS = 1 * GIB           # the kernel's peak memory

# Runs in the child process: build one world, report the timings and the peak memory.
_BUILD_CHILD = """
import json, resource, sys, tempfile
from cxlabs.world import build_world
with tempfile.TemporaryDirectory(prefix="cxlabs-bench-") as tmp:
    meta = build_world(tmp + "/world", customers=int(sys.argv[1]))
print(json.dumps({"build_seconds": meta["build_seconds"], "rows": sum(meta["rows"].values()),
                  "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

_RSS_MARKER = "CXLABS_BENCH_MAXRSS"
_RSS_CELL = ("import resource\n"
             f"print('{_RSS_MARKER}', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")


def maxrss_bytes(value: int) -> int:
    """``ru_maxrss`` in bytes: Linux reports kibibytes, macOS bytes."""
    return value if sys.platform == "darwin" else value * 1024


def human_bytes(n: float) -> str:
    return f"{n / GIB:.2f} GiB" if n >= GIB else f"{n / 1024**2:.0f} MiB"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in col) for col in zip(header, *rows, strict=True)]
    for line in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


# ---- world --------------------------------------------------------------------------------

def bench_world(size: int) -> dict:
    """Build a world of ``size`` x the default number of customers in a child process."""
    customers = size * DEFAULT_CUSTOMERS
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _BUILD_CHILD, str(customers)],
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"building the {size}x world failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(size=size, customers=customers, process_seconds=wall,
                  rows_per_second=result["rows"] / result["build_seconds"],
                  peak_bytes=maxrss_bytes(result["maxrss"]))
    return result


def world_budget(r: dict) -> tuple[str, bool | None]:
    if r["size"] == 1:
        return f"build <= {WORLD_DEFAULT_MAX_S:g} s", r["build_seconds"] <= WORLD_DEFAULT_MAX_S
    if r["size"] == 100:
        return f">= {WORLD_100X_MIN_ROWS_S:,} rows/s", r["rows_per_second"] >= WORLD_100X_MIN_ROWS_S
    return "-", None


# ---- labs ---------------------------------------------------------------------------------

def solution_notebooks() -> list[Path]:
    return sorted((REPO / "solutions").glob("*/*.ipynb"))


def bench_lab(path: Path) -> dict:
    """Run one notebook top to bottom on a fresh kernel; wall time and the kernel's peak memory."""
    import nbformat
    from nbclient import NotebookClient

    if str(REPO / "autograder") not in sys.path:
        sys.path.insert(0, str(REPO / "autograder"))
    from reliable_replies import ReliableRepliesMixin  # no reply stall after an Output widget

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_RSS_CELL))
    client = type("Reliable", (ReliableRepliesMixin, NotebookClient), {})(
        nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    try:
        client.execute()
    except Exception as exc:  # a failing cell: report it, run the other labs
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return {"path": path, "seconds": time.perf_counter() - t0, "peak_bytes": None,
                "error": f"{type(exc).__name__}: {first_line}"[:120]}
    seconds = time.perf_counter() - t0
    peak = None
    for output in nb.cells[-1].get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith(_RSS_MARKER):
                peak = maxrss_bytes(int(line.split()[1]))
    return {"path": path, "seconds": seconds, "peak_bytes": peak, "error": None}


def lab_budget(r: dict) -> bool:
    return (r["error"] is None and r["seconds"] <= LAB_MAX_S
            and r["peak_bytes"] is not None and r["peak_bytes"] < LAB_MAX_RSS)


# ---- main ---------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100",
                        help="world sizes, as multiples of the default 10,000 customers (default: 1,10,100)")
    parser.add_argument("--skip-world", action="store_true", help="do not benchmark the world build")
    parser.add_argument("--skip-labs", action="store_true", help="do not run the solution notebooks")
    parser.add_argument("--lab", action="append", default=[], metavar="LAB",
                        help="run only this lab's solution (e.g. lab05; repeat for more)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    import numpy
    import pandas
    import pyarrow
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
          f"Python {platform.python_version()}, numpy {numpy.__version__}, pandas {pandas.__version__}, "
          f"pyarrow {pyarrow.__version__}")
    missed: list[str] = []

    if not args.skip_world:
        print("\nWorld build (seed 42; one child process per size)")
        rows = []
        for size in sizes:
            r = bench_world(size)
            budget, met = world_budget(r)
            if met is False:
                missed.append(f"world {size}x: {budget}")
            rows.append([f"{size}x", f"{r['customers']:,}", f"{r['rows']:,}", f"{r['build_seconds']:.1f}",
                         f"{r['process_seconds']:.1f}", f"{r['rows_per_second']:,.0f}",
                         human_bytes(r["peak_bytes"]), budget, {True: "yes", False: "NO", None: "-"}[met]])
        print_table(["size", "customers", "rows", "build s", "process s", "rows/s", "peak RSS", "budget", "met"],
                    rows)
        print("build s: build_world's own time; process s: the child process, with Python start-up "
              "and imports; rows/s: rows / build s; peak RSS: the child's peak resident memory.")

    if not args.skip_labs:
        notebooks = [p for p in solution_notebooks() if not args.lab or p.parent.name in args.lab]
        print(f"\nLabs (solution notebooks, fresh python3 kernel each; budget <= {LAB_MAX_S:g} s "
              f"and kernel < {human_bytes(LAB_MAX_RSS)})")
        if not notebooks:
            print("No solution notebooks under solutions/*/*.ipynb: nothing to run.")
        else:
            from cxlabs.world import build_world
            with tempfile.TemporaryDirectory(prefix="cxlabs-bench-labs-") as tmp:
                world = Path(tmp) / "world"
                build_world(world, customers=DEFAULT_CUSTOMERS)
                os.environ["CXLABS_DATA_DIR"] = str(world)  # inherited by each kernel
                os.environ.setdefault("MPLBACKEND", "Agg")
                rows = []
                for path in notebooks:
                    r = bench_lab(path)
                    met = lab_budget(r)
                    if not met:
                        missed.append(f"lab {path.name}" + (f" ({r['error']})" if r["error"] else ""))
                    rows.append([str(path.relative_to(REPO / "solutions")), f"{r['seconds']:.1f}",
                                 human_bytes(r["peak_bytes"]) if r["peak_bytes"] else "?",
                                 "yes" if met else "NO", r["error"] or ""])
            print_table(["lab", "wall s", "kernel peak RSS", "met", "error"], rows)
            print("wall s: kernel start-up plus every cell; kernel peak RSS: ru_maxrss read in an "
                  "extra last cell.")

    print("\n" + ("All budgets met." if not missed else "Budgets NOT met: " + "; ".join(missed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
