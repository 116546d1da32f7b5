"""`python -m benchmarks.faults` keeps working: at a small size it restarts its own throwaway PostgreSQL cluster
during an import, and nothing is lost or doubled (the script's own verdict and its figures agree)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_postgresql_restart_during_an_import_loses_and_doubles_nothing(tmp_path):
    out = tmp_path / "faults.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "DJANGO_SETTINGS", "DATABASE_URL"))}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.faults", "--rows", "45000", "--world-scale", "0.01", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["committed_when_restarted"] > 0 and result["whole_batches"]
    assert [j["status"] for j in result["after_fault"]["jobs"]] == ["failed"]
    assert result["retry"]["status"] == "done"
    assert result["retry"]["accepted"] + result["retry"]["duplicates"] == 45000
    assert (result["rows_lost"], result["rows_doubled"]) == (0, 0)
    assert result["final"]["rollups_consistent"] and result["final"]["entries"] == 45000
