"""A database fault during an import (issue #15 §6): when the connection is lost after some batches committed,
the job ends `failed` with `database_unavailable` once the database answers again (the connection is replaced),
the committed batches stay whole, and the same file again stores exactly the rest. The real server restart is
`python -m benchmarks.faults` (figures in docs/security.md)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection

from fupin.ledger import services
from fupin.ledger.models import PurchaseEntry, PurchaseImport
from fupin.ledger.pipeline import Pipeline
from tests.ledger import factories as lf


@pytest.mark.django_db(transaction=True)
def test_a_lost_connection_fails_the_job_cleanly_and_the_retry_stores_the_rest(tmp_path, monkeypatch):
    w = lf.world()
    rows = [lf.row(external_id=f"D{i}", seller_code=w.seller.credit_code) for i in range(6)]
    path = lf.write_csv(tmp_path / "d.csv", rows)
    store = Pipeline._store
    calls = {"n": 0}

    def lost_on_the_second_batch(self, accepted, on_stored):
        calls["n"] += 1
        if calls["n"] == 2:
            connection.close()  # what a server restart leaves behind: this connection is gone
            raise OperationalError("server closed the connection unexpectedly")
        store(self, accepted, on_stored)

    monkeypatch.setattr(Pipeline, "_store", lost_on_the_second_batch)
    job = services.purchase_import_file(path=path, actor="cli", batch_size=2)
    assert job.status == "failed"
    assert job.report["error"]["code"] == "database_unavailable"
    assert "server closed the connection" in job.report["error"]["message"]
    assert sorted(PurchaseEntry.objects.values_list("external_id", flat=True)) == ["D0", "D1"]  # whole batches

    monkeypatch.setattr(Pipeline, "_store", store)
    again = services.purchase_import_file(path=path, actor="cli", batch_size=2)
    assert again.status == "done" and (again.accepted, again.duplicates) == (4, 2)
    assert PurchaseEntry.objects.count() == 6
    assert PurchaseEntry.objects.values("external_id").distinct().count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_database_that_stays_away_leaves_the_job_to_the_stopped_worker_check(tmp_path, monkeypatch):
    w = lf.world()
    path = lf.write_csv(tmp_path / "e.csv", [lf.row(external_id="E0", seller_code=w.seller.credit_code)])
    monkeypatch.setattr(services, "_database_back", lambda wait_seconds=30.0: False)

    def gone(self, accepted, on_stored):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(Pipeline, "_store", gone)
    with pytest.raises(OperationalError):
        services.purchase_import_file(path=path, actor="cli")
    assert not PurchaseEntry.objects.exists()
    assert PurchaseImport.objects.get().status == "running"  # until `import_jobs_fail_stopped` takes it
