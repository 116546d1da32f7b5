"""Registry API: lists, details, writes, scope (404 on reads, 403 on writes), masking, imports and exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from fupin.core.enums import SecurityEventKind
from fupin.core.models import AuditEntry, ImportRun, SecurityEvent
from fupin.registry.models import Household, MarketEntity, Organisation
from tests import factories
from tests.assertions import nonempty
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    rf.regions()
    mine = factories.household(village_code=rf.VILLAGE, head_name="张三丰", phone="13812345678")
    theirs = factories.household(village_code=rf.OTHER_VILLAGE, head_name="李四", phone="13912345678")
    return {
        "household": mine, "other_household": theirs,
        "entity": factories.entity("天柱合作社", kind="cooperative", region_code=rf.COUNTY),
        "other_entity": factories.entity("望都企业", region_code="130631"),
    }


def test_anonymous_requests_are_refused(api_as, world):
    for path in ("/organisations", "/entities", "/households", "/relations", "/registry/imports",
                 f"/households/{world['household'].pk}", "/registry/households/export"):
        assert api_as().get(path).status_code == 401, path
    assert api_as().post("/registry/imports/households").status_code == 401


def test_lists_are_paginated_and_filtered(api_as, world, national_viewer):
    factories.organisation("甲单位", kind="central_unit")
    factories.organisation("乙单位", kind="budget_unit")
    client = api_as(national_viewer)
    body = client.get("/organisations", kind="central_unit").json()
    assert body["count"] == 1 and body["items"][0]["name"] == "甲单位"
    assert body["items"][0]["region_code"] == "110101"
    page = client.get("/entities", limit=1).json()
    assert page["count"] == 2 and len(page["items"]) == 1
    assert client.get("/entities", region="130631").json()["items"][0]["name"] == "望都企业"
    assert client.get("/entities", sector="processing").json()["count"] == 2


def test_a_county_user_cannot_see_another_countys_households_or_entities(api_as, world, county_clerk):
    client = api_as(county_clerk)
    assert {i["id"] for i in client.get("/households").json()["items"]} == {world["household"].pk}
    assert {i["id"] for i in client.get("/entities").json()["items"]} == {world["entity"].pk}
    assert client.get(f"/households/{world['other_household'].pk}").status_code == 404
    assert client.get(f"/entities/{world['other_entity'].pk}").status_code == 404
    assert client.get(f"/households/{world['household'].pk}").status_code == 200


def test_a_county_user_cannot_change_another_countys_households_or_entities(api_as, world, county_clerk):
    client = api_as(county_clerk)
    r = client.raw("patch", f"/households/{world['other_household'].pk}", '{"size": 9}')
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    r = client.raw("patch", f"/entities/{world['other_entity'].pk}", '{"name": "改名"}')
    assert r.status_code == 403
    r = client.post("/households", {"resident_id": factories.resident_id(99), "village_code": rf.OTHER_VILLAGE,
                                    "status": "lifted_out"})
    assert r.status_code == 403
    r = client.post("/entities", {"name": "外县企业", "kind": "enterprise", "region_code": "130631",
                                  "credit_code": factories.uscc()})
    assert r.status_code == 403
    world["other_household"].refresh_from_db()
    assert world["other_household"].size == 3
    assert not MarketEntity.objects.filter(name="外县企业").exists()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.PERMISSION_DENIED, user=county_clerk).exists()


def test_viewers_cannot_write(api_as, world, national_viewer):
    r = api_as(national_viewer).post("/organisations", {"name": "x", "kind": "budget_unit", "region_code": "110101"})
    assert r.status_code == 403


def test_personal_data_is_masked_unless_allowed(api_as, world, county_clerk, national_viewer):
    mine = api_as(county_clerk).get(f"/households/{world['household'].pk}").json()
    assert mine["head_name"] == "张三丰" and mine["phone"] == "13812345678" and not mine["masked"]
    masked = api_as(national_viewer).get(f"/households/{world['household'].pk}").json()
    assert masked["head_name"] == "张**" and masked["phone"] == "138****5678" and masked["masked"]
    listed = api_as(national_viewer).get("/households").json()["items"]
    assert all(i["masked"] for i in nonempty(listed)) and "李四" not in str(listed)
    assert all("id_hash" not in i for i in listed)


def test_create_household_via_api_keeps_no_identity_number(api_as, world, county_clerk):
    number = factories.resident_id(77)
    r = api_as(county_clerk).post("/households", {"resident_id": number, "village_code": rf.VILLAGE,
                                                  "status": "monitored", "size": 2, "head_name": "王五"})
    assert r.status_code == 201, r.json()
    assert number not in r.content.decode() and r.json()["head_name"] == "王五"
    assert number not in str(list(Household.objects.values()))
    bad = api_as(county_clerk).post("/households", {"resident_id": "110105194912310021", "village_code": rf.VILLAGE,
                                                    "status": "monitored"})
    assert bad.status_code == 422 and "check character" in bad.json()["message"]
    garbage = api_as(county_clerk).raw("post", "/households", "{not json")
    assert (garbage.status_code, garbage.json()["code"]) == (400, "bad_request")


@pytest.mark.parametrize("path,body", [
    ("/households/{h}", '{"head_name": null}'), ("/households/{h}", '{"size": "many"}'),
    ("/households/{h}", '{"size": 0}'), ("/households/{h}", '{"village_code": "12"}'),
    ("/entities/{e}", '{"name": null}'), ("/entities/{e}", '{"sectors": ["mining"]}'),
    ("/entities/{e}", '{"credit_code": "91350100M000100Y44"}'),
])
def test_malformed_changes_give_422_not_500(api_as, world, county_clerk, path, body):
    path = path.format(h=world["household"].pk, e=world["entity"].pk)
    r = api_as(county_clerk).raw("patch", path, body)
    assert r.status_code == 422 and r.json()["code"] == "invalid_input", r.content


def test_status_change_and_patch(api_as, world, county_clerk):
    client = api_as(county_clerk)
    pk = world["household"].pk
    r = client.post(f"/households/{pk}/status", {"to": "monitored", "reason": "illness"})
    assert r.status_code == 200 and r.json()["status"] == "monitored"
    r = client.post(f"/households/{pk}/status", {"to": "monitored"})
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"
    r = client.raw("patch", f"/households/{pk}", '{"size": 5, "reason": "new baby"}')
    assert r.status_code == 200 and r.json()["size"] == 5
    assert AuditEntry.objects.get(action="household:update").reason == "new baby"


def test_create_organisation_entity_and_relation(api_as, world, admin_user):
    client = api_as(admin_user)
    parent = client.post("/organisations", {"name": "中央单位", "kind": "central_unit", "region_code": "110101",
                                            "credit_code": factories.uscc()})
    assert parent.status_code == 201
    child = client.post("/organisations", {"name": "机关服务中心", "kind": "budget_unit", "region_code": "110101",
                                           "parent_id": parent.json()["id"]})
    assert child.status_code == 201 and child.json()["parent_name"] == "中央单位"
    assert client.post("/organisations", {"name": "x", "kind": "budget_unit", "region_code": "110101",
                                          "parent_id": 987654}).status_code == 422
    entity = client.post("/entities", {"name": "合作社", "kind": "cooperative", "region_code": rf.COUNTY,
                                       "credit_code": "91350100M000100Y44"})
    assert entity.status_code == 422 and entity.json()["details"]["field"] == "credit_code"
    seller = client.post("/entities", {"name": "脱贫户", "kind": "poor_household", "household_id": world["household"].pk})
    assert seller.status_code == 201 and seller.json()["household_id"] == world["household"].pk
    rel = client.post("/relations", {"kind": "designated_assistance", "helper_org_id": parent.json()["id"],
                                     "helped_region_code": rf.COUNTY, "year_from": 2015})
    assert rel.status_code == 201 and rel.json()["helper_org_name"] == "中央单位"
    assert client.get(f"/relations/{rel.json()['id']}").json()["helped_region_code"] == rf.COUNTY


def test_relations_linking_endpoint(api_as, world, county_clerk):
    unit = factories.organisation("中央单位", kind="central_unit")
    canteen = factories.organisation("食堂", kind="budget_unit", parent=unit)
    from fupin.registry import services

    services.relation_create(kind="designated_assistance", helper_org=unit, helped_region_code=rf.COUNTY,
                             year_from=2015, year_to=2020, actor="test")
    client = api_as(county_clerk)
    r = client.get("/relations/linking", organisation=canteen.pk, region=rf.VILLAGE, year=2019)
    assert r.status_code == 200 and [i["helper_org_name"] for i in r.json()] == ["中央单位"]
    assert client.get("/relations/linking", organisation=canteen.pk, region=rf.VILLAGE, year=2021).json() == []
    assert client.get("/relations/linking", organisation=999999, region=rf.VILLAGE, year=2019).status_code == 404
    assert client.get("/relations/linking", organisation=canteen.pk, region=rf.VILLAGE, year="soon").status_code == 422


# -- imports ------------------------------------------------------------------------------------------------------
def _upload(client, kind, path, **data):
    with open(path, "rb") as fh:
        return client.post(f"/registry/imports/{kind}", data=data, files={"file": fh})


@pytest.mark.parametrize("case", rf.BAD_INPUTS, ids=lambda c: c.name)
def test_bad_input_through_the_api(api_as, world, admin_user, tmp_path, case):
    r = _upload(api_as(admin_user), case.kind, case.build(tmp_path))
    body = r.json()
    if case.file_error:
        assert r.status_code == 422 and body["code"] == case.file_error
        assert "village_code (村代码)" in body["message"]
        return
    assert r.status_code == 200, body
    if case.row_error:
        line, column, code = case.row_error
        assert {"line": line, "column": column, "code": code} in [
            {k: e[k] for k in ("line", "column", "code")} for e in body["errors"]]
        assert body["rejected_url"] == f"/api/v1/registry/imports/{body['run_id']}/rejected"
    else:
        assert body["errors"] == [] and body["rejected_url"] is None
    if case.warning:
        assert any(case.warning in w for w in body["warnings"])
    assert body["accepted"] == case.accepted


def test_api_dry_run_and_rejected_download(api_as, world, admin_user, tmp_path):
    client = api_as(admin_user)
    path = rf._bad_credit_code(tmp_path)
    before = Organisation.objects.count()
    dry = _upload(client, "organisations", path, dry_run="true").json()
    assert dry["dry_run"] and dry["accepted"] == 1 and Organisation.objects.count() == before
    real = _upload(client, "organisations", path).json()
    assert Organisation.objects.count() == before + 1
    r = client.get(f"/registry/imports/{real['run_id']}/rejected")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    text = r.content.decode("utf-8-sig")
    assert "line,reason" in text.splitlines()[0] and "check character" in text
    runs = client.get("/registry/imports").json()
    assert runs["count"] == 2 and runs["items"][0]["rejected_url"]


def test_xlsx_upload_gives_an_xlsx_rejected_file(api_as, world, admin_user, tmp_path):
    path = rf.xlsx_file(tmp_path, "h.xlsx", rf.HOUSEHOLD_HEADER, rf.household_rows([1]) + [["bad", rf.VILLAGE,
                                                                                            "lifted_out", 1, 2019]])
    body = _upload(api_as(admin_user), "households", path).json()
    r = api_as(admin_user).get(body["rejected_url"].removeprefix("/api/v1"))
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][-2:] == ("line", "reason") and rows[1][0] == "bad" and rows[1][-2] == 3


def test_rejected_files_of_other_users_are_not_served(api_as, world, admin_user, county_clerk, tmp_path):
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, [["bad", rf.VILLAGE, "lifted_out", 1, 2019]])
    run_id = _upload(api_as(admin_user), "households", path).json()["run_id"]
    assert api_as(county_clerk).get(f"/registry/imports/{run_id}/rejected").status_code == 404
    assert ImportRun.objects.get(pk=run_id).rejected == 1


def test_api_import_refuses_viewers_and_bad_uploads(api_as, world, national_viewer, admin_user, tmp_path):
    path = rf.csv_file(tmp_path, "h.csv", rf.HOUSEHOLD_HEADER, rf.household_rows([1]))
    assert _upload(api_as(national_viewer), "households", path).status_code == 403
    assert _upload(api_as(admin_user), "purchases", path).status_code == 422
    assert api_as(admin_user).post("/registry/imports/households", data={}, files={}).status_code == 422
    damaged = tmp_path / "broken.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    r = _upload(api_as(admin_user), "households", damaged)
    assert r.status_code == 422 and r.json()["code"] == "unreadable_file"


# -- exports ------------------------------------------------------------------------------------------------------
def test_household_export_is_masked_scoped_and_logged(api_as, world, national_viewer, county_clerk):
    r = api_as(national_viewer).get("/registry/households/export", format="xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("village_code", "status", "size") and len(rows) == 3
    assert {row[4] for row in rows[1:]} == {"张**", "李*"} and "张三丰" not in str(rows)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.PERSONAL_DATA_EXPORT, user=national_viewer)
    assert "2 rows" in event.detail
    mine = api_as(county_clerk).get("/registry/households/export", format="csv", language="zh-hans")
    text = mine.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("村代码,状态,人口") and "张三丰" in text and "李四" not in text
    assert len(text.strip().splitlines()) == 2


def test_exports_of_every_list_open_and_round_trip(api_as, world, admin_user, tmp_path):
    client = api_as(admin_user)
    factories.organisation("中央单位", kind="central_unit", region_code=rf.COUNTY)
    for kind in ("regions", "organisations", "entities", "households", "relations"):
        r = client.get(f"/registry/{kind}/export", format="xlsx")
        assert r.status_code == 200, kind
        load_workbook(io.BytesIO(r.content))
    exported = client.get("/registry/organisations/export", format="csv")
    path = tmp_path / "orgs.csv"
    path.write_bytes(exported.content)
    again = _upload(client, "organisations", path).json()
    stored = Organisation.objects.count()  # the unit above and the administrator's own office
    assert stored == 2 and again["unchanged"] == stored and again["accepted"] == 0 and again["errors"] == []
    assert client.get("/registry/purchases/export").status_code == 422
    assert client.get("/registry/households/export", format="pdf").status_code == 422
