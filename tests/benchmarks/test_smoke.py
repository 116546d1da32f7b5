"""`make bench` keeps working: the whole benchmark, at a tiny size on SQLite, produces every figure, and the
import, the write floor and the statistics agree with each other (the figures themselves are not asserted: they
are measured by `make bench`, not by tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_runs_end_to_end_and_its_parts_agree(tmp_path):
    out = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "DJANGO_SETTINGS"))}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--rows", "400", "--stat-rows", "3000", "--runs", "3", "--raw-runs", "2",
         "--engines", "sqlite", "--world-scale", "0.01", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (engine,) = json.loads(out.read_text())["engines"]
    raw, imp, floor = engine["raw"], engine["import"], engine["floor"]
    assert raw["rows"] == imp["rows"] == 400
    assert imp["status"] == "done" and imp["rejected"] == 0 and imp["accepted"] == 400 == floor["rows"]
    assert floor["key_only"]["rows"] == 400 and floor["key_only"]["rows_per_s"] > 0
    assert 0 < imp["counted"] <= imp["accepted"] and imp["rollups_consistent"] is True
    assert min(raw["rows_per_s"], imp["rows_per_s"], floor["rows_per_s"]) > 0 and imp["peak_mb"] > 0
    stats = engine["stats"]
    assert stats["generation"]["entries"] == 3000
    assert len(stats["queries"]) == 3
    for name, q in stats["queries"].items():
        assert q["same_result"] is True, name
        assert q["rollup"] != "entries" and q["p95_ms"] > 0 and q["raw_p95_ms"] > 0, name
    assert "of raw" in proc.stdout and "write floor" in proc.stdout
