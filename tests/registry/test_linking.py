"""`selectors.relations_linking`: through supervising units, region ancestors, helper regions and years."""

from __future__ import annotations

import pytest

from fupin.registry import selectors, services
from fupin.registry.models import Region
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(db):
    village = factories.region("522627100201", "石门村")
    factories.region("330106", "西湖区")
    unit = factories.organisation("中央单位", kind="central_unit")
    canteen = factories.organisation("机关食堂", kind="budget_unit", parent=unit)
    hangzhou_firm = factories.organisation("杭州企业", kind="private_enterprise", region_code="330106")
    lone = factories.organisation("无关单位", kind="budget_unit")
    rel = {
        "designated": services.relation_create(kind="designated_assistance", helper_org=unit, helped_region_code="522627",
                                               year_from=2015, year_to=2020, actor="test"),
        "east_west": services.relation_create(kind="east_west", helper_region_code="330000",
                                              helped_region_code="522600", year_from=2016, actor="test"),
    }
    return {"village": village, "unit": unit, "canteen": canteen, "firm": hangzhou_firm, "lone": lone, **rel}


def linking(org, region, year):
    return {r.pk for r in selectors.relations_linking(organisation=org, region=region, year=year)}


def test_a_unit_under_the_helper_links_to_villages_of_the_helped_county(setup):
    assert linking(setup["canteen"], setup["village"], 2018) == {setup["designated"].pk}
    assert linking(setup["unit"], Region.objects.get(code="522627"), 2015) == {setup["designated"].pk}


def test_years_outside_the_relation_do_not_link(setup):
    assert linking(setup["canteen"], setup["village"], 2014) == set()
    assert linking(setup["canteen"], setup["village"], 2021) == set()


def test_a_region_above_the_helped_one_does_not_link(setup):
    assert linking(setup["canteen"], Region.objects.get(code="522600"), 2018) == set()


def test_east_west_links_organisations_of_the_helping_province(setup):
    assert linking(setup["firm"], setup["village"], 2025) == {setup["east_west"].pk}
    assert linking(setup["firm"], setup["village"], 2015) == set()
    assert linking(setup["lone"], setup["village"], 2018) == set()
