"""Registry pages: lists with filters and counts, details, scope and masking, bad input never a 500."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client, world):
    r = client.get("/regions/")
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=/regions/")


def test_region_list_filters_and_counts(client_for, national_viewer, world):
    c = client_for(national_viewer)
    r = c.get("/regions/", {"level": "county", "poverty_county": "true"})
    body = r.content.decode()
    assert r.status_code == 200
    assert "天柱县" in body and "望都县" in body and "高酿村" not in body
    assert "2 regions" in body
    r = c.get("/regions/", {"poor_village": "true", "parent": "522627100"})
    body = r.content.decode()
    assert "高酿村" in body and "北庄村" not in body
    r = c.get("/regions/", {"q": "望都"})
    assert "望都县" in r.content.decode() and "天柱县" not in r.content.decode()
    r = c.get("/regions/", {"zone": "east", "level": "county"})
    assert "望都县" in r.content.decode() and "天柱县" not in r.content.decode()


@pytest.mark.parametrize("params", [
    {"level": "planet"}, {"parent": "abc"}, {"page": "-3"}, {"page": "x"}, {"per_page": "10000000"},
    {"poverty_county": "perhaps"}, {"page": "999999"}, {"q": "x" * 500}, {"export": "pdf"},
])
def test_invalid_query_parameters_never_500(client_for, national_viewer, world, params):
    r = client_for(national_viewer).get("/regions/", params)
    assert r.status_code == 200


def test_invalid_filter_is_reported_and_ignored(client_for, national_viewer, world):
    r = client_for(national_viewer).get("/regions/", {"level": "planet", "q": "天柱"})
    body = r.content.decode()
    assert "天柱县" in body  # the valid filter still applies
    assert 'class="field invalid"' in body


def test_pagination(client_for, national_viewer, world):
    for i in range(30):
        factories.region(f"5226271002{i + 10:02d}", f"村{i:02d}")
    c = client_for(national_viewer)
    r = c.get("/regions/", {"level": "village", "per_page": "25"})
    body = r.content.decode()
    assert "1–25 of 32" in body and 'rel="next"' in body
    r = c.get("/regions/", {"level": "village", "per_page": "25", "page": "2"})
    body = r.content.decode()
    assert "26–32 of 32" in body and 'rel="prev"' in body and "level=village" in body


def test_region_detail_shows_children_relations_and_scoped_objects(client_for, county_clerk, world):
    c = client_for(county_clerk)
    r = c.get("/regions/522627/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "R522627100" in body and "国家发展改革委" in body and "天柱县高酿合作社" in body
    assert "2019" in body  # exit year
    # another county's region page is public reference data, but its entities are outside the clerk's scope
    r = c.get("/regions/130631/")
    assert r.status_code == 200 and "望都县辣椒专业合作社" not in r.content.decode()


def test_unknown_region_is_404_page(client_for, national_viewer, world):
    r = client_for(national_viewer).get("/regions/999999/")
    assert r.status_code == 404
    assert "Not found" in r.content.decode()


def test_organisation_detail_shows_parent_chain_children_and_relations(client_for, national_viewer, world):
    c = client_for(national_viewer)
    unit, helper = world.here["unit"], world.here["helper"]
    body = c.get(f"/organisations/{unit.pk}/").content.decode()
    assert helper.name in body
    body = c.get(f"/organisations/{helper.pk}/").content.decode()
    assert unit.name in body and "天柱县" in body and "2015" in body


def test_organisation_list_filter_by_kind(client_for, national_viewer, world):
    body = client_for(national_viewer).get("/organisations/", {"kind": "budget_unit"}).content.decode()
    assert "国家发展改革委机关服务局" in body and "1 organisation" in body


def test_entity_pages_are_scoped(client_for, county_clerk, world):
    c = client_for(county_clerk)
    body = c.get("/entities/").content.decode()
    assert "天柱县高酿合作社" in body and "望都县辣椒专业合作社" not in body
    assert c.get(f"/entities/{world.here['entity'].pk}/").status_code == 200
    assert c.get(f"/entities/{world.there['entity'].pk}/").status_code == 404


def test_household_masked_for_national_viewer_unmasked_for_own_county_clerk(client_for, national_viewer,
                                                                          county_clerk, world):
    h = world.here["household"]
    body = client_for(national_viewer).get(f"/households/{h.pk}/").content.decode()
    assert "张**" in body and "138****5678" in body and "张三丰" not in body and "13812345678" not in body
    body = client_for(county_clerk).get(f"/households/{h.pk}/").content.decode()
    assert "张三丰" in body and "13812345678" in body


def test_household_list_is_scoped_and_masked(client_for, county_clerk, national_viewer, world):
    body = client_for(county_clerk).get("/households/").content.decode()
    assert world.here["household"].registry_code in body and world.there["household"].registry_code not in body
    assert "张三丰" in body
    body = client_for(national_viewer).get("/households/").content.decode()
    assert world.there["household"].registry_code in body and "李四光" not in body and "李**" in body


def test_other_county_household_is_404(client_for, county_clerk, world):
    r = client_for(county_clerk).get(f"/households/{world.there['household'].pk}/")
    assert r.status_code == 404
    assert "李四光" not in r.content.decode()


def test_relation_list_filters(client_for, national_viewer, world):
    c = client_for(national_viewer)
    assert "国家发展改革委" in c.get("/relations/", {"kind": "designated_assistance", "year": "2018"}).content.decode()
    body = c.get("/relations/", {"year": "2022"}).content.decode()
    assert "0 relations" in body
    body = c.get("/relations/", {"region": "13"}).content.decode()
    assert "0 relations" in body


def test_relations_linking_through_parent_and_region_ancestor(client_for, national_viewer, world):
    c = client_for(national_viewer)
    unit = world.here["unit"]
    r = c.get("/relations/linking/", {"organisation": unit.pk, "region": "522627100201", "year": "2018"})
    body = r.content.decode()
    assert r.status_code == 200 and body.count('class="linking-row"') == 1 and "国家发展改革委" in body
    body = c.get("/relations/linking/", {"organisation": unit.pk, "region": "522627100201", "year": "2021"}).content.decode()
    assert 'class="linking-row"' not in body and "No relation links them" in body


@pytest.mark.parametrize("params", [
    {"organisation": "abc", "region": "522627", "year": "2018"},
    {"organisation": "999999", "region": "522627", "year": "2018"},
    {"organisation": "1", "region": "12", "year": "nope"},
    {"organisation": "1", "region": "999999", "year": "2018"},
])
def test_relations_linking_bad_input_is_a_form_error(client_for, national_viewer, world, params):
    r = client_for(national_viewer).get("/relations/linking/", params)
    assert r.status_code == 200
    assert 'role="alert"' in r.content.decode()


@pytest.mark.parametrize("path", ["/regions/", "/organisations/", "/entities/", "/households/", "/relations/",
                                  "/regions/522627/"])
def test_list_pages_make_a_fixed_number_of_queries(client_for, county_clerk, world, path,
                                                   django_assert_max_num_queries):
    """No query per row: adding rows does not add queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fupin.registry.models import AssistanceRelation

    def add_rows(n: int, start: int) -> None:
        for i in range(start, start + n):
            factories.household(village_code="522627100201")
            factories.entity(region_code="522627")
            parent = factories.organisation(region_code="522627")
            factories.organisation(region_code="522627", parent=parent)
            factories.region(f"5226271002{i + 20:02d}")
            AssistanceRelation.objects.create(kind="local_pairing", helper_org=parent,
                                              helped_region=world.here["county"], year_from=2016)

    c = client_for(county_clerk)
    add_rows(1, 0)
    with CaptureQueriesContext(connection) as few:
        assert c.get(path).status_code == 200
    add_rows(12, 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert c.get(path).status_code == 200


def test_region_detail_shows_code_changes_to_and_from_it(client_for, national_viewer, world):
    from fupin.registry.models import RegionCodeChange

    RegionCodeChange.objects.create(old_code="522626", old_name="旧县", new_code="522627", year=2015, note="合并")
    RegionCodeChange.objects.create(old_code="130699", old_name="别处", new_code="130631", year=2001)
    body = client_for(national_viewer).get("/regions/522627/").content.decode()
    assert "522626" in body and "旧县" in body and "合并" in body and "130699" not in body


def test_household_page_shows_its_dated_status_history_in_chinese(client_for, county_clerk, world):
    from fupin.registry import services

    h = world.here["household"]
    services.household_history_start(households=[h])
    services.household_status_change(household=h, to="monitored_sudden", reason="突发疾病", actor="test")
    c = client_for(county_clerk)
    c.cookies["django_language"] = "zh-hans"
    body = c.get(f"/households/{h.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    history = body[body.index('id="status-history"'):]
    assert "状态历史" in body and "突发严重困难户" in history and "突发疾病" in history and "现行有效" in history
