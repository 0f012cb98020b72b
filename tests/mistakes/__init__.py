"""Catalogue of common wrong answers per lab, used by tests/test_mistakes.py."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    """A wrong answer: what it is, the answer cell's wrong source, and what the visible check says.

    ``visible`` is a phrase the visible check's message must contain when it names this
    mistake; ``None`` when only the hidden tests are expected to catch it.
    """

    description: str
    source: str
    visible: str | None = None
