"""Build the world: run every table's generator in dependency order and write Parquet files.

Tables are dropped from memory as soon as no later generator needs them, so peak memory
follows the largest table and its inputs, not the whole world. A background thread writes
(and hashes) each table while the next one is generated; see :class:`_Writer`.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cxlabs.schema import Table
from cxlabs.world.operating_model import PLANTED_FACTS
from cxlabs.world.registry import (
    DEFAULT_CUSTOMERS,
    DEFAULT_SEED,
    REGISTRY,
    WorldContext,
    build_order,
    table_order,
)

META_FILE = "world.json"
FORMAT_VERSION = 1


def all_tables():
    """Every table schema, in build order, followed by ``planted_facts``."""
    schemas = {t.name: t for gen in REGISTRY.values() for t in gen.tables}
    return [schemas[name] for name in table_order()] + [PLANTED_FACTS]


def content_hash(df: pd.DataFrame) -> str:
    """SHA-256 of a table's content, independent of Parquet, pandas and platform versions.

    Floats are rounded to 6 decimals, so a last-bit difference in a maths library cannot
    change the hash. Columns are hashed from their buffers, without copies where possible.
    """
    h = hashlib.sha256()
    h.update(json.dumps([[c, str(df[c].dtype)] for c in df.columns]).encode())
    for col in df.columns:
        s = df[col]
        null = s.isna().to_numpy()
        h.update(np.packbits(null).tobytes())
        kind = s.dtype.kind
        if kind == "M":
            values = s.to_numpy().astype("datetime64[us]", copy=False).view("int64")
        elif kind == "f":
            values = np.round(s.to_numpy(dtype="float64", na_value=np.nan), 6)
            values[null] = 0.0
        elif s.dtype == "int64":
            values = s.to_numpy()
        elif kind in "iub" or str(s.dtype) in ("Int64", "boolean"):
            values = s.to_numpy(dtype="int64", na_value=0)
        else:
            lengths, values = _utf8_buffers(s)
            h.update(lengths.data)
        h.update(np.ascontiguousarray(values).data)
    return h.hexdigest()


def _utf8_buffers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Byte lengths and concatenated UTF-8 bytes of a text column (nulls as empty), via Arrow."""
    arr = pa.array(s.array) if hasattr(s.array, "__arrow_array__") else pa.array(s.to_numpy(object))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    if arr.null_count:
        arr = arr.fill_null("")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data_buffer = arr.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0]:offsets[-1]] if data_buffer else np.zeros(0, np.uint8)
    return np.diff(offsets), data


def build_world(out: str | os.PathLike, seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS,
                *, validate: bool = True, verbose: bool = False) -> dict:
    """Generate the company's tables and write them as Parquet files under ``out``.

    Parameters
    ----------
    out : path
        Directory to write. It is replaced atomically: readers see the old world or the
        new one, never half of each.
    seed : int, default 42
        Seed of every table's random stream. Same seed and size, same data, on any machine.
    customers : int, default 10_000
        Number of customers; every other table scales with it.
    validate : bool, default True
        Check every table against its schema before writing.
    verbose : bool, default False
        Print one line per table.

    Returns
    -------
    meta : dict
        Seed, size, row counts, content hashes and timings, also written to ``world.json``.

    Examples
    --------
    >>> meta = build_world("/tmp/cx-world", seed=7, customers=2_000)   # doctest: +SKIP
    >>> meta["rows"]["customers"]                                       # doctest: +SKIP
    2000
    """
    if customers < 2_000:
        raise ValueError(f"customers must be at least 2,000, got {customers:,}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        with freed_memory_kept():
            meta = _build_into(tmp, seed, customers, validate, verbose)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}-old-{os.getpid()}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return meta


#: glibc's mallopt parameters (malloc.h) and their defaults.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX = -1, -3, -4
_GLIBC_DEFAULTS = {_M_TRIM_THRESHOLD: 128 * 1024, _M_MMAP_THRESHOLD: 128 * 1024, _M_MMAP_MAX: 65536}


@contextlib.contextmanager
def freed_memory_kept():
    """While the world builds, keep the memory it frees in the process (glibc only), then give it back.

    A build allocates and frees arrays of hundreds of megabytes one after the other. By
    default glibc returns each one to the kernel as soon as it is freed (``munmap``), and the
    next array is faulted in page by page again. On virtual machines that hand freed memory
    back to the host this is slow: at 100x the kernel spent about 54 s of a 135 s build
    faulting pages in. Here allocations come from the heap and freed memory stays there for
    the next array (about 20 % more peak memory, a quarter fewer page faults, 12 % faster
    at 100x); at the end glibc's defaults are restored and free memory is released
    (``malloc_trim``). Elsewhere (macOS, musl) this does nothing.

    Examples
    --------
    >>> with freed_memory_kept():
    ...     pass
    """
    libc = None
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None)
            libc.mallopt, libc.malloc_trim  # noqa: B018 - both must exist
    if libc is None:
        yield
        return
    libc.mallopt(_M_MMAP_MAX, 0)                   # large arrays from the heap, not mmap
    libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)     # and never trimmed while building
    try:
        yield
    finally:
        for param, value in _GLIBC_DEFAULTS.items():
            libc.mallopt(param, value)
        libc.malloc_trim(0)


def _build_into(folder: Path, seed: int, customers: int, validate: bool, verbose: bool) -> dict:
    ctx = WorldContext(seed=seed, customers=customers)
    order = build_order()
    remaining_uses = Counter(dep for gen in order for dep in gen.needs)
    alive: dict[str, pd.DataFrame] = {}
    rows, seconds = {}, {}
    t_all = time.perf_counter()
    with _Writer(folder, validate) as writer:
        for gen in order:
            t0 = time.perf_counter()
            made = gen.run(ctx, {d: alive[d] for d in gen.needs})
            for table in gen.tables:  # a generator that makes several tables is timed on the first
                df = table.coerce(made.pop(table.name))
                writer.write(table, df)
                rows[table.name] = len(df)
                seconds[table.name] = round(time.perf_counter() - t0, 3)
                t0 = time.perf_counter()
                if verbose:
                    print(f"  {table.name:<24} {len(df):>10,} rows  {seconds[table.name]:6.2f} s", flush=True)
                if remaining_uses[table.name] > 0:
                    alive[table.name] = df
                del df
            for dep in gen.needs:
                remaining_uses[dep] -= 1
                if remaining_uses[dep] == 0:
                    alive.pop(dep, None)
        facts = PLANTED_FACTS.coerce(pd.DataFrame(
            [(k, v, d) for k, (v, d) in sorted(ctx.facts.items())], columns=["fact", "value", "description"]))
        writer.write(PLANTED_FACTS, facts)
        rows["planted_facts"] = len(facts)
    meta = {
        "format_version": FORMAT_VERSION, "seed": seed, "customers": customers,
        "rows": rows, "content_sha256": {name: writer.hashes[name] for name in rows}, "seconds": seconds,
        "build_seconds": round(time.perf_counter() - t_all, 3),
    }
    (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return meta


class _Writer:
    """Validates, writes (as Parquet) and hashes tables in one background thread.

    Validation, Parquet encoding and SHA-256 run mostly outside Python's GIL, so while the
    thread checks and writes one table, the main thread generates the next ones (on a machine
    with two or more cores). Tables wait in a queue; the writer is faster than the generators,
    so the queue stays short. The files and hashes do not depend on the timing: the tables
    are written one by one, in the order they were made, by the same thread. An invalid
    table raises :class:`~cxlabs.schema.SchemaError` at the next :meth:`write` or at the end.
    """

    def __init__(self, folder: Path, validate: bool = True):
        self.folder = folder
        self.validate = validate
        self.hashes: dict[str, str] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cxlabs-writer")
        self._pending: list[Future] = []

    def write(self, table: Table, df: pd.DataFrame) -> None:
        """Queue ``df`` to be validated against ``table`` and written as ``<table name>.parquet``."""
        self._raise_errors()
        self._pending.append(self._pool.submit(self._write, table, df))

    def _raise_errors(self) -> None:
        """Forget the tables already written; re-raise the error of a failed write, if any."""
        while self._pending and self._pending[0].done():
            self._pending.pop(0).result()

    def _write(self, table: Table, df: pd.DataFrame) -> None:
        if self.validate:
            table.validate(df)
        # Dictionary-encode text columns only: for numbers and times Parquet would try a
        # dictionary, find too many distinct values and fall back, which costs time for nothing.
        # Min/max statistics only for numbers and times: they are slow to compute for text and
        # nobody filters on the text's min and max.
        text = [c for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)]
        other = [c for c in df.columns if c not in text]
        df.to_parquet(self.folder / f"{table.name}.parquet", index=False,
                      use_dictionary=text or False, write_statistics=other or False)
        self.hashes[table.name] = content_hash(df)

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            for pending in self._pending:  # wait for every write; re-raise the first error
                if exc_type is None:
                    pending.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=exc_type is not None)
