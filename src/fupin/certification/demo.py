"""The certification part of the demo world, built through the certification services (deterministic for a seed).

Chronologically, acting as of past dates:
- 2020: every legal-person entity of the demo registers products (with licences) and applies; the applications go
  county → notice → prefecture → province → national filing → national notice and are listed in batch 2020-01.
- 2023: the products are renewed (batch 2023-01), except one left to expire; the expiry job runs.
- 2026: renewals and new products are listed in batch 2026-01; a product is revoked for fraud (its supplier
  blacklisted); a spot-check round is drawn and one inspection fails (the product is suspended).
- Now (`world.today`): applications of the first county wait in every state of the review — submitted (one for
  40 days), returned with a reason, rejected, withdrawn, in county notice with an open objection, at prefecture,
  province and national filing, in national notice, and one ready for the next batch.

Acting for suppliers: the `supplier` user acts for its own cooperative and, under a supplier authorisation, for a
second entity of its county; the `county` office (clerk and reviewer) acts for no supplier but one it is explicitly
authorised for (granted by `admin`, audited).

Reviewers: the registry's `county`, `prefecture` and `province` users review the first county; this step adds the
national reviewer `certifier` and, for the other counties, reviewers named `cr-<level>-<code>`.
Leaves `world.extra["certification"]`: {"products": [...], "batches": [...], "applications": {status: app}}.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.core.services import user_create
from fupin.registry.enums import LEGAL_PERSON_KINDS

from . import services, spot_checks
from .enums import ApplicationStatus as S
from .enums import ProductCategory as C

D = dt.date
PRODUCTS = [
    ("高山生态大米", C.GRAIN_OIL, "5kg/袋", "袋", 9_000),
    ("林下土鸡蛋", C.MEAT_EGG_DAIRY, "30枚/盒", "盒", 6_800),
    ("红心猕猴桃", C.FRUIT_VEGETABLE, "5斤/箱", "箱", 8_800),
    ("高山云雾绿茶", C.TEA, "250g/罐", "罐", 16_800),
    ("稻花鱼", C.AQUATIC, "1kg", "kg", 7_000),
    ("农家辣椒酱", C.PROCESSED_FOOD, "280g/瓶", "瓶", 2_500),
    ("苗绣挂件", C.HANDICRAFT, "30×40cm", "件", 26_000),
    ("农事体验一日游", C.LEISURE_AGRICULTURE, "成人票", "人次", 12_000),
    ("山居民宿", C.RURAL_TOURISM, "标准间/晚", "间夜", 28_000),
    ("竹编果篮", C.HANDICRAFT, "中号", "个", 4_500),
]
FOOD = {C.GRAIN_OIL, C.MEAT_EGG_DAIRY, C.FRUIT_VEGETABLE, C.TEA, C.AQUATIC, C.PROCESSED_FOOD}
PATH = [  # (state before, action, level, days after the start)
    (S.SUBMITTED, "approve", "county", 0),
    (S.COUNTY_NOTICE, "close_notice", "county", 8),
    (S.PREFECTURE_REVIEW, "approve", "prefecture", 12),
    (S.PROVINCE_REVIEW, "approve", "province", 18),
    (S.NATIONAL_FILING, "approve", "nation", 24),
]
REASONS = {"county": "县级认定：材料齐全，带贫机制真实", "prefecture": "市级审核通过", "province": "省级复核通过",
           "nation": "国家备案", "close_notice": "公示期满无异议"}


class _Demo:
    def __init__(self, world: Any) -> None:
        self.world = world
        self.rng = world.sub_rng("certification")
        self.volumes: dict[int, int] = {}  # product id -> the volume its demo applications ask for
        self.admin = world.users["admin"]
        self.reviewers: dict[tuple[str, str], Any] = {}
        nrra = world.organisations.get("nrra")
        self.certifier = user_create(username="certifier", password=world.password, organisation=nrra,
                                     roles="reviewer,approver", scope_level="nation", actor=world.actor,
                                     first_name="国家审核员")
        world.users["certifier"] = self.certifier
        world.logins.append(("certifier", world.password, "national certification reviewer: filing, national notice, "
                                                        "catalogue batches, spot checks, revocations"))
        first = world.regions["counties"][0].code
        for level, key, code in (("county", "county", first), ("prefecture", "prefecture", first[:4] + "00"),
                                 ("province", "province", first[:2] + "0000")):
            if key in world.users:
                self.reviewers[(level, code)] = world.users[key]
        self.products: list[Any] = []
        self.households_by_county: dict[str, list[str]] = {}
        for h in world.households:
            self.households_by_county.setdefault(h.village.code[:6], []).append(h.registry_code)

    def reviewer(self, level: str, region_code: str) -> Any:
        if level == "nation":
            return self.certifier
        code = {"county": region_code[:6], "prefecture": region_code[:4] + "00",
                "province": region_code[:2] + "0000"}[level]
        user = self.reviewers.get((level, code))
        if user is None:
            user = user_create(username=f"cr-{level}-{code}", password=self.world.password, roles="reviewer",
                               scope_level=level, scope_code=code, actor=self.world.actor)
            self.reviewers[(level, code)] = user
        return user

    def product(self, entity: Any, i: int) -> Any:
        name, category, spec, unit, ref = PRODUCTS[i % len(PRODUCTS)]
        ref = int(ref * self.rng.choice([0.9, 1.0, 1.1, 1.2]))
        price = int(ref * self.rng.choice([0.92, 0.97, 1.0, 1.05, 1.1]))
        volume_needed = 10_000_000 // ref + 1
        p = services.product_create(
            supplier=entity, name=f"{entity.region.name}{name}", category=category, unit=unit, specification=spec,
            origin_region=entity.region, annual_capacity=volume_needed * self.rng.randint(3, 6),
            reference_price_fen=ref, price_fen=price, actor=self.admin)
        if category in FOOD:
            services.licence_add(supplier=entity, product=p, kind="food_production", number=f"SC{p.pk:012d}",
                                 valid_from=D(2018, 1, 1), valid_until=D(2031, 12, 31), issuer="县市场监督管理局",
                                 actor=self.admin)
        self.volumes[p.pk] = volume_needed * self.rng.randint(1, 2)
        self.products.append(p)
        return p

    def apply(self, entity: Any, products: list[Any], day: dt.date, kind: str = "new") -> Any:
        for p in products:
            p.refresh_from_db()
        refs = self.households_by_county.get(entity.region.code[:6], [])
        refs = self.rng.sample(refs, min(len(refs), self.rng.randint(5, 8)))
        return services.application_submit(
            supplier=entity, items=[services.ItemInput(p, self.volumes.get(p.pk, 0) or _volume(p))
                                    for p in products],
            household_refs=refs, kind=kind, actor=self.admin, today=day)

    def walk(self, app: Any, start: dt.date, until: str) -> Any:
        for status, action, level, offset in PATH:
            if app.status == until:
                break
            assert app.status == status, (app.number, app.status, status)  # noqa: S101 - the demo story checks itself
            reason = REASONS["close_notice"] if action == "close_notice" else REASONS[level]
            services.application_decide(application=app, action=action, actor=self.reviewer(level, app.region_code),
                                        reason=reason, today=start + dt.timedelta(days=offset))
        return app

    def batch(self, number: str, title: str, day: dt.date, apps: list[Any]) -> Any:
        return services.batch_publish(number=number, title=title, published_on=day, application_ids=[a.pk for a in apps],
                                      actor=self.certifier, today=day)


def _volume(product: Any) -> int:
    return 10_000_000 // max(1, product.reference_price_fen) + 1


def _authorisations(world: Any, demo: _Demo, local: list[Any], supplier: Any) -> list[Any]:
    """Explicit grants so that acting on another's behalf shows: the supplier's cooperative for a second entity of
    its county, the county office for one entity (e.g. a village collective it helps)."""
    others = [e for e in local if e != supplier]
    others.sort(key=lambda e: (e.kind != "village_collective", e.pk))
    grants = []
    start = world.today - dt.timedelta(days=90)
    for key, entity, why in (("supplier", others[-1] if others else None, "合作社受托代办认定申请"),
                             ("county", others[0] if others else None, "县农业农村局帮助村集体代办认定申请")):
        user = world.users.get(key)
        org = getattr(user, "organisation", None)
        if entity is None or org is None or (key == "supplier" and len(others) < 2):
            continue
        grants.append(services.supplier_authorisation_grant(organisation=org, entity=entity, actor=demo.admin,
                                                            valid_from=start, reason=why, today=world.today))
    return grants


def build(world: Any) -> None:
    if "admin" not in world.users or not world.entities or not world.households:
        world.notes.append("Certification: skipped (the registry step made no admin user, entities or households).")
        return
    demo = _Demo(world)
    entities = [e for e in world.entities if e.kind in LEGAL_PERSON_KINDS and e.credit_code]
    for e in entities:
        services.licence_add(supplier=e, kind="business", number=e.credit_code, valid_from=D(2015, 1, 1),
                             issuer="市场监督管理局", actor=demo.admin)
    first_county = world.regions["counties"][0].code
    supplier = world.extra.get("supplier_entity")

    # 2020: first products of every entity, listed in batch 2020-01
    group_a: list[Any] = []
    apps_2020 = []
    for i, e in enumerate(entities):
        p = demo.product(e, i)
        group_a.append(p)
        start = D(2020, 3, 2) + dt.timedelta(days=i % 5)
        apps_2020.append(demo.walk(demo.apply(e, [p], start), start, until=S.NATIONAL_NOTICE))
    batches = [demo.batch("2020-01", "全国扶贫产品目录（2020年第一批）", D(2020, 5, 20), apps_2020)]

    # 2023: renewals (all but one product, which expires)
    lapsing = group_a[-1]
    apps_2023 = []
    for p in group_a[:-1]:
        start = D(2023, 3, 1)
        apps_2023.append(demo.walk(demo.apply(p.supplier, [p], start, kind="renewal"), start, until=S.NATIONAL_NOTICE))
    batches.append(demo.batch("2023-01", "全国消费帮扶产品目录（2023年第一批）", D(2023, 4, 28), apps_2023))
    services.products_expire(actor="certification_expire", today=D(2023, 5, 20))

    # 2026: renewals again and new products
    apps_2026 = []
    group_b = []
    for p in group_a[:-1]:
        start = D(2026, 2, 23)
        apps_2026.append(demo.walk(demo.apply(p.supplier, [p], start, kind="renewal"), start, until=S.NATIONAL_NOTICE))
    for i, e in enumerate(entities[: max(2, len(entities) // 3)]):
        p = demo.product(e, i + 3)
        group_b.append(p)
        start = D(2026, 2, 23)
        apps_2026.append(demo.walk(demo.apply(e, [p], start), start, until=S.NATIONAL_NOTICE))
    batches.append(demo.batch("2026-01", "全国消费帮扶产品目录（2026年第一批）", D(2026, 4, 20), apps_2026))

    # after listing: a revocation with blacklisting, a spot-check round with one failure
    certified = [p for p in group_a[:-1] + group_b if p.supplier != supplier]
    for p in certified:
        p.refresh_from_db()
    elsewhere = [p for p in certified if not p.supplier.region.code.startswith(first_county)]
    revoked = (elsewhere or certified)[-1]
    services.product_revoke(product=revoked, actor=demo.certifier, reason_kind="fraud",
                            reason="虚报带贫人数，经核查属实", today=D(2026, 6, 15))
    rnd = spot_checks.spot_check_draw(period="2026-H2", actor=demo.certifier, region_prefix="", today=D(2026, 8, 1))
    checks = list(rnd.checks.select_related("product"))
    for k, check in enumerate(checks):
        passed = k != 0
        spot_checks.spot_check_record(check=check, passed=passed, findings="抽检合格" if passed else "农药残留超标",
                                      actor=demo.certifier, today=D(2026, 8, 10 + k))

    # now: applications of the first county in every state of the review
    today = world.today
    local = [e for e in entities if e.region.code.startswith(first_county) and e != revoked.supplier] or [
        e for e in entities if e != revoked.supplier][:1]
    states: dict[str, Any] = {}

    def fresh(status: str, days_ago: int, n: int) -> Any:
        entity = supplier if (supplier is not None and status in (S.COUNTY_NOTICE, S.RETURNED, S.CERTIFIED)) \
            else local[n % len(local)]
        p = demo.product(entity, n + 5)
        start = today - dt.timedelta(days=days_ago)
        app = demo.apply(entity, [p], start)
        states[status] = app
        return app, start

    app, start = fresh(S.SUBMITTED, 40, 0)
    fresh(S.SUBMITTED + "_recent", 2, 1)
    app, start = fresh(S.RETURNED, 20, 2)
    services.application_decide(application=app, action="return", actor=demo.reviewer("county", app.region_code),
                                reason="请补充带动贫困户的劳务合同和收购凭证", today=start + dt.timedelta(days=3))
    app, start = fresh(S.REJECTED, 60, 3)
    services.application_decide(application=app, action="reject", actor=demo.reviewer("county", app.region_code),
                                reason="产品原料主要从外省购入，不符合认定条件", today=start + dt.timedelta(days=5))
    app, start = fresh(S.WITHDRAWN, 30, 4)
    services.application_withdraw(application=app, actor=demo.admin, reason="供应商主动撤回",
                                  today=start + dt.timedelta(days=1))
    app, start = fresh(S.COUNTY_NOTICE, 2, 5)
    demo.walk(app, start, until=S.COUNTY_NOTICE)
    services.objection_lodge(application=app, name="王某", contact="138****0000",
                             text="该合作社收购贫困户产品的数量与公示不符。", today=start + dt.timedelta(days=1))
    for status, days_ago in ((S.PREFECTURE_REVIEW, 15), (S.PROVINCE_REVIEW, 22), (S.NATIONAL_FILING, 30),
                             (S.NATIONAL_NOTICE, 26)):
        app, start = fresh(status, days_ago, len(states))
        demo.walk(app, start, until=status)
    app, start = fresh(S.NATIONAL_NOTICE + "_ready", 45, len(states))
    demo.walk(app, start, until=S.NATIONAL_NOTICE)
    grants = _authorisations(world, demo, local, supplier)
    world.extra["certification"] = {"products": demo.products, "batches": batches, "applications": states,
                                    "revoked": revoked, "expired": lapsing, "spot_round": rnd,
                                    "authorisations": grants}
    world.notes.append(
        f"Certification: {len(demo.products)} products, batches {', '.join(b.number for b in batches)}; "
        f"applications of {world.regions['counties'][0].name} wait in every review state (sign in as county, "
        f"prefecture, province or certifier); certificates verify at /certification/verify/. Reviewers of the other "
        f"counties are cr-<level>-<code> with the demo password.")
