"""Detection runs over the account through the selectors and keep each case once; decisions are audited
transitions (a dismissal needs a reason); flags are seen only by reviewers whose scope holds the buyer or seller."""

import pytest

from fupin.core.errors import AccessDenied, InvalidInput, NotFound, TransitionNotAllowed
from fupin.core.models import AuditEntry, PolicyParameter
from fupin.detection import selectors, services
from fupin.detection.models import Flag
from fupin.detection.parameters import PARAMETERS
from tests import factories
from tests.detection.conftest import YEAR, book

pytestmark = pytest.mark.django_db


def test_a_run_flags_the_circular_trade_with_its_evidence_and_not_the_clean_pair(circle):
    report = services.detection_run(year=YEAR, actor="test")
    flags = list(Flag.objects.all())
    assert [f.kind for f in flags] == ["circular_trade"]
    flag = flags[0]
    assert flag.buyer_id == circle.unit.pk and flag.seller_id == circle.supplier_seller.pk
    assert flag.key == f"circular:{YEAR}:{min(circle.unit.pk, circle.supplier.pk)}:{max(circle.unit.pk, circle.supplier.pk)}"
    assert sorted(flag.entry_ids) == sorted(circle.entries) and flag.amount_fen == 5_300_000
    assert flag.evidence["leg_back"]["amount_fen"] == 1_800_000
    assert (flag.buyer_region, flag.seller_region) == ("110101", "522627")
    version = PolicyParameter.objects.get(key=PARAMETERS)
    assert flag.parameters_version_id == version.pk == report.parameters_version
    assert report.created == 1 and report.entries == 5
    assert any(s.startswith("helped_beyond_total") for s in report.skipped)
    run = AuditEntry.objects.get(action="detection:run")
    assert run.after["flags"] == [flag.pk] and run.actor_name == "test"


def test_a_second_run_creates_nothing_and_keeps_a_decision(circle):
    services.detection_run(year=YEAR, actor="test")
    flag = Flag.objects.get()
    services.flag_dismiss(flag=flag, actor="test", reason="a real order: both sides delivered")
    again = services.detection_run(year=YEAR, actor="test")
    assert (again.found, again.created, again.unchanged) == (1, 0, 1)
    assert Flag.objects.count() == 1 and Flag.objects.get().status == "dismissed"


def test_the_way_back_below_the_least_leg_is_not_flagged(circle):
    PolicyParameter.objects.filter(key=PARAMETERS).update(value={
        **PolicyParameter.objects.get(key=PARAMETERS).value, "circular": {"min_leg_fen": 1_900_000}})
    services.detection_run(year=YEAR, actor="test")
    assert not Flag.objects.exists()


def test_reversed_entries_are_left_out(circle):
    from fupin.ledger import services as ledger
    from fupin.ledger.models import PurchaseEntry

    back = PurchaseEntry.objects.get(buyer=circle.supplier)
    ledger.purchase_reverse(entry=back, reason="the order was never delivered", actor="test")
    services.detection_run(year=YEAR, actor="test")
    assert not Flag.objects.exists()


def test_helped_sales_check_runs_with_total_sales(circle):
    book([(f"{YEAR}-07-01", None, circle.clean_seller, 30_000)], kind="helped_sale")
    report = services.detection_run(year=YEAR, actor="test",
                                    total_sales_fen={circle.clean_seller.pk: 2_000_000, circle.unit_seller.pk: 1})
    assert report.skipped == []
    assert Flag.objects.filter(kind="helped_beyond_total", seller=circle.clean_seller).count() == 1
    assert not Flag.objects.filter(kind="helped_beyond_total", seller=circle.unit_seller).exists()


def test_only_administrators_run_detection(circle, guizhou_reviewer):
    with pytest.raises(AccessDenied):
        services.detection_run(year=YEAR, actor=guizhou_reviewer)
    assert not Flag.objects.exists()


def test_confirm_is_an_audited_transition(circle, guizhou_reviewer):
    services.detection_run(year=YEAR, actor="test")
    flag = selectors.flag_get(viewer=guizhou_reviewer, pk=Flag.objects.get().pk)
    services.flag_confirm(flag=flag, actor=guizhou_reviewer, reason="both sides admitted it")
    flag.refresh_from_db()
    assert flag.status == "confirmed" and flag.decided_by == guizhou_reviewer and flag.decided_at is not None
    entry = AuditEntry.objects.get(action="flag:confirmed")
    assert entry.object_type == "detection.flag" and entry.object_id == str(flag.pk)
    assert entry.before["status"] == "open" and entry.after["status"] == "confirmed"
    assert entry.actor == guizhou_reviewer and entry.reason == "both sides admitted it"
    with pytest.raises(TransitionNotAllowed):
        services.flag_dismiss(flag=flag, actor=guizhou_reviewer, reason="changed my mind")


def test_dismiss_needs_a_reason_and_is_audited(circle, beijing_reviewer):
    services.detection_run(year=YEAR, actor="test")
    flag = Flag.objects.get()
    for empty in ("", "   "):
        with pytest.raises(InvalidInput) as exc:
            services.flag_dismiss(flag=flag, actor=beijing_reviewer, reason=empty)
        assert exc.value.code == "reason_required"
    flag.refresh_from_db()
    assert flag.status == "open" and not AuditEntry.objects.filter(action="flag:dismissed").exists()
    services.flag_dismiss(flag=flag, actor=beijing_reviewer, reason="a real exchange of goods")
    flag.refresh_from_db()
    assert flag.status == "dismissed" and flag.disposition_reason == "a real exchange of goods"
    assert AuditEntry.objects.get(action="flag:dismissed").reason == "a real exchange of goods"


def test_another_provinces_reviewer_neither_sees_nor_decides(circle, guizhou_reviewer, beijing_reviewer,
                                                              hebei_reviewer):
    services.detection_run(year=YEAR, actor="test")
    flag = Flag.objects.get()
    assert list(selectors.flag_list(viewer=guizhou_reviewer)) == [flag]  # the seller's province
    assert list(selectors.flag_list(viewer=beijing_reviewer)) == [flag]  # the buyer's province
    assert list(selectors.flag_list(viewer=hebei_reviewer)) == []
    with pytest.raises(NotFound):
        selectors.flag_get(viewer=hebei_reviewer, pk=flag.pk)
    assert selectors.flag_actions(viewer=hebei_reviewer, flag=flag) == []
    with pytest.raises(AccessDenied):
        services.flag_confirm(flag=flag, actor=hebei_reviewer)
    flag.refresh_from_db()
    assert flag.status == "open"


def test_viewers_and_clerks_see_no_flags_and_auditors_read_without_deciding(circle):
    services.detection_run(year=YEAR, actor="test")
    flag = Flag.objects.get()
    for roles in ("viewer", "clerk"):
        with pytest.raises(AccessDenied):
            selectors.flag_list(viewer=factories.user(roles=roles))
    auditor = factories.user(roles="auditor")
    assert list(selectors.flag_list(viewer=auditor)) == [flag]
    assert selectors.flag_actions(viewer=auditor, flag=flag) == []
    with pytest.raises(AccessDenied):
        services.flag_confirm(flag=flag, actor=auditor)


def test_a_reviewer_of_a_market_entity_may_not_decide(circle):
    """Decisions are the government offices' (a cooperative's reviewer with the county's scope is refused)."""
    services.detection_run(year=YEAR, actor="test")
    flag = Flag.objects.get()
    coop = factories.organisation("某合作社", kind="private_enterprise", region_code="522627")
    reviewer = factories.user(roles="reviewer", scope_level="county", scope_code="522627", organisation=coop)
    assert selectors.flag_actions(viewer=reviewer, flag=flag) == []
    with pytest.raises(AccessDenied):
        services.flag_confirm(flag=flag, actor=reviewer)


def test_the_entries_behind_a_flag_follow_the_viewers_ledger_scope(circle, guizhou_reviewer, beijing_reviewer):
    services.detection_run(year=YEAR, actor="test")
    flag = Flag.objects.get()
    assert sorted(e.pk for e in selectors.flag_entries(viewer=guizhou_reviewer, flag=flag)) == sorted(circle.entries)
    # a Beijing reviewer sees the entries whose origin or buyer lies in Beijing: the unit's two purchases
    seen = {e.pk for e in selectors.flag_entries(viewer=beijing_reviewer, flag=flag)}
    assert seen == set(circle.entries[:2])
