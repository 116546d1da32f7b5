"""Each detector on purchases booked through the ledger's services (the pipeline counts them, the run reads them
back through the selectors): the planted case is flagged, the clean control beside it is not."""

import pytest

from fupin.certification.models import Product
from fupin.detection import services
from fupin.detection.models import Flag
from tests.detection.conftest import YEAR, book, twin
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


def kinds_and_buyers():
    return sorted((f.kind, f.buyer_id, f.seller_id) for f in Flag.objects.exclude(kind="circular_trade"))


def test_a_spike_before_the_deadline(circle):
    spiky, _ = twin("北京某单位甲", region_code="110105", kind="budget_unit")
    even, _ = twin("北京某单位乙", region_code="110106", kind="budget_unit")
    rows = [(f"{YEAR}-{m:02d}-10", spiky, circle.clean_seller, 4_000) for m in range(2, 12)]
    rows += [(f"{YEAR}-12-{d}", spiky, circle.clean_seller, 25_000) for d in (22, 26, 30)]
    rows += [(f"{YEAR}-{m:02d}-{d}", even, circle.clean_seller, 30_000) for m in range(1, 13) for d in ("01", "15")]
    rows += [(f"{YEAR}-12-28", even, circle.clean_seller, 60_000)]  # 60,000 yuan at the deadline: 3 × its usual rate
    book(rows)
    services.detection_run(year=YEAR, actor="test")
    assert kinds_and_buyers() == [("deadline_spike", spiky.pk, None)]


def test_amounts_split_under_a_threshold(circle):
    splitter, _ = twin("北京某单位丙", region_code="110105", kind="budget_unit")
    honest, _ = twin("北京某单位丁", region_code="110106", kind="budget_unit")
    book([(f"{YEAR}-06-0{d}", splitter, circle.clean_seller, amount)
          for d, amount in ((1, 48_500), (2, 49_200), (4, 47_900))])
    book([(f"{YEAR}-06-0{d}", honest, circle.clean_seller, 31_000) for d in (1, 2, 4)])  # far under the threshold
    services.detection_run(year=YEAR, actor="test")
    assert kinds_and_buyers() == [("split_under_threshold", splitter.pk, circle.clean_seller.pk)]


def test_purchases_concentrated_on_a_subsidiary(circle):
    group, _ = twin("北京某集团乙", region_code="110105", kind="state_owned_enterprise")
    _sub, sub_seller = twin("北京某集团乙农产品公司", region_code="110105", parent=group)
    book([(f"{YEAR}-{m:02d}-05", group, sub_seller, 30_000) for m in range(2, 6)])
    other, _ = twin("北京某集团丙", region_code="110106", kind="state_owned_enterprise")
    book([(f"{YEAR}-{m:02d}-05", other, sub_seller, 30_000) for m in range(2, 6)])  # not tied to it
    services.detection_run(year=YEAR, actor="test")
    assert kinds_and_buyers() == [("tied_concentration", group.pk, None)]


def test_a_poor_household_above_its_plausible_volume(circle):
    from fupin.registry.models import MarketEntity

    household = MarketEntity.objects.get(kind="poor_household")
    code = household.household.registry_code
    from fupin.ledger import services as ledger

    report = ledger.purchase_record_batch(rows=[lf.row(external_id=f"HH{m}", purchase_date=f"{YEAR}-{m:02d}-03",
                                                       seller_code=code, amount_yuan="90000.00")
                                                for m in range(2, 9)], actor="test")
    assert not report.errors
    book([(f"{YEAR}-{m:02d}-03", None, circle.clean_seller, 90_000) for m in range(2, 9)])  # an enterprise: no limit
    services.detection_run(year=YEAR, actor="test")
    assert kinds_and_buyers() == [("implausible_volume", None, household.pk)]


def test_a_product_sold_beyond_its_certified_capacity(circle):
    product = Product.objects.get(code="P-CERT")
    Product.objects.filter(pk=product.pk).update(annual_capacity=1_000, price_fen=5_000)  # 50,000 yuan a year
    other = Product.objects.get(code="P-NONE")
    Product.objects.filter(pk=other.pk).update(annual_capacity=1_000, price_fen=5_000)
    from fupin.ledger import services as ledger

    rows = [lf.row(external_id=f"PC{m}", purchase_date=f"{YEAR}-{m:02d}-03", seller_code=product.supplier.credit_code,
                   product_code="P-CERT", amount_yuan="10000.00") for m in range(2, 9)]  # 70,000 yuan
    rows += [lf.row(external_id=f"PN{m}", purchase_date=f"{YEAR}-{m:02d}-03", seller_code=other.supplier.credit_code,
                    product_code="P-NONE", origin_code=lf.POOR_VILLAGE, amount_yuan="10000.00")
             for m in range(2, 7)]  # 50,000 yuan: within 1.2 × its capacity
    report = ledger.purchase_record_batch(rows=rows, actor="test")
    assert not report.errors, [e.as_dict() for e in report.errors]
    services.detection_run(year=YEAR, actor="test")
    flags = list(Flag.objects.filter(kind="beyond_capacity"))
    assert [(f.product_id, f.evidence["capacity_fen"]) for f in flags] == [(product.pk, 5_000_000)]
    assert kinds_and_buyers() == [("beyond_capacity", None, product.supplier_id)]
