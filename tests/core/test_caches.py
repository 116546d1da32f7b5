"""The one bounded cache of the bulk paths: a dict that forgets everything before it would pass its limit."""

from __future__ import annotations

import pytest

from fupin.core.caches import BoundedCache


def test_it_never_holds_more_than_its_limit_and_starts_over_when_full():
    cache: BoundedCache[int, int] = BoundedCache(3)
    for i in range(3):
        cache.set(i, i * 10)
    assert dict(cache) == {0: 0, 1: 10, 2: 20}
    cache.set(3, 30)
    assert dict(cache) == {3: 30}
    for i in range(100):
        cache.set(i, i)
        assert len(cache) <= 3


def test_get_or_set_computes_each_key_once_until_the_reset():
    calls: list[str] = []

    def compute(key: str) -> str | None:
        calls.append(key)
        return None if key == "none" else key.upper()

    cache: BoundedCache[str, str | None] = BoundedCache(10)
    assert [cache.get_or_set(k, compute) for k in ["a", "b", "a", "none", "none"]] == ["A", "B", "A", None, None]
    assert calls == ["a", "b", "none"]  # None is a cached value too


def test_room_clears_before_a_batch_that_would_overflow():
    cache: BoundedCache[int, int] = BoundedCache(5)
    cache.update({1: 1, 2: 2, 3: 3})
    cache.room(2)
    assert len(cache) == 3
    cache.room(3)
    assert len(cache) == 0


def test_a_cache_needs_room_for_one_key():
    with pytest.raises(ValueError):
        BoundedCache(0)
