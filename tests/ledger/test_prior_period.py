"""Prior-period adjustments (issue #10 §6): a late correction of a locked month is booked in the current open month,
pointing at the original, so the locked month's figures stay exactly as approved ("as reported") while the
current totals and the "as corrected" figures include it."""

from __future__ import annotations

import pytest
import time_machine

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, NotFound, PeriodLocked
from fupin.core.models import AuditEntry
from fupin.ledger import adjustments, checks, rollups, selectors, services
from fupin.ledger.models import PriorPeriodAdjustment, PurchaseEntry
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def february_2024(request):
    """Today is 15 February 2024: the current open month is 2024-02 (the demo test runs on the real date)."""
    if "demo" in request.node.name:
        yield
        return
    with time_machine.travel("2024-02-15 10:00 +08:00", tick=False):
        yield


@pytest.fixture
def w():
    return lf.world()


@pytest.fixture
def entry(w):
    """100.00 yuan bought by the budget unit (below the central unit) from the 天柱 cooperative on 2023-05-10."""
    return services.purchase_record(data=lf.row(seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code,
                                                quantity="4"), actor="cli")


@pytest.fixture
def locked(entry, admin_user):
    """May 2023 approved and locked for the prefecture of 天柱县."""
    return services.period_lock(year=2023, month=5, region_code="522600", reason="approved", actor=admin_user)


def by_month(viewer, view, **filters):
    rows = selectors.account_totals(viewer=viewer, group_by=["month"], filters=filters, view=view)
    return {r["month"]: r["amount_fen"] for r in rows}


def total(viewer, view="as_reported", **filters):
    rows = selectors.account_totals(viewer=viewer, filters=filters, view=view)
    return rows[0]["amount_fen"] if rows else 0


def assert_ledger_sound():
    """`fupin ledger_check`'s two checks: every cube equals its recomputation, every entry rule holds."""
    differences = rollups.check()
    assert differences and all(d.ok for d in differences)
    assert not any(checks.entry_problems().values())


def test_a_late_reversal_leaves_the_locked_month_as_approved(w, entry, locked, admin_user):
    approved = by_month(admin_user, "as_reported", year=2023)
    assert approved == {"2023-05": 10000}
    reversal = adjustments.purchase_adjust(entry=entry, reason="invoice cancelled after approval", actor=admin_user)

    # the reversal keeps the purchase date, points at the original and is booked in the current month
    assert reversal.reverses_id == entry.pk and reversal.amount_fen == -10000 and reversal.sign == -1
    assert reversal.purchase_date == entry.purchase_date and (reversal.year, reversal.month) == (2024, 2)
    adj = PriorPeriodAdjustment.objects.get(entry=reversal)
    assert (adj.original_id, adj.period_year, adj.period_month, adj.booked_year, adj.booked_month) == (
        entry.pk, 2023, 5, 2024, 2)
    assert adj.reason == "invoice cancelled after approval" and adj.created_by_name == admin_user.username

    # as reported: May keeps exactly its approved figure (cube and entries agree); the correction sits in February
    assert by_month(admin_user, "as_reported", year=2023) == approved
    for source in (None, "entries"):
        rows = selectors.account_totals(viewer=admin_user, group_by=["month"], filters={"year": 2023},
                                        read_from=source)
        assert {r["month"]: r["amount_fen"] for r in rows} == approved
    assert by_month(admin_user, "as_reported") == {"2023-05": 10000, "2024-02": -10000}
    # as corrected: the reversal goes back to May, and February holds nothing
    assert by_month(admin_user, "as_corrected") == {"2023-05": 0}
    assert total(admin_user, "as_corrected", year=2023) == 0 and total(admin_user, "as_reported", year=2023) == 10000
    assert total(admin_user, "as_corrected", month="2024-02") == 0
    # current totals include the correction in both views
    assert total(admin_user, "as_reported") == 0 and total(admin_user, "as_corrected") == 0
    # the buyer's account and its supervising unit's, by quarter
    acc = selectors.account_totals(viewer=admin_user, group_by=["account", "quarter"], view="as_reported")
    assert {(r["account"], r["quarter"]): r["amount_fen"] for r in acc} == {
        (w.unit.pk, "2023-Q2"): 10000, (w.central.pk, "2023-Q2"): 10000,
        (w.unit.pk, "2024-Q1"): -10000, (w.central.pk, "2024-Q1"): -10000}
    acc = selectors.account_totals(viewer=admin_user, group_by=["account", "quarter"], view="as_corrected")
    assert {(r["account"], r["quarter"]): r["amount_fen"] for r in acc} == {
        (w.unit.pk, "2023-Q2"): 0, (w.central.pk, "2023-Q2"): 0}
    # schemes: the designated-assistance relation's May stays, corrected it is zero
    rows = selectors.account_totals(viewer=admin_user, group_by=["scheme", "month"], view="as_reported")
    assert {(r["scheme"], r["month"]): r["amount_fen"] for r in rows}[("designated_assistance", "2023-05")] == 10000
    rows = selectors.account_totals(viewer=admin_user, group_by=["scheme", "month"], view="as_corrected")
    assert {(r["scheme"], r["month"]) for r in rows if r["amount_fen"]} == set()

    audit = AuditEntry.objects.get(action="purchase:adjust")
    assert audit.reason == "invoice cancelled after approval"
    assert audit.before["entry"] == entry.pk and audit.before["period"] == "2023-05"
    assert audit.after == {"reversal": reversal.pk, "entry": None, "booked": "2024-02", "changes": {}}
    assert_ledger_sound()


def test_a_late_amendment_books_the_reversal_and_the_corrected_entry_in_the_open_month(w, entry, locked,
                                                                                      county_clerk):
    amended = adjustments.purchase_adjust(entry=entry, changes={"amount_yuan": "80.00"}, reason="price corrected",
                                          actor=county_clerk)
    assert amended.amends_id == entry.pk and amended.revision == 1 and amended.amount_fen == 8000
    assert amended.purchase_date == entry.purchase_date and (amended.year, amended.month) == (2024, 2)
    assert amended.counted and amended.rel_designated_id == w.rel_designated.pk
    made = PriorPeriodAdjustment.objects.filter(original=entry).order_by("id")
    assert [a.entry.amount_fen for a in made] == [-10000, 8000]
    assert {(a.period_year, a.period_month, a.booked_year, a.booked_month) for a in made} == {(2023, 5, 2024, 2)}
    assert [a.entry_id for a in adjustments.adjustments_of(entry=entry)] == [m.entry_id for m in made]

    assert by_month(county_clerk, "as_reported") == {"2023-05": 10000, "2024-02": -2000}
    assert by_month(county_clerk, "as_corrected") == {"2023-05": 8000}
    assert total(county_clerk) == 8000 == total(county_clerk, "as_corrected")
    assert_ledger_sound()

    # the corrected entry is itself an adjustment of May: corrected again only the same way, never reversed plainly
    with pytest.raises(InvalidInput) as err:
        services.purchase_reverse(entry=amended, reason="again", actor=county_clerk)
    assert err.value.code == "prior_period_entry"
    again = adjustments.purchase_adjust(entry=amended, reason="order cancelled", actor=county_clerk)
    assert again.reverses_id == amended.pk and (again.year, again.month) == (2024, 2)
    assert PriorPeriodAdjustment.objects.get(entry=again).original_id == amended.pk
    assert by_month(county_clerk, "as_reported") == {"2023-05": 10000, "2024-02": -10000}
    assert by_month(county_clerk, "as_corrected") == {"2023-05": 0}
    assert_ledger_sound()


def test_an_amendment_moving_the_date_into_an_open_month_books_it_there(w, entry, locked, admin_user):
    amended = adjustments.purchase_adjust(entry=entry, changes={"purchase_date": "2023-06-02"},
                                          reason="delivered in June", actor=admin_user)
    assert (amended.year, amended.month) == (2023, 6) and not adjustments.is_adjustment(amended)
    assert PriorPeriodAdjustment.objects.filter(original=entry).count() == 1  # only the reversal moved
    assert by_month(admin_user, "as_reported") == {"2023-05": 10000, "2023-06": 10000, "2024-02": -10000}
    assert by_month(admin_user, "as_corrected") == {"2023-05": 0, "2023-06": 10000}
    assert_ledger_sound()


def test_the_locked_month_never_changes_under_later_bookings_and_corrections(w, entry, locked, admin_user):
    """Whatever is booked afterwards, May as reported is the approved figure; May as corrected follows."""
    other = services.purchase_record(data=lf.row(external_id="E2", seller_code=w.seller.credit_code,
                                                 purchase_date="2023-04-03", amount_yuan="30"), actor="cli")
    services.period_lock(year=2023, month=4, region_code="", reason="approved", actor=admin_user)
    approved = by_month(admin_user, "as_reported", year=2023)
    assert approved == {"2023-04": 3000, "2023-05": 10000}
    adjustments.purchase_adjust(entry=other, changes={"amount_yuan": "35"}, reason="r1", actor=admin_user)
    adjustments.purchase_adjust(entry=entry, reason="r2", actor=admin_user)
    services.purchase_record(data=lf.row(external_id="E3", seller_code=w.seller.credit_code,
                                         purchase_date="2024-02-01", amount_yuan="7"), actor="cli")
    assert by_month(admin_user, "as_reported", year=2023) == approved
    assert by_month(admin_user, "as_corrected", year=2023) == {"2023-04": 3500, "2023-05": 0}
    assert by_month(admin_user, "as_reported", year=2024) == {"2024-02": 3500 - 3000 - 10000 + 700}
    assert by_month(admin_user, "as_corrected", year=2024) == {"2024-02": 700}
    assert total(admin_user) == total(admin_user, "as_corrected") == 3500 + 700
    assert_ledger_sound()


def test_refused_adjustments_say_why(w, entry, locked, admin_user, national_viewer, other_county_clerk):
    with pytest.raises(InvalidInput) as err:
        adjustments.purchase_adjust(entry=entry, reason="  ", actor=admin_user)
    assert err.value.code == "reason_required"
    with pytest.raises(NotFound):
        adjustments.purchase_adjust(entry=987654, reason="unknown", actor=admin_user)
    for who in (national_viewer, other_county_clerk):
        with pytest.raises(AccessDenied):
            adjustments.purchase_adjust(entry=entry, reason="not mine", actor=who)
    with pytest.raises(InvalidInput) as err:
        adjustments.purchase_adjust(entry=entry, changes={"external_id": "X"}, reason="rename", actor=admin_user)
    assert err.value.code == "key_immutable"
    with pytest.raises(InvalidInput) as err:
        adjustments.purchase_adjust(entry=entry, changes={"amount_yuan": "-1"}, reason="bad", actor=admin_user)
    assert err.value.details["errors"][0]["code"] == "amount_not_positive"
    assert PurchaseEntry.objects.count() == 1  # nothing of the refused amendment stayed (one transaction)

    reversal = adjustments.purchase_adjust(entry=entry, reason="cancelled", actor=admin_user)
    with pytest.raises(Conflict) as err:
        adjustments.purchase_adjust(entry=entry, reason="twice", actor=admin_user)
    assert err.value.code == "already_corrected"
    with pytest.raises(InvalidInput) as err:
        adjustments.purchase_adjust(entry=reversal, reason="undo", actor=admin_user)
    assert err.value.code == "is_reversal"

    # an entry of an open month is reversed or amended as usual
    open_entry = services.purchase_record(data=lf.row(external_id="E9", seller_code=w.seller.credit_code,
                                                      purchase_date="2023-07-01"), actor="cli")
    with pytest.raises(InvalidInput) as err:
        adjustments.purchase_adjust(entry=open_entry, reason="open", actor=admin_user)
    assert err.value.code == "period_open"
    # no open month to book into: the current month locked too
    services.period_lock(year=2024, month=2, region_code="", reason="closed early", actor=admin_user)
    late = services.purchase_record(data=lf.row(external_id="E7", seller_code=w.seller.credit_code,
                                                purchase_date="2023-08-01"), actor="cli")
    services.period_lock(year=2023, month=8, region_code="", reason="approved", actor=admin_user)
    with pytest.raises(PeriodLocked):
        adjustments.purchase_adjust(entry=late, reason="late", actor=admin_user)
    assert AuditEntry.objects.filter(action="purchase:adjust").count() == 1


def test_a_plain_reversal_of_a_locked_month_points_at_the_adjustment(entry, locked, admin_user):
    with pytest.raises(PeriodLocked) as err:
        services.purchase_reverse(entry=entry, reason="x", actor=admin_user)
    assert "prior-period adjustment" in str(err.value.message)


def test_the_api_books_adjustments_and_shows_both_views(w, entry, locked, admin_user, api_as):
    api = api_as(admin_user)
    assert api.post(f"/purchases/{entry.pk}/adjust", {"reason": ""}).status_code == 422
    missing = api.post("/purchases/987654/adjust", {"reason": "unknown"})
    assert missing.status_code == 404
    r = api.post(f"/purchases/{entry.pk}/adjust", {"reason": "late credit note", "changes": {"amount_yuan": "60"}})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["amends_id"] == entry.pk and body["booked_period"] == "2024-02" and body["prior_period_adjustment"]
    assert body["purchase_date"] == "2023-05-10"
    again = api.post(f"/purchases/{entry.pk}/adjust", {"reason": "twice"})
    assert again.status_code == 409 and again.json()["code"] == "already_corrected"
    original = api.get(f"/purchases/{entry.pk}").json()
    assert original["booked_period"] == "2023-05" and not original["prior_period_adjustment"]

    def months(view=None):
        params = {"group_by": "month", **({"view": view} if view else {})}
        res = api.get("/account/totals", **params)
        assert res.status_code == 200, res.content
        return res.json()["view"], {row["month"]: row["amount_fen"] for row in res.json()["rows"]}

    assert months() == ("as_reported", {"2023-05": 10000, "2024-02": -4000})
    assert months("as_reported") == months()
    assert months("as_corrected") == ("as_corrected", {"2023-05": 6000})
    assert api.get("/account/totals", view="as_approved").status_code == 422

    spec = api.get("/openapi.json").json()
    params = spec["paths"]["/api/v1/account/totals"]["get"]["parameters"]
    view = next(p for p in params if p["name"] == "view")
    assert view["schema"]["enum"] == ["as_reported", "as_corrected"] and view["schema"]["default"] == "as_reported"
    assert "/api/v1/purchases/{entry_id}/adjust" in spec["paths"]


def test_the_selector_refuses_an_unknown_view(admin_user):
    with pytest.raises(InvalidInput):
        selectors.account_totals(viewer=admin_user, view="approved")


def _page(user, url, language="en"):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    res = client.get(url)
    assert res.status_code == 200
    return res.content.decode()


def _headline(html):
    import re

    return re.search(r'<span class="num">([^<]+)</span>', html).group(1)


def test_the_totals_and_account_pages_switch_between_the_views(w, entry, locked, admin_user):
    from django.urls import reverse

    adjustments.purchase_adjust(entry=entry, changes={"amount_yuan": "60"}, reason="credit note", actor=admin_user)
    dashboard = reverse("portal:ledger_dashboard") + "?group_by=month&year=2023"
    reported = _page(admin_user, dashboard)
    assert _headline(reported) == "100.00" and 'name="view"' in reported and "as corrected" in reported
    assert _headline(_page(admin_user, dashboard + "&view=as_reported")) == "100.00"
    assert _headline(_page(admin_user, dashboard + "&view=as_corrected")) == "60.00"
    zh = _page(admin_user, dashboard + "&view=as_corrected", "zh-hans")
    assert _headline(zh) == "60.00" and "按更正" in zh and "按报告" in zh

    buyer = reverse("portal:ledger_buyer", args=[w.central.pk]) + "?year=2023"
    assert _headline(_page(admin_user, buyer)) == "100.00"
    assert _headline(_page(admin_user, buyer + "&view=as_corrected")) == "60.00"


def test_the_demo_books_a_late_correction_of_its_locked_month():
    from fupin.demo.steps import STEPS
    from fupin.demo.world import World

    world = World(seed=7, scale="small")
    for name, build in STEPS:
        build(world)
        if name == "ledger":
            break
    adj = PriorPeriodAdjustment.objects.select_related("entry", "original").get()
    lock = world.extra["ledger"]["lock"]
    assert (adj.period_year, adj.period_month) == (lock.year, lock.month) == (adj.original.year, 1)
    assert (adj.booked_year, adj.booked_month) == adjustments.open_period() and adj.entry.reverses_id == adj.original_id
    admin = world.users["admin"]
    month = {"month": f"{lock.year}-01", "region": lock.region_code}
    reported = total(admin, **month)
    assert reported - total(admin, "as_corrected", **month) == adj.original.amount_fen
    assert_ledger_sound()
