"""The world: deterministic, schema-valid, and carrying every truth labs 00-01 must recover."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, meta

import cxlabs
from cxlabs.schema import Column, Table
from cxlabs.world import all_tables, build_world
from cxlabs.world.registry import REGISTRY, generates


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


# ---- determinism ---------------------------------------------------------------------------

def test_default_world_matches_committed_manifest(world42):
    """Same seed, same data on any machine: the committed hashes were made elsewhere."""
    committed = json.loads((REPO / "datasets" / "MANIFEST.json").read_text())
    built = meta(world42)
    assert built["rows"] == committed["rows"]
    differing = [t for t, h in built["content_sha256"].items() if committed["content_sha256"].get(t) != h]
    assert not differing, f"tables differ from datasets/MANIFEST.json: {differing}"


def test_same_seed_twice_gives_identical_hashes(tmp_path):
    a = build_world(tmp_path / "a", seed=3, customers=2_000)
    b = build_world(tmp_path / "b", seed=3, customers=2_000)
    assert a["content_sha256"] == b["content_sha256"]


def test_another_seed_changes_every_table(world42, world7):
    a, b = meta(world42)["content_sha256"], meta(world7)["content_sha256"]
    same = [t for t in a if a[t] == b[t]]
    assert not same, f"tables that ignore the seed: {same}"


def test_adding_a_table_leaves_existing_tables_unchanged(tmp_path):
    before = build_world(tmp_path / "before", seed=5, customers=2_000)
    extra = Table("zz_extra", "A table added later.", "thing",
                  (Column("x", "float", "A random number."),))

    @generates(extra, needs=("customers",))
    def make_extra(ctx, rng, customers):
        return pd.DataFrame({"x": rng.random(len(customers))})

    try:
        after = build_world(tmp_path / "after", seed=5, customers=2_000)
    finally:
        del REGISTRY["zz_extra"]
    assert "zz_extra" in after["content_sha256"]
    for name, digest in before["content_sha256"].items():
        if name == "planted_facts":
            continue
        assert after["content_sha256"][name] == digest, name


def test_build_rejects_a_tiny_world(tmp_path):
    with pytest.raises(ValueError, match="at least 2,000"):
        build_world(tmp_path / "w", customers=10)


# ---- schemas -------------------------------------------------------------------------------

@pytest.mark.parametrize("table", all_tables(), ids=lambda t: t.name)
def test_every_table_validates_against_its_schema(world42, use_world, table):
    use_world(world42)
    df = cxlabs.load(table.name)
    table.validate(df)
    assert len(df) > 0


def test_foreign_keys_resolve(world42):
    tables = {t.name: t for t in all_tables()}
    for t in tables.values():
        for col in t.columns:
            if not col.references:
                continue
            ref_table, ref_col = col.references.split(".")
            values = read(world42, t.name)[col.name].dropna()
            known = read(world42, ref_table)[ref_col]
            orphans = ~values.isin(known)
            assert not orphans.any(), f"{t.name}.{col.name}: {int(orphans.sum())} values not in {col.references}"


def test_data_dictionary_is_generated_from_the_schemas():
    from cxlabs.schema import render_dictionary

    committed = (REPO / "datasets" / "DATA_DICTIONARY.md").read_text()
    assert committed == render_dictionary(all_tables()), "run `cxlabs data dictionary`"


def test_dictionary_documents_every_column():
    for t in all_tables():
        for c in t.columns:
            assert c.description.strip(), f"{t.name}.{c.name} has no description"


# ---- planted truths that labs 00-01 recover --------------------------------------------------

def on_time_by_centre(folder) -> pd.Series:
    o, s = read(folder, "orders"), read(folder, "shipments")
    m = s.merge(o[["order_id", "promised_delivery_date"]], on="order_id")
    on_time = m["delivered_at"].dt.normalize() <= m["promised_delivery_date"]
    return on_time.groupby(m["fulfilment_centre"]).mean()


def test_slow_centre_has_the_worst_on_time_rate(any_world):
    rates = on_time_by_centre(any_world)
    assert rates.idxmin() == facts(any_world)["slow_centre"]
    assert rates.min() < rates.drop(rates.idxmin()).min() - 0.03, "the slow centre should stand out"


def test_bottleneck_handoff_has_the_longest_waits(any_world):
    e = read(any_world, "process_events").sort_values(["case_id", "step"])
    prev_end = e.groupby("case_id")["ended_at"].shift()
    prev_stage = e.groupby("case_id")["stage"].shift()
    prev_team = e.groupby("case_id")["team"].shift()
    # Handoffs between the company's own teams: the carrier is an outside company, and
    # installation visits are booked for a day after delivery that suits the customer.
    own = (e["team"] != "carrier") & (prev_team != "carrier")
    handoff = prev_stage.notna() & (prev_team != e["team"]) & own
    wait_h = (e["started_at"] - prev_end).dt.total_seconds() / 3600
    means = wait_h[handoff].groupby([prev_stage[handoff], e.loc[handoff, "stage"]]).mean()
    assert list(means.idxmax()) == facts(any_world)["bottleneck_handoff"]
    assert means.max() > 2 * means.drop(means.idxmax()).max(), "the bottleneck should stand out"


def test_stages_of_a_case_do_not_overlap(any_world):
    e = read(any_world, "process_events").sort_values(["case_id", "step"])
    assert (e["ended_at"] > e["started_at"]).all()
    next_start = e.groupby("case_id")["started_at"].shift(-1)
    assert (next_start.isna() | (next_start >= e["ended_at"])).all()


def test_reverification_rates_match_the_plan(any_world):
    e = read(any_world, "process_events")
    f = facts(any_world)
    cases = e["case_id"].nunique()
    recheck = e.loc[e["stage"] == "address_recheck", "case_id"].nunique() / cases
    assert abs(recheck - f["address_recheck_rate"]) < 0.03
    installs = e.loc[e["stage"] == "installation", "case_id"].nunique()
    id_recheck = e.loc[e["stage"] == "identity_recheck", "case_id"].nunique() / installs
    assert abs(id_recheck - f["identity_recheck_rate"]) < 0.05


def test_raci_violations_are_recoverable(any_world):
    r = read(any_world, "raci")
    counts = r.pivot_table(index="journey_stage", columns="role", aggfunc="size", fill_value=0)
    counts = counts.reindex(columns=["A", "R"], fill_value=0)
    v = facts(any_world)["raci_violations"]
    assert counts.loc[v["two_accountable"], "A"] == 2
    assert counts.loc[v["no_accountable"], "A"] == 0
    assert counts.loc[v["no_responsible"], "R"] == 0
    others = counts.drop(index=list(v.values()))
    assert (others["A"] == 1).all() and (others["R"] >= 1).all()


def test_ownership_gaps_are_recoverable(any_world):
    tp, r = read(any_world, "touchpoints"), read(any_world, "raci")
    ra = r[r["role"].isin(["R", "A"])]
    ok = set(zip(ra["journey_stage"], ra["team"], strict=True))
    gaps = [int(i) for i, s, t in zip(tp["touchpoint_id"], tp["journey_stage"], tp["owner_team"], strict=True)
            if pd.isna(t) or (s, t) not in ok]
    f = facts(any_world)
    assert gaps == f["ownership_gaps"]
    assert set(f["unowned_touchpoints"]) <= set(gaps)


def test_kpi_conflicts_are_recoverable(any_world):
    k = read(any_world, "kpi_monthly")
    wide = k.pivot(index="month", columns="kpi", values="value")
    better = k.drop_duplicates("kpi").set_index("kpi")["better"].map({"higher": 1, "lower": -1})
    f = facts(any_world)
    for kpi, outcome in f["kpi_conflicts"]:
        alignment = wide[kpi].corr(wide[outcome]) * better[kpi] * better[outcome]
        assert alignment < -0.5, (kpi, outcome, alignment)
    for kpi, outcome in f["kpi_aligned"]:
        alignment = wide[kpi].corr(wide[outcome]) * better[kpi] * better[outcome]
        assert alignment > 0.5, (kpi, outcome, alignment)


def test_weakest_capability_is_lowest(any_world):
    a = read(any_world, "capability_assessments")
    med = a.groupby(["capability", "dimension"])["score"].median().groupby("capability").mean()
    assert med.idxmin() == facts(any_world)["weakest_capability"]


def test_identity_truth_covers_every_source_record(any_world):
    truth = read(any_world, "source_identity")
    customers = read(any_world, "customers")
    assert truth["record_id"].is_unique
    assert truth["customer_id"].isin(customers["customer_id"]).all()
    for table in ("crm_contacts", "ecom_accounts", "loyalty_members", "support_contacts"):
        ids = read(any_world, table)["record_id"]
        assert ids.isin(truth["record_id"]).all(), table
    rates = facts(any_world)["identity_noise_rates"]
    for kind, rate in rates.items():
        assert 0 < rate < 0.2, (kind, rate)
        assert np.isclose(truth[f"noise_{kind}"].mean(), rate, atol=1e-4)


def test_seasonality_peaks_in_november(any_world):
    o = read(any_world, "orders")
    by_month = o.groupby(o["ordered_at"].dt.month).size()
    assert by_month.idxmax() in (11, 12)
    assert by_month.loc[11] > 1.25 * by_month.loc[[2, 3, 4]].mean()
