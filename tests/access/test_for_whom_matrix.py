"""The permission matrix of "for whom" (issue #16): not only where a user acts (its region scope, which
`test_permission_matrix.py` and the services' tests cover) but for which organisation. Two tables, each cell tried
through the API as that user: for which buyers a user may book purchases, and which registry records a user may
write. The same tables are printed in docs/security.md ("For whom"); the last test keeps the two equal."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin.ledger.models import PurchaseEntry
from fupin.registry.models import Household, MarketEntity
from fupin.registry.services import household_create
from tests import factories
from tests.conftest import ApiClient
from tests.ledger import factories as lf

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"
Y, N = "✓", "✗"

# -- booking: the buyer a row credits --------------------------------------------------------------------------------
BUYERS = ("中央某部", "某部直属单位", "直属单位食堂", "广西某单位", "合作社", "public")
BOOKING = {  # actor: one cell per buyer above
    "clerk of 某部直属单位 (a budget unit; 直属单位食堂 is below it)": "✗✓✓✗✗✗",
    "clerk of 中央某部 (the central unit above it)": "✓✓✓✗✗✗",
    "clerk of a cooperative (county scope)": "✗✗✗✗✓✗",
    "clerk of the 天柱县 poverty office": "✗✗✗✗✗✗",
    "clerk of a platform without a reporting right": "✗✗✗✗✗✗",
    "clerk of a platform with a right (every registered buyer)": "✓✓✓✓✓✗",
    "clerk of a platform with a right (budget units, public sales)": "✗✓✓✓✗✓",
    "administrator (nation)": "✓✓✓✓✓✓",
}


@pytest.fixture
def booking_world():
    w = lf.world()
    canteen = factories.organisation("直属单位食堂", kind="budget_unit", region_code="110102", parent=w.unit)
    coop = factories.organisation("合作社", kind="private_enterprise", region_code=lf.POOR_COUNTY,
                                  credit_code=w.seller.credit_code)
    buyers = {"中央某部": w.central, "某部直属单位": w.unit, "直属单位食堂": canteen, "广西某单位": w.gx, "合作社": coop,
              "public": None}
    platform_a = factories.organisation("平台甲", kind="state_owned_enterprise", region_code="110105")
    platform_b = factories.organisation("平台乙", kind="state_owned_enterprise", region_code="110105")
    platform_c = factories.organisation("平台丙", kind="state_owned_enterprise", region_code="110105")
    lf.reporting_right(platform_b)
    lf.reporting_right(platform_c, buyer_kinds=["budget_unit"], public_sales=True)
    actors = dict(zip(BOOKING, [
        lf.clerk_of(w.unit), lf.clerk_of(w.central),
        lf.clerk_of(coop, scope_level="county", scope_code=lf.POOR_COUNTY),
        factories.user(roles="clerk", scope_level="county", scope_code=lf.POOR_COUNTY),
        lf.clerk_of(platform_a), lf.clerk_of(platform_b), lf.clerk_of(platform_c),
        factories.user(roles="administrator"),
    ], strict=True))
    return w, buyers, actors


@pytest.mark.parametrize("actor", list(BOOKING))
def test_for_whom_a_user_books(booking_world, actor):
    w, buyers, actors = booking_world
    rows = [lf.row(external_id=f"{i}", seller_code=w.seller.credit_code,
                   buyer_code="" if buyer is None else buyer.credit_code)
            for i, buyer in enumerate(buyers.values())]
    response = ApiClient(actors[actor]).post("/purchases/batch", {"rows": rows})
    assert response.status_code == 200, response.content
    body = response.json()
    refused = {e["line"] - 1 for e in body["errors"] if e["code"] == "buyer_not_yours"}
    booked = set(PurchaseEntry.objects.values_list("external_id", flat=True))
    cells = "".join(Y if str(i) in booked else N for i in range(len(buyers)))
    assert cells == BOOKING[actor]
    assert refused == {i for i, c in enumerate(cells) if c == N}  # every refusal says why: buyer_not_yours
    assert body["accepted"] == cells.count(Y)


# -- registry writes: whose records -------------------------------------------------------------------------------
WRITES = ("household of 天柱县", "household of 望都县", "the cooperative", "another enterprise of 天柱县")
REGISTRY = {
    "clerk of the 天柱县 poverty office": "✓✗✓✓",
    "clerk of the 贵州 provincial office": "✗✗✓✓",  # an office over the entities' region
    "clerk of the cooperative": "✗✗✓✗",
    "clerk of a central budget unit (nation scope)": "✗✗✗✗",
    "superuser whose role is viewer": "✓✓✓✓",
    "viewer of the 天柱县 poverty office": "✗✗✗✗",
}


@pytest.fixture
def registry_world():
    from tests.registry import factories as rf

    rf.regions()
    coop = factories.entity("天柱县石门村合作社", kind="cooperative", region_code=rf.VILLAGE[:6])
    other = factories.entity("天柱县另一家企业", kind="enterprise", region_code=rf.VILLAGE[:6])
    near = household_create(resident_id=factories.resident_id(1), village_code=rf.VILLAGE,
                            status="registered_poor", head_name="张三丰", actor="test")
    far = household_create(resident_id=factories.resident_id(2), village_code=rf.OTHER_VILLAGE,
                           status="registered_poor", head_name="李四", actor="test")
    root = factories.user(roles="viewer", organisation=None)
    root.is_superuser = True
    root.save()
    actors = dict(zip(REGISTRY, [
        factories.user(roles="clerk,reviewer", scope_level="county", scope_code=rf.VILLAGE[:6]),
        factories.user(roles="clerk,reviewer", scope_level="province", scope_code="52"),
        factories.user(roles="clerk", scope_level="county", scope_code=rf.VILLAGE[:6],
                       organisation=factories.organisation("合作社", kind="private_enterprise",
                                                           region_code=rf.VILLAGE[:6], credit_code=coop.credit_code)),
        factories.user(roles="clerk", organisation=factories.organisation("某中央预算单位", kind="budget_unit",
                                                                          region_code="110101")),
        root,
        factories.user(roles="viewer", scope_level="county", scope_code=rf.VILLAGE[:6]),
    ], strict=True))
    return {"household of 天柱县": near, "household of 望都县": far, "the cooperative": coop,
            "another enterprise of 天柱县": other}, actors


def _write(client: ApiClient, what: str, record) -> bool:
    if isinstance(record, Household):
        r = client.raw("patch", f"/households/{record.pk}", '{"size": 9}')
        changed = Household.objects.get(pk=record.pk).size == 9
    else:
        r = client.raw("patch", f"/entities/{record.pk}", '{"name": "改名后的名称"}')
        changed = MarketEntity.objects.get(pk=record.pk).name == "改名后的名称"
    assert r.status_code in (200, 403), (what, r.status_code, r.content)
    assert changed is (r.status_code == 200), what  # a refusal changes nothing
    if r.status_code == 403:
        assert r.json()["code"] == "permission_denied", r.content
    return changed


@pytest.mark.parametrize("actor", list(REGISTRY))
def test_whose_registry_records_a_user_writes(registry_world, actor):
    records, actors = registry_world
    client = ApiClient(actors[actor])
    cells = "".join(Y if _write(client, what, records[what]) else N for what in WRITES)
    assert cells == REGISTRY[actor]


# -- the documentation prints the same tables ----------------------------------------------------------------------
def _table(columns: tuple[str, ...], matrix: dict[str, str]) -> str:
    lines = ["| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {actor} | " + " | ".join(cells) + " |" for actor, cells in matrix.items()]
    return "\n".join(lines)


def test_the_documented_matrices_are_the_tested_ones():
    text = DOCS.read_text(encoding="utf-8")
    for columns, matrix in ((BUYERS, BOOKING), (WRITES, REGISTRY)):
        assert all(len(cells) == len(columns) for cells in matrix.values())
        assert _table(columns, matrix) in text, "docs/security.md: print\n" + _table(columns, matrix)
