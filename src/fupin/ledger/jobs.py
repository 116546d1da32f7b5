"""Background imports: a DB-backed job row (`PurchaseImport`) and a worker thread started by the request.

Small files run inline (the request returns the finished report); larger ones run in a daemon thread of the web
process, which reports progress on the job row after every batch and keeps its heartbeat fresh (`heartbeat`). A job
whose worker stopped (killed, or the server restarted) is marked failed by `services.import_jobs_fail_stopped()`,
run before imports are listed or shown and whenever one is created; importing the same file again is safe because
imports are idempotent.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

from . import services
from .models import PurchaseImport

log = logging.getLogger("fupin.ledger.jobs")

# Files up to this size are imported inside the request (an operational setting, not a policy number).
INLINE_MAX_BYTES = 1_000_000
THREADS: dict[int, threading.Thread] = {}


def inline_max_bytes() -> int:
    return int(getattr(settings, "FUPIN_LEDGER_INLINE_MAX_BYTES", INLINE_MAX_BYTES))


def _work(job_id: int) -> None:
    close_old_connections()
    try:
        job = PurchaseImport.objects.get(pk=job_id)
        services.purchase_import_run(job=job)
    except Exception:  # noqa: BLE001 - logged; the job row says failed
        log.exception("purchase import %s failed", job_id)
    finally:
        connection.close()
        THREADS.pop(job_id, None)


def start(job: PurchaseImport, *, background: bool | None = None) -> PurchaseImport:
    """Run the job inline (small files, or background=False) or in a worker thread."""
    if background is None:
        background = job.file_size > inline_max_bytes()
    if not background:
        return services.purchase_import_run(job=job)
    thread = threading.Thread(target=_work, args=(job.pk,), name=f"purchase-import-{job.pk}", daemon=True)
    THREADS[job.pk] = thread
    thread.start()
    return job


def wait(job_id: int, timeout: float | None = None) -> Any:
    """Wait for a background job's thread (tests and the CLI)."""
    thread = THREADS.get(job_id)
    if thread is not None:
        thread.join(timeout)
    return PurchaseImport.objects.get(pk=job_id)
