"""API token scopes: pure rules (no ORM, no I/O).

A token carries scopes `<app>:<read|write>`; `*` stands for every app and `write` includes `read`:

    registry:read            read the registry only
    registry:write,ledger:read
    *:read                   read everything the user may read, write nothing
    *:write                  everything the user may do (the user's roles and scope still decide)

A scope never widens what the user may do: it narrows what a token may do for the user. The API
(`fupin.api.auth`) knows which app each operation belongs to and asks `allows(scopes, app, write=…)` for every
request with a bearer token; a session (a browser) is not narrowed.
"""

from __future__ import annotations

from collections.abc import Iterable

# The apps a scope names: the domain apps and the API's own routers (users, tokens, system: /me, the logs).
APPS: tuple[str, ...] = (
    "registry", "linkage", "certification", "ledger", "supervision", "leadership", "incentives", "public", "detection",
    "users", "tokens", "system",
)
ACCESS = ("read", "write")
ALL = "*"
FULL = ("*:write",)  # what a token may do when no scope is given (the user's own rights, nothing more)
READ_ONLY = ("*:read",)


class ScopeError(ValueError):
    """A scope that is not `<app>:<read|write>` with a known app (or `*`); `scope` names it."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


def parse(scopes: str | Iterable[str] | None) -> list[str]:
    """Validated scopes from text (`registry:read, ledger:write` or spaces) or a list; sorted, duplicates and
    scopes another one covers dropped (`ledger:read` next to `ledger:write`, anything next to `*:write`)."""
    if scopes is None:
        return list(FULL)
    items = scopes.replace(",", " ").split() if isinstance(scopes, str) else [str(s).strip() for s in scopes]
    found: set[tuple[str, str]] = set()
    for item in (s for s in items if s):
        app, sep, access = item.strip().lower().partition(":")
        if not sep or access not in ACCESS or (app != ALL and app not in APPS):
            raise ScopeError(item[:60])
        found.add((app, access))
    if not found:
        raise ScopeError("")
    kept = {(app, access) for app, access in found
            if not _covered((app, access), found - {(app, access)})}
    return sorted(f"{app}:{access}" for app, access in kept)


def _covered(scope: tuple[str, str], others: Iterable[tuple[str, str]]) -> bool:
    app, access = scope
    return any(o_app in (ALL, app) and (o_access == "write" or access == "read") for o_app, o_access in others
               if (o_app, o_access) != scope)


def as_text(scopes: Iterable[str]) -> str:
    return ",".join(scopes)


def from_text(text: str) -> list[str]:
    """The stored form back to a list (no validation: stored scopes were validated when written)."""
    return [s for s in (text or "").split(",") if s]


def allows(scopes: Iterable[str], app: str, *, write: bool) -> bool:
    """Whether a token with `scopes` may call an operation of `app` (reading, or writing when `write`)."""
    for scope in scopes:
        s_app, _, access = scope.partition(":")
        if s_app in (ALL, app) and (access == "write" or not write):
            return True
    return False


def within(scopes: Iterable[str], limit: Iterable[str]) -> bool:
    """Whether every scope of `scopes` is allowed by `limit` (a token may only create tokens it could act as)."""
    limit = list(limit)
    for scope in scopes:
        app, _, access = scope.partition(":")
        apps = APPS if app == ALL else (app,)
        if not all(allows(limit, a, write=access == "write") for a in apps):
            return False
    return True
