"""Core reads: the audit and security logs for auditors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .access import require_role
from .enums import Role
from .models import AuditEntry, ImportRun, SecurityEvent


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
