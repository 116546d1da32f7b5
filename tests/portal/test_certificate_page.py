"""The certificate page (issue #14): a server-generated QR code (SVG) that opens the verification page with the
certificate's code, the long signed code in a wrapping block, and "Genuine and valid" shown as a success."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import segno
from django.test import Client
from django.utils import timezone

from fupin.certification import services
from tests.certification import factories as cf

pytestmark = pytest.mark.django_db


def current_certificate():
    """A certificate valid today: the factories list products in 2020, so a fresh one is issued for this year."""
    product = cf.certified_product()
    today = timezone.localdate()
    return services.certificate_issue(product=product, application=None, batch=product.certificates.get().batch,
                                      valid_from=today - dt.timedelta(days=30), valid_to=today + dt.timedelta(days=365))


@pytest.fixture
def cert():
    return current_certificate()


def _svg(html: str) -> str:
    match = re.search(r'<figure class="qr" id="qr">(<svg.*?</svg>)', html, re.S)
    assert match, "no QR code on the page"
    return match.group(1)


def test_the_qr_code_encodes_the_verification_address(cert):
    html = Client().get(f"/certification/certificates/{cert.number}/").content.decode()
    svg = _svg(html)
    href = htmllib.unescape(re.search(r'id="verify-link" href="([^"]+)"', html).group(1))
    parts = urlsplit(href)
    assert parts.scheme == "http" and parts.netloc == "testserver" and parts.path == "/certification/verify/"
    assert parse_qs(parts.query)["code"] == [cert.code]
    expected = segno.make(href, error="m", micro=False)
    # read the QR back by regenerating it from the address it should hold: same symbol, same modules
    assert svg == expected.svg_inline(scale=4, omitsize=True, title="QR code: open the verification page",
                                      svgclass="qr-code", lineclass=None)
    assert svg != segno.make(href + "x", error="m").svg_inline(scale=4, omitsize=True,
                                                              title="QR code: open the verification page",
                                                              svgclass="qr-code", lineclass=None)
    assert "style=" not in svg  # the CSP forbids inline styles
    assert f'<pre class="code" id="code">{cert.code}</pre>' in html
    assert 'portal/certification.css' in html  # the sheet that wraps the code and sizes the QR code


def test_the_verification_page_opened_by_the_qr_code_says_genuine_in_green(cert):
    html = Client().get("/certification/verify/", {"code": cert.code}).content.decode()
    assert '<section id="result" class="success">' in html and "Genuine and valid" in html
    page = Client().get(f"/certification/certificates/{cert.number}/").content.decode()
    assert 'class="success" id="validity"' in page
    tampered = cert.code[:-3] + ("AAA" if not cert.code.endswith("AAA") else "BBB")
    html = Client().get("/certification/verify/", {"code": tampered}).content.decode()
    assert 'class="error error-box"' in html and "Rejected" in html


def test_the_certificate_page_in_chinese(cert):
    html = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/certification/certificates/{cert.number}/").content.decode()
    assert "扫码打开验证页面" in html and "<title>二维码：打开验证页面</title>" in html
