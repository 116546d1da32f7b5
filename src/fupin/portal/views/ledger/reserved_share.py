"""Reserved share pages: the list of units with their verdict (compliant / short / exempt / undeclared), the
declaration form and the declarations import."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import selectors as core_selectors
from fupin.core.access import require_role
from fupin.core.errors import InvalidInput, NotFound
from fupin.core.services import export_log
from fupin.core.tabular import save_upload, table_bytes
from fupin.core.xlsx import wants_internal
from fupin.ledger.reserved_share import exports as share_exports
from fupin.ledger.reserved_share import rules, selectors, services
from fupin.ledger.reserved_share.enums import DeclarationSource, ExemptReason, ShareBase, ShareStatus
from fupin.portal import charts

from ...forms.errors import form_error
from ...forms.ledger import DeclarationForm, DeclarationImportForm, ReservedShareFilter
from ..shared import export_format, file_response, paginate, query_string, read_filters
from .common import choice_label, entries_url, yuan, yuan_label, yuan_tick

MAX_UNITS_IN_FORM = 2000


def _default_year() -> int:
    return timezone.localdate().year - 1


def platform_entries_url(row: selectors.ShareRow) -> str:
    """The counted platform entries behind a unit's platform amount (the unit and its member organisations)."""
    c = row.counting
    return entries_url({
        "buyers": ",".join(str(i) for i in (row.organisation.pk, *row.member_ids)), "year": row.year,
        "channel": c.channels[0] if len(c.channels) == 1 else "", "kind": c.kinds[0] if len(c.kinds) == 1 else "",
        "counted": "true", "side": "buyer",
    })


def _display(row: selectors.ShareRow) -> dict[str, Any]:
    r, d = row.result, row.declaration
    return {
        "org": row.organisation, "status": r.status, "status_label": choice_label(ShareStatus, r.status),
        "canteen_food": yuan(d.canteen_food_fen) if d else "", "farm_produce": yuan(d.farm_produce_fen) if d else "",
        "base_label": choice_label(ShareBase, r.base) if r.base else "",
        "exempt_label": choice_label(ExemptReason, r.exempt_reason) if r.exempt_reason else "",
        "required_percent": rules.format_bp(r.required_bp), "required": yuan(r.required_fen),
        "platform": yuan(r.platform_fen), "platform_url": platform_entries_url(row),
        "achieved_percent": rules.format_bp(r.achieved_bp), "gap": yuan(r.gap_fen) if r.gap_fen else "",
        "notes": r.notes, "version": r.param_version_id, "declared": d is not None,
    }


@login_required
def share_list(request):
    form, f = read_filters(request, ReservedShareFilter)
    year = f.get("year") or _default_year()
    rows = selectors.reserved_share_list(viewer=request.user, year=year, region_code=f.get("region"),
                                         status=f.get("status"), q=f.get("q"))
    fmt = export_format(request)
    if fmt is not None:
        content = share_exports.xlsx(rows, with_internal=wants_internal(request)) if fmt == "xlsx" else table_bytes(
            selectors.export_rows(rows), header=[c for c, _zh in selectors.EXPORT_COLUMNS], fmt=fmt,
            sheet_title=f"reserved-share-{year}")
        export_log(user=request.user, what="reserved share", rows=len(rows), path=request.path)
        return file_response(content, filename=f"reserved-share-{year}.{fmt}", fmt=fmt)
    summary = selectors.reserved_share_summary(rows)
    short = [r for r in rows if r.status == ShareStatus.SHORT][:15]
    gap_chart = charts.bar_chart(
        [charts.Bar(r.organisation.name, r.result.gap_fen, platform_entries_url(r)) for r in short],
        title=_("Largest shortfalls (yuan still to buy on the 832 platform)"), fmt=yuan_label,
    ) if short else None
    status_cards = [
        {"status": s, "label": choice_label(ShareStatus, s), "count": summary["counts"][s],
         "url": query_string(request, status=s)}
        for s in (ShareStatus.COMPLIANT, ShareStatus.SHORT, ShareStatus.EXEMPT,
                  ShareStatus.UNDECLARED)
    ]
    page = paginate(request, rows)
    return render(request, "portal/ledger/reserved_share_list.html", {
        "form": form, "year": year, "rows": [_display(r) for r in page.object_list], "page_obj": page,
        "count": len(rows), "base_query": query_string(request), "summary": summary, "gap_total": yuan(summary["gap_fen"]),
        "status_cards": status_cards, "gap_chart": gap_chart, "export_kind": "reserved_share",
        "can_declare": request.user.has_role(*services.DECLARERS), "tick": yuan_tick,
    })


def _declarable_units(request) -> list[Any]:
    units = selectors.declarable_units(viewer=request.user, limit=MAX_UNITS_IN_FORM)
    own = request.user.organisation
    if own is not None and request.user.can_see_code(own.region.code) and own not in units:
        units.insert(0, own)
    return units


@login_required
def declare(request):
    require_role(request.user, *services.DECLARERS, path=request.path)
    units = _declarable_units(request)
    initial = {"year": _default_year()}
    if (unit := request.GET.get("unit", "")).isdigit():
        initial["organisation"] = int(unit)
    elif request.user.organisation_id:
        initial["organisation"] = request.user.organisation_id
    if (y := request.GET.get("year", "")).isdigit():
        initial["year"] = int(y)
    form = DeclarationForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decl = services.canteen_declaration_submit(
                organisation_id=data["organisation"], year=data["year"],
                canteen_food_fen=data["canteen_food_yuan"], farm_produce_fen=data["farm_produce_yuan"],
                exempt_reason=data["exempt_reason"], note=data["note"], source=DeclarationSource.FORM,
                actor=request.user,
            )
        except InvalidInput as exc:
            form_error(form, exc, fields={f: f for f in ("canteen_food_yuan", "farm_produce_yuan", "exempt_reason",
                                                         "year")})
        else:
            messages.success(request, _("The declaration of %(unit)s for %(year)d was saved.")
                             % {"unit": decl.organisation.name, "year": decl.year})
            return redirect(f"{_list_url()}?year={decl.year}&q={decl.organisation.credit_code or ''}")
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/ledger/reserved_share_declare.html", {"form": form, "units": units}, status=status)


def _list_url() -> str:
    from django.urls import reverse

    return reverse("portal:ledger_reserved_share")


@login_required
def declaration_import(request):
    require_role(request.user, *services.DECLARERS, path=request.path)
    form = DeclarationImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = None
        try:
            path = save_upload(upload, suffix=Path(upload.name).suffix.lower())
            report = services.canteen_declaration_import(path=path, file_name=upload.name, actor=request.user,
                                                         dry_run=form.cleaned_data["dry_run"])
        except InvalidInput as exc:
            form_error(form, exc, default="file")
        finally:
            if path is not None:
                with contextlib.suppress(OSError):
                    os.unlink(path)
    runs = core_selectors.import_runs(viewer=request.user, kind=services.IMPORT_KIND)[:20]
    status = 422 if request.method == "POST" and report is None else 200
    return render(request, "portal/ledger/reserved_share_import.html", {
        "form": form, "report": report.as_dict() if report else None, "runs": runs,
        "columns": [{"name": c.name, "zh": c.zh, "required": c.required} for c in services.COLUMNS],
    }, status=status)


@login_required
def declaration_rejected(request, pk: int):
    """The rejected rows of a declarations import, to fix and import again."""
    require_role(request.user, *services.DECLARERS, path=request.path)
    run = core_selectors.import_runs(viewer=request.user, kind=services.IMPORT_KIND).filter(pk=pk).first()
    if run is None or not run.rejected_file:
        raise NotFound(_("This import has no rejected rows."))
    try:
        with default_storage.open(run.rejected_file, "rb") as fh:
            content = fh.read()
    except OSError:
        raise NotFound(_("The file of rejected rows is no longer kept.")) from None
    fmt = "xlsx" if run.rejected_file.endswith(".xlsx") else "csv"
    return file_response(content, filename=f"{Path(run.file_name).stem or 'declarations'}-rejected.{fmt}", fmt=fmt)
