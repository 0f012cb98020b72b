"""The clerical-review sample and the identity truths Lab 02 recovers, on seeds 42 and 7."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxlabs import identity
from cxlabs.world.identity_review import CLERICAL_REVIEW

SOURCES = identity.SOURCES


def read(folder, name):
    return pd.read_parquet(folder / f"{name}.parquet")


def facts(folder) -> dict:
    f = read(folder, "planted_facts")
    return {k: json.loads(v) for k, v in zip(f["fact"], f["value"], strict=True)}


def records(folder) -> pd.DataFrame:
    return pd.concat([read(folder, t).assign(system=s) for s, t in SOURCES.items()], ignore_index=True)


def pairs_within(labels) -> int:
    size = pd.Series(labels).value_counts().to_numpy()
    return int((size * (size - 1) // 2).sum())


def test_schema(any_world):
    CLERICAL_REVIEW.validate(read(any_world, "clerical_review"))


def test_reviewed_records_exist_in_their_system(any_world):
    review = read(any_world, "clerical_review")
    recs = records(any_world)[["system", "record_id"]]
    merged = review.merge(recs, on="record_id", how="left", suffixes=("", "_source"))
    assert merged["system_source"].notna().all(), "every reviewed record exists in a source system"
    assert (merged["system"] == merged["system_source"]).all()


def test_review_labels_are_the_truth_and_cover_whole_households(any_world):
    review = read(any_world, "clerical_review")
    truth = read(any_world, "source_identity")
    customers = read(any_world, "customers")
    m = review.merge(truth[["record_id", "customer_id"]], on="record_id")
    # one person is one customer, and back
    assert (m.groupby("person")["customer_id"].nunique() == 1).all()
    assert (m.groupby("customer_id")["person"].nunique() == 1).all()
    # every record of a reviewed customer is reviewed, and every member of a reviewed household
    reviewed = set(m["customer_id"])
    assert set(truth.loc[truth["customer_id"].isin(reviewed), "record_id"]) == set(review["record_id"])
    households = customers.loc[customers["customer_id"].isin(reviewed), "household_id"]
    members = customers.loc[customers["household_id"].isin(households), "customer_id"]
    in_sources = set(truth["customer_id"])
    assert {c for c in members if c in in_sources} == reviewed
    share = customers.loc[customers["customer_id"].isin(reviewed), "household_id"].nunique() \
        / customers["household_id"].nunique()
    assert 0.10 < share < 0.20
    # the hard negatives are in the sample: some reviewed households have several people
    sizes = customers[customers["customer_id"].isin(reviewed)].groupby("household_id").size()
    assert (sizes >= 3).sum() >= 5


def test_true_pair_counts_are_recovered(any_world):
    f = facts(any_world)
    assert pairs_within(read(any_world, "source_identity")["customer_id"]) == f["identity_true_pairs"]
    review = read(any_world, "clerical_review")
    assert pairs_within(review["person"]) == f["clerical_review_true_pairs"]
    assert len(review) == f["clerical_review_records"]


def test_shared_contact_chains_are_recovered_from_normalised_contacts(any_world):
    """Normalise every record's email and phone (E.164); a record that carries another customer's
    contact links the two customers. The groups of linked customers are the planted chains."""
    lists = identity.reference_lists()
    recs = records(any_world)
    truth = read(any_world, "source_identity")[["record_id", "customer_id"]]
    customers = read(any_world, "customers")
    recs = recs.merge(truth, on="record_id")
    email = recs["email"].str.strip().str.lower()
    local, domain = email.str.split("@").str[0], email.str.split("@").str[1]
    email = local.str.split("+").str[0] + "@" + domain.replace(lists["email_domains"])
    raw = recs["phone"]
    digits = raw.str.replace(r"\D", "", regex=True)
    code = recs["city"].str.lower().map(lists["calling_codes"])
    digits = digits.mask(raw.str.startswith("(").fillna(False), "1" + digits)
    digits = digits.mask(raw.str.startswith("0").fillna(False), code + digits.str[1:])
    phone = "+" + digits
    by_email = customers.set_index("email")["customer_id"]
    by_phone = customers.set_index("phone")["customer_id"]
    links = pd.concat([
        pd.DataFrame({"a": recs["customer_id"], "b": email.map(by_email)}),
        pd.DataFrame({"a": recs["customer_id"], "b": phone.map(by_phone)}),
    ]).dropna()
    links = links[links["a"] != links["b"]].astype(int)
    # union-find over customers
    parent: dict[int, int] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for a, b in zip(links["a"], links["b"], strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    groups = pd.Series({c: find(c) for c in list(parent)}).value_counts()
    planted = facts(any_world)["shared_contact_chains"]
    assert int(groups.max()) == planted["largest"]
    assert int((groups >= 3).sum()) == planted["three_or_more"]
    assert planted["three_or_more"] > 0, "at least one chain over-merges under naive clustering"


def test_noise_rates_planted_match_the_answer_key(any_world):
    truth = read(any_world, "source_identity")
    rates = facts(any_world)["identity_noise_rates"]
    for kind, rate in rates.items():
        assert np.isclose(truth[f"noise_{kind}"].mean(), rate, atol=1e-4)


@pytest.mark.parametrize("fmt, pattern", [("crm_contacts", r"\+\d+"), ("loyalty_members", r"\d+"),
                                          ("support_contacts", r"\+\d+ \d{4} \d+"),
                                          ("ecom_accounts", r"(0\d{4} \d+|\(\d{3}\) \d{3}-\d{4})")])
def test_each_system_has_its_own_phone_format(world42, fmt, pattern):
    phones = read(world42, fmt)["phone"].dropna()
    assert phones.str.fullmatch(pattern).all()
