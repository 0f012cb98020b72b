"""The clerical-review sample of identity resolution, and the identity facts Lab 02 recovers.

A review team took a random sample of households and labelled every source record of
their members with the person it belongs to. Because whole households are sampled, the
hard negatives (relatives at one address, a shared household email or phone) are in the
sample with the true matches, and every pair of reviewed records is labelled: two records
with the same ``person`` are the same customer, any other two are not.

Planted truths: the number of true pairs among all source records and among the reviewed
ones, and the chains of customers that shared contact details link together (the
over-merge a naive clustering of exact email or phone matches produces).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlabs.schema import Column, Table
from cxlabs.world.people import SOURCE_SYSTEMS
from cxlabs.world.registry import generates

#: Share of households whose members' records were reviewed.
REVIEW_SHARE = 0.15

CLERICAL_REVIEW = Table(
    "clerical_review",
    "A clerical-review sample: every source record of the customers in a random sample of "
    "households, labelled by reviewers with the person it belongs to. Two reviewed records "
    "with the same `person` are the same customer; two with different `person` are not.",
    "reviewed source record",
    (
        Column("system", "str", "Source system of the record.", allowed=tuple(SOURCE_SYSTEMS)),
        Column("record_id", "str", "Record identifier in that system.", unique=True),
        Column("person", "int", "The person the reviewers assigned the record to (a label "
                                "local to this sample, not a customer_id).", min=1),
    ),
    group="sources",
)


def _pairs_within(labels: np.ndarray) -> int:
    """Number of unordered pairs of rows that share a label."""
    size = np.unique(labels, return_counts=True)[1].astype(np.int64)
    return int((size * (size - 1) // 2).sum())


def shared_contact_chains(customers: pd.DataFrame, records: pd.DataFrame, identity: pd.DataFrame) -> np.ndarray:
    """Sizes (in customers) of the groups that shared contact details link, largest first.

    A record that carries another customer's email (exactly) or phone (the same last seven
    digits, within the household) links its owner to that customer.
    """
    rec = records.merge(identity[["record_id", "customer_id"]], on="record_id")
    cust = customers[["customer_id", "household_id", "email", "phone"]]
    email_owner = rec[["customer_id", "email"]].merge(
        cust[["customer_id", "email"]].rename(columns={"customer_id": "other"}), on="email")
    tail = rec["phone"].str.replace(r"\D", "", regex=True).str[-7:]
    by_phone = pd.DataFrame({"customer_id": rec["customer_id"], "tail": tail}).merge(
        cust[["customer_id", "household_id"]], on="customer_id")
    own = cust.assign(tail=cust["phone"].str[-7:])[["customer_id", "household_id", "tail"]]
    phone_owner = by_phone.merge(own.rename(columns={"customer_id": "other"}), on=["household_id", "tail"])
    edges = pd.concat([email_owner[["customer_id", "other"]], phone_owner[["customer_id", "other"]]])
    edges = edges[edges["customer_id"] != edges["other"]]
    if edges.empty:
        return np.array([], dtype=int)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ids = pd.Index(pd.unique(pd.concat([edges["customer_id"], edges["other"]])))
    a, b = ids.get_indexer(edges["customer_id"]), ids.get_indexer(edges["other"])
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(len(ids), len(ids)))
    labels = connected_components(graph, directed=False)[1]
    return np.sort(np.bincount(labels))[::-1]


@generates(CLERICAL_REVIEW, needs=("customers", "source_identity", "crm_contacts", "ecom_accounts",
                                   "loyalty_members", "support_contacts"))
def make_clerical_review(ctx, rng, customers, source_identity, crm_contacts, ecom_accounts,
                         loyalty_members, support_contacts):
    households = customers["household_id"].to_numpy()
    chosen = np.unique(households)
    chosen = chosen[rng.random(len(chosen)) < REVIEW_SHARE]
    reviewed_customers = customers["customer_id"].to_numpy()[np.isin(households, chosen)]
    sample = source_identity[source_identity["customer_id"].isin(reviewed_customers)]
    sample = sample.iloc[rng.permutation(len(sample))]
    # person labels: numbered in order of first appearance in the shuffled sample
    person = pd.factorize(sample["customer_id"])[0] + 1
    out = pd.DataFrame({"system": sample["system"].to_numpy(), "record_id": sample["record_id"].to_numpy(),
                        "person": person})

    records = pd.concat([crm_contacts, ecom_accounts, loyalty_members, support_contacts],
                        ignore_index=True)[["record_id", "email", "phone"]]
    chains = shared_contact_chains(customers, records, source_identity)
    ctx.plant("identity_true_pairs", _pairs_within(source_identity["customer_id"].to_numpy()),
              "Pairs of source records (across all four systems) that belong to the same customer.")
    ctx.plant("clerical_review_records", len(out), "Source records in the clerical-review sample.")
    ctx.plant("clerical_review_true_pairs", _pairs_within(person),
              "Pairs of reviewed records that belong to the same person.")
    ctx.plant("shared_contact_chains", {"largest": int(chains[0]) if len(chains) else 0,
                                        "three_or_more": int((chains >= 3).sum())},
              "Groups of customers linked by a record carrying another customer's email or phone: "
              "customers in the largest group, and groups of three or more customers.")
    return out
