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
