"""The reserved share's vocabularies (Django choices): kept apart from `rules` so that the rules import no
django.db."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExemptReason(models.TextChoices):
    NO_CANTEEN = "no_canteen", _("No canteen")
    OUTSOURCED_CANTEEN = "outsourced_canteen", _("Outsourced canteen")


class ShareBase(models.TextChoices):
    CANTEEN_FOOD = "canteen_food", _("Canteen food procurement")
    CANTEEN_FARM_PRODUCE = "canteen_farm_produce", _("Canteen farm-produce procurement")


class ShareStatus(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    SHORT = "short", _("Short")
    EXEMPT = "exempt", _("Exempt")
    NOT_REQUIRED = "not_required", _("Not required")
    UNDECLARED = "undeclared", _("Not declared")


class DeclarationSource(models.TextChoices):
    FORM = "form", _("Web form")
    API = "api", _("API")
    IMPORT = "import", _("File import")
