"""Incentives: policies as data with versioned condition trees, evaluation runs and their decisions (every condition
with the fact value, met or not, and its source), recognition rounds and nominations, demonstration enterprises
with their annual re-checks, and supply-chain projects with funding, milestones and users.

Statuses change only through the services (`fupin.core.audit.transition`: allowed source states, compare-and-set,
an audit entry in the same transaction). Versions, runs, decisions and re-checks are append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import AppendOnlyModel, TimestampedModel

from .enums import (
    BuyerGroup,
    CapacityUnit,
    DemonstrationStatus,
    FundingSource,
    GrantingBody,
    NominationStatus,
    Outcome,
    PolicyKind,
    PolicyStatus,
    ProjectKind,
    ProjectStatus,
    RecognitionSubject,
)


class Policy(TimestampedModel):
    """A preferential policy (a loan interest subsidy, a land quota, …) or a set of demonstration criteria: who
    issued it, on which legal basis, where and when it applies, what it gives, and its conditions (the version in
    force). A change of the terms or the conditions is a new version; decisions name the version they used."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=PolicyKind.choices)
    granted_by = models.CharField(_("granted by"), max_length=30, choices=GrantingBody.choices)
    issuing_body = models.CharField(_("issuing body"), max_length=200)
    legal_reference = models.CharField(_("legal reference"), max_length=300)
    benefit = models.TextField(_("benefit"))
    region_prefix = models.CharField(_("applies in region"), max_length=12, blank=True, default="",
                                     help_text=_("Empty for the nation; a region code prefix otherwise"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Inclusive; empty means open-ended"))
    status = models.CharField(_("status"), max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT,
                              db_index=True)
    current_version = models.ForeignKey("PolicyVersion", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("version in force"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["code"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PolicyVersion(AppendOnlyModel):
    """One version of a policy: its condition tree and its terms as they were; never changed."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    conditions = models.JSONField(_("conditions"))
    terms = models.JSONField(_("terms"), default=dict)
    references = models.JSONField(_("referenced policies"), default=list)
    reason = models.TextField(_("reason for this version"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["policy_id", "-number"]
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policyversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.policy_id} v{self.number}"


class EvaluationRun(AppendOnlyModel):
    """One evaluation of a policy version on a date: for every market entity in a region (or one entity). Written
    once with its counts; the decisions hang off it."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="runs")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="runs")
    on = models.DateField(_("evaluated on"), db_index=True)
    region_prefix = models.CharField(_("region"), max_length=12, blank=True, default="")
    entity = models.ForeignKey("registry.MarketEntity", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("entity"))
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("compared with"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_name = models.CharField(_("run by"), max_length=150, blank=True)
    at = models.DateTimeField(_("run at"), auto_now_add=True)
    seconds = models.FloatField(_("seconds"), default=0)
    entities = models.PositiveIntegerField(_("entities"), default=0)
    eligible = models.PositiveIntegerField(_("eligible"), default=0)
    ineligible = models.PositiveIntegerField(_("not eligible"), default=0)
    undetermined = models.PositiveIntegerField(_("undetermined"), default=0)
    referenced_versions = models.JSONField(_("referenced policy versions"), default=dict)
    parameters = models.JSONField(_("policy parameter versions"), default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")

    def __str__(self) -> str:
        return f"{self.policy_id} on {self.on} (#{self.pk})"


class Decision(AppendOnlyModel):
    """One entity's eligibility for a policy version on a date, with the whole explanation (`explanation`: the
    condition tree, each condition with the fact value used, met or not, its source, what is missing)."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.PROTECT, related_name="decisions")
    # decisions are read by run (and region or outcome) or by entity and policy: the policy and version keys need no
    # index of their own (each would be written for every one of a run's tens of thousands of decisions)
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="decisions", db_index=False)
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="decisions", db_index=False)
    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="incentive_decisions")
    on = models.DateField(_("evaluated on"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    region_code = models.CharField(_("entity region code"), max_length=12, db_index=True)
    explanation = models.JSONField(_("explanation"))
    missing = models.JSONField(_("missing facts"), default=list)

    class Meta:
        ordering = ["run_id", "region_code", "entity_id"]
        verbose_name = _("eligibility decision")
        verbose_name_plural = _("eligibility decisions")
        indexes = [models.Index(fields=["run", "outcome"]), models.Index(fields=["entity", "policy"])]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.outcome} for {self.policy_id} on {self.on}"


class RecognitionRound(TimestampedModel):
    """A round of recognition (表彰) for a year: buyers ranked by counted purchases (direct and helped, weighted by
    the dated parameter) or sellers by benefits paid to poor households; its nomination criteria."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    subject = models.CharField(_("who is ranked"), max_length=10, choices=RecognitionSubject.choices)
    title = models.CharField(_("title"), max_length=200)
    region_prefix = models.CharField(_("region"), max_length=12, blank=True, default="")
    top_n = models.PositiveSmallIntegerField(_("nominations per group"), default=10)
    min_score_fen = models.BigIntegerField(_("minimum score (fen)"), default=0)
    weights = models.JSONField(_("weights"), default=dict)
    parameters = models.JSONField(_("policy parameter versions"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-year", "subject", "id"]
        verbose_name = _("recognition round")
        verbose_name_plural = _("recognition rounds")

    def __str__(self) -> str:
        return self.title


class Nomination(TimestampedModel):
    """A nominee of a round: a buyer organisation or a seller (market entity), its rank and the figures behind it;
    nominated → under review → approved → published (or rejected, withdrawn)."""

    round = models.ForeignKey(RecognitionRound, on_delete=models.PROTECT, related_name="nominations")
    organisation = models.ForeignKey("registry.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organisation"))
    entity = models.ForeignKey("registry.MarketEntity", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("market entity"))
    group = models.CharField(_("group"), max_length=20, choices=BuyerGroup.choices)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    score_fen = models.BigIntegerField(_("score (fen)"), default=0)
    figures = models.JSONField(_("figures"), default=dict)
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    status = models.CharField(_("status"), max_length=14, choices=NominationStatus.choices,
                              default=NominationStatus.NOMINATED, db_index=True)
    citation = models.TextField(_("citation"), blank=True)
    last_reason = models.TextField(_("latest reason"), blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["round_id", "group", "rank", "id"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(fields=["round", "organisation"], condition=models.Q(organisation__isnull=False),
                                    name="nomination_unique_organisation"),
            models.UniqueConstraint(fields=["round", "entity"], condition=models.Q(entity__isnull=False),
                                    name="nomination_unique_entity"),
            models.CheckConstraint(condition=models.Q(organisation__isnull=False) | models.Q(entity__isnull=False),
                                   name="nomination_has_nominee"),
        ]

    def __str__(self) -> str:
        return str(self.organisation or self.entity)

    @property
    def nominee(self) -> object:
        return self.organisation or self.entity


class Demonstration(TimestampedModel):
    """A demonstration enterprise (消费扶贫示范企业): nominated against the criteria of a demonstration policy (the
    eligibility decision at nomination), reviewed, designated for a period, re-checked every year, withdrawn."""

    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="demonstrations",
                               verbose_name=_("market entity"))
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="demonstrations",
                               verbose_name=_("criteria"))
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("decision at nomination"))
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    status = models.CharField(_("status"), max_length=14, choices=DemonstrationStatus.choices,
                              default=DemonstrationStatus.NOMINATED, db_index=True)
    valid_from = models.DateField(_("designated from"), null=True, blank=True)
    valid_to = models.DateField(_("designated until"), null=True, blank=True)
    last_reason = models.TextField(_("latest reason"), blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demonstration enterprise")
        verbose_name_plural = _("demonstration enterprises")

    def __str__(self) -> str:
        return f"{self.entity_id} ({self.status})"


class DemonstrationCheck(AppendOnlyModel):
    """An annual re-check of a designated demonstration enterprise against its criteria."""

    demonstration = models.ForeignKey(Demonstration, on_delete=models.PROTECT, related_name="checks")
    year = models.PositiveSmallIntegerField(_("year"))
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    at = models.DateTimeField(_("checked at"), auto_now_add=True)
    actor_name = models.CharField(_("checked by"), max_length=150, blank=True)

    class Meta:
        ordering = ["demonstration_id", "-year"]
        verbose_name = _("annual re-check")
        verbose_name_plural = _("annual re-checks")
        constraints = [models.UniqueConstraint(fields=["demonstration", "year"], name="demonstrationcheck_unique")]


class Project(TimestampedModel):
    """A supply-chain capital project (cold storage, warehouse, logistics centre, processing plant, e-commerce
    service station): where, how big, funded by whom, its milestones, its status and the entities that use it."""

    code = models.CharField(_("project code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ProjectKind.choices, db_index=True)
    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("location"))
    county_code = models.CharField(_("county code"), max_length=6, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    capacity = models.PositiveBigIntegerField(_("capacity"), default=0)
    capacity_unit = models.CharField(_("capacity unit"), max_length=20, choices=CapacityUnit.choices)
    owner = models.ForeignKey("registry.MarketEntity", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("operator"))
    status = models.CharField(_("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED,
                              db_index=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    started_on = models.DateField(_("construction started"), null=True, blank=True)
    operating_since = models.DateField(_("operating since"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["county_code", "code"]
        verbose_name = _("supply-chain project")
        verbose_name_plural = _("supply-chain projects")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectFunding(TimestampedModel):
    """The investment of one funding source in a project (integer fen)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="funding")
    source = models.CharField(_("funding source"), max_length=12, choices=FundingSource.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        ordering = ["project_id", "source"]
        verbose_name = _("project funding")
        verbose_name_plural = _("project funding")
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="projectfunding_unique_source"),
            models.CheckConstraint(condition=models.Q(amount_fen__gte=0), name="projectfunding_not_negative"),
        ]


class ProjectMilestone(TimestampedModel):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["project_id", "due_on", "id"]
        verbose_name = _("project milestone")
        verbose_name_plural = _("project milestones")


class ProjectUser(TimestampedModel):
    """A market entity that uses a project (stores, ships or processes there)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="users")
    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("market entity"))
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        ordering = ["project_id", "entity_id"]
        verbose_name = _("project user")
        verbose_name_plural = _("project users")
        constraints = [models.UniqueConstraint(fields=["project", "entity"], name="projectuser_unique")]
