"""The registry of world tables: each table's schema, the tables it is made from, and its generator.

A generator makes one table or several tables that belong together:

* one table: ``make(ctx, rng, **inputs) -> DataFrame``, where ``rng`` is the table's own random
  stream, ``ctx.rng(<table name>)``;
* several tables (``@generates((TABLE_A, TABLE_B), ...)``): ``make(ctx, **inputs) -> dict``
  mapping each table's name to its DataFrame. It takes each table's stream from
  ``ctx.rng(<table name>)`` itself; a table derived from the others (an answer key, say)
  needs no stream of its own.

Streams (:meth:`WorldContext.rng`) derive from the world's seed and a table's name only, so
adding a table never changes the tables that were there before it. ``inputs`` are the tables
named in ``needs``, by name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlabs.schema import Table

#: First and last day of the company's history (two calendar years).
HISTORY_START = pd.Timestamp("2024-01-01")
HISTORY_END = pd.Timestamp("2025-12-31 23:59:59")
DEFAULT_SEED = 42
DEFAULT_CUSTOMERS = 10_000


@dataclass
class WorldContext:
    """What every generator may read: the seed, the size, the calendar, and the facts book."""

    seed: int = DEFAULT_SEED
    customers: int = DEFAULT_CUSTOMERS
    start: pd.Timestamp = HISTORY_START
    end: pd.Timestamp = HISTORY_END
    facts: dict[str, tuple[str, str]] = field(default_factory=dict)

    def rng(self, name: str) -> np.random.Generator:
        """The random stream of table ``name``: same seed and name, same stream, on any machine."""
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
        return np.random.default_rng(np.random.SeedSequence([self.seed, key]))

    def plant(self, fact: str, value, description: str) -> None:
        """Record a planted truth (a value a lab must be able to recover)."""
        self.facts[fact] = (json.dumps(value, sort_keys=True, default=str), description)

    @property
    def scale(self) -> float:
        return self.customers / DEFAULT_CUSTOMERS


@dataclass(frozen=True, eq=False)  # generators compare by identity
class TableGenerator:
    tables: tuple[Table, ...]
    needs: tuple[str, ...]
    make: Callable[..., pd.DataFrame | dict[str, pd.DataFrame]]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def run(self, ctx: WorldContext, inputs: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        """Make this generator's tables: ``{table name: DataFrame}``, in declaration order."""
        if len(self.tables) == 1:
            name = self.tables[0].name
            return {name: self.make(ctx, ctx.rng(name), **inputs)}
        out = self.make(ctx, **inputs)
        if set(out) != set(self.names):
            raise ValueError(f"{self.make.__name__} returned tables {sorted(out)}, "
                             f"expected {sorted(self.names)}")
        return {name: out[name] for name in self.names}


#: Table name -> the generator that makes it (tables made together share one generator).
REGISTRY: dict[str, TableGenerator] = {}


def generates(tables: Table | tuple[Table, ...], needs: tuple[str, ...] = ()):
    """Decorator: register ``make`` as the generator of ``tables``, built from ``needs``."""
    tables = (tables,) if isinstance(tables, Table) else tuple(tables)

    def register(make):
        for table in tables:
            if table.name in REGISTRY:
                raise ValueError(f"table {table.name!r} registered twice")
        gen = TableGenerator(tables, tuple(needs), make)
        REGISTRY.update((table.name, gen) for table in tables)
        return make

    return register


def table_order() -> list[str]:
    """Table names in an order where every table comes after the tables it needs."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in seen:
            return
        if name in path:
            raise ValueError(f"cycle in table dependencies: {' -> '.join(path + (name,))}")
        for dep in REGISTRY[name].needs:
            visit(dep, path + (name,))
        seen.add(name)
        order.append(name)

    for name in REGISTRY:
        visit(name, ())
    return order


def build_order() -> list[TableGenerator]:
    """The generators, each after the generators of the tables it needs (as in :func:`table_order`)."""
    return list(dict.fromkeys(REGISTRY[name] for name in table_order()))
