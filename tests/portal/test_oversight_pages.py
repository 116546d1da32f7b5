"""Audit and security logs: auditors and administrators only, filters, before → after."""

from __future__ import annotations

import pytest

from fupin.core import audit
from fupin.core.models import SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/oversight/audit/", "/oversight/security/"])
def test_refused_to_viewers_and_clerks(client_for, national_viewer, county_clerk, path):
    assert client_for(national_viewer).get(path).status_code == 403
    assert client_for(county_clerk).get(path).status_code == 403


def test_audit_log_filters_and_shows_before_and_after(client_for, auditor, world):
    h = world.here["household"]
    audit.record(actor=auditor, action="household:update", obj=h, before={"size": 3, "phone": "1"},
                 after={"size": 4, "phone": "1"}, reason="家访核实")
    audit.record(actor="system", action="other:thing", object_type="x.y", object_id="7")
    c = client_for(auditor)
    body = c.get("/oversight/audit/", {"object_type": "registry.household", "object_id": str(h.pk)}).content.decode()
    assert "household:update" in body and "other:thing" not in body and "家访核实" in body
    assert '<li class="changed"><code>size</code>: <del>3</del> → <ins>4</ins></li>' in body
    assert "<li><code>phone</code>: <del>1</del> → <ins>1</ins></li>" in body
    body = c.get("/oversight/audit/", {"actor": "system"}).content.decode()
    assert "other:thing" in body and "household:update" not in body


def test_security_log_filters_by_kind(client_for, admin_user, national_viewer, client):
    client.post("/login/", {"username": national_viewer.username, "password": "wrong"})
    SecurityEvent.objects.create(kind="export", username="someone", detail="registry regions: 3 rows")
    c = client_for(admin_user)
    body = c.get("/oversight/security/", {"kind": "login_failed"}).content.decode()
    assert national_viewer.username in body and "registry regions: 3 rows" not in body and "Failed login" in body
    body = c.get("/oversight/security/", {"kind": "nonsense"}).content.decode()
    assert "registry regions: 3 rows" in body  # an invalid filter is ignored (and shown as an error)
    assert 'class="field invalid"' in body


def test_audit_log_in_chinese(client_for, auditor):
    body = client_for(auditor, "zh-hans").get("/oversight/audit/").content.decode()
    assert "<h1>审计日志</h1>" in body and "变更前 → 变更后" in body
