"""Detection's vocabularies: what a flag says was found, and where a reviewer's decision left it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FlagKind(models.TextChoices):
    """The six detectors (docs/domain/detection.md)."""

    CIRCULAR_TRADE = "circular_trade", _("Circular trade")
    DEADLINE_SPIKE = "deadline_spike", _("Spike before a deadline")
    BEYOND_CAPACITY = "beyond_capacity", _("Beyond certified capacity")
    IMPLAUSIBLE_VOLUME = "implausible_volume", _("Implausible volume for the seller")
    SPLIT_UNDER_THRESHOLD = "split_under_threshold", _("Amounts split under a threshold")
    HELPED_BEYOND_TOTAL = "helped_beyond_total", _("Helped sales above the supplier's total sales")
    TIED_CONCENTRATION = "tied_concentration", _("Purchases concentrated on tied entities")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")
