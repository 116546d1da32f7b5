"""The registry's demo step: deterministic, built through the services, with or without reference regions."""

from __future__ import annotations

import pytest
from django.db import transaction

from fupin.core.models import AuditEntry, User
from fupin.demo.world import DEMO_PASSWORD, World
from fupin.registry import demo, selectors
from fupin.registry.enums import EntityKind, RelationKind
from fupin.registry.models import AssistanceRelation, Household, MarketEntity, Organisation, Region
from tests import factories

pytestmark = pytest.mark.django_db


def content() -> dict:
    """The registry's content without database ids or times."""
    return {
        "regions": list(Region.objects.order_by("code").values_list(
            "code", "name", "level", "parent__code", "is_poverty_county", "poverty_exit_year", "is_poor_village")),
        "organisations": list(Organisation.objects.order_by("credit_code").values_list(
            "credit_code", "name", "kind", "region__code", "parent__credit_code")),
        "entities": list(MarketEntity.objects.order_by("name", "credit_code").values_list(
            "name", "kind", "credit_code", "region__code", "sectors", "household__registry_code")),
        "households": list(Household.objects.order_by("registry_code").values_list(
            "registry_code", "id_hash", "village__code", "size", "status", "lifted_year", "head_name", "phone")),
        "relations": sorted(AssistanceRelation.objects.values_list(
            "kind", "helper_org__credit_code", "helper_region__code", "helped_region__code", "year_from", "year_to"),
            key=repr),
        "users": list(User.objects.order_by("username").values_list(
            "username", "roles", "scope_level", "scope_code", "organisation__credit_code")),
    }


def build(seed: int) -> tuple[World, dict]:
    with transaction.atomic():
        world = World(seed=seed, scale="small")
        demo.build(world)
        snapshot = content()
        transaction.set_rollback(True)
    return world, snapshot


def test_the_same_seed_builds_the_same_registry():
    first, a = build(7)
    second, b = build(7)
    assert a == b
    assert a["households"] and a["entities"] and a["relations"]
    _, c = build(8)
    assert c["households"] != a["households"]


def test_without_reference_regions_a_small_real_set_is_built_and_noted():
    world = World(seed=1, scale="small")
    demo.build(world)
    assert any("no reference regions" in note for note in world.notes)
    counties = world.regions["counties"]
    assert len(counties) == world.size["counties"] and all(c.is_poverty_county for c in counties)
    assert counties[0].code == "522627" and Region.objects.filter(code="330000").exists()
    assert len(world.households) == world.size["counties"] * world.size["households_per_county"]
    assert {e.kind for e in world.entities} == set(EntityKind.values)
    assert world.regions["poor_villages"] and all(v.level == "village" for v in world.regions["villages"])
    assert {r.kind for r in world.extra["relations"]} >= {
        RelationKind.DESIGNATED_ASSISTANCE, RelationKind.EAST_WEST, RelationKind.COUNTERPART_SUPPORT,
        RelationKind.ENTERPRISE_VILLAGE}
    # everything went through the services: each object has its audit entry
    assert AuditEntry.objects.filter(action="household:create").count() == len(world.households)
    assert AuditEntry.objects.filter(action="entity:create").count() == len(world.entities)


def test_with_reference_regions_poverty_counties_come_from_several_western_provinces():
    for code, name in [("522627", "天柱县"), ("522628", "锦屏县"), ("530925", "双江县"), ("530926", "耿马县"),
                       ("621121", "通渭县"), ("621122", "陇西县"), ("130631", "望都县")]:
        factories.region(code, name, is_poverty_county=True, poverty_exit_year=2019)
    factories.region("522627001", "凤城街道")  # an urban sub-district: villages go under towns instead
    factories.region("522627102", "坪地镇")
    factories.region("522627103", "蓝田镇")
    world = World(seed=3, scale="small")
    demo.build(world)
    counties = world.regions["counties"]
    assert len(counties) == 6 and not any("no reference regions" in n for n in world.notes)
    assert {c.code[:2] for c in counties} == {"52", "53", "62"}  # western only: not Hebei's 望都县
    tianzhu = next(c for c in counties if c.code == "522627")
    villages = world.regions["villages_by_county"][tianzhu.code]
    assert {v.parent.code for v in villages} == {"522627102", "522627103"}


def test_demo_users_have_their_roles_scopes_and_password():
    world = World(seed=1, scale="small")
    demo.build(world)
    users = world.users
    assert set(users) == {"admin", "national", "auditor", "province", "prefecture", "county", "county2", "buyer",
                          "supplier"}
    assert users["admin"].is_superuser and users["admin"].is_staff and users["admin"].check_password(DEMO_PASSWORD)
    first = world.regions["counties"][0]
    assert (users["county"].scope_level, users["county"].scope_code) == ("county", first.code)
    assert set(users["county"].role_list) == {"clerk", "reviewer"}
    assert users["province"].scope_code == first.code[:2] + "0000" and users["province"].has_role("approver")
    assert users["county2"].scope_code != first.code
    assert users["buyer"].organisation.kind == "budget_unit" and users["buyer"].scope_level == "nation"
    supplier_entities = list(selectors.entities_of_user(user=users["supplier"]))
    assert [e.kind for e in supplier_entities] == ["cooperative"]
    assert supplier_entities[0].region.code.startswith(first.code)
    assert [login[0] for login in world.logins] == list(users)
    # the buyer's purchases link to the first county through its central unit
    links = selectors.relations_linking(organisation=users["buyer"].organisation, region=world.regions["villages"][0],
                                        year=2019)
    assert [r.kind for r in links] == ["designated_assistance"]
