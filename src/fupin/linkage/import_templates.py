"""Downloadable .xlsx templates of the linkage imports (issue #14): contracts and benefit payments. (The field
verification list of a round is its own template: the round's downloaded list, filled in.)"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fupin.core.xlsx import Template, choice_values

from .enums import ContractStatus, DividendBasis, Mechanism, Schedule, WageBasis
from .imports import CONTRACT_COLUMNS, PAYMENT_COLUMNS

HELP = {
    "start_date": _("YYYY-MM-DD"), "end_date": _("YYYY-MM-DD; empty: open-ended"), "paid_on": _("YYYY-MM-DD"),
    "amount_yuan": _("yuan, at most 2 decimals"),
}

TEMPLATES = {
    "contracts": Template("contracts", _("Linkage contracts"), CONTRACT_COLUMNS, lambda: {
        "mechanism": choice_values(Mechanism), "schedule": choice_values(Schedule),
        "wage_basis": choice_values(WageBasis), "dividend_basis": choice_values(DividendBasis),
        "status": [(ContractStatus.DRAFT.value, ContractStatus.DRAFT.label),
                   (ContractStatus.ACTIVE.value, ContractStatus.ACTIVE.label)],
    }, HELP),
    "payments": Template("payments", _("Benefit payments"), PAYMENT_COLUMNS, help=HELP),
}
