"""Finding one's own records (issue #9): a reporter finds its order by source and external id (to reverse or amend
it), registry lists find one record by its code."""

from __future__ import annotations

import pytest

from tests import factories
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db


def test_a_reporter_finds_its_own_order_by_source_and_external_id(api_as, county_clerk):
    w = lf.world()
    lf.reporting_right(county_clerk.organisation, source="test", public_sales=True)
    api = api_as(county_clerk)
    for external_id in ("A1", "A2"):
        r = api.post("/purchases", lf.row(external_id=external_id, seller_code=w.seller.credit_code))
        assert r.status_code == 201, r.content
    found = api.get("/purchases", source="test", external_id="A1").json()
    assert found["count"] == 1 and found["items"][0]["external_id"] == "A1"
    entry_id = found["items"][0]["id"]
    assert api.post(f"/purchases/{entry_id}/reverse", {"reason": "entered twice"}).status_code == 201
    again = api.get("/purchases", source="test", external_id="A1").json()
    assert again["count"] == 2 and {i["reverses_id"] for i in again["items"]} == {None, entry_id}
    assert api.get("/purchases", source="test").json()["count"] == 3
    assert api.get("/purchases", source="other", external_id="A1").json()["count"] == 0


def test_registry_lists_find_one_record_by_code(api_as, national_viewer):
    factories.region("522627", "天柱县", is_poverty_county=True)
    factories.region("130631", "望都县", is_poverty_county=True)
    org, _other_org = factories.organisation("甲单位"), factories.organisation("乙单位")
    entity, _other_entity = factories.entity("天柱合作社"), factories.entity("另一企业")
    household, _other_household = factories.household(), factories.household()
    api = api_as(national_viewer)

    def codes(path: str, key: str, code: str) -> list[str]:
        body = api.get(path, code=code).json()
        return [item[key] for item in body["items"]]

    assert codes("/regions", "code", "522627") == ["522627"]
    assert codes("/regions", "code", "522") == []  # the whole code, not a prefix (`within` is for that)
    assert codes("/organisations", "credit_code", org.credit_code.lower()) == [org.credit_code]
    assert codes("/entities", "credit_code", f" {entity.credit_code} ") == [entity.credit_code]
    assert codes("/households", "registry_code", household.registry_code) == [household.registry_code]
    assert codes("/households", "registry_code", household.registry_code[:-1]) == []
