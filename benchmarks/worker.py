"""One benchmark step in its own process (Django settings and peak memory are per process).

    python -m benchmarks.worker prepare DIR ROWS     migrate, build the registry, write DIR/purchases.csv
    python -m benchmarks.worker raw DIR              raw baseline: the same rows into a bare table
    python -m benchmarks.worker import DIR           the full import path (validate, count, attribute, rollups)
    python -m benchmarks.worker floor DIR            the write floor: the imported rows written again, nothing else
    python -m benchmarks.worker stats DIR ROWS RUNS RAW_RUNS   generate ROWS entries in the database, then time
                                                     the dashboard queries on the rollups and on the entries

The database comes from the environment (DATABASE_URL, or SQLite under FUPIN_DATA_DIR). Each step prints one line
`RESULT {json}` for the orchestrator (`python -m benchmarks`).
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import harness


def _result(data: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(data), flush=True)


def prepare(directory: Path, rows: int) -> None:
    from . import data, world

    t0 = time.perf_counter()
    harness.migrate()
    t1 = time.perf_counter()
    w = world.build(**world.sizes(float(os.environ.get("BENCH_WORLD_SCALE", "1"))))
    t2 = time.perf_counter()
    data.purchase_csv(directory / "purchases.csv", w, rows=rows)
    t3 = time.perf_counter()
    (directory / "world.json").write_text(json.dumps({"buyers": len(w.buyer_codes), "sellers": len(w.seller_codes),
                                                      "products": len(w.product_codes)}))
    _result({"migrate_s": t1 - t0, "world_s": t2 - t1, "csv_s": t3 - t2,
             "csv_mb": (directory / "purchases.csv").stat().st_size / 1e6})


def raw(directory: Path) -> None:
    """The raw engine on the same rows: csv.reader + executemany (SQLite) or COPY of the file (PostgreSQL) into a
    table of 13 text columns without indexes, committed every 20,000 rows like the import."""
    from django.db import connection

    path = directory / "purchases.csv"
    cols = ", ".join(f"c{i} TEXT" for i in range(13))
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_raw")
        cur.execute(f"CREATE TABLE bench_raw ({cols})")
    n = 0
    t0 = time.perf_counter()
    if connection.vendor == "sqlite":
        raw_conn = connection.connection
        marks = ", ".join("?" * 13)
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            batch: list[list[str]] = []
            for record in reader:
                batch.append(record)
                if len(batch) >= 20_000:
                    raw_conn.execute("BEGIN IMMEDIATE")
                    raw_conn.executemany(f"INSERT INTO bench_raw VALUES ({marks})", batch)
                    raw_conn.execute("COMMIT")
                    n += len(batch)
                    batch = []
            if batch:
                raw_conn.execute("BEGIN IMMEDIATE")
                raw_conn.executemany(f"INSERT INTO bench_raw VALUES ({marks})", batch)
                raw_conn.execute("COMMIT")
                n += len(batch)
    else:
        with connection.cursor() as cur, cur.cursor.copy("COPY bench_raw FROM STDIN (FORMAT csv, HEADER true)") as cp, \
                open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                cp.write(chunk)
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM bench_raw")
            n = cur.fetchone()[0]
    seconds = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_raw")
    _result({"rows": n, "seconds": seconds, "rows_per_s": n / seconds, "peak_mb": harness.peak_rss_mb()})


def floor(directory: Path) -> None:
    """The write floor: the rows the import stored, read back and written again, batch by batch, with the import's
    own write method (SQLite executemany / PostgreSQL COPY) into a copy of the entry table: nothing parsed,
    validated, looked up or rolled up; only the writes and commits are timed. Twice: with every index and
    constraint of the entry table, and with only the primary key and the (source, external_id, revision, sign)
    key that makes imports idempotent (what no ledger can do without)."""
    from django.db import connection

    from fupin.ledger.writer import ENTRY_TABLE

    with connection.cursor() as cur:
        cur.execute(f"SELECT MIN(id), MAX(id) FROM {ENTRY_TABLE}")
        low, high = cur.fetchone()
    out = {}
    for variant in ("all_indexes", "key_only"):
        _floor_table(connection, ENTRY_TABLE, key_only=variant == "key_only")
        out[variant] = _floor_write(connection, ENTRY_TABLE, low or 1, high or 0)
        _floor_drop(connection)
    _result({**out["all_indexes"], "key_only": out["key_only"]})


def _floor_drop(connection: Any) -> None:
    """SQLite with foreign keys on checks every dropped row against the copy's self-reference (reverses_id), which
    without its index is quadratic: drop the copy with the checks off."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA foreign_keys = OFF")
        cur.execute("DROP TABLE IF EXISTS bench_floor")
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA foreign_keys = ON")


def _floor_table(connection: Any, table: str, *, key_only: bool) -> None:
    _floor_drop(connection)
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT type, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL", [table])
            ddl = sorted(cur.fetchall(), key=lambda r: r[0] != "table")  # the table first, then its indexes
            for kind, sql in ddl:
                if kind == "index" and key_only:
                    continue  # the drill-down indexes (the idempotence key is a constraint of the table)
                sql = sql.replace(f'"{table}"', '"bench_floor"').replace(table, "bench_floor")
                if key_only:
                    sql = sql.replace('"reverses_id" bigint NULL UNIQUE', '"reverses_id" bigint NULL')
                cur.execute(sql.replace('INDEX "', 'INDEX "bench_floor_'))
        elif key_only:
            cur.execute(f"CREATE TABLE bench_floor (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)")
            cur.execute("ALTER TABLE bench_floor ADD PRIMARY KEY (id)")
            cur.execute("CREATE UNIQUE INDEX bench_floor_key ON bench_floor (source, external_id, revision, sign)")
        else:
            cur.execute(f"CREATE TABLE bench_floor (LIKE {table} INCLUDING ALL)")


def _floor_write(connection: Any, table: str, low: int, high: int) -> dict[str, float]:
    from fupin.ledger.writer import ENTRY_COLUMNS

    cols = ", ".join(ENTRY_COLUMNS)
    n, seconds, step = 0, 0.0, 20_000
    raw_conn = connection.connection
    marks = ", ".join(["?"] * len(ENTRY_COLUMNS))
    for start in range(low, high + 1, step):
        with connection.cursor() as cur:
            cur.execute(f"SELECT {cols} FROM {table} WHERE id >= %s AND id < %s ORDER BY id", [start, start + step])
            rows = cur.fetchall()
        t0 = time.perf_counter()
        if connection.vendor == "sqlite":
            raw_conn.execute("BEGIN IMMEDIATE")
            raw_conn.executemany(f"INSERT INTO bench_floor ({cols}) VALUES ({marks})", rows)
            raw_conn.execute("COMMIT")
        else:
            with connection.cursor() as cur, cur.cursor.copy(f"COPY bench_floor ({cols}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            connection.commit()
        seconds += time.perf_counter() - t0
        n += len(rows)
    return {"rows": n, "seconds": seconds, "rows_per_s": n / seconds if seconds else 0.0}


def full_import(directory: Path) -> None:
    from fupin.ledger import rollups, services, writer

    path = directory / "purchases.csv"
    t0 = time.perf_counter()
    job = services.purchase_import_file(path=path, actor="benchmark")
    seconds = time.perf_counter() - t0
    peak = harness.peak_rss_mb()
    report = job.report
    t1 = time.perf_counter()
    consistent = all(d.ok for d in rollups.check())
    _result({
        "status": job.status, "error": job.error, "rows": report.get("total", 0), "accepted": job.accepted,
        "rejected": job.rejected, "duplicates": job.duplicates, "counted": report.get("counted"),
        "seconds": seconds, "rows_per_s": report.get("total", 0) / seconds, "peak_mb": peak,
        "phases_s": {**report.get("seconds", {}), **{f"writer {k}": v for k, v in writer.TIMINGS.items()}},
        "rollups_consistent": consistent, "check_s": time.perf_counter() - t1,
    })


def stats(directory: Path, rows: int, runs: int, raw_runs: int) -> None:
    from . import stats as st

    _result(st.run(rows=rows, runs=runs, raw_runs=raw_runs))


def main(argv: list[str]) -> None:
    harness.django_setup()
    step, directory = argv[0], Path(argv[1])
    if step == "prepare":
        prepare(directory, int(argv[2]))
    elif step == "raw":
        raw(directory)
    elif step == "import":
        full_import(directory)
    elif step == "floor":
        floor(directory)
    elif step == "stats":
        stats(directory, int(argv[2]), int(argv[3]), int(argv[4]))
    else:
        raise SystemExit(f"unknown step {step}")


if __name__ == "__main__":
    main(sys.argv[1:])
