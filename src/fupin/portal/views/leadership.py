"""Leadership pages: implementation plans (objectives by orientation, tasks with owners and deadlines, live progress,
the steps draft → submitted → approved), the department view (measures, tasks, problems), and the case library
(search and filters, submission with photos, review and publication, live figures of what a case links to). The
leadership app decides everything (scope, rules, writes); these views read the request, call its selectors and
services, and render. Text typed into a case is shown escaped (Django's autoescaping; never `|safe`)."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from fupin.core.errors import FupinError, NotFound
from fupin.leadership import rules, selectors, services
from fupin.leadership.enums import (
    CaseKind,
    CaseStatus,
    Figure,
    ObjectiveKind,
    Orientation,
    PlanStatus,
    TaskStatus,
)

from ..format import choice_label, with_any, yuan
from ..forms.errors import form_error
from .shared import FilterForm, list_context, paginate, read_filters

FIRST_YEAR = rules.FIRST_YEAR
RENAMED = {"body_id": "body", "owner_id": "owner", "objective_id": "objective", "region_code": "region_code",
           "entity_id": "entity", "relation_id": "relation", "photo": "photo"}


def _this_year() -> int:
    return timezone.localdate().year


def year_choices() -> list[tuple[str, str]]:
    return [(str(y), str(y)) for y in range(_this_year() + 1, FIRST_YEAR - 1, -1)]


def _errors(form: forms.Form, exc: FupinError) -> None:
    """A refusal shown on the form at the field it names (the portal's one way, `form_error`); a 403 is re-raised."""
    form_error(form, exc, fields={**{name: name for name in form.fields}, **RENAMED})


def _step_error(request, exc: FupinError) -> None:
    if exc.status == 403:
        raise exc
    messages.error(request, str(exc.message))


def figure_text(progress: dict[str, Any] | None, value: int | None) -> str:
    if value is None or progress is None:
        return "" if value is None else f"{value:,}"
    return yuan(value) if progress.get("money") else f"{value:,}"


def figure_href(progress: dict[str, Any] | None) -> str:
    """The entries behind a ledger figure (the supervision entries page takes the account's filters)."""
    if not progress or not progress.get("filters"):
        return ""
    params = {k: (",".join(str(x) for x in v) if isinstance(v, list) else ("true" if v is True else str(v)))
              for k, v in progress["filters"].items()}
    return reverse("portal:supervision_entries") + "?" + urlencode(params)


def _row(progress: dict[str, Any] | None, target: int | None) -> dict[str, Any]:
    bp = progress.get("progress_bp") if progress else None
    return {"actual_text": figure_text(progress, progress["actual"]) if progress else "",
            "target_text": figure_text(progress or {"money": False}, target) if target is not None else "",
            "bp_text": "" if bp is None else f"{bp / 100:.1f}%", "href": figure_href(progress),
            "figure_label": choice_label(Figure, progress["figure"]) if progress else ""}


# -- plans --------------------------------------------------------------------------------------------------------
class PlanFilter(FilterForm):
    year = forms.TypedChoiceField(label=_l("Year"), choices=lambda: [("", _("any")), *year_choices()], coerce=int)
    orientation = forms.ChoiceField(label=_l("Orientation"), choices=lambda: with_any(Orientation.choices))
    status = forms.ChoiceField(label=_l("Status"), choices=lambda: with_any(PlanStatus.choices))


class PlanForm(forms.Form):
    body = forms.IntegerField(label=_l("Body (organisation id)"), min_value=1)
    year = forms.TypedChoiceField(label=_l("Year"), choices=year_choices, coerce=int)
    title = forms.CharField(label=_l("Title"), max_length=200)
    summary = forms.CharField(label=_l("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    orientation = forms.ChoiceField(label=_l("Orientation"), required=False,
                                    choices=lambda: [("", _("as the body's region says")), *Orientation.choices])


@login_required
def plan_list(request):
    form, f = read_filters(request, PlanFilter)
    org = getattr(request.user, "organisation", None)
    create = PlanForm(request.POST or None, initial={"year": _this_year(), "body": getattr(org, "pk", None)})
    if request.method == "POST" and create.is_valid():
        d = create.cleaned_data
        try:
            plan = services.plan_create(body_id=d["body"], year=d["year"], title=d["title"], summary=d["summary"],
                                        orientation=d["orientation"], actor=request.user)
        except FupinError as exc:
            _errors(create, exc)
        else:
            messages.success(request, _("The implementation plan is created as a draft."))
            return redirect("portal:leadership_plan", plan.pk)
    page = paginate(request, selectors.plan_list(viewer=request.user, year=f.get("year"), status=f.get("status"),
                                                 orientation=f.get("orientation")))
    return render(request, "portal/leadership/plan_list.html", list_context(request, page, form=form, create=create),
                  status=422 if request.method == "POST" else 200)


class ObjectiveForm(forms.Form):
    kind = forms.ChoiceField(label=_l("Objective"))
    figure = forms.ChoiceField(label=_l("Measured by"), required=False)
    target = forms.IntegerField(label=_l("Target (fen for amounts, else a number)"), required=False, min_value=0)
    description = forms.CharField(label=_l("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, orientation: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind, figure = cast(forms.ChoiceField, self.fields["kind"]), cast(forms.ChoiceField, self.fields["figure"])
        kind.choices = [(k, choice_label(ObjectiveKind, k)) for k in selectors.allowed_objectives(orientation=orientation)]
        figure.choices = [("", _("none: followed by its tasks")), *Figure.choices]


class TaskForm(forms.Form):
    title = forms.CharField(label=_l("Task"), max_length=200)
    owner = forms.IntegerField(label=_l("Owner (organisation id)"), min_value=1)
    deadline = forms.DateField(label=_l("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    measure = forms.TypedChoiceField(label=_l("Seed measure"), required=False, coerce=int, empty_value=None,
                                     choices=[("", "—"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")])
    figure = forms.ChoiceField(label=_l("Measured by"), required=False,
                               choices=lambda: [("", _("none")), *Figure.choices])
    target = forms.IntegerField(label=_l("Target (fen for amounts, else a number)"), required=False, min_value=0)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_l("Reason"), max_length=2000, required=False,
                             widget=forms.TextInput(attrs={"placeholder": _l("reason")}))


def _plan_context(request, plan: Any, objective_form: Any = None, task_form: Any = None) -> dict[str, Any]:
    progress = selectors.plan_progress(plan=plan)
    objectives = [{**o, **_row(o["progress"], o["objective"].target),
                   "kind_label": choice_label(ObjectiveKind, o["objective"].kind)} for o in progress["objectives"]]
    tasks = [{**t, **_row(t["progress"], t["task"].target),
              "status_label": choice_label(TaskStatus, t["task"].status)} for t in progress["tasks"]]
    actions = selectors.plan_actions(viewer=request.user, plan=plan)
    return {"plan": plan, "objectives": objectives, "tasks": tasks, "actions": actions,
            "orientation_label": choice_label(Orientation, plan.orientation),
            "status_label": choice_label(PlanStatus, plan.status),
            "objective_form": objective_form or ObjectiveForm(orientation=plan.orientation),
            "task_form": task_form or TaskForm(), "reason_form": ReasonForm()}


@login_required
def plan_detail(request, pk: int):
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    objective_form = task_form = None
    status = 200
    if request.method == "POST":
        status = 422
        if request.POST.get("form") == "objective":
            objective_form = ObjectiveForm(request.POST, orientation=plan.orientation)
            if objective_form.is_valid():
                d = objective_form.cleaned_data
                try:
                    services.objective_add(plan=plan, kind=d["kind"], figure=d["figure"], target=d["target"],
                                           description=d["description"], actor=request.user)
                except FupinError as exc:
                    _errors(objective_form, exc)
                else:
                    messages.success(request, _("The objective is added."))
                    return redirect("portal:leadership_plan", plan.pk)
        else:
            task_form = TaskForm(request.POST)
            if task_form.is_valid():
                d = task_form.cleaned_data
                try:
                    services.task_add(plan=plan, title=d["title"], owner_id=d["owner"], deadline=d["deadline"],
                                      measure=d["measure"], figure=d["figure"], target=d["target"],
                                      actor=request.user)
                except FupinError as exc:
                    _errors(task_form, exc)
                else:
                    messages.success(request, _("The task is added."))
                    return redirect("portal:leadership_plan", plan.pk)
    return render(request, "portal/leadership/plan_detail.html",
                  _plan_context(request, plan, objective_form, task_form), status=status)


PLAN_ACTIONS = {"submit", "approve", "return"}
TASK_ACTIONS = set(rules.TASK_STEPS)


@login_required
@require_POST
def plan_action(request, pk: int, action: str):
    if action not in PLAN_ACTIONS:
        raise NotFound()
    plan = selectors.plan_get(viewer=request.user, pk=pk)
    reason = str(request.POST.get("reason", ""))[:2000]
    try:
        if action == "submit":
            services.plan_submit(plan=plan, actor=request.user)
        elif action == "approve":
            services.plan_approve(plan=plan, actor=request.user)
        else:
            services.plan_return(plan=plan, reason=reason, actor=request.user)
    except FupinError as exc:
        _step_error(request, exc)
    else:
        messages.success(request, _("Plan %(plan)s: %(status)s.") % {
            "plan": plan.title, "status": choice_label(PlanStatus, plan.status)})
    return redirect("portal:leadership_plan", plan.pk)


@login_required
@require_POST
def task_action(request, pk: int, action: str):
    if action not in TASK_ACTIONS:
        raise NotFound()
    task = selectors.task_get(viewer=request.user, pk=pk)
    try:
        services.task_step(task=task, step=action, reason=str(request.POST.get("reason", ""))[:2000],
                           actor=request.user)
    except FupinError as exc:
        _step_error(request, exc)
    else:
        messages.success(request, _("Task %(task)s: %(status)s.") % {
            "task": task.title, "status": choice_label(TaskStatus, task.status)})
    back = request.POST.get("next", "")
    if back == "department":
        return redirect("portal:leadership_department", task.owner_id)
    if selectors.plan_list(viewer=request.user).filter(pk=task.plan_id).exists():
        return redirect("portal:leadership_plan", task.plan_id)
    return redirect("portal:leadership_department", task.owner_id)


# -- the department view ------------------------------------------------------------------------------------------
@login_required
def department_mine(request):
    org = getattr(request.user, "organisation_id", None)
    if not org:
        raise NotFound()
    return redirect("portal:leadership_department", org)


@login_required
def department(request, pk: int):
    view = selectors.department_view(viewer=request.user, organisation_id=pk)
    today = view["today"]
    tasks = [{"task": t, "overdue": t.status == TaskStatus.OPEN and t.deadline < today,
              "status_label": choice_label(TaskStatus, t.status)} for t in view["tasks"]]
    return render(request, "portal/leadership/department.html", {**view, "task_rows": tasks})


# -- cases --------------------------------------------------------------------------------------------------------
class CaseFilter(FilterForm):
    q = forms.CharField(label=_l("Search"), max_length=100)
    kind = forms.ChoiceField(label=_l("Kind"), choices=lambda: with_any(CaseKind.choices))
    tag = forms.CharField(label=_l("Tag"), max_length=30)
    region = forms.RegexField(label=_l("Region code"), regex=r"^[0-9]{2,12}$", max_length=12)
    status = forms.ChoiceField(label=_l("Status"), choices=lambda: with_any(CaseStatus.choices))


@login_required
def case_list(request):
    form, f = read_filters(request, CaseFilter)
    page = paginate(request, selectors.case_list(viewer=request.user, q=f.get("q"), kind=f.get("kind"),
                                                 tag=f.get("tag"), region_code=f.get("region"),
                                                 status=f.get("status")))
    return render(request, "portal/leadership/case_list.html", list_context(
        request, page, form=form, tags=selectors.tag_cloud(limit=20)))


class CaseForm(forms.Form):
    region_code = forms.CharField(label=_l("Region code"), max_length=12)
    kind = forms.ChoiceField(label=_l("Kind"), choices=CaseKind.choices)
    title = forms.CharField(label=_l("Title"), max_length=rules.TITLE_MAX)
    summary = forms.CharField(label=_l("Summary"), max_length=rules.SUMMARY_MAX, required=False)
    text = forms.CharField(label=_l("Text"), max_length=rules.BODY_MAX, widget=forms.Textarea(attrs={"rows": 10}))
    tags = forms.CharField(label=_l("Tags (separated by commas)"), max_length=400, required=False)
    entity = forms.IntegerField(label=_l("Linked market entity (id)"), min_value=1, required=False)
    relation = forms.IntegerField(label=_l("Linked assistance relation (id)"), min_value=1, required=False)
    photo = forms.FileField(label=_l("Photo (PNG, JPEG, GIF or WebP)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}))


@login_required
def case_new(request):
    scope = getattr(request.user, "scope_code", "") or ""
    form = CaseForm(request.POST or None, request.FILES or None,
                    initial={"region_code": scope if len(scope) >= 6 else ""})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_submit(region_code=d["region_code"], kind=d["kind"], title=d["title"],
                                        summary=d["summary"], text=d["text"], tags=d["tags"], entity_id=d["entity"],
                                        relation_id=d["relation"], actor=request.user)
        except FupinError as exc:
            _errors(form, exc)
        else:
            if d["photo"]:
                try:
                    services.case_photo_add(case=case, file=d["photo"], actor=request.user)
                except FupinError as exc:
                    messages.error(request, _("The case is submitted, but the photo was refused: %(why)s")
                                   % {"why": exc.message})
                    return redirect("portal:leadership_case", case.pk)
            messages.success(request, _("The case is submitted for review."))
            return redirect("portal:leadership_case", case.pk)
    return render(request, "portal/leadership/case_form.html", {"form": form},
                  status=422 if request.method == "POST" else 200)


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_l("Photo (PNG, JPEG, GIF or WebP)"),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}))
    caption = forms.CharField(label=_l("Caption"), max_length=200, required=False)


def _case_context(request, case: Any, photo_form: Any = None) -> dict[str, Any]:
    figs = selectors.case_figures(case=case) if case.status == CaseStatus.PUBLISHED else None
    entity = figs["entity"] if figs else None
    relation = figs["relation"] if figs else None
    return {"case": case, "photos": list(selectors.case_photos(case=case)),
            "actions": selectors.case_actions(viewer=request.user, case=case),
            "kind_label": choice_label(CaseKind, case.kind), "status_label": choice_label(CaseStatus, case.status),
            "entity_figures": entity, "relation_figures": relation,
            "entity_href": figure_href(entity), "relation_href": figure_href(relation),
            "photo_form": photo_form or PhotoForm(), "reason_form": ReasonForm(),
            "limits": selectors.photo_limits()}


@login_required
def case_detail(request, pk: int):
    case = selectors.case_get(viewer=request.user, pk=pk)
    photo_form = None
    status = 200
    if request.method == "POST":
        status = 422
        photo_form = PhotoForm(request.POST, request.FILES)
        if photo_form.is_valid():
            try:
                services.case_photo_add(case=case, file=photo_form.cleaned_data["photo"],
                                        caption=photo_form.cleaned_data["caption"], actor=request.user)
            except FupinError as exc:
                _errors(photo_form, exc)
            else:
                messages.success(request, _("The photo is added."))
                return redirect("portal:leadership_case", case.pk)
    return render(request, "portal/leadership/case_detail.html", _case_context(request, case, photo_form),
                  status=status)


CASE_ACTIONS = {"publish", "reject", "withdraw", "feature", "unfeature"}


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    if action not in CASE_ACTIONS:
        raise NotFound()
    case = selectors.case_get(viewer=request.user, pk=pk)
    try:
        if action in ("feature", "unfeature"):
            services.case_feature(case=case, featured=action == "feature", actor=request.user)
        else:
            services.case_step(case=case, step=action, reason=str(request.POST.get("reason", ""))[:2000],
                               actor=request.user)
    except FupinError as exc:
        _step_error(request, exc)
    else:
        messages.success(request, _("Case %(case)s: %(status)s.") % {
            "case": case.title, "status": choice_label(CaseStatus, case.status)})
    return redirect("portal:leadership_case", case.pk)


@login_required
def photo(request, pk: int):
    p = selectors.photo_get(viewer=request.user, pk=pk)
    response = HttpResponse(bytes(p.data), content_type=p.content_type)
    response["Content-Disposition"] = f'inline; filename="case-photo-{p.pk}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
