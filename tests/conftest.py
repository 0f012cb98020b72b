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
