"""Data approval up both hierarchies with snapshots and the ledger's period locks: a locked period refuses new and
reversing entries, a late correction lands as an adjustment (never as changed history), unlocks need a reason and
are audited, bodies outside the hierarchy are refused, bulk approval."""

from __future__ import annotations

import pytest

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, PeriodLocked
from fupin.core.models import AuditEntry
from fupin.ledger import services as ledger
from fupin.ledger.models import PeriodLock, PurchaseEntry
from fupin.supervision import approvals, selectors
from fupin.supervision.enums import ApprovalStatus
from fupin.supervision.models import Snapshot
from tests import factories
from tests.supervision import factories as sf

pytestmark = pytest.mark.django_db
D = "designated_assistance"


@pytest.fixture
def w():
    w = sf.world()
    w.book(buyer=w.unit, amount="300.00", date="2024-02-10", ext="Q1-a")
    w.book(buyer=w.central, amount="100.00", date="2024-04-10", ext="Q2-a")
    return w


def central_plan(w):
    return sf.approved_plan(w, w.central, [
        {"metric": "direct_purchase", "value": 100_000, "scheme": D},
        {"metric": "direct_purchase", "value": 100_000},
    ])


def test_a_unit_goes_up_its_supervising_unit_then_the_national_office(w):
    sf.approved_plan(w, w.unit, [{"metric": "direct_purchase", "value": 10_000}])
    a = approvals.approval_submit(body_id=w.unit.pk, year=2024, period_kind="quarter", number=1, actor=w.users["unit"])
    assert a.chain == [w.central.pk, None] and a.status == ApprovalStatus.SUBMITTED
    with pytest.raises(AccessDenied) as outside:
        approvals.approval_approve(approval=a, actor=w.users["office"])   # not yet: the central unit decides first
    assert outside.value.code == "outside_hierarchy" and str(w.central) in str(outside.value.message)
    a = approvals.approval_approve(approval=a, actor=w.users["central"])
    assert (a.status, a.level) == (ApprovalStatus.ACCEPTED, 1)
    snap = selectors.latest_snapshot(approval=a)
    assert snap.version == 1 and snap.figures["targets"][0]["actual"] == 30_000
    a = approvals.approval_approve(approval=a, actor=w.users["office"])
    assert (a.status, a.level) == (ApprovalStatus.APPROVED, 2)
    assert Snapshot.objects.filter(approval=a).count() == 1    # the figures were frozen once, at the first step
    actions = list(AuditEntry.objects.filter(object_type="supervision.approval", object_id=str(a.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["approval:submit", "approval:snapshot", "approval:accept", "approval:approve"]


def test_a_county_goes_up_prefecture_province_and_nation_and_its_region_is_locked(w):
    sf.approved_plan(w, w.tianzhu, [{"metric": "direct_purchase", "value": 10_000}])
    a = approvals.approval_submit(body_id=w.tianzhu.pk, year=2024, period_kind="month", number=2,
                                  actor=w.users["tianzhu"])
    assert a.chain == [w.qdn.pk, w.guizhou.pk, None]
    for who in ("guizhou", "zhejiang", "stranger", "tianzhu"):
        with pytest.raises(AccessDenied):
            approvals.approval_approve(approval=a, actor=w.users[who])
    for who, status in (("qdn", "accepted"), ("guizhou", "accepted"), ("office", "approved")):
        a = approvals.approval_approve(approval=a, actor=w.users[who])
        assert a.status == status
    lock = PeriodLock.objects.get(year=2024, month=2, region_code=sf.COUNTY)
    assert lock.status == "locked"
    assert selectors.latest_snapshot(approval=a).figures["targets"][0]["actual"] == 30_000  # origin: 天柱县, February


def test_approval_locks_the_period_a_locked_period_refuses_new_and_reversing_entries(w):
    central_plan(w)
    a = approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="quarter", number=1, actor="test")
    approvals.approval_approve(approval=a, actor=w.users["office"])
    locked = set(PeriodLock.objects.filter(status="locked").values_list("month", "region_code"))
    assert locked == {(m, sf.PREFECTURE) for m in (1, 2, 3)}  # the prefecture (counterpart support) covers 天柱县
    report = ledger.purchase_record_batch(rows=[{
        "source": "sv", "external_id": "late", "purchase_date": "2024-03-05", "buyer_code": w.unit.credit_code,
        "seller_code": w.seller.credit_code, "amount_yuan": "10", "kind": "direct_purchase",
        "channel": "platform_832"}], actor="test")
    assert [e.code for e in report.errors] == ["period_locked"]
    with pytest.raises(PeriodLocked):
        ledger.purchase_reverse(entry=PurchaseEntry.objects.get(external_id="Q1-a"), reason="typo", actor="test")
    # the second quarter is open
    w.book(buyer=w.unit, amount="1.00", date="2024-04-20", ext="Q2-b")


def test_a_late_correction_lands_as_an_adjustment_not_as_changed_history(w):
    sf._flag("522328", "册亨县", is_poverty_county=True)
    plain = factories.entity("册亨合作社", region_code="522328")  # a seller outside the locked regions
    central_plan(w)
    q1 = approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="quarter", number=1, actor="test")
    q1 = approvals.approval_approve(approval=q1, actor=w.users["office"])
    approved = selectors.latest_snapshot(approval=q1).figures
    own = next(f for f in approved["targets"] if f["scheme"] == "")
    assert own["actual"] == 30_000
    w.book(buyer=w.unit, amount="25.00", date="2024-03-20", seller=plain, ext="late")  # the buyer's own purchases
    adjustments = {a["key"]: a for a in selectors.adjustments(approval=q1)}
    assert (adjustments[own["key"]]["approved"], adjustments[own["key"]]["now"],
            adjustments[own["key"]]["adjustment"]) == (30_000, 32_500, 2_500)
    assert selectors.latest_snapshot(approval=q1).figures == approved            # history unchanged
    q2 = approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="quarter", number=2, actor="test")
    q2 = approvals.approval_approve(approval=q2, actor=w.users["office"])
    prior = selectors.latest_snapshot(approval=q2).figures["prior_adjustments"]
    assert [(p["period"], p["adjustment"]) for p in prior] == [("2024-Q1", 2_500)]


def test_unlock_needs_the_approver_and_a_reason_and_is_audited(w):
    central_plan(w)
    a = approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="quarter", number=1, actor="test")
    a = approvals.approval_approve(approval=a, actor=w.users["office"])
    with pytest.raises(InvalidInput) as no_reason:
        approvals.approval_unlock(approval=a, reason="  ", actor=w.users["office"])
    assert (no_reason.value.code, no_reason.value.details["field"]) == ("reason_required", "reason")
    with pytest.raises(AccessDenied):
        approvals.approval_unlock(approval=a, reason="correction", actor=w.users["central"])
    a = approvals.approval_unlock(approval=a, reason="a supplier's invoices were double counted", actor=w.users["office"])
    assert a.status == ApprovalStatus.UNLOCKED
    assert not PeriodLock.objects.filter(status="locked").exists()
    assert AuditEntry.objects.filter(action="approval:unlock", reason="a supplier's invoices were double counted",
                                     actor=w.users["office"]).exists()
    assert AuditEntry.objects.filter(action="period:unlock", reason="a supplier's invoices were double counted",
                                     actor_name="supervision (sv_office)").count() == 3
    # corrected, resubmitted and approved again: a second snapshot, the first kept
    ledger.purchase_reverse(entry=PurchaseEntry.objects.get(external_id="Q1-a"), reason="double counted", actor="test")
    a = approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="quarter", number=1, actor="test")
    a = approvals.approval_approve(approval=a, actor=w.users["office"])
    versions = {s.version: s.figures["targets"][0]["actual"] for s in a.snapshots.all()}
    assert versions == {1: 30_000, 2: 0}
    assert PeriodLock.objects.filter(status="locked").count() == 3


def test_a_lock_shared_by_two_approvals_stays_until_both_let_go(w):
    central_plan(w)
    sf.approved_plan(w, w.tianzhu, [{"metric": "direct_purchase", "value": 1}])
    c = approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="quarter", number=1, actor="test")
    c = approvals.approval_approve(approval=c, actor="test")
    t = approvals.approval_submit(body_id=w.tianzhu.pk, year=2024, period_kind="month", number=1, actor="test")
    t = approvals.approval_approve(approval=t, actor="test")
    approvals.approval_unlock(approval=c, reason="recount", actor="test")
    # 天柱县's January lies under the prefecture's lock the central unit took: 天柱县 holds it now
    assert PeriodLock.objects.get(year=2024, month=1, region_code=sf.PREFECTURE).status == "locked"
    assert PeriodLock.objects.get(year=2024, month=2, region_code=sf.PREFECTURE).status == "unlocked"
    assert not PeriodLock.objects.filter(region_code=sf.COUNTY).exists()
    approvals.approval_unlock(approval=t, reason="recount", actor="test")
    assert PeriodLock.objects.get(year=2024, month=1, region_code=sf.PREFECTURE).status == "unlocked"


def test_bad_submissions_and_returns(w):
    with pytest.raises(InvalidInput) as no_plan:
        approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="year", actor="test")
    assert no_plan.value.code == "no_approved_plan"
    central_plan(w)
    with pytest.raises(InvalidInput) as bad_period:
        approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="quarter", number=5, actor="test")
    assert bad_period.value.code == "unknown_period"
    with pytest.raises(InvalidInput) as unknown:
        approvals.approval_submit(body_id=987_654, year=2024, period_kind="year", actor="test")
    assert unknown.value.code == "unknown_body"
    with pytest.raises(AccessDenied):
        approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="year", actor=w.users["stranger"])
    a = approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="year", actor=w.users["central"])
    with pytest.raises(Conflict):
        approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="year", actor=w.users["central"])
    with pytest.raises(InvalidInput):
        approvals.approval_return(approval=a, reason="", actor=w.users["office"])
    a = approvals.approval_return(approval=a, reason="the second quarter is missing", actor=w.users["office"])
    assert a.status == ApprovalStatus.RETURNED
    a = approvals.approval_submit(body_id=w.central.pk, year=2024, period_kind="year", actor=w.users["central"])
    assert a.status == ApprovalStatus.SUBMITTED


def test_bulk_approval_reports_each_period(w):
    central_plan(w)
    sf.approved_plan(w, w.zhejiang, [{"metric": "direct_purchase", "value": 1, "scheme": "east_west"}])
    sf.approved_plan(w, w.tianzhu, [{"metric": "direct_purchase", "value": 1}])
    ids = [approvals.approval_submit(body_id=b.pk, year=2024, period_kind="year", actor="test").pk
           for b in (w.central, w.zhejiang, w.tianzhu)]
    results = approvals.approval_bulk(ids=[*ids, 424242], actor=w.users["office"])
    assert [(r["id"], r["ok"]) for r in results] == [(ids[0], True), (ids[1], True), (ids[2], False), (424242, False)]
    assert results[2]["code"] == "outside_hierarchy" and results[3]["code"] == "not_found"
    assert [r.get("status") for r in results[:2]] == ["approved", "approved"]
