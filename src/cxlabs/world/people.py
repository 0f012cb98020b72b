"""Customers, B2B accounts, and the four source systems that each hold a noisy copy of them.

Planted truths: which source record belongs to which customer (``source_identity``), and
for every record which kinds of noise were applied, at the rates in ``SOURCE_SYSTEMS``.
Household members (same surname and address) are the hard negatives; in households of
three or more, shared emails and phones chain members together, so clustering matches
naively merges different people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world import vocabulary as V
from cxlabs.world.registry import generates
from cxlabs.world.sampling import US, digits, from_us, pick, to_us

SEGMENTS = ("value", "mainstream", "premium", "business")
ACQUISITION_CHANNELS = ("paid_search", "paid_social", "display", "email", "store", "organic",
                        "referral", "key_account")
MARKET_CODES = tuple(V.MARKETS)
REGIONS = ("UK", "EU", "US")
REGIMES = ("GDPR", "CCPA", "US-other")
INDUSTRIES = ("hospitality", "property", "education", "healthcare", "retail")

ACCOUNTS = Table(
    "accounts",
    "Business (B2B) key accounts: hotels, landlords, schools and clinics that buy appliances "
    "in bulk under a contract. Their staff appear in `customers` with segment `business`.",
    "B2B account",
    (
        Column("account_id", "int", "Account identifier.", unique=True),
        Column("account_name", "str", "Registered company name."),
        Column("industry", "str", "Industry of the account.", allowed=INDUSTRIES),
        Column("market", "str", "Market the contract is held in.", allowed=MARKET_CODES),
        Column("tier", "str", "Commercial tier set by sales.", allowed=("strategic", "key", "standard")),
        Column("contract_start", "date", "First day of the current contract."),
        Column("annual_contract_value", "float", "Contracted yearly spend.", unit="USD", min=0),
    ),
    group="people",
)

CUSTOMERS = Table(
    "customers",
    "The company's customers as they really are: the golden truth that the source systems "
    "only approximate. Household members share surname, address and sometimes contact details.",
    "customer",
    (
        Column("customer_id", "int", "Customer identifier.", unique=True),
        Column("first_name", "str", "Given name (formal form)."),
        Column("last_name", "str", "Family name."),
        Column("email", "str", "Personal email address, lower case.", unique=True),
        Column("phone", "str", "Mobile phone in E.164 format, e.g. +447700900123.", unique=True),
        Column("street", "str", "Street address: number, street name and type."),
        Column("city", "str", "City."),
        Column("postcode", "str", "Postal code in the market's format."),
        Column("market", "str", "Market the customer buys in.", allowed=MARKET_CODES),
        Column("region", "str", "Region of the market.", allowed=REGIONS),
        Column("privacy_regime", "str", "Privacy law that governs the customer's data.", allowed=REGIMES),
        Column("segment", "str", "Commercial segment.", allowed=SEGMENTS),
        Column("account_id", "int", "B2B account the customer buys for.", nullable=True,
               references="accounts.account_id"),
        Column("household_id", "int", "Household the customer belongs to; shared by people at one address."),
        Column("acquisition_channel", "str", "Channel that acquired the customer.", allowed=ACQUISITION_CHANNELS),
        Column("signup_date", "date", "Day the customer first registered."),
        Column("birth_year", "int", "Year of birth.", min=1930, max=2008),
    ),
    group="people",
)

# System -> (prefix, coverage, duplicate rate, missing-field rates, phone format, name case,
#            street abbreviations, noise rates)
SOURCE_SYSTEMS = {
    "crm": dict(
        table="crm_contacts", prefix="CRM-", coverage=0.65, duplicates=0.03,
        missing={"email": 0.05, "phone": 0.10, "street": 0.04, "postcode": 0.04, "birth_year": 0.55},
        phone_format="e164", upper_names=False, abbreviate=False,
        noise={"nickname": 0.06, "name_typo": 0.04, "email_case": 0.03, "email_alias": 0.02,
               "email_domain": 0.02, "moved": 0.08, "shared_contact": 0.20},
    ),
    "ecom": dict(
        table="ecom_accounts", prefix="WEB-", coverage=0.70, duplicates=0.05,
        missing={"email": 0.0, "phone": 0.30, "street": 0.02, "postcode": 0.02, "birth_year": 1.0},
        phone_format="national", upper_names=False, abbreviate=True,
        noise={"nickname": 0.10, "name_typo": 0.05, "email_case": 0.08, "email_alias": 0.06,
               "email_domain": 0.03, "moved": 0.05, "shared_contact": 0.30},
    ),
    "loyalty": dict(
        table="loyalty_members", prefix="LOY-", coverage=0.35, duplicates=0.02,
        missing={"email": 0.25, "phone": 0.02, "street": 0.10, "postcode": 0.03, "birth_year": 0.10},
        phone_format="digits", upper_names=True, abbreviate=True,
        noise={"nickname": 0.04, "name_typo": 0.06, "email_case": 0.10, "email_alias": 0.01,
               "email_domain": 0.02, "moved": 0.12, "shared_contact": 0.10},
    ),
    "support": dict(
        table="support_contacts", prefix="SUP-", coverage=0.30, duplicates=0.06,
        missing={"email": 0.10, "phone": 0.15, "street": 0.60, "postcode": 0.50, "birth_year": 1.0},
        phone_format="spaced", upper_names=False, abbreviate=False,
        noise={"nickname": 0.12, "name_typo": 0.07, "email_case": 0.05, "email_alias": 0.03,
               "email_domain": 0.02, "moved": 0.06, "shared_contact": 0.30},
    ),
}
NOISE_KINDS = ("nickname", "name_typo", "email_case", "email_alias", "email_domain", "moved",
               "shared_contact")


def _source_table(system: str, spec: dict) -> Table:
    return Table(
        spec["table"],
        f"Customer records as the {system} system holds them: typed by staff or customers, "
        "with the system's own formats, gaps and mistakes. Several records may belong to one "
        "customer; `source_identity` says which.",
        f"{system} record",
        (
            Column("record_id", "str", f"Record identifier in the {system} system ({spec['prefix']}…).", unique=True),
            Column("first_name", "str", "Given name as recorded.", nullable=True),
            Column("last_name", "str", "Family name as recorded.", nullable=True),
            Column("email", "str", "Email as recorded (not normalised).", nullable=True),
            Column("phone", "str", f"Phone as recorded, in the system's '{spec['phone_format']}' format.", nullable=True),
            Column("street", "str", "Street address as recorded.", nullable=True),
            Column("city", "str", "City as recorded.", nullable=True),
            Column("postcode", "str", "Postal code as recorded.", nullable=True),
            Column("birth_year", "int", "Year of birth, where the system collects it.", nullable=True),
            Column("created_at", "datetime", "When the record was created."),
            Column("updated_at", "datetime", "When the record was last changed."),
        ),
        group="sources",
        notes=(f"Phone format: `{spec['phone_format']}`. Names upper-cased: {spec['upper_names']}. "
               f"Street types abbreviated: {spec['abbreviate']}.",),
    )


SOURCE_TABLES = {system: _source_table(system, spec) for system, spec in SOURCE_SYSTEMS.items()}

SOURCE_IDENTITY = Table(
    "source_identity",
    "The true owner of every source record, and the noise the generator applied to it. "
    "This is the answer key for identity resolution; a clerical-review sample drawn from it "
    "is what a real team would have.",
    "source record",
    (
        Column("system", "str", "Source system.", allowed=tuple(SOURCE_SYSTEMS)),
        Column("record_id", "str", "Record identifier in that system.", unique=True),
        Column("customer_id", "int", "The customer the record really belongs to.", references="customers.customer_id"),
        Column("is_duplicate", "bool", "A second record of the same customer in the same system."),
    ) + tuple(Column(f"noise_{k}", "bool", f"Noise applied: {k.replace('_', ' ')}.") for k in NOISE_KINDS),
    group="sources",
    truth=True,
)


@generates(ACCOUNTS)
def make_accounts(ctx, rng):
    n = max(20, round(50 * ctx.scale))
    kinds = rng.integers(0, len(V.COMPANY_KINDS), n)
    words = pick(rng, V.COMPANY_WORDS, n)
    names = [f"{w} {V.COMPANY_KINDS[k][0]}" for w, k in zip(words, kinds, strict=True)]
    names = [f"{name} {i}" if dup else name
             for i, (name, dup) in enumerate(zip(names, pd.Series(names).duplicated(), strict=True), 1)]
    acv = np.round(rng.pareto(1.3, n) * 20_000 + 15_000, 2)
    tier = np.where(acv > np.quantile(acv, 0.9), "strategic", np.where(acv > np.quantile(acv, 0.5), "key", "standard"))
    start = pd.Timestamp("2021-01-01").value // 10**9 + rng.integers(0, 4 * 365, n) * 86400
    return pd.DataFrame({
        "account_id": np.arange(1, n + 1),
        "account_name": names,
        "industry": [V.COMPANY_KINDS[k][1] for k in kinds],
        "market": pick(rng, MARKET_CODES, n, [m[3] for m in V.MARKETS.values()]),
        "tier": tier,
        "contract_start": pd.to_datetime(start, unit="s"),
        "annual_contract_value": acv,
    })


def _lookup(options: dict[str, tuple[str, ...]], market_idx: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Vectorised pick of one option per row from the row's market's list (u uniform in [0, 1))."""
    width = max(len(v) for v in options.values())
    table = np.array([[v[j % len(v)] for j in range(width)] for v in (options[m] for m in MARKET_CODES)],
                     dtype=object)
    lengths = np.array([len(options[m]) for m in MARKET_CODES])
    return table[market_idx, (u * lengths[market_idx]).astype(int)]


def _phone_e164(rng, markets: np.ndarray) -> pd.Series:
    n = len(markets)
    cc = pd.Series(markets).map({m: v[2] for m, v in V.MARKETS.items()})
    national = pd.Series(np.select(
        [cc == "44", cc == "49", cc == "33", cc == "31"],
        ["7" + digits(rng, n, 9), "15" + digits(rng, n, 9), "6" + digits(rng, n, 8), "6" + digits(rng, n, 8)],
        default=(pd.Series(rng.integers(201, 990, n)).astype(str) + digits(rng, n, 7)),
    ))
    return "+" + cc + national


def _postcodes(rng, markets: np.ndarray) -> pd.Series:
    n = len(markets)
    letters = np.array(list("ABCDEFGHJKLMNPRSTUWXYZ"), dtype=object)

    def let(k):
        out = pd.Series(letters[rng.integers(0, len(letters), n)])
        for _ in range(k - 1):
            out = out + letters[rng.integers(0, len(letters), n)]
        return out

    uk = let(2) + pd.Series(rng.integers(1, 20, n)).astype(str) + " " + pd.Series(rng.integers(1, 10, n)).astype(str) + let(2)
    nl = pd.Series(rng.integers(1000, 9999, n)).astype(str) + " " + let(2)
    five = digits(rng, n, 5)
    m = pd.Series(markets)
    return pd.Series(np.select([m == "UK", m == "NL"], [uk, nl], default=five))


def _streets(rng, n: int) -> tuple[pd.Series, np.ndarray]:
    types = pick(rng, V.STREET_TYPES, n)
    street = (pd.Series(rng.integers(1, 240, n)).astype(str) + " " + pd.Series(pick(rng, V.STREET_NAMES, n))
              + " " + pd.Series(types))
    return street, types


@generates(CUSTOMERS, needs=("accounts",))
def make_customers(ctx, rng, accounts):
    n = ctx.customers
    market = pick(rng, MARKET_CODES, n, [m[3] for m in V.MARKETS.values()])
    first = pick(rng, V.FIRST_NAMES, n)
    last = pick(rng, V.LAST_NAMES, n)

    # Households: about 14% of customers live with one to three other customers. Members are
    # consecutive picks from that 14%; the first of each group is the head, whose surname,
    # market and address the others share.
    household = np.arange(1, n + 1)
    members = np.flatnonzero(rng.random(n) < 0.14)
    sizes = rng.choice([2, 3, 4], size=max(len(members), 1), p=[0.55, 0.30, 0.15])
    starts = np.cumsum(np.r_[0, sizes])[:-1]
    starts = starts[starts < len(members)]
    group = np.searchsorted(starts, np.arange(len(members)), side="right") - 1
    household[members] = members[starts[group]] + 1
    head_of = household - 1  # row of each customer's household head
    market = market[head_of]
    last = last[head_of]
    m_idx = pd.Series(market).map({m: i for i, m in enumerate(MARKET_CODES)}).to_numpy()

    street, _ = _streets(rng, n)
    street = street.to_numpy()[head_of]
    city = _lookup(V.CITIES, m_idx, rng.random(n))[head_of]
    postcode = _postcodes(rng, market).to_numpy()[head_of]

    # Segments; business contacts buy for a B2B account.
    segment = pick(rng, SEGMENTS, n, [0.33, 0.42, 0.20, 0.05])
    is_business = segment == "business"
    account = np.full(n, -1)
    account[is_business] = rng.choice(accounts["account_id"].to_numpy(), is_business.sum())

    # Email: a local part pattern at a market-typical domain; business contacts at the company.
    pattern = rng.integers(0, 4, n)
    fl, ll = pd.Series(first).str.lower(), pd.Series(last).str.lower().str.replace(r"[^a-z]", "", regex=True)
    local = pd.Series(np.select(
        [pattern == 0, pattern == 1, pattern == 2],
        [fl + "." + ll, fl + ll, fl.str[0] + "." + ll], default=fl + "_" + ll))
    add_digits = rng.random(n) < 0.45
    local = local.where(~add_digits, local + pd.Series(rng.integers(1, 99, n)).astype(str))
    domain = pd.Series(_lookup(V.EMAIL_DOMAINS, m_idx, rng.random(n)))
    acc_slug = accounts.set_index("account_id")["account_name"].str.lower().str.replace(r"[^a-z]", "", regex=True)
    biz_domain = pd.Series(account).map(acc_slug).fillna("") + ".com"
    domain = domain.where(~is_business, biz_domain)
    email = local + "@" + domain
    dup = email.duplicated()
    email = email.where(~dup, local + pd.Series(np.arange(n)).astype(str) + "@" + domain)

    phone = _phone_e164(rng, market)
    while phone.duplicated().any():  # vanishingly rare; redraw the clashes only
        clash = phone.duplicated().to_numpy()
        phone[clash] = _phone_e164(rng, market[clash]).to_numpy()

    channel = np.where(is_business, "key_account",
                       pick(rng, ACQUISITION_CHANNELS[:-1], n, [0.22, 0.16, 0.07, 0.08, 0.22, 0.17, 0.08]))
    signup_days = rng.integers(0, (ctx.end.normalize() - pd.Timestamp("2019-01-01")).days - 30, n)
    signup = pd.Timestamp("2019-01-01") + pd.to_timedelta(np.sort(signup_days), unit="D")
    birth = np.clip(np.round(rng.normal(1978, 14, n)), 1930, 2006).astype(int)
    regions = {m: v[0] for m, v in V.MARKETS.items()}
    regimes = {m: v[1] for m, v in V.MARKETS.items()}
    return pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "first_name": first, "last_name": last, "email": email, "phone": phone,
        "street": street, "city": city, "postcode": postcode, "market": market,
        "region": pd.Series(market).map(regions), "privacy_regime": pd.Series(market).map(regimes),
        "segment": segment,
        "account_id": pd.Series(account).where(account > 0).astype("Int64"),
        "household_id": household, "acquisition_channel": channel,
        "signup_date": signup, "birth_year": birth,
    })


# ---- source systems -----------------------------------------------------------------------

def _typo(rng, values: pd.Series) -> pd.Series:
    """One substitution, deletion or transposition per value (vectorised draws, cheap loop)."""
    ops = rng.integers(0, 3, len(values))
    pos = rng.random(len(values))
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))[rng.integers(0, 26, len(values))]
    out = []
    for v, op, p, ch in zip(values.to_numpy(), ops, pos, letters, strict=True):
        if not isinstance(v, str) or len(v) < 3:
            out.append(v)
            continue
        i = 1 + int(p * (len(v) - 2))  # never the first letter
        if op == 0:
            v = v[:i] + (ch if v[i] != ch else "e") + v[i + 1:]
        elif op == 1:
            v = v[:i] + v[i + 1:]
        else:
            v = v[:i - 1] + v[i] + v[i - 1] + v[i + 1:] if v[i] != v[i - 1] else v[:i] + ch + v[i:]
        out.append(v)
    return pd.Series(out, index=values.index, dtype="str")


def _format_phone(e164: pd.Series, fmt: str) -> pd.Series:
    if fmt == "e164":
        return e164
    is_us = e164.str.startswith("+1")
    cc = e164.str.extract(r"^\+(1|44|49|33|31)")[0]
    rest = e164.str.replace(r"^\+(1|44|49|33|31)", "", regex=True)
    if fmt == "digits":
        return (cc + rest).where(e164.notna())
    if fmt == "spaced":
        return ("+" + cc + " " + rest.str[:4] + " " + rest.str[4:]).where(e164.notna())
    # national format: trunk prefix 0 outside the US, (area) exchange-line inside it
    us = "(" + rest.str[:3] + ") " + rest.str[3:6] + "-" + rest.str[6:]
    other = "0" + rest.str[:4] + " " + rest.str[4:]
    return us.where(is_us, other).where(e164.notna())


def _source_records(ctx, rng, system: str, customers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    spec = SOURCE_SYSTEMS[system]
    n_cust = len(customers)
    covered = rng.random(n_cust) < spec["coverage"]
    if system == "crm":
        covered |= customers["segment"].to_numpy() == "business"
    base = np.flatnonzero(covered)
    dups = base[rng.random(len(base)) < spec["duplicates"]]
    rows = np.concatenate([base, dups])
    is_dup = np.r_[np.zeros(len(base), bool), np.ones(len(dups), bool)]
    order = rng.permutation(len(rows))
    rows, is_dup = rows[order], is_dup[order]
    n = len(rows)
    c = customers.iloc[rows].reset_index(drop=True)
    noise = {k: rng.random(n) < spec["noise"][k] for k in NOISE_KINDS}

    first = c["first_name"].copy()
    has_nick = first.isin(list(V.NICKNAMES)).to_numpy()
    noise["nickname"] &= has_nick
    nick_pick = rng.random(n)
    idx = np.flatnonzero(noise["nickname"])
    first.iloc[idx] = [V.NICKNAMES[f][int(p * len(V.NICKNAMES[f]))]
                       for f, p in zip(first.iloc[idx], nick_pick[idx], strict=True)]
    last = c["last_name"].copy()
    typo_idx = np.flatnonzero(noise["name_typo"])
    in_first = rng.random(len(typo_idx)) < 0.4
    first.iloc[typo_idx[in_first]] = _typo(rng, first.iloc[typo_idx[in_first]]).to_numpy()
    last.iloc[typo_idx[~in_first]] = _typo(rng, last.iloc[typo_idx[~in_first]]).to_numpy()

    # Household sharing: take the email of the previous member and the phone of the next one,
    # which chains household members together (A~B by email, B~C by phone).
    hh = c["household_id"].to_numpy()
    hh_size = customers.groupby("household_id")["customer_id"].transform("size").to_numpy()[rows]
    noise["shared_contact"] &= hh_size > 1
    email = c["email"].copy()
    phone = c["phone"].copy()
    share = np.flatnonzero(noise["shared_contact"])
    if len(share):
        members = customers.reset_index(drop=True).groupby("household_id").indices
        src_rows = rows[share]
        prev_email, next_phone = [], []
        for r, h in zip(src_rows, hh[share], strict=True):
            m = members[h]
            k = int(np.flatnonzero(m == r)[0])
            prev_email.append(customers["email"].iat[m[k - 1]])
            next_phone.append(customers["phone"].iat[m[(k + 1) % len(m)]])
        use_email = rng.random(len(share)) < 0.5
        email.iloc[share[use_email]] = np.array(prev_email, dtype=object)[use_email]
        phone.iloc[share[~use_email]] = np.array(next_phone, dtype=object)[~use_email]

    for kind in ("email_alias", "email_domain", "email_case"):
        noise[kind] &= ~noise["shared_contact"]
    local = email.str.split("@").str[0]
    domain = email.str.split("@").str[1]
    alias = noise["email_alias"]
    tags = pick(rng, ["shop", "orders", "deals", "home"], n)
    local = local.where(~alias, local + "+" + pd.Series(tags))
    dom = noise["email_domain"] & domain.isin(list(V.DOMAIN_VARIANTS)).to_numpy()
    noise["email_domain"] = dom
    domain = domain.where(~dom, domain.map(V.DOMAIN_VARIANTS))
    email = local + "@" + domain
    case = noise["email_case"]
    mixed = email.str.title()
    email = email.where(~case, np.where(rng.random(n) < 0.5, " " + mixed, mixed.str.upper() + " "))

    street = c["street"].copy()
    postcode = c["postcode"].copy()
    moved = noise["moved"]
    new_street = (pd.Series(rng.integers(1, 240, n)).astype(str) + " " + pd.Series(pick(rng, V.STREET_NAMES, n))
                  + " " + pd.Series(pick(rng, V.STREET_TYPES, n)))
    street = street.where(~moved, new_street)
    postcode = postcode.where(~moved, _postcodes(rng, c["market"].to_numpy()))
    if spec["abbreviate"]:
        for full, short in V.STREET_ABBREVIATIONS.items():
            street = street.str.replace(f" {full}$", f" {short}", regex=True)
    if spec["upper_names"]:
        first, last = first.str.upper(), last.str.upper()
    phone = _format_phone(phone, spec["phone_format"])

    out = pd.DataFrame({
        "record_id": spec["prefix"] + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7),
        "first_name": first, "last_name": last, "email": email, "phone": phone,
        "street": street, "city": c["city"], "postcode": postcode,
        "birth_year": c["birth_year"].astype("Int64"),
    })
    for col, rate in spec["missing"].items():
        gone = rng.random(n) < rate
        out[col] = out[col].where(~gone, None if col != "birth_year" else pd.NA)
    signup_us = to_us(c["signup_date"])
    end_us = to_us(ctx.end)
    created = signup_us + (rng.random(n) * (end_us - signup_us) * 0.6).astype("int64")
    created += (rng.random(n) * 86400 * US).astype("int64")
    updated = created + (rng.random(n) ** 2 * (end_us - created)).astype("int64")
    out["created_at"] = from_us(created)
    out["updated_at"] = from_us(updated)
    truth = pd.DataFrame({"system": system, "record_id": out["record_id"],
                          "customer_id": c["customer_id"].to_numpy(), "is_duplicate": is_dup})
    for k in NOISE_KINDS:
        truth[f"noise_{k}"] = noise[k]
    return out, truth


def _register_source(system: str) -> None:
    @generates(SOURCE_TABLES[system], needs=("customers",))
    def make(ctx, rng, customers):
        return _source_records(ctx, rng, system, customers)[0]

    make.__name__ = f"make_{SOURCE_SYSTEMS[system]['table']}"


for _system in SOURCE_SYSTEMS:
    _register_source(_system)


@generates(SOURCE_IDENTITY, needs=("customers",))
def make_source_identity(ctx, rng, customers):
    # Re-derive each system's records from that system's own stream: the same draws as the
    # source table's generator, so the truth always matches the records.
    parts = []
    for system, spec in SOURCE_SYSTEMS.items():
        records, truth = _source_records(ctx, ctx.rng(spec["table"]), system, customers)
        parts.append(truth)
    truth = pd.concat(parts, ignore_index=True)
    rates = {k: round(float(truth[f"noise_{k}"].mean()), 4) for k in NOISE_KINDS}
    ctx.plant("identity_noise_rates", rates, "Share of all source records with each kind of noise.")
    return truth
