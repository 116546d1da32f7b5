"""Core writes: users, API tokens, policy parameters, import runs, security events. Each audited."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from . import audit, rules
from .enums import ScopeLevel, SecurityEventKind
from .models import ApiToken, ImportRun, PolicyParameter, SecurityEvent, User

if TYPE_CHECKING:
    from .imports.report import ImportReport


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str = "", actor: Any = None) -> str:
    """Create an API token for `user` and return it; only its hash is kept."""
    key = "fpn_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=token_hash(key), prefix=key[4:12], name=name)
    audit.record(actor=actor or "cli", action="token:create", obj=token, object_repr=f"token {token.prefix} of {user.username}")
    security_event_log(kind=SecurityEventKind.TOKEN_CREATED, user=user, detail=f"prefix {token.prefix}")
    return key


def token_authenticate(key: str) -> User | None:
    if not key or not key.startswith("fpn_"):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def user_create(
    *, username: str, password: str, organisation: Any = None, roles: list[str] | str = "viewer",
    scope_level: str = ScopeLevel.NATION, scope_code: str = "", actor: Any = None, email: str = "",
    first_name: str = "", is_staff: bool = False, is_superuser: bool = False,
) -> User:
    role_list = rules.parse_roles(roles if isinstance(roles, str) else ",".join(roles))
    if scope_level != ScopeLevel.NATION:
        rules.scope_prefix(scope_level, scope_code)  # validates the code length
    user = User(
        username=username, organisation=organisation, roles=",".join(role_list), scope_level=scope_level,
        scope_code=scope_code if scope_level != ScopeLevel.NATION else "", email=email, first_name=first_name,
        is_staff=is_staff or "administrator" in role_list, is_superuser=is_superuser,
    )
    user.set_password(password)
    user.save()
    audit.record(actor=actor, action="user:create", obj=user,
                 after=audit.snapshot(user, ["username", "organisation_id", "roles", "scope_level", "scope_code"]))
    return user


def security_event_log(*, kind: str, user: Any = None, username: str = "", ip: str | None = None, path: str = "",
                       detail: str = "") -> SecurityEvent:
    return SecurityEvent.objects.create(
        kind=kind, user=user if getattr(user, "pk", None) else None,
        username=username or getattr(user, "username", "") or "", ip=ip, path=path[:300], detail=detail[:2000],
    )


def export_log(*, user: Any, what: str, rows: int, personal: bool = False, path: str = "") -> None:
    kind = SecurityEventKind.PERSONAL_DATA_EXPORT if personal else SecurityEventKind.EXPORT
    security_event_log(kind=kind, user=user, path=path, detail=f"{what}: {rows} rows")


@transaction.atomic
def policy_parameter_create(*, key: str, value: Any, valid_from: Any, valid_to: Any = None, region_prefix: str = "",
                            source: str = "", note: str = "", actor: Any) -> PolicyParameter:
    p = PolicyParameter.objects.create(key=key, value=value, valid_from=valid_from, valid_to=valid_to,
                                       region_prefix=region_prefix, source=source, note=note)
    audit.record(actor=actor, action="policy_parameter:create", obj=p, after=audit.snapshot(p))
    return p


def import_run_record(*, report: ImportReport, file_sha256: str, actor: Any, rejected_file: str = "",
                      status: str = "done") -> ImportRun:
    """Keep the report of an import (dry runs included) so it can be read back and its rejects downloaded;
    `status` "failed" keeps what an import committed before it failed."""
    run = ImportRun.objects.create(
        kind=report.kind, file_name=report.file_name[:255], file_sha256=file_sha256,
        actor=actor if getattr(actor, "pk", None) else None, dry_run=report.dry_run, status=status,
        finished_at=timezone.now(), rows_total=report.total, rows_processed=report.total, accepted=report.accepted,
        unchanged=report.unchanged, duplicates=report.duplicates, rejected=report.rejected,
        report=report.as_dict(), rejected_file=rejected_file,
    )
    report.run_id = run.pk
    return run


def file_sha256(path: Any) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
