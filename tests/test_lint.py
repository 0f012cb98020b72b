"""Code style: ruff on everything that is Python."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO


def test_ruff_is_clean():
    ruff = Path(sys.executable).with_name("ruff")
    exe = str(ruff) if ruff.exists() else shutil.which("ruff")
    if exe is None:
        pytest.skip("ruff is not installed (install the dev extra)")
    paths = [p for p in ("src", "tests", "autograder", "benchmarks") if (REPO / p).is_dir()]
    result = subprocess.run([exe, "check", *paths], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
