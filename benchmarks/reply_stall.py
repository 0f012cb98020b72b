"""Reproduce the "execute reply seen only at the cell timeout" stall, and show the fix removes it.

Run from the repository root::

    python benchmarks/reply_stall.py                       # unfixed, then fixed; ipc, no sandbox
    python benchmarks/reply_stall.py --sandbox             # the kernel inside bubblewrap, as cohort.py
    python benchmarks/reply_stall.py --fix none --runs 40  # only the unfixed executor
    python benchmarks/reply_stall.py --no-output-widget    # control: widgets, but no Output widget

Each worker process (``--workers``, default 2) executes ``--runs`` copies of a small notebook
one after another, in one process and one event loop, as a cohort worker does, with
nbgrader's ``Execute`` preprocessor over ZeroMQ ``ipc`` (or ``--transport tcp``). The
notebook has ``--cells`` short cells; each writes into an ipywidgets ``Output`` widget
(``clear_output`` and ``with out: ...``), as lab 01's weights explorer does, so that
nbclient syncs the widget back to the kernel on the shell channel while it waits there for
the cell's reply. A cell that takes at least 80 % of the cell timeout (``--cell-timeout``,
default 5 s; every cell needs a few milliseconds) is a stall.

``--fix`` chooses the executor: ``none`` (nbgrader's ``Execute`` as is), ``mixin``
(``autograder/reliable_replies.py`` mixed in, the fix cohort grading uses), ``slices`` (the
mixin without its first layer, the fresh look at the shell socket after each IOPub message:
only the sliced waits), ``rearm`` (a diagnostic, not the fix: after every ``Session.send`` on
a ``zmq.asyncio`` socket, ask that socket for ``zmq.EVENTS``, which makes ``zmq.asyncio``
re-check the socket; removing the stall this way shows that the send is what swallows the
wake-up), or ``both`` (none, then mixin; the default).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "autograder"))

SETUP = "import ipywidgets as w\nfrom IPython.display import display"
CELL = """print({i} * 2)
out = w.Output()
display(w.VBox([w.FloatSlider(value={i}), out]))
out.clear_output()
with out:
    print("step {i}")"""
CONTROL_CELL = """box = w.VBox([w.FloatSlider(value={i}), w.HTML("step {i}")])
display(box)
print({i} * 2)"""


def notebook(cells: int, output_widget: bool = True):
    """The notebook: one setup cell, then ``cells`` cells that print ``2 * i`` (and use widgets)."""
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    body = CELL if output_widget else CONTROL_CELL
    nb.cells = [new_code_cell(SETUP)] + [new_code_cell(body.format(i=i)) for i in range(cells)]
    return nb


def rearm_session_send() -> None:
    """Diagnostic: make ``Session.send`` tell ``zmq.asyncio`` it touched the socket."""
    import zmq
    import zmq.asyncio
    from jupyter_client.session import Session

    send = Session.send

    def send_and_rearm(self, stream, *args, **kwargs):
        result = send(self, stream, *args, **kwargs)
        if isinstance(stream, zmq.asyncio.Socket) and not stream.closed:
            stream.get(zmq.EVENTS)  # zmq.asyncio reschedules its handler if events are pending
        return result

    Session.send = send_and_rearm


def sandbox_kernel(base: Path, index: int) -> str:
    """Write the sandboxed kernelspec (as cohort.py does) under ``base``; return its name."""
    import sandbox

    runtime = base / "runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    os.chmod(runtime, 0o700)
    import cxlabs

    binds = {sys.prefix, sys.base_prefix, str(Path(cxlabs.__file__).resolve().parents[1])}
    box = {"python": sys.executable, "bwrap": shutil.which("bwrap"),
           "ro_binds": sorted(p for p in binds if p != "/usr" and not p.startswith("/usr/")),
           "uid": int(os.environ.get("CXLABS_SANDBOX_UID", "61000")) + 50 + index,
           "memory_mib": 2048, "cpu_seconds": 3600, "env": {}}
    (base / "sandbox.json").write_text(json.dumps(box))
    spec = base / "share" / "kernels" / sandbox.KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps(sandbox.kernelspec(sys.executable,
                                                                    str(base / "sandbox.json"))))
    os.environ["JUPYTER_PATH"] = str(base / "share")
    return sandbox.KERNEL_NAME


def executor_class(fix: str):
    from nbgrader.preprocessors import Execute

    bases: tuple = (Execute,)
    if fix in ("mixin", "slices"):
        from reliable_replies import ReliableRepliesMixin

        bases = (ReliableRepliesMixin, Execute)
        if fix == "slices":
            bases = (type("SlicesOnly", (ReliableRepliesMixin,),
                          {"_look_at_shell_again": lambda self: None}), Execute)
    if fix == "rearm":
        rearm_session_send()

    class Timed(*bases):
        """The executor, recording each code cell's wall time in ``cell_seconds``."""

        def preprocess_cell(self, cell, resources, index):
            t0 = time.monotonic()
            try:
                return super().preprocess_cell(cell, resources, index)
            finally:
                if cell.cell_type == "code":
                    self.cell_seconds.append(time.monotonic() - t0)

    return Timed


def worker(args: argparse.Namespace, index: int) -> list[dict]:
    """Execute ``args.runs`` notebooks one after another; return one record per notebook."""
    from traitlets.config import Config

    base = Path(tempfile.mkdtemp(prefix=f"reply-stall-{index}-"))
    cfg = Config()
    cfg.KernelManager.transport = args.transport
    if args.transport == "ipc":
        (base / "runtime").mkdir(parents=True, exist_ok=True)
        cfg.KernelManager.ip = str(base / "runtime" / "kernel")
    kernel = sandbox_kernel(base, index) if args.sandbox else "python3"
    cls = executor_class(args.fix)
    records = []
    try:
        for run in range(args.runs):
            nb = notebook(args.cells, output_widget=not args.no_output_widget)
            ex = cls(config=cfg, timeout=args.cell_timeout, kernel_name=kernel)
            ex.cell_seconds = cells = []
            t0 = time.monotonic()
            ex.preprocess(nb, {"metadata": {"path": str(base)}})
            right = all(any(f"{(i - 1) * 2}" in o.get("text", "") for o in c.outputs
                            if o.get("output_type") == "stream")
                        for i, c in enumerate(nb.cells) if i > 0)
            errors = [o.get("ename") for c in nb.cells for o in c.get("outputs", [])
                      if o.get("output_type") == "error"]
            records.append({"worker": index, "run": run, "seconds": time.monotonic() - t0,
                            "cells": cells, "right": right and not errors, "errors": errors})
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return records


def measure(args: argparse.Namespace, fix: str) -> dict:
    """Run the workers as child processes (``--worker``); gather and summarise their records."""
    t0 = time.monotonic()
    argv = [sys.executable, __file__, "--worker", "--fix", fix, "--runs", str(args.runs),
            "--cells", str(args.cells), "--cell-timeout", str(args.cell_timeout),
            "--transport", args.transport]
    argv += ["--sandbox"] if args.sandbox else []
    argv += ["--no-output-widget"] if args.no_output_widget else []
    procs = [subprocess.Popen([*argv, "--index", str(i)], stdout=subprocess.PIPE, text=True)
             for i in range(args.workers)]
    records = [r for p in procs for r in json.loads(p.communicate()[0])]
    wall = time.monotonic() - t0
    cells = [c for r in records for c in r["cells"]]
    limit = 0.8 * args.cell_timeout
    stalled = [c for c in cells if c >= limit]
    return {"fix": fix, "notebooks": len(records), "cells": len(cells), "stalled_cells": len(stalled),
            "stalled_notebooks": sum(1 for r in records if any(c >= limit for c in r["cells"])),
            "median_cell_s": statistics.median(cells), "max_cell_s": max(cells),
            "all_right": all(r["right"] for r in records), "wall_s": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fix", choices=["none", "mixin", "slices", "rearm", "both"], default="both")
    parser.add_argument("--runs", type=int, default=20, help="notebooks per worker (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--cells", type=int, default=20, help="widget cells per notebook (default 20)")
    parser.add_argument("--cell-timeout", type=int, default=5, help="cell time limit, s (default 5)")
    parser.add_argument("--transport", choices=["ipc", "tcp"], default="ipc")
    parser.add_argument("--sandbox", action="store_true", help="the kernel inside bubblewrap (sandbox.py)")
    parser.add_argument("--no-output-widget", action="store_true", help="control: no Output widget")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args, args.index)))
        return 0
    print(f"{args.workers} workers x {args.runs} notebooks x {args.cells + 1} cells, transport "
          f"{args.transport}, {'sandboxed' if args.sandbox else 'plain'} kernel, "
          f"{'no ' if args.no_output_widget else ''}Output widget, cell timeout {args.cell_timeout} s",
          flush=True)
    for fix in (["none", "mixin"] if args.fix == "both" else [args.fix]):
        s = measure(args, fix)
        print(f"fix={s['fix']:<6} stalled cells {s['stalled_cells']}/{s['cells']} "
              f"({100 * s['stalled_cells'] / s['cells']:.2f} %), stalled notebooks "
              f"{s['stalled_notebooks']}/{s['notebooks']} ({100 * s['stalled_notebooks'] / s['notebooks']:.0f} %), "
              f"cell median {s['median_cell_s'] * 1000:.0f} ms, max {s['max_cell_s']:.2f} s, "
              f"results right: {s['all_right']}, wall {s['wall_s']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
