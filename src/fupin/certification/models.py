"""Certification: products and their licences, applications through the multi-level review, decisions,
public objections, catalogue batches, certificates, the certified periods the ledger reads, blacklists and
spot checks."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.core.models import AppendOnlyModel, TimestampedModel

from .enums import (
    ApplicationKind,
    ApplicationStatus,
    LicenceKind,
    ObjectionKind,
    ObjectionStatus,
    ProductCategory,
    ProductStatus,
    SpotCheckResult,
)


class Product(TimestampedModel):
    """A product or service a market entity supplies. `code` is what purchases refer to ("P" + digits)."""

    code = models.CharField(_("product code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    category = models.CharField(_("category"), max_length=30, choices=ProductCategory.choices, db_index=True)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20)
    supplier = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="products",
                                 verbose_name=_("supplier"))
    origin_region = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("origin region"))
    annual_capacity = models.PositiveBigIntegerField(_("annual supply capacity (units)"), default=0)
    reference_price_fen = models.BigIntegerField(_("market reference price (fen per unit)"), default=0)
    price_fen = models.BigIntegerField(_("supplier price (fen per unit)"), default=0)
    status = models.CharField(_("certification status"), max_length=20, choices=ProductStatus.choices,
                              default=ProductStatus.REGISTERED, db_index=True)
    certified_until = models.DateField(_("certified until"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [models.Index(fields=["supplier", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Licence(TimestampedModel):
    """A licence or certificate held by a supplier (business licence) or for a product (food production
    licence, quality certificate), with its validity."""

    supplier = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="licences",
                                 verbose_name=_("supplier"))
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="licences",
                                verbose_name=_("product"))
    kind = models.CharField(_("kind"), max_length=20, choices=LicenceKind.choices)
    number = models.CharField(_("number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: no expiry"))

    class Meta:
        ordering = ["supplier_id", "kind", "number"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class CatalogueBatch(TimestampedModel):
    """A published batch of the national catalogue of poverty-alleviation products (全国扶贫产品目录)."""

    number = models.CharField(_("batch number"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), db_index=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))
    historical = models.BooleanField(_("historical (loaded from before go-live)"), default=False,
                                     help_text=_("Created by the historical catalogue import, not by the review"))

    class Meta:
        ordering = ["-published_on", "-number"]
        verbose_name = _("catalogue batch")
        verbose_name_plural = _("catalogue batches")

    def __str__(self) -> str:
        return self.number


class Application(TimestampedModel):
    """A supplier's application to certify one or more products, with its evidence, moving through the review."""

    number = models.CharField(_("application number"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ApplicationKind.choices, default=ApplicationKind.NEW)
    supplier = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="applications",
                                 verbose_name=_("supplier"))
    region_code = models.CharField(_("region code"), max_length=12, db_index=True,
                                   help_text=_("The supplier's region; decides which reviewers may act"))
    status = models.CharField(_("status"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.SUBMITTED, db_index=True)
    status_since = models.DateTimeField(_("in this state since"))
    households_declared = models.JSONField(_("declared household references"), default=list, blank=True)
    households_linked = models.PositiveIntegerField(_("households through linkage"), default=0)
    households_claimed = models.PositiveIntegerField(_("poor households brought along"), default=0)
    precheck = models.JSONField(_("pre-check verdicts"), default=list, blank=True)
    param_versions = models.JSONField(_("policy parameter versions"), default=dict, blank=True)
    notice_start = models.DateField(_("notice from"), null=True, blank=True)
    notice_end = models.DateField(_("notice until"), null=True, blank=True)
    batch = models.ForeignKey(CatalogueBatch, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="applications", verbose_name=_("catalogue batch"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("submitted by"))
    last_reason = models.TextField(_("latest decision reason"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("certification application")
        verbose_name_plural = _("certification applications")
        indexes = [models.Index(fields=["status", "region_code"])]

    def __str__(self) -> str:
        return self.number


class ApplicationItem(models.Model):
    """One product in an application, with the evidence for it (annual volume, price against reference)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="application_items")
    supply_volume = models.PositiveBigIntegerField(_("annual supply volume (units)"))
    price_fen = models.BigIntegerField(_("price (fen per unit)"))
    reference_price_fen = models.BigIntegerField(_("market reference price (fen per unit)"))

    class Meta:
        ordering = ["application_id", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "product"], name="applicationitem_unique")]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.product_id}"


class Decision(AppendOnlyModel):
    """A signed review decision: who (named reviewer, level), what, from → to, why. The audit log has it too."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    at = models.DateTimeField(_("time"), default=timezone.now)
    action = models.CharField(_("action"), max_length=20)
    level = models.CharField(_("level"), max_length=12, blank=True)
    from_status = models.CharField(_("from"), max_length=20)
    to_status = models.CharField(_("to"), max_length=20)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("reviewer"))
    reviewer_name = models.CharField(_("signed by"), max_length=150)
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["application_id", "at", "id"]
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")


class Certificate(TimestampedModel):
    """The certificate of a product listed in a batch; `code` is the Ed25519-signed verification code. A certificate
    loaded by the historical catalogue import has no application (it was issued before go-live)."""

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="certificates")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="certificates")
    batch = models.ForeignKey(CatalogueBatch, on_delete=models.PROTECT, related_name="certificates")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    code = models.TextField(_("verification code"))

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.number


class CertificationPeriod(models.Model):
    """An inclusive period during which a product was certified. Written only by the transitions; the ledger
    reads these (one indexed query per batch of rows)."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="periods")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True, help_text=_("Inclusive; empty means open-ended"))
    certificate = models.ForeignKey(Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="periods")

    class Meta:
        ordering = ["product_id", "start"]
        indexes = [models.Index(fields=["product", "start"])]
        verbose_name = _("certified period")
        verbose_name_plural = _("certified periods")

    def __str__(self) -> str:
        return f"{self.product_id}: {self.start} → {self.end or '…'}"


class Objection(TimestampedModel):
    """A public objection lodged during a notice (against an application) or a complaint about a certified product."""

    kind = models.CharField(_("kind"), max_length=20, choices=ObjectionKind.choices)
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="objections")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints")
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    lodger_name = models.CharField(_("name"), max_length=100)
    lodger_contact = models.CharField(_("contact"), max_length=100, blank=True)
    text = models.TextField(_("objection"))
    status = models.CharField(_("status"), max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN,
                              db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")


class Blacklisting(TimestampedModel):
    """A supplier barred from certification for a period (after a revocation)."""

    supplier = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="blacklistings")
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True, help_text=_("Inclusive; empty means indefinitely"))
    reason_kind = models.CharField(_("reason"), max_length=30)
    reason = models.TextField(_("details"), blank=True)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("blacklisting")
        verbose_name_plural = _("blacklist")


class SpotCheckRound(TimestampedModel):
    """A reproducible draw of certified products to inspect in a period: the seed and the method are kept."""

    period = models.CharField(_("period"), max_length=20, unique=True)
    drawn_on = models.DateField(_("drawn on"))
    seed = models.BigIntegerField(_("seed"))
    method = models.CharField(_("method"), max_length=300)
    sample_size = models.PositiveIntegerField(_("sample size"))
    population = models.PositiveIntegerField(_("population"))
    region_prefix = models.CharField(_("region prefix"), max_length=12, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        ordering = ["-drawn_on", "-id"]
        verbose_name = _("spot-check round")
        verbose_name_plural = _("spot-check rounds")

    def __str__(self) -> str:
        return self.period


class SpotCheck(TimestampedModel):
    round = models.ForeignKey(SpotCheckRound, on_delete=models.PROTECT, related_name="checks")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="spot_checks")
    rank = models.PositiveIntegerField(_("draw order"))
    risk_weight = models.FloatField(_("risk weight"))
    status = models.CharField(_("result"), max_length=10, choices=SpotCheckResult.choices,
                              default=SpotCheckResult.PENDING, db_index=True)
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    findings = models.TextField(_("findings"), blank=True)

    class Meta:
        ordering = ["round_id", "rank"]
        constraints = [models.UniqueConstraint(fields=["round", "product"], name="spotcheck_unique")]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")


class SupplierAuthorisation(TimestampedModel):
    """An explicit, dated permission for an organisation to act as the supplier `entity` in certification (register
    products, add licences, apply, resubmit, withdraw). A market entity's clerks act for their own legal person
    (same unified social credit code) without one; every other organisation — another cooperative the entity has
    mandated, or a county office helping a poor household's entity — needs one. Granted and revoked through the
    services (audited); an action taken under it names it in its audit entry."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT,
                                     related_name="supplier_authorisations", verbose_name=_("authorised organisation"))
    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT,
                               related_name="supplier_authorisations", verbose_name=_("market entity acted for"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty: until revoked"))
    reason = models.TextField(_("reason"), blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("granted by"))
    granted_by_name = models.CharField(_("granted by (name)"), max_length=150, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("revoked by"))
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["entity_id", "-valid_from", "-id"]
        indexes = [models.Index(fields=["organisation", "entity"], name="supplierauth_org_entity")]
        verbose_name = _("supplier authorisation")
        verbose_name_plural = _("supplier authorisations")

    def __str__(self) -> str:
        return f"{self.organisation} → {self.entity}"

    def in_force(self, on: date) -> bool:
        return self.revoked_at is None and self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
