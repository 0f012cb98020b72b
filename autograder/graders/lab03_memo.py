"""Memo figures for Lab 03, *Data quality, lineage and access* (instructor-only).

Lab 03's grader module is being written in its own branch; its memo figures live here until
then (``grading.memo_function`` looks in ``<lab>.py`` first, then in ``<lab>_memo.py``). They
follow the lab's own pipeline: the solution notebook's rules, constants and functions, run
on the world the learner had.
"""

from __future__ import annotations


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric asks for: scorecard lines below target and the worst one,
    the stale feed, what the quarantine holds back, the feeds behind next_best_offer, the
    stewards and the decision rights."""
    from grading import solution_namespace

    ns = solution_namespace("lab03", world, ["setup", "rules"])
    profiles, as_of = ns["profiles"], ns["AS_OF"]
    results = ns["run_rules"](profiles, ns["PROFILE_RULES"], as_of, ns["customers"]["customer_id"])
    card = ns["scorecard"](profiles, results, ns["PROFILE_RULES"], ns["stewards"])
    below = card[~card["meets_target"].astype(bool)]
    worst = card.iloc[0]
    stewards = ns["steward_summary"](card)
    fresh = ns["feed_freshness"](ns["loads"], ns["sources"], as_of)
    stale = fresh[fresh["stale"].astype(bool)]
    held = ns["quarantine"](profiles, fresh)
    unverified = held[held["reason"] == "unverified"]["source"].value_counts()
    trace = ns["trace_upstream"](ns["lineage"], "next_best_offer")
    feeds = trace[trace["kind"] == "feed"]
    rights = ns["rights"]
    owners = rights[rights["right"] == "owner"].set_index("field")["system"]
    changes = ns["changes"]
    blocked = changes[changes["system"] != changes["field"].map(owners)]
    uniqueness = card[card["dimension"] == "uniqueness"]["pass_rate"]
    return {
        "scorecard lines below target": f"{len(below)} of {len(card)}",
        "worst line": f"{worst['source']} {worst['column']} {worst['dimension']}: "
                      f"{_pct(worst['pass_rate'])} against {_pct(worst['target'])}",
        "uniqueness pass rates across sources": f"{_pct(uniqueness.min())}–{_pct(uniqueness.max())}",
        "steward with most lines below target": f"{stewards.index[0]}: {int(stewards['below_target'].iloc[0])} "
                                                f"of {int(stewards['lines'].iloc[0])}",
        "stale feeds (age of last successful load / SLA, h)": "; ".join(
            f"{source}: {row.age_hours:.1f} / {row.sla_hours:.0f}" for source, row in stale.iterrows()) or "none",
        "profile rows held back": f"{len(held):,} of {len(profiles):,} ({_pct(len(held) / len(profiles))})",
        "held back: stale feed / unverified": f"{int((held['reason'] == 'stale feed').sum()):,} / "
                                              f"{int(unverified.sum()):,}",
        "unverified rows by source": ", ".join(f"{s} {n:,}" for s, n in unverified.items()),
        "feeds behind next_best_offer (hops)": ", ".join(f"{r.node} ({r.hops})" for r in feeds.itertuples()),
        "owners of shared fields": ", ".join(f"{field}: {system}" for field, system in owners.sort_index().items()),
        "changes made by a system that does not own the field": f"{len(blocked):,} of {len(changes):,}",
    }
