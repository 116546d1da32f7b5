"""Registry files: list exports and the imports page (upload, dry run, report, rejected rows, past runs).
Imports and exports are the registry's (`fupin.registry.imports` / `fupin.registry.exports`); these views only
pass the request on and show the result."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fupin.core import selectors as core_selectors
from fupin.core.access import require_role
from fupin.core.enums import Role
from fupin.core.errors import InvalidInput, NotFound
from fupin.core.tabular import save_upload
from fupin.registry import exports, imports
from fupin.registry.import_templates import TEMPLATES as REGISTRY_TEMPLATES
from fupin.registry.models import RegionCodeChange

from ..forms.errors import form_error
from ..forms.imports import ImportForm, import_kind_labels
from .shared import export_format, file_response, list_context, paginate

IMPORT_ROLES = (Role.CLERK, Role.ADMINISTRATOR)
READ_ROLES = (*IMPORT_ROLES, Role.AUDITOR)


# -- exports -------------------------------------------------------------------------------------------------------
def export_if_asked(request, kind: str, filters: dict[str, Any]):
    """`?export=csv|xlsx` on a registry list: the same rows (same filters, the viewer's scope) as a file."""
    fmt = export_format(request)
    if fmt is None:
        return None
    language = "zh" if (get_language() or "").startswith("zh") else "en"
    result = exports.registry_export(kind=kind, viewer=request.user, fmt=fmt, language=language, filters=filters)
    return file_response(result.content, filename=result.file_name, fmt=fmt)


def crosswalk_for(code: str) -> list[RegionCodeChange]:
    """Code changes that lead to or from this code (public reference data, like regions)."""
    return list(RegionCodeChange.objects.filter(Q(old_code=code) | Q(new_code=code)).order_by("year", "old_code")[:50])


# -- imports -------------------------------------------------------------------------------------------------------
def _runs_context(request) -> dict[str, Any]:
    page = paginate(request, core_selectors.import_runs(viewer=request.user))
    labels = import_kind_labels()
    for run in page.object_list:
        run.kind_label = labels.get(run.kind, run.kind)
    return list_context(request, page)


def _columns() -> dict[str, list[dict[str, Any]]]:
    return {kind: [{"name": c.name, "zh": c.zh, "required": c.required} for c in cols]
            for kind, cols in imports.COLUMNS.items()}


@login_required
def import_list(request):
    """GET: the upload form (clerks, administrators) and past runs (auditors see every run, read-only).
    POST: run the import (or dry run) and show its report."""
    can_import = request.user.has_role(*IMPORT_ROLES)
    require_role(request.user, *(IMPORT_ROLES if request.method == "POST" else READ_ROLES), path=request.path)
    form = ImportForm(request.POST or None, request.FILES or None) if can_import else None
    if request.method == "POST" and form is not None and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        path = None
        try:
            path = save_upload(upload, suffix=suffix)
            report = imports.registry_import(kind=form.cleaned_data["kind"], path=path, actor=request.user,
                                             file_name=upload.name, dry_run=form.cleaned_data["dry_run"])
        except InvalidInput as exc:  # a file-level problem: unreadable, wrong type, missing columns, too large
            form_error(form, exc, default="file")
        else:
            return redirect("portal:import_detail", pk=report.run_id)
        finally:
            if path is not None:
                with contextlib.suppress(OSError):
                    os.unlink(path)
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/registry/import_list.html",
                  {**_runs_context(request), "form": form, "columns": _columns(),
                   "registry_templates": [(key, REGISTRY_TEMPLATES[key].title) for key in imports.KINDS]}, status=status)


def _visible_run(request, pk: int):
    run = core_selectors.import_runs(viewer=request.user).filter(pk=pk).first()
    if run is None:
        raise NotFound()
    return run


@login_required
def import_detail(request, pk: int):
    require_role(request.user, *READ_ROLES, path=request.path)
    run = _visible_run(request, pk)
    return render(request, "portal/registry/import_detail.html", {
        "run": run, "report": run.report, "kind_label": import_kind_labels().get(run.kind, run.kind),
    })


@login_required
def import_rejected(request, pk: int):
    """The rejected rows of a run, in the input's format, with line and reason, to fix and import again."""
    require_role(request.user, *READ_ROLES, path=request.path)
    run = _visible_run(request, pk)
    if not run.rejected_file:
        raise NotFound(_("This import has no rejected rows."))
    try:
        content = imports.rejected_file_content(name=run.rejected_file)
    except OSError:
        raise NotFound(_("The file of rejected rows is no longer kept.")) from None
    fmt = "xlsx" if run.rejected_file.endswith(".xlsx") else "csv"
    stem = Path(run.file_name).stem or "import"
    return file_response(content, filename=f"{stem}-rejected.{fmt}", fmt=fmt)
