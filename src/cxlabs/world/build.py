"""Build the world: run every table's generator in dependency order and write Parquet files.

Tables are dropped from memory as soon as no later generator needs them, so peak memory
follows the largest table and its inputs, not the whole world.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cxlabs.world.operating_model import PLANTED_FACTS
from cxlabs.world.registry import (
    DEFAULT_CUSTOMERS,
    DEFAULT_SEED,
    REGISTRY,
    WorldContext,
    build_order,
)

META_FILE = "world.json"
FORMAT_VERSION = 1


def all_tables():
    """Every table schema, in build order, followed by ``planted_facts``."""
    return [REGISTRY[name].table for name in build_order()] + [PLANTED_FACTS]


def content_hash(df: pd.DataFrame) -> str:
    """SHA-256 of a table's content, independent of Parquet, pandas and platform versions.

    Floats are rounded to 6 decimals, so a last-bit difference in a maths library cannot
    change the hash.
    """
    h = hashlib.sha256()
    h.update(json.dumps([[c, str(df[c].dtype)] for c in df.columns]).encode())
    for col in df.columns:
        s = df[col]
        null = s.isna().to_numpy()
        h.update(np.packbits(null).tobytes())
        kind = s.dtype.kind
        if kind == "M":
            values = s.to_numpy().astype("datetime64[us]").astype("int64")
        elif kind == "f":
            values = np.round(s.to_numpy(dtype="float64", na_value=np.nan), 6)
            values = np.where(null, 0.0, values)
        elif kind in "iub" or str(s.dtype) in ("Int64", "boolean"):
            values = s.to_numpy(dtype="int64", na_value=0)
        else:
            lengths, values = _utf8_buffers(s)
            h.update(lengths.tobytes())
        h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def _utf8_buffers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Byte lengths and concatenated UTF-8 bytes of a text column (nulls as empty), via Arrow."""
    arr = pa.array(s.array) if hasattr(s.array, "__arrow_array__") else pa.array(s.to_numpy(object))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string()).fill_null("")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
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


def _build_into(folder: Path, seed: int, customers: int, validate: bool, verbose: bool) -> dict:
    ctx = WorldContext(seed=seed, customers=customers)
    order = build_order()
    remaining_uses = {name: 0 for name in order}
    for name in order:
        for dep in REGISTRY[name].needs:
            remaining_uses[dep] += 1
    alive: dict[str, pd.DataFrame] = {}
    rows, hashes, seconds = {}, {}, {}
    t_all = time.perf_counter()
    for name in order:
        gen = REGISTRY[name]
        t0 = time.perf_counter()
        df = gen.make(ctx, ctx.rng(name), **{d: alive[d] for d in gen.needs})
        df = gen.table.coerce(df)
        if validate:
            gen.table.validate(df)
        df.to_parquet(folder / f"{name}.parquet", index=False)
        rows[name], hashes[name] = len(df), content_hash(df)
        seconds[name] = round(time.perf_counter() - t0, 3)
        if verbose:
            print(f"  {name:<24} {len(df):>10,} rows  {seconds[name]:6.2f} s", flush=True)
        for dep in gen.needs:
            remaining_uses[dep] -= 1
            if remaining_uses[dep] == 0:
                alive.pop(dep, None)
        if remaining_uses[name] > 0:
            alive[name] = df
        del df
    facts = PLANTED_FACTS.coerce(pd.DataFrame(
        [(k, v, d) for k, (v, d) in sorted(ctx.facts.items())], columns=["fact", "value", "description"]))
    PLANTED_FACTS.validate(facts)
    facts.to_parquet(folder / "planted_facts.parquet", index=False)
    rows["planted_facts"], hashes["planted_facts"] = len(facts), content_hash(facts)
    meta = {
        "format_version": FORMAT_VERSION, "seed": seed, "customers": customers,
        "rows": rows, "content_sha256": hashes, "seconds": seconds,
        "build_seconds": round(time.perf_counter() - t_all, 3),
    }
    (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    return meta
