"""Common wrong answers for Lab 03 (Data quality, lineage and access).

Each source replaces a whole answer cell of ``solutions/lab03/lab03_data_quality.ipynb``;
the grader (``autograder/graders/lab03.py``) must then fail the exercise, and the visible
check's message must contain ``visible`` (``None``: only the grader catches it).

``VISIBLE_ONLY`` would hold wrong answers that only the visible check can catch; it is empty.
"""

from . import Mistake

_RULES_ENGINE = '''
def run_rules(feed, rules, as_of, customer_ids):
    def absent(values):
        if pd.api.types.is_datetime64_any_dtype(values):
            return {DATE_ABSENT}
        text = values.astype("string"){TEXT_NORMALISE}
        return {TEXT_ABSENT}

    out = {}
    for rule in rules.itertuples(index=False):
        values = feed[rule.column]
        missing = absent(values)
        if rule.test == "present":
            ok = ~missing
        elif rule.test == "matches":
            ok = {MATCHES}
        elif rule.test == "unique":
            key = values.astype("string"){KEY}
            ok = {UNIQUE_ABSENT}~pd.DataFrame({"s": {SCOPE}, "k": key}).duplicated(keep={KEEP})
        elif rule.test == "not_after_as_of":
            ok = missing | (values {AT_OR_BEFORE} {NOW})
        elif rule.test == "known_customer":
            ok = {KNOWN}values.isin(set(customer_ids))
        elif rule.test == "not_before":
            other = feed[rule.param]
            ok = missing | other.isna() | (values {NOT_BEFORE} other)
        out[rule.rule] = np.asarray(ok, dtype=bool)
    return pd.DataFrame(out, index=feed.index)
'''
_RIGHT = {
    "DATE_ABSENT": 'values.isna() | (values == SENTINEL_DATE)',
    "TEXT_NORMALISE": '.str.strip().str.lower()',
    "TEXT_ABSENT": 'values.isna() | text.isin(SENTINELS).fillna(False).astype(bool)',
    "MATCHES": 'missing | values.astype("string").str.fullmatch(rule.param).fillna(False).astype(bool)',
    "KEY": '.str.strip().str.lower()',
    "KEEP": 'False',
    "NOW": 'as_of',
    "UNIQUE_ABSENT": 'missing | ',
    "SCOPE": 'feed["source"]',
    "AT_OR_BEFORE": '<=',
    "NOT_BEFORE": '>=',
    "KNOWN": '',
}


def _engine(**changes) -> str:
    source = _RULES_ENGINE
    for key, value in {**_RIGHT, **changes}.items():
        source = source.replace("{" + key + "}", value)
    return source


_SCORECARD = '''
def scorecard(feed, results, rules, stewards):
    long = (results.astype(bool).assign(source=feed["source"])
            .melt(id_vars="source", var_name="rule", value_name="passed")
            .merge(rules[["rule", "column", "dimension"]], on="rule"))
    card = (long.groupby(["source", "column", "dimension"], as_index=False)
            .agg(rows=("passed", "size"), passed=("passed", "sum")))
    card["failed"] = card["rows"] - card["passed"]
    card["pass_rate"] = card["passed"] / card["rows"]
    card = card.merge(stewards, on=["source", "column", "dimension"], how="left")
    card["meets_target"] = card["pass_rate"] >= card["target"]
    card = card.assign(gap=card["pass_rate"] - card["target"]).sort_values({ORDER})
    return card[["source", "column", "dimension", "steward", "rows", "failed", "pass_rate", "target", "meets_target"]]
'''

_FRESHNESS = '''
def feed_freshness(loads, sources, as_of):
    done = loads[(loads["status"] == "succeeded") & ({DONE})]
    last = done.groupby("source")["finished_at"].max()
    out = sources.set_index("source")[["freshness_sla_hours"]].rename(columns={"freshness_sla_hours": "sla_hours"})
    out["last_success_at"] = last.reindex(out.index)
    out["age_hours"] = (({NOW} - out["last_success_at"]) / pd.Timedelta(hours=1)).fillna(np.inf)
    out["stale"] = out["age_hours"] {STALE} out["sla_hours"]
    return out[["last_success_at", "age_hours", "sla_hours", "stale"]]
'''

_QUARANTINE = '''
def quarantine(profiles, freshness):
    stale = {STALE}
    unverified = ~profiles["verified"].fillna(False).astype(bool)
    held = profiles[profiles["source"].isin(stale) | unverified]
    reason = np.where(held["source"].isin(stale), "stale feed", "unverified")
    out = pd.DataFrame({"feed_row_id": held["feed_row_id"], "source": held["source"],
                        "customer_id": held["customer_id"], "reason": reason})
    return out.sort_values("feed_row_id").set_index("feed_row_id")
'''

_MASKING = '''
def mask_for_role(profiles, policies, role):
    mine = policies[policies["role"] == role]
    if mine.empty:
        raise ValueError(f"unknown role {role!r}; roles are {sorted(policies['role'].unique())}")
    access = dict(zip(mine["column"], mine["access"]))
    out = profiles[[c for c in profiles.columns if c in access]].copy()
    for column in [c for c, a in access.items() if a == "masked" and c in out.columns]:
        values = out[column].astype("string")
        if column in {EMAIL_LIKE}:
            masked = pd.Series(np.where(values.str.contains("@", regex=False).fillna(False),
                                        {EMAIL_MASK}, "***"),
                               index=out.index)
        elif column == "phone":
            masked = {PHONE_MASK}
        else:
            masked = {OTHER}
        out[column] = masked{KEEP_MISSING}.astype("string")
    return out
'''
_MASK_RIGHT = {"EMAIL_LIKE": '("email", "login")',
               "EMAIL_MASK": 'values.str[0] + "***@" + values.str.split("@").str[-1]',
               "PHONE_MASK": '"***" + values.str[-4:]',
               "OTHER": 'pd.Series("***", index=out.index)',
               "KEEP_MISSING": '.where(values.notna(), None)'}

_AUTHORITATIVE = '''
def authoritative_values(changes, rights):
    owners = {OWNERS}
    allowed = changes.merge(owners, on=["field", "system"])
    latest = allowed.sort_values({LATEST}).groupby(["customer_id", "field"]).tail(1)
    return latest.set_index(["customer_id", "field"])[["value", "system", "changed_at"]].sort_index()
'''


def _fill(template: str, **parts) -> str:
    for key, value in parts.items():
        template = template.replace("{" + key + "}", value)
    return template


def _mask(**changes) -> str:
    return _fill(_MASKING, **{**_MASK_RIGHT, **changes})


MISTAKES = {
    "ex1_answer": [
        Mistake("sentinels counted as present (only real nulls are missing)",
                _engine(TEXT_ABSENT="values.isna()", DATE_ABSENT="values.isna()"),
                visible="sentinels are counted as present"),
        Mistake("sentinels compared without stripping spaces", _engine(TEXT_NORMALISE=".str.lower()"),
                visible="strip spaces"),
        Mistake("the 1900-01-01 date sentinel counted as a real date", _engine(DATE_ABSENT="values.isna()"),
                visible="1900-01-01"),
        Mistake("case-variant duplicate ids missed", _engine(KEY=".str.strip()"), visible="letter case"),
        Mistake("only the later copies of a duplicate fail", _engine(KEEP='"first"'),
                visible="only some rows of a duplicated id"),
        Mistake("absent values judged invalid (gap counted twice)",
                _engine(MATCHES='values.astype("string").str.fullmatch(rule.param).fillna(False).astype(bool)'),
                visible="absent values"),
        Mistake("timeliness judged against today instead of as_of", _engine(NOW='pd.Timestamp.now()'),
                visible="not with today"),
        # holes closed when the hidden tests moved to the grader (issue 10)
        Mistake("validity judged on the value stripped of spaces (the text matches the value as sent)",
                _engine(MATCHES='missing | values.astype("string").str.strip().str.fullmatch(rule.param)'
                                '.fillna(False).astype(bool)'), visible="spaces included"),
        Mistake("validity as a prefix match (str.match) instead of a full match",
                _engine(MATCHES='missing | values.astype("string").str.match(rule.param).fillna(False).astype(bool)')),
        Mistake("validity as a search (str.contains) instead of a full match",
                _engine(MATCHES='missing | values.astype("string").str.contains(rule.param).fillna(False)'
                                '.astype(bool)')),
        Mistake("uniqueness across all sources (the same id in two sources counted as a duplicate)",
                _engine(SCOPE='0')),
        Mistake("absent ids counted as duplicates of each other", _engine(UNIQUE_ABSENT='')),
        Mistake("a missing customer_id passes known_customer (treated like any absent value)",
                _engine(KNOWN="missing | "), visible="missing customer_id"),
        Mistake("timeliness strict: a value exactly at as_of fails", _engine(AT_OR_BEFORE='<')),
        Mistake("timeliness against the lab's AS_OF, not the as_of argument", _engine(NOW='AS_OF')),
        Mistake("'not_before' strict: shipped the moment it was ordered fails", _engine(NOT_BEFORE='>'),
                visible="allows equal times"),
    ],
    "ex2_answer": [
        Mistake("pass rate pooled over all sources", '''
def scorecard(feed, results, rules, stewards):
    long = (results.astype(bool).assign(source=feed["source"])
            .melt(id_vars="source", var_name="rule", value_name="passed")
            .merge(rules[["rule", "column", "dimension"]], on="rule"))
    pooled = long.groupby("rule")["passed"].mean()
    card = (long.groupby(["source", "column", "dimension", "rule"], as_index=False)
            .agg(rows=("passed", "size"), passed=("passed", "sum")))
    card["failed"] = card["rows"] - card["passed"]
    card["pass_rate"] = card["rule"].map(pooled)
    card = card.merge(stewards, on=["source", "column", "dimension"], how="left")
    card["meets_target"] = card["pass_rate"] >= card["target"]
    card = card.assign(gap=card["pass_rate"] - card["target"]).sort_values(
        ["gap", "source", "column", "dimension"], ignore_index=True)
    return card[["source", "column", "dimension", "steward", "rows", "failed", "pass_rate", "target", "meets_target"]]
''', visible="pooled over all sources"),
        Mistake("a line exactly at target counted as missing it (> instead of >=)", '''
def scorecard(feed, results, rules, stewards):
    long = (results.astype(bool).assign(source=feed["source"])
            .melt(id_vars="source", var_name="rule", value_name="passed")
            .merge(rules[["rule", "column", "dimension"]], on="rule"))
    card = (long.groupby(["source", "column", "dimension"], as_index=False)
            .agg(rows=("passed", "size"), passed=("passed", "sum")))
    card["failed"] = card["rows"] - card["passed"]
    card["pass_rate"] = card["passed"] / card["rows"]
    card = card.merge(stewards, on=["source", "column", "dimension"], how="left")
    card["meets_target"] = card["pass_rate"] > card["target"]
    card = card.assign(gap=card["pass_rate"] - card["target"]).sort_values(
        ["gap", "source", "column", "dimension"], ignore_index=True)
    return card[["source", "column", "dimension", "steward", "rows", "failed", "pass_rate", "target", "meets_target"]]
''', visible="exactly at its target"),
        Mistake("stewards joined first, so unchecked lines appear", '''
def scorecard(feed, results, rules, stewards):
    long = (results.astype(bool).assign(source=feed["source"])
            .melt(id_vars="source", var_name="rule", value_name="passed")
            .merge(rules[["rule", "column", "dimension"]], on="rule"))
    card = (long.groupby(["source", "column", "dimension"], as_index=False)
            .agg(rows=("passed", "size"), passed=("passed", "sum")))
    card = stewards.merge(card, on=["source", "column", "dimension"], how="left")
    card["failed"] = card["rows"] - card["passed"]
    card["pass_rate"] = card["passed"] / card["rows"]
    card["meets_target"] = card["pass_rate"] >= card["target"]
    card = card.assign(gap=card["pass_rate"] - card["target"]).sort_values(
        ["gap", "source", "column", "dimension"], ignore_index=True)
    return card[["source", "column", "dimension", "steward", "rows", "failed", "pass_rate", "target", "meets_target"]]
''', visible="no rule checked"),
        Mistake("equal gaps not ordered by source, then column, then dimension",
                _fill(_SCORECARD, ORDER='["gap", "column", "source", "dimension"], ignore_index=True')),
        Mistake("sorted by pass_rate, not by the gap to target",
                _fill(_SCORECARD, ORDER='["pass_rate", "source", "column", "dimension"], ignore_index=True'),
                visible="the order is not"),
        Mistake("sorted, but the index is not reset to 0, 1, 2...",
                _fill(_SCORECARD, ORDER='["gap", "source", "column", "dimension"]')),
    ],
    "ex3_answer": [
        Mistake("below_target counts the lines that meet the target", '''
def steward_summary(card):
    out = card.groupby("steward").agg(lines=("meets_target", "size"),
                                      below_target=("meets_target", lambda m: int(m.astype(bool).sum())))
    out["share_met"] = 1 - out["below_target"] / out["lines"]
    out = out.reset_index().sort_values(["below_target", "steward"], ascending=[False, True])
    return out.set_index("steward")
''', visible="counts the lines that meet"),
        Mistake("sorted alphabetically only", '''
def steward_summary(card):
    out = card.groupby("steward").agg(lines=("meets_target", "size"),
                                      below_target=("meets_target", lambda m: int((~m.astype(bool)).sum())))
    out["share_met"] = 1 - out["below_target"] / out["lines"]
    return out
''', visible="order is not"),
        Mistake("ties ordered by steward name from Z to A", '''
def steward_summary(card):
    out = card.groupby("steward").agg(lines=("meets_target", "size"),
                                      below_target=("meets_target", lambda m: int((~m.astype(bool)).sum())))
    out["share_met"] = 1 - out["below_target"] / out["lines"]
    return out.reset_index().sort_values(["below_target", "steward"], ascending=False).set_index("steward")
''', visible="order is not"),
    ],
    "ex4_answer": [
        Mistake("age measured against today instead of as_of", '''
def feed_freshness(loads, sources, as_of):
    now = pd.Timestamp.now()
    done = loads[loads["status"] == "succeeded"]
    last = done.groupby("source")["finished_at"].max()
    out = sources.set_index("source")[["freshness_sla_hours"]].rename(columns={"freshness_sla_hours": "sla_hours"})
    out["last_success_at"] = last.reindex(out.index)
    out["age_hours"] = ((now - out["last_success_at"]) / pd.Timedelta(hours=1)).fillna(np.inf)
    out["stale"] = out["age_hours"] > out["sla_hours"]
    return out[["last_success_at", "age_hours", "sla_hours", "stale"]]
''', visible="not at today"),
        Mistake("failed loads counted as fresh", '''
def feed_freshness(loads, sources, as_of):
    done = loads[loads["finished_at"] <= as_of]
    last = done.groupby("source")["finished_at"].max()
    out = sources.set_index("source")[["freshness_sla_hours"]].rename(columns={"freshness_sla_hours": "sla_hours"})
    out["last_success_at"] = last.reindex(out.index)
    out["age_hours"] = ((as_of - out["last_success_at"]) / pd.Timedelta(hours=1)).fillna(np.inf)
    out["stale"] = out["age_hours"] > out["sla_hours"]
    return out[["last_success_at", "age_hours", "sla_hours", "stale"]]
''', visible="failed load"),
        Mistake("one 24-hour SLA for every feed", '''
def feed_freshness(loads, sources, as_of):
    done = loads[(loads["status"] == "succeeded") & (loads["finished_at"] <= as_of)]
    last = done.groupby("source")["finished_at"].max()
    out = sources.set_index("source")[["freshness_sla_hours"]].rename(columns={"freshness_sla_hours": "sla_hours"})
    out["last_success_at"] = last.reindex(out.index)
    out["age_hours"] = ((as_of - out["last_success_at"]) / pd.Timedelta(hours=1)).fillna(np.inf)
    out["stale"] = out["age_hours"] > 24
    return out[["last_success_at", "age_hours", "sla_hours", "stale"]]
''', visible="its own freshness_sla_hours"),
        Mistake("a feed exactly at its SLA counted as stale (>=)",
                _fill(_FRESHNESS, DONE='loads["finished_at"] <= as_of', NOW="as_of", STALE=">=")),
        Mistake("loads kept by when they started, not when they finished (a running load counts)",
                _fill(_FRESHNESS, DONE='loads["started_at"] <= as_of', NOW="as_of", STALE=">")),
        Mistake("a load that finishes exactly at as_of not counted (< instead of <=)",
                _fill(_FRESHNESS, DONE='loads["finished_at"] < as_of', NOW="as_of", STALE=">")),
        Mistake("age measured from the lab's AS_OF, not the as_of argument",
                _fill(_FRESHNESS, DONE='loads["finished_at"] <= AS_OF', NOW="AS_OF", STALE=">")),
    ],
    "ex5_answer": [
        Mistake("missing verified treated as verified", '''
def quarantine(profiles, freshness):
    stale = set(freshness.index[freshness["stale"].astype(bool)])
    unverified = profiles["verified"].fillna(True).astype(bool) == False  # noqa: E712
    held = profiles[profiles["source"].isin(stale) | unverified]
    reason = np.where(held["source"].isin(stale), "stale feed", "unverified")
    out = pd.DataFrame({"feed_row_id": held["feed_row_id"], "source": held["source"],
                        "customer_id": held["customer_id"], "reason": reason})
    return out.sort_values("feed_row_id").set_index("feed_row_id")
''', visible="verified` is missing"),
        Mistake("only stale feeds held", '''
def quarantine(profiles, freshness):
    stale = set(freshness.index[freshness["stale"].astype(bool)])
    held = profiles[profiles["source"].isin(stale)]
    out = pd.DataFrame({"feed_row_id": held["feed_row_id"], "source": held["source"],
                        "customer_id": held["customer_id"], "reason": "stale feed"})
    return out.sort_values("feed_row_id").set_index("feed_row_id")
''', visible="unverified profile from a fresh feed"),
        Mistake("reason priority reversed", '''
def quarantine(profiles, freshness):
    stale = set(freshness.index[freshness["stale"].astype(bool)])
    unverified = ~profiles["verified"].fillna(False).astype(bool)
    held = profiles[profiles["source"].isin(stale) | unverified]
    reason = np.where(~held["verified"].fillna(False).astype(bool), "unverified", "stale feed")
    out = pd.DataFrame({"feed_row_id": held["feed_row_id"], "source": held["source"],
                        "customer_id": held["customer_id"], "reason": reason})
    return out.sort_values("feed_row_id").set_index("feed_row_id")
''', visible="first reason"),
        Mistake("only the first stale feed is held",
                _fill(_QUARANTINE, STALE='set(freshness.index[freshness["stale"].astype(bool)][:1])')),
        Mistake("the stale feed written in by name (the default world's)", _fill(_QUARANTINE, STALE='{"loyalty"}')),
    ],
    "ex6_answer": [
        Mistake("an unknown role returns an empty table", '''
def mask_for_role(profiles, policies, role):
    mine = policies[policies["role"] == role]
    access = dict(zip(mine["column"], mine["access"]))
    out = profiles[[c for c in profiles.columns if c in access]].copy()
    for column in [c for c, a in access.items() if a == "masked" and c in out.columns]:
        values = out[column].astype("string")
        if column in ("email", "login"):
            masked = pd.Series(np.where(values.str.contains("@", regex=False).fillna(False),
                                        values.str[0] + "***@" + values.str.split("@").str[-1], "***"),
                               index=out.index)
        elif column == "phone":
            masked = "***" + values.str[-4:]
        else:
            masked = pd.Series("***", index=out.index)
        out[column] = masked.where(values.notna(), None).astype("string")
    return out
''', visible="unknown role returned"),
        Mistake("columns not listed are shown in clear (login leaks the email)", '''
def mask_for_role(profiles, policies, role):
    mine = policies[policies["role"] == role]
    if mine.empty:
        raise ValueError(f"unknown role {role!r}")
    access = dict(zip(mine["column"], mine["access"]))
    out = profiles.copy()
    for column in [c for c, a in access.items() if a == "masked" and c in out.columns]:
        values = out[column].astype("string")
        if column in ("email", "login"):
            masked = pd.Series(np.where(values.str.contains("@", regex=False).fillna(False),
                                        values.str[0] + "***@" + values.str.split("@").str[-1], "***"),
                               index=out.index)
        elif column == "phone":
            masked = "***" + values.str[-4:]
        else:
            masked = pd.Series("***", index=out.index)
        out[column] = masked.where(values.notna(), None).astype("string")
    return out
''', visible="default deny"),
        Mistake("missing values masked into '***'", '''
def mask_for_role(profiles, policies, role):
    mine = policies[policies["role"] == role]
    if mine.empty:
        raise ValueError(f"unknown role {role!r}")
    access = dict(zip(mine["column"], mine["access"]))
    out = profiles[[c for c in profiles.columns if c in access]].copy()
    for column in [c for c, a in access.items() if a == "masked" and c in out.columns]:
        values = out[column].astype("string")
        if column in ("email", "login"):
            masked = np.where(values.str.contains("@", regex=False).fillna(False),
                              values.str[0] + "***@" + values.str.split("@").str[-1], "***")
        elif column == "phone":
            masked = ("***" + values.str[-4:]).fillna("***")
        else:
            masked = "***"
        out[column] = pd.Series(masked, index=out.index).astype("string")
    return out
''', visible="missing value became"),
        Mistake("email domain taken between the first and second '@'",
                _mask(EMAIL_MASK='values.str[0] + "***@" + values.str.split("@").str[1]')),
        Mistake("login masked as '***' instead of with the email mask", _mask(EMAIL_LIKE='("email",)')),
        Mistake("other masked columns (not email, login or phone) shown in clear", _mask(OTHER="values")),
        Mistake("other masked columns turn missing values into '***'",
                _mask(KEEP_MISSING='.where(values.notna() | (column not in ("email", "login", "phone")), None)')),
        Mistake("email mask without the first character",
                _mask(EMAIL_MASK='"***@" + values.str.split("@").str[-1]'), visible="stated format"),
        Mistake("phone mask shows the first 4 characters", _mask(PHONE_MASK='values.str[:4] + "***"'),
                visible="stated format"),
    ],
    "ex7_answer": [
        Mistake("only the direct parents", '''
def trace_upstream(edges, node):
    parents = edges[edges["downstream"] == node]
    out = pd.DataFrame({"node": parents["upstream"], "kind": parents["upstream_kind"], "hops": 1})
    return out.sort_values(["hops", "node"], ignore_index=True)
''', visible="only the direct parents"),
        Mistake("depth-first walk records the first path, not the fewest hops", '''
def trace_upstream(edges, node):
    parents = edges.groupby("downstream")["upstream"].apply(sorted).to_dict()
    kinds = dict(zip(edges["upstream"], edges["upstream_kind"])) | dict(zip(edges["downstream"], edges["downstream_kind"]))
    hops = {}
    def walk(n, depth):
        for p in parents.get(n, []):
            if p not in hops and p != node:
                hops[p] = depth
                walk(p, depth + 1)
    walk(node, 1)
    out = pd.DataFrame({"node": list(hops), "kind": [kinds[n] for n in hops], "hops": list(hops.values())})
    return out.sort_values(["hops", "node"], ignore_index=True)
''', visible="fewest"),
        Mistake("walks downstream instead of upstream", '''
def trace_upstream(edges, node):
    children = edges.groupby("upstream")["downstream"].apply(list).to_dict()
    kinds = dict(zip(edges["upstream"], edges["upstream_kind"])) | dict(zip(edges["downstream"], edges["downstream_kind"]))
    hops, frontier, depth = {}, [node], 0
    while frontier:
        depth += 1
        nxt = []
        for n in frontier:
            for c in children.get(n, []):
                if c not in hops and c != node:
                    hops[c] = depth
                    nxt.append(c)
        frontier = nxt
    out = pd.DataFrame({"node": list(hops), "kind": [kinds[n] for n in hops], "hops": list(hops.values())})
    return out.sort_values(["hops", "node"], ignore_index=True)
''', visible="goes downstream"),
        Mistake("sorted, but the index is not reset to 0, 1, 2...", '''
def trace_upstream(edges, node):
    parents = edges.groupby("downstream")["upstream"].apply(list).to_dict()
    kinds = dict(zip(edges["upstream"], edges["upstream_kind"])) | dict(zip(edges["downstream"], edges["downstream_kind"]))
    hops, frontier, depth = {}, [node], 0
    while frontier:
        depth += 1
        nxt = []
        for child in frontier:
            for parent in parents.get(child, []):
                if parent not in hops and parent != node:
                    hops[parent] = depth
                    nxt.append(parent)
        frontier = nxt
    out = pd.DataFrame({"node": list(hops), "kind": [kinds[n] for n in hops], "hops": list(hops.values())})
    return out.sort_values(["hops", "node"])
'''),
    ],
    "ex8_answer": [
        Mistake("latest change wins whoever made it", '''
def authoritative_values(changes, rights):
    latest = changes.sort_values("changed_at").groupby(["customer_id", "field"]).tail(1)
    return latest.set_index(["customer_id", "field"])[["value", "system", "changed_at"]].sort_index()
''', visible="does not own the field"),
        Mistake("latest row, not latest time (rows are not in time order)", '''
def authoritative_values(changes, rights):
    owners = rights.loc[rights["right"] == "owner", ["field", "system"]]
    allowed = changes.merge(owners, on=["field", "system"])
    latest = allowed.groupby(["customer_id", "field"]).tail(1)
    return latest.set_index(["customer_id", "field"])[["value", "system", "changed_at"]].sort_index()
''', visible="latest changed_at"),
        Mistake("owner looked up by system only (any system that owns some field may write)", '''
def authoritative_values(changes, rights):
    owning = set(rights.loc[rights["right"] == "owner", "system"])
    allowed = changes[changes["system"].isin(owning)]
    latest = allowed.sort_values("changed_at").groupby(["customer_id", "field"]).tail(1)
    return latest.set_index(["customer_id", "field"])[["value", "system", "changed_at"]].sort_index()
''', visible="does not own the field"),
        Mistake("latest by change_id, not by changed_at",
                _fill(_AUTHORITATIVE, OWNERS='rights.loc[rights["right"] == "owner", ["field", "system"]]',
                      LATEST='"change_id"')),
        Mistake("owners written in from the default world's decision rights",
                _fill(_AUTHORITATIVE, LATEST='["changed_at", "change_id"]',
                      OWNERS='pd.DataFrame({"field": ["email", "phone", "billing_address", "credit_limit", '
                             '"marketing_segment", "loyalty_tier"], "system": ["crm", "erp", "erp", "erp", '
                             '"warehouse", "warehouse"]})')),
    ],
}

#: Wrong answers only the visible check catches (none: the grader now also requires errors
#: the task asks for, with ``Case(raises=...)``).
VISIBLE_ONLY: dict = {}
