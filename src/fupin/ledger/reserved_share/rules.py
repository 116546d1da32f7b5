"""Reserved share of canteen food procurement (预留份额) — pure rules, no ORM, no I/O.

From 2021 every budget unit reserves at least 10% of its annual canteen food procurement for products of
poor (now: lifted-out) areas bought on the 832 platform (财库〔2021〕19号); provinces may set more (Hubei 15%;
Guangxi 20% of canteen *farm produce*). The share, the base it is taken of, which ledger entries count
toward it and which organisation kinds must declare are dated policy parameters, resolved for the unit's
home region and the year (on 31 December: the rule in force when the year is assessed).

A unit is then:
- exempt (with reason: no canteen, outsourced canteen), when it declared so;
- compliant, when the amount bought on the platform reaches the required amount;
- short, with the gap in fen, when it does not;
- not required, when no rule is in force for its region and year (before 2021);
- undeclared, when it must declare and has not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from fupin.core.params import ParamDefault

from .enums import ExemptReason, ShareBase, ShareStatus

# -- parameter keys and their seeded defaults ---------------------------------------------------------------------
REQUIRED_SHARE = "ledger.reserved_share.required"
COUNTING = "ledger.reserved_share.counting"
OBLIGED_KINDS = "ledger.reserved_share.obliged_kinds"

FIRST_YEAR = 2013  # the earliest year a declaration may be made for (the account's first year)

_2021 = dt.date(2021, 1, 1)
PARAM_DEFAULTS = [
    ParamDefault(REQUIRED_SHARE, {"percent": "10", "base": "canteen_food"}, _2021,
                 source="财库〔2021〕19号",
                 note="Budget units reserve at least 10% of annual canteen food procurement for poor-area products "
                      "bought on the 832 platform."),
    ParamDefault(REQUIRED_SHARE, {"percent": "15", "base": "canteen_food"}, _2021, region_prefix="42",
                 source="湖北省财政厅 2021 (provincial notice on the reserved share)",
                 note="Hubei: at least 15% of canteen food procurement."),
    ParamDefault(REQUIRED_SHARE, {"percent": "20", "base": "canteen_farm_produce"}, _2021, region_prefix="45",
                 source="广西壮族自治区财政厅 2021 (regional notice on the reserved share)",
                 note="Guangxi: at least 20% of canteen farm-produce procurement."),
    ParamDefault(COUNTING, {"channels": ["platform_832"], "kinds": ["direct_purchase"],
                            "member_kinds": ["trade_union"]}, _2021,
                 source="财库〔2021〕19号",
                 note="Counted ledger entries of these channels and kinds count toward the unit; purchases by its "
                      "member organisations of these kinds (its trade union, for staff) count toward it too."),
    ParamDefault(OBLIGED_KINDS, ["budget_unit", "government_department", "central_unit", "provincial_government",
                                 "local_government"], _2021,
                 source="财库〔2021〕19号",
                 note="Organisation kinds listed as undeclared when they have not declared a year."),
]


EXEMPT_ALIASES = {
    "no_canteen": ExemptReason.NO_CANTEEN, "无食堂": ExemptReason.NO_CANTEEN, "没有食堂": ExemptReason.NO_CANTEEN,
    "outsourced_canteen": ExemptReason.OUTSOURCED_CANTEEN, "食堂外包": ExemptReason.OUTSOURCED_CANTEEN,
    "外包": ExemptReason.OUTSOURCED_CANTEEN,
}


# -- parameter values ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Requirement:
    """The required share in force for one region and year, from one parameter version."""

    share_bp: int  # basis points: 1000 = 10%
    base: str
    version_id: int | None


@dataclass(frozen=True)
class Counting:
    channels: tuple[str, ...]
    kinds: tuple[str, ...]
    member_kinds: tuple[str, ...]
    version_id: int | None = None


def percent_to_bp(value: Any) -> int:
    """'10' / 10 / 12.5 → basis points (1000 / 1000 / 1250). Raises ValueError on anything else."""
    try:
        d = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        raise ValueError(f"not a percentage: {value!r}") from None
    if not d.is_finite() or d < 0 or d > 100:
        raise ValueError(f"percentage out of range: {value!r}")
    bp = d * 100
    if bp != bp.to_integral_value():
        raise ValueError(f"percentage has more than two decimals: {value!r}")
    return int(bp)


def requirement_from(value: Mapping[str, Any], *, version_id: int | None) -> Requirement:
    base = str(value.get("base") or ShareBase.CANTEEN_FOOD)
    if base not in ShareBase.values:
        raise ValueError(f"unknown base {base!r}")
    return Requirement(share_bp=percent_to_bp(value["percent"]), base=base, version_id=version_id)


def counting_from(value: Mapping[str, Any], *, version_id: int | None) -> Counting:
    return Counting(
        channels=tuple(value.get("channels") or ()), kinds=tuple(value.get("kinds") or ()),
        member_kinds=tuple(value.get("member_kinds") or ()), version_id=version_id,
    )


def assessment_date(year: int) -> dt.date:
    """The date on which the rules for a year are looked up: its last day."""
    return dt.date(year, 12, 31)


# -- declarations -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeclarationFacts:
    canteen_food_fen: int | None
    farm_produce_fen: int | None = None
    exempt_reason: str = ""


def declaration_errors(*, year: Any, canteen_food_fen: int | None, farm_produce_fen: int | None,
                       exempt_reason: str, this_year: int) -> list[tuple[str, str, str]]:
    """Why a declaration is not acceptable, as (field, code, English message) triples; empty when it is."""
    errors: list[tuple[str, str, str]] = []
    if not isinstance(year, int) or year < FIRST_YEAR or year > this_year:
        errors.append(("year", "bad_year", f"year must be between {FIRST_YEAR} and {this_year}"))
    if exempt_reason:
        if exempt_reason not in ExemptReason.values:
            errors.append(("exempt_reason", "bad_exempt_reason",
                           f"exempt reason must be one of {', '.join(ExemptReason.values)}"))
        if canteen_food_fen:
            errors.append(("canteen_food_yuan", "exempt_with_amount",
                           "an exempt unit declares no canteen food procurement"))
        return errors
    if canteen_food_fen is None:
        errors.append(("canteen_food_yuan", "missing_amount",
                       "declare the canteen food procurement, or an exempt reason"))
    elif canteen_food_fen <= 0:
        errors.append(("canteen_food_yuan", "bad_amount", "canteen food procurement must be greater than zero"))
    if farm_produce_fen is not None:
        if farm_produce_fen < 0:
            errors.append(("farm_produce_yuan", "negative_farm_produce", "farm produce must not be negative"))
        elif canteen_food_fen is not None and farm_produce_fen > canteen_food_fen:
            errors.append(("farm_produce_yuan", "farm_produce_exceeds_total",
                           "farm produce cannot exceed the canteen food procurement"))
    return errors


def parse_exempt_reason(text: str) -> str | None:
    """'' → '' (not exempt); a code or Chinese label → the code; anything else → None."""
    t = (text or "").strip()
    if not t:
        return ""
    return EXEMPT_ALIASES.get(t.lower()) or EXEMPT_ALIASES.get(t)


# -- evaluation -----------------------------------------------------------------------------------------------------
def required_fen(base_fen: int, share_bp: int) -> int:
    """The amount to buy on the platform, rounded up to the fen."""
    return -(-base_fen * share_bp // 10000)


@dataclass(frozen=True)
class ShareResult:
    status: str
    platform_fen: int
    base_fen: int | None = None
    base: str = ""
    required_bp: int | None = None
    required_fen: int | None = None
    gap_fen: int = 0
    achieved_bp: int | None = None  # floor of platform ÷ base in basis points
    exempt_reason: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    param_version_id: int | None = None


def evaluate(*, declaration: DeclarationFacts | None, requirement: Requirement | None, platform_fen: int,
             obliged: bool = True) -> ShareResult:
    """Compare what a unit bought on the platform with what its region's rule required for the year."""
    if declaration is not None and declaration.exempt_reason:
        return ShareResult(ShareStatus.EXEMPT, platform_fen, exempt_reason=declaration.exempt_reason,
                           param_version_id=requirement.version_id if requirement else None)
    if requirement is None:
        return ShareResult(ShareStatus.NOT_REQUIRED, platform_fen,
                           base_fen=declaration.canteen_food_fen if declaration else None)
    if declaration is None:
        status = ShareStatus.UNDECLARED if obliged else ShareStatus.NOT_REQUIRED
        return ShareResult(status, platform_fen, base=requirement.base, required_bp=requirement.share_bp,
                           param_version_id=requirement.version_id)
    notes: list[str] = []
    base_fen = declaration.canteen_food_fen or 0
    if requirement.base == ShareBase.CANTEEN_FARM_PRODUCE:
        if declaration.farm_produce_fen is not None:
            base_fen = declaration.farm_produce_fen
        else:
            notes.append("farm_produce_not_declared")  # the whole canteen food is used: the stricter reading
    need = required_fen(base_fen, requirement.share_bp)
    gap = max(need - platform_fen, 0)
    achieved = platform_fen * 10000 // base_fen if base_fen > 0 else None
    return ShareResult(
        ShareStatus.SHORT if gap else ShareStatus.COMPLIANT, platform_fen, base_fen=base_fen, base=requirement.base,
        required_bp=requirement.share_bp, required_fen=need, gap_fen=gap, achieved_bp=achieved,
        notes=tuple(notes), param_version_id=requirement.version_id,
    )


def member_totals(*, totals_by_buyer: Mapping[int, int], parent_of: Mapping[int, int | None],
                  units: Iterable[int]) -> dict[int, int]:
    """Fold the platform amounts of member organisations (e.g. trade unions) into their unit.

    `totals_by_buyer` holds the amount per buying organisation (units and their members); `parent_of` maps
    each member to the unit it belongs to. Each buyer's amount is credited once, to itself if it is a unit,
    else to its parent unit."""
    wanted = set(units)
    out = dict.fromkeys(wanted, 0)
    for buyer, amount in totals_by_buyer.items():
        if buyer in wanted:
            out[buyer] += amount
        elif parent_of.get(buyer) in wanted:
            out[parent_of[buyer]] += amount  # type: ignore[index]  # the parent is in `wanted`: not None
    return out


def format_bp(bp: int | None) -> str:
    """1000 → '10%'; 1250 → '12.5%'; 1234 → '12.34%'."""
    if bp is None:
        return ""
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if not frac else f"{whole}.{frac:02d}".rstrip("0") + "%"
