"""Registry API for loading what existed before go-live (issue #10 §7): historical household status periods and
historical region set memberships, each a multipart upload (`file`, `dry_run`) answered with the import's report.
The rejected rows are downloaded from `/registry/imports/{run_id}/rejected` like every registry import's.
Thin: the rules are in `history_import` (no `from __future__ import annotations`: see `fupin.api.system`)."""

from pathlib import Path
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from fupin.core.tabular import save_upload

from . import history_import

router = Router(tags=["registry"])


class HistoryRowErrorOut(Schema):
    line: int
    column: str
    code: str
    message: str


class HistoryImportOut(Schema):
    """The report of a history import: counts per action, each rejected row's line, column, code and message."""

    kind: str
    file_name: str
    dry_run: bool
    total: int
    accepted: int
    created: int
    updated: int
    unchanged: int
    duplicates: int
    rejected: int
    warnings: list[str]
    errors: list[HistoryRowErrorOut]
    errors_truncated: bool
    run_id: int | None
    rejected_url: str | None


def history_upload(fn: Any, request: Any, file: UploadedFile, dry_run: bool, *, rejected_url: str) -> dict[str, Any]:
    """Run a history import over an uploaded file (kept only while it runs); `rejected_url` takes the run id."""
    path = save_upload(file, suffix=Path(file.name or "upload").suffix.lower() or ".csv")
    try:
        report = fn(path=path, file_name=file.name, actor=request.user, dry_run=dry_run)
    finally:
        path.unlink(missing_ok=True)
    body = report.as_dict(max_errors=1000)
    body["rejected_url"] = rejected_url.format(run_id=report.run_id) if report.rejected else None
    return body


REJECTED_URL = "/api/v1/registry/imports/{run_id}/rejected"


@router.post("/registry/history/household-statuses", response=HistoryImportOut)
def household_history_import(request: HttpRequest, file: File[UploadedFile],
                             dry_run: Form[bool] = False) -> dict[str, Any]:
    """Historical status periods of households (a household's whole history; replaces its inferred periods, keeps
    recorded changes). County offices and administrators."""
    return history_upload(history_import.household_history_import, request, file, dry_run, rejected_url=REJECTED_URL)


@router.post("/registry/history/region-memberships", response=HistoryImportOut)
def region_membership_history_import(request: HttpRequest, file: File[UploadedFile],
                                     dry_run: Form[bool] = False) -> dict[str, Any]:
    """Historical region set memberships (poverty and lifted counties, key counties, poor and lifted villages).
    Administrators only."""
    return history_upload(history_import.region_membership_history_import, request, file, dry_run,
                          rejected_url=REJECTED_URL)
