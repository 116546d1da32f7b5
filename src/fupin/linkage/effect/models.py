"""A market entity's poverty-reduction-effect decision for a year, with the facts it was judged on.

Imported at the end of `linkage/models.py` so that Django registers the model in the linkage app. Written only by
`effect.services.poverty_effect_compute` (each run audited)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import TimestampedModel


class PovertyEffectDecision(TimestampedModel):
    """Whether `entity` has an outstanding poverty-reduction effect (带贫成效突出) in `year`: judged on the facts of
    the calendar year before (`facts`: households, benefits, sales, share, discrepancy, the judged period and the
    thresholds used), the conditions not met (`unmet`) and the thresholds version (`rule_version`)."""

    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT,
                               related_name="poverty_effect_decisions", verbose_name=_("market entity"))
    year = models.PositiveSmallIntegerField(_("year"))
    qualifies = models.BooleanField(_("qualifies"), default=False)
    facts = models.JSONField(_("facts used"), default=dict)
    unmet = models.JSONField(_("conditions not met"), default=list)
    rule_version = models.ForeignKey("core.PolicyParameter", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("thresholds version"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        app_label = "linkage"
        ordering = ["-year", "entity_id"]
        verbose_name = _("poverty-reduction effect decision")
        verbose_name_plural = _("poverty-reduction effect decisions")
        constraints = [models.UniqueConstraint(fields=["entity", "year"], name="linkage_effect_entity_year")]
        indexes = [models.Index(fields=["year", "qualifies"], name="linkage_effect_year")]

    def __str__(self) -> str:
        return f"{self.entity_id}/{self.year}: {'yes' if self.qualifies else 'no'}"
