"""The one authorisation policy.

Each user acts for one organisation, with roles and a region scope (ADR 0001). Every service asks `authorise`
before it changes anything; selectors narrow what they return with `scope_q`/`scoped`. One function decides
(`fupin.core.rules.access_refusal`, pure and tested by a literal table), one function logs a denial
(`deny`, with `log_refusal` at the API's and the portal's error handlers: exactly one security event per refusal,
written after the service's transaction has rolled back).

    authorise(actor, roles=(Role.CLERK,), region_code=household.village.code, office=True, office_levels=("county",))

- **System actors** — `None` or a string naming the process (`"cli"`, `"seed_demo"`, a job worker that has checked
  the user who created the job) — are always allowed: commands run with the operator's authority.
- **Roles**: one of `roles` (administrators hold every role but auditor; a superuser is an administrator for the
  nation, see `User.role_list`).
- **Where**: `region_code` (when given, even as None) must lie in the actor's scope; `scope_levels`, when given,
  names the scope levels that decide (a county stage needs a county-scoped reviewer).
- **For whom**: `party` (an object's owners: its organisation and the units above it, or its credit code) and
  `office` (governing bodies of `OFFICE_KINDS`, optionally only at `office_levels`) say who may act on the object.
  When either is given, the actor must be an administrator, act for the party itself, or (with `office`) act for an
  office. A cooperative's clerk therefore cannot change another seller or a household, whatever its region scope.

`refusal(...)` answers the same question without raising or logging, for imports that check row by row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from . import rules
from .enums import SecurityEventKind
from .errors import AccessDenied
from .rules import Refusal


@dataclass(frozen=True)
class Party:
    """Who an object belongs to: the organisations that act for it (its own and those above it) or a credit code."""

    organisation_ids: frozenset[int] = field(default_factory=frozenset)
    credit_code: str | None = None


class _Anywhere:
    def __repr__(self) -> str:
        return "ANYWHERE"


ANYWHERE: Any = _Anywhere()


class NationReader:
    """A process's own reader for figures that are the same whoever asks (supervision's, incentives', leadership's):
    authenticated, active, nation-wide, a viewer only (it writes nothing). Named after the app that reads."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_anonymous = False
    pk = None
    organisation = None
    organisation_id = None
    scope_level = "nation"
    scope_code = ""
    scope_prefix = ""
    role_list = ("viewer",)

    def __init__(self, username: str) -> None:
        self.username = username

    def has_role(self, *wanted: str) -> bool:
        return "viewer" in wanted

    def can_see_code(self, code: str | None) -> bool:
        return True

    def __str__(self) -> str:
        return self.username


def is_system(actor: Any) -> bool:
    """Commands, jobs and the demo act as a named process (a string) or as nobody (None), not as a signed-in user."""
    return actor is None or isinstance(actor, str)


def is_administrator(actor: Any) -> bool:
    return is_system(actor) or (getattr(actor, "is_authenticated", False) and actor.has_role("administrator"))


def acts_for_office(actor: Any) -> bool:
    """Whether the actor works for a governing office (or is an administrator or the system)."""
    if is_administrator(actor):
        return True
    org = getattr(actor, "organisation", None)
    return getattr(org, "kind", None) in rules.OFFICE_KINDS


def log_denial(user: Any, detail: str, path: str = "") -> None:
    from .models import SecurityEvent

    SecurityEvent.objects.create(
        kind=SecurityEventKind.PERMISSION_DENIED, user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "", path=path[:300], detail=detail[:2000],
    )


def deny(actor: Any, message: Any, *, detail: str = "", path: str = "", code: str | None = None) -> AccessDenied:
    """The AccessDenied to raise for a refusal, logged exactly once.

    Outside a transaction the security event is written now. Inside one (every service runs in a transaction that
    the refusal rolls back) it would vanish with the rollback, so it is left to the edge that answers the request —
    the API's error handler or the portal's — which calls `log_refusal` after the rollback."""
    exc = AccessDenied(message, code=code)
    exc.detail = detail or str(message)
    if not connection.in_atomic_block:
        log_denial(actor, exc.detail, path)
        exc.logged = True
    return exc


def log_refusal(user: Any, exc: AccessDenied, path: str = "") -> None:
    """Called by the API's and the portal's error handlers: log a refusal that was not logged where it was raised."""
    if not exc.logged:
        log_denial(user, getattr(exc, "detail", "") or str(exc.message), path)
        exc.logged = True


def _message(reason: str, *, roles: Iterable[str], region_code: str | None) -> str:
    if reason == Refusal.NOT_SIGNED_IN:
        return _("Sign in first.")
    if reason == Refusal.ROLE:
        return _("This needs one of the roles: %(roles)s.") % {"roles": ", ".join(roles)}
    if reason == Refusal.SCOPE:
        return _("This object is outside your region scope.")
    if reason == Refusal.SCOPE_LEVEL:
        return _("This is decided at another level than your region scope's (e.g. by the county office).")
    if reason == Refusal.NOT_OFFICE:
        return _("Only a government office responsible for the region may do this.")
    return _("Your organisation may act only for itself and the units below it.")


def refusal(actor: Any, *, roles: Iterable[str], region_code: Any = ANYWHERE, scope_levels: Iterable[str] | None = None,
            party: Party | None = None, office: bool = False,
            office_levels: Iterable[str] | None = None) -> str | None:
    """The `Refusal` code for an action, or None when the actor may do it (no logging, no exception)."""
    if is_system(actor):
        return None
    org = getattr(actor, "organisation", None) if getattr(actor, "is_authenticated", False) else None
    return rules.access_refusal(
        authenticated=bool(getattr(actor, "is_authenticated", False)),
        active=bool(getattr(actor, "is_active", False)),
        roles=getattr(actor, "role_list", []) or [],
        scope_level=getattr(actor, "scope_level", "") or "",
        scope_prefix=getattr(actor, "scope_prefix", "") or "",
        organisation_id=getattr(actor, "organisation_id", None),
        organisation_kind=getattr(org, "kind", None),
        organisation_credit_code=getattr(org, "credit_code", None),
        needed_roles=tuple(roles),
        region_code=None if region_code is ANYWHERE else region_code,
        check_region=region_code is not ANYWHERE,
        scope_levels=scope_levels,
        office=office,
        office_levels=office_levels,
        party_organisation_ids=party.organisation_ids if party else (),
        party_credit_code=party.credit_code if party else None,
        party_given=party is not None,
    )


def authorise(actor: Any, *, roles: Iterable[str], region_code: Any = ANYWHERE,
              scope_levels: Iterable[str] | None = None, party: Party | None = None, office: bool = False,
              office_levels: Iterable[str] | None = None, what: str = "", path: str = "") -> None:
    """Raise AccessDenied (after logging one security event) unless the actor may act; see the module docstring."""
    roles = tuple(roles)
    reason = refusal(actor, roles=roles, region_code=region_code, scope_levels=scope_levels, party=party,
                     office=office, office_levels=office_levels)
    if reason is None:
        return
    code = None if region_code is ANYWHERE else region_code
    detail = (f"{what or 'action'}: {reason} (roles {','.join(roles)}; region {code}; "
              f"scope {getattr(actor, 'scope_prefix', '')!r}; organisation {getattr(actor, 'organisation_id', None)})")
    raise deny(actor, _message(reason, roles=roles, region_code=code), detail=detail, path=path)


def require_role(user: Any, *roles: str, path: str = "") -> None:
    """Shorthand of `authorise(user, roles=roles)` for views and selectors that check a role only."""
    authorise(user, roles=roles, path=path, what="role")


def require_code_in_scope(user: Any, code: str | None, path: str = "") -> None:
    """Shorthand for a read by id: the object's region must lie in the viewer's scope (any role)."""
    if is_system(user):
        return
    if not getattr(user, "is_authenticated", False) or not user.can_see_code(code):
        raise deny(user, _("This object is outside your region scope."),
                   detail=f"region {code} outside scope {getattr(user, 'scope_prefix', '')!r}", path=path)


def may_see_personal_data(viewer: Any, *, region_code: str | None) -> bool:
    """Unmasked names and phone numbers only for the people who work with the household: clerks and reviewers of a
    government office scoped to its county (or below). Market entities, buyers and higher levels see them masked."""
    if is_system(viewer):
        return True
    return refusal(viewer, roles=("clerk", "reviewer"), region_code=region_code, office=True,
                   office_levels=("county",)) is None and "administrator" not in (viewer.role_list or [])


def scope_q(user: Any, field: str) -> Q:
    """A filter that keeps rows whose region code (`field`, a code string path) lies in the user's scope."""
    prefix = user.scope_prefix
    if not prefix:
        return Q()
    return Q(**{f"{field}__startswith": prefix})


def scoped(qs: QuerySet, user: Any, field: str) -> QuerySet:
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(scope_q(user, field))
