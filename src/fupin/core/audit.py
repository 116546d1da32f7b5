"""The audit trail: every state change writes an AuditEntry in its own transaction.

`record()` writes one entry; `transition()` is the one way to change an object's status: it checks the
allowed source states, updates with a compare-and-set (so two concurrent decisions cannot both apply),
and audits before → after with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from .errors import Conflict, TransitionNotAllowed
from .integrity import chain as integrity_chain
from .models import AuditEntry


def json_safe(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of `obj` (FKs as ids), for before/after records."""
    names = list(fields) if fields is not None else [f.attname for f in obj._meta.concrete_fields]
    return {name: json_safe(getattr(obj, name)) for name in names}


def actor_of(actor: Any) -> tuple[Any, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor
    return (actor if getattr(actor, "pk", None) else None), getattr(actor, "username", str(actor))


def record(
    *, actor: Any, action: str, obj: models.Model | None = None, object_type: str = "", object_id: Any = "",
    object_repr: str = "", before: Any = None, after: Any = None, reason: str = "",
) -> AuditEntry:
    user, name = actor_of(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)[:200]
    with transaction.atomic():
        entry = AuditEntry.objects.create(
            actor=user, actor_name=name, action=action, object_type=object_type, object_id=str(object_id),
            object_repr=object_repr[:200], before=json_safe(before), after=json_safe(after), reason=reason or "",
        )
        integrity_chain.link_object(entry)  # tamper evidence
    return entry


def record_many(*, actor: Any, action: str, items: Iterable[tuple[models.Model, Any, Any]], reason: str = ""
                ) -> list[AuditEntry]:
    """`record` for many objects at once — one entry per `(obj, before, after)`, written in one statement and
    linked into the tamper-evidence chain together (a batch such as a year's scorecards)."""
    user, name = actor_of(actor)
    entries = [AuditEntry(actor=user, actor_name=name, action=action, object_type=obj._meta.label_lower,
                          object_id=str(obj.pk), object_repr=str(obj)[:200], before=json_safe(before),
                          after=json_safe(after), reason=reason or "") for obj, before, after in items]
    if not entries:
        return []
    with transaction.atomic():
        AuditEntry.objects.bulk_create(entries, batch_size=500)
        integrity_chain.link_objects(entries)
    return entries


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


@transaction.atomic
def transition(
    obj: models.Model, *, to: str, allowed_from: Iterable[str], actor: Any, reason: str = "", action: str = "",
    changes: Mapping[str, Any] | None = None, field: str = "status",
) -> models.Model:
    """Move `obj.<field>` to `to` if its current state is allowed; compare-and-set; audit in the same transaction."""
    current = getattr(obj, field)
    allowed = set(allowed_from)
    if current not in allowed:
        raise TransitionNotAllowed(
            _("Cannot go from “%(current)s” to “%(to)s”.") % {"current": current, "to": to},
            details={"from": current, "to": to, "allowed_from": sorted(allowed)},
        )
    updates: dict[str, Any] = {field: to, **(changes or {})}
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields) and "updated_at" not in updates:
        from django.utils import timezone

        updates["updated_at"] = timezone.now()
    n = type(obj)._base_manager.filter(pk=obj.pk, **{field: current}).update(**updates)
    if n != 1:
        raise Conflict(details={"expected_state": current})
    before = {field: current, **{k: json_safe(getattr(obj, k)) for k in (changes or {})}}
    for key, value in updates.items():
        setattr(obj, key, value)
    after = {field: to, **{k: json_safe(v) for k, v in (changes or {}).items()}}
    record(actor=actor, action=action or f"{field}:{to}", obj=obj, before=before, after=after, reason=reason)
    return obj
