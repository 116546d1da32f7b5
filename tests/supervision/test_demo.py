"""The demo world's supervision: plans and targets for its central units and provinces, a submitted and an
approved period, problems in every state, and a computed scorecard year with one body whose good grade sits next to
a missed sub-target — all built through the services."""

import pytest

from fupin.demo.steps import STEPS
from fupin.demo.world import World
from fupin.supervision import cycle
from fupin.supervision.enums import ProblemStatus
from fupin.supervision.models import Approval, Evaluation, Problem, Scorecard, StatisticsFiling, WorkPlan

pytestmark = pytest.mark.django_db


def test_the_demo_world_supervises_and_assesses():
    world = World(seed=7, scale="small")
    for _name, build in STEPS:
        build(world)
    sv = world.extra["supervision"]
    last = world.today.year - 1
    central = world.organisations["central_units"]
    assert WorkPlan.objects.filter(year=last, status="approved", body__in=central).count() == len(central)
    assert WorkPlan.objects.filter(body__kind="provincial_government", status="approved").exists()
    statuses = set(Approval.objects.values_list("status", flat=True))
    assert {"approved", "submitted", "accepted"} <= statuses
    assert set(Problem.objects.values_list("status", flat=True)) == set(ProblemStatus.values)
    assert Problem.objects.filter(escalated_to__isnull=False).exists()
    cards = Scorecard.objects.filter(year=last)
    assert cards.filter(scheme="designated_assistance").count() == len(central)
    assert cards.filter(scheme="east_west").exists()
    good = sv["good_with_miss"]
    assert good is not None and good.grade == "good" and any(m["sub_target"] for m in good.misses)
    assert cards.exclude(grade="good").exists() and cards.filter(adjustment_centi__lt=0).exists()
    assert {"assessor", "central"} <= set(world.users)
    # the year-end cycle shows every stage: reported, waiting for the cross-check, for the partner, not submitted
    assert set(Evaluation.objects.filter(year=last).values_list("status", flat=True)) == {
        "reported", "self_evaluated"}
    assert Evaluation.objects.filter(year=last, scheme="east_west", status="self_evaluated").exists()
    assert StatisticsFiling.objects.filter(year=last, body=central[0]).count() == 1
    steps = {line.step for line in cycle.cycle_lines(viewer=world.users["assessor"], year=last)}
    assert {"self_evaluation", "partner_comment", "cross_check", None} <= steps
