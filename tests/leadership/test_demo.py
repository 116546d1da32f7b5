"""The demo world's leadership: an approved producing-area plan with tasks (one done) whose progress reads the
account, a draft consuming-place plan, a published and featured case with a photo and live figures, and a case
awaiting review — all built through the services."""

import pytest

from fupin.demo.steps import STEPS
from fupin.demo.world import World
from fupin.leadership import selectors
from fupin.leadership.models import Case, ImplementationPlan
from fupin.ledger import selectors as ledger

pytestmark = pytest.mark.django_db


def test_the_demo_world_has_a_plan_and_a_published_case():
    world = World(seed=7, scale="small")
    for _name, build in STEPS:
        build(world)
    approved = ImplementationPlan.objects.get(status="approved")
    assert approved.orientation == "producing_area" and approved.tasks.filter(status="done").exists()
    assert ImplementationPlan.objects.filter(status="draft", orientation="consuming_place").exists()
    progress = selectors.plan_progress(plan=approved)
    fig = progress["objectives"][0]["progress"]
    account = ledger.account_totals(viewer=world.users["national"], filters=fig["filters"])
    assert fig["actual"] == (account[0]["amount_fen"] if account else 0)
    featured = selectors.case_featured()
    assert len(featured) == 1 and featured[0].photos.count() == 1
    figs = selectors.case_figures(case=featured[0])
    seller = ledger.account_totals(viewer=world.users["national"], filters={"seller": featured[0].entity_id})
    assert figs["entity"]["sales_fen"] == (seller[0]["amount_fen"] if seller else 0) > 0
    assert Case.objects.filter(status="submitted").count() == 1
    province = world.users["province"]
    waiting = Case.objects.get(status="submitted")
    assert "publish" in selectors.case_actions(viewer=province, case=waiting)
