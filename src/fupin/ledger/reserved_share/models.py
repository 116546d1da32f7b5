"""Reserved share: a budget unit's declaration of its annual canteen food procurement (or its exemption).

Imported at the end of `ledger/models.py` so Django registers the model in the ledger app (its label and table stay
`ledger.CanteenDeclaration`, `ledger_canteendeclaration`). Written only by `reserved_share.services` (each change
audited with before → after)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.models import TimestampedModel

from .enums import DeclarationSource, ExemptReason


class CanteenDeclaration(TimestampedModel):
    """One unit's canteen food procurement for one year, in fen; or an exemption with its reason."""

    organisation = models.ForeignKey("registry.Organisation", on_delete=models.PROTECT,
                                     related_name="canteen_declarations", verbose_name=_("unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    canteen_food_fen = models.BigIntegerField(_("canteen food procurement (fen)"), null=True, blank=True)
    farm_produce_fen = models.BigIntegerField(_("of which farm produce (fen)"), null=True, blank=True)
    exempt_reason = models.CharField(_("exempt reason"), max_length=30, choices=ExemptReason.choices, blank=True,
                                     default="")
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    source = models.CharField(_("source"), max_length=10, choices=DeclarationSource.choices,
                              default=DeclarationSource.FORM)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("declared by"))

    class Meta:
        app_label = "ledger"
        ordering = ["-year", "organisation_id"]
        verbose_name = _("canteen procurement declaration")
        verbose_name_plural = _("canteen procurement declarations")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="canteendeclaration_unique_year"),
            models.CheckConstraint(
                condition=models.Q(exempt_reason="", canteen_food_fen__gt=0) | (
                    ~models.Q(exempt_reason="") & models.Q(canteen_food_fen__isnull=True)),
                name="canteendeclaration_amount_or_exempt",
            ),
        ]
        indexes = [models.Index(fields=["year", "organisation"])]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}"
