"""Origins that cannot be chosen (issue #10 §3): a row's origin is its product's registered origin or a place in
the seller's registered county; anything else is refused `origin_mismatch` (line, column, both codes) unless a
documented exception of the seller covers the place on the purchase date. Exceptions are granted and revoked by
reviewers of an office over the place, audited, and entries point at the exception that let them in."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core.errors import AccessDenied, InvalidInput
from fupin.core.models import AuditEntry
from fupin.ledger import rules, selectors, services
from fupin.ledger.models import PurchaseEntry
from tests import factories
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return lf.world()


@pytest.fixture
def outsider(w):
    """An enterprise registered in 望都县 (Hebei) without any exception."""
    return factories.entity("望都另一企业", region_code=lf.PLAIN_COUNTY)


def book(**row):
    return services.purchase_record_batch(rows=[lf.row(**row)], actor="cli")


def test_the_rule_itself():
    assert rules.origin_allowed(origin_code="130631", product_origin="130631", seller_area="522627")
    assert rules.origin_allowed(origin_code="522627100202", product_origin="", seller_area="522627")
    assert not rules.origin_allowed(origin_code="522627100202", product_origin="130631", seller_area="130631")
    assert not rules.origin_allowed(origin_code="522628", product_origin="", seller_area="522627")
    exceptions = [("522627", dt.date(2023, 1, 1), dt.date(2023, 12, 31), 7)]
    assert rules.origin_exception(exceptions, origin_code="522627100201", day=dt.date(2023, 12, 31)) == 7
    assert rules.origin_exception(exceptions, origin_code="522627100201", day=dt.date(2024, 1, 1)) is None
    assert rules.origin_exception(exceptions, origin_code="522628", day=dt.date(2023, 6, 1)) is None


def test_an_origin_outside_the_sellers_county_is_refused_with_both_codes(w, outsider):
    report = book(external_id="o1", seller_code=outsider.credit_code, origin_code=lf.OTHER_VILLAGE)
    assert report.accepted == 0 and len(report.errors) == 1
    err = report.errors[0]
    assert (err.line, err.column, err.code) == (1, "origin_code", "origin_mismatch")
    assert lf.OTHER_VILLAGE in err.message and lf.PLAIN_COUNTY in err.message
    # with a product named, its registered origin is in the message too
    factories.region("522628")
    report = book(external_id="o2", seller_code=w.seller.credit_code, product_code="P-CERT", origin_code="522628")
    assert [e.code for e in report.errors] == ["origin_mismatch"]
    assert "522628" in report.errors[0].message and lf.PLAIN_COUNTY in report.errors[0].message
    assert not PurchaseEntry.objects.exists()


def test_the_products_origin_and_the_sellers_own_places_are_accepted(w):
    # the product's registered origin (130631) although the seller sits in 522627
    assert book(external_id="a", seller_code=w.seller.credit_code, product_code="P-CERT",
                origin_code=lf.PLAIN_COUNTY).accepted == 1
    # a village of the seller's county, and the county itself
    assert book(external_id="b", seller_code=w.seller.credit_code, origin_code=lf.OTHER_VILLAGE).accepted == 1
    assert book(external_id="c", seller_code=w.seller.credit_code, origin_code=lf.POOR_COUNTY).accepted == 1
    # a household seller: its village's county
    assert book(external_id="d", seller_code=w.household.registry_code, origin_code=lf.OTHER_VILLAGE).accepted == 1
    assert all(e.origin_exception_id is None for e in PurchaseEntry.objects.all())


def test_a_file_import_reports_the_line_of_the_mismatch(w, outsider, tmp_path):
    rows = [lf.row(external_id="f1", seller_code=w.seller.credit_code),
            lf.row(external_id="f2", seller_code=outsider.credit_code, origin_code=lf.POOR_VILLAGE)]
    job = services.purchase_import_file(path=lf.write_csv(tmp_path / "o.csv", rows), actor="cli")
    assert job.accepted == 1 and job.rejected == 1
    [err] = job.report["errors"]
    assert err["code"] == "origin_mismatch" and err["column"] == "origin_code" and err["line"] == 3


def test_an_exception_lets_the_origin_in_only_within_its_dates(w, outsider):
    exc = lf.origin_exception(outsider, lf.POOR_COUNTY, valid_from=dt.date(2023, 1, 1), valid_to=dt.date(2023, 12, 31))
    inside = book(external_id="in", seller_code=outsider.credit_code, origin_code=lf.POOR_VILLAGE,
                  purchase_date="2023-12-31")
    before = book(external_id="before", seller_code=outsider.credit_code, origin_code=lf.POOR_VILLAGE,
                  purchase_date="2022-12-31")
    after = book(external_id="after", seller_code=outsider.credit_code, origin_code=lf.POOR_VILLAGE,
                 purchase_date="2024-01-01")
    assert inside.accepted == 1 and before.accepted == 0 and after.accepted == 0
    assert [e.code for e in before.errors + after.errors] == ["origin_mismatch", "origin_mismatch"]
    entry = PurchaseEntry.objects.get(external_id="in")
    assert entry.origin_exception_id == exc.pk and entry.county_code == lf.POOR_COUNTY
    assert entry.counted and entry.basis == "poor_village"  # the exception does not change how it counts
    # an exception covers its region only: another county stays refused
    factories.region("522628100201")
    assert book(external_id="elsewhere", seller_code=outsider.credit_code, origin_code="522628100201",
                purchase_date="2023-06-01").errors[0].code == "origin_mismatch"


def test_a_revoked_exception_refuses_later_rows_and_the_entries_keep_it(w, outsider, admin_user):
    exc = lf.origin_exception(outsider, lf.POOR_VILLAGE)
    assert book(external_id="x1", seller_code=outsider.credit_code, origin_code=lf.POOR_VILLAGE).accepted == 1
    services.origin_exception_revoke(exception=exc, reason="contract ended", actor=admin_user)
    exc.refresh_from_db()
    assert exc.status == "revoked" and exc.revoke_reason == "contract ended" and exc.revoked_at is not None
    assert book(external_id="x2", seller_code=outsider.credit_code,
                origin_code=lf.POOR_VILLAGE).errors[0].code == "origin_mismatch"
    assert PurchaseEntry.objects.get(external_id="x1").origin_exception_id == exc.pk
    assert AuditEntry.objects.filter(action="origin_exception:revoke", object_id=str(exc.pk),
                                     actor=admin_user).exists()


def test_who_may_grant_an_exception(w, outsider, county_clerk):
    reviewer_there = factories.user("rev522627", roles="reviewer", scope_level="county", scope_code=lf.POOR_COUNTY)
    reviewer_elsewhere = factories.user("rev130631", roles="reviewer", scope_level="county",
                                        scope_code=lf.PLAIN_COUNTY)
    cooperative_reviewer = factories.user("coop-rev", roles="reviewer", organisation=factories.organisation(
        "某合作社", kind="private_enterprise", region_code=lf.POOR_COUNTY))
    for actor in (county_clerk, reviewer_elsewhere, cooperative_reviewer):
        with pytest.raises(AccessDenied):
            services.origin_exception_grant(seller=outsider, region_code=lf.POOR_VILLAGE, reason="r", actor=actor)
    exc = services.origin_exception_grant(seller=outsider, region_code=lf.POOR_VILLAGE, actor=reviewer_there,
                                          reason="member village of the cooperative")
    assert exc.granted_by == reviewer_there and exc.region_prefix == lf.POOR_VILLAGE
    audit = AuditEntry.objects.get(action="origin_exception:grant", object_id=str(exc.pk))
    assert audit.actor == reviewer_there and audit.reason == "member village of the cooperative"
    # listed for viewers whose scope holds the origin
    assert list(selectors.origin_exceptions(viewer=reviewer_there, seller_id=outsider.pk)) == [exc]
    assert list(selectors.origin_exceptions(viewer=reviewer_elsewhere)) == []


@pytest.mark.parametrize("kw, code", [
    ({"region_code": "5226"}, "invalid_region_code"),
    ({"region_code": "522699"}, "unknown_region"),
    ({"reason": " "}, "reason_required"),
    ({"valid_from": dt.date(2024, 1, 1), "valid_to": dt.date(2023, 1, 1)}, "invalid_period"),
    ({"region_code": lf.PLAIN_COUNTY}, "exception_not_needed"),
])
def test_bad_exceptions_are_refused(w, outsider, kw, code):
    args = {"seller": outsider, "region_code": lf.POOR_VILLAGE, "reason": "documented", "actor": "test", **kw}
    with pytest.raises(InvalidInput) as info:
        services.origin_exception_grant(**args)
    assert info.value.code == code


def test_the_api_grants_lists_and_revokes(api_as, w, outsider, admin_user, county_clerk):
    api = api_as(admin_user)
    r = api.post("/ledger/origin-exceptions", {"seller_code": outsider.credit_code, "region_code": lf.POOR_COUNTY,
                                               "reason": "cross-county cooperative"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "active" and body["seller_name"] == outsider.name and body["region_code"] == lf.POOR_COUNTY
    assert api.get("/ledger/origin-exceptions").json()["items"][0]["id"] == body["id"]
    denied = api_as(county_clerk).post("/ledger/origin-exceptions", {
        "seller_id": outsider.pk, "region_code": lf.POOR_COUNTY, "reason": "x"})
    assert denied.status_code == 403
    booked = api_as(county_clerk).post("/purchases", lf.row(external_id="api1", seller_code=outsider.credit_code,
                                                            origin_code=lf.POOR_VILLAGE))
    assert booked.status_code == 201 and booked.json()["origin_exception_id"] == body["id"]
    r = api.post(f"/ledger/origin-exceptions/{body['id']}/revoke", {"reason": "ended"})
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    again = api.post(f"/ledger/origin-exceptions/{body['id']}/revoke", {"reason": "ended"})
    assert again.status_code == 409
