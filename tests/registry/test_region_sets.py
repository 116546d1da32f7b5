"""Dated region sets (issue #10 §1): the 832 counties until their exit and as lifted counties after it, key counties
from a documented file (or the sample that says so), administrators' memberships, bad files refused whole."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core.errors import AccessDenied, InvalidInput
from fupin.registry import region_sets, rules, selectors
from fupin.registry.models import Region, RegionSetMembership
from tests import factories

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def counties(db):
    a = factories.region("522627", "天柱县", is_poverty_county=True, poverty_exit_year=2019)
    b = factories.region("520425", "紫云县", is_poverty_county=True, poverty_exit_year=2020)
    village = factories.region("522627100201", "高酿村", is_poor_village=True)
    return a, b, village


def _in(code: str, kind: str, day: dt.date) -> bool:
    periods = selectors.region_set_periods(set_kinds=[kind]).get(code, {}).get(kind, ())
    return rules.in_set_on(periods, day)


def test_the_poverty_county_set_follows_the_exit_year(counties):
    region_sets.region_sets_sync(actor="test")
    assert _in("522627", "poverty_county", D(2019, 12, 31)) and not _in("522627", "poverty_county", D(2020, 1, 1))
    assert _in("522627", "lifted_county", D(2020, 1, 1)) and not _in("522627", "lifted_county", D(2019, 12, 31))
    assert _in("522627100201", "poor_village", D(2016, 5, 1))
    # a corrected exit year moves the boundary, and a second sync changes nothing more
    Region.objects.filter(code="522627").update(poverty_exit_year=2018)
    report = region_sets.region_sets_sync(actor="test")
    assert (report.poverty_created, report.poverty_removed) == (2, 2)
    assert _in("522627", "lifted_county", D(2019, 1, 1))
    again = region_sets.region_sets_sync(actor="test")
    assert (again.poverty_created, again.poverty_removed) == (0, 0)


def test_the_key_county_sample_says_it_is_a_sample(counties):
    report = region_sets.region_sets_sync(actor="test", key_county_file=region_sets.SAMPLE_FILE, lenient=True)
    assert report.sample is True and report.key_counties == 1  # only 520425 of the sample exists here
    m = RegionSetMembership.objects.get(set_kind="key_county")
    assert m.region.code == "520425" and m.is_sample and m.valid_from == D(2021, 8, 27)
    assert _in("520425", "key_county", D(2021, 8, 27)) and not _in("520425", "key_county", D(2021, 8, 26))


def test_a_file_row_an_administrator_already_recorded_stays_the_administrators(counties):
    _a, b, _v = counties
    admin = factories.user("admin", roles="administrator")
    mine = region_sets.membership_add(set_kind="key_county", region=b, valid_from=D(2021, 8, 27), actor=admin)
    region_sets.region_sets_sync(actor="test", key_county_file=region_sets.SAMPLE_FILE, lenient=True)
    assert list(RegionSetMembership.objects.filter(set_kind="key_county")) == [mine]


def test_a_bad_key_county_file_is_refused_whole(counties, tmp_path):
    path = tmp_path / "key_counties.csv"
    path.write_text("region_code,set,valid_from,valid_to\n520425,key_county,2021-08-27,\n"
                    "999999,key_county,2021-08-27,\n522627,key_county,2022-01-01,2021-01-01\n"
                    "522627,capital,2021-13-01,\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        region_sets.region_sets_sync(actor="test", key_county_file=path)
    found = {(e["line"], e["column"], e["code"]) for e in refused.value.details["errors"]}
    assert found == {(3, "region_code", "unknown_region"), (4, "valid_to", "reversed_dates"),
                     (5, "set", "bad_set"), (5, "valid_from", "invalid_date")}
    assert not RegionSetMembership.objects.filter(set_kind="key_county").exists()


def test_administrators_add_and_close_memberships_audited(counties):
    a, _b, _v = counties
    clerk = factories.user("clerk", roles="clerk")
    with pytest.raises(AccessDenied):
        region_sets.membership_add(set_kind="provincial_key_county", region=a, valid_from=D(2021, 1, 1), actor=clerk)
    admin = factories.user("admin", roles="administrator")
    m = region_sets.membership_add(set_kind="provincial_key_county", region=a, valid_from=D(2021, 1, 1), actor=admin)
    with pytest.raises(InvalidInput) as overlap:
        region_sets.membership_add(set_kind="provincial_key_county", region=a, valid_from=D(2023, 1, 1), actor=admin)
    assert overlap.value.code == "overlap"
    with pytest.raises(InvalidInput):
        region_sets.membership_close(membership=m, valid_to=D(2025, 12, 31), reason=" ", actor=admin)
    region_sets.membership_close(membership=m, valid_to=D(2025, 12, 31), reason="过渡期结束", actor=admin)
    assert _in("522627", "provincial_key_county", D(2025, 12, 31))
    assert not _in("522627", "provincial_key_county", D(2026, 1, 1))
    with pytest.raises(InvalidInput) as bad:
        region_sets.membership_add(set_kind="capital", region=a, valid_from=D(2021, 1, 1), actor=admin)
    assert bad.value.code == "bad_set"


def test_the_api_lists_a_set_on_a_date_and_only_administrators_change_it(counties):
    from tests.conftest import ApiClient

    region_sets.region_sets_sync(actor="test")
    viewer = ApiClient(factories.user("viewer", roles="viewer"))
    on_2019 = viewer.get("/region-sets", set_kind="poverty_county", on="2019-06-01").json()
    on_2020 = viewer.get("/region-sets", set_kind="poverty_county", on="2020-06-01").json()
    assert {i["region_code"] for i in on_2019["items"]} == {"522627", "520425"}
    assert {i["region_code"] for i in on_2020["items"]} == {"520425"}
    assert viewer.get("/region-sets", set_kind="capital").status_code == 422
    body = {"set_kind": "key_county", "region_code": "522627", "valid_from": "2021-08-27"}
    assert viewer.post("/region-sets", body).status_code == 403
    admin = ApiClient(factories.user("admin", roles="administrator"))
    made = admin.post("/region-sets", body)
    assert made.status_code == 201, made.content
    closed = admin.post(f"/region-sets/{made.json()['id']}/close", {"valid_to": "2025-12-31", "reason": "调整"})
    assert closed.status_code == 200 and closed.json()["valid_to"] == "2025-12-31"
    assert admin.post(f"/region-sets/{made.json()['id']}/close", {"valid_to": "2020-01-01",
                                                                   "reason": "x"}).json()["code"] == "reversed_dates"
