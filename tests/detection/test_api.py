"""The detection API's contract: lists scoped to the caller, a flag's evidence and entries, decisions with their
statuses (dismiss without a reason 422, a second decision 409, outside the scope 404, a viewer 403), and runs."""

import pytest

from fupin.api.main import api
from fupin.api.responses import error_statuses, operations
from fupin.core.models import AuditEntry
from fupin.detection import services
from fupin.detection.models import Flag
from tests import factories
from tests.detection.conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(circle):
    services.detection_run(year=YEAR, actor="test")
    return Flag.objects.get()


def test_list_and_detail_for_a_reviewer_in_scope(api_as, flag, guizhou_reviewer, circle):
    c = api_as(guizhou_reviewer)
    r = c.get("/detection/flags")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == flag.pk and item["kind"] == "circular_trade" and item["status"] == "open"
    assert item["buyer"] == {"id": circle.unit.pk, "name": "北京某集团"} and item["entries"] == 3
    assert c.get("/detection/flags", kind="deadline_spike").json()["count"] == 0
    assert c.get("/detection/flags", year=YEAR + 1).json()["count"] == 0
    d = c.get(f"/detection/flags/{flag.pk}").json()
    assert d["evidence"]["leg_out"]["amount_fen"] == 3_500_000
    assert sorted(d["entry_ids"]) == sorted(circle.entries) and len(d["entry_rows"]) == 3
    assert d["actions"] == ["confirm", "dismiss"] and d["parameters_version"] == flag.parameters_version_id


def test_another_province_gets_an_empty_list_and_404(api_as, flag, hebei_reviewer):
    c = api_as(hebei_reviewer)
    assert c.get("/detection/flags").json()["count"] == 0
    assert c.get(f"/detection/flags/{flag.pk}").status_code == 404
    r = c.post(f"/detection/flags/{flag.pk}/decision", {"decision": "confirm"})
    assert r.status_code == 404
    flag.refresh_from_db()
    assert flag.status == "open"


def test_viewers_are_refused_and_anonymous_callers_must_sign_in(api_as, flag):
    assert api_as(factories.user(roles="viewer")).get("/detection/flags").status_code == 403
    assert api_as().get("/detection/flags").status_code == 401


def test_dismiss_needs_a_reason_then_a_second_decision_conflicts(api_as, flag, guizhou_reviewer):
    c = api_as(guizhou_reviewer)
    r = c.post(f"/detection/flags/{flag.pk}/decision", {"decision": "dismiss", "reason": " "})
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = c.post(f"/detection/flags/{flag.pk}/decision", {"decision": "dismiss", "reason": "a real exchange"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "dismissed" and body["disposition_reason"] == "a real exchange"
    assert body["decided_by"] == "rev52" and body["actions"] == []
    assert AuditEntry.objects.filter(action="flag:dismissed", object_id=str(flag.pk)).count() == 1
    r = c.post(f"/detection/flags/{flag.pk}/decision", {"decision": "confirm"})
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"


def test_unknown_decisions_and_bad_filters_are_422(api_as, flag, guizhou_reviewer):
    c = api_as(guizhou_reviewer)
    assert c.post(f"/detection/flags/{flag.pk}/decision", {"decision": "delete"}).status_code == 422
    assert c.get("/detection/flags", status="closed").status_code == 422
    assert c.get("/detection/flags", region="5").status_code == 422


def test_runs_are_for_administrators(api_as, circle, guizhou_reviewer):
    assert api_as(guizhou_reviewer).post("/detection/runs", {"year": YEAR}).status_code == 403
    r = api_as(factories.user(roles="administrator")).post("/detection/runs", {"year": YEAR})
    assert r.status_code == 201
    assert r.json()["created"] == 1 and r.json()["by_kind"] == {"circular_trade": 1}


def test_every_status_is_documented():
    ops = {(path, tuple(sorted(op.methods))): op for path, op in operations(api) if path.startswith("/api/v1/detection")
           or "/detection/" in path}
    assert len(ops) == 4
    for (path, _methods), op in ops.items():
        for status in error_statuses(path, op):
            assert status in op.response_models, (path, status)
