"""A killed import does not stay "running" (issue #16 item 6): the worker records its process and host and keeps a
heartbeat; a job whose worker process is gone, or whose heartbeat is too old, is marked failed ("worker stopped")
before imports are listed or shown; re-running the same file completes it exactly once."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from fupin.core import audit
from fupin.core.models import AuditEntry
from fupin.ledger import heartbeat, services
from fupin.ledger.models import PurchaseEntry, PurchaseImport
from fupin.ledger.pipeline import Pipeline
from tests import factories
from tests.ledger import factories as lf

ROOT = Path(__file__).resolve().parents[2]
BATCH = 20


# -- a real process, killed with SIGKILL inside a batch's transaction -------------------------------------------------
def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"FUPIN_DATA_DIR": str(data_dir), "FUPIN_ALLOW_DEV_KEY": "1", "DJANGO_SETTINGS_MODULE": "fupin.settings",
                "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])})
    return env


def _worker(env: dict[str, str], *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tests.ledger.import_worker", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    results = [line[7:] for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and results, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(results[-1])


def _rows(seller_code: str) -> tuple[list[dict[str, str]], list[str]]:
    """200 rows in 10 batches of 20: every 7th invalid, every 11th a repeat of the row before it; and the distinct
    valid external ids in file order."""
    rows, valid = [], []
    for i in range(200):
        if i % 11 == 10 and rows[-1]["amount_yuan"] != "x":
            rows.append(dict(rows[-1]))
            continue
        bad = i % 7 == 6
        rows.append(lf.row(external_id=f"K{i:03d}", seller_code=seller_code, amount_yuan="x" if bad else "12.30"))
        if not bad:
            valid.append(f"K{i:03d}")
    return rows, valid


def test_a_killed_import_keeps_whole_batches_shows_failed_and_completes_when_run_again(tmp_path):
    env = _env(tmp_path)
    seller_code = _worker(env, "setup")["seller_code"]
    rows, valid = _rows(seller_code)
    path = lf.write_csv(tmp_path / "big.csv", rows)
    first_three = {r["external_id"] for r in rows[: 3 * BATCH] if r["amount_yuan"] != "x"}

    proc = subprocess.Popen([sys.executable, "-m", "tests.ledger.import_worker", "import", str(path), str(BATCH), "4"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("IN-TX 4") or time.monotonic() > deadline:
                break
        else:
            pytest.fail("the import ended before its fourth batch: " + proc.stderr.read()[-3000:])  # type: ignore[union-attr]
        os.kill(proc.pid, signal.SIGKILL)  # inside batch 4's transaction: its rows are written, not committed
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    after_kill = _worker(env, "status")
    (job,) = after_kill["jobs"]
    assert after_kill["marked"] == 1
    assert job["status"] == "failed" and job["code"] == "worker_stopped" and job["worker_pid"] == proc.pid
    assert "Worker stopped" in job["error"] and str(proc.pid) in job["error"]
    assert set(after_kill["external_ids"]) == first_three  # batches 1-3 whole, nothing of batch 4
    assert after_kill["rollups_consistent"] is True

    _worker(env, "import", str(path), str(BATCH), "0")
    final = _worker(env, "status")
    assert final["marked"] == 0
    second = final["jobs"][1]
    assert second["status"] == "done" and second["accepted"] == len(valid) - len(first_three)
    assert sorted(final["external_ids"]) == sorted(valid)  # exactly the distinct valid rows, once
    assert final["rollups_consistent"] is True


# -- the same rule in this process ---------------------------------------------------------------------------------
@pytest.fixture
def running_job(db, tmp_path):
    w = lf.world()
    path = lf.write_csv(tmp_path / "r.csv", [lf.row(seller_code=w.seller.credit_code)])
    clerk = factories.user(roles="clerk")
    job = services.purchase_import_create(file_name="r.csv", path=path, actor=clerk)
    audit.transition(job, to="running", allowed_from=["queued"], actor=clerk, changes=heartbeat.this_worker())
    return job, clerk


def test_a_job_with_a_live_worker_and_a_fresh_heartbeat_stays_running(running_job):
    job, _clerk = running_job
    assert job.worker_pid == os.getpid() and job.worker_host and job.heartbeat_at is not None
    assert services.import_jobs_fail_stopped() == 0
    job.refresh_from_db()
    assert job.status == "running"


def test_a_job_whose_heartbeat_is_too_old_is_failed_when_listed_or_shown(running_job, api_as, settings):
    job, clerk = running_job
    settings.FUPIN_LEDGER_WORKER_STALE_SECONDS = 30
    PurchaseImport.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=31))
    body = api_as(clerk).get(f"/purchases/imports/{job.pk}").json()
    assert body["status"] == "failed" and body["report"]["error"]["code"] == "worker_stopped"
    assert "30 seconds" in body["error"] and body["heartbeat_at"] is not None
    transition = AuditEntry.objects.get(object_id=str(job.pk), action="status:failed")
    assert transition.actor_name == "system" and "Worker stopped" in transition.reason
    with translation.override("zh-hans"):
        assert "停止" in services._worker_stopped_message(pid=None, host="", seconds=30)


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_the_import_page_and_the_list_show_the_failure(running_job, client_for):
    job, clerk = running_job
    PurchaseImport.objects.filter(pk=job.pk).update(worker_pid=_dead_pid())
    html = client_for(clerk).get(reverse("portal:ledger_imports")).content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and "Worker stopped" in job.error
    page = client_for(clerk).get(reverse("portal:ledger_import", args=[job.pk])).content.decode()
    assert "Worker stopped" in page and 'http-equiv="refresh"' not in page
    assert html  # the list rendered after the marking


def test_a_worker_on_another_host_is_judged_by_its_heartbeat(running_job):
    job, _clerk = running_job
    PurchaseImport.objects.filter(pk=job.pk).update(worker_pid=_dead_pid(), worker_host="another-host")
    assert services.import_jobs_fail_stopped() == 0
    PurchaseImport.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    assert services.import_jobs_fail_stopped() == 1


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# -- the worker's side: heartbeats while it runs, and it stops when it was marked failed ------------------------
@pytest.mark.django_db(transaction=True)
def test_the_ticker_beats_while_a_long_batch_runs(tmp_path, settings, monkeypatch):
    settings.FUPIN_LEDGER_HEARTBEAT_SECONDS = 0.05
    w = lf.world()
    path = lf.write_csv(tmp_path / "t.csv", [lf.row(external_id=f"T{i}", seller_code=w.seller.credit_code)
                                             for i in range(3)])
    job = services.purchase_import_create(file_name="t.csv", path=path, actor="cli")
    seen: list[dt.datetime | None] = []
    validate = Pipeline._validate

    def slow(self, batch, lang):
        seen.append(PurchaseImport.objects.get(pk=job.pk).heartbeat_at)
        time.sleep(0.6)
        seen.append(PurchaseImport.objects.get(pk=job.pk).heartbeat_at)
        return validate(self, batch, lang)

    monkeypatch.setattr(Pipeline, "_validate", slow)
    done = services.purchase_import_run(job=job)
    assert done.status == "done" and done.accepted == 3
    assert seen[0] is not None and seen[1] is not None and seen[1] > seen[0]  # beaten during the batch


@pytest.mark.django_db(transaction=True)
def test_a_worker_marked_failed_stops_and_stores_nothing_more(tmp_path, monkeypatch):
    w = lf.world()
    path = lf.write_csv(tmp_path / "s.csv", [lf.row(external_id=f"S{i}", seller_code=w.seller.credit_code)
                                             for i in range(6)])
    job = services.purchase_import_create(file_name="s.csv", path=path, actor="cli")
    store = Pipeline._store

    def taken_for_stopped(self, accepted, on_stored):
        store(self, accepted, on_stored)
        # after the first batch committed, another process marks the job failed
        PurchaseImport.objects.filter(pk=job.pk).update(status="failed", error="Worker stopped")

    monkeypatch.setattr(Pipeline, "_store", taken_for_stopped)
    done = services.purchase_import_run(job=job, batch_size=2)
    assert done.status == "failed" and done.error == "Worker stopped"
    assert sorted(PurchaseEntry.objects.values_list("external_id", flat=True)) == ["S0", "S1"]
