"""Pure registry rules: region codes and levels, zones, the GB 32100 and ID checks applied to registry rows."""

from __future__ import annotations

from fupin.core.rules import scope_prefix
from fupin.core.validators import is_region_code

from .enums import LEGAL_PERSON_KINDS, EntityKind, RegionLevel, Zone

# The nine eastern provinces and municipalities (东部), and the central ones (中部); the rest are western.
EAST_PROVINCES = {"11", "12", "13", "21", "31", "32", "33", "35", "37", "44", "46"}
CENTRAL_PROVINCES = {"14", "22", "23", "34", "36", "41", "42", "43"}
# The 22 central and western provinces with poverty counties (producing areas, 产地) in the 2014 list.
PRODUCING_PROVINCES = {
    "13", "14", "15", "21", "22", "23", "34", "36", "41", "42", "43", "45", "46", "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
}


def zone_of(code: str) -> str:
    p = code[:2]
    if p in EAST_PROVINCES:
        return Zone.EAST
    if p in CENTRAL_PROVINCES:
        return Zone.CENTRAL
    return Zone.WEST


def level_of(code: str) -> str | None:
    """The level a full region code stands for, or None if it is not a region code."""
    if not is_region_code(code):
        return None
    if len(code) == 12:
        return RegionLevel.VILLAGE
    if len(code) == 9:
        return RegionLevel.TOWNSHIP
    if code[2:] == "0000":
        return RegionLevel.PROVINCE
    if code[4:] == "00":
        return RegionLevel.PREFECTURE
    return RegionLevel.COUNTY


def subtree_prefix(code: str) -> str:
    """The code prefix shared by a region and everything below it ('130000' -> '13', '130600' -> '1306')."""
    level = level_of(code)
    if level is None:
        return code
    return scope_prefix(level, code)


def parent_code_of(code: str) -> str | None:
    """The code of the region directly above (by code structure)."""
    level = level_of(code)
    if level == RegionLevel.VILLAGE:
        return code[:9]
    if level == RegionLevel.TOWNSHIP:
        return code[:6]
    if level == RegionLevel.COUNTY:
        return code[:4] + "00"
    if level == RegionLevel.PREFECTURE:
        return code[:2] + "0000"
    return None


def ancestor_codes(code: str) -> list[str]:
    """The region itself and every region above it, nearest first."""
    out: list[str] = []
    current: str | None = code
    while current:
        out.append(current)
        current = parent_code_of(current)
    return out


def credit_code_required(kind: str) -> bool:
    return kind in LEGAL_PERSON_KINDS


def entity_kind_allows_credit_code(kind: str) -> bool:
    return kind != EntityKind.POOR_HOUSEHOLD


def sectors_field(sectors: list[str]) -> str:
    """Store sectors as ',a,b,' so that one sector is matched exactly with `contains=',a,'`."""
    clean = sorted({s.strip() for s in sectors if s.strip()})
    return "," + ",".join(clean) + "," if clean else ""


def year_in_force(year: int, year_from: int, year_to: int | None) -> bool:
    return year_from <= year and (year_to is None or year <= year_to)
