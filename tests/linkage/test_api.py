"""The linkage API: authentication, scope, bad input as JSON errors, idempotent payments, household linkage."""

import datetime as dt

import pytest

from tests import factories
from tests.assertions import nonempty
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(county_clerk):
    entity = factories.entity(region_code="522627")
    other_entity = factories.entity(region_code="130631")
    h1, h2 = factories.household(), factories.household(village_code="130631100201")
    c = lf.contract(actor=county_clerk, entity=entity, households=[h1], code="API-1")
    nation = lf.writer()
    c2 = lf.contract(actor=nation, entity=other_entity, households=[h2, h1], mechanism="employment", code="API-2")
    lf.payment(actor=county_clerk, contract=c, household=h1, external_id="X1")
    lf.payment(actor=nation, contract=c2, household=h1, external_id="X2")
    lf.payment(actor=nation, contract=c2, household=h2, external_id="X3")
    return {"entity": entity, "other_entity": other_entity, "h1": h1, "h2": h2, "c": c, "c2": c2}


def test_anonymous_is_refused(api_as, data):
    for path in ("/linkage/contracts", "/linkage/payments", "/linkage/flags", "/linkage/indicators?year=2024",
                 f"/linkage/households/{data['h1'].pk}", "/linkage/verification/rounds"):
        assert api_as().get(path).status_code == 401, path


def test_a_county_clerk_sees_only_its_county(api_as, data, county_clerk, other_county_clerk):
    mine = api_as(county_clerk).get("/linkage/contracts").json()
    assert [c["code"] for c in mine["items"]] == ["API-1"]
    theirs = api_as(other_county_clerk).get("/linkage/contracts").json()
    assert [c["code"] for c in theirs["items"]] == ["API-2"]
    assert api_as(county_clerk).get(f"/linkage/contracts/{data['c2'].pk}").status_code == 404
    pays = api_as(county_clerk).get("/linkage/payments").json()
    assert [p["external_id"] for p in pays["items"]] == ["X1"]
    assert api_as(other_county_clerk).get("/linkage/payments").json()["count"] == 2


def test_household_linkage_shows_every_contract_and_payment(api_as, data, county_clerk, other_county_clerk):
    body = api_as(county_clerk).get(f"/linkage/households/{data['h1'].pk}").json()
    assert sorted(c["code"] for c in body["contracts"]) == ["API-1", "API-2"]
    assert sorted(p["external_id"] for p in body["payments"]) == ["X1", "X2"]
    assert body["household"]["head_name"] == "张三丰"  # a county clerk of the household's county sees the name
    # the other county cannot open a household outside its scope
    assert api_as(other_county_clerk).get(f"/linkage/households/{data['h1'].pk}").status_code == 404
    masked = api_as(factories.user(roles="viewer")).get(f"/linkage/households/{data['h1'].pk}").json()
    assert masked["household"]["head_name"] == "张**"


def test_payment_api_idempotent_and_bad_input(api_as, data, county_clerk):
    client = api_as(county_clerk)
    body = {"source": "bank", "external_id": "B1", "contract_code": "API-1", "household": data["h1"].registry_code,
            "paid_on": "2024-05-01", "amount_yuan": "88.80"}
    r1 = client.post("/linkage/payments", body)
    assert r1.status_code == 201 and r1.json()["payment"]["amount_fen"] == 8880
    r2 = client.post("/linkage/payments", body)
    assert r2.status_code == 200 and r2.json()["created"] is False
    bad = [
        ({**body, "external_id": "B2", "amount_yuan": "-1"}, 422, "amount_not_positive"),
        ({**body, "external_id": "B2", "amount_yuan": "10,00"}, 422, "invalid_amount"),   # not 1,000 yuan
        ({**body, "external_id": "B3", "household": "NOPE"}, 422, "unknown_household"),
        ({**body, "external_id": "B4", "household": data["h2"].registry_code}, 422, "not_linked"),
        ({**body, "external_id": "B5", "paid_on": "2023-01-01"}, 422, "outside_contract"),
        ({**body, "external_id": "B6", "contract_code": "API-2"}, 422, "unknown_contract"),
        ({**body, "amount_yuan": "99"}, 409, "duplicate_external_id"),
        ({**body, "external_id": "B7", "paid_on": "not a date"}, 422, "invalid_input"),
        ({"external_id": "B8"}, 422, "invalid_input"),
    ]
    for payload, status, code in bad:
        r = client.post("/linkage/payments", payload)
        assert (r.status_code, r.json()["code"]) == (status, code), payload
    pid = r1.json()["payment"]["id"]
    rev = client.post(f"/linkage/payments/{pid}/reverse", {"reason": "double entry"})
    assert rev.status_code == 201 and rev.json()["amount_fen"] == -8880
    assert client.post(f"/linkage/payments/{pid}/reverse", {"reason": "again"}).json()["code"] == "already_reversed"


def test_contract_api_create_transition_and_errors(api_as, data, county_clerk):
    client = api_as(county_clerk)
    h = factories.household()
    body = {"code": "NEW-1", "entity_id": data["entity"].pk, "mechanism": "employment", "start_date": "2025-01-01",
            "terms": {"wage_basis": "day", "wage_fen": 12000}, "households": [{"registry_code": h.registry_code}]}
    r = client.post("/linkage/contracts", body)
    assert r.status_code == 422 and r.json()["code"] == "missing_term"
    body["terms"]["days_per_month"] = 20
    r = client.post("/linkage/contracts", body)
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["transitions"] == ["activate", "end"]
    r = client.post(f"/linkage/contracts/{pk}/transitions/activate", {"reason": ""})
    assert r.json()["status"] == "active"
    assert client.post(f"/linkage/contracts/{pk}/transitions/activate", {}).json()["code"] == "transition_not_allowed"
    assert client.post(f"/linkage/contracts/{pk}/transitions/fly", {}).status_code == 422  # not in the enum
    assert client.post(f"/linkage/contracts/{pk}/transitions/suspend", {"reason": ""}).json()["code"] == "missing_reason"
    other = {**body, "code": "NEW-2", "entity_id": data["other_entity"].pk}
    assert client.post("/linkage/contracts", other).status_code == 404
    lines = client.get(f"/linkage/contracts/{pk}/expected", year=2025).json()
    assert lines[0]["annual_fen"] == 12000 * 20 * 12


def test_indicators_and_flags_api(api_as, data, county_clerk):
    client = api_as(county_clerk)
    body = client.get("/linkage/indicators", year=2024, group_by="entity").json()
    assert [r["entity_id"] for r in body["rows"]] == [data["entity"].pk]
    assert client.get("/linkage/indicators", year=2024, group_by="planet").status_code == 422
    assert client.get("/linkage/indicators", year="x").status_code == 422
    for path in ("/linkage/indicators", "/linkage/payments", "/linkage/contracts", "/linkage/expected"):
        r = client.get(path, year=99999)
        assert (r.status_code, r.json()["code"]) == (422, "invalid_input"), path
    flags = client.get("/linkage/flags", on=dt.date(2025, 6, 1).isoformat()).json()
    assert all(f["entity_id"] in (None, data["entity"].pk) for f in nonempty(flags))


def test_verification_api(api_as, data, county_clerk):
    client = api_as(county_clerk)
    r = client.post("/linkage/verification/rounds", {"county_code": "522627", "period_start": "2024-01-01",
                                                     "period_end": "2024-12-31", "seed": 5})
    assert r.status_code == 201, r.json()
    rid = r.json()["id"]
    items = client.get(f"/linkage/verification/rounds/{rid}/items").json()["items"]
    assert items and all(i["registry_code"] for i in items)
    for i in items:
        r = client.post(f"/linkage/verification/items/{i['id']}/outcome", {"outcome": "amount_differs", "reported_yuan": "10"})
        assert r.json()["reported_fen"] == 1000
    done = client.post(f"/linkage/verification/rounds/{rid}/complete", {})
    assert done.json()["status"] == "completed" and done.json()["county_rate"]["flagged"] is True
    xlsx = client.get(f"/linkage/verification/rounds/{rid}/field-list")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert client.post("/linkage/verification/rounds", {"county_code": "130631", "period_start": "2024-01-01",
                                                        "period_end": "2024-12-31"}).status_code == 403


def test_import_api(api_as, data, county_clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = ("external_id,contract_no,household,paid_on,amount_yuan\n"
           f"I1,API-1,{data['h1'].registry_code},2024-02-01,10\n"
           f"I2,API-1,{data['h1'].registry_code},2024-02-01,-10\n").encode()
    r = api_as(county_clerk).post("/linkage/imports/payments", {"dry_run": "true"},
                                  files={"file": SimpleUploadedFile("p.csv", csv, "text/csv")})
    assert r.status_code == 200, r.content
    assert (r.json()["accepted"], r.json()["rejected"], r.json()["dry_run"]) == (1, 1, True)
