"""Rollups: pre-aggregated cubes of the entries, at the grains the dashboards read.

Each cube is a table of key columns plus three measures (amount_fen, quantity_milli, entries = net count:
+1 per purchase, −1 per reversal). A write adds its entries to every cube with one `INSERT … SELECT … GROUP BY …
ON CONFLICT … DO UPDATE` per cube, in the same transaction as the entries (SQLite and PostgreSQL both support
this upsert). `check()` recomputes every cube from the entries and lists any difference; `rebuild()` replaces
the cubes by the recomputation (after a restore, or to load benchmark data).

The scheme cube fans each counted entry out to the (at most three) schemes it is attributed to; every other
cube holds each entry exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from .models import (
    RollupBase,
    RollupBuyerChannelYear,
    RollupBuyerMonth,
    RollupCategoryMonth,
    RollupCountyMonth,
    RollupProvinceMonth,
    RollupScheme,
    RollupSellerYear,
)

ENTRY_TABLE = "ledger_purchaseentry"
MEASURES = ("amount_fen", "quantity_milli", "entries")
_MEASURE_SQL = ("SUM(amount_fen) AS amount_fen, SUM(COALESCE(quantity_milli, 0)) AS quantity_milli, "
                "SUM(sign) AS entries")


@dataclass(frozen=True)
class Cube:
    name: str
    model: type[RollupBase]
    dims: tuple[tuple[str, str], ...]        # (cube column, SQL expression over the entry's columns)
    variants: tuple[tuple[str, dict[str, str]], ...] = field(default=())  # (WHERE, column -> expression)
    rank: int = 0                            # smaller is cheaper to read

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def key_columns(self) -> list[str]:
        return [c for c, _e in self.dims]

    def select_sql(self, source: str) -> str:
        """The cube's rows aggregated from `source` (a table name or a parenthesised sub-query of entries)."""
        keys = ", ".join(self.key_columns)
        if not self.variants:
            exprs = ", ".join(f"{e} AS {c}" for c, e in self.dims)
            return f"SELECT {exprs}, {_MEASURE_SQL} FROM {source} src GROUP BY {', '.join(e for _c, e in self.dims)}"  # noqa: S608 - identifiers from CUBES, ids through int()
        parts = []
        for where, override in self.variants:
            exprs = ", ".join(f"{override.get(c, e)} AS {c}" for c, e in self.dims)
            parts.append(f"SELECT {exprs}, amount_fen, quantity_milli, sign FROM {source} src WHERE {where}")  # noqa: S608 - identifiers from CUBES, ids through int()
        union = " UNION ALL ".join(parts)
        return f"SELECT {keys}, {_MEASURE_SQL} FROM ({union}) fan GROUP BY {keys}"  # noqa: S608 - identifiers from CUBES, ids through int()

    def upsert_sql(self, source: str) -> str:
        cols = ", ".join([*self.key_columns, *MEASURES])
        updates = ", ".join(f"{m} = {self.table}.{m} + excluded.{m}" for m in MEASURES)
        return (f"INSERT INTO {self.table} ({cols}) SELECT * FROM ({self.select_sql(source)}) agg WHERE 1 = 1 "  # noqa: S608 - identifiers from CUBES, ids through int()
                f"ON CONFLICT ({', '.join(self.key_columns)}) DO UPDATE SET {updates}")


_PROVINCE = "SUBSTR(county_code, 1, 2)"

CUBES: list[Cube] = [
    Cube("province_month", RollupProvinceMonth, (
        ("year", "year"), ("counted", "counted"), ("month", "month"), ("province", _PROVINCE),
        ("buyer_category", "buyer_category"), ("kind", "kind"),
    ), rank=1),
    Cube("category_month", RollupCategoryMonth, (
        ("year", "year"), ("counted", "counted"), ("month", "month"), ("province", _PROVINCE),
        ("product_category", "product_category"), ("channel", "channel"),
    ), rank=2),
    Cube("seller_year", RollupSellerYear, (
        ("year", "year"), ("counted", "counted"), ("seller_id", "seller_id"),
    ), rank=3),
    Cube("scheme", RollupScheme, (
        ("year", "year"), ("scheme", "''"), ("relation_id", "0"), ("month", "month"), ("county_code", "county_code"),
        ("kind", "kind"), ("counted", "counted"),
    ), variants=(
        ("rel_designated_id IS NOT NULL", {"scheme": "'designated_assistance'", "relation_id": "rel_designated_id"}),
        ("rel_east_west_id IS NOT NULL", {"scheme": "'east_west'", "relation_id": "rel_east_west_id"}),
        ("rel_counterpart_id IS NOT NULL", {"scheme": "'counterpart_support'", "relation_id": "rel_counterpart_id"}),
    ), rank=4),
    Cube("county_month", RollupCountyMonth, (
        ("county_code", "county_code"), ("year", "year"), ("month", "month"), ("channel", "channel"),
        ("kind", "kind"), ("basis", "basis"), ("counted", "counted"),
    ), rank=5),
    Cube("buyer_month", RollupBuyerMonth, (
        ("buyer_id", "COALESCE(buyer_id, 0)"), ("year", "year"), ("month", "month"), ("kind", "kind"),
        ("province", _PROVINCE), ("counted", "counted"), ("buyer_region", "buyer_region"),
    ), rank=7),
    Cube("buyer_channel_year", RollupBuyerChannelYear, (
        ("buyer_id", "COALESCE(buyer_id, 0)"), ("year", "year"), ("channel", "channel"), ("kind", "kind"),
        ("counted", "counted"), ("buyer_region", "buyer_region"),
    ), rank=6),
]
CUBE_BY_NAME = {c.name: c for c in CUBES}

def apply_range(cursor: Any, *, after_id: int, up_to_id: int) -> None:
    """Add the entries with after_id < id <= up_to_id to every cube (a batch's ids are contiguous: `writer`)."""
    source = f"(SELECT * FROM {ENTRY_TABLE} WHERE id > {int(after_id)} AND id <= {int(up_to_id)})"  # noqa: S608 - identifiers from CUBES, ids through int()
    for cube in CUBES:
        cursor.execute(cube.upsert_sql(source))
    bump_version(cursor)


VERSION_TABLE = "ledger_rollupversion"


def bump_version(cursor: Any) -> None:
    """The rollups changed (in the caller's transaction): figures kept under the old version are computed again."""
    cursor.execute(f"UPDATE {VERSION_TABLE} SET version = version + 1 WHERE id = 1")  # noqa: S608 - a constant
    if cursor.rowcount == 0:
        cursor.execute(f"INSERT INTO {VERSION_TABLE} (id, version) VALUES (1, 1)")  # noqa: S608 - a constant


def version() -> int:
    """The rollups' current version (0 before any change)."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT version FROM {VERSION_TABLE} WHERE id = 1")  # noqa: S608 - a constant
        row = cur.fetchone()
    return int(row[0]) if row else 0


# -- check and rebuild ------------------------------------------------------------------------------------------------
@dataclass
class CubeDifference:
    cube: str
    only_in_rollup: list[tuple[Any, ...]]
    only_in_entries: list[tuple[Any, ...]]
    rollup_rows: int
    expected_rows: int

    @property
    def ok(self) -> bool:
        return not self.only_in_rollup and not self.only_in_entries


def _normalise(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(bool(v) if isinstance(v, bool) else (int(v) if isinstance(v, int) else v) for v in row)


def check(*, sample: int = 20) -> list[CubeDifference]:
    """Recompute every cube from the entries (SQL aggregates) and compare with the stored rollups."""
    out: list[CubeDifference] = []
    with connection.cursor() as cur:
        for cube in CUBES:
            cols = ", ".join([*cube.key_columns, *MEASURES])
            expected_sql = f"SELECT {cols} FROM ({cube.select_sql(ENTRY_TABLE)}) e"  # noqa: S608 - identifiers from CUBES, ids through int()
            stored_sql = f"SELECT {cols} FROM {cube.table}"  # noqa: S608 - identifiers from CUBES, ids through int()
            diffs = []
            for a, b in ((stored_sql, expected_sql), (expected_sql, stored_sql)):
                cur.execute(f"SELECT * FROM ({a} EXCEPT {b}) d LIMIT {int(sample)}")  # noqa: S608 - identifiers from CUBES, ids through int()
                diffs.append([_normalise(r) for r in cur.fetchall()])
            cur.execute(f"SELECT COUNT(*) FROM {cube.table}")  # noqa: S608 - identifiers from CUBES, ids through int()
            stored_n = cur.fetchone()[0]
            cur.execute(f"SELECT COUNT(*) FROM ({cube.select_sql(ENTRY_TABLE)}) e")  # noqa: S608 - identifiers from CUBES, ids through int()
            expected_n = cur.fetchone()[0]
            out.append(CubeDifference(cube.name, diffs[0], diffs[1], stored_n, expected_n))
    return out


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Replace every cube by its recomputation from the entries. Returns the row count per cube."""
    counts: dict[str, int] = {}
    with connection.cursor() as cur:
        for cube in CUBES:
            cur.execute(f"DELETE FROM {cube.table}")  # noqa: S608 - identifiers from CUBES, ids through int()
            cols = ", ".join([*cube.key_columns, *MEASURES])
            cur.execute(f"INSERT INTO {cube.table} ({cols}) {cube.select_sql(ENTRY_TABLE)}")
            cur.execute(f"SELECT COUNT(*) FROM {cube.table}")  # noqa: S608 - identifiers from CUBES, ids through int()
            counts[cube.name] = cur.fetchone()[0]
        bump_version(cur)
    return counts
