"""Unit tests of cxlabs.checks.lab03: right answers pass, every catalogued mistake is named."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from mistakes.lab03 import MISTAKES, VISIBLE_ONLY

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
    for catalogue in (MISTAKES, VISIBLE_ONLY):
        for answer_id, items in catalogue.items():
            for m in items:
                if m.visible:
                    yield pytest.param(answer_id, m, id=f"{answer_id}-{m.description[:40]}")


def test_visible_only_mistakes_name_their_check():
    """What the grader cannot catch yet (an error a function must raise), the visible check must."""
    assert all(m.visible for items in VISIBLE_ONLY.values() for m in items)
    assert not VISIBLE_ONLY, "the grader requires the errors a task asks for (Case(raises=...))"


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


def test_the_grader_uses_the_notebooks_constants_and_rules():
    """``autograder/graders/lab03.py`` grades with the same AS_OF, sentinels, patterns and rules."""
    import sys

    sys.path.insert(0, str(REPO / "autograder"))
    from grading import grader_module

    grader = grader_module("lab03")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    ns = base_namespace()
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in ("setup", "rules"):
            source = cell.source if cell.metadata["nbgrader"]["grade_id"] == "rules" else "\n".join(
                line for line in cell.source.splitlines() if line.startswith(("AS_OF", "SENTINEL", "EMAIL", "E164")))
            exec(source, ns)
    assert ns["AS_OF"] == grader.AS_OF and ns["SENTINELS"] == grader.SENTINELS
    assert ns["SENTINEL_DATE"] == grader.SENTINEL_DATE
    pd.testing.assert_frame_equal(ns["PROFILE_RULES"], grader.PROFILE_RULES)
    pd.testing.assert_frame_equal(ns["ORDER_RULES"], grader.ORDER_RULES)


# ---- the grader accepts every correct idiom --------------------------------------------------

#: Right answers written another way than the solution: other column order, extra columns,
#: nullable and object dtypes, other index names, floats for counts, the other reading where
#: the text allows two (the domain after the first '@'; a sentinel phone masked as '***').
OTHER_IDIOMS = {
"ex1_tests": '''
def run_rules(feed, rules, as_of, customer_ids):
    import re
    out = pd.DataFrame(index=feed.index)
    def gone(v):
        if v.dtype.kind == "M":
            return v.isna() | v.eq(SENTINEL_DATE)
        return v.isna() | v.astype(object).map(lambda x: isinstance(x, str) and x.strip().lower() in SENTINELS)
    for _, r in rules.iterrows():
        v = feed[r["column"]]
        g = gone(v).astype("boolean")
        if r["test"] == "present":
            ok = ~g
        elif r["test"] == "matches":
            ok = g | v.astype(object).map(lambda x: isinstance(x, str) and re.fullmatch(r["param"], x) is not None).astype("boolean")
        elif r["test"] == "unique":
            k = feed["source"].astype(str) + "|" + v.astype(str).str.strip().str.lower()
            n = k[~g.astype(bool)].value_counts()
            ok = g | (k.map(n).fillna(0) == 1).astype("boolean")
        elif r["test"] == "not_after_as_of":
            ok = g | (v <= as_of).astype("boolean")
        elif r["test"] == "known_customer":
            ok = v.isin(customer_ids.tolist()).astype("boolean")
        else:
            o = feed[r["param"]]
            ok = g | gone(o).astype("boolean") | (v >= o).astype("boolean")
        out[r["rule"]] = ok.astype(object)
    return out
''',
"ex2_tests": '''
def scorecard(feed, results, rules, stewards):
    rows = []
    for src, grp in results.groupby(feed["source"]):
        for rule, col, dim in rules[["rule", "column", "dimension"]].itertuples(index=False):
            failed = int((~grp[rule].astype(bool)).sum())
            rows.append(dict(dimension=dim, column=col, source=src, rows=len(grp), failed=failed,
                             pass_rate=1 - failed / len(grp)))
    card = pd.DataFrame(rows).merge(stewards, on=["source", "column", "dimension"], how="left")
    card["meets_target"] = (card["pass_rate"] >= card["target"]).astype("boolean")
    card["rows"] = card["rows"].astype("Int64")
    card["gap"] = card["pass_rate"] - card["target"]
    return card.sort_values(["gap", "source", "column", "dimension"]).reset_index(drop=True)
''',
"ex3_tests": '''
def steward_summary(card):
    m = card["meets_target"].astype(bool)
    out = pd.DataFrame({"below_target": (~m).groupby(card["steward"]).sum().astype(float),
                        "lines": card.groupby("steward").size()})
    out["share_met"] = m.groupby(card["steward"]).mean()
    out["note"] = "x"
    out = out.reset_index().sort_values(["below_target", "steward"], ascending=[False, True], kind="stable")
    return out.set_index("steward").rename_axis("who")
''',
"ex4_tests": '''
def feed_freshness(loads, sources, as_of):
    ok = loads.query("status == 'succeeded' and finished_at <= @as_of")
    rows = []
    for s, sla in zip(sources["source"], sources["freshness_sla_hours"]):
        t = ok.loc[ok["source"] == s, "finished_at"].max()
        age = float("inf") if pd.isna(t) else (as_of - t).total_seconds() / 3600
        rows.append((s, sla, age > sla, age, t))
    return pd.DataFrame(rows, columns=["src", "sla_hours", "stale", "age_hours", "last_success_at"]).set_index("src")
''',
"ex5_tests": '''
def quarantine(profiles, freshness):
    stale = freshness.index[freshness["stale"] == True].tolist()
    v = profiles["verified"].astype(object)
    bad = ~v.map(lambda x: x is True or x == 1 if not pd.isna(x) else False).astype(bool)
    held = profiles[profiles["source"].isin(stale) | bad].copy()
    held["reason"] = pd.Categorical(np.select([held["source"].isin(stale)], ["stale feed"], "unverified"))
    return held.set_index("feed_row_id").sort_index()[["reason", "customer_id", "source", "verified"]].rename_axis(None)
''',
"ex6_tests": '''
def mask_for_role(profiles, policies, role):
    if role not in set(policies["role"]):
        raise ValueError(sorted(set(policies["role"])))
    acc = policies[policies["role"] == role].set_index("column")["access"]
    out = profiles[[c for c in profiles.columns if c in acc.index]].copy()
    for c in out.columns:
        if acc[c] != "masked":
            continue
        def f(x, c=c):
            if pd.isna(x):
                return None
            x = str(x)
            if c in ("email", "login"):
                return x[0] + "***@" + x.partition("@")[2] if "@" in x else "***"
            if c == "phone":
                return "***" if x.strip().lower() in SENTINELS else "***" + x[-4:]
            return "***"
        out[c] = out[c].astype(object).map(f).astype(object)
    return out
''',
"ex7_tests": '''
def trace_upstream(edges, node):
    from collections import deque
    kinds = {**dict(zip(edges["downstream"], edges["downstream_kind"])), **dict(zip(edges["upstream"], edges["upstream_kind"]))}
    q, seen = deque([(node, 0)]), {node: 0}
    while q:
        n, d = q.popleft()
        for p in edges.loc[edges["downstream"] == n, "upstream"]:
            if p not in seen:
                seen[p] = d + 1
                q.append((p, d + 1))
    seen.pop(node)
    out = pd.DataFrame({"hops": [float(h) for h in seen.values()], "node": list(seen),
                        "kind": pd.Categorical([kinds[n] for n in seen])})
    return out.sort_values(["hops", "node"]).reset_index(drop=True)
''',
"ex8_tests": '''
def authoritative_values(changes, rights):
    own = rights[rights["right"] == "owner"].set_index("field")["system"]
    ok = changes[changes["system"].eq(changes["field"].map(own))]
    i = ok.groupby(["customer_id", "field"])["changed_at"].idxmax()
    return ok.loc[i].set_index(["customer_id", "field"]).rename_axis(["cid", "f"])
''',
}


@pytest.mark.parametrize("cell", sorted(OTHER_IDIOMS))
def test_the_grader_accepts_other_correct_idioms(cell, grading_plans):
    from conftest import grading_module

    plan, worlds = grading_plans["lab03"]
    ns = base_namespace()
    exec(OTHER_IDIOMS[cell], ns)
    verdict = grading_module().grade_namespace("lab03", ns, worlds, plan, cells=[cell])[cell]
    assert verdict.passed, verdict.message
