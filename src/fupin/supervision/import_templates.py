"""The downloadable .xlsx template of the supervision targets import (issue #14)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fupin.core.xlsx import Template, choice_values

from .enums import Metric, Scheme
from .imports import COLUMNS

TEMPLATES = {
    "targets": Template("targets", _("Targets"), COLUMNS, lambda: {
        "metric": choice_values(Metric), "scheme": choice_values(Scheme)}, {
        "body_code": _("the 18-character unified social credit code"), "year": _("a four-digit year")}),
}
