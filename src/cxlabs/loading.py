"""Find, build and read the world's tables.

Where the data lives, first match wins:

1. ``$CXLABS_DATA_DIR`` if set;
2. when the course gives every learner their own world (:mod:`cxlabs.variants`), that
   learner's variant: ``~/.cache/cxlabs/world-<seed>``, the seed derived from the course and
   the learner's id;
3. ``datasets/world`` of the source checkout ``cxlabs`` is installed from (editable installs);
4. ``~/.cache/cxlabs/world``.

If the data is missing it is built once, with a message: from the learner's seed for a
variant, else from ``$CXLABS_SEED`` (default 42).
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import sys
from pathlib import Path

import pandas as pd

from cxlabs.world import DEFAULT_CUSTOMERS, DEFAULT_SEED, all_tables, build_world
from cxlabs.world.build import META_FILE


class UnknownTableError(KeyError):
    """The table name is not one of the world's tables."""

    def __str__(self) -> str:
        return str(self.args[0])


class DataError(RuntimeError):
    """The data on disk cannot be read."""


def _schemas():
    return {t.name: t for t in all_tables()}


def table_names(include_truth: bool = False) -> list[str]:
    """Names of the world's tables, in build order.

    Parameters
    ----------
    include_truth : bool, default False
        Also list the planted-truth tables, which labs never use for answers.
    """
    return [t.name for t in all_tables() if include_truth or not t.truth]


def data_dir() -> Path:
    """The directory the world's Parquet files are read from (see the module docstring).

    Raises :class:`cxlabs.variants.LearnerIdError`, saying what to do, when the course gives
    every learner their own world and nothing names the learner.
    """
    return _location()[0]


def _location() -> tuple[Path, int | None]:
    """The data folder and, for a learner's variant, the seed it is built from."""
    env = os.environ.get("CXLABS_DATA_DIR")
    if env:
        return Path(env).expanduser(), None
    from cxlabs import variants

    if variants.enabled():
        variant = variants.current()
        return variant.folder, variant.seed
    return _default_dir(), None


def _default_dir() -> Path:
    checkout = Path(__file__).resolve().parents[2] / "datasets"
    if checkout.is_dir() and (checkout.parent / "pyproject.toml").is_file():
        return checkout / "world"
    return Path.home() / ".cache" / "cxlabs" / "world"


def _schema(name: str):
    schemas = _schemas()
    if not isinstance(name, str) or name not in schemas:
        close = difflib.get_close_matches(str(name), list(schemas), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownTableError(
            f"There is no table named {name!r}.{hint} Known tables: {', '.join(table_names())}."
        )
    return schemas[name]


@contextlib.contextmanager
def _build_lock(folder: Path):
    """Hold an exclusive lock while building, so parallel kernels build the world once."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    lock_path = folder.with_name(folder.name + ".lock")
    with open(lock_path, "w") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no lock; the build's atomic rename still protects readers
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_world(folder: Path | None = None, seed: int | None = None) -> Path:
    """Make sure the world exists in ``folder`` (default :func:`data_dir`); build it if not.

    A missing world is built from ``seed``; by default the learner's variant seed when
    ``folder`` is the learner's variant, else ``$CXLABS_SEED`` (default 42).
    """
    seed = None if seed is None else int(seed)
    variant = False
    if folder is None:
        folder, variant_seed = _location()
        if variant_seed is not None:
            seed, variant = variant_seed, True
    folder = Path(folder)
    if _is_complete(folder):
        return folder
    with _build_lock(folder):
        if _is_complete(folder):  # another process built it while we waited
            return folder
        seed = int(os.environ.get("CXLABS_SEED", DEFAULT_SEED)) if seed is None else seed
        if variant:
            print(f"cxlabs: building your own company's data (variant {seed}) in {folder}; "
                  f"about 5 seconds, once. Every learner in this course has a company of "
                  "their own: same tables and lessons, different numbers.",
                  file=sys.stderr, flush=True)
        else:
            print(f"cxlabs: the company's data is not in {folder} yet; building it now "
                  f"(seed {seed}, {DEFAULT_CUSTOMERS:,} customers, about 5 seconds). "
                  "This happens once.", file=sys.stderr, flush=True)
        build_world(folder, seed=seed, customers=DEFAULT_CUSTOMERS)
    return folder


def _is_complete(folder: Path) -> bool:
    if not (folder / META_FILE).is_file():
        return False
    return all((folder / f"{t.name}.parquet").is_file() for t in all_tables())


def world_info(folder: Path | None = None) -> dict:
    """Seed, size, row counts and content hashes of the world on disk."""
    folder = ensure_world(folder)
    try:
        return json.loads((folder / META_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise DataError(f"{folder / META_FILE} is unreadable ({exc}). Rebuild with `cxlabs data build`.") from None


def load(name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read one of the company's tables as a typed DataFrame.

    Parameters
    ----------
    name : str
        Table name, e.g. ``"orders"``. ``cxlabs.table_names()`` lists them.
    columns : list of str, optional
        Read only these columns.

    Returns
    -------
    DataFrame
        Columns in the data dictionary's order and dtypes: ``int64``/``Int64`` ids and counts,
        ``float64`` amounts, ``str`` text and codes, ``datetime64[us]`` times and dates.

    Raises
    ------
    UnknownTableError
        ``name`` is not a table; the message lists the ones that are.
    MissingColumnError
        A requested column does not exist.
    DataError
        The file on disk is damaged.

    Examples
    --------
    >>> import cxlabs
    >>> orders = cxlabs.load("orders")
    >>> orders.columns[:3].tolist()
    ['order_id', 'customer_id', 'ordered_at']
    """
    table = _schema(name)
    if columns is not None:
        from cxlabs.schema import MissingColumnError
        unknown = [c for c in columns if c not in table.column_names]
        if unknown:
            raise MissingColumnError(
                f"Table {name!r} has no column(s) {unknown}. Its columns are {table.column_names}.")
    folder = ensure_world()
    path = folder / f"{name}.parquet"
    try:
        df = pd.read_parquet(path, columns=columns)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise DataError(
            f"Could not read {path}: {type(exc).__name__}: {exc}. The file may be damaged or "
            "half-written; rebuild the data with `cxlabs data build`."
        ) from None
    if columns is None:
        return table.coerce(df)
    return df


def describe(name: str | None = None) -> pd.DataFrame:
    """The data dictionary as a DataFrame: every table, or the columns of one table.

    Examples
    --------
    >>> import cxlabs
    >>> cxlabs.describe("orders").loc["status", "allowed"]
    'completed, cancelled'
    """
    if name is None:
        rows = [(t.name, t.group, t.grain, t.description) for t in all_tables() if not t.truth]
        return pd.DataFrame(rows, columns=["table", "group", "one row per", "description"]).set_index("table")
    table = _schema(name)
    rows = [(c.name, c.kind, c.description, c.unit, ", ".join(map(str, c.allowed)), c.nullable)
            for c in table.columns]
    return pd.DataFrame(rows, columns=["column", "type", "meaning", "unit", "allowed", "may be missing"]
                        ).set_index("column")
