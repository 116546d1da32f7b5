"""The registry: regions, organisations (buyers, helpers, governments), market entities (sellers),
households (pseudonymous) and assistance relations."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import TimestampedModel

from .enums import (
    EntityKind,
    HouseholdStatus,
    OrganisationKind,
    RegionLevel,
    RegionSet,
    RelationKind,
    StatusSource,
    Zone,
)


class Region(TimestampedModel):
    """An administrative division: GB/T 2260 codes to county (6 digits), statistics codes below
    (township 9, village 12). Province and prefecture codes are written in full (130000, 130600)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    level = models.CharField(_("level"), max_length=12, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent"))
    zone = models.CharField(_("zone"), max_length=8, choices=Zone.choices, blank=True)
    is_poverty_county = models.BooleanField(_("national poverty county"), default=False, db_index=True)
    poverty_exit_year = models.PositiveSmallIntegerField(_("exit year"), null=True, blank=True)
    is_poor_village = models.BooleanField(_("poor village"), default=False, db_index=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


class RegionCodeChange(TimestampedModel):
    """The crosswalk from an old (abolished or renamed) county-level code to its current code(s)."""

    old_code = models.CharField(_("old code"), max_length=12, db_index=True)
    old_name = models.CharField(_("old name"), max_length=100, blank=True)
    new_code = models.CharField(_("new code"), max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField(_("year of change"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["old_code", "new_code"]
        verbose_name = _("region code change")
        verbose_name_plural = _("region code crosswalk")
        constraints = [models.UniqueConstraint(fields=["old_code", "new_code"], name="regioncodechange_unique")]


class Organisation(TimestampedModel):
    """A body that buys, helps or governs: departments, governments, central units, budget units,
    enterprises, social organisations, trade unions..."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("supervising unit"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("home region"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Household(TimestampedModel):
    """A registered household, pseudonymous: the resident ID is kept only as a keyed hash."""

    registry_code = models.CharField(_("registry code"), max_length=32, unique=True)
    id_hash = models.CharField(_("identity hash"), max_length=64, unique=True)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="households", verbose_name=_("village"))
    size = models.PositiveSmallIntegerField(_("household size"), default=1)
    status = models.CharField(_("status"), max_length=20, choices=HouseholdStatus.choices, db_index=True)
    lifted_year = models.PositiveSmallIntegerField(_("year lifted out"), null=True, blank=True)
    head_name = models.CharField(_("head of household"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["registry_code"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.registry_code


class MarketEntity(TimestampedModel):
    """A seller: enterprise, cooperative, family farm, village collective, rich leader, or a poor household
    selling directly (then `household` is set and `credit_code` is empty)."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EntityKind.choices, db_index=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True, null=True, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="entities", verbose_name=_("region"))
    sectors = models.CharField(_("sectors"), max_length=200, blank=True, default="",
                               help_text=_("Comma-separated sector codes, stored as ',a,b,' for exact matching"))
    household = models.OneToOneField(Household, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="seller", verbose_name=_("household"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("market entity")
        verbose_name_plural = _("market entities")

    def __str__(self) -> str:
        return self.name

    @property
    def sector_list(self) -> list[str]:
        return [s for s in self.sectors.split(",") if s]

    @property
    def seller_code(self) -> str:
        """The code the purchase ledger names this seller by."""
        return self.credit_code or (self.household.registry_code if self.household is not None else f"ME{self.pk}")


class AssistanceRelation(TimestampedModel):
    """Who helps where, in which years: a helper organisation (or, for east–west cooperation, an eastern
    province or city as a region) linked to a helped region."""

    kind = models.CharField(_("kind"), max_length=30, choices=RelationKind.choices, db_index=True)
    helper_org = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="relations", verbose_name=_("helping organisation"))
    helper_region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="relations_as_helper", verbose_name=_("helping region"))
    helped_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="relations_as_helped",
                                      verbose_name=_("helped region"))
    year_from = models.PositiveSmallIntegerField(_("from year"))
    year_to = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "year_from", "id"]
        verbose_name = _("assistance relation")
        verbose_name_plural = _("assistance relations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(helper_org__isnull=False) | models.Q(helper_region__isnull=False),
                name="relation_has_helper",
            ),
        ]

    def __str__(self) -> str:
        helper = self.helper_org or self.helper_region
        return f"{self.get_kind_display()}: {helper} → {self.helped_region} ({self.year_from}–{self.year_to or ''})"


class OrganisationParentPeriod(TimestampedModel):
    """An organisation's supervising unit from a date to a date (issue #10 §6): the dated tree that the ledger's
    roll-up to parents and its attribution read on the purchase date. Written only by `services.organisation_update`
    when the parent changes (the period in force is closed the day before, a new one opens); `Organisation.parent`
    is the parent of the period in force today. An organisation without periods has had its parent forever."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="parent_periods",
                                     verbose_name=_("organisation"))
    parent = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("supervising unit"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty while in force"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["organisation_id", "valid_from"]
        verbose_name = _("supervising unit period")
        verbose_name_plural = _("supervising unit history")
        constraints = [models.UniqueConstraint(fields=["organisation", "valid_from"], name="parentperiod_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id} under {self.parent_id} {self.valid_from}–{self.valid_to or ''}"


class HouseholdStatusPeriod(TimestampedModel):
    """A household's status from a date to a date: the dated history that counting reads on the purchase date.
    Written only by `services.household_status_change` and the historical import; `Household.status` is the status
    of the period in force today."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="status_periods",
                                  verbose_name=_("household"))
    status = models.CharField(_("status"), max_length=20, choices=HouseholdStatus.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty while in force"))
    source = models.CharField(_("source"), max_length=12, choices=StatusSource.choices, default=StatusSource.RECORDED)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["household_id", "valid_from"]
        verbose_name = _("household status period")
        verbose_name_plural = _("household status history")
        constraints = [models.UniqueConstraint(fields=["household", "valid_from"], name="statusperiod_unique")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.status} {self.valid_from}–{self.valid_to or ''}"


class RegionSetMembership(TimestampedModel):
    """A region in a dated set (the 832 poverty counties until their exit, counties lifted out, the 160 national key
    counties for rural revitalisation from 2021, provincial key counties, poor villages)."""

    set_kind = models.CharField(_("region set"), max_length=24, choices=RegionSet.choices, db_index=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="set_memberships",
                               verbose_name=_("region"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty while in force"))
    source = models.CharField(_("source"), max_length=200, blank=True,
                              help_text=_("The reference file, document or decision it comes from"))
    is_sample = models.BooleanField(_("sample, not the official list"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["set_kind", "region__code", "valid_from"]
        verbose_name = _("region set membership")
        verbose_name_plural = _("region set memberships")
        constraints = [models.UniqueConstraint(fields=["set_kind", "region", "valid_from"],
                                               name="regionset_unique")]

    def __str__(self) -> str:
        return f"{self.set_kind} {self.region_id} {self.valid_from}–{self.valid_to or ''}"
