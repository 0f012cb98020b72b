"""Every learner their own company: per-learner worlds, graded on each learner's own data.

- who the learner is (``$CXLABS_LEARNER``, ``$JUPYTERHUB_USER``, the id stored with
  ``cxlabs learner set``), and what ``cxlabs.load`` says when nobody is named;
- the seed: from the course and the learner, stable across machines and releases;
- two learners get different data; the same learner the same bytes, built by the learner or
  by the grader; with variants off, everyone gets the one world;
- grading: the solution scores full marks on every learner's own world, and a submission that
  returns another learner's numbers loses the points (it would not without variants);
- end to end through ``nbgrader autograde`` and ``cohort.py`` with variants on: each
  kernel reads its learner's world, scores, the recorded seed, the export, regrades reuse
  the worlds; the memo figures page.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import (
    REPO,
    gradebook,
    grading_module,
    require_system,
    run_as_python,
    scratch_course,
    submit,
)

import cxlabs
from cxlabs import cli, variants
from cxlabs.course import lab as find_lab
from cxlabs.course import labs
from cxlabs.loading import data_dir

#: Pinned: changing how seeds are derived would hand every learner of a running course a new
#: company halfway through. Change it only between courses, and say so.
ALICE_SEED = 125243664411753


@pytest.fixture
def learner_env(monkeypatch, tmp_path):
    """A clean learner environment: no id anywhere, private config and cache folders."""
    for name in ("CXLABS_LEARNER", "JUPYTERHUB_USER", "CXLABS_DATA_DIR", "CXLABS_VARIANTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CXLABS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CXLABS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


# ---- the setting, the learner id, the seed ----------------------------------------------------------

def test_variants_are_off_in_the_manifest_and_the_environment_overrides(learner_env, monkeypatch):
    assert variants.enabled() is False, "the course ships with one world for everyone"
    for on in ("1", "on", "true", "YES"):
        monkeypatch.setenv("CXLABS_VARIANTS", on)
        assert variants.enabled() is True
    for off in ("0", "off", "false", ""):
        monkeypatch.setenv("CXLABS_VARIANTS", off)
        assert variants.enabled() is False
    monkeypatch.setenv("CXLABS_VARIANTS", "maybe")
    with pytest.raises(ValueError, match="CXLABS_VARIANTS"):
        variants.enabled()


def test_the_seed_comes_from_course_and_learner_and_never_changes():
    assert variants.seed_for("alice") == ALICE_SEED
    assert variants.seed_for("  ALICE ") == ALICE_SEED, "ids are compared without spaces and case"
    assert variants.seed_for("alice", "another-course") != ALICE_SEED
    seeds = {variants.seed_for(f"learner{i:03d}") for i in range(1000)}
    assert len(seeds) == 1000 and all(0 <= s < 2**48 for s in seeds)
    expected = int.from_bytes(hashlib.sha256(b"cxlabs-variant\0cxlabs\0alice").digest()[:6], "big")
    assert variants.seed_for("alice") == expected, "SHA-256 of the course id and the learner id"


def test_the_manifest_course_id_is_nbgraders(course_tool):
    """The learner derives their seed from the manifest's course id, the grader from the same."""
    assert course_tool.course_config().CourseDirectory.course_id == variants.course_id()


def test_learner_id_order_env_then_hub_then_stored(learner_env, monkeypatch, capsys):
    assert variants.learner_id() is None
    assert cli.main(["learner", "set", "  Carol "]) == 0
    assert "'carol' stored" in capsys.readouterr().out
    assert variants.learner_id() == ("carol", str(variants.stored_file()))
    monkeypatch.setenv("JUPYTERHUB_USER", "bob")
    assert variants.learner_id() == ("bob", "$JUPYTERHUB_USER")
    monkeypatch.setenv("CXLABS_LEARNER", "Alice")
    assert variants.learner_id() == ("alice", "$CXLABS_LEARNER")
    monkeypatch.delenv("CXLABS_LEARNER")
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert cli.main(["learner", "clear"]) == 0
    assert variants.learner_id() is None
    variants.stored_file().write_text("bad\x07id")
    with pytest.raises(variants.LearnerIdError, match="cxlabs learner set"):
        variants.learner_id()
    assert cli.main(["learner", "set", ""]) == 2, "an empty id is refused"


def test_load_without_an_id_says_exactly_what_to_do(learner_env, monkeypatch, capsys):
    monkeypatch.setenv("CXLABS_VARIANTS", "1")
    with pytest.raises(variants.LearnerIdError) as err:
        cxlabs.load("orders")
    message = str(err.value)
    assert "cxlabs learner set YOUR-ID" in message and "CXLABS_LEARNER" in message
    assert 'cxlabs.cli.main(["learner", "set", "YOUR-ID"])' in message, "a way from inside a notebook"
    assert cli.main(["learner", "show"]) == 1
    assert "cxlabs learner set YOUR-ID" in capsys.readouterr().out
    assert not (learner_env / "cache").exists(), "nothing is built for nobody"


def test_data_dir_is_the_learners_variant_and_data_dir_env_wins(learner_env, monkeypatch, world42):
    monkeypatch.setenv("CXLABS_VARIANTS", "1")
    monkeypatch.setenv("CXLABS_LEARNER", "alice")
    assert data_dir() == learner_env / "cache" / f"world-{ALICE_SEED}"
    monkeypatch.setenv("CXLABS_DATA_DIR", str(world42))
    assert data_dir() == world42
    assert cxlabs.world_info()["seed"] == 42


def test_variants_off_gives_everyone_the_same_world(learner_env, monkeypatch):
    monkeypatch.setenv("CXLABS_VARIANTS", "0")
    folders = set()
    for who in ("alice", "bob", None):
        if who:
            monkeypatch.setenv("CXLABS_LEARNER", who)
        else:
            monkeypatch.delenv("CXLABS_LEARNER")
        folders.add(data_dir())
    assert folders == {REPO / "datasets" / "world"}


# ---- the learner's world --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def grader_worlds(tmp_path_factory):
    """alice's and bob's worlds as the grader builds them (autograder/work/worlds in a course)."""
    grading = grading_module()
    cache = tmp_path_factory.mktemp("grader-worlds")
    return {who: grading.learner_world(who, cache)[0] for who in ("alice", "bob")}


def _hashes(folder: Path) -> dict:
    return json.loads((folder / "world.json").read_text())["content_sha256"]


def test_two_learners_different_data_same_learner_same_bytes(learner_env, monkeypatch, grader_worlds, capsys):
    """alice's own cxlabs.load builds her world; it is byte for byte the grader's copy of it."""
    monkeypatch.setenv("CXLABS_VARIANTS", "1")
    monkeypatch.setenv("CXLABS_LEARNER", "alice")
    orders = cxlabs.load("orders")
    assert "building your own company's data" in capsys.readouterr().err
    mine = learner_env / "cache" / f"world-{ALICE_SEED}"
    assert cxlabs.world_info()["seed"] == ALICE_SEED
    assert _hashes(mine) == _hashes(grader_worlds["alice"]), "same learner, same bytes"
    alice, bob = _hashes(grader_worlds["alice"]), _hashes(grader_worlds["bob"])
    differ = [t for t in alice if alice[t] != bob[t]]
    assert {"customers", "orders", "process_events", "clerical_review"} <= set(differ)
    assert len(orders) == len(cxlabs.load("orders")), "built once, then read"
    assert "building" not in capsys.readouterr().err
    assert cli.main(["learner", "show"]) == 0
    shown = capsys.readouterr().out
    assert f"variant {ALICE_SEED}" in shown and "(built)" in shown


def test_cli_data_build_builds_the_variant_and_refuses_another_seed_there(learner_env, monkeypatch, capsys):
    monkeypatch.setenv("CXLABS_VARIANTS", "1")
    monkeypatch.setenv("CXLABS_LEARNER", "alice")
    assert cli.main(["data", "build", "--seed", "3", "--quiet"]) == 2
    assert "--out" in capsys.readouterr().err
    assert not (learner_env / "cache").exists()


# ---- grading each learner on their own world (in one process) ------------------------------------

LABS = [lab for lab in labs() if grading_module().has_grader(lab.id)]


@pytest.fixture(scope="module")
def learner_plans(grader_worlds, world7):
    """Per lab: each learner's plan (their world + the shared cases, seed 7 as grading world)."""
    grading = grading_module()
    hidden = grading.World(world7, "a second company's data that you have not seen")
    out = {}
    for lab in LABS:
        shared = grading.build_plan(lab.id, [hidden], first_world=1)
        out[lab.id] = {who: grading.learner_plan(shared, grading.World(folder, "your company's data"))
                       for who, folder in grader_worlds.items()}
    return out


def _fingerprint(value):
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return ("frame", value.shape, int(pd.util.hash_pandas_object(value, index=True).sum()))
    if isinstance(value, dict):
        return ("dict", tuple((k, _fingerprint(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(_fingerprint(v) for v in value))
    return ("value", repr(value))


def _copy_differs(grading, solution: dict, mine, friends, cell: str) -> bool:
    """Whether the friend's honest answer fails one of the learner's own-world cases of ``cell``."""
    from cxlabs.answers import loads

    function = solution[mine.functions[cell]]
    theirs = {cid: case for cid, case, _ in friends.cases[cell]}
    for cid, case, where in mine.cases[cell]:
        if where != "your company's data":
            continue
        friend = theirs[cid]
        sent = grading.run_in_process(lambda *a, _f=friend, **k: function(*_f.args, **_f.kwargs), case)
        if sent.get("status") != "answer" or grading.run_check(case, loads(sent["answer"])) is not None:
            return True
    return False


def _copier(lab_id: str, solution: dict, mine, friends) -> dict:
    """Functions that return the friend's answers when called on the learner's own data.

    Everything else (the grading world, the hand-made records) they answer honestly, like a
    learner whose function works but who pastes a classmate's results for the real tables.
    """
    namespace = dict(solution)
    for cell, function in mine.functions.items():
        theirs = {cid: case for cid, case, _ in friends.cases[cell]}
        copied = {}
        for cid, case, where in mine.cases[cell]:
            if where == "your company's data":
                friend = theirs[cid]
                try:  # a case whose right answer is an error (``raises``) has nothing to copy
                    copied[_fingerprint(case.args)] = solution[function](*friend.args, **friend.kwargs)
                except Exception:  # noqa: BLE001
                    continue

        def answer(*args, _real=solution[function], _copied=copied, **kwargs):
            key = _fingerprint(args)
            return _copied[key] if key in _copied else _real(*args, **kwargs)

        namespace[function] = answer
    return namespace


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_the_solution_scores_full_marks_on_every_learners_world(lab, solution_namespaces, learner_plans):
    grading = grading_module()
    for who, plan in learner_plans[lab.id].items():
        verdicts = grading.grade_namespace(lab.id, solution_namespaces[lab.id], [], plan)
        failed = {cell: v.message for cell, v in verdicts.items() if not v.passed}
        assert not failed, f"the solution fails on {who}'s world: {failed}"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_another_learners_numbers_lose_the_points(lab, solution_namespaces, learner_plans):
    grading = grading_module()
    plans = learner_plans[lab.id]
    solution = solution_namespaces[lab.id]
    # bob hands in alice's results for his own tables: every exercise graded on his data fails
    copier = _copier(lab.id, solution, plans["bob"], plans["alice"])
    verdicts = grading.grade_namespace(lab.id, copier, [], plans["bob"])
    own = {cell for cell, items in plans["bob"].cases.items() if any(w == "your company's data" for _, _, w in items)}
    assert own, "the lab grades on the learner's own data"
    # Where both worlds give the same right answer (a table every company shares, a small
    # categorical result that happens to agree) copying is not cheating: it is the answer.
    telling = {cell for cell in own if _copy_differs(grading, solution, plans["bob"], plans["alice"], cell)}
    assert len(telling) * 2 >= len(own), f"most exercises should tell two learners apart: {sorted(own - telling)}"
    passed = sorted(cell for cell in telling if verdicts[cell].passed)
    assert not passed, f"another learner's numbers passed {passed}"
    assert all("your company's data" in verdicts[cell].message for cell in telling)
    # the control: with one world for everyone, the very same copying is full marks
    same = _copier(lab.id, solution, plans["alice"], plans["alice"])
    verdicts = grading.grade_namespace(lab.id, same, [], plans["alice"])
    assert all(v.passed for v in verdicts.values()), "copying within one world cannot be told apart"


def test_learner_plans_match_the_single_plan_case_for_case(grader_worlds, world7, tmp_path):
    """A learner's plan has the ids, order and inputs of a plan built on both worlds at once."""
    grading = grading_module()
    mine = grading.World(grader_worlds["alice"], "your company's data")
    hidden = grading.World(world7, "grading")
    whole = grading.build_plan("lab01", [mine, hidden], tmp_path / "whole")
    shared = grading.build_plan("lab01", [hidden], tmp_path / "shared", first_world=1)
    shared.inputs = {}  # as in a cohort worker: read back from the shared folder
    plan = grading.learner_plan(shared, mine, tmp_path / "alice")
    for cell in whole.cases:
        assert [c for c, _, _ in plan.cases[cell]] == [c for c, _, _ in whole.cases[cell]]
        cases = json.loads(plan.plan_file(cell).read_text())["cases"]
        assert [c.get("dir") for c in cases] == [None if c.startswith("w0") else str(tmp_path / "shared")
                                                 for c, _, _ in whole.cases[cell]]
    assert not list((tmp_path / "alice").glob("*_w1c*")), "shared inputs are written once, for everyone"


def test_memo_figures_for_every_lab_on_any_world(world42, grader_worlds):
    """Every lab's memo figures compute on the default world and on a learner's world, and differ."""
    grading = grading_module()
    for lab in labs():
        a = grading.memo_figures(lab.id, grading.World(world42, "x"))
        b = grading.memo_figures(lab.id, grading.World(grader_worlds["bob"], "x"))
        assert len(a) >= 5 and list(a) == list(b), lab.id
        assert all(isinstance(v, (int, float, str)) and str(v) for v in a.values()), lab.id
        assert a != b, f"{lab.id}: two worlds, the same memo figures"


# ---- end to end: nbgrader autograde and cohort.py with variants on -----------------------------------

LAB = find_lab("lab00")

_COPY_HELPERS = '''
import pandas as _pd
from cxlabs.answers import loads as _loads

_FRIEND = {friend!r}
_OWN = {{}}


def _print(frame):
    return _pd.util.hash_pandas_object(frame, index=False).sort_values().to_numpy().tobytes()


def _mine(args):
    """True when the first argument is one of my own company's tables (in any row order)."""
    if not args or not isinstance(args[0], _pd.DataFrame):
        return False
    for name in ("customers", "orders"):
        if name not in _OWN:
            _OWN[name] = _print(cxlabs.load(name))
        if len(args[0]) == len(cxlabs.load(name)) and _print(args[0]) == _OWN[name]:
            return True
    return False
'''

_COPY_WRAPPER = '''

_real_{f} = {f}


def {f}(*args, **kwargs):
    if _mine(args):
        return _loads(_FRIEND["{f}"])
    return _real_{f}(*args, **kwargs)
'''

_PROBE = 'import os as _os\nprint("PROBE", cxlabs.world_info()["seed"], _os.environ["CXLABS_DATA_DIR"])\n'


def _copier_notebook(solution: nbformat.NotebookNode, friend_answers: dict) -> nbformat.NotebookNode:
    from hostile.corpus import _insert_after

    nb = _insert_after(solution, "setup", _COPY_HELPERS.format(friend=friend_answers))
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_answer"):
            name = cell.source.split("def ", 1)[1].split("(", 1)[0]
            cell.source += _COPY_WRAPPER.format(f=name)
    return nb


def _friend_answers(world: Path) -> dict:
    """alice's answers on her own tables, as data a classmate could paste into a notebook."""
    from cxlabs.answers import dumps

    namespace = run_as_python(REPO / "solutions" / LAB.path, world)
    grading = grading_module()
    out = {}
    for graded in grading.exercises(LAB.id):
        [case] = graded.on_world(grading.World(world, "x"))
        out[graded.function] = dumps(namespace[graded.function](*case.args))
    return out


@pytest.fixture(scope="module")
def variant_course(tmp_path_factory, course_tool, grader_worlds):
    """lab00 graded by `nbgrader autograde` with variants on: alice and bob hand in the
    solution (alice's prints what her kernel loads), carol hands in alice's numbers."""
    from hostile.corpus import _insert_after

    require_system("bwrap")
    tmp = tmp_path_factory.mktemp("variants-course")
    root = scratch_course(course_tool, tmp, [LAB.id])
    worlds = tmp / "worlds"
    worlds.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CXLABS_DATA_DIR", "CXLABS_LEARNER")}
    env.update(CXLABS_VARIANTS="1", CXLABS_WORLDS_DIR=str(worlds), MPLBACKEND="Agg",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    solution = nbformat.read(root / "solutions" / LAB.path, as_version=4)
    notebooks = {"alice": _insert_after(solution, "setup", _PROBE), "bob": solution,
                 "carol": _copier_notebook(solution, _friend_answers(grader_worlds["alice"]))}
    for student, nb in notebooks.items():
        path = tmp / f"{student}.ipynb"
        nbformat.write(nb, path)
        submit(root, LAB, student, path)
    course_tool.nbgrader("autograde", LAB.id, "--force", root=root, env=env)
    return {"root": root, "env": env, "worlds": worlds}


def _code_scores(root: Path, students) -> dict:
    with gradebook(root) as gb:
        return {s: {g.name: (g.score, g.max_score) for g in gb.find_submission_notebook(
            LAB.notebook, LAB.id, s).grades if g.cell.cell_type == "code"} for s in students}


def _autograded(root: Path, student: str) -> nbformat.NotebookNode:
    return nbformat.read(root / "autograder" / "work" / "autograded" / student / LAB.path, as_version=4)


@pytest.mark.notebooks
def test_nbgrader_autograde_grades_each_learner_on_their_own_world(variant_course):
    root, worlds = variant_course["root"], variant_course["worlds"]
    scores = _code_scores(root, ["alice", "bob", "carol"])
    for student in ("alice", "bob"):
        short = {k: v for k, v in scores[student].items() if v[0] != v[1]}
        assert scores[student] and not short, f"the solution lost points on {student}'s own world: {short}"
    assert all(score == 0 for score, _ in scores["carol"].values()), \
        f"alice's numbers on carol's data scored {scores['carol']}"
    alice = _autograded(root, "alice")
    probe = "".join(o.get("text", "") for c in alice.cells for o in c.get("outputs", []) if "PROBE" in o.get("text", ""))
    assert f"PROBE {ALICE_SEED} {worlds / f'variant-{ALICE_SEED}'}" in probe, "the kernel read alice's world"
    for student in ("alice", "bob", "carol"):
        assert _autograded(root, student).metadata["cxlabs"]["variant_seed"] == variants.seed_for(student)
        assert (worlds / f"variant-{variants.seed_for(student)}" / "world.json").is_file()
    carol = _autograded(root, "carol")
    verdict = "\n".join(line for c in carol.cells for o in c.get("outputs", []) for line in o.get("traceback", []))
    assert verdict.count("your company's data") == 3 and "raised" not in verdict and "no answer" not in verdict, \
        "carol's functions ran and answered; the numbers were another learner's"


@pytest.mark.notebooks
def test_the_export_records_each_learners_variant(variant_course, course_tool, monkeypatch):
    monkeypatch.setenv("CXLABS_VARIANTS", "1")
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    course_tool.export(variant_course["root"], [LAB.id], "-")
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert {s: rows[s]["variant_seed"] for s in rows} == {s: str(variants.seed_for(s)) for s in ("alice", "bob", "carol")}


@pytest.mark.notebooks
def test_cohort_regrades_on_the_same_worlds(variant_course, monkeypatch):
    """cohort.py with variants on: the same scores, the seed in its CSV, no world built again."""
    root, worlds = variant_course["root"], variant_course["worlds"]
    sys.path.insert(0, str(REPO / "autograder"))
    import cohort

    stamps = {p: p.stat().st_mtime_ns for p in worlds.glob("variant-*/world.json")}
    for key in ("CXLABS_VARIANTS", "CXLABS_WORLDS_DIR"):
        monkeypatch.setenv(key, variant_course["env"][key])
    monkeypatch.delenv("CXLABS_DATA_DIR", raising=False)
    before = _code_scores(root, ["alice", "bob", "carol"])
    rows = cohort.grade_cohort(LAB.id, workers=2, time_limit=240, root=root, quiet=True)
    assert {r.student: r.status for r in rows} == {"alice": "ok", "bob": "ok", "carol": "ok"}, \
        {r.student: r.reason for r in rows}
    assert _code_scores(root, ["alice", "bob", "carol"]) == before
    with open(root / "autograder" / "work" / f"cohort-{LAB.id}.csv", newline="") as fh:
        seeds = {r["student"]: r["variant_seed"] for r in csv.DictReader(fh)}
    assert seeds == {s: str(variants.seed_for(s)) for s in ("alice", "bob", "carol")}
    assert {p: p.stat().st_mtime_ns for p in worlds.glob("variant-*/world.json")} == stamps, \
        "a regrade reuses every learner's world"


@pytest.mark.notebooks
def test_memo_figures_page_lists_each_learners_own_figures(variant_course, course_tool, monkeypatch):
    for key in ("CXLABS_VARIANTS", "CXLABS_WORLDS_DIR"):
        monkeypatch.setenv(key, variant_course["env"][key])
    root = variant_course["root"]
    page = course_tool.memo_page(root, LAB.id)
    assert page == root / "autograder" / "work" / f"memo-figures-{LAB.id}.html"
    text = page.read_text()
    grading = grading_module()
    for student in ("alice", "bob", "carol"):
        seed = variants.seed_for(student)
        assert f"<td>{student}</td><td>{seed}</td>" in text
        folder = variant_course["worlds"] / f"variant-{seed}"
        for value in grading.memo_figures(LAB.id, grading.World(folder, "x")).values():
            assert str(value) in text
    assert "Rubric" in text, "the rubric is on the page"


def test_hub_does_not_point_learners_at_one_world_with_variants(monkeypatch, tmp_path):
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("CXLABS_COURSE_ROOT", str(tmp_path))
    monkeypatch.delenv("CXLABS_VARIANTS", raising=False)
    hub = PyFileConfigLoader("jupyterhub_config.py", path=str(REPO / "autograder")).load_config()
    assert "CXLABS_DATA_DIR" in hub.Spawner.environment
    monkeypatch.setenv("CXLABS_VARIANTS", "1")
    hub = PyFileConfigLoader("jupyterhub_config.py", path=str(REPO / "autograder")).load_config()
    assert "CXLABS_DATA_DIR" not in hub.Spawner.environment
    assert hub.Spawner.environment["CXLABS_VARIANTS"] == "1"


def test_the_sandbox_takes_only_extra_read_only_folders_and_cxlabs_variables(tmp_path):
    """What a submission may add to its sandbox (CXLABS_SANDBOX_EXTRA): nothing else."""
    sys.path.insert(0, str(REPO / "autograder"))
    import sandbox

    cfg = {"ro_binds": ["/opt/python"], "env": {"CXLABS_MPL_CACHE": "/m"}}
    world = tmp_path / "variant-1"
    world.mkdir()
    out = sandbox.with_extra(cfg, {"ro_binds": [str(world)], "env": {"CXLABS_DATA_DIR": str(world)}})
    assert out["ro_binds"] == ["/opt/python", str(world)]
    assert out["env"] == {"CXLABS_MPL_CACHE": "/m", "CXLABS_DATA_DIR": str(world)}
    assert cfg["ro_binds"] == ["/opt/python"], "the worker's own configuration is not changed"
    (tmp_path / "file").write_text("x")
    for bad in ({"ro_binds": ["relative/path"]}, {"ro_binds": ["/"]}, {"ro_binds": [str(tmp_path / "file")]},
                {"ro_binds": [str(tmp_path / "missing")]}, {"ro_binds": [f"{world}/../variant-1"]},
                {"env": {"LD_PRELOAD": "/evil.so"}}, {"env": {"CXLABS_X": 1}}, {"rw_binds": [str(world)]},
                {"ro_binds": str(world)}):
        with pytest.raises(SystemExit):
            sandbox.with_extra(cfg, bad)
