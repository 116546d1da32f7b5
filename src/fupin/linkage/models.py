"""Interest linkage: contracts between a market entity and poor households or a village collective, the
append-only ledger of benefit payments, and verification rounds that sample households in the field."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import AppendOnlyModel, TimestampedModel

from .enums import ContractStatus, Mechanism, Outcome, PartyKind, RoundStatus, Schedule


class Contract(TimestampedModel):
    """A linkage contract. Terms are validated per mechanism by `rules.terms_errors`; status moves only
    through `services` transitions (draft → active ⇄ suspended → ended)."""

    code = models.CharField(_("contract number"), max_length=60, unique=True)
    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="linkage_contracts",
                               verbose_name=_("market entity"))
    mechanism = models.CharField(_("mechanism"), max_length=24, choices=Mechanism.choices, db_index=True)
    party_kind = models.CharField(_("party"), max_length=12, choices=PartyKind.choices, default=PartyKind.HOUSEHOLDS)
    collective = models.ForeignKey("registry.MarketEntity", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="linkage_contracts_as_collective", verbose_name=_("village collective"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("Inclusive; empty means open-ended"))
    schedule = models.CharField(_("payment schedule"), max_length=12, choices=Schedule.choices, default=Schedule.MONTHLY)
    terms = models.JSONField(_("terms"), default=dict)
    status = models.CharField(_("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT,
                              db_index=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-start_date", "code"]
        verbose_name = _("linkage contract")
        verbose_name_plural = _("linkage contracts")
        indexes = [models.Index(fields=["entity", "status", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="linkage_contract_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ContractParty(TimestampedModel):
    """A household linked by a contract, with its own quantity (days per month, shares, mu, kg...)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="parties", verbose_name=_("contract"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="linkage_parties",
                                  verbose_name=_("household"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, null=True, blank=True,
                                   help_text=_("Days per month, shares, mu, or kg a year, by mechanism"))

    class Meta:
        ordering = ["contract", "household"]
        verbose_name = _("contract party")
        verbose_name_plural = _("contract parties")
        constraints = [models.UniqueConstraint(fields=["contract", "household"], name="linkage_party_unique")]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.household_id}"


class ContractDocument(TimestampedModel):
    """A document of the contract: the signed contract, a roster, a board resolution..."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="documents", verbose_name=_("contract"))
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("document reference"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="linkage/documents/%Y/", blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["contract", "id"]
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")

    def __str__(self) -> str:
        return self.title


class BenefitPayment(AppendOnlyModel):
    """Money paid to a household or a village collective under a contract. Append-only: a correction is a
    reversing entry (negative amount) that points at the original. Idempotent by (source, external id)."""

    source = models.CharField(_("source"), max_length=60)
    external_id = models.CharField(_("external id"), max_length=100)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments", verbose_name=_("contract"))
    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="benefit_payments",
                               verbose_name=_("market entity"))
    mechanism = models.CharField(_("mechanism"), max_length=24, choices=Mechanism.choices)
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="benefit_payments", verbose_name=_("household"))
    collective = models.ForeignKey("registry.MarketEntity", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="benefit_payments_received", verbose_name=_("village collective"))
    recipient_code = models.CharField(_("recipient region code"), max_length=12, db_index=True)
    entity_code = models.CharField(_("entity region code"), max_length=12, db_index=True)
    paid_on = models.DateField(_("date paid"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2, null=True, blank=True)
    evidence_ref = models.CharField(_("evidence reference"), max_length=200, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by",
                                    verbose_name=_("reverses"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("benefit payment")
        verbose_name_plural = _("benefit payments")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="linkage_payment_idempotent"),
            models.CheckConstraint(
                condition=models.Q(household__isnull=False) | models.Q(collective__isnull=False),
                name="linkage_payment_has_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "paid_on"]),
            models.Index(fields=["entity", "paid_on"]),
            models.Index(fields=["contract", "paid_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.external_id}"


class VerificationRound(TimestampedModel):
    """A field verification of benefiting households in one county and period: a seeded, stratified sample."""

    county = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="verification_rounds",
                               verbose_name=_("county"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    seed = models.BigIntegerField(_("random seed"))
    method = models.TextField(_("sampling method"))
    sample_size = models.PositiveIntegerField(_("sample size"), default=0)
    population = models.PositiveIntegerField(_("population"), default=0)
    parameters = models.JSONField(_("parameters used"), default=dict)
    status = models.CharField(_("status"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.OPEN,
                              db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("verification round")
        verbose_name_plural = _("verification rounds")

    def __str__(self) -> str:
        return f"{self.county.code} {self.period_start}–{self.period_end}"


class VerificationItem(TimestampedModel):
    """One sampled (household, entity) pair: what to ask, what the records say, what the field found."""

    round = models.ForeignKey(VerificationRound, on_delete=models.PROTECT, related_name="items", verbose_name=_("round"))
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="verification_items",
                                  verbose_name=_("household"))
    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="verification_items",
                               verbose_name=_("market entity"))
    position = models.PositiveIntegerField(_("position in the sample"))
    expected_fen = models.BigIntegerField(_("expected (fen)"), default=0)
    paid_fen = models.BigIntegerField(_("recorded as paid (fen)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING,
                               db_index=True)
    reported_fen = models.BigIntegerField(_("amount the household reports (fen)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["round", "position"]
        verbose_name = _("verification item")
        verbose_name_plural = _("verification items")
        constraints = [models.UniqueConstraint(fields=["round", "household", "entity"], name="linkage_item_unique")]

    def __str__(self) -> str:
        return f"{self.round_id}#{self.position}"


from .effect.models import PovertyEffectDecision as PovertyEffectDecision  # noqa: E402  (the poverty-reduction effect)
