"""Acting for the right organisation in a real browser (issue #14): the supplier sees only its own entity under an
"acting for …" banner, in English and 简体中文; another cooperative of its county is not found; a county reviewer is
offered the review of an application, never the supplier's withdrawal, and no supplier pages."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.certification import factories as cf

from .conftest import PASSWORD


def test_supplier_acts_for_its_own_entity_only_in_both_languages(page, base_url, log_in):
    sup = cf.supplier()
    neighbour = cf.supplier()  # another cooperative of the same county
    log_in(page, sup.user.username)
    page.goto(f"{base_url}/certification/supplier/")
    expect(page.locator("#supplier-name")).to_contain_text(sup.entity.name)
    expect(page.locator("#acting-for")).to_contain_text(f"Acting for {sup.entity.name}")
    expect(page.locator("#acting-for")).to_contain_text("your own organisation")
    expect(page.locator("main")).not_to_contain_text(neighbour.entity.name)
    expect(page.locator("#supplier")).to_have_count(0)  # nothing to choose: one entity
    expect(page.locator("nav a", has_text="Review queue")).to_have_count(0)
    page.click("button[lang=zh-hans]")
    expect(page.locator("#acting-for")).to_contain_text(f"代表{sup.entity.name}办理")
    expect(page.locator("#acting-for")).to_contain_text("本单位")
    response = page.goto(f"{base_url}/certification/supplier/?supplier={neighbour.entity.pk}")
    assert response is not None and response.status == 404
    response = page.goto(f"{base_url}/certification/supplier/apply/?supplier={neighbour.entity.pk}")
    assert response is not None and response.status == 404


def test_reviewer_sees_no_withdraw_button(browser, base_url, log_in):
    sup = cf.supplier()
    app = cf.submit(sup)
    reviewer = cf.factories.user("county_clerk_rev", roles="clerk,reviewer", scope_level="county",
                                 scope_code=cf.COUNTY, password=PASSWORD)
    ctx = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    log_in(page, reviewer.username)
    page.goto(f"{base_url}/certification/applications/{app.pk}/")
    expect(page.locator("#decide button[value=approve]")).to_be_visible()
    expect(page.locator("button", has_text="Withdraw the application")).to_have_count(0)
    expect(page.locator("#acting-for")).to_have_count(0)
    expect(page.locator("nav a", has_text="My products")).to_have_count(0)
    expect(page.locator("nav a", has_text="Review queue").first).to_be_visible()
    ctx.close()

    ctx = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    log_in(page, sup.user.username)
    page.goto(f"{base_url}/certification/applications/{app.pk}/")
    expect(page.locator("button", has_text="Withdraw the application")).to_be_visible()
    expect(page.locator("#decide")).to_have_count(0)
    ctx.close()
