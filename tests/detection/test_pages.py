"""The reviewers' pages: the list and a flag with its evidence in the viewer's scope, the decision forms (a
dismissal without a reason is refused on the page), another province's reviewer gets 404, a viewer 403."""

import pytest
from django.test import Client

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


def signed_in(user):
    c = Client()
    c.force_login(user)
    return c


def test_the_list_and_the_flag_for_a_reviewer_in_scope(flag, guizhou_reviewer, circle):
    c = signed_in(guizhou_reviewer)
    page = c.get("/detection/flags/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/detection/flags/{flag.pk}/" in text and "北京某集团" in text and "Circular trade" in text
    assert "/detection/flags/" in signed_in(guizhou_reviewer).get("/").content.decode()  # in the navigation
    assert c.get("/detection/flags/", {"kind": "deadline_spike"}).content.decode().count(
        f"/detection/flags/{flag.pk}/") == 0
    detail = c.get(f"/detection/flags/{flag.pk}/").content.decode()
    assert "The supplier&#x27;s purchases back" in detail or "The supplier's purchases back" in detail
    assert "18,000.00 yuan" in detail and "Dismiss: it is explained" in detail
    assert all(f'href="/ledger/entries/{pk}/"' in detail for pk in circle.entries)


def test_dismiss_on_the_page_needs_a_reason_then_is_recorded(flag, guizhou_reviewer):
    c = signed_in(guizhou_reviewer)
    r = c.post(f"/detection/flags/{flag.pk}/dismiss/", {"reason": ""}, follow=True)
    assert "needs a reason" in r.content.decode()
    flag.refresh_from_db()
    assert flag.status == "open"
    c.post(f"/detection/flags/{flag.pk}/dismiss/", {"reason": "an ordinary exchange of goods"})
    flag.refresh_from_db()
    assert flag.status == "dismissed" and flag.decided_by == guizhou_reviewer
    assert AuditEntry.objects.get(action="flag:dismissed").reason == "an ordinary exchange of goods"
    detail = c.get(f"/detection/flags/{flag.pk}/").content.decode()
    assert "an ordinary exchange of goods" in detail and "Dismiss: it is explained" not in detail


def test_confirm_on_the_page(flag, beijing_reviewer):
    signed_in(beijing_reviewer).post(f"/detection/flags/{flag.pk}/confirm/", {"reason": ""})
    flag.refresh_from_db()
    assert flag.status == "confirmed"


def test_another_province_and_a_viewer_are_kept_out(flag, hebei_reviewer):
    c = signed_in(hebei_reviewer)
    assert f"/detection/flags/{flag.pk}/" not in c.get("/detection/flags/").content.decode()
    assert c.get(f"/detection/flags/{flag.pk}/").status_code == 404
    assert c.post(f"/detection/flags/{flag.pk}/confirm/").status_code == 404
    viewer = signed_in(factories.user(roles="viewer"))
    assert viewer.get("/detection/flags/").status_code == 403
    assert "/detection/flags/" not in viewer.get("/").content.decode()
    flag.refresh_from_db()
    assert flag.status == "open"


def test_pages_need_sign_in(flag):
    r = Client().get("/detection/flags/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_the_pages_speak_chinese(flag, guizhou_reviewer):
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(guizhou_reviewer)
    listing = c.get("/detection/flags/").content.decode()
    assert "虚报疑点线索" in listing and "循环交易" in listing
    detail = c.get(f"/detection/flags/{flag.pk}/").content.decode()
    assert "供应商的反向采购" in detail and "驳回：已有合理解释" in detail and "共 3 条记录" in detail


def test_the_admin_lists_flags_read_only(flag):
    admin = factories.user("flagadmin", roles="administrator")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    c = signed_in(admin)
    assert c.get("/admin/detection/flag/").status_code == 200
    assert c.get(f"/admin/detection/flag/{flag.pk}/change/").status_code == 200  # a view, no save
    assert c.get("/admin/detection/flag/add/").status_code == 403
    assert c.post(f"/admin/detection/flag/{flag.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Flag.objects.filter(pk=flag.pk, status="open").exists()
