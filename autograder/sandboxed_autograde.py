"""nbgrader's autograde step, made safe: learner code runs sandboxed; verdicts are decided here.

``nbgrader autograde LAB`` (with ``autograder/nbgrader_config.py``) and ``cohort.py`` both
replace nbgrader's ``Execute`` preprocessor with :class:`SandboxedAutograde`. For each
submitted notebook it

1. runs every cell in a kernel started by ``autograder/sandbox.py`` inside bubblewrap: an
   unprivileged user, no network, read-only Python, worlds and submission, small private
   ``/tmp`` and ``$HOME`` with a size limit, memory/CPU/file-size limits and a wall-time
   deadline. The runtime folder of its ZeroMQ sockets is new for every submission, deleted
   afterwards, and (when grading as root) no longer writable by the kernel once it has
   started;
2. right after each graded exercise's test cell, runs one extra cell in that kernel: it calls the learner's
   function on the exercise's graded inputs (the learner's world, a grading world nobody has
   seen, hand-made boundary records: ``autograder/graders/<lab>.py``) and sends back what it
   returned, as data (:mod:`cxlabs.answers`). Those cells are removed afterwards. When every
   learner has their own world (variants, :mod:`cxlabs.variants`), "the learner's world" is
   that learner's, built once per learner and bound into their sandbox only
   (:meth:`Run.for_student`);
3. decides every exercise **in this process** (:func:`grading.verdict`), which never imports or
   runs learner code, and writes the verdict as the output of the exercise's test cell: a
   ``✓`` line for full points, an error with the failing property in words for none.
   nbgrader's ``SaveAutoGrades`` then records the scores in the gradebook as usual, so
   formgrader, manual grading, ``generate_feedback`` and ``export`` work unchanged.

Output is capped on this side as it arrives (text, images, HTML alike: ``MAX_CELL_OUTPUT``
characters per cell, ``MAX_NOTEBOOK_OUTPUT`` per notebook), whatever the kernel does.

The reference answers never enter the kernel, so nothing a learner's code does there (replacing
comparison functions, rewriting cells, lying objects, reading frames) can change a verdict or
reveal a reference.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import grading  # noqa: E402
import sandbox  # noqa: E402
from nbformat import NotebookNode  # noqa: E402
from nbgrader.preprocessors import Execute  # noqa: E402
from reliable_replies import ReliableRepliesMixin  # noqa: E402
from traitlets import Integer, Unicode  # noqa: E402

EXPORT_TAG = "cxlabs-export"
MAX_CELL_OUTPUT = 2_000_000        # characters of output kept per learner cell
MAX_NOTEBOOK_OUTPUT = 20_000_000   # characters of output kept per notebook (learner cells)
MAX_EXPORT_OUTPUT = grading.MAX_EXERCISE_CHARS + 1_000_000
MAX_SUBMISSION_ANSWERS = 120_000_000  # characters of answer data kept per notebook, all exercises
#: Largest single message accepted from the kernel (ZeroMQ drops larger ones unread).
MAX_MESSAGE_BYTES = 64 * 2**20


# ---- what every sandboxed kernel of a grading run reads -----------------------------------------

def _readable_copy(source: Path, target: Path) -> Path:
    """A copy of a folder that the sandbox's unprivileged user can read."""
    shutil.copytree(source, target)
    for path in [target, *target.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return target


LEARNER_LABEL = "your company's data"
GRADING_LABEL = "a second company's data that you have not seen"


#: plans this process built in :func:`prepare_shared`, by folder: :meth:`Run.configure` reuses
#: them instead of computing every reference again (cohort workers forked after it inherit them)
_BUILT_PLANS: dict[str, grading.Plan] = {}


def prepare_shared(lab_id: str, scratch: Path, learner_world: Path | None = None,
                   cache_dir: Path | None = None, variants: bool | None = None) -> dict:
    """Worlds, graded inputs and matplotlib's cache for one lab, readable by the sandbox.

    Returns a dict of folders (``world``, ``grading_world``, ``plan``, ``mpl``) to bind
    read-only into every kernel. Built once per grading run and shared by every submission.

    With ``variants`` (default: the course setting, :func:`cxlabs.variants.enabled`) every
    learner has their own world: ``world`` is None, ``plan`` holds only the cases everyone
    shares (the grading world's and the hand-made ones), and each submission gets its
    learner's world and own cases from :meth:`Run.for_student`.
    """
    from cxlabs import variants as course_variants
    from cxlabs.loading import ensure_world

    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    os.chmod(scratch, 0o755)
    cache_dir = Path(cache_dir or grading.worlds_dir())
    per_learner = course_variants.enabled() if variants is None else variants
    mpl = scratch / "matplotlib"
    mpl.mkdir(exist_ok=True)
    import subprocess

    # matplotlib's font cache is built in a child process while this one builds the plan
    fonts = subprocess.Popen([sys.executable, "-c", "import matplotlib.font_manager"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "MPLCONFIGDIR": str(mpl), "MPLBACKEND": "Agg"})
    hidden = _readable_copy(grading.grading_world(cache_dir), scratch / "grading-world")
    if per_learner:
        world = None
        plan = grading.build_plan(lab_id, [grading.World(hidden, GRADING_LABEL)], scratch / "plan",
                                  first_world=1)
    else:
        world = _readable_copy(ensure_world(learner_world), scratch / "world")
        worlds = [grading.World(world, LEARNER_LABEL), grading.World(hidden, GRADING_LABEL)]
        plan = grading.build_plan(lab_id, worlds, scratch / "plan")
    _BUILT_PLANS[str(scratch / "plan")] = plan
    fonts.wait()
    for path in [mpl, *mpl.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return {"lab": lab_id, "world": None if world is None else str(world), "grading_world": str(hidden),
            "plan": str(scratch / "plan"), "mpl": str(mpl), "variants": bool(per_learner),
            "worlds": str(cache_dir)}


def sandbox_binds(shared: dict) -> list[str]:
    """Read-only folders a kernel needs: Python, the environment, cxlabs, worlds, inputs.

    With variants, the learner's world and own graded inputs are bound per submission
    (:meth:`Run.for_student`), not here.
    """
    import cxlabs

    binds = {sys.prefix, sys.base_prefix, str(Path(cxlabs.__file__).resolve().parent.parent),
             shared["world"], shared["grading_world"], shared["plan"], shared["mpl"]}
    return sorted(p for p in binds if p and p != "/usr" and not p.startswith("/usr/"))


def prepare_sandbox(base: Path, shared: dict, uid: int, memory_mib: int = 3072,
                    cpu_seconds: int = 310, env: dict | None = None) -> Path:
    """One worker's sandbox: its configuration, kernelspec and runtime root under ``base``.

    Returns the folder to put on ``JUPYTER_PATH`` (it holds the sandbox kernelspec).
    """
    import site

    import cxlabs

    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SystemExit("Grading runs learners' code in a bubblewrap sandbox, and `bwrap` is not "
                         "installed: `sh tests/system-packages.sh` (or `apt-get install bubblewrap`).")
    base = Path(base)
    for sub in ("runtime", f"share/kernels/{sandbox.KERNEL_NAME}"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(base / "runtime", 0o711)
    passthrough = {k: v for k, v in os.environ.items()
                   if k in ("MPLBACKEND", "TZ", "PYTHONHASHSEED", "CXLABS_OUTPUT_LIMIT")}
    # With variants the learner's world comes per submission; without it, cxlabs.load in the
    # sandbox would ask for a learner id and load nothing.
    data = {"CXLABS_DATA_DIR": shared["world"]} if shared.get("world") else {}
    # The kernel imports the cxlabs the grader runs (bound read-only above), also when it is
    # not installed in the environment (a checkout on PYTHONPATH, a second worktree).
    package_root = str(Path(cxlabs.__file__).resolve().parent.parent)
    if package_root not in site.getsitepackages():
        data["PYTHONPATH"] = package_root
    box = {"python": sys.executable, "bwrap": bwrap, "ro_binds": sandbox_binds(shared), "uid": uid,
           "memory_mib": memory_mib, "cpu_seconds": int(cpu_seconds),
           # CXLABS_GRADING: cells that fall back on given results (unreadable here) say so once
           "env": {**data, "CXLABS_MPL_CACHE": shared["mpl"], "CXLABS_GRADING": "1",
                   "MPLBACKEND": "Agg", **passthrough, **(env or {})}}
    (base / "sandbox.json").write_text(json.dumps(box, indent=1))
    spec = sandbox.kernelspec(sys.executable, str(base / "sandbox.json"))
    (base / "share" / "kernels" / sandbox.KERNEL_NAME / "kernel.json").write_text(json.dumps(spec, indent=1))
    return base / "share"


# ---- one grading run's state (a cohort worker sets it; plain nbgrader gets it on first use) -----

class Run:
    """The sandbox and graded cases of the current process.

    ``plan`` is every learner's plan when all share one world; with variants it holds only
    the cases everyone shares, and :meth:`for_student` adds each learner's own.
    """

    base: Path | None = None
    shared: dict | None = None
    plan: grading.Plan | None = None
    deadline_seconds: float | None = None
    counter = 0
    #: learners' plans by seed, most recent last (a few: a regrade or a retry reuses them)
    learners: dict[int, tuple[grading.Plan, Path]] = {}
    KEEP_LEARNERS = 4

    @classmethod
    def configure(cls, base: Path, shared: dict, plan: grading.Plan | None = None,
                  deadline_seconds: float | None = None) -> None:
        cls.base, cls.shared, cls.deadline_seconds = Path(base), shared, deadline_seconds
        hidden = grading.World(shared["grading_world"], GRADING_LABEL)
        if not shared.get("variants"):  # a learner's plan is put together from one without inputs
            plan = plan or _BUILT_PLANS.get(shared["plan"])
        if shared.get("variants"):
            cls.plan = plan or grading.build_plan(shared["lab"], [hidden], first_world=1)
        else:
            cls.plan = plan or grading.build_plan(
                shared["lab"], [grading.World(shared["world"], LEARNER_LABEL), hidden])
        cls.plan.folder = Path(shared["plan"])
        for old_plan, _ in cls.learners.values():
            shutil.rmtree(old_plan.folder, ignore_errors=True)
        cls.learners = {}
        os.environ["JUPYTER_PATH"] = str(cls.base / "share")

    @classmethod
    def for_student(cls, student: str | None) -> tuple[grading.Plan, dict, int | None]:
        """The plan to grade ``student`` with, what their sandbox adds, and their variant's seed.

        Without variants: the shared plan, nothing, None. With variants: the learner's world
        (built once and cached, :func:`grading.learner_world`), the cases on it with their
        references (computed here, kept for the last few learners), and for the sandbox the
        two extra read-only folders (their world and their graded inputs) and
        ``CXLABS_DATA_DIR`` pointing at their world.
        """
        if not cls.shared.get("variants"):
            return cls.plan, {}, None
        if not student:
            raise RuntimeError("every learner has their own world, and this submission has no student id")
        folder, seed = grading.learner_world(student, Path(cls.shared["worlds"]))
        if seed in cls.learners:
            plan, _ = cls.learners.pop(seed)
        else:
            target = cls.base / "learners" / f"{cls.shared['lab']}-{seed}"
            shutil.rmtree(target, ignore_errors=True)
            plan = grading.learner_plan(cls.plan, grading.World(folder, LEARNER_LABEL), target)
        cls.learners[seed] = (plan, folder)
        while len(cls.learners) > cls.KEEP_LEARNERS:
            old_plan, _ = cls.learners.pop(next(iter(cls.learners)))
            shutil.rmtree(old_plan.folder, ignore_errors=True)
        extra = {"ro_binds": [str(folder), str(plan.folder)],
                 "env": {"CXLABS_DATA_DIR": str(folder), "CXLABS_LEARNER": str(student)}}
        return plan, extra, seed

    @classmethod
    def ensure(cls, lab_id: str, memory_mib: int, time_limit: float) -> None:
        """Prepare a sandbox for ``lab_id`` in this process if none is configured (nbgrader path)."""
        if cls.shared is not None and cls.shared["lab"] == lab_id:
            return
        scratch = Path(tempfile.mkdtemp(prefix="cxlabs-grade-"))
        atexit.register(shutil.rmtree, scratch, True)
        shared = prepare_shared(lab_id, scratch / "shared")
        uid = int(os.environ.get("CXLABS_SANDBOX_UID", "61000")) + 99
        prepare_sandbox(scratch / "box", shared, uid, memory_mib, int(time_limit) + 10)
        cls.configure(scratch / "box", shared, deadline_seconds=time_limit)


# ---- the preprocessor ---------------------------------------------------------------------------

def _error(ename: str, evalue: str, text: str | None = None) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[text or f"{ename}: {evalue}"])


def _size(output) -> int:
    if output.get("output_type") == "stream":
        return len(output.get("text", ""))
    if output.get("output_type") == "error":
        return sum(len(x) for x in output.get("traceback", [])) + len(output.get("evalue", ""))
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in output.get("data", {}).values())


def _capped_kernel_manager():
    """A kernel manager whose clients refuse any single message over ``MAX_MESSAGE_BYTES``."""
    import zmq
    from jupyter_client.manager import AsyncKernelManager

    class CappedKernelManager(AsyncKernelManager):
        def client(self, **kwargs):
            kc = super().client(**kwargs)
            kc.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
            return kc

    return CappedKernelManager


class SandboxedAutograde(ReliableRepliesMixin, Execute):
    """nbgrader's ``Execute``, replaced: sandboxed kernel, answers out as data, verdicts here.

    Replies are awaited in short slices (:class:`reliable_replies.ReliableRepliesMixin`), so a
    lost ZeroMQ wake-up never holds a cell until its time limit.

    After each notebook, :attr:`last` holds what happened beyond the scores: ``incidents``
    (cells over the time limit, out of memory, output cut) and ``kernel_death`` (the cell the
    kernel died in), for ``cohort.py``'s report.
    """

    last: dict = {}

    memory_mib = Integer(3072, help="Address-space limit of the learner's kernel, MiB.").tag(config=True)
    time_limit = Integer(600, help="Wall-time limit of one notebook (all cells), seconds.").tag(config=True)
    grading_lab = Unicode("", help="Lab id to grade (default: the assignment's id).").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", _capped_kernel_manager())
        # A cell whose output is still arriving when its reply comes is not a reason to stop
        # grading the whole notebook (nbgrader's default): wait a little, then move on; late
        # output of a finished cell is dropped.
        kwargs.setdefault("raise_on_iopub_timeout", False)
        kwargs.setdefault("iopub_timeout", 10)
        super().__init__(*args, **kwargs)

    # -- nbclient hooks --------------------------------------------------------------------------

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        km.transport = "ipc"
        km.ip = str(self._runtime / "kernel")
        return km

    def output(self, outs, msg, display_id, cell_index):
        """Keep output within the caps as it arrives; export cells keep only answer data."""
        from cxlabs.answers import MIME

        cell = self.nb.cells[cell_index]
        exporting = EXPORT_TAG in cell.get("metadata", {}).get("tags", [])
        content = msg.get("content", {})
        if exporting:
            data = content.get("data") or {}
            if msg.get("msg_type") != "display_data" or MIME not in data:
                return None  # the learner's prints during grading: not kept
            size = len(str(data[MIME]))
            total = sum(self._export_chars.values())
            if self._export_chars.get(cell_index, 0) + size > MAX_EXPORT_OUTPUT \
                    or total + size > MAX_SUBMISSION_ANSWERS:
                return None  # over the cap: that exercise gets no answer for this case
            self._export_chars[cell_index] = self._export_chars.get(cell_index, 0) + size
            return super().output(outs, msg, display_id, cell_index)
        out = super().output(outs, msg, display_id, cell_index)
        if out is None:
            return None
        size = _size(out)
        used = self._cell_chars.get(cell_index, 0)
        if used + size > MAX_CELL_OUTPUT or self._notebook_chars + size > MAX_NOTEBOOK_OUTPUT:
            outs.pop()
            if not self._cut.get(cell_index):
                self._cut[cell_index] = True
                outs.append(NotebookNode(output_type="stream", name="stdout",
                                         text=f"\n[cxlabs: output cut, this cell produced more than "
                                              f"{MAX_CELL_OUTPUT:,} characters of output]\n"))
                self.incidents.append(f"cell {self._label(cell, cell_index)} printed too much; output cut")
            return None
        self._cell_chars[cell_index] = used + size
        self._notebook_chars += size
        return out

    # -- the run ---------------------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        lab_id = self.grading_lab or resources["nbgrader"]["assignment"]
        Run.ensure(lab_id, self.memory_mib, self.time_limit)
        started = time.perf_counter()
        plan, extra, seed = Run.for_student(resources["nbgrader"].get("student"))
        learner_seconds = time.perf_counter() - started
        self.kernel_name = sandbox.KERNEL_NAME
        self.incidents: list[str] = []
        self.kernel_death: dict = {}
        self._cell_chars: dict[int, int] = {}
        self._export_chars: dict[int, int] = {}
        self._cut: dict[int, bool] = {}
        self._notebook_chars = 0
        self._dead = None
        Run.counter += 1
        runtime_root = Run.base / "runtime"
        self._runtime = runtime_root / f"s{os.getpid()}-{Run.counter}"
        shutil.rmtree(self._runtime, ignore_errors=True)
        self._runtime.mkdir(mode=0o700)
        status = Run.base / "status.json"
        status.unlink(missing_ok=True)
        workdir = resources.get("metadata", {}).get("path") or os.getcwd()
        limit = Run.deadline_seconds or self.time_limit
        os.environ.update(CXLABS_SANDBOX_WORKDIR=str(workdir), CXLABS_SANDBOX_STATUS=str(status),
                          CXLABS_SANDBOX_RUNTIME=str(self._runtime),
                          CXLABS_SANDBOX_DEADLINE=str(time.time() + limit),
                          CXLABS_SANDBOX_EXTRA=json.dumps(extra) if extra else "")
        if seed is not None:  # which company this learner had: for the grade export
            nb.metadata["cxlabs"] = NotebookNode(variant_seed=seed)
        # Each exercise is exported right after its test cell runs, so a later crash, a
        # timeout or the wall-time limit cannot take away exercises graded before it.
        cells = []
        for cell in nb.cells:
            cells.append(cell)
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id in plan.cases:
                source = (f'__import__("cxlabs.answers", fromlist=["export"]).export('
                          f'{str(plan.plan_file(grade_id))!r}, globals())')
                cells.append(NotebookNode(
                    cell_type="code", source=source, outputs=[], execution_count=None,
                    metadata=NotebookNode(tags=[EXPORT_TAG, "raises-exception"], cxlabs_exercise=grade_id)))
        nb.cells = cells
        try:
            nb, resources = self._execute(nb, resources, km)
        finally:
            self._release_runtime()
        exports = [c for c in nb.cells if EXPORT_TAG in c.get("metadata", {}).get("tags", [])]
        nb.cells = [c for c in nb.cells if EXPORT_TAG not in c.get("metadata", {}).get("tags", [])]
        kernel = json.loads(status.read_text()) if status.is_file() else {}
        self._note_incidents(nb)
        self._decide(nb, plan, exports, kernel)
        SandboxedAutograde.last = {"incidents": list(dict.fromkeys(self.incidents)),
                                   "kernel_death": dict(self.kernel_death), "kernel": kernel,
                                   "variant_seed": seed, "learner_seconds": round(learner_seconds, 3)}
        return nb, resources

    def _note_incidents(self, nb) -> None:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            for out in cell.get("outputs", []):
                text = "\n".join([str(out.get("text", "")), str(out.get("evalue", "")),
                                  str(out.get("data", {}).get("text/plain", "")),
                                  *map(str, out.get("traceback", []))])
                if "[cxlabs: output cut" in text:
                    self.incidents.append(f"cell {self._label(cell, index)} printed too much; output cut")
                if out.get("ename") == "CellTimeoutError":
                    self.incidents.append(f"cell {self._label(cell, index)} ran over the cell time limit")
                elif out.get("ename") == "MemoryError" or "MemoryError" in text:
                    self.incidents.append(f"cell {self._label(cell, index)} ran out of memory (MemoryError)")

    def _execute(self, nb, resources, km):
        """nbconvert's ExecutePreprocessor.preprocess, with the runtime locked after start."""
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        with self.setup_kernel():
            info = self.wait_for_reply(self.kc.kernel_info())
            self._lock_runtime()
            if info:
                self.nb.metadata["language_info"] = info["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                self.preprocess_cell(cell, resources, index)
        self.set_widgets_metadata()
        return self.nb, self.resources

    def preprocess_cell(self, cell, resources, index):
        from nbclient.exceptions import DeadKernelError

        exercise = cell.get("metadata", {}).get("cxlabs_exercise")
        if exercise and self._timed_out(exercise):
            # its test cell ran out of time on the worked example: grading it would only
            # spend the same time again, and the notebook's wall-time limit with it
            cell.outputs = [_error("CellTimeoutError", "skipped: the test cell ran out of time")]
            return cell, self.resources
        if self._dead is not None:
            if cell.cell_type == "code":
                cell.outputs = [_error("KernelDied", "not run: the kernel died earlier")]
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError as exc:
            self._dead = index
            self.kernel_death.update(cell=self._label(cell, index), error=str(exc)[:200])
            cell.outputs = [*cell.get("outputs", []), _error("KernelDied", "the kernel died while running this cell")]
            return cell, self.resources

    def _timed_out(self, grade_id: str) -> bool:
        for cell in self.nb.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
                return any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", []))
        return False

    @staticmethod
    def _label(cell, index: int) -> str:
        meta = cell.get("metadata", {})
        if meta.get("cxlabs_exercise"):
            return f"grading of {meta['cxlabs_exercise']}"
        return meta.get("nbgrader", {}).get("grade_id") or f"#{index + 1}"

    def _lock_runtime(self) -> None:
        """Once the kernel has bound its sockets, it may create nothing more in the runtime folder."""
        if os.geteuid() != 0:
            return
        with contextlib.suppress(OSError):
            for path in self._runtime.iterdir():
                if path.is_file() and not path.is_symlink():
                    os.chown(path, 0, 0)
                    os.chmod(path, 0o600)
            os.chown(self._runtime, 0, 0)
            os.chmod(self._runtime, 0o711)

    def _release_runtime(self) -> None:
        shutil.rmtree(self._runtime, ignore_errors=True)

    # -- verdicts ----------------------------------------------------------------------------------

    def _decide(self, nb, plan: grading.Plan, exports, kernel: dict) -> None:
        from cxlabs.answers import MIME

        received: dict[str, list] = {}
        notes: dict[str, str] = {}
        for cell in exports:
            exercise = cell.metadata.get("cxlabs_exercise")
            items = []
            for out in cell.get("outputs", []):
                text = out.get("data", {}).get(MIME) if out.get("output_type") == "display_data" else None
                if isinstance(text, str) and len(text) <= MAX_EXPORT_OUTPUT:
                    with contextlib.suppress(ValueError, RecursionError):
                        item = json.loads(text)
                        if isinstance(item, dict):
                            items.append(item)
                elif out.get("output_type") == "error":
                    notes[exercise] = self._failure_note(out, kernel)
            received[exercise] = items
            if exercise not in notes and cell.get("outputs") and not items:
                notes[exercise] = "the grader received nothing from it."
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type != "code" or grade_id not in plan.cases:
                continue
            if not cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            result = grading.verdict(plan, grade_id, received.get(grade_id, []), notes.get(grade_id, ""))
            if result.passed:
                cell.outputs = [NotebookNode(output_type="stream", name="stdout",
                                             text=f"✓ Graded: `{plan.functions[grade_id]}` is {result.message}\n")]
            else:
                function = plan.functions[grade_id]
                text = result.message if f"`{function}`" in result.message else f"`{function}`: {result.message}"
                cell.outputs = [_error("NotCorrect", text, f"✗ Graded: {text}")]

    def _failure_note(self, out, kernel: dict) -> str:
        if out.get("ename") == "CellTimeoutError":
            return f"it did not finish within {self.timeout} s on the graded data."
        if out.get("ename") == "KernelDied":
            if kernel.get("deadline"):
                return "the notebook's time limit ran out before it was graded."
            return "the kernel stopped (out of memory, or a crash) before it could be graded."
        return "the grading call failed in the kernel " + f"({str(out.get('ename'))[:60]})."
