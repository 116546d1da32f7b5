"""Registry files: list exports and the imports page (upload, dry run, report, rejected rows, past runs).
Imports and exports are the registry's (`fupin.registry.imports` / `fupin.registry.exports`); these views
only pass the request on and show the result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from fupin.core import selectors as core_selectors
from fupin.core.access import require_role
from fupin.core.enums import Role
from fupin.core.errors import NotFound

from .shared import list_context, paginate

IMPORT_ROLES = (Role.CLERK, Role.ADMINISTRATOR)


def export_if_asked(request, kind: str, filters: dict):
    return None


def crosswalk_for(code: str) -> list:
    return []


@login_required
def import_list(request):
    require_role(request.user, *IMPORT_ROLES, path=request.path)
    page = paginate(request, core_selectors.import_runs(viewer=request.user))
    return render(request, "portal/registry/import_list.html", list_context(request, page))


@login_required
def import_detail(request, pk: int):
    require_role(request.user, *IMPORT_ROLES, Role.AUDITOR, path=request.path)
    run = core_selectors.import_runs(viewer=request.user).filter(pk=pk).first()
    if run is None:
        raise NotFound()
    return render(request, "portal/registry/import_detail.html", {"run": run, "report": run.report})


@login_required
def import_rejected(request, pk: int):
    raise NotFound()
