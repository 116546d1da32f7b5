"""Corrections: nothing is updated or deleted; reversals and amendments; period locks and audited unlocks."""

from __future__ import annotations

import pytest

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, PeriodLocked, TransitionNotAllowed
from fupin.core.models import AuditEntry
from fupin.ledger import rollups, selectors, services
from fupin.ledger.models import PeriodLock, PurchaseEntry
from tests.assertions import nonempty
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return lf.world()


@pytest.fixture
def entry(w):
    return services.purchase_record(data=lf.row(seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code,
                                                quantity="4"), actor="cli")


def test_entries_are_append_only(entry):
    entry.amount_fen = 1
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        PurchaseEntry.objects.filter(pk=entry.pk).update(amount_fen=1)
    with pytest.raises(TypeError):
        PurchaseEntry.objects.all().delete()


def test_a_reversal_mirrors_the_entry_and_nets_to_zero(w, entry, admin_user):
    rev = services.purchase_reverse(entry=entry, reason="returned", actor=admin_user)
    assert rev.reverses_id == entry.pk and rev.amount_fen == -entry.amount_fen and rev.sign == -1
    assert rev.quantity_milli == -4000 and rev.reason == "returned" and rev.created_by_id == admin_user.pk
    assert (rev.counted, rev.basis, rev.rel_designated_id, rev.purchase_date) == \
        (entry.counted, entry.basis, entry.rel_designated_id, entry.purchase_date)
    for group_by in (["year"], ["scheme"], ["buyer"], ["county"], ["channel", "kind"]):
        rows = selectors.account_totals(viewer=admin_user, group_by=group_by)
        assert all(r["amount_fen"] == 0 and r["entries"] == 0 and r["quantity_milli"] == 0 for r in nonempty(rows))
    assert AuditEntry.objects.filter(action="purchase:reverse", object_id=str(rev.pk), reason="returned").exists()
    assert all(d.ok for d in nonempty(rollups.check()))


def test_an_entry_is_reversed_once_and_reversals_are_final(entry):
    rev = services.purchase_reverse(entry=entry, reason="x", actor="cli")
    with pytest.raises(Conflict):
        services.purchase_reverse(entry=entry, reason="again", actor="cli")
    with pytest.raises(InvalidInput):
        services.purchase_reverse(entry=rev, reason="undo", actor="cli")
    with pytest.raises(InvalidInput):
        services.purchase_reverse(entry=PurchaseEntry.objects.get(pk=entry.pk), reason=" ", actor="cli")


def test_an_amendment_is_a_reversal_plus_a_new_revision(w, entry, admin_user):
    amended = services.purchase_amend(entry=entry, changes={"amount_yuan": "150.00", "channel": "专柜"},
                                      reason="typo", actor=admin_user)
    assert amended.revision == 1 and amended.amends_id == entry.pk and amended.amount_fen == 15000
    assert amended.channel == "special_counter" and amended.counted and amended.source == entry.source
    assert PurchaseEntry.objects.get(reverses=entry).amount_fen == -entry.amount_fen
    chain = selectors.entry_chain(viewer=admin_user, entry=entry)
    assert [e.amount_fen for e in chain] == [10000, -10000, 15000]
    total = selectors.account_totals(viewer=admin_user, group_by=[])[0]
    assert total["amount_fen"] == 15000 and total["entries"] == 1
    again = services.purchase_amend(entry=amended, changes={"amount_yuan": "160"}, reason="again", actor=admin_user)
    assert again.revision == 2
    with pytest.raises(InvalidInput):
        services.purchase_amend(entry=again, changes={"external_id": "other"}, reason="no", actor=admin_user)
    with pytest.raises(InvalidInput) as exc:
        services.purchase_amend(entry=again, changes={"amount_yuan": "-1"}, reason="bad", actor=admin_user)
    assert exc.value.details["errors"][0]["code"] == "amount_not_positive"
    assert not PurchaseEntry.objects.filter(reverses=again).exists()  # the failed amendment left nothing behind
    assert all(d.ok for d in nonempty(rollups.check()))


def test_viewers_cannot_correct_and_clerks_only_in_scope(entry, national_viewer, other_county_clerk, county_clerk):
    with pytest.raises(AccessDenied):
        services.purchase_reverse(entry=entry, reason="x", actor=national_viewer)
    with pytest.raises(AccessDenied):
        services.purchase_reverse(entry=entry, reason="x", actor=other_county_clerk)
    assert services.purchase_reverse(entry=entry, reason="x", actor=county_clerk).sign == -1


def test_a_locked_month_refuses_new_and_reversing_entries_until_unlocked(w, entry, admin_user, tmp_path):
    lock = services.period_lock(year=2023, month=5, region_code="522600", reason="closed", actor=admin_user)
    assert lock.region_prefix == "5226" and lock.status == "locked"
    with pytest.raises(PeriodLocked):
        services.purchase_reverse(entry=entry, reason="x", actor=admin_user)
    path = lf.write_csv(tmp_path / "l.csv", [lf.row(external_id="L1", seller_code=w.seller.credit_code),
                                            lf.row(external_id="L2", seller_code=w.seller.credit_code,
                                                   purchase_date="2023-06-01"),
                                            lf.row(external_id="L3", seller_code=w.plain_seller.credit_code,
                                                   product_code="P-CERT", purchase_date="2023-05-02")])
    job = services.purchase_import_file(path=path, actor="cli")
    assert job.accepted == 2 and job.rejected == 1
    assert job.report["errors"][0]["code"] == "period_locked" and job.report["errors"][0]["line"] == 2
    with pytest.raises(Conflict):
        services.period_lock(year=2023, month=5, region_code="522600", reason="again", actor=admin_user)
    services.period_unlock(lock=lock, reason="late invoices", actor=admin_user)
    unlock = AuditEntry.objects.get(action="period:unlock")
    assert unlock.reason == "late invoices" and unlock.before == {"status": "locked", "reason": "closed"}
    assert services.purchase_reverse(entry=entry, reason="x", actor=admin_user).sign == -1
    with pytest.raises(TransitionNotAllowed):
        services.period_unlock(lock=lock, reason="twice", actor=admin_user)
    relocked = services.period_lock(year=2023, month=5, region_code="522600", reason="closed again", actor=admin_user)
    assert relocked.pk == lock.pk and PeriodLock.objects.get(pk=lock.pk).status == "locked"


def test_locks_need_approvers_and_unlocks_administrators_with_a_reason(county_clerk, admin_user):
    with pytest.raises(AccessDenied):
        services.period_lock(year=2023, month=1, region_code="", reason="", actor=county_clerk)
    lock = services.period_lock(year=2023, month=1, region_code="", reason="national close", actor=admin_user)
    with pytest.raises(InvalidInput):
        services.period_unlock(lock=lock, reason="", actor=admin_user)
    with pytest.raises(InvalidInput):
        services.period_lock(year=2023, month=13, region_code="", reason="", actor=admin_user)
    with pytest.raises(InvalidInput):
        services.period_lock(year=2023, month=2, region_code="52ab", reason="", actor=admin_user)
