"""Core models: users acting for an organisation with roles and a region scope; the audit and security
logs (append-only); API tokens; dated policy parameters; import runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from . import rules
from .enums import Role, ScopeLevel, SecurityEventKind


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{self.model.__name__} is append-only")

    def delete(self) -> NoReturn:
        raise TypeError(f"{self.model.__name__} is append-only")


class AppendOnlyModel(models.Model):
    """A row that is written once and never changed or deleted (ledgers, logs)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:  # noqa: D401 - guard only
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise TypeError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{type(self).__name__} is append-only")


class TimestampedModel(models.Model):
    """Base of every mutable domain model: creation and update times."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


if TYPE_CHECKING:  # the stubs' manager is generic in its user model; Django's class is not subscriptable
    _UserManagerBase = DjangoUserManager["User"]
else:
    _UserManagerBase = DjangoUserManager


class UserManager(_UserManagerBase):
    """`fupin createsuperuser` makes an administrator for the nation: roles and scope stored as such (the properties
    of `User` treat every superuser so as well), and the creation audited."""

    def create_superuser(self, username: str, email: str | None = None, password: str | None = None,
                         **extra_fields: Any) -> User:
        extra_fields.setdefault("roles", Role.ADMINISTRATOR)
        extra_fields.setdefault("scope_level", ScopeLevel.NATION)
        extra_fields.setdefault("scope_code", "")
        from . import audit

        with transaction.atomic():
            user = super().create_superuser(username, email, password, **extra_fields)
            audit.record(actor="createsuperuser", action="user:create", obj=user,
                         after=audit.snapshot(user, ["username", "roles", "scope_level", "scope_code", "is_superuser"]))
        return user


class User(AbstractUser):
    """A person who acts for one organisation, with roles and a region scope."""

    objects: ClassVar[UserManager] = UserManager()

    organisation = models.ForeignKey(
        "registry.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="users",
        verbose_name=_("organisation"),
    )
    roles = models.CharField(_("roles"), max_length=200, blank=True, default=Role.VIEWER,
                             help_text=_("Comma-separated: viewer, clerk, reviewer, approver, administrator, auditor"))
    scope_level = models.CharField(_("scope level"), max_length=12, choices=ScopeLevel.choices, default=ScopeLevel.NATION)
    scope_code = models.CharField(_("scope region code"), max_length=12, blank=True, default="",
                                  help_text=_("Region code of the scope; empty for the nation"))
    password_reset_required = models.BooleanField(
        _("password reset required"), default=False,
        help_text=_("Set by an administrator: the password was reset and the user must choose a new one"))

    @property
    def role_list(self) -> list[str]:
        """The stored roles; a superuser (`fupin createsuperuser`) is always an administrator as well."""
        roles = [r for r in self.roles.split(",") if r]
        if self.is_superuser and Role.ADMINISTRATOR not in roles:
            roles.append(Role.ADMINISTRATOR)
        return roles

    def has_role(self, *wanted: str) -> bool:
        return self.is_active and rules.has_any_role(self.role_list, wanted)

    @property
    def scope_prefix(self) -> str:
        """The region-code prefix the user's scope covers ('' for the nation, and for every superuser)."""
        if self.scope_level == ScopeLevel.NATION or self.is_superuser:
            return ""
        return rules.scope_prefix(self.scope_level, self.scope_code)

    def can_see_code(self, region_code: str | None) -> bool:
        return rules.code_in_scope(self.scope_prefix, region_code)


class AuditEntry(AppendOnlyModel):
    """One state change: who, when, which object, before → after, why. Written in the change's transaction."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}#{self.object_id}"


class SecurityEvent(AppendOnlyModel):
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=SecurityEventKind.choices, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("security event")
        verbose_name_plural = _("security log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


class ApiToken(models.Model):
    """A bearer token for machines. Only a SHA-256 of the token is stored. Its scopes (`fupin.core.tokens`) narrow
    what it may do for its user; it stops working at `expires_at` (None: never, for tokens made before expiry
    existed and by `fupin create_token --expires never`) or when revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(_("name"), max_length=100, blank=True)
    scopes = models.CharField(_("scopes"), max_length=500, default="*:write",
                              help_text=_("Comma-separated <app>:read or <app>:write; * for every app"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"token {self.prefix}… of user #{self.user_id}"

    @property
    def scope_list(self) -> list[str]:
        from .tokens import from_text

        return from_text(self.scopes)

    def is_expired(self, now: Any = None) -> bool:
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()


class PolicyParameter(models.Model):
    """A dated policy number (reserved share, thresholds, grade bands, counting rules...), stored as data.

    The value in force for (key, region, date) is the one with the longest matching region prefix whose
    validity covers the date. Each row is a version; results record the id of the row that produced them.
    """

    key = models.CharField(_("key"), max_length=80, db_index=True)
    region_prefix = models.CharField(_("region prefix"), max_length=12, blank=True, default="",
                                     help_text=_("Empty for the nation; '45' for Guangxi; '4501' for Nanning..."))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Inclusive; empty means open-ended"))
    value = models.JSONField(_("value"))
    source = models.CharField(_("source document"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "region_prefix", "valid_from"]
        verbose_name = _("policy parameter")
        verbose_name_plural = _("policy parameters")
        constraints = [
            models.UniqueConstraint(fields=["key", "region_prefix", "valid_from"], name="policyparameter_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.key}[{self.region_prefix or '*'}] {self.valid_from}→{self.valid_to or '…'} = {self.value}"


class ImportRun(models.Model):
    """One import of a file (any kind), with its report and the rejected rows kept for correction."""

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=20, default="done")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_processed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    rejected_file = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.kind} import of {self.file_name}"


# the tamper-evidence tables (hash chains and signed anchors) live with their code in fupin.core.integrity
from .integrity.models import ChainAnchor as ChainAnchor  # noqa: E402
from .integrity.models import ChainHead as ChainHead  # noqa: E402
from .integrity.models import ChainLink as ChainLink  # noqa: E402
