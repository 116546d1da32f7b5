"""The platform's own figures that plans and cases show, read live through the lower apps' selectors — the account
(`ledger.selectors.account_totals`, on its rollups), linkage (`payment_list`, `benefits_paid`), certification
(`product_list`), incentives (`project_list`) and the registry (`relation_list`) — never from their tables.

Figures are read as a nation-wide, read-only reader (`READER`): a plan's or a case's figures are the same whoever
looks at them; who may see the plan or the case is decided by `fupin.leadership.selectors`. Each figure carries the
account filters that open the entries behind it (`filters`), for the ledger's figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from fupin.certification import selectors as certification
from fupin.core import access
from fupin.incentives import selectors as incentives
from fupin.ledger import selectors as ledger
from fupin.linkage import selectors as linkage
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry

from .enums import Figure, Orientation

READER: Any = access.NationReader("leadership")
KIND_OF: dict[str, str] = {Figure.DIRECT_PURCHASE: "direct_purchase", Figure.HELPED_SALE: "helped_sale"}


def window_end(year: int, today: dt.date | None = None) -> dt.date:
    """The last day a year's figure covers: the year's last day, or today while the year runs."""
    today = today or timezone.localdate()
    return min(dt.date(year, 12, 31), max(today, dt.date(year, 1, 1)))


def account_filters(*, figure: str, orientation: str, body: Any, year: int) -> dict[str, Any]:
    """The account filters of a money figure of a plan: a producing area's sales (origin in its region), a consuming
    place's purchases (buyers registered in its region), a department's own purchases (it and the units below)."""
    f: dict[str, Any] = {"year": year, "kind": KIND_OF[figure], "counted": True}
    if orientation == Orientation.PRODUCING_AREA:
        f["region"] = body.region.code
    elif orientation == Orientation.CONSUMING_PLACE:
        f["buyer_region"] = body.region.code
    else:
        f["buyer"] = body.pk
    return f


def amount(filters: dict[str, Any]) -> int:
    rows = ledger.account_totals(viewer=READER, filters=filters)
    return int(rows[0]["amount_fen"]) if rows else 0


def _prefix(orientation: str, body: Any) -> str:
    """The region a non-ledger figure covers: the body's region, or the nation for a national department."""
    return "" if orientation == Orientation.DEPARTMENT else registry_rules.subtree_prefix(body.region.code)


def certified_products(prefix: str, on: dt.date) -> int:
    qs = certification.product_list(viewer=READER)
    if prefix:
        qs = qs.filter(origin_region__code__startswith=prefix)
    in_force = Q(periods__start__lte=on) & (Q(periods__end__isnull=True) | Q(periods__end__gte=on))
    return qs.filter(in_force).distinct().count()


def benefits_paid(prefix: str, year: int, end: dt.date) -> int:
    qs = linkage.payment_list(viewer=READER, region_code=prefix or None, date_from=dt.date(year, 1, 1), date_to=end)
    return int(linkage.payment_totals(qs)["total_fen"])


def projects(prefix: str) -> int:
    return incentives.project_list(viewer=READER, region_code=prefix or None).count()


def relations(*, orientation: str, body: Any, year: int) -> int:
    qs = registry.relation_list(viewer=READER, year=year)
    if orientation == Orientation.PRODUCING_AREA:
        qs = qs.filter(helped_region__code__startswith=registry_rules.subtree_prefix(body.region.code))
    elif orientation == Orientation.CONSUMING_PLACE:
        prefix = registry_rules.subtree_prefix(body.region.code)
        qs = qs.filter(Q(helper_region__code__startswith=prefix) | Q(helper_org__region__code__startswith=prefix))
    else:
        qs = qs.filter(helper_org_id__in=registry.organisation_subtree_ids(organisation=body))
    return qs.count()


def plan_figure(*, figure: str, orientation: str, body: Any, year: int, today: dt.date | None = None) -> dict[str, Any]:
    """One figure of a plan's body for the plan's year, as read today: `actual` (fen for money, else a count),
    `source`, and the account `filters` behind a ledger figure."""
    end = window_end(year, today)
    out: dict[str, Any] = {"figure": figure, "source": "ledger", "filters": None, "as_of": end}
    if figure in KIND_OF:
        f = account_filters(figure=figure, orientation=orientation, body=body, year=year)
        out.update(actual=amount(f), filters=f)
    elif figure == Figure.CERTIFIED_PRODUCTS:
        out.update(source="certification", actual=certified_products(_prefix(orientation, body), end))
    elif figure == Figure.BENEFITS_PAID:
        out.update(source="linkage", actual=benefits_paid(_prefix(orientation, body), year, end))
    elif figure == Figure.PROJECTS:
        out.update(source="incentives", actual=projects(_prefix(orientation, body)))
    else:
        out.update(source="registry", actual=relations(orientation=orientation, body=body, year=year))
    return out


# -- a case's linked entity and relation ------------------------------------------------------------------------
def entity_figures(*, entity_id: int, year: int | None = None, min_households: int) -> dict[str, Any]:
    """A market entity's counted sales (every year, or one) by kind, and the benefits it paid to households: the
    amount only when at least `min_households` households received them (else only that payments exist)."""
    filters: dict[str, Any] = {"seller": entity_id, **({"year": year} if year else {})}
    by_kind = {r["kind"]: int(r["amount_fen"])
               for r in ledger.account_totals(viewer=READER, group_by=["kind"], filters=filters)}
    first, last = (dt.date(year, 1, 1), dt.date(year, 12, 31)) if year else (dt.date(1949, 10, 1), dt.date(2100, 12, 31))
    paid = linkage.benefits_paid(entity_ids=[entity_id], date_from=first, date_to=last).get(
        entity_id, {"amount_fen": 0, "households": 0})
    shown = paid["households"] >= min_households
    return {"sales_fen": sum(by_kind.values()), "direct_purchase_fen": by_kind.get("direct_purchase", 0),
            "helped_sale_fen": by_kind.get("helped_sale", 0), "filters": {**filters, "counted": True},
            "benefits_fen": paid["amount_fen"] if shown else None, "benefit_households": paid["households"],
            "benefits_shown": shown}


def relation_figures(*, relation: Any, year: int | None = None) -> dict[str, Any]:
    """An assistance relation's counted totals (purchases attributed to it under its scheme) by kind; nothing for a
    kind of relation the account does not attribute purchases to (local pairing, enterprise helps village)."""
    if relation.kind not in ledger.SCHEME_FIELD:
        return {"total_fen": 0, "direct_purchase_fen": 0, "helped_sale_fen": 0, "filters": None}
    filters: dict[str, Any] = {"scheme": relation.kind, "relation": [relation.pk], **({"year": year} if year else {})}
    by_kind = {r["kind"]: int(r["amount_fen"])
               for r in ledger.account_totals(viewer=READER, group_by=["kind"], filters=filters)}
    return {"total_fen": sum(by_kind.values()), "direct_purchase_fen": by_kind.get("direct_purchase", 0),
            "helped_sale_fen": by_kind.get("helped_sale", 0), "filters": {**filters, "counted": True}}
