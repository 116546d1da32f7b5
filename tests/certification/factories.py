"""Certification test data, one builder per lifecycle state, all built through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from fupin.certification import services
from fupin.certification.enums import ApplicationStatus as S
from fupin.certification.models import Application, CatalogueBatch, Product
from fupin.registry.models import Region
from tests import factories

_seq = itertools.count(1)

COUNTY = "522627"          # 天柱县, Guizhou: a national poverty county
VILLAGE = "522627100201"
OTHER_COUNTY = "130631"    # 望都县, Hebei (in the 22 provinces, not a poverty county here)
EAST_COUNTY = "320102"     # Nanjing, Jiangsu: outside the 22 provinces
D0 = dt.date(2020, 6, 1)   # the day most tests act on


def poverty_county(code: str = COUNTY) -> Region:
    region = factories.region(code)
    if not region.is_poverty_county:
        Region.objects.filter(pk=region.pk).update(is_poverty_county=True)
        region.refresh_from_db()
    return region


@dataclass
class Reviewers:
    county: Any
    prefecture: Any
    province: Any
    nation: Any
    other_county: Any

    def for_status(self, status: str) -> Any:
        return {S.SUBMITTED: self.county, S.COUNTY_NOTICE: self.county, S.PREFECTURE_REVIEW: self.prefecture,
                S.PROVINCE_REVIEW: self.province, S.NATIONAL_FILING: self.nation,
                S.NATIONAL_NOTICE: self.nation}[status]


def reviewers() -> Reviewers:
    n = next(_seq)
    poverty_county(COUNTY)
    return Reviewers(
        county=factories.user(f"rev_county{n}", roles="reviewer", scope_level="county", scope_code=COUNTY),
        prefecture=factories.user(f"rev_pref{n}", roles="reviewer", scope_level="prefecture", scope_code="522600"),
        province=factories.user(f"rev_prov{n}", roles="approver", scope_level="province", scope_code="520000"),
        nation=factories.user(f"rev_nation{n}", roles="reviewer,approver"),
        other_county=factories.user(f"rev_other{n}", roles="reviewer", scope_level="county",
                                    scope_code=OTHER_COUNTY),
    )


@dataclass
class Supplier:
    entity: Any
    user: Any
    households: list[Any] = field(default_factory=list)

    @property
    def refs(self) -> list[str]:
        return [h.registry_code for h in self.households]


def supplier(*, region_code: str = COUNTY, households: int = 5, kind: str = "enterprise",
             licence_until: dt.date | None = dt.date(2030, 12, 31)) -> Supplier:
    poverty_county(COUNTY)
    entity = factories.entity(region_code=region_code, kind=kind)
    org = factories.organisation(f"Org of {entity.name}", kind="private_enterprise", region_code=region_code[:6],
                                 credit_code=entity.credit_code)
    user = factories.user(f"sup{entity.pk}", roles="clerk", scope_level="county", scope_code=region_code[:6],
                          organisation=org)
    hh = [factories.household(village_code=VILLAGE) for _ in range(households)]
    if licence_until is not None:
        services.licence_add(supplier=entity, kind="business", number=f"BL{entity.pk}", valid_from=dt.date(2015, 1, 1),
                             valid_until=licence_until, actor=user)
    return Supplier(entity=entity, user=user, households=hh)


def product(sup: Supplier, *, category: str = "handicraft", origin: str = VILLAGE, reference_price_fen: int = 10_000,
            price_fen: int = 10_500, capacity: int = 100_000, food_licence: bool = True) -> Product:
    p = services.product_create(supplier=sup.entity, name=f"Product {next(_seq)}", category=category, unit="kg",
                                origin_region=factories.region(origin), annual_capacity=capacity,
                                reference_price_fen=reference_price_fen, price_fen=price_fen, actor=sup.user)
    if food_licence and category not in ("handicraft", "labour_service", "leisure_agriculture", "rural_tourism",
                                         "other"):
        services.licence_add(supplier=sup.entity, product=p, kind="food_production", number=f"SC{p.pk}",
                             valid_until=dt.date(2030, 12, 31), actor=sup.user)
    return p


def submit(sup: Supplier, products: list[Product] | None = None, *, volume: int = 2_000,
           today: dt.date = D0) -> Application:
    products = products or [product(sup)]
    return services.application_submit(
        supplier=sup.entity, items=[services.ItemInput(p, volume) for p in products], household_refs=sup.refs,
        actor=sup.user, today=today)


# the path of an application from submission to the catalogue, with the day each step happens
PATH = [
    (S.SUBMITTED, "approve", D0),
    (S.COUNTY_NOTICE, "close_notice", D0 + dt.timedelta(days=10)),
    (S.PREFECTURE_REVIEW, "approve", D0 + dt.timedelta(days=11)),
    (S.PROVINCE_REVIEW, "approve", D0 + dt.timedelta(days=12)),
    (S.NATIONAL_FILING, "approve", D0 + dt.timedelta(days=13)),
]
LIST_DAY = D0 + dt.timedelta(days=25)


def advance(app: Application, revs: Reviewers, *, until: str) -> Application:
    """Walk `app` along the review path until it reaches state `until` (or the catalogue)."""
    for status, action, day in PATH:
        if app.status == until:
            return app
        assert app.status == status, (app.status, status)
        services.application_decide(application=app, action=action, actor=revs.for_status(status),
                                    reason=f"{action} at {status}", today=day)
    if until == S.CERTIFIED and app.status != S.CERTIFIED:
        publish(revs, [app])
        app.refresh_from_db()
    return app


def publish(revs: Reviewers, apps: list[Application], *, day: dt.date = LIST_DAY) -> CatalogueBatch:
    return services.batch_publish(number=f"B{next(_seq):04d}", published_on=day, application_ids=[a.pk for a in apps],
                                  actor=revs.nation, today=day)


def application_in(status: str, *, revs: Reviewers | None = None, sup: Supplier | None = None) -> Application:
    revs = revs or reviewers()
    sup = sup or supplier()
    app = submit(sup)
    if status == S.SUBMITTED:
        return app
    if status in (S.RETURNED, S.REJECTED):
        action = "return" if status == S.RETURNED else "reject"
        services.application_decide(application=app, action=action, actor=revs.county, reason="no", today=D0)
        return app
    if status == S.WITHDRAWN:
        services.application_withdraw(application=app, actor=sup.user, today=D0)
        return app
    return advance(app, revs, until=status)


def certified_product(*, revs: Reviewers | None = None, sup: Supplier | None = None) -> Product:
    app = application_in(S.CERTIFIED, revs=revs, sup=sup)
    p = app.items.get().product
    p.refresh_from_db()
    return p
