"""The demo world gets two years of purchases across every channel and kind, with entries that do not count,
reversals, an amendment and a locked month — booked through the services, consistent with the rollups."""

import pytest

from fupin.core.models import AuditEntry
from fupin.demo.steps import STEPS
from fupin.demo.world import World
from fupin.ledger import checks, rollups, selectors
from fupin.ledger.enums import Channel, Kind
from fupin.ledger.models import PeriodLock, PurchaseEntry, PurchaseImport
from fupin.registry import selectors as registry
from tests.assertions import nonempty

pytestmark = pytest.mark.django_db


def test_demo_world_has_a_year_or_two_of_purchases():
    world = World(seed=7, scale="small")
    for name, build in STEPS:
        build(world)
        if name == "ledger":
            break
    entries = PurchaseEntry.objects.all()
    assert entries.filter(sign=1).count() >= world.size["purchases"]
    assert set(entries.values_list("channel", flat=True)) == set(Channel.values)
    assert set(entries.values_list("kind", flat=True)) == set(Kind.values)
    assert entries.filter(counted=False).exists() and entries.filter(counted=True).exists()
    # + the amendment's reversal and the released duplicate's (booked again as revision 1)
    assert entries.filter(sign=-1).count() == world.extra["ledger"]["reversals"] + 2
    assert entries.filter(revision=1, amends__isnull=False).count() == 2
    years = {r["year"] for r in selectors.account_totals(viewer=world.users["admin"], group_by=["year"])}
    assert len(years) == 2
    assert PurchaseImport.objects.filter(status="done", origin="demo").count() == 1
    assert PeriodLock.objects.filter(status="locked").count() == 1
    assert entries.exclude(rel_designated=None).exists() and entries.exclude(rel_east_west=None).exists()
    assert all(d.ok for d in nonempty(rollups.check())) and not any(checks.entry_problems().values())
    # who booked (issue #16): the platform under its reporting right, the budget unit for its own unit; nothing
    # was refused as somebody else's purchase
    right = world.extra["ledger"]["reporting_right"]
    platform, buyer = world.users["platform"], world.users["buyer"]
    assert right.reporter == platform.organisation and right.public_sales and right.status == "active"
    assert AuditEntry.objects.filter(action="reporting_right:grant", object_id=str(right.pk),
                                     actor=world.users["admin"]).exists()
    assert PurchaseImport.objects.get(origin="demo").actor == platform
    assert "buyer_not_yours" not in {e["code"] for e in PurchaseImport.objects.get(origin="demo").report["errors"]}
    booked_by = set(entries.filter(sign=1, revision=0).values_list("created_by", flat=True))
    assert booked_by == {platform.pk, buyer.pk}
    own = registry.organisation_subtree_ids(organisation=buyer.organisation_id)
    assert set(entries.filter(created_by=buyer).values_list("buyer_id", flat=True)) <= own


def test_demo_world_shows_origin_exceptions_and_orders_counted_once():
    world = World(seed=7, scale="small")
    for name, build in STEPS:
        build(world)
        if name == "ledger":
            break
    shown = world.extra["ledger"]["cross_source"]
    assert shown["origin_refused"] == 1
    admitted, exception = shown["admitted"], shown["origin_exception"]
    assert admitted.origin_exception_id == exception.pk and admitted.evidence
    assert not admitted.origin.code.startswith(exception.seller.region.code[:6])
    dup, first = shown["duplicate"], shown["duplicate_of"]
    assert dup.duplicate_of_id == first.pk and not dup.counted and dup.source != first.source
    assert dup.not_counted_reason == "duplicate_of_other_source" and first.counted
    assert shown["confirmed"].decision == "confirmed" and shown["released"].decision == "released"
    released_as = PurchaseEntry.objects.get(pk=shown["released"].released_as_id)
    assert released_as.counted and released_as.duplicate_of_id is None
    # every generated origin satisfies the rule: no demo row was refused for its origin but the one shown
    job = PurchaseImport.objects.get(origin="demo")
    assert "origin_mismatch" not in {e["code"] for e in job.report["errors"]}
    assert AuditEntry.objects.filter(action__in=["origin_exception:grant", "purchase:duplicate_confirm",
                                                 "purchase:duplicate_release"]).count() == 3
