"""The portal shell in a real browser: sign in, navigation by role, language switch, sign out."""

from __future__ import annotations

from playwright.sync_api import expect


def test_sign_in_shows_navigation_for_the_role(page, base_url, log_in, make_user):
    make_user("e2e_viewer", roles="viewer")
    make_user("e2e_auditor", roles="auditor")
    page.goto(f"{base_url}/households/")
    expect(page).to_have_url(f"{base_url}/login/?next=/households/")
    log_in(page, "e2e_viewer")
    nav = page.locator("nav.sidenav")
    expect(nav.get_by_role("link", name="Regions")).to_be_visible()
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    expect(nav.get_by_role("link", name="Imports")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base_url}/login/")
    log_in(page, "e2e_auditor")
    expect(page.locator("nav.sidenav").get_by_role("link", name="Audit log")).to_be_visible()


def test_wrong_password_is_refused(page, base_url, make_user):
    make_user("e2e_someone")
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", "e2e_someone")
    page.fill("#id_password", "not-the-password")
    page.click("form.form button[type=submit]")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(f"{base_url}/login/")
