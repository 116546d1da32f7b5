"""The incentives API end to end: a policy written, checked, revised and put in force; a run with its decisions,
the decision's explanation with the entries behind a ledger fact, the change list and the shortlist export;
recognition rounds, nominations and the public honoured list; demonstration enterprises; projects and coverage.
Errors come in the one error body, naming the bad part; enums are in the OpenAPI document."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client

from tests.conftest import ApiClient
from tests.incentives import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return f.world()


def client(w, name):
    return ApiClient(w.users[name])


POLICY = {"code": "FIN-API", "name": "贴息贷款", "kind": "loan_interest_subsidy", "granted_by": "finance",
          "issuing_body": "财政部", "legal_reference": "财农〔2019〕1号", "benefit": "贷款贴息 3%",
          "valid_from": "2019-01-01", "conditions": f.FINANCE}


def test_policy_run_decision_changes_and_shortlist_through_the_api(w):
    admin, reviewer = client(w, "admin"), client(w, "reviewer")
    r = admin.post("/incentives/policies", POLICY)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["status"] == "draft" and [v["number"] for v in r.json()["versions"]] == [1]
    assert admin.post(f"/incentives/policies/{pk}/transitions", {"action": "activate"}).json()["status"] == "in_force"
    r = reviewer.post(f"/incentives/policies/{pk}/runs", {"on": "2025-06-30"})
    assert r.status_code == 201, r.content
    run = r.json()
    assert (run["version"], run["entities"], run["eligible"]) == (1, 3, 1)
    decisions = reviewer.get(f"/incentives/runs/{run['id']}/decisions", outcome="eligible").json()["items"]
    assert [d["entity_id"] for d in decisions] == [w.processor.pk]
    detail = reviewer.get(f"/incentives/decisions/{decisions[0]['id']}").json()
    sales = next(c for c in detail["conditions"] if c["fact"] == "counted_sales")
    assert (sales["actual"], sales["met"], sales["source"]["kind"]) == (80_000_000, True, "entries")
    entries = reviewer.client.get(sales["entries_url"], **reviewer.headers).json()
    assert entries["count"] == 2 and {e["seller_id"] for e in entries["items"]} == {w.processor.pk}
    assert detail["version"] == 1 and detail["version_conditions"] == f.FINANCE

    stricter = {"all": [*f.FINANCE["all"][:2], {"fact": "counted_sales", "op": ">=", "value": 90_000_000,
                                                 "unit": "fen"}, f.FINANCE["all"][3]]}
    r = admin.post(f"/incentives/policies/{pk}/versions", {"conditions": stricter, "reason": "门槛提高"})
    assert r.status_code == 201 and r.json()["version"] == 2
    run2 = reviewer.post(f"/incentives/policies/{pk}/runs", {"on": "2025-06-30"}).json()
    (change,) = reviewer.get(f"/incentives/runs/{run2['id']}/changes").json()
    assert (change["entity_id"], change["kind"], change["version_changed"]) == (w.processor.pk, "no_longer_eligible",
                                                                                 True)
    # the old decision still explains itself with version 1
    again = reviewer.get(f"/incentives/decisions/{decisions[0]['id']}").json()
    assert again == detail

    r = reviewer.get(f"/incentives/runs/{run['id']}/shortlist", format="xlsx")
    assert r.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.values)
    assert rows[1][6] == w.processor.name
    latest = reviewer.get(f"/incentives/entities/{w.processor.pk}/decisions").json()
    assert [d["run_id"] for d in latest] == [run2["id"]]


def test_bad_policies_are_refused_with_the_path_of_the_bad_part(w):
    admin = client(w, "admin")
    bad = {**POLICY, "conditions": {"all": [{"fact": "counted_sales", "op": ">=", "value": 5, "unit": "yuan"}]}}
    r = admin.post("/incentives/policies", bad)
    assert r.status_code == 422 and r.json()["code"] == "wrong_unit"
    assert r.json()["details"]["errors"][0]["field"] == "$.all[0].unit"
    r = admin.post("/incentives/policies", {**POLICY, "valid_to": "2018-12-31"})
    assert r.status_code == 422 and r.json()["details"]["field"] == "valid_to"
    check = admin.post("/incentives/conditions/check", {"conditions": {"any": []}}).json()
    assert [(e["field"], e["code"]) for e in check] == [("$.any", "empty_group")]
    assert admin.post("/incentives/conditions/check", {"conditions": f.FINANCE}).json() == []
    p = f.policy("FIN-OLD", valid_to=f.dt.date(2020, 12, 31))
    r = client(w, "reviewer").post(f"/incentives/policies/{p.pk}/runs", {"on": "2025-06-30"})
    assert r.status_code == 422 and r.json()["code"] == "outside_validity" and r.json()["details"]["field"] == "on"
    r = client(w, "county").post("/incentives/policies", {**POLICY, "code": "X"})
    assert r.status_code == 403


def test_scoped_reads_through_the_api(w):
    p = f.policy()
    run = f.run(p)
    other = client(w, "other")
    items = other.get(f"/incentives/runs/{run.pk}/decisions").json()["items"]
    assert {d["entity_id"] for d in items} == {w.plain.pk}
    mine = next(d for d in client(w, "reviewer").get(f"/incentives/runs/{run.pk}/decisions").json()["items"]
                if d["entity_id"] == w.processor.pk)
    assert other.get(f"/incentives/decisions/{mine['id']}").status_code == 404
    assert ApiClient().get("/incentives/policies").status_code == 401


def test_recognition_through_the_api_and_the_public_list(w):
    reviewer, approver = client(w, "reviewer"), client(w, "approver")
    r = reviewer.post("/incentives/rounds", {"year": 2024, "subject": "buyers", "title": "2024年度消费扶贫表彰",
                                             "top_n": 1})
    assert r.status_code == 201, r.content
    rnd = r.json()["id"]
    ranking = reviewer.get(f"/incentives/rounds/{rnd}/ranking").json()
    units = [(x["rank"], x["id"]) for x in ranking if x["group"] == "unit"]
    assert units[:1] == [(1, w.central.pk)]
    made = reviewer.post(f"/incentives/rounds/{rnd}/nominations/from-ranking").json()
    assert {n["organisation_id"] for n in made} == {w.central.pk, w.firm_org.pk, w.social.pk}
    r = reviewer.post(f"/incentives/rounds/{rnd}/nominations", {"organisation_id": 10**9})
    assert r.status_code == 422 and r.json()["code"] == "unknown_body"
    n = next(x["id"] for x in made if x["organisation_id"] == w.central.pk)
    assert reviewer.post(f"/incentives/nominations/{n}/steps", {"action": "review"}).json()["status"] == "under_review"
    assert approver.post(f"/incentives/nominations/{n}/steps", {"action": "approve"}).json()["status"] == "approved"
    assert ApiClient().get("/incentives/honoured").json() == []
    assert approver.post(f"/incentives/nominations/{n}/steps", {"action": "publish"}).json()["status"] == "published"
    (honoured,) = ApiClient().get("/incentives/honoured").json()
    assert honoured["name"] == w.central.name and honoured["year"] == 2024
    r = reviewer.post(f"/incentives/nominations/{n}/steps", {"action": "crown"})
    assert r.status_code == 422 and "action" in r.content.decode()


def test_demonstration_and_projects_through_the_api(w):
    reviewer, approver, county = client(w, "reviewer"), client(w, "approver"), client(w, "county")
    demo = f.policy("DEMO", kind="demonstration", conditions={"all": [
        {"fact": "certified_products", "op": ">=", "value": 2, "unit": "count"}]})
    r = reviewer.post("/incentives/demonstrations", {"entity_id": w.tourism.pk, "policy_id": demo.pk,
                                                     "on": "2025-06-30"})
    assert r.status_code == 422 and r.json()["code"] == "criteria_not_met"
    r = reviewer.post("/incentives/demonstrations", {"entity_id": w.processor.pk, "policy_id": demo.pk,
                                                     "on": "2025-06-30"})
    assert r.status_code == 201, r.content
    d = r.json()["id"]
    reviewer.post(f"/incentives/demonstrations/{d}/steps", {"action": "review"})
    r = approver.post(f"/incentives/demonstrations/{d}/steps", {"action": "designate", "on": "2025-04-01"})
    assert (r.json()["status"], r.json()["valid_to"]) == ("designated", "2028-03-31")
    r = reviewer.post(f"/incentives/demonstrations/{d}/rechecks", {"year": 2025})
    assert r.status_code == 201 and r.json()["outcome"] == "eligible"

    r = county.post("/incentives/projects", {"code": "CS-1", "name": "天柱冷库", "kind": "cold_storage",
                                             "region_code": f.COUNTY, "capacity": 5000, "capacity_unit": "tonnes",
                                             "owner_id": w.processor.pk, "funding": {"central": 100_000_000}})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["investment_fen"] == 100_000_000 and r.json()["actions"] == ["start", "close"]
    county.post(f"/incentives/projects/{pk}/funding", {"source": "credit", "amount_fen": 50_000_000})
    r = county.post(f"/incentives/projects/{pk}/milestones", {"title": "主体完工", "due_on": "2025-03-01"})
    milestone = r.json()["milestones"][0]["id"]
    county.post(f"/incentives/projects/{pk}/milestones/{milestone}/done", {"done_on": "2025-02-20"})
    county.post(f"/incentives/projects/{pk}/users", {"entity_id": w.processor.pk})
    coverage = {c["county_code"]: c for c in county.get("/incentives/coverage", on="2025-06-30").json()}
    assert coverage[f.COUNTY]["gaps"] == ["cold_chain", "logistics"]
    assert county.post(f"/incentives/projects/{pk}/steps", {"action": "start", "on": "2025-01-02"}).json()[
        "status"] == "under_construction"
    r = county.post(f"/incentives/projects/{pk}/steps", {"action": "open", "on": "2024-12-31"})
    assert r.status_code == 422 and r.json()["code"] == "date_before_previous_step"
    r = county.post(f"/incentives/projects/{pk}/steps", {"action": "open", "on": "2025-05-01"}).json()
    assert (r["status"], r["investment_fen"], r["milestones"][0]["done_on"]) == ("operating", 150_000_000,
                                                                                  "2025-02-20")
    coverage = {c["county_code"]: c for c in county.get("/incentives/coverage", on="2025-06-30").json()}
    assert coverage[f.COUNTY]["gaps"] == ["logistics"] and coverage[f.COUNTY]["operating"] == [pk]
    assert [p["id"] for p in county.get("/incentives/projects", entity_id=w.processor.pk).json()["items"]] == [pk]
    assert client(w, "other").get(f"/incentives/projects/{pk}").status_code == 404


def test_the_openapi_document_lists_the_choices():
    schema = Client().get("/api/v1/openapi.json").json()
    comps = schema["components"]["schemas"]
    assert comps["IncentivesPolicyIn"]["properties"]["kind"]["enum"][0] == "loan_interest_subsidy"
    assert set(comps["IncentivesStepIn"]["properties"]["action"]["enum"]) == {"review", "approve", "publish",
                                                                              "reject", "withdraw"}
    assert "text/csv" in str(schema["paths"]["/api/v1/incentives/runs/{pk}/shortlist"]["get"]["responses"]["200"])
