"""Data protection in operation: retention, the published identity graph, the DSAR audit
log, data-minimisation use cases and an analytics extract.

Planted truths:

* ``retention_schedule`` and ``retention_records``: per data category, three records whose
  retention ends the day before, on, and the day after the yearly retention run
  (``retention_as_of``), and records under legal hold that must be kept anyway;
* ``identity_graph``: the data team's resolved graph (source record -> customer), and the
  DSAR subject whose records are spread over the most systems (``dsar_export_subject``);
* ``dsar_audit_log``: an append-only, hash-chained log in which one row was edited after
  it was written (``audit_tampered_seq``): a late completion backdated to look on time;
* ``use_case_fields``: the fields each analytics or marketing use case asks for and the
  ones it needs, with the worst over-collector planted;
* ``analytics_extract``: customer-level rows with quasi-identifiers (birth year, postcode,
  market) in which postcode areas (a UK postcode's leading letters, the first digit of any
  other) repeat across markets ("1" in Berlin, Amsterdam, Marseille and New York), so k
  computed without the market looks better than it is.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from cxlabs.audit import GENESIS_HASH
from cxlabs.schema import Column, Table
from cxlabs.world.people import MARKET_CODES, NOISE_KINDS, SEGMENTS, SOURCE_SYSTEMS
from cxlabs.world.privacy import DSAR_DEADLINES, OPT_OUT_DEADLINE
from cxlabs.world.registry import generates
from cxlabs.world.sampling import join, number_text, prefixed_ids, text

#: The day of the yearly retention run that the lab applies the schedule on.
RETENTION_AS_OF = pd.Timestamp("2026-01-15")
RETENTION_ACTIONS = ("delete", "anonymise", "aggregate")
#: data category, system, what starts the clock, months kept, action after, legal basis
RETENTION_RULES = (
    ("marketing_profile", "crm", "last marketing interaction", 24, "delete", "consent"),
    ("order_history", "ecom", "order date", 84, "anonymise", "legal_obligation"),
    ("support_tickets", "support", "ticket closed", 36, "anonymise", "legitimate_interest"),
    ("call_recordings", "support", "call date", 6, "delete", "legitimate_interest"),
    ("web_analytics", "ecom", "session date", 14, "aggregate", "consent"),
    ("loyalty_transactions", "loyalty", "transaction date", 60, "aggregate", "contract"),
    ("identity_checks", "crm", "check date", 12, "delete", "legal_obligation"),
    ("survey_responses", "support", "response date", 18, "aggregate", "legitimate_interest"),
)
LEGAL_BASES = ("consent", "contract", "legal_obligation", "legitimate_interest")
LINK_METHODS = ("deterministic", "probabilistic", "clerical_review")
AUDIT_ACTORS = ("privacy_team", "dsar_bot", "crm_admin", "support_lead")
AUDIT_ACTIONS = ("received", "identity_verified", "extension_notified", "records_located",
                 "export_sent", "records_deleted", "records_corrected", "completed")
#: The purpose of messages needed to deliver an order (delivery alerts): service messages, not
#: direct marketing, so they need no marketing consent (they run under the contract).
SERVICE_PURPOSE = "service_messages"
#: use case -> (purpose it runs under: a consent purpose or SERVICE_PURPOSE, fields it needs,
#: fields it asks for on top)
USE_CASES = {
    "churn_model": ("analytics", ("customer_id", "segment", "signup_date", "orders_12m", "tickets_12m",
                                  "plan_status"), ("email", "birth_year", "postcode")),
    "email_campaign": ("marketing_email", ("customer_id", "first_name", "email", "segment"),
                       ("phone", "birth_year", "street")),
    "sms_delivery_alerts": (SERVICE_PURPOSE, ("customer_id", "phone", "order_id"), ("first_name",)),
    "product_recommendations": ("personalisation", ("customer_id", "orders_12m", "segment"),
                                ("birth_year", "postcode", "email", "phone", "street", "last_name")),
    "partner_data_share": ("data_sharing", ("customer_id", "postcode", "segment"),
                           ("email", "first_name", "last_name")),
    "store_footfall_report": ("analytics", ("market", "postcode", "orders_12m"), ("birth_year",)),
}
USE_CASE_FIELDS_ALL = ("customer_id", "first_name", "last_name", "email", "phone", "street",
                       "postcode", "market", "birth_year", "segment", "signup_date", "order_id",
                       "orders_12m", "tickets_12m", "plan_status")

RETENTION_SCHEDULE = Table(
    "retention_schedule",
    "The company's retention schedule: how long each category of personal data is kept after "
    "the event that starts its clock, and what happens to it then.",
    "data category",
    (
        Column("data_category", "str", "Category of personal data.", unique=True,
               allowed=tuple(r[0] for r in RETENTION_RULES)),
        Column("system", "str", "Source system that holds it.", allowed=tuple(SOURCE_SYSTEMS)),
        Column("clock_starts", "str", "The event whose date starts the retention clock."),
        Column("retention_months", "int", "Calendar months the data is kept after that date.",
               unit="months", min=1),
        Column("action_after", "str", "What happens when the period is over: delete the record, "
               "anonymise it, or keep only aggregates.", allowed=RETENTION_ACTIONS),
        Column("legal_basis", "str", "Lawful basis for keeping it.", allowed=LEGAL_BASES),
    ),
    group="privacy",
)

RETENTION_RECORDS = Table(
    "retention_records",
    "The records inventory the retention run works through: one row per stored group of "
    "personal data, with the date its retention clock started and any legal hold.",
    "stored record group",
    (
        Column("record_id", "str", "Inventory identifier (RET-…).", unique=True),
        Column("customer_id", "int", "Customer the data is about.", references="customers.customer_id"),
        Column("data_category", "str", "Category (see retention_schedule).",
               references="retention_schedule.data_category"),
        Column("clock_start_date", "date", "Date of the event that started the retention clock."),
        Column("legal_hold", "bool", "Held for a dispute or investigation: keep whatever the schedule says."),
    ),
    group="privacy",
)

IDENTITY_GRAPH = Table(
    "identity_graph",
    "The identity graph the data team published after resolving the four source systems: "
    "which customer each source record belongs to (lab 02 builds it).",
    "source record",
    (
        Column("system", "str", "Source system.", allowed=tuple(SOURCE_SYSTEMS)),
        Column("record_id", "str", "Record identifier in that system.", unique=True),
        Column("customer_id", "int", "Golden customer the record was resolved to.",
               references="customers.customer_id"),
        Column("link_method", "str", "How the link was made.", allowed=LINK_METHODS),
    ),
    group="privacy",
)

DSAR_AUDIT_LOG = Table(
    "dsar_audit_log",
    "Append-only audit trail of the work on data-subject requests. Each row's `row_hash` is "
    "sha256(previous row's row_hash + canonical text of the row), chaining from 64 zeros "
    "(see `cxlabs.audit`).",
    "logged step",
    (
        Column("seq", "int", "Position in the log, from 1.", unique=True),
        Column("logged_at", "datetime", "When the step was logged."),
        Column("request_id", "int", "Request the step belongs to.", references="dsar_requests.request_id"),
        Column("actor", "str", "Who or what logged it.", allowed=AUDIT_ACTORS),
        Column("action", "str", "What was done.", allowed=AUDIT_ACTIONS),
        Column("detail", "str", "Free-text detail."),
        Column("row_hash", "str", "Hex SHA-256 chaining this row to the previous one.", unique=True),
    ),
    group="privacy",
)

USE_CASE_FIELDS = Table(
    "use_case_fields",
    "For each data use case, every customer field it receives or needs: whether the data "
    "request asks for it, and whether the use case really needs it (data minimisation).",
    "use case and field",
    (
        Column("use_case", "str", "Data use case.", allowed=tuple(USE_CASES)),
        Column("purpose", "str", "Purpose the use case runs under: a consent purpose of `consent_events`, or "
               "service_messages (messages needed to deliver an order, which are not marketing and need no "
               "marketing consent)."),
        Column("field", "str", "Customer field.", allowed=USE_CASE_FIELDS_ALL),
        Column("requested", "bool", "The use case's data request asks for the field."),
        Column("needed", "bool", "The use case cannot work without the field."),
    ),
    group="privacy",
)

ANALYTICS_EXTRACT = Table(
    "analytics_extract",
    "A customer-level extract the analytics team wants to share with an agency: a pseudonymous "
    "reference, quasi-identifiers (birth year, postcode, market) and activity figures.",
    "customer in the extract",
    (
        Column("customer_ref", "str", "Pseudonymous reference (a keyed hash, not the customer id).",
               unique=True),
        Column("birth_year", "int", "Year of birth.", min=1930, max=2008),
        Column("postcode", "str", "Postal code in the market's format."),
        Column("market", "str", "Market.", allowed=MARKET_CODES),
        Column("segment", "str", "Commercial segment.", allowed=SEGMENTS),
        Column("orders_2025", "int", "Orders placed in 2025.", min=0),
        Column("tickets_2025", "int", "Service tickets opened in 2025.", min=0),
    ),
    group="privacy",
)


@generates(RETENTION_SCHEDULE)
def make_retention_schedule(ctx, rng):
    rules = pd.DataFrame(list(RETENTION_RULES), columns=RETENTION_SCHEDULE.column_names)
    return rules.iloc[rng.permutation(len(rules))].reset_index(drop=True)


def _months_before(day: pd.Timestamp, months: int) -> pd.Timestamp:
    """The day whose ``months`` calendar months later is ``day`` (no end-of-month clipping)."""
    start = day - pd.DateOffset(months=months)
    if start + pd.DateOffset(months=months) != day:
        raise ValueError(f"{day.date()} is not exactly {months} months after any day")
    return start


@generates(RETENTION_RECORDS, needs=("customers", "retention_schedule"))
def make_retention_records(ctx, rng, customers, retention_schedule):
    as_of = RETENTION_AS_OF
    n = max(400, round(0.25 * len(customers)))
    cat = rng.integers(0, len(retention_schedule), n)
    months = retention_schedule["retention_months"].to_numpy()[cat]
    # Clock starts spread over the 18 months either side of each category's expiry.
    expiry_offset = rng.integers(-540, 540, n)
    expires = as_of + pd.to_timedelta(expiry_offset, unit="D")
    start = np.empty(n, "datetime64[us]")
    for m in np.unique(months):  # one vectorised DateOffset per retention period
        sel = months == m
        start[sel] = (expires[sel] - pd.DateOffset(months=int(m))).to_numpy()
    start = pd.Series(start)
    # The boundary records: expiry the day before, on, and the day after the run.
    b_cat, b_start, b_side = [], [], []
    for i, m in enumerate(retention_schedule["retention_months"]):
        for side in (-1, 0, 1):
            b_cat.append(i)
            b_start.append(_months_before(as_of + pd.Timedelta(days=side), int(m)))
            b_side.append(side)
    cat = np.r_[cat, b_cat]
    start = pd.concat([start, pd.Series(b_start)], ignore_index=True)
    total = len(cat)
    hold = rng.random(total) < 0.03
    hold[n:] = False
    hold[n + 1] = True  # one record due on the day of the run is under legal hold
    order = rng.permutation(total)
    cat, start, hold = cat[order], start.iloc[order].reset_index(drop=True), hold[order]
    ids = prefixed_ids("RET-", total, 6)
    boundary = pd.Series(np.r_[np.full(n, 9), b_side][order])
    ctx.plant("retention_as_of", str(as_of.date()), "Day of the yearly retention run.")
    ctx.plant("retention_boundary_records",
              {str(s): sorted(ids[boundary == s].tolist()) for s in (-1, 0, 1)},
              "Records whose retention ends one day before (-1), on (0) and one day after (1) "
              "the retention run; on the day itself the action is due.")
    return pd.DataFrame({
        "record_id": ids,
        "customer_id": customers["customer_id"].to_numpy()[rng.integers(0, len(customers), total)],
        "data_category": text(tuple(retention_schedule["data_category"]), cat),
        "clock_start_date": pd.to_datetime(start).dt.normalize(),
        "legal_hold": hold,
    })


@generates(IDENTITY_GRAPH, needs=("source_identity", "dsar_requests"))
def make_identity_graph(ctx, rng, source_identity, dsar_requests):
    si = source_identity
    noisy = np.zeros(len(si), bool)
    for k in NOISE_KINDS:
        noisy |= si[f"noise_{k}"].to_numpy()
    method = np.where(noisy, 1, 0)
    method[rng.random(len(si)) < 0.03] = 2
    graph = pd.DataFrame({"system": si["system"], "record_id": si["record_id"],
                          "customer_id": si["customer_id"], "link_method": text(LINK_METHODS, method)})
    # The DSAR subject for the export: an access requester with records in the most systems,
    # preferring one whose email differs between records (so matching on email misses some).
    access = dsar_requests.loc[dsar_requests["request_type"].isin(["access", "portability"]), "customer_id"]
    mine = si[si["customer_id"].isin(access)]
    email_noise = mine[["noise_email_alias", "noise_email_domain", "noise_email_case", "noise_shared_contact"]].any(axis=1)
    score = (mine.groupby("customer_id")["system"].nunique() * 100
             + email_noise.groupby(mine["customer_id"]).sum() * 10
             + mine.groupby("customer_id").size())
    subject = int(score.sort_values(ascending=False, kind="stable").index[0])
    ctx.plant("dsar_export_subject", subject,
              "Customer with an access request whose records are spread over the most source systems.")
    return graph


def _canonical_texts(log: pd.DataFrame) -> pd.Series:
    """:func:`cxlabs.audit.canonical_row` of every row, built column-wise (the texts are plain
    ASCII without quotes or backslashes, so JSON needs no escaping); the world tests check
    the result against ``canonical_row`` row by row."""
    def field(name, values):
        return (f'"{name}":"', values, '"')
    parts = [field("action", log["action"]), field("actor", log["actor"]), field("detail", log["detail"]),
             field("logged_at", pd.Series(log["logged_at"].dt.strftime("%Y-%m-%dT%H:%M:%S").to_numpy(), dtype="str")),
             field("request_id", number_text(log["request_id"].to_numpy())),
             field("seq", number_text(log["seq"].to_numpy()))]
    pieces = ["{"]
    for i, (head, values, tail) in enumerate(parts):
        pieces += [("," if i else "") + head, values, tail]
    return join(*pieces, "}")


def _chain(texts: pd.Series) -> list[str]:
    prev, out = GENESIS_HASH, []
    for t in texts.tolist():
        prev = hashlib.sha256((prev + t).encode("utf-8")).hexdigest()
        out.append(prev)
    return out


_WORK_ACTION = {"access": "export_sent", "portability": "export_sent", "deletion": "records_deleted",
                "correction": "records_corrected", "opt_out_of_sale": "records_located"}


@generates(DSAR_AUDIT_LOG, needs=("dsar_requests",))
def make_dsar_audit_log(ctx, rng, dsar_requests):
    r = dsar_requests.reset_index(drop=True)
    n = len(r)
    sec, hour, day = (np.timedelta64(1, u).astype("timedelta64[us]") for u in ("s", "h", "D"))
    received = r["received_date"].to_numpy() + 9 * hour + rng.integers(0, 8 * 3600, n) * sec
    verified = received + rng.integers(1, 4, n) * day
    done = r["completed_date"].to_numpy() + 16 * hour + rng.integers(0, 3600, n) * sec
    located = verified + ((done - verified) / 2).astype("timedelta64[s]").astype("timedelta64[us]")
    n_located = rng.integers(1, 6, n)
    is_done = r["completed_date"].notna().to_numpy()
    work = r["request_type"].map(_WORK_ACTION).to_numpy(dtype=object)
    ext = r["extended"].to_numpy()
    rid = r["request_id"].to_numpy()

    def steps(mask, at, actor, action, detail):
        k = int(mask.sum())
        return pd.DataFrame({"logged_at": at[mask], "request_id": rid[mask],
                             "actor": np.full(k, actor, dtype=object) if isinstance(actor, str) else actor[mask],
                             "action": np.full(k, action, dtype=object) if isinstance(action, str) else action[mask],
                             "detail": np.full(k, detail, dtype=object) if isinstance(detail, str) else detail[mask]})

    everyone = np.ones(n, bool)
    kind = join(r["request_type"], " request under ", r["privacy_regime"], " (", r["market"], ")").to_numpy(dtype=object)
    found = join(number_text(n_located), " source records located").to_numpy(dtype=object)
    does_work = is_done & (work != "records_located")
    log = pd.concat([
        steps(everyone, received, "dsar_bot", "received", kind),
        steps(everyone, verified, "privacy_team", "identity_verified", "identity confirmed"),
        steps(ext, r["extension_notified_date"].to_numpy() + 11 * hour, "privacy_team", "extension_notified",
              "extension notice sent to the requester"),
        steps(is_done, located, "dsar_bot", "records_located", found),
        steps(does_work, done - 2 * hour, np.where(work == "export_sent", "privacy_team", "crm_admin"), work, "done"),
        steps(is_done, done, "support_lead", "completed", "request closed"),
    ], ignore_index=True)
    log = log.sort_values(["logged_at", "request_id"], kind="stable", ignore_index=True)
    log.insert(0, "seq", np.arange(1, len(log) + 1))
    log["logged_at"] = log["logged_at"].astype("datetime64[us]")
    for col in ("actor", "action", "detail"):
        log[col] = log[col].astype("str")
    log["row_hash"] = _chain(_canonical_texts(log))
    # Tampering: a late completion backdated by three weeks after the hash was written. Late: after
    # the due date (one calendar month under GDPR, 15 business days for an opt-out of sale/sharing,
    # 45 days for the other US requests), with no extension.
    req = r.set_index("request_id")
    gdpr, opt_out = req["privacy_regime"].eq("GDPR"), req["request_type"].eq("opt_out_of_sale")
    due = (req["received_date"] + DSAR_DEADLINES["CCPA"][0]).where(~gdpr, req["received_date"] + DSAR_DEADLINES["GDPR"][0])
    due = due.where(~opt_out, req["received_date"] + OPT_OUT_DEADLINE)
    late = req.index[(req["completed_date"] > due) & ~req["extended"]]
    completed = log.index[(log["action"] == "completed") & log["request_id"].isin(late)]
    if len(completed) == 0:
        completed = log.index[log["action"] == "completed"]
    victim = int(completed[int(rng.integers(0, len(completed)))])
    log.loc[victim, "logged_at"] = log.loc[victim, "logged_at"] - pd.Timedelta(days=21)
    ctx.plant("audit_tampered_seq", int(log.loc[victim, "seq"]),
              "The audit-log row edited after it was hashed (a completion backdated by 21 days).")
    return log


@generates(USE_CASE_FIELDS)
def make_use_case_fields(ctx, rng):
    rows = []
    for use_case, (purpose, needed, extra) in USE_CASES.items():
        # Needed fields are requested, except one the sms use case forgot to ask for.
        for f in needed:
            missing = use_case == "sms_delivery_alerts" and f == "order_id"
            rows.append((use_case, purpose, f, not missing, True))
        rows += [(use_case, purpose, f, True, False) for f in extra]
    out = pd.DataFrame(rows, columns=USE_CASE_FIELDS.column_names)
    share = out[out["requested"]].groupby("use_case")["needed"].apply(lambda s: 1 - s.mean())
    ctx.plant("minimisation_worst_use_case", str(share.idxmax()),
              "Use case with the largest share of requested fields it does not need.")
    return out.iloc[rng.permutation(len(out))].reset_index(drop=True)


#: A postcode's area: the letters a UK postcode starts with ("SW9 8BT" -> "SW"), or the first
#: digit of any other code ("10115" -> "1", "1012 AB" -> "1", "94107" -> "9").
POSTCODE_AREA = r"^([A-Z]+|\d)"


@generates(ANALYTICS_EXTRACT, needs=("customers", "orders", "tickets"))
def make_analytics_extract(ctx, rng, customers, orders, tickets):
    year = pd.Timestamp("2025-01-01")
    o = orders.loc[orders["ordered_at"] >= year, "customer_id"].value_counts()
    t = tickets.loc[tickets["created_at"] >= year, "customer_id"].value_counts()
    c = customers
    key = rng.integers(0, 2**62)
    ref = pd.util.hash_array(c["customer_id"].to_numpy() * 7919 + key, categorize=False)
    out = pd.DataFrame({
        "customer_ref": join("A", number_text((ref % 10**12).astype("int64"), 12)),
        "birth_year": c["birth_year"].to_numpy(),
        "postcode": c["postcode"], "market": c["market"], "segment": c["segment"],
        "orders_2025": c["customer_id"].map(o).fillna(0).astype("int64").to_numpy(),
        "tickets_2025": c["customer_id"].map(t).fillna(0).astype("int64").to_numpy(),
    })
    out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
    if out["customer_ref"].duplicated().any():
        raise ValueError("analytics_extract: customer_ref collision; change the key derivation")
    gen = out.assign(decade=out["birth_year"] // 10 * 10,
                     area=out["postcode"].str.extract(POSTCODE_AREA, expand=False))
    sizes = gen.groupby(["decade", "area", "market"])["market"].transform("size")
    ctx.plant("kanon_suppressed_k5", int((sizes < 5).sum()),
              "Rows suppressed from analytics_extract for k = 5 after generalising birth year to "
              "its decade and postcode to its area, the leading letters of a UK postcode and the "
              "first digit of any other (quasi-identifiers: decade, "
              "area, market).")
    return out

