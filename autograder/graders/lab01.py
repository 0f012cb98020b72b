"""Graded references for Lab 01, *Diagnosing the operating model* (instructor-only).

Each exercise's cases run the learner's function on the full tables of each world (rows
shuffled, as exports come) and on hand-made records at the rule's edges; the references
are computed here, by a different route from the solution notebook where one exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_type, labels

HOUR = pd.Timedelta(hours=1)
T0 = pd.Timestamp("2024-05-01")
LEVELS = {1: "initial", 2: "repeatable", 3: "defined", 4: "managed", 5: "optimising"}


def _events(rows):
    """Hand-made events: (case, step, stage, team, verifies, start hour, end hour)."""
    return pd.DataFrame(
        [(c, s, st, t, v, T0 + a * HOUR, T0 + b * HOUR) for c, s, st, t, v, a, b in rows],
        columns=["case_id", "step", "stage", "team", "verifies", "started_at", "ended_at"])


def _floats(frame: pd.DataFrame, columns) -> None:
    for c in columns:
        if not pd.api.types.is_float_dtype(frame[c]):
            raise Fail(f"column {c!r} should hold hours as floats (it holds {frame[c].dtype})")


# ---- exercise 1: lead, work and wait time per case ---------------------------------------------

def _case_times_ref(ev: pd.DataFrame) -> pd.DataFrame:
    ends = ev.sort_values(["case_id", "step"]).groupby("case_id").agg(
        start=("started_at", "first"), end=("ended_at", "last"))
    lead = (ends["end"] - ends["start"]).dt.total_seconds() / 3600
    work = ((ev["ended_at"] - ev["started_at"]).dt.total_seconds() / 3600).groupby(ev["case_id"]).sum()
    return pd.DataFrame({"lead_time_h": lead, "work_time_h": work, "wait_time_h": lead - work})


def _check_case_times(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per case")
        expect_frame(frame, ref, index_name="the index (case_id)")
        _floats(frame, ref.columns)
    return check


def _case_times_world(world):
    ev = world.load("process_events")
    return [Case("the process_events table, rows shuffled", (ev.sample(frac=1, random_state=11),),
                 _check_case_times(_case_times_ref(ev)))]


def _case_times_fixed():
    one = _events([(7, 1, "order_capture", "sales", "identity", 8.0, 8.5)])
    # two stages that overlap: lead time is first start to last end, work counts both
    overlap = _events([(3, 1, "order_capture", "sales", None, 0.0, 2.0),
                       (3, 2, "payment_check", "finance", None, 1.0, 3.0)])
    return [Case("a case with a single stage (no waiting)", (one,), _check_case_times(_case_times_ref(one))),
            Case("a case whose stages overlap", (overlap,), _check_case_times(_case_times_ref(overlap)))]


# ---- exercise 2: waits at handoffs between teams -----------------------------------------------

def _handoffs_ref(ev: pd.DataFrame) -> pd.DataFrame:
    nxt = ev.assign(step=ev["step"] - 1)
    m = ev.merge(nxt, on=["case_id", "step"], suffixes=("", "_next"))
    m = m[(m["team"] != m["team_next"]) & (m["team"] != "carrier") & (m["team_next"] != "carrier")]
    m = m.assign(wait_h=(m["started_at_next"] - m["ended_at"]).dt.total_seconds() / 3600)
    return (m.groupby(["stage", "stage_next"])
            .agg(from_team=("team", "first"), to_team=("team_next", "first"),
                 handoffs=("wait_h", "count"), mean_wait_h=("wait_h", "mean"),
                 median_wait_h=("wait_h", "median"))
            .rename_axis(["from_stage", "to_stage"])
            .sort_values("mean_wait_h", ascending=False))


def _sorted_desc(frame, column: str, message: str) -> None:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    if len(values) > 1 and not np.all(np.diff(values) <= 1e-9 * np.maximum(1, np.abs(values[1:]))):
        raise Fail(message)


def _sorted_asc(frame, column: str, message: str) -> None:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    if len(values) > 1 and not np.all(np.diff(values) >= -1e-9 * np.maximum(1, np.abs(values[1:]))):
        raise Fail(message)


def _check_handoffs(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per handoff")
        if frame.index.nlevels != 2:
            raise Fail("the index should have two levels: (from_stage, to_stage)")
        expect_frame(frame, ref, index_name="the index (from_stage, to_stage)")
        _sorted_desc(frame, "mean_wait_h", "the rows should be sorted by mean_wait_h, largest first")
    return check


def _handoffs_world(world):
    ev = world.load("process_events")
    return [Case("the process_events table, rows shuffled", (ev.sample(frac=1, random_state=12),),
                 _check_handoffs(_handoffs_ref(ev)))]


def _handoffs_fixed():
    # a team that takes the work back is a handoff again (sales -> finance -> sales); the carrier
    # is outside the company (no handoff to or from it); the same team twice in a row is none
    back = _events([(1, 1, "a", "sales", None, 0, 1), (1, 2, "b", "finance", None, 2, 3),
                    (1, 3, "c", "sales", None, 7, 8), (1, 4, "d", "sales", None, 9, 10),
                    (1, 5, "e", "carrier", None, 11, 30), (1, 6, "f", "field_service", None, 31, 32)])
    return [Case("hand-made events where work goes back to a team, stays with it, and "
                 "passes through the carrier (rows reversed)", (back.iloc[::-1],),
                 _check_handoffs(_handoffs_ref(back)))]


# ---- exercise 3a: ownership gaps ------------------------------------------------------------

_GAP_COLUMNS = ["touchpoint_id", "journey_stage", "touchpoint", "owner_team", "monthly_contacts", "gap"]


def _gaps_ref(tp: pd.DataFrame, raci: pd.DataFrame) -> pd.DataFrame:
    owning = raci[raci["role"].isin(["R", "A"])]
    ra = set(zip(owning["journey_stage"], owning["team"], strict=True))
    is_gap = [pd.isna(o) or (s, o) not in ra for s, o in zip(tp["journey_stage"], tp["owner_team"], strict=True)]
    ref = tp.loc[is_gap, _GAP_COLUMNS[:5]].copy()
    ref["gap"] = ["no owner" if pd.isna(o) else "owner not responsible or accountable" for o in ref["owner_team"]]
    return ref.reset_index(drop=True)


def _check_gaps(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame of touchpoints with a gap")
        expect_frame(frame, ref, by_index=False, columns=_GAP_COLUMNS)
        ids = frame["touchpoint_id"].tolist()
        if len(set(ids)) != len(ids):
            raise Fail("a touchpoint appears more than once; list each touchpoint with a gap once")
        _sorted_desc(frame, "monthly_contacts", "the rows should be sorted by monthly_contacts, largest first")
    return check


def _gaps_world(world):
    tp, raci = world.load("touchpoints"), world.load("raci")
    return [Case("the touchpoints and raci tables", (tp, raci), _check_gaps(_gaps_ref(tp, raci)))]


def _gaps_fixed():
    # an owner with two non-owning roles in a stage appears once; a stage missing from the RACI;
    # a team that is R (not A) owns its touchpoint
    tp = pd.DataFrame({"touchpoint_id": [1, 2, 3, 4, 5], "journey_stage": ["buy", "buy", "renew", "buy", "buy"],
                       "touchpoint": ["x", "y", "z", "w", "v"], "channel": ["web", "web", "email", "app", "web"],
                       "owner_team": ["marketing", "sales", "sales", "finance", None],
                       "monthly_contacts": [10, 30, 20, 40, 5]})
    raci = pd.DataFrame({"journey_stage": ["buy", "buy", "buy", "buy"],
                         "team": ["sales", "marketing", "marketing", "finance"], "role": ["A", "C", "I", "R"]})
    return [Case("hand-made touchpoints: a team with two non-owning roles, a stage missing from "
                 "the RACI, an owner that is R, a touchpoint without owner", (tp, raci),
                 _check_gaps(_gaps_ref(tp, raci)))]


# ---- exercise 3b: re-verifications -----------------------------------------------------------

def _reverify_ref(ev: pd.DataFrame) -> pd.DataFrame:
    v = ev.dropna(subset=["verifies"])
    again = v[v["step"] > v.groupby(["case_id", "verifies"])["step"].transform("min")]
    return pd.DataFrame({
        "reverifications": again["verifies"].value_counts(),
        "share_of_cases": again.drop_duplicates(["case_id", "verifies"])["verifies"].value_counts()
        / ev["case_id"].nunique(),
        "work_hours": ((again["ended_at"] - again["started_at"]).dt.total_seconds() / 3600)
        .groupby(again["verifies"]).sum(),
    }).sort_values("reverifications", ascending=False)


def _check_reverify(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per item re-verified")
        expect_frame(frame, ref, index_name="the index (the item verified)")
        _sorted_desc(frame, "reverifications", "the rows should be sorted by reverifications, largest first")
    return check


def _reverify_world(world):
    ev = world.load("process_events")
    return [Case("the process_events table, rows shuffled", (ev.sample(frac=1, random_state=13),),
                 _check_reverify(_reverify_ref(ev)))]


def _reverify_fixed():
    # an item verified three times in one case is two re-verifications in one case; a recheck
    # that is the first check of its kind in its case is not one; every case counts in the
    # denominator, also those that never verify the item
    ev = _events([(1, 1, "address_check", "customer_service", "address", 0, 1),
                  (1, 2, "address_recheck", "logistics", "address", 2, 3),
                  (1, 3, "address_recheck", "logistics", "address", 3.5, 4),
                  (2, 1, "address_check", "customer_service", "address", 0, 2),
                  (3, 1, "payment_check", "finance", "payment", 0, 2),
                  (3, 2, "address_recheck", "logistics", "address", 2, 3),
                  (4, 1, "payment_check", "finance", "payment", 0, 2),
                  (4, 2, "dispatch", "logistics", None, 2, 3)])
    return [Case("hand-made events: three checks of one item in a case, a recheck that is the "
                 "first check, cases that never recheck", (ev.sample(frac=1, random_state=1),),
                 _check_reverify(_reverify_ref(ev)))]


# ---- exercise 4: RACI problems ----------------------------------------------------------------

def _raci_ref(raci: pd.DataFrame) -> pd.DataFrame:
    ct = pd.crosstab(raci["journey_stage"], raci["role"]).reindex(columns=["A", "R"], fill_value=0)
    text = {s: "; ".join(label for label, bad in [("no Accountable", a == 0),
                                                   ("more than one Accountable", a > 1),
                                                   ("no Responsible", r == 0)] if bad)
            for s, a, r in zip(ct.index, ct["A"], ct["R"], strict=True)}
    ref = pd.DataFrame({"accountable": ct["A"], "responsible": ct["R"], "problem": pd.Series(text)})
    return ref[ref["problem"] != ""]


def _check_raci(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per stage with a problem")
        expect_frame(frame, ref, index_name="the index (journey_stage)")
    return check


def _raci_world(world):
    raci = world.load("raci")
    return [Case("the raci table", (raci,), _check_raci(_raci_ref(raci)))]


def _raci_fixed():
    raci = pd.DataFrame([("renew", "sales", "C"), ("renew", "finance", "I"), ("buy", "sales", "A"),
                         ("buy", "finance", "A"), ("discover", "marketing", "A"), ("discover", "sales", "R"),
                         ("install", "field_service", "R"), ("install", "fulfilment", "R"),
                         ("deliver", "logistics", "A"), ("deliver", "fulfilment", "A"),
                         ("deliver", "logistics", "R")],
                        columns=["journey_stage", "team", "role"])
    return [Case("a hand-made RACI: a stage with only C and I, two A and no R, no A and two R, "
                 "two A with an R", (raci,), _check_raci(_raci_ref(raci)))]


# ---- exercise 5: KPI alignment ----------------------------------------------------------------

def _kpi_ref(k: pd.DataFrame) -> pd.DataFrame:
    meta = k.drop_duplicates("kpi").set_index("kpi")
    sign = {"higher": 1, "lower": -1}
    # one column per KPI, one row per month (computed per learner's world: kept cheap)
    wide = None if k.duplicated(["kpi", "month"]).any() else k.pivot(index="month", columns="kpi", values="value")
    rows = []
    for kpi in meta.index[meta["kind"] == "team_kpi"]:
        for out in meta.index[meta["kind"] == "customer_outcome"]:
            if wide is not None:
                pair = wide[[kpi, out]].dropna().set_axis(["value_x", "value_y"], axis=1)
            else:  # a month twice for one KPI: every pairing of its rows, as a join gives
                pair = (k.loc[k["kpi"] == kpi, ["month", "value"]]
                        .merge(k.loc[k["kpi"] == out, ["month", "value"]], on="month"))
            r = np.corrcoef(pair["value_x"], pair["value_y"])[0, 1]
            rows.append((kpi, out, r, r * sign[meta.at[kpi, "better"]] * sign[meta.at[out, "better"]]))
    ref = pd.DataFrame(rows, columns=["kpi", "outcome", "r", "alignment"])
    ref["conflict"] = ref["alignment"] <= -0.3
    return ref


def _check_kpi(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per (team KPI, outcome)")
        missing = [c for c in ["kpi", "outcome"] if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        got = frame.set_index(["kpi", "outcome"])
        expect_frame(got, ref.set_index(["kpi", "outcome"]), index_name="the (kpi, outcome) pairs")
        _sorted_asc(frame, "alignment", "the rows should be sorted by alignment, most negative first")
    return check


def _kpi_world(world):
    k = world.load("kpi_monthly")
    return [Case("the kpi_monthly table, rows shuffled", (k.sample(frac=1, random_state=15),),
                 _check_kpi(_kpi_ref(k)))]


# ---- exercise 6: weighted maturity ------------------------------------------------------------

WEIGHT_SETS = ({"people": 1.0, "process": 1.5, "data": 2.0, "technology": 1.5, "governance": 2.0},
               {"governance": 3.0, "technology": 1.0, "process": 2.0, "people": 0.5, "data": 1.5})


def _maturity_ref(a: pd.DataFrame, weights: dict) -> pd.DataFrame:
    med = a.pivot_table(index="capability", columns="dimension", values="score", aggfunc="median")
    ws = np.array([weights[d] for d in med.columns])
    score = pd.Series(med.to_numpy() @ ws / ws.sum(), index=med.index)
    level = [LEVELS[int(np.floor(s + 1e-9))] for s in score]
    return pd.DataFrame({"score": score, "level": level}, index=med.index)


def _check_maturity(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per capability")
        expect_frame(frame, ref, index_name="the index (capability)")
        _sorted_asc(frame, "score", "the rows should be sorted by score, lowest first")
    return check


def _maturity_world(world):
    a = world.load("capability_assessments")
    return [Case(f"the capability_assessments table with weights set {i + 1}", (a, dict(w)),
                 _check_maturity(_maturity_ref(a, w))) for i, w in enumerate(WEIGHT_SETS)]


def _maturity_fixed():
    # medians that land exactly on a level boundary (3.0 is "defined", not "repeatable")
    rows = [("crm", d, who, s) for d, scores in {"data": (3, 3, 2), "process": (3, 4, 3)}.items()
            for who, s in zip(("a", "b", "c"), scores, strict=True)]
    rows += [("routing", d, who, s) for d, scores in {"data": (2, 1, 2), "process": (5, 4, 4)}.items()
             for who, s in zip(("a", "b", "c"), scores, strict=True)]
    a = pd.DataFrame(rows, columns=["capability", "dimension", "assessor", "score"])
    w = {"process": 1.0, "data": 1.0}
    return [Case("hand-made assessments whose score is exactly 3.0", (a, w), _check_maturity(_maturity_ref(a, w)))]


# ---- memo figures (for the person grading the memo, never for the learner) ----------------------

def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric asks for (the worst handoff, RACI problems, conflicting KPIs,
    the weakest capability, re-verification and ownership gaps), computed on one world with the
    references above and the lab's default weights (``WEIGHT_SETS[0]``)."""
    ev = world.load("process_events")
    times = _case_times_ref(ev)
    hand = _handoffs_ref(ev)
    (a, b), top = hand.index[0], hand.iloc[0]
    (c, d), second = hand.index[1], hand.iloc[1]
    problems = _raci_ref(world.load("raci"))
    kpi = _kpi_ref(world.load("kpi_monthly")).sort_values("alignment")
    worst_kpi = kpi.iloc[0]
    maturity = _maturity_ref(world.load("capability_assessments"), WEIGHT_SETS[0]).sort_values("score")
    gaps = _gaps_ref(world.load("touchpoints"), world.load("raci"))
    again = _reverify_ref(ev)
    item = again.index[0]
    return {
        "orders in the value stream": f"{len(times):,}",
        "worst handoff": f"{a} → {b} ({top['from_team']} → {top['to_team']})",
        "worst handoff: mean / median wait (h)":
            f"{top['mean_wait_h']:.1f} / {top['median_wait_h']:.1f} on {int(top['handoffs']):,} handoffs",
        "next handoff: mean wait (h)": f"{c} → {d}: {second['mean_wait_h']:.1f}",
        "median lead time (h)": f"{times['lead_time_h'].median():.1f}",
        "waiting as a share of all lead time": f"{100 * times['wait_time_h'].sum() / times['lead_time_h'].sum():.0f}%",
        "RACI problems": "; ".join(f"{stage}: {text}" for stage, text in problems["problem"].items()) or "none",
        "most conflicting team KPI": f"{worst_kpi['kpi']} vs {worst_kpi['outcome']}, alignment "
                                     f"{worst_kpi['alignment']:.2f}",
        "KPI pairs in conflict (alignment <= -0.3)": f"{int(kpi['conflict'].sum())} of {len(kpi)}: " + "; ".join(
            f"{r.kpi} vs {r.outcome} {r.alignment:.2f}" for r in kpi[kpi["conflict"]].itertuples()),
        "weakest capability (default weights)": f"{maturity.index[0]} {maturity['score'].iloc[0]:.2f} "
                                                f"({maturity['level'].iloc[0]})",
        "touchpoints with an ownership gap": f"{len(gaps)} ({int(gaps['monthly_contacts'].sum()):,} contacts a month)",
        "most re-verified item": f"{item}: {int(again.loc[item, 'reverifications']):,} re-checks in "
                                 f"{100 * again.loc[item, 'share_of_cases']:.0f}% of orders, "
                                 f"{again.loc[item, 'work_hours']:,.0f} work hours",
    }


EXERCISES = [
    Graded("ex1_tests", "case_times", _case_times_world, _case_times_fixed),
    Graded("ex2_tests", "handoff_delays", _handoffs_world, _handoffs_fixed),
    Graded("ex3a_tests", "ownership_gaps", _gaps_world, _gaps_fixed),
    Graded("ex3b_tests", "reverifications", _reverify_world, _reverify_fixed),
    Graded("ex4_tests", "raci_problems", _raci_world, _raci_fixed),
    Graded("ex5_tests", "kpi_alignment", _kpi_world),
    Graded("ex6_tests", "maturity_scores", _maturity_world, _maturity_fixed),
]

__all__ = ["EXERCISES", "labels"]
