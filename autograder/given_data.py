"""Instructor-only: the given results a stuck learner's later cells fall back on.

``python autograder/course.py given [LAB ...] [--student ID ...] [--out DIR]`` runs, for each
lab with a recipe here, the instructor's solution notebook on a world (the shared one, or a
learner's own when variants are on) and writes what later parts need as files under
``datasets/given/seed-<seed>/<lab>/`` (or ``--out``), with ``given.json`` recording the
content hash of each table they come from. ``cxlabs.given`` (in the learner's package) only
reads them: nothing the learner can import computes a graded answer.

The files describe one world. Grading runs the learner's functions on a second world nobody
has seen and on hand-made records, so returning them scores nothing
(``tests/test_given.py`` proves it); the grading sandbox cannot read them either (it binds
``src/`` and copies of the worlds, not ``datasets/``).

Which later parts need an earlier result (audit of solutions/, labs 01-16: each exercise blanked
alone, every read-only cell after the next exercise compared with the full run), and what is given:

- lab01: none. Each exercise's look cell and the maturity explorer use only the exercise they
  follow (the explorer calls maturity_scores, exercise 6's own function).
- lab02: keys (ex1-2) -> every later cell; weights (ex5), threshold (ex6), clusters (ex7) ->
  explorer, golden records, scores (ex7/9) -> Splink part. All given; Splink's own scores need
  the learner's evaluate (they are computed in the cell, not given). The threshold explorer
  moves over a given table of clusters at each threshold.
- lab03: rule results (ex1) -> scorecard (ex2) -> steward summary (ex3); freshness (ex4) -> quarantine (ex5).
- lab04: due dates (ex3) -> SLA compliance (ex4).
- lab05: sessions (ex1) -> exercises 2-4; cart firings (ex5) -> replay (ex6) and the gate explorer.
- lab06: Erlang C (ex2) -> the staffing explorer and the priority-lane look (ex5), which call
  erlang_c many times: a given table of the model answer's results for the arguments they use
  (the explorer's agents at its starting contacts, handling and target times; its other sliders
  wait for the learner's erlang_c).
- lab07: none given. The monthly theme counts (ex5_counts) use exercise 4's classifier, and count
  the hand-tagged comments instead, saying so, while it is blank; the rest use only their exercise.
- lab08: features (ex1) and time split (ex2) -> the models and every later look; the teams'
  warning signs (ex1's window_counts) -> the teams look.
- lab09: rates (ex1) -> customer profit (ex3), the segment P&L (ex4), the plans' value table;
  profit (ex3) -> P&L (ex4) and whale curve (ex5); clv (ex6) -> value look (ex7) and the value
  explorer, through a given table of lifetime values (the model answer's value inputs at every
  discount rate and horizon the explorer reaches).
- lab10: eligibility (ex2) -> targeting (ex7); uplift (ex5) -> Qini curve (ex6) and the targeting explorer.
- lab11: readout (ex3) and CUPED (ex4) -> pilot decision (ex8).
- lab12: paths (ex1) -> credit (ex2), Markov (ex3), Shapley (ex4); credit (ex2) and economics (ex5) -> ROI (ex6),
  scorecard (ex7); paths and credit (ex1-2) -> the attribution explorer, through a given table of
  credit per channel for every window, anchor and rule.
- lab13: back-test (ex1) -> error (ex2); delays (ex3) -> safety stock (ex4); windows (ex7) -> accuracy (ex8).
- lab14: PSI (ex1) -> drift look (ex2); performance (ex3) -> retraining month (ex4); selection
  rates (ex5) -> error rates (ex6).
- lab15: breaches, replay, cost, root-cause mix (ex2-5) -> the decision log.
- lab16: tiers (ex1) -> effects (ex2) -> trial verdicts (ex3).

Every other explorer and look cell uses only the exercise it follows, and says "not answered
yet" until that is written. ``tests/test_given.py`` blanks each lab's exercises above and checks
the notes and figures (``test_a_lab_goes_on_when_an_earlier_exercise_is_blank``).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_ROOT = REPO / "datasets" / "given"


def _lab02(world) -> dict[str, tuple[object, str, str]]:
    """Lab 02: ``{name: (value, exercise, what)}``."""
    from grading import grader_module

    from cxlabs.widgets.threshold import threshold_consequences

    run = grader_module("lab02").model_pipeline(world)
    ns, keys, review, comparisons = run["ns"], run["keys"], run["review"], run["comparisons"]
    weights, chosen, clusters, with_rule = run["weights"], run["chosen"], run["alone"], run["ruled"]
    scores = pd.DataFrame({"weights alone": ns["evaluate"](clusters, review),
                           "weights + first name must not disagree": ns["evaluate"](with_rule, review)}).T
    low, high = float(np.floor(weights.min())), float(np.ceil(weights.max()))
    grid = sorted({*np.arange(low, high + 0.5, 0.5).tolist(), chosen["threshold"]})
    explorer = pd.DataFrame([threshold_consequences(comparisons, weights, t, ns["cluster"], keys["record_id"], review)
                             for t in grid])
    pair_weights = comparisons[["record_id_a", "record_id_b"]].assign(weight=weights.to_numpy())
    return {
        "keys": (keys, "1 or 2", "normalised keys (the model answers' emails and phones)"),
        "weights": (pair_weights, "5", "match weights (the model answer's, for each candidate pair)"),
        "chosen": (chosen, "6", "threshold (the model answer's, for precision 0.95)"),
        "clusters": (clusters, "7", "clusters (the model answer's, at the given threshold of "
                                    f"{chosen['threshold']:.1f} bits)"),
        "explorer": (explorer, "7", "clusters at each threshold (the model answer's)"),
        "scores": (scores, "7 or 9", "scores (the model answer's clusters, with and without the first-name rule)"),
    }


def _lab05(world) -> dict[str, tuple[object, str, str]]:
    """Lab 05: the sessions (exercise 1) and the cart rules' firings (exercise 5)."""
    from grading import solution_namespace

    ns = solution_namespace("lab05", world, ["setup"])
    out = {"session": (ns["sessionise"](ns["web_events"]), "1", "session numbers (the model answer's)")}
    for rule_id in ("JR-01", "JR-02"):
        fired = ns["cart_triggers"](ns["web_events"], ns["journey_rules"], rule_id, ns["products"], ns["customers"])
        out[f"triggers_{rule_id}"] = (fired, "5", f"firings of {rule_id} (the model answer's)")
    return out


def _lab12(world) -> dict[str, tuple[object, str, str]]:
    """Lab 12: the conversion paths (exercise 1), the touches' credit (exercise 2) and the orders'
    economics (exercise 5)."""
    from grading import solution_namespace

    ns = solution_namespace("lab12", world, ["setup", "helpers"])
    paths = ns["conversion_paths"](ns["touches"], ns["conversions"], ns["orders"], ns["LOOKBACK_DAYS"])
    channel_of = paths.set_index("touch_id")["channel"]
    credit = {rule: ns["touch_credit"](paths, rule) for rule in ns["RULES"]}
    economics = ns["order_economics"](ns["conversions"], ns["orders"], ns["order_lines"], ns["products"],
                                      ns["shipments"], ns["returns"], ns["tickets"], ns["unit_costs"])
    from cxlabs.widgets.attribution import ANCHORS, as_recorded, channel_ranking

    tables = {ANCHORS[0]: ns["orders"], ANCHORS[1]: as_recorded(ns["orders"], ns["conversions"])}
    rows = []
    for anchor, orders in tables.items():
        for days in range(1, 91):  # the explorer's look-back slider
            window = ns["conversion_paths"](ns["touches"], ns["conversions"], orders, days)
            for rule in ns["RULES"]:
                sums = channel_ranking(window, ns["touch_credit"](window, rule))["conversions"]
                rows.append(pd.DataFrame({"lookback_days": days, "anchor": anchor, "rule": rule,
                                          "channel": sums.index.astype(str), "conversions": sums.to_numpy()}))
    explorer = pd.concat(rows, ignore_index=True)
    return {
        "explorer": (explorer, "1 or 2", "credit per channel for each window and rule (the model answer's)"),
        "paths": (paths, "1", "conversion paths (the model answer's)"),
        "credits": (pd.DataFrame({rule: c.groupby(channel_of).sum() for rule, c in credit.items()}), "2",
                    "credit per channel and rule (the model answer's)"),
        "credit_last": (credit["last"], "2", "last-touch credit of each touch (the model answer's)"),
        "credit_time_decay": (credit["time_decay"], "2", "time-decay credit of each touch (the model answer's)"),
        "economics": (economics, "5", "economics of each converting order (the model answer's)"),
    }


def _lab16(world) -> dict[str, tuple[object, str, str]]:
    """Lab 16: the markets' maturity tiers (exercise 1) and the practice's effect by market (exercise 2)."""
    from grading import solution_namespace

    ns = solution_namespace("lab16", world, ["setup"])
    return {
        "tiers": (ns["maturity_tiers"](ns["markets"]), "1", "maturity tiers (the model answer's)"),
        "effects": (ns["practice_effect"](ns["practice_team_months"], ns["practice_trials"]), "2",
                    "effects by market (the model answer's)"),
    }


def _lab13(world) -> dict[str, tuple[object, str, str]]:
    """Lab 13: the back-test (exercise 1), the suppliers' delays of 2024 (exercise 3) and the p90
    delivery windows of 2024 (exercise 7)."""
    from grading import solution_namespace

    ns = solution_namespace("lab13", world, ["setup", "ex1_origins"])
    orders = ns["orders"]
    return {
        "results": (ns["backtest"](ns["weekly"], ns["ORIGINS"], ns["HORIZON"]), "1",
                    "back-test forecasts (the model answer's)"),
        "delays_2024": (ns["supplier_delays"](ns["purchase_orders"], pd.Timestamp("2024-01-01"),
                                              pd.Timestamp("2025-01-01")), "3",
                        "supplier delays of 2024 (the model answer's)"),
        "window": (ns["delivery_promise"](orders[orders["ordered_at"].dt.year == 2024], ns["shipments"], 0.9), "7",
                   "p90 delivery windows of 2024 (the model answer's)"),
    }


def _lab04(world) -> dict[str, tuple[object, str, str]]:
    """Lab 04: the DSARs' due dates (exercise 3)."""
    from grading import solution_namespace

    ns = solution_namespace("lab04", world, ["setup"])
    return {"due": (ns["dsar_due_dates"](ns["dsar_requests"]), "3", "due dates (the model answer's)")}


def _lab11(world) -> dict[str, tuple[object, str, str]]:
    """Lab 11: the pilot's readout (exercise 3) and its CUPED readout per metric (exercise 4)."""
    from grading import solution_namespace

    ns = solution_namespace("lab11", world, ["setup", "criteria"])
    out = {"pilot": (ns["readout"](ns["pilot_outcomes"], ns["assignments"], ns["METRICS"]), "3",
                     "readout of the pilot (the model answer's)")}
    for metric, pre in (("satisfaction", "pre_satisfaction"), ("cost_usd", "pre_cost_usd")):
        out[f"cuped_{metric}"] = (_plain(ns["cuped"](ns["pilot_outcomes"], ns["assignments"], metric, pre)), "4",
                                  f"CUPED readout of {metric} (the model answer's)")
    return out


def _lab14(world) -> dict[str, tuple[object, str, str]]:
    """Lab 14: the inputs' PSI by month (exercise 1, through the drift look's own table), the monthly
    performance (exercise 3) and the selection rates by region (exercise 5)."""
    from grading import solution_namespace

    ns = solution_namespace("lab14", world, ["setup"])
    ns.update(display=lambda *a, **k: None)
    exec(compile(_cell_source("lab14", "ex2_look"), "solutions/lab14:ex2_look", "exec"), ns)  # noqa: S102
    return {"psi": (ns["psi_by_month"](), "1", "PSI of the inputs by month (the model answer's)"),"perf": (ns["monthly_performance"](ns["records"]), "3", "monthly performance (the model answer's)"),
            "sel_region": (ns["selection_rates"](ns["records"], "region"), "5",
                           "selection rates by region (the model answer's)")}


def _lab03(world) -> dict[str, tuple[object, str, str]]:
    """Lab 03: the profile rules' results (exercise 1), the scorecard (exercise 2) and the feeds'
    freshness (exercise 4)."""
    from grading import solution_namespace

    ns = solution_namespace("lab03", world, ["setup", "rules"])
    results = ns["run_rules"](ns["profiles"], ns["PROFILE_RULES"], ns["AS_OF"], ns["customers"]["customer_id"])
    return {
        "profile_results": (results, "1", "rule results of the profiles (the model answer's)"),
        "card": (ns["scorecard"](ns["profiles"], results, ns["PROFILE_RULES"], ns["stewards"]), "2",
                 "scorecard (the model answer's)"),
        "fresh": (ns["feed_freshness"](ns["loads"], ns["sources"], ns["AS_OF"]), "4",
                  "freshness of the feeds (the model answer's)"),
    }


def _lab15(world) -> dict[str, tuple[object, str, str]]:
    """Lab 15, for the decision log: sign-off breaches (exercise 2), the rules' replay (exercise 3),
    rework cost (exercise 4) and the root-cause mix (exercise 5)."""
    from grading import solution_namespace

    ns = solution_namespace("lab15", world, ["setup"])
    return {
        "breaches": (ns["signoff_breaches"](ns["change_requests"], ns["change_signoffs"]), "2",
                     "sign-off breaches (the model answer's)"),
        "replay": (ns["rollback_replay"](ns["change_requests"], ns["kpi_daily"], ns["control_rules"],
                                         ["rule1", "rule2"], 14), "3",
                   "replay of rules 1 and 2 (the model answer's control_rules)"),
        "cost": (ns["rework_cost"](ns["rework_log"], ns["team_loaded_rates"]), "4", "rework cost (the model answer's)"),
        "mix": (ns["root_cause_mix"](ns["postmortems"]), "5", "root-cause mix (the model answer's)"),
    }


def _lab10(world) -> dict[str, tuple[object, str, str]]:
    """Lab 10: the eligibility engine's verdicts (exercise 2) and the two-model uplift (exercise 5)."""
    from grading import solution_namespace

    ns = solution_namespace("lab10", world, ["setup", "ex2_given", "ex5_given"])
    engine = ns["eligibility"](ns["context"], ns["daily_stock"], ns["quality_holds"], ns["regional_rules"],
                               ns["offer_contacts"], ns["contact_policies"])
    return {"engine": (engine, "2", "eligibility verdicts (the model answer's)"),
            "uplift": (ns["two_model_uplift"](ns["holdout"], ns["UPLIFT_FEATURES"]), "5",
                       "uplift per customer (the model answer's)")}


def _lab08(world) -> dict[str, tuple[object, str, str]]:
    """Lab 08: the renewals' features and the teams' warning signs (exercise 1, through the
    notebook's build_features and team_flags) and the time split (exercise 2)."""
    from grading import solution_namespace

    ns = solution_namespace("lab08", world, ["setup", "signals", "ex1_look"])
    ns.update(scores=None, display=lambda *a, **k: None)  # the cell then only defines team_flags
    exec(compile(_cell_source("lab08", "teams_look"), "solutions/lab08:teams_look", "exec"), ns)  # noqa: S102
    return {"team_flags": (ns["team_flags"](ns["renewals"]), "1",
                           "teams' warning signs of every renewal (the model answer's window counts)"),"features": (ns["features"], "1", "features of every renewal (the model answer's window counts)"),
            "parts": (ns["time_split"](ns["renewals"], ns["SPLIT_DAY"]), "2", "time split (the model answer's)")}


def _lab09(world) -> dict[str, tuple[object, str, str]]:
    """Lab 09: the activity rates (exercise 1), the customers' profit (exercise 3) and the lifetime
    values (exercise 6) of the model answer's value inputs: every view and grouping the look of
    exercise 7 shows at the lab's policy, and the explorer's views at every discount rate and
    horizon its sliders reach."""
    from grading import solution_namespace

    ns = solution_namespace("lab09", world, ["setup", "helpers", "ex1_look", "plan_value"])
    rates, plan_value, clv, value_inputs = ns["rates"], ns["plan_value"], ns["clv"], ns["value_inputs"]
    profit = ns["customer_profit"](ns["customers"], ns["margins"], ns["units"], rates)
    settings = {by: [(ns["DISCOUNT_RATE"], ns["HORIZON_YEARS"])] for by in ("tier", "failed_visit")}
    settings["acquisition_channel"] = [(round(d, 2), h) for d in np.arange(0, 0.305, 0.01) for h in range(1, 21)]
    rows = []
    for by, grid in settings.items():
        for pv in (plan_value, plan_value.assign(service_cost=0.0)):
            inputs = value_inputs(pv, by)
            for d, h in grid:
                rows.append(pd.DataFrame({"group": inputs.index.astype(str), "margin_per_year": inputs["margin_per_year"],
                                          "retention": inputs["retention"], "discount_rate": float(d),
                                          "horizon_years": h, "clv": clv(inputs, d, h).to_numpy()}))
    table = pd.concat(rows, ignore_index=True).drop_duplicates(
        ["group", "margin_per_year", "retention", "discount_rate", "horizon_years"]).reset_index(drop=True)
    return {"rates": (rates, "1", "activity rates (the model answer's)"),
            "profit": (profit, "3", "customer profit (the model answer's)"),
            "clv": (table, "6", "lifetime values (the model answer's, of the model answer's value inputs)")}


def _cell_source(lab_id: str, grade_id: str) -> str:
    """The source of the solution notebook's code cell ``grade_id``."""
    import nbformat

    from cxlabs.course import lab

    nb = nbformat.read(REPO / "solutions" / lab(lab_id).path, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code"
                and c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def _recording(func, calls: list) -> Callable:
    """``func``, recording each call's arguments (by name) and its dict result in ``calls``."""
    import inspect

    signature = inspect.signature(func)

    def recorded(*args, **kwargs):
        result = func(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        calls.append({**bound.arguments, **result})
        return result

    recorded.__name__ = func.__name__
    recorded.__signature__ = signature
    return recorded


#: lab 06's staffing explorer starts here (solutions' ``widget`` cell); the given Erlang C table
#: holds every number of agents its slider reaches at these contacts, handling and target times
LAB06_EXPLORER = {"calls": 120, "aht_seconds": 540, "target_seconds": 60, "agents": range(1, 171)}


def _lab06(world) -> dict[str, tuple[object, str, str]]:
    """Lab 06: the model answer's Erlang C (exercise 2) for the arguments the priority-lane look
    (exercise 5) uses, recorded by running that cell, and for every agent count of the explorer."""
    from grading import solution_namespace

    ns = solution_namespace("lab06", world, ["setup"])
    calls: list = []
    erlang = _recording(ns["erlang_c"], calls)
    ns.update(erlang_c=erlang, display=lambda *a, **k: None)
    exec(compile(_cell_source("lab06", "ex5_look"), "solutions/lab06:ex5_look", "exec"), ns)  # noqa: S102
    start = LAB06_EXPLORER
    for agents in start["agents"]:
        erlang(start["calls"], start["aht_seconds"], agents, start["target_seconds"])
    keys = ["calls", "aht_seconds", "agents", "target_seconds", "interval_seconds"]
    table = pd.DataFrame(calls).drop_duplicates(keys).reset_index(drop=True)
    table[keys] = table[keys].astype(float)
    return {"erlang_c": (table, "2", "Erlang C results (the model answer's, for the intervals this cell "
                                    "and the staffing explorer use)")}


def _plain(value):
    """A dict of numbers as plain JSON-able Python (a Series or a dict of numpy numbers)."""
    if isinstance(value, pd.Series):
        value = value.to_dict()
    if isinstance(value, dict):
        return {str(k): (v.item() if hasattr(v, "item") else v) for k, v in value.items()}
    return value


#: lab id -> recipe; the given results record the hashes of the lab's tables (course.toml)
RECIPES: dict[str, Callable] = {"lab02": _lab02, "lab03": _lab03, "lab04": _lab04, "lab06": _lab06, "lab09": _lab09, "lab08": _lab08, "lab10": _lab10, "lab11": _lab11, "lab14": _lab14, "lab15": _lab15, "lab05": _lab05, "lab12": _lab12, "lab13": _lab13, "lab16": _lab16}


def _write_item(folder: Path, name: str, value) -> dict:
    if isinstance(value, dict):
        (folder / f"{name}.json").write_text(json.dumps(value, indent=1, default=float) + "\n", encoding="utf-8")
        return {"kind": "dict", "file": f"{name}.json"}
    if isinstance(value, pd.Series):
        frame = value.rename("value").rename_axis("index").reset_index()
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        return {"kind": "series", "file": f"{name}.parquet", "indexed": True,
                "index_name": value.index.name, "series_name": value.name}
    value.to_parquet(folder / f"{name}.parquet")
    return {"kind": "frame", "file": f"{name}.parquet"}


def write(lab_id: str, world_folder: Path, out_root: Path = DEFAULT_ROOT) -> Path:
    """Compute ``lab_id``'s given results on the world in ``world_folder``; write them under
    ``out_root/seed-<seed>/<lab_id>/``. Returns that folder."""
    import grading

    from cxlabs.course import lab

    tables, recipe = lab(lab_id).tables, RECIPES[lab_id]
    world = grading.World(world_folder, "your company's data")
    meta = json.loads((Path(world_folder) / "world.json").read_text(encoding="utf-8"))
    with contextlib.redirect_stdout(io.StringIO()):
        items = recipe(world)
    folder = Path(out_root) / f"seed-{meta['seed']}" / lab_id
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    index = {"lab": lab_id, "seed": meta["seed"], "made_by": "python autograder/course.py given",
             "tables": {t: meta["content_sha256"][t] for t in tables}, "items": {}}
    for name, (value, exercise, what) in items.items():
        index["items"][name] = {**_write_item(folder, name, value), "exercise": exercise, "what": what}
    (folder / "given.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    return folder
