"""Detection's reads: the year's facts for the detectors (through the ledger's, the registry's and certification's
selectors, in bulk), and the flags a viewer may see.

Who sees a flag: reviewers, approvers, auditors and administrators whose region scope covers the buyer's home region
or the seller's region (a province's reviewer sees the cases of its buyers and of its sellers; another province's
does not). Flags are suspicions about named organisations, so viewers and clerks see none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from fupin.certification import selectors as certification
from fupin.core.access import NationReader, authorise, is_system, refusal
from fupin.core.enums import Role
from fupin.core.errors import NotFound
from fupin.ledger import selectors as ledger
from fupin.ledger.models import PurchaseEntry
from fupin.registry import selectors as registry

from . import rules
from .enums import FlagStatus
from .models import Flag

READ_ROLES = (Role.REVIEWER, Role.APPROVER, Role.AUDITOR, Role.ADMINISTRATOR)
DECIDE_ROLES = (Role.REVIEWER, Role.APPROVER, Role.ADMINISTRATOR)
READER = NationReader("detection")
CHUNK = 20_000


@dataclass
class YearFacts:
    purchases: list[rules.Purchase]
    orgs: dict[int, rules.Org]
    sellers: dict[int, rules.Seller]
    products: dict[int, rules.ProductFacts]


def year_facts(*, year: int) -> YearFacts:
    """The counted first bookings of `year` that were not reversed (an amendment is its own booking), as plain data,
    with every organisation, seller and product: one streamed query over the entries, one for each of the others."""
    entries = ledger.entries_for(viewer=READER, filters={"year": year, "counted": True})
    rows = (entries.filter(sign=1, reversed_by__isnull=True).order_by()
            .values_list("id", "purchase_date", "buyer_id", "seller_id", "product_id", "amount_fen", "kind"))
    purchases = [rules.Purchase(*row) for row in rows.iterator(chunk_size=CHUNK)]
    orgs = {i: rules.Org(i, parent, code, region or "", name) for i, parent, code, region, name in
            registry.organisation_list(viewer=READER).order_by().values_list(
                "id", "parent_id", "credit_code", "region__code", "name")}
    sellers = {i: rules.Seller(i, code, kind, region or "", name) for i, code, kind, region, name in
               registry.entity_list(viewer=READER).order_by().values_list(
                   "id", "credit_code", "kind", "region__code", "name")}
    products = {i: rules.ProductFacts(i, supplier, capacity, price, ref, name) for i, supplier, capacity, price, ref, name
                in certification.product_list(viewer=READER).order_by().values_list(
                    "id", "supplier_id", "annual_capacity", "price_fen", "reference_price_fen", "name")}
    return YearFacts(purchases, orgs, sellers, products)


def _may_read(viewer: Any) -> bool:
    return is_system(viewer) or (getattr(viewer, "is_authenticated", False) and viewer.has_role(*READ_ROLES))


def _scope(viewer: Any) -> Q:
    prefix = "" if is_system(viewer) else (getattr(viewer, "scope_prefix", "") or "")
    if not prefix:
        return Q()
    return Q(buyer_region__startswith=prefix) | Q(seller_region__startswith=prefix)


def flag_list(*, viewer: Any, status: str | None = None, kind: str | None = None, year: int | None = None,
              region: str | None = None) -> QuerySet[Flag]:
    """The flags in the viewer's scope (AccessDenied for roles that see none), largest amounts first."""
    authorise(viewer, roles=READ_ROLES, what="detection flags")
    qs = Flag.objects.filter(_scope(viewer)).select_related("buyer", "seller", "product")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(year=year)
    if region:
        qs = qs.filter(Q(buyer_region__startswith=region) | Q(seller_region__startswith=region))
    return qs


def flag_get(*, viewer: Any, pk: int) -> Flag:
    flag = flag_list(viewer=viewer).select_related("parameters_version").filter(pk=pk).first()
    if flag is None:
        raise NotFound(details={"flag": pk})
    return flag


def flag_entries(*, viewer: Any, flag: Flag, limit: int = 200) -> list[PurchaseEntry]:
    """The entries behind the flag that the viewer may open in the ledger (its own scope rules: money flowing into
    its region, or bought by buyers registered in it), oldest first."""
    ids = [int(i) for i in flag.entry_ids[:limit]]
    found = {e.pk: e for side in ledger.SIDES for e in ledger.entries_for(viewer=viewer, side=side).filter(pk__in=ids)}
    return sorted(found.values(), key=lambda e: (e.purchase_date, e.pk))


def decision_region(*, viewer: Any, flag: Flag) -> str | None:
    """The region a decision on the flag is taken for: the buyer's, or the seller's when only that lies in the
    viewer's scope (the decision then needs the viewer's role there)."""
    prefix = getattr(viewer, "scope_prefix", "") or ""
    for code in (flag.buyer_region, flag.seller_region):
        if code and code.startswith(prefix):
            return code
    return flag.buyer_region or flag.seller_region or None


def flag_actions(*, viewer: Any, flag: Flag) -> list[str]:
    """What the viewer may do with the flag now: `confirm` and `dismiss` while it is open, for deciders in scope."""
    if flag.status != FlagStatus.OPEN:
        return []
    if refusal(viewer, roles=DECIDE_ROLES, region_code=decision_region(viewer=viewer, flag=flag), office=True):
        return []
    return ["confirm", "dismiss"]


def flag_counts(*, viewer: Any) -> dict[str, int]:
    """Open, confirmed and dismissed flags in the viewer's scope."""
    qs = flag_list(viewer=viewer)
    return {s: qs.filter(status=s).count() for s in FlagStatus.values}


def planted_cases() -> dict[str, Any] | None:
    """What the demo step planted (its audit entry `detection:planted`), for measuring the detectors; None when the
    database holds no demo world."""
    from fupin.core.models import AuditEntry

    entry = AuditEntry.objects.filter(action="detection:planted").order_by("-id").first()
    return entry.after if entry is not None else None


def planted_score() -> tuple[dict[str, Any], list[rules.Score]] | None:
    """Every stored flag (all years) against the planted cases: precision and recall per detector and overall."""
    planted = planted_cases()
    if planted is None:
        return None
    flagged = list(Flag.objects.values_list("kind", "key"))
    return planted, rules.score(planted=[(k, key) for k, key in planted["planted"]], flagged=flagged)


def total_sales_by_code(rows: list[tuple[str, int, int]]) -> dict[int, dict[int, int]]:
    """(seller credit code or household registry code, year, total sales in fen) → year → seller id → fen; unknown
    codes are left out."""
    codes = {code.strip().upper() for code, _year, _fen in rows}
    ids = {code: pk for pk, code in registry.entity_list(viewer=READER).filter(credit_code__in=codes)
           .values_list("id", "credit_code")}
    ids.update({code: pk for pk, code in registry.entity_list(viewer=READER).filter(
        household__registry_code__in=codes).values_list("id", "household__registry_code")})
    out: dict[int, dict[int, int]] = {}
    for code, year, fen in rows:
        if code.strip().upper() in ids:
            out.setdefault(int(year), {})[ids[code.strip().upper()]] = fen
    return out
