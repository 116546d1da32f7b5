"""The certification API: public routes, the review over HTTP, conflicts, scope, and bad input (never a 500)."""

import datetime as dt

import pytest
import time_machine

from fupin.certification.enums import ApplicationStatus as S
from fupin.certification.models import Application

from . import factories as cf

pytestmark = pytest.mark.django_db


def test_public_routes_need_no_sign_in(api_as):
    product = cf.certified_product()
    anon = api_as()
    assert anon.get("/catalogue").json()["count"] == 1
    assert anon.get(f"/catalogue/{product.code}").json()["code"] == product.code
    assert anon.get("/certificates/public-key").json()["algorithm"] == "Ed25519"
    cert = product.certificates.get()
    assert anon.get(f"/certificates/{cert.number}").json()["product_code"] == product.code
    assert anon.get("/notices").status_code == 200
    assert anon.get("/catalogue-batches").json()["count"] == 1


@pytest.mark.parametrize("path", ["/certification/products", "/certification/applications", "/certification/queue",
                                  "/certification/objections", "/certification/spot-checks",
                                  "/certification/linkage-shortfalls"])
def test_private_routes_refuse_anonymous(api_as, path):
    r = api_as().get(path)
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"


def test_supplier_registers_product_and_applies_over_http(api_as):
    sup = cf.supplier()
    api = api_as(sup.user)
    r = api.post("/certification/products", {
        "supplier_id": sup.entity.pk, "name": "Tianzhu tea", "category": "handicraft", "unit": "box",
        "origin_region_code": cf.VILLAGE, "annual_capacity": 50000, "reference_price": "100.00", "price": "98.50"})
    assert r.status_code == 201, r.json()
    code = r.json()["code"]
    assert code.startswith("P") and r.json()["price_fen"] == 9850
    body = {"supplier_id": sup.entity.pk, "items": [{"product_code": code, "supply_volume": 2000}],
            "household_refs": sup.refs}
    r = api.post("/certification/applications/precheck", body)
    assert r.status_code == 200 and r.json()["ok"] is True
    assert {v["rule"] for v in r.json()["verdicts"]} >= {"legal_person", "registered_area", "origin_area",
                                                         "poor_households", "volume", "licences", "price"}
    with time_machine.travel(dt.datetime(2020, 6, 1, 10, tzinfo=dt.UTC)):
        r = api.post("/certification/applications", body)
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == S.SUBMITTED
    assert r.json()["decisions"][0]["action"] == "submit"


def test_precheck_failure_lists_reasons_not_500(api_as):
    sup = cf.supplier(households=1)
    product = cf.product(sup, price_fen=20_000)
    r = api_as(sup.user).post("/certification/applications", {
        "supplier_id": sup.entity.pk, "items": [{"product_code": product.code, "supply_volume": 10}],
        "household_refs": [*sup.refs, "H-NOT-A-HOUSEHOLD"]})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "precheck_failed"
    failed = {v["rule"] for v in body["details"]["verdicts"] if not v["ok"]}
    assert failed == {"poor_households", "volume", "price"}
    assert "H-NOT-A-HOUSEHOLD" in body["message"]
    assert not Application.objects.exists()


@pytest.mark.parametrize("method,path,payload", [
    ("post", "/certification/products", {"supplier_id": "x"}),
    ("post", "/certification/products", {"supplier_id": 999999, "name": "a", "category": "tea", "unit": "kg",
                                         "origin_region_code": "522627", "annual_capacity": 1,
                                         "reference_price": "1", "price": "1"}),
    ("post", "/certification/applications", {"supplier_id": 1, "items": "nope"}),
    ("post", "/certification/applications/abc/decide", {"action": "approve", "reason": "x"}),
    ("post", "/certification/applications/999999/decide", {"action": "approve", "reason": "x"}),
    ("post", "/certification/applications/bulk-decide", {"ids": [], "action": "approve", "reason": "x"}),
    ("post", "/certification/batches", {"number": "B1", "published_on": "not-a-date", "application_ids": [1]}),
    ("post", "/certification/spot-checks", {"period": ""}),
    ("get", "/certification/queue?min_days=abc", None),
])
def test_bad_input_gets_clear_errors(api_as, method, path, payload):
    admin = cf.reviewers().nation
    api = api_as(admin)
    if method == "get":
        base, _, query = path.partition("?")
        key, _, value = query.partition("=")
        r = api.get(base, **{key: value})
    else:
        r = api.post(path, payload)
    assert 400 <= r.status_code < 500, r.content
    assert r.json()["code"]


@pytest.mark.parametrize("body, status, code", [
    ("{not json", 400, "bad_request"), ("[]", 422, "invalid_input"), ('{"code": 5}', 422, "invalid_input"),
    ('{"code": "' + "A" * 5000 + '"}', 422, "invalid_input"),
])
def test_verify_bad_bodies_are_clear_errors(api_as, body, status, code):
    r = api_as().raw("post", "/certificates/verify", body)
    assert (r.status_code, r.json()["code"]) == (status, code), r.content


def test_export_bad_format_is_422(api_as):
    r = api_as().get("/catalogue/export", fmt="pdf")
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_input"  # the schema's enum (csv, xlsx) refuses it, naming the parameter
    assert [d["loc"] for d in r.json()["details"]] == [["query", "fmt"]]


def test_api_decision_outside_scope_is_403_and_forbidden_transition_409(api_as):
    revs = cf.reviewers()
    app = cf.application_in(S.SUBMITTED, revs=revs)
    # a county reviewer elsewhere cannot even see it
    assert api_as(revs.other_county).post(f"/certification/applications/{app.pk}/decide",
                                          {"action": "approve", "reason": "ok"}).status_code == 404
    # the prefecture reviewer sees it but this stage is the county's
    r = api_as(revs.prefecture).post(f"/certification/applications/{app.pk}/decide",
                                     {"action": "approve", "reason": "ok"})
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    r = api_as(revs.county).post(f"/certification/applications/{app.pk}/decide",
                                 {"action": "close_notice", "reason": "too early"})
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"
    r = api_as(revs.county).post(f"/certification/applications/{app.pk}/decide", {"action": "approve", "reason": ""})
    assert r.status_code == 422


def test_concurrent_decisions_one_wins_the_other_gets_409(api_as, monkeypatch):
    """Two reviewers open the same application; the first decision wins, the second (made on what it read before)
    gets a 409 conflict from the compare-and-set, and nothing of it is written."""
    revs = cf.reviewers()
    app = cf.application_in(S.SUBMITTED, revs=revs)
    second = cf.factories.user("rev_county_b", roles="reviewer", scope_level="county", scope_code=cf.COUNTY)
    stale = Application.objects.get(pk=app.pk)  # what the second reviewer's request read
    r1 = api_as(revs.county).post(f"/certification/applications/{app.pk}/decide", {"action": "approve", "reason": "ok"})
    assert r1.status_code == 200
    from fupin.certification import api as cert_api

    monkeypatch.setattr(cert_api.selectors, "application_get", lambda **kw: stale)
    r2 = api_as(second).post(f"/certification/applications/{app.pk}/decide", {"action": "reject", "reason": "no"})
    assert r2.status_code == 409
    assert r2.json()["code"] == "conflict"
    app.refresh_from_db()
    assert app.status == S.COUNTY_NOTICE
    assert list(app.decisions.values_list("action", flat=True)) == ["submit", "approve"]


def test_huge_numbers_and_bad_evidence_are_clear_errors(api_as):
    sup = cf.supplier()
    api = api_as(sup.user)
    base = {"supplier_id": sup.entity.pk, "name": "X", "category": "tea", "unit": "kg", "origin_region_code": cf.VILLAGE,
            "annual_capacity": 10**30, "reference_price": "1", "price": "1"}
    r = api.post("/certification/products", base)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_input")
    r = api.post("/certification/products", {**base, "annual_capacity": 1, "price": "1" + "0" * 25})
    assert (r.status_code, r.json()["code"]) == (422, "amount_too_large")
    product = cf.product(sup)
    r = api.post("/certification/applications", {"supplier_id": sup.entity.pk, "household_refs": sup.refs,
                                                  "items": [{"product_code": product.code, "supply_volume": 10**25}]})
    assert r.status_code == 422
    r = api.post("/certification/applications", {"supplier_id": sup.entity.pk, "household_refs": sup.refs,
                                                  "items": [{"product_code": "P999999", "supply_volume": 1}]})
    assert r.status_code == 422 and r.json()["code"] == "unknown_product"


def test_expired_licence_and_origin_outside_eligible_areas_are_listed(api_as):
    import datetime as dt

    sup = cf.supplier(licence_until=dt.date(2019, 12, 31))
    cf.factories.region(cf.EAST_COUNTY)
    product = cf.product(sup, origin=cf.EAST_COUNTY, category="tea", food_licence=False)
    r = api_as(sup.user).post("/certification/applications/precheck", {
        "supplier_id": sup.entity.pk, "household_refs": sup.refs,
        "items": [{"product_code": product.code, "supply_volume": 2000}]})
    assert r.status_code == 200 and r.json()["ok"] is False
    failed = {v["rule"]: v["reason"] for v in r.json()["verdicts"] if not v["ok"]}
    assert set(failed) == {"origin_area", "licences"}
    assert cf.EAST_COUNTY not in failed["origin_area"] and product.code in failed["origin_area"]
    assert "business licence is not valid" in failed["licences"] and "no food production licence" in failed["licences"]
