"""The registry of world tables: each table's schema, the tables it is made from, and its generator.

A generator is a function ``make(ctx, rng, **inputs) -> DataFrame``. It gets its own random
stream (:meth:`WorldContext.rng`), derived from the world's seed and the table's name only,
so adding a table never changes the tables that were there before it.
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


@dataclass(frozen=True)
class TableGenerator:
    table: Table
    needs: tuple[str, ...]
    make: Callable[..., pd.DataFrame]


REGISTRY: dict[str, TableGenerator] = {}


def generates(table: Table, needs: tuple[str, ...] = ()):
    """Decorator: register ``make`` as the generator of ``table``, built from ``needs``."""

    def register(make):
        if table.name in REGISTRY:
            raise ValueError(f"table {table.name!r} registered twice")
        REGISTRY[table.name] = TableGenerator(table, tuple(needs), make)
        return make

    return register


def build_order() -> list[str]:
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
