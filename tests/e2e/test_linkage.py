"""Interest linkage in a real browser: a county clerk signs a contract, activates it, records a payment, sees the
household's linkage page and the indicators with their chart; another county's clerk cannot open them."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from tests import factories
from tests.linkage import factories as lf


def test_contract_to_household_page(page, base_url, log_in, make_user):
    make_user("e2e_clerk", roles="clerk", scope_level="county", scope_code="522627")
    make_user("e2e_other", roles="clerk", scope_level="county", scope_code="130631")
    entity = factories.entity("天柱油茶合作社", region_code="522627")
    h = factories.household(head_name="龙秀英")
    other = factories.entity("邻县公司", region_code="522628")
    c0 = lf.contract(actor=lf.writer(), entity=other, households=[h], mechanism="employment", code="E2E-OTHER",
                     start=dt.date(2025, 1, 1))
    lf.payment(actor=lf.writer(), contract=c0, household=h, paid_on=dt.date(2025, 3, 31), amount_fen=250000)

    log_in(page, "e2e_clerk")
    page.locator("nav.sidenav").get_by_role("link", name="Contracts").click()
    page.get_by_role("link", name="New contract").click()
    page.fill("#id_code", "E2E-1")
    page.fill("#id_entity", entity.credit_code)
    page.select_option("#id_mechanism", "land_lease")
    page.fill("#id_start_date", "2025-01-01")
    page.select_option("#id_schedule", "yearly")
    page.fill("#id_households", f"{h.registry_code}:2.5")
    page.fill("#id_rent_per_mu_yuan", "600")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#status")).to_have_text("Draft")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#status")).to_have_text("Active")
    page.fill("#id_household", h.registry_code)
    page.fill("#id_paid_on", "2025-12-31")
    page.fill("#id_amount_yuan", "1500")
    page.fill("#id_evidence_ref", "银行流水 2025-12")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.locator("#payments")).to_contain_text("1,500.00")
    expect(page.locator("#expected")).to_contain_text("1,500.00")

    page.goto(f"{base_url}/households/{h.pk}/linkage/")
    expect(page.locator("#head-name")).to_have_text("龙秀英")
    expect(page.locator("#household-contracts")).to_contain_text("E2E-1")
    expect(page.locator("#household-contracts")).to_contain_text("E2E-OTHER")
    expect(page.locator("#household-total")).to_have_text("4,000.00")

    page.goto(f"{base_url}/linkage/?year=2025&group_by=entity")
    expect(page.locator("figure svg").first).to_be_visible()
    expect(page.locator("#indicators")).to_contain_text("天柱油茶合作社")
    expect(page.locator("#indicators")).not_to_contain_text("邻县公司")

    page.get_by_role("button", name="Sign out").click()
    log_in(page, "e2e_other")
    response = page.goto(f"{base_url}/households/{h.pk}/linkage/")
    assert response is not None and response.status == 404
