"""Import templates (issue #14): every import has a downloadable .xlsx template — a header in Chinese and English
that the import reads, a sheet of allowed values, a sheet of column help, in the viewer's language — served from
the import pages and the API; a filled template imports."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fupin.api.import_templates import TEMPLATES as API_TEMPLATES
from fupin.core.models import ImportRun
from fupin.core.tabular import TableReader, map_header
from fupin.core.xlsx import bilingual_header
from fupin.ledger import services as ledger_services
from fupin.ledger.models import PurchaseEntry
from fupin.portal.import_templates import TEMPLATES
from fupin.registry.models import Household
from tests import factories
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db

EVERY_IMPORT = {"regions", "organisations", "entities", "households", "relations", "household_status_history",
                "region_set_history", "contracts", "payments", "catalogue_history", "purchases",
                "canteen_declarations", "targets"}


def workbook(content: bytes) -> openpyxl.Workbook:
    assert content[:2] == b"PK"
    return openpyxl.load_workbook(io.BytesIO(content))


def test_every_import_has_a_template_in_the_portal_and_the_api():
    assert set(TEMPLATES) == set(API_TEMPLATES) == EVERY_IMPORT


@pytest.mark.parametrize("key", sorted(EVERY_IMPORT))
def test_a_templates_header_is_bilingual_and_read_by_the_import(key):
    template = TEMPLATES[key]
    wb = workbook(template.content(language="en"))
    form, values, guide = wb.worksheets
    header = [c.value for c in form[1]]
    assert header == [bilingual_header(c) for c in template.columns]
    assert all(f"{c.zh} / {c.name}" == h for c, h in zip(template.columns, header, strict=True) if c.zh != c.name)
    assert form.freeze_panes == "A2" and form.auto_filter.ref.startswith("A1:")
    mapping, unknown = map_header(header, template.columns)  # every column found, none unknown
    assert sorted(mapping.values()) == sorted(c.name for c in template.columns) and not unknown
    assert [c.value for c in guide[1]] == ["Column", "Chinese header", "English header", "Required", "Meaning"]
    assert [r[2].value for r in guide.iter_rows(min_row=2)] == [c.name for c in template.columns]
    assert values.max_row == 1 + sum(len(v) for v in template.allowed().values())


def test_allowed_values_and_help_in_the_viewers_language():
    en = workbook(TEMPLATES["purchases"].content(language="en"))
    zh = workbook(TEMPLATES["purchases"].content(language="zh-hans"))
    assert zh.sheetnames[1:] == en.sheetnames[1:] == ["允许的取值 Allowed values", "列说明 Column help"]
    assert [c.value for c in zh.worksheets[1][1]] == ["列", "取值", "含义"]
    assert [c.value for c in en.worksheets[1][1]] == ["Column", "Value", "Meaning"]
    rows = {(r[0].value, r[1].value): r[2].value for r in zh.worksheets[1].iter_rows(min_row=2)}
    assert rows[("渠道 / channel", "platform_832")] == "832平台"
    assert rows[("类型 / kind", "helped_sale")] == "帮助销售"
    en_rows = {(r[0].value, r[1].value): r[2].value for r in en.worksheets[1].iter_rows(min_row=2)}
    assert en_rows[("渠道 / channel", "platform_832")] == "832 platform"
    assert [c.value for c in zh.worksheets[2][1]] == ["列", "中文表头", "英文表头", "必填", "含义"]
    # the header row is the same in both languages: the file works for every clerk
    assert [c.value for c in zh.worksheets[0][1]] == [c.value for c in en.worksheets[0][1]]


def fill(content: bytes, rows: list[dict[str, str]], columns) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    names = [c.name for c in columns]
    for row in rows:
        ws.append([row.get(n, "") for n in names])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_filled_households_template_imports_from_the_imports_page(client_for, county_clerk, world):
    template = TEMPLATES["households"]
    page = client_for(county_clerk).get("/imports/").content.decode()
    assert reverse("portal:import_template", args=["households"]) in page
    # born 1990: outside the factories' 1980 resident ids, which a household of the world could share
    content = fill(client_for(county_clerk, "zh-hans").get(reverse("portal:import_template", args=["households"]))
                   .content, [{"id_number": factories.make_resident_id("52262719900101917"), "village_code": "522627100201",
                               "status": "registered_poor", "size": "3", "head_name": "孙七",
                               "phone": "13700009876"}], template.columns)
    r = client_for(county_clerk).post("/imports/", {
        "kind": "households", "file": SimpleUploadedFile("农户模板.xlsx", content)})
    assert r.status_code == 302, r.content[:500]
    run = ImportRun.objects.get()
    assert (run.accepted, run.rejected) == (1, 0), run.report
    assert Household.objects.filter(head_name="孙七").exists()


def test_a_filled_purchases_template_imports(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    w = lf.world()
    template = TEMPLATES["purchases"]
    content = fill(template.content(language="zh-hans"), [lf.row(
        external_id="T1", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code, amount_yuan="88.80",
        kind="direct_purchase", channel="platform_832")], template.columns)
    path = tmp_path / "采购模板.xlsx"
    path.write_bytes(content)
    reader = TableReader(path, columns=template.columns)
    assert reader.header_names["amount_yuan"] == "金额(元) / amount_yuan" and not reader.warnings
    reader.close()
    job = ledger_services.purchase_import_file(path=path, actor="cli")
    assert job.status == "done" and job.accepted == 1 and job.rejected == 0, job.report
    assert PurchaseEntry.objects.get(external_id="T1").amount_fen == 8880


def test_template_pages_and_links(client_for, county_clerk, admin_user, world):
    c = client_for(county_clerk, "zh-hans")
    listing = c.get(reverse("portal:import_templates"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert all(reverse("portal:import_template", args=[k]) in body for k in EVERY_IMPORT)
    assert "导入模板" in body
    r = c.get(reverse("portal:import_template", args=["purchases"]))
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"] and r.content[:2] == b"PK"
    assert c.get("/imports/templates/spaceships.xlsx").status_code == 404
    admin = client_for(admin_user)
    for page, key in [("portal:ledger_imports", "purchases"), ("portal:ledger_reserved_share_import",
                                                                "canteen_declarations")]:
        html = admin.get(reverse(page)).content.decode()
        assert reverse("portal:import_template", args=[key]) in html, page
    signed_out = client_for(county_clerk)
    signed_out.logout()
    assert signed_out.get(reverse("portal:import_template", args=["purchases"])).status_code == 302


def test_the_api_serves_the_templates(api_as, national_viewer):
    api = api_as(national_viewer)
    listed = api.get("/import-templates")
    assert listed.status_code == 200 and {t["key"] for t in listed.json()} == EVERY_IMPORT
    r = api.get("/import-templates/targets", language="zh-hans")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    wb = workbook(r.content)
    assert [c.value for c in wb.worksheets[2][1]][:2] == ["列", "中文表头"]
    assert wb.worksheets[0]["A1"].value == "单位代码 / body_code"
    assert api.get("/import-templates/nothing").status_code == 404
    assert api_as().get("/import-templates/targets").status_code == 401
