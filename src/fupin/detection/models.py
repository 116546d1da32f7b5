"""A flag: one suspected case of inflated statistics found by a detector, with its evidence, for a reviewer to
confirm or dismiss (with a reason). Found once per case (`key`); the status moves only through the services'
audited transitions (open → confirmed | dismissed)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import TimestampedModel

from .enums import FlagKind, FlagStatus


class Flag(TimestampedModel):
    kind = models.CharField(_("kind"), max_length=30, choices=FlagKind.choices, db_index=True)
    key = models.CharField(_("case key"), max_length=200, unique=True,
                           help_text=_("Names the case: the same case found again is the same flag"))
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    period = models.CharField(_("period"), max_length=30, help_text=_("The year, or the deadline a spike precedes"))
    buyer = models.ForeignKey("registry.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("buyer"))
    seller = models.ForeignKey("registry.MarketEntity", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("seller"))
    product = models.ForeignKey("certification.Product", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("product"))
    buyer_region = models.CharField(_("buyer's region"), max_length=12, blank=True, db_index=True)
    seller_region = models.CharField(_("seller's region"), max_length=12, blank=True, db_index=True)
    amount_fen = models.BigIntegerField(_("amount involved (fen)"))
    entry_ids = models.JSONField(_("entries behind the flag"), default=list)
    evidence = models.JSONField(_("evidence"), default=dict)
    parameters_version = models.ForeignKey("core.PolicyParameter", on_delete=models.PROTECT, related_name="+",
                                           verbose_name=_("parameters version"))
    status = models.CharField(_("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN,
                              db_index=True)
    disposition_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_by_name = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-year", "kind", "-amount_fen", "id"]
        verbose_name = _("detection flag")
        verbose_name_plural = _("detection flags")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} (#{self.pk})"
