"""Statistics over many entries: generate them inside the database (SQL, no Python per row), rebuild the rollups,
then time the three dashboard questions through `selectors.account_totals` — on the rollups (what the pages do)
and on the raw entry table (`read_from="entries"`, the same question without rollups).

The generated entries are skewed like real purchases (a few big buyers, sellers and products carry most rows),
span 2021–2024, and are consistent with the rollups because the rollups are rebuilt from them."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection, transaction

from . import harness

CHUNK = 1_000_000
YEAR = 2023
CHANNELS = ["platform_832", "special_counter", "special_shop", "special_zone", "ecommerce", "canteen_direct",
            "union_purchase", "trade_fair", "tourism", "other"]


def _uniform() -> str:
    return "random()" if connection.vendor == "postgresql" else "((abs(random()) % 1000000) / 1000000.0)"


def _int(expr: str) -> str:
    """Truncate to an integer (PostgreSQL's CAST rounds, SQLite's truncates)."""
    return f"CAST(floor({expr}) AS INT)" if connection.vendor == "postgresql" else f"CAST({expr} AS INT)"


def _helpers(cur: Any) -> dict[str, int]:
    cur.execute("DROP TABLE IF EXISTS bench_buyer")
    cur.execute("DROP TABLE IF EXISTS bench_seller")
    cur.execute("DROP TABLE IF EXISTS bench_product")
    # typed tables keyed by a dense index i (0..n-1), so the generator's joins are primary-key lookups
    cur.execute("CREATE TABLE bench_buyer (i INTEGER PRIMARY KEY, id BIGINT, category VARCHAR(30), region VARCHAR(6))")
    cur.execute("CREATE TABLE bench_seller (i INTEGER PRIMARY KEY, id BIGINT, region_id BIGINT, county VARCHAR(6), "
                "poverty INTEGER)")
    cur.execute("CREATE TABLE bench_product (i INTEGER PRIMARY KEY, id BIGINT, category VARCHAR(30))")
    cur.execute("INSERT INTO bench_buyer SELECT ROW_NUMBER() OVER (ORDER BY o.id) - 1, o.id, o.kind, "
                "SUBSTR(r.code, 1, 6) FROM registry_organisation o JOIN registry_region r ON r.id = o.region_id")
    cur.execute("INSERT INTO bench_seller SELECT ROW_NUMBER() OVER (ORDER BY e.id) - 1, e.id, c.id, "
                "SUBSTR(r.code, 1, 6), CASE WHEN c.is_poverty_county THEN 1 ELSE 0 END "
                "FROM registry_marketentity e JOIN registry_region r ON r.id = e.region_id "
                "JOIN registry_region c ON c.code = SUBSTR(r.code, 1, 6)")
    cur.execute("INSERT INTO bench_product SELECT ROW_NUMBER() OVER (ORDER BY p.id) - 1, p.id, p.category "
                "FROM certification_product p")
    sizes = {}
    for t in ("bench_buyer", "bench_seller", "bench_product"):
        cur.execute(f"SELECT COUNT(*) FROM {t}")
        sizes[t] = cur.fetchone()[0]
    # the designated relations helping each county, numbered 0..n-1 per county: an entry is attributed to one of
    # the relations whose helped region is the entry's origin county (as the attribution rule does), never to a
    # relation of another county
    cur.execute("DROP TABLE IF EXISTS bench_rel")
    cur.execute("DROP TABLE IF EXISTS bench_relcount")
    cur.execute("CREATE TABLE bench_rel (county VARCHAR(6), k INTEGER, id BIGINT, PRIMARY KEY (county, k))")
    cur.execute("CREATE TABLE bench_relcount (county VARCHAR(6) PRIMARY KEY, n INTEGER)")
    cur.execute("INSERT INTO bench_rel SELECT SUBSTR(r.code, 1, 6), ROW_NUMBER() OVER (PARTITION BY r.code "
                "ORDER BY a.id) - 1, a.id FROM registry_assistancerelation a JOIN registry_region r "
                "ON r.id = a.helped_region_id WHERE a.kind = 'designated_assistance' AND r.level = 'county'")
    cur.execute("INSERT INTO bench_relcount SELECT county, COUNT(*) FROM bench_rel GROUP BY county")
    cur.execute("SELECT COUNT(*) FROM bench_rel")
    sizes["relations"] = cur.fetchone()[0]
    return sizes


def _insert_sql(first: int, last: int, sizes: dict[str, int]) -> str:
    u = _uniform()
    nb, ns, np_ = sizes["bench_buyer"], sizes["bench_seller"], sizes["bench_product"]
    if connection.vendor == "postgresql":
        seq = f"s(n) AS (SELECT generate_series({first}, {last}))"
        day = "make_date(g.y, g.m, g.d)"
        created = "now()"
        true, false = "true", "false"
    else:
        seq = f"s(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM s WHERE n < {last})"
        day = "printf('%04d-%02d-%02d', g.y, g.m, g.d)"
        created = "'2025-01-01 00:00:00'"
        true, false = "1", "0"
    channel = "CASE " + " ".join(f"WHEN g.ch = {i} THEN '{c}'" for i, c in enumerate(CHANNELS)) + " END"
    counted = "(g.st < 0.92 AND (sl.poverty = 1 OR g.prod < 0.6))"
    # the random draws are materialised once per row (SQLite would otherwise re-evaluate random() at each use)
    draws = f"r AS MATERIALIZED (SELECT n, {', '.join(f'{u} AS u{i}' for i in range(1, 14))} FROM s)"
    gen = (f"g AS (SELECT n, {_int(f'{nb} * u1 * u1 * u1')} AS bi, {_int(f'{ns} * u2 * u2')} AS si, "
           f"{_int(f'{np_} * u3 * u3')} AS pi, 2021 + {_int('u4 * 4')} AS y, 1 + {_int('u5 * 12')} AS m, "
           f"1 + {_int('u6 * 28')} AS d, u7 AS pub, u8 AS amt, u9 AS knd, {_int('u10 * 10')} AS ch, "
           f"u11 AS st, u12 AS rel, u13 AS prod FROM r)")
    cols = ("source, external_id, revision, purchase_date, year, month, buyer_id, buyer_category, buyer_region, "
            "seller_id, product_id, product_category, origin_id, county_code, quantity_milli, unit, amount_fen, sign, "
            "kind, channel, status, evaluated, counted, basis, bases, not_counted_reason, rel_designated_id, reason, "
            "created_at")
    select = (
        f"SELECT 'gen', 'G' || CAST(g.n AS VARCHAR(20)), 0, {day}, g.y, g.m, "
        f"CASE WHEN g.pub < 0.2 THEN NULL ELSE b.id END, CASE WHEN g.pub < 0.2 THEN 'public' ELSE b.category END, "
        f"CASE WHEN g.pub < 0.2 THEN '' ELSE b.region END, sl.id, "
        f"CASE WHEN g.prod < 0.6 THEN p.id END, CASE WHEN g.prod < 0.6 THEN p.category ELSE '' END, sl.region_id, "
        f"sl.county, 1000 * (1 + {_int('g.amt * 100')}), 'kg', 100 + {_int('g.amt * 5000000')}, 1, "
        f"CASE WHEN g.knd < 0.7 THEN 'direct_purchase' ELSE 'helped_sale' END, {channel}, "
        f"CASE WHEN g.st < 0.92 THEN 'completed' ELSE 'pending' END, {true}, "
        f"CASE WHEN {counted} THEN {true} ELSE {false} END, "
        f"CASE WHEN NOT {counted} THEN '' WHEN g.prod < 0.6 THEN 'certified_product' "
        f"ELSE 'poverty_county' END, 0, CASE WHEN {counted} THEN '' ELSE 'status_not_counted' END, "
        f"CASE WHEN {counted} AND g.pub >= 0.2 AND g.rel < 0.4 THEN br.id END, '', {created} "
        f"FROM g JOIN bench_buyer b ON b.i = g.bi JOIN bench_seller sl ON sl.i = g.si "
        f"LEFT JOIN bench_product p ON p.i = g.pi LEFT JOIN bench_relcount rc ON rc.county = sl.county "
        f"LEFT JOIN bench_rel br ON br.county = sl.county AND br.k = {_int('g.rel * 2.5 * rc.n')}")
    return f"WITH RECURSIVE {seq}, {draws}, {gen} INSERT INTO ledger_purchaseentry ({cols}) {select}"


def generate(rows: int) -> dict[str, float]:
    from fupin.ledger import rollups
    from fupin.ledger.models import PurchaseEntry

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM ledger_purchaseentry")
        for cube in rollups.CUBES:
            cur.execute(f"DELETE FROM {cube.table}")
        sizes = _helpers(cur)
    meta = PurchaseEntry._meta
    with connection.schema_editor() as editor:  # load without the secondary indexes, then build them once
        for index in meta.indexes:
            editor.remove_index(PurchaseEntry, index)
    for first in range(1, rows + 1, CHUNK):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(_insert_sql(first, min(rows, first + CHUNK - 1), sizes))
    timings["generate_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    with connection.schema_editor() as editor:
        for index in meta.indexes:
            editor.add_index(PurchaseEntry, index)
    timings["indexes_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    counts = rollups.rebuild()
    timings["rollups_s"] = time.perf_counter() - t2
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute("SELECT COUNT(*) FROM ledger_purchaseentry")
        timings["entries"] = cur.fetchone()[0]
    timings["rollup_rows"] = counts  # type: ignore[assignment]
    return timings


def prepare(*, rows: int, scale: float) -> dict[str, Any]:
    """A migrated database with the benchmark registry at `scale` (`benchmarks.world`) and `rows` generated entries
    with their rollups: what the supervision, incentives, public and dashboard benchmarks measure on."""
    from . import world

    t = time.perf_counter()
    harness.migrate()
    world.build(**world.sizes(scale))
    out: dict[str, Any] = {"world_s": time.perf_counter() - t}
    out["generation"] = generate(rows)
    return out


def _time(fn: Any, runs: int) -> tuple[list[float], Any]:
    fn()  # warm the caches once
    samples, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples, result


def queries(*, runs: int, raw_runs: int) -> dict[str, Any]:
    from fupin.core.models import User
    from fupin.core.services import user_create
    from fupin.ledger import selectors

    viewer = User.objects.filter(username="bench").first() or user_create(username="bench", password="bench-pass-1",
                                                                           roles="viewer")
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM bench_buyer WHERE i = 0")
        heavy = cur.fetchone()[0]
    questions = {
        "province × buyer category × month (a year)": dict(group_by=["province", "buyer_category", "month"],
                                                          filters={"year": YEAR}),
        "top 20 sellers of a year": dict(group_by=["seller"], filters={"year": YEAR}, order_by="-amount_fen",
                                         limit=20),
        "one buyer's year (with its units)": dict(group_by=["month", "kind"], filters={"buyer": heavy, "year": YEAR}),
    }
    out: dict[str, Any] = {}
    for name, kw in questions.items():
        fast, fast_rows = _time(lambda kw=kw: selectors.account_totals(viewer=viewer, **kw), runs)
        raw, raw_rows = _time(lambda kw=kw: selectors.account_totals(viewer=viewer, read_from="entries", **kw),
                              raw_runs)
        same = sorted(map(str, ((tuple(r.values())) for r in fast_rows))) == \
            sorted(map(str, ((tuple(r.values())) for r in raw_rows)))
        out[name] = {"rollup": fast_rows.source, "rows": len(fast_rows), "p95_ms": harness.p95(fast),
                     "median_ms": sorted(fast)[len(fast) // 2], "raw_p95_ms": harness.p95(raw),
                     "raw_median_ms": sorted(raw)[len(raw) // 2], "same_result": same, "runs": runs,
                     "raw_runs": raw_runs}
    return out


def run(*, rows: int, runs: int, raw_runs: int) -> dict[str, Any]:
    gen = generate(rows)
    return {"generation": gen, "queries": queries(runs=runs, raw_runs=raw_runs)}
