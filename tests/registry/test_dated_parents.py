"""The organisation tree on the entry's date (issue #10 §6): a change of supervising unit is dated and kept as
history; the ledger's roll-up to parents and its attribution read the tree in force on the purchase date, so an
entry's roll-up to a parent changes exactly on the date the parent relation changes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from fupin.core.errors import InvalidInput
from fupin.core.models import AuditEntry
from fupin.ledger import checks, rollups, selectors, services
from fupin.registry import rules
from fupin.registry import selectors as registry
from fupin.registry import services as registry_services
from fupin.registry.models import AssistanceRelation, Organisation, OrganisationParentPeriod
from tests import factories
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db
CHANGE = dt.date(2023, 7, 1)


@pytest.fixture(autouse=True)
def february_2024():
    with time_machine.travel("2024-02-15 10:00 +08:00", tick=False):
        yield


@pytest.fixture
def w():
    return lf.world()


@pytest.fixture
def other(w):
    """A second ministry with its own designated-assistance relation with 天柱县."""
    org = factories.organisation("另一中央部门", kind="central_unit", region_code="110101")
    rel = AssistanceRelation.objects.create(kind="designated_assistance", helper_org=org,
                                            helped_region=factories.region(lf.POOR_COUNTY), year_from=2015)
    return org, rel


def move(w, other, admin_user, day=CHANGE, reason="reorganised"):
    """The budget unit passes from the central unit to the other ministry on `day`."""
    return registry_services.organisation_update(organisation=Organisation.objects.get(pk=w.unit.pk),
                                                 parent=other[0], parent_from=day, reason=reason, actor=admin_user)


def book(w, external_id, day):
    return services.purchase_record(data=lf.row(external_id=external_id, seller_code=w.seller.credit_code,
                                                buyer_code=w.unit.credit_code, purchase_date=day.isoformat()),
                                    actor="cli")


def test_a_change_of_parent_is_dated_kept_as_history_and_audited(w, other, admin_user):
    move(w, other, admin_user)
    unit = Organisation.objects.get(pk=w.unit.pk)
    assert unit.parent_id == other[0].pk
    history = [(p.parent_id, p.valid_from, p.valid_to) for p in registry.organisation_parent_history(organisation=unit)]
    assert history == [(w.central.pk, rules.PARENT_SINCE_ALWAYS, dt.date(2023, 6, 30)), (other[0].pk, CHANGE, None)]
    audit = AuditEntry.objects.filter(action="organisation:update", object_id=str(unit.pk)).latest("id")
    assert audit.before == {"parent_id": w.central.pk} and audit.after == {"parent_id": other[0].pk}
    assert "parent from 2023-07-01" in audit.reason

    # back to the central unit later: a third period, the second closed the day before
    registry_services.organisation_update(organisation=unit, parent=w.central, parent_from=dt.date(2024, 1, 1),
                                          actor=admin_user)
    assert [(p.parent_id, p.valid_from, p.valid_to) for p in OrganisationParentPeriod.objects.filter(
        organisation=unit).order_by("valid_from")][1:] == [(other[0].pk, CHANGE, dt.date(2023, 12, 31)),
                                                           (w.central.pk, dt.date(2024, 1, 1), None)]
    chains = registry.organisation_ancestors_on(organisation_ids=[unit.pk], day=dt.date(2023, 6, 30))
    assert chains[unit.pk] == (unit.pk, w.central.pk)
    assert registry.organisation_ancestors_on(organisation_ids=[unit.pk], day=CHANGE)[unit.pk] == (unit.pk,
                                                                                                   other[0].pk)


def test_bad_parent_dates_are_refused(w, other, admin_user):
    unit = Organisation.objects.get(pk=w.unit.pk)
    with pytest.raises(InvalidInput) as err:
        registry_services.organisation_update(organisation=unit, parent=other[0], parent_from=dt.date(2024, 3, 1),
                                              actor=admin_user)
    assert err.value.code == "future_date"
    move(w, other, admin_user)
    for day in (CHANGE, dt.date(2023, 1, 1)):  # not after the start of the parent in force
        with pytest.raises(InvalidInput) as err:
            registry_services.organisation_update(organisation=Organisation.objects.get(pk=unit.pk),
                                                  parent=w.central, parent_from=day, actor=admin_user)
        assert err.value.code == "overlapping_dates"
    assert OrganisationParentPeriod.objects.filter(organisation=unit).count() == 2  # nothing of the refusals stayed
    assert Organisation.objects.get(pk=unit.pk).parent_id == other[0].pk


def test_the_api_changes_the_parent_from_a_date_and_lists_the_history(w, other, admin_user, api_as):
    api = api_as(admin_user)
    r = api.raw("patch", f"/organisations/{w.unit.pk}", f'{{"parent_id": {other[0].pk}, "parent_from": "2023-07-01",'
                                                          f' "reason": "reorganised"}}')
    assert r.status_code == 200, r.content
    assert r.json()["parent_id"] == other[0].pk
    history = api.get(f"/organisations/{w.unit.pk}/parents").json()
    assert [(h["parent_id"], h["valid_from"], h["valid_to"]) for h in history] == [
        (w.central.pk, "1900-01-01", "2023-06-30"), (other[0].pk, "2023-07-01", None)]
    future = api.raw("patch", f"/organisations/{w.unit.pk}", f'{{"parent_id": {w.central.pk}, '
                                                               f'"parent_from": "2030-01-01"}}')
    assert future.status_code == 422 and future.json()["code"] == "future_date"


def test_the_roll_up_to_parents_changes_exactly_on_the_date_of_the_change(w, other, admin_user, tmp_path):
    ministry, rel_other = other
    booked_before = book(w, "E0", dt.date(2023, 7, 5))  # booked before the change was recorded (back-dated)
    move(w, other, admin_user)
    last_day = book(w, "E1", dt.date(2023, 6, 30))
    first_day = book(w, "E2", CHANGE)
    # attribution reads the chain on the purchase date: the nearest helper with a relation with 天柱县
    assert last_day.rel_designated_id == w.rel_designated.pk
    assert first_day.rel_designated_id == rel_other.pk
    assert booked_before.rel_designated_id == w.rel_designated.pk  # stored once, never rewritten
    # the bulk import path gives the same (prefetched dated tree, no query per row)
    path = lf.write_csv(tmp_path / "p.csv", [
        lf.row(external_id=f"F{i}", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code,
               purchase_date=day) for i, day in enumerate(["2023-06-30", "2023-07-01", "2023-06-29", "2023-08-01"])])
    job = services.purchase_import_file(path=path, actor="cli")
    assert job.accepted == 4
    imported = {e.external_id: e.rel_designated_id for e in selectors.entries_for(viewer=admin_user,
                                                                                  source="test")
                if e.external_id.startswith("F")}
    assert imported == {"F0": w.rel_designated.pk, "F1": rel_other.pk, "F2": w.rel_designated.pk,
                        "F3": rel_other.pk}

    # the account roll-up: each entry goes to the parent in force on its date
    rows = selectors.account_totals(viewer=admin_user, group_by=["account"])
    by_account = {r["account"]: r["amount_fen"] for r in rows}
    assert by_account == {w.unit.pk: 7 * 10000, w.central.pk: 3 * 10000, ministry.pk: 4 * 10000}
    rows = selectors.account_totals(viewer=admin_user, group_by=["account", "month"])
    months = {(r["account"], r["month"]): r["amount_fen"] for r in rows}
    assert months[(w.central.pk, "2023-06")] == 3 * 10000 and (w.central.pk, "2023-07") not in months
    assert months[(ministry.pk, "2023-07")] == 3 * 10000 and months[(ministry.pk, "2023-08")] == 10000
    assert (ministry.pk, "2023-06") not in months
    # the buyer filter (the unit and those below it) follows the same dates; the drill-down lists the same entries
    for root, expected in ((w.central.pk, {"E1", "F0", "F2"}), (ministry.pk, {"E0", "E2", "F1", "F3"}),
                           (w.unit.pk, {"E0", "E1", "E2", "F0", "F1", "F2", "F3"})):
        listed = {e.external_id for e in selectors.entries_for(viewer=admin_user, filters={"buyer": root})}
        assert listed == expected, root
        assert selectors.account_totals(viewer=admin_user, filters={"buyer": root})[0]["amount_fen"] == (
            len(expected) * 10000)
    assert selectors.account_totals(viewer=admin_user, filters={"buyer": w.central.pk, "month": "2023-07"}) == []
    assert all(d.ok for d in rollups.check()) and not any(checks.entry_problems().values())


def test_without_any_change_the_tree_is_todays(w, admin_user):
    book(w, "E1", dt.date(2023, 6, 30))
    assert not registry.organisation_parent_periods_exist()
    rows = selectors.account_totals(viewer=admin_user, group_by=["account"])
    assert {r["account"]: r["amount_fen"] for r in rows} == {w.unit.pk: 10000, w.central.pk: 10000}
    assert selectors.account_totals(viewer=admin_user, filters={"buyer": w.central.pk}).source != "entries"


def test_chain_segments_are_the_stretches_between_changes():
    periods = {2: ((1, rules.PARENT_SINCE_ALWAYS, dt.date(2023, 6, 30)), (3, CHANGE, None))}
    parents = {2: 3, 1: None, 3: None}
    assert rules.chain_segments(2, parents=parents, periods=periods) == [
        (None, dt.date(2023, 6, 30), (2, 1)), (CHANGE, None, (2, 3))]
    assert rules.chain_on(2, dt.date(2013, 1, 1), parents=parents, periods=periods) == (2, 1)
    assert rules.chain_on(2, None, parents=parents, periods=periods) == (2, 3)
    assert rules.chain_segments(1, parents=parents, periods=periods) == [(None, None, (1,))]


def test_the_admin_changes_the_parent_from_today_and_shows_the_history(w, other, admin_user):
    from django.test import Client

    admin_user.is_superuser = True
    admin_user.is_staff = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    unit = Organisation.objects.get(pk=w.unit.pk)
    r = client.post(f"/admin/registry/organisation/{unit.pk}/change/", {
        "name": unit.name, "credit_code": unit.credit_code, "kind": unit.kind, "region": unit.region_id,
        "parent": other[0].pk, "active": "on"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert [(p.parent_id, p.valid_from, p.valid_to) for p in registry.organisation_parent_history(
        organisation=unit)] == [(w.central.pk, rules.PARENT_SINCE_ALWAYS, dt.date(2024, 2, 14)),
                                (other[0].pk, dt.date(2024, 2, 15), None)]
    listed = client.get("/admin/registry/organisationparentperiod/")
    assert listed.status_code == 200 and unit.name in listed.content.decode()
    assert client.get("/admin/registry/organisationparentperiod/add/").status_code == 403


def test_the_refusals_are_translated(w, other, admin_user):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(InvalidInput) as err:
        registry_services.organisation_update(organisation=Organisation.objects.get(pk=w.unit.pk), parent=other[0],
                                              parent_from=dt.date(2030, 1, 1), actor=admin_user)
    assert "将来" in str(err.value.message)
