"""Public certification pages (no sign-in): the national catalogue with search and export, a product's page,
certificates, code verification, the public notices with the objection form, and complaints."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fupin.certification import selectors, services, signing
from fupin.core.errors import InvalidInput
from fupin.core.services import export_log
from fupin.core.tabular import header_labels, table_bytes

from ...forms.certification import CatalogueFilter, ObjectionForm, VerifyForm
from ..shared import export_format, file_response, list_context, paginate, read_filters
from .common import category_label, product_status_label, qr_svg, status_label, yuan


@require_GET
def catalogue(request):
    form, filters = read_filters(request, CatalogueFilter)
    qs = selectors.catalogue(**filters)
    fmt = export_format(request)
    if fmt:
        body = table_bytes(selectors.catalogue_rows(qs), fmt=fmt, sheet_title="catalogue",
                           header=header_labels(selectors.CATALOGUE_COLUMNS, language=get_language() or "en"))
        if request.user.is_authenticated:
            export_log(user=request.user, what="certification catalogue", rows=qs.count(), path=request.path)
        return file_response(body, filename=f"catalogue-{timezone.localdate():%Y%m%d}.{fmt}", fmt=fmt)
    page = paginate(request, qs)
    rows = [{"p": p, "category": category_label(p.category)} for p in page]
    return render(request, "portal/certification/catalogue.html",
                  list_context(request, page, form=form, rows=rows, export_kind="catalogue",
                               batches=selectors.batch_list()[:10]))


@require_GET
def product_page(request, code: str):
    product = selectors.public_product(code=code)
    certificates = list(selectors.product_certificates(product=product))
    return render(request, "portal/certification/product_public.html", {
        "product": product, "category": category_label(product.category), "status": product_status_label(product.status),
        "price": yuan(product.price_fen), "reference": yuan(product.reference_price_fen), "certificates": certificates,
        "form": ObjectionForm(), "can_complain": selectors.may_complain(product=product),
    })


@require_POST
def product_complain(request, code: str):
    product = selectors.public_product(code=code)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.objection_lodge(product=product, **form.cleaned_data)
            messages.success(request, _("Thank you: your complaint was recorded and will be examined."))
        except InvalidInput as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Give your name and the complaint."))
    return redirect("portal:cert_product_public", code=product.code)


@require_GET
def certificate_verify_url(request, code: str) -> str:
    """The absolute address of the verification page for `code` (what a certificate's QR code opens)."""
    return request.build_absolute_uri(f"{reverse('portal:cert_verify')}?{urlencode({'code': code})}")


def certificate_page(request, number: str):
    cert = selectors.certificate_get(number=number)
    result = selectors.verify_code(code=cert.code)
    verify_url = certificate_verify_url(request, cert.code)
    return render(request, "portal/certification/certificate.html", {
        "verify_url": verify_url, "qr": qr_svg(verify_url, title=_("QR code: open the verification page")),
        "cert": cert, "product": cert.product, "result": result, "status": product_status_label(cert.product.status),
        "category": category_label(cert.product.category), "key_id": signing.key_id(),
    })


def verify_page(request):
    data = request.POST if request.method == "POST" else (request.GET if "code" in request.GET else None)
    form = VerifyForm(data)
    result = selectors.verify_code(code=form.cleaned_data["code"]) if data is not None and form.is_valid() else None
    return render(request, "portal/certification/verify.html", {
        "form": form, "result": result, "public_key_pem": signing.public_key_pem(), "key_id": signing.key_id(),
        "status": product_status_label(result["status"]) if result and result.get("status") else "",
    })


@require_GET
def notices(request):
    on = timezone.localdate()
    page = paginate(request, selectors.public_notices(on=on))
    rows = [{"a": a, "status": status_label(a.status),
             "products": [f"{i.product.name} ({i.product.code})" for i in a.items.all()],
             "days_left": (a.notice_end - on).days if a.notice_end else None} for a in page]
    return render(request, "portal/certification/notices.html",
                  list_context(request, page, rows=rows, form=ObjectionForm(), today=on))


@require_POST
def notice_object(request, number: str):
    app = selectors.public_notice_get(number=number)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.objection_lodge(application=app, **form.cleaned_data)
            messages.success(request, _("Your objection to %(n)s was recorded; the reviewers must decide it before "
                                        "the application can move on.") % {"n": app.number})
        except InvalidInput as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Give your name and the objection."))
    return redirect("portal:cert_notices")


@require_GET
def batches(request):
    rows = list(selectors.batch_list()[:200])
    return render(request, "portal/certification/batches.html", {"batches": rows, "today": dt.date.today()})
