"""The imports page (upload, dry run, report, rejected rows, past runs) and the list exports, through the
registry's own import and export functions."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.core.models import ImportRun, SecurityEvent
from fupin.registry.models import Household
from tests import factories

pytestmark = pytest.mark.django_db

GOOD_ID = factories.resident_id(901)


def households_csv(*rows: str) -> SimpleUploadedFile:
    text = "身份证号,村代码,状态,人口,户主姓名,联系电话\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile("农户.csv", text.encode("utf-8"), content_type="text/csv")


def two_rows() -> SimpleUploadedFile:
    return households_csv(f"{GOOD_ID},522627100201,registered_poor,4,王五,13700001234",
                          "110101199001011234,522627100201,registered_poor,3,赵六,13700004321")


def test_imports_page_is_for_clerks_and_administrators(client_for, national_viewer, county_clerk, admin_user,
                                                       auditor, world):
    assert client_for(national_viewer).get("/imports/").status_code == 403
    assert 'id="import-form"' in client_for(county_clerk).get("/imports/").content.decode()
    assert 'id="import-form"' in client_for(admin_user).get("/imports/").content.decode()
    client_for(county_clerk).post("/imports/", {"kind": "households", "file": two_rows(), "dry_run": "on"})
    # auditors read every run, and cannot import
    body = client_for(auditor).get("/imports/").content.decode()
    assert 'id="import-form"' not in body and "农户.csv" in body
    assert client_for(auditor).post("/imports/", {"kind": "households", "file": two_rows()}).status_code == 403
    assert ImportRun.objects.count() == 1


def test_dry_run_reports_and_writes_nothing(client_for, county_clerk, world):
    c = client_for(county_clerk)
    before = Household.objects.count()
    r = c.post("/imports/", {"kind": "households", "file": two_rows(), "dry_run": "on"})
    assert r.status_code == 302
    run = ImportRun.objects.get()
    assert r["Location"] == f"/imports/{run.pk}/"
    assert run.dry_run and run.accepted == 1 and run.rejected == 1
    assert Household.objects.count() == before
    body = c.get(r["Location"]).content.decode()
    assert "Dry run: nothing was written" in body
    assert '<dd id="count-accepted">1</dd>' in body and '<dd id="count-rejected">1</dd>' in body
    # line 3, the bad resident ID, its column named as the file's (Chinese) header names it (issue #14)
    assert "<td class=\"num\">3</td>" in body and "<td>身份证号</td>" in body


def test_import_writes_good_rows_and_offers_rejected_rows(client_for, county_clerk, world):
    c = client_for(county_clerk)
    r = c.post("/imports/", {"kind": "households", "file": two_rows()})
    run = ImportRun.objects.get()
    assert r.status_code == 302 and not run.dry_run
    assert Household.objects.filter(head_name="王五").exists() and not Household.objects.filter(head_name="赵六").exists()
    body = c.get(f"/imports/{run.pk}/").content.decode()
    assert f'href="/imports/{run.pk}/rejected/"' in body
    download = c.get(f"/imports/{run.pk}/rejected/")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    text = download.content.decode("utf-8-sig")
    assert "赵六" in text and "王五" not in text and "reason" in text.splitlines()[0]
    # the run is listed on the imports page; importing the same file again changes nothing
    assert "农户.csv" in c.get("/imports/").content.decode()
    c.post("/imports/", {"kind": "households", "file": two_rows()})
    again = ImportRun.objects.order_by("-id").first()
    assert again.accepted == 0 and again.unchanged == 1


def test_file_level_problems_are_shown_on_the_form(client_for, county_clerk, world):
    c = client_for(county_clerk)
    bad = SimpleUploadedFile("x.csv", b"name,whatever\na,b\n", content_type="text/csv")
    r = c.post("/imports/", {"kind": "households", "file": bad, "dry_run": "on"})
    assert r.status_code == 422
    body = r.content.decode()
    assert 'id="file-errors"' in body and "id_number" in body
    pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.4", content_type="application/pdf")
    r = c.post("/imports/", {"kind": "households", "file": pdf})
    assert r.status_code == 422 and 'id="file-errors"' in r.content.decode()
    r = c.post("/imports/", {"kind": "spaceships", "file": two_rows()})
    assert r.status_code == 422
    assert not ImportRun.objects.exists()


def test_another_users_run_is_not_visible(client_for, county_clerk, other_county_clerk, world):
    client_for(county_clerk).post("/imports/", {"kind": "households", "file": two_rows(), "dry_run": "on"})
    run = ImportRun.objects.get()
    c = client_for(other_county_clerk)
    assert c.get(f"/imports/{run.pk}/").status_code == 404
    assert c.get(f"/imports/{run.pk}/rejected/").status_code == 404
    assert "农户.csv" not in c.get("/imports/").content.decode()


def test_household_export_is_scoped_masked_and_logged(client_for, county_clerk, national_viewer, world):
    r = client_for(national_viewer).get("/households/", {"export": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert world.there["household"].registry_code in text and "李四光" not in text and "李**" in text
    assert SecurityEvent.objects.filter(kind="personal_data_export", username=national_viewer.username).exists()
    text = client_for(county_clerk).get("/households/", {"export": "csv"}).content.decode("utf-8-sig")
    assert world.here["household"].registry_code in text and world.there["household"].registry_code not in text


def test_list_export_keeps_the_filters_and_opens_as_xlsx(client_for, national_viewer, world):
    r = client_for(national_viewer).get("/regions/", {"level": "county", "poverty_county": "true", "export": "xlsx"})
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).active
    codes = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert codes == ["130631", "522627"]


@pytest.mark.parametrize("path", ["/organisations/", "/entities/", "/relations/"])
def test_every_list_exports_csv(client_for, county_clerk, world, path):
    r = client_for(county_clerk).get(path, {"export": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "望都县辣椒专业合作社" not in r.content.decode("utf-8-sig")


def test_entity_export_in_chinese_has_chinese_headers(client_for, county_clerk, world):
    text = client_for(county_clerk, "zh-hans").get("/entities/", {"export": "csv"}).content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("统一社会信用代码") and "天柱县高酿合作社" in text
