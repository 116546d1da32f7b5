"""Supplier pages: the entities a user acts for, their products and licences, applying (with a pre-check
preview), and the status of each application with the reasons given."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fupin.certification import selectors, services
from fupin.certification.enums import ApplicationKind
from fupin.core.errors import FupinError, InvalidInput, NotFound
from fupin.core.money import MoneyError, yuan_to_fen
from fupin.registry.models import Region

from ...forms.certification import LicenceForm, ProductForm
from ..shared import int_param
from .common import acting_banner, category_label, lines, product_status_label, status_label, yuan


def _supplier(request) -> Any:
    entities = list(selectors.supplier_entities(viewer=request.user))
    wanted = int_param(request.GET.get("supplier") or request.POST.get("supplier"))
    chosen = next((e for e in entities if e.pk == wanted), entities[0] if entities and wanted is None else None)
    if wanted is not None and chosen is None:
        raise NotFound(details={"supplier": wanted})
    return entities, chosen


def _acting(request, supplier: Any) -> dict[str, Any] | None:
    return acting_banner(selectors.acting_for(viewer=request.user, supplier=supplier)) if supplier is not None else None


@login_required
def supplier_home(request):
    entities, supplier = _supplier(request)
    ctx: dict[str, Any] = {"entities": entities, "supplier": supplier, "acting": _acting(request, supplier)}
    if supplier is not None:
        products = selectors.product_list(viewer=request.user, supplier_id=supplier.pk)
        ctx["products"] = [{"p": p, "category": category_label(p.category), "status": product_status_label(p.status),
                            "price": yuan(p.price_fen), "reference": yuan(p.reference_price_fen)} for p in products]
        ctx["licences"] = list(selectors.licence_list(viewer=request.user, supplier_id=supplier.pk))
        ctx["applications"] = [{"a": a, "status": status_label(a.status)}
                               for a in selectors.application_list(viewer=request.user, supplier_id=supplier.pk)[:100]]
    return render(request, "portal/certification/supplier_home.html", ctx)


@login_required
def product_new(request):
    entities, supplier = _supplier(request)
    if supplier is None:
        raise NotFound()
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = Region.objects.filter(code=d["origin"]).first()
        try:
            if region is None:
                raise InvalidInput(_("Unknown origin region %(code)s.") % {"code": d["origin"]})
            product = services.product_create(
                supplier=supplier, name=d["name"], category=d["category"], unit=d["unit"], origin_region=region,
                specification=d["specification"], annual_capacity=d["annual_capacity"],
                reference_price_fen=d["reference_price"], price_fen=d["price"], actor=request.user)
            messages.success(request, _("Product %(code)s registered.") % {"code": product.code})
            return redirect(f"{_home_url()}?supplier={supplier.pk}")
        except FupinError as exc:
            messages.error(request, str(exc.message))
    return render(request, "portal/certification/form.html", {
        "form": form, "supplier": supplier, "title": _("Register a product"), "submit": _("Register"),
        "acting": _acting(request, supplier)})


@login_required
def licence_new(request):
    entities, supplier = _supplier(request)
    if supplier is None:
        raise NotFound()
    form = LicenceForm(request.POST or None)
    products = {str(p.pk): p for p in selectors.product_list(viewer=request.user, supplier_id=supplier.pk)}
    cast(forms.ChoiceField, form.fields["product"]).choices = [("", "—"), *[(k, f"{p.code} {p.name}") for k, p in products.items()]]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.licence_add(supplier=supplier, kind=d["kind"], number=d["number"], issuer=d["issuer"],
                                 valid_from=d["valid_from"], valid_until=d["valid_until"],
                                 product=products.get(d["product"] or ""), actor=request.user)
            messages.success(request, _("Licence added."))
            return redirect(f"{_home_url()}?supplier={supplier.pk}")
        except FupinError as exc:
            messages.error(request, str(exc.message))
    return render(request, "portal/certification/form.html", {
        "form": form, "supplier": supplier, "title": _("Add a licence"), "submit": _("Add"),
        "acting": _acting(request, supplier)})


def _home_url() -> str:
    from django.urls import reverse

    return reverse("portal:cert_supplier")


@login_required
def apply(request):
    entities, supplier = _supplier(request)
    if supplier is None:
        raise NotFound()
    kind = request.POST.get("kind") or request.GET.get("kind") or ApplicationKind.NEW
    if kind not in ApplicationKind.values:
        kind = ApplicationKind.NEW
    products = list(selectors.products_to_apply_for(viewer=request.user, supplier=supplier,
                                                    renewal=kind == ApplicationKind.RENEWAL))
    verdicts = None
    refs_text = request.POST.get("households", "")
    if request.method == "POST":
        items: list[services.ItemInput] = []
        problems: list[str] = []
        for p in products:
            raw = (request.POST.get(f"volume_{p.pk}") or "").strip()
            if not raw:
                continue
            volume = int_param(raw)
            if volume is None or volume < 0:
                problems.append(_("The volume of %(code)s is not a whole number.") % {"code": p.code})
                continue
            price_raw = (request.POST.get(f"price_{p.pk}") or "").strip()
            try:
                price = yuan_to_fen(price_raw, allow_zero=True) if price_raw else None
            except MoneyError as exc:
                problems.append(f"{p.code}: {exc.message}")
                continue
            items.append(services.ItemInput(p, volume, price))
        refs = lines(refs_text)
        if problems:
            for msg in problems:
                messages.error(request, msg)
        elif not items:
            messages.error(request, _("Give the annual supply volume of at least one product."))
        elif request.POST.get("go") == "submit":
            try:
                app = services.application_submit(supplier=supplier, items=items, household_refs=refs, kind=kind,
                                                  actor=request.user)
                messages.success(request, _("Application %(n)s submitted to the county.") % {"n": app.number})
                return redirect("portal:cert_application", pk=app.pk)
            except InvalidInput as exc:
                messages.error(request, str(exc.message))
                if exc.details and "verdicts" in exc.details:
                    verdicts = exc.details["verdicts"]
        else:
            try:
                result, _stored = services.precheck_run(supplier=supplier, items=items, household_refs=refs, kind=kind)
                verdicts = [v.as_dict() for v in result]
            except InvalidInput as exc:
                messages.error(request, str(exc.message))
    rows = [{"p": p, "category": category_label(p.category), "price": yuan(p.price_fen),
             "reference": yuan(p.reference_price_fen), "volume": request.POST.get(f"volume_{p.pk}", ""),
             "new_price": request.POST.get(f"price_{p.pk}", "")} for p in products]
    return render(request, "portal/certification/apply.html", {
        "supplier": supplier, "entities": entities, "rows": rows, "kind": kind, "kinds": ApplicationKind.choices,
        "households": refs_text, "verdicts": verdicts,
        "all_ok": verdicts is not None and all(v["ok"] for v in verdicts), "acting": _acting(request, supplier),
    })
