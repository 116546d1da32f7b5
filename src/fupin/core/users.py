"""Delegated administration: who administers whom, and the API tokens an owner or an administrator sees.

The region part is the one policy's (`access.authorise` with the user's scope, in `services.user_change_authorise`);
this module adds what a *delegated* administrator (any administrator but a superuser) may not do:

- give a role it does not hold itself (`rules.has_any_role`: an administrator holds every role but auditor);
- make an administrator whose scope is not strictly inside its own (a province's administrator makes county and
  prefecture administrators, not another one for its province or the nation);
- change an administrator whose scope is not strictly inside its own (its peers and those above it);
- change its own access (another administrator does that).

Superusers and commands (system actors) are not limited by these rules.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from . import rules
from .access import authorise, deny, is_system
from .enums import Role, ScopeLevel
from .errors import NotFound
from .models import ApiToken, User


def _prefix(level: str, code: str) -> str:
    return "" if level == ScopeLevel.NATION else rules.scope_prefix(level, code)


def strictly_inside(outer_prefix: str, level: str, code: str) -> bool:
    """Whether a scope (level, code) lies inside `outer_prefix` and is smaller than it."""
    inner = _prefix(level, code)
    return len(inner) > len(outer_prefix) and inner.startswith(outer_prefix)


def delegation_refusal(actor: Any, *, roles: list[str] | None, scope_level: str | None, scope_code: str,
                       current: User | None) -> tuple[str, str] | None:
    """(code, message) when a delegated administrator may not make this change; None when it may."""
    if is_system(actor) or getattr(actor, "is_superuser", False):
        return None
    own = actor.scope_prefix
    if current is not None:
        if current.pk == actor.pk:
            return "own_account", _("Your own roles and scope are changed by another administrator.")
        if Role.ADMINISTRATOR in current.role_list and (
                current.is_superuser or not strictly_inside(own, current.scope_level, current.scope_code)):
            return "peer_administrator", _("Only an administrator above this administrator's scope may change it.")
    for role in roles or []:
        if not rules.has_any_role(actor.role_list, [role]):
            return "role_above_own", _("You cannot give the role %(role)s: you do not hold it.") % {"role": role}
    if roles and Role.ADMINISTRATOR in roles and scope_level is not None and not strictly_inside(
            own, scope_level, scope_code):
        return "role_above_own", _("You can make administrators only for regions below your own scope.")
    return None


def delegation_check(actor: Any, *, roles: list[str] | None, scope_level: str | None, scope_code: str,
                     current: User | None) -> None:
    found = delegation_refusal(actor, roles=roles, scope_level=scope_level, scope_code=scope_code, current=current)
    if found is not None:
        code, message = found
        target = current.username if current is not None else "new user"
        raise deny(actor, message, code=code,
                   detail=f"user {target}: {code} (roles {','.join(roles or [])}; scope {scope_level} {scope_code})")


# -- API tokens: the owner's, and those of the users an administrator manages ---------------------------------------
def token_list(*, viewer: Any, everyone: bool = False, user_id: int | None = None,
               active: bool | None = None) -> QuerySet[ApiToken]:
    """The viewer's own tokens; with `everyone` (or another `user_id`), an administrator's view of the tokens of the
    users it manages (`selectors.user_list`: every user for a national administrator, those inside its scope for a
    scoped one)."""
    from django.db.models import Q
    from django.utils import timezone

    from .selectors import user_list

    authorise(viewer, roles=(Role.VIEWER, Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.AUDITOR,
                             Role.ADMINISTRATOR), what="token list")
    qs = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    if everyone or (user_id is not None and user_id != viewer.pk):
        managed = user_list(viewer=viewer)  # administrators only (refused otherwise)
        qs = qs.filter(user__in=managed)
        if user_id is not None:
            qs = qs.filter(user_id=user_id)
    else:
        qs = qs.filter(user_id=viewer.pk)
    if active is not None:
        now = timezone.now()
        live = Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        qs = qs.filter(live) if active else qs.exclude(live)
    return qs


def token_get(*, viewer: Any, pk: int) -> ApiToken:
    """One token the viewer owns or, as an administrator, manages (NotFound otherwise, as any object out of sight)."""
    token = ApiToken.objects.select_related("user").filter(pk=pk).first()
    if token is not None and token.user_id != getattr(viewer, "pk", None):
        managed = viewer.has_role(Role.ADMINISTRATOR) and token_list(viewer=viewer, everyone=True).filter(
            pk=pk).exists()
        token = token if managed else None
    if token is None:
        raise NotFound(details={"token": pk})
    return token
