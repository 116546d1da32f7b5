"""The public catalogue: search, detail, CSV and .xlsx export (formula-injection safe), API."""

import io

import openpyxl
import pytest

from fupin.certification import selectors, services
from tests.assertions import nonempty

from . import factories as cf

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    revs = cf.reviewers()
    sup = cf.supplier()
    tea = cf.product(sup, category="tea")
    craft = services.product_create(supplier=sup.entity, name="=HYPERLINK(\"http://x\")", category="handicraft",
                                    unit="piece", origin_region=tea.origin_region, annual_capacity=10_000,
                                    reference_price_fen=10_000, price_fen=10_000, actor=sup.user)
    hidden = cf.product(sup)  # registered only: never in the catalogue
    app = cf.submit(sup, [tea, craft])
    cf.advance(app, revs, until="certified")
    return {"tea": tea, "craft": craft, "hidden": hidden, "batch": app.batch if app.batch_id else None, "app": app}


def test_search_filters(catalogue):
    codes = lambda **kw: {p.code for p in selectors.catalogue(**kw)}  # noqa: E731
    tea, craft = catalogue["tea"], catalogue["craft"]
    assert codes() == {tea.code, craft.code}
    assert codes(category="tea") == {tea.code}
    assert codes(q=tea.name) == {tea.code}
    assert codes(province="52") == {tea.code, craft.code}
    assert codes(province="13") == set()
    assert codes(county=cf.COUNTY) == {tea.code, craft.code}
    assert codes(supplier=tea.supplier.credit_code) == {tea.code, craft.code}
    catalogue["app"].refresh_from_db()
    assert codes(batch=catalogue["app"].batch.number) == {tea.code, craft.code}
    assert codes(batch="NOPE") == set()


def test_xlsx_export_opens_and_neutralises_formulas(catalogue, api_as):
    r = api_as().get("/catalogue/export", fmt="xlsx", lang="zh-hans")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "产品编码" and len(rows) == 3
    names = {row[1] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://x\")" in names
    assert all(cell.data_type != "f" for cell in nonempty(c for row in ws.iter_rows() for c in row))


def test_csv_export(catalogue, api_as):
    r = api_as().get("/catalogue/export", fmt="csv", category="tea")
    text = r.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("product_code,name,category")
    assert len(lines) == 2 and catalogue["tea"].code in lines[1]


def test_catalogue_api_and_detail(catalogue, api_as):
    anon = api_as()
    body = anon.get("/catalogue", category="tea").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["certificate_number"].startswith("FP") and item["batch_number"]
    assert anon.get(f"/catalogue/{catalogue['hidden'].code}").status_code == 404
