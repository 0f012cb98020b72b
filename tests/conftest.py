"""Shared fixtures: worlds built from two seeds, and the instructor tooling."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SECOND_SEED = 7

# The suite runs in parallel (pytest-xdist, ``-n auto`` in pyproject.toml). Each worker's
# sandboxes get their own uids, so limits counted per uid (processes) never mix two tests.
_XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
os.environ.setdefault("CXLABS_SANDBOX_UID", str(61000 + 200 * _XDIST_WORKER))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Keep a module's tests on one xdist worker when they share a module- or class-scoped
    fixture (a graded batch, a server): the fixture is then built once, not once per worker."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        scopes = {d.scope for defs in info.name2fixturedefs.values() for d in defs}
        if scopes & {"module", "class", "package"}:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def _import_course_tool():
    spec = importlib.util.spec_from_file_location("cx_course_tool", REPO / "autograder" / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def course_tool():
    """``autograder/course.py`` as a module."""
    return _import_course_tool()


def _world(tmp_path_factory, seed: int) -> Path:
    from cxlabs.world import DEFAULT_CUSTOMERS, build_world

    folder = tmp_path_factory.mktemp(f"world-seed{seed}") / "world"
    build_world(folder, seed=seed, customers=DEFAULT_CUSTOMERS)
    return folder


@pytest.fixture(scope="session")
def world42(tmp_path_factory) -> Path:
    """The default world (seed 42, default size), built once per test session."""
    return _world(tmp_path_factory, 42)


@pytest.fixture(scope="session")
def world7(tmp_path_factory) -> Path:
    """A world from a second seed: every solution must pass on it too."""
    return _world(tmp_path_factory, SECOND_SEED)


@pytest.fixture(params=[42, SECOND_SEED], ids=["seed42", f"seed{SECOND_SEED}"])
def any_world(request) -> Path:
    return request.getfixturevalue("world42" if request.param == 42 else "world7")


@pytest.fixture
def use_world(monkeypatch):
    """Point ``cxlabs.load`` at a world folder for the duration of a test."""

    def use(folder: Path) -> Path:
        monkeypatch.setenv("CXLABS_DATA_DIR", str(folder))
        return folder

    return use


def meta(folder: Path) -> dict:
    return json.loads((folder / "world.json").read_text())


def python_env(world: Path) -> dict:
    """Environment for a subprocess (kernel, nbgrader) that reads ``world``."""
    env = {**os.environ, "CXLABS_DATA_DIR": str(world), "MPLBACKEND": "Agg"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


# ---- a scratch nbgrader course --------------------------------------------------------------

def scratch_course(course_tool, tmp_path: Path, lab_ids: list[str]) -> Path:
    """A course root under ``tmp_path`` with ``solutions/`` copied and ``lab_ids`` released."""
    import shutil

    root = tmp_path / "course"
    shutil.copytree(REPO / "solutions", root / "solutions")
    if lab_ids:
        course_tool.release(root, lab_ids)
    return root


def submit(root: Path, lab, student: str, notebook: Path) -> None:
    """Place ``notebook`` as ``student``'s submission of ``lab`` in the scratch course."""
    import shutil

    target = root / "autograder" / "work" / "submitted" / student / lab.id
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, target / f"{lab.notebook}.ipynb")


def gradebook(root: Path):
    """The scratch course's gradebook (use as a context manager)."""
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{root / 'autograder' / 'work' / 'gradebook.db'}")


def require_system(*programs: str) -> dict[str, str]:
    """Paths of the system programs a test needs (see ``tests/system-packages.sh``).

    Skips the test when one is missing, unless ``CXLABS_REQUIRE_SYSTEM=1`` (set by
    ``.ci/run``), where a missing program fails the test: CI must prove these paths work.
    """
    import shutil

    found = {p: shutil.which(p) for p in programs}
    missing = [p for p, path in found.items() if path is None]
    if missing:
        message = f"needs {', '.join(missing)} (install with: sh tests/system-packages.sh)"
        if os.environ.get("CXLABS_REQUIRE_SYSTEM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


# ---- solutions run as Python, and the grader ---------------------------------------------------

def grading_module():
    """``autograder/grading.py`` (the grader's side), importable from tests."""
    path = str(REPO / "autograder")
    if path not in sys.path:
        sys.path.insert(0, path)
    import grading

    return grading


def cell_grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "") or ""


def run_as_python(notebook: Path, world: Path, figures: list | None = None) -> dict:
    """Run a notebook's code cells as plain Python on ``world``; return the namespace.

    With ``figures`` (a list), every matplotlib figure a cell creates, through pyplot or not
    (widgets draw on ``Figure`` directly), is appended to it as ``(cell grade_id, figure)``.
    Hidden-test regions (labs not yet moved to the grader) are left out: they are not the
    learner's code.
    """
    import matplotlib
    import nbformat

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    created: list = []
    real_init = Figure.__init__

    def recording_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        created.append(self)

    old = os.environ.get("CXLABS_DATA_DIR")
    os.environ["CXLABS_DATA_DIR"] = str(world)
    if figures is not None:
        Figure.__init__ = recording_init
    try:
        nb = nbformat.read(notebook, as_version=4)
        namespace = {"__name__": "__main__"}
        for cell in nb.cells:
            if cell.cell_type == "code":
                grade_id = cell_grade_id(cell) or "cell"
                source = cell.source.split("### BEGIN HIDDEN TESTS")[0]
                created.clear()
                exec(compile(source, f"{notebook.stem}:{grade_id}", "exec"), namespace)
                if figures is not None:
                    figures += [(grade_id, fig) for fig in dict.fromkeys(created)]
                plt.close("all")
        return namespace
    finally:
        Figure.__init__ = real_init
        if old is None:
            os.environ.pop("CXLABS_DATA_DIR", None)
        else:
            os.environ["CXLABS_DATA_DIR"] = old


@pytest.fixture(scope="session")
def solution_runs(world42):
    """Each lab's solution notebook run once as Python on the default world, shared by every
    test that needs it: ``{lab_id: (namespace, [(cell grade_id, figure), ...])}``."""
    from cxlabs.course import labs

    runs = {}
    for lab in labs():
        figures: list = []
        runs[lab.id] = (run_as_python(REPO / "solutions" / lab.path, world42, figures), figures)
    return runs


@pytest.fixture(scope="session")
def solution_namespaces(solution_runs):
    """Each lab's solution namespace (see :func:`solution_runs`): ``{lab_id: namespace}``."""
    return {lab_id: namespace for lab_id, (namespace, _) in solution_runs.items()}


@pytest.fixture(scope="session")
def grading_plans(world42, world7):
    """Every lab's graded cases, on the default world and on seed 7 standing in for the grading
    world: ``{lab_id: Plan}`` (built once per session; labs without a grader are absent)."""
    from cxlabs.course import labs

    grading = grading_module()
    worlds = [grading.World(world42, "your company's data"), grading.World(world7, "a second company's data")]
    return {lab.id: (grading.build_plan(lab.id, worlds), worlds) for lab in labs()
            if grading.has_grader(lab.id)}
