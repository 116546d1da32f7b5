"""The certificate page in a real browser (issue #14): at 1280 px the page is no wider than the window (the long
signed code wraps), the QR code is shown, and the verification page it opens says "Genuine and valid" in green."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.portal.test_certificate_page import current_certificate


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_certificate_fits_1280_px_with_a_qr_code_that_opens_verification(page, base_url):
    cert = current_certificate()
    assert len(cert.code) > 150  # long enough to have widened the page before
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base_url}/certification/certificates/{cert.number}/")
    expect(page.locator("#qr svg.qr-code")).to_be_visible()
    box = page.locator("#qr svg.qr-code").bounding_box()
    assert box is not None and 150 <= box["width"] <= 300 and abs(box["width"] - box["height"]) < 2
    expect(page.locator("#code")).to_have_text(cert.code)
    assert _overflow(page) <= 0
    code_box = page.locator("#code").bounding_box()
    assert code_box is not None and code_box["x"] + code_box["width"] <= 1280
    expect(page.locator("#validity")).to_have_class("success")
    page.click("button[lang=zh-hans]")
    expect(page.locator("#qr figcaption")).to_have_text("扫码打开验证页面")
    assert _overflow(page) <= 0
    page.click("#verify-link")
    expect(page.locator("#result h2")).to_contain_text("真")
    background = page.locator("#result").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(218, 251, 225)"  # the success green, not the amber of a warning
    page.click("button[lang=en]")
    expect(page.locator("#result h2")).to_contain_text("Genuine and valid")
