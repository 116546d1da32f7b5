"""Leadership: implementation plans (objectives by orientation, tasks with owners and deadlines) and the case
library of experiences, practices and advanced models (经验做法和典型案例) with their photos.

Statuses change only through the services (`fupin.core.audit.transition`: allowed source states, compare-and-set,
an audit entry in the same transaction)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import TimestampedModel

from .enums import CaseKind, CaseStatus, Figure, ObjectiveKind, Orientation, PlanStatus, TaskStatus


class ImplementationPlan(TimestampedModel):
    """A province's or a department's implementation plan (实施方案) for a year: its objectives and tasks."""

    body = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="implementation_plans",
                             verbose_name=_("body"))
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    orientation = models.CharField(_("orientation"), max_length=20, choices=Orientation.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT,
                              db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-year", "body_id"]
        verbose_name = _("implementation plan")
        verbose_name_plural = _("implementation plans")
        constraints = [models.UniqueConstraint(fields=["body", "year"], name="implementationplan_unique")]

    def __str__(self) -> str:
        return f"{self.body} {self.year}: {self.title}"


class Objective(TimestampedModel):
    """An objective of a plan, of a kind its orientation has; optionally measured by a platform figure."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="objectives")
    kind = models.CharField(_("objective"), max_length=30, choices=ObjectiveKind.choices)
    description = models.TextField(_("description"), blank=True)
    figure = models.CharField(_("measured by"), max_length=30, choices=Figure.choices, blank=True, default="")
    target = models.BigIntegerField(_("target"), null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "id"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints = [models.CheckConstraint(condition=models.Q(target__isnull=True) | models.Q(target__gte=0),
                                              name="objective_target_not_negative")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.plan_id})"


class PlanTask(TimestampedModel):
    """A task of a plan: an owner (a responsible body), a deadline inside the plan's year, the seed measure it
    serves, optionally a platform figure and the value to reach."""

    plan = models.ForeignKey(ImplementationPlan, on_delete=models.CASCADE, related_name="tasks")
    objective = models.ForeignKey(Objective, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks",
                                  verbose_name=_("objective"))
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="plan_tasks",
                              verbose_name=_("owner"))
    measure = models.PositiveSmallIntegerField(_("seed measure"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), db_index=True)
    figure = models.CharField(_("measured by"), max_length=30, choices=Figure.choices, blank=True, default="")
    target = models.BigIntegerField(_("target"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN,
                              db_index=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        constraints = [models.CheckConstraint(condition=models.Q(target__isnull=True) | models.Q(target__gte=0),
                                              name="plantask_target_not_negative")]

    def __str__(self) -> str:
        return self.title


class Case(TimestampedModel):
    """An experience, practice or advanced model submitted by a body, reviewed and published; it may link to a
    market entity or an assistance relation whose live figures it then shows."""

    submitted_by = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT, related_name="cases",
                                     verbose_name=_("submitted by"))
    region = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    text = models.TextField(_("text"))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    tag_text = models.CharField(max_length=400, blank=True, db_index=True,
                                help_text="the tags as ',a,b,' (for filtering on every engine)")
    entity = models.ForeignKey("registry.MarketEntity", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("linked market entity"))
    relation = models.ForeignKey("registry.AssistanceRelation", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("linked assistance relation"))
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED,
                              db_index=True)
    featured = models.BooleanField(_("featured"), default=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    review_note = models.TextField(_("review note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("case library")

    def __str__(self) -> str:
        return self.title


class CasePhoto(TimestampedModel):
    """A photo of a case, stored in the database as uploaded after its bytes were recognised as an image."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    data = models.BinaryField()
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        ordering = ["case_id", "id"]
        verbose_name = _("case photo")
        verbose_name_plural = _("case photos")

    def __str__(self) -> str:
        return self.caption or f"photo {self.pk}"


class InboxReadMark(TimestampedModel):
    """That a user has read an item of its task inbox (`fupin.leadership.inbox`). The items themselves are computed
    from the domain state each time; only this mark is stored. `key` names the item's kind, object and state, so an
    item that comes back in another state is unread again; a mark whose item has left the inbox is inert."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_read_marks")
    key = models.CharField(max_length=120)

    class Meta:
        ordering = ["user_id", "key"]
        verbose_name = _("inbox read mark")
        verbose_name_plural = _("inbox read marks")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="inboxreadmark_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key}"
