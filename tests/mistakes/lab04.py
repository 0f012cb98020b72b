"""Common wrong answers for Lab 04 (Privacy, consent and data-subject rights).

Each source replaces a whole answer cell of ``solutions/lab04/lab04_privacy.ipynb``; the
exercise's test cell must then fail, and the visible check's message must contain
``visible`` (``None``: only the hidden tests catch it).
"""

from . import Mistake

_CONSENT = '''
def consent_state(events, customers, as_of):
    ev = events[events["event_at"] <= as_of]
    ev = ev.assign(_withdraw=ev["action"].eq("withdraw"))
    latest = (ev.sort_values(SORT_KEYS, kind="stable")
              .drop_duplicates(["customer_id", "purpose"], keep=KEEP))
    grid = pd.MultiIndex.from_product([customers["customer_id"], list(PURPOSES)],
                                      names=["customer_id", "purpose"]).to_frame(index=False)
    grid = grid.merge(customers[["customer_id", "privacy_regime"]], on="customer_id")
    out = grid.merge(latest[["customer_id", "purpose", "action"]], on=["customer_id", "purpose"], how=HOW)
    has_event = out["action"].notna()
    out["consented"] = np.where(has_event, out["action"].eq("grant"), DEFAULT)
    out["basis"] = np.where(has_event, "event", "default")
    return (out[["customer_id", "purpose", "consented", "basis"]]
            .sort_values(["customer_id", "purpose"], ignore_index=True))
'''


def _consent(sort_keys='["customer_id", "purpose", "event_at", "_withdraw"]', keep='"last"', how='"left"',
             default='out["privacy_regime"].ne("GDPR") & out["purpose"].ne("marketing_sms")') -> str:
    return (_CONSENT.replace("SORT_KEYS", sort_keys).replace("KEEP", keep).replace("HOW", how)
            .replace("DEFAULT", default))


_RETENTION = '''
def retention_actions(records, schedule, as_of):
    m = records.merge(schedule[["data_category", "retention_months", "action_after"]], on="data_category", how="left")
    expires = m.groupby("retention_months")["clock_start_date"].transform(lambda d: EXPIRES)
    due = DUE
    out = pd.DataFrame({"record_id": m["record_id"], "expires_on": expires,
                        "action": np.where(due, m["action_after"], "keep")})
    return out.set_index("record_id").sort_index()
'''


def _retention(expires="d + pd.DateOffset(months=int(d.name))", due='(as_of >= expires) & ~m["legal_hold"]') -> str:
    return _RETENTION.replace("EXPIRES", expires).replace("DUE", due)


_DUE = '''
def dsar_due_dates(requests):
    r = requests.set_index("request_id")
    gdpr = r["privacy_regime"].eq("GDPR")
    opt_out = r["request_type"].eq("opt_out_of_sale")
    received = START
    due = (received + pd.Timedelta(days=45)).where(~gdpr, received + GDPR_DUE)
    due = due.where(~opt_out, received + OPT_OUT_DUE)
    longest = (received + GDPR_LONG).where(gdpr, received + pd.Timedelta(days=90))
    valid = VALID
    out = pd.DataFrame({"due_date": due, "extension_valid": valid.astype(bool),
                        "final_due_date": longest.where(valid, due)})
    return out.sort_index()
'''

_VALID = ('r["extended"] & (r["extension_notified_date"] <= due).fillna(False) & ~opt_out '
          '& r["extension_reason"].isin(["complex_request", "several_requests"])')


def _due(start='r["received_date"]', gdpr_due="pd.DateOffset(months=1)", gdpr_long="pd.DateOffset(months=3)",
         opt_out_due="pd.offsets.BDay(15)", valid=_VALID) -> str:
    return (_DUE.replace("START", start).replace("GDPR_DUE", gdpr_due).replace("GDPR_LONG", gdpr_long)
            .replace("OPT_OUT_DUE", opt_out_due).replace("VALID", valid))


_SOLUTION_APPEND = '''
def append_to_log(log, entries):
    prev = PREV
    start = int(log["seq"].max()) + 1 if len(log) else 1
    new = entries.reset_index(drop=True).copy()
    new.insert(0, "seq", np.arange(start, start + len(new)))
    hashes = []
    for row in new.to_dict("records"):
        prev = hashlib.sha256((prev + canonical_row(row)).encode("utf-8")).hexdigest()
        hashes.append(prev)
    new["row_hash"] = hashes
    return pd.concat([log, new[list(log.columns)]]IGNORE)
'''


def _append(prev='log["row_hash"].iloc[-1] if len(log) else GENESIS_HASH', ignore=", ignore_index=True") -> str:
    return _SOLUTION_APPEND.replace("PREV", prev).replace("IGNORE", ignore)


_TAMPERED = '''
def tampered_rows(log):
    log = log.sort_values("seq")
    previous = [GENESIS_HASH] + log["row_hash"].tolist()[:-1]
    bad = []
    for prev, row in zip(previous, ROWS):
        if hashlib.sha256((prev + canonical_row(row)).encode("utf-8")).hexdigest() != row["row_hash"]:
            bad.append(int(row["seq"]))
    return RESULT
'''


def _tampered(rows='log.to_dict("records")', result="bad") -> str:
    return _TAMPERED.replace("ROWS", rows).replace("RESULT", result)


_KANON = '''
def k_anonymise(extract, k):
    out = pd.DataFrame({"birth_decade": extract["birth_year"] // 10 * 10,
                        "postcode_area": extract["postcode"].str.extract(r"^([A-Z]+|\\d)", expand=False),
                        "market": extract["market"],
                        "segment": extract["segment"], "orders_2025": extract["orders_2025"],
                        "tickets_2025": extract["tickets_2025"]})
    size = out.groupby(QUASI_IDENTIFIERS)["market"].transform("size")
    return RESULT
'''

_EXPORT = '''
def subject_export(customer_id, identity_graph, sources):
    links = identity_graph[identity_graph["customer_id"] == customer_id]
    parts = []
    for system, table in sources.items():
        ids = links.loc[links["system"] == system, "record_id"]
        parts.append(table[table["record_id"].isin(ids)].assign(system=system))
    out = pd.concat(parts)
    cols = ["system"] + [c for c in out.columns if c != "system"]
    return out[cols].sort_values(["system", "record_id"])
'''

_TRANSPARENCY = '''
def transparency_figures(requests, year):
    r = requests[(requests["received_date"] > pd.Timestamp(f"{year}-01-01"))
                 & (requests["received_date"] < pd.Timestamp(f"{year}-12-31"))]
    days = (r["completed_date"] - r["received_date"]).dt.days
    g = r.assign(days=days).groupby(["privacy_regime", "request_type"])
    return pd.DataFrame({"received": g.size(), "completed": g["completed_date"].count(),
                         "median_days": g["days"].median()})
'''

_ANY_TIE = '''
def consent_state(events, customers, as_of):
    ev = events[events["event_at"] <= as_of]
    last = ev[ev["event_at"] == ev.groupby(["customer_id", "purpose"])["event_at"].transform("max")]
    g = last.groupby(["customer_id", "purpose"])["action"]
    state = ((g.size() == 1) & g.first().eq("grant")).rename("consented").reset_index()
    grid = pd.MultiIndex.from_product([customers["customer_id"], list(PURPOSES)],
                                      names=["customer_id", "purpose"]).to_frame(index=False)
    grid = grid.merge(customers[["customer_id", "privacy_regime"]], on="customer_id")
    out = grid.merge(state, on=["customer_id", "purpose"], how="left")
    has_event = out["consented"].notna()
    default = out["privacy_regime"].ne("GDPR") & out["purpose"].ne("marketing_sms")
    out["consented"] = np.where(has_event, out["consented"], default).astype(bool)
    out["basis"] = np.where(has_event, "event", "default")
    return (out[["customer_id", "purpose", "consented", "basis"]]
            .sort_values(["customer_id", "purpose"], ignore_index=True))
'''


_SLA = '''
def sla_compliance(requests, as_of):
    r = requests[requests["received_date"] <= as_of]
    done = DONE
    on_time = done & (r["completed_date"] ON_TIME r["final_due_date"])
    late = done & ~on_time
    overdue = OVERDUE
    out = pd.DataFrame({"on_time": on_time, "late": late, "overdue": overdue}).groupby(r["market"]).sum()
    out["due"] = out.sum(axis=1)
    out["compliance"] = out["on_time"] / out["due"]
    return out[["due", "on_time", "late", "overdue", "compliance"]].sort_values("compliance")
'''


def _sla(done='r["completed_date"].notna() & (r["completed_date"] <= as_of)', on_time="<=",
         overdue='~done & (r["final_due_date"] < as_of)') -> str:
    return _SLA.replace("DONE", done).replace("ON_TIME", on_time).replace("OVERDUE", overdue)


MISTAKES = {
    "ex1_answer": [
        Mistake("earliest event instead of the latest", _consent(keep='"first"'), visible="EARLIEST"),
        Mistake("tie rule ignored: the last row (highest event_id) at the latest time wins",
                _consent(sort_keys='["customer_id", "purpose", "event_at", "event_id"]'), visible="tie rule"),
        Mistake("customers without events left out (no regional default)", _consent(how='"inner"'),
                visible="no consent events are missing"),
        Mistake("opt-in default applied everywhere (CCPA treated like GDPR)", _consent(default="False"),
                visible="default is wrong"),
        Mistake("marketing texts opt-out in the US (the TCPA's prior express written consent ignored)",
                _consent(default='out["privacy_regime"].ne("GDPR")'), visible="marketing_sms defaults to consented"),
        Mistake("every purpose consented by default, also under GDPR", _consent(default="True"),
                visible="default is wrong"),
        Mistake("events after as_of counted", _consent().replace(
            'ev = events[events["event_at"] <= as_of]', "ev = events"), visible="after the as_of"),
        # issue 10, point 5: wrong answers the hidden tests in the notebook let through
        Mistake("decisions exactly at the as_of moment left out (event_at < as_of)", _consent().replace(
            'events["event_at"] <= as_of', 'events["event_at"] < as_of'), visible=None),
        Mistake("any two events at the latest instant mean not consented, even when they agree", _ANY_TIE,
                visible=None),
        Mistake("rows sorted by customer_id only (purposes left in PURPOSES order)", _consent().replace(
            '.sort_values(["customer_id", "purpose"], ignore_index=True)',
            '.sort_values("customer_id", kind="stable", ignore_index=True)'), visible=None),
        Mistake("rows sorted without a fresh 0, 1, 2... index", _consent().replace(
            '.sort_values(["customer_id", "purpose"], ignore_index=True)', '.sort_values(["customer_id", "purpose"])'),
                visible=None),
    ],
    "ex2_answer": [
        Mistake("off by one: action only the day after expiry", _retention(due='(as_of > expires) & ~m["legal_hold"]'),
                visible="ON the as-of date"),
        Mistake("off by one the other way: action the day before expiry",
                _retention(due='(as_of + pd.Timedelta(days=1) >= expires) & ~m["legal_hold"]'),
                visible="day AFTER the as-of date"),
        Mistake("a month counted as 30 days",
                _retention(expires="d + pd.Timedelta(days=30 * int(d.name))"), visible="30 days"),
        Mistake("legal hold ignored", _retention(due="as_of >= expires"), visible="legal hold"),
        Mistake("months added without clipping to the month's end (31 August + 6 months rolls into March)",
                _retention(expires='(d.dt.to_period("M") + int(d.name)).dt.to_timestamp() '
                                   '+ pd.to_timedelta(d.dt.day - 1, unit="D")'), visible="clips 31 August"),
    ],
    "ex3_answer": [
        Mistake("GDPR deadline as 30 days instead of a calendar month",
                _due(gdpr_due="pd.Timedelta(days=30)", gdpr_long="pd.Timedelta(days=90)"), visible="30 days"),
        Mistake("clock starts on the next working day for weekend receipts",
                _due(start='r["received_date"] + pd.offsets.BDay(0)'), visible="weekend"),
        Mistake("extension accepted whatever the notice date", _due(valid='r["extended"]'),
                visible="AFTER the original due date"),
        Mistake("opt-outs of sale/sharing given the 45 days of the other CCPA requests (the old rule)",
                _due(opt_out_due="pd.Timedelta(days=45)"), visible="15 BUSINESS days"),
        Mistake("opt-outs of sale/sharing given 15 calendar days", _due(opt_out_due="pd.Timedelta(days=15)"),
                visible="not 15 calendar days"),
        Mistake("opt-outs of sale/sharing may be extended like other requests",
                _due(valid=_VALID.replace(" & ~opt_out", "")), visible="cannot be extended"),
        Mistake("any extension reason accepted (a team's backlog too)",
                _due(valid='r["extended"] & (r["extension_notified_date"] <= due).fillna(False) & ~opt_out'),
                visible="backlog"),
        Mistake("only a complex request accepted as a reason (several requests refused)",
                _due(valid=_VALID.replace('["complex_request", "several_requests"]', '["complex_request"]')),
                visible="several_requests was refused"),
        Mistake("GDPR extension as 90 days instead of three calendar months", _due(gdpr_long="pd.Timedelta(days=90)"),
                visible="60 days"),
        Mistake("final due date ignores valid extensions", _due().replace('longest.where(valid, due)', "due"),
                visible="ignores the extensions"),
        # issue 10, point 5: wrong answers the hidden tests in the notebook let through
        Mistake("extension notice must come strictly before the due date (< instead of <=)",
                _due(valid=_VALID.replace("<= due", "< due")), visible=None),
        Mistake("GDPR final deadline as the due date plus two months, not three months from receipt",
                _due().replace("longest = (received + pd.DateOffset(months=3))",
                               "longest = (due + pd.DateOffset(months=2))"), visible=None),
        Mistake("extension valid whenever a notice date is on or before the due date (extended flag ignored)",
                _due(valid=_VALID.replace('r["extended"] & ', "")), visible=None),
        Mistake("extension valid when flagged unless the notice is late (a missing notice date passes)",
                _due(valid=_VALID.replace('(r["extension_notified_date"] <= due).fillna(False)',
                                          '~(r["extension_notified_date"] > due)')), visible=None),
        Mistake("an extension with no reason given accepted (a missing reason passes)",
                _due(valid=_VALID.replace('r["extension_reason"].isin(["complex_request", "several_requests"])',
                                          '~r["extension_reason"].eq("team_backlog")')), visible=None),
    ],
    "ex4_answer": [
        Mistake("completion on the due day counted late", _sla(on_time="<"), visible="ON its due date"),
        Mistake("open overdue requests left out", _sla(overdue='~done & False'), visible="open requests past"),
        Mistake("completions after the reporting day used", _sla(done='r["completed_date"].notna()'),
                visible="AFTER the reporting day"),
        # issue 10, point 5: wrong answers the hidden tests in the notebook let through
        Mistake("an open request counted overdue on its due date itself (final_due_date <= as_of)",
                _sla(overdue='~done & (r["final_due_date"] <= as_of)'), visible=None),
        Mistake("a request completed on as_of itself treated as still open (completed_date < as_of)",
                _sla(done='r["completed_date"].notna() & (r["completed_date"] < as_of)'), visible=None),
    ],
    "ex5_answer": [
        Mistake("records matched on the subject's CRM email instead of the identity graph", '''
def subject_export(customer_id, identity_graph, sources):
    crm_ids = identity_graph.loc[(identity_graph["customer_id"] == customer_id) & (identity_graph["system"] == "crm"), "record_id"]
    emails = set(sources["crm"].loc[sources["crm"]["record_id"].isin(crm_ids), "email"].dropna())
    parts = [t[t["email"].isin(emails)].assign(system=s) for s, t in sources.items()]
    out = pd.concat(parts, ignore_index=True)
    cols = ["system"] + [c for c in out.columns if c != "system"]
    return out[cols].sort_values(["system", "record_id"], ignore_index=True)
''', visible="shares the subject's email"),
        Mistake("only the CRM searched", '''
def subject_export(customer_id, identity_graph, sources):
    ids = identity_graph.loc[identity_graph["customer_id"] == customer_id, "record_id"]
    out = sources["crm"][sources["crm"]["record_id"].isin(ids)].assign(system="crm")
    cols = ["system"] + [c for c in out.columns if c != "system"]
    return out[cols].sort_values(["system", "record_id"], ignore_index=True)
''', visible="not only the CRM"),
        Mistake("the source tables' row labels kept as the index (not a plain 0, 1, 2... index)", _EXPORT,
                visible=None),
    ],
    "ex6a_answer": [
        Mistake("each row hashed without the previous hash", '''
def append_to_log(log, entries):
    start = int(log["seq"].max()) + 1 if len(log) else 1
    new = entries.reset_index(drop=True).copy()
    new.insert(0, "seq", np.arange(start, start + len(new)))
    new["row_hash"] = [hashlib.sha256(canonical_row(r).encode("utf-8")).hexdigest() for r in new.to_dict("records")]
    return pd.concat([log, new[list(log.columns)]], ignore_index=True)
''', visible="PREVIOUS row's hash"),
        Mistake("new rows chained from the genesis hash", '''
def append_to_log(log, entries):
    prev = GENESIS_HASH
    start = int(log["seq"].max()) + 1 if len(log) else 1
    new = entries.reset_index(drop=True).copy()
    new.insert(0, "seq", np.arange(start, start + len(new)))
    hashes = []
    for row in new.to_dict("records"):
        prev = hashlib.sha256((prev + canonical_row(row)).encode("utf-8")).hexdigest()
        hashes.append(prev)
    new["row_hash"] = hashes
    return pd.concat([log, new[list(log.columns)]], ignore_index=True)
''', visible="genesis hash"),
        Mistake("the whole log re-hashed (old rows rewritten)", '''
def append_to_log(log, entries):
    start = int(log["seq"].max()) + 1 if len(log) else 1
    new = entries.reset_index(drop=True).copy()
    new.insert(0, "seq", np.arange(start, start + len(new)))
    out = pd.concat([log.drop(columns="row_hash"), new], ignore_index=True)
    prev, hashes = GENESIS_HASH, []
    for row in out.to_dict("records"):
        prev = hashlib.sha256((prev + canonical_row(row)).encode("utf-8")).hexdigest()
        hashes.append(prev)
    out["row_hash"] = hashes
    return out
''', visible=None),
        # issue 10, point 5: wrong answers the hidden tests in the notebook let through
        Mistake("the last row's hash recomputed from its content instead of the stored one",
                _append(prev='hashlib.sha256(((log["row_hash"].iloc[-2] if len(log) > 1 else GENESIS_HASH) '
                             '+ canonical_row(log.iloc[-1])).encode("utf-8")).hexdigest()'), visible=None),
        Mistake("new rows appended without a fresh index (pd.concat without ignore_index)", _append(ignore=""),
                visible=None),
    ],
    "ex6b_answer": [
        Mistake("rows hashed without the previous hash (everything fails)", '''
def tampered_rows(log):
    return [int(r["seq"]) for r in log.sort_values("seq").to_dict("records")
            if hashlib.sha256(canonical_row(r).encode("utf-8")).hexdigest() != r["row_hash"]]
''', visible="every row of an intact log"),
        Mistake("chain recomputed from genesis (every row after the edit is flagged)", '''
def tampered_rows(log):
    prev, bad = GENESIS_HASH, []
    for r in log.sort_values("seq").to_dict("records"):
        prev = hashlib.sha256((prev + canonical_row(r)).encode("utf-8")).hexdigest()
        if prev != r["row_hash"]:
            bad.append(int(r["seq"]))
    return bad
''', visible="every row after it"),
        # issue 10, point 5: wrong answers the hidden tests in the notebook let through
        Mistake("only the first tampered row reported", _tampered(result="bad[:1]"), visible=None),
        Mistake("the last row never verified", _tampered(rows='log.to_dict("records")[:-1]'), visible=None),
    ],
    "ex7_answer": [
        Mistake("excess and missing swapped", '''
def minimisation(use_case_fields):
    f = use_case_fields
    excess = f["needed"] & ~f["requested"]
    out = pd.DataFrame({"requested": f["requested"], "needed": f["needed"], "excess": excess,
                        "missing": f["requested"] & ~f["needed"]}).groupby(f["use_case"]).sum()
    out["excess_share"] = out["excess"] / out["requested"]
    out["excess_fields"] = f[excess].groupby("use_case")["field"].agg(lambda s: ", ".join(sorted(s)))
    out["excess_fields"] = out["excess_fields"].fillna("")
    return out.reset_index().sort_values(["excess_share", "use_case"], ascending=[False, True]).set_index("use_case")
''', visible="swapped"),
        Mistake("excess share over all listed fields instead of requested ones", '''
def minimisation(use_case_fields):
    f = use_case_fields
    excess = f["requested"] & ~f["needed"]
    out = pd.DataFrame({"requested": f["requested"], "needed": f["needed"], "excess": excess,
                        "missing": f["needed"] & ~f["requested"]}).groupby(f["use_case"]).sum()
    out["excess_share"] = out["excess"] / f.groupby("use_case").size()
    out["excess_fields"] = f[excess].groupby("use_case")["field"].agg(lambda s: ", ".join(sorted(s)))
    out["excess_fields"] = out["excess_fields"].fillna("")
    return out.reset_index().sort_values(["excess_share", "use_case"], ascending=[False, True]).set_index("use_case")
''', visible="fields it REQUESTS"),
    ],
    "ex8_answer": [
        Mistake("k computed without the market (postcode areas repeat across markets)", '''
def k_anonymise(extract, k):
    out = pd.DataFrame({"birth_decade": extract["birth_year"] // 10 * 10,
                        "postcode_area": extract["postcode"].str.extract(r"^([A-Z]+|\\d)", expand=False),
                        "market": extract["market"],
                        "segment": extract["segment"], "orders_2025": extract["orders_2025"],
                        "tickets_2025": extract["tickets_2025"]})
    size = out.groupby(["birth_decade", "postcode_area"])["market"].transform("size")
    return out[size >= k].reset_index(drop=True)
''', visible="market is a quasi-identifier"),
        Mistake("k computed over segment too (not a quasi-identifier)", '''
def k_anonymise(extract, k):
    out = pd.DataFrame({"birth_decade": extract["birth_year"] // 10 * 10,
                        "postcode_area": extract["postcode"].str.extract(r"^([A-Z]+|\\d)", expand=False),
                        "market": extract["market"],
                        "segment": extract["segment"], "orders_2025": extract["orders_2025"],
                        "tickets_2025": extract["tickets_2025"]})
    size = out.groupby(QUASI_IDENTIFIERS + ["segment"])["market"].transform("size")
    return out[size >= k].reset_index(drop=True)
''', visible="not quasi-identifiers"),
        Mistake("groups need more than k rows (> instead of >=)", '''
def k_anonymise(extract, k):
    out = pd.DataFrame({"birth_decade": extract["birth_year"] // 10 * 10,
                        "postcode_area": extract["postcode"].str.extract(r"^([A-Z]+|\\d)", expand=False),
                        "market": extract["market"],
                        "segment": extract["segment"], "orders_2025": extract["orders_2025"],
                        "tickets_2025": extract["tickets_2025"]})
    size = out.groupby(QUASI_IDENTIFIERS)["market"].transform("size")
    return out[size > k].reset_index(drop=True)
''', visible=">= k, not > k"),
        Mistake("pseudonymous reference left in the release", '''
def k_anonymise(extract, k):
    out = pd.DataFrame({"customer_ref": extract["customer_ref"], "birth_decade": extract["birth_year"] // 10 * 10,
                        "postcode_area": extract["postcode"].str.extract(r"^([A-Z]+|\\d)", expand=False),
                        "market": extract["market"],
                        "segment": extract["segment"], "orders_2025": extract["orders_2025"],
                        "tickets_2025": extract["tickets_2025"]})
    size = out.groupby(QUASI_IDENTIFIERS)["market"].transform("size")
    return out[size >= k].reset_index(drop=True)
''', visible="customer_ref"),
        Mistake("postcode area as the first character (S for SW, SE and S)", _KANON.replace(
            'extract["postcode"].str.extract(r"^([A-Z]+|\\d)", expand=False)', 'extract["postcode"].str[:1]')
                .replace("RESULT", "out[size >= k].reset_index(drop=True)"), visible="single characters"),
        # issue 10, point 5: wrong answers the hidden tests in the notebook let through
        Mistake("original row labels kept (the index shows which rows were suppressed)",
                _KANON.replace("RESULT", "out[size >= k]"), visible=None),
        Mistake("a helper column (the group size) released too",
                _KANON.replace("RESULT", "out.assign(group_size=size)[size >= k].reset_index(drop=True)"), visible=None),
    ],
    "ex9_answer": [
        Mistake("mean instead of median days", '''
def transparency_figures(requests, year):
    r = requests[requests["received_date"].dt.year == year]
    days = (r["completed_date"] - r["received_date"]).dt.days
    g = r.assign(days=days).groupby(["privacy_regime", "request_type"])
    return pd.DataFrame({"received": g.size(), "completed": g["completed_date"].count(),
                         "median_days": g["days"].mean()})
''', visible="is the mean"),
        Mistake("requests of every year counted", '''
def transparency_figures(requests, year):
    r = requests
    days = (r["completed_date"] - r["received_date"]).dt.days
    g = r.assign(days=days).groupby(["privacy_regime", "request_type"])
    return pd.DataFrame({"received": g.size(), "completed": g["completed_date"].count(),
                         "median_days": g["days"].median()})
''', visible="RECEIVED in the report year"),
        # issue 10, point 5: a wrong answer the hidden tests in the notebook let through
        Mistake("year filter drops the first and last day of the year (> 1 January, < 31 December)", _TRANSPARENCY,
                visible=None),
        Mistake("days counted inclusively (+1)", '''
def transparency_figures(requests, year):
    r = requests[requests["received_date"].dt.year == year]
    days = (r["completed_date"] - r["received_date"]).dt.days + 1
    g = r.assign(days=days).groupby(["privacy_regime", "request_type"])
    return pd.DataFrame({"received": g.size(), "completed": g["completed_date"].count(),
                         "median_days": g["days"].median()})
''', visible="inclusively"),
    ],
}
