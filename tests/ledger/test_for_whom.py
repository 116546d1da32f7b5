"""For whom a user may book (issue #16 item 1): its own organisation and the units below it, or — for a platform
or another source — what an explicit, audited reporting right allows. Everything else is refused row by row
(`buyer_not_yours`, column `buyer_code`, with the line), through the API (single, batch, file import), background
jobs (checked for the job's creator) and the command line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from fupin.core.errors import AccessDenied, InvalidInput, TransitionNotAllowed
from fupin.core.models import AuditEntry
from fupin.ledger import jobs, rules, selectors, services
from fupin.ledger.models import PurchaseEntry, PurchaseImport, ReportingRight
from tests import factories
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db
HUGE = "99999999.99"


@pytest.fixture
def w():
    return lf.world()


@pytest.fixture
def coop_clerk(w):
    """The clerk of a cooperative in 天柱县 (its organisation carries the cooperative's credit code)."""
    coop = factories.organisation("天柱合作社", kind="other", region_code=lf.POOR_COUNTY,
                                  credit_code=w.seller.credit_code)
    return lf.clerk_of(coop, scope_level="county", scope_code=lf.POOR_COUNTY)


@pytest.fixture
def platform():
    """The 832 platform's operator and its clerk (nation-wide), without a right until a test grants one."""
    org = factories.organisation("832平台运营公司", kind="state_owned_enterprise", region_code="110105")
    return org, lf.clerk_of(org)


def _errors(body):
    return {(e["line"], e["column"], e["code"]) for e in body["details"]["errors"]} if "details" in body else {
        (e["line"], e["column"], e["code"]) for e in body["errors"]}


def _upload(rows, name="p.csv"):
    return SimpleUploadedFile(name, lf.csv_text(rows).encode())


# -- a cooperative's clerk cannot credit purchases to a central budget unit -----------------------------------------
def test_a_cooperatives_clerk_cannot_book_for_a_central_budget_unit_single(api_as, w, coop_clerk):
    r = api_as(coop_clerk).post("/purchases", lf.row(external_id="X1", seller_code=w.seller.credit_code,
                                                     buyer_code=w.unit.credit_code, amount_yuan=HUGE))
    assert r.status_code == 422
    (error,) = r.json()["details"]["errors"]
    assert (error["line"], error["column"], error["code"]) == (1, "buyer_code", "buyer_not_yours")
    assert w.unit.credit_code in error["message"] and "天柱合作社" in error["message"]
    assert not PurchaseEntry.objects.exists()
    assert selectors.account_totals(viewer=factories.user(roles="viewer"), group_by=[]) == []


def test_a_cooperatives_clerk_cannot_book_for_a_central_budget_unit_batch(api_as, w, coop_clerk):
    rows = [lf.row(external_id="B1", seller_code=w.seller.credit_code, buyer_code=w.central.credit_code,
                   amount_yuan=HUGE),
            lf.row(external_id="B2", seller_code=w.seller.credit_code, buyer_code=coop_clerk.organisation.credit_code),
            lf.row(external_id="B3", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code)]
    body = api_as(coop_clerk).post("/purchases/batch", {"rows": rows}).json()
    assert (body["accepted"], body["rejected"]) == (1, 2)
    assert _errors(body) == {(1, "buyer_code", "buyer_not_yours"), (3, "buyer_code", "buyer_not_yours")}
    assert list(PurchaseEntry.objects.values_list("external_id", "buyer_id")) == [
        ("B2", coop_clerk.organisation.pk)]


def test_a_cooperatives_clerk_cannot_book_for_a_central_budget_unit_file(api_as, w, coop_clerk):
    rows = [lf.row(external_id="F1", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code,
                   amount_yuan=HUGE),
            lf.row(external_id="F2", seller_code=w.seller.credit_code)]
    api = api_as(coop_clerk)
    job = api.post("/purchases/imports", files={"file": _upload(rows)}).json()
    assert job["status"] == "done" and (job["accepted"], job["rejected"]) == (0, 2)
    assert {(e["line"], e["column"], e["code"]) for e in job["report"]["errors"]} == {
        (2, "buyer_code", "buyer_not_yours"), (3, "buyer_code", "buyer_not_yours")}  # F2: a sale to the public
    assert not PurchaseEntry.objects.exists()
    rejected = api.client.get(job["rejected_url"], **api.headers)
    text = b"".join(rejected.streaming_content).decode("utf-8-sig")
    assert "F1" in text and w.unit.credit_code in text


def test_the_refusal_is_translated(api_as, w, coop_clerk):
    with translation.override("zh-hans"):
        message = rules.Mandate(organisation="天柱合作社").refusal(buyer_code=w.unit.credit_code)
    assert w.unit.credit_code in message and "天柱合作社" in message and "无权" in message


# -- a budget unit books for itself and the units below it -----------------------------------------------------------
def test_a_budget_units_clerk_books_for_itself_and_a_sub_unit(api_as, w):
    canteen = factories.organisation("直属单位食堂", kind="budget_unit", region_code="110102", parent=w.unit)
    clerk = lf.clerk_of(w.unit)
    api = api_as(clerk)
    rows = [lf.row(external_id="U1", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code),
            lf.row(external_id="U2", seller_code=w.seller.credit_code, buyer_code=canteen.credit_code),
            lf.row(external_id="U3", seller_code=w.seller.credit_code, buyer_code=w.central.credit_code)]
    body = api.post("/purchases/batch", {"rows": rows}).json()
    assert (body["accepted"], body["counted"], body["rejected"]) == (2, 2, 1)
    assert _errors(body) == {(3, "buyer_code", "buyer_not_yours")}  # its supervising unit is not its own
    central = selectors.buyer_summary(viewer=factories.user(roles="viewer"), buyer_id=w.central.pk)
    assert central["total"]["amount_fen"] == 20000
    single = api.post("/purchases", lf.row(external_id="U4", seller_code=w.seller.credit_code,
                                           buyer_code=canteen.credit_code))
    assert single.status_code == 201 and single.json()["counted"] is True


# -- platforms report under a reporting right --------------------------------------------------------------------------
def test_a_platform_with_a_right_books_for_any_buyer_and_is_refused_after_revocation(api_as, w, platform,
                                                                                     admin_user):
    org, clerk = platform
    api = api_as(clerk)
    # the platform reports evaluated orders (Guangxi's buyers' 832 orders count only then)
    rows = [{**lf.row(external_id=f"P{i}", source="832", seller_code=w.seller.credit_code, buyer_code=b.credit_code),
             "evaluated": "是"} for i, b in enumerate([w.unit, w.zj, w.gx])]
    before = api.post("/purchases/batch", {"rows": rows}).json()
    assert before["accepted"] == 0 and {c for (_l, _c, c) in _errors(before)} == {"buyer_not_yours"}

    admin = api_as(admin_user)
    r = admin.post("/ledger/reporting-rights", {"reporter_code": org.credit_code, "source": "832",
                                                "reason": "832平台报送 platform reports"})
    assert r.status_code == 201, r.content
    right = r.json()
    assert right["reporter_id"] == org.pk and right["status"] == "active" and right["public_sales"] is False
    body = api.post("/purchases/batch", {"rows": rows}).json()
    assert (body["accepted"], body["counted"], body["rejected"]) == (3, 3, 0)
    other_source = api.post("/purchases", lf.row(external_id="Q1", source="elsewhere",
                                                 seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code))
    assert other_source.status_code == 422  # the right is for its own source only

    revoked = admin.post(f"/ledger/reporting-rights/{right['id']}/revoke", {"reason": "contract ended"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_by_name"] == admin_user.username
    after = api.post("/purchases", lf.row(external_id="P9", source="832", seller_code=w.seller.credit_code,
                                          buyer_code=w.unit.credit_code))
    assert after.status_code == 422
    assert after.json()["details"]["errors"][0]["code"] == "buyer_not_yours"
    assert PurchaseEntry.objects.count() == 3  # what the right let in stays booked
    again = admin.post(f"/ledger/reporting-rights/{right['id']}/revoke", {"reason": "twice"})
    assert again.status_code == 409


def test_a_right_limited_to_a_region_refuses_buyers_outside_it(api_as, w, platform):
    org, clerk = platform
    lf.reporting_right(org, source="zj-fair", buyer_region_code="330000")
    rows = [lf.row(external_id="R1", source="zj-fair", seller_code=w.seller.credit_code, buyer_code=w.zj.credit_code),
            lf.row(external_id="R2", source="zj-fair", seller_code=w.seller.credit_code, buyer_code=w.gx.credit_code),
            lf.row(external_id="R3", source="zj-fair", seller_code=w.seller.credit_code)]
    body = api_as(clerk).post("/purchases/batch", {"rows": rows}).json()
    assert body["accepted"] == 1
    assert _errors(body) == {(2, "buyer_code", "buyer_not_yours"), (3, "buyer_code", "buyer_not_yours")}
    assert PurchaseEntry.objects.get().buyer_id == w.zj.pk


def test_a_right_limited_to_buyer_kinds_and_dates(api_as, w, platform):
    org, clerk = platform
    lf.reporting_right(org, source="canteens", buyer_kinds=["budget_unit"], valid_from=dt.date(2023, 1, 1),
                       valid_to=dt.date(2023, 12, 31))
    rows = [lf.row(external_id="K1", source="canteens", seller_code=w.seller.credit_code, buyer_code=w.gx.credit_code),
            lf.row(external_id="K2", source="canteens", seller_code=w.seller.credit_code, buyer_code=w.zj.credit_code),
            lf.row(external_id="K3", source="canteens", seller_code=w.seller.credit_code, buyer_code=w.gx.credit_code,
                   purchase_date="2024-01-02")]
    body = api_as(clerk).post("/purchases/batch", {"rows": rows}).json()
    assert body["accepted"] == 1
    assert _errors(body) == {(2, "buyer_code", "buyer_not_yours"), (3, "buyer_code", "buyer_not_yours")}


def test_public_sales_need_a_right_that_allows_them(api_as, w, platform):
    org, clerk = platform
    lf.reporting_right(org, source="counter")
    api = api_as(clerk)
    public = lf.row(external_id="S1", source="counter", seller_code=w.seller.credit_code)
    refused = api.post("/purchases", public)
    assert refused.status_code == 422
    (error,) = refused.json()["details"]["errors"]
    assert (error["column"], error["code"]) == ("buyer_code", "buyer_not_yours") and "public" in error["message"]
    lf.reporting_right(org, source="counter", public_sales=True, organisations=False)
    booked = api.post("/purchases", public)
    assert booked.status_code == 201 and booked.json()["buyer_category"] == "public"


def test_administrators_and_system_actors_book_for_anyone_in_their_scope(api_as, w, admin_user):
    assert api_as(admin_user).post("/purchases", lf.row(external_id="A1", seller_code=w.seller.credit_code,
                                                        buyer_code=w.unit.credit_code)).status_code == 201
    superuser = factories.user(roles="viewer,clerk")
    superuser.is_superuser = True
    superuser.save()
    assert services.purchase_record(data=lf.row(external_id="A2", seller_code=w.seller.credit_code), actor=superuser)
    assert services.purchase_record(data=lf.row(external_id="A3", seller_code=w.seller.credit_code,
                                                buyer_code=w.zj.credit_code), actor="cli")
    province_admin = factories.user(roles="administrator", scope_level="province", scope_code="130000")
    report = services.purchase_record_batch(rows=[lf.row(external_id="A4", seller_code=w.seller.credit_code,
                                                         buyer_code=w.unit.credit_code)], actor=province_admin)
    assert [e.code for e in report.errors] == ["out_of_scope"]  # the region scope still holds


def test_an_amendment_keeps_the_original_buyer_but_may_not_move_it(w, platform, county_clerk):
    org, clerk = platform
    right = lf.reporting_right(org, source="832", public_sales=True)
    entry = services.purchase_record(data=lf.row(external_id="M1", source="832", seller_code=w.seller.credit_code,
                                                 buyer_code=w.unit.credit_code), actor=clerk)
    services.reporting_right_revoke(right=right, reason="ended", actor="test")
    # the county office corrects the amount: the buyer stays, whoever booked it
    amended = services.purchase_amend(entry=entry, changes={"amount_yuan": "80"}, reason="typo", actor=county_clerk)
    assert amended.buyer_id == w.unit.pk and amended.amount_fen == 8000
    coop = factories.organisation("某合作社", kind="other", region_code=lf.POOR_COUNTY)
    coop_clerk = lf.clerk_of(coop, scope_level="county", scope_code=lf.POOR_COUNTY)
    with pytest.raises(InvalidInput) as exc:
        services.purchase_amend(entry=amended, changes={"buyer_code": w.zj.credit_code}, reason="move",
                                actor=coop_clerk)
    assert exc.value.details["errors"][0]["code"] == "buyer_not_yours"


# -- background jobs check the user who created the job -------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_job_worker_checks_the_jobs_creator(w, coop_clerk, platform, settings, tmp_path):
    settings.FUPIN_LEDGER_INLINE_MAX_BYTES = 10  # every file runs in the worker thread
    rows = [lf.row(external_id=f"J{i}", source="832", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code)
            for i in range(3)]
    path = lf.write_csv(tmp_path / "j.csv", rows)
    job = services.purchase_import_create(file_name="j.csv", path=path, actor=coop_clerk)
    jobs.start(job)
    done = jobs.wait(job.pk, timeout=60)
    assert done.status == "done" and (done.accepted, done.rejected) == (0, 3)
    assert {e["code"] for e in done.report["errors"]} == {"buyer_not_yours"}
    org, clerk = platform
    lf.reporting_right(org, source="832")
    job = services.purchase_import_create(file_name="j.csv", path=path, actor=clerk)
    jobs.start(job)
    done = jobs.wait(job.pk, timeout=60)
    assert done.status == "done" and done.accepted == 3 and done.actor == clerk
    assert PurchaseEntry.objects.filter(created_by=clerk).count() == 3


# -- granting and revoking: administrators, audited ----------------------------------------------------------------
def test_grant_and_revoke_are_audited(w, platform, admin_user):
    org, _clerk = platform
    right = services.reporting_right_grant(reporter=org, source="832", buyer_region_code="520000",
                                           buyer_kinds=["budget_unit", "central_unit"], public_sales=True,
                                           reason="platform reports", actor=admin_user)
    grant = AuditEntry.objects.get(action="reporting_right:grant", object_id=str(right.pk))
    assert grant.actor == admin_user and grant.reason == "platform reports"
    assert grant.after["reporter_id"] == org.pk and grant.after["buyer_kinds"] == "budget_unit,central_unit"
    assert grant.after["buyer_region_code"] == "520000" and grant.after["public_sales"] is True
    assert right.buyer_region_prefix == "52" and right.granted_by == admin_user
    services.reporting_right_revoke(right=right, reason="contract ended", actor=admin_user)
    revoke = AuditEntry.objects.get(action="reporting_right:revoke", object_id=str(right.pk))
    assert revoke.before["status"] == "active" and revoke.after["status"] == "revoked"
    assert revoke.reason == "contract ended" and revoke.actor == admin_user
    right.refresh_from_db()
    assert right.status == "revoked" and right.revoked_by == admin_user and right.revoked_at is not None
    with pytest.raises(TransitionNotAllowed):
        services.reporting_right_revoke(right=right, reason="again", actor=admin_user)


@pytest.mark.parametrize("kw, code", [
    ({"source": ""}, "required"), ({"reason": " "}, "reason_required"),
    ({"organisations": False}, "empty_right"), ({"buyer_kinds": ["dragon"]}, "unknown_kind"),
    ({"buyer_region_code": "52"}, "invalid_region_code"), ({"buyer_region_code": "610000"}, "unknown_region"),
    ({"valid_from": dt.date(2024, 1, 1), "valid_to": dt.date(2023, 1, 1)}, "invalid_period"),
])
def test_bad_grants_are_refused_with_a_code(w, platform, admin_user, kw, code):
    org, _clerk = platform
    args = {"reporter": org, "source": "832", "reason": "r", "actor": admin_user, **kw}
    with pytest.raises(InvalidInput) as exc:
        services.reporting_right_grant(**args)
    assert exc.value.code == code
    assert not ReportingRight.objects.exists()


def test_only_administrators_grant_and_revoke(w, platform, county_clerk):
    org, clerk = platform
    for actor in (clerk, county_clerk, factories.user(roles="approver,reviewer,auditor")):
        with pytest.raises(AccessDenied):
            services.reporting_right_grant(reporter=org, source="832", reason="self-service", actor=actor)
    right = lf.reporting_right(org, source="832")
    with pytest.raises(AccessDenied):
        services.reporting_right_revoke(right=right, reason="no", actor=clerk)


def test_the_api_is_for_administrators(api_as, w, platform, admin_user, county_clerk, auditor):
    org, clerk = platform
    right = lf.reporting_right(org, source="832")
    for user in (clerk, county_clerk, auditor):
        api = api_as(user)
        assert api.get("/ledger/reporting-rights").status_code == 403
        assert api.post("/ledger/reporting-rights", {"reporter_id": org.pk, "source": "x",
                                                     "reason": "r"}).status_code == 403
        assert api.post(f"/ledger/reporting-rights/{right.pk}/revoke", {"reason": "r"}).status_code == 403
    assert api_as().get("/ledger/reporting-rights").status_code == 401
    admin = api_as(admin_user)
    listing = admin.get("/ledger/reporting-rights", reporter_id=org.pk)
    assert listing.status_code == 200 and listing.json()["count"] == 1
    assert listing.json()["items"][0]["reporter_name"] == org.name
    assert admin.post("/ledger/reporting-rights", {"reporter_code": "91110000MA0000000X", "source": "x",
                                                   "reason": "r"}).status_code == 422
    assert admin.post("/ledger/reporting-rights", {"reporter_id": 999999, "source": "x",
                                                   "reason": "r"}).status_code == 404
    assert admin.post("/ledger/reporting-rights/999999/revoke", {"reason": "r"}).status_code == 404
    by_id = admin.post("/ledger/reporting-rights", {"reporter_id": org.pk, "source": "fair", "buyer_kinds": ["army"],
                                                    "valid_from": "2024-01-01", "reason": "fair"})
    assert by_id.status_code == 201 and by_id.json()["buyer_kinds"] == ["army"]
    schema = admin.client.get("/api/v1/openapi.json").json()
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/ledger/reporting-rights"])
    assert "post" in schema["paths"]["/api/v1/ledger/reporting-rights/{right_id}/revoke"]


def test_the_commands_grant_and_revoke(w, platform, capsys):
    org, clerk = platform
    call_command("reporting_right_grant", org.credit_code, "--source", "832", "--public", "--region", "520000",
                 "--kind", "budget_unit", "--from", "2021-01-01", "--reason", "platform reports")
    right = ReportingRight.objects.get()
    assert (right.source, right.public_sales, right.buyer_region_code, right.buyer_kinds) == (
        "832", True, "520000", "budget_unit")
    assert right.valid_from == dt.date(2021, 1, 1) and right.granted_by_name == "cli"
    assert f"#{right.pk}" in capsys.readouterr().out
    call_command("reporting_right_revoke", str(right.pk), "--reason", "ended")
    right.refresh_from_db()
    assert right.status == "revoked" and right.revoke_reason == "ended"
    assert AuditEntry.objects.filter(action__startswith="reporting_right:", actor_name="cli").count() == 2
    with pytest.raises(CommandError):
        call_command("reporting_right_grant", "nobody", "--source", "x", "--reason", "r")
    with pytest.raises(CommandError):
        call_command("reporting_right_grant", org.credit_code, "--source", "x", "--reason", "r", "--from", "soon")
    with pytest.raises(CommandError):
        call_command("reporting_right_revoke", str(right.pk), "--reason", "again")
    assert PurchaseImport.objects.count() == 0


def test_a_scoped_administrator_grants_rights_only_for_buyers_of_its_region(w, platform):
    org, _clerk = platform
    guizhou_admin = factories.user(roles="administrator", scope_level="province", scope_code="520000")
    with pytest.raises(AccessDenied):
        services.reporting_right_grant(reporter=org, source="832", reason="nation-wide", actor=guizhou_admin)
    with pytest.raises(AccessDenied):
        services.reporting_right_grant(reporter=org, source="832", buyer_region_code="330000", reason="zhejiang",
                                       actor=guizhou_admin)
    right = services.reporting_right_grant(reporter=org, source="832", buyer_region_code="522600",
                                           reason="qiandongnan buyers", actor=guizhou_admin)
    assert right.buyer_region_prefix == "5226"
