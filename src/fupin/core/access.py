"""Access scopes: each user acts for an organisation, with roles and a region scope.
Selectors call these to narrow querysets; services call them to refuse actions."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .enums import SecurityEventKind
from .errors import AccessDenied


def log_denial(user: Any, detail: str, path: str = "") -> None:
    from .models import SecurityEvent

    SecurityEvent.objects.create(
        kind=SecurityEventKind.PERMISSION_DENIED, user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "", path=path[:300], detail=detail[:2000],
    )


def require_role(user: Any, *roles: str, path: str = "") -> None:
    if not getattr(user, "is_authenticated", False) or not user.has_role(*roles):
        log_denial(user, f"needs one of roles {', '.join(roles)}", path)
        raise AccessDenied(_("This needs one of the roles: %(roles)s.") % {"roles": ", ".join(roles)})


def require_code_in_scope(user: Any, code: str | None, path: str = "") -> None:
    if not getattr(user, "is_authenticated", False) or not user.can_see_code(code):
        log_denial(user, f"region {code} outside scope {user.scope_prefix if hasattr(user, 'scope_prefix') else ''}", path)
        raise AccessDenied(_("This object is outside your region scope."))


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
