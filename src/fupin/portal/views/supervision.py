"""Supervision pages: the early-warning list, work plans with their targets and progress (and the target import),
period approvals with snapshots and adjustments, the problem register with the responsibility matrix, and the
assessment scorecards (ranking, export, a printable page with an SVG chart). The supervision app decides
everything (scope, rules, writes); these views read the request, call its selectors and services, and render."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from fupin.core.errors import FupinError, NotFound
from fupin.core.services import export_log
from fupin.core.tabular import save_upload, table_bytes
from fupin.core.xlsx import wants_internal
from fupin.ledger import selectors as ledger
from fupin.supervision import (
    approvals,
    imports,
    problems,
    rules,
    score_exports,
    scorecards,
    selectors,
    services,
)
from fupin.supervision.enums import (
    ApprovalStatus,
    Grade,
    Metric,
    PeriodKind,
    PlanStatus,
    ProblemCategory,
    ProblemStatus,
    ProgressStatus,
    Scheme,
)
from fupin.supervision.figures import drill_params

from ..charts import Bar, bar_chart
from ..format import choice_label, with_any, yuan
from ..forms.errors import form_error
from .shared import FilterForm, export_format, file_response, list_context, paginate, read_filters

ACCEPT = ".csv,.txt,.xlsx,.xlsm,.xls,.ods"
DRILL_FILTERS = ("year", "month", "kind", "counted", "scheme", "relation", "region", "buyer", "buyer_region")


def _this_year() -> int:
    return timezone.localdate().year


def year_choices() -> list[tuple[str, str]]:
    return [(str(y), str(y)) for y in range(_this_year() + 1, rules.FIRST_YEAR - 1, -1)]


def value_text(metric: str, value: int | None) -> str:
    """A target or figure in its unit: yuan for amounts, a per cent for shares, the number otherwise."""
    if value is None:
        return ""
    unit = rules.METRIC_UNITS.get(metric)
    if unit == "fen":
        return yuan(value)
    if unit == "bp":
        return f"{value / 100:.2f}%"
    return f"{value:,}"


def bp_text(bp: int | None) -> str:
    return "" if bp is None else f"{bp / 100:.2f}%"


def figure_link(fig: dict[str, Any], year: int) -> str:
    """Where a figure opens: the entries behind a ledger figure; the payments, products or verdicts otherwise."""
    source = fig.get("source")
    if source == "ledger":
        params = drill_params(fig)
        return reverse("portal:supervision_entries") + "?" + urlencode(params) if params else ""
    regions = fig.get("regions") or []
    if source == "linkage":
        return reverse("portal:linkage_payments") + "?" + urlencode(
            {"year": year, **({"region": regions[0]} if len(regions) == 1 else {})})
    if source == "certification":
        return reverse("portal:cert_products") + "?status=certified"
    return reverse("portal:ledger_reserved_share") + "?" + urlencode({"year": year})


def figure_row(fig: dict[str, Any], year: int) -> dict[str, Any]:
    m = fig["metric"]
    return {**fig, "metric_label": choice_label(Metric, m), "scheme_label": choice_label(Scheme, fig["scheme"]),
            "target_text": value_text(m, fig.get("target")), "actual_text": value_text(m, fig.get("actual")),
            "expected_text": value_text(m, fig.get("expected")), "ratio_text": bp_text(fig.get("ratio_bp")),
            "status_label": choice_label(ProgressStatus, fig.get("status")) if fig.get("status") else "",
            "href": figure_link(fig, year), "missed": int(fig.get("actual") or 0) < int(fig.get("target") or 0)}


RENAMED = {"sub_unit_id": "sub_unit", "assigned_ids": "assigned", "body_id": "body"}


def _errors(form: forms.Form, exc: FupinError) -> None:
    """A refusal shown on the form at the field it names (portal's one way, `form_error`); a 403 is re-raised."""
    form_error(form, exc, fields={**{name: name for name in form.fields}, **RENAMED})


def _message_error(request, exc: FupinError) -> None:
    """A refusal of a button (a step) shown as a message on the page it returns to; a 403 is re-raised."""
    if exc.status == 403:
        raise exc
    messages.error(request, str(exc.message))


# -- the early-warning list ---------------------------------------------------------------------------------------
class WarningFilter(FilterForm):
    year = forms.TypedChoiceField(label=_l("Year"), choices=year_choices, coerce=int)
    as_of = forms.DateField(label=_l("As of"), widget=forms.DateInput(attrs={"type": "date"}))
    include_on_track = forms.BooleanField(label=_l("Include targets on track"))


@login_required
def home(request):
    form, f = read_filters(request, WarningFilter)
    year = f.get("year") or _this_year()
    as_of = f.get("as_of")
    if as_of is not None and not dt.date(rules.FIRST_YEAR, 1, 1) <= as_of <= dt.date(rules.LAST_YEAR, 12, 31):
        as_of = None
    lines = selectors.early_warnings(viewer=request.user, year=year, as_of=as_of,
                                     include_on_track=bool(f.get("include_on_track")))
    page = paginate(request, lines)
    rows = [{"plan": w.plan, **figure_row(w.figure, year)} for w in page.object_list]
    return render(request, "portal/supervision/home.html", list_context(request, page, form=form, rows=rows,
                                                                         year=year))


# -- plans --------------------------------------------------------------------------------------------------------
class PlanFilter(FilterForm):
    year = forms.TypedChoiceField(label=_l("Year"), choices=lambda: [("", _l("any")), *year_choices()], coerce=int)
    status = forms.ChoiceField(label=_l("Status"), choices=with_any(PlanStatus.choices))


class PlanForm(forms.Form):
    body = forms.IntegerField(label=_l("Body (organisation id)"), min_value=1, max_value=2**63 - 1)
    year = forms.TypedChoiceField(label=_l("Year"), choices=year_choices, coerce=int)
    letter_ref = forms.CharField(label=_l("Responsibility letter"), max_length=200, required=False)


class TargetForm(forms.Form):
    metric = forms.ChoiceField(label=_l("Metric"), choices=Metric.choices)
    value = forms.CharField(label=_l("Target (yuan, a number, or a per cent)"), max_length=40)
    scheme = forms.ChoiceField(label=_l("Scheme"), choices=[("", _l("none: the body's own")), *Scheme.choices],
                               required=False)
    region_code = forms.RegexField(label=_l("Paired region (code)"), regex=r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$",
                                   required=False, max_length=12)
    sub_unit = forms.IntegerField(label=_l("Subordinate unit (organisation id)"), min_value=1, max_value=2**63 - 1,
                                  required=False)
    note = forms.CharField(label=_l("Note"), max_length=300, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_l("Reason"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def plan_list(request):
    form, f = read_filters(request, PlanFilter)
    create = PlanForm(request.POST or None, initial={"year": _this_year()})
    if request.method == "POST" and create.is_valid():
        d = create.cleaned_data
        try:
            plan = services.plan_create(body_id=d["body"], year=d["year"], letter_ref=d["letter_ref"],
                                        actor=request.user)
        except FupinError as exc:
            _errors(create, exc)
        else:
            messages.success(request, _("The work plan is created as a draft."))
            return redirect("portal:supervision_plan", plan.pk)
    page = paginate(request, selectors.plan_list(viewer=request.user, year=f.get("year"), status=f.get("status")))
    return render(request, "portal/supervision/plan_list.html", list_context(
        request, page, form=form, create=create, status_labels=dict(PlanStatus.choices)),
        status=422 if request.method == "POST" else 200)


def _target_rows(plan: Any) -> list[dict[str, Any]]:
    if plan.status == PlanStatus.APPROVED:
        figs = selectors.progress(plan=plan)
    else:
        figs = selectors.target_figures(plan=plan, window=selectors.Window(plan.year))
    return [figure_row(f, plan.year) for f in figs]


@login_required
def plan_detail(request, pk: int):
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    form = TargetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            errors: list[Any] = []
            value = imports.parse_value(d["metric"], d["value"], 0, errors)
            if errors:
                form.add_error("value", errors[0].message)
            else:
                try:
                    services.target_set(plan=plan, metric=d["metric"], value=value, scheme=d["scheme"] or "",
                                        region_code=d["region_code"] or "", sub_unit_id=d["sub_unit"],
                                        note=d["note"], actor=request.user)
                except FupinError as exc:
                    _errors(form, exc)
                else:
                    messages.success(request, _("The target is saved."))
                    return redirect("portal:supervision_plan", plan.pk)
    return render(request, "portal/supervision/plan_detail.html", {
        "plan": plan, "rows": _target_rows(plan), "form": form, "reason_form": ReasonForm(),
        "editable": plan.status in rules.EDITABLE_PLAN, "status_label": choice_label(PlanStatus, plan.status),
        "chain": [_step_name(s) for s in selectors.approval_chain(body=plan.body)],
    }, status=status)


def _step_name(step: int | None) -> str:
    from fupin.supervision.policy import step_name

    return step_name(step)


PLAN_ACTIONS = {"submit", "approve", "return", "revise"}


@login_required
@require_POST
def plan_action(request, pk: int, action: str):
    if action not in PLAN_ACTIONS:
        raise NotFound()
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    reason = ReasonForm(request.POST).data.get("reason", "")[:2000]
    try:
        if action == "submit":
            plan = services.plan_submit(plan=plan, actor=request.user)
        elif action == "approve":
            plan = services.plan_approve(plan=plan, actor=request.user)
        elif action == "return":
            plan = services.plan_return(plan=plan, reason=reason, actor=request.user)
        else:
            plan = services.plan_revise(plan=plan, reason=reason, actor=request.user)
    except FupinError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, _("Plan %(plan)s: %(status)s.") % {"plan": plan,
                                                                       "status": choice_label(PlanStatus, plan.status)})
    return redirect("portal:supervision_plan", plan.pk)


class ImportForm(forms.Form):
    file = forms.FileField(label=_l("File (.csv or .xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
    dry_run = forms.BooleanField(label=_l("Dry run: check the file and show the report, write nothing"),
                                 required=False)


@login_required
def plan_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower() or ".csv"
        path = None
        try:
            path = save_upload(upload, suffix=suffix)
            report = imports.target_import(path=path, file_name=upload.name, actor=request.user,
                                           dry_run=form.cleaned_data["dry_run"]).as_dict(max_errors=500)
        except FupinError as exc:
            form.add_error("file", str(exc.message))
        finally:
            if path is not None:
                path.unlink(missing_ok=True)
    return render(request, "portal/supervision/import.html", {"form": form, "report": report,
                                                              "columns": imports.COLUMNS},
                  status=422 if request.method == "POST" and report is None else 200)


# -- the entries behind a figure ----------------------------------------------------------------------------------
@login_required
def entries(request):
    """The entries behind a supervision figure: the account's filters of the figure (year, months, kind, scheme,
    relations, region, buyer or buyers' region), scoped to the viewer by the ledger."""
    f = {k: request.GET[k] for k in DRILL_FILTERS if request.GET.get(k)}
    side = "buyer" if request.GET.get("side") == "buyer" else "origin"
    try:
        qs = ledger.entries_for(viewer=request.user, filters=f, side=side)
        total = ledger.entries_total(viewer=request.user, filters=f, side=side)
    except FupinError as exc:
        return render(request, "portal/supervision/entries.html", {"error": exc.message, "rows": [], "filters": f},
                      status=422)
    page = paginate(request, qs)
    rows = [{"e": e, "amount": yuan(e.amount_fen)} for e in page.object_list]
    return render(request, "portal/supervision/entries.html", list_context(
        request, page, rows=rows, filters=f, total=yuan(total["amount_fen"]), side=side))


# -- approvals ----------------------------------------------------------------------------------------------------
class ApprovalFilter(FilterForm):
    year = forms.TypedChoiceField(label=_l("Year"), choices=lambda: [("", _l("any")), *year_choices()], coerce=int)
    status = forms.ChoiceField(label=_l("Status"), choices=with_any(ApprovalStatus.choices))
    awaiting = forms.BooleanField(label=_l("Waiting for my decision"))


class SubmitForm(forms.Form):
    body = forms.IntegerField(label=_l("Reporting body (organisation id)"), min_value=1, max_value=2**63 - 1)
    year = forms.TypedChoiceField(label=_l("Year"), choices=year_choices, coerce=int)
    period_kind = forms.ChoiceField(label=_l("Period"), choices=PeriodKind.choices)
    number = forms.IntegerField(label=_l("Month or quarter"), min_value=1, max_value=12, initial=1)


@login_required
def approval_list(request):
    form, f = read_filters(request, ApprovalFilter)
    submit = SubmitForm(request.POST if request.POST.get("form") == "submit" else None,
                        initial={"year": _this_year(), "body": getattr(request.user, "organisation_id", None)})
    if request.method == "POST":
        if request.POST.get("form") == "bulk":
            ids = [i for i in request.POST.getlist("ids") if i.isdigit()][:approvals.MAX_BULK]
            results = approvals.approval_bulk(ids=ids, actor=request.user)
            ok = sum(1 for r in results if r["ok"])
            messages.success(request, _("%(ok)d of %(n)d periods approved one step up.") % {"ok": ok, "n": len(results)})
            for r in results:
                if not r["ok"]:
                    messages.error(request, f"#{r['id']}: {r['message']}")
            return redirect("portal:supervision_approvals")
        if submit.is_valid():
            d = submit.cleaned_data
            try:
                a = approvals.approval_submit(body_id=d["body"], year=d["year"], period_kind=d["period_kind"],
                                              number=d["number"], actor=request.user)
            except FupinError as exc:
                _errors(submit, exc)
            else:
                messages.success(request, _("The period is submitted for approval."))
                return redirect("portal:supervision_approval", a.pk)
    qs = selectors.approval_list(viewer=request.user, year=f.get("year"), status=f.get("status"),
                                 awaiting=bool(f.get("awaiting")))
    page = paginate(request, qs)
    rows = [{"a": a, "period": rules.period_label(a.period_kind, a.year, a.number),
             "status_label": choice_label(ApprovalStatus, a.status), "next": _step_name(a.next_approver_id)
             if a.status in (ApprovalStatus.SUBMITTED, ApprovalStatus.ACCEPTED) else ""} for a in page.object_list]
    return render(request, "portal/supervision/approval_list.html", list_context(
        request, page, form=form, submit=submit, rows=rows), status=422 if request.method == "POST" else 200)


@login_required
def approval_detail(request, pk: int):
    a = selectors.approval_get(viewer=request.user, pk=pk)
    snap = selectors.latest_snapshot(approval=a)
    figs = snap.figures if snap else {}
    rows = [figure_row(f, a.year) for f in figs.get("targets", [])]
    adjustments = [{**figure_row(x, a.year), "approved_text": value_text(x["metric"], x["approved"]),
                    "now_text": value_text(x["metric"], x["now"]),
                    "adjustment_text": value_text(x["metric"], x["adjustment"])}
                   for x in selectors.adjustments(approval=a) if x["adjustment"]]
    prior = [{**p, "metric_label": choice_label(Metric, p["metric"]),
              "adjustment_text": value_text(p["metric"], p["adjustment"])} for p in figs.get("prior_adjustments", [])]
    return render(request, "portal/supervision/approval_detail.html", {
        "a": a, "snap": snap, "rows": rows, "adjustments": adjustments, "prior": prior,
        "period": rules.period_label(a.period_kind, a.year, a.number), "status_label": choice_label(ApprovalStatus, a.status),
        "chain": [_step_name(s) for s in a.chain or []], "locked": figs.get("locked_regions", []),
        "reason_form": ReasonForm(), "frozen": a.status in rules.FROZEN_APPROVAL,
        "open": a.status in (ApprovalStatus.SUBMITTED, ApprovalStatus.ACCEPTED),
        "next": _step_name(a.next_approver_id) if a.level < len(a.chain or []) else "",
    })


APPROVAL_ACTIONS = {"approve", "return", "unlock"}


@login_required
@require_POST
def approval_action(request, pk: int, action: str):
    if action not in APPROVAL_ACTIONS:
        raise NotFound()
    a = selectors.approval_get(viewer=request.user, pk=pk)
    reason = str(request.POST.get("reason", ""))[:2000]
    try:
        if action == "approve":
            a = approvals.approval_approve(approval=a, actor=request.user)
        elif action == "return":
            a = approvals.approval_return(approval=a, reason=reason, actor=request.user)
        else:
            a = approvals.approval_unlock(approval=a, reason=reason, actor=request.user)
    except FupinError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, _("The period is now %(status)s.") % {"status": choice_label(ApprovalStatus, a.status)})
    return redirect("portal:supervision_approval", a.pk)


# -- problems -----------------------------------------------------------------------------------------------------
class ProblemFilter(FilterForm):
    status = forms.ChoiceField(label=_l("Status"), choices=with_any(ProblemStatus.choices))
    mine = forms.BooleanField(label=_l("Assigned to my organisation"))
    overdue = forms.BooleanField(label=_l("Overdue"))
    measure = forms.TypedChoiceField(label=_l("Seed measure"), choices=[("", _l("any")), *[(str(i), str(i))
                                                                                     for i in range(1, 5)]],
                                     coerce=int)


class ProblemForm(forms.Form):
    region_code = forms.RegexField(label=_l("Region (code)"), regex=r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$", max_length=12)
    category = forms.ChoiceField(label=_l("Category"), choices=ProblemCategory.choices)
    measure = forms.TypedChoiceField(label=_l("Seed measure"), choices=[(str(i), str(i)) for i in range(1, 5)],
                                     coerce=int, initial=4)
    title = forms.CharField(label=_l("Title"), max_length=200)
    description = forms.CharField(label=_l("Description"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.CharField(label=_l("Evidence"), max_length=10_000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    cause = forms.CharField(label=_l("Cause"), max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label=_l("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    assigned = forms.CharField(label=_l("Responsible bodies (organisation ids, comma-separated; empty: from the "
                                        "responsibility matrix)"), max_length=500, required=False)


@login_required
def problem_list(request):
    form, f = read_filters(request, ProblemFilter)
    org = getattr(request.user, "organisation_id", None)
    qs = selectors.problem_list(viewer=request.user, status=f.get("status"), overdue=bool(f.get("overdue")),
                                assigned_to=org if f.get("mine") and org else None, measure=f.get("measure"))
    page = paginate(request, qs.prefetch_related("assigned"))
    today = selectors.today()
    rows = [{"p": p, "status_label": choice_label(ProblemStatus, p.status),
             "category_label": choice_label(ProblemCategory, p.category),
             "overdue": rules.is_overdue(due=p.due_date, status=p.status, today=today)} for p in page.object_list]
    return render(request, "portal/supervision/problem_list.html", list_context(request, page, form=form, rows=rows))


@login_required
def problem_new(request):
    form = ProblemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ids = [i.strip() for i in d["assigned"].split(",") if i.strip()] if d["assigned"].strip() else None
        try:
            p = problems.problem_raise(region_code=d["region_code"], category=d["category"], measure=d["measure"],
                                       title=d["title"], description=d["description"], evidence=d["evidence"],
                                       cause=d["cause"], due_date=d["due_date"], assigned_ids=ids, actor=request.user)
        except FupinError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("The problem is registered."))
            return redirect("portal:supervision_problem", p.pk)
    return render(request, "portal/supervision/problem_form.html", {"form": form},
                  status=422 if request.method == "POST" else 200)


PROBLEM_STEPS = {"act", "start", "resolve", "close", "reopen"}


@login_required
def problem_detail(request, pk: int):
    p = selectors.problem_get(viewer=request.user, pk=pk)
    if request.method == "POST":
        step = request.POST.get("step", "")
        text = str(request.POST.get("text", ""))[:10_000]
        try:
            if step == "act":
                problems.problem_act(problem=p, text=text, actor=request.user)
            elif step in PROBLEM_STEPS:
                problems.problem_transition(problem=p, name=step, reason=text, actor=request.user)
            else:
                raise NotFound()
        except NotFound:
            raise
        except FupinError as exc:
            _message_error(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("portal:supervision_problem", p.pk)
    lang_zh = (getattr(request, "LANGUAGE_CODE", "") or "").startswith("zh")
    bodies = [b["name_zh"] if lang_zh else b["name_en"]
              for b in selectors.responsible_bodies(measure=p.measure, region_code=p.region.code)] \
        if p.measure in selectors.measure_numbers() else []
    return render(request, "portal/supervision/problem_detail.html", {
        "p": p, "status_label": choice_label(ProblemStatus, p.status),
        "category_label": choice_label(ProblemCategory, p.category), "actions": p.actions.all(),
        "assigned": p.assigned.all(), "bodies": bodies,
        "overdue": rules.is_overdue(due=p.due_date, status=p.status, today=selectors.today()),
        "steps": [s for s, (allowed, _to) in rules.PROBLEM_TRANSITIONS.items() if p.status in allowed],
    })


@login_required
def matrix(request):
    version = selectors.responsibility_matrix()
    value = version.value or {}
    lang_zh = (getattr(request, "LANGUAGE_CODE", "") or "").startswith("zh")
    rows = []
    for m in value.get("measures", []):
        bodies = selectors.responsible_bodies(measure=m["number"])
        rows.append({"number": m["number"], "title": m.get("title_zh") if lang_zh else m.get("title"),
                     "bodies": [{"name": b["name_zh"] if lang_zh else b["name_en"], "org": b["organisation"]}
                                for b in bodies]})
    return render(request, "portal/supervision/matrix.html", {"rows": rows, "version": version})


# -- scorecards ---------------------------------------------------------------------------------------------------
class ScorecardFilter(FilterForm):
    year = forms.TypedChoiceField(label=_l("Year"), choices=lambda: [("", _l("any")), *year_choices()], coerce=int)
    scheme = forms.ChoiceField(label=_l("Scheme"), choices=with_any(Scheme.choices))


class ComputeForm(forms.Form):
    year = forms.TypedChoiceField(label=_l("Year"), choices=year_choices, coerce=int)
    scheme = forms.ChoiceField(label=_l("Scheme"), choices=Scheme.choices)


def _card_row(c: Any, ranks: dict[int, int]) -> dict[str, Any]:
    prev = selectors.last_year(card=c)
    return {"c": c, "rank": ranks.get(c.pk), "score": f"{c.total_centi / 100:.2f}",
            "grade_label": choice_label(Grade, c.grade), "scheme_label": choice_label(Scheme, c.scheme),
            "last": f"{prev.total_centi / 100:.2f}" if prev else "",
            "change": f"{(c.total_centi - prev.total_centi) / 100:+.2f}" if prev else "", "missed": len(c.misses)}


@login_required
def scorecard_list(request):
    form, f = read_filters(request, ScorecardFilter)
    compute = ComputeForm(request.POST or None, initial={"year": _this_year() - 1})
    if request.method == "POST" and compute.is_valid():
        try:
            results = scorecards.scorecards_compute(year=compute.cleaned_data["year"],
                                                    scheme=compute.cleaned_data["scheme"], actor=request.user)
        except FupinError as exc:
            _message_error(request, exc)
        else:
            messages.success(request, _("%(n)d scorecards computed.") % {"n": sum(1 for r in results if r["ok"])})
            for r in results:
                if not r["ok"]:
                    messages.error(request, f"#{r['body_id']}: {r['message']}")
        return redirect(reverse("portal:supervision_scorecards") + "?" + urlencode(
            {"year": compute.cleaned_data["year"], "scheme": compute.cleaned_data["scheme"]}))
    cards = selectors.scorecard_list(viewer=request.user, year=f.get("year"), scheme=f.get("scheme") or None)
    fmt = export_format(request)
    if fmt is not None:
        header, cells = scorecards.export_rows(list(cards))
        export_log(user=request.user, what="supervision scorecards", rows=len(cells), path=request.path)
        content = score_exports.xlsx(list(cards), with_internal=wants_internal(request)) if fmt == "xlsx" \
            else table_bytes(cells, header=header, fmt=fmt, sheet_title="scorecards")
        return file_response(content, filename=f"scorecards.{fmt}", fmt=fmt)
    page = paginate(request, cards)
    ranks: dict[tuple[int, str], dict[int, int]] = {}
    rows = []
    for c in page.object_list:
        ranks.setdefault((c.year, c.scheme), selectors.ranking(year=c.year, scheme=c.scheme))
        rows.append(_card_row(c, ranks[(c.year, c.scheme)]))
    return render(request, "portal/supervision/scorecard_list.html", list_context(
        request, page, form=form, compute=compute, rows=rows, export_kind="scorecards"),
        status=422 if request.method == "POST" else 200)


class AdjustForm(forms.Form):
    points = forms.DecimalField(label=_l("Points (negative to subtract)"), min_value=-100, max_value=100,
                                decimal_places=2, max_digits=5)
    reason = forms.CharField(label=_l("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class QualitativeForm(forms.Form):
    score = forms.IntegerField(label=_l("Qualitative score"), min_value=0, max_value=1000)
    reason = forms.CharField(label=_l("Reason"), max_length=2000, required=False)


def _card_context(card: Any) -> dict[str, Any]:
    ranks = selectors.ranking(year=card.year, scheme=card.scheme)
    lines = [{**line, "points": f"{line['points_centi'] / 100:.2f}", "attainment": bp_text(line["attainment_bp"]),
              "capped": bp_text(line["capped_bp"])} for line in card.lines]
    misses = [{**figure_row({**m, "region_code": m.get("region_code") or ""}, card.year)} for m in card.misses]
    chart = bar_chart([Bar(line["code"], line["points_centi"] / 100) for line in card.lines],
                      title=_("Points by indicator"), fmt=lambda v: f"{v:.2f}")
    prev = selectors.last_year(card=card)
    return {"card": card, "row": _card_row(card, ranks), "lines": lines, "misses": misses, "chart": chart,
            "adjustments": [{"at": a.at, "actor_name": a.actor_name, "points": f"{a.points_centi / 100:+.2f}",
                             "reason": a.reason} for a in card.adjustments.all()], "prev": prev, "grade_label": choice_label(Grade, card.grade),
            "scheme_label": choice_label(Scheme, card.scheme), "computed": f"{card.computed_centi / 100:.2f}",
            "adjustment": f"{card.adjustment_centi / 100:+.2f}"}


@login_required
def scorecard_detail(request, pk: int):
    card = selectors.scorecard_get(viewer=request.user, pk=pk)
    adjust = AdjustForm(request.POST if request.POST.get("form") == "adjust" else None)
    qualitative = QualitativeForm(request.POST if request.POST.get("form") == "qualitative" else None,
                                  initial={"score": card.qualitative})
    if request.method == "POST":
        try:
            if adjust.is_bound and adjust.is_valid():
                scorecards.scorecard_adjust(card=card, points_centi=int(adjust.cleaned_data["points"] * 100),
                                            reason=adjust.cleaned_data["reason"], actor=request.user)
                messages.success(request, _("The adjustment is recorded."))
                return redirect("portal:supervision_scorecard", card.pk)
            if qualitative.is_bound and qualitative.is_valid():
                scorecards.scorecard_qualitative(card=card, score=qualitative.cleaned_data["score"],
                                                 reason=qualitative.cleaned_data["reason"], actor=request.user)
                messages.success(request, _("The qualitative score is recorded."))
                return redirect("portal:supervision_scorecard", card.pk)
        except FupinError as exc:
            _message_error(request, exc)
    return render(request, "portal/supervision/scorecard_detail.html", {
        **_card_context(card), "adjust": adjust, "qualitative": qualitative,
    }, status=422 if request.method == "POST" else 200)


@login_required
def scorecard_print(request, pk: int):
    card = selectors.scorecard_get(viewer=request.user, pk=pk)
    return render(request, "portal/supervision/scorecard_print.html", _card_context(card))
