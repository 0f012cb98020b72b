"""The course manifest (``course.toml``): labs, titles, objectives, time, tables.

Examples
--------
>>> from cxlabs.course import labs
>>> labs()[0].id
'lab00'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Lab:
    id: str
    notebook: str
    title: str
    minutes: int
    modules: tuple[str, ...]
    tables: tuple[str, ...]
    objectives: tuple[str, ...]

    @property
    def path(self) -> str:
        """Path of the notebook inside ``solutions/`` or ``labs/``."""
        return f"{self.id}/{self.notebook}.ipynb"


@cache
def manifest() -> dict:
    return tomllib.loads(resources.files("cxlabs").joinpath("course.toml").read_text(encoding="utf-8"))


def labs() -> list[Lab]:
    """Every lab of the course, in order."""
    return [Lab(e["id"], e["notebook"], e["title"], int(e["minutes"]), tuple(e["modules"]),
                tuple(e["tables"]), tuple(e["objectives"])) for e in manifest()["labs"]]


def lab(lab_id: str) -> Lab:
    """One lab by id; a clear error lists the known ids."""
    for item in labs():
        if item.id == lab_id:
            return item
    raise KeyError(f"No lab {lab_id!r}; the course has {[e.id for e in labs()]}.")


def intro_markdown(item: Lab) -> str:
    """The opening cell of a lab, rendered from the manifest."""
    objectives = "\n".join(f"{i}. {o}" for i, o in enumerate(item.objectives, 1))
    return (f"# Lab {item.id[3:]} — {item.title}\n\n"
            f"**Estimated time:** {item.minutes} minutes\n\n"
            f"**By the end of this lab you can:**\n\n{objectives}\n")


def lab_list_markdown() -> str:
    """The README's lab table."""
    rows = ["| lab | title | time | outline modules |", "|---|---|---|---|"]
    for item in labs():
        rows.append(f"| [{item.id}](labs/{item.path}) | {item.title} | {item.minutes} min | "
                    f"{', '.join(item.modules) or '—'} |")
    return "\n".join(rows)
