"""Registry pages in a real browser: Chinese, filters, masking by role, a dry-run import."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from fupin.core.models import ImportRun
from fupin.registry.models import Household
from tests import factories
from tests.portal.factories import two_counties


def test_switch_to_chinese_and_back(page, base_url, log_in, make_user):
    two_counties()
    make_user("e2e_lang", roles="clerk")
    log_in(page, "e2e_lang")
    page.get_by_role("button", name="简体中文").click()
    nav = page.locator("nav.sidenav")
    expect(nav.get_by_role("link", name="行政区划")).to_be_visible()
    expect(nav.get_by_role("link", name="导入")).to_be_visible()
    expect(page.locator("h1")).to_have_text("欢迎使用扶贫平台")
    nav.get_by_role("link", name="行政区划").click()
    expect(page.locator("h1")).to_have_text("行政区划")
    expect(page.get_by_role("button", name="筛选")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(f"{base_url}/regions/")
    expect(page.locator("h1")).to_have_text("Regions")


def test_filter_the_region_list(page, base_url, log_in, make_user):
    two_counties()
    make_user("e2e_filter", roles="viewer")
    log_in(page, "e2e_filter")
    page.locator("nav.sidenav").get_by_role("link", name="Regions").click()
    page.get_by_label("Level").select_option("county")
    page.get_by_label("National poverty county").select_option("true")
    page.get_by_label("Name or code").fill("望都")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"level=county"))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("望都县")
    expect(page.locator(".summary")).to_contain_text("1 region")
    rows.first.get_by_role("link", name="130631").click()
    expect(page.locator("h1")).to_contain_text("望都县")


def test_household_masked_for_national_viewer_unmasked_for_county_clerk(page, base_url, log_in, make_user, context):
    w = two_counties()
    h = w.here["household"]
    make_user("e2e_national", roles="viewer")
    make_user("e2e_clerk", roles="clerk", scope_level="county", scope_code="522627")
    log_in(page, "e2e_national")
    page.goto(f"{base_url}/households/{h.pk}/")
    expect(page.locator("#head-name")).to_have_text("张**")
    expect(page.locator("#phone")).to_have_text("138****5678")
    page.get_by_role("button", name="Sign out").click()
    log_in(page, "e2e_clerk")
    page.locator("nav.sidenav").get_by_role("link", name="Households").click()
    page.get_by_role("link", name=h.registry_code).click()
    expect(page.locator("#head-name")).to_have_text("张三丰")
    expect(page.locator("#phone")).to_have_text("13812345678")
    page.goto(f"{base_url}/households/{w.there['household'].pk}/")
    expect(page.locator("h1")).to_have_text("Not found")


def test_dry_run_import_through_the_upload_page(page, base_url, log_in, make_user, tmp_path):
    two_counties()
    make_user("e2e_importer", roles="clerk", scope_level="county", scope_code="522627")
    upload = tmp_path / "农户.csv"
    upload.write_text("身份证号,村代码,状态,户主姓名\n"
                      f"{factories.resident_id(951)},522627100201,registered_poor,王五\n"
                      "123,522627100201,registered_poor,赵六\n", encoding="utf-8")
    before = Household.objects.count()
    log_in(page, "e2e_importer")
    page.locator("nav.sidenav").get_by_role("link", name="Imports").click()
    page.get_by_label("What the file holds").select_option("households")
    page.get_by_label("File (.csv or .xlsx)").set_input_files(str(upload))
    expect(page.get_by_label("Dry run: check the file and show the report, write nothing")).to_be_checked()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("h1")).to_have_text("Import report")
    expect(page.get_by_role("status")).to_contain_text("Dry run")
    expect(page.locator("#count-accepted")).to_have_text("1")
    expect(page.locator("#count-rejected")).to_have_text("1")
    expect(page.locator("table.errors tbody tr")).to_have_count(1)
    # the column is named in the header language the file used (issue #14)
    expect(page.locator("table.errors tbody tr").first).to_contain_text("身份证号")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rejected rows to fix and import again").click()
    with open(download.value.path(), encoding="utf-8-sig") as fh:
        assert "赵六" in fh.read()
    assert Household.objects.count() == before
    assert ImportRun.objects.get().dry_run
