"""The downloadable .xlsx template of the historical national catalogue import (issue #14)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fupin.core.xlsx import Template, choice_values

from .enums import ProductCategory
from .history_import import COLUMNS

TEMPLATES = {
    "catalogue_history": Template("catalogue_history", _("Historical catalogue"), COLUMNS, lambda: {
        "category": choice_values(ProductCategory)}, {
        "batch_date": _("YYYY-MM-DD"), "valid_from": _("YYYY-MM-DD"), "valid_to": _("YYYY-MM-DD"),
        "supplier_code": _("the 18-character unified social credit code"),
        "origin_code": _("the region code of the county, township or village of origin"),
    }),
}
