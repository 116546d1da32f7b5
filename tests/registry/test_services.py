"""Registry services: validation, audit before → after, scope and roles, household transitions."""

from __future__ import annotations

import pytest
from django.conf import settings

from fupin.core.errors import AccessDenied, InvalidInput, TransitionNotAllowed
from fupin.core.models import AuditEntry
from fupin.core.validators import keyed_hash
from fupin.registry import services
from fupin.registry.models import Household
from tests import factories
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    rf.regions()


def test_organisation_create_validates_and_audits(world):
    code = factories.uscc(11)
    org = services.organisation_create(name=" 国家发展和改革委员会 ", kind="government_department", region_code="110101",
                                       credit_code=code.lower(), actor="test")
    assert org.name == "国家发展和改革委员会" and org.credit_code == code and org.region.code == "110101"
    entry = AuditEntry.objects.get(action="organisation:create")
    assert entry.after["credit_code"] == code and entry.actor_name == "test"
    with pytest.raises(InvalidInput, match="check character"):
        services.organisation_create(name="x", kind="budget_unit", region_code="110101", credit_code=code[:-1] + "0"
                                     if code[-1] != "0" else code[:-1] + "1", actor="test")
    with pytest.raises(InvalidInput) as dup:
        services.organisation_create(name="x", kind="budget_unit", region_code="110101", credit_code=code, actor="test")
    assert dup.value.code == "duplicate"
    with pytest.raises(InvalidInput, match="Unknown region"):
        services.organisation_create(name="x", kind="budget_unit", region_code="999999", actor="test")
    with pytest.raises(InvalidInput):
        services.organisation_create(name="x", kind="spaceship", region_code="110101", actor="test")


def test_organisation_update_audits_only_what_changed_and_refuses_cycles(world):
    parent = services.organisation_create(name="中央单位", kind="central_unit", region_code="110101", actor="test")
    child = services.organisation_create(name="服务中心", kind="budget_unit", region_code="110101", parent=parent,
                                         actor="test")
    services.organisation_update(organisation=child, name="机关服务中心", kind="budget_unit", actor="test", reason="rename")
    entry = AuditEntry.objects.get(action="organisation:update")
    assert entry.before == {"name": "服务中心"} and entry.after == {"name": "机关服务中心"} and entry.reason == "rename"
    with pytest.raises(InvalidInput, match="supervised by itself"):
        services.organisation_update(organisation=parent, parent=child, actor="test")
    services.organisation_update(organisation=child, name="机关服务中心", actor="test")  # no change, no entry
    assert AuditEntry.objects.filter(action="organisation:update").count() == 1


@pytest.mark.parametrize("kind,credit_code,problem", [
    ("enterprise", None, "required"),
    ("cooperative", "91350100M000100Y44", "check character"),
    ("family_farm", "ABC", "18 characters"),
])
def test_legal_person_entities_need_a_valid_credit_code(world, kind, credit_code, problem):
    with pytest.raises(InvalidInput, match=problem):
        services.entity_create(name="主体", kind=kind, region_code=rf.COUNTY, credit_code=credit_code, actor="test")


def test_poor_household_entities_link_the_household_and_have_no_credit_code(world):
    household = factories.household(village_code=rf.VILLAGE)
    with pytest.raises(InvalidInput, match="no credit code"):
        services.entity_create(name="脱贫户", kind="poor_household", household=household, credit_code=factories.uscc(),
                               actor="test")
    with pytest.raises(InvalidInput, match="name its household"):
        services.entity_create(name="脱贫户", kind="poor_household", actor="test")
    seller = services.entity_create(name="脱贫户", kind="poor_household", household=household, sectors=["other"],
                                    actor="test")
    assert seller.household == household and seller.region.code == rf.VILLAGE and seller.credit_code is None
    assert seller.sectors == ",other,"
    with pytest.raises(InvalidInput) as again:
        services.entity_create(name="脱贫户", kind="poor_household", household=household, actor="test")
    assert again.value.code == "duplicate"
    with pytest.raises(InvalidInput, match="Only a poor household"):
        services.entity_create(name="企业", kind="enterprise", region_code=rf.COUNTY, credit_code=factories.uscc(),
                               household=factories.household(village_code=rf.VILLAGE), actor="test")


def test_entity_sectors_and_update(world):
    entity = services.entity_create(name="天柱茶叶合作社", kind="cooperative", region_code=rf.COUNTY,
                                    credit_code=factories.uscc(), sectors=["processing", "ecommerce"], actor="test")
    assert entity.sector_list == ["ecommerce", "processing"]
    with pytest.raises(InvalidInput, match="Unknown sector"):
        services.entity_update(entity=entity, sectors=["mining"], actor="test")
    services.entity_update(entity=entity, sectors=["rural_tourism"], active=False, actor="test")
    entry = AuditEntry.objects.get(action="entity:update")
    assert entry.after == {"sectors": ",rural_tourism,", "active": False}


def test_household_create_keeps_only_the_keyed_hash(world):
    number = factories.resident_id(5)
    household = services.household_create(resident_id=number.lower(), village_code=rf.VILLAGE, status="lifted_out",
                                          lifted_year=2019, size=4, head_name="张三丰", phone="13812345678", actor="test")
    assert household.id_hash == keyed_hash(number, key=settings.FUPIN_HASH_KEY)
    assert number not in str(Household.objects.values().get())
    entry = AuditEntry.objects.get(action="household:create")
    assert entry.after["head_name"] == "张**" and entry.after["phone"] == "138****5678"
    assert number not in str(entry.after)
    with pytest.raises(InvalidInput) as dup:
        services.household_create(resident_id=number, village_code=rf.VILLAGE, status="lifted_out", actor="test")
    assert dup.value.code == "duplicate"


@pytest.mark.parametrize("fields,message", [
    ({"resident_id": "110105194912310021"}, "check character"),
    ({"resident_id": "12345"}, "17 digits"),
    ({"village_code": rf.COUNTY}, "not a village"),
    ({"village_code": "522627100299"}, "Unknown region"),
    ({"status": "rich"}, "Unknown"),
    ({"size": 0}, "size"),
    ({"lifted_year": 2031}, "between"),
    ({"status": "registered_poor", "lifted_year": 2019}, "registered poor"),
])
def test_household_create_refuses_bad_input(world, fields, message):
    args = {"resident_id": factories.resident_id(6), "village_code": rf.VILLAGE, "status": "lifted_out", **fields}
    with pytest.raises(InvalidInput, match=message):
        services.household_create(actor="test", **args)
    assert not Household.objects.exists()


def test_household_status_changes_are_named_transitions(world):
    household = services.household_create(resident_id=factories.resident_id(8), village_code=rf.VILLAGE,
                                          status="registered_poor", actor="test")
    with pytest.raises(TransitionNotAllowed):
        services.household_status_change(household=household, to="registered_poor", actor="test")
    services.household_status_change(household=household, to="monitored", actor="test", reason="risk found")
    services.household_status_change(household=household, to="lifted_out", lifted_year=2020, actor="test")
    with pytest.raises(TransitionNotAllowed):
        services.household_status_change(household=household, to="registered_poor", actor="test")
    household.refresh_from_db()
    assert (household.status, household.lifted_year) == ("lifted_out", 2020)
    entries = AuditEntry.objects.filter(object_type="registry.household").order_by("id")
    assert [e.action for e in entries] == ["household:create", "household:monitor", "household:lift_out"]
    assert entries[1].before == {"status": "registered_poor"} and entries[1].reason == "risk found"


def test_writes_are_scoped_to_clerks_and_administrators_in_scope(world, county_clerk, other_county_clerk,
                                                                 national_viewer, admin_user):
    args = {"resident_id": factories.resident_id(9), "village_code": rf.VILLAGE, "status": "lifted_out"}
    with pytest.raises(AccessDenied):
        services.household_create(actor=other_county_clerk, **args)
    with pytest.raises(AccessDenied):
        services.household_create(actor=national_viewer, **args)
    household = services.household_create(actor=county_clerk, **args)
    with pytest.raises(AccessDenied):
        services.household_update(household=household, size=2, actor=other_county_clerk)
    with pytest.raises(AccessDenied):  # nor move it into another county
        services.household_update(household=household, village_code=rf.OTHER_VILLAGE, actor=county_clerk)
    services.household_update(household=household, size=2, actor=admin_user)
    with pytest.raises(AccessDenied, match="administrators"):
        services.region_update(region=household.village.parent.parent, is_poverty_county=True, actor=county_clerk)
    services.region_update(region=household.village, is_poor_village=True, actor=county_clerk)


def test_regions_are_created_under_their_parent(world):
    village = services.region_create(code="522627100202", name="新村", is_poor_village=True, actor="test")
    assert village.parent.code == "522627100" and village.level == "village" and village.zone == "west"
    with pytest.raises(InvalidInput, match="does not exist"):
        services.region_create(code="522627555201", name="孤村", actor="test")
    with pytest.raises(InvalidInput, match="already exists"):
        services.region_create(code="522627100202", name="新村", actor="test")
    with pytest.raises(InvalidInput, match="Only a county"):
        services.region_update(region=village, is_poverty_county=True, actor="test")


def test_relations_validate_helpers_and_years(world):
    org = factories.organisation("中央单位", kind="central_unit")
    rel = services.relation_create(kind="designated_assistance", helper_org=org, helped_region_code=rf.COUNTY,
                                   year_from=2015, actor="test")
    assert AuditEntry.objects.get(action="relation:create").after["helped_region_id"] == rel.helped_region_id
    with pytest.raises(InvalidInput) as dup:
        services.relation_create(kind="designated_assistance", helper_org=org, helped_region_code=rf.COUNTY,
                                 year_from=2015, actor="test")
    assert dup.value.code == "duplicate"
    with pytest.raises(InvalidInput, match="helping region"):
        services.relation_create(kind="east_west", helper_org=org, helped_region_code=rf.COUNTY, year_from=2016,
                                 actor="test")
    with pytest.raises(InvalidInput, match="before the start"):
        services.relation_create(kind="east_west", helper_region_code="110101", helped_region_code=rf.COUNTY,
                                 year_from=2016, year_to=2015, actor="test")
    services.relation_update(relation=rel, year_to=2020, actor="test")
    assert AuditEntry.objects.get(action="relation:update").after == {"year_to": 2020}
