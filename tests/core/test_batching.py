"""`core.batching.batches`: streams cut into lists without reading ahead."""

from __future__ import annotations

import pytest

from fupin.core.batching import batches


def test_batches_cut_a_stream_in_order_with_a_short_last_batch():
    assert list(batches(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batches(iter([]), 3)) == []
    assert list(batches("ab", 5)) == [["a", "b"]]


def test_batches_do_not_read_ahead_of_what_is_yielded():
    read: list[int] = []

    def stream():
        for i in range(10):
            read.append(i)
            yield i

    first = next(batches(stream(), 4))
    assert first == [0, 1, 2, 3] and read == [0, 1, 2, 3]


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(ValueError):
        list(batches([1], 0))
