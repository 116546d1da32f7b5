"""The year-end assessment cycle and the yearly statistical report forms, as pages: the reminders list of the
cycle (every assessed body and scheme with the step it waits for and whether it is late), one evaluation with the
steps the viewer may take now, the self-evaluation form, and the filing list of the statistics forms (download the
workbook, file it). `supervision.cycle` decides everything; these views read the request and render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from fupin.core.errors import FupinError, InvalidInput
from fupin.core.services import export_log
from fupin.supervision import cycle, rules, selectors
from fupin.supervision.enums import EvaluationStatus, Scheme

from ..format import choice_label
from ..forms.errors import form_error
from .shared import FilterForm, file_response, int_param, list_context, paginate, read_filters
from .supervision import _message_error, _this_year, year_choices

STEP_LABELS = {
    "self_evaluation": _l("Self-evaluation"), "partner_comment": _l("Partner's comments"),
    "cross_check": _l("Cross-check"), "report": _l("Final report"),
}
ACTIONS = ("revise", "partner_comment", "cross_check", "report")


class YearFilter(FilterForm):
    year = forms.TypedChoiceField(label=_l("Year"), choices=year_choices, coerce=int)
    overdue = forms.BooleanField(label=_l("Only overdue"))


class EvaluationForm(forms.Form):
    text = forms.CharField(label=_l("Self-evaluation"), max_length=cycle.MAX_TEXT, widget=forms.Textarea(
        attrs={"rows": 8}))
    self_score = forms.IntegerField(label=_l("Self-assessed score (0–100)"), min_value=0, max_value=100,
                                    required=False)


class StepForm(forms.Form):
    text = forms.CharField(label=_l("Text"), max_length=cycle.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6}))


def _year(request) -> tuple[FilterForm, int, bool]:
    form, f = read_filters(request, YearFilter)
    return form, f.get("year") or _this_year() - 1, bool(f.get("overdue"))


def step_label(step: str | None) -> str:
    return str(STEP_LABELS[step]) if step else _("complete")


@login_required
def cycle_list(request):
    form, year, overdue = _year(request)
    lines = [line for own in (True, False) for line in cycle.cycle_lines(viewer=request.user, year=year, own=own)
             if line.overdue or not overdue]
    page = paginate(request, list(dict.fromkeys(lines)))
    rows = [{"line": line, "scheme_label": choice_label(Scheme, line.scheme),
             "status_label": choice_label(EvaluationStatus, line.status) if line.status else _("not submitted"),
             "step_label": step_label(line.step),
             "may_submit": line.evaluation is None and cycle.may_submit(viewer=request.user, body=line.body)}
            for line in page.object_list]
    return render(request, "portal/supervision/cycle_list.html", list_context(
        request, page, form=form, rows=rows, year=year, dates=sorted(cycle.cycle_dates(year).items(),
                                                                       key=lambda kv: kv[1]),
        step_labels={k: str(v) for k, v in STEP_LABELS.items()}))


@login_required
def evaluation_new(request):
    body_id, year, scheme = int_param(request.GET.get("body")), int_param(request.GET.get("year")), \
        request.GET.get("scheme", "")
    if body_id is None or year is None or scheme not in Scheme.values:
        raise Http404
    body = selectors.body_ref(pk=body_id)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ev = cycle.evaluation_submit(body=body, scheme=scheme, year=year, text=form.cleaned_data["text"],
                                         self_score=form.cleaned_data["self_score"], actor=request.user)
        except FupinError as exc:
            form_error(form, exc, fields={"text": "text", "self_score": "self_score", "scheme": "text"})
        else:
            messages.success(request, _("The self-evaluation is submitted."))
            return redirect("portal:supervision_evaluation", ev.pk)
    return render(request, "portal/supervision/evaluation_form.html", {
        "form": form, "body": body, "year": year, "scheme_label": choice_label(Scheme, scheme),
        "due": cycle.cycle_dates(year)["self_evaluation"]}, status=422 if request.method == "POST" else 200)


@login_required
def evaluation_detail(request, pk: int):
    ev = cycle.evaluation_get(viewer=request.user, pk=pk)
    actions = cycle.evaluation_actions(viewer=request.user, evaluation=ev)
    step = rules.cycle_step_due(status=ev.status, scheme=ev.scheme)
    return render(request, "portal/supervision/evaluation_detail.html", {
        "ev": ev, "scheme_label": choice_label(Scheme, ev.scheme),
        "status_label": choice_label(EvaluationStatus, ev.status), "step_label": step_label(step),
        "due": cycle.cycle_dates(ev.year).get(step) if step else None,
        "actions": [{"name": a, "label": step_label("self_evaluation" if a == "revise" else a),
                     "form": (EvaluationForm(initial={"text": ev.self_evaluation, "self_score": ev.self_score})
                              if a == "revise" else StepForm())} for a in actions]})


@login_required
@require_POST
def evaluation_action(request, pk: int, action: str):
    ev = cycle.evaluation_get(viewer=request.user, pk=pk)
    if action not in ACTIONS:
        raise Http404
    form = EvaluationForm(request.POST) if action == "revise" else StepForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(" ".join(str(e) for errs in form.errors.values() for e in errs))
        text = form.cleaned_data["text"]
        if action == "revise":
            cycle.evaluation_submit(body=ev.body, scheme=ev.scheme, year=ev.year, text=text,
                                    self_score=form.cleaned_data["self_score"], actor=request.user)
        elif action == "partner_comment":
            cycle.evaluation_comment(evaluation=ev, comments=text, actor=request.user)
        elif action == "cross_check":
            cycle.evaluation_cross_check(evaluation=ev, text=text, actor=request.user)
        else:
            cycle.evaluation_report(evaluation=ev, text=text, actor=request.user)
    except FupinError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("portal:supervision_evaluation", ev.pk)


@login_required
def statistics_list(request):
    form, year, overdue = _year(request)
    lines = [line for own in (True, False) for line in cycle.statistics_lines(viewer=request.user, year=year, own=own)
             if line.overdue or not overdue]
    page = paginate(request, list({line.body.pk: line for line in lines}.values()))
    rows = [{"line": line, "may_file": line.filing is None and cycle.may_submit(viewer=request.user, body=line.body)}
            for line in page.object_list]
    return render(request, "portal/supervision/statistics_list.html", list_context(
        request, page, form=form, rows=rows, year=year, due=cycle.statistics_due(year)))


@login_required
def statistics_forms(request, body_id: int, year: int):
    body = selectors.body_ref(pk=body_id)
    cycle.authorise_forms_read(actor=request.user, body=body)
    tables = cycle.statistics_tables(body=body, year=year)
    export_log(user=request.user, what="supervision statistics forms", rows=sum(len(t) for t in tables.values()),
               path=request.path)
    return file_response(cycle.statistics_workbook(body=body, year=year, tables=tables),
                         filename=f"statistics-{body.pk}-{year}.xlsx", fmt="xlsx")


@login_required
@require_POST
def statistics_file(request, body_id: int, year: int):
    body = selectors.body_ref(pk=body_id)
    try:
        cycle.statistics_file(body=body, year=year, actor=request.user)
    except FupinError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, _("The %(year)d statistics forms of %(body)s are filed.")
                         % {"year": year, "body": body})
    return redirect(reverse("portal:supervision_statistics") + f"?year={year}")
