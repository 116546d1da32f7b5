"""Downloadable .xlsx templates of the ledger imports (issue #14): purchases and canteen declarations of the
reserved share."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fupin.core.xlsx import Template, choice_values, yes_no

from .enums import Channel, EntryStatus, Kind
from .pipeline import COLUMNS
from .reserved_share.enums import ExemptReason
from .reserved_share.services import COLUMNS as DECLARATION_COLUMNS

TEMPLATES = {
    "purchases": Template("purchases", _("Purchase records"), COLUMNS, lambda: {
        "kind": choice_values(Kind), "channel": choice_values(Channel), "status": choice_values(EntryStatus),
        "evaluated": yes_no()}),
    "canteen_declarations": Template("canteen_declarations", _("Canteen declarations"), DECLARATION_COLUMNS,
                                     lambda: {"exempt_reason": choice_values(ExemptReason)}, {
                                         "buyer_code": _("the 18-character unified social credit code"),
                                         "year": _("a four-digit year")}),
}
