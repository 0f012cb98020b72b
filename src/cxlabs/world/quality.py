"""Data quality, lineage and access: customer-profile feeds as they land in the warehouse.

Four source systems (CRM, e-commerce, loyalty, support) send customer profiles, and the ERP
sends orders, to the warehouse every night. The feeds carry defects injected at known counts
per source and column, so a quality scorecard is exactly checkable:

* missing values and sentinels standing in for them ('N/A', 'unknown', '', '-', 'none',
  1900-01-01) in ``email``, ``phone``, ``city`` and ``birth_date``;
* invalid emails and phones (not E.164);
* source ids that appear twice, exactly or differing only in letter case;
* ``updated_at`` after the as-of moment (:data:`AS_OF`: clocks set wrong);
* customer ids that refer to no customer (orphan keys), in profiles and orders;
* orders shipped before they were ordered;
* one feed whose last successful load is older than its freshness SLA (the *stale feed*),
  with failed loads after it.

Records exactly at each rule's boundary, several of each, so that a rule is exercised at its
edge and no defect occurs only once (drawn after everything above, so they leave every other
row as it was): profiles updated exactly at :data:`AS_OF`; source ids that one source shares
with another (the support desk files some contacts under the CRM id, the loyalty programme
under the web-shop id, in any letter case), which are *not* duplicates, since uniqueness holds
within a source; source ids that are missing (a sentinel); orders handed over at the till,
shipped the very moment they were ordered; two loads still running at the as-of moment (they
finish after it, so they had not delivered yet).

Around the feeds: the data stewards per source, column and quality dimension with their
targets, the lineage from feeds to automated decisions, the column-access policy per role,
and the decision rights over fields that CRM, ERP and the warehouse all hold.
Every injected count is planted (``ctx.plant``) under a ``quality_`` name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.registry import generates

#: The moment the lab's checks are run: 06:00 UTC on the first morning after the history.
AS_OF = pd.Timestamp("2026-01-01 06:00")
PROFILE_SOURCES = ("crm", "ecom", "loyalty", "support")
FEED_SOURCES = PROFILE_SOURCES + ("erp",)
ID_PREFIX = {"crm": "CRM-", "ecom": "WEB-", "loyalty": "LOY-", "support": "SUP-"}
#: Profiles per source at the default size.
PROFILE_ROWS = {"crm": 3000, "ecom": 3200, "loyalty": 1600, "support": 1200}
TEXT_SENTINELS = ("N/A", "unknown", "", "-", "none", "UNKNOWN", "n/a", " N/A", "unknown ", "  ")
SENTINEL_DATE = pd.Timestamp("1900-01-01")
#: (column, defect) -> defect rate per source (crm, ecom, loyalty, support).
DEFECT_RATES = {
    ("email", "null"): (0.010, 0.000, 0.040, 0.020),
    ("email", "sentinel"): (0.008, 0.000, 0.030, 0.025),
    ("email", "invalid"): (0.006, 0.004, 0.015, 0.030),
    ("phone", "null"): (0.020, 0.060, 0.010, 0.030),
    ("phone", "sentinel"): (0.010, 0.015, 0.005, 0.020),
    ("phone", "invalid"): (0.015, 0.050, 0.030, 0.040),
    ("city", "null"): (0.010, 0.010, 0.030, 0.050),
    ("city", "sentinel"): (0.005, 0.010, 0.020, 0.040),
    ("birth_date", "null"): (0.020, 0.080, 0.010, 0.060),
    ("birth_date", "sentinel"): (0.010, 0.020, 0.005, 0.030),
    ("updated_at", "future"): (0.002, 0.006, 0.003, 0.004),
    ("customer_id", "orphan"): (0.003, 0.002, 0.008, 0.012),
}
#: source -> (exact duplicate ids, case-variant duplicate ids) as rates of the feed's rows.
DUPLICATE_RATES = {"crm": (0.004, 0.006), "ecom": (0.002, 0.010), "loyalty": (0.003, 0.008),
                   "support": (0.006, 0.012)}
DIMENSIONS = ("completeness", "validity", "uniqueness", "timeliness", "consistency")
STEWARDS = ("marketing_ops", "ecommerce_ops", "loyalty_team", "service_ops", "finance_ops", "data_office")

PROFILE_FEEDS = Table(
    "profile_feeds",
    "Customer profiles as the four source systems delivered them to the warehouse, before any "
    "cleaning: missing values, sentinels, invalid emails and phones, duplicate ids, future "
    "timestamps and orphan customer ids are left as they arrived.",
    "profile row delivered by a source",
    (
        Column("feed_row_id", "int", "Row identifier in the warehouse landing table.", unique=True),
        Column("source", "str", "System that sent the row.", allowed=PROFILE_SOURCES),
        Column("source_customer_id", "str", "The customer's id in the source system, as sent "
               "(should be unique per source, ignoring letter case; some are sentinels, and some "
               "sources file a contact under another source's id)."),
        Column("customer_id", "int", "Warehouse customer id the source linked the profile to "
               "(should refer to `customers.customer_id`; some do not)."),
        Column("email", "str", "Email as sent.", nullable=True),
        Column("phone", "str", "Phone as sent; the standard is E.164, e.g. +447700900123.", nullable=True),
        Column("login", "str", "Web-shop login name (e-commerce only); customers often use their email.",
               nullable=True),
        Column("city", "str", "City as sent.", nullable=True),
        Column("birth_date", "date", "Date of birth as sent.", nullable=True),
        Column("verified", "bool", "Whether the source verified the contact details "
               "(missing: the source does not say).", nullable=True),
        Column("updated_at", "datetime", "When the source last changed the profile."),
    ),
    group="quality",
)

ERP_ORDER_FEED = Table(
    "erp_order_feed",
    "Orders as the ERP delivered them to the warehouse, before any cleaning.",
    "order row delivered by the ERP",
    (
        Column("order_id", "int", "Order identifier.", unique=True),
        Column("source", "str", "System that sent the row.", allowed=("erp",)),
        Column("customer_id", "int", "Customer who ordered (should refer to `customers.customer_id`)."),
        Column("ordered_at", "datetime", "When the order was placed."),
        Column("shipped_at", "datetime", "When the first parcel left (missing: not shipped).", nullable=True),
        Column("order_value", "float", "Order value.", unit="USD", min=0),
    ),
    group="quality",
)

FEED_LOADS = Table(
    "feed_loads",
    "The warehouse's load log: every nightly load of every feed in the last 30 days before the as-of "
    "moment, and the loads still running at it (they finish after it).",
    "load attempt",
    (
        Column("load_id", "int", "Load identifier.", unique=True),
        Column("source", "str", "Feed loaded.", allowed=FEED_SOURCES),
        Column("started_at", "datetime", "When the load started."),
        Column("finished_at", "datetime", "When the load finished (succeeded or failed)."),
        Column("status", "str", "Outcome.", allowed=("succeeded", "failed")),
        Column("rows_loaded", "int", "Rows written (0 when the load failed).", min=0),
    ),
    group="quality",
)

FEED_SOURCES_TABLE = Table(
    "feed_sources",
    "The feeds into the warehouse, their system and how fresh each must be.",
    "feed",
    (
        Column("source", "str", "Feed.", allowed=FEED_SOURCES, unique=True),
        Column("system", "str", "Application the feed comes from."),
        Column("steward", "str", "Steward accountable for the feed as a whole.", allowed=STEWARDS),
        Column("freshness_sla_hours", "float", "Maximum age of the last successful load.", unit="hours", min=0),
    ),
    group="quality",
)

DATA_STEWARDS = Table(
    "data_stewards",
    "Which steward answers for each source column and quality dimension, and the target pass rate.",
    "source column and quality dimension",
    (
        Column("source", "str", "Feed.", allowed=FEED_SOURCES),
        Column("column", "str", "Column of the feed."),
        Column("dimension", "str", "Quality dimension.", allowed=DIMENSIONS),
        Column("steward", "str", "Steward accountable.", allowed=STEWARDS),
        Column("target", "float", "Target share of rows that pass.", unit="fraction", min=0, max=1),
    ),
    group="quality",
)

LINEAGE_EDGES = Table(
    "lineage_edges",
    "Data lineage: which dataset feeds which, from the source feeds through the warehouse to "
    "models, dashboards and automated decisions.",
    "edge from an upstream node to a downstream node",
    (
        Column("upstream", "str", "Node the data comes from."),
        Column("downstream", "str", "Node the data goes to."),
        Column("upstream_kind", "str", "Kind of the upstream node.",
               allowed=("feed", "dataset", "model", "dashboard", "decision")),
        Column("downstream_kind", "str", "Kind of the downstream node.",
               allowed=("feed", "dataset", "model", "dashboard", "decision")),
    ),
    group="quality",
)

ACCESS_POLICIES = Table(
    "access_policies",
    "Column access per role on `profile_feeds`: `clear` or `masked`. A column not listed for a "
    "role is hidden from it (default deny).",
    "role and column",
    (
        Column("role", "str", "Role.", allowed=("marketing_analyst", "service_agent", "data_steward",
                                                 "offer_engine")),
        Column("column", "str", "Column of `profile_feeds`."),
        Column("access", "str", "How the role sees it.", allowed=("clear", "masked")),
    ),
    group="quality",
)

SHARED_FIELDS = ("email", "phone", "billing_address", "credit_limit", "marketing_segment", "loyalty_tier")
SYSTEMS = ("crm", "erp", "warehouse")

FIELD_RIGHTS = Table(
    "field_rights",
    "Decision rights over customer fields held in CRM, ERP and the warehouse: the one system "
    "that owns (may change) a field, and the systems that only read it.",
    "field and system",
    (
        Column("field", "str", "Shared field.", allowed=SHARED_FIELDS),
        Column("system", "str", "System holding the field.", allowed=SYSTEMS),
        Column("right", "str", "`owner` may change the value; `read` may only copy it.",
               allowed=("owner", "read")),
    ),
    group="quality",
)

FIELD_CHANGES = Table(
    "field_changes",
    "Changes to shared customer fields, in whichever system they were made.",
    "change",
    (
        Column("change_id", "int", "Change identifier.", unique=True),
        Column("customer_id", "int", "Customer.", references="customers.customer_id"),
        Column("field", "str", "Field changed.", allowed=SHARED_FIELDS),
        Column("system", "str", "System where the change was made.", allowed=SYSTEMS),
        Column("changed_at", "datetime", "When."),
        Column("value", "str", "New value."),
    ),
    group="quality",
)


# --------------------------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------------------------

def _bad_emails(rng, emails: np.ndarray) -> list[str]:
    out = []
    for e, kind in zip(emails, rng.integers(0, 4, len(emails)), strict=True):
        local, domain = e.split("@", 1)
        out.append((f"{local}.{domain}", f"{local}@@{domain}", f"{local}@{domain.split('.')[0]}",
                    f"{local} @{domain}")[kind])
    return out


def _bad_phones(rng, phones: np.ndarray) -> list[str]:
    out = []
    for p, kind in zip(phones, rng.integers(0, 4, len(phones)), strict=True):
        out.append((p[1:], f"{p[:3]} {p[3:7]} {p[7:]}", p[:6], "0" + p[3:])[kind])
    return out


def _count(rate: float, n: int, rng) -> int:
    """A defect count near ``rate * n`` (at least one when the rate is positive)."""
    if rate <= 0:
        return 0
    return max(1, int(round(rate * n * rng.uniform(0.85, 1.15))))


@generates(PROFILE_FEEDS, needs=("customers",))
def make_profile_feeds(ctx, rng, customers):
    frames = []
    counts: dict[str, dict[str, int]] = {}
    n_customers = len(customers)
    for s, source in enumerate(PROFILE_SOURCES):
        n = max(200, round(PROFILE_ROWS[source] * ctx.scale))
        pick = rng.choice(n_customers, n, replace=False)
        c = customers.iloc[pick].reset_index(drop=True)
        numbers = rng.choice(np.arange(100_000, 1_000_000), n, replace=False)
        birth = pd.Series(pd.to_datetime(c["birth_year"].astype(str) + "-01-01").to_numpy()
                          + pd.to_timedelta(rng.integers(0, 365, n), "D").to_numpy())
        updated = pd.Series(AS_OF - pd.to_timedelta(rng.integers(6 * 3600, 700 * 86400, n), "s"))
        f = pd.DataFrame({
            "source": source,
            "source_customer_id": [f"{ID_PREFIX[source]}{k}" for k in numbers],
            "customer_id": c["customer_id"].to_numpy(),
            "email": c["email"].to_numpy(dtype=object),
            "phone": c["phone"].to_numpy(dtype=object),
            "login": np.where(rng.random(n) < 0.7, c["email"].to_numpy(dtype=object),
                              (c["first_name"].str.lower() + numbers.astype(str)).to_numpy(dtype=object))
            if source == "ecom" else None,
            "city": c["city"].to_numpy(dtype=object),
            "birth_date": birth.dt.normalize().to_numpy(),
            "verified": rng.random(n) < (0.93, 0.85, 0.95, 0.75)[s],
            "updated_at": updated.dt.floor("s").to_numpy(),
        })
        f["verified"] = f["verified"].astype("boolean")
        if source == "support":  # the support desk does not record verification for some contacts
            f.loc[rng.choice(n, _count(0.05, n, rng), replace=False), "verified"] = pd.NA
        # duplicate ids: copies of distinct rows, with the id as is or in another letter case
        n_exact, n_case = (_count(r, n, rng) for r in DUPLICATE_RATES[source])
        originals = rng.choice(n, n_exact + n_case, replace=False)
        dups = f.iloc[originals].copy()
        ids = dups["source_customer_id"].to_numpy(dtype=object)
        ids[n_exact:] = [i.lower() if k else f" {i.title()}" for i, k in
                         zip(ids[n_exact:], rng.random(n_case) < 0.7, strict=True)]
        dups["source_customer_id"] = ids
        f = pd.concat([f, dups], ignore_index=True)
        n_all = len(f)
        src_counts = {"rows": n_all, "duplicate_exact": n_exact, "duplicate_case": n_case,
                      "rows_sharing_an_id": 2 * (n_exact + n_case)}
        # defects per column: disjoint positions within a column
        for column in ("email", "phone", "city", "birth_date"):
            kinds = [k for (col, k) in DEFECT_RATES if col == column]
            sizes = [_count(DEFECT_RATES[(column, k)][s], n_all, rng) for k in kinds]
            positions = rng.choice(n_all, sum(sizes), replace=False)
            start = 0
            for kind, size in zip(kinds, sizes, strict=True):
                at = positions[start:start + size]
                start += size
                if kind == "null":
                    f.loc[at, column] = None
                elif kind == "sentinel":
                    if column == "birth_date":
                        f.loc[at, column] = SENTINEL_DATE
                    else:
                        f.loc[at, column] = rng.choice(TEXT_SENTINELS, size)
                elif column == "email":
                    f.loc[at, column] = _bad_emails(rng, f.loc[at, column].to_numpy())
                else:
                    f.loc[at, column] = _bad_phones(rng, f.loc[at, column].to_numpy())
                src_counts[f"{column}_{kind}"] = size
        n_future = _count(DEFECT_RATES[("updated_at", "future")][s], n_all, rng)
        at = rng.choice(n_all, n_future, replace=False)
        f.loc[at, "updated_at"] = AS_OF + pd.to_timedelta(rng.integers(3600, 400 * 86400, n_future), "s")
        src_counts["updated_at_future"] = n_future
        n_orphan = _count(DEFECT_RATES[("customer_id", "orphan")][s], n_all, rng)
        at = rng.choice(n_all, n_orphan, replace=False)
        f.loc[at, "customer_id"] = n_customers + 1 + rng.choice(n_customers, n_orphan, replace=False)
        src_counts["customer_id_orphan"] = n_orphan
        counts[source] = src_counts
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    order = rng.permutation(len(out))
    out = out.iloc[order].reset_index(drop=True)
    out.insert(0, "feed_row_id", np.arange(1, len(out) + 1))
    out["birth_date"] = pd.to_datetime(out["birth_date"]).astype("datetime64[us]")
    _plant_profile_boundaries(rng, out, counts)
    ctx.plant("quality_profile_defects", counts,
              "Defects injected per profile source: counts per column and kind (null, sentinel, invalid, "
              "future, orphan), duplicate ids exact and case-variant, and rows sharing an id; records at "
              "a rule's boundary: updated exactly at the as-of moment, an id shared with another source "
              "(not a duplicate), a missing (sentinel) id.")
    return out


#: target source -> the source whose ids it sometimes files a contact under.
ID_BORROWED_FROM = {"support": "crm", "loyalty": "ecom"}
#: Sources where some ids are missing (sent as a sentinel).
ID_ABSENT_SOURCES = ("support", "crm")


def _plant_profile_boundaries(rng, out: pd.DataFrame, counts: dict) -> None:
    """Rows exactly at a rule's boundary, several per source; every changed row still passes.

    Only rows that pass the rule concerned before the change are changed, so every pass rate
    stays what it was: a profile updated in the past is updated at AS_OF instead; a unique id
    becomes another source's unique id (or a case variant of it), or a sentinel.
    """
    n_by_source = out["source"].value_counts()
    key = out["source"] + "|" + out["source_customer_id"].str.strip().str.lower()
    free = ~key.duplicated(keep=False).to_numpy()  # ids no other row of the source shares
    for source in PROFILE_SOURCES:
        mine = out["source"].eq(source).to_numpy()
        k = max(3, round(0.0015 * n_by_source[source]))
        at = rng.choice(np.flatnonzero(mine & (out["updated_at"] < AS_OF).to_numpy()), k, replace=False)
        out.loc[at, "updated_at"] = AS_OF
        counts[source]["updated_at_at_as_of"] = k
    for target, donor in ID_BORROWED_FROM.items():
        k = max(3, round(0.004 * n_by_source[target]))
        donors = rng.choice(np.flatnonzero(free & out["source"].eq(donor).to_numpy()), k, replace=False)
        ids = out.loc[donors, "source_customer_id"].to_numpy(dtype=object)
        ids = [i.lower() if lower else i for i, lower in zip(ids, rng.random(k) < 0.5, strict=True)]
        at = rng.choice(np.flatnonzero(free & out["source"].eq(target).to_numpy()), k, replace=False)
        out.loc[at, "source_customer_id"] = ids
        free[at] = False
        counts[target]["id_shared_with_other_source"] = k
    for source in ID_ABSENT_SOURCES:
        k = max(3, round(0.002 * n_by_source[source]))
        at = rng.choice(np.flatnonzero(free & out["source"].eq(source).to_numpy()), k, replace=False)
        sentinels = ["N/A", "N/A", *rng.choice(["n/a", "", "unknown", " - "], k - 2)]
        out.loc[at, "source_customer_id"] = sentinels
        free[at] = False
        counts[source]["source_customer_id_absent"] = k


@generates(ERP_ORDER_FEED, needs=("orders", "shipments", "customers"))
def make_erp_order_feed(ctx, rng, orders, shipments, customers):
    first_ship = shipments.groupby("order_id")["shipped_at"].min()
    o = orders[["order_id", "customer_id", "ordered_at"]].copy()
    o["shipped_at"] = o["order_id"].map(first_ship)
    o["order_value"] = np.round(rng.lognormal(5.5, 0.8, len(o)), 2)
    o.insert(1, "source", "erp")
    shipped = np.flatnonzero(o["shipped_at"].notna().to_numpy())
    n_early = _count(0.004, len(o), rng)
    at = rng.choice(shipped, n_early, replace=False)
    o.loc[o.index[at], "shipped_at"] = (o.loc[o.index[at], "ordered_at"]
                                        - pd.to_timedelta(rng.integers(3600, 5 * 86400, n_early), "s"))
    n_orphan = _count(0.003, len(o), rng)
    at = rng.choice(len(o), n_orphan, replace=False)
    o.loc[o.index[at], "customer_id"] = len(customers) + 1 + rng.choice(len(customers), n_orphan, replace=False)
    # handed over at the till: shipped the very moment they were ordered (not before: they pass)
    later = np.flatnonzero((o["shipped_at"] > o["ordered_at"]).to_numpy())
    n_till = max(3, round(0.001 * len(o)))
    at = rng.choice(later, n_till, replace=False)
    o.loc[o.index[at], "shipped_at"] = o.loc[o.index[at], "ordered_at"]
    ctx.plant("quality_order_defects", {"rows": len(o), "shipped_before_ordered": n_early,
                                        "customer_id_orphan": n_orphan, "shipped_when_ordered": n_till},
              "Defects injected in the ERP order feed: orders shipped before they were ordered, orphan customer "
              "ids; and orders shipped the very moment they were ordered (not a defect: the boundary).")
    return o.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Loads, SLAs, stewards
# --------------------------------------------------------------------------------------------

SYSTEM_NAMES = {"crm": "CRM platform", "ecom": "web shop", "loyalty": "store loyalty programme",
                "support": "contact-centre desk", "erp": "ERP"}
FEED_STEWARD = {"crm": "marketing_ops", "ecom": "ecommerce_ops", "loyalty": "loyalty_team",
                "support": "service_ops", "erp": "finance_ops"}


@generates(FEED_SOURCES_TABLE)
def make_feed_sources(ctx, rng):
    sla = {"crm": 24.0, "ecom": 12.0, "loyalty": 24.0, "support": 48.0, "erp": 24.0}
    bump = rng.choice(list(sla), 2, replace=False)
    for b in bump:
        sla[b] += 6.0
    return pd.DataFrame({"source": list(FEED_SOURCES), "system": [SYSTEM_NAMES[s] for s in FEED_SOURCES],
                         "steward": [FEED_STEWARD[s] for s in FEED_SOURCES],
                         "freshness_sla_hours": [sla[s] for s in FEED_SOURCES]})


@generates(FEED_LOADS, needs=("feed_sources",))
def make_feed_loads(ctx, rng, feed_sources):
    """Nightly loads; one feed has had only failed loads for a few days (stale); support loads
    every other night, so its last load is within its own SLA but past a 24-hour one."""
    sla = dict(zip(feed_sources["source"], feed_sources["freshness_sla_hours"], strict=True))
    stale = str(rng.choice(["crm", "loyalty"]))
    first_night = AS_OF.normalize() - pd.Timedelta(days=30)
    rows = []
    hour_of = {"crm": 1.0, "ecom": 0.5, "loyalty": 2.0, "support": 3.0, "erp": 1.5}
    stale_days = int(rng.integers(3, 6))
    for source in FEED_SOURCES:
        for d in range(31):
            if source == "support" and (30 - d) % 2 == 0:
                continue  # every other night; the latest load is the night before the as-of night
            start = first_night + pd.Timedelta(days=d, hours=hour_of[source]) + pd.Timedelta(
                minutes=float(rng.integers(0, 40)))
            if source == "ecom":  # twice a day
                starts = [start, start + pd.Timedelta(hours=12)] if d < 30 else [start]
            else:
                starts = [start]
            for st in starts:
                if st >= AS_OF:
                    continue
                fail = (source == stale and d >= 30 - stale_days + 1) or rng.random() < 0.03
                if source != stale and d >= 29:
                    fail = False  # the others' latest loads succeeded
                minutes = float(rng.integers(5, 50))
                rows.append((source, st, st + pd.Timedelta(minutes=minutes), "failed" if fail else "succeeded",
                             0 if fail else int(rng.integers(50, 400))))
    # two loads still running at the as-of moment (they succeed after it): not delivered yet
    running = rng.choice([s for s in FEED_SOURCES if s not in (stale, "support")], 2, replace=False)
    for source in running:
        st = AS_OF - pd.Timedelta(minutes=int(rng.integers(5, 30)))
        rows.append((source, st, AS_OF + pd.Timedelta(minutes=int(rng.integers(5, 40))), "succeeded",
                     int(rng.integers(50, 400))))
    df = pd.DataFrame(rows, columns=["source", "started_at", "finished_at", "status", "rows_loaded"])
    df["started_at"] = df["started_at"].dt.floor("s")
    df["finished_at"] = df["finished_at"].dt.floor("s")
    df = df.sort_values(["started_at", "source"], ignore_index=True)
    df.insert(0, "load_id", np.arange(1, len(df) + 1))
    ok = df[(df["status"] == "succeeded") & (df["finished_at"] <= AS_OF)].groupby("source")["finished_at"].max()
    age = (AS_OF - ok) / pd.Timedelta(hours=1)
    stale_sources = sorted(s for s in FEED_SOURCES if age[s] > sla[s])
    if stale_sources != [stale]:
        raise AssertionError(f"feed_loads: stale feeds {stale_sources}, planned [{stale!r}]")
    ctx.plant("quality_stale_feed", stale, "The feed whose last successful load is older than its SLA at the as-of moment.")
    ctx.plant("quality_running_loads", sorted(str(s) for s in running),
              "Feeds with a load still running at the as-of moment (it succeeds after it).")
    ctx.plant("quality_as_of", str(AS_OF), "The as-of moment of the quality checks.")
    return df


#: (source, column, dimension) the stewards answer for; stewards other than the feed's own in places.
_STEWARD_LINES = (
    [(s, "email", "completeness") for s in PROFILE_SOURCES]
    + [(s, "email", "validity") for s in PROFILE_SOURCES]
    + [(s, "phone", "completeness") for s in PROFILE_SOURCES]
    + [(s, "phone", "validity") for s in PROFILE_SOURCES]
    + [(s, "city", "completeness") for s in PROFILE_SOURCES]
    + [(s, "birth_date", "completeness") for s in PROFILE_SOURCES]
    + [(s, "source_customer_id", "uniqueness") for s in PROFILE_SOURCES]
    + [(s, "updated_at", "timeliness") for s in PROFILE_SOURCES]
    + [(s, "customer_id", "consistency") for s in PROFILE_SOURCES]
    + [("erp", "customer_id", "consistency"), ("erp", "shipped_at", "consistency")]
)
_TARGETS = {"completeness": 0.97, "validity": 0.98, "uniqueness": 0.995, "timeliness": 0.995,
            "consistency": 0.995}


@generates(DATA_STEWARDS)
def make_data_stewards(ctx, rng):
    rows = []
    for source, column, dim in _STEWARD_LINES:
        steward = FEED_STEWARD[source]
        if column in ("customer_id", "source_customer_id") and source != "erp":
            steward = "data_office"  # keys belong to the data office
        target = _TARGETS[dim]
        if dim == "completeness" and column in ("birth_date", "city"):
            target = float(rng.choice([0.90, 0.92, 0.95]))
        rows.append((source, column, dim, steward, target))
    return pd.DataFrame(rows, columns=["source", "column", "dimension", "steward", "target"])


# --------------------------------------------------------------------------------------------
# Lineage
# --------------------------------------------------------------------------------------------

_BASE_EDGES = (
    ("crm", "stg_profiles", "feed", "dataset"),
    ("ecom", "stg_profiles", "feed", "dataset"),
    ("loyalty", "stg_profiles", "feed", "dataset"),
    ("support", "stg_contacts", "feed", "dataset"),
    ("erp", "stg_orders", "feed", "dataset"),
    ("stg_profiles", "customer_golden", "dataset", "dataset"),
    ("stg_contacts", "contact_history", "dataset", "dataset"),
    ("stg_orders", "order_facts", "dataset", "dataset"),
    ("customer_golden", "customer_features", "dataset", "dataset"),
    ("order_facts", "customer_features", "dataset", "dataset"),
    ("customer_golden", "propensity_model", "dataset", "model"),
    ("customer_features", "propensity_model", "dataset", "model"),
    ("propensity_model", "next_best_offer", "model", "decision"),
    ("customer_golden", "next_best_offer", "dataset", "decision"),
    ("order_facts", "refund_risk_rules", "dataset", "model"),
    ("contact_history", "refund_risk_rules", "dataset", "model"),
    ("refund_risk_rules", "auto_refund", "model", "decision"),
    ("order_facts", "auto_refund", "dataset", "decision"),
    ("customer_features", "churn_dashboard", "dataset", "dashboard"),
    ("contact_history", "churn_dashboard", "dataset", "dashboard"),
    ("next_best_offer", "offer_outcomes", "decision", "dataset"),
    ("offer_outcomes", "customer_features", "dataset", "dataset"),
)
#: Edges added in some worlds only (chosen per seed).
_OPTIONAL_EDGES = (
    ("contact_history", "customer_features", "dataset", "dataset"),
    ("customer_golden", "auto_refund", "dataset", "decision"),
    ("loyalty", "loyalty_points", "feed", "dataset"),
)


def _upstream_feeds(edges: pd.DataFrame, node: str) -> list[str]:
    parents = edges.groupby("downstream")["upstream"].apply(list).to_dict()
    seen, todo = set(), [node]
    while todo:
        for p in parents.get(todo.pop(), []):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    kinds = dict(zip(edges["upstream"], edges["upstream_kind"], strict=True))
    return sorted(n for n in seen if kinds.get(n) == "feed")


@generates(LINEAGE_EDGES)
def make_lineage_edges(ctx, rng):
    """A lineage graph with a loop through offer outcomes (a decision whose results feed its
    own features): a traversal must remember what it has seen."""
    keep = rng.random(len(_OPTIONAL_EDGES)) < 0.5
    edges = list(_BASE_EDGES) + [e for e, k in zip(_OPTIONAL_EDGES, keep, strict=True) if k]
    if keep[2]:
        edges.append(("loyalty_points", "customer_features", "dataset", "dataset"))
    df = pd.DataFrame(edges, columns=["upstream", "downstream", "upstream_kind", "downstream_kind"])
    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
    ctx.plant("quality_decision_sources",
              {d: _upstream_feeds(df, d) for d in ("next_best_offer", "auto_refund")},
              "Source feeds each automated decision depends on, through any number of steps.")
    return df


# --------------------------------------------------------------------------------------------
# Access and decision rights
# --------------------------------------------------------------------------------------------

@generates(ACCESS_POLICIES)
def make_access_policies(ctx, rng):
    pol = {
        "marketing_analyst": {"source": "clear", "customer_id": "clear", "email": "masked",
                              "city": "clear", "birth_date": "masked", "verified": "clear",
                              "updated_at": "clear"},
        "service_agent": {"source": "clear", "source_customer_id": "clear", "customer_id": "clear",
                          "email": "clear", "phone": "clear", "city": "clear", "verified": "clear"},
        "data_steward": {c: "clear" for c in ("feed_row_id", "source", "source_customer_id", "customer_id",
                                               "city", "birth_date", "verified", "updated_at")}
        | {"email": "masked", "phone": "masked", "login": "masked"},
        "offer_engine": {"customer_id": "clear", "city": "clear", "verified": "clear", "email": "masked"},
    }
    # per world: whether marketing also sees phones (masked) and the steward sees city masked
    if rng.random() < 0.5:
        pol["marketing_analyst"]["phone"] = "masked"
    if rng.random() < 0.5:
        pol["service_agent"]["login"] = "masked"
    if rng.random() < 0.5:
        pol["offer_engine"]["phone"] = "masked"
    rows = [(r, c, a) for r, cols in pol.items() for c, a in cols.items()]
    return pd.DataFrame(rows, columns=["role", "column", "access"])


_OWNER = {"email": "crm", "phone": "crm", "billing_address": "erp", "credit_limit": "erp",
          "marketing_segment": "warehouse", "loyalty_tier": "warehouse"}


@generates(FIELD_RIGHTS)
def make_field_rights(ctx, rng):
    owner = dict(_OWNER)
    # per world: the phone number is owned by the CRM or the ERP (a decision the lab reads, not assumes)
    owner["phone"] = str(rng.choice(["crm", "erp"]))
    rows = [(f, s, "owner" if owner[f] == s else "read") for f in SHARED_FIELDS for s in SYSTEMS]
    return pd.DataFrame(rows, columns=["field", "system", "right"])


@generates(FIELD_CHANGES, needs=("customers", "field_rights"))
def make_field_changes(ctx, rng, customers, field_rights):
    owner = field_rights[field_rights["right"] == "owner"].set_index("field")["system"].to_dict()
    n_cust = max(300, round(1500 * ctx.scale))
    who = rng.choice(customers["customer_id"].to_numpy(), n_cust, replace=False)
    rows = []
    for cid in who:
        for field in rng.choice(SHARED_FIELDS, int(rng.integers(1, 4)), replace=False):
            k = int(rng.integers(1, 5))
            times = np.sort(rng.integers(0, 700 * 86400, k))
            for t in times:
                system = owner[field] if rng.random() < 0.8 else str(rng.choice(SYSTEMS))
                rows.append((int(cid), str(field), system, t, int(rng.integers(0, 10**6))))
    df = pd.DataFrame(rows, columns=["customer_id", "field", "system", "t", "v"])
    df["changed_at"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df["t"], "s")
    df["value"] = df["field"] + ":" + df["v"].astype(str)
    df = df.drop(columns=["t", "v"]).sort_values("changed_at", ignore_index=True)
    df = df.drop_duplicates(["customer_id", "field", "changed_at"], ignore_index=True)
    df.insert(0, "change_id", np.arange(1, len(df) + 1))
    df = df[["change_id", "customer_id", "field", "system", "changed_at", "value"]]
    unauthorised = df["system"] != df["field"].map(owner)
    last = df.groupby(["customer_id", "field"])["changed_at"].transform("max") == df["changed_at"]
    ctx.plant("quality_field_changes",
              {"unauthorised": int(unauthorised.sum()),
               "latest_unauthorised": int((last & unauthorised).sum()),
               "no_authorised_change": int((~unauthorised).groupby([df["customer_id"], df["field"]]).sum()
                                           .eq(0).sum())},
              "Changes made by a system that does not own the field; (customer, field) pairs whose latest "
              "change is unauthorised; pairs with no authorised change at all.")
    return df
