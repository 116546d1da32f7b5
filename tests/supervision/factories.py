"""Supervision test data: a small world of bodies up both hierarchies, their relations, purchases and users.

- Regions: 520000 贵州省 > 522600 黔东南州 > 522627 天柱县 (a poverty county; sellers there) and 522633 从江县;
  330000 浙江省; 110000 北京市 > 110101.
- Governments: Guizhou (provincial), Qiandongnan (prefecture, local), Tianzhu (county, local); Zhejiang.
- The national office (a government department in Beijing named as the matrix's Poverty Alleviation Office) and
  the Ministry of Commerce.
- A central unit with a budget unit below it.
- Relations: designated assistance central unit → 天柱县 (2015–); east–west Zhejiang → Guizhou (2016–);
  counterpart support central unit → 黔东南州 (2018–).
- Users (approvers unless said): `office` (national office), `central` (clerk and approver of the central unit),
  `unit` (clerk of the budget unit), `guizhou`, `qdn` (prefecture), `tianzhu` (clerk and approver, county),
  `zhejiang` (clerk and approver), `mofcom` (a nation-scoped department's approver), `stranger` (a private firm).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fupin.ledger import services as ledger
from fupin.registry.models import AssistanceRelation, Region
from tests import factories

COUNTY = "522627"
OTHER_COUNTY = "522633"
PREFECTURE = "522600"
PROVINCE = "520000"
NATIONAL_OFFICE = "国家乡村振兴局（国务院扶贫开发领导小组办公室）"


@dataclass
class World:
    office: Any
    mofcom: Any
    central: Any
    unit: Any
    guizhou: Any
    qdn: Any
    tianzhu: Any
    zhejiang: Any
    private: Any
    seller: Any
    other_seller: Any
    rel_designated: Any
    rel_east_west: Any
    rel_counterpart: Any
    users: dict[str, Any] = field(default_factory=dict)
    _n: int = 0

    def book(self, *, buyer: Any, amount: str, date: str = "2024-03-10", kind: str = "direct_purchase",
             seller: Any = None, ext: str | None = None) -> Any:
        """Book one purchase through the ledger's service (as the system)."""
        self._n += 1
        row = {"source": "sv", "external_id": ext or f"S{self._n}", "purchase_date": date,
               "buyer_code": buyer.credit_code if buyer is not None else "",
               "seller_code": (seller or self.seller).credit_code, "amount_yuan": amount, "kind": kind,
               "channel": "platform_832", "status": "completed"}
        report = ledger.purchase_record_batch(rows=[row], actor="test")
        assert not report.errors, report.errors
        return report


def _flag(code: str, name: str, **fields: Any) -> Region:
    region = factories.region(code, name)
    Region.objects.filter(pk=region.pk).update(name=name, **fields)
    region.refresh_from_db()
    return region


def world() -> World:
    _flag(PROVINCE, "贵州省")
    _flag(PREFECTURE, "黔东南苗族侗族自治州")
    _flag(COUNTY, "天柱县", is_poverty_county=True)
    _flag(OTHER_COUNTY, "从江县", is_poverty_county=True)
    _flag("330000", "浙江省")
    _flag("110000", "北京市")
    office = factories.organisation(NATIONAL_OFFICE, kind="government_department", region_code="110000")
    mofcom = factories.organisation("商务部", kind="government_department", region_code="110000")
    central = factories.organisation("中央某部", kind="central_unit", region_code="110101")
    unit = factories.organisation("某部机关服务中心", kind="budget_unit", region_code="110101", parent=central)
    guizhou = factories.organisation("贵州省人民政府", kind="provincial_government", region_code=PROVINCE)
    qdn = factories.organisation("黔东南州人民政府", kind="local_government", region_code=PREFECTURE, parent=guizhou)
    tianzhu = factories.organisation("天柱县乡村振兴局", kind="local_government", region_code=COUNTY, parent=guizhou)
    zhejiang = factories.organisation("浙江省人民政府", kind="provincial_government", region_code="330000")
    private = factories.organisation("某民营公司", kind="private_enterprise", region_code="330106")
    seller = factories.entity("天柱合作社", kind="cooperative", region_code=COUNTY)
    other_seller = factories.entity("从江合作社", kind="cooperative", region_code=OTHER_COUNTY)
    rel_d = AssistanceRelation.objects.create(kind="designated_assistance", helper_org=central,
                                              helped_region=Region.objects.get(code=COUNTY), year_from=2015)
    rel_e = AssistanceRelation.objects.create(kind="east_west", helper_org=zhejiang,
                                              helper_region=Region.objects.get(code="330000"),
                                              helped_region=Region.objects.get(code=PROVINCE), year_from=2016)
    rel_c = AssistanceRelation.objects.create(kind="counterpart_support", helper_org=central,
                                              helped_region=Region.objects.get(code=PREFECTURE), year_from=2018)
    w = World(office, mofcom, central, unit, guizhou, qdn, tianzhu, zhejiang, private, seller, other_seller,
              rel_d, rel_e, rel_c)
    specs = {
        "office": ("approver,reviewer", "nation", "", office),
        "mofcom": ("approver", "nation", "", mofcom),
        "central": ("clerk,approver", "nation", "", central),
        "unit": ("clerk", "nation", "", unit),
        "guizhou": ("clerk,approver", "province", PROVINCE, guizhou),
        "qdn": ("clerk,approver", "prefecture", PREFECTURE, qdn),
        "tianzhu": ("clerk,approver", "county", COUNTY, tianzhu),
        "zhejiang": ("clerk,approver", "province", "330000", zhejiang),
        "stranger": ("clerk,approver", "nation", "", private),
    }
    for name, (roles, level, code, org) in specs.items():
        w.users[name] = factories.user(f"sv_{name}", roles=roles, scope_level=level, scope_code=code, organisation=org)
    return w


def approved_plan(w: World, body: Any, targets: list[dict[str, Any]], *, year: int = 2024) -> Any:
    """A plan with targets, submitted and approved through the services (as the system)."""
    from fupin.supervision import services

    plan = services.plan_create(body_id=body.pk, year=year, actor="test")
    for t in targets:
        services.target_set(plan=plan, actor="test", **t)
    services.plan_submit(plan=plan, actor="test")
    services.plan_approve(plan=plan, actor="test")
    plan.refresh_from_db()
    return plan


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
