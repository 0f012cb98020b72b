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

#: A sitting is planned as one class session of at most this many minutes (COURSE.md).
SITTING_MINUTES = 90

NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}


@dataclass(frozen=True)
class Lab:
    """One lab of the manifest.

    ``sittings`` are the minutes of each sitting, in order; a lab longer than one session is
    split into sittings of at most :data:`SITTING_MINUTES` each, and ``breaks`` names the part
    each later sitting starts with (``"Part 4"`` for the heading ``## Part 4 — ...``). The
    released notebook has a break cell there (``autograder/course.py``, ``add_break_cells``).
    """

    id: str
    notebook: str
    title: str
    sittings: tuple[int, ...]
    breaks: tuple[str, ...]
    modules: tuple[str, ...]
    tables: tuple[str, ...]
    objectives: tuple[str, ...]

    @property
    def path(self) -> str:
        """Path of the notebook inside ``solutions/`` or ``labs/``."""
        return f"{self.id}/{self.notebook}.ipynb"

    @property
    def minutes(self) -> int:
        """The whole lab's estimated time: its sittings added up."""
        return sum(self.sittings)


@cache
def manifest() -> dict:
    return tomllib.loads(resources.files("cxlabs").joinpath("course.toml").read_text(encoding="utf-8"))


def labs() -> list[Lab]:
    """Every lab of the course, in order."""
    out = []
    for e in manifest()["labs"]:
        sittings, breaks = tuple(int(m) for m in e["sittings"]), tuple(e.get("breaks", ()))
        if not sittings or len(breaks) != len(sittings) - 1:
            raise ValueError(f"course.toml, {e['id']}: {len(sittings)} sitting(s) need "
                             f"{max(len(sittings) - 1, 0)} break(s) (`breaks`), not {len(breaks)}")
        out.append(Lab(e["id"], e["notebook"], e["title"], sittings, breaks, tuple(e["modules"]),
                       tuple(e["tables"]), tuple(e["objectives"])))
    return out


def lab(lab_id: str) -> Lab:
    """One lab by id; a clear error lists the known ids."""
    for item in labs():
        if item.id == lab_id:
            return item
    raise KeyError(f"No lab {lab_id!r}; the course has {[e.id for e in labs()]}.")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def time_markdown(item: Lab) -> str:
    """The lab's estimated time in words, with its sittings.

    >>> from cxlabs.course import Lab
    >>> time_markdown(Lab("lab99", "nb", "A lab", (75, 90), ("Part 4",), (), (), ()))
    '165 minutes, in two sittings of about 75 and 90 minutes (the break comes before Part 4)'
    """
    n = len(item.sittings)
    if n == 1:
        return f"{item.minutes} minutes, one sitting"
    breaks = "the break comes" if n == 2 else "the breaks come"
    return (f"{item.minutes} minutes, in {NUMBER_WORDS.get(n, n)} sittings of about "
            f"{_and([str(m) for m in item.sittings])} minutes ({breaks} before {_and(list(item.breaks))})")


def intro_markdown(item: Lab) -> str:
    """The opening cell of a lab, rendered from the manifest."""
    objectives = "\n".join(f"{i}. {o}" for i, o in enumerate(item.objectives, 1))
    return (f"# Lab {item.id[3:]} — {item.title}\n\n"
            f"**Estimated time:** {time_markdown(item)}.\n\n"
            f"**By the end of this lab you can:**\n\n{objectives}\n")


def break_markdown(item: Lab, number: int) -> str:
    """The break cell that ends sitting ``number`` (1-based) of a lab split into sittings."""
    total = len(item.sittings)
    return (f"## Break: end of sitting {number} of {total}\n\n"
            f"That was about {item.sittings[number - 1]} minutes of work; {item.breaks[number - 1]} "
            f"onwards takes about {item.sittings[number]} more. Save the notebook (**File → Save "
            "Notebook**) and stop here if you like: your answers stay in it.\n\n"
            "**To pick up later:** open the notebook, click in the cell just below this one and "
            "choose **Run → Run All Above Selected Cell**. That loads the company's data and "
            "defines your answers again (a few seconds; a failing check does not stop it). The "
            "**Where you stand** cell at the end shows what is left.")


def lab_list_markdown() -> str:
    """The README's lab table."""
    rows = ["| lab | title | time | outline modules |", "|---|---|---|---|"]
    for item in labs():
        time = f"{item.minutes} min" + (f" ({' + '.join(map(str, item.sittings))})"
                                        if len(item.sittings) > 1 else "")
        rows.append(f"| [{item.id}](labs/{item.path}) | {item.title} | {time} | "
                    f"{', '.join(item.modules) or '—'} |")
    return "\n".join(rows)
