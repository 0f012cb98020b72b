"""Every learner their own company: per-learner variants of the world.

When the course turns variants on (``[variants] enabled = true`` in ``course.toml``, or
``$CXLABS_VARIANTS=1``), each learner works on their own world: the same tables, the same
planted lessons, different numbers. The world's seed comes from the course id and the
learner's id (:func:`seed_for`), so the same learner gets the same bytes on any machine,
and the grader rebuilds exactly the world the learner saw.

Who the learner is, first match wins:

1. ``$CXLABS_LEARNER``;
2. ``$JUPYTERHUB_USER`` (on a JupyterHub, the user name, which is also the nbgrader
   student id);
3. the id stored once with ``cxlabs learner set ID``, in ``learner`` under the user's
   configuration folder (:func:`config_dir`).

This module only reads; ``cxlabs.cli`` writes the stored id.

Ids are compared without surrounding spaces and without case. The learner's world is built
on first use into ``world-<seed>`` under the cache folder (:func:`cache_dir`) and read from
there by :func:`cxlabs.load`; ``$CXLABS_DATA_DIR``, when set, still wins.

With variants off (the default) nothing here applies: everyone works on the one world.

Examples
--------
>>> from cxlabs.variants import seed_for
>>> seed_for("alice") == seed_for(" Alice ")
True
>>> seed_for("alice") != seed_for("bob")
True
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

#: Environment variable that overrides the manifest's ``[variants] enabled``.
ENV_ENABLED = "CXLABS_VARIANTS"
#: Environment variable that names the learner (first in line).
ENV_LEARNER = "CXLABS_LEARNER"
#: Longest learner id accepted.
MAX_ID_LENGTH = 128
#: Bits of the SHA-256 digest kept as the seed (48: no two learners of any class share one).
SEED_BITS = 48
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class LearnerIdError(RuntimeError):
    """Variants are on and the learner's id is unknown (or unusable). The message says what to do."""


@dataclass(frozen=True)
class Variant:
    """One learner's variant of the company."""

    learner: str
    source: str  # where the id came from: CXLABS_LEARNER, JUPYTERHUB_USER, or the stored file
    seed: int
    folder: Path


# ---- the course setting ------------------------------------------------------------------------

def _manifest() -> dict:
    from cxlabs.course import manifest

    return manifest()


def course_id() -> str:
    """The course id of the manifest (``[course] id``), part of every learner's seed."""
    return str(_manifest()["course"]["id"])


def enabled() -> bool:
    """Whether the course gives every learner their own world.

    ``$CXLABS_VARIANTS`` (``1``/``0``, ``on``/``off``, ``true``/``false``) overrides the
    manifest's ``[variants] enabled``, for tests and for an instructor trying both.
    """
    value = os.environ.get(ENV_ENABLED)
    if value is not None:
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"${ENV_ENABLED} is {value!r}; use 1 (on) or 0 (off)")
    return bool(_manifest().get("variants", {}).get("enabled", False))


# ---- who the learner is ------------------------------------------------------------------------

def normalise(learner: str) -> str:
    """A learner id as it enters the seed: no surrounding spaces, case folded.

    Raises :class:`LearnerIdError` for an empty id, control characters or an id longer than
    :data:`MAX_ID_LENGTH`.
    """
    if not isinstance(learner, str):
        raise LearnerIdError(f"a learner id is text, not {type(learner).__name__}")
    text = unicodedata.normalize("NFC", learner.strip()).casefold()
    if not text:
        raise LearnerIdError("the learner id is empty")
    if len(text) > MAX_ID_LENGTH:
        raise LearnerIdError(f"the learner id is longer than {MAX_ID_LENGTH} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise LearnerIdError("the learner id contains control characters")
    return text


def config_dir() -> Path:
    """Where ``cxlabs learner set`` stores the id: ``$CXLABS_CONFIG_DIR``, else the user's
    configuration folder (``$XDG_CONFIG_HOME/cxlabs`` or ``~/.config/cxlabs``; on Windows
    ``%APPDATA%\\cxlabs``)."""
    if os.environ.get("CXLABS_CONFIG_DIR"):
        return Path(os.environ["CXLABS_CONFIG_DIR"]).expanduser()
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "cxlabs"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "cxlabs"


def stored_file() -> Path:
    """The file ``cxlabs learner set`` writes the id to."""
    return config_dir() / "learner"


def learner_id() -> tuple[str, str] | None:
    """The learner's id and where it came from, or None when nothing names the learner."""
    found = [(os.environ.get(name, ""), f"${name}") for name in (ENV_LEARNER, "JUPYTERHUB_USER")]
    path = stored_file()
    with contextlib.suppress(OSError, UnicodeDecodeError):
        found.append((path.read_text(encoding="utf-8"), str(path)))
    for value, source in found:
        if value.strip():
            try:
                return normalise(value), source
            except LearnerIdError as exc:
                raise LearnerIdError(f"The learner id in {source} cannot be used: {exc}. "
                                     "Set it again with `cxlabs learner set YOUR-ID`.") from None
    return None


# ---- the variant -------------------------------------------------------------------------------

def seed_for(learner: str, course: str | None = None) -> int:
    """The world seed of ``learner`` in ``course`` (default: the manifest's course id).

    The first :data:`SEED_BITS` bits of SHA-256 over the course id and the normalised id:
    the same on every machine and in the grader, different for every learner.
    """
    course = course_id() if course is None else course
    digest = hashlib.sha256(f"cxlabs-variant\0{course}\0{normalise(learner)}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - SEED_BITS)


def cache_dir() -> Path:
    """Where learners' variants are built: ``$CXLABS_CACHE_DIR``, else ``$XDG_CACHE_HOME/cxlabs``
    or ``~/.cache/cxlabs``."""
    if os.environ.get("CXLABS_CACHE_DIR"):
        return Path(os.environ["CXLABS_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "cxlabs"


def variant_dir(seed: int) -> Path:
    """The folder of the world built from ``seed`` in the cache."""
    return cache_dir() / f"world-{int(seed)}"


MISSING_ID = (
    "This course gives every learner their own version of the company's data, and cxlabs does "
    "not know who you are yet. Tell it once, with the student id your instructor gave you "
    "(on a course server, your user name):\n\n"
    "    in a terminal:      cxlabs learner set YOUR-ID\n"
    "    or in a notebook:   import cxlabs.cli; cxlabs.cli.main([\"learner\", \"set\", \"YOUR-ID\"])\n\n"
    "then run this cell again. (Setting the environment variable CXLABS_LEARNER=YOUR-ID works "
    "too.) Use the same id on every computer: it decides which company you get, and your work "
    "is graded on that company's data."
)


def current() -> Variant:
    """The current learner's variant; :class:`LearnerIdError` (saying what to do) if unknown."""
    found = learner_id()
    if found is None:
        raise LearnerIdError(MISSING_ID)
    learner, source = found
    seed = seed_for(learner)
    return Variant(learner, source, seed, variant_dir(seed))
