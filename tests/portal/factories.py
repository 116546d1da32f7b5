"""Portal test data: two counties (天柱县 522627 in Guizhou and 望都县 130631 in Hebei) with the same kinds of
registry objects in each, so pages can be checked for scope and masking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fupin.registry.models import AssistanceRelation, Region
from tests import factories


@dataclass
class TwoCounties:
    here: dict[str, Any] = field(default_factory=dict)   # 522627
    there: dict[str, Any] = field(default_factory=dict)  # 130631


def region(code: str, name: str, **fields: Any) -> Region:
    """A region with this name and these facts, even if a user fixture already created it under a placeholder."""
    r = factories.region(code, name, **fields)
    Region.objects.filter(pk=r.pk).update(name=name, **fields)
    r.refresh_from_db()
    return r


def two_counties() -> TwoCounties:
    w = TwoCounties()
    region("520000", "贵州省")
    region("522600", "黔东南州")
    w.here["county"] = region("522627", "天柱县", is_poverty_county=True, poverty_exit_year=2019)
    w.here["village"] = region("522627100201", "高酿村", is_poor_village=True)
    w.here["household"] = factories.household(village_code="522627100201", head_name="张三丰", phone="13812345678")
    w.here["entity"] = factories.entity("天柱县高酿合作社", kind="cooperative", region_code="522627")
    region("130000", "河北省")
    region("130600", "保定市")
    w.there["county"] = region("130631", "望都县", is_poverty_county=True, poverty_exit_year=2016)
    w.there["village"] = region("130631100201", "北庄村", is_poor_village=True)
    w.there["household"] = factories.household(village_code="130631100201", head_name="李四光", phone="13900001111")
    w.there["entity"] = factories.entity("望都县辣椒专业合作社", kind="cooperative", region_code="130631")
    w.here["helper"] = factories.organisation("国家发展改革委", kind="government_department", region_code="110101")
    w.here["unit"] = factories.organisation("国家发展改革委机关服务局", kind="budget_unit", region_code="110101",
                                            parent=w.here["helper"])
    w.here["relation"] = AssistanceRelation.objects.create(
        kind="designated_assistance", helper_org=w.here["helper"], helped_region=w.here["county"], year_from=2015,
        year_to=2020, note="定点扶贫",
    )
    return w
