"""Reviewer pages: applications and their decisions, the review queue of the viewer's level with bulk
approval, objections, publishing a catalogue batch, the lifecycle of listed products, spot checks and the
linkage-shortfall flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from fupin.certification import rules, selectors, services, spot_checks
from fupin.certification.enums import ReviewAction, RevocationReason, SuspensionReason
from fupin.core.errors import FupinError, InvalidInput

from ...forms.certification import ApplicationFilter, ProductFilter, QueueFilter
from ..shared import int_param, list_context, paginate, read_filters
from .common import acting_banner, category_label, lines, product_status_label, status_label, yuan

ACTION_LABELS: dict[str, Any] = {
    ReviewAction.APPROVE: _l("Approve"), ReviewAction.REJECT: _l("Reject"), ReviewAction.RETURN: _l("Return for changes"),
    ReviewAction.CLOSE_NOTICE: _l("Close the public notice"),
}


def _rows(apps: Any, today: dt.date) -> list[dict[str, Any]]:
    return [{"a": a, "status": status_label(a.status), "days": selectors.days_waiting(a, today)} for a in apps]


@login_required
def application_list(request):
    form, filters = read_filters(request, ApplicationFilter)
    page = paginate(request, selectors.application_list(viewer=request.user, **filters))
    return render(request, "portal/certification/application_list.html",
                  list_context(request, page, form=form, rows=_rows(page, timezone.localdate())))


@login_required
def application_detail(request, pk: int):
    app = selectors.application_get(viewer=request.user, pk=pk)
    user = request.user
    actions = selectors.actions_for(viewer=user, application=app)
    supplier_actions = [a for a in actions if a in (ReviewAction.RESUBMIT, ReviewAction.WITHDRAW)]
    items = [{"i": i, "price": yuan(i.price_fen), "reference": yuan(i.reference_price_fen),
              "category": category_label(i.product.category)} for i in app.items.select_related("product")]
    decisions = [{"d": d, "to": status_label(d.to_status) if d.to_status else ""}
                 for d in selectors.decisions_of(application=app)]
    return render(request, "portal/certification/application_detail.html", {
        "app": app, "status": status_label(app.status), "items": items, "decisions": decisions,
        "verdicts": app.precheck, "objections": list(app.objections.all()), "days": selectors.days_waiting(app),
        "actions": [(a, ACTION_LABELS[a]) for a in actions if a in ACTION_LABELS],
        "stage_level": rules.STAGE_LEVEL.get(app.status, ""),
        "can_resubmit": ReviewAction.RESUBMIT in actions, "can_withdraw": ReviewAction.WITHDRAW in actions,
        "households": "\n".join(app.households_declared),
        "acting": acting_banner(selectors.acting_for(viewer=user, supplier=app.supplier)) if supplier_actions else None,
    })


@login_required
@require_POST
def application_decide(request, pk: int):
    app = selectors.application_get(viewer=request.user, pk=pk)
    try:
        services.application_decide(application=app, action=request.POST.get("action", ""), actor=request.user,
                                    reason=request.POST.get("reason", ""))
        messages.success(request, _("Decision recorded: %(n)s is now “%(s)s”.") % {
            "n": app.number, "s": status_label(app.status)})
    except FupinError as exc:
        messages.error(request, str(exc.message))
    return redirect("portal:cert_application", pk=app.pk)


@login_required
@require_POST
def application_supplier_action(request, pk: int):
    app = selectors.application_get(viewer=request.user, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "resubmit":
            refs = lines(request.POST.get("households", "")) if "households" in request.POST else None
            services.application_resubmit(application=app, actor=request.user, reason=request.POST.get("reason", ""),
                                          household_refs=refs)
            messages.success(request, _("Resubmitted to the county."))
        elif action == "withdraw":
            services.application_withdraw(application=app, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Application withdrawn."))
        else:
            raise InvalidInput(_("Choose an action."))
    except FupinError as exc:
        messages.error(request, str(exc.message))
    return redirect("portal:cert_application", pk=app.pk)


@login_required
def queue(request):
    form, filters = read_filters(request, QueueFilter)
    today = timezone.localdate()
    statuses = selectors.queue_statuses(viewer=request.user)
    page = paginate(request, selectors.review_queue(viewer=request.user, today=today, **filters))
    return render(request, "portal/certification/queue.html", list_context(
        request, page, form=form, rows=_rows(page, today), level=request.user.scope_level,
        statuses=[status_label(s) for s in statuses], is_reviewer=bool(statuses)))


@login_required
@require_POST
def queue_bulk(request):
    ids = [i for i in (int_param(v) for v in request.POST.getlist("ids")) if i]
    action = request.POST.get("action", ReviewAction.APPROVE)
    if not ids:
        messages.error(request, _("Tick the applications to decide."))
        return redirect("portal:cert_queue")
    try:
        results = services.application_bulk_decide(application_ids=ids, action=action, actor=request.user,
                                                   reason=request.POST.get("reason", ""))
    except FupinError as exc:
        messages.error(request, str(exc.message))
        return redirect("portal:cert_queue")
    done = [r for r in results if r["ok"]]
    if done:
        messages.success(request, _("%(n)d application(s) decided.") % {"n": len(done)})
    for r in results:
        if not r["ok"]:
            messages.error(request, f"{r.get('number', r['id'])}: {r['message']}")
    return redirect("portal:cert_queue")


@login_required
def objections(request):
    rows = [{"o": o, "kind": o.get_kind_display()} for o in selectors.objection_list(viewer=request.user)[:200]]
    return render(request, "portal/certification/objections.html", {"rows": rows})


@login_required
@require_POST
def objection_decide(request, pk: int):
    obj = selectors.objection_get(viewer=request.user, pk=pk)
    try:
        services.objection_decide(objection=obj, uphold=request.POST.get("uphold") == "1", actor=request.user,
                                  reason=request.POST.get("reason", ""))
        messages.success(request, _("Objection decided."))
    except FupinError as exc:
        messages.error(request, str(exc.message))
    return redirect("portal:cert_objections")


@login_required
def batch_new(request):
    today = timezone.localdate()
    ready = selectors.applications_ready_to_list(viewer=request.user, today=today)
    if request.method == "POST":
        ids = [i for i in (int_param(v) for v in request.POST.getlist("ids")) if i]
        try:
            published_on = dt.date.fromisoformat(request.POST.get("published_on") or today.isoformat())
            batch = services.batch_publish(number=request.POST.get("number", ""), published_on=published_on,
                                           title=request.POST.get("title", ""), application_ids=ids,
                                           actor=request.user)
            messages.success(request, _("Catalogue batch %(n)s published.") % {"n": batch.number})
            return redirect(f"{_url('portal:cert_catalogue')}?batch={batch.number}")
        except ValueError:
            messages.error(request, _("The publication date is not a valid date."))
        except FupinError as exc:
            messages.error(request, str(exc.message))
    return render(request, "portal/certification/batch_new.html", {
        "ready": ready, "today": today, "batches": list(selectors.batch_list()[:20])})


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@login_required
def product_list(request):
    form, filters = read_filters(request, ProductFilter)
    page = paginate(request, selectors.product_list(viewer=request.user, **filters))
    rows = [{"p": p, "status": product_status_label(p.status), "category": category_label(p.category)} for p in page]
    return render(request, "portal/certification/product_list.html", list_context(request, page, form=form, rows=rows))


@login_required
def product_detail(request, pk: int):
    product = selectors.product_get(viewer=request.user, pk=pk)
    periods = selectors.certified_periods(product_ids=[product.pk]).get(product.pk, [])
    return render(request, "portal/certification/product_detail.html", {
        "product": product, "status": product_status_label(product.status), "category": category_label(product.category),
        "price": yuan(product.price_fen), "reference": yuan(product.reference_price_fen), "periods": periods,
        "certificates": list(selectors.product_certificates(product=product)),
        "suspension_reasons": SuspensionReason.choices, "revocation_reasons": RevocationReason.choices,
        **{f"can_{a}": True for a in selectors.product_actions(product=product)},
        "is_reviewer": request.user.has_role(*rules.REVIEW_ROLES),
    })


@login_required
@require_POST
def product_action(request, pk: int):
    product = selectors.product_get(viewer=request.user, pk=pk)
    action, reason = request.POST.get("action", ""), request.POST.get("reason", "")
    try:
        if action == "suspend":
            services.product_suspend(product=product, actor=request.user, reason=reason,
                                     reason_kind=request.POST.get("reason_kind") or SuspensionReason.OTHER)
        elif action == "reinstate":
            services.product_reinstate(product=product, actor=request.user, reason=reason)
        elif action == "revoke":
            days = int_param(request.POST.get("blacklist_days"))
            services.product_revoke(product=product, actor=request.user, reason=reason,
                                    reason_kind=request.POST.get("reason_kind", ""),
                                    blacklist=request.POST.get("blacklist") == "1", blacklist_days=days)
        else:
            raise InvalidInput(_("Choose an action."))
        messages.success(request, _("Product %(c)s is now “%(s)s”.") % {
            "c": product.code, "s": product_status_label(product.status)})
    except FupinError as exc:
        messages.error(request, str(exc.message))
    return redirect("portal:cert_product", pk=product.pk)


@login_required
def spot_check_list(request):
    rounds = list(selectors.spot_check_rounds(viewer=request.user)[:100])
    return render(request, "portal/certification/spot_checks.html", {
        "rounds": rounds, "is_reviewer": request.user.has_role(*rules.REVIEW_ROLES),
        "scope_prefix": request.user.scope_prefix})


@login_required
@require_POST
def spot_check_draw(request):
    seed = int_param(request.POST.get("seed"))
    try:
        rnd = spot_checks.spot_check_draw(period=request.POST.get("period", ""), actor=request.user,
                                          region_prefix=request.POST.get("region_prefix") or None, seed=seed)
        messages.success(request, _("Drew %(k)d of %(n)d certified products (seed %(seed)s).") % {
            "k": rnd.sample_size, "n": rnd.population, "seed": rnd.seed})
        return redirect("portal:cert_spot_round", pk=rnd.pk)
    except FupinError as exc:
        messages.error(request, str(exc.message))
    return redirect("portal:cert_spot_checks")


@login_required
def spot_check_round(request, pk: int):
    checks = selectors.spot_checks_of(viewer=request.user, round_id=pk)
    rnd = selectors.spot_check_rounds(viewer=request.user).get(pk=pk)
    return render(request, "portal/certification/spot_round.html", {
        "round": rnd, "checks": [{"c": c, "status": c.get_status_display()} for c in checks],
        "is_reviewer": request.user.has_role(*rules.REVIEW_ROLES)})


@login_required
@require_POST
def spot_check_result(request, pk: int):
    check = selectors.spot_check_get(viewer=request.user, pk=pk)
    try:
        spot_checks.spot_check_record(check=check, passed=request.POST.get("passed") == "1",
                                      findings=request.POST.get("findings", ""), actor=request.user)
        messages.success(request, _("Result recorded."))
    except FupinError as exc:
        messages.error(request, str(exc.message))
    return redirect("portal:cert_spot_round", pk=check.round_id)


@login_required
def shortfalls(request):
    rows = selectors.linkage_shortfalls(viewer=request.user)
    return render(request, "portal/certification/shortfalls.html", {"rows": rows, "today": timezone.localdate()})
