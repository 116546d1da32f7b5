"""Supervision: annual work plans with targets (versioned after approval), reporting periods approved up the
hierarchy with frozen snapshots of their figures and the ledger locks they hold, the problem register, assessment
scorecards with adjustments, the year-end self-evaluation cycle and the statistical report filings.

Statuses change only through the services (`fupin.core.audit.transition`: allowed source states, compare-and-set,
an audit entry in the same transaction)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import AppendOnlyModel, TimestampedModel

from .enums import (
    ApprovalStatus,
    EvaluationStatus,
    Grade,
    Metric,
    PeriodKind,
    PlanStatus,
    ProblemCategory,
    ProblemStatus,
    Scheme,
)


class WorkPlan(TimestampedModel):
    """A body's annual work plan (and responsibility letter): its targets for the year. Approved plans are not
    edited: a change is a new version (with its reason) that supersedes the approved one when it is approved."""

    body = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="work_plans",
                             verbose_name=_("body"))
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT,
                              db_index=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("previous version"))
    reason = models.TextField(_("reason for this version"), blank=True)
    letter_ref = models.CharField(_("responsibility letter"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-year", "body_id", "-version"]
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        constraints = [models.UniqueConstraint(fields=["body", "year", "version"], name="workplan_unique_version")]

    def __str__(self) -> str:
        return f"{self.body} {self.year} v{self.version}"


class Target(TimestampedModel):
    """One figure a plan commits to: a metric, optionally for one scheme, one paired region (county) or one
    subordinate unit (a sub-target). Money in fen, counts whole, shares in basis points."""

    plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    scheme = models.CharField(_("scheme"), max_length=30, choices=Scheme.choices, blank=True, default="")
    region = models.ForeignKey("registry.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("paired region"))
    sub_unit = models.ForeignKey("registry.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("subordinate unit"))
    value = models.BigIntegerField(_("target"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    key = models.CharField(max_length=120, help_text="metric|scheme|region code|sub-unit id (rules.target_key)")

    class Meta:
        ordering = ["plan_id", "metric", "scheme", "id"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="target_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.scheme or '*'} = {self.value}"

    @property
    def is_sub_target(self) -> bool:
        return self.region_id is not None or self.sub_unit_id is not None


class Approval(TimestampedModel):
    """A body's reporting period (month, quarter or year) on its way up the approval hierarchy. `level` counts
    the acceptances so far; the first acceptance freezes the figures (a `Snapshot`) and locks the period."""

    body = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="approvals",
                             verbose_name=_("reporting body"))
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    number = models.PositiveSmallIntegerField(_("number"), default=1)
    plan = models.ForeignKey(WorkPlan, on_delete=models.PROTECT, related_name="approvals")
    status = models.CharField(_("status"), max_length=12, choices=ApprovalStatus.choices,
                              default=ApprovalStatus.SUBMITTED, db_index=True)
    level = models.PositiveSmallIntegerField(_("acceptances so far"), default=0)
    chain = models.JSONField(_("approving bodies"), default=list,
                             help_text=_("Organisation ids in order; null is the national office"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["-year", "body_id", "period_kind", "number"]
        verbose_name = _("period approval")
        verbose_name_plural = _("period approvals")
        constraints = [models.UniqueConstraint(fields=["body", "year", "period_kind", "number"],
                                               name="approval_unique_period")]

    def __str__(self) -> str:
        from .rules import period_label

        return f"{self.body} {period_label(self.period_kind, self.year, self.number)}"

    @property
    def next_approver_id(self) -> int | None:
        chain = list(self.chain or [])
        return chain[self.level] if self.level < len(chain) else None


class Snapshot(AppendOnlyModel):
    """The figures of an approval as frozen when the period was first accepted. Never changed: anything computed
    later from the approved period reads these numbers. A re-approval after an unlock adds a new version."""

    approval = models.ForeignKey(Approval, on_delete=models.PROTECT, related_name="snapshots")
    version = models.PositiveSmallIntegerField(default=1)
    taken_at = models.DateTimeField(auto_now_add=True)
    figures = models.JSONField()
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["approval_id", "-version"]
        verbose_name = _("approved snapshot")
        verbose_name_plural = _("approved snapshots")
        constraints = [models.UniqueConstraint(fields=["approval", "version"], name="snapshot_unique_version")]

    def __str__(self) -> str:
        return f"snapshot {self.version} of approval #{self.approval_id}"


class ApprovalLock(models.Model):
    """A ledger period lock (`ledger.PeriodLock`, by id) an approval holds; `owned` when the approval took it
    (an unlock releases only owned locks no other frozen approval holds)."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="locks")
    lock_id = models.BigIntegerField(db_index=True)
    owned = models.BooleanField(default=True)
    released = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("lock held by an approval")
        verbose_name_plural = _("locks held by approvals")
        constraints = [models.UniqueConstraint(fields=["approval", "lock_id"], name="approvallock_unique")]

    def __str__(self) -> str:
        return f"lock #{self.lock_id} held by approval #{self.approval_id}"


class Problem(TimestampedModel):
    """A difficulty or problem (困难和问题) raised by a body: where, what, the evidence, the seed measure it
    concerns; assigned to responsible bodies; actions taken; open → in progress → resolved → closed (reopened)."""

    raised_by = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="problems_raised",
                                  verbose_name=_("raised by"))
    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    category = models.CharField(_("category"), max_length=20, choices=ProblemCategory.choices)
    measure = models.PositiveSmallIntegerField(_("seed measure"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    evidence = models.TextField(_("evidence"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN,
                              db_index=True)
    assigned = models.ManyToManyField("registry.Organisation", related_name="problems_assigned", blank=True,
                                      verbose_name=_("responsible bodies"))
    escalated_to = models.ForeignKey("registry.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="problems_escalated", verbose_name=_("escalated to"))
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("problem")
        verbose_name_plural = _("problem register")

    def __str__(self) -> str:
        return self.title


class ProblemAction(AppendOnlyModel):
    """An action taken on a problem (append-only)."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="actions")
    at = models.DateTimeField(auto_now_add=True)
    organisation = models.ForeignKey("registry.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    text = models.TextField(_("action"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("action taken")
        verbose_name_plural = _("actions taken")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.actor_name}: {self.text[:60]}"


class Scorecard(TimestampedModel):
    """A body's assessment for one scheme and year, computed from its approved year snapshot with the methodology
    version in force (recorded). Lines and misses are stored as computed; adjustments add with a reason."""

    body = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="scorecards",
                             verbose_name=_("assessed body"))
    scheme = models.CharField(_("scheme"), max_length=30, choices=Scheme.choices)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")
    methodology_version = models.BigIntegerField(_("methodology version"))
    lines = models.JSONField(default=list)
    misses = models.JSONField(default=list)
    inputs = models.JSONField(default=dict)
    qualitative = models.IntegerField(_("qualitative score"), null=True, blank=True)
    computed_centi = models.IntegerField(_("computed score (hundredths)"), default=0)
    adjustment_centi = models.IntegerField(_("adjustments (hundredths)"), default=0)
    total_centi = models.IntegerField(_("score (hundredths)"), default=0)
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices)

    class Meta:
        ordering = ["-year", "scheme", "-total_centi", "body_id"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [models.UniqueConstraint(fields=["body", "scheme", "year"], name="scorecard_unique")]

    def __str__(self) -> str:
        return f"{self.body} {self.scheme} {self.year}: {self.grade}"


class ScoreAdjustment(AppendOnlyModel):
    """An adjustment of a scorecard's total, in hundredths of a point, with its reason (append-only, audited)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="adjustments")
    at = models.DateTimeField(auto_now_add=True)
    points_centi = models.IntegerField()
    reason = models.TextField()
    actor_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("score adjustment")
        verbose_name_plural = _("score adjustments")

    def __str__(self) -> str:
        return f"{self.points_centi / 100:+.2f} ({self.reason[:60]})"


class Evaluation(TimestampedModel):
    """The year-end cycle of one assessed body and scheme: its self-evaluation, the partner's comments (east–west
    pairs), the assessor's cross-check and the final report."""

    body = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="evaluations")
    scheme = models.CharField(_("scheme"), max_length=30, choices=Scheme.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=20, choices=EvaluationStatus.choices,
                              default=EvaluationStatus.SELF_EVALUATED)
    self_evaluation = models.TextField(_("self-evaluation"))
    self_score = models.PositiveSmallIntegerField(_("self-assessed score"), null=True, blank=True)
    partner_comments = models.TextField(_("partner's comments"), blank=True)
    cross_check = models.TextField(_("cross-check"), blank=True)
    report = models.TextField(_("final report"), blank=True)

    class Meta:
        ordering = ["-year", "scheme", "body_id"]
        verbose_name = _("self-evaluation")
        verbose_name_plural = _("self-evaluations")
        constraints = [models.UniqueConstraint(fields=["body", "scheme", "year"], name="evaluation_unique")]

    def __str__(self) -> str:
        return f"{self.body} {self.scheme} {self.year}: {self.status}"


class StatisticsFiling(TimestampedModel):
    """An assessed body's filing of the yearly statistical report forms (generated from the account)."""

    body = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="statistics_filings")
    year = models.PositiveSmallIntegerField(_("year"))
    filed_at = models.DateTimeField(_("filed"), auto_now_add=True)
    digest = models.CharField(max_length=64)
    tables = models.JSONField(default=dict)

    class Meta:
        ordering = ["-year", "body_id"]
        verbose_name = _("statistics filing")
        verbose_name_plural = _("statistics filings")
        constraints = [models.UniqueConstraint(fields=["body", "year"], name="statisticsfiling_unique")]

    def __str__(self) -> str:
        return f"{self.body} {self.year}"
