"""The pure parts: suppression of small groups (with the complementary cell) and the map's shading bands."""

from __future__ import annotations

from fupin.portal.tilemap import shade
from fupin.public.selectors import suppress


def row(key, entries, amount=100):
    return {"k": key, "entries": entries, "amount_fen": amount, "quantity_milli": 0}


def test_groups_below_the_minimum_are_suppressed_with_a_second_where_one_would_show():
    out = suppress([row("a", 2), row("b", 9, 900), row("c", 20, 2000)], group_by=["k"], minimum=5)
    assert [(r["k"], r["suppressed"], r["amount_fen"]) for r in out] == [
        ("a", True, None), ("b", True, None), ("c", False, 2000)]
    # two small groups hide each other: nothing more is suppressed
    out = suppress([row("a", 2), row("b", 3), row("c", 20)], group_by=["k"], minimum=5)
    assert [r["suppressed"] for r in out] == [True, True, False]
    # at or above the minimum: shown
    assert not any(r["suppressed"] for r in suppress([row("a", 5), row("b", 6)], group_by=["k"], minimum=5))


def test_siblings_are_the_rows_sharing_the_other_keys():
    rows = [{**row("a", 2), "y": 2024}, {**row("b", 9), "y": 2024}, {**row("a", 9), "y": 2023},
            {**row("b", 9), "y": 2023}]
    out = suppress(rows, group_by=["y", "k"], minimum=5)
    assert [r["suppressed"] for r in out] == [True, True, False, False]


def test_shading_bands():
    assert shade(None, 100) == "x" and shade(50, 100, suppressed=True) == "x"
    assert shade(0, 100) == "0" and shade(10, 0) == "0"
    assert [shade(a, 100) for a in (1, 20, 21, 40, 60, 61, 80, 100)] == ["1", "1", "2", "2", "3", "4", "4", "5"]
