"""Memo figures for Lab 04, *Privacy, consent and data-subject rights* (instructor-only).

Lab 04's grader module is being written in its own branch; its memo figures live here until
then (``grading.memo_function`` looks in ``<lab>.py`` first, then in ``<lab>_memo.py``). They
follow the lab's own pipeline: the solution notebook's constants and functions, run on the
world the learner had.
"""

from __future__ import annotations


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def MEMO_FIGURES(world) -> dict:
    """The figures the memo rubric lists: consent resting on defaults or ties, retention actions
    due, DSAR compliance by market and the tampered audit row, excess fields, suppression for
    k = 5, and the year's transparency totals."""
    from grading import solution_namespace

    ns = solution_namespace("lab04", world, ["setup", "ex8_qi"])
    customers, events, end = ns["customers"], ns["consent_events"], ns["END_OF_HISTORY"]
    state = ns["consent_state"](events, customers, end)
    seen = events[events["event_at"] <= end]
    last = seen[seen["event_at"] == seen.groupby(["customer_id", "purpose"])["event_at"].transform("max")]
    ties = int((last.groupby(["customer_id", "purpose"])["action"].nunique() > 1).sum())
    actions = ns["retention_actions"](ns["retention_records"], ns["retention_schedule"], ns["RETENTION_RUN"])
    counts = actions["action"].value_counts()
    requests = ns["dsar_requests"]
    due = ns["dsar_due_dates"](requests)
    sla = ns["sla_compliance"](requests.join(due, on="request_id"), ns["REPORT_DAY"])
    worst = sla.iloc[0]
    log = ns["audit_log"]
    bad = ns["tampered_rows"](log)
    edited = log[log["seq"].isin(bad)]
    minimal = ns["minimisation"](ns["use_case_fields"])
    top = minimal.iloc[0]
    extract = ns["analytics_extract"]
    release = ns["k_anonymise"](extract, 5)
    figures = ns["transparency_figures"](requests, 2025).groupby(level="privacy_regime")[["received", "completed"]].sum()
    return {
        "customer-purposes on the regional default": f"{_pct((state['basis'] == 'default').mean())} of {len(state):,}",
        "customer-purposes decided by a tie (withdraw wins)": f"{ties:,}",
        "retention run: delete / anonymise / aggregate / keep": " / ".join(
            f"{int(counts.get(a, 0)):,}" for a in ("delete", "anonymise", "aggregate", "keep")),
        "lowest DSAR compliance": f"{sla.index[0]}: {_pct(worst['compliance'])} ({int(worst['on_time'])} of "
                                  f"{int(worst['due'])} due by {ns['REPORT_DAY'].date()})",
        "DSAR compliance in the other markets": f"{_pct(sla['compliance'].iloc[1:].min())}–"
                                                f"{_pct(sla['compliance'].iloc[1:].max())}",
        "overdue requests (all markets)": f"{int(sla['overdue'].sum())}",
        "audit rows failing verification": ", ".join(
            f"seq {int(r.seq)} (request {int(r.request_id)}, {r.action})" for r in edited.itertuples()) or "none",
        "use case with most excess fields": f"{minimal.index[0]}: {int(top['excess'])} of {int(top['requested'])} "
                                            f"({top['excess_fields']})",
        "k = 5: rows released": f"{len(release):,} of {len(extract):,} "
                                f"({100 * (1 - len(release) / len(extract)):.1f}% suppressed)",
        "2025 requests received / completed": "; ".join(
            f"{regime} {int(r.received)} / {int(r.completed)}" for regime, r in figures.iterrows()),
    }
