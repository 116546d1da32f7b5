"""The public home page and the statistics pages: anonymous, in English and 简体中文, figures equal to the account
(computed here from the entries), the tile map of provinces, small groups suppressed, no inline code."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.db.models import Sum
from django.test import Client

from fupin.core.models import PolicyParameter
from fupin.ledger.models import PurchaseEntry
from fupin.portal.format import yuan
from fupin.public.parameters import MIN_GROUP_ENTRIES
from fupin.public.provinces import PROVINCE_LIST
from tests import factories
from tests.ledger import factories as lf

from .conftest import GUIZHOU, HEBEI, book

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def counted(**filters):
    """Totals straight from the entries (not through any selector or rollup)."""
    qs = PurchaseEntry.objects.filter(counted=True, **filters)
    agg = qs.aggregate(amount=Sum("amount_fen"), n=Sum("sign"))
    return int(agg["amount"] or 0), int(agg["n"] or 0)


def year_of(year):
    return {"purchase_date__year": year}


def page(path, language="en"):
    r = Client(HTTP_ACCEPT_LANGUAGE=language).get(path)
    assert r.status_code == 200, (path, r.status_code)
    return r.content.decode()


def figure(html, name):
    m = re.search(rf'data-figure="{name}">(.*?)</span>', html, re.S)
    assert m, name
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


def the_map(html):
    svg = re.search(r'<svg[^>]*class="tilemap".*?</svg>', html, re.S)
    assert svg, "no tile map"
    return ET.fromstring(svg.group(0))


def tiles(root):
    return {r.get("data-province"): r.get("class") for r in root.iter(f"{SVG}rect") if "tile" in r.get("class", "").split()}


def test_every_test_entry_counts(booked):
    assert PurchaseEntry.objects.count() == len(booked.rows)
    assert PurchaseEntry.objects.filter(counted=False).count() == 0


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_anonymous_home_page_shows_the_accounts_totals(booked, language):
    html = page("/", language)
    amount_2024, n_2024 = counted(**year_of(2024))
    amount_2023, _ = counted(**year_of(2023))
    assert amount_2024 == (1450 + 6 * 50 + 6 * 200) * 100  # the fixture's arithmetic, independently
    assert figure(html, "total-this") == yuan(amount_2024)
    assert figure(html, "total-last") == yuan(amount_2023)
    assert figure(html, "entries-this") == str(n_2024)
    for channel in ("platform_832", "special_counter", "special_shop"):
        a, _ = counted(channel=channel, **year_of(2024))
        assert yuan(a) in html
    helped, _ = counted(kind="helped_sale", **year_of(2024))
    assert yuan(helped) in html
    grain, _ = counted(product_category="grain_oil", **year_of(2024))
    assert yuan(grain) in html
    # links to the public pages that already exist, and to the new ones
    for href in ("/certification/catalogue/", "/certification/verify/", "/statistics/", "/open-data/"):
        assert f'href="{href}"' in html
    if language == "zh-hans":
        assert 'lang="zh-Hans"' in html and "消费帮扶" in html and "开放数据" in html and "贵州" in html
    else:
        assert 'lang="en"' in html and "Open data" in html and "Where the products came from" in html


def test_the_home_page_is_kept_until_the_rollups_change(booked):
    """The headline figures are kept under the rollups' version: a repeated page reads no cube, and a new booking
    shows at once (the version moved)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fupin.ledger.selectors import rollup_version

    before = figure(page("/?year=2024"), "total-this")
    with CaptureQueriesContext(connection) as ctx:
        assert figure(page("/?year=2024"), "total-this") == before
    assert not [q for q in ctx.captured_queries if "ledger_rollup" in q["sql"] and "rollupversion" not in q["sql"]]
    version = rollup_version()
    book(booked.world, [lf.row(external_id="LATE", seller_code="{seller}", purchase_date="2024-08-08",
                               amount_yuan="1000.00", channel="platform_832", kind="direct_purchase")])
    assert rollup_version() > version
    amount, _n = counted(**year_of(2024))
    assert figure(page("/?year=2024"), "total-this") == yuan(amount) != before


def test_the_home_page_defaults_to_the_newest_year_with_purchases(booked):
    html = page("/")
    assert "The account in 2024" in html
    html = page("/?year=2023")
    assert "The account in 2023" in html
    assert figure(html, "total-this") == yuan(counted(**year_of(2023))[0])


def test_signed_in_users_keep_their_home_page(booked, client):
    user = factories.user("viewer_home", roles="viewer")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "Welcome to Fupin" in html and "data-figure" not in html


def test_the_map_has_one_tile_per_province_shaded_by_amount(booked):
    root = the_map(page("/"))
    shades = tiles(root)
    assert set(shades) == {p.code for p in PROVINCE_LIST} and len(shades) == 31
    gz, _ = counted(county_code__startswith=GUIZHOU, **year_of(2024))
    hb, _ = counted(county_code__startswith=HEBEI, **year_of(2024))
    # Guizhou 1,750.00 yuan is the largest: the top band; Hebei 1,200.00 of it → ceil(5 × 0.686) = band 4
    assert (gz, hb) == (175_000, 120_000)
    assert shades[GUIZHOU] == "tile shade-5"
    assert shades[HEBEI] == "tile shade-4"
    assert all(shades[p.code] == "tile shade-0" for p in PROVINCE_LIST if p.code not in (GUIZHOU, HEBEI))
    # accessible: the map is labelled, every tile links to its province and says its name and amount
    assert root.get("role") == "group" and root.get("aria-labelledby")
    links = {a.get("href"): a.findtext(f"{SVG}title") for a in root.iter(f"{SVG}a")}  # named by its <title>
    assert links["/statistics/520000/"] == f"Guizhou: {yuan(gz)} yuan"
    assert len(links) == 31
    legend = [r.get("class") for r in root.iter(f"{SVG}rect") if "swatch" in r.get("class", "")]
    assert legend == [f"swatch shade-{b}" for b in ("0", "1", "2", "3", "4", "5", "x")]


def test_small_groups_are_suppressed_on_the_map_and_in_the_tables(booked):
    PolicyParameter.objects.filter(key=MIN_GROUP_ENTRIES).update(value=7)
    html = page("/")
    shades = tiles(the_map(html))
    # Hebei has 6 counted purchases (< 7): suppressed; Guizhou with it, as the national total would reveal Hebei
    assert shades[HEBEI] == "tile shade-x" and shades[GUIZHOU] == "tile shade-x"
    hb, _ = counted(county_code__startswith=HEBEI, **year_of(2024))
    assert yuan(hb) not in html
    # the special shops (Hebei's 6) and special counters (6) are below 7 → suppressed; 832 (10) shown
    assert yuan(counted(channel="special_counter", **year_of(2024))[0]) not in html
    assert yuan(counted(channel="platform_832", **year_of(2024))[0]) in html
    assert "suppressed" in html


def test_no_personal_data_on_the_public_pages(booked):
    hh = booked.world.household
    for path in ("/", "/statistics/", "/statistics/520000/", "/open-data/"):
        html = page(path)
        for secret in (hh.head_name, hh.phone, hh.registry_code, booked.world.seller.credit_code,
                       booked.world.seller.name):
            assert secret not in html, (path, secret)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_national_statistics_page(booked, language):
    html = page("/statistics/?year=2024", language)
    total, n = counted(**year_of(2024))
    assert figure(html, "total") == yuan(total) and figure(html, "entries") == str(n)
    months = PurchaseEntry.objects.filter(counted=True, purchase_date__year=2024).values_list(
        "purchase_date__month").annotate(a=Sum("amount_fen"), n=Sum("sign")).values_list("purchase_date__month", "a", "n").order_by(
        "purchase_date__month")  # a GROUP BY has no order of its own (PostgreSQL's differs from SQLite's)
    shown = [(m, a) for m, a, n in months if n >= 5]
    assert [m for m, _a in shown] == [7, 9]  # the other months have fewer than 5 purchases each: suppressed
    for _month, amount in shown:
        assert yuan(amount) in html
    gz, _ = counted(county_code__startswith=GUIZHOU, **year_of(2024))
    assert re.search(rf'data-region="520000">.*?{re.escape(yuan(gz))}', html, re.S)
    assert len(tiles(the_map(html))) == 31
    assert 'href="/open-data/by_province.csv?year=2024"' in html
    if language == "zh-hans":
        assert "全国统计" in html
    else:
        assert "National statistics" in html


def test_province_statistics_page(booked):
    html = page("/statistics/520000/?year=2024")
    gz, n = counted(county_code__startswith=GUIZHOU, **year_of(2024))
    assert figure(html, "total") == yuan(gz) and figure(html, "entries") == str(n)
    assert "Guizhou" in html and 'data-region="522600"' in html  # its prefecture
    hb, _ = counted(county_code__startswith=HEBEI, **year_of(2024))
    assert yuan(hb) not in html
    assert page("/statistics/52/").count("Guizhou") >= 1


def test_bad_page_parameters_are_4xx_not_500(booked):
    c = Client()
    assert c.get("/?year=abc").status_code == 400
    assert c.get("/statistics/?year=1900").status_code == 400
    assert c.get("/statistics/990000/").status_code == 404
    assert c.get("/statistics/5200/").status_code == 404
    assert c.get("/statistics/abc/").status_code == 404


def test_public_pages_have_no_inline_script_or_style(booked):
    for path in ("/", "/statistics/", "/statistics/520000/", "/open-data/"):
        html = page(path)
        assert "<script" not in html and "<style" not in html, path
        # the shared bar and line charts (portal.charts) lose their own style attribute with the CSP work; the
        # public templates and the tile map have none
        own = re.sub(r'<svg[^>]*class="chart chart-.*?</svg>', "", html, flags=re.S)
        assert " style=" not in own, path
        assert "/static/portal/public.css" in html


def test_public_pages_work_with_nothing_booked(db):
    for path in ("/", "/statistics/", "/statistics/520000/", "/open-data/"):
        assert Client().get(path).status_code == 200
