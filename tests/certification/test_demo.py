"""The demo world gets products, applications in every state of the review and published catalogue batches."""

import pytest

from fupin.certification import selectors
from fupin.certification.enums import ApplicationStatus as S
from fupin.certification.models import Application, Product
from fupin.demo.steps import STEPS
from fupin.demo.world import World

pytestmark = pytest.mark.django_db


def test_demo_world_has_every_state():
    world = World(seed=7, scale="small")
    for name, build in STEPS:
        build(world)
        if name == "certification":
            break
    assert set(Application.objects.values_list("status", flat=True)) == set(S.values)
    assert set(Product.objects.values_list("status", flat=True)) == {"registered", "certified", "suspended",
                                                                      "revoked", "expired"}
    assert [b.number for b in selectors.batch_list()] == ["2026-01", "2023-01", "2020-01"]
    product = selectors.catalogue().first()
    cert = product.certificates.order_by("-valid_from").first()
    assert selectors.verify_code(code=cert.code, on=world.today)["valid"]
    # renewed products stayed certified without a gap since 2020
    periods = selectors.certified_periods(product_ids=[product.pk])[product.pk]
    assert len(periods) == 1 and periods[0][0].year == 2020
    county = world.users["county"]
    queue = selectors.review_queue(viewer=county, today=world.today)
    assert {a.status for a in queue} == {S.SUBMITTED, S.COUNTY_NOTICE}


def test_demo_world_keeps_a_public_notice_open_and_an_objection_pending_on_the_day_it_is_built():
    """Relative to the day the demo is built (issue #14), so every feature shows something on any day."""
    world = World(seed=7, scale="small")
    for name, build in STEPS:
        build(world)
        if name == "certification":
            break
    notices = list(selectors.public_notices(on=world.today))
    assert notices, "no public notice open on the demo's day"
    pending = [a for a in notices if a.objections.filter(status="open").exists()]
    assert pending and all(a.notice_start <= world.today <= a.notice_end for a in pending)
