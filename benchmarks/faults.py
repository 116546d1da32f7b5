"""`python -m benchmarks.faults`: a PostgreSQL restart in the middle of a purchase import (issue #15 §6).

On a throwaway PostgreSQL 15 cluster (port 55441, removed afterwards) it builds the benchmark world and a purchase
CSV of --rows valid rows, starts the import in its own process, waits until the first batch is committed, and
restarts the server with a fast shutdown (every session terminated, open transactions rolled back — what a crash
restart or an operator's restart does). Then it checks that the import failed cleanly (the job ends `failed`, or is
marked failed as a stopped worker, and only whole committed batches are in the ledger), runs the same file again,
and counts what is stored: every valid row exactly once (rows lost = 0, rows doubled = 0) and the rollups equal a
recomputation. Prints the figures and exits non-zero when a row is lost or doubled.

    python -m benchmarks.faults [--rows 60000] [--world-scale 0.05] [--out var/bench/faults.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import harness, pg

ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("BENCH_FAULTS_PGPORT", "55441"))


def _entries(url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM ledger_purchaseentry").fetchone()[0])  # type: ignore[index]
    except psycopg.OperationalError:
        return -1


def check() -> None:
    """(In its own process, with Django.) The ledger after the fault or the retry: stopped workers marked failed,
    the jobs' states, entries, distinct keys, and whether the rollups equal a recomputation."""
    from django.db.models import Count

    from fupin.ledger import rollups, services
    from fupin.ledger.models import PurchaseEntry, PurchaseImport

    marked = services.import_jobs_fail_stopped()
    jobs = [{"id": j.pk, "status": j.status, "accepted": j.accepted, "duplicates": j.duplicates,
             "error": (j.report or {}).get("error")} for j in PurchaseImport.objects.order_by("pk")]
    keys = PurchaseEntry.objects.values("source", "external_id").annotate(n=Count("id"))
    print("RESULT " + json.dumps({
        "marked_failed_now": marked, "batch_rows": services.FILE_BATCH_ROWS, "jobs": jobs, "entries": PurchaseEntry.objects.count(),
        "distinct_keys": keys.count(), "doubled_keys": keys.filter(n__gt=1).count(),
        "rollups_consistent": all(d.ok for d in rollups.check()),
    }, default=str), flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--world-scale", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "faults.json")
    args = parser.parse_args(argv)
    with pg.managed_cluster(PORT) as cluster, tempfile.TemporaryDirectory(prefix="fupin-faults.") as work:
        env = {**os.environ, "FUPIN_ALLOW_DEV_KEY": "1", "FUPIN_DATA_DIR": work, "DATABASE_URL": cluster.url,
               "PYTHONPATH": str(ROOT / "src"), "BENCH_WORLD_SCALE": str(args.world_scale)}
        env.pop("FUPIN_DEBUG", None)
        print(f"[faults] preparing {args.rows:,} rows on PostgreSQL …", flush=True)
        harness.run_step(env, "benchmarks.worker", "prepare", work, str(args.rows))

        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.worker", "import", work], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        t0 = time.perf_counter()
        before = 0
        while before <= 0 and proc.poll() is None and time.perf_counter() - t0 < 600:
            time.sleep(0.02)
            before = _entries(cluster.url)
        if proc.poll() is not None:
            raise RuntimeError("the import ended before its first batch was seen: use more --rows")
        t_fault = time.perf_counter()
        cluster.restart()
        restart_s = time.perf_counter() - t_fault
        out, err = proc.communicate(timeout=900)
        ended_s = time.perf_counter() - t_fault
        first = harness.result_of(out)
        after_fault = harness.run_step(env, "benchmarks.faults", "check")
        print(f"[faults] restarted the server {t_fault - t0:.1f} s into the import ({before:,} entries committed);"
              f" the import ended {ended_s:.1f} s later: exit {proc.returncode}, job "
              f"{(first or {}).get('status', 'none (process failed)')}", flush=True)

        retry = harness.run_step(env, "benchmarks.worker", "import", work)
        final = harness.run_step(env, "benchmarks.faults", "check")

    whole_batches = after_fault["entries"] % after_fault["batch_rows"] == 0
    result = {
        "rows": args.rows, "committed_when_restarted": before, "restart_s": restart_s,
        "import_exit": proc.returncode, "first_job": first and {k: first.get(k) for k in ("status", "error", "accepted")},
        "stderr_tail": err[-600:], "after_fault": after_fault, "whole_batches": whole_batches,
        "retry": {k: retry.get(k) for k in ("status", "accepted", "duplicates", "rows_per_s", "rollups_consistent")},
        "final": final,
        "rows_lost": args.rows - final["distinct_keys"], "rows_doubled": final["entries"] - final["distinct_keys"],
    }
    harness.write_result(args.out, result)
    failed_jobs = [j for j in after_fault["jobs"] if j["status"] == "failed"]
    print(f"[faults] after the restart: {after_fault['entries']:,} entries, jobs "
          f"{[j['status'] for j in after_fault['jobs']]} ({len(failed_jobs)} failed: "
          f"{[(j['error'] or {}).get('code') for j in failed_jobs]}); rollups consistent: "
          f"{after_fault['rollups_consistent']}; whole batches of {after_fault['batch_rows']:,}: {whole_batches}", flush=True)
    print(f"[faults] the retry: {retry['status']}, {retry['accepted']:,} accepted, {retry['duplicates']:,} already "
          f"stored, {retry['rows_per_s']:,.0f} rows/s", flush=True)
    print(f"[faults] in the end: {final['entries']:,} entries for {args.rows:,} valid rows — rows lost "
          f"{result['rows_lost']}, rows doubled {result['rows_doubled']}; rollups consistent: "
          f"{final['rollups_consistent']}", flush=True)
    ok = (result["rows_lost"] == 0 and result["rows_doubled"] == 0 and final["rollups_consistent"]
          and after_fault["rollups_consistent"] and bool(failed_jobs) and whole_batches)
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["check"]:
        harness.django_setup()
        check()
    else:
        raise SystemExit(main(sys.argv[1:]))
