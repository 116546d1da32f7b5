"""`python -m benchmarks.load`: a bounded mixed load against gunicorn on loopback (issue #15 §6).

It builds the benchmark world on a throwaway database (SQLite in a temporary folder, or with `--engine postgresql`
a throwaway PostgreSQL 15 cluster on port 55442), writes --rows purchase rows, and serves the platform with gunicorn
(2 workers × 4 threads, as `make serve`). Then locust (`benchmarks/locustfile.py`, headless) runs --users users
for --seconds: readers of the public home page, the account totals and the entries, and clerks posting the rows
in 50-row batches. At the end it compares the ledger with what was accepted: entries and amount equal to the rows
and the money of the accepted batches, every batch accepted, no request failed, rollups equal to a recomputation.
Prints the figures (requests, failures, requests/s, median and p95 per request) and exits non-zero on any failure.

    python -m benchmarks.load [--engine sqlite|postgresql] [--rows 20000] [--users 12] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from . import harness, pg

ROOT = Path(__file__).resolve().parents[1]
PG_PORT = int(os.environ.get("BENCH_LOAD_PGPORT", "55442"))


def prepare(directory: Path, rows: int) -> None:
    """(Own process.) Migrate, build the world, write the rows (source `load`) and an administrator's token."""
    from fupin.core import services as core_services

    from . import data, world

    harness.migrate()
    w = world.build(**world.sizes(float(os.environ.get("BENCH_WORLD_SCALE", "0.05"))))
    data.purchase_csv(directory / "load.csv", w, rows=rows, source="load", seed=29)
    user = core_services.user_create(username="load-admin", password=None, roles="administrator",
                                     scope_level="nation", scope_code="", organisation=None, actor="benchmark")
    token = core_services.token_create(user=user, name="load", actor="benchmark")
    print("RESULT " + json.dumps({"token": token}), flush=True)


def check() -> None:
    """(Own process.) What the ledger holds from the load."""
    from django.db.models import Count, Sum

    from fupin.ledger import rollups
    from fupin.ledger.models import PurchaseEntry

    qs = PurchaseEntry.objects.filter(source="load")
    agg = qs.aggregate(entries=Count("id"), amount_fen=Sum("amount_fen"))
    keys = qs.values("external_id").distinct().count()
    print("RESULT " + json.dumps({"entries": agg["entries"], "amount_fen": agg["amount_fen"] or 0,
                                  "distinct_keys": keys,
                                  "rollups_consistent": all(d.ok for d in rollups.check())}), flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--world-scale", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "load.json")
    args = parser.parse_args(argv)
    with (pg.managed_cluster(PG_PORT) if args.engine == "postgresql" else nullcontext(None)) as cluster, \
            tempfile.TemporaryDirectory(prefix="fupin-load.") as work:
        env = {**os.environ, "FUPIN_ALLOW_DEV_KEY": "1", "FUPIN_DATA_DIR": work, "PYTHONPATH": str(ROOT / "src"),
               "BENCH_WORLD_SCALE": str(args.world_scale)}
        env.pop("FUPIN_DEBUG", None)
        env.pop("DATABASE_URL", None)
        if cluster is not None:
            env["DATABASE_URL"] = cluster.url
        print(f"[load] preparing {args.rows:,} rows on {args.engine} …", flush=True)
        token = harness.run_step(env, "benchmarks.load", "prepare", work, str(args.rows))["token"]
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "fupin.wsgi:application", "--bind",
                                   f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--timeout", "120"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            _wait_http(port)
            sent_path = Path(work) / "sent.json"
            load_env = {**env, "LOAD_CSV": str(Path(work) / "load.csv"), "LOAD_TOKEN": token,
                        "LOAD_OUT": str(sent_path)}
            print(f"[load] {args.users} users for {args.seconds} s against gunicorn on 127.0.0.1:{port} …",
                  flush=True)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"),
                            "--headless", "-u", str(args.users), "-r", str(max(1, args.users // 2)),
                            "-t", f"{args.seconds}s", "--host", f"http://127.0.0.1:{port}",
                            "--only-summary", "--stop-timeout", "30"],
                           cwd=ROOT, env=load_env, capture_output=True, text=True, check=False, timeout=args.seconds + 300)
            wall = time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(timeout=60)
        sent = json.loads(sent_path.read_text())
        ledger = harness.run_step(env, "benchmarks.load", "check", work)

    per = {name: {**r, "rps": r["requests"] / args.seconds} for name, r in sent.pop("per_request").items()}
    requests = sum(r["requests"] for r in per.values())
    result = {"engine": args.engine, "users": args.users, "seconds": args.seconds, "wall_s": wall,
              "requests": requests, "failures": sum(r["failures"] for r in per.values()),
              "rps": requests / args.seconds, "per_request": per, "sent": sent, "ledger": ledger}
    harness.write_result(args.out, result)
    for name, r in per.items():
        print(f"[load] {name}: {r['requests']:,} requests, {r['failures']} failed, {r['rps']:.1f}/s, "
              f"median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms", flush=True)
    ok = (result["failures"] == 0 and sent["refused_batches"] == 0 and ledger["entries"] == sent["rows"]
          and ledger["distinct_keys"] == sent["rows"] and ledger["amount_fen"] == sent["amount_fen"]
          and ledger["rollups_consistent"])
    print(f"[load] {result['requests']:,} requests ({result['rps']:.1f}/s), {result['failures']} failed; "
          f"{sent['batches']:,} batches = {sent['rows']:,} rows and {sent['amount_fen']:,} fen accepted, "
          f"{sent['refused_batches']} refused; the ledger holds {ledger['entries']:,} entries and "
          f"{ledger['amount_fen']:,} fen from the load; rollups consistent: {ledger['rollups_consistent']} → "
          f"{'OK' if ok else 'FAILED'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    step = sys.argv[1:2]
    if step in (["prepare"], ["check"]):
        harness.django_setup()
        if step == ["prepare"]:
            prepare(Path(sys.argv[2]), int(sys.argv[3]))
        else:
            check()
    else:
        raise SystemExit(main(sys.argv[1:]))
