"""The demo world's planted inflation cases: two per detector, recorded, and every one found by the demo's own
detection run (recall 1 for each detector); a confirmed flag shows a decision on the pages."""

import pytest

from fupin.demo.steps import STEPS
from fupin.demo.world import World
from fupin.detection import selectors
from fupin.detection.enums import FlagKind
from fupin.detection.models import Flag

pytestmark = pytest.mark.django_db


def test_every_planted_case_is_found_in_the_demo_world():
    world = World(seed=7, scale="small")
    for name, build in STEPS:
        build(world)
        if name == "detection":
            break
    planted = selectors.planted_cases()
    assert planted is not None and planted["year"] == world.today.year - 1
    assert sorted({k for k, _ in planted["planted"]}) == sorted(FlagKind.values)
    assert all(sum(1 for k, _ in planted["planted"] if k == kind) == 2 for kind in FlagKind.values)
    _planted, scores = selectors.planted_score()
    by = {s.kind: s for s in scores}
    assert all(by[kind].recall == 1 for kind in FlagKind.values), {k: (s.found, s.planted) for k, s in by.items()}
    assert by["all"].flagged >= by["all"].planted == 14 and by["all"].precision >= 0.5
    assert Flag.objects.filter(status="confirmed", kind="circular_trade").count() == 1
    assert world.extra["detection"]["runs"][0]["created"] >= 14
