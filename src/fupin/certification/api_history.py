"""Certification API for the historical national catalogue (issue #10 §7): a multipart upload (`file`, `dry_run`)
answered with the import's report, and the rejected rows of a run. Administrators only (the service decides).
Thin: the rules are in `history_import` (no `from __future__ import annotations`: see `fupin.api.system`)."""

from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router
from ninja.files import UploadedFile

from fupin.core import selectors as core_selectors
from fupin.core.api_types import Id, file_download
from fupin.core.errors import NotFound
from fupin.core.imports import rejected_file_content
from fupin.core.tabular import CONTENT_TYPES
from fupin.registry.api_history import HistoryImportOut, history_upload

from . import history_import

router = Router(tags=["certification"])

REJECTED_URL = "/api/v1/certification/history/imports/{run_id}/rejected"


@router.post("/certification/history/catalogue", response=HistoryImportOut)
def catalogue_history_import(request: HttpRequest, file: File[UploadedFile],
                             dry_run: Form[bool] = False) -> dict[str, Any]:
    """Products certified before go-live, with their catalogue batch and certificate validity: certified for those
    periods without the review workflow (a migration import, audited with the file's sha256). Administrators."""
    return history_upload(history_import.catalogue_history_import, request, file, dry_run, rejected_url=REJECTED_URL)


@router.get("/certification/history/imports/{int:run_id}/rejected",
            openapi_extra=file_download("csv", "xlsx", description="the rejected rows, with line and reason"))
def catalogue_history_rejected(request: HttpRequest, run_id: Id) -> HttpResponse:
    """The rejected rows of a historical catalogue import, in the file's own format, with `line` and `reason`."""
    run = core_selectors.import_runs(viewer=request.user, kind=history_import.CATALOGUE_HISTORY_IMPORT).filter(
        pk=run_id).first()
    if run is None or not run.rejected_file:
        raise NotFound(details={"import_run": run_id})
    fmt = "xlsx" if run.rejected_file.endswith(".xlsx") else "csv"
    response = HttpResponse(rejected_file_content(name=run.rejected_file), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{Path(run.file_name).stem or "import"}-rejected.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
