"""`python -m benchmarks.public` keeps working: at a tiny size on SQLite it times both public pages, and they read
no entry (rollups only). The timings are not asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_public_benchmark_runs_and_reads_no_entries(tmp_path):
    out = tmp_path / "public.json"
    # on its own throwaway SQLite database, whatever database the test run uses (CI's PostgreSQL has no "fupin")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "DJANGO_SETTINGS", "DATABASE_URL"))}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.public", "--rows", "3000", "--world-scale", "0.01", "--runs", "2",
         "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["generation"]["entries"] == 3000
    for name in ("home", "statistics"):
        assert result[name]["p95_ms"] > 0 and result[name]["runs"] == 2
        assert result[name]["entry_table_reads"] == 0
    assert "public home page" in proc.stdout
