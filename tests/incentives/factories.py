"""Incentives test data: a small world built through the lower apps' services where they exist.

- Regions: 520000 贵州省 > 522600 黔东南州 > 522627 天柱县 (poverty county 2013–2020, lifted out and a national key
  county from 2021), 522627100201 a poor village; 522633 从江县 (poverty county 2013–2020, lifted from 2021, not a key
  county); 130631 望都县 (Hebei, in no set).
- Sellers: `processor` (an enterprise in the poor village; processing; business licence from 2015-03-01; two
  products certified from 2022; 800,000 yuan of counted sales in 2024; 12 poor households linked from 2024, 6 of
  them paid 10,000 yuan each in 2024); `tourism` (a cooperative in 从江县; rural tourism; no business licence;
  5,000 yuan of sales in 2024); `plain` (an enterprise in 望都县; processing; blacklisted from 2024-01-01).
- Buyers: a central unit, a private enterprise and a social organisation.
- Users: `admin` (administrator, nation), `reviewer` and `approver` (the national office), `county` (reviewer and
  clerk of 天柱县's office), `other` (reviewer of 望都县's office), `firm` (a private enterprise's clerk and
  reviewer, nation-wide).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fupin.certification.models import Blacklisting, CertificationPeriod, Licence, Product
from fupin.incentives import eligibility, services
from fupin.ledger import services as ledger
from fupin.registry import region_sets
from fupin.registry import services as registry_services
from fupin.registry.models import Region
from tests import factories
from tests.linkage import factories as lf

COUNTY = "522627"
VILLAGE = "522627100201"
OTHER_COUNTY = "522633"
PLAIN_COUNTY = "130631"
ON = dt.date(2025, 6, 30)

FINANCE = {"all": [
    {"fact": "region_sets", "op": "any_of", "value": ["poverty_county", "lifted_county", "key_county"]},
    {"fact": "sector", "op": "any_of", "value": ["processing", "warehousing_logistics"]},
    {"fact": "counted_sales", "op": ">=", "value": 50_000_000, "unit": "fen", "window_years": 1},
    {"not": {"fact": "blacklisted", "op": "is", "value": True}},
]}


@dataclass
class World:
    processor: Any
    tourism: Any
    plain: Any
    central: Any
    firm_org: Any
    social: Any
    households: list[Any]
    users: dict[str, Any] = field(default_factory=dict)
    _n: int = 0

    def book(self, *, seller: Any, buyer: Any = None, amount: str, date: str = "2024-05-10",
             kind: str = "direct_purchase") -> None:
        self._n += 1
        row = {"source": "inc", "external_id": f"I{self._n}", "purchase_date": date,
               "buyer_code": buyer.credit_code if buyer is not None else "", "seller_code": seller.credit_code,
               "amount_yuan": amount, "kind": kind, "channel": "platform_832", "status": "completed"}
        report = ledger.purchase_record_batch(rows=[row], actor="test")
        assert not report.errors, report.errors


def _region(code: str, name: str, **fields: Any) -> Region:
    region = factories.region(code, name)
    Region.objects.filter(pk=region.pk).update(name=name, **fields)
    region.refresh_from_db()
    return region


def _sets() -> None:
    add = region_sets.membership_add
    tz, cj = Region.objects.get(code=COUNTY), Region.objects.get(code=OTHER_COUNTY)
    for county in (tz, cj):
        add(set_kind="poverty_county", region=county, valid_from=dt.date(2013, 1, 1), valid_to=dt.date(2020, 12, 31),
            actor="test")
        add(set_kind="lifted_county", region=county, valid_from=dt.date(2021, 1, 1), actor="test")
    add(set_kind="key_county", region=tz, valid_from=dt.date(2021, 1, 1), actor="test")
    add(set_kind="poor_village", region=Region.objects.get(code=VILLAGE), valid_from=dt.date(2013, 1, 1),
        valid_to=dt.date(2020, 12, 31), actor="test")
    add(set_kind="lifted_village", region=Region.objects.get(code=VILLAGE), valid_from=dt.date(2021, 1, 1),
        actor="test")


def certified(entity: Any, code: str, *, start: dt.date = dt.date(2022, 1, 1), end: dt.date | None = None) -> Any:
    product = Product.objects.create(code=code, name=f"产品{code}", category="grain_oil", unit="kg", supplier=entity,
                                     origin_region=entity.region)
    CertificationPeriod.objects.create(product=product, start=start, end=end)
    return product


def world(*, purchases: bool = True) -> World:
    _region("520000", "贵州省")
    _region("522600", "黔东南州")
    _region(COUNTY, "天柱县", is_poverty_county=True, poverty_exit_year=2020)
    _region(VILLAGE, "某村", is_poor_village=True)
    _region(OTHER_COUNTY, "从江县", is_poverty_county=True, poverty_exit_year=2020)
    _region(PLAIN_COUNTY, "望都县")
    _sets()
    processor = factories.entity("天柱食品加工公司", kind="enterprise", region_code=VILLAGE, sectors=",processing,")
    tourism = factories.entity("从江乡村旅游合作社", kind="cooperative", region_code=OTHER_COUNTY,
                               sectors=",rural_tourism,leisure_agriculture,")
    plain = factories.entity("望都加工厂", kind="enterprise", region_code=PLAIN_COUNTY, sectors=",processing,")
    Licence.objects.create(supplier=processor, kind="business", number="BL-1", valid_from=dt.date(2015, 3, 1))
    certified(processor, "P-A")
    certified(processor, "P-B")
    certified(processor, "P-OLD", start=dt.date(2019, 1, 1), end=dt.date(2020, 12, 31))
    Blacklisting.objects.create(supplier=plain, start=dt.date(2024, 1, 1), reason_kind="fraud", reason="假冒")
    central = factories.organisation("中央某部", kind="central_unit", region_code="110101")
    firm_org = factories.organisation("某民营公司", kind="private_enterprise", region_code="330106")
    social = factories.organisation("某基金会", kind="social_organisation", region_code="110102")
    households = [registry_services.household_create(
        resident_id=factories.resident_id(), village_code=VILLAGE, status="registered_poor",
        status_since=dt.date(2014, 1, 1), actor="test") for _ in range(12)]
    contract = lf.contract(actor="test", entity=processor, households=households, start=dt.date(2024, 1, 1))
    for h in households[:6]:
        lf.payment(actor="test", contract=contract, household=h, paid_on=dt.date(2024, 6, 30), amount_fen=1_000_000)
    w = World(processor, tourism, plain, central, firm_org, social, households)
    if purchases:
        w.book(seller=processor, buyer=central, amount="500000.00")
        w.book(seller=processor, buyer=firm_org, amount="300000.00", kind="helped_sale")
        w.book(seller=tourism, buyer=social, amount="5000.00")
    office = factories.office()
    tz_office = factories.office(COUNTY)
    other_office = factories.office(PLAIN_COUNTY)
    specs = {
        "admin": ("administrator", "nation", "", office),
        "reviewer": ("reviewer", "nation", "", office),
        "approver": ("approver", "nation", "", office),
        "county": ("reviewer,clerk", "county", COUNTY, tz_office),
        "other": ("reviewer,clerk", "county", PLAIN_COUNTY, other_office),
        "firm": ("clerk,reviewer,approver", "nation", "", firm_org),
    }
    for name, (roles, level, code, org) in specs.items():
        w.users[name] = factories.user(f"inc_{name}", roles=roles, scope_level=level, scope_code=code,
                                       organisation=org)
    return w


def policy(code: str = "FIN-1", *, conditions: Any = None, state: str = "in_force", **terms: Any) -> Any:
    """A policy through the services (as the system), in force unless `state` says draft."""
    base = {"name": "贴息贷款", "kind": "loan_interest_subsidy", "granted_by": "finance", "issuing_body": "财政部",
            "legal_reference": "财农〔2019〕1号", "benefit": "贷款贴息 3%", "valid_from": dt.date(2019, 1, 1),
            "valid_to": None, "region_prefix": ""}
    base.update(terms)
    p = services.policy_create(code=code, conditions=conditions if conditions is not None else FINANCE, actor="test",
                               **base)
    if state == "in_force":
        services.policy_transition(policy=p, action="activate", actor="test")
    p.refresh_from_db()
    return p


def run(p: Any, *, on: dt.date = ON, **kw: Any) -> Any:
    return eligibility.policy_evaluate(policy=p, on=on, actor="test", **kw)
