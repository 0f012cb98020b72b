"""Graded references for Lab 03, *Data quality, lineage and access* (instructor-only).

Each exercise's cases run the learner's function on the full tables of each world (rows
shuffled where an export could come in any order) and on hand-made records at each rule's
edges: a value exactly at ``as_of``, an age exactly equal to an SLA, a load that finishes
exactly at ``as_of`` or after it, an id shared across sources (not a duplicate) and within one
(a duplicate), values that match a pattern only once stripped or only in part, two stale
feeds, masked values of every shape. The references are computed here, by a different
route from the solution notebook where one exists; a failed case names the property that
failed, never a reference value.

Readings the task text spells out (the visible check names the other reading), and the
ones it leaves open, where the grader accepts both:

- ``matches``: the value is matched *as stored*, in full (``re.fullmatch``); spaces around a
  value are not stripped, so ``" ann@ex.com"`` is not a valid email. Stripping belongs to the
  sentinel test (absence) and to ``unique``, where the text says so.
- ``known_customer``: a missing id is not a known customer (it fails), unlike the other tests,
  which absent values pass.
- the masked email's "domain" of a value with more than one ``@``: the part after the last
  ``@`` or after the first one, both accepted.
- a masked phone that is a sentinel (``"N/A"``): ``"***"`` and its last 4 characters, as the
  text says, or ``"***"``, both accepted.
"""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction

import numpy as np
import pandas as pd
from grading import Case, Fail, Graded, expect_frame, expect_type, labels, values_match

#: The lab's constants (the notebook's setup and rules cells; a test compares).
AS_OF = pd.Timestamp("2026-01-01 06:00")
SENTINELS = {"", "n/a", "unknown", "none", "-"}
SENTINEL_DATE = pd.Timestamp("1900-01-01")
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
E164_PATTERN = r"\+[1-9]\d{7,14}"
_RULE_COLUMNS = ["rule", "dimension", "column", "test", "param"]
PROFILE_RULES = pd.DataFrame([
    ("email_present", "completeness", "email", "present", None),
    ("email_format", "validity", "email", "matches", EMAIL_PATTERN),
    ("phone_present", "completeness", "phone", "present", None),
    ("phone_format", "validity", "phone", "matches", E164_PATTERN),
    ("city_present", "completeness", "city", "present", None),
    ("birth_date_present", "completeness", "birth_date", "present", None),
    ("id_unique", "uniqueness", "source_customer_id", "unique", None),
    ("updated_not_future", "timeliness", "updated_at", "not_after_as_of", None),
    ("customer_known", "consistency", "customer_id", "known_customer", None),
], columns=_RULE_COLUMNS)
ORDER_RULES = pd.DataFrame([
    ("order_customer_known", "consistency", "customer_id", "known_customer", None),
    ("shipped_after_ordered", "consistency", "shipped_at", "not_before", "ordered_at"),
], columns=_RULE_COLUMNS)

SECOND = pd.Timedelta(seconds=1)
HOUR = pd.Timedelta(hours=1)
_T = pd.Timestamp


def _plain_index(frame: pd.DataFrame) -> None:
    if labels(frame.index) != list(range(len(frame))):
        raise Fail("the index should be a plain 0, 1, 2... (reset it after sorting)")


# ---- exercise 1: rules as data -------------------------------------------------------------------

#: A text sentinel, by a regular expression rather than by strip-lower-isin as the notebook does.
_SENTINEL_RE = re.compile(r"\s*(?:" + "|".join(re.escape(s) for s in sorted(SENTINELS) if s) + r")?\s*",
                          flags=re.IGNORECASE)


def _is_sentinel(value) -> bool:
    return isinstance(value, str) and _SENTINEL_RE.fullmatch(value) is not None


def _absent(values: pd.Series) -> np.ndarray:
    """Missing, a text sentinel, or the sentinel date (the task's 'absent')."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return (values.isna() | (values == SENTINEL_DATE)).to_numpy(dtype=bool)
    sentinel = np.fromiter((_is_sentinel(v) for v in values.astype(object).to_numpy()), dtype=bool,
                           count=len(values))
    return values.isna().to_numpy(dtype=bool) | sentinel


def _same(got: pd.Series, want: pd.Series) -> np.ndarray:
    """Per row: equal values (missing alike); text compared fast, anything else by ``values_match``."""
    if not (pd.api.types.is_string_dtype(want) and pd.api.types.is_string_dtype(got)):
        return values_match(got, want)
    g, w = got.astype(object).to_numpy(), want.astype(object).to_numpy()
    g_na, w_na = pd.isna(g), pd.isna(w)
    ok = g_na == w_na
    both = ~g_na & ~w_na
    ok[both] = g[both] == w[both]
    return ok


def _rules_ref(feed: pd.DataFrame, rules: pd.DataFrame, as_of, customer_ids) -> pd.DataFrame:
    known = set(pd.Series(customer_ids).tolist())
    out = {}
    for rule, column, test, param in zip(rules["rule"], rules["column"], rules["test"], rules["param"],
                                         strict=True):
        values = feed[column]
        gone = _absent(values)
        if test == "present":
            ok = ~gone
        elif test == "matches":
            pattern = re.compile(param)
            ok = gone | np.array([isinstance(v, str) and pattern.fullmatch(v) is not None
                                  for v in values.astype(object)], dtype=bool)
        elif test == "unique":
            keys = [(s, v.strip().lower()) if isinstance(v, str) else (s, v)
                    for s, v in zip(feed["source"], values.astype(object), strict=True)]
            seen = Counter(k for k, g in zip(keys, gone, strict=True) if not g)
            ok = gone | np.array([seen[k] == 1 for k in keys], dtype=bool)
        elif test == "not_after_as_of":
            ok = gone | (values <= as_of).to_numpy(dtype=bool)
        elif test == "known_customer":
            ok = np.array([v in known for v in values.tolist()], dtype=bool)
        elif test == "not_before":
            other = feed[param]
            ok = gone | _absent(other) | (values >= other).to_numpy(dtype=bool)
        else:
            raise ValueError(f"no reference for the test {test!r}")
        out[rule] = ok
    return pd.DataFrame(out, index=feed.index)


_TEST_WORDS = {
    "present": "a value is present unless it is missing, a text sentinel once stripped and lower-cased, "
               "or SENTINEL_DATE",
    "matches": "an absent value passes; any other value must match the pattern in full, as it was sent "
               "(nothing stripped, nothing left over)",
    "unique": "an absent value passes; a value fails when another row OF THE SAME SOURCE has it too "
              "(stripped, lower-cased), every copy fails, and the same id in two sources is no duplicate",
    "not_after_as_of": "an absent value passes; a value passes when it is at or before the as_of "
                       "argument (exactly as_of passes)",
    "known_customer": "the value must be one of customer_ids (a missing id is not one: it fails)",
    "not_before": "an absent value, or an absent value in the other column, passes; otherwise the "
                  "value must be at or after the other column (equal passes)",
}


def _check_rules(ref: pd.DataFrame, rules: pd.DataFrame):
    tests = dict(zip(rules["rule"], rules["test"], strict=True))

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame of booleans, one column per rule")
        if [str(c) for c in frame.columns] != list(ref.columns):
            raise Fail("the columns should be exactly the rule names, in the order of the rules table")
        if labels(frame.index) != labels(ref.index):
            raise Fail("keep the feed's index, row for row (do not reset or sort it)")
        for rule in ref.columns:
            got = frame[rule]
            if got.isna().any():
                raise Fail(f"rule {rule!r} has missing values: every row passes (True) or fails (False)")
            ok = values_match(got, ref[rule])
            if not ok.all():
                raise Fail(f"rule {rule!r} judges {int((~ok).sum()):,} of {len(ok):,} rows wrongly. "
                           f"Reread the {tests[rule]!r} test: {_TEST_WORDS[tests[rule]]}")
    return check


def _rules_case(label: str, feed, rules, as_of, customer_ids) -> Case:
    return Case(label, (feed, rules, as_of, customer_ids),
                _check_rules(_rules_ref(feed, rules, as_of, customer_ids), rules))


_WORLD_RESULTS: dict[str, pd.DataFrame] = {}


def _profile_results(world) -> pd.DataFrame:
    """The results of PROFILE_RULES on a world's profiles (the reference; computed once per world)."""
    key = str(world.folder.resolve())
    if key not in _WORLD_RESULTS:
        _WORLD_RESULTS[key] = _rules_ref(world.load("profile_feeds"), PROFILE_RULES, AS_OF,
                                         world.load("customers")["customer_id"])
    return _WORLD_RESULTS[key].copy()


def _rules_world(world):
    profiles, orders = world.load("profile_feeds"), world.load("erp_order_feed")
    known = world.load("customers")["customer_id"]
    shuffled = profiles.sample(frac=1, random_state=31)
    ref = _profile_results(world).loc[shuffled.index]
    return [Case("the profile_feeds table with PROFILE_RULES, rows shuffled",
                 (shuffled, PROFILE_RULES.copy(), AS_OF, known), _check_rules(ref, PROFILE_RULES)),
            _rules_case("the erp_order_feed table with ORDER_RULES", orders, ORDER_RULES.copy(), AS_OF, known)]


#: A second as-of moment for the hand-made records (a rule reads its argument, not the lab's AS_OF).
OTHER_AS_OF = _T("2025-06-01 12:00")


def _hand_profiles() -> pd.DataFrame:
    """Hand-made profiles: padded and partly matching values, ids shared within and across
    sources, absent ids, updates exactly at either as-of moment and a second after."""
    a, o = AS_OF, OTHER_AS_OF
    rows = [
        # source,   id,         customer, email,                    phone,                   city,     birth,        updated
        ("crm",     "CRM-1",    1, "ann@ex.com",             "+447700900001",         "Leeds",  "1980-05-01", a),
        ("crm",     "CRM-2",    2, " ann@ex.com",            "+447700900002 ",        "Leeds",  "1981-05-01", a),
        ("crm",     "CRM-3",    3, "bob@ex.com ",            " +447700900003",        "York",   "1982-05-01", a + SECOND),
        ("crm",     "crm-3 ",   4, "ann@ex.com;bob@ex.com",  "+447700900004 ext 12",  "York",   "1983-05-01", a - SECOND),
        ("crm",     "CRM-3",    5, "cy@ex.org\t",            "+4477009000051234567",  "N/A",    "1900-01-01", o),
        ("ecom",    "CRM-1",    1, "dee@ex.co.uk",           "+33612345678",          "Lyon",   "1984-05-01", o + SECOND),
        ("ecom",    "crm-2",    2, "x ann@ex.com",           "0033612345678",         " none ", None,         o - SECOND),
        ("ecom",    "N/A",      3, "N/A",                    "",                      "Paris",  "1985-05-01", a),
        ("ecom",    "n/a ",     3, None,                     None,                    None,     "1986-05-01", pd.NaT),
        ("ecom",    None,       4, "eve@ex.com",             "+4915112345678",        "Berlin", "1987-05-01", "1900-01-01"),
        ("loyalty", "LOY-1",    1, "fay@ex.com",             "+447700900009",         "Hull",   "1988-05-01", a),
        ("loyalty", "LOY-1",    99, "gus@ex",                "+447700900010",         "Hull",   "1989-05-01", o),
        ("loyalty", "WEB-7",    5, "hal@ex.com",             "+447700900011",         "-",      "1990-05-01", a + HOUR),
        ("loyalty", "",         6, "ivy@ex.com",             "+447700900012",         "Leeds",  "1991-05-01", a),
        ("loyalty", " ",        2, "jo@ex.com",              "+447700900013",         "Leeds",  "1992-05-01", a),
        ("loyalty", "LOY-9",    None, "kim@ex.com",          "+447700900014",         "Leeds",  "1993-05-01", a),
    ]
    feed = pd.DataFrame(rows, columns=["source", "source_customer_id", "customer_id", "email", "phone",
                                       "city", "birth_date", "updated_at"])
    feed["birth_date"] = pd.to_datetime(feed["birth_date"])
    feed["updated_at"] = pd.to_datetime(feed["updated_at"])
    feed["customer_id"] = feed["customer_id"].astype("Int64")  # a missing id fails known_customer
    for c in ("source", "source_customer_id", "email", "phone", "city"):
        feed[c] = feed[c].astype("str")
    feed.index = pd.Index([107, 101, 113, 104, 110, 102, 115, 108, 103, 112, 105, 111, 106, 114, 109, 116])
    return feed.sample(frac=1, random_state=3)


def _hand_orders() -> pd.DataFrame:
    t = _T("2025-05-01 10:00")
    rows = [(1, 1, t, t), (2, 2, t, t), (3, 3, t + HOUR, t + HOUR), (4, 4, t, t - SECOND),
            (5, 5, t, t + SECOND), (6, 99, t, pd.NaT), (7, 1, pd.NaT, t), (8, 2, t, _T("1900-01-01")),
            (9, 3, t, t - pd.Timedelta(days=2))]
    orders = pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_at", "shipped_at"])
    orders.insert(1, "source", "erp")
    orders["order_value"] = 100.0
    return orders


def _rules_fixed():
    known = pd.Series([5, 3, 1, 4, 2], index=[40, 41, 42, 43, 44], name="customer_id")
    feed, orders = _hand_profiles(), _hand_orders()
    reversed_rules = PROFILE_RULES.iloc[::-1].copy()
    return [
        _rules_case("hand-made profiles: values padded with spaces or matching only in part, ids shared "
                    "within a source and across sources, missing ids, updates exactly at as_of and a "
                    "second after", feed, PROFILE_RULES.copy(), AS_OF, known),
        _rules_case("the same hand-made profiles with another as_of argument", feed, PROFILE_RULES.copy(),
                    OTHER_AS_OF, known),
        _rules_case("the same hand-made profiles with the rules table in another order", feed,
                    reversed_rules, AS_OF, known),
        _rules_case("hand-made orders shipped the moment they were ordered, a second before or after, "
                    "or with a date missing", orders, ORDER_RULES.copy(), AS_OF, known),
    ]


# ---- exercise 2: the scorecard -------------------------------------------------------------------

CARD_KEYS = ["source", "column", "dimension"]
CARD_VALUES = ["steward", "rows", "failed", "pass_rate", "target", "meets_target"]


def _card_ref(feed, results, rules, stewards) -> tuple[pd.DataFrame, list, dict]:
    """The scorecard keyed by (source, column, dimension), the line order the task asks for, and
    each line's exact gap to target (fractions: equal gaps are ties, whatever the float route)."""
    lines = {(s, c, d): (w, t) for s, c, d, w, t in
             stewards[CARD_KEYS + ["steward", "target"]].itertuples(index=False)}
    sources = feed["source"].to_numpy()
    rows, order = [], []
    for source in sorted(set(sources)):
        mine = sources == source
        for rule, column, dimension in rules[["rule", "column", "dimension"]].itertuples(index=False):
            passed = np.asarray(results[rule], dtype=bool)[mine]
            steward, target = lines[(source, column, dimension)]
            n, ok = len(passed), int(passed.sum())
            rows.append((source, column, dimension, steward, n, n - ok, ok / n, target, ok / n >= target))
            order.append((Fraction(ok, n) - Fraction(target), source, column, dimension))
    ref = pd.DataFrame(rows, columns=CARD_KEYS + CARD_VALUES).set_index(CARD_KEYS)
    return ref, [key[1:] for key in sorted(order)], {key[1:]: key[0] for key in order}


def _check_card(ref, order, gaps):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with one row per (source, column, dimension)")
        missing = [c for c in CARD_KEYS + CARD_VALUES if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        expect_frame(frame.set_index(CARD_KEYS), ref, columns=CARD_VALUES, rtol=1e-9,
                     index_name="the (source, column, dimension) lines")
        got = [tuple(k) for k in frame[CARD_KEYS].astype(str).itertuples(index=False)]
        if got != order:
            steps = [gaps[a] <= gaps[b] for a, b in zip(got, got[1:], strict=False)]
            if all(steps):
                raise Fail("lines with the same pass_rate - target are not in order: ties go by source, "
                           "then column, then dimension")
            raise Fail("the rows should be sorted by pass_rate - target, worst (most negative) first")
        _plain_index(frame)
    return check


def _card_case(label, feed, results, rules, stewards) -> Case:
    return Case(label, (feed, results, rules, stewards), _check_card(*_card_ref(feed, results, rules, stewards)))


def _card_world(world):
    profiles, stewards = world.load("profile_feeds"), world.load("data_stewards")
    rng = np.random.default_rng(2)
    rules = PROFILE_RULES.copy()
    noisy = pd.DataFrame({r: rng.random(len(profiles)) > rng.uniform(0.0, 0.06) for r in rules["rule"]},
                         index=profiles.index)
    real = _profile_results(world)
    return [_card_case("the profile_feeds table with random rule results", profiles, noisy, rules, stewards),
            _card_case("the profile_feeds table with the results of PROFILE_RULES", profiles, real, rules,
                       stewards)]


def _card_fixed():
    index = pd.Index([31, 7, 12, 40, 3, 25, 18, 9, 14, 22, 5])
    feed = pd.DataFrame({"source": ["crm"] * 4 + ["ecom"] * 2 + ["loyalty"] * 5}, index=index)
    results = pd.DataFrame({
        "email_present": [True, False, True, True, True, True, True, True, True, True, True],
        "email_format": [True, True, True, True, False, True, True, False, True, True, True],
        "phone_present": [True, True, True, True, False, True, False, True, False, True, True],
    }, index=index)
    rules = PROFILE_RULES[PROFILE_RULES["rule"].isin(results.columns)].reset_index(drop=True)
    stewards = pd.DataFrame([
        ("loyalty", "phone", "completeness", "loyalty_team", 0.97),
        ("crm", "email", "completeness", "marketing_ops", 0.75),
        ("ecom", "email", "validity", "ecommerce_ops", 0.5),
        ("crm", "city", "completeness", "marketing_ops", 0.9),
        ("crm", "phone", "completeness", "marketing_ops", 0.9),
        ("ecom", "email", "completeness", "ecommerce_ops", 0.9),
        ("loyalty", "email", "completeness", "loyalty_team", 0.95),
        ("crm", "email", "validity", "data_office", 1.0),
        ("ecom", "phone", "completeness", "ecommerce_ops", 0.9),
        ("loyalty", "email", "validity", "loyalty_team", 0.98),
    ], columns=CARD_KEYS + ["steward", "target"])
    # lines exactly at their target (3/4 against 0.75, 1/2 against 0.5, 4/4 against 1.0) and
    # lines with equal gaps in two sources, ordered by source before column
    return [_card_case("hand-made results with lines exactly at their target, equal gaps to target, and "
                       "a steward line no rule checks", feed, results, rules, stewards)]


# ---- exercise 3: per steward ---------------------------------------------------------------------

def _stewards_ref(card: pd.DataFrame) -> pd.DataFrame:
    met = card["meets_target"].astype(bool)
    ref = pd.DataFrame({"lines": card["steward"].value_counts(),
                        "below_target": (~met).groupby(card["steward"]).sum()})
    ref["share_met"] = 1 - ref["below_target"] / ref["lines"]
    ref = ref.rename_axis("steward").reset_index()
    return ref.sort_values(["below_target", "steward"], ascending=[False, True]).set_index("steward")


def _check_stewards(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by steward")
        expect_frame(frame, ref, index_name="the index (steward)")
        if labels(frame.index) != labels(ref.index):
            raise Fail("the rows should be sorted by below_target, most first, ties by steward name (A to Z)")
    return check


def _stewards_world(world):
    st = world.load("data_stewards")
    rng = np.random.default_rng(3)
    card = st.assign(pass_rate=rng.uniform(0.85, 1.0, len(st)))
    card["meets_target"] = card["pass_rate"] >= card["target"]
    scorecard = _card_ref(world.load("profile_feeds"), _profile_results(world), PROFILE_RULES, st)[0]
    scorecard = scorecard.reset_index()
    return [Case("the data_stewards table with random pass rates, rows shuffled",
                 (card.sample(frac=1, random_state=3),), _check_stewards(_stewards_ref(card))),
            Case("the scorecard of PROFILE_RULES on the profile_feeds table",
                 (scorecard,), _check_stewards(_stewards_ref(scorecard)))]


def _stewards_fixed():
    rows = [("ecommerce_ops", False), ("service_ops", True), ("data_office", False), ("marketing_ops", True),
            ("finance_ops", False), ("ecommerce_ops", True), ("service_ops", False), ("loyalty_team", True),
            ("data_office", True), ("ecommerce_ops", False), ("service_ops", True), ("marketing_ops", True),
            ("ecommerce_ops", True), ("loyalty_team", True)]
    card = pd.DataFrame(rows, columns=["steward", "meets_target"])
    card.insert(0, "source", "crm")
    card["pass_rate"] = np.where(card["meets_target"], 0.99, 0.9)
    card["target"] = 0.95
    return [Case("a hand-made scorecard where three stewards miss one line each and two miss none",
                 (card,), _check_stewards(_stewards_ref(card)))]


# ---- exercise 4: freshness -----------------------------------------------------------------------

def _fresh_ref(loads: pd.DataFrame, sources: pd.DataFrame, as_of) -> pd.DataFrame:
    done = loads[loads["status"].eq("succeeded") & (loads["finished_at"] <= as_of)]
    last = done.sort_values("finished_at").drop_duplicates("source", keep="last").set_index("source")["finished_at"]
    ref = pd.DataFrame(index=pd.Index(sources["source"], name="source"))
    ref["last_success_at"] = last.reindex(ref.index)
    ref["age_hours"] = ((as_of - ref["last_success_at"]).dt.total_seconds() / 3600).fillna(np.inf)
    ref["sla_hours"] = sources.set_index("source")["freshness_sla_hours"].astype(float)
    ref["stale"] = ref["age_hours"] > ref["sla_hours"]
    return ref


def _check_fresh(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by source")
        expect_frame(frame, ref, index_name="the index (source, one row per feed in sources)",
                     columns=["last_success_at", "age_hours", "sla_hours"], rtol=1e-9)
        if "stale" not in frame.columns:
            raise Fail("the result is missing column(s) ['stale']")
        position = {k: i for i, k in enumerate(labels(frame.index))}
        stale = frame["stale"].iloc[[position[k] for k in labels(ref.index)]]
        ok = values_match(stale, ref["stale"])
        if not ok.all():
            raise Fail(f"'stale' is wrong for {int((~ok).sum())} feed(s): a feed is stale when age_hours is "
                       "MORE than sla_hours (a feed exactly at its SLA is not stale)")
    return check


def _fresh_case(label, loads, sources, as_of) -> Case:
    return Case(label, (loads, sources, as_of), _check_fresh(_fresh_ref(loads, sources, as_of)))


def _fresh_world(world):
    loads, sources = world.load("feed_loads"), world.load("feed_sources")
    at_as_of = _fresh_ref(loads, sources, AS_OF)
    stale = at_as_of.index[at_as_of["stale"]][0]
    boundary = at_as_of.at[stale, "last_success_at"] + pd.Timedelta(hours=float(at_as_of.at[stale, "sla_hours"]))
    shuffled = loads.sample(frac=1, random_state=4)
    return [_fresh_case("the feed_loads and feed_sources tables, rows shuffled", shuffled, sources, AS_OF),
            _fresh_case("the same tables at an as-of moment exactly one SLA after a feed's last successful "
                        "load", shuffled, sources, boundary),
            _fresh_case("the same tables one second after that moment", shuffled, sources, boundary + SECOND)]


def _fresh_fixed():
    as_of = _T("2025-11-15 08:00")
    rows = [
        ("crm", as_of - pd.Timedelta(hours=25), as_of - pd.Timedelta(hours=24), "succeeded"),
        ("crm", as_of - pd.Timedelta(hours=2), as_of - HOUR, "failed"),
        ("support", as_of - pd.Timedelta(hours=100), as_of - pd.Timedelta(hours=96), "succeeded"),
        ("support", as_of - pd.Timedelta(hours=49), as_of - pd.Timedelta(hours=48), "succeeded"),
        ("loyalty", as_of - pd.Timedelta(hours=25), as_of - pd.Timedelta(hours=24) - SECOND, "succeeded"),
        ("loyalty", as_of - pd.Timedelta(hours=3), as_of - pd.Timedelta(hours=2), "failed"),
        ("ecom", as_of - pd.Timedelta(hours=4), as_of - pd.Timedelta(hours=3), "succeeded"),
        ("ecom", as_of - pd.Timedelta(minutes=10), as_of + pd.Timedelta(minutes=20), "succeeded"),
        ("ecom", as_of + HOUR, as_of + 2 * HOUR, "succeeded"),
        ("erp", as_of - pd.Timedelta(hours=30), as_of - pd.Timedelta(hours=29), "failed"),
        ("erp", as_of - pd.Timedelta(hours=6), as_of - pd.Timedelta(hours=5), "failed"),
        ("legacy", as_of - pd.Timedelta(hours=6), as_of - pd.Timedelta(hours=5), "succeeded"),
    ]
    loads = pd.DataFrame(rows, columns=["source", "started_at", "finished_at", "status"])
    loads.insert(0, "load_id", range(1, len(loads) + 1))
    loads["rows_loaded"] = np.where(loads["status"] == "succeeded", 100, 0)
    loads = loads.sample(frac=1, random_state=6)
    sources = pd.DataFrame({"source": ["crm", "ecom", "loyalty", "support", "erp", "web_events"],
                            "system": ["CRM", "shop", "loyalty", "desk", "ERP", "tag manager"],
                            "steward": ["a", "b", "c", "d", "e", "f"],
                            "freshness_sla_hours": [24.0, 12.0, 24.0, 48.0, 24.0, 6.0]})
    finishes = as_of + pd.Timedelta(minutes=20)
    return [_fresh_case("hand-made loads: two feeds exactly at their SLA, one a second past it, a load still "
                        "running at as_of, a feed with only failed loads and one with none", loads, sources, as_of),
            _fresh_case("the same hand-made loads at the very moment a load finishes", loads, sources, finishes)]


# ---- exercise 5: quarantine ----------------------------------------------------------------------

def _held_ref(profiles: pd.DataFrame, freshness: pd.DataFrame) -> pd.DataFrame:
    stale = {s for s, x in zip(freshness.index, freshness["stale"], strict=True) if bool(x)}
    verified = [v is True or (isinstance(v, (bool, np.bool_)) and bool(v)) for v in profiles["verified"].astype(object)]
    reason = ["stale feed" if s in stale else None if ok else "unverified"
              for s, ok in zip(profiles["source"], verified, strict=True)]
    ref = pd.DataFrame({"source": profiles["source"].to_numpy(), "customer_id": profiles["customer_id"].to_numpy(),
                        "reason": reason}, index=pd.Index(profiles["feed_row_id"].to_numpy(), name="feed_row_id"))
    return ref[ref["reason"].notna()].sort_index()


def _check_held(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by feed_row_id")
        got, want = set(labels(frame.index)), set(labels(ref.index))
        if got != want:
            raise Fail(f"{len(got - want):,} profiles are held that should not be and {len(want - got):,} are "
                       "missed: hold every profile from a stale feed and every profile not verified "
                       "(False or missing)")
        expect_frame(frame, ref, index_name="the index (feed_row_id)")
        if labels(frame.index) != sorted(labels(frame.index)):
            raise Fail("the rows should be sorted by feed_row_id, ascending")
    return check


def _freshness_as_if(fresh: pd.DataFrame, source: str, stale: bool) -> pd.DataFrame:
    """``fresh`` with ``source`` made stale (or fresh): a consistent freshness row."""
    out = fresh.copy()
    age = float(out.at[source, "sla_hours"]) + 6.0 if stale else 2.0
    out.at[source, "last_success_at"] = AS_OF - pd.Timedelta(hours=age)
    out.at[source, "age_hours"] = age
    out.at[source, "stale"] = stale
    return out


def _held_world(world):
    profiles = world.load("profile_feeds")
    fresh = _fresh_ref(world.load("feed_loads"), world.load("feed_sources"), AS_OF)
    stale = [s for s in fresh.index if fresh.at[s, "stale"]]
    other = next(s for s in sorted(set(profiles["source"])) if s not in stale)
    two = _freshness_as_if(fresh, other, True)
    none = fresh
    for s in stale:
        none = _freshness_as_if(none, s, False)
    shuffled = profiles.sample(frac=1, random_state=5)
    return [Case("the profile_feeds table, rows shuffled, with the freshness at AS_OF", (shuffled, fresh),
                 _check_held(_held_ref(profiles, fresh))),
            Case("the same profiles with a freshness table in which two profile feeds are stale",
                 (shuffled, two), _check_held(_held_ref(profiles, two))),
            Case("the same profiles with a freshness table in which no feed is stale", (shuffled, none),
                 _check_held(_held_ref(profiles, none)))]


def _held_fixed():
    rows = [(12, "crm", 120, True), (3, "crm", 30, False), (8, "crm", 80, pd.NA), (15, "loyalty", 150, True),
            (1, "loyalty", 10, False), (6, "loyalty", 60, pd.NA), (20, "ecom", 200, True), (9, "ecom", 90, False),
            (4, "support", 40, pd.NA), (11, "support", 110, True), (2, "support", 20, False)]
    profiles = pd.DataFrame(rows, columns=["feed_row_id", "source", "customer_id", "verified"])
    profiles["verified"] = profiles["verified"].astype("boolean")
    fresh = pd.DataFrame({"last_success_at": pd.to_datetime(["2026-01-01 01:00", "2025-12-31 10:00",
                                                             "2025-12-28 02:00", "2025-12-31 03:00", None]),
                          "age_hours": [5.0, 20.0, 100.0, 27.0, np.inf], "sla_hours": [24.0, 12.0, 24.0, 48.0, 24.0]},
                         index=pd.Index(["crm", "ecom", "loyalty", "support", "erp"], name="source"))
    fresh["stale"] = fresh["age_hours"] > fresh["sla_hours"]
    return [Case("hand-made profiles from two stale feeds and two fresh ones, verified True, False or missing",
                 (profiles, fresh), _check_held(_held_ref(profiles, fresh)))]


# ---- exercise 6: masking -------------------------------------------------------------------------

_EMAIL_LIKE = ("email", "login")


def _masks(values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Two masked forms per value of ``column`` the task text allows (equal where it allows one);
    None where the value is missing."""
    missing = values.isna().to_numpy()
    if column in _EMAIL_LIKE or column == "phone":
        text = values.astype(object).where(~missing, None).astype("string")
        if column == "phone":
            one = ("***" + text.str[-4:]).astype(object)
            two = one.where(~pd.Series(_absent(text), index=text.index), "***")
        else:
            at = text.str.contains("@", regex=False).fillna(False).to_numpy(dtype=bool)
            head = text.str[0]
            one = (head + "***@" + text.str.rpartition("@")[2]).astype(object).where(at, "***")
            two = (head + "***@" + text.str.partition("@")[2]).astype(object).where(at, "***")
        forms = one.to_numpy(dtype=object, copy=True), two.to_numpy(dtype=object, copy=True)
    else:
        forms = np.full(len(values), "***", dtype=object), np.full(len(values), "***", dtype=object)
    for form in forms:
        form[missing] = None
    return forms


_MASK_WORDS = {"email": "the first character, '***@' and the domain; '***' when there is no '@'",
               "login": "the first character, '***@' and the domain; '***' when there is no '@'",
               "phone": "'***' and the last 4 characters"}


def _check_mask(profiles: pd.DataFrame, policies: pd.DataFrame, role: str):
    mine = dict(zip(policies.loc[policies["role"] == role, "column"],
                    policies.loc[policies["role"] == role, "access"], strict=True))
    columns = [c for c in profiles.columns if c in mine]
    emails = {x.lower() for x in profiles["email"].dropna().astype(str) if "@" in x} \
        if "email" in profiles.columns and mine.get("email") != "clear" else set()
    allowed = {c: _masks(profiles[c], c) for c in columns if mine[c] == "masked"}

    def check(answer):
        frame = expect_type(answer, pd.DataFrame, f"a DataFrame of the columns {role!r} may see")
        if [str(c) for c in frame.columns] != columns:
            raise Fail(f"{role}: the columns should be exactly those listed for the role, in the profiles' "
                       "column order (a column not listed is hidden)")
        if labels(frame.index) != labels(profiles.index):
            raise Fail(f"{role}: keep every profile row and its index, in order")
        for c in columns:
            got = frame[c]
            if mine[c] == "clear":
                ok = _same(got, profiles[c])
                if not ok.all():
                    raise Fail(f"{role}: the clear column {c!r} is changed in {int((~ok).sum()):,} rows; "
                               "show clear columns as they are")
                continue
            one, two = allowed[c]
            gone = got.isna().to_numpy()
            if not (gone == pd.isna(one)).all():
                raise Fail(f"{role}: in the masked column {c!r}, missing values should stay missing, and "
                           "only those")
            shown = got.astype(object).to_numpy()
            raw = profiles[c].astype(object).to_numpy()
            if (shown[~gone] == raw[~gone]).any():
                raise Fail(f"{role}: the masked column {c!r} shows values in clear")
            bad = int((~((shown[~gone] == one[~gone]) | (shown[~gone] == two[~gone]))).sum())
            if bad:
                raise Fail(f"{role}: {bad:,} values of the masked column {c!r} are not in the stated form: "
                           f"{_MASK_WORDS.get(c, '***')}")
        for c in columns:
            if mine[c] == "clear" or not emails:
                continue
            leak = sum(str(v).lower() in emails for v in frame[c].dropna().astype(object).to_numpy())
            if leak:
                raise Fail(f"{role}: column {c!r} shows {leak:,} full email addresses")
    return check


def _mask_world(world):
    profiles, policies = world.load("profile_feeds"), world.load("access_policies")
    return [Case(f"the profile_feeds table as the role {role!r}", (profiles, policies, role),
                 _check_mask(profiles, policies, role)) for role in sorted(policies["role"].unique())]


def _mask_fixed():
    profiles = pd.DataFrame({
        "feed_row_id": [1, 2, 3, 4, 5, 6],
        "source": ["crm", "ecom", "crm", "ecom", "support", "crm"],
        "customer_id": [10, 20, 30, 40, 50, 60],
        "email": ["ann@example.com", "x@@shop.fr", "N/A", "", None, "Zoe.Smith@Example.COM"],
        "phone": ["+447700900001", "12", None, "N/A", "+33 6 12 34 56 78", "+4915112345678"],
        "login": ["ann@example.com", "bobby", None, "cy@shop.fr", "dee@x.org", "zoe"],
        "city": ["Leeds", None, "Lyon", "", "Paris", "Bonn"],
        "birth_date": pd.to_datetime(["1980-05-01", None, "1900-01-01", "1990-01-01", "1975-02-02", None]),
        "verified": pd.array([True, pd.NA, False, True, True, False], dtype="boolean"),
    }, index=pd.Index([10, 11, 12, 13, 14, 15]))
    for c in ("source", "email", "phone", "login", "city"):
        profiles[c] = profiles[c].astype("str")
    policies = pd.DataFrame([
        ("auditor", "verified", "clear"), ("auditor", "birth_date", "masked"), ("auditor", "city", "masked"),
        ("auditor", "login", "masked"), ("auditor", "phone", "masked"), ("auditor", "email", "masked"),
        ("auditor", "customer_id", "masked"), ("auditor", "feed_row_id", "clear"),
        ("agent", "phone", "clear"), ("agent", "email", "clear"), ("agent", "source", "clear"),
    ], columns=["role", "column", "access"])
    return [Case("hand-made profiles for a role that masks contacts, a city, a date and an id (policy "
                 "listed in another column order)", (profiles, policies, "auditor"),
                 _check_mask(profiles, policies, "auditor")),
            Case("hand-made profiles for a role that sees contacts in clear", (profiles, policies, "agent"),
                 _check_mask(profiles, policies, "agent")),
            Case("hand-made profiles for a role that is not in the policy table (the task: raise "
                 "ValueError)", (profiles, policies, "intern"), raises="ValueError")]


# ---- exercise 7: lineage -------------------------------------------------------------------------

def _trace_ref(edges: pd.DataFrame, node: str) -> pd.DataFrame:
    """Repeated joins of the edge list: the fewest hops per node (breadth first, by levels)."""
    dist, level, d = {node: 0}, {node}, 0
    while level:
        d += 1
        up = set(edges.loc[edges["downstream"].isin(level), "upstream"]) - set(dist)
        dist.update({n: d for n in up})
        level = up
    dist.pop(node)
    kinds = dict(zip(edges["downstream"], edges["downstream_kind"], strict=True))
    kinds.update(zip(edges["upstream"], edges["upstream_kind"], strict=True))
    ref = pd.DataFrame({"node": list(dist), "kind": [kinds[n] for n in dist], "hops": list(dist.values())},
                       columns=["node", "kind", "hops"])
    return ref.sort_values(["hops", "node"], ignore_index=True)


def _check_trace(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame with columns node, kind and hops")
        if ref.empty:
            if len(frame):
                raise Fail("nothing is upstream of this node, so the result should have no rows")
            return
        missing = [c for c in ref.columns if c not in frame.columns]
        if missing:
            raise Fail(f"the result is missing column(s) {missing}")
        nodes = [str(n) for n in frame["node"]]
        if len(set(nodes)) != len(nodes):
            raise Fail("a node appears more than once: one row per upstream node")
        if set(nodes) != set(ref["node"]):
            extra, gone = len(set(nodes) - set(ref["node"])), len(set(ref["node"]) - set(nodes))
            raise Fail(f"the upstream nodes are not right ({extra} should not be there, {gone} are missing): "
                       "walk from each node to its parents until nothing new appears, and leave the node itself out")
        expect_frame(frame.set_index("node"), ref.set_index("node"), index_name="the nodes")
        if nodes != list(ref["node"]):
            raise Fail("the rows should be sorted by hops, then node name")
        _plain_index(frame)
    return check


def _trace_world(world):
    edges = world.load("lineage_edges")
    shuffled = edges.sample(frac=1, random_state=7)
    return [Case(f"the lineage_edges table, rows shuffled, traced from {node}", (shuffled, node),
                 _check_trace(_trace_ref(edges, node)))
            for node in ("next_best_offer", "auto_refund", "churn_dashboard", "customer_features")]


def _trace_fixed():
    toy = pd.DataFrame([("x", "b", "dataset", "dataset"), ("b", "d", "dataset", "decision"),
                        ("x", "d", "dataset", "decision"), ("a", "x", "feed", "dataset")],
                       columns=["upstream", "downstream", "upstream_kind", "downstream_kind"])
    loop = pd.DataFrame([("f", "s", "feed", "dataset"), ("s", "m", "dataset", "model"),
                         ("m", "d", "model", "decision"), ("d", "o", "decision", "dataset"),
                         ("o", "m", "dataset", "model"), ("g", "o", "feed", "dataset")],
                        columns=toy.columns)
    cases = [Case(f"a hand-made lineage where a parent is also a grandparent (edges in {how} order)",
                  (toy.iloc[order].reset_index(drop=True), "d"), _check_trace(_trace_ref(toy, "d")))
             for how, order in (("one", [0, 1, 2, 3]), ("the reverse", [3, 2, 1, 0]))]
    cases.append(Case("a hand-made lineage traced from a node inside a loop", (loop, "m"),
                      _check_trace(_trace_ref(loop, "m"))))
    cases.append(Case("a hand-made lineage traced from a source feed", (loop, "f"), _check_trace(_trace_ref(loop, "f"))))
    return cases


# ---- exercise 8: decision rights -----------------------------------------------------------------

def _auth_ref(changes: pd.DataFrame, rights: pd.DataFrame) -> pd.DataFrame:
    own = {f: s for f, s, x in rights[["field", "system", "right"]].itertuples(index=False) if x == "owner"}
    ok = changes[changes["system"] == changes["field"].map(own)]
    idx = ok.groupby(["customer_id", "field"])["changed_at"].idxmax()
    return ok.loc[idx].set_index(["customer_id", "field"])[["value", "system", "changed_at"]].sort_index()


def _check_auth(ref):
    def check(answer):
        frame = expect_type(answer, pd.DataFrame, "a DataFrame indexed by (customer_id, field)")
        if frame.index.nlevels != 2:
            raise Fail("the index should have two levels, (customer_id, field)")
        expect_frame(frame, ref, index_name="the index (customer_id, field)")
    return check


def _rights_moved(rights: pd.DataFrame) -> pd.DataFrame:
    """Other decision rights: the phone moves between CRM and ERP, the segment to the CRM."""
    owner = rights[rights["right"] == "owner"].set_index("field")["system"].to_dict()
    owner["phone"] = "erp" if owner["phone"] == "crm" else "crm"
    owner["marketing_segment"] = "crm"
    out = rights.copy()
    out["right"] = ["owner" if owner[f] == s else "read" for f, s in zip(out["field"], out["system"], strict=True)]
    return out


def _auth_world(world):
    changes, rights = world.load("field_changes"), world.load("field_rights")
    moved = _rights_moved(rights)
    shuffled = changes.sample(frac=1, random_state=8)
    return [Case("the field_changes and field_rights tables, rows shuffled", (shuffled, rights),
                 _check_auth(_auth_ref(changes, rights))),
            Case("the same changes with other decision rights (another system owns the phone number and "
                 "the marketing segment)", (shuffled, moved), _check_auth(_auth_ref(changes, moved)))]


def _auth_fixed():
    rights = pd.DataFrame([("email", "crm", "owner"), ("email", "erp", "read"), ("email", "warehouse", "read"),
                           ("credit_limit", "crm", "read"), ("credit_limit", "erp", "owner"),
                           ("credit_limit", "warehouse", "read")], columns=["field", "system", "right"])
    rows = [(9, 1, "email", "crm", "2025-01-01", "a@x.com"), (1, 1, "email", "crm", "2025-03-01", "a2@x.com"),
            (2, 1, "email", "warehouse", "2025-04-01", "wrong@x.com"),
            (8, 1, "credit_limit", "erp", "2025-02-01", "500"), (3, 1, "credit_limit", "erp", "2025-05-01", "800"),
            (7, 2, "email", "erp", "2025-06-01", "erp@y.com"), (4, 2, "email", "crm", "2025-02-01", "b@y.com"),
            (6, 2, "credit_limit", "crm", "2025-06-01", "9999"), (5, 3, "credit_limit", "warehouse", "2025-01-01", "1")]
    changes = pd.DataFrame(rows, columns=["change_id", "customer_id", "field", "system", "changed_at", "value"])
    changes["changed_at"] = pd.to_datetime(changes["changed_at"])
    return [Case("hand-made changes whose ids are not in time order, where the owner of one field writes "
                 "another, and pairs with no change by the owner", (changes, rights),
                 _check_auth(_auth_ref(changes, rights)))]


EXERCISES = [
    Graded("ex1_tests", "run_rules", _rules_world, _rules_fixed),
    Graded("ex2_tests", "scorecard", _card_world, _card_fixed),
    Graded("ex3_tests", "steward_summary", _stewards_world, _stewards_fixed),
    Graded("ex4_tests", "feed_freshness", _fresh_world, _fresh_fixed),
    Graded("ex5_tests", "quarantine", _held_world, _held_fixed),
    Graded("ex6_tests", "mask_for_role", _mask_world, _mask_fixed),
    Graded("ex7_tests", "trace_upstream", _trace_world, _trace_fixed),
    Graded("ex8_tests", "authoritative_values", _auth_world, _auth_fixed),
]

__all__ = ["EXERCISES", "PROFILE_RULES", "ORDER_RULES", "AS_OF", "SENTINELS", "SENTINEL_DATE"]
