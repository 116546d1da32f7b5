"""`python -m benchmarks.bigledger` keeps working: at a tiny size on SQLite it runs the public, incentives,
supervision and dashboard measurements on one generated ledger, every role gets its dashboard, and the public pages,
the eligibility run, the scorecards and the early-warning list read no entry (rollups and snapshots only). The
timings are not asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.dashboards import ROLES

ROOT = Path(__file__).resolve().parents[2]


def test_the_big_ledger_benchmark_runs_every_part_on_one_ledger(tmp_path):
    out = tmp_path / "bigledger.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "DJANGO_SETTINGS", "DATABASE_URL"))}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bigledger", "--rows", "3000", "--world-scale", "0.01", "--bodies", "3",
         "--runs", "2", "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["generation"]["entries"] == 3000
    assert result["public"]["home"]["entry_table_reads"] == 0 == result["public"]["statistics"]["entry_table_reads"]
    ev = result["incentives"]["evaluate"]
    assert ev["entities"] > 0 and ev["entry_table_reads"] == 0
    sup = result["supervision"]
    assert sup["bodies"]["designated_assistance"] == 3 and sup["scorecards"]["failed"] == 0
    assert sup["scorecards"]["entry_table_reads"] == 0 == sup["early_warning"]["entry_table_reads"]
    dash = result["dashboards"]["dashboards"]
    assert set(dash) == set(ROLES)
    assert all(d["p95_ms"] > 0 and d["runs"] == 2 and d["blocks"] for d in dash.values())
    assert "oversight" in dash["national office"]["blocks"] and "supplier" in dash["supplier"]["blocks"]
    assert "targets" in dash["central unit"]["blocks"]  # its year's plan was approved by the supervision part
    for line in ("public home page", "scorecards of every assessed body", "dashboard of the county office"):
        assert line in proc.stdout
