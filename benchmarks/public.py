"""`python -m benchmarks.public`: the public home page and the national statistics page, server time from the
rollups over a large generated ledger, printed.

On a throwaway SQLite database (or the database DATABASE_URL names, `--engine postgresql`), with the benchmark
registry (`benchmarks.world`) and `--rows` entries generated with their rollups (`benchmarks.stats.generate`),
each page is rendered `--runs` times through Django's test client (the whole request: middleware, figures, map,
template) and the p95 and median are printed, with the SQL statements of a run and those that read the entry
table (the design says none). The issue's goal: the home page and the map under 50 ms on 10,000,000 entries.

    python -m benchmarks.public                 # 200,000 entries
    python -m benchmarks.public --rows 10000000
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from benchmarks import harness

ROOT = Path(__file__).resolve().parent.parent


def measure(*, runs: int) -> dict[str, Any]:
    """Render both public pages `runs` times (on a database `stats.prepare` filled)."""
    from django.test import Client

    from benchmarks import harness, stats

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    return {name: harness.time_page(client, path, runs)
            for name, path in (("home", f"/?year={stats.YEAR}"), ("statistics", f"/statistics/?year={stats.YEAR}"))}


def run(*, rows: int, runs: int, scale: float) -> dict[str, Any]:
    from benchmarks import stats

    return {"rows": rows, **stats.prepare(rows=rows, scale=scale), **measure(runs=runs)}


def report(engine: str, result: dict[str, Any]) -> None:
    for name in ("home", "statistics"):
        r = result[name]
        print(f"[{engine}] public {name} page: p95 {r['p95_ms']:.1f} ms, median {r['median_ms']:.1f} ms "
              f"({r['statements_per_run']} SQL statements a run, {r['entry_table_reads']} on the entry table)",
              flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.public", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_PUBLIC_ROWS", 200_000)))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--world-scale", type=float, default=0.1)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "public.json")
    args = parser.parse_args(argv)
    with harness.throwaway("public", engine=args.engine, env={"FUPIN_ALLOWED_HOSTS": "testserver"}) as engine:
        print(f"[{engine}] {args.rows:,} entries …", flush=True)
        result = {"engine": engine, **run(rows=args.rows, runs=args.runs, scale=args.world_scale)}
    harness.print_generation(engine, result)
    report(engine, result)
    harness.write_result(args.out, result)


if __name__ == "__main__":
    main()
