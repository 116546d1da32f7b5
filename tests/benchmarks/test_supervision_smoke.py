"""`python -m benchmarks.supervision` keeps working: at a tiny size on SQLite it produces every figure, and the
scorecards and the early-warning list read no entry (rollups and snapshots only). The timings are not asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_supervision_benchmark_runs_and_reads_no_entries(tmp_path):
    out = tmp_path / "supervision.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "DJANGO_SETTINGS"))}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.supervision", "--rows", "3000", "--bodies", "4", "--world-scale", "0.01",
         "--runs", "2", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["generation"]["entries"] == 3000
    assert result["bodies"]["designated_assistance"] == 4 and result["bodies"]["east_west"] > 0
    sc, ew = result["scorecards"], result["early_warning"]
    assert sc["cards"] == 4 + result["bodies"]["east_west"] and sc["failed"] == 0
    assert sc["entry_table_reads"] == 0 and ew["entry_table_reads"] == 0
    assert sc["ms"] > 0 and ew["p95_ms"] > 0 and ew["lines"] > 0
    assert "scorecards of every assessed body" in proc.stdout
