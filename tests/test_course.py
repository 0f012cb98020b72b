"""The course manifest against the folders, the README and the notebooks' nbgrader markup."""

from __future__ import annotations

import importlib
import re

import nbformat
import pytest
from conftest import REPO

from cxlabs.course import intro_markdown, labs
from cxlabs.feedback import Exercise
from cxlabs.world import all_tables

LABS = labs()
MIN_AUTOGRADED = {"lab00": 3}


def notebook(folder: str, lab) -> nbformat.NotebookNode:
    return nbformat.read(REPO / folder / lab.path, as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_manifest_matches_the_folders():
    ids = [lab.id for lab in LABS]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for folder in ("solutions", "labs"):
        present = sorted(p.name for p in (REPO / folder).iterdir() if p.is_dir())
        assert present == ids, f"{folder}/ holds {present}, the manifest lists {ids}"
        for lab in LABS:
            assert (REPO / folder / lab.path).is_file(), f"{folder}/{lab.path} is missing"


def test_manifest_tables_exist():
    names = {t.name for t in all_tables()}
    for lab in LABS:
        unknown = set(lab.tables) - names
        assert not unknown, f"{lab.id} lists unknown tables {unknown}"


def test_manifest_modules_match_the_course_map():
    course = REPO.parent / "shared" / "COURSE.md"
    if not course.is_file():
        pytest.skip("shared/COURSE.md is not beside the repository")
    rows = {}
    for line in course.read_text().splitlines():
        m = re.match(r"\|\s*(\d\d)\s*\|[^|]*\|([^|]*)\|", line)
        if m:
            rows[f"lab{m.group(1)}"] = sorted(re.findall(r"\d{3}-M\d", m.group(2)))
    for lab in LABS:
        assert sorted(lab.modules) == rows.get(lab.id, []), lab.id


def test_every_outline_module_is_taught():
    """The five source outlines' modules (36) are each taught by at least one lab."""
    seeds = REPO.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("shared/seeds is not beside the repository")
    outline = set()
    for path in seeds.glob("*.txt"):
        number = path.name[:3]
        text = path.read_text(encoding="utf-8", errors="replace")
        outline |= {f"{number}-M{m}" for m in re.findall(r"(?im)^\W*module\s+(\d+)\b", text)}
    taught = {m for lab in LABS for m in lab.modules}
    assert len(outline) == 36, f"the outlines' modules were not all found: {sorted(outline)}"
    assert outline <= taught, f"no lab teaches {sorted(outline - taught)}"


def test_readme_lab_list_is_derived_from_the_manifest(course_tool):
    assert course_tool.readme(check=True) == 0


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_intro_cell_comes_from_the_manifest(lab):
    for folder in ("solutions", "labs"):
        assert notebook(folder, lab).cells[0].source.strip() == intro_markdown(lab).strip()


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_nbgrader_markup(lab):
    nb = notebook("solutions", lab)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    metas = [nbgrader_meta(c) for c in nb.cells]
    ids = [m["grade_id"] for m in metas if m]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    answers = {m["grade_id"][: -len("_answer")] for m in metas if m.get("grade_id", "").endswith("_answer")}
    tests = {m["grade_id"][: -len("_tests")] for m in metas if m.get("grade_id", "").endswith("_tests")}
    assert answers == tests, "every exN_answer needs an exN_tests cell and back"
    assert len(tests) >= MIN_AUTOGRADED.get(lab.id, 5)
    for cell, m in zip(nb.cells, metas, strict=True):
        if m.get("grade_id", "").endswith("_tests"):
            assert m["grade"] and m["locked"] and m["points"] > 0
            assert "### BEGIN HIDDEN TESTS" not in cell.source, \
                f"{m['grade_id']}: graded cases belong in autograder/graders/{lab.id}.py, not in the notebook"
            assert ".check(" in cell.source, f"{m['grade_id']} has no visible check"
        if m.get("grade_id", "").endswith("_answer"):
            assert "### BEGIN SOLUTION" in cell.source and "def " in cell.source
    memo = [m for m, c in zip(metas, nb.cells, strict=True) if m.get("grade_id") == "memo"]
    assert memo and memo[0]["solution"] and memo[0]["grade"] and memo[0]["points"] > 0
    assert memo[0].get("cell_type", "markdown") == "markdown"
    assert not any(c.source.lstrip().startswith("%") for c in nb.cells if c.cell_type == "code"), \
        "no IPython magics: the mistake tests run the notebook as plain Python"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_every_exercise_has_a_check_and_progressive_hints(lab):
    checks = importlib.import_module(f"cxlabs.checks.{lab.id}")
    exercises = {name: ex for name, ex in vars(checks).items() if isinstance(ex, Exercise)}
    nb = notebook("solutions", lab)
    test_sources = [c.source for c in nb.cells if nbgrader_meta(c).get("grade_id", "").endswith("_tests")]
    assert len(exercises) >= len(test_sources)
    for src in test_sources:
        used = re.findall(r"checks\.(\w+)\.check\(", src)
        assert used and all(u in exercises for u in used), src.splitlines()[0]
    for name, ex in exercises.items():
        assert len(ex.hints) >= 2, f"{name}: give a nudge and a more specific hint"
        assert ex.where and ex.title


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_solutions_are_committed_without_outputs(lab):
    for cell in notebook("solutions", lab).cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    assert len(blocks) >= 2 and "cxlabs start" in blocks[0] and "pytest" in blocks[1]
    ci = (REPO / ".ci" / "run").read_text()
    assert blocks[1].strip() in ci.splitlines(), ".ci/run must run README command (2) as written"
