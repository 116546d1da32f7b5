"""`make bench` / `python -m benchmarks`: the ledger's performance figures, printed.

For each engine (SQLite in a temporary folder; PostgreSQL from DATABASE_URL, or a throwaway PostgreSQL 15
cluster on port 55439 that is stopped afterwards):
1. import of a generated purchase CSV (BENCH_ROWS rows, default 1,000,000) through the full path — validated,
   counted, attributed, rollups updated in the same transactions — beside the raw engine on the same rows
   (SQLite executemany / PostgreSQL COPY into a bare table), with the peak memory of the importing process, and
   the write floor: the rows the import stored, written again with the same method into a copy of the entry table
   with its indexes (what storing validated entries costs before any parsing, validation, lookup or rollup);
2. statistics over BENCH_STAT_ROWS entries (default 10,000,000) generated in the database: the three dashboard
   questions, p95 over BENCH_RUNS runs (default 30) on the rollups, beside the same question on the raw entry
   table (BENCH_RAW_RUNS runs, default 5).

Options (or the environment variables): --rows N, --stat-rows N, --runs N, --raw-runs N,
--engines sqlite,postgresql, --world-scale X, --skip-import, --skip-stats, --out FILE. Results are also written
to FILE (default var/bench/results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import pg

ROOT = Path(__file__).resolve().parent.parent


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _step(env: dict[str, str], *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.worker", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
    raise RuntimeError(f"benchmark step {args[0]} failed (exit {proc.returncode})")


def _engine(name: str, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"fupin-bench-{name}."))
    env = {**os.environ, "FUPIN_ALLOW_DEV_KEY": "1", "FUPIN_DATA_DIR": str(work), "PYTHONPATH": str(ROOT / "src"),
           "BENCH_WORLD_SCALE": str(args.world_scale)}
    env.pop("FUPIN_DEBUG", None)
    if name == "sqlite":
        env.pop("DATABASE_URL", None)
    ctx = pg.database(name)
    out: dict[str, Any] = {"engine": name}
    try:
        with ctx as url:
            if url:
                env["DATABASE_URL"] = url
            print(f"[{name}] preparing: migrate, registry, {args.rows:,}-row CSV …", flush=True)
            out["prepare"] = _step(env, "prepare", str(work), str(args.rows))
            if not args.skip_import:
                print(f"[{name}] raw baseline …", flush=True)
                out["raw"] = _step(env, "raw", str(work))
                print(f"[{name}] full import …", flush=True)
                out["import"] = _step(env, "import", str(work))
                print(f"[{name}] write floor …", flush=True)
                out["floor"] = _step(env, "floor", str(work))
                _print_import(name, out)
            if not args.skip_stats:
                print(f"[{name}] statistics over {args.stat_rows:,} generated entries …", flush=True)
                out["stats"] = _step(env, "stats", str(work), str(args.stat_rows), str(args.runs), str(args.raw_runs))
                _print_stats(name, out["stats"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def _print_import(name: str, out: dict[str, Any]) -> None:
    raw, imp = out["raw"], out["import"]
    ratio = imp["rows_per_s"] / raw["rows_per_s"] if raw["rows_per_s"] else 0
    print(f"[{name}] import of {imp['rows']:,} rows: {imp['rows_per_s']:,.0f} rows/s "
          f"({imp['seconds']:.1f} s; accepted {imp['accepted']:,}, counted {imp['counted']:,}, rejected "
          f"{imp['rejected']:,}); raw baseline {raw['rows_per_s']:,.0f} rows/s → {ratio:.0%} of raw; "
          f"peak memory {imp['peak_mb']:.0f} MB; rollups consistent: {imp['rollups_consistent']}", flush=True)
    floor = out["floor"]["rows_per_s"]
    print(f"[{name}] write floor (the same validated rows written again into a copy of the entry table with its "
          f"indexes, batch by batch, nothing else): {floor:,.0f} rows/s → {floor / raw['rows_per_s']:.0%} of raw; "
          f"the full import reaches {imp['rows_per_s'] / floor:.0%} of the floor", flush=True)
    key_only = out["floor"]["key_only"]["rows_per_s"]
    print(f"[{name}] write floor with only the primary key and the idempotence key (no drill-down indexes): "
          f"{key_only:,.0f} rows/s → {key_only / raw['rows_per_s']:.0%} of raw", flush=True)
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(imp["phases_s"].items(), key=lambda kv: -kv[1]))
    print(f"[{name}]   time by phase: {phases}", flush=True)


def _print_stats(name: str, stats: dict[str, Any]) -> None:
    gen = stats["generation"]
    print(f"[{name}] generated {gen['entries']:,} entries in {gen['generate_s']:.0f} s (indexes "
          f"{gen['indexes_s']:.0f} s, rollups {gen['rollups_s']:.0f} s: {gen['rollup_rows']})", flush=True)
    for q, r in stats["queries"].items():
        print(f"[{name}]   {q}: p95 {r['p95_ms']:.1f} ms on rollup {r['rollup']} ({r['rows']} rows) vs raw p95 "
              f"{r['raw_p95_ms']:.0f} ms; same result: {r['same_result']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=_env_int("BENCH_ROWS", 1_000_000))
    parser.add_argument("--stat-rows", type=int, default=_env_int("BENCH_STAT_ROWS", 10_000_000))
    parser.add_argument("--runs", type=int, default=_env_int("BENCH_RUNS", 30))
    parser.add_argument("--raw-runs", type=int, default=_env_int("BENCH_RAW_RUNS", 5))
    parser.add_argument("--engines", default=os.environ.get("BENCH_ENGINES", "sqlite,postgresql"))
    parser.add_argument("--world-scale", type=float, default=float(os.environ.get("BENCH_WORLD_SCALE", "1")),
                        help="size of the generated registry (1: 20,000 organisations, 45,000 sellers, 100,000 products)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "results.json")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-stats", action="store_true")
    args = parser.parse_args()
    started = time.time()
    results = {"rows": args.rows, "stat_rows": args.stat_rows, "load_average": os.getloadavg(), "engines": []}
    for name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        results["engines"].append(_engine(name, args))
    results["minutes"] = (time.time() - started) / 60
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"done in {results['minutes']:.1f} min; figures in {args.out}")


if __name__ == "__main__":
    main()
