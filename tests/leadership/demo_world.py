"""The demo world (small scale, fixed seed) for the dashboard and inbox tests, built once per module through the
domain apps' demo steps and rolled back after the module; each test's own writes roll back to a savepoint."""

from __future__ import annotations

import pytest
from django.db import transaction

from fupin.demo.steps import STEPS
from fupin.demo.world import World

# the steps the dashboards and the inbox read (steps added later by other apps are not needed here)
NEEDED = ("registry", "linkage", "certification", "ledger", "reserved_share", "supervision", "leadership")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        world = World(seed=7, scale="small")
        for name, build in STEPS:
            if name in NEEDED:
                build(world)
        yield world
        transaction.set_rollback(True)
