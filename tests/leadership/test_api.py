"""The leadership API end to end with its documented statuses: 201 on creation, 401 without a token, 403 when the
role, scope or body refuses, 404 for what the caller cannot see, 409 for a step from the wrong state or a second
plan, 422 naming the bad field (a deadline outside the year, a link outside scope, a file that is not an image)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.leadership.models import Case
from tests.conftest import ApiClient

from . import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = lf.world()
    w.book(buyer=w.unit, amount="300.00", date="2024-02-10")
    return w


def client(w, name):
    return ApiClient(w.users[name])


def test_plans_through_the_api(w):
    gz, office = client(w, "guizhou"), client(w, "office")
    assert ApiClient().get("/leadership/plans").status_code == 401
    r = gz.post("/leadership/plans", {"body_id": w.guizhou.pk, "year": 2024, "title": "贵州省实施方案"})
    assert r.status_code == 201, r.content
    plan = r.json()
    assert plan["orientation"] == "producing_area" and plan["status"] == "draft" and "submit" in plan["actions"]
    pk = plan["id"]
    assert gz.post("/leadership/plans", {"body_id": w.guizhou.pk, "year": 2024, "title": "again"}).status_code == 409
    r = gz.post(f"/leadership/plans/{pk}/objectives", {"kind": "purchases"})
    assert r.status_code == 422 and r.json()["code"] == "wrong_orientation"
    r = gz.post(f"/leadership/plans/{pk}/objectives", {"kind": "supply_capacity", "figure": "direct_purchase",
                                                       "target": 60000})
    assert r.status_code == 201, r.content
    r = gz.post(f"/leadership/plans/{pk}/tasks", {"title": "fairs", "owner_id": w.qdn.pk, "deadline": "2025-03-01"})
    assert r.status_code == 422
    assert r.json()["code"] == "deadline_outside_year" and r.json()["details"]["field"] == "deadline"
    r = gz.post(f"/leadership/plans/{pk}/tasks", {"title": "fairs", "owner_id": w.qdn.pk, "deadline": "2024-03-01",
                                                  "measure": 1, "figure": "direct_purchase", "target": 60000})
    assert r.status_code == 201, r.content
    task = r.json()["id"]
    r = gz.get(f"/leadership/plans/{pk}")
    progress = r.json()["objectives"][0]["progress"]
    assert progress["actual"] == 30000 and progress["progress_bp"] == 5000
    assert progress["filters"] == {"year": 2024, "kind": "direct_purchase", "counted": True, "region": lf.PROVINCE}
    assert gz.post(f"/leadership/plans/{pk}/transitions", {"action": "approve"}).status_code == 403
    assert office.post(f"/leadership/plans/{pk}/transitions", {"action": "approve"}).status_code == 409
    assert gz.post(f"/leadership/plans/{pk}/transitions", {"action": "submit"}).status_code == 200
    assert gz.post(f"/leadership/plans/{pk}/tasks", {"title": "late", "owner_id": w.qdn.pk,
                                                     "deadline": "2024-05-01"}).status_code == 409
    r = office.post(f"/leadership/plans/{pk}/transitions", {"action": "approve"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert client(w, "zhejiang").get(f"/leadership/plans/{pk}").status_code == 404
    assert gz.post(f"/leadership/plans/{pk}/transitions", {"action": "publish"}).status_code == 422
    r = client(w, "qdn").post(f"/leadership/tasks/{task}/transitions", {"action": "complete"})
    assert r.status_code == 200 and r.json()["status"] == "done"
    r = client(w, "qdn").get(f"/leadership/departments/{w.qdn.pk}")
    assert r.status_code == 200 and [t["id"] for t in r.json()["tasks"]] == [task]
    assert client(w, "tianzhu").get(f"/leadership/departments/{w.mofcom.pk}").status_code == 404


def test_cases_through_the_api(w):
    tz, gz = client(w, "tianzhu"), client(w, "guizhou")
    body = {"region_code": lf.COUNTY, "kind": "practice", "title": "订单农业", "text": "<script>alert(1)</script>",
            "tags": ["订单"], "entity_id": w.seller.pk}
    r = tz.post("/leadership/cases", {**body, "entity_id": w.other_seller.pk})
    assert r.status_code == 422 and r.json()["code"] == "link_outside_scope"
    assert r.json()["details"]["field"] == "entity_id"
    assert tz.post("/leadership/cases", {**body, "region_code": lf.OTHER_COUNTY}).status_code == 403
    r = tz.post("/leadership/cases", body)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["text"] == "<script>alert(1)</script>" and r.json()["figures"] == {}
    r = tz.post(f"/leadership/cases/{pk}/photos", files={"file": SimpleUploadedFile("x.png", b"<html>not</html>")})
    assert r.status_code == 422 and r.json()["code"] == "not_an_image"
    r = tz.post(f"/leadership/cases/{pk}/photos", files={"file": SimpleUploadedFile("a.jpg", lf.png(3, 3))},
                data={"caption": "现场"})
    assert r.status_code == 201 and r.json()["content_type"] == "image/png"  # by its content, not its name
    photo = tz.get(r.json()["url"].removeprefix("/api/v1"))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png" and photo.content == lf.png(3, 3)
    assert client(w, "zhejiang").get(f"/leadership/cases/{pk}").status_code == 404
    assert tz.post(f"/leadership/cases/{pk}/transitions", {"action": "publish"}).status_code == 403
    r = gz.post(f"/leadership/cases/{pk}/transitions", {"action": "publish"})
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert r.json()["figures"]["entity"]["sales_fen"] == 30000
    assert gz.post(f"/leadership/cases/{pk}/transitions", {"action": "publish"}).status_code == 409
    assert gz.post(f"/leadership/cases/{pk}/feature", {"featured": True}).json()["featured"] is True
    r = client(w, "zhejiang").get("/leadership/cases", q="订单", featured="true")
    assert r.status_code == 200 and [c["id"] for c in r.json()["items"]] == [pk]
    assert client(w, "zhejiang").get("/leadership/cases", kind="novel").status_code == 422
    assert Case.objects.count() == 1
