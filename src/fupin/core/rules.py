"""Pure rules of the core: region-code prefixes for scopes, role checks. No ORM, no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from .enums import Role, ScopeLevel

# Length of the significant prefix of a region code at each level (GB/T 2260 and the statistics codes).
LEVEL_PREFIX_LEN = {
    ScopeLevel.NATION: 0,
    ScopeLevel.PROVINCE: 2,
    ScopeLevel.PREFECTURE: 4,
    ScopeLevel.COUNTY: 6,
    "township": 9,
    "village": 12,
}


def scope_prefix(level: str, code: str) -> str:
    """The region-code prefix a scope covers: '' for the nation, '13' for Hebei, '1306' for Baoding, ..."""
    n = LEVEL_PREFIX_LEN[level]
    if n and len(code) < n:
        raise ValueError(f"region code {code!r} is too short for level {level}")
    return code[:n]


def code_in_scope(prefix: str, code: str | None) -> bool:
    """Whether a region code falls inside a scope prefix ('' covers everything, None is outside any scope but the nation)."""
    if not prefix:
        return True
    return bool(code) and code.startswith(prefix)  # type: ignore[union-attr]


def has_any_role(roles: Iterable[str], wanted: Iterable[str]) -> bool:
    """Administrators may do everything other roles may do, except act as auditors of themselves."""
    have = set(roles)
    want = set(wanted)
    if Role.ADMINISTRATOR in have and want - {Role.AUDITOR}:
        return True
    return bool(have & want)


def parse_roles(text: str) -> list[str]:
    valid = {r.value for r in Role}
    roles = [r.strip() for r in text.replace(";", ",").split(",") if r.strip()]
    bad = [r for r in roles if r not in valid]
    if bad:
        raise ValueError(f"unknown roles: {', '.join(bad)}")
    return sorted(set(roles))
