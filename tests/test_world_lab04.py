"""The world's data-protection tables: schemas, keys, and the truths Lab 04 recovers (seeds 42 and 7)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlabs.audit import GENESIS_HASH, canonical_row
from cxlabs.world import all_tables
from cxlabs.world.data_protection import POSTCODE_AREA, RETENTION_AS_OF
from cxlabs.world.vocabulary import POSTCODE_PREFIXES

PURPOSES = ("marketing_email", "marketing_sms", "personalisation", "analytics", "data_sharing")
NEW_TABLES = ("retention_schedule", "retention_records", "identity_graph", "dsar_audit_log",
              "use_case_fields", "analytics_extract")


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def test_new_tables_are_registered_and_documented():
    names = {t.name: t for t in all_tables()}
    for name in NEW_TABLES:
        assert name in names and not names[name].truth, name


@pytest.mark.parametrize("name", NEW_TABLES)
def test_new_tables_validate(any_world, name):
    schema = {t.name: t for t in all_tables()}[name]
    df = read(any_world, name)
    schema.validate(schema.coerce(df))
    assert len(df) > 0


# ---- consent and DSARs (tables of the foundation world) --------------------------------------

def test_consent_ties_are_opposite_decisions(any_world):
    e = read(any_world, "consent_events")
    dup = e[e.duplicated(["customer_id", "purpose", "event_at"], keep=False)]
    pairs = dup.groupby(["customer_id", "purpose", "event_at"])["action"].agg(list)
    assert (pairs.map(len) == 2).all()
    opposite = pairs.map(set) == {"grant", "withdraw"}
    assert opposite.sum() == facts(any_world)["consent_tie_count"]
    agreeing = pairs[~opposite]
    assert len(agreeing) == facts(any_world)["consent_duplicate_count"] >= 3
    assert (agreeing.map(set) == {"grant"}).all(), "the agreeing duplicates are grants (consented)"
    # a tie at the latest time is decided by the rule, not by event_id: in some, the grant comes last
    ids = dup.sort_values("event_id").groupby(["customer_id", "purpose", "event_at"])["action"].agg("last")
    assert (ids[opposite[ids.index].to_numpy()] == "grant").any()


def _state(events: pd.DataFrame, customers: pd.DataFrame, as_of) -> pd.Series:
    """Consented per (customer_id, purpose) as of ``as_of`` (latest event, withdraw wins ties, default:
    not consented under GDPR and for marketing texts, consented otherwise)."""
    e = events[events["event_at"] <= as_of]
    last = e[e["event_at"] == e.groupby(["customer_id", "purpose"])["event_at"].transform("max")]
    decided = ~last["action"].eq("withdraw").groupby([last["customer_id"], last["purpose"]]).any()
    grid = pd.MultiIndex.from_product([customers["customer_id"], PURPOSES], names=["customer_id", "purpose"])
    us = np.repeat(customers["privacy_regime"].ne("GDPR").to_numpy(), len(PURPOSES))
    default = pd.Series(us & (grid.get_level_values("purpose") != "marketing_sms"), index=grid)
    return decided.reindex(grid).fillna(default).astype(bool)


def test_consent_batch_shares_one_instant_and_changes_every_state(any_world):
    e, c = read(any_world, "consent_events"), read(any_world, "customers")
    f = facts(any_world)
    at = pd.Timestamp(f["consent_batch_at"])
    batch = e[e["event_at"] == at]
    pairs = batch.groupby(["customer_id", "purpose"])["action"].agg(list)
    assert len(pairs) == f["consent_batch_pairs"] >= 24
    assert set(batch["source"]) == {"preference_centre", "web"}
    now, before = _state(e, c, at), _state(e, c, at - pd.Timedelta(microseconds=1))
    changed = now[now != before]
    assert set(changed.index) == set(pairs.index), "every batch decision changes its customer-purpose"
    ties = pairs[pairs.map(set) == {"grant", "withdraw"}]
    assert len(ties) >= 3 and not now[ties.index].any(), "a tie in the batch ends not consented"
    doubled = pairs[pairs.map(lambda a: a == ["grant", "grant"])]
    assert len(doubled) >= 3 and now[doubled.index].all(), "a grant captured twice is consented"
    assert (before[pairs.index] == False).any() and (before[pairs.index] == True).any()  # noqa: E712


def test_customers_without_events_exist_in_both_regimes(any_world):
    e, c = read(any_world, "consent_events"), read(any_world, "customers")
    silent = c[~c["customer_id"].isin(e["customer_id"])]
    assert {"GDPR", "CCPA"} <= set(silent["privacy_regime"])


def test_marketing_texts_are_opt_in_everywhere(any_world):
    """US customers grant marketing SMS (prior express written consent) and withdraw the rest."""
    e, c = read(any_world, "consent_events"), read(any_world, "customers")
    first = e.sort_values("event_at", kind="stable").drop_duplicates(["customer_id", "purpose"])
    first = first.merge(c[["customer_id", "privacy_regime"]], on="customer_id")
    us = first[first["privacy_regime"] != "GDPR"]
    assert us.loc[us["purpose"] == "marketing_sms", "action"].eq("grant").mean() > 0.9
    assert us.loc[us["purpose"] != "marketing_sms", "action"].eq("withdraw").mean() > 0.9
    state = _state(e, c, pd.Timestamp("2025-12-31 23:59:59"))
    regime = c.set_index("customer_id")["privacy_regime"].reindex(state.index.get_level_values("customer_id"))
    sms = state[(state.index.get_level_values("purpose") == "marketing_sms") & (regime != "GDPR").to_numpy()]
    assert 0.1 < sms.mean() < 0.5, "a minority of US customers may be texted"


def test_dsar_awkward_days_are_present(any_world):
    r = read(any_world, "dsar_requests")
    days = set(r["received_date"].dt.strftime("%Y-%m-%d"))
    assert {"2024-01-31", "2024-02-29", "2025-01-31"} <= days
    assert (r["received_date"].dt.day_of_week >= 5).any()
    gdpr = r[r["privacy_regime"] == "GDPR"]
    month = gdpr["received_date"] + pd.DateOffset(months=1)
    thirty = gdpr["received_date"] + pd.Timedelta(days=30)
    assert (month != thirty).mean() > 0.5, "30 days and one calendar month must differ for most requests"


def _final_due(r: pd.DataFrame) -> pd.DataFrame:
    """Due date, extension validity and final due date, by the law (lab 04, Part 3): GDPR one calendar
    month, three with a valid extension (notice on or before the due date, for a complex request or
    several requests); US 45 days, 90 with one; an opt-out of sale/sharing 15 business days, never
    extended."""
    gdpr, opt_out = r["privacy_regime"] == "GDPR", r["request_type"] == "opt_out_of_sale"
    due = pd.Series([d + pd.DateOffset(months=1) for d in r["received_date"]], index=r.index)
    due = due.where(gdpr, r["received_date"] + pd.Timedelta(days=45))
    due = due.where(~opt_out, pd.Series([d + pd.offsets.BDay(15) for d in r["received_date"]], index=r.index))
    longest = pd.Series([d + pd.DateOffset(months=3) for d in r["received_date"]], index=r.index)
    longest = longest.where(gdpr, r["received_date"] + pd.Timedelta(days=90))
    valid = (r["extended"] & (r["extension_notified_date"] <= due) & ~opt_out
             & r["extension_reason"].isin(["complex_request", "several_requests"]))
    return pd.DataFrame({"due": due, "valid": valid, "final": longest.where(valid, due)})


def _old_final_due(r: pd.DataFrame) -> pd.Series:
    """The rule lab 04 used to teach: 45 days for every US request, any extension notified in time."""
    gdpr = r["privacy_regime"] == "GDPR"
    due = pd.Series([d + pd.DateOffset(months=1) for d in r["received_date"]], index=r.index)
    due = due.where(gdpr, r["received_date"] + pd.Timedelta(days=45))
    longest = pd.Series([d + pd.DateOffset(months=3) for d in r["received_date"]], index=r.index)
    longest = longest.where(gdpr, r["received_date"] + pd.Timedelta(days=90))
    return longest.where(r["extended"] & (r["extension_notified_date"] <= due), due)


def test_dsar_boundary_requests_sit_on_their_boundaries(any_world):
    r = read(any_world, "dsar_requests")
    d = _final_due(r).set_index(r["request_id"])
    r = r.set_index("request_id")
    planted = facts(any_world)["dsar_boundary_requests"]
    report = pd.Timestamp("2025-12-31")
    day = pd.Timedelta(days=1)
    for kind, side in (("answered_day_before", -1), ("answered_on_due_day", 0), ("answered_day_after", 1)):
        ids = planted[kind]
        assert len(ids) >= 3, kind
        assert ((r.loc[ids, "completed_date"] - d.loc[ids, "final"]) == side * day).all(), kind
        assert {"GDPR"} < set(r.loc[ids, "privacy_regime"]), f"{kind}: GDPR and a 45-day regime"
        assert "opt_out_of_sale" in set(r.loc[ids, "request_type"]), f"{kind}: an opt-out (15 business days)"
    for kind, side in (("notice_day_before", -1), ("notice_on_due_day", 0), ("notice_day_after", 1)):
        ids = planted[kind]
        assert len(ids) >= 2 and r.loc[ids, "extended"].all(), kind
        assert ((r.loc[ids, "extension_notified_date"] - d.loc[ids, "due"]) == side * day).all(), kind
        assert (r.loc[ids, "extension_reason"] == "complex_request").all(), kind
        assert (d.loc[ids, "valid"] == (side <= 0)).all(), kind
        assert {"GDPR"} < set(r.loc[ids, "privacy_regime"]), kind
    for kind, reason in (("backlog_extension", "team_backlog"), ("opt_out_extension", "complex_request")):
        ids = planted[kind]
        assert len(ids) >= 2 and r.loc[ids, "extended"].all(), kind
        assert (r.loc[ids, "extension_notified_date"] <= d.loc[ids, "due"]).all(), f"{kind}: notified in time"
        assert (r.loc[ids, "extension_reason"] == reason).all() and not d.loc[ids, "valid"].any(), kind
    assert (r.loc[planted["opt_out_extension"], "request_type"] == "opt_out_of_sale").all()
    for kind, side in (("open_due_before_report_day", -1), ("open_due_on_report_day", 0),
                       ("open_due_after_report_day", 1)):
        ids = planted[kind]
        assert r.loc[ids, "completed_date"].isna().all(), kind
        assert (d.loc[ids, "final"] == report + side * day).all(), kind
    assert (r.loc[planted["answered_on_report_day"], "completed_date"] == report).all()
    # one calendar month from a month's end: clipped to the end of a shorter month (GDPR, not extended)
    gdpr = r[(r["privacy_regime"] == "GDPR")]
    for received, due in (("2024-01-31", "2024-02-29"), ("2025-01-31", "2025-02-28"), ("2024-02-29", "2024-03-29"),
                          ("2024-03-31", "2024-04-30"), ("2025-05-31", "2025-06-30")):
        ids = gdpr.index[gdpr["received_date"] == pd.Timestamp(received)]
        assert len(ids) and (d.loc[ids, "due"] == pd.Timestamp(due)).all(), received
    # three calendar months from a month's end is not one month and then two
    ext = d[d["valid"] & (r["privacy_regime"] == "GDPR")]
    chained = pd.Series([x + pd.DateOffset(months=2) for x in ext["due"]], index=ext.index)
    assert (chained != ext["final"]).sum() >= 2
    # an opt-out received on a Saturday is due on the Friday three weeks after it (days 1 to 15: Mon-Fri)
    sat = r[(r["request_type"] == "opt_out_of_sale") & (r["received_date"].dt.day_of_week == 5)]
    assert len(sat) and ((d.loc[sat.index, "due"] - sat["received_date"]) == pd.Timedelta(days=20)).all()


REPORT_DAY = pd.Timestamp("2025-12-31")


def _compliance(r: pd.DataFrame, final: pd.Series, as_of=REPORT_DAY) -> pd.Series:
    """Share of the requests due on ``as_of`` answered on time, per market (independent of the lab's code)."""
    out = {}
    for market in sorted(set(r["market"])):
        mine = (r["market"] == market) & (r["received_date"] <= as_of)
        done = mine & (r["completed_date"] <= as_of)
        on_time = done & (r["completed_date"] <= final)
        overdue = mine & ~done & (final < as_of)
        out[market] = on_time.sum() / (done.sum() + overdue.sum())
    return pd.Series(out).sort_values(kind="stable")


#: What lab 04's model memo says about DSAR compliance on the report day: California lowest (its
#: opt-outs run on the 45-day clock), then the market whose team is slow (the UK on seeds 42 and 7).
MEMO_RANKING = ("US-CA", "UK")


def test_compliance_ranking_is_what_the_memo_says(any_world):
    r = read(any_world, "dsar_requests")
    f = facts(any_world)
    law = _compliance(r, _final_due(r)["final"])
    assert tuple(law.index[:2]) == MEMO_RANKING == ("US-CA", f["dsar_slow_market"]), law
    assert law.iloc[0] < law.iloc[1] - 0.05, "California is clearly lowest under the law"
    # the rule the lab used to teach hides California: under it the slow market looks worst
    old = _compliance(r, _old_final_due(r))
    assert old.index[0] == f["dsar_slow_market"] and old["US-CA"] > law["US-CA"] + 0.15
    # the cause: California's opt-outs, most of them answered after 15 business days
    opt = r[(r["request_type"] == "opt_out_of_sale") & r["completed_date"].notna()]
    assert (opt["completed_date"] > _final_due(opt)["final"]).mean() > 0.7
    assert f["dsar_opt_out_clock"] == "45 days"


def test_model_memo_quotes_the_default_world(world42):
    """The model memo's figures are the default world's (seed 42)."""
    import nbformat

    from cxlabs.course import labs

    lab = next(lab for lab in labs() if lab.id == "lab04")
    nb = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / lab.path, as_version=4)
    memo = next(c.source for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "memo")
    r = read(world42, "dsar_requests")
    law = _compliance(r, _final_due(r)["final"])
    first, second = law.index[:2]
    assert memo.index("California") < memo.index("the UK"), "the memo names California first, then the UK"
    for market in (first, second):
        assert f"{law[market]:.0%}" in memo, f"the memo quotes {market}'s compliance ({law[market]:.0%})"
    assert str(facts(world42)["audit_tampered_seq"]) in memo


# ---- retention ------------------------------------------------------------------------------

def test_retention_boundaries_are_one_day_either_side(any_world):
    rec = read(any_world, "retention_records").set_index("record_id")
    sch = read(any_world, "retention_schedule").set_index("data_category")
    f = facts(any_world)
    assert pd.Timestamp(f["retention_as_of"]) == RETENTION_AS_OF
    for side, ids in f["retention_boundary_records"].items():
        assert len(ids) == len(sch), "one record per category on each side"
        for rid in ids:
            months = int(sch.at[rec.at[rid, "data_category"], "retention_months"])
            expires = rec.at[rid, "clock_start_date"] + pd.DateOffset(months=months)
            assert expires == RETENTION_AS_OF + pd.Timedelta(days=int(side)), rid
    on_day = f["retention_boundary_records"]["0"]
    assert rec.loc[on_day, "legal_hold"].sum() == 1, "one record due on the day is under legal hold"
    assert rec["legal_hold"].sum() > 1
    assert set(rec["data_category"]) == set(sch.index)


# ---- identity graph and export subject ---------------------------------------------------------

def test_identity_graph_is_the_published_resolution(any_world):
    graph, truth = read(any_world, "identity_graph"), read(any_world, "source_identity")
    merged = graph.merge(truth, on=["system", "record_id"], suffixes=("", "_true"))
    assert len(merged) == len(truth) == len(graph)
    assert (merged["customer_id"] == merged["customer_id_true"]).all()
    subject = facts(any_world)["dsar_export_subject"]
    mine = graph[graph["customer_id"] == subject]
    assert mine["system"].nunique() >= 3
    requests = read(any_world, "dsar_requests")
    assert subject in set(requests.loc[requests["request_type"].isin(["access", "portability"]), "customer_id"])


# ---- audit log --------------------------------------------------------------------------------

def test_audit_log_has_exactly_the_planted_tampered_row(any_world):
    log = read(any_world, "dsar_audit_log")
    assert log["seq"].tolist() == list(range(1, len(log) + 1))
    bad = []
    for k, row in enumerate(log.to_dict("records")):
        prev = GENESIS_HASH if k == 0 else log["row_hash"].iloc[k - 1]
        if hashlib.sha256((prev + canonical_row(row)).encode("utf-8")).hexdigest() != row["row_hash"]:
            bad.append(row["seq"])
    assert bad == [facts(any_world)["audit_tampered_seq"]]
    row = log[log["seq"] == bad[0]].iloc[0]
    assert row["action"] == "completed"


def test_audit_log_requests_exist(any_world):
    log, requests = read(any_world, "dsar_audit_log"), read(any_world, "dsar_requests")
    assert log["request_id"].isin(requests["request_id"]).all()
    assert set(log.loc[log["action"] == "received", "request_id"]) == set(requests["request_id"])


# ---- minimisation and k-anonymity ------------------------------------------------------------

def test_worst_use_case_is_recoverable(any_world):
    u = read(any_world, "use_case_fields")
    req = u[u["requested"]]
    share = (~req["needed"]).groupby(req["use_case"]).mean()
    assert share.idxmax() == facts(any_world)["minimisation_worst_use_case"]
    assert (u["needed"] & ~u["requested"]).any(), "a needed field that nobody asked for"


def test_k_anonymity_traps_are_planted(any_world):
    x = read(any_world, "analytics_extract")
    g = x.assign(d=x["birth_year"] // 10 * 10, a=x["postcode"].str.extract(POSTCODE_AREA, expand=False))
    with_market = g.groupby(["d", "a", "market"])["market"].transform("size")
    without = g.groupby(["d", "a"])["market"].transform("size")
    suppressed = int((with_market < 5).sum())
    assert suppressed == facts(any_world)["kanon_suppressed_k5"]
    assert 0.005 < suppressed / len(x) < 0.1, "some, not most, rows are suppressed at k = 5"
    assert int((without < 5).sum()) < suppressed, "forgetting the market under-suppresses"
    assert x.duplicated(["birth_year", "postcode", "market"]).mean() < 0.05, "raw rows are near-unique"
    assert x["customer_ref"].is_unique and not x["customer_ref"].str.isdigit().any()
    assert np.issubdtype(x["orders_2025"].dtype, np.integer)
    # an area repeats across markets: "1" in Germany (Berlin), the Netherlands, France and New York
    markets_of_1 = set(g.loc[g["a"] == "1", "market"])
    assert {"DE", "US-NY"} <= markets_of_1
    assert set(g.loc[g["market"] == "US-CA", "a"]) == {"9"}, "a California ZIP code starts with 9"


def test_postcodes_start_like_their_city(any_world):
    """Postal codes start as the real ones do in the customer's city (the k-anonymity lesson relies on it)."""
    c = read(any_world, "customers")
    outward = c["postcode"].str.split(" ").str[0]
    digits_ = c["postcode"].str.replace(" ", "").str.extract(r"^(\d+)", expand=False)
    for city, prefixes in POSTCODE_PREFIXES.items():
        mine = c["city"] == city
        assert mine.any(), city
        if prefixes[0][0].isalpha():
            assert outward[mine].isin(prefixes).all(), city
            assert c.loc[mine, "postcode"].str.fullmatch(r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}").all(), city
        else:
            assert digits_[mine].str.startswith(prefixes).all(), city
    us = c["market"].str.startswith("US")
    assert c.loc[us, "postcode"].str.fullmatch(r"\d{5}").all()
    assert c.loc[c["market"] == "NL", "postcode"].str.fullmatch(r"\d{4} [A-Z]{2}").all()
    houses = c.groupby("household_id")["postcode"].nunique()
    assert (houses == 1).all(), "a household shares one postcode"
