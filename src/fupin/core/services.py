"""Core writes: users, API tokens, policy parameters, import runs, security events. Each audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, rules, tokens
from .access import authorise, deny, is_system
from .enums import Role, ScopeLevel, SecurityEventKind
from .errors import FupinError, InvalidInput
from .models import ApiToken, ImportRun, PolicyParameter, SecurityEvent, User

if TYPE_CHECKING:
    from .imports.report import ImportReport


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


NEVER: Any = object()  # `token_create(expires_at=NEVER)`: a token without an expiry (commands only)


def token_default_expiry(now: dt.datetime | None = None) -> dt.datetime:
    """When a new token expires unless told otherwise: FUPIN_TOKEN_DAYS (90) days from now."""
    return (now or timezone.now()) + dt.timedelta(days=int(getattr(settings, "FUPIN_TOKEN_DAYS", 90)))


def _token_scopes(scopes: Any) -> list[str]:
    try:
        return tokens.parse(scopes)
    except tokens.ScopeError as exc:
        raise InvalidInput(_("“%(scope)s” is not a token scope: give <app>:read or <app>:write, where the app is * "
                             "or one of %(apps)s.") % {"scope": exc.scope, "apps": ", ".join(tokens.APPS)},
                           code="bad_token_scope", details={"field": "scopes"}) from None


@transaction.atomic
def token_create(*, user: User, name: str = "", actor: Any = None, scopes: Any = None, expires_at: Any = None,
                 limit: ApiToken | None = None, ip: str | None = None) -> str:
    """Create an API token for `user` and return it (shown once: only its hash is kept).

    `scopes` (text or list, see `fupin.core.tokens`; None: `*:write`, the user's own rights); `expires_at` a time
    in the future (None: `token_default_expiry`; NEVER: no expiry, for commands). A signed-in user creates tokens for
    itself only (commands for anyone); `limit` is the token the request came with, if any: a token cannot make a
    token that may do more, or lasts longer, than itself. Audited, and a security event."""
    if not is_system(actor) and getattr(actor, "pk", None) != user.pk:
        raise deny(actor, _("You can create API tokens for yourself only."), code="token_owner",
                   detail=f"token for user #{user.pk}")
    scope_list = _token_scopes(scopes)
    now = timezone.now()
    if expires_at is None:
        expires_at = token_default_expiry(now)
    elif expires_at is NEVER:
        if not is_system(actor):
            raise InvalidInput(_("Give the token an expiry date."), code="bad_token_expiry",
                               details={"field": "expires_at"})
        expires_at = None
    elif expires_at <= now:
        raise InvalidInput(_("The expiry must lie in the future."), code="bad_token_expiry",
                           details={"field": "expires_at"})
    if limit is not None:
        if not tokens.within(scope_list, limit.scope_list):
            raise deny(actor, _("A token cannot create a token with wider scopes than its own."), code="token_scope",
                       detail=f"scopes {tokens.as_text(scope_list)} beyond {limit.scopes}")
        if limit.expires_at is not None and (expires_at is None or expires_at > limit.expires_at):
            expires_at = limit.expires_at
    key = "fpn_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=token_hash(key), prefix=key[4:12], name=name[:100],
                                    scopes=tokens.as_text(scope_list), expires_at=expires_at)
    audit.record(actor=actor or "cli", action="token:create", obj=token,
                 object_repr=f"token {token.prefix} of {user.username}",
                 after={"user": user.username, "name": token.name, "scopes": scope_list,
                        "expires_at": expires_at})
    security_event_log(kind=SecurityEventKind.TOKEN_CREATED, user=user, ip=ip,
                       detail=f"prefix {token.prefix}; scopes {token.scopes}; expires {expires_at or 'never'}")
    return key


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Any, reason: str = "", ip: str | None = None) -> ApiToken:
    """Revoke a token: its owner, an administrator who manages the owner (the caller's selector found it), or a
    command. Revoking a revoked token changes nothing. Audited, and a security event."""
    t = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if t.revoked_at is not None:
        return t
    if not is_system(actor) and getattr(actor, "pk", None) != t.user_id:
        user_change_authorise(actor=actor, access=None, current=t.user)
    t.revoked_at = timezone.now()
    t.save(update_fields=["revoked_at"])
    audit.record(actor=actor or "cli", action="token:revoke", obj=t, object_repr=f"token {t.prefix} of {t.user.username}",
                 before={"revoked_at": None}, after={"revoked_at": t.revoked_at}, reason=reason)
    security_event_log(kind=SecurityEventKind.TOKEN_REVOKED, user=t.user, ip=ip,
                       detail=f"prefix {t.prefix} revoked by {audit.actor_of(actor or 'cli')[1]}")
    return t


class TokenRefused(FupinError):
    """A known token that no longer works (expired or revoked): 401 with its own code."""

    status = 401
    code = "token_invalid"


def token_check(key: str, *, path: str = "", ip: str | None = None) -> ApiToken | None:
    """The live token for a bearer key, or None for an unknown key or an inactive user. Raises TokenRefused for an
    expired or revoked one (after a security event: someone still uses it). Notes the last use (once a minute)."""
    if not key or not key.startswith("fpn_") or len(key) > 200:
        return None
    token = ApiToken.objects.select_related("user", "user__organisation").filter(key_hash=token_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.revoked_at is not None or token.is_expired(now):
        revoked = token.revoked_at is not None
        security_event_log(kind=SecurityEventKind.TOKEN_REFUSED, user=token.user, ip=ip, path=path,
                           detail=f"prefix {token.prefix} {'revoked' if revoked else 'expired'}")
        raise TokenRefused(_("This API token was revoked.") if revoked else _("This API token has expired."),
                           code="token_revoked" if revoked else "token_expired")
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_authenticate(key: str) -> User | None:
    """The user of a live token (None for an unknown, expired or revoked one)."""
    try:
        token = token_check(key)
    except TokenRefused:
        return None
    return token.user if token else None


# -- users: who acts for which organisation, with which roles, over which region ----------------------------------
USER_FIELDS = ["username", "email", "organisation_id", "roles", "scope_level", "scope_code", "is_active", "is_staff",
               "is_superuser"]
UNCHANGED: Any = object()  # `user_roles_set(organisation=UNCHANGED)`: keep the organisation as it is


@dataclass(frozen=True)
class UserAccess:
    """What a user may do and where, validated: roles, scope level, full scope code and the organisation."""

    roles: list[str]
    scope_level: str
    scope_code: str
    organisation: Any


def _registry_model(field: str) -> Any:
    """The registry's Organisation (`field="organisation"`) or Region model, through the user's foreign keys: core sits
    below the registry and names it only where the user's organisation is declared."""
    organisation: Any = User._meta.get_field("organisation").related_model
    return organisation if field == "organisation" else organisation._meta.get_field("region").related_model


def _organisation(ref: Any) -> Any:
    """An Organisation from an instance, its id, or its unified social credit code; None for None or ''."""
    if ref is None or (isinstance(ref, str) and not ref.strip()):
        return None
    model = _registry_model("organisation")
    if isinstance(ref, model):
        return ref
    text = str(ref).strip()
    found = None
    if isinstance(ref, int) or text.isdigit():
        found = model.objects.select_related("region").filter(pk=int(text)).first()
    if found is None:
        found = model.objects.select_related("region").filter(credit_code=text.upper()).first()
    if found is None:
        raise InvalidInput(_("No organisation with the id or credit code “%(ref)s”.") % {"ref": text[:40]},
                           code="unknown_organisation", details={"field": "organisation"})
    return found


def _level_label(level: str) -> str:
    return str(dict(ScopeLevel.choices).get(level, level)).lower()


def user_access_clean(*, roles: Any, scope_code: str | None, scope_level: str | None = None,
                      organisation: Any = None) -> UserAccess:
    """The one validation of a user's roles, scope and organisation (commands, services, the API and the admin
    form): roles from `Role`; the scope's region exists, at the level its code names (2/4/6 significant digits) or
    the explicit `scope_level`; the organisation (instance, id or credit code) exists. Raises InvalidInput with the
    field in `details` and a stable code: unknown_role, bad_scope_code, bad_scope_level, scope_code_required,
    nation_has_no_code, unknown_region, scope_level_mismatch, unknown_organisation."""
    text = roles if isinstance(roles, str) else ",".join(roles or [])
    try:
        role_list = rules.parse_roles(text)
    except ValueError:
        valid = {r.value for r in Role}
        bad = sorted({r.strip() for r in text.replace(";", ",").split(",") if r.strip()} - valid)
        raise InvalidInput(_("Unknown roles: %(bad)s (use: %(valid)s).")
                           % {"bad": ", ".join(bad), "valid": ", ".join(r.value for r in Role)},
                           code="unknown_role", details={"field": "roles"}) from None
    if not role_list:
        raise InvalidInput(_("Give at least one role (use: %(valid)s).") % {"valid": ", ".join(r.value for r in Role)},
                           code="unknown_role", details={"field": "roles"})
    try:
        level, code = rules.scope_of_code(scope_code or "", scope_level)
    except rules.ScopeError as exc:
        messages = {
            "bad_scope_code": _("A scope is a region code of 2, 4 or 6 digits (45, 4501, 450103 or 450000); "
                                "“%(code)s” is not."),
            "bad_scope_level": _("The scope level must be one of: %(levels)s (nation without a region code)."),
            "scope_code_required": _("A %(level)s scope needs a region code."),
            "nation_has_no_code": _("A nation scope has no region code: leave the code empty or choose the level "
                                    "of “%(code)s”."),
        }
        raise InvalidInput(messages[exc.code] % {"code": (scope_code or "")[:20], "level": scope_level,
                                                 "levels": ", ".join(ScopeLevel.values)},
                           code=exc.code, details={"field": "scope"}) from None
    if code:
        region = _registry_model("region").objects.filter(code=code).first()
        if region is None:
            raise InvalidInput(_("No region with the code %(code)s.") % {"code": code}, code="unknown_region",
                               details={"field": "scope"})
        if region.level != level:
            raise InvalidInput(_("%(region)s is a %(actual)s, not a %(level)s: give the region code of the scope "
                                 "or its level.") % {"region": str(region), "actual": _level_label(region.level),
                                                     "level": _level_label(level)},
                               code="scope_level_mismatch", details={"field": "scope"})
    return UserAccess(role_list, level, code, _organisation(organisation))


def _administrators_only(actor: Any) -> None:
    """Before anything is validated: who is not an administrator learns nothing about users, regions or codes."""
    authorise(actor, roles=(Role.ADMINISTRATOR,), what="user")


def user_change_authorise(*, actor: Any, access: UserAccess | None, current: User | None = None) -> None:
    """Administrators only, and only inside their scope: the user's scope (before and after the change) and the
    organisation's region must lie in the administrator's scope; and a delegated administrator gives no role it
    does not hold, makes no administrator at or above its own level, changes no peer and not itself
    (`fupin.core.users.delegation_check`). `access` None: a change of the user that keeps its access (a password
    reset, a token revoked). Commands (string actors) act for the operator."""
    codes = [access.scope_code or None] if access is not None else []
    if current is not None:  # a superuser acts for the nation whatever its stored scope
        nation = current.is_superuser or current.scope_level == ScopeLevel.NATION
        codes.append(None if nation else current.scope_code or None)
    if access is not None and access.organisation is not None:
        codes.append(access.organisation.region.code)
    for code in codes:
        authorise(actor, roles=(Role.ADMINISTRATOR,), region_code=code, what="user")
    from .users import delegation_check

    delegation_check(actor, roles=access.roles if access is not None else None,
                     scope_level=access.scope_level if access is not None else None,
                     scope_code=access.scope_code if access is not None else "", current=current)


def _password_check(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code="weak_password", details={"field": "password"}) from None


@transaction.atomic
def user_create(
    *, username: str, password: str | None, organisation: Any = None, roles: list[str] | str = "viewer",
    scope_level: str | None = None, scope_code: str = "", actor: Any = None, email: str = "",
    first_name: str = "", is_staff: bool = False, is_superuser: bool = False,
) -> User:
    """Create a user acting for `organisation` (instance, id or credit code) with validated roles and scope
    (`user_access_clean`); an empty password leaves it unusable (set one later). Audited; by an administrator inside
    its scope, or by a command."""
    _administrators_only(actor)
    access = user_access_clean(roles=roles, scope_code=scope_code, scope_level=scope_level, organisation=organisation)
    user_change_authorise(actor=actor, access=access)
    username = (username or "").strip()
    try:
        User.username_validator(username)
        if not username:
            raise DjangoValidationError(_("The user name is empty."))
    except DjangoValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code="bad_username", details={"field": "username"}) from None
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(_("The user name %(name)s is taken.") % {"name": username}, code="username_taken",
                           details={"field": "username"})
    user = User(
        username=username, organisation=access.organisation, roles=",".join(access.roles),
        scope_level=access.scope_level, scope_code=access.scope_code, email=(email or "").strip(),
        first_name=first_name, is_staff=is_staff or is_superuser or Role.ADMINISTRATOR in access.roles,
        is_superuser=is_superuser,
    )
    if password:
        _password_check(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(actor=actor, action="user:create", obj=user, after=audit.snapshot(user, USER_FIELDS))
    return user


@transaction.atomic
def user_roles_set(*, user: User, actor: Any, roles: list[str] | str | None = None, scope_code: str | None = None,
                   scope_level: str | None = None, organisation: Any = UNCHANGED, is_active: bool | None = None,
                   reason: str = "") -> User:
    """Change what a user may do: roles, scope (code and/or level), organisation, active or not. What is not given
    stays. Validated like `user_create`, allowed to administrators inside their scope (the user's scope before and
    after), audited before → after."""
    _administrators_only(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(user, USER_FIELDS)
    if scope_code is None and scope_level is not None:
        # a new level alone keeps the region: 450103 as a prefecture is 450100
        scope_code = user.scope_code[:rules.LEVEL_PREFIX_LEN.get(scope_level, 6)] if user.scope_code else ""
    access = user_access_clean(
        roles=user.roles if roles is None else roles,
        scope_code=user.scope_code if scope_code is None else scope_code,
        scope_level=user.scope_level if scope_code is None and scope_level is None else scope_level,
        organisation=user.organisation if organisation is UNCHANGED else organisation,
    )
    user_change_authorise(actor=actor, access=access, current=user)
    user.roles = ",".join(access.roles)
    user.scope_level, user.scope_code = access.scope_level, access.scope_code
    user.organisation = access.organisation
    if is_active is not None:
        user.is_active = is_active
    user.is_staff = user.is_superuser or Role.ADMINISTRATOR in access.roles
    after = audit.snapshot(user, USER_FIELDS)
    if after == before:
        return user
    user.save()
    changed_before, changed_after = audit.changed_fields(before, after)
    audit.record(actor=actor, action="user:change", obj=user, before=changed_before, after=changed_after,
                 reason=reason)
    return user


@transaction.atomic
def user_password_reset(*, user: User, actor: Any, password: str | None = None, reason: str = "") -> User:
    """An administrator resets a user's password: the old one stops working (a temporary `password` replaces it,
    or none: unusable until set), the user's API tokens are revoked and `password_reset_required` is set — the user
    must choose a new password. Same rules as a change of access (`user_change_authorise`); audited."""
    _administrators_only(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    user_change_authorise(actor=actor, access=None, current=user)
    if password:
        _password_check(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.password_reset_required = True
    user.save(update_fields=["password", "password_reset_required"])
    revoked = 0
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        token_revoke(token=token, actor=actor, reason="password reset")
        revoked += 1
    audit.record(actor=actor, action="user:password_reset", obj=user, before={"password_reset_required": False},
                 after={"password_reset_required": True, "temporary_password": bool(password),
                        "tokens_revoked": revoked}, reason=reason)
    return user


@transaction.atomic
def user_password_change(*, user: User, current_password: str, new_password: str) -> User:
    """A user changes its own password: the current one must be right, the new one must pass the password rules
    and differ from it. Clears `password_reset_required` (the sign-in after an administrator's reset leads here
    and nowhere else until it is done). Audited (`user:password_change`; no password is recorded)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(current_password):
        raise InvalidInput(_("The current password is not right."), code="wrong_password",
                           details={"field": "current_password"})
    if new_password == current_password:
        raise InvalidInput(_("The new password must differ from the current one."), code="password_unchanged",
                           details={"field": "new_password"})
    try:
        password_validation.validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code="weak_password", details={"field": "new_password"}) from None
    was_required = user.password_reset_required
    user.set_password(new_password)
    user.password_reset_required = False
    user.save(update_fields=["password", "password_reset_required"])
    audit.record(actor=user, action="user:password_change", obj=user,
                 before={"password_reset_required": was_required}, after={"password_reset_required": False})
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


# -- policy parameters: each row is a version that results name (`rule_version`), so it never changes --------------
def _validity_check(valid_from: dt.date, valid_to: dt.date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(_("A version cannot end (%(to)s) before it starts (%(from)s).")
                           % {"to": valid_to.isoformat(), "from": valid_from.isoformat()}, code="bad_validity",
                           details={"field": "valid_to"})


@transaction.atomic
def policy_parameter_create(*, key: str, value: Any, valid_from: dt.date, valid_to: dt.date | None = None,
                            region_prefix: str = "", source: str = "", note: str = "", actor: Any) -> PolicyParameter:
    """A new version of a parameter (for its key and region). The version in force before it is closed the day
    before it starts; a version that starts later ends the new one the day before (each closing audited). Versions
    are never changed otherwise: a change of value, region or start is a new version."""
    same = PolicyParameter.objects.select_for_update().filter(key=key, region_prefix=region_prefix)
    if same.filter(valid_from=valid_from).exists():
        raise InvalidInput(_("A version of %(key)s starting on %(day)s exists: close it or start the new one on "
                             "another day.") % {"key": key, "day": valid_from.isoformat()},
                           code="parameter_version_exists", details={"field": "valid_from"})
    _validity_check(valid_from, valid_to)
    later = same.filter(valid_from__gt=valid_from).order_by("valid_from").first()
    if later is not None and (valid_to is None or valid_to >= later.valid_from):
        valid_to = later.valid_from - dt.timedelta(days=1)
    earlier = same.filter(valid_from__lt=valid_from).order_by("-valid_from").first()
    p = PolicyParameter.objects.create(key=key, value=value, valid_from=valid_from, valid_to=valid_to,
                                       region_prefix=region_prefix, source=source, note=note)
    audit.record(actor=actor, action="policy_parameter:create", obj=p, after=audit.snapshot(p))
    if earlier is not None and (earlier.valid_to is None or earlier.valid_to >= valid_from):
        policy_parameter_close(parameter=earlier, valid_to=valid_from - dt.timedelta(days=1), actor=actor,
                               reason=f"superseded by version #{p.pk}")
    return p


@transaction.atomic
def policy_parameter_close(*, parameter: PolicyParameter, valid_to: dt.date | None, actor: Any,
                           reason: str = "") -> PolicyParameter:
    """Set the end of a version (or open it again with None): the one change a stored version allows. Audited."""
    p = PolicyParameter.objects.select_for_update().get(pk=parameter.pk)
    _validity_check(p.valid_from, valid_to)
    if p.valid_to == valid_to:
        return p
    before = {"valid_to": p.valid_to}
    PolicyParameter.objects.filter(pk=p.pk).update(valid_to=valid_to)
    p.valid_to = valid_to
    audit.record(actor=actor, action="policy_parameter:close", obj=p, before=before, after={"valid_to": valid_to},
                 reason=reason)
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
