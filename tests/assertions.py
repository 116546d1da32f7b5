"""Assertions that cannot pass vacuously (issue #9, "Checks that keep it so")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


def nonempty(items: Iterable[T]) -> list[T]:
    """The items as a list, asserted not to be empty: `assert all(p(x) for x in nonempty(xs))` fails when there is
    nothing to check instead of passing."""
    found = list(items)
    assert found, "expected at least one item to check"
    return found
