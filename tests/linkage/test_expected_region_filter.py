"""Issue #9 item 6: expected-vs-paid and the flags filter a region with its subtree prefix, as the selectors do —
a province or prefecture written in full (520000, 522600) covers its counties."""

import datetime as dt

import pytest

from fupin.linkage import expected
from fupin.linkage.enums import FlagKind
from tests import factories
from tests.linkage import factories as lf

pytestmark = pytest.mark.django_db

ON = dt.date(2024, 12, 31)


@pytest.fixture
def unpaid():
    """A household of 天柱县 (522627, Guizhou) with a wage contract and nothing paid; a household claimed by four
    entities."""
    clerk = lf.writer(scope_code="522627")
    h = factories.household()
    lf.contract(actor=clerk, households=[h], mechanism="employment", terms={"wage_basis": "month", "wage_fen": 200000},
                start=dt.date(2024, 1, 1))
    many = factories.household()
    for mech in ("employment", "land_lease", "dividend", "tourism"):
        lf.contract(actor=clerk, households=[many], mechanism=mech, start=dt.date(2024, 1, 1))
    return h, many


@pytest.mark.parametrize("region", ["520000", "522600", "522627", "52", "5226"])
def test_a_province_or_prefecture_code_covers_its_counties(unpaid, region):
    h, many = unpaid
    viewer = factories.user(roles="viewer")
    lines = expected.expected_vs_paid(viewer=viewer, start=dt.date(2024, 1, 1), end=ON, region_code=region)
    assert h.pk in {ln.household_id for ln in lines}
    found = expected.flags(viewer=viewer, on=ON, region_code=region)
    assert h.pk in {f.household_id for f in found if f.kind == FlagKind.NO_PAYMENT}
    assert many.pk in {f.household_id for f in found if f.kind == FlagKind.MANY_ENTITIES}


@pytest.mark.parametrize("region", ["130000", "130600", "130631"])
def test_another_region_covers_none_of_them(unpaid, region):
    viewer = factories.user(roles="viewer")
    assert expected.expected_vs_paid(viewer=viewer, start=dt.date(2024, 1, 1), end=ON, region_code=region) == []
    assert expected.flags(viewer=viewer, on=ON, region_code=region) == []
