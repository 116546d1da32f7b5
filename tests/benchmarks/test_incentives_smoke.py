"""`python -m benchmarks.incentives` keeps working: at a tiny size on SQLite it evaluates every entity for a policy
that reads every fact of the catalogue, stores a decision for each, and reads no entry (the rollups only). The
timings are not asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fupin.incentives import rules

ROOT = Path(__file__).resolve().parents[2]


def _facts(node):
    if "fact" in node:
        yield node["fact"]
    for child in node.get("all", []) + node.get("any", []) + ([node["not"]] if "not" in node else []):
        yield from _facts(child)


def test_the_incentives_benchmark_evaluates_every_entity_from_the_rollups(tmp_path):
    from benchmarks.incentives import CONDITIONS

    assert set(_facts(CONDITIONS)) == set(rules.FACTS)  # the benchmark's policy reads the whole catalogue
    out = tmp_path / "incentives.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "DJANGO_SETTINGS", "DATABASE_URL"))}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.incentives", "--rows", "2000", "--world-scale", "0.01", "--runs", "1",
         "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    ev = result["evaluate"]
    assert result["generation"]["entries"] == 2000 and ev["entities"] == result["entities"] > 0
    assert ev["eligible"] + ev["ineligible"] + ev["undetermined"] == ev["entities"]
    assert ev["entry_table_reads"] == 0 and ev["statements_per_run"] > 0
    assert "active market entities for one policy" in proc.stdout
