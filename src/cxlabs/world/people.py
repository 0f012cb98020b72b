"""Customers, B2B accounts, and the four source systems that each hold a noisy copy of them.

Planted truths: which source record belongs to which customer (``source_identity``), and
for every record which kinds of noise were applied, at the rates in ``SOURCE_SYSTEMS``.
Household members (same surname and address) are the hard negatives; in households of
three or more, shared emails and phones chain members together, so clustering matches
naively merges different people.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlabs.schema import Column, Table
from cxlabs.world import vocabulary as V
from cxlabs.world.registry import generates
from cxlabs.world.sampling import (
    US,
    blank,
    choose,
    codes_of,
    from_us,
    join,
    number_text,
    patch,
    pick,
    prefixed_ids,
    text,
    to_us,
    where,
)

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


MARKET_SHARES = tuple(m[3] for m in V.MARKETS.values())
#: Per market code: its region, privacy regime and country calling code.
REGION_OF_MARKET = np.array([REGIONS.index(V.MARKETS[m][0]) for m in MARKET_CODES])
REGIME_OF_MARKET = np.array([REGIMES.index(V.MARKETS[m][1]) for m in MARKET_CODES])
CALLING_CODES = tuple(V.MARKETS[m][2] for m in MARKET_CODES)
US_MARKET = np.array([V.MARKETS[m][0] == "US" for m in MARKET_CODES])
#: Mobile numbers per market: (leading digits, random digits after them). US numbers start
#: with a random area code instead of fixed leading digits.
MOBILE_PLANS = {"UK": ("7", 9), "DE": ("15", 9), "FR": ("6", 8), "NL": ("6", 8),
                "US-CA": ("", 7), "US-NY": ("", 7), "US-TX": ("", 7)}
US_AREA_CODES = (201, 990)  # low inclusive, high exclusive


@generates(ACCOUNTS)
def make_accounts(ctx, rng):
    n = max(20, round(50 * ctx.scale))
    kinds = rng.integers(0, len(V.COMPANY_KINDS), n)
    words = rng.integers(0, len(V.COMPANY_WORDS), n)
    names = [f"{V.COMPANY_WORDS[w]} {V.COMPANY_KINDS[k][0]}" for w, k in zip(words, kinds, strict=True)]
    names = [f"{name} {i}" if dup else name
             for i, (name, dup) in enumerate(zip(names, pd.Series(names).duplicated(), strict=True), 1)]
    acv = np.round(rng.pareto(1.3, n) * 20_000 + 15_000, 2)
    tier = np.where(acv > np.quantile(acv, 0.9), 0, np.where(acv > np.quantile(acv, 0.5), 1, 2))
    start = pd.Timestamp("2021-01-01").value // 10**9 + rng.integers(0, 4 * 365, n) * 86400
    return pd.DataFrame({
        "account_id": np.arange(1, n + 1),
        "account_name": names,
        "industry": [V.COMPANY_KINDS[k][1] for k in kinds],
        "market": pick(rng, MARKET_CODES, n, MARKET_SHARES),
        "tier": text(("strategic", "key", "standard"), tier),
        "contract_start": pd.to_datetime(start, unit="s"),
        "annual_contract_value": acv,
    })


def _slug(name: str) -> str:
    """Lower-case letters only: "O'Brien" -> "obrien"."""
    return re.sub(r"[^a-z]", "", name.lower())


@functools.cache
def street_vocabulary() -> tuple[str, ...]:
    """Every street address a customer can have: ``"<1-239> <name> <type>"`` (37,284 of them).

    A street is drawn as one code into this list (:func:`_street_codes`), so building the text
    is a single lookup.
    """
    return tuple(f"{number} {name} {kind}" for number in range(1, 240)
                 for name in V.STREET_NAMES for kind in V.STREET_TYPES)


@functools.cache
def _abbreviated_streets() -> tuple[str, ...]:
    """:func:`street_vocabulary` with street types abbreviated: ``"12 Oak Street"`` -> ``"12 Oak St"``."""
    def abbreviate(street: str) -> str:
        rest, kind = street.rsplit(" ", 1)
        return f"{rest} {V.STREET_ABBREVIATIONS.get(kind, kind)}"
    return tuple(abbreviate(s) for s in street_vocabulary())


def _street_codes(rng, n: int) -> np.ndarray:
    number = rng.integers(0, 239, n)
    name = rng.integers(0, len(V.STREET_NAMES), n)
    kind = rng.integers(0, len(V.STREET_TYPES), n)
    return (number * len(V.STREET_NAMES) + name) * len(V.STREET_TYPES) + kind


@functools.cache
def _postcode_parts() -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                 tuple[str, ...], tuple[str, ...]]:
    """Every city's postal prefixes as one vocabulary (the codes of city ``c`` are
    ``start[c] : start[c] + count[c]``, cities in ``CITY_NAMES`` order), each prefix's value
    and length when it is digits, UK inward codes ("8BT") and Dutch letter pairs."""
    runs = [V.POSTCODE_PREFIXES[c] for c in CITY_NAMES]
    count = np.array([len(r) for r in runs])
    prefixes = tuple(p for r in runs for p in r)
    value = np.array([int(p) if p.isdigit() else 0 for p in prefixes], dtype=np.int64)
    length = np.array([len(p) for p in prefixes])
    inward = tuple(f"{d}{a}{b}" for d in range(10) for a in V.UK_INWARD_LETTERS for b in V.UK_INWARD_LETTERS)
    nl_pairs = tuple(a + b for a in V.NL_POSTCODE_LETTERS for b in V.NL_POSTCODE_LETTERS)
    return prefixes, np.cumsum(count) - count, count, value, length, inward, nl_pairs


#: The bounds of the postcode generator's draws for UK outward codes, UK inward codes and Dutch
#: letter pairs, kept as they were when codes were drawn uniformly, so that the rest of each
#: table's random stream is unchanged.
_UK_OUTWARD_DRAWS, _UK_INWARD_DRAWS, _NL_PAIR_DRAWS = 22 * 22 * 19, 9 * 22 * 22, 22 * 22


def _postcodes(rng, market: np.ndarray, city: np.ndarray) -> pd.Series:
    """A postal code in each row's market format that starts like the real codes of its city
    (``market``: codes into ``MARKET_CODES``; ``city``: codes into ``CITY_NAMES``).

    UK "SW9 8BT" (area letters and district, then a digit and two letters); DE, FR and US five
    digits ("10115", "75011", "94107"); NL "1012 AB". The city's prefix comes from
    ``vocabulary.POSTCODE_PREFIXES``; the digits and letters after it are drawn.
    """
    n = len(market)
    prefixes, start, count, value, length, inward, nl_pairs = _postcode_parts()
    five = rng.integers(0, 10**5, n)  # DE, FR and US: a prefix and the digits after it
    code = start[city] + np.where(US_MARKET[market], five // 100, five // 1000) % count[city]
    tail = 10 ** (5 - length[code])
    postcode = number_text(value[code] * tail + five % tail, 5)
    uk = np.flatnonzero(market == MARKET_CODES.index("UK"))  # "SW9 8BT"
    outward = start[city[uk]] + rng.integers(0, _UK_OUTWARD_DRAWS, len(uk)) % count[city[uk]]
    inward_code = rng.integers(0, _UK_INWARD_DRAWS, len(uk)) % len(inward)
    postcode = patch(postcode, np.arange(n), uk, join(text(prefixes, outward), " ", text(inward, inward_code)))
    nl = np.flatnonzero(market == MARKET_CODES.index("NL"))  # "1012 AB"
    four = rng.integers(1000, 9999, len(nl))
    region = start[city[nl]] + (four // 100) % count[city[nl]]
    pairs = rng.integers(0, _NL_PAIR_DRAWS, len(nl)) % len(nl_pairs)
    return patch(postcode, np.arange(n), nl, join(
        number_text(value[region] * 100 + four % 100, 4), " ", text(nl_pairs, pairs)))


def _national_digits(market: np.ndarray) -> np.ndarray:
    """How many digits the national part of a mobile number has, per market code."""
    per_market = [len(lead) + width if lead else 3 + width for lead, width in
                  (MOBILE_PLANS[m] for m in MARKET_CODES)]
    return np.array(per_market)[market]


def _mobile_numbers(rng, market: np.ndarray) -> np.ndarray:
    """E.164 mobile numbers as integers: calling code then national number (no ``+``)."""
    lead = np.array([int(MOBILE_PLANS[m][0] or -1) for m in MARKET_CODES])[market]
    width = np.array([MOBILE_PLANS[m][1] for m in MARKET_CODES])[market]
    us = lead < 0
    lead[us] = rng.integers(*US_AREA_CODES, us.sum())
    national = lead * 10**width + rng.integers(0, 10**width)
    calling = np.array([int(c) for c in CALLING_CODES])[market]
    return calling * 10 ** _national_digits(market) + national


@functools.cache
def _email_parts() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Local-part pieces: first names then their initials, lower case; surname slugs; numbers."""
    first = tuple(f.lower() for f in V.FIRST_NAMES) + tuple(f[0].lower() for f in V.FIRST_NAMES)
    last = tuple(_slug(name) for name in V.LAST_NAMES)
    numbers = ("",) + tuple(str(i) for i in range(1, 99))
    return first, last, numbers


def _from_market_lists(lists: dict[str, tuple[str, ...]], market: np.ndarray,
                       u: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """One entry per row from its market's list (u uniform in [0, 1)): all lists joined, and codes."""
    runs = [lists[m] for m in MARKET_CODES]
    vocab = tuple(v for run in runs for v in run)
    lengths = np.array([len(run) for run in runs])
    starts = np.cumsum(lengths) - lengths
    return vocab, starts[market] + (u * lengths[market]).astype(int)


@generates(CUSTOMERS, needs=("accounts",))
def make_customers(ctx, rng, accounts):
    n = ctx.customers
    market = choose(rng, n, MARKET_SHARES)
    first = rng.integers(0, len(V.FIRST_NAMES), n)
    last = rng.integers(0, len(V.LAST_NAMES), n)

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

    street = _street_codes(rng, n)[head_of]
    city_vocab, city = _from_market_lists(V.CITIES, market, rng.random(n))
    city = city[head_of]
    if city_vocab != CITY_NAMES:
        raise ValueError("a city name is repeated across markets; postcodes need one prefix list per city")
    postcode = _postcodes(rng, market, city).take(head_of).reset_index(drop=True)

    # Segments; business contacts buy for a B2B account.
    segment = choose(rng, n, [0.33, 0.42, 0.20, 0.05])
    is_business = segment == SEGMENTS.index("business")
    account_row = np.full(n, -1)
    account_row[is_business] = rng.integers(0, len(accounts), is_business.sum())

    # Email: a local part pattern at a market-typical domain; business contacts at the company.
    # Patterns: first.last, firstlast, f.last, first_last; 45% add a number.
    first_parts, last_parts, numbers = _email_parts()
    pattern = rng.integers(0, 4, n)
    local = join(text(first_parts, first + len(V.FIRST_NAMES) * (pattern == 2)),
                 text((".", "", ".", "_"), pattern), text(last_parts, last),
                 text(numbers, np.where(rng.random(n) < 0.45, rng.integers(1, 99, n), 0)))
    domain_vocab, domain = _from_market_lists(V.EMAIL_DOMAINS, market, rng.random(n))
    company_domains = tuple(_slug(a) + ".com" for a in accounts["account_name"])
    domain = np.where(is_business, len(domain_vocab) + account_row, domain)
    domain = text(domain_vocab + company_domains, domain)
    email = join(local, "@", domain)
    dup = np.flatnonzero(email.duplicated().to_numpy())  # the second and later copies
    email = patch(email, np.arange(n), dup, join(local.iloc[dup], number_text(dup), "@", domain.iloc[dup]))

    phone = _mobile_numbers(rng, market)
    while True:  # vanishingly rare clashes: redraw them
        clash = pd.Series(phone).duplicated().to_numpy()
        if not clash.any():
            break
        phone[clash] = _mobile_numbers(rng, market[clash])

    channel = np.where(is_business, ACQUISITION_CHANNELS.index("key_account"),
                       choose(rng, n, [0.22, 0.16, 0.07, 0.08, 0.22, 0.17, 0.08]))
    signup_days = rng.integers(0, (ctx.end.normalize() - pd.Timestamp("2019-01-01")).days - 30, n)
    signup = pd.Timestamp("2019-01-01") + pd.to_timedelta(np.sort(signup_days), unit="D")
    birth = np.clip(np.round(rng.normal(1978, 14, n)), 1930, 2006).astype(int)
    account_id = accounts["account_id"].to_numpy()[account_row]
    return pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "first_name": text(V.FIRST_NAMES, first), "last_name": text(V.LAST_NAMES, last),
        "email": email, "phone": join("+", number_text(phone)),
        "street": text(street_vocabulary(), street), "city": text(city_vocab, city), "postcode": postcode,
        "market": text(MARKET_CODES, market),
        "region": text(REGIONS, REGION_OF_MARKET[market]),
        "privacy_regime": text(REGIMES, REGIME_OF_MARKET[market]),
        "segment": text(SEGMENTS, segment),
        "account_id": pd.arrays.IntegerArray(np.where(is_business, account_id, 0), ~is_business),
        "household_id": household, "acquisition_channel": text(ACQUISITION_CHANNELS, channel),
        "signup_date": signup, "birth_year": birth,
    }, copy=False)


# ---- source systems -----------------------------------------------------------------------

#: First names followed by every nickname; a first name's nicknames sit at
#: ``NICKNAME_START[code] : NICKNAME_START[code] + NICKNAME_COUNT[code]``.
FIRST_NAME_FORMS = V.FIRST_NAMES + tuple(nick for f in V.FIRST_NAMES for nick in V.NICKNAMES.get(f, ()))
NICKNAME_COUNT = np.array([len(V.NICKNAMES.get(f, ())) for f in V.FIRST_NAMES])
NICKNAME_START = len(V.FIRST_NAMES) + np.cumsum(NICKNAME_COUNT) - NICKNAME_COUNT
CITY_NAMES = tuple(dict.fromkeys(c for m in MARKET_CODES for c in V.CITIES[m]))


@dataclass
class _Roster:
    """The customers as codes and numbers, prepared once for the four source systems.

    Codes index the vocabularies the customers were drawn from (``FIRST_NAMES``...), so a
    source system builds its text columns by cheap lookups instead of copying strings.
    """

    customer_id: np.ndarray
    market: np.ndarray       # codes into MARKET_CODES
    first: np.ndarray        # codes into V.FIRST_NAMES
    last: np.ndarray         # codes into V.LAST_NAMES
    street: np.ndarray       # codes into street_vocabulary()
    city: np.ndarray         # codes into CITY_NAMES
    email: pd.Series
    phone: np.ndarray        # E.164 as integers
    postcode: pd.Series
    birth_year: np.ndarray
    signup_us: np.ndarray
    business: np.ndarray
    household_size: np.ndarray
    prev_member: np.ndarray  # row of the previous member of the household (cyclic)
    next_member: np.ndarray  # row of the next member of the household (cyclic)

    @classmethod
    def of(cls, customers: pd.DataFrame) -> _Roster:
        codes = {col: codes_of(customers[col], vocab) for col, vocab in (
            ("first_name", V.FIRST_NAMES), ("last_name", V.LAST_NAMES),
            ("street", street_vocabulary()), ("city", CITY_NAMES))}
        for col, c in codes.items():
            if (c < 0).any():
                raise ValueError(f"customers.{col} holds a value outside its vocabulary")
        size, prev, nxt = _household_neighbours(customers["household_id"].to_numpy())
        return cls(
            customer_id=customers["customer_id"].to_numpy(),
            market=codes_of(customers["market"], MARKET_CODES),
            first=codes["first_name"], last=codes["last_name"], street=codes["street"],
            city=codes["city"], email=customers["email"],
            phone=_phone_numbers(customers["phone"]), postcode=customers["postcode"],
            birth_year=customers["birth_year"].to_numpy(), signup_us=to_us(customers["signup_date"]),
            business=(customers["segment"] == "business").to_numpy(),
            household_size=size, prev_member=prev, next_member=nxt,
        )


def _phone_numbers(e164: pd.Series) -> np.ndarray:
    """E.164 phone numbers (``"+447700900123"``) as integers (``447700900123``)."""
    digits_only = pc.utf8_slice_codeunits(pa.array(e164.array), 1)
    return pc.cast(digits_only, pa.int64()).to_numpy(zero_copy_only=False)


def _household_neighbours(household: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: its household's size, and the rows of the previous and next member.

    Members are taken in row order and the order wraps around, so in a household of three
    rows (a, b, c) the previous of a is c and the next of c is a.
    """
    order = np.argsort(household, kind="stable")  # rows grouped by household, in row order
    _, first, size = np.unique(household[order], return_index=True, return_counts=True)
    start = np.repeat(first, size)  # for each sorted position: where its household starts
    size = np.repeat(size, size)
    pos = np.arange(len(order)) - start
    out_size, prev, nxt = (np.empty(len(order), np.int64) for _ in range(3))
    out_size[order] = size
    prev[order] = order[start + (pos - 1) % size]
    nxt[order] = order[start + (pos + 1) % size]
    return out_size, prev, nxt


def _typo(rng, values: list[str]) -> list[str]:
    """One substitution, deletion or transposition per value (vectorised draws, cheap loop)."""
    ops = rng.integers(0, 3, len(values))
    pos = rng.random(len(values))
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))[rng.integers(0, 26, len(values))]
    out = []
    for v, op, p, ch in zip(values, ops, pos, letters, strict=True):
        if len(v) < 3:
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
    return out


def _names_with_typos(rng, vocab: tuple[str, ...], codes: np.ndarray, typo_rows: np.ndarray) -> pd.Series:
    """The text ``vocab[codes]``, with a typo in each of ``typo_rows``."""
    typos = _typo(rng, [vocab[c] for c in codes[typo_rows]])
    return patch(vocab, codes, typo_rows, typos)


def _format_phone(number: np.ndarray, market: np.ndarray, fmt: str) -> pd.Series:
    """Mobile numbers (integers, E.164 digits) in a system's format."""
    if fmt == "e164":
        return join("+", number_text(number))
    if fmt == "digits":
        return number_text(number)
    national = number_text(number % 10 ** _national_digits(market))
    if fmt == "spaced":
        return join("+", text(CALLING_CODES, market), " ", national.str[:4], " ", national.str[4:])
    # national format: trunk prefix 0 outside the US, (area) exchange-line inside it
    us = join("(", national.str[:3], ") ", national.str[3:6], "-", national.str[6:])
    other = join("0", national.str[:4], " ", national.str[4:])
    return where(US_MARKET[market], us, other)


def _noisy_emails(rng, emails: pd.Series, email_of: np.ndarray, noise: dict[str, np.ndarray]) -> pd.Series:
    """``emails[email_of]``, with alias, domain and case noise in the rows that drew it.

    Updates ``noise["email_domain"]``: only domains with a known variant can be swapped.
    """
    noisy = np.flatnonzero(noise["email_alias"] | noise["email_domain"] | noise["email_case"])
    email = text(emails, email_of[noisy])
    parts = pc.split_pattern(pa.array(email.array), "@", max_splits=1)
    local, domain = (pd.Series(pd.array(pc.list_element(parts, i), dtype="str")) for i in (0, 1))
    alias = noise["email_alias"][noisy]
    swap = noise["email_domain"][noisy] & domain.isin(list(V.DOMAIN_VARIANTS)).to_numpy()
    noise["email_domain"][noisy] = swap
    local = where(alias, join(local, "+", pick(rng, ["shop", "orders", "deals", "home"], len(noisy))), local)
    variant = text(tuple(V.DOMAIN_VARIANTS.values()), codes_of(domain, tuple(V.DOMAIN_VARIANTS)))
    email = join(local, "@", where(swap, variant, domain))
    case = noise["email_case"][noisy]
    mixed = email.str.title()
    lead = rng.random(len(noisy)) < 0.5
    email = where(case, where(lead, join(" ", mixed), join(mixed.str.upper(), " ")), email)
    return patch(emails, email_of, noisy, email)


def _source_records(rng, system: str, people: _Roster, end_us: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    spec = SOURCE_SYSTEMS[system]
    covered = rng.random(len(people.customer_id)) < spec["coverage"]
    if system == "crm":
        covered |= people.business
    base = np.flatnonzero(covered)
    dups = base[rng.random(len(base)) < spec["duplicates"]]
    rows = np.concatenate([base, dups])
    is_dup = np.r_[np.zeros(len(base), bool), np.ones(len(dups), bool)]
    order = rng.permutation(len(rows))
    rows, is_dup = rows[order], is_dup[order]
    n = len(rows)
    noise = {k: rng.random(n) < spec["noise"][k] for k in NOISE_KINDS}
    market = people.market[rows]

    # Names: nicknames, then typos in the first or the last name.
    first = people.first[rows]
    noise["nickname"] &= NICKNAME_COUNT[first] > 0
    nickname = NICKNAME_START[first] + (rng.random(n) * NICKNAME_COUNT[first]).astype(int)
    first = np.where(noise["nickname"], nickname, first)  # codes into FIRST_NAME_FORMS
    typo = np.flatnonzero(noise["name_typo"])
    in_first = rng.random(len(typo)) < 0.4
    first_name = _names_with_typos(rng, FIRST_NAME_FORMS, first, typo[in_first])
    last_name = _names_with_typos(rng, V.LAST_NAMES, people.last[rows], typo[~in_first])
    if spec["upper_names"]:
        first_name, last_name = first_name.str.upper(), last_name.str.upper()

    # Household sharing: take the email of the previous member or the phone of the next one,
    # which chains household members together (A~B by email, B~C by phone).
    noise["shared_contact"] &= people.household_size[rows] > 1
    share = np.flatnonzero(noise["shared_contact"])
    use_email = rng.random(len(share)) < 0.5
    email_of, phone_of = rows.copy(), rows.copy()
    email_of[share[use_email]] = people.prev_member[rows[share[use_email]]]
    phone_of[share[~use_email]] = people.next_member[rows[share[~use_email]]]
    for kind in ("email_alias", "email_domain", "email_case"):
        noise[kind] &= ~noise["shared_contact"]

    # Addresses: movers have a new street and postcode; some systems abbreviate street types.
    moved = np.flatnonzero(noise["moved"])
    street = people.street[rows]
    street[moved] = _street_codes(rng, len(moved))

    out = pd.DataFrame({
        "record_id": prefixed_ids(spec["prefix"], n, 7),
        "first_name": first_name, "last_name": last_name,
        "email": _noisy_emails(rng, people.email, email_of, noise),
        "phone": _format_phone(people.phone[phone_of], market, spec["phone_format"]),
        "street": text(_abbreviated_streets() if spec["abbreviate"] else street_vocabulary(), street),
        "city": text(CITY_NAMES, people.city[rows]),
        "postcode": patch(people.postcode, rows, moved, _postcodes(rng, market[moved], people.city[rows][moved])),
    }, copy=False)
    for col, rate in spec["missing"].items():
        gone = rng.random(n) < rate
        if col == "birth_year":
            out[col] = pd.arrays.IntegerArray(people.birth_year[rows], gone)
        else:
            out[col] = blank(out[col], gone)
    signup_us = people.signup_us[rows]
    created = signup_us + (rng.random(n) * (end_us - signup_us) * 0.6).astype("int64")
    created += (rng.random(n) * 86400 * US).astype("int64")
    updated = created + (rng.random(n) ** 2 * (end_us - created)).astype("int64")
    out["created_at"] = from_us(created)
    out["updated_at"] = from_us(updated)
    truth = pd.DataFrame({"system": text(tuple(SOURCE_SYSTEMS), np.full(n, list(SOURCE_SYSTEMS).index(system))),
                          "record_id": out["record_id"], "customer_id": people.customer_id[rows],
                          "is_duplicate": is_dup} | {f"noise_{k}": noise[k] for k in NOISE_KINDS}, copy=False)
    return out[SOURCE_TABLES[system].column_names], truth


@generates(tuple(SOURCE_TABLES.values()) + (SOURCE_IDENTITY,), needs=("customers",))
def make_source_systems(ctx, customers):
    """The four source systems' records and ``source_identity``, the truth behind them.

    Each system's records come from that system's own stream, ``ctx.rng(<its table>)``;
    ``source_identity`` is the concatenation of the systems' truths, so has no stream.
    """
    people = _Roster.of(customers)
    tables, truths = {}, []
    for system, spec in SOURCE_SYSTEMS.items():
        tables[spec["table"]], truth = _source_records(ctx.rng(spec["table"]), system, people, to_us(ctx.end))
        truths.append(truth)
    truth = pd.concat(truths, ignore_index=True)
    rates = {k: round(float(truth[f"noise_{k}"].mean()), 4) for k in NOISE_KINDS}
    ctx.plant("identity_noise_rates", rates, "Share of all source records with each kind of noise.")
    tables[SOURCE_IDENTITY.name] = truth
    return tables
