"""Certification in a real browser: a supplier applies with the pre-check, the county reviewer bulk-approves from
the queue, and the public verifies a certificate (a tampered code is rejected) and reads the catalogue in Chinese."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from fupin.certification.models import Application
from tests.certification import factories as cf

from .conftest import PASSWORD


def test_supplier_applies_and_county_reviewer_bulk_approves(browser, base_url, log_in):
    sup = cf.supplier()
    product = cf.product(sup)
    cf.poverty_county()
    reviewer = cf.factories.user("county_rev", roles="reviewer", scope_level="county", scope_code=cf.COUNTY,
                                 password=PASSWORD)
    ctx = browser.new_context(locale="en-GB")
    page = ctx.new_page()
    log_in(page, sup.user.username)
    page.goto(f"{base_url}/certification/supplier/")
    expect(page.locator("#supplier-name")).to_contain_text(sup.entity.name)
    page.click("text=Apply for certification")
    page.fill(f"#volume_{product.pk}", "2000")
    page.fill("#households", "\n".join(sup.refs[:3]))
    page.click("button[value=precheck]")
    expect(page.locator("#precheck-summary")).to_contain_text("Some pre-checks fail")
    expect(page.locator("#verdicts")).to_contain_text("at least 5 are required")
    page.fill("#households", "\n".join(sup.refs))
    page.click("button[value=precheck]")
    expect(page.locator("#precheck-summary")).to_contain_text("Every pre-check passes")
    page.click("button[value=submit]")
    expect(page.locator("#status")).to_have_text("Awaiting county certification")
    app = Application.objects.get()
    ctx.close()

    ctx = browser.new_context(locale="en-GB")
    page = ctx.new_page()
    log_in(page, reviewer.username)
    page.goto(f"{base_url}/certification/queue/")
    expect(page.locator("#app-table")).to_contain_text(app.number)
    page.check(f"#pick-{app.pk}")
    page.fill("#bulk-reason", "Evidence checked on site")
    page.click("#bulk-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("1 application(s) decided")
    page.goto(f"{base_url}/certification/applications/{app.pk}/")
    expect(page.locator("#status")).to_have_text("County public notice")
    expect(page.locator("#decisions")).to_contain_text("Evidence checked on site")
    ctx.close()


def test_public_verification_and_chinese_catalogue(page, base_url):
    product = cf.certified_product()
    cert = product.certificates.get()
    page.goto(f"{base_url}/certification/verify/")
    page.fill("#id_code", cert.code)
    page.click("form.form button[type=submit]")
    expect(page.locator("#result h2")).to_contain_text("Genuine")
    tampered = re.sub(r"\.(.)", lambda m: "." + ("B" if m.group(1) != "B" else "C"), cert.code, count=1)
    page.fill("#id_code", tampered)
    page.click("form.form button[type=submit]")
    expect(page.locator("#result h2")).to_contain_text("Rejected")
    page.goto(f"{base_url}/certification/catalogue/")
    expect(page.locator("#catalogue")).to_contain_text(product.code)
    page.click("button[lang=zh-hans]")
    expect(page.locator("h1")).to_have_text("全国扶贫产品目录")
