"""Public face fixtures: a small booked account (two provinces of origin, two years, several channels, kinds and
product categories) built through the ledger's services, so the rollups hold what the public pages read."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.management import call_command

from fupin.ledger import services
from tests.ledger import factories as lf

GUIZHOU, HEBEI = "52", "13"


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Pages are checked in both languages: make sure the .mo files are up to date (cheap when they are)."""
    from asgiref.local import Local
    from django.utils.translation import trans_real

    call_command("compile_translations", stdout=io.StringIO())
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    """The rate limit counts per address in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Booked:
    world: lf.World
    rows: list[dict[str, str]]


def _rows() -> list[dict[str, str]]:
    """Guizhou (the cooperative of the poverty county 522627) in 2024: 10 direct purchases on the 832 platform of
    100.00 … 190.00 yuan and 6 helped sales at special counters of 50.00; in 2023: 8 of 80.00. Hebei (the certified
    product P-CERT of 130631, grain and oil) in 2024: 6 purchases in special shops of 200.00."""
    w_rows = []
    n = 0

    def add(**kw: str) -> None:
        nonlocal n
        n += 1
        w_rows.append(lf.row(external_id=f"P{n}", **kw))

    for i in range(10):
        add(seller_code="{seller}", purchase_date=f"2024-{1 + i % 6:02d}-10", amount_yuan=f"{100 + 10 * i}.00",
            channel="platform_832", kind="direct_purchase")
    for _i in range(6):
        add(seller_code="{seller}", purchase_date="2024-07-01", amount_yuan="50.00", channel="special_counter",
            kind="helped_sale")
    for _i in range(8):
        add(seller_code="{seller}", purchase_date="2023-03-03", amount_yuan="80.00", channel="platform_832",
            kind="direct_purchase")
    for _i in range(6):
        add(seller_code="{plain}", product_code="P-CERT", purchase_date="2024-09-09", amount_yuan="200.00",
            channel="special_shop", kind="direct_purchase")
    return w_rows


def book(w: lf.World, rows: list[dict[str, str]]) -> None:
    codes = {"{seller}": w.seller.credit_code, "{plain}": w.plain_seller.credit_code}
    report = services.purchase_record_batch(
        rows=[{**r, "seller_code": codes.get(r["seller_code"], r["seller_code"])} for r in rows], actor="cli")
    assert report.rejected == 0, report.errors


@pytest.fixture
def booked(db) -> Booked:
    w = lf.world()
    rows = _rows()
    book(w, rows)
    return Booked(w, rows)
