"""The signed-in dashboard and the task inbox in a real browser: a county office's approver opens its home page in
简体中文 on a phone (390 px wide), reads its county's figures (equal to the selectors'), follows the inbox link
and sees the problem routed to its office, overdue."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from fupin.leadership import dashboards, inbox
from fupin.portal import format as fmt
from fupin.supervision import problems
from tests.supervision import factories as sf

from .conftest import PASSWORD

PHONE = {"width": 390, "height": 844}


def test_county_dashboard_and_inbox_on_a_phone_in_chinese(browser, base_url, tmp_path):
    w = sf.world()
    year = timezone.localdate().year
    w.book(buyer=w.unit, amount="1234.50", date=f"{year}-01-15")
    w.book(buyer=w.unit, amount="100.00", date=f"{year}-01-16")
    problem = problems.problem_raise(region_code=sf.COUNTY, category="logistics", measure=1, title="冷库容量不足",
                                     description="旺季损耗大", due_date=timezone.localdate() - dt.timedelta(days=3),
                                     assigned_ids=[w.tianzhu.pk], actor=w.users["qdn"])
    user = w.users["tianzhu"]
    board = dashboards.dashboard(viewer=user)
    assert board.figure("region", "amount").value == 133_450

    ctx = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True)
    try:
        page = ctx.new_page()
        page.goto(f"{base_url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("form.form button[type=submit]")
        page.wait_for_url(f"{base_url}/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(page.get_by_role("heading", level=1)).to_have_text("欢迎使用扶贫平台")
        expect(page.locator('[data-dash="region.amount"]')).to_have_text(fmt.yuan(133_450))
        expect(page.locator('[data-dash="region.entries"]')).to_have_text("2")
        expect(page.locator('[data-dash="oversight.problems_overdue"]')).to_have_text(
            str(board.figure("oversight", "problems_overdue").value))
        total = inbox.inbox_counts(viewer=user)["total"]
        expect(page.locator('[data-dash="inbox.total"]')).to_have_text(str(total))
        # nothing is wider than the phone's screen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(tmp_path / "dashboard-zh-390.png"), full_page=True)
        assert (tmp_path / "dashboard-zh-390.png").stat().st_size > 0

        page.locator("nav.sidenav").get_by_role("link", name=re.compile(r"^待办")).click()
        expect(page).to_have_url(f"{base_url}/inbox/")
        item = page.locator(f'li[data-key^="problem:{problem.pk}:"]')
        expect(item).to_contain_text("冷库容量不足")
        expect(item.locator(".overdue")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.get_by_role("button", name="全部标记为已读").click()
        expect(page.locator(".inbox-item.unread")).to_have_count(0)
        page.screenshot(path=str(tmp_path / "inbox-zh-390.png"), full_page=True)
    finally:
        ctx.close()
