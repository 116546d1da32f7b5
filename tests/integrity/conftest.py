"""The demo world up to the ledger (registry, linkage, certification, ledger: built through the services), once per
test module, inside a transaction rolled back at the module's end; each test runs in a savepoint of it, so the
direct SQL tampering of one test is undone before the next."""

from __future__ import annotations

import pytest
from django.db import transaction

from fupin.demo.steps import STEPS
from fupin.demo.world import World


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = World(seed=11, scale="small")
            for name, build in STEPS:
                build(world)
                if name == "ledger":
                    break
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
