"""Reserved share reads: each unit's declaration, what it bought on the 832 platform (from the ledger's
statistics), and the verdict against the rule in force for its region and year.

Scope: the viewer sees the units whose home region lies in its scope (`registry.organisation_list`). The
platform amounts come from `selectors.account_totals` on the buyer side (counted entries of buyers registered in
the viewer's region, SQL aggregates on the rollups), filtered to the units and their member organisations (trade
unions: staff purchases count toward the unit).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from fupin.core import params
from fupin.core.errors import NotFound
from fupin.core.money import fen_to_yuan
from fupin.registry import selectors as registry

from .. import selectors as ledger
from . import rules
from .enums import ShareStatus
from .models import CanteenDeclaration
from .rules import ShareResult

MAX_IDS_IN_FILTER = 500  # beyond this, group the year's platform purchases by buyer and keep the units' rows

STATUS_ORDER: dict[str, int] = {ShareStatus.SHORT: 0, ShareStatus.UNDECLARED: 1, ShareStatus.COMPLIANT: 2, ShareStatus.EXEMPT: 3,
                ShareStatus.NOT_REQUIRED: 4}


@dataclass(frozen=True)
class ShareRow:
    organisation: Any
    year: int
    declaration: CanteenDeclaration | None
    result: ShareResult
    member_ids: tuple[int, ...]
    counting: rules.Counting

    @property
    def status(self) -> str:
        return self.result.status

    def as_dict(self) -> dict[str, Any]:
        r, d, o = self.result, self.declaration, self.organisation
        return {
            "organisation_id": o.pk, "organisation_name": o.name, "credit_code": o.credit_code or "",
            "region_code": o.region.code, "kind": o.kind, "year": self.year, "status": r.status,
            "canteen_food_fen": d.canteen_food_fen if d else None,
            "farm_produce_fen": d.farm_produce_fen if d else None,
            "exempt_reason": r.exempt_reason or (d.exempt_reason if d else ""),
            "base": r.base, "base_fen": r.base_fen, "required_bp": r.required_bp,
            "required_percent": rules.format_bp(r.required_bp), "required_fen": r.required_fen,
            "platform_fen": r.platform_fen, "platform_yuan": fen_to_yuan(r.platform_fen),
            "achieved_bp": r.achieved_bp, "achieved_percent": rules.format_bp(r.achieved_bp),
            "gap_fen": r.gap_fen, "gap_yuan": fen_to_yuan(r.gap_fen), "notes": list(r.notes),
            "param_version_id": r.param_version_id, "counting_version_id": self.counting.version_id,
            "member_ids": list(self.member_ids),
            "declared_at": d.updated_at.isoformat() if d else None,
        }


class _Rules:
    """The parameter versions of the three keys, read once, resolved per unit region (pure `params.resolve`)."""

    def __init__(self, year: int) -> None:
        self.on = rules.assessment_date(year)
        self._versions = {key: params.versions(key)
                          for key in (rules.REQUIRED_SHARE, rules.COUNTING, rules.OBLIGED_KINDS)}

    def _get(self, key: str, region_code: str) -> params.ParamVersion | None:
        return params.resolve(self._versions[key], on=self.on, region_code=region_code)

    def requirement(self, region_code: str) -> rules.Requirement | None:
        v = self._get(rules.REQUIRED_SHARE, region_code)
        return rules.requirement_from(v.value, version_id=v.id) if v else None

    def counting(self, region_code: str) -> rules.Counting:
        v = self._get(rules.COUNTING, region_code)
        if v is None:
            return rules.Counting(channels=(), kinds=(), member_kinds=(), version_id=None)
        return rules.counting_from(v.value, version_id=v.id)

    def obliged(self, region_code: str, kind: str) -> bool:
        v = self._get(rules.OBLIGED_KINDS, region_code)
        return v is not None and kind in (v.value or [])

    def all_obliged_kinds(self) -> set[str]:
        return {k for v in self._versions[rules.OBLIGED_KINDS] for k in (v.value or [])}

    def all_member_kinds(self) -> set[str]:
        return {k for v in self._versions[rules.COUNTING] for k in (v.value or {}).get("member_kinds", [])}


def _platform_by_buyer(*, viewer: Any, year: int, buyer_ids: Iterable[int]) -> dict[tuple[int, str, str], int]:
    """Counted amounts per (buyer, channel, kind) for the year, from the ledger's statistics."""
    ids = sorted(set(buyer_ids))
    if not ids:
        return {}
    filters: dict[str, Any] = {"year": year}
    if len(ids) <= MAX_IDS_IN_FILTER:
        filters["buyer_ids"] = ids
    wanted = set(ids)
    rows: list[Any] = ledger.account_totals(viewer=viewer, group_by=["buyer", "channel", "kind"], filters=filters,
                                 counted_only=True, side="buyer")
    rows = [r for r in rows if r["buyer"] is not None and int(r["buyer"]) in wanted]
    out: dict[tuple[int, str, str], int] = {}
    for row in rows:
        key = (int(row["buyer"]), str(row["channel"]), str(row["kind"]))
        out[key] = out.get(key, 0) + int(row["amount_fen"])
    return out


def _rows(*, viewer: Any, year: int, units: list[Any], ruleset: _Rules | None = None) -> list[ShareRow]:
    ruleset = ruleset or _Rules(year)
    declarations = {d.organisation_id: d for d in
                    CanteenDeclaration.objects.filter(year=year, organisation_id__in=[u.pk for u in units])}
    member_kinds = ruleset.all_member_kinds()
    members: dict[int | None, list[tuple[int, str]]] = {}  # parent id -> members (never None: filtered)
    if member_kinds and units:
        for m in registry.organisation_list(viewer=viewer).filter(parent_id__in=[u.pk for u in units],
                                                                   kind__in=member_kinds):
            members.setdefault(m.parent_id, []).append((m.pk, m.kind))
    totals = _platform_by_buyer(viewer=viewer, year=year,
                                buyer_ids=[u.pk for u in units] + [m for ms in members.values() for m, _k in ms])
    out = []
    for unit in units:
        region = unit.region.code
        counting = ruleset.counting(region)
        mine = [m for m, k in members.get(unit.pk, []) if k in counting.member_kinds]
        platform = sum(amount for (buyer, channel, kind), amount in totals.items()
                       if buyer in (unit.pk, *mine) and channel in counting.channels and kind in counting.kinds)
        decl = declarations.get(unit.pk)
        facts = rules.DeclarationFacts(decl.canteen_food_fen, decl.farm_produce_fen, decl.exempt_reason) if decl else None
        result = rules.evaluate(declaration=facts, requirement=ruleset.requirement(region), platform_fen=platform,
                                obliged=ruleset.obliged(region, unit.kind))
        out.append(ShareRow(unit, year, decl, result, tuple(mine), counting))
    return out


def reserved_share_list(*, viewer: Any, year: int, region_code: str | None = None, status: str | None = None,
                        q: str | None = None, include_not_required: bool = False,
                        organisation_ids: Iterable[int] | None = None) -> list[ShareRow]:
    """The units in the viewer's scope that must declare or have declared for `year`, with their verdicts:
    the short ones first (largest gap first), then undeclared, compliant, exempt. `organisation_ids` narrows the
    list to those units (a body and the units below it), so that only their figures are read."""
    ruleset = _Rules(year)
    orgs = registry.organisation_list(viewer=viewer, region_code=region_code or None, q=q or None)
    if organisation_ids is not None:
        orgs = orgs.filter(pk__in=sorted(set(organisation_ids)))
    declared = CanteenDeclaration.objects.filter(year=year).values("organisation_id")
    units = list(orgs.filter(Q(kind__in=ruleset.all_obliged_kinds()) | Q(pk__in=declared)).select_related("region"))
    rows = _rows(viewer=viewer, year=year, units=units, ruleset=ruleset)
    if not include_not_required:
        rows = [r for r in rows if r.status != ShareStatus.NOT_REQUIRED or r.declaration is not None]
    if status:
        rows = [r for r in rows if r.status == status]
    rows.sort(key=lambda r: (STATUS_ORDER.get(r.status, 9), -r.result.gap_fen, r.organisation.name))
    return rows


def reserved_share_get(*, viewer: Any, organisation_id: int, year: int) -> ShareRow:
    unit = registry.organisation_list(viewer=viewer).filter(pk=organisation_id).select_related("region").first()
    if unit is None:
        raise NotFound(details={"organisation": organisation_id})
    return _rows(viewer=viewer, year=year, units=[unit])[0]


def reserved_share_summary(rows: Iterable[ShareRow]) -> dict[str, Any]:
    """Counts per status and the total gap, for the list's header."""
    counts = dict.fromkeys(ShareStatus.values, 0)
    gap = 0
    for r in rows:
        counts[r.status] += 1
        gap += r.result.gap_fen
    return {"counts": counts, "gap_fen": gap, "total": sum(counts.values())}


def declarable_units(*, viewer: Any, limit: int = 2000) -> list[Any]:
    """Units in the viewer's scope of a kind that must declare (in any version), or that have declared."""
    kinds = {k for v in params.versions(rules.OBLIGED_KINDS) for k in (v.value or [])}
    qs = registry.organisation_list(viewer=viewer).filter(
        Q(kind__in=kinds) | Q(canteen_declarations__isnull=False)).distinct().select_related("region")
    return list(qs.order_by("name")[:limit])


def canteen_declaration_list(*, viewer: Any, year: int | None = None) -> Any:
    qs = CanteenDeclaration.objects.select_related("organisation", "organisation__region").filter(
        organisation__in=registry.organisation_list(viewer=viewer))
    return qs.filter(year=year) if year else qs


EXPORT_COLUMNS = [
    ("credit_code", "统一社会信用代码"), ("organisation_name", "单位名称"), ("region_code", "地区代码"), ("year", "年度"),
    ("status", "状态"), ("canteen_food_yuan", "食堂食材采购额(元)"), ("farm_produce_yuan", "其中农副产品(元)"),
    ("exempt_reason", "免予预留原因"), ("base", "计算基数"), ("required_percent", "预留比例"),
    ("required_yuan", "应采购额(元)"), ("platform_yuan", "832平台采购额(元)"), ("achieved_percent", "实际比例"),
    ("gap_yuan", "差额(元)"), ("param_version_id", "规则版本"),
]


def export_rows(rows: Iterable[ShareRow]) -> Iterable[list[Any]]:
    def yuan(fen: int | None) -> str:
        return "" if fen is None else fen_to_yuan(fen)

    for row in rows:
        d = row.as_dict()
        yield [d["credit_code"], d["organisation_name"], d["region_code"], d["year"], d["status"],
               yuan(d["canteen_food_fen"]), yuan(d["farm_produce_fen"]), d["exempt_reason"], d["base"],
               d["required_percent"], yuan(d["required_fen"]), d["platform_yuan"], d["achieved_percent"],
               d["gap_yuan"], d["param_version_id"] or ""]
