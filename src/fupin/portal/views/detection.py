"""Detection pages for reviewers: the flags of suspected inflated statistics in the viewer's scope (filters by
status, kind, year and region) and one flag with its evidence, the entries behind it and the decision (confirm, or
dismiss with a reason). The detection app decides everything (who sees, who decides, the audit); these views read
the request, call its selectors and services, and render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from fupin.core.errors import FupinError, NotFound
from fupin.detection import selectors, services
from fupin.detection.enums import FlagKind, FlagStatus

from ..format import choice_label, with_any, yuan
from .shared import FilterForm, list_context, paginate, read_filters

FIRST_YEAR = 2013

# what the evidence's keys mean (a key not named here is shown as it is)
EVIDENCE_LABELS: dict[str, Any] = {
    "leg_out": _l("The unit's purchases from the supplier"), "leg_back": _l("The supplier's purchases back"),
    "buyer": _l("Buyer"), "seller": _l("Seller"), "sellers": _l("Sellers"), "entries": _l("Entries"),
    "shared_credit_code": _l("Credit code shared by the supplier as buyer and seller"),
    "min_leg_fen": _l("Least amount of each leg"), "deadline": _l("Deadline"), "window_from": _l("Window from"),
    "window_days": _l("Days in the window"), "amount_in_window_fen": _l("Amount in the window"),
    "amount_before_fen": _l("Amount in the rest of the period"), "days_before": _l("Days in the rest of the period"),
    "daily_in_window_fen": _l("Daily amount in the window"), "daily_before_fen": _l("Daily amount before"),
    "ratio": _l("Ratio"), "ratio_threshold": _l("Ratio that flags"), "min_fen": _l("Least amount that flags"),
    "purchases_fen": _l("Purchases in the year"), "capacity_units": _l("Certified annual capacity (units)"),
    "price_fen": _l("Price per unit"), "capacity_fen": _l("Value of the annual capacity"),
    "tolerance": _l("Tolerance"), "times_capacity": _l("Times the capacity"), "sales_fen": _l("Sales in the year"),
    "seller_kind": _l("Kind of seller"), "plausible_max_fen": _l("Most a seller of its kind plausibly sells"),
    "times_plausible": _l("Times the plausible amount"), "threshold_fen": _l("Threshold"),
    "band": _l("Band under the threshold"), "parts": _l("Parts"), "first_day": _l("First day"),
    "last_day": _l("Last day"), "amounts_fen": _l("Amounts of the parts"),
    "helped_sales_fen": _l("Helped sales in the account"), "total_sales_fen": _l("Declared total sales"),
    "tied_fen": _l("Bought from tied entities"), "total_fen": _l("All purchases of the year"),
    "share": _l("Share"), "min_share": _l("Share that flags"), "tied_sellers": _l("Tied sellers"),
}


def _value(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        return [(str(EVIDENCE_LABELS.get(k, k)), _value(k, v)) for k, v in value.items()]
    if key.endswith("_fen"):
        if isinstance(value, list):
            return ", ".join(yuan(v) for v in value) + " " + _("yuan")
        return f"{yuan(value)} {_('yuan')}" if isinstance(value, int) else value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "—" if value is None else value


def evidence_rows(evidence: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    """(label, value, nested) rows of a flag's evidence, amounts in yuan."""
    rows = []
    for key, value in evidence.items():
        shown = _value(key, value)
        rows.append((str(EVIDENCE_LABELS.get(key, key)), shown, isinstance(value, dict)))
    return rows


def _year_choices() -> list[tuple[str, str]]:
    return [("", _("any"))] + [(str(y), str(y)) for y in range(timezone.localdate().year, FIRST_YEAR - 1, -1)]


class FlagFilter(FilterForm):
    status = forms.ChoiceField(label=_l("Status"), choices=lambda: with_any(FlagStatus.choices))
    kind = forms.ChoiceField(label=_l("Kind"), choices=lambda: with_any(FlagKind.choices))
    year = forms.TypedChoiceField(label=_l("Year"), choices=_year_choices, coerce=int, empty_value=None)
    region = forms.RegexField(label=_l("Region code"), regex=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$",
                              max_length=12)


@login_required
def flag_list(request):
    form, f = read_filters(request, FlagFilter)
    flags = selectors.flag_list(viewer=request.user, status=f.get("status"), kind=f.get("kind"), year=f.get("year"),
                                region=f.get("region"))
    page = paginate(request, flags)
    return render(request, "portal/detection/flag_list.html", list_context(
        request, page, form=form, counts=selectors.flag_counts(viewer=request.user)))


@login_required
def flag_detail(request, pk: int):
    flag = selectors.flag_get(viewer=request.user, pk=pk)
    return render(request, "portal/detection/flag_detail.html", {
        "flag": flag, "kind_label": choice_label(FlagKind, flag.kind),
        "status_label": choice_label(FlagStatus, flag.status), "evidence": evidence_rows(flag.evidence),
        "entries": selectors.flag_entries(viewer=request.user, flag=flag), "hidden": len(flag.entry_ids),
        "actions": selectors.flag_actions(viewer=request.user, flag=flag)})


@login_required
@require_POST
def flag_decide(request, pk: int, action: str):
    if action not in ("confirm", "dismiss"):
        raise NotFound()
    flag = selectors.flag_get(viewer=request.user, pk=pk)
    try:
        services.flag_decide(flag=flag, decision=action, reason=str(request.POST.get("reason", ""))[:2000],
                             actor=request.user)
    except FupinError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Flag %(flag)s: %(status)s.") % {
            "flag": flag.pk, "status": choice_label(FlagStatus, flag.status)})
    return redirect("portal:detection_flag", flag.pk)
