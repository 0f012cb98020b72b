"""The DSAR audit log's row format: which fields are hashed, and how a row is written as text.

The audit log (table ``dsar_audit_log``) is append-only and hash-chained: each row stores
``row_hash = sha256(previous row's row_hash + canonical_row(row))`` as lower-case hex, and
the first row chains from :data:`GENESIS_HASH`. This module fixes only the *format* (so
everyone hashes the same bytes); computing and checking the chain is the lab's work.

Examples
--------
>>> import pandas as pd
>>> row = {"seq": 1, "logged_at": pd.Timestamp("2024-01-31 09:15"), "request_id": 7,
...        "actor": "privacy_team", "action": "received", "detail": "access request"}
>>> canonical_row(row)
'{"action":"received","actor":"privacy_team","detail":"access request","logged_at":"2024-01-31T09:15:00","request_id":"7","seq":"1"}'
"""

from __future__ import annotations

import json

import pandas as pd

#: The columns of an audit-log row that its hash covers, in the table's order.
AUDIT_FIELDS = ("seq", "logged_at", "request_id", "actor", "action", "detail")
#: The "previous hash" of the very first row.
GENESIS_HASH = "0" * 64


def canonical_row(row) -> str:
    """One audit-log row as canonical text: JSON of the hashed fields, keys sorted, no spaces.

    Parameters
    ----------
    row : mapping or pandas Series
        Must hold every field in :data:`AUDIT_FIELDS` (other keys are ignored).
        Times are written as ``YYYY-MM-DDTHH:MM:SS``; every value becomes text.

    Returns
    -------
    str
        Feed ``(previous_hash + canonical_row(row)).encode("utf-8")`` to ``hashlib.sha256``.
    """
    missing = [f for f in AUDIT_FIELDS if f not in row]
    if missing:
        raise KeyError(f"an audit-log row needs the fields {list(AUDIT_FIELDS)}; missing {missing}")

    def text(value) -> str:
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%dT%H:%M:%S")
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        return str(value)

    return json.dumps({f: text(row[f]) for f in AUDIT_FIELDS}, sort_keys=True, separators=(",", ":"))
