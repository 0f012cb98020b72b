"""The benchmark scripts run end to end on a tiny cohort (their figures are read, not asserted:
they depend on the machine; what is asserted is that the scripts work and agree with themselves)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.notebooks
def test_variants_benchmark_builds_grades_and_compares(tmp_path):
    env = {**os.environ, "CXLABS_WORLDS_DIR": str(tmp_path / "worlds")}
    env.pop("CXLABS_LEARNER", None)
    done = subprocess.run([sys.executable, "benchmarks/grading.py", "--variants", "--students", "2",
                           "--workers", "1"], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    out = done.stdout
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    for line in ("per variant, wall s", "cache:", "one world (variants off)", "own worlds (variants on)",
                 "variants / one world, wall per submission:"):
        assert line in out, out[-3000:]
    assert "same scores on own worlds as on one world: yes" in out, out[-3000:]
    assert "worlds rebuilt while grading: 0" in out, out[-3000:]
