"""Who may write the registry, by what the organisation is (issue #16 items 2 and 3), through the API as each
role would: county offices write their households, entities write themselves or are written by their registering
office, market entities and buyers see households masked, superusers act as administrators."""

from __future__ import annotations

import pytest

from fupin.core.enums import SecurityEventKind
from fupin.core.models import SecurityEvent
from fupin.registry.models import Household, MarketEntity
from fupin.registry.services import household_create
from tests import factories
from tests.conftest import ApiClient
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db

COUNTY = "522627"


@pytest.fixture
def world(db):
    rf.regions()
    coop = factories.entity("天柱县石门村合作社", kind="cooperative", region_code=COUNTY)
    other = factories.entity("天柱县另一家企业", kind="enterprise", region_code=COUNTY)
    coop_org = factories.organisation("合作社", kind="private_enterprise", region_code=COUNTY,
                                      credit_code=coop.credit_code)
    budget_unit = factories.organisation("某中央预算单位", kind="budget_unit", region_code="110101")
    household = household_create(resident_id=factories.resident_id(1), village_code=rf.VILLAGE,
                                 status="registered_poor", head_name="张三丰", phone="13812345678", actor="test")
    far = household_create(resident_id=factories.resident_id(2), village_code=rf.OTHER_VILLAGE,
                           status="registered_poor", head_name="李四", phone="13912345678", actor="test")
    return {
        "coop": coop, "other": other, "household": household, "far_household": far,
        "county_office": factories.user("office_clerk", roles="clerk,reviewer", scope_level="county",
                                        scope_code=COUNTY),
        "coop_clerk": factories.user("coop_clerk", roles="clerk", scope_level="county", scope_code=COUNTY,
                                     organisation=coop_org),
        "unit_clerk": factories.user("unit_clerk", roles="clerk", organisation=budget_unit),
        "province_office": factories.user("province_clerk", roles="clerk", scope_level="province", scope_code="52"),
        "super_viewer": _superuser_with_viewer_role(),
    }


def _superuser_with_viewer_role():
    u = factories.user("root", roles="viewer", organisation=None)
    u.is_superuser = True
    u.save()
    return u


def _status(world, who: str, household: str = "household"):
    return ApiClient(world[who]).post(f"/households/{world[household].pk}/status",
                                      {"to": "lifted_out", "lifted_year": 2020, "reason": "核实脱贫"})


def test_a_cooperatives_clerk_cannot_change_a_households_poverty_status(world):
    response = _status(world, "coop_clerk")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    assert Household.objects.get(pk=world["household"].pk).status == "registered_poor"


def test_a_nation_scoped_budget_unit_clerk_cannot_edit_a_household_anywhere(world):
    response = ApiClient(world["unit_clerk"]).raw("patch", f"/households/{world['far_household'].pk}",
                                                  '{"size": 9}')
    assert response.status_code == 403
    assert Household.objects.get(pk=world["far_household"].pk).size != 9


def test_only_the_county_office_writes_its_households(world):
    assert _status(world, "province_office").status_code == 403  # an office, but not the county's
    assert _status(world, "county_office", "far_household").status_code == 403  # another county
    response = _status(world, "county_office")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "lifted_out"


def test_a_superuser_with_the_viewer_role_acts_as_administrator(world):
    response = _status(world, "super_viewer")
    assert response.status_code == 200, response.content


def test_a_seller_renames_itself_but_not_another_seller(world):
    client = ApiClient(world["coop_clerk"])
    other = client.raw("patch", f"/entities/{world['other'].pk}", '{"name": "被改名的企业"}')
    assert other.status_code == 403
    assert MarketEntity.objects.get(pk=world["other"].pk).name == "天柱县另一家企业"
    own = client.raw("patch", f"/entities/{world['coop'].pk}", '{"name": "天柱县石门村生态种植合作社"}')
    assert own.status_code == 200, own.content
    assert own.json()["name"] == "天柱县石门村生态种植合作社"


def test_the_registering_office_edits_an_entity_of_its_county(world):
    response = ApiClient(world["county_office"]).raw("patch", f"/entities/{world['other'].pk}", '{"active": false}')
    assert response.status_code == 200, response.content


def test_a_market_entity_cannot_register_sellers_or_import_the_registry(world):
    client = ApiClient(world["coop_clerk"])
    response = client.post("/entities", {"name": "冒名合作社", "kind": "cooperative", "region_code": COUNTY,
                                         "credit_code": factories.uscc(777)})
    assert response.status_code == 403
    assert not MarketEntity.objects.filter(name="冒名合作社").exists()


def test_a_refusal_writes_exactly_one_security_event(world):
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.PERMISSION_DENIED).count()
    assert _status(world, "coop_clerk").status_code == 403
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.PERMISSION_DENIED).count() == before + 1


@pytest.mark.parametrize("who,masked", [
    ("county_office", False),   # the county poverty office works with the household
    ("coop_clerk", True),       # a market entity of the same county
    ("unit_clerk", True),       # a buyer with a nation scope
    ("province_office", True),  # a higher level
    ("super_viewer", True),     # administrators have no need to see names
])
def test_personal_data_is_unmasked_only_for_the_county_office(world, who, masked):
    response = ApiClient(world[who]).get("/households", code=world["household"].registry_code)
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert len(items) == 1
    row = items[0]
    assert row["masked"] is masked
    assert (row["head_name"] == "张三丰") is not masked
    assert (row["phone"] == "13812345678") is not masked


def test_a_suppliers_export_of_households_is_masked(world):
    response = ApiClient(world["coop_clerk"]).get("/registry/households/export", format="csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    assert "张三丰" not in text and "13812345678" not in text
    assert world["household"].registry_code in text
