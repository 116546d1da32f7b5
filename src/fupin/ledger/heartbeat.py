"""The sign of life of a running import (issue #16 item 6).

The worker records its process id and host when the job starts, writes `PurchaseImport.heartbeat_at` with every
batch (in the batch's transaction, `Pipeline._progress`) and from a small ticker thread while a long batch runs.
`services.import_jobs_fail_stopped()` — called before imports are listed or shown and when an import is created
— marks failed every running job whose worker process is gone from this host, or whose heartbeat is older than
`FUPIN_LEDGER_WORKER_STALE_SECONDS` (60 s by default; the ticker beats every `FUPIN_LEDGER_HEARTBEAT_SECONDS`,
10 s by default). A worker that finds its job no longer running (marked failed meanwhile) stops at the next
batch. Importing the same file again is safe: what the committed batches stored is reported as duplicates.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from .enums import JobStatus
from .models import PurchaseImport

log = logging.getLogger("fupin.ledger.jobs")

HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 60.0


def heartbeat_seconds() -> float:
    return float(getattr(settings, "FUPIN_LEDGER_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))


def stale_seconds() -> float:
    return float(getattr(settings, "FUPIN_LEDGER_WORKER_STALE_SECONDS", STALE_SECONDS))


def this_worker() -> dict[str, Any]:
    """What a starting job records about its worker: the process id and the host name, and a first heartbeat."""
    return {"worker_pid": os.getpid(), "worker_host": socket.gethostname()[:255], "heartbeat_at": timezone.now()}


def beat(job_id: int) -> bool:
    """Write the heartbeat of a running job; False when the job is no longer running (it was marked failed)."""
    return PurchaseImport.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        heartbeat_at=timezone.now()) == 1


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (a process of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_gone(*, pid: int | None, host: str) -> bool:
    """True when the job's worker ran on this host and its process no longer exists. (A reused process id looks
    alive: the heartbeat's age decides then.)"""
    return bool(pid) and host == socket.gethostname()[:255] and not process_alive(int(pid or 0))


class Ticker:
    """Beats every `interval` seconds in a daemon thread (its own database connection) until stopped; a failed
    write (the database busy with the batch) is retried at the next beat. Whether the job still runs is decided by
    the worker itself, at each batch (`Pipeline._progress`)."""

    def __init__(self, job_id: int, *, interval: float | None = None) -> None:
        self.job_id = job_id
        self.interval = heartbeat_seconds() if interval is None else interval
        self.beats = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"purchase-import-{job_id}-heartbeat", daemon=True)

    def __enter__(self) -> Ticker:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=max(5.0, self.interval * 2))

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if beat(self.job_id):
                        self.beats += 1
                except DatabaseError as exc:
                    log.debug("heartbeat of purchase import %s not written (%s); retrying", self.job_id, exc)
        finally:
            connection.close()
