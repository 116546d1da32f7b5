"""The reads the ledger relies on: products by code and certified periods, batched (one query per call)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.certification import rules, selectors
from fupin.certification.models import CertificationPeriod, Product
from tests import factories

pytestmark = pytest.mark.django_db

D = dt.date


def _product(code, supplier=None):
    supplier = supplier or factories.entity()
    return Product.objects.create(code=code, name=f"Product {code}", category="tea", unit="kg", supplier=supplier,
                                  origin_region=supplier.region, annual_capacity=1000, reference_price_fen=5000)


def test_certified_on_is_inclusive_and_open_ended():
    periods = [(D(2020, 3, 1), D(2020, 6, 30)), (D(2021, 1, 1), None)]
    assert not rules.certified_on(periods, D(2020, 2, 29))
    assert rules.certified_on(periods, D(2020, 3, 1))
    assert rules.certified_on(periods, D(2020, 6, 30))
    assert not rules.certified_on(periods, D(2020, 7, 1))
    assert rules.certified_on(periods, D(2030, 1, 1))
    assert not rules.certified_on([], D(2020, 1, 1))


def test_products_by_codes_and_periods_in_one_query_each():
    supplier = factories.entity()
    a, b, c = (_product(f"P00{i}", supplier) for i in range(1, 4))
    CertificationPeriod.objects.create(product=a, start=D(2020, 5, 1), end=D(2020, 8, 31))
    CertificationPeriod.objects.create(product=a, start=D(2021, 1, 1), end=None)
    CertificationPeriod.objects.create(product=b, start=D(2020, 5, 1), end=D(2023, 4, 30))
    with CaptureQueriesContext(connection) as q:
        found = selectors.products_by_codes(codes=["P001", "P002", "P003", "P999"])
    assert len(q) == 1
    assert set(found) == {"P001", "P002", "P003"}
    with CaptureQueriesContext(connection) as q:
        periods = selectors.certified_periods(product_ids=[a.pk, b.pk, c.pk])
    assert len(q) == 1
    assert periods[a.pk] == [(D(2020, 5, 1), D(2020, 8, 31)), (D(2021, 1, 1), None)]
    assert c.pk not in periods
    assert selectors.certified_product_ids_of_supplier(supplier_id=supplier.pk, on=D(2020, 6, 1)) == {a.pk, b.pk}
    assert selectors.certified_product_ids_of_supplier(supplier_id=supplier.pk, on=D(2020, 10, 1)) == {b.pk}
    assert selectors.product_certified_on(product_id=a.pk, on=D(2020, 10, 1)) is False
    assert selectors.product_certified_on(product_id=a.pk, on=D(2025, 10, 1)) is True
