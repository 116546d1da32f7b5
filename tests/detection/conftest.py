"""Detection fixtures: the ledger tests' small world with two legal persons registered both as buyers and as sellers
that trade in a circle (a Beijing unit buys from a 天柱县 supplier, which buys back from the unit), a clean pair
that trades one way only, and reviewers of the provinces concerned and of another province."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation

from fupin.ledger import services as ledger
from fupin.registry.models import MarketEntity
from tests import factories
from tests.ledger import factories as lf

YEAR = 2023
_ext = itertools.count(1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def twin(name: str, *, region_code: str, kind: str = "private_enterprise", parent: Any = None) -> tuple[Any, Any]:
    org = factories.organisation(name, kind=kind, region_code=region_code, parent=parent)
    entity = MarketEntity.objects.create(name=name, kind="enterprise", region=factories.region(lf.POOR_COUNTY),
                                         credit_code=org.credit_code)
    return org, entity


def book(rows: list[tuple[str, Any, Any, float]], *, kind: str = "direct_purchase") -> list[int]:
    """Book (date, buyer org or None, seller entity, yuan) rows through the ledger's service (as the system)."""
    report = ledger.purchase_record_batch(rows=[lf.row(
        external_id=f"DT{next(_ext)}", purchase_date=day, buyer_code=buyer.credit_code if buyer else "",
        seller_code=seller.credit_code, amount_yuan=f"{yuan:.2f}", kind=kind) for day, buyer, seller, yuan in rows],
        actor="test")
    assert not report.errors, [e.as_dict() for e in report.errors]
    return list(report.entry_ids)


@dataclass
class Case:
    unit: Any
    supplier: Any
    unit_seller: Any
    supplier_seller: Any
    clean_buyer: Any
    clean_seller: Any
    entries: list[int]


@pytest.fixture
def circle(db) -> Case:
    lf.world()
    unit, unit_seller = twin("北京某集团", region_code="110101", kind="state_owned_enterprise")
    supplier, supplier_seller = twin("天柱某供应链公司", region_code=lf.POOR_COUNTY)
    clean_buyer, _ = twin("北京某公司", region_code="110102")
    clean_org, clean_seller = twin("天柱某农业公司", region_code=lf.POOR_COUNTY)
    entries = book([(f"{YEAR}-03-01", unit, supplier_seller, 20_000), (f"{YEAR}-05-01", unit, supplier_seller, 15_000),
                    (f"{YEAR}-06-01", supplier, unit_seller, 18_000)])
    book([(f"{YEAR}-03-02", clean_buyer, clean_seller, 20_000), (f"{YEAR}-04-02", clean_org, supplier_seller, 9_000)])
    return Case(unit, supplier, unit_seller, supplier_seller, clean_buyer, clean_seller, entries)


@pytest.fixture
def guizhou_reviewer(db):
    return factories.user("rev52", roles="reviewer", scope_level="province", scope_code="520000")


@pytest.fixture
def beijing_reviewer(db):
    return factories.user("rev11", roles="reviewer", scope_level="province", scope_code="110000")


@pytest.fixture
def hebei_reviewer(db):
    return factories.user("rev13", roles="reviewer", scope_level="province", scope_code="130000")
