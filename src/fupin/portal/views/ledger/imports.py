"""Purchase imports: the upload page (with dry run), the job page (progress while it runs — the page refreshes
itself with `<meta http-equiv="refresh">`, no JavaScript needed — then the report) and the rejected rows."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fupin.core.access import require_role
from fupin.core.enums import Role
from fupin.core.errors import InvalidInput, NotFound
from fupin.ledger import jobs, services
from fupin.ledger import selectors as ledger
from fupin.ledger.enums import JobStatus, NotCounted
from fupin.ledger.pipeline import COLUMNS

from ...forms.errors import form_error
from ...forms.ledger import PurchaseUploadForm
from ..shared import file_response, list_context, paginate
from .common import choice_label, yuan

REFRESH_SECONDS = 2


@login_required
def import_list(request):
    require_role(request.user, *services.WRITE_ROLES, Role.AUDITOR, path=request.path)
    form = PurchaseUploadForm(request.POST or None, request.FILES or None,
                              initial={"source": services.default_source(request.user)})
    if request.method == "POST":
        require_role(request.user, *services.WRITE_ROLES, path=request.path)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = services.purchase_import_create(
                    upload=upload, file_name=Path(upload.name).name, source=form.cleaned_data["source"],
                    dry_run=form.cleaned_data["dry_run"], actor=request.user, origin="file")
            except InvalidInput as exc:
                form_error(form, exc, default="file")
            else:
                jobs.start(job)
                return redirect("portal:ledger_import", pk=job.pk)
    services.import_jobs_fail_stopped()  # a job whose worker stopped shows failed
    page = paginate(request, ledger.purchase_imports(viewer=request.user))
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/ledger/import_list.html", list_context(
        request, page, form=form, columns=[{"name": c.name, "zh": c.zh, "required": c.required, "help": c.help}
                                           for c in COLUMNS],
        can_upload=request.user.has_role(*services.WRITE_ROLES),
    ), status=status)


@login_required
def import_detail(request, pk: int):
    require_role(request.user, *services.WRITE_ROLES, Role.AUDITOR, path=request.path)
    services.import_jobs_fail_stopped()  # a job whose worker stopped shows failed ("worker stopped")
    job = ledger.purchase_import_get(viewer=request.user, pk=pk)
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    report = job.report or {}
    reasons = [{"label": choice_label(NotCounted, code), "count": n}
               for code, n in sorted((report.get("not_counted_reasons") or {}).items(), key=lambda kv: -kv[1])]
    return render(request, "portal/ledger/import_detail.html", {
        "job": job, "running": running, "refresh": REFRESH_SECONDS if running else None,
        "percent": round(job.progress * 100) if job.progress is not None else None,
        "status_label": choice_label(JobStatus, job.status), "report": report, "reasons": reasons,
        "counted_amount": yuan(report.get("counted_amount_fen")) if report.get("counted_amount_fen") is not None else "",
        "accepted_amount": yuan(report.get("accepted_amount_fen")) if report.get("accepted_amount_fen") is not None
        else "",
    })


@login_required
def import_rejected(request, pk: int):
    require_role(request.user, *services.WRITE_ROLES, Role.AUDITOR, path=request.path)
    job = ledger.purchase_import_get(viewer=request.user, pk=pk)
    if not job.rejected_path:
        raise NotFound(_("This import has no rejected rows."))
    try:
        content = Path(job.rejected_path).read_bytes()
    except OSError:
        raise NotFound(_("The file of rejected rows is no longer kept.")) from None
    fmt = "xlsx" if job.rejected_path.endswith(".xlsx") else "csv"
    return file_response(content, filename=f"{Path(job.file_name).stem or 'purchases'}-rejected.{fmt}", fmt=fmt)
