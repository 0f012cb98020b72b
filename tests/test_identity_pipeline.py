"""The identity-resolution reference pipeline of ``benchmarks/identity.py`` meets its quality bar."""

from __future__ import annotations

import importlib.util

import pytest
from conftest import REPO


@pytest.fixture(scope="module")
def pipeline():
    spec = importlib.util.spec_from_file_location("cx_identity_bench", REPO / "benchmarks" / "identity.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_pipeline_f1_on_two_seeds(pipeline, any_world):
    result = pipeline.evaluate_folder(any_world)
    assert result["f1"] >= 0.95, result
    assert result["precision"] >= 0.95 and result["recall"] >= 0.9, result
    assert result["pairs_compared"] < 3 * result["records"], "blocking keeps the comparisons near-linear"
