"""The year-end assessment cycle (self-evaluation → partner's comments for east–west pairs → cross-check → final
report, with dated due dates and reminders) and the yearly statistical report forms generated from the account."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core import mail

from fupin.core.errors import AccessDenied, Conflict, InvalidInput, TransitionNotAllowed
from fupin.core.models import AuditEntry
from fupin.ledger.models import PurchaseEntry
from fupin.supervision import cycle
from fupin.supervision.enums import EvaluationStatus
from tests.conftest import ApiClient
from tests.supervision import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return f.world()


def test_an_east_west_pair_goes_through_the_whole_cycle_with_the_partners_comments(w):
    ev = cycle.evaluation_submit(body=w.zhejiang, scheme="east_west", year=2024, text="结对帮扶贵州，采购 3 亿元",
                                 self_score=92, actor=w.users["zhejiang"])
    assert (ev.status, ev.self_score) == (EvaluationStatus.SELF_EVALUATED, 92)
    # the body may still change it; the assessors may not cross-check before the partner has commented
    ev = cycle.evaluation_submit(body=w.zhejiang, scheme="east_west", year=2024, text="修订：采购 3.1 亿元",
                                 self_score=93, actor=w.users["zhejiang"])
    with pytest.raises(TransitionNotAllowed):
        cycle.evaluation_cross_check(evaluation=ev, text="核查", actor=w.users["office"])
    # only the partner (the government of the helped province) comments
    with pytest.raises(AccessDenied):
        cycle.evaluation_comment(evaluation=ev, comments="同意", actor=w.users["central"])
    cycle.evaluation_comment(evaluation=ev, comments="情况属实", actor=w.users["guizhou"])
    with pytest.raises(AccessDenied):
        cycle.evaluation_cross_check(evaluation=ev, text="核查", actor=w.users["zhejiang"])
    cycle.evaluation_cross_check(evaluation=ev, text="数据与台账一致", actor=w.users["office"])
    cycle.evaluation_report(evaluation=ev, text="好", actor=w.users["office"])
    ev.refresh_from_db()
    assert (ev.status, ev.self_evaluation, ev.partner_comments, ev.report) == (
        EvaluationStatus.REPORTED, "修订：采购 3.1 亿元", "情况属实", "好")
    with pytest.raises(TransitionNotAllowed):
        cycle.evaluation_submit(body=w.zhejiang, scheme="east_west", year=2024, text="再改", actor=w.users["zhejiang"])
    actions = list(AuditEntry.objects.filter(object_type="supervision.evaluation", object_id=str(ev.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["evaluation:submit", "evaluation:revise", "evaluation:comment", "evaluation:cross_check",
                       "evaluation:report"]


def test_other_schemes_skip_the_partner_and_bad_submissions_are_refused(w):
    ev = cycle.evaluation_submit(body=w.central, scheme="designated_assistance", year=2024, text="定点帮扶天柱县",
                                 actor=w.users["central"])
    with pytest.raises(InvalidInput, match="east–west"):
        cycle.evaluation_comment(evaluation=ev, comments="x", actor=w.users["tianzhu"])
    cycle.evaluation_cross_check(evaluation=ev, text="一致", actor=w.users["office"])
    assert ev.status == EvaluationStatus.CROSS_CHECKED
    with pytest.raises(InvalidInput) as e:
        cycle.evaluation_submit(body=w.tianzhu, scheme="designated_assistance", year=2024, text="x",
                                actor=w.users["tianzhu"])
    assert e.value.code == "not_assessed"
    with pytest.raises(AccessDenied):
        cycle.evaluation_submit(body=w.central, scheme="counterpart_support", year=2024, text="x",
                                actor=w.users["stranger"])
    for bad in ({"text": " "}, {"self_score": 101}, {"year": 2012}, {"scheme": "charity"}):
        args = {"body": w.central, "scheme": "counterpart_support", "year": 2024, "text": "ok", **bad}
        with pytest.raises(InvalidInput):
            cycle.evaluation_submit(actor=w.users["central"], **args)


def test_the_cycle_list_says_what_each_body_waits_for_and_who_is_late(w):
    cycle.evaluation_submit(body=w.zhejiang, scheme="east_west", year=2024, text="x", actor=w.users["zhejiang"])
    lines = {(line.body.pk, line.scheme): line for line in
             cycle.cycle_lines(viewer=w.users["office"], year=2024, on=f.day("2025-01-15"))}
    assert set(lines) == {(w.central.pk, "designated_assistance"), (w.central.pk, "counterpart_support"),
                          (w.zhejiang.pk, "east_west")}
    late = lines[(w.central.pk, "designated_assistance")]
    assert (late.step, late.due, late.overdue) == ("self_evaluation", f.day("2025-01-10"), True)
    waiting = lines[(w.zhejiang.pk, "east_west")]
    assert (waiting.step, waiting.due, waiting.overdue) == ("partner_comment", f.day("2025-01-20"), False)
    # on the due day itself nobody is late yet
    assert not any(line.overdue for line in cycle.cycle_lines(viewer=w.users["office"], year=2024,
                                                             on=f.day("2025-01-10")))
    # a body sees only what it supervises: the central unit none of these (it supervises its budget unit)
    assert cycle.cycle_lines(viewer=w.users["central"], year=2024, on=f.day("2025-01-15")) == []


def test_reminders_mail_the_users_of_late_bodies(w):
    w.users["central"].email = "central@example.gov.cn"
    w.users["central"].save(update_fields=["email"])
    lines = cycle.reminders_send(year=2024, on=f.day("2025-01-11"))
    assert {(line.body.pk, line.scheme) for line in lines} == {
        (w.central.pk, "designated_assistance"), (w.central.pk, "counterpart_support"),
        (w.zhejiang.pk, "east_west")}
    assert [m.to for m in mail.outbox] == [["central@example.gov.cn"]] * 2  # Zhejiang's users have no address
    assert "2025-01-10" in mail.outbox[0].subject


def test_the_statistics_forms_come_from_the_account_and_are_filed_once(w):
    w.book(buyer=w.central, amount="1200.50", date="2024-03-10")
    w.book(buyer=w.central, amount="799.50", date="2024-11-02", kind="helped_sale")
    w.book(buyer=w.central, amount="5000.00", date="2023-11-02")  # another year
    expected = sum(e.amount_fen * e.sign for e in PurchaseEntry.objects.filter(
        purchase_date__year=2024, counted=True, rel_designated=w.rel_designated))
    assert expected == 200_000
    tables = cycle.statistics_tables(body=w.central, year=2024)
    designated = next(r for r in tables["by_scheme"] if r["scheme"] == "designated_assistance")
    assert (designated["direct_fen"], designated["helped_fen"], designated["total_fen"]) == (120_050, 79_950, expected)
    assert sum(r["amount_fen"] for r in tables["by_region"] if r["scheme"] == "designated_assistance") == expected
    assert sum(r["amount_fen"] for r in tables["by_channel"] if r["scheme"] == "designated_assistance") == expected

    wb = openpyxl.load_workbook(io.BytesIO(cycle.statistics_workbook(body=w.central, year=2024)))
    assert wb.sheetnames[0] == "Cover" and len(wb.sheetnames) == 5
    sheet = wb.worksheets[1]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "Designated assistance")
    assert header[3] == "Total (yuan)" and row[3] == pytest.approx(2000.0) and isinstance(row[3], int | float)
    assert sheet.freeze_panes == "A2" and sheet.cell(2, 4).number_format == "#,##0.00"

    lines = cycle.statistics_lines(viewer=w.users["office"], year=2024, on=f.day("2025-02-01"))
    assert {(line.body.pk, line.overdue) for line in lines} == {(w.central.pk, True), (w.zhejiang.pk, True)}
    filing = cycle.statistics_file(body=w.central, year=2024, actor=w.users["central"])
    assert filing.digest == cycle.tables_digest(tables) and filing.tables == tables
    with pytest.raises(Conflict):
        cycle.statistics_file(body=w.central, year=2024, actor=w.users["central"])
    with pytest.raises(AccessDenied):
        cycle.statistics_file(body=w.zhejiang, year=2024, actor=w.users["central"])
    lines = {line.body.pk: line for line in cycle.statistics_lines(viewer=w.users["office"], year=2024,
                                                                    on=f.day("2025-02-01"))}
    assert lines[w.central.pk].filing == filing and not lines[w.central.pk].overdue
    assert lines[w.zhejiang.pk].overdue


def test_the_cycle_and_the_forms_through_the_api(w):
    w.book(buyer=w.central, amount="100.00", date="2024-05-01")
    zhejiang, guizhou, office = (ApiClient(w.users[n]) for n in ("zhejiang", "guizhou", "office"))
    r = zhejiang.post("/supervision/evaluations", {"body_id": w.zhejiang.pk, "scheme": "east_west", "year": 2024,
                                                   "text": "自评", "self_score": 90})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert (r.json()["step_due"], r.json()["due"]) == ("partner_comment", "2025-01-20")
    assert office.post(f"/supervision/evaluations/{pk}/cross-check", {"text": "x"}).status_code == 409
    assert guizhou.post(f"/supervision/evaluations/{pk}/comments", {"text": "属实"}).json()["status"] == \
        "partner_commented"
    assert office.post(f"/supervision/evaluations/{pk}/cross-check", {"text": "一致"}).status_code == 200
    assert office.post(f"/supervision/evaluations/{pk}/report", {"text": "好"}).json()["step_due"] == ""
    listed = office.get("/supervision/evaluations", year=2024, on="2025-03-01").json()
    assert {(x["body_id"], x["scheme"], x["overdue"]) for x in listed} >= {(w.zhejiang.pk, "east_west", False),
                                                                           (w.central.pk, "counterpart_support", True)}
    assert zhejiang.post("/supervision/evaluations", {"body_id": w.zhejiang.pk, "scheme": "east_west",
                                                      "year": 2024, "text": ""}).status_code == 422
    assert office.post("/supervision/evaluations", {"body_id": 999_999, "scheme": "east_west", "year": 2024,
                                                    "text": "x"}).json()["code"] == "unknown_body"

    central = ApiClient(w.users["central"])
    forms = central.get(f"/supervision/statistics/{w.central.pk}/2024/forms", format="json").json()
    assert forms["tables"]["by_scheme"][0]["total_fen"] == 10_000
    xlsx = central.get(f"/supervision/statistics/{w.central.pk}/2024/forms")
    assert xlsx.status_code == 200 and openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == "Cover"
    assert zhejiang.get(f"/supervision/statistics/{w.central.pk}/2024/forms").status_code == 403
    assert central.post("/supervision/statistics", {"body_id": w.central.pk, "year": 2024}).status_code == 201
    assert central.post("/supervision/statistics", {"body_id": w.central.pk, "year": 2024}).status_code == 409
    filed = {x["body_id"]: x["filed"] for x in office.get("/supervision/statistics", year=2024).json()}
    assert filed == {w.central.pk: True, w.zhejiang.pk: False}
    assert ApiClient().get("/supervision/evaluations", year=2024).status_code == 401


def test_the_reminder_command_mails_and_lists_the_late_steps(w):
    from django.core.management import call_command

    w.users["central"].email = "central@example.gov.cn"
    w.users["central"].save(update_fields=["email"])
    ev = cycle.evaluation_submit(body=w.zhejiang, scheme="east_west", year=2024, text="x", actor=w.users["zhejiang"])
    out = io.StringIO()
    call_command("supervision_remind", "--year", "2024", "--date", "2025-01-25", stdout=out)
    text = out.getvalue()
    assert "reminded 中央某部 (designated_assistance)" in text
    assert f"late: {ev.body} (east_west) waits for partner_comment, due 2025-01-20" in text
    assert len(mail.outbox) == 2
