"""The consumption account's pages: dashboard, drill-down, buyer / seller / county pages, entry detail and
reversal, purchase imports with progress, period locks, reserved share — rendering, both languages, scope."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fupin.core.models import AuditEntry
from fupin.ledger import services as ledger_services
from fupin.ledger.models import PeriodLock, PurchaseEntry, PurchaseImport
from fupin.ledger.reserved_share.models import CanteenDeclaration
from tests import factories
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def files_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}


@pytest.fixture
def ledger_world(db):
    """The ledger test world with purchases: into 天柱县 (522627, counts) and 望都县 (130631, does not count
    unless the product is certified), by a central unit, its budget unit, a Zhejiang company and the public."""
    w = lf.world()
    rows = [
        lf.row(external_id="A1", purchase_date="2025-03-10", buyer_code=w.unit.credit_code, seller_code=w.seller.credit_code,
               amount_yuan="1000.00", channel="platform_832"),
        lf.row(external_id="A2", purchase_date="2025-04-11", buyer_code=w.central.credit_code,
               seller_code=w.seller.credit_code, amount_yuan="2500.50", kind="helped_sale", channel="special_counter"),
        lf.row(external_id="A3", purchase_date="2024-07-01", buyer_code=w.zj.credit_code, seller_code=w.seller.credit_code,
               amount_yuan="300.00", channel="ecommerce", quantity="12.5", unit="kg"),
        lf.row(external_id="A4", purchase_date="2025-05-01", seller_code=w.household.registry_code, amount_yuan="45.00",
               channel="trade_fair"),
        # 望都县: a plain county, certified product in 2022+: counts through the product
        lf.row(external_id="B1", purchase_date="2025-06-01", buyer_code=w.zj.credit_code,
               seller_code=w.plain_seller.credit_code, product_code="P-CERT", amount_yuan="777.00", channel="ecommerce"),
        # 望都县 without a basis: stored, does not count
        lf.row(external_id="B2", purchase_date="2025-06-02", buyer_code=w.zj.credit_code,
               seller_code=w.plain_seller.credit_code, amount_yuan="99.00", channel="ecommerce"),
    ]
    report = ledger_services.purchase_record_batch(rows=rows, actor="test")
    assert not report.errors, [e.as_dict() for e in report.errors]
    w.entries = {e.external_id: e for e in PurchaseEntry.objects.all()}
    return w


@pytest.fixture
def county_user(db):
    return factories.user("stats522627", roles="viewer", scope_level="county", scope_code="522627")


def page(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.content[:500])
    return r.content.decode()


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


# -- dashboard -------------------------------------------------------------------------------------------------------
def test_dashboard_shows_counted_totals_charts_and_links_in_both_languages(ledger_world, national_viewer, client_for):
    html = page(client_for(national_viewer), reverse("portal:ledger_dashboard"))
    assert "4,622.50" in html  # 1000 + 2500.50 + 300 + 45 + 777 (B2 does not count)
    charts = svgs(html)
    assert len(charts) >= 2
    assert any(el.tag.endswith("a") for chart in charts for el in chart.iter())
    assert any("/ledger/entries/?" in h for h in links(html))
    zh = page(client_for(national_viewer, "zh-hans"), reverse("portal:ledger_dashboard"))
    assert "<h1>消费帮扶账户统计</h1>" in zh and "4,622.50" in zh   # today's name (消费帮扶, from 2021)


def test_a_year_until_2020_goes_by_the_name_of_its_time(ledger_world, national_viewer, client_for):
    """Issue #10 §4, names by period: the statistics of 2020 are those of consumption poverty alleviation (消费扶贫),
    of 2021 on those of consumption assistance (消费帮扶), in both languages."""
    url = reverse("portal:ledger_dashboard")
    zh = client_for(national_viewer, "zh-hans")
    assert "<h1>消费扶贫账户统计</h1>" in page(zh, url + "?year=2020")
    assert "<h1>消费帮扶账户统计</h1>" in page(zh, url + "?year=2021")
    en = client_for(national_viewer)
    assert "<h1>Consumption poverty alleviation account statistics</h1>" in page(en, url + "?year=2020")
    assert "<h1>Consumption account statistics</h1>" in page(en, url + "?year=2021")


def test_dashboard_group_by_and_drill_down_to_the_same_total(ledger_world, national_viewer, client_for):
    client = client_for(national_viewer)
    html = page(client, reverse("portal:ledger_dashboard") + "?group_by=channel&year=2025")
    table = html[html.index('id="totals"'):]
    rows = re.findall(r'<td>([^<]+)</td>\s*<td class="num"><a href="([^"]+)">([\d,.]+)</a>', table)
    assert {label for label, _u, _a in rows} >= {"832 platform", "Special counter", "E-commerce"}
    for _label, url, amount in rows:
        listed = page(client, unescape(url))
        shown = re.search(r'id="entries-total">([^<]+)<', listed).group(1)
        assert money(shown) == money(amount), url


def test_dashboard_two_groupings_and_uncounted(ledger_world, national_viewer, client_for):
    client = client_for(national_viewer)
    html = page(client, reverse("portal:ledger_dashboard") + "?group_by=year&then_by=kind")
    assert len(svgs(html)) == 3
    counted = page(client, reverse("portal:ledger_dashboard") + "?group_by=county")
    everything = page(client, reverse("portal:ledger_dashboard") + "?group_by=county&include_uncounted=on")
    assert "4,622.50" in counted and "4,721.50" in everything


def test_dashboard_export(ledger_world, national_viewer, client_for):
    client = client_for(national_viewer)
    r = client.get(reverse("portal:ledger_dashboard") + "?group_by=channel&export=csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Channel,channel_code,amount_fen,amount_yuan")
    assert "platform_832,100000,1000.00" in text
    r = client.get(reverse("portal:ledger_dashboard") + "?group_by=province&export=xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_bad_filters_do_not_break_the_dashboard(ledger_world, national_viewer, client_for):
    html = page(client_for(national_viewer), reverse("portal:ledger_dashboard") + "?year=abc&group_by=nonsense&province=x")
    assert "4,622.50" in html


# -- scope ---------------------------------------------------------------------------------------------------------
def test_a_county_user_sees_only_its_countys_money(ledger_world, county_user, client_for):
    client = client_for(county_user)
    html = page(client, reverse("portal:ledger_dashboard") + "?include_uncounted=on")
    assert "3,845.50" in html  # 1000 + 2500.50 + 300 + 45: the money flowing into 522627
    assert "777.00" not in html and "4,622.50" not in html
    listed = page(client, reverse("portal:ledger_entries"))
    assert "望都企业" not in listed and "天柱合作社" in listed
    page(client, reverse("portal:ledger_county", args=["130631"]), status=403)
    assert "3,845.50" in page(client, reverse("portal:ledger_county", args=["522627"]))
    page(client, reverse("portal:ledger_seller", args=[ledger_world.plain_seller.pk]), status=404)
    page(client, reverse("portal:ledger_entry", args=[ledger_world.entries["B1"].pk]), status=404)
    export = client.get(reverse("portal:ledger_entries") + "?export=csv").content.decode("utf-8-sig")
    assert "B1" not in export and "A1" in export


def test_a_seller_registered_outside_the_scope_is_shown_by_id_only(ledger_world, county_user, client_for):
    w = ledger_world
    report = ledger_services.purchase_record_batch(rows=[lf.row(
        external_id="X1", purchase_date="2025-07-01", seller_code=w.plain_seller.credit_code, product_code="P-CERT",
        origin_code="522627100202", amount_yuan="10.00")], actor="test")  # counts: a certified product
    assert not report.errors
    entry = PurchaseEntry.objects.get(external_id="X1")
    client = client_for(county_user)
    for url in (reverse("portal:ledger_entries"), reverse("portal:ledger_entry", args=[entry.pk]),
                reverse("portal:ledger_county", args=["522627"]) + "?year=2025"):
        html = page(client, url)
        assert w.plain_seller.name not in html and f"#{w.plain_seller.pk}" in html, url


# -- account pages -----------------------------------------------------------------------------------------------------
def test_buyer_page_rolls_up_the_units_below_and_splits_direct_and_helped(ledger_world, national_viewer, client_for):
    w = ledger_world
    html = page(client_for(national_viewer), reverse("portal:ledger_buyer", args=[w.central.pk]))
    years = html[html.index('id="years"'):]
    row_2025 = re.search(r"<th scope=\"row\">2025</th>(.*?)</tr>", years, re.S).group(1)
    amounts = re.findall(r">([\d,]+\.\d\d)<", row_2025)
    assert amounts[:3] == ["3,500.50", "1,000.00", "2,500.50"]  # total, direct (its unit), helped (itself)
    assert "By province of origin" in html and "By assistance relation" in html
    assert svgs(html)


def test_seller_and_county_pages(ledger_world, national_viewer, client_for):
    w = ledger_world
    client = client_for(national_viewer)
    assert "3,800.50" in page(client, reverse("portal:ledger_seller", args=[w.seller.pk]))  # A1 + A2 + A3
    county = page(client, reverse("portal:ledger_county", args=["130631"]))
    assert "777.00" in county and "99.00" not in county.split('id="years"')[1].split("</table>")[0]


# -- entries -------------------------------------------------------------------------------------------------------
def test_entry_detail_shows_basis_rule_version_and_attribution(ledger_world, national_viewer, client_for):
    e = ledger_world.entries["A1"]
    html = page(client_for(national_viewer), reverse("portal:ledger_entry", args=[e.pk]))
    assert f"#{e.rule_version_id}" in html
    assert "Designated assistance" in html and "East–west cooperation" in html
    assert "Reverse this entry" not in html  # a viewer may not reverse


def test_reversal_through_the_form_keeps_the_original_and_shows_the_chain(ledger_world, client_for):
    clerk = factories.user("ledgerclerk", roles="clerk")
    e = ledger_world.entries["A1"]
    client = client_for(clerk)
    assert "Reverse this entry" in page(client, reverse("portal:ledger_entry", args=[e.pk]))
    r = client.post(reverse("portal:ledger_entry_reverse", args=[e.pk]), {"reason": ""})
    assert r.status_code == 422
    r = client.post(reverse("portal:ledger_entry_reverse", args=[e.pk]), {"reason": "duplicate order"})
    assert r.status_code == 302
    reversal = PurchaseEntry.objects.get(reverses=e)
    assert reversal.amount_fen == -e.amount_fen
    html = page(client, reverse("portal:ledger_entry", args=[e.pk]))
    assert f"reverses #{e.pk}" in html and "duplicate order" in html
    r = client.post(reverse("portal:ledger_entry_reverse", args=[e.pk]), {"reason": "again"})
    assert r.status_code == 422 and PurchaseEntry.objects.filter(reverses=e).count() == 1


def test_viewers_cannot_reverse(ledger_world, national_viewer, client_for):
    e = ledger_world.entries["A1"]
    r = client_for(national_viewer).post(reverse("portal:ledger_entry_reverse", args=[e.pk]), {"reason": "x"})
    assert r.status_code == 403
    assert not PurchaseEntry.objects.filter(reverses=e).exists()


# -- imports -------------------------------------------------------------------------------------------------------
def _upload(w, name="purchases.csv", bad=True):
    rows = [lf.row(external_id="U1", seller_code=w.seller.credit_code, buyer_code=w.unit.credit_code),
            lf.row(external_id="U2", seller_code=w.seller.credit_code, amount_yuan="12.345")]
    if not bad:
        rows = rows[:1]
    return SimpleUploadedFile(name, lf.csv_text(rows).encode(), content_type="text/csv")


def test_import_upload_dry_run_then_real_with_report_and_rejected_rows(ledger_world, client_for):
    w = ledger_world
    clerk = factories.user("importclerk", roles="clerk", organisation=w.unit)  # books its own unit's purchases
    client = client_for(clerk)
    assert "Upload and import" in page(client, reverse("portal:ledger_imports"))
    before = PurchaseEntry.objects.count()
    r = client.post(reverse("portal:ledger_imports"), {"file": _upload(w), "dry_run": "on"})
    assert r.status_code == 302
    html = page(client, r["Location"])
    assert "Dry run" in html or "dry run" in html
    assert PurchaseEntry.objects.count() == before
    r = client.post(reverse("portal:ledger_imports"), {"file": _upload(w)})
    job = PurchaseImport.objects.latest("pk")
    html = page(client, r["Location"])
    assert job.status == "done" and job.accepted == 1 and job.rejected == 1
    assert 'http-equiv="refresh"' not in html
    assert "more than two decimals" in html
    rejected = client.get(reverse("portal:ledger_import_rejected", args=[job.pk]))
    assert rejected.status_code == 200
    text = b"".join(rejected.streaming_content if rejected.streaming else [rejected.content]).decode("utf-8-sig")
    assert "U2" in text and "U1" not in text and "reason" in text.splitlines()[0]


def test_a_running_import_page_refreshes_itself_and_shows_progress(ledger_world, client_for):
    clerk = factories.user("importclerk2", roles="clerk")
    job = PurchaseImport.objects.create(status="running", file_name="big.csv", file_size=1000, bytes_processed=250,
                                        rows_processed=1234, actor=clerk, actor_name=clerk.username)
    html = page(client_for(clerk), reverse("portal:ledger_import", args=[job.pk]))
    assert '<meta http-equiv="refresh" content="2">' in html
    assert 'value="25"' in html and "1,234" in html


def test_import_pages_need_a_clerk(ledger_world, national_viewer, client_for):
    client = client_for(national_viewer)
    assert client.get(reverse("portal:ledger_imports")).status_code == 403
    r = client.post(reverse("portal:ledger_imports"), {"file": _upload(ledger_world)})
    assert r.status_code == 403 and not PurchaseImport.objects.exists()


# -- period locks --------------------------------------------------------------------------------------------------
def test_administrators_lock_and_unlock_months_with_audit(ledger_world, admin_user, client_for, national_viewer):
    client = client_for(admin_user)
    r = client.post(reverse("portal:ledger_locks"), {"year": 2025, "month": 3, "region_code": "522627",
                                                     "reason": "closed for the assessment"})
    assert r.status_code == 302
    lock = PeriodLock.objects.get()
    assert lock.status == "locked" and "2025-03" in page(client, reverse("portal:ledger_locks"))
    # the lock refuses a reversal dated inside it
    clerk = factories.user("lockedclerk", roles="clerk")
    r = client_for(clerk).post(reverse("portal:ledger_entry_reverse", args=[ledger_world.entries["A1"].pk]),
                               {"reason": "x"})
    assert r.status_code == 422 and "locked" in r.content.decode()
    r = client.post(reverse("portal:ledger_lock_unlock", args=[lock.pk]), {"reason": "correction approved"})
    lock.refresh_from_db()
    assert lock.status == "unlocked"
    assert AuditEntry.objects.filter(action="period:unlock", reason="correction approved").exists()
    assert client_for(national_viewer).get(reverse("portal:ledger_locks")).status_code == 403
    r = client_for(clerk).post(reverse("portal:ledger_lock_unlock", args=[lock.pk]), {"reason": "x"})
    assert r.status_code == 403


# -- reserved share ------------------------------------------------------------------------------------------------
def test_reserved_share_pages(ledger_world, admin_user, client_for):
    w = ledger_world
    client = client_for(admin_user)
    r = client.post(reverse("portal:ledger_reserved_share_declare"), {
        "organisation": w.unit.pk, "year": 2025, "canteen_food_yuan": "20000.00", "farm_produce_yuan": "",
        "exempt_reason": "", "note": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert CanteenDeclaration.objects.get().canteen_food_fen == 20_000_00
    html = page(client, reverse("portal:ledger_reserved_share") + "?year=2025")
    # 10% of 20,000.00 = 2,000.00 required; 1,000.00 bought on the platform: short by 1,000.00
    assert "Short" in html and "2,000.00" in html and "1,000.00" in html
    platform_link = next(h for h in links(html) if "buyers=" in h)
    assert money(re.search(r'id="entries-total">([^<]+)<', page(client, platform_link)).group(1)) == Decimal("1000.00")
    r = client.post(reverse("portal:ledger_reserved_share_declare"), {
        "organisation": w.unit.pk, "year": 2025, "canteen_food_yuan": "5", "exempt_reason": "no_canteen"})
    assert r.status_code == 422 and "an exempt unit declares no canteen food procurement" in r.content.decode()
    csv_text = client.get(reverse("portal:ledger_reserved_share") + "?year=2025&export=csv").content.decode("utf-8-sig")
    assert "short" in csv_text and w.unit.credit_code in csv_text
    zh = page(client_for(admin_user, "zh-hans"), reverse("portal:ledger_reserved_share") + "?year=2025")
    assert "未达标" in zh


def test_reserved_share_import_page(ledger_world, admin_user, client_for):
    w = ledger_world
    content = f"单位代码,年度,食堂食材采购额(元),免予预留原因\n{w.unit.credit_code},2025,1000,\n{w.central.credit_code},2025,,关门\n"
    client = client_for(admin_user)
    r = client.post(reverse("portal:ledger_reserved_share_import"),
                    {"file": SimpleUploadedFile("d.csv", content.encode())})
    html = r.content.decode()
    assert r.status_code == 200 and "bad_exempt_reason" in html
    url = next(h for h in links(html) if "/rejected/" in h)
    rejected = client.get(url)
    assert rejected.status_code == 200 and w.central.credit_code in rejected.content.decode("utf-8-sig")
    assert CanteenDeclaration.objects.filter(organisation=w.unit).exists()


def test_navigation_lists_the_ledger_pages_by_role(ledger_world, national_viewer, admin_user, client_for):
    viewer_html = page(client_for(national_viewer), reverse("portal:home"))
    admin_html = page(client_for(admin_user), reverse("portal:home"))
    assert reverse("portal:ledger_dashboard") in viewer_html and reverse("portal:ledger_locks") not in viewer_html
    assert reverse("portal:ledger_locks") in admin_html and reverse("portal:ledger_imports") in admin_html


def test_no_page_gives_a_server_error_on_odd_input(ledger_world, admin_user, client_for):
    client = client_for(admin_user)
    for url in [reverse("portal:ledger_entries") + "?buyers=abc,1&year=x&relation=zz&quarter=9",
                reverse("portal:ledger_buyer", args=[999999]), reverse("portal:ledger_county", args=["99"]),
                reverse("portal:ledger_reserved_share") + "?year=1800&status=weird",
                reverse("portal:ledger_import", args=[999999])]:
        assert client.get(url).status_code < 500, url
