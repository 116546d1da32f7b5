"""Interest linkage pages: indicators with charts and drill-down, contracts, benefit payments, flags, imports,
verification rounds, and a household's linkage. The linkage app decides everything (scope, rules, writes); these
views read the request, call its selectors and services, and render."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.core.access import require_role
from fupin.core.errors import FupinError, InvalidInput
from fupin.core.tabular import save_upload
from fupin.ledger import benefits
from fupin.linkage import expected, imports, indicators, sampling, selectors, services
from fupin.linkage.enums import ContractStatus, FlagKind, Mechanism, Outcome, Schedule
from fupin.registry import selectors as registry_selectors
from fupin.registry.enums import HouseholdStatus

from ..charts import Bar, Series, bar_chart, stacked_bar_chart
from ..format import choice_label, yuan, yuan_number
from ..forms.errors import form_error
from ..forms.linkage import (
    GROUP_BY_CHOICES,
    ContractFilter,
    ContractForm,
    DocumentForm,
    FlagFilter,
    ImportForm,
    IndicatorFilter,
    OutcomeForm,
    PaymentFilter,
    PaymentForm,
    RoundForm,
    TransitionForm,
    UploadForm,
)
from .shared import export_format, file_response, list_context, paginate, read_filters


def _this_year() -> int:
    return timezone.localdate().year


# the services' names of the contract and payment inputs → the form fields that show their refusals
_FIELDS = {"households": "households", "collective": "collective", "paid_on": "paid_on", "amount": "amount_yuan",
           "household": "household"}


def _form_errors(form: forms.Form, exc: FupinError) -> None:
    form_error(form, exc, fields=_FIELDS)


# -- indicators ------------------------------------------------------------------------------------------------
def _indicator_rows(rows: list[indicators.IndicatorRow], year: int, group_by: str) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        drill = f"entity={r.entity_id}" if r.entity_id else f"region={r.region_code}"
        if r.entity_id:
            down = reverse("portal:linkage_entity", args=[r.entity_id]) + f"?year={year}"
        else:
            down = reverse("portal:linkage_home") + f"?year={year}&region={r.region_code}&group_by=" + (
                "county" if group_by == "province" else "entity")
        out.append({"row": r, "total": yuan(r.total_fen), "median": yuan(r.median_fen), "collective": yuan(r.collective_fen),
                    "contracts_url": reverse("portal:linkage_contracts") + f"?year={year}&{drill}",
                    "payments_url": reverse("portal:linkage_payments") + f"?year={year}&{drill}", "down_url": down})
    return out


def _mechanism_table(total: indicators.IndicatorRow) -> list[dict[str, Any]]:
    return [{"mechanism": str(label), "linked": total.linked_by_mechanism.get(m, 0),
             "paid": yuan(total.by_mechanism_fen.get(m, 0))} for m, label in Mechanism.choices]


def _trend_chart(viewer: Any, *, region_code: str | None = None, entity_id: int | None = None) -> str:
    data = indicators.yearly_totals(viewer=viewer, region_code=region_code, entity_id=entity_id)
    years = sorted({d["year"] for d in data})
    if not years:
        return ""
    series = []
    for m, label in Mechanism.choices:
        values = [yuan_number(sum(d["total_fen"] for d in data if d["year"] == y and d["mechanism"] == m)) for y in years]
        if any(values):
            series.append(Series(str(label), values))
    return stacked_bar_chart([str(y) for y in years], series, title=_("Benefit paid by year and mechanism (yuan)"))


@login_required
def linkage_home(request):
    form, f = read_filters(request, IndicatorFilter)
    year = f.get("year") or _this_year()
    group_by = f.get("group_by") or "county"
    region = f.get("region")
    rows, total = indicators.indicators(viewer=request.user, year=year, group_by=group_by, region_code=region)
    chart = bar_chart([Bar(r.label, yuan_number(r.total_fen), d["payments_url"]) for r, d in
                       zip(rows[:20], _indicator_rows(rows[:20], year, group_by), strict=True)],
                      title=_("Benefit paid to households in %(year)s (yuan)") % {"year": year},
                      fmt=lambda v: f"{v:,.2f}")
    return render(request, "portal/linkage/home.html", {
        "form": form, "year": year, "group_by": group_by, "region": region or "",
        "group_label": dict(GROUP_BY_CHOICES).get(group_by, group_by),
        "rows": _indicator_rows(rows, year, group_by), "total": total, "total_yuan": yuan(total.total_fen),
        "median_yuan": yuan(total.median_fen), "collective_yuan": yuan(total.collective_fen),
        "mechanisms": _mechanism_table(total), "participation": indicators.participation(total),
        "chart": chart, "trend": _trend_chart(request.user, region_code=region),
        "drill": f"year={year}" + (f"&region={region}" if region else ""),
    })


@login_required
def linkage_entity(request, pk: int):
    entity = registry_selectors.entity_get(viewer=request.user, pk=pk)
    year = _year(request.GET.get("year"))
    rows, total = indicators.indicators(viewer=request.user, year=year, group_by="entity", entity_id=entity.pk)
    found = expected.flags(viewer=request.user, on=min(timezone.localdate(), dt.date(year, 12, 31)), entity_id=entity.pk)
    verification = selectors.verification_flags(entity_ids=[entity.pk]).get(entity.pk, [])
    return render(request, "portal/linkage/entity.html", {
        "entity": entity, "year": year, "total": total, "total_yuan": yuan(total.total_fen),
        "median_yuan": yuan(total.median_fen), "collective_yuan": yuan(total.collective_fen),
        "mechanisms": _mechanism_table(total), "flags": _flag_rows(found), "verification_flags": verification,
        "contracts": selectors.contract_list(viewer=request.user, entity_id=entity.pk)[:50],
        "trend": _trend_chart(request.user, entity_id=entity.pk), "extra": _ledger_extra(request.user, entity, year),
    })


def _ledger_extra(viewer: Any, entity: Any, year: int) -> dict[str, Any] | None:
    """The poor share (benefits to the poor ÷ counted sales in the account)."""
    share = benefits.poor_share(viewer=viewer, entity_ids=[entity.pk], year=year).get(entity.pk)
    if share is None:
        return None
    return {"benefit": yuan(share.benefit_fen), "sales": yuan(share.sales_fen),
            "share": f"{share.share * 100:.2f}%" if share.share is not None else "—"}


def _year(value: Any) -> int:
    """The year asked for in the query string, or this year when it is missing or out of range."""
    year = _int(value)
    return year if year is not None and 2000 <= year <= 2100 else _this_year()


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


# -- contracts -------------------------------------------------------------------------------------------------
def _contract_filters(f: dict) -> dict:
    return {"q": f.get("q"), "mechanism": f.get("mechanism"), "status": f.get("status"), "region_code": f.get("region"),
            "year": f.get("year"), "entity_id": f.get("entity"), "household_id": f.get("household")}


@login_required
def contract_list(request):
    form, f = read_filters(request, ContractFilter)
    qs = selectors.contract_list(viewer=request.user, **_contract_filters(f))
    if (fmt := export_format(request)) is not None:
        content = imports.contracts_export(contracts=qs.prefetch_related("parties__household"), fmt=fmt,
                                           language=get_language() or "en")
        return file_response(content, filename=f"linkage-contracts.{fmt}", fmt=fmt)
    page = paginate(request, qs)
    rows = [{"c": c, "mechanism": choice_label(Mechanism, c.mechanism), "status": choice_label(ContractStatus, c.status)}
            for c in page.object_list]
    return render(request, "portal/linkage/contract_list.html",
                  list_context(request, page, form=form, rows=rows, export_kind="contracts",
                               can_write=request.user.has_role(*services.WRITE_ROLES)))


def _terms_display(contract: Any) -> list[tuple[str, str]]:
    out = []
    for key, value in contract.terms.items():
        col, kind = imports.TERM_COLUMNS.get(key, (key, "text"))
        out.append((col, yuan(int(value)) if kind == "fen" else str(value)))
    return out


@login_required
def contract_detail(request, pk: int):
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    year = _year(request.GET.get("year"))
    lines = expected.expected_vs_paid(viewer=request.user, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31),
                                      on=timezone.localdate(), contract_id=contract.pk)
    payments = selectors.payment_list(viewer=request.user, contract_id=contract.pk)
    parties = list(selectors.contract_parties(contract=contract))
    purchases = []
    if contract.mechanism == Mechanism.ORDER_PURCHASE:
        purchases = [{"ln": ln, "expected": yuan(ln.expected_fen), "account": yuan(ln.account_fen),
                      "topup": yuan(ln.benefit_paid_fen), "short": yuan(ln.shortfall_fen)}
                     for ln in benefits.order_purchase_lines(viewer=request.user, year=year, contract_id=contract.pk)]
    return render(request, "portal/linkage/contract_detail.html", {
        "purchases": purchases,
        "contract": contract, "mechanism": choice_label(Mechanism, contract.mechanism),
        "status": choice_label(ContractStatus, contract.status), "schedule": choice_label(Schedule, contract.schedule),
        "terms": _terms_display(contract), "parties": parties,
        "documents": contract.documents.all(), "year": year,
        "lines": [{"ln": ln, "annual": yuan(ln.annual_fen), "due": yuan(ln.due_fen), "paid": yuan(ln.paid_fen),
                   "short": yuan(ln.shortfall_fen)} for ln in lines],
        "payments": [{"p": p} for p in payments[:100]],
        "payment_total": yuan(selectors.payment_totals(payments)["total_fen"]),
        "transitions": selectors.transitions_for(contract=contract),
        "can_write": request.user.has_role(*services.WRITE_ROLES),
        "document_form": DocumentForm(), "payment_form": PaymentForm(initial={
            "external_id": f"form-{uuid.uuid4()}", "contract": contract.code,
            "household": parties[0].household.registry_code if len(parties) == 1 else "",
            "collective": contract.collective.credit_code or "" if contract.collective is not None else ""}),
    })


@login_required
@require_POST
def contract_transition(request, pk: int):
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Choose an action."))
    action = form.cleaned_data["action"]
    kwargs: dict[str, Any] = {"contract": contract, "actor": request.user, "reason": form.cleaned_data["reason"]}
    if action == "end" and form.cleaned_data.get("ended_on"):
        kwargs["ended_on"] = form.cleaned_data["ended_on"]
    try:
        services.CONTRACT_TRANSITIONS[action](**kwargs)
        messages.success(request, _("Contract %(code)s: %(action)s done.") % {"code": contract.code, "action": action})
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    return redirect("portal:linkage_contract", pk=contract.pk)


@login_required
@require_POST
def contract_document(request, pk: int):
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        services.contract_document_add(contract=contract, title=form.cleaned_data["title"],
                                       reference=form.cleaned_data["reference"], file=form.cleaned_data.get("file"),
                                       actor=request.user)
        messages.success(request, _("Document added."))
    else:
        messages.error(request, _("The document needs a title."))
    return redirect("portal:linkage_contract", pk=contract.pk)


@login_required
def contract_new(request):
    require_role(request.user, *services.WRITE_ROLES, path=request.path)
    form = ContractForm(request.POST or None, initial={"schedule": Schedule.MONTHLY, "entity": request.GET.get("entity", "")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        entity = imports.entity_by_code(d["entity"])
        collective = imports.entity_by_code(d["collective"]) if d["collective"].strip() else None
        terms, term_errors = imports.terms_from_values(d, d["mechanism"])
        parties, party_errors = imports.parties_from_text(d["households"])
        if entity is None:
            form.add_error("entity", _("No market entity with this code."))
        if d["collective"].strip() and collective is None:
            form.add_error("collective", _("No village collective with this code."))
        for e in term_errors:
            form.add_error(e.column if e.column in form.fields else None, e.message)
        for e in party_errors:
            form.add_error("households", e.message)
        if not form.errors and entity is not None:  # a missing entity is a form error above
            try:
                contract = services.contract_create(
                    code=d["code"], entity=entity, mechanism=d["mechanism"], start_date=d["start_date"],
                    end_date=d["end_date"], terms=terms, parties=parties, collective=collective,
                    party_kind="collective" if collective else "households", schedule=d["schedule"], note=d["note"],
                    actor=request.user)
            except (InvalidInput, FupinError) as exc:
                if exc.status == 403:
                    raise
                _form_errors(form, exc)
            else:
                messages.success(request, _("Draft contract %(code)s created; activate it when signed.") % {"code": contract.code})
                return redirect("portal:linkage_contract", pk=contract.pk)
    return render(request, "portal/linkage/contract_form.html", {"form": form})


# -- payments --------------------------------------------------------------------------------------------------
@login_required
def payment_list(request):
    form, f = read_filters(request, PaymentFilter)
    qs = selectors.payment_list(viewer=request.user, contract_id=f.get("contract"), entity_id=f.get("entity"),
                                household_id=f.get("household"), mechanism=f.get("mechanism"), year=f.get("year"),
                                region_code=f.get("region"))
    if (fmt := export_format(request)) is not None:
        content = imports.payments_export(payments=qs, fmt=fmt, language=get_language() or "en")
        return file_response(content, filename=f"linkage-payments.{fmt}", fmt=fmt)
    page = paginate(request, qs)
    rows = [{"p": p, "mechanism": choice_label(Mechanism, p.mechanism)} for p in page.object_list]
    return render(request, "portal/linkage/payment_list.html",
                  list_context(request, page, form=form, rows=rows, export_kind="payments",
                               total=yuan(selectors.payment_totals(qs)["total_fen"]),
                               can_write=request.user.has_role(*services.WRITE_ROLES)))


@login_required
def payment_new(request):
    require_role(request.user, *services.WRITE_ROLES, path=request.path)
    initial = {"external_id": f"form-{uuid.uuid4()}", "contract": request.GET.get("contract", ""),
               "household": request.GET.get("household", "")}
    form = PaymentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        contract = selectors.contract_list(viewer=request.user).filter(code=d["contract"].strip()).first()
        household = selectors.household_by_code(code=d["household"]) if d["household"].strip() else None
        collective = imports.entity_by_code(d["collective"]) if d["collective"].strip() else None
        if contract is None:
            form.add_error("contract", _("No contract with this number in your scope."))
        if d["household"].strip() and household is None:
            form.add_error("household", _("No household with this registry code."))
        if d["collective"].strip() and collective is None:
            form.add_error("collective", _("No village collective with this code."))
        if not form.errors and contract is not None:  # a missing contract is a form error above
            try:
                result = services.payment_record(
                    source="form", external_id=d["external_id"], contract=contract, household=household,
                    collective=collective, paid_on=d["paid_on"], amount_fen=d["amount_yuan"], quantity=d.get("quantity"),
                    evidence_ref=d["evidence_ref"], note=d["note"], actor=request.user)
            except FupinError as exc:
                if exc.status == 403:
                    raise
                _form_errors(form, exc)
            else:
                if result.created:
                    messages.success(request, _("Payment recorded."))
                else:
                    messages.info(request, _("This payment was already recorded; nothing changed."))
                return redirect("portal:linkage_contract", pk=contract.pk)
    return render(request, "portal/linkage/payment_form.html", {"form": form})


@login_required
@require_POST
def payment_reverse(request, pk: int):
    payment = selectors.payment_get(viewer=request.user, pk=pk)
    try:
        services.payment_reverse(payment=payment, reason=request.POST.get("reason", ""), actor=request.user)
        messages.success(request, _("The payment was reversed by a new entry."))
    except FupinError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    return redirect("portal:linkage_contract", pk=payment.contract_id)


# -- flags -----------------------------------------------------------------------------------------------------
def _flag_rows(found: list[expected.Flag]) -> list[dict[str, Any]]:
    return [{"f": f, "kind": choice_label(FlagKind, f.kind), "due": yuan(f.due_fen), "paid": yuan(f.paid_fen)} for f in found]


@login_required
def flag_list(request):
    form, f = read_filters(request, FlagFilter)
    on = f.get("on") or timezone.localdate()
    found = expected.flags(viewer=request.user, on=on, region_code=f.get("region"), entity_id=f.get("entity"),
                           kinds=[f["kind"]] if f.get("kind") else None)
    counts = {str(label): sum(1 for x in found if x.kind == k) for k, label in FlagKind.choices
              if k != FlagKind.VERIFICATION_DISCREPANCY}
    page = paginate(request, found)
    return render(request, "portal/linkage/flag_list.html",
                  list_context(request, page, form=form, rows=_flag_rows(list(page.object_list)), on=on, counts=counts))


# -- imports ---------------------------------------------------------------------------------------------------
def _upload_run(request, form: UploadForm, fn: Any, **kwargs: Any) -> dict[str, Any] | None:
    """Run an import of the form's file; a refusal of the whole file (unreadable, missing columns, a completed
    round) becomes the file field's error, a missing role or scope the 403 page."""
    upload = form.cleaned_data["file"]
    path = None
    try:
        path = save_upload(upload, suffix=Path(upload.name).suffix.lower() or ".csv")
        report = fn(path=path, file_name=upload.name, actor=request.user, dry_run=form.cleaned_data["dry_run"], **kwargs)
    except FupinError as exc:
        form_error(form, exc, default="file")
        return None
    finally:
        if path is not None:
            path.unlink(missing_ok=True)
    return report.as_dict()


@login_required
def import_page(request):
    require_role(request.user, *services.WRITE_ROLES, path=request.path)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        fn = imports.contract_import if form.cleaned_data["kind"] == "contracts" else imports.payment_import
        report = _upload_run(request, form, fn)
    columns = {"contracts": imports.CONTRACT_COLUMNS, "payments": imports.PAYMENT_COLUMNS}
    return render(request, "portal/linkage/import.html", {"form": form, "report": report, "columns": columns})


# -- verification ----------------------------------------------------------------------------------------------
@login_required
def round_list(request):
    can_write = request.user.has_role(*services.WRITE_ROLES)
    form = RoundForm(request.POST or None, initial={
        "county": request.user.scope_code if request.user.scope_level == "county" else "",
        "period_start": dt.date(_this_year() - 1, 1, 1), "period_end": dt.date(_this_year() - 1, 12, 31)})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rnd = sampling.round_draw(county_code=d["county"], period_start=d["period_start"],
                                      period_end=d["period_end"], seed=d.get("seed"), actor=request.user)
        except FupinError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Sample drawn: %(n)d of %(N)d benefiting households (seed %(seed)d).")
                             % {"n": rnd.sample_size, "N": rnd.population, "seed": rnd.seed})
            return redirect("portal:linkage_round", pk=rnd.pk)
    page = paginate(request, sampling.round_list(viewer=request.user))
    return render(request, "portal/linkage/round_list.html", list_context(request, page, form=form, can_write=can_write))


def _rate_row(r: sampling.Rate) -> dict[str, Any]:
    d = r.result
    return {"r": r, "rate": f"{d.rate * 100:.1f}%", "ci": f"{d.low * 100:.1f}% – {d.high * 100:.1f}%"}


def _round_page(request, rnd: Any, *, upload_form: UploadForm | None = None, report: dict[str, Any] | None = None,
                status: int = 200):
    county, entities, threshold_id = sampling.round_rates(round=rnd)
    items: list[dict[str, Any]] = [{"i": i, "expected": yuan(i.expected_fen), "paid": yuan(i.paid_fen), "reported": yuan(i.reported_fen),
              "outcome": choice_label(Outcome, i.outcome)} for i in sampling.round_items(round=rnd)]
    return render(request, "portal/linkage/round_detail.html", {
        "round": rnd, "county_rate": _rate_row(county), "entity_rates": [_rate_row(r) for r in entities],
        "threshold_id": threshold_id, "items": items, "outcome_form": OutcomeForm(),
        "can_write": request.user.has_role(*services.WRITE_ROLES) and rnd.status == "open",
        "pending": sum(1 for i in items if i["i"].outcome == Outcome.PENDING),
        "upload_form": upload_form or UploadForm(), "report": report,
    }, status=status)


@login_required
def round_detail(request, pk: int):
    rnd = sampling.round_get(viewer=request.user, pk=pk)
    if request.GET.get("export") == "xlsx":
        content = sampling.field_list_xlsx(round=rnd, viewer=request.user, language=get_language() or "en")
        return file_response(content, filename=f"verification-{rnd.county.code}-{rnd.pk}.xlsx", fmt="xlsx")
    return _round_page(request, rnd)


@login_required
def round_outcome_import(request, pk: int):
    """POST: import the filled-in field list of the round (or dry-run it) and show the round page with the report.
    GET: the round page, at the upload form."""
    rnd = sampling.round_get(viewer=request.user, pk=pk)
    require_role(request.user, *services.WRITE_ROLES, path=request.path)
    if request.method != "POST":
        return redirect(reverse("portal:linkage_round", args=[rnd.pk]) + "#upload")
    form = UploadForm(request.POST, request.FILES)
    report = _upload_run(request, form, imports.outcome_import, round=rnd) if form.is_valid() else None
    return _round_page(request, rnd, upload_form=form, report=report, status=200 if report else 422)


@login_required
@require_POST
def item_outcome(request, pk: int):
    item = sampling.item_get(viewer=request.user, pk=pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        if "outcome" in form.errors:
            messages.error(request, _("Choose an outcome."))
        for error in form.errors.get("reported_yuan", []):
            messages.error(request, str(error))
        return redirect("portal:linkage_round", pk=item.round_id)
    d = form.cleaned_data
    try:
        sampling.item_outcome_record(item=item, outcome=d["outcome"], reported_fen=d["reported_yuan"], note=d["note"],
                                     actor=request.user)
    except FupinError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    return redirect(reverse("portal:linkage_round", args=[item.round_id]) + f"#item-{item.pk}")


@login_required
@require_POST
def round_complete(request, pk: int):
    rnd = sampling.round_get(viewer=request.user, pk=pk)
    try:
        sampling.round_complete(round=rnd, actor=request.user)
        messages.success(request, _("The round is completed; its rates now count for the flags."))
    except FupinError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    return redirect("portal:linkage_round", pk=rnd.pk)


# -- a household's linkage -------------------------------------------------------------------------------------
@login_required
def household_linkage(request, pk: int):
    data = selectors.household_linkage(viewer=request.user, household_id=pk)
    household = registry_selectors.household_get(viewer=request.user, pk=pk)
    h = dict(data["household"])
    h["status_label"] = choice_label(HouseholdStatus, h["status"])
    contracts = [{"c": row["contract"], "quantity": row["quantity"], "mechanism": choice_label(Mechanism, row["contract"].mechanism),
                  "status": choice_label(ContractStatus, row["contract"].status),
                  "visible": request.user.can_see_code(row["contract"].entity.region.code)} for row in data["contracts"]]
    payments = [{"p": p, "mechanism": choice_label(Mechanism, p.mechanism)}
                for p in data["payments"]]
    return render(request, "portal/linkage/household.html", {
        "h": h, "village": household.village, "seller": getattr(household, "seller", None),
        "contracts": contracts, "payments": payments, "total_paid": yuan(data["total_paid_fen"]),
    })

