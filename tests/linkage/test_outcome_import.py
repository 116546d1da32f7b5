"""Import of filled-in verification field lists: the list downloaded from a round, filled in and uploaded again
(service, API, portal page, command). Round trip in both languages, one row error per bad input, whole-file refusals,
idempotence, dry run, scope."""

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from fupin.core.errors import AccessDenied, Conflict
from fupin.core.models import AuditEntry, ImportRun
from fupin.linkage import imports, rules, sampling
from fupin.linkage.models import VerificationItem
from tests import factories
from tests.assertions import nonempty
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db

HEADER = ["item_id", "household", "outcome", "reported_yuan", "note"]


def audits() -> int:
    return AuditEntry.objects.filter(action="verification_item:outcome").count()


def draw(actor, *, county="522627", seed=7):
    return sampling.round_draw(county_code=county, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 12, 31),
                               seed=seed, actor=actor)


@pytest.fixture
def world(county_clerk):
    """Two entities in 522627 paying six and three households: a round samples 2 + 2 items."""
    for n in (6, 3):
        entity = factories.entity(region_code="522627")
        hs = [factories.household() for _ in range(n)]
        c = lf.contract(actor=county_clerk, entity=entity, households=hs, mechanism="employment",
                        terms={"wage_basis": "month", "wage_fen": 100000})
        for h in hs:
            lf.payment(actor=county_clerk, contract=c, household=h, amount_fen=600000)
    rnd = draw(county_clerk)
    items = list(rnd.items.select_related("household").order_by("position"))
    assert len(items) == 4
    return rnd, items


def complete(rnd, items, actor):
    """Every sampled household visited and the round completed: its outcomes are final."""
    for item in items:
        sampling.item_outcome_record(item=item, outcome="confirmed", actor=actor)
    sampling.round_complete(round=rnd, actor=actor)


def field_list(rnd, actor, tmp_path, fills, *, language="en", name="filled.xlsx"):
    """The round's field list as downloaded, with the cells of `fills` ({item_id: {column: value}}) filled in."""
    with translation.override(language):
        content = sampling.field_list_xlsx(round=rnd, viewer=actor, language=language)
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    header = [c.value for c in ws[1]]
    names = [c.name for c in sampling.field_list_columns()]
    col = {column: i + 1 for i, column in enumerate(names)}
    assert len(header) == len(names)
    for row in ws.iter_rows(min_row=2):
        item_id = int(row[col["item_id"] - 1].value)
        for column, value in fills.get(item_id, {}).items():
            ws.cell(row=row[0].row, column=col[column], value=value)
    path = tmp_path / name
    wb.save(path)
    return path


def write_csv(tmp_path, rows, *, header=HEADER, name="outcomes.csv"):
    path = tmp_path / name
    path.write_text("\n".join(",".join(str(c) for c in r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def run(rnd, actor, path, **kw):
    return imports.outcome_import(path=path, file_name=path.name, round=rnd, actor=actor, **kw)


# -- the service -------------------------------------------------------------------------------------------------
def test_filled_field_list_round_trip(world, county_clerk, tmp_path):
    rnd, (a, b, c, d) = world
    path = field_list(rnd, county_clerk, tmp_path, {
        a.pk: {"outcome": "confirmed", "note": "met the head"},
        b.pk: {"outcome": "amount_differs", "reported_yuan": 5000.5},   # a number cell, as Excel keeps it
        c.pk: {"outcome": "Not Received"},                              # the English label, any case
    })                                                                  # d: not visited yet
    report = run(rnd, county_clerk, path)
    assert (report.total, report.accepted, report.unchanged, report.rejected) == (4, 3, 0, 0), report.as_dict()
    assert (report.extra["recorded"], report.extra["pending"], report.extra["round_id"]) == (3, 1, rnd.pk)
    got = {i.pk: (i.outcome, i.reported_fen, i.note) for i in VerificationItem.objects.filter(round=rnd)}
    assert got == {a.pk: ("confirmed", None, "met the head"), b.pk: ("amount_differs", 500050, ""),
                   c.pk: ("not_received", None, ""), d.pk: ("pending", None, "")}
    assert audits() == 3
    run_row = ImportRun.objects.get(kind=imports.OUTCOME_IMPORT)
    assert run_row.accepted == 3 and run_row.report["pending"] == 1 and not run_row.rejected_file


def test_chinese_field_list_with_chinese_outcomes(world, county_clerk, tmp_path):
    rnd, (a, b, c, d) = world
    path = field_list(rnd, county_clerk, tmp_path, {
        a.pk: {"outcome": "属实"}, b.pk: {"outcome": "金额不符", "reported_yuan": "12.5"},
        c.pk: {"outcome": "未收到"}, d.pk: {"outcome": "查无此户", "note": "已搬走"},
    }, language="zh-hans")
    report = run(rnd, county_clerk, path)
    assert (report.accepted, report.rejected) == (4, 0), report.as_dict()
    b.refresh_from_db()
    d.refresh_from_db()
    assert (b.outcome, b.reported_fen) == ("amount_differs", 1250)
    assert (d.outcome, d.note) == ("not_found", "已搬走")


def test_each_bad_row_is_reported_and_kept(world, county_clerk, tmp_path):
    rnd, (a, b, c, d) = world
    other = draw(county_clerk, seed=99).items.first()
    rows = [
        [999999, "", "confirmed", "", ""],                        # 2 unknown item
        [other.pk, "", "confirmed", "", ""],                      # 3 item of another round
        [a.pk, "HNOPE", "confirmed", "", ""],                     # 4 household of another item
        [b.pk, b.household.registry_code, "maybe", "", ""],       # 5 unknown outcome
        [c.pk, "", "amount_differs", "", ""],                     # 6 amount differs without an amount
        [d.pk, "", "amount_differs", "-5", ""],                   # 7 negative amount
        [d.pk, "", "amount_differs", "1.234", ""],                # 8 three decimals
        [a.pk, "", "pending", "", ""],                            # 9 pending is not an outcome to record
        ["abc", "", "confirmed", "", ""],                         # 10 not an id
        [c.pk, c.household.registry_code, "confirmed", "", "ok"],  # 11 good
    ]
    report = run(rnd, county_clerk, write_csv(tmp_path, rows))
    found = {(e.line, e.column, e.code) for e in report.errors}
    assert found == {
        (2, "item_id", "unknown_item"), (3, "item_id", "other_round"), (4, "household", "household_mismatch"),
        (5, "outcome", "bad_outcome"), (6, "reported_yuan", "missing_amount"), (7, "reported_yuan", "amount_negative"),
        (8, "reported_yuan", "too_many_decimals"), (9, "outcome", "bad_outcome"), (10, "item_id", "bad_item_id"),
    }
    assert all(e.message for e in nonempty(report.errors))
    assert (report.accepted, report.rejected) == (1, 9)
    assert set(VerificationItem.objects.filter(round=rnd).values_list("outcome", flat=True)) == {"pending", "confirmed"}
    run_row = ImportRun.objects.get(kind=imports.OUTCOME_IMPORT)
    with default_storage.open(run_row.rejected_file, "rb") as fh:
        lines = fh.read().decode("utf-8-sig").splitlines()
    assert lines[0].endswith("line,reason") and len(lines) == 1 + 9
    assert "unknown outcome" in lines[4]


def test_an_item_of_a_round_out_of_scope_is_unknown(world, county_clerk, tmp_path):
    rnd, _items = world
    nation = lf.writer()
    h = factories.household(village_code="130631100201")
    c = lf.contract(actor=nation, entity=factories.entity(region_code="130631"), households=[h])
    lf.payment(actor=nation, contract=c, household=h)
    far = draw(nation, county="130631").items.get()
    report = run(rnd, county_clerk, write_csv(tmp_path, [[far.pk, "", "confirmed", "", ""]]))
    assert [(e.code, str(far.round_id) in e.message) for e in report.errors] == [("unknown_item", False)]


def test_the_same_item_twice(world, county_clerk, tmp_path):
    rnd, (a, b, *_rest) = world
    rows = [[a.pk, "", "confirmed", "", ""], [a.pk, "", "CONFIRMED", "", ""], [b.pk, "", "confirmed", "", ""],
            [b.pk, "", "not_found", "", ""]]
    report = run(rnd, county_clerk, write_csv(tmp_path, rows))
    assert (report.accepted, report.duplicates, report.rejected) == (2, 1, 1)
    assert [(e.line, e.code) for e in report.errors] == [(5, "duplicate_item")]


def test_same_file_twice_changes_nothing(world, county_clerk, tmp_path):
    rnd, (a, b, c, d) = world
    rows = [[a.pk, "", "confirmed", "", " note "], [b.pk, "", "amount_differs", "10", ""], [c.pk, "", "", "", ""],
            [d.pk, "", "not_found", "99", ""]]
    path = write_csv(tmp_path, rows)
    first = run(rnd, county_clerk, path)
    assert (first.accepted, first.unchanged, first.extra["pending"]) == (3, 0, 1)
    before = audits()
    updated = {i.pk: i.updated_at for i in rnd.items.all()}
    second = run(rnd, county_clerk, path)
    assert (second.accepted, second.unchanged, second.extra["recorded"], second.rejected) == (0, 3, 0, 0)
    assert audits() == before
    assert {i.pk: i.updated_at for i in rnd.items.all()} == updated
    # the list downloaded again after the visits, uploaded as it is: nothing to record either
    again = run(rnd, county_clerk, field_list(rnd, county_clerk, tmp_path, {}))
    assert (again.accepted, again.unchanged, again.extra["pending"]) == (0, 3, 1)
    # a changed note is a change
    changed = run(rnd, county_clerk, write_csv(tmp_path, [[a.pk, "", "confirmed", "", "other note"]], name="n.csv"))
    assert changed.accepted == 1 and audits() == before + 1


def test_dry_run_writes_nothing_and_reports_the_same(world, county_clerk, tmp_path):
    rnd, (a, b, *_rest) = world
    path = write_csv(tmp_path, [[a.pk, "", "confirmed", "", ""], [b.pk, "", "what", "", ""]])
    dry = run(rnd, county_clerk, path, dry_run=True)
    assert dry.dry_run and (dry.accepted, dry.rejected) == (1, 1)
    assert not rnd.items.exclude(outcome="pending").exists() and audits() == 0
    real = run(rnd, county_clerk, path)
    assert {k: v for k, v in real.as_dict().items() if k not in ("dry_run", "run_id")} == \
        {k: v for k, v in dry.as_dict().items() if k not in ("dry_run", "run_id")}


def test_a_completed_round_refuses_the_whole_file(world, county_clerk, tmp_path):
    rnd, items = world
    complete(rnd, items, county_clerk)
    before = audits()
    with pytest.raises(Conflict) as exc:
        run(rnd, county_clerk, write_csv(tmp_path, [[items[0].pk, "", "not_found", "", ""]]))
    assert exc.value.code == "round_completed"
    assert audits() == before and not ImportRun.objects.exists()


def test_a_refusal_in_the_middle_of_the_file_writes_nothing(world, county_clerk, tmp_path, monkeypatch):
    rnd, (a, b, *_rest) = world
    record = sampling.item_outcome_record

    def completed_meanwhile(*, item, **kw):
        if item.pk == b.pk:
            raise Conflict("The round is completed; its outcomes are final.", code="round_completed")
        return record(item=item, **kw)

    monkeypatch.setattr(sampling, "item_outcome_record", completed_meanwhile)
    with pytest.raises(Conflict):
        run(rnd, county_clerk, write_csv(tmp_path, [[a.pk, "", "confirmed", "", ""], [b.pk, "", "confirmed", "", ""]]))
    assert not rnd.items.exclude(outcome="pending").exists() and audits() == 0


def test_out_of_scope_or_read_only_actors_are_refused(world, other_county_clerk, tmp_path):
    rnd, (a, *_rest) = world
    path = write_csv(tmp_path, [[a.pk, "", "confirmed", "", ""]])
    for actor in (other_county_clerk, factories.user(roles="viewer")):
        with pytest.raises(AccessDenied):
            run(rnd, actor, path)
    assert audits() == 0


def test_outcome_rules():
    assert rules.outcome_key(" Not_Received ") == rules.outcome_key("not received") == "not received"
    assert rules.stored_outcome("confirmed", 100, " x ") == ("confirmed", None, "x")
    assert rules.stored_outcome("amount_differs", 100, None) == ("amount_differs", 100, "")


# -- API, portal, command ----------------------------------------------------------------------------------------
def _upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def test_api_import_is_scoped(world, county_clerk, other_county_clerk, api_as, tmp_path):
    rnd, (a, b, *_rest) = world
    path = write_csv(tmp_path, [[a.pk, "", "confirmed", "", ""], [b.pk, "", "amount_differs", "", ""]])
    url = f"/linkage/verification/rounds/{rnd.pk}/outcomes/import"
    r = api_as(county_clerk).post(url, {"dry_run": "true"}, files={"file": _upload(path)})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["dry_run"], body["recorded"], body["rejected"], body["pending"]) == (True, 1, 1, 0)
    assert body["errors"][0]["code"] == "missing_amount" and audits() == 0
    r = api_as(county_clerk).post(url, {}, files={"file": _upload(path)})
    assert r.json()["recorded"] == 1 and audits() == 1
    assert api_as(other_county_clerk).post(url, {}, files={"file": _upload(path)}).status_code == 404
    assert api_as(factories.user(roles="viewer")).post(url, {}, files={"file": _upload(path)}).status_code == 403
    assert api_as().post(url, {}, files={"file": _upload(path)}).status_code == 401
    bad = api_as(county_clerk).post(url, {}, files={"file": SimpleUploadedFile("x.csv", b"foo,bar\n1,2\n")})
    assert bad.status_code == 422 and bad.json()["code"] == "missing_columns"


def test_api_refuses_a_completed_round(world, county_clerk, api_as, tmp_path):
    rnd, items = world
    complete(rnd, items, county_clerk)
    path = write_csv(tmp_path, [[items[0].pk, "", "not_found", "", ""]])
    r = api_as(county_clerk).post(f"/linkage/verification/rounds/{rnd.pk}/outcomes/import", {},
                                  files={"file": _upload(path)})
    assert r.status_code == 409 and r.json()["code"] == "round_completed"


def test_portal_upload(world, county_clerk, tmp_path):
    rnd, (a, b, *_rest) = world
    client = Client()
    client.force_login(county_clerk)
    page = client.get(reverse("portal:linkage_round", args=[rnd.pk])).content.decode()
    url = reverse("portal:linkage_round_outcome_import", args=[rnd.pk])
    assert "Upload filled-in list" in page and url in page and 'enctype="multipart/form-data"' in page
    path = field_list(rnd, county_clerk, tmp_path, {a.pk: {"outcome": "confirmed"}, b.pk: {"outcome": "nope"}})
    r = client.post(url, {"file": _upload(path), "dry_run": "on"})
    body = r.content.decode()
    assert r.status_code == 200 and "Dry run report" in body and "bad_outcome" in body and "1 recorded" in body
    assert audits() == 0
    r = client.post(url, {"file": _upload(path)})
    body = r.content.decode()
    assert "1 recorded" in body and "2 not visited yet" in body and "1 rejected" in body
    run_id = ImportRun.objects.get(dry_run=False).pk
    assert reverse("portal:import_rejected", args=[run_id]) in body
    assert client.get(reverse("portal:import_rejected", args=[run_id])).status_code == 200
    a.refresh_from_db()
    assert a.outcome == "confirmed"
    assert client.get(url).status_code == 302
    no_file = client.post(url, {})
    assert no_file.status_code == 422 and "Upload filled-in list" in no_file.content.decode()


def test_portal_upload_only_for_writers_in_scope(world, other_county_clerk, tmp_path):
    rnd, (a, *_rest) = world
    path = write_csv(tmp_path, [[a.pk, "", "confirmed", "", ""]])
    url = reverse("portal:linkage_round_outcome_import", args=[rnd.pk])
    viewer = Client()
    viewer.force_login(factories.user(roles="viewer"))
    assert "Upload filled-in list" not in viewer.get(reverse("portal:linkage_round", args=[rnd.pk])).content.decode()
    assert viewer.post(url, {"file": _upload(path)}).status_code == 403
    other = Client()
    other.force_login(other_county_clerk)
    assert other.post(url, {"file": _upload(path)}).status_code == 404
    assert audits() == 0


def test_portal_shows_a_completed_rounds_refusal(world, county_clerk, tmp_path):
    rnd, items = world
    complete(rnd, items, county_clerk)
    client = Client()
    client.force_login(county_clerk)
    r = client.post(reverse("portal:linkage_round_outcome_import", args=[rnd.pk]),
                    {"file": _upload(write_csv(tmp_path, [[items[0].pk, "", "not_found", "", ""]]))})
    assert r.status_code == 422 and "outcomes are final" in r.content.decode()


def test_command(world, county_clerk, tmp_path):
    rnd, (a, *_rest) = world
    path = write_csv(tmp_path, [[a.pk, "", "confirmed", "", ""], [999999, "", "confirmed", "", ""]])
    out = io.StringIO()
    call_command("import_linkage", str(path), "--outcomes", str(rnd.pk), "--user", county_clerk.username, "--dry-run",
                 stdout=out)
    assert "DRY RUN" in out.getvalue() and "1 recorded" in out.getvalue() and "unknown_item" in out.getvalue()
    assert audits() == 0
    call_command("import_linkage", str(path), "--outcomes", str(rnd.pk), "--user", county_clerk.username,
                 stdout=io.StringIO())
    a.refresh_from_db()
    assert a.outcome == "confirmed"
    with pytest.raises(CommandError):
        call_command("import_linkage", "payments", str(path), "--outcomes", str(rnd.pk), "--user", county_clerk.username)
    with pytest.raises(CommandError):
        call_command("import_linkage", str(path), "--user", county_clerk.username)
