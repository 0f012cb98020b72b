"""Table schemas: one object per table that both validates the data and documents it.

The data dictionary in ``datasets/DATA_DICTIONARY.md`` is rendered from these objects
(:func:`render_dictionary`), so the documentation cannot drift from what is validated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: The logical types a column can have, and the pandas dtype each is stored as.
DTYPES = {
    "int": "int64",
    "float": "float64",
    "bool": "bool",
    "str": "str",
    "datetime": "datetime64[us]",
    "date": "datetime64[us]",
}


class SchemaError(ValueError):
    """A table does not match its schema. The message lists every problem found."""


class MissingColumnError(KeyError):
    """A DataFrame handed to a helper lacks columns the helper needs."""

    def __str__(self) -> str:  # KeyError would otherwise print the repr of the message
        return str(self.args[0])


@dataclass(frozen=True)
class Column:
    """One column: its name, logical type, meaning, and the values it may take.

    Parameters
    ----------
    name : str
    kind : {"int", "float", "bool", "str", "datetime", "date"}
    description : str
        What the column means, in one sentence.
    unit : str, optional
        Unit of measure ("USD", "minutes", "days", ...).
    allowed : tuple, optional
        The only values the column may hold.
    min, max : float, optional
        Inclusive bounds for numeric columns.
    nullable : bool, default False
    unique : bool, default False
    references : str, optional
        ``"table.column"`` this column is a foreign key to.
    """

    name: str
    kind: str
    description: str
    unit: str = ""
    allowed: tuple = ()
    min: float | None = None
    max: float | None = None
    nullable: bool = False
    unique: bool = False
    references: str = ""

    def __post_init__(self) -> None:
        if self.kind not in DTYPES:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}")

    @property
    def dtype(self) -> str:
        return DTYPES[self.kind]


@dataclass(frozen=True)
class Table:
    """A table's schema: name, purpose, grain and columns."""

    name: str
    description: str
    grain: str
    columns: tuple[Column, ...]
    group: str = "core"
    truth: bool = False  # planted truth: for tests and instructors, never for lab answers
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def coerce(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` with the schema's column order and dtypes.

        Columns that already have their dtype are used as they are, without a copy, so
        coercing a table that matches its schema is cheap even for millions of rows.
        """
        missing = [c for c in self.column_names if c not in df.columns]
        if missing:
            raise SchemaError(f"{self.name}: missing columns {missing}")
        out = {}
        for col in self.columns:
            s = df[col.name]
            if str(s.dtype) != _stored_dtype(col):
                if col.kind in ("datetime", "date"):
                    s = pd.to_datetime(s)
                s = s.astype(_stored_dtype(col))
            out[col.name] = s.reset_index(drop=True)
        return pd.DataFrame(out, copy=False)

    def validate(self, df: pd.DataFrame) -> pd.DataFrame:
        """Check ``df`` against the schema; raise :class:`SchemaError` listing all problems."""
        problems: list[str] = []
        if list(df.columns) != self.column_names:
            problems.append(f"columns are {list(df.columns)}, expected {self.column_names}")
        for col in self.columns:
            if col.name not in df.columns:
                continue
            s = df[col.name]
            problems += _column_problems(col, s)
        if problems:
            raise SchemaError(f"table {self.name!r} does not match its schema:\n  - "
                              + "\n  - ".join(problems))
        return df


def _stored_dtype(col: Column) -> str:
    """The pandas dtype a column is held in: nullable ints and bools use pandas' masked dtypes."""
    return {"int": "Int64" if col.nullable else "int64",
            "bool": "boolean" if col.nullable else "bool"}.get(col.kind, col.dtype)


def _column_problems(col: Column, s: pd.Series) -> list[str]:
    out = []
    expected = _stored_dtype(col)
    if str(s.dtype) != expected:
        out.append(f"{col.name}: dtype {s.dtype}, expected {expected}")
        return out
    missing = s.isna().to_numpy()
    nulls = int(missing.sum())
    if nulls and not col.nullable:
        out.append(f"{col.name}: {nulls} missing values in a non-nullable column")
    present = s[~missing] if nulls else s
    if col.allowed:
        bad = ~present.isin(col.allowed)
        if bad.any():
            sample = sorted(map(str, present[bad].unique()[:5]))
            out.append(f"{col.name}: values outside {list(col.allowed)}: {sample}")
    if col.min is not None and len(present) and present.min() < col.min:
        out.append(f"{col.name}: minimum {present.min()} below {col.min}")
    if col.max is not None and len(present) and present.max() > col.max:
        out.append(f"{col.name}: maximum {present.max()} above {col.max}")
    if col.unique and _has_duplicates(present):
        out.append(f"{col.name}: {int(present.duplicated().sum())} duplicate values")
    if col.kind == "date" and len(present):
        day = np.timedelta64(1, "D").astype("timedelta64[us]").astype("int64")
        if (present.to_numpy().view("int64") % day != 0).any():
            out.append(f"{col.name}: a date column holds times of day")
    if col.kind == "float" and len(present) and not np.isfinite(present.to_numpy()).all():
        out.append(f"{col.name}: infinite values")
    return out


def _has_duplicates(s: pd.Series) -> bool:
    """Whether ``s`` (no missing values) holds a value twice; fast paths for ids and text."""
    if s.dtype == "int64" and s.is_monotonic_increasing:  # ids usually are: compare neighbours
        values = s.to_numpy()
        return bool((values[1:] == values[:-1]).any())
    if isinstance(s.dtype, pd.StringDtype):
        values = pa.array(s.array)
        return len(pc.unique(values)) != len(values)
    return bool(s.duplicated().any())


def require_columns(df: pd.DataFrame, columns, *, what: str = "the DataFrame") -> None:
    """Raise a clear :class:`MissingColumnError` if ``df`` lacks any of ``columns``.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], what="events")
    Traceback (most recent call last):
    ...
    cxlabs.schema.MissingColumnError: events is missing column(s) ['b']; it has ['a'].
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{what} should be a pandas DataFrame, got {type(df).__name__}.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise MissingColumnError(
            f"{what} is missing column(s) {missing}; it has {list(df.columns)}."
        )


def render_dictionary(tables: list[Table]) -> str:
    """Render the data dictionary (Markdown) for ``tables``."""
    lines = [
        "# Data dictionary",
        "",
        "Generated from the schemas in `src/cxlabs/world/` by `cxlabs data dictionary`;"
        " do not edit by hand.",
        "The same schema objects validate every table when the world is built.",
        "Times are in UTC. Money is in US dollars (USD) at the company's fixed reporting rates.",
        "",
        "Row counts depend on the size built; `cxlabs data describe` prints them.",
        "",
        "| table | group | one row per | planted truth |",
        "|---|---|---|---|",
    ]
    for t in tables:
        lines.append(f"| [`{t.name}`](#{t.name}) | {t.group} | {t.grain} | {'yes' if t.truth else ''} |")
    for t in tables:
        lines += ["", f"## {t.name}", "", t.description, "", f"One row per {t.grain}."]
        if t.truth:
            lines += ["", "**Planted truth.** Kept for tests and instructors; labs never read it."]
        for note in t.notes:
            lines += ["", note]
        lines += ["", "| column | type | meaning | unit | allowed values |", "|---|---|---|---|---|"]
        for c in t.columns:
            allowed = ", ".join(f"`{v}`" for v in c.allowed)
            bounds = []
            if c.min is not None:
                bounds.append(f">= {c.min:g}")
            if c.max is not None:
                bounds.append(f"<= {c.max:g}")
            if bounds:
                allowed = (allowed + "; " if allowed else "") + " and ".join(bounds)
            flags = []
            if c.nullable:
                flags.append("may be missing")
            if c.unique:
                flags.append("unique")
            if c.references:
                flags.append(f"refers to `{c.references}`")
            desc = c.description + (f" ({'; '.join(flags)})" if flags else "")
            lines.append(f"| `{c.name}` | {c.kind} | {desc} | {c.unit} | {allowed} |")
    return "\n".join(lines) + "\n"
