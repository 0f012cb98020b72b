"""Unit tests of cxlabs.checks.lab03: right answers pass, every catalogued mistake is named."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from mistakes.lab03 import MISTAKES

from cxlabs.checks import lab03 as checks
from cxlabs.feedback import CheckFailed

NOTEBOOK = REPO / "solutions" / "lab03" / "lab03_data_quality.ipynb"
CHECKS = {"ex1_answer": "run_rules", "ex2_answer": "scorecard", "ex3_answer": "steward_summary",
          "ex4_answer": "feed_freshness", "ex5_answer": "quarantine", "ex6_answer": "mask_for_role",
          "ex7_answer": "trace_upstream", "ex8_answer": "authoritative_values"}


def base_namespace() -> dict:
    """What the answer cells may use from the setup cell, without loading any data."""
    return {"pd": pd, "np": np, "SENTINELS": {"", "n/a", "unknown", "none", "-"},
            "SENTINEL_DATE": pd.Timestamp("1900-01-01"), "AS_OF": pd.Timestamp("2026-01-01 06:00")}


def answer_sources() -> dict[str, str]:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_answer")}


@pytest.mark.parametrize("answer_id", sorted(CHECKS))
def test_the_solution_passes_its_check(answer_id, capsys):
    ns = base_namespace()
    exec(answer_sources()[answer_id], ns)
    func = next(v for k, v in ns.items() if callable(v) and k not in ("pd", "np") and not k.startswith("_"))
    getattr(checks, CHECKS[answer_id]).check(func)
    assert "✓" in capsys.readouterr().out


def cases():
    for answer_id, items in MISTAKES.items():
        for m in items:
            if m.visible:
                yield pytest.param(answer_id, m, id=f"{answer_id}-{m.description[:40]}")


@pytest.mark.parametrize(("answer_id", "mistake"), list(cases()))
def test_check_names_the_mistake(answer_id, mistake):
    ns = base_namespace()
    before = set(ns)
    exec(mistake.source, ns)
    func = next(ns[k] for k in ns if k not in before and callable(ns[k]))
    with pytest.raises(CheckFailed) as err:
        getattr(checks, CHECKS[answer_id]).check(func)
    assert mistake.visible.lower() in str(err.value).lower()




def test_every_exercise_has_progressive_hints(capsys):
    for name in CHECKS.values():
        ex = getattr(checks, name)
        assert 2 <= len(ex.hints) <= 3
        ex.hint()
        assert "Hint 1/" in capsys.readouterr().out


def test_checks_do_not_print_the_expected_answer():
    """A failing message never quotes the worked example's expected masked values or hops table."""
    ns = base_namespace()
    exec(MISTAKES["ex6_answer"][0].source, ns)
    with pytest.raises(CheckFailed) as err:
        checks.mask_for_role.check(ns["mask_for_role"])
    assert "c***@shop.fr" not in str(err.value)
