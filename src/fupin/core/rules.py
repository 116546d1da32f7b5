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


# A scope is named by a region code: 2, 4 or 6 significant digits (45 or 450000 Guangxi, 4501 or 450100 Nanning,
# 450103 a county); the level follows from the significant digits unless it is given.
SCOPE_LEVEL_BY_DIGITS = {2: ScopeLevel.PROVINCE, 4: ScopeLevel.PREFECTURE, 6: ScopeLevel.COUNTY}


class ScopeError(ValueError):
    """A scope that cannot be: `code` is stable (bad_scope_code, bad_scope_level, scope_code_required,
    nation_has_no_code)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def scope_of_code(code: str, level: str | None = None) -> tuple[str, str]:
    """(scope level, full 6-digit region code) for a scope code and an optional explicit level; ('nation', '') for
    an empty code. Raises ScopeError for a code that is not 2, 4 or 6 digits, an unknown level, a level without a
    code or a nation with one. Whether the region exists, and has that level, is the registry's to say."""
    code = (code or "").strip()
    level = (level or "").strip() or None
    if level is not None and level not in ScopeLevel.values:
        raise ScopeError("bad_scope_level")
    if not code:
        if level in (None, ScopeLevel.NATION):
            return ScopeLevel.NATION, ""
        raise ScopeError("scope_code_required")
    if level == ScopeLevel.NATION:
        raise ScopeError("nation_has_no_code")
    if not (code.isascii() and code.isdigit()) or len(code) not in SCOPE_LEVEL_BY_DIGITS:
        raise ScopeError("bad_scope_code")
    full = code.ljust(6, "0")
    significant = 6 if full[4:] != "00" else 4 if full[2:4] != "00" else 2
    return level or SCOPE_LEVEL_BY_DIGITS[significant], full


def code_in_scope(prefix: str, code: str | None) -> bool:
    """Whether a region code falls inside a scope prefix ('' covers everything, None is outside any scope but the nation)."""
    if not prefix:
        return True
    return bool(code and code.startswith(prefix))


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


# -- the one authorisation policy (pure part; `fupin.core.access.authorise` gathers the facts) ----------------------
# Organisation kinds that govern a region: their staff work for the public administration of their scope (county
# poverty offices, prefecture and provincial governments, departments). Everyone else — enterprises, cooperatives,
# budget units, social organisations — acts only for itself and the units below it. The values are
# `registry.enums.OrganisationKind` codes (core sits below the registry; a registry test checks they exist).
OFFICE_KINDS = frozenset({"government_department", "provincial_government", "local_government"})


class Refusal:
    """Machine codes of the reasons an action is refused (the message is translated by `fupin.core.access`)."""

    NOT_SIGNED_IN = "not_signed_in"
    ROLE = "role"
    SCOPE = "scope"
    SCOPE_LEVEL = "scope_level"
    NOT_OFFICE = "not_office"
    NOT_YOURS = "not_yours"


def access_refusal(
    *,
    authenticated: bool,
    active: bool,
    roles: Iterable[str],
    scope_level: str,
    scope_prefix: str,
    organisation_id: int | None,
    organisation_kind: str | None,
    organisation_credit_code: str | None,
    needed_roles: Iterable[str],
    region_code: str | None = None,
    check_region: bool = False,
    scope_levels: Iterable[str] | None = None,
    office: bool = False,
    office_levels: Iterable[str] | None = None,
    party_organisation_ids: Iterable[int] = (),
    party_credit_code: str | None = None,
    party_given: bool = False,
) -> str | None:
    """Why the actor described by the facts may not act, as a `Refusal` code, or None when it may.

    1. It must be signed in and active, and hold one of `needed_roles` (administrators hold every role but auditor).
    2. When `check_region`, `region_code` must lie in its region scope (a nation scope covers everything; no code
       at all is covered only by the nation); when `scope_levels` is given, its scope must be at one of those levels
       (a county stage is decided by a county-scoped reviewer, a revocation at province or national level).
    3. *For whom*: when the action concerns a party (`party_given`: an object owned by organisations — itself and
       the units above it — or by a credit code) or is reserved to offices (`office`), the actor must be an
       administrator, or act for the party itself (its organisation is one of `party_organisation_ids`, or its
       organisation's credit code is `party_credit_code`), or — when `office` — act for a governing office (one of
       `OFFICE_KINDS`), at one of `office_levels` when given (e.g. only county offices write household records).
    """
    if not authenticated or not active:
        return Refusal.NOT_SIGNED_IN
    role_set = list(roles)
    if not has_any_role(role_set, needed_roles):
        return Refusal.ROLE
    if check_region and not code_in_scope(scope_prefix, region_code):
        return Refusal.SCOPE
    if scope_levels is not None and scope_level not in set(scope_levels):
        return Refusal.SCOPE_LEVEL
    if not (party_given or office):
        return None
    if Role.ADMINISTRATOR in role_set:
        return None
    ids = set(party_organisation_ids)
    if party_given and organisation_id is not None and (
        organisation_id in ids or (party_credit_code and organisation_credit_code == party_credit_code)
    ):
        return None
    if office and organisation_kind in OFFICE_KINDS:
        if office_levels is not None and scope_level not in set(office_levels):
            return Refusal.SCOPE_LEVEL
        return None
    return Refusal.NOT_YOURS if party_given else Refusal.NOT_OFFICE
