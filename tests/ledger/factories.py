"""Ledger test data: a small world of buyers, sellers, products and relations, and purchase rows.

The world (all codes fixed so tests read like the domain):
- 522627 天柱县 (Guizhou): a national poverty county; 522627100201 a poor village in it; 522627100202 a village
  that is not poor.
- 130631 望都县 (Hebei): not a poverty county here.
- Buyers: a central unit (北京, 110101) with a child budget unit; a Zhejiang (330106) private enterprise; a
  Guangxi (450102) budget unit.
- Sellers: an enterprise in 522627; an enterprise in 130631; a poor household in the poor village.
- Products: P-CERT certified 2020-01-01..2020-12-31 and from 2022-01-01; P-NONE never certified.
- Relations: designated assistance central unit → 522627 (2015–); east–west 330000 → 520000 (2016–);
  counterpart support central unit → 522600 (2018–2020).
- Origins (issue #10 §3): the Hebei enterprise holds a documented origin exception for 522627 (it sells the
  villages' produce across the county line), so its rows may name the villages of 天柱县 as origin.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from fupin.certification.models import CertificationPeriod, Product
from fupin.registry.models import AssistanceRelation, Region
from tests import factories

POOR_COUNTY = "522627"
POOR_VILLAGE = "522627100201"
OTHER_VILLAGE = "522627100202"
PLAIN_COUNTY = "130631"
HEADER = ["source", "external_id", "purchase_date", "buyer_code", "seller_code", "product_code", "origin_code",
          "quantity", "unit", "amount_yuan", "kind", "channel", "status"]


@dataclass
class World:
    central: Any
    unit: Any
    zj: Any
    gx: Any
    seller: Any
    plain_seller: Any
    household_seller: Any
    household: Any
    product: Any
    product_none: Any
    rel_designated: Any
    rel_east_west: Any
    rel_counterpart: Any


def _flag(code: str, **fields: Any) -> Region:
    region = factories.region(code)
    Region.objects.filter(pk=region.pk).update(**fields)
    region.refresh_from_db()
    return region


def world() -> World:
    _flag(POOR_COUNTY, is_poverty_county=True, name="天柱县")
    _flag(POOR_VILLAGE, is_poor_village=True)
    factories.region(OTHER_VILLAGE)
    factories.region(PLAIN_COUNTY, "望都县")
    central = factories.organisation("中央某部", kind="central_unit", region_code="110101")
    unit = factories.organisation("某部直属单位", kind="budget_unit", region_code="110102", parent=central)
    zj = factories.organisation("浙江某公司", kind="private_enterprise", region_code="330106")
    gx = factories.organisation("广西某单位", kind="budget_unit", region_code="450102")
    seller = factories.entity("天柱合作社", kind="cooperative", region_code=POOR_COUNTY)
    plain_seller = factories.entity("望都企业", region_code=PLAIN_COUNTY)
    household = factories.household(village_code=POOR_VILLAGE)
    household_seller = factories.entity("脱贫户张某", kind="poor_household", region_code=POOR_VILLAGE,
                                        household=household)
    product = Product.objects.create(code="P-CERT", name="天柱茶油", category="grain_oil", unit="kg",
                                     supplier=plain_seller, origin_region=factories.region(PLAIN_COUNTY))
    CertificationPeriod.objects.create(product=product, start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31))
    CertificationPeriod.objects.create(product=product, start=dt.date(2022, 1, 1), end=None)
    product_none = Product.objects.create(code="P-NONE", name="普通大米", category="grain_oil", unit="kg",
                                          supplier=plain_seller, origin_region=factories.region(PLAIN_COUNTY))
    rel_d = AssistanceRelation.objects.create(kind="designated_assistance", helper_org=central,
                                              helped_region=factories.region(POOR_COUNTY), year_from=2015)
    rel_e = AssistanceRelation.objects.create(kind="east_west", helper_region=factories.region("330000"),
                                              helped_region=factories.region("520000"), year_from=2016)
    rel_c = AssistanceRelation.objects.create(kind="counterpart_support", helper_org=central,
                                              helped_region=factories.region("522600"), year_from=2018, year_to=2020)
    origin_exception(plain_seller, POOR_COUNTY)
    return World(central, unit, zj, gx, seller, plain_seller, household_seller, household, product, product_none,
                 rel_d, rel_e, rel_c)


def row(**overrides: Any) -> dict[str, str]:
    """A valid row (defaults: the cooperative in 天柱县 sells to members of the public, 2023-05-10, 100.00 yuan)."""
    base = {"source": "test", "external_id": "E1", "purchase_date": "2023-05-10", "buyer_code": "",
            "seller_code": "", "product_code": "", "origin_code": "", "quantity": "", "unit": "",
            "amount_yuan": "100.00", "kind": "direct_purchase", "channel": "platform_832", "status": "completed"}
    base.update({k: ("" if v is None else str(v)) for k, v in overrides.items()})
    return base


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    header = header or HEADER
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    return buf.getvalue()


def write_csv(path: Any, rows: list[dict[str, str]], *, header: list[str] | None = None,
              encoding: str = "utf-8") -> Any:
    with open(path, "w", encoding=encoding, newline="") as fh:
        fh.write(csv_text(rows, header))
    return path


def reporting_right(reporter: Any, *, source: str = "test", reason: str = "reports the purchases of its area",
                    **kw: Any) -> Any:
    """A reporting right granted through the service (by the system), default: every registered buyer."""
    from fupin.ledger import services

    return services.reporting_right_grant(reporter=reporter, source=source, reason=reason, actor="test", **kw)


def origin_exception(seller: Any, region_code: str, *, reason: str = "sells its member villages' produce",
                     **kw: Any) -> Any:
    """An origin exception granted through the service (by the system)."""
    from fupin.ledger import services

    return services.origin_exception_grant(seller=seller, region_code=region_code, reason=reason, actor="test", **kw)


def clerk_of(organisation: Any, *, username: str | None = None, scope_level: str = "nation",
             scope_code: str = "") -> Any:
    """A clerk acting for `organisation` (a buyer, a cooperative, a platform)."""
    return factories.user(username, roles="clerk", organisation=organisation, scope_level=scope_level,
                          scope_code=scope_code)
