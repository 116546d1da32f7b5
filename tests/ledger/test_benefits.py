"""The linkage pieces that need the account: order-purchase expected benefit from the household's recorded sales,
and the poor share (benefits paid to the poor ÷ the entity's counted sales)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fupin.ledger import benefits, rollups
from fupin.ledger.models import PurchaseEntry
from tests import factories
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db
_n = iter(range(1, 10_000))


def sale(seller, *, amount_fen, day=dt.date(2025, 5, 1), quantity=None, unit="kg", counted=True, reverses=None):
    """One entry in the account (booked directly, then the cubes rebuilt as the ledger's writer would keep them)."""
    return PurchaseEntry.objects.create(
        source="test", external_id=f"S{next(_n)}", purchase_date=day, year=day.year, month=day.month,
        buyer_category="budget_unit", seller=seller, origin=seller.region, county_code=seller.region.code[:6],
        quantity_milli=None if quantity is None else int(Decimal(quantity) * 1000), unit=unit, amount_fen=amount_fen,
        sign=-1 if reverses else 1, kind="direct_purchase", channel="platform_832", status="completed",
        counted=counted, created_at=timezone.now(), reverses=reverses)


@pytest.fixture
def clerk():
    return lf.writer(scope_code="522627")


def test_order_purchase_expected_from_the_households_sales(clerk):
    entity = factories.entity(region_code="522627")
    h1, h2 = factories.household(), factories.household()
    seller1 = factories.entity(kind="poor_household", household=h1)
    c = lf.contract(actor=clerk, entity=entity, households=[h1, h2], mechanism="order_purchase",
                    terms={"unit": "kg", "protected_price_fen": 500, "min_quantity": 100}, start=dt.date(2025, 1, 1))
    sale(seller1, amount_fen=400_00, quantity="100")              # 100 kg paid 4.00 a kg: 1.00 below the price
    wrong = sale(seller1, amount_fen=999_00, quantity="300")      # reversed below
    sale(seller1, amount_fen=-999_00, quantity="-300", reverses=wrong)
    sale(seller1, amount_fen=50_00, quantity="10", unit="box")    # another unit: not this contract's produce
    sale(seller1, amount_fen=100_00, quantity="20", day=dt.date(2024, 12, 31))  # before the contract
    lf.payment(actor=clerk, contract=c, household=h1, paid_on=dt.date(2025, 6, 1), amount_fen=30_00)  # a top-up
    lines = {ln.household_id: ln for ln in benefits.order_purchase_lines(viewer=clerk, year=2025)}
    one = lines[h1.pk]
    assert (one.quantity, one.account_fen, one.expected_fen, one.benefit_paid_fen) == (Decimal(100), 400_00, 500_00, 30_00)
    assert one.shortfall_fen == 70_00
    assert lines[h2.pk].expected_fen == 0 and lines[h2.pk].quantity == 0  # sells nothing through the account
    other = factories.user(roles="viewer", scope_level="county", scope_code="130631")
    assert benefits.order_purchase_lines(viewer=other, year=2025) == []


def test_poor_share_is_benefits_to_the_poor_over_counted_sales(clerk):
    entity = factories.entity(region_code="522627")
    idle = factories.entity(region_code="522627")
    h1, h2 = factories.household(), factories.household()
    c = lf.contract(actor=clerk, entity=entity, households=[h1, h2], mechanism="employment", start=dt.date(2025, 1, 1))
    lf.payment(actor=clerk, contract=c, household=h1, paid_on=dt.date(2025, 3, 1), amount_fen=30_000_00)
    lf.payment(actor=clerk, contract=c, household=h2, paid_on=dt.date(2025, 3, 1), amount_fen=20_000_00)
    sale(entity, amount_fen=400_000_00)
    sale(entity, amount_fen=600_000_00)
    sale(entity, amount_fen=500_000_00, counted=False)   # not counted: outside the denominator
    sale(entity, amount_fen=900_000_00, day=dt.date(2024, 6, 1))  # another year
    rollups.rebuild()
    got = benefits.poor_share(viewer=clerk, entity_ids=[entity.pk, idle.pk], year=2025)
    share = got[entity.pk]
    assert (share.benefit_fen, share.sales_fen, share.households_paid) == (50_000_00, 1_000_000_00, 2)
    assert share.share == pytest.approx(0.05)
    assert idle.pk not in got
    other = factories.user(roles="viewer", scope_level="county", scope_code="130631")
    assert benefits.poor_share(viewer=other, entity_ids=[entity.pk], year=2025) == {}


def test_pages_show_the_poor_share_and_the_produce_bought(clerk):
    from django.test import Client
    from django.urls import reverse

    entity = factories.entity(region_code="522627")
    h = factories.household()
    seller = factories.entity(kind="poor_household", household=h)
    c = lf.contract(actor=clerk, entity=entity, households=[h], mechanism="order_purchase",
                    terms={"unit": "kg", "protected_price_fen": 500, "min_quantity": 100}, start=dt.date(2025, 1, 1))
    lf.payment(actor=clerk, contract=c, household=h, paid_on=dt.date(2025, 6, 1), amount_fen=25_00)
    sale(seller, amount_fen=450_00, quantity="100")
    sale(entity, amount_fen=1_000_00)
    rollups.rebuild()
    client = Client()
    client.force_login(clerk)
    body = client.get(reverse("portal:linkage_contract", args=[c.pk]), {"year": 2025}).content.decode()
    assert 'id="order-purchases"' in body and "500.00" in body and "450.00" in body and "25.00" in body
    body = client.get(reverse("portal:linkage_entity", args=[entity.pk]), {"year": 2025}).content.decode()
    assert "2.50%" in body
