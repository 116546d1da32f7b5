"""Issue #13 §7, the journeys of each kind of user in a real browser, on the pages as they are:

- a member of the public (not signed in) explores the home page and its SVG map of provinces, opens a province,
  searches the catalogue, verifies a certificate and downloads an open-data file whose figures equal the account's;
- the same public journey in 简体中文, and again at a phone's width (390 px);
- a supplier opens its dashboard (its home page) and its inbox (also at 390 px);
- a county reviewer works its review queue from the inbox (opens the application and decides it);
- a buyer clerk uploads a CSV of purchases on the import page and sees its account totals change;
- a national officer opens an early warning from its dashboard and drills down to the entries behind it;
- with JavaScript disabled, the home page, the map and the catalogue search (the form is submitted) still work.

Every page visited is kept as a full-page screenshot under `var/e2e-artefacts/<test name>/NN-<page>.png` and, with
JavaScript on, checked with axe-core (vendored from the npm registry into var/node by `make test` / `.ci/run`): no
violation of impact serious or critical is allowed. A missing axe-core fails the test (it never skips)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db.models import Sum
from django.utils import timezone
from playwright.sync_api import expect

from fupin.ledger.models import PurchaseEntry
from fupin.portal import format as fmt
from tests.certification import factories as cf
from tests.ledger import factories as lf
from tests.public.conftest import _rows as public_rows
from tests.public.conftest import book as public_book
from tests.supervision import factories as sf

from .conftest import PASSWORD, TIMEOUT_MS

# The ledger's SQLite writer checks that a batch's ids are contiguous after MAX(id); the live-server tests flush
# tables between tests, so start each one with fresh sequences.
pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "var" / "e2e-artefacts"
AXE = ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
AXE_INSTALL = "make var/node/node_modules/axe-core/axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")


# -- the journey recorder: a screenshot and an accessibility check of every page ---------------------------------
class Journey:
    def __init__(self, page, directory: Path, *, axe: bool = True) -> None:
        self.page = page
        self.directory = directory
        self.axe = axe
        self.n = 0
        self.visited: list[str] = []

    def check(self, name: str) -> None:
        """Keep a full-page screenshot of the page as it is now and assert axe finds nothing serious or critical."""
        self.n += 1
        shot = self.directory / f"{self.n:02d}-{name}.png"
        self.page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 0
        self.visited.append(name)
        if self.axe:
            violations = axe_violations(self.page)
            assert not violations, f"{name} ({self.page.url}): " + "; ".join(violations)

    def fits(self, width: int) -> None:
        scroll = self.page.evaluate("document.documentElement.scrollWidth")
        wide = self.page.evaluate(f"""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > {width} + 0.5)
            .map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className : '')
                 + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)""") if scroll > width else []
        assert scroll <= width, f"{self.page.url} is {scroll} px wide at a {width} px viewport: {wide}"


def axe_violations(page) -> list[str]:
    """axe-core's violations of impact serious or critical on the page, one line each (rule, impact, targets)."""
    assert AXE.is_file(), f"axe-core is missing ({AXE}): run `{AXE_INSTALL}` (make test does)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['id']} [{v['impact']}] {v['help']}: {', '.join(v['nodes'])}" for v in result
            if v["impact"] in BLOCKING]


@pytest.fixture
def artefacts(request) -> Path:
    """var/e2e-artefacts/<test name>/ (emptied first, kept after the run)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    directory = ARTEFACTS / name
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.png"):
        old.unlink()
    return directory


@pytest.fixture
def journey(browser, artefacts) -> Iterator[Callable[..., Journey]]:
    """journey(locale=..., viewport=..., js=True) -> a Journey on a fresh page of a new context. The context
    bypasses the page's Content-Security-Policy only so that axe-core can be injected."""
    contexts = []

    def make(*, locale: str = "en-GB", viewport: dict[str, int] | None = None, js: bool = True,
             mobile: bool = False) -> Journey:
        ctx = browser.new_context(locale=locale, viewport=viewport or DESKTOP, java_script_enabled=js,
                                  bypass_csp=js, is_mobile=mobile, accept_downloads=True)
        ctx.set_default_timeout(TIMEOUT_MS)
        contexts.append(ctx)
        return Journey(ctx.new_page(), artefacts, axe=js)

    yield make
    for ctx in contexts:
        ctx.close()


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def nav_link(page, name: str | re.Pattern):
    """A link of the main (side) navigation or, for visitors, of the public navigation."""
    return page.locator("nav.sidenav, nav.public-nav").get_by_role("link", name=name).first


# -- the public --------------------------------------------------------------------------------------------------
def public_world():
    """The public pages' booked account (tests.public: Guizhou and Hebei, 2023 and 2024) and one certified product."""
    w = lf.world()
    public_book(w, public_rows())
    product = cf.certified_product()
    return w, product


def counted(**filters) -> tuple[int, int]:
    agg = PurchaseEntry.objects.filter(counted=True, **filters).aggregate(a=Sum("amount_fen"), n=Sum("sign"))
    return int(agg["a"] or 0), int(agg["n"] or 0)


TEXT = {
    "en": {"h1": "Fupin: the consumption assistance platform",
           "catalogue": "National catalogue of poverty-alleviation products", "genuine": "Genuine"},
    "zh": {"catalogue": "全国扶贫产品目录", "genuine": "真"},
}


def public_journey(j: Journey, base_url: str, product, *, chinese: bool = False, width: int | None = None) -> None:
    page = j.page
    amount_2024, n_2024 = counted(purchase_date__year=2024)
    amount_2023, _n = counted(purchase_date__year=2023)
    page.goto(f"{base_url}/")
    if chinese:
        page.locator("header form.lang button[lang=zh-hans]").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(page.locator("main")).to_contain_text("消费帮扶")
        expect(page.locator("nav.public-nav")).to_contain_text("开放数据")
    else:
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text(TEXT["en"]["h1"])
    # the headline figures equal the account's totals
    expect(page.locator('[data-figure="total-this"]')).to_have_text(fmt.yuan(amount_2024))
    expect(page.locator('[data-figure="total-last"]')).to_have_text(fmt.yuan(amount_2023))
    expect(page.locator('[data-figure="entries-this"]')).to_have_text(str(n_2024))
    tilemap = page.locator("svg.tilemap")
    expect(tilemap).to_be_visible()
    if width:
        j.fits(width)
        # the navigation is reachable: its links are visible and the first one can be followed
        expect(page.locator("nav.public-nav a").first).to_be_visible()
    j.check("home")

    # the map: Guizhou's tile is shaded and opens the province's statistics page
    guizhou = tilemap.locator("a").filter(has=page.locator('[data-province="52"]'))
    expect(guizhou).to_have_count(1)
    guizhou.first.click()
    expect(page).to_have_url(re.compile(r"/statistics/520000/"))
    expect(page.locator("h1")).to_contain_text("贵州" if chinese else "Guizhou")
    if width:
        j.fits(width)
    j.check("province")

    # the catalogue search (through the public navigation)
    page.locator("nav.public-nav a[href='/certification/catalogue/']").click()
    expect(page.locator("h1")).to_have_text(TEXT["zh" if chinese else "en"]["catalogue"])
    page.locator("form.filters input[name=q]").fill(product.name)
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]q="))
    rows = page.locator("#catalogue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(product.code)
    if width:
        j.fits(width)
    j.check("catalogue")

    # verify the product's certificate with its signed code
    cert = product.certificates.get()
    page.goto(f"{base_url}/certification/verify/")
    page.fill("#id_code", cert.code)
    page.click("form.form button[type=submit]")
    expect(page.locator("#result h2")).to_contain_text(TEXT["zh" if chinese else "en"]["genuine"])
    if width:
        j.fits(width)
    j.check("verify")

    # the open data: download the CSV of totals by year and the JSON by channel; they equal the account
    page.goto(f"{base_url}/")
    page.locator("ul.cards.links a[href='/open-data/']").click()
    expect(page).to_have_url(f"{base_url}/open-data/")
    if width:
        j.fits(width)
    j.check("open-data")
    csv_link = page.locator("a[href^='/open-data/by_year.csv']")
    expect(csv_link).to_have_count(1)
    response = page.request.get(base_url + csv_link.get_attribute("href"))
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    (j.directory / "by_year.csv").write_bytes(response.body())
    by_year = {int(r["year"]): (int(r["amount_fen"]), int(r["entries"]))
               for r in csv.DictReader(io.StringIO(response.text()))}
    assert by_year == {2024: (amount_2024, n_2024), 2023: counted(purchase_date__year=2023)}
    json_href = page.locator("a[href^='/open-data/by_channel.json']").get_attribute("href")
    response = page.request.get(f"{base_url}{json_href}?year=2024")
    assert response.ok
    (j.directory / "by_channel-2024.json").write_bytes(response.body())
    got = {r["channel"]: (r["amount_fen"], r["entries"]) for r in json.loads(response.text())["rows"]}
    channels = {c: counted(purchase_date__year=2024, channel=c) for c in ("platform_832", "special_counter",
                                                                          "special_shop")}
    assert got == channels and sum(a for a, _n in got.values()) == amount_2024


def test_public_journey(journey, base_url):
    _w, product = public_world()
    j = journey()
    public_journey(j, base_url, product)
    assert j.visited == ["home", "province", "catalogue", "verify", "open-data"]


def test_public_journey_in_chinese(journey, base_url):
    _w, product = public_world()
    j = journey(locale="zh-CN")
    public_journey(j, base_url, product, chinese=True)


def test_public_journey_on_a_phone(journey, base_url):
    _w, product = public_world()
    j = journey(viewport=PHONE, mobile=True)
    public_journey(j, base_url, product, width=PHONE["width"])


# -- signed-in users ---------------------------------------------------------------------------------------------
def inbox_link(page):
    """The inbox of the main navigation (its label carries the count of items waiting)."""
    return page.locator("nav.sidenav").get_by_role("link", name=re.compile(r"^(Inbox|待办)"))


def supplier_journey(j: Journey, base_url: str, *, width: int | None = None) -> None:
    sup = cf.supplier()
    app = cf.application_in(cf.S.RETURNED, sup=sup)
    page = j.page
    sign_in(page, base_url, sup.user.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Fupin")
    expect(page.locator("#dash-supplier")).to_be_visible()
    expect(page.locator('[data-dash="supplier.applications_returned"]')).to_have_text("1")
    expect(page.locator('[data-dash="inbox.total"]')).to_have_text("1")
    if width:
        j.fits(width)
        expect(inbox_link(page)).to_be_visible()
        box = inbox_link(page).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    j.check("dashboard")
    inbox_link(page).click()
    expect(page).to_have_url(f"{base_url}/inbox/")
    item = page.locator(f'li[data-key^="returned:{app.pk}:"]')
    expect(item).to_have_count(1)
    expect(item.get_by_role("link")).to_contain_text(app.number)
    if width:
        j.fits(width)
    j.check("inbox")
    item.get_by_role("link").click()
    expect(page).to_have_url(f"{base_url}/certification/applications/{app.pk}/")
    expect(page.locator("#status")).to_have_text("Returned for changes")
    if width:
        j.fits(width)
    j.check("application")


def test_supplier_opens_its_dashboard_and_inbox(journey, base_url):
    supplier_journey(journey(), base_url)


def test_supplier_dashboard_on_a_phone(journey, base_url):
    supplier_journey(journey(viewport=PHONE, mobile=True), base_url, width=PHONE["width"])


def test_county_reviewer_works_its_queue_from_the_inbox(journey, base_url):
    from fupin.certification.models import Application

    revs = cf.reviewers()
    app = cf.submit(cf.supplier())
    j = journey()
    page = j.page
    sign_in(page, base_url, revs.county.username)
    j.check("dashboard")
    inbox_link(page).click()
    expect(page).to_have_url(f"{base_url}/inbox/")
    item = page.locator(f'li[data-key="application:{app.pk}:submitted"]')
    expect(item).to_have_count(1)
    j.check("inbox")
    item.get_by_role("link").click()
    expect(page).to_have_url(f"{base_url}/certification/applications/{app.pk}/")
    expect(page.locator("#status")).to_have_text("Awaiting county certification")
    j.check("application")
    page.fill("#reason", "Households and volumes checked in the village")
    page.locator("#decide").get_by_role("button", name="Approve").click()
    expect(page.locator("#status")).to_have_text("County public notice")
    expect(page.locator("#decisions")).to_contain_text("Households and volumes checked in the village")
    j.check("decided")
    assert Application.objects.get(pk=app.pk).status == cf.S.COUNTY_NOTICE
    # the item left the inbox: the queue is computed from the applications' state
    inbox_link(page).click()
    expect(page.locator(f'li[data-key="application:{app.pk}:submitted"]')).to_have_count(0)
    j.check("inbox-after")


def test_buyer_clerk_imports_purchases_and_sees_its_account(journey, base_url, tmp_path):
    w = sf.world()
    year = timezone.localdate().year
    w.book(buyer=w.unit, amount="100.00", date=f"{year}-01-15")
    clerk = w.users["unit"]
    j = journey()
    page = j.page
    sign_in(page, base_url, clerk.username)
    expect(page.locator('[data-dash="buyer.amount"]')).to_have_text(fmt.yuan(10_000))
    expect(page.locator('[data-dash="buyer.entries"]')).to_have_text("1")
    j.check("dashboard")
    page.locator("nav.sidenav").get_by_role("link", name="Upload purchases").click()
    expect(page).to_have_url(f"{base_url}/ledger/imports/")
    j.check("imports")
    rows = [lf.row(source="unit-e2e", external_id=f"U{i}", purchase_date=f"{year}-02-{10 + i:02d}",
                   buyer_code=w.unit.credit_code, seller_code=w.seller.credit_code, amount_yuan=amount)
            for i, amount in enumerate(("1200.00", "34.50"))]
    upload = lf.write_csv(tmp_path / "purchases.csv", rows)
    page.locator("input[type=file]").set_input_files(str(upload))
    dry_run = page.locator("input[name=dry_run]")
    expect(dry_run).to_be_checked()  # a dry run is the default: book for real
    dry_run.uncheck()
    page.get_by_role("button", name="Upload and import").click()
    expect(page).to_have_url(re.compile(r"/ledger/imports/\d+/$"))
    expect(page.locator("main")).to_contain_text("purchases.csv")
    expect(page.locator("main")).to_contain_text("1,234.50")
    expect(page.locator("main")).not_to_contain_text("dry run")
    j.check("import-report")
    assert PurchaseEntry.objects.filter(buyer=w.unit, counted=True).count() == 3
    page.goto(f"{base_url}/")
    total = 10_000 + 120_000 + 3_450
    assert counted(buyer=w.unit, purchase_date__year=year) == (total, 3)
    expect(page.locator('[data-dash="buyer.amount"]')).to_have_text(fmt.yuan(total))
    expect(page.locator('[data-dash="buyer.entries"]')).to_have_text("3")
    expect(page.locator('[data-dash="buyer.imports"]')).to_have_text("1")
    j.check("dashboard-after")
    page.locator('[data-dash="buyer.amount"]').click()
    expect(page).to_have_url(re.compile(rf"/ledger/buyers/{w.unit.pk}/"))
    expect(page.locator("main")).to_contain_text(fmt.yuan(total))
    j.check("account")


def test_national_officer_drills_down_from_an_early_warning(journey, base_url):
    w = sf.world()
    year = timezone.localdate().year
    w.book(buyer=w.unit, amount="300.00", date=f"{year}-02-10")
    sf.approved_plan(w, w.central, [{"metric": "direct_purchase", "value": 10_000_000,
                                     "scheme": "designated_assistance"}], year=year)
    j = journey()
    page = j.page
    sign_in(page, base_url, w.users["office"].username)
    expect(page.locator("#dash-oversight")).to_be_visible()
    j.check("dashboard")
    page.locator("#dash-oversight .dash-links").get_by_role("link", name="Early warning").click()
    expect(page).to_have_url(re.compile(r"/supervision/"))
    expect(page.locator("h1")).to_have_text(f"Early warning {year}")
    row = page.locator("table tbody tr").filter(has_text=w.central.name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("300.00")
    j.check("early-warning")
    row.get_by_role("link", name="300.00").click()
    expect(page).to_have_url(re.compile(r"/supervision/entries/\?"))
    entries = page.locator("table tbody tr")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("300.00")
    j.check("entries")
    entries.first.get_by_role("link", name=re.compile(r"^#\d+$")).click()
    expect(page).to_have_url(re.compile(r"/ledger/entries/\d+/$"))
    expect(page.locator("h1")).to_contain_text("Purchase entry")
    j.check("entry")


# -- without JavaScript ------------------------------------------------------------------------------------------
def test_the_public_pages_work_without_javascript(journey, base_url):
    _w, product = public_world()
    j = journey(js=False)
    page = j.page
    assert page.evaluate("1 + 1") == 2  # Playwright's own evaluation still runs; the page's scripts do not
    page.goto(f"{base_url}/")
    assert page.evaluate("document.scripts.length") == 0  # the portal sends no script at all
    expect(page.get_by_role("heading", level=1)).to_have_text(TEXT["en"]["h1"])
    amount_2024, _n = counted(purchase_date__year=2024)
    expect(page.locator('[data-figure="total-this"]')).to_have_text(fmt.yuan(amount_2024))
    j.check("home")
    # the map's tiles are plain SVG links
    page.locator("svg.tilemap a").filter(has=page.locator('[data-province="52"]')).click()
    expect(page).to_have_url(f"{base_url}/statistics/520000/")
    expect(page.locator("h1")).to_contain_text("Guizhou")
    j.check("province")
    # the catalogue's search is a GET form
    page.locator("nav.public-nav a[href='/certification/catalogue/']").click()
    page.locator("form.filters input[name=q]").fill(product.name)
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/certification/catalogue/\?.*q="))
    expect(page.locator("#catalogue tbody tr")).to_have_count(1)
    expect(page.locator("#catalogue")).to_contain_text(product.code)
    j.check("catalogue")
    page.locator("form.filters input[name=q]").fill("no such product anywhere")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("#catalogue tbody")).to_contain_text("Nothing matches these filters.")
    # the language switch is a POST form
    page.locator("header form.lang button[lang=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("h1")).to_have_text(TEXT["zh"]["catalogue"])
    j.check("catalogue-zh")
