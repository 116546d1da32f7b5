"""`python -m benchmarks.load` keeps working: a short locust run against gunicorn on loopback (SQLite) ends with no
failed request, every batch accepted, and the ledger holding exactly the rows and the money that were accepted.
`FUPIN_SOAK_SECONDS` (default 10) makes it a longer soak run; `.ci/run` sets it for its first pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECONDS = int(os.environ.get("FUPIN_SOAK_SECONDS", "10"))


def test_a_short_mixed_load_fails_nothing_and_the_ledger_equals_what_was_sent(tmp_path):
    out = tmp_path / "load.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "DJANGO_SETTINGS", "DATABASE_URL"))}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--rows", "2000", "--users", "6", "--seconds", str(SECONDS),
         "--world-scale", "0.01", "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600 + SECONDS, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["requests"] > 0 and result["failures"] == 0
    sent, ledger = result["sent"], result["ledger"]
    assert sent["batches"] > 0 and sent["refused_batches"] == 0
    assert (ledger["entries"], ledger["amount_fen"]) == (sent["rows"], sent["amount_fen"])
    assert ledger["rollups_consistent"]
    assert {"GET / (public home)", "POST /api/v1/purchases/batch"} <= set(result["per_request"])
