"""Core reads: the audit and security logs for auditors; the users an administrator manages."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .access import authorise, require_role
from .enums import Role, ScopeLevel
from .errors import NotFound
from .models import AuditEntry, ImportRun, SecurityEvent, User


def audit_entries(*, viewer: Any, object_type: str = "", object_id: str = "", actor: str = "") -> QuerySet[AuditEntry]:
    require_role(viewer, Role.AUDITOR, Role.ADMINISTRATOR)
    qs = AuditEntry.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_name=actor)
    return qs


def security_events(*, viewer: Any, kind: str = "") -> QuerySet[SecurityEvent]:
    require_role(viewer, Role.AUDITOR, Role.ADMINISTRATOR)
    qs = SecurityEvent.objects.all()
    return qs.filter(kind=kind) if kind else qs


def import_runs(*, viewer: Any, kind: str = "") -> QuerySet[ImportRun]:
    qs = ImportRun.objects.all()
    if not viewer.has_role(Role.AUDITOR, Role.ADMINISTRATOR):
        qs = qs.filter(actor=viewer)
    return qs.filter(kind=kind) if kind else qs


def user_list(*, viewer: Any, q: str = "", role: str = "", active: bool | None = None) -> QuerySet[User]:
    """Users an administrator manages: every user for a national administrator; for a scoped one, the users whose
    scope lies inside its own (not national users, not superusers)."""
    authorise(viewer, roles=(Role.ADMINISTRATOR,), what="user list")
    qs = User.objects.select_related("organisation").order_by("username")
    prefix = getattr(viewer, "scope_prefix", "")
    if prefix:
        qs = qs.filter(scope_code__startswith=prefix, is_superuser=False).exclude(scope_level=ScopeLevel.NATION)
    if q.strip():
        qs = qs.filter(Q(username__icontains=q.strip()) | Q(email__icontains=q.strip()))
    if role:
        qs = qs.filter(Q(roles=role) | Q(roles__startswith=f"{role},") | Q(roles__endswith=f",{role}")
                       | Q(roles__contains=f",{role},"))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def user_get(*, viewer: Any, pk: int) -> User:
    """One user the viewer manages (NotFound for a user outside its scope, as for any object out of sight)."""
    user = user_list(viewer=viewer).filter(pk=pk).first()
    if user is None:
        raise NotFound(details={"user": pk})
    return user


def organisation_emails(*, organisation_id: int) -> list[str]:
    """The e-mail addresses of the active users acting for an organisation (for notifications)."""
    return sorted(set(User.objects.filter(organisation_id=organisation_id, is_active=True).exclude(email="")
                      .values_list("email", flat=True)))
