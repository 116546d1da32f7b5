"""One bounded cache for the bulk paths (imports read millions of rows through a few thousand distinct facts).

`BoundedCache` is a dict that forgets everything once it holds more than `limit` keys: memory stays bounded on any
file, and the cost of a miss after the reset is one recomputation (or one batch's re-fetch). Clearing all at once,
rather than evicting the oldest key, keeps a hit a plain dictionary lookup — an LRU's bookkeeping on every hit cost
more than the misses it saves on an import's skewed keys.

    dates = BoundedCache(100_000)
    day = dates.get_or_set(text, parse)        # parse(text) once per distinct text, until the reset

`get(key)` / `set(key, value)` (the value may be None; test with `key in cache`) and `room(n)` (clear first if `n`
more keys would overflow it, for caches filled a batch at a time) cover the other uses.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(dict[K, V]):
    """A dict cleared whenever it would hold more than `limit` keys."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        if limit < 1:
            raise ValueError("a bounded cache holds at least one key")
        self.limit = limit

    def set(self, key: K, value: V) -> V:
        """Store `value` under `key` (clearing the cache first when it is full); return it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value

    def get_or_set(self, key: K, compute: Callable[[K], V]) -> V:
        """The value for `key`, computed by `compute(key)` and stored on a miss."""
        try:
            return self[key]
        except KeyError:
            return self.set(key, compute(key))

    def room(self, n: int) -> None:
        """Clear the cache if `n` more keys would take it past its limit (caches filled by whole batches)."""
        if len(self) + n > self.limit:
            self.clear()
