"""Indicators per entity, county and province, by SQL aggregates."""

import datetime as dt

import pytest

from fupin.linkage import indicators
from tests import factories
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db


def test_indicators_by_entity_county_province():
    clerk = lf.writer()
    viewer = factories.user(roles="viewer")
    e1 = factories.entity(region_code="522627")
    e2 = factories.entity(region_code="522628")
    h1, h2, h3 = (factories.household() for _ in range(3))
    c1 = lf.contract(actor=clerk, entity=e1, households=[h1, h2], mechanism="employment")
    c2 = lf.contract(actor=clerk, entity=e2, households=[h3], mechanism="land_lease")
    col = lf.collective("522628")
    c3 = lf.contract(actor=clerk, entity=e2, mechanism="collective_income", collective=col)
    lf.payment(actor=clerk, contract=c1, household=h1, paid_on=dt.date(2024, 3, 1), amount_fen=1000)
    lf.payment(actor=clerk, contract=c1, household=h1, paid_on=dt.date(2024, 4, 1), amount_fen=2000)
    lf.payment(actor=clerk, contract=c1, household=h2, paid_on=dt.date(2024, 4, 1), amount_fen=5000)
    lf.payment(actor=clerk, contract=c2, household=h3, paid_on=dt.date(2024, 4, 1), amount_fen=10000)
    lf.payment(actor=clerk, contract=c3, collective=col, paid_on=dt.date(2024, 5, 1), amount_fen=70000)

    rows, total = indicators.indicators(viewer=viewer, year=2024, group_by="entity")
    by = {r.entity_id: r for r in rows}
    assert (by[e1.pk].households_linked, by[e1.pk].households_paid, by[e1.pk].total_fen, by[e1.pk].median_fen) == (2, 2, 8000, 4000)
    assert by[e2.pk].collective_fen == 70000 and by[e2.pk].total_fen == 10000
    assert by[e2.pk].by_mechanism_fen == {"land_lease": 10000, "collective_income": 70000}
    assert (total.households_linked, total.households_paid, total.total_fen, total.median_fen) == (3, 3, 18000, 5000)
    assert total.contracts == 3

    rows, _t = indicators.indicators(viewer=viewer, year=2024, group_by="county")
    assert {r.region_code: r.total_fen for r in rows} == {"522627": 8000, "522628": 10000}
    rows, _t = indicators.indicators(viewer=viewer, year=2024, group_by="province")
    assert [(r.region_code, r.households_linked) for r in rows] == [("520000", 3)]
    rows, total = indicators.indicators(viewer=viewer, year=2023, group_by="county")
    assert total.total_fen == 0 and total.households_paid == 0

    county_viewer = factories.user(roles="viewer", scope_level="county", scope_code="522627")
    rows, total = indicators.indicators(viewer=county_viewer, year=2024, group_by="entity")
    assert [r.entity_id for r in rows] == [e1.pk] and total.total_fen == 8000
