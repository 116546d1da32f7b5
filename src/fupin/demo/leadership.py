"""The leadership part of the demo world, built through the leadership services (deterministic for a seed).

- An approved producing-area implementation plan for this year of the first demo county's provincial government:
  objectives measured by the account (direct purchases), certification and linkage, tasks owned by its prefecture
  and county governments and by the Ministry of Commerce (one done, one overdue), under seed measures 1–3.
- A draft consuming-place plan of the first eastern province's government (purchases, helped sales, counters).
- The case library: a published and featured case of the first county's government linking the demo supplier and
  a relation that helps the county (so the page shows their live figures), with a photo; a second case awaiting
  review (the `province` login publishes it).
Leaves `world.extra["leadership"]`: {"plans", "cases"}.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from typing import Any

from fupin.leadership import services
from fupin.registry.rules import subtree_prefix


def _png(width: int, height: int) -> bytes:
    """A small striped PNG (red and white), made here: the demo ships no image files."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + (b"\xc8\x10\x2e" if (y // 8) % 2 else b"\xff\xff\xff") * width for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _producing_plan(world: Any, county: Any, year: int) -> Any:
    actor = world.actor
    orgs = world.organisations
    province = orgs["provincial_governments"].get(county.code[:2] + "0000")
    local = orgs.get("local_governments") or {}
    if province is None:
        return None
    plan = services.plan_create(body_id=province.pk, year=year, title=f"{province.name}{year}年消费帮扶实施方案",
                                summary="扩大特色农产品供给，提升产品认定和带贫成效，拓宽东西部协作销售渠道。",
                                actor=actor)
    supply = services.objective_add(plan=plan, kind="supply_capacity", figure="direct_purchase",
                                    target=5_000_000_00, description="脱贫地区农副产品直接采购额", actor=actor)
    services.objective_add(plan=plan, kind="certification", figure="certified_products", target=50,
                           description="新认定帮扶产品", actor=actor)
    services.objective_add(plan=plan, kind="linkage", figure="benefits_paid", target=1_000_000_00,
                           description="经营主体向脱贫户支付的收益", actor=actor)
    owners = [(local.get(county.code[:4] + "00"), "组织农产品产销对接会", 1, dt.date(year, 6, 30), "direct_purchase",
               2_000_000_00),
              (local.get(county.code), "推动合作社申报帮扶产品认定", 1, dt.date(year, 9, 30), "certified_products", 20),
              (orgs.get("mofcom"), "在东部城市设立消费帮扶专馆", 3, dt.date(year, 12, 31), "", None)]
    tasks = []
    for owner, title, measure, deadline, figure, target in owners:
        if owner is None:
            continue
        tasks.append(services.task_add(plan=plan, title=title, owner_id=owner.pk, deadline=deadline, measure=measure,
                                       figure=figure, target=target,
                                       objective_id=supply.pk if figure == "direct_purchase" else None, actor=actor))
    services.plan_submit(plan=plan, actor=actor)
    services.plan_approve(plan=plan, actor=actor)
    if tasks:
        services.task_step(task=tasks[-1], step="complete", actor=actor)
    return plan


def _consuming_plan(world: Any, year: int) -> Any:
    east = world.regions.get("east_provinces") or []
    gov = world.organisations["provincial_governments"].get(east[0].code) if east else None
    if gov is None:
        return None
    actor = world.actor
    plan = services.plan_create(body_id=gov.pk, year=year, title=f"{gov.name}{year}年消费帮扶工作方案", actor=actor)
    services.objective_add(plan=plan, kind="purchases", figure="direct_purchase", target=8_000_000_00,
                           description="本省预算单位和企业采购协作地区产品", actor=actor)
    services.objective_add(plan=plan, kind="helped_sales", figure="helped_sale", target=3_000_000_00, actor=actor)
    services.objective_add(plan=plan, kind="counters_shops", description="设立消费帮扶专柜专馆", actor=actor)
    services.task_add(plan=plan, title="机关食堂采购协作地区农产品", owner_id=gov.pk, deadline=dt.date(year, 12, 31),
                      measure=1, figure="direct_purchase", target=8_000_000_00, actor=actor)
    return plan


def _cases(world: Any, county: Any) -> list[Any]:
    actor = world.actor
    gov = (world.organisations.get("local_governments") or {}).get(county.code)
    if gov is None:
        return []
    supplier = world.extra.get("supplier_entity")
    relation = next((r for r in world.extra.get("relations", [])
                     if county.code.startswith(subtree_prefix(r.helped_region.code))
                     and r.kind in ("designated_assistance", "east_west", "counterpart_support")), None)
    published = services.case_submit(
        region_code=county.code, kind="practice", title=f"{county.name}“合作社+脱贫户”订单收购带贫做法",
        summary="合作社以保护价收购脱贫户农产品，经832平台和东西部协作渠道销售。",
        text=("一、组织方式：县乡村振兴部门牵头，合作社与脱贫户签订订单收购协议。\n"
              "二、销售渠道：通过脱贫地区农副产品网络销售平台、消费帮扶专馆和协作城市的商超销售。\n"
              "三、带贫成效：收益按月发放到户，订单价格不低于市场均价。"),
        tags="订单收购, 合作社, 832平台", entity_id=getattr(supplier, "pk", None),
        relation_id=getattr(relation, "pk", None), submitted_by_id=gov.pk, actor=actor)
    services.case_photo_add(case=published, file=_png(96, 64), caption="合作社收购现场（示意）", actor=actor)
    services.case_step(case=published, step="publish", actor=actor)
    services.case_feature(case=published, featured=True, actor=actor)
    waiting = services.case_submit(
        region_code=county.code, kind="experience", title=f"{county.name}消费帮扶专柜进机关食堂的经验",
        text="在协作城市机关食堂设立消费帮扶专柜，按月结算，统一配送。", tags="专柜, 食堂",
        submitted_by_id=gov.pk, actor=actor)
    return [published, waiting]


def build(world: Any) -> None:
    counties = world.regions.get("counties") or []
    if not counties:
        return
    year = world.today.year
    plans = [p for p in (_producing_plan(world, counties[0], year), _consuming_plan(world, year)) if p is not None]
    cases = _cases(world, counties[0])
    world.extra["leadership"] = {"plans": plans, "cases": cases}
    world.notes.append("leadership: an approved implementation plan, a draft one, a published case and one to review")
