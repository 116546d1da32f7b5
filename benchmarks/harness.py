"""Process set-up for benchmark workers: Django on a throwaway database chosen by the environment."""

from __future__ import annotations

import os
import resource
import time
from contextlib import contextmanager
from typing import Any


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    os.environ.setdefault("FUPIN_ALLOW_DEV_KEY", "1")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timer() -> Any:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def p95(samples: list[float]) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


ENTRY_TABLE = "ledger_purchaseentry"


class Watch:
    """Counts the SQL statements run while it is active, and those that read the entry table."""

    def __init__(self) -> None:
        self.statements = 0
        self.entry_reads = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements += 1
        if ENTRY_TABLE in sql:
            self.entry_reads += 1
        return execute(sql, params, many, context)


@contextmanager
def watched() -> Any:
    from django.db import connection

    w = Watch()
    with connection.execute_wrapper(w):
        yield w
