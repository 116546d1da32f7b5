"""The users of `python -m benchmarks.load` (locust): readers of the public home page and the account's API, and
clerks posting purchase batches of 50 rows taken in turn from one generated file. Each batch's outcome is kept, so
the orchestrator can compare the ledger with what was really accepted. Configured by the environment:
LOAD_CSV (the rows), LOAD_TOKEN (an administrator's API token), LOAD_OUT (where the sent totals are written)."""

from __future__ import annotations

import csv
import json
import os
import statistics
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from locust import HttpUser, between, events, task

BATCH = 50
_rows: list[dict[str, str]] = []
_next = 0
SENT: dict[str, Any] = {"batches": 0, "rows": 0, "amount_fen": 0, "refused_batches": 0, "refused_rows": 0}
TIMES: defaultdict[str, list[float]] = defaultdict(list)  # response times (ms) per request name
FAILURES: Counter[str] = Counter()


def _load() -> None:
    with open(os.environ["LOAD_CSV"], encoding="utf-8", newline="") as fh:
        _rows.extend(csv.DictReader(fh))


def _chunk() -> list[dict[str, str]]:
    global _next
    chunk = _rows[_next:_next + BATCH]
    _next += len(chunk)
    return chunk


@events.init.add_listener
def _on_init(**_kw: Any) -> None:
    _load()


@events.request.add_listener
def _on_request(name: str, response_time: float, exception: Any = None, **_kw: Any) -> None:
    TIMES[name].append(response_time)
    if exception is not None:
        FAILURES[name] += 1


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


@events.quitting.add_listener
def _on_quit(**_kw: Any) -> None:
    """Written after the last request ended (locust's own CSV is a snapshot taken earlier)."""
    requests = {name: {"requests": len(t), "failures": FAILURES[name], "median_ms": statistics.median(t),
                       "p95_ms": _p95(t)} for name, t in TIMES.items()}
    with open(os.environ["LOAD_OUT"], "w", encoding="utf-8") as fh:
        json.dump({**SENT, "per_request": requests}, fh)


class Reader(HttpUser):
    weight = 3
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {os.environ['LOAD_TOKEN']}"}

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="GET / (public home)")

    @task(2)
    def totals(self) -> None:
        self.client.get("/api/v1/account/totals?year=2023&group_by=province", headers=self.auth,
                        name="GET /api/v1/account/totals")

    @task(1)
    def entries(self) -> None:
        self.client.get("/api/v1/purchases?limit=20", headers=self.auth, name="GET /api/v1/purchases")


class Clerk(HttpUser):
    weight = 1
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {os.environ['LOAD_TOKEN']}"}

    @task
    def post_batch(self) -> None:
        rows = _chunk()
        if not rows:
            self.client.get("/api/v1/me", headers=self.auth, name="GET /api/v1/me")
            return
        with self.client.post("/api/v1/purchases/batch", json={"rows": rows}, headers=self.auth,
                              name="POST /api/v1/purchases/batch", catch_response=True) as response:
            if response.status_code == 200 and response.json().get("accepted") == len(rows):
                SENT["batches"] += 1
                SENT["rows"] += len(rows)
                SENT["amount_fen"] += sum(int(Decimal(r["amount_yuan"]) * 100) for r in rows)
                response.success()
            else:
                SENT["refused_batches"] += 1
                SENT["refused_rows"] += len(rows)
                response.failure(f"{response.status_code}: {response.text[:200]}")
