"""Fuzzing the whole API from its OpenAPI document (issue #16): schemathesis generates requests for every
operation — valid ones and invalid ones — and sends them in-process (WSGI) to the real application, over the
demo world, as an administrator, a county clerk, a supplier's clerk and anonymously. Each response must be
no 5xx, have a status the document lists for the operation, and match the documented content type and schema.

The budget is small and the seed fixed, so the run fits CI (`FUPIN_FUZZ_EXAMPLES`, default 4 examples per
operation and role); a longer run: `FUPIN_FUZZ_EXAMPLES=500 pytest tests/api/test_fuzz.py`.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fupin.api.main import api
from fupin.demo.steps import STEPS
from fupin.demo.world import World
from fupin.ledger import jobs
from tests import factories

EXAMPLES = int(os.environ.get("FUPIN_FUZZ_EXAMPLES", "4"))
SEED = 2026
ROLES = ("anonymous", "admin", "county", "supplier")  # demo users: nation administrator, county clerk-reviewer,
# the clerk of a supplier cooperative
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
HOST = {"Host": "testserver"}  # always allowed in tests

CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"max-examples": EXAMPLES, "database": "none", "mode": "all"},
    "phases": {"examples": {"enabled": False}, "coverage": {"enabled": os.environ.get("FUPIN_FUZZ_COVERAGE") == "1"},
               "stateful": {"enabled": False}},
})
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
schema.app = get_wsgi_application()


SENT: Counter[str] = Counter()  # requests sent, per role
FAILED: Counter[str] = Counter()  # of which failed a check
OPERATIONS: set[str] = set()
SUMMARY = Path(os.environ.get("FUPIN_FUZZ_SUMMARY", "var/fuzz/summary.json"))


@pytest.fixture(scope="module", autouse=True)
def _summary():
    """After the module: how many operations were fuzzed and requests sent, per role, and how many failed a check
    (the figures docs/security.md quotes; run with `-n 0`, a worker of xdist sees only its share)."""
    yield
    if SENT:
        SUMMARY.parent.mkdir(parents=True, exist_ok=True)
        SUMMARY.write_text(json.dumps({"examples_per_operation": EXAMPLES, "seed": SEED,
                                       "operations": len(OPERATIONS), "requests": sum(SENT.values()),
                                       "requests_per_role": dict(SENT), "failed_requests": sum(FAILED.values())},
                                      indent=1))


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    """The demo world (small scale, fixed seed), built once for the module and rolled back after it; background
    import jobs run inline (a worker thread would not see the uncommitted world). As Django's test client does,
    requests keep the test's database connection (a real request closes it when it ends)."""
    start = jobs.start
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock(), transaction.atomic(), pytest.MonkeyPatch.context() as mp:
            mp.setattr(jobs, "start", lambda job, background=None: start(job, background=False))
            world = World(seed=7, scale="small")
            for _name, build in STEPS:
                build(world)
            yield {role: factories.token(world.users[role]) for role in ROLES if role != "anonymous"}
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def role(request):
    return request.param


@pytest.fixture
def headers(role, tokens):
    if role == "anonymous":
        return HOST
    return {**HOST, "Authorization": f"Bearer {tokens[role]}"}


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None, print_blob=True)
@pytest.mark.django_db
def test_no_server_error_and_every_answer_as_documented(case, headers, role):
    OPERATIONS.add(f"{case.method} {case.path}")
    SENT[role] += 1
    try:
        case.call_and_validate(headers=headers, checks=CHECKS)
    except Exception:
        FAILED[role] += 1  # a server error or an answer not as documented (hypothesis then shrinks it)
        raise
