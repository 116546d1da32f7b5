"""Certification reads. Bulk reads for the ledger (products by code, certified periods) take no viewer and
return plain data; every other selector takes the viewer and returns only what its role and scope allow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from typing import Any

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import access
from fupin.core.enums import Role
from fupin.core.errors import NotFound
from fupin.core.money import fen_to_yuan
from fupin.core.tabular import Column
from fupin.linkage import selectors as linkage_selectors
from fupin.registry.models import MarketEntity

from . import policy, rules, signing
from .enums import ApplicationStatus, LicenceKind, ObjectionStatus, ProductStatus
from .models import (
    Application,
    Blacklisting,
    CatalogueBatch,
    Certificate,
    CertificationPeriod,
    Decision,
    Licence,
    Objection,
    Product,
    SpotCheck,
    SpotCheckRound,
)


def _chunks(values: Collection[Any]) -> Iterator[list[Any]]:
    """Split very large IN lists under the backend's parameter limit (one query for any normal batch)."""
    limit = max(100, (connection.features.max_query_params or 30000) - 10)
    items = list(values)
    for i in range(0, len(items), limit):
        yield items[i : i + limit]


# -- bulk reads for the ledger: no per-row queries ----------------------------------------------------------------
def products_by_codes(*, codes: Collection[str]) -> dict[str, Product]:
    """Product code → Product, for every known code among `codes` (one query per batch)."""
    out: dict[str, Product] = {}
    for chunk in _chunks(set(codes)):
        out.update({p.code: p for p in Product.objects.filter(code__in=chunk)})
    return out


def certified_periods(*, product_ids: Collection[int]) -> dict[int, list[tuple[dt.date, dt.date | None]]]:
    """Product id → the inclusive periods during which it was certified (listing to suspension, revocation or
    expiry; renewals add periods), sorted by start. Products never certified are absent."""
    out: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for chunk in _chunks(set(product_ids)):
        rows = CertificationPeriod.objects.filter(product_id__in=chunk).order_by("product_id", "start")
        for product_id, start, end in rows.values_list("product_id", "start", "end"):
            out.setdefault(product_id, []).append((start, end))
    return out


def certified_product_ids_of_supplier(*, supplier_id: int, on: dt.date) -> set[int]:
    """The ids of the supplier's products that were certified on `on` (one query)."""
    rows = CertificationPeriod.objects.filter(product__supplier_id=supplier_id, start__lte=on).filter(
        Q(end__isnull=True) | Q(end__gte=on)
    )
    return set(rows.values_list("product_id", flat=True))


def product_certified_on(*, product_id: int, on: dt.date) -> bool:
    return rules.certified_on(certified_periods(product_ids=[product_id]).get(product_id, []), on)


def supplier_standing(*, supplier_ids: Collection[int] | None, on: dt.date) -> dict[int, dict[str, Any]]:
    """For incentives: each supplier's standing on `on` (None: every supplier), from three queries — the products
    certified that day (`certified`: [(product id, product code, certificate number or "")]), the blacklisting
    in force (`blacklisting`: {"id", "start", "end", "reason_kind"} or None) and the earliest start of its business
    licences (`business_since`: a date or None). Suppliers with none of the three are absent."""
    out: dict[int, dict[str, Any]] = {}

    def row(supplier_id: int) -> dict[str, Any]:
        return out.setdefault(supplier_id, {"certified": [], "blacklisting": None, "business_since": None})

    chunks: list[list[int] | None] = list(_chunks(set(supplier_ids))) if supplier_ids is not None else [None]
    for chunk in chunks:
        def only(field: str, qs: QuerySet, ids: list[int] | None = chunk) -> QuerySet:
            return qs if ids is None else qs.filter(**{f"{field}__in": ids})

        periods = only("product__supplier_id", CertificationPeriod.objects.filter(start__lte=on).filter(
            Q(end__isnull=True) | Q(end__gte=on)))
        for supplier_id, product_id, code, number in periods.order_by("product__code").values_list(
                "product__supplier_id", "product_id", "product__code", "certificate__number"):
            row(supplier_id)["certified"].append((product_id, code, number or ""))
        bans = only("supplier_id", Blacklisting.objects.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on)))
        for ban in bans.order_by("start", "id").values("id", "supplier_id", "start", "end", "reason_kind"):
            row(ban.pop("supplier_id"))["blacklisting"] = ban
        licences = only("supplier_id", Licence.objects.filter(kind=LicenceKind.BUSINESS, valid_from__isnull=False))
        for supplier_id, since in licences.values_list("supplier_id", "valid_from"):
            current = row(supplier_id)["business_since"]
            if current is None or since < current:
                row(supplier_id)["business_since"] = since
    return out


# -- who sees what ----------------------------------------------------------------------------------------------------
def _authenticated(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False))


def _own_credit_code(viewer: Any) -> str | None:
    org = getattr(viewer, "organisation", None)
    return getattr(org, "credit_code", None) or None


def _visible(viewer: Any, supplier_region_field: str, supplier_code_field: str) -> Q:
    """Rows in the viewer's region scope, plus the rows of the supplier the viewer acts for."""
    q = access.scope_q(viewer, supplier_region_field)
    code = _own_credit_code(viewer)
    if code and viewer.scope_prefix:
        q |= Q(**{supplier_code_field: code})
    return q


def supplier_entities(*, viewer: Any, on: dt.date | None = None) -> QuerySet[MarketEntity]:
    """The market entities the viewer may act for as a supplier (`policy`): the legal person its organisation is
    (same credit code), the entities its organisation holds an authorisation in force for (inside its region
    scope), or — for administrators — every entity in its scope. A government office's clerk is offered no
    entity of its county without a grant."""
    if not _authenticated(viewer) or not viewer.has_role(*policy.ACT_ROLES):
        return MarketEntity.objects.none()
    if viewer.has_role(Role.ADMINISTRATOR):
        q = access.scope_q(viewer, "region__code")
    else:
        q = Q(pk__in=sorted(policy.authorised_entity_ids(viewer=viewer, on=on)))
        code = _own_credit_code(viewer)
        if code:
            q |= Q(credit_code=code)
        q &= access.scope_q(viewer, "region__code")
    return MarketEntity.objects.filter(q).select_related("region").order_by("name")


def acting_for(*, viewer: Any, supplier: MarketEntity, on: dt.date | None = None) -> policy.ActingFor | None:
    """On what basis the viewer acts for `supplier` (its own organisation, a grant, an administrator), or None."""
    return policy.acting_basis(viewer, supplier, on=on)


def may_act_for_supplier(*, viewer: Any, supplier: MarketEntity, on: dt.date | None = None) -> bool:
    """Whether the viewer may register products and apply for certification for `supplier` (the services' rule)."""
    return policy.acting_basis(viewer, supplier, on=on) is not None


def offers_supplier_pages(*, viewer: Any) -> bool:
    """Whether the portal offers the viewer the supplier pages ("My products"): it acts for at least one entity."""
    return supplier_entities(viewer=viewer).exists()


def offers_review_queue(*, viewer: Any) -> bool:
    """Whether the portal offers the viewer the review queue: some stage is decided at its level."""
    return bool(queue_statuses(viewer=viewer))


def actions_for(*, viewer: Any, application: Application) -> list[str]:
    """The actions the portal and the API offer `viewer` on `application`: what its role and the state allow
    (`application_actions`)."""
    return application_actions(viewer=viewer, application=application)


def may_review(*, viewer: Any, application: Application) -> bool:
    """Whether the viewer decides `application` at its current stage (level, role and region: the services' rule)."""
    level = rules.STAGE_LEVEL.get(application.status)
    return level is not None and access.refusal(viewer, roles=rules.REVIEW_ROLES, region_code=application.region_code,
                                                scope_levels=(level,)) is None


def application_actions(*, viewer: Any, application: Application) -> list[str]:
    """The actions `viewer` may take on `application` now, in the state machine's order: the supplier's (resubmit,
    withdraw) for whoever acts for its supplier, the review decisions for the reviewers of its stage."""
    allowed = rules.allowed_actions(application.status)
    supplier = any(a in rules.SUPPLIER_ACTIONS for a in allowed) and may_act_for_supplier(
        viewer=viewer, supplier=application.supplier)
    reviewer = any(a in rules.REVIEW_DECISIONS for a in allowed) and may_review(viewer=viewer, application=application)
    return [a for a in allowed if (supplier and a in rules.SUPPLIER_ACTIONS) or (reviewer and a in rules.REVIEW_DECISIONS)]


def product_actions(*, product: Product) -> list[str]:
    """The reviewer actions the product's state allows (who may take them is the services' check)."""
    return [a for a in rules.PRODUCT_REVIEW_ACTIONS if product.status in rules.PRODUCT_TRANSITIONS[a][0]]


def may_complain(*, product: Product) -> bool:
    """Whether anyone may lodge a complaint about `product` (it is in the public catalogue)."""
    return product.status in rules.COMPLAINABLE_STATES


def products_to_apply_for(*, viewer: Any, supplier: MarketEntity, renewal: bool) -> QuerySet[Product]:
    """The supplier's products (as the viewer sees them) that a new application, or a renewal, may name."""
    return product_list(viewer=viewer, supplier_id=supplier.pk).filter(
        status__in=sorted(rules.applicable_product_states(renewal=renewal)))


def applications_ready_to_list(*, viewer: Any, today: dt.date | None = None) -> list[Application]:
    """Applications in the national notice whose notice is over: what a new catalogue batch may list."""
    on = today or timezone.localdate()
    return [a for a in application_list(viewer=viewer, status=ApplicationStatus.NATIONAL_NOTICE)
            .prefetch_related("items__product") if rules.notice_over(notice_end=a.notice_end, today=on)]


def product_list(*, viewer: Any, supplier_id: int | None = None, status: str | None = None, q: str | None = None,
                 category: str | None = None) -> QuerySet[Product]:
    if not _authenticated(viewer):
        return Product.objects.none()
    qs = Product.objects.select_related("supplier", "supplier__region", "origin_region").filter(
        _visible(viewer, "supplier__region__code", "supplier__credit_code"))
    if supplier_id:
        qs = qs.filter(supplier_id=supplier_id)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code=q.strip().upper()))
    return qs


def product_get(*, viewer: Any, pk: int | None = None, code: str | None = None) -> Product:
    qs = product_list(viewer=viewer)
    product = qs.filter(pk=pk).first() if pk is not None else qs.filter(code=(code or "").strip().upper()).first()
    if product is None:
        raise NotFound(details={"product": pk or code})
    return product


def licence_list(*, viewer: Any, supplier_id: int) -> QuerySet[Licence]:
    if not _authenticated(viewer):
        return Licence.objects.none()
    return Licence.objects.filter(supplier_id=supplier_id).filter(
        _visible(viewer, "supplier__region__code", "supplier__credit_code")).select_related("product")


def application_list(*, viewer: Any, status: str | None = None, q: str | None = None, supplier_id: int | None = None,
                     category: str | None = None) -> QuerySet[Application]:
    if not _authenticated(viewer):
        return Application.objects.none()
    qs = Application.objects.select_related("supplier", "batch").filter(
        _visible(viewer, "region_code", "supplier__credit_code"))
    if status:
        qs = qs.filter(status=status)
    if supplier_id:
        qs = qs.filter(supplier_id=supplier_id)
    if category:
        qs = qs.filter(items__product__category=category).distinct()
    if q:
        q = q.strip()
        qs = qs.filter(Q(number=q.upper()) | Q(supplier__name__contains=q) | Q(items__product__name__contains=q)
                       | Q(items__product__code=q.upper())).distinct()
    return qs


def application_get(*, viewer: Any, pk: int) -> Application:
    app = application_list(viewer=viewer).filter(pk=pk).first()
    if app is None:
        raise NotFound(details={"application": pk})
    return app


def queue_statuses(*, viewer: Any) -> list[str]:
    """The application states decided at the viewer's level (empty for non-reviewers)."""
    if not _authenticated(viewer) or not viewer.has_role(*rules.REVIEW_ROLES):
        return []
    return [s for s, level in rules.STAGE_LEVEL.items() if level == viewer.scope_level]


def review_queue(*, viewer: Any, status: str | None = None, q: str | None = None, category: str | None = None,
                 min_days: int | None = None, today: dt.date | None = None) -> QuerySet[Application]:
    """The applications waiting at the viewer's level inside its scope, longest waiting first."""
    statuses = queue_statuses(viewer=viewer)
    if status:
        statuses = [s for s in statuses if s == status]
    qs = application_list(viewer=viewer, q=q, category=category).filter(status__in=statuses)
    if min_days:
        on = today or timezone.localdate()
        cutoff = timezone.make_aware(dt.datetime.combine(on - dt.timedelta(days=int(min_days)), dt.time.max))
        qs = qs.filter(status_since__lte=cutoff)
    return qs.order_by("status_since", "id")


def days_waiting(app: Application, today: dt.date | None = None) -> int:
    return rules.days_waiting(timezone.localdate(app.status_since), today or timezone.localdate())


def decisions_of(*, application: Application) -> QuerySet[Decision]:
    return application.decisions.order_by("at", "id")


def objection_list(*, viewer: Any, status: str | None = ObjectionStatus.OPEN,
                   kind: str | None = None) -> QuerySet[Objection]:
    if not _authenticated(viewer):
        return Objection.objects.none()
    qs = access.scoped(Objection.objects.select_related("application", "product"), viewer, "region_code")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def objection_get(*, viewer: Any, pk: int) -> Objection:
    obj = objection_list(viewer=viewer, status=None).filter(pk=pk).first()
    if obj is None:
        raise NotFound(details={"objection": pk})
    return obj


# -- the public catalogue, notices and certificates (no sign-in needed) -------------------------------------------
def _latest_certificate(field: str) -> Subquery:
    return Subquery(Certificate.objects.filter(product=OuterRef("pk")).order_by("-valid_from", "-id").values(field)[:1])


def catalogue(*, q: str | None = None, category: str | None = None, province: str | None = None,
              county: str | None = None, supplier: str | None = None, batch: str | None = None) -> QuerySet[Product]:
    """Certified products, searchable by text, category, origin province and county, supplier and batch; each
    annotated with its current certificate number, batch and end of validity."""
    qs = Product.objects.filter(status=ProductStatus.CERTIFIED).select_related("supplier", "origin_region").annotate(
        certificate_number=_latest_certificate("number"), batch_number=_latest_certificate("batch__number"),
        valid_to=_latest_certificate("valid_to"))
    if q:
        q = q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(code=q.upper()) | Q(supplier__name__contains=q)
                       | Q(specification__contains=q))
    if category:
        qs = qs.filter(category=category)
    if province:
        qs = qs.filter(origin_region__code__startswith=province.strip()[:2])
    if county:
        qs = qs.filter(origin_region__code__startswith=county.strip()[:6])
    if supplier:
        s = supplier.strip()
        match = Q(supplier__name__contains=s) | Q(supplier__credit_code=s.upper())
        if s.isdigit() and len(s) < 12:
            match |= Q(supplier_id=int(s))
        qs = qs.filter(match)
    if batch:
        qs = qs.filter(certificates__batch__number=batch.strip()).distinct()
    return qs.order_by("code")


CATALOGUE_COLUMNS = [
    Column("product_code", "产品编码"), Column("name", "产品名称"), Column("category", "产品类别"),
    Column("specification", "规格"), Column("unit", "计量单位"), Column("price_yuan", "价格（元）"),
    Column("supplier", "供应商"), Column("credit_code", "统一社会信用代码"), Column("origin_code", "产地代码"),
    Column("origin", "产地"), Column("batch", "目录批次"), Column("certificate", "证书编号"),
    Column("valid_to", "有效期至"),
]


def catalogue_rows(qs: QuerySet[Product]) -> Iterator[list[Any]]:
    """The catalogue as export rows (streamed; the certificate fields come annotated, no per-row query)."""
    for p in qs.iterator(chunk_size=2000):
        valid_to = getattr(p, "valid_to", None)
        yield [p.code, p.name, str(p.get_category_display()), p.specification, p.unit, fen_to_yuan(p.price_fen),
               p.supplier.name, p.supplier.credit_code or "", p.origin_region.code, p.origin_region.name,
               getattr(p, "batch_number", "") or "", getattr(p, "certificate_number", "") or "",
               valid_to.isoformat() if valid_to else ""]


def public_product(*, code: str) -> Product:
    """A product that is or was in the catalogue (registered-only products are not public)."""
    product = (Product.objects.select_related("supplier", "supplier__region", "origin_region")
               .exclude(status=ProductStatus.REGISTERED).filter(code=(code or "").strip().upper()).first())
    if product is None:
        raise NotFound(details={"product": code})
    return product


def product_certificates(*, product: Product) -> QuerySet[Certificate]:
    return product.certificates.select_related("batch").order_by("-valid_from", "-id")


def certificate_get(*, number: str) -> Certificate:
    cert = (Certificate.objects.select_related("product", "product__supplier", "product__origin_region", "batch")
            .filter(number=(number or "").strip().upper()).first())
    if cert is None:
        raise NotFound(details={"certificate": number})
    return cert


def batch_list() -> QuerySet[CatalogueBatch]:
    return CatalogueBatch.objects.annotate(products=Count("certificates")).order_by("-published_on", "-number")


def public_notices(*, on: dt.date | None = None) -> QuerySet[Application]:
    """Applications in a county or national public notice today (anyone may object)."""
    on = on or timezone.localdate()
    return (Application.objects.filter(status__in=rules.NOTICE_STATUSES, notice_start__lte=on, notice_end__gte=on)
            .select_related("supplier", "supplier__region").prefetch_related("items__product")
            .order_by("notice_end", "number"))


def public_notice_get(*, number: str, on: dt.date | None = None) -> Application:
    app = public_notices(on=on).filter(number=(number or "").strip().upper()).first()
    if app is None:
        raise NotFound(details={"application": number})
    return app


def verify_code(*, code: str, on: dt.date | None = None) -> dict[str, Any]:
    """Check a verification code: the signature (works offline with the public key), then the certificate's
    current state in the catalogue. A tampered or malformed code is rejected."""
    on = on or timezone.localdate()
    decoded = rules.decode_code(code or "")
    if decoded is None:
        return {"valid": False, "signature_ok": False, "result": "malformed",
                "message": _("This is not a well-formed verification code.")}
    payload, signature, fields = decoded
    if not signing.verify(payload, signature):
        return {"valid": False, "signature_ok": False, "result": "bad_signature",
                "message": _("The signature does not match: the code was altered or not issued by this platform.")}
    base = {"signature_ok": True, "certificate": fields["n"], "product_code": fields["p"],
            "product_name": fields.get("name", ""), "supplier_credit_code": fields["s"], "batch": fields["b"],
            "valid_from": fields["from"], "valid_to": fields["to"]}
    cert = Certificate.objects.select_related("product").filter(number=fields["n"]).first()
    if cert is None:
        return {**base, "valid": False, "result": "unknown", "message": _("The certificate is not on record.")}
    product = cert.product
    base["status"] = product.status
    if product.status != ProductStatus.CERTIFIED:
        return {**base, "valid": False, "result": product.status,
                "message": _("The product is no longer certified (%(status)s).") % {
                    "status": product.get_status_display()}}
    if not (cert.valid_from <= on <= cert.valid_to):
        return {**base, "valid": False, "result": "out_of_period",
                "message": _("The certificate is not valid on %(on)s.") % {"on": on.isoformat()}}
    return {**base, "valid": True, "result": "valid",
            "message": _("Genuine: the product is certified and the certificate is valid on %(on)s.") % {
                "on": on.isoformat()}}


def spot_check_rounds(*, viewer: Any) -> QuerySet[SpotCheckRound]:
    if not _authenticated(viewer):
        return SpotCheckRound.objects.none()
    prefix = viewer.scope_prefix
    qs = SpotCheckRound.objects.annotate(checks_count=Count("checks"))
    if not prefix:
        return qs
    # rounds inside the scope, and wider rounds (national, provincial...) whose checks in the scope it may see
    return qs.filter(Q(region_prefix__startswith=prefix) | Q(region_prefix__in=[prefix[:i] for i in range(len(prefix))]))


def spot_checks_of(*, viewer: Any, round_id: int) -> QuerySet[SpotCheck]:
    rnd = spot_check_rounds(viewer=viewer).filter(pk=round_id).first()
    if rnd is None:
        raise NotFound(details={"round": round_id})
    return access.scoped(rnd.checks.select_related("product", "product__supplier", "round"), viewer,
                         "product__supplier__region__code").order_by("rank")


def spot_check_get(*, viewer: Any, pk: int) -> SpotCheck:
    check = access.scoped(SpotCheck.objects.select_related("product", "product__supplier", "round"), viewer,
                          "product__supplier__region__code").filter(pk=pk).first()
    if check is None:
        raise NotFound(details={"spot_check": pk})
    return check


def linkage_shortfalls(*, viewer: Any, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Suppliers with certified products whose last listed application claimed more poor households than their
    linkage contracts in force on `on` hold (issue #3: the check lives in certification). Two queries."""
    on = on or timezone.localdate()
    if not _authenticated(viewer):
        return []
    apps = (access.scoped(Application.objects.filter(status=ApplicationStatus.CERTIFIED,
                                                     supplier__products__status=ProductStatus.CERTIFIED),
                          viewer, "region_code")
            .select_related("supplier").order_by("supplier_id", "-batch__published_on", "-id").distinct())
    latest: dict[int, Application] = {}
    for app in apps:
        latest.setdefault(app.supplier_id, app)
    linked = linkage_selectors.linked_household_ids(entity_ids=list(latest), on=on)
    out = []
    for supplier_id, app in latest.items():
        now = len(linked.get(supplier_id, set()))
        if app.households_claimed > now:
            out.append({"supplier_id": supplier_id, "supplier": app.supplier.name, "application": app.number,
                        "region_code": app.region_code, "claimed": app.households_claimed, "linked_now": now,
                        "shortfall": app.households_claimed - now})
    return sorted(out, key=lambda r: (-r["shortfall"], r["supplier"]))
