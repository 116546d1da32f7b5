"""`python -m benchmarks.integrity`: what the tamper-evidence chain costs the purchase import (issue #15 item 3).

For each engine, the same generated registry and purchase CSV go through the full import path (`benchmarks.worker
import`: validate, count, attribute, write, rollups) twice, into two fresh databases: once with
FUPIN_INTEGRITY_CHAIN=0 (the baseline: no links) and once with the chain (a link per origin county per committed
batch). Then, on the chained database, `verify_integrity` (every row re-hashed, every chain replayed) and
`anchor_integrity` are timed. The runs alternate (off, on, off, on …) when --repeat is above 1; medians are printed.

    python -m benchmarks.integrity --rows 20000 --engines sqlite,postgresql

PostgreSQL: the databases are created next to DATABASE_URL's (and dropped afterwards), or in a throwaway cluster
when DATABASE_URL is not set (`benchmarks.pg`). Results are also written to --out (default
var/bench/integrity.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from . import pg

ROOT = Path(__file__).resolve().parent.parent


def _run(env: dict[str, str], module: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
    raise RuntimeError(f"benchmark step {module} {args[:1]} failed (exit {proc.returncode})")


@contextmanager
def _postgres_database(base_url: str, name: str) -> Iterator[str]:
    import psycopg

    parts = urlsplit(base_url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _one(engine: str, base_url: str | None, args: argparse.Namespace, chained: bool, run: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"fupin-bench-integrity-{engine}."))
    env = {**os.environ, "FUPIN_ALLOW_DEV_KEY": "1", "FUPIN_DATA_DIR": str(work), "PYTHONPATH": str(ROOT / "src"),
           "BENCH_WORLD_SCALE": str(args.world_scale), "FUPIN_INTEGRITY_CHAIN": "1" if chained else "0"}
    env.pop("FUPIN_DEBUG", None)
    env.pop("DATABASE_URL", None)
    try:
        with (_postgres_database(base_url, f"fupin_bench_integrity_{run}_{int(chained)}") if base_url
              else _nothing()) as url:
            if url:
                env["DATABASE_URL"] = url
            _run(env, "benchmarks.worker", "prepare", str(work), str(args.rows))
            out: dict[str, Any] = {"chained": chained, "import": _run(env, "benchmarks.worker", "import", str(work))}
            if chained:
                out["verify"] = _run(env, "benchmarks.integrity", "_verify")
            return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _engine(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    with pg.database(engine) as url:
        for i in range(args.repeat):
            for chained in (False, True):
                print(f"[{engine}] run {i + 1}: import of {args.rows:,} rows, chain {'on' if chained else 'off'} …",
                      flush=True)
                runs.append(_one(engine, url, args, chained, i))
    off = [r["import"]["rows_per_s"] for r in runs if not r["chained"]]
    on = [r["import"]["rows_per_s"] for r in runs if r["chained"]]
    chain_s = [r["import"]["phases_s"].get("writer chain", 0.0) for r in runs if r["chained"]]
    seconds = [r["import"]["seconds"] for r in runs if r["chained"]]
    verify = [r["verify"] for r in runs if r["chained"]]
    summary = {
        "engine": engine, "rows": args.rows, "runs": runs,
        "rows_per_s_without_chain": statistics.median(off), "rows_per_s_with_chain": statistics.median(on),
        "link_s": statistics.median(chain_s), "link_share": statistics.median(
            [c / s for c, s in zip(chain_s, seconds, strict=True)]),
        "verify_rows_per_s": statistics.median([v["rows_per_s"] for v in verify]),
        "verify_s": statistics.median([v["verify_s"] for v in verify]),
        "anchor_s": statistics.median([v["anchor_s"] for v in verify]),
        "verified_ok": all(v["ok"] for v in verify),
    }
    slower = 1 - summary["rows_per_s_with_chain"] / summary["rows_per_s_without_chain"]
    print(f"[{engine}] import of {args.rows:,} rows: {summary['rows_per_s_without_chain']:,.0f} rows/s without the "
          f"chain, {summary['rows_per_s_with_chain']:,.0f} rows/s with it ({slower:+.0%} slower); linking took "
          f"{summary['link_s']:.2f} s ({summary['link_share']:.1%} of the import); verify_integrity "
          f"{summary['verify_rows_per_s']:,.0f} rows/s ({summary['verify_s']:.1f} s, ok: {summary['verified_ok']}); "
          f"anchor {summary['anchor_s'] * 1000:.0f} ms", flush=True)
    return summary


def _verify() -> None:
    """(in the chained database) time verify_integrity over everything, then one anchor."""
    from benchmarks import harness

    harness.django_setup()
    from fupin.core.integrity import anchors
    from fupin.core.integrity.verify import verify_integrity

    t0 = time.perf_counter()
    report = verify_integrity()
    t1 = time.perf_counter()
    anchor = anchors.anchor_create(actor="benchmark")
    t2 = time.perf_counter()
    print("RESULT " + json.dumps({
        "ok": report.ok, "counts": dict(report.counts), "rows": report.rows, "links": report.links,
        "chains": report.chains, "verify_s": t1 - t0, "rows_per_s": report.rows / (t1 - t0) if t1 > t0 else 0.0,
        "anchor_s": t2 - t1, "anchor_chains": anchor.chains}), flush=True)


def main() -> None:
    if sys.argv[1:2] == ["_verify"]:
        _verify()
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks.integrity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", 20_000)))
    parser.add_argument("--engines", default=os.environ.get("BENCH_ENGINES", "sqlite,postgresql"))
    parser.add_argument("--world-scale", type=float, default=float(os.environ.get("BENCH_WORLD_SCALE", "0.05")))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "integrity.json")
    args = parser.parse_args()
    results = {"rows": args.rows, "load_average": os.getloadavg(), "engines": []}
    for name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        results["engines"].append(_engine(name, args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"figures in {args.out}")


if __name__ == "__main__":
    main()
