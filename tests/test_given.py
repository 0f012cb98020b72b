"""Given results: a stuck learner goes on, and returning them scores nothing.

``cxlabs.given`` only reads files that ``python autograder/course.py given`` writes
(``autograder/given_data.py``, instructor-only) into ``datasets/given/seed-<seed>/<lab>/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import REPO, grading_module, run_as_python

from cxlabs import given

LAB02 = REPO / "solutions" / "lab02" / "lab02_identity_resolution.ipynb"
SHIPPED = REPO / "datasets" / "given" / "seed-42"


# ---- the reader, on a made-up world and given folder (no world is built) -------------------------

@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A world folder with only world.json, and a given folder for it with two items."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "world.json").write_text(json.dumps({"seed": 5, "content_sha256": {"t": "abc", "u": "def"}}))
    root = tmp_path / "given"
    lab = root / "seed-5" / "lab99"
    lab.mkdir(parents=True)
    pd.DataFrame({"index": ["a", "b"], "value": [1.0, 2.0]}).to_parquet(lab / "w.parquet", index=False)
    (lab / "c.json").write_text(json.dumps({"threshold": 3.5}))
    (lab / "given.json").write_text(json.dumps({"tables": {"t": "abc"}, "items": {
        "w": {"kind": "series", "file": "w.parquet", "indexed": True, "index_name": "id",
              "series_name": "weight", "what": "weights"},
        "c": {"kind": "dict", "file": "c.json", "what": "threshold"}}}))
    monkeypatch.setenv("CXLABS_DATA_DIR", str(world))
    monkeypatch.setenv(given.ENV_DIR, str(root))
    return world, root


def _blank(*args):
    raise NotImplementedError()


def test_an_answer_that_runs_is_used_as_it_is(tiny, capsys):
    assert given.fallback(lambda x: x * 2, 4, lab="lab99", name="c", exercise="3") == 8
    assert capsys.readouterr().out == ""


def test_a_blank_answer_falls_back_on_the_given_result_and_says_so(tiny, capsys):
    assert given.fallback(_blank, 4, lab="lab99", name="c", exercise="3") == {"threshold": 3.5}
    out = " ".join(capsys.readouterr().out.split())
    assert "Exercise 3 is not answered yet, so this uses the given threshold" in out
    assert "your own answer will replace it" in out
    series = given.load("lab99", "w")
    assert series.to_dict() == {"a": 1.0, "b": 2.0} and series.index.name == "id" and series.name == "weight"


def test_other_errors_are_not_hidden(tiny):
    def broken(x):
        raise KeyError("email")

    with pytest.raises(KeyError):
        given.fallback(broken, 1, lab="lab99", name="c", exercise="3")


def test_no_given_result_says_what_to_run(tiny, capsys):
    world, root = tiny
    with pytest.raises(given.GivenMissing, match=r"course.py given lab98"):
        given.load("lab98", "c")
    assert given.fallback(_blank, lab="lab98", name="c", exercise="2") is None
    out = " ".join(capsys.readouterr().out.split())
    assert "Exercise 2 is not answered yet: write the function above" in out and "course.py given lab98" in out


def test_given_results_of_other_data_are_never_used(tiny):
    world, root = tiny
    (world / "world.json").write_text(json.dumps({"seed": 5, "content_sha256": {"t": "CHANGED"}}))
    with pytest.raises(given.GivenMissing, match="made from other data than yours"):
        given.load("lab99", "c")
    (world / "world.json").write_text(json.dumps({"seed": 6, "content_sha256": {"t": "abc"}}))  # a variant
    with pytest.raises(given.GivenMissing, match="world seed 6"):
        given.load("lab99", "c")


def test_per_pair_results_go_on_the_learners_pairs(capsys):
    table = pd.DataFrame({"record_id_a": ["a", "b"], "record_id_b": ["b", "c"], "weight": [1.0, 2.0]})
    pairs = pd.DataFrame({"record_id_a": ["b", "x"], "record_id_b": ["c", "y"]}, index=[10, 11])
    out = given.aligned(table, pairs)
    assert out.index.tolist() == [10, 11] and out[10] == 2.0 and pd.isna(out[11])
    assert "1 of your 2 pairs are not among the given pairs" in " ".join(capsys.readouterr().out.split())


# ---- the shipped files ---------------------------------------------------------------------------

def test_shipped_given_results_describe_the_shared_world():
    """They must be remade (``course.py given``) whenever the tables they come from change."""
    manifest = json.loads((REPO / "datasets" / "MANIFEST.json").read_text())["content_sha256"]
    for index in SHIPPED.glob("*/given.json"):
        made = json.loads(index.read_text())
        stale = {t for t, h in made["tables"].items() if manifest.get(t) != h}
        assert not stale, f"{index.parent}: run `python autograder/course.py given {index.parent.name}` ({stale})"
        for item in made["items"].values():
            assert (index.parent / item["file"]).is_file()


def test_the_grading_sandbox_cannot_read_given_results(tmp_path, monkeypatch):
    """The sandbox binds the package's folder, the environment and copies of the worlds: no
    given results (``datasets/given`` and the cache are outside all of them)."""
    monkeypatch.syspath_prepend(str(REPO / "autograder"))
    grading_module()
    import sandboxed_autograde

    monkeypatch.delenv(given.ENV_DIR, raising=False)
    shared = {k: str(tmp_path / k) for k in ("world", "grading_world", "plan", "mpl")}
    binds = [Path(b).resolve() for b in sandboxed_autograde.sandbox_binds(shared)]
    where = given.root().resolve()
    assert where == SHIPPED.parent.resolve()
    assert not any(where == b or b in where.parents for b in binds), (where, binds)


# ---- the cheat: a submission that returns the given results scores nothing ----------------------

def _cheats(lab_id: str) -> dict:
    from cxlabs import given as g

    def by_position(name, column=None):
        def answer(values, *rest):
            found = g.load(lab_id, name)
            found = found[column] if column else found
            return found.set_axis(values.index) if len(found) == len(values) else found
        return answer

    if lab_id == "lab03":
        return {"run_rules": lambda *args: g.load("lab03", "profile_results"),
                "scorecard": lambda *args: g.load("lab03", "card"),
                "feed_freshness": lambda *args: g.load("lab03", "fresh")}
    if lab_id == "lab04":
        return {"dsar_due_dates": lambda *args: g.load("lab04", "due")}
    if lab_id == "lab08":
        return {"time_split": by_position("parts")}
    if lab_id == "lab10":
        return {"eligibility": lambda *args: g.load("lab10", "engine"),
                "two_model_uplift": lambda *args: g.load("lab10", "uplift")}
    if lab_id == "lab11":
        return {"readout": lambda *args: g.load("lab11", "pilot"),
                "cuped": lambda outcomes, assignments, metric, *rest: g.load("lab11", f"cuped_{metric}")}
    if lab_id == "lab15":
        return {"signoff_breaches": lambda *args: g.load("lab15", "breaches"),
                "rework_cost": lambda *args: g.load("lab15", "cost"),
                "root_cause_mix": lambda *args: g.load("lab15", "mix")}
    if lab_id == "lab13":
        return {"backtest": lambda *args: g.load("lab13", "results"),
                "supplier_delays": lambda *args: g.load("lab13", "delays_2024"),
                "delivery_promise": lambda *args: g.load("lab13", "window")}
    if lab_id == "lab16":
        return {"maturity_tiers": lambda *args: g.load("lab16", "tiers"),
                "practice_effect": lambda *args: g.load("lab16", "effects")}
    if lab_id == "lab12":
        return {"conversion_paths": lambda *args: g.load("lab12", "paths"),
                "touch_credit": lambda paths, rule, *rest: g.load("lab12", f"credit_{rule}"),
                "order_economics": lambda *args: g.load("lab12", "economics")}
    if lab_id == "lab06":
        def erlang_c(calls, aht_seconds, agents, target_seconds, interval_seconds=1800):
            raise NotImplementedError()

        return {"erlang_c": g.TableFunction(erlang_c, g.load("lab06", "erlang_c"), "erlang_c")}
    if lab_id == "lab09":
        from cxlabs.widgets.clv import given_clv

        return {"activity_rates": lambda *args: g.load("lab09", "rates"),
                "customer_profit": lambda *args: g.load("lab09", "profit"),
                "clv": given_clv(g.load("lab09", "clv"))}
    if lab_id == "lab14":
        return {"psi": lambda baseline, current: float(g.load("lab14", "psi").iloc[0, 0]),
                "monthly_performance": lambda *args: g.load("lab14", "perf"),
                "selection_rates": lambda records, by, *rest: g.load("lab14", f"sel_{by}")}
    if lab_id == "lab05":
        return {"sessionise": by_position("session"),
                "cart_triggers": lambda events, rules, rule_id, *rest: g.load("lab05", f"triggers_{rule_id}")}
    return {
        "clean_email": by_position("keys", "email"),
        "clean_phone": by_position("keys", "phone"),
        "match_weights": lambda comparisons, m_u: g.aligned(g.load("lab02", "weights"), comparisons),
        "choose_threshold": lambda weights, is_match, min_precision: g.load("lab02", "chosen"),
        "cluster": lambda record_ids, matches: g.load("lab02", "clusters"),
        "evaluate": lambda clusters, review: g.load("lab02", "scores").loc["weights alone"].to_dict(),
    }


@pytest.mark.parametrize("lab_id", ["lab02", "lab03", "lab04", "lab05", "lab06", "lab08", "lab09", "lab10", "lab11",
                                    "lab12", "lab13", "lab14", "lab15", "lab16"])
def test_returning_the_given_results_scores_nothing(lab_id, world42, world7, use_world):
    use_world(world42)  # the learner's world: the given results describe it
    grading = grading_module()
    worlds = [grading.World(world42, "your company's data"), grading.World(world7, "a second company's data")]
    plan = grading.build_plan(lab_id, worlds)
    cheats = _cheats(lab_id)
    cells = [cell for cell, function in plan.functions.items() if function in cheats]
    assert len(cells) == len(cheats)
    verdicts = grading.grade_namespace(lab_id, cheats, worlds, plan, cells=cells)
    passed = {cell: v.message for cell, v in verdicts.items() if v.passed}
    assert not passed, f"returning the given results passed: {passed}"


# ---- lab 02 with exercises blanked still gives its figures and explorer -------------------------

def _blanked(tmp_path: Path, answers: set[str], notebook: Path = LAB02) -> Path:
    nb = nbformat.read(notebook, as_version=4)
    kept = []
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid == "splink":  # Splink is slow; its fallback is the given keys, as every cell's
            continue
        if gid in answers:
            cell.source = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "raise NotImplementedError()",
                                 cell.source, flags=re.S)
        if gid.endswith("_tests"):
            continue
        kept.append(cell)
    nb.cells = kept
    path = tmp_path / notebook.name
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("answers", [{"ex1_answer", "ex2_answer"},
                                     {"ex1_answer", "ex5_answer", "ex6_answer", "ex7_answer", "ex9_answer"}],
                         ids=["ex1-2 blank", "ex1-5-6-7-9 blank"])
def test_lab02_goes_on_when_exercises_are_blank(answers, world42, tmp_path, capsys):
    figures: list = []
    ns = run_as_python(_blanked(tmp_path, answers), world42, figures)
    out = " ".join(capsys.readouterr().out.split())
    assert "Exercise 1 or 2 is not answered yet, so this uses the given normalised keys" in out
    assert ns["keys"] is not None and ns["weights"] is not None and ns["chosen"] is not None
    assert ns["clusters"] is not None and ns["scores"] is not None
    drawn = {gid for gid, _ in figures}
    assert {"ex5_look", "ex6_look", "ex7_explore"} <= drawn, drawn
    explorer = ns["explorer"]
    assert explorer is not None and explorer.consequences["customers"] > 0
    if "ex7_answer" in answers:
        assert "given clusters" in explorer._summary_text
        explorer.slider.value = explorer.slider.max  # moving the slider still works on given clusters
        assert explorer.consequences["pairs_merged"] < ns["chosen"]["pairs_above"]
        for n in ("5", "6", "7", "7 or 9"):
            assert f"Exercise {n} is not answered yet, so this uses the given" in out
    else:
        assert "not answered yet" not in out.split("given normalised keys", 1)[1]


def test_lab05_goes_on_when_sessions_and_triggers_are_blank(world42, tmp_path, capsys):
    from cxlabs.course import lab

    figures: list = []
    notebook = _blanked(tmp_path, {"ex1_answer", "ex5_answer"}, REPO / "solutions" / lab("lab05").path)
    ns = run_as_python(notebook, world42, figures)
    out = " ".join(capsys.readouterr().out.split())
    assert "Exercise 1 is not answered yet, so this uses the given session numbers" in out
    assert "Exercise 5 is not answered yet, so this uses the given firings of JR-01" in out
    assert ns["sessioned"] is not None and set(ns["triggers"]) == {"JR-01", "JR-02"}
    assert {"ex2_look", "ex6_look"} <= {gid for gid, _ in figures}
    assert "Needs sessionise" not in out and "Needs cart_triggers" not in out


def test_lab12_goes_on_when_paths_credit_and_economics_are_blank(world42, tmp_path, capsys):
    from cxlabs.course import lab

    figures: list = []
    notebook = _blanked(tmp_path, {"ex1_answer", "ex2_answer", "ex5_answer"}, REPO / "solutions" / lab("lab12").path)
    ns = run_as_python(notebook, world42, figures)
    out = " ".join(capsys.readouterr().out.split())
    for n, what in (("1", "conversion paths"), ("2", "credit per channel"), ("5", "economics")):
        assert f"Exercise {n} is not answered yet, so this uses the given {what}" in out
    assert ns["credits"] is not None and ns["journeys"] is not None and ns["markov"] is not None
    assert "Rule 'time_decay', sorted by credited revenue" in out
    assert "ex7_look" in {gid for gid, _ in figures}


def test_lab16_goes_on_when_tiers_and_effects_are_blank(world42, tmp_path, capsys):
    from cxlabs.course import lab

    figures: list = []
    notebook = _blanked(tmp_path, {"ex1_answer", "ex2_answer"}, REPO / "solutions" / lab("lab16").path)
    ns = run_as_python(notebook, world42, figures)
    out = " ".join(capsys.readouterr().out.split())
    assert "Exercise 1 is not answered yet, so this uses the given maturity tiers" in out
    assert "Exercise 2 is not answered yet, so this uses the given effects by market" in out
    assert ns["verdicts"] is not None and "ex2_look" in {gid for gid, _ in figures}


def test_lab13_goes_on_when_backtest_delays_and_windows_are_blank(world42, tmp_path, capsys):
    from cxlabs.course import lab

    figures: list = []
    notebook = _blanked(tmp_path, {"ex1_answer", "ex3_answer", "ex7_answer"}, REPO / "solutions" / lab("lab13").path)
    run_as_python(notebook, world42, figures)
    out = " ".join(capsys.readouterr().out.split())
    for n, what in (("1", "back-test"), ("3", "supplier delays"), ("7", "p90 delivery windows")):
        assert f"Exercise {n} is not answered yet, so this uses the given {what}" in out
    assert {"ex2_look", "ex4_look", "ex8_look"} <= {gid for gid, _ in figures}


#: Every lab where a later part needs an earlier exercise's result (autograder/given_data.py's
#: docstring): the exercises blanked, the notes the later cells must print, the cells that must
#: still draw a figure, and text a later cell must still print.
GOES_ON = {
    "lab02": ({"ex1_answer", "ex2_answer"}, [("1 or 2", "normalised keys")], {"ex5_look", "ex6_look", "ex7_explore"},
              []),
    "lab03": ({"ex1_answer", "ex2_answer", "ex4_answer"}, [("1", "rule results"), ("2", "scorecard"), ("4", "freshness")],
              {"ex2_look"}, []),
    "lab04": ({"ex3_answer"}, [("3", "due dates")], {"ex4_look"}, []),
    "lab05": ({"ex1_answer", "ex5_answer"}, [("1", "session numbers"), ("5", "firings of JR-01")],
              {"ex2_look", "ex6_look"}, []),
    "lab06": ({"ex2_answer"}, [("2", "Erlang C results")], {"widget"}, ["wait_fcfs_seconds"]),
    "lab08": ({"ex1_answer", "ex2_answer"}, [("1", "features"), ("2", "time split"), ("1", "teams' warning signs")],
              {"calib_look", "ex3_look", "ex5_look"}, ["also high tier"]),
    "lab09": ({"ex1_answer", "ex3_answer", "ex6_answer"},
              [("1", "activity rates"), ("3", "customer profit"), ("6", "lifetime values")],
              {"ex4_look", "ex5_look", "widget"}, ["The best 20% of customers earn", "By fees alone"]),
    "lab10": ({"ex2_answer", "ex5_answer"}, [("2", "eligibility verdicts"), ("5", "uplift")],
              {"ex2_look", "ex6_look", "ex7_look"}, []),
    "lab11": ({"ex3_answer", "ex4_answer"}, [("3", "readout of the pilot"), ("4", "CUPED readout")], {"ex3_look"},
              ["With CUPED:"]),
    "lab12": ({"ex1_answer", "ex2_answer", "ex5_answer"},
              [("1", "conversion paths"), ("2", "credit per channel"), ("5", "economics"),
               ("1 or 2", "credit per channel for each window")], {"ex7_look", "widget"},
              ["Rule 'time_decay', sorted by credited revenue"]),
    "lab13": ({"ex1_answer", "ex3_answer", "ex7_answer"},
              [("1", "back-test"), ("3", "supplier delays"), ("7", "p90 delivery windows")],
              {"ex2_look", "ex4_look", "ex8_look"}, []),
    "lab14": ({"ex1_answer", "ex3_answer", "ex5_answer"},
              [("1", "PSI of the inputs"), ("3", "monthly performance"), ("5", "selection rates")],
              {"ex2_look", "ex4_look", "ex6_look"}, []),
    "lab15": ({"ex2_answer", "ex3_answer", "ex4_answer", "ex5_answer"},
              [("2", "sign-off breaches"), ("3", "replay"), ("4", "rework cost"), ("5", "root-cause mix")], set(),
              ["changes rolled back by hand would have gone a median"]),
    "lab16": ({"ex1_answer", "ex2_answer"}, [("1", "maturity tiers"), ("2", "effects by market")], {"ex2_look"}, []),
}


def _documented_without_dependency() -> set[str]:
    """Labs given_data.py's docstring lists as having no later part that needs an earlier result."""
    import given_data

    return set(re.findall(r"^- (lab\d\d): none\b", given_data.__doc__, flags=re.M))


def test_every_lab_is_either_wired_or_documented_without_dependency(monkeypatch):
    """A lab (or a new one) with given results must be in GOES_ON; every other lab must be listed
    in given_data.py as having no later part that needs an earlier result."""
    from cxlabs.course import labs

    monkeypatch.syspath_prepend(str(REPO / "autograder"))
    import given_data

    every = {lab.id for lab in labs()} - {"lab00"}
    assert set(given_data.RECIPES) == set(GOES_ON), "every lab with given results is tested below"
    assert _documented_without_dependency() == every - set(GOES_ON), \
        "a lab without given results must say in given_data.py that nothing later needs an earlier result"
    for lab_id in GOES_ON:
        assert f"- {lab_id}:" in given_data.__doc__


@pytest.mark.parametrize("lab_id", sorted(GOES_ON))
def test_a_lab_goes_on_when_an_earlier_exercise_is_blank(lab_id, world42, tmp_path, capsys, monkeypatch):
    from cxlabs.course import lab

    monkeypatch.delenv(given.ENV_DIR, raising=False)
    monkeypatch.delenv(given.GRADING_ENV, raising=False)
    answers, notes, figures_drawn, printed = GOES_ON[lab_id]
    figures: list = []
    run_as_python(_blanked(tmp_path, answers, REPO / "solutions" / lab(lab_id).path), world42, figures)
    out = " ".join(capsys.readouterr().out.split())
    for n, what in notes:
        assert f"Exercise {n} is not answered yet, so this uses the given {what}" in out
    assert figures_drawn <= {gid for gid, _ in figures}
    for text in printed:
        assert text in out
    assert "Needs " not in out and "Finish exercise" not in out and "is not answered yet: write" not in out, \
        "no later cell waits for a blank exercise's result"


def test_the_threshold_explorer_moves_over_given_clusters(tiny, capsys):
    """With cluster blank, the explorer reads the customers at each threshold from the given table."""
    from cxlabs.widgets import threshold_explorer

    world, root = tiny
    lab = root / "seed-5" / "lab02"
    lab.mkdir(parents=True)
    pd.DataFrame({"threshold": [0.0, 10.0, 18.0], "customers": [1, 2, 3], "largest": [4, 2, 2],
                  "over_merged": [1, 0, 0], "split": [0, 0, 1]}).to_parquet(lab / "explorer.parquet")
    (lab / "given.json").write_text(json.dumps({"tables": {}, "items": {"explorer": {
        "kind": "frame", "file": "explorer.parquet", "what": "clusters at each threshold"}}}))
    comparisons = pd.DataFrame({"record_id_a": ["a", "b", "c"], "record_id_b": ["b", "c", "d"],
                                "is_match": pd.array([True, False, True], dtype="boolean")})
    review = pd.DataFrame({"record_id": list("abcd"), "person": [1, 1, 2, 2]})
    explorer = threshold_explorer(comparisons, pd.Series([20.0, 8.0, 15.0]), _blank, pd.Series(list("abcd")),
                                  review, start=12.0)
    assert "Exercise 7 is not answered yet, so this uses the given clusters" in " ".join(capsys.readouterr().out.split())
    assert explorer.consequences["customers"] == 2 and explorer.consequences["pairs_merged"] == 2
    assert "given clusters at 10.0 bits" in explorer._summary_text
    explorer.slider.value = 19.0
    assert explorer.consequences["customers"] == 3 and explorer.consequences["split"] == 1


# ---- functions called many times: a given table stands in for them ------------------------------

def _given_table(root: Path, lab: str, name: str, frame: pd.DataFrame, what: str) -> None:
    folder = root / "seed-5" / lab
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / f"{name}.parquet")
    index = folder / "given.json"
    made = json.loads(index.read_text()) if index.is_file() else {"tables": {}, "items": {}}
    made["items"][name] = {"kind": "frame", "file": f"{name}.parquet", "what": what}
    index.write_text(json.dumps(made))


def test_a_blank_function_is_read_from_its_given_table(tiny, capsys):
    world, root = tiny
    _given_table(root, "lab99", "f", pd.DataFrame({"n": [1.0, 2.0], "x": [0.5, 0.5], "out": [10.0, 20.0]}),
                 "results of f")

    def f(n, x=0.5):
        raise NotImplementedError()

    stand_in = given.fallback_function(f, 1, lab="lab99", name="f", exercise="4")
    assert "Exercise 4 is not answered yet, so this uses the given results of f" in " ".join(capsys.readouterr().out.split())
    assert stand_in(2) == {"out": 20.0} and stand_in(n=1, x=0.5) == {"out": 10.0}
    with pytest.raises(given.GivenMissing, match="do not cover n=3"):
        stand_in(3)
    assert given.fallback_function(lambda n, x=0.5: n, 1, lab="lab99", name="f", exercise="4") is not stand_in
    answered = lambda n, x=0.5: n  # noqa: E731
    assert given.fallback_function(answered, 1, lab="lab99", name="f", exercise="4") is answered
    assert given.fallback_function(f, 1, lab="lab98", name="f", exercise="4") is None


def test_the_staffing_explorer_moves_agents_over_given_erlang_c(tiny, capsys):
    from cxlabs.widgets.staffing import staffing_explorer

    world, root = tiny
    rows = [{"calls": 100.0, "aht_seconds": 180.0, "agents": float(n), "target_seconds": 20.0,
             "interval_seconds": 1800.0, "load": 10.0, "p_wait": 0.5, "service_level": min(0.1 * n, 1.0),
             "asa_seconds": 30.0 / n, "occupancy": min(10.0 / n, 1.0)} for n in range(1, 40)]
    _given_table(root, "lab06", "erlang_c", pd.DataFrame(rows), "Erlang C results")

    def erlang_c(calls, aht_seconds, agents, target_seconds, interval_seconds=1800):
        raise NotImplementedError()

    explorer = staffing_explorer(erlang_c, calls=100, aht_seconds=180, agents=14, target_seconds=20)
    assert "Exercise 2 is not answered yet, so this uses the given Erlang C" in " ".join(capsys.readouterr().out.split())
    assert explorer is not None and explorer.curve.loc[14, "service_level"] == pytest.approx(1.0)
    assert explorer.sliders["calls"].disabled and not explorer.sliders["agents"].disabled
    explorer.sliders["agents"].value = 9
    assert explorer.curve.loc[9, "service_level"] == pytest.approx(0.9) and explorer.figure is not None
    assert "The target needs" in explorer._summary_text


def test_the_value_explorer_moves_over_given_lifetime_values(tiny, capsys):
    from cxlabs.widgets.clv import clv_explorer

    world, root = tiny
    views = {"net": pd.DataFrame({"margin_per_year": [10.0, -5.0], "retention": [0.8, 0.5]}, index=["web", "store"])}
    rows = [{"group": g, "margin_per_year": m, "retention": r, "discount_rate": d, "horizon_years": h,
             "clv": m * h / (1 + d)} for g, m, r in (("web", 10.0, 0.8), ("store", -5.0, 0.5))
            for d in (0.0, 0.1, 0.2) for h in (1, 5)]
    _given_table(root, "lab09", "clv", pd.DataFrame(rows), "lifetime values")

    def clv(inputs, discount_rate, horizon_years):
        raise NotImplementedError()

    explorer = clv_explorer(views, clv, discount_rate=0.1, horizon_years=5)
    assert "Exercise 6 is not answered yet, so this uses the given lifetime values" in " ".join(capsys.readouterr().out.split())
    assert explorer.ranking.loc["web", "clv"] == pytest.approx(50 / 1.1)
    explorer.rate.value = 0.2
    assert explorer.ranking.loc["web", "clv"] == pytest.approx(50 / 1.2) and explorer.figure is not None
    explorer.horizon.value = 3  # not in the table: NaN, said so, the controls stay
    assert explorer.ranking["clv"].isna().all()
    assert "No given lifetime value for 2 of 2 groups" in " ".join(capsys.readouterr().out.split())


def test_the_attribution_explorer_moves_over_given_credit(tiny, capsys):
    from cxlabs.widgets.attribution import ANCHORS, attribution_explorer

    world, root = tiny
    rows = [{"lookback_days": d, "anchor": a, "rule": r, "channel": c, "conversions": float(d if c == "email" else 10)}
            for d in (5, 30) for a in ANCHORS for r in ("first", "last") for c in ("email", "sms")]
    _given_table(root, "lab12", "explorer", pd.DataFrame(rows), "credit per channel for each window and rule")
    touches = pd.DataFrame({"customer_id": [1], "touched_at": pd.to_datetime(["2025-01-01"]), "touch_id": [1],
                            "channel": ["email"]})
    orders = pd.DataFrame({"order_id": [1], "customer_id": [1], "ordered_at": pd.to_datetime(["2025-01-02"])})
    conversions = pd.DataFrame({"order_id": [1], "recorded_at": pd.to_datetime(["2025-01-05"])})

    explorer = attribution_explorer(touches, conversions, orders, _blank, _blank, lookback_days=30)
    assert "Exercise 1 or 2 is not answered yet, so this uses the given credit per channel" in \
        " ".join(capsys.readouterr().out.split())
    assert explorer.ranking.index[0] == "email" and explorer.ranking.loc["email", "conversions"] == 30
    explorer.lookback.value = 5
    assert explorer.ranking.index[0] == "sms" and explorer.figure is not None
    explorer.lookback.value = 6  # not in the table: said so, the controls stay
    assert explorer.ranking is None and "does not cover a 6-day window" in explorer._summary_text


# ---- grading: no given results, and one short line instead of a note per cell -------------------

def test_in_grading_a_missing_given_result_is_said_once_briefly(tiny, capsys, monkeypatch):
    monkeypatch.setattr(given, "_said_in_grading", False)
    monkeypatch.setenv(given.GRADING_ENV, "1")
    for _ in range(3):
        assert given.fallback(_blank, lab="lab98", name="c", exercise="2") is None
        assert given.fallback_function(_blank, lab="lab98", name="c", exercise="3") is None
    out = capsys.readouterr().out
    assert out.strip() == given.GRADING_NOTE and len(out) < 120
    assert "course.py given" not in out and "ask your instructor" not in out
    monkeypatch.setenv(given.GRADING_ENV, "0")  # on the learner's machine: the full note, every time
    given.fallback(_blank, lab="lab98", name="c", exercise="2")
    assert "course.py given lab98" in " ".join(capsys.readouterr().out.split())


def test_the_grading_kernel_is_marked(tmp_path, monkeypatch):
    """The sandbox's kernel gets CXLABS_GRADING (what cxlabs.given reads to keep feedback short)."""
    import shutil

    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    monkeypatch.syspath_prepend(str(REPO / "autograder"))
    grading_module()
    import sandboxed_autograde

    shared = {k: str(tmp_path / k) for k in ("world", "grading_world", "plan", "mpl")}
    sandboxed_autograde.prepare_sandbox(tmp_path / "box", shared, uid=61999)
    box = json.loads((tmp_path / "box" / "sandbox.json").read_text())
    assert box["env"][given.GRADING_ENV] == "1"


@pytest.mark.notebooks
def test_a_graded_blank_lab_says_once_that_given_results_are_not_used(course_tool, world42, tmp_path):
    """Autograding an untouched lab 12 (paths, credit, economics and the explorer all fall back):
    the sandbox has no given results, and the graded notebook says so in one line, once, not
    the learner's "ask your instructor, course.py given" note in every cell."""
    from test_autograde import autograde

    from cxlabs.course import lab

    lab12 = lab("lab12")
    autograde(course_tool, tmp_path, lab12, world42, {"blank": "blank"})
    graded = nbformat.read(tmp_path / "course" / "autograder" / "work" / "autograded" / "blank" / "lab12"
                           / f"{lab12.notebook}.ipynb",
                           as_version=4)
    text = "\n".join(o.get("text", "") for c in graded.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert text.count(given.GRADING_NOTE) == 1, text[:2000]
    assert "course.py given" not in text and "is not answered yet, so this uses the given" not in text
