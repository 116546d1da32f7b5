"""Entries: the list every figure drills down to, an entry's detail (basis, rule version, attribution per
scheme, reversal chain) and the reversal form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fupin.core.access import require_role
from fupin.core.errors import Conflict, InvalidInput, PeriodLocked
from fupin.core.services import export_log
from fupin.core.tabular import table_bytes
from fupin.core.xlsx import wants_internal
from fupin.ledger import selectors as ledger
from fupin.ledger import services
from fupin.ledger.enums import Basis, Channel, EntryStatus, Kind, NotCounted, Scheme
from fupin.ledger.rules import bases_of, quantity_text
from fupin.registry import selectors as registry

from ...forms.errors import form_error
from ...forms.ledger import EntryFilter, ReversalForm
from ..shared import export_format, file_response, list_context, paginate
from . import exports
from .common import choice_label, yuan

# Filters the entry list understands beyond the form's own fields (set by drill-down links).
EXTRA_FILTERS = ("buyers", "quarter", "product_category", "relation", "buyer_region")
EXPORT_HEADER = exports.ENTRY_CSV_HEADER  # the CSV layout (machines); the .xlsx is `exports.entries_xlsx`


def entry_filters(request) -> tuple[EntryFilter, dict[str, Any], str]:
    """The form, the selector filters and the side: `side=buyer` lists the purchases of buyers in the viewer's
    region (a buyer's account); the default is the money flowing into the viewer's region (origin)."""
    form = EntryFilter(request.GET or None)
    f = form.filters()
    side = f.pop("side", "origin")
    _codes_to_ids(request.user, form, f)
    if "counted" in f:
        f["counted"] = f["counted"] == "true"
    return form, f, side


def _codes_to_ids(viewer: Any, form: EntryFilter, f: dict[str, Any]) -> None:
    """The buyer's credit code and the seller's code (a credit code or a household's registry code) of the
    filters, as the ids the selector filters by — among the organisations and entities the viewer may see; a code
    that names none of them shows an error at its field and lists nothing."""
    buyer_code = str(f.pop("buyer_code", "")).strip().upper()
    if buyer_code:
        org = registry.organisation_list(viewer=viewer).filter(credit_code=buyer_code).first()
        if org is None:
            form.add_error("buyer_code", _("No organisation you may see has this credit code."))
            f["seller"] = 0  # no entity has id 0: the list is empty
        else:
            f["buyer"] = org.pk
    seller_code = str(f.pop("seller_code", "")).strip().upper()
    if seller_code:
        entity = registry.entity_list(viewer=viewer).filter(
            Q(credit_code=seller_code) | Q(household__registry_code=seller_code)).first()
        if entity is None:
            form.add_error("seller_code", _("No market entity or household you may see has this code."))
            f["seller"] = 0
        else:
            f["seller"] = entity.pk


def visible_sellers(viewer: Any, entries: Any) -> set[int]:
    """Sellers the viewer may see in the registry. An entry in the viewer's scope (its origin) may come from a
    seller registered elsewhere (even a household): such a seller is shown by its id only."""
    ids = {e.seller_id for e in entries}
    return set(registry.entity_list(viewer=viewer).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


def _row(e: Any, sellers: set[int] | None = None) -> dict[str, Any]:
    return {
        "entry": e, "amount": yuan(e.amount_fen), "seller_visible": sellers is None or e.seller_id in sellers,
        "kind": choice_label(Kind, e.kind),
        "channel": choice_label(Channel, e.channel), "quantity": quantity_text(e.quantity_milli),
        "basis": choice_label(Basis, e.basis) if e.basis else "",
        "not_counted": choice_label(NotCounted, e.not_counted_reason) if e.not_counted_reason else "",
    }


@login_required
def entry_list(request):
    form, f, side = entry_filters(request)
    qs = ledger.entries_for(viewer=request.user, filters=f, side=side)
    fmt = export_format(request)
    if fmt is not None:
        entries = qs.iterator(chunk_size=2000)
        if fmt == "xlsx":
            content = exports.entries_xlsx(entries, with_internal=wants_internal(request))
        else:
            content = table_bytes((exports.entry_csv_row(e) for e in entries), header=EXPORT_HEADER, fmt=fmt,
                                  sheet_title="entries")
        export_log(user=request.user, what="purchase entries", rows=qs.count(), path=request.path)
        return file_response(content, filename=f"purchase-entries.{fmt}", fmt=fmt)
    page = paginate(request, qs)
    sellers = visible_sellers(request.user, page.object_list)
    totals = ledger.entries_total(viewer=request.user, filters=f, side=side)
    return render(request, "portal/ledger/entry_list.html", list_context(
        request, page, form=form, rows=[_row(e, sellers) for e in page.object_list], export_kind="entries",
        total=yuan(totals["amount_fen"]), total_entries=totals["entries"],
        extra_filters={k: f[k] for k in EXTRA_FILTERS if k in f}, side=side,
    ))


@login_required
def entry_detail(request, pk: int):
    viewer = request.user
    entry = ledger.entry_get(viewer=viewer, pk=pk)
    chain = ledger.entry_chain(viewer=viewer, entry=entry)
    attribution = [
        {"scheme": choice_label(Scheme, scheme), "relation": rel}
        for scheme, rel in ((Scheme.DESIGNATED_ASSISTANCE, entry.rel_designated),
                            (Scheme.EAST_WEST, entry.rel_east_west),
                            (Scheme.COUNTERPART_SUPPORT, entry.rel_counterpart))
    ]
    return render(request, "portal/ledger/entry_detail.html", {
        **_row(entry, visible_sellers(viewer, [entry])), "chain": [_row(e) for e in chain], "attribution": attribution,
        "bases": [choice_label(Basis, b) for b in bases_of(entry.bases)],
        "status": choice_label(EntryStatus, entry.status),
        "can_reverse": viewer.has_role(*services.CORRECT_ROLES) and not entry.is_reversal
        and not any(e.reverses_id == entry.pk for e in chain),
        "form": ReversalForm(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def entry_reverse(request, pk: int):
    """Reverse an entry (authorised users): a reversing entry with the reason; the original stays."""
    viewer = request.user
    require_role(viewer, *services.CORRECT_ROLES, path=request.path)
    entry = ledger.entry_get(viewer=viewer, pk=pk)
    form = ReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reversal = services.purchase_reverse(entry=entry, reason=form.cleaned_data["reason"], actor=viewer)
        except (InvalidInput, Conflict, PeriodLocked) as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The entry was reversed by entry #%(id)d.") % {"id": reversal.pk})
            return redirect("portal:ledger_entry", pk=reversal.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/ledger/entry_reverse.html", {**_row(entry, set()), "form": form}, status=status)
