"""The consumption account in a real browser: the statistics dashboard (filters, group-by, SVG charts), and a
drill-down from a chart bar to the entries behind it and on to one entry's detail. No JavaScript is needed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from fupin.ledger import services
from tests.ledger import factories as lf

# The ledger's SQLite writer checks that a batch's ids are contiguous after MAX(id); the live-server tests flush
# tables between tests, so start each one with fresh sequences.
pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)


def _world():
    w = lf.world()
    rows = [
        lf.row(external_id="E1", purchase_date="2025-03-10", buyer_code=w.unit.credit_code,
               seller_code=w.seller.credit_code, amount_yuan="1000.00", channel="platform_832"),
        lf.row(external_id="E2", purchase_date="2025-04-11", buyer_code=w.central.credit_code,
               seller_code=w.seller.credit_code, amount_yuan="2500.50", kind="helped_sale", channel="special_counter"),
        lf.row(external_id="E3", purchase_date="2025-06-01", buyer_code=w.zj.credit_code,
               seller_code=w.plain_seller.credit_code, product_code="P-CERT", amount_yuan="777.00", channel="ecommerce"),
    ]
    report = services.purchase_record_batch(rows=rows, actor="e2e")
    assert not report.errors
    return w


def test_dashboard_group_by_and_drill_down_from_a_chart_bar(page, base_url, log_in, make_user, context):
    _world()
    make_user("e2e_stats", roles="viewer")
    context.route(re.compile(r".*\.js(\?.*)?$"), lambda route: route.abort())  # prove no script is needed
    log_in(page, "e2e_stats")
    page.locator("nav.sidenav").get_by_role("link", name="Statistics").click()
    expect(page.locator("h1")).to_have_text("Consumption account statistics")
    expect(page.locator(".kpis .num").first).to_have_text("4,277.50")
    page.get_by_label("Group by", exact=True).select_option("channel")
    page.get_by_label("Year").select_option("2025")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"group_by=channel"))
    expect(page.locator("#totals tbody tr")).to_have_count(3)
    chart = page.locator("svg.chart-bar").first
    expect(chart).to_be_visible()
    bar = chart.locator("a").filter(has=page.locator("title", has_text="Special counter"))
    expect(bar).to_have_count(1)
    bar.locator("rect").click()
    expect(page).to_have_url(re.compile(r"/ledger/entries/\?.*channel=special_counter"))
    expect(page.locator("#entries-total")).to_have_text("2,500.50")
    rows = page.locator("#entries tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("td").first.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Purchase entry")
    expect(page.get_by_role("heading", name="Attribution to assessment schemes")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Designated assistance")


def test_dashboard_in_chinese(page, base_url, log_in, make_user):
    _world()
    make_user("e2e_stats_zh", roles="viewer")
    log_in(page, "e2e_stats_zh")
    page.get_by_role("button", name="简体中文").click()
    page.goto(f"{base_url}/ledger/statistics/")
    expect(page.locator("h1")).to_have_text("消费帮扶账户统计")
    expect(page.locator("svg.chart-bar")).to_be_visible()
