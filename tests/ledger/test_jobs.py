"""Background imports and concurrency: a large upload runs in a worker thread with progress on the job row;
two imports of the same rows at once store them once. These tests commit (transactional_db)."""

from __future__ import annotations

import threading
import time

import pytest

from fupin.ledger import jobs, rollups, services
from fupin.ledger.models import PurchaseEntry
from tests.assertions import nonempty
from tests.ledger import factories as lf


@pytest.fixture
def w(transactional_db):
    return lf.world()


def test_a_large_upload_runs_as_a_background_job(w, api_as, county_clerk, settings, tmp_path):
    settings.FUPIN_LEDGER_INLINE_MAX_BYTES = 100  # every real file is "large"
    rows = [lf.row(external_id=f"J{i}", seller_code=w.seller.credit_code) for i in range(50)]
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = api_as(county_clerk)
    r = api.post("/purchases/imports", files={"file": SimpleUploadedFile("big.csv", lf.csv_text(rows).encode())})
    assert r.status_code == 202, r.content
    job_id = r.json()["id"]
    assert r.json()["status"] in ("queued", "running", "done")
    job = jobs.wait(job_id, timeout=60)
    assert job.status == "done" and job.accepted == 50 and job.rows_processed == 50
    polled = api.get(f"/purchases/imports/{job_id}").json()
    assert polled["status"] == "done" and polled["progress"] == 1.0 and polled["report"]["accepted"] == 50
    assert PurchaseEntry.objects.count() == 50


def test_two_imports_of_the_same_rows_at_once_store_them_once(w, tmp_path, settings):
    # The two threads share SQLite's in-memory test database, where one import's heartbeat cannot be written while
    # the other holds the lock; on a loaded machine that can last past the stale bound, and the second import's
    # start would then take the first for a stopped worker. This test is about idempotence, not heartbeats.
    settings.FUPIN_LEDGER_WORKER_STALE_SECONDS = 3600
    rows = [lf.row(external_id=f"C{i}", seller_code=w.seller.credit_code) for i in range(300)]
    a = lf.write_csv(tmp_path / "a.csv", rows)
    b = lf.write_csv(tmp_path / "b.csv", list(reversed(rows)))
    results = {}

    def run(name, path):
        from django.db import OperationalError
        from django.db import connection as conn

        try:
            # SQLite's shared in-memory test database refuses concurrent readers with "table is locked" (a file
            # database in WAL mode waits instead); an import is idempotent, so running it again is the remedy
            for _attempt in range(600):
                try:
                    job = services.purchase_import_file(path=path, actor="cli", batch_size=25)
                except OperationalError:
                    job = None
                # raised before the job ran, or caught inside it (the job then ends failed with the lock's message)
                if job is not None and not (job.status == "failed" and "locked" in str(job.report.get("error"))):
                    results[name] = job
                    return
                conn.close()
                time.sleep(0.05)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(n, p)) for n, p in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert set(results) == {"a", "b"}
    for job in results.values():
        assert job.status == "done" and job.accepted + job.duplicates == 300
    assert PurchaseEntry.objects.count() == 300
    assert PurchaseEntry.objects.values("external_id").distinct().count() == 300
    assert all(d.ok for d in nonempty(rollups.check()))


def test_an_interrupted_job_is_marked_failed(w, tmp_path):
    import datetime as dt

    from django.utils import timezone

    from fupin.ledger.models import PurchaseImport

    path = lf.write_csv(tmp_path / "i.csv", [lf.row(seller_code=w.seller.credit_code)])
    job = services.purchase_import_create(file_name="i.csv", path=path, actor="cli")
    from fupin.core import audit

    audit.transition(job, to="running", allowed_from=["queued"], actor="cli")
    PurchaseImport.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    assert services.import_jobs_fail_stopped() == 1  # no heartbeat at all: the last progress is the sign of life
    job.refresh_from_db()
    assert job.status == "failed" and job.report["error"]["code"] == "worker_stopped"
