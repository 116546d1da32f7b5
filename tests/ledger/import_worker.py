"""A real import process for `test_heartbeat.py` (not a test module): run as
`python -m tests.ledger.import_worker COMMAND …` with FUPIN_DATA_DIR pointing at a throwaway folder (its own SQLite
file database).

- `setup`: migrate, build the ledger test world, print `RESULT {"seller_code": …}`;
- `import FILE BATCH PAUSE_AT`: import FILE as the CLI does, in batches of BATCH rows; inside the transaction of batch
  PAUSE_AT (after its rows are written, before the commit) print `IN-TX PAUSE_AT` and sleep, so that the test can
  kill the process there; print `RESULT {job}` at the end;
- `status`: mark the jobs whose worker stopped (the service the pages and the API call), print `RESULT` with every
  job, the stored external ids and whether the rollups equal a recomputation.
"""

from __future__ import annotations

import json
import sys
import time


def _setup() -> dict:
    from django.core.management import call_command

    from tests.ledger import factories as lf

    call_command("migrate", verbosity=0)
    w = lf.world()
    return {"seller_code": w.seller.credit_code}


def _import(path: str, batch: int, pause_at: int) -> dict:
    from fupin.ledger import services
    from fupin.ledger.pipeline import Pipeline

    progress = Pipeline._progress
    seen = {"batches": 0}

    def paced(self: Pipeline) -> None:
        progress(self)
        seen["batches"] += 1
        if seen["batches"] == pause_at:
            print(f"IN-TX {pause_at}", flush=True)
            time.sleep(60)

    Pipeline._progress = paced  # type: ignore[method-assign]
    job = services.purchase_import_file(path=path, actor="cli", batch_size=batch)
    return _job(job)


def _job(job) -> dict:
    return {"id": job.pk, "status": job.status, "accepted": job.accepted, "duplicates": job.duplicates,
            "rejected": job.rejected, "error": job.error, "code": (job.report or {}).get("error", {}).get("code"),
            "worker_pid": job.worker_pid, "heartbeat_at": job.heartbeat_at.isoformat() if job.heartbeat_at else None}


def _status() -> dict:
    from fupin.ledger import rollups, services
    from fupin.ledger.models import PurchaseEntry, PurchaseImport

    marked = services.import_jobs_fail_stopped()
    return {"marked": marked, "jobs": [_job(j) for j in PurchaseImport.objects.order_by("id")],
            "external_ids": sorted(PurchaseEntry.objects.values_list("external_id", flat=True)),
            "rollups_consistent": all(d.ok for d in rollups.check())}


def main(argv: list[str]) -> None:
    import django

    django.setup()
    command = argv[0]
    if command == "setup":
        result = _setup()
    elif command == "import":
        result = _import(argv[1], int(argv[2]), int(argv[3]))
    else:
        result = _status()
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
