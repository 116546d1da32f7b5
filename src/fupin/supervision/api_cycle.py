"""Supervision API, the year-end cycle (`/api/v1/supervision/evaluations…`) and the statistical report forms
(`/api/v1/supervision/statistics…`). Thin: `supervision.cycle` authorises, scopes and audits.

No `from __future__ import annotations`: ninja reads the bounded types of `fupin.core.api_types` at run time."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from fupin.core.api_types import Id, QueryDate, Year, choice, file_download
from fupin.core.services import export_log

from . import cycle, rules, selectors
from .enums import EvaluationStatus, Scheme

router = Router(tags=["supervision"])

SchemeName = choice(Scheme)
StatusName = choice(EvaluationStatus, "")
Step = Literal["self_evaluation", "partner_comment", "cross_check", "report", ""]
Text = Annotated[str, Field(min_length=1, max_length=cycle.MAX_TEXT)]
Score = Annotated[int, Field(ge=0, le=100)]
FormsFormat = Literal["xlsx", "json"]


class SupervisionEvaluationIn(Schema):
    body_id: Id
    scheme: SchemeName
    year: Year
    text: Text = Field(description="the self-evaluation")
    self_score: Score | None = None


class SupervisionEvaluationTextIn(Schema):
    text: Text


class SupervisionEvaluationOut(Schema):
    id: int
    body_id: int
    body: str
    scheme: SchemeName
    year: int
    status: StatusName
    self_evaluation: str
    self_score: int | None
    partner_comments: str
    cross_check: str
    report: str
    step_due: Step
    due: dt.date | None


class SupervisionCycleLineOut(Schema):
    body_id: int
    body: str
    scheme: SchemeName
    evaluation_id: int | None
    status: StatusName
    step_due: Step = Field(description="the step the evaluation waits for ('' once the final report is in)")
    due: dt.date | None
    overdue: bool


class SupervisionStatisticsIn(Schema):
    body_id: Id
    year: Year


class SupervisionFilingOut(Schema):
    body_id: int
    body: str
    year: int
    filed: bool
    filed_at: dt.datetime | None
    digest: str
    due: dt.date
    overdue: bool


def _evaluation(ev: Any) -> dict[str, Any]:
    step = rules.cycle_step_due(status=ev.status, scheme=ev.scheme)
    return {"id": ev.pk, "body_id": ev.body_id, "body": str(ev.body), "scheme": ev.scheme, "year": ev.year,
            "status": ev.status, "self_evaluation": ev.self_evaluation, "self_score": ev.self_score,
            "partner_comments": ev.partner_comments, "cross_check": ev.cross_check, "report": ev.report,
            "step_due": step or "", "due": cycle.cycle_dates(ev.year)[step] if step else None}


def _filing(line: cycle.FilingLine, year: int) -> dict[str, Any]:
    f = line.filing
    return {"body_id": line.body.pk, "body": str(line.body), "year": year, "filed": f is not None,
            "filed_at": f.filed_at if f else None, "digest": f.digest if f else "", "due": line.due,
            "overdue": line.overdue}


@router.get("/supervision/evaluations", response=list[SupervisionCycleLineOut])
def evaluation_list(request: HttpRequest, year: Year, on: QueryDate | None = None) -> list[dict[str, Any]]:
    """Every assessed body and scheme of the year you supervise, with the step its cycle waits for, the due date of
    that step and whether it is overdue on `on` (default today): the reminders list."""
    return [{"body_id": line.body.pk, "body": str(line.body), "scheme": line.scheme,
             "evaluation_id": line.evaluation.pk if line.evaluation else None, "status": line.status,
             "step_due": line.step or "", "due": line.due, "overdue": line.overdue}
            for line in cycle.cycle_lines(viewer=request.user, year=year, on=on)]


@router.post("/supervision/evaluations", response={201: SupervisionEvaluationOut})
def evaluation_submit(request: HttpRequest, body: SupervisionEvaluationIn) -> tuple[int, dict[str, Any]]:
    """The assessed body's self-evaluation (changed by the body until the partner or an assessor acts)."""
    ev = cycle.evaluation_submit(body=selectors.body_ref(pk=body.body_id), scheme=body.scheme, year=body.year,
                                 text=body.text, self_score=body.self_score, actor=request.user)
    return 201, _evaluation(ev)


@router.get("/supervision/evaluations/{pk}", response=SupervisionEvaluationOut)
def evaluation_get(request: HttpRequest, pk: Id) -> dict[str, Any]:
    return _evaluation(cycle.evaluation_get(viewer=request.user, pk=pk))


@router.post("/supervision/evaluations/{pk}/comments", response=SupervisionEvaluationOut)
def evaluation_comment(request: HttpRequest, pk: Id, body: SupervisionEvaluationTextIn) -> dict[str, Any]:
    """The partner's comments on an east–west pair's self-evaluation (the government of a helped region)."""
    ev = cycle.evaluation_get(viewer=request.user, pk=pk)
    return _evaluation(cycle.evaluation_comment(evaluation=ev, comments=body.text, actor=request.user))


@router.post("/supervision/evaluations/{pk}/cross-check", response=SupervisionEvaluationOut)
def evaluation_cross_check(request: HttpRequest, pk: Id, body: SupervisionEvaluationTextIn) -> dict[str, Any]:
    ev = cycle.evaluation_get(viewer=request.user, pk=pk)
    return _evaluation(cycle.evaluation_cross_check(evaluation=ev, text=body.text, actor=request.user))


@router.post("/supervision/evaluations/{pk}/report", response=SupervisionEvaluationOut)
def evaluation_report(request: HttpRequest, pk: Id, body: SupervisionEvaluationTextIn) -> dict[str, Any]:
    ev = cycle.evaluation_get(viewer=request.user, pk=pk)
    return _evaluation(cycle.evaluation_report(evaluation=ev, text=body.text, actor=request.user))


@router.get("/supervision/statistics", response=list[SupervisionFilingOut])
def statistics_list(request: HttpRequest, year: Year, on: QueryDate | None = None) -> list[dict[str, Any]]:
    """Who files the year's statistical report forms among the bodies you supervise, who has filed, who is late."""
    return [_filing(line, year) for line in cycle.statistics_lines(viewer=request.user, year=year, on=on)]


@router.post("/supervision/statistics", response={201: SupervisionFilingOut})
def statistics_file(request: HttpRequest, body: SupervisionStatisticsIn) -> tuple[int, dict[str, Any]]:
    """File the year's forms as the account gives them now (kept with their digest; once per body and year)."""
    org = selectors.body_ref(pk=body.body_id)
    f = cycle.statistics_file(body=org, year=body.year, actor=request.user)
    line = cycle.FilingLine(body=org, filing=f, due=cycle.statistics_due(body.year), overdue=False)
    return 201, _filing(line, body.year)


@router.get("/supervision/statistics/{body_id}/{year}/forms",
            openapi_extra=file_download("xlsx", json=True, description="the statistical report forms"))
def statistics_forms(request: HttpRequest, body_id: Id, year: Year, format: FormsFormat = "xlsx") -> Any:  # noqa: A002
    """The body's statistical report forms of the year, generated from the account (.xlsx, or the tables as JSON)."""
    org = selectors.body_ref(pk=body_id)
    cycle.authorise_forms_read(actor=request.user, body=org)
    tables = cycle.statistics_tables(body=org, year=year)
    rows = sum(len(t) for t in tables.values())
    export_log(user=request.user, what="supervision statistics forms", rows=rows, path=request.path)
    if format == "json":
        return {"body_id": org.pk, "year": year, "digest": cycle.tables_digest(tables), "tables": tables}
    response = HttpResponse(cycle.statistics_workbook(body=org, year=year, tables=tables),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="statistics-{org.pk}-{year}.xlsx"'
    return response
