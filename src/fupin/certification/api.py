"""Certification API: the public catalogue, certificates (verification, public key), notices and objections;
products, licences, applications, the review (decide, bulk), batches, lifecycle actions and spot checks.
Thin: every rule is in services/selectors; money crosses this edge as yuan strings. Numbers, dates and choices
are bounded by `fupin.core.api_types` (no `from __future__ import annotations`: see `fupin.api.system`)."""

import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from fupin.core.api_types import (
    BigCount,
    Days,
    ExportFormat,
    Id,
    Language,
    QueryDate,
    RecordDate,
    Seed,
    choice,
    file_download,
)
from fupin.core.downloads import attachment
from fupin.core.errors import InvalidInput, NotFound
from fupin.core.money import OptionalYuanOrZero, YuanOrZero, fen_to_yuan
from fupin.core.pagination import Page
from fupin.core.services import export_log
from fupin.core.tabular import header_labels, table_bytes
from fupin.registry.models import MarketEntity, Region

from . import selectors, services, signing, spot_checks
from .enums import (
    ApplicationKind,
    ApplicationStatus,
    LicenceKind,
    ObjectionKind,
    ObjectionStatus,
    ProductCategory,
    ProductStatus,
    ReviewAction,
    ReviewLevel,
    RevocationReason,
    SpotCheckResult,
    SuspensionReason,
)
from .models import Application, Product

router = Router(tags=["certification"])

Category = choice(ProductCategory)
ProductStatusName = choice(ProductStatus)
AppStatus = choice(ApplicationStatus)
ObjStatus = choice(ObjectionStatus)
ObjKind = choice(ObjectionKind)
ReviewerAction = Literal[tuple(sorted(a.value for a in services.REVIEWER_ACTIONS))]


def _entity(pk: int) -> MarketEntity:
    entity = MarketEntity.objects.select_related("region").filter(pk=pk).first()
    if entity is None:
        raise NotFound(details={"supplier": pk})
    return entity


# -- schemas ----------------------------------------------------------------------------------------------------------
class ProductOut(Schema):
    id: int
    code: str
    name: str
    category: Category
    specification: str
    unit: str
    supplier_id: int
    supplier_name: str = Field(..., alias="supplier.name")
    origin_region_code: str = Field(..., alias="origin_region.code")
    annual_capacity: int
    reference_price_fen: int
    price_fen: int
    status: ProductStatusName
    certified_until: dt.date | None


class ProductIn(Schema):
    supplier_id: Id
    name: str
    category: Category
    unit: str
    origin_region_code: str
    annual_capacity: BigCount
    reference_price_fen: YuanOrZero = Field(..., alias="reference_price",
                                            description="Market reference price per unit, yuan")
    price_fen: YuanOrZero = Field(..., alias="price", description="The supplier's price per unit, yuan")
    specification: str = ""


class LicenceIn(Schema):
    kind: choice(LicenceKind)
    number: str
    valid_from: RecordDate | None = None
    valid_until: RecordDate | None = None
    issuer: str = ""
    product_code: str | None = None


class LicenceOut(Schema):
    id: int
    kind: choice(LicenceKind)
    number: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    product_id: int | None


class ApplicationItemIn(Schema):
    product_code: str
    supply_volume: BigCount
    price_fen: OptionalYuanOrZero = Field(None, alias="price",
                                          description="Price per unit in yuan (default: the product's price)")


class ApplicationIn(Schema):
    supplier_id: Id
    items: list[ApplicationItemIn]
    household_refs: list[str] = []
    kind: choice(ApplicationKind) = "new"


class ApplicationItemOut(Schema):
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    supply_volume: int
    price_fen: int
    reference_price_fen: int


class ApplicationOut(Schema):
    id: int
    number: str
    kind: choice(ApplicationKind)
    supplier_id: int
    supplier_name: str = Field(..., alias="supplier.name")
    region_code: str
    status: AppStatus
    status_since: dt.datetime
    days_waiting: int
    households_claimed: int
    households_linked: int
    notice_start: dt.date | None
    notice_end: dt.date | None
    batch_number: str | None
    last_reason: str
    precheck: list[dict[str, Any]]
    param_versions: dict[str, Any]

    @staticmethod
    def resolve_days_waiting(obj: Application) -> int:
        return selectors.days_waiting(obj)

    @staticmethod
    def resolve_batch_number(obj: Application) -> str | None:
        return obj.batch.number if obj.batch is not None else None


class DecisionOut(Schema):
    at: dt.datetime
    action: choice(ReviewAction)
    level: choice(ReviewLevel, "")
    from_status: choice(ApplicationStatus, "")
    to_status: AppStatus
    reviewer_name: str
    reason: str


class ApplicationDetailOut(ApplicationOut):
    items: list[ApplicationItemOut]
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_items(obj: Application) -> list[Any]:
        return list(obj.items.select_related("product"))

    @staticmethod
    def resolve_decisions(obj: Application) -> list[Any]:
        return list(selectors.decisions_of(application=obj))


class DecideIn(Schema):
    action: ReviewerAction
    reason: str


class BulkDecideIn(Schema):
    ids: list[Id] = Field(..., min_length=1, max_length=500)
    action: ReviewerAction
    reason: str


class ResubmitIn(Schema):
    reason: str = ""
    household_refs: list[str] | None = None


class CertificationReasonIn(Schema):
    reason: str


class CatalogueBatchIn(Schema):
    number: str
    published_on: QueryDate
    application_ids: list[Id] = Field(..., min_length=1, max_length=5000)
    title: str = ""


class CatalogueBatchOut(Schema):
    number: str
    title: str
    published_on: dt.date
    products: int = 0


class ObjectionIn(Schema):
    application_number: str | None = None
    product_code: str | None = None
    name: str
    contact: str = ""
    text: str


class ObjectionOut(Schema):
    id: int
    kind: ObjKind
    status: ObjStatus
    application_number: str | None
    product_code: str | None
    region_code: str
    text: str
    created_at: dt.datetime
    decision_reason: str

    @staticmethod
    def resolve_application_number(obj) -> str | None:
        return obj.application.number if obj.application_id else None

    @staticmethod
    def resolve_product_code(obj) -> str | None:
        return obj.product.code if obj.product_id else None


class ObjectionReceipt(Schema):
    id: int
    kind: ObjKind
    status: ObjStatus


class ObjectionDecideIn(Schema):
    uphold: bool
    reason: str


class SuspendIn(Schema):
    reason: str
    reason_kind: choice(SuspensionReason) = "other"


class RevokeIn(Schema):
    reason_kind: choice(RevocationReason)
    reason: str
    blacklist: bool = True
    blacklist_days: int | None = Field(None, ge=1, le=36500)


class CatalogueOut(Schema):
    code: str
    name: str
    category: Category
    specification: str
    unit: str
    price: str
    supplier: str = Field(..., alias="supplier.name")
    supplier_credit_code: str | None = Field(None, alias="supplier.credit_code")
    origin_region_code: str = Field(..., alias="origin_region.code")
    origin_region_name: str = Field(..., alias="origin_region.name")
    certificate_number: str | None = None
    batch_number: str | None = None
    valid_to: dt.date | None = None

    @staticmethod
    def resolve_price(obj: Product) -> str:
        return fen_to_yuan(obj.price_fen)


class CertificateOut(Schema):
    number: str
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.name")
    product_status: ProductStatusName = Field(..., alias="product.status")
    supplier: str = Field(..., alias="product.supplier.name")
    batch: str = Field(..., alias="batch.number")
    valid_from: dt.date
    valid_to: dt.date
    code: str


class VerifyIn(Schema):
    code: str = Field(..., max_length=4000)


class VerifyOut(Schema):
    valid: bool
    signature_ok: bool
    result: str
    message: str
    certificate: str | None = None
    product_code: str | None = None
    product_name: str | None = None
    supplier_credit_code: str | None = None
    batch: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    status: str | None = None


class PublicKeyOut(Schema):
    algorithm: str
    key_id: str
    public_key_raw_base64: str
    public_key_pem: str
    code_format: str


class NoticeOut(Schema):
    number: str
    status: AppStatus
    supplier: str = Field(..., alias="supplier.name")
    region_code: str
    notice_start: dt.date | None
    notice_end: dt.date | None
    products: list[str]

    @staticmethod
    def resolve_products(obj: Application) -> list[str]:
        return [f"{i.product.code} {i.product.name}" for i in obj.items.all()]


class SpotDrawIn(Schema):
    period: str
    region_prefix: str | None = None
    seed: Seed | None = None


class SpotRoundOut(Schema):
    id: int
    period: str
    drawn_on: dt.date
    seed: int
    method: str
    sample_size: int
    population: int
    region_prefix: str


class SpotCheckOut(Schema):
    id: int
    rank: int
    product_code: str = Field(..., alias="product.code")
    risk_weight: float
    status: choice(SpotCheckResult)
    inspected_on: dt.date | None
    findings: str


class SpotResultIn(Schema):
    passed: bool
    findings: str


class ShortfallOut(Schema):
    supplier_id: int
    supplier: str
    application: str
    region_code: str
    claimed: int
    linked_now: int
    shortfall: int


# -- public routes ------------------------------------------------------------------------------------------------------
@router.get("/catalogue", auth=None, response=list[CatalogueOut])
@paginate(Page)
def catalogue(request, q: str | None = None, category: Category | None = None, province: str | None = None,
              county: str | None = None, supplier: str | None = None, batch: str | None = None):
    return selectors.catalogue(q=q, category=category, province=province, county=county, supplier=supplier,
                               batch=batch)


@router.get("/catalogue/export", auth=None, openapi_extra=file_download("csv", "xlsx", description="the catalogue"))
def catalogue_export(request, fmt: ExportFormat = "xlsx", q: str | None = None, category: Category | None = None,
                     province: str | None = None, county: str | None = None, supplier: str | None = None,
                     batch: str | None = None, lang: Language = "en"):
    qs = selectors.catalogue(q=q, category=category, province=province, county=county, supplier=supplier, batch=batch)
    body = table_bytes(selectors.catalogue_rows(qs), header=header_labels(selectors.CATALOGUE_COLUMNS, language=lang),
                       fmt=fmt, sheet_title="catalogue")
    response = attachment(body, filename=f"catalogue-{timezone.localdate():%Y%m%d}.{fmt}", fmt=fmt)
    if getattr(request.user, "is_authenticated", False):
        export_log(user=request.user, what="certification catalogue", rows=qs.count(), path=request.path)
    return response


@router.get("/catalogue/{code}", auth=None, response=CatalogueOut)
def catalogue_item(request, code: str):
    product = selectors.catalogue().filter(code=code.strip().upper()).first()
    if product is None:
        raise NotFound(details={"product": code})
    return product


@router.get("/catalogue-batches", auth=None, response=list[CatalogueBatchOut])
@paginate(Page)
def batches(request):
    return selectors.batch_list()


@router.get("/certificates/public-key", auth=None, response=PublicKeyOut)
def public_key(request):
    import base64

    return {"algorithm": "Ed25519", "key_id": signing.key_id(),
            "public_key_raw_base64": base64.b64encode(signing.public_key_raw()).decode(),
            "public_key_pem": signing.public_key_pem(),
            "code_format": "FPC1.<base64url(payload JSON)>.<base64url(Ed25519 signature of the payload bytes)>"}


@router.post("/certificates/verify", auth=None, response=VerifyOut)
def verify(request, body: VerifyIn):
    return selectors.verify_code(code=body.code)


@router.get("/certificates/{number}", auth=None, response=CertificateOut)
def certificate(request, number: str):
    return selectors.certificate_get(number=number)


@router.get("/notices", auth=None, response=list[NoticeOut])
@paginate(Page)
def notices(request):
    return selectors.public_notices()


@router.post("/objections", auth=None, response={201: ObjectionReceipt})
def objection_lodge(request, body: ObjectionIn):
    application = product = None
    if body.application_number:
        application = selectors.public_notice_get(number=body.application_number)
    if body.product_code:
        product = selectors.public_product(code=body.product_code)
    obj = services.objection_lodge(name=body.name, contact=body.contact, text=body.text, application=application,
                                   product=product)
    return 201, obj


# -- products and licences ----------------------------------------------------------------------------------------------
@router.get("/certification/products", response=list[ProductOut])
@paginate(Page)
def products(request, supplier_id: Id | None = None, status: ProductStatusName | None = None, q: str | None = None,
             category: Category | None = None):
    return selectors.product_list(viewer=request.user, supplier_id=supplier_id, status=status, q=q, category=category)


@router.post("/certification/products", response={201: ProductOut})
def product_create(request, body: ProductIn):
    region = Region.objects.filter(code=body.origin_region_code.strip()).first()
    if region is None:
        raise InvalidInput(_("Unknown origin region %(code)s.") % {"code": body.origin_region_code},
                           code="unknown_region")
    product = services.product_create(
        supplier=_entity(body.supplier_id), name=body.name, category=body.category, unit=body.unit,
        origin_region=region, annual_capacity=body.annual_capacity,
        reference_price_fen=body.reference_price_fen, price_fen=body.price_fen,
        specification=body.specification, actor=request.user)
    return 201, product


@router.get("/certification/products/{code}", response=ProductOut)
def product(request, code: str):
    return selectors.product_get(viewer=request.user, code=code)


@router.post("/certification/suppliers/{supplier_id}/licences", response={201: LicenceOut})
def licence_add(request, supplier_id: Id, body: LicenceIn):
    supplier = _entity(supplier_id)
    product = None
    if body.product_code:
        product = selectors.product_get(viewer=request.user, code=body.product_code)
    lic = services.licence_add(supplier=supplier, kind=body.kind, number=body.number, valid_from=body.valid_from,
                               valid_until=body.valid_until, issuer=body.issuer, product=product, actor=request.user)
    return 201, lic


@router.get("/certification/suppliers/{supplier_id}/licences", response=list[LicenceOut])
def licences(request, supplier_id: Id):
    return list(selectors.licence_list(viewer=request.user, supplier_id=supplier_id))


@router.post("/certification/products/{code}/suspend", response=ProductOut)
def product_suspend(request, code: str, body: SuspendIn):
    product = selectors.product_get(viewer=request.user, code=code)
    return services.product_suspend(product=product, actor=request.user, reason=body.reason,
                                    reason_kind=body.reason_kind)


@router.post("/certification/products/{code}/reinstate", response=ProductOut)
def product_reinstate(request, code: str, body: CertificationReasonIn):
    product = selectors.product_get(viewer=request.user, code=code)
    return services.product_reinstate(product=product, actor=request.user, reason=body.reason)


@router.post("/certification/products/{code}/revoke", response=ProductOut)
def product_revoke(request, code: str, body: RevokeIn):
    product = selectors.product_get(viewer=request.user, code=code)
    return services.product_revoke(product=product, actor=request.user, reason_kind=body.reason_kind,
                                   reason=body.reason, blacklist=body.blacklist, blacklist_days=body.blacklist_days)


# -- applications and the review ----------------------------------------------------------------------------------------
def _items(request, supplier: MarketEntity, items: list[ApplicationItemIn]) -> list[services.ItemInput]:
    found = selectors.products_by_codes(codes=[i.product_code.strip().upper() for i in items])
    out = []
    for i in items:
        product = found.get(i.product_code.strip().upper())
        if product is None or product.supplier_id != supplier.pk:
            raise InvalidInput(_("Unknown product %(code)s for this supplier.") % {"code": i.product_code},
                               code="unknown_product", details={"product": i.product_code})
        out.append(services.ItemInput(product, i.supply_volume, i.price_fen))
    return out


@router.post("/certification/applications/precheck")
def application_precheck(request, body: ApplicationIn):
    """Run the pre-checks without submitting: each rule's verdict and reason."""
    supplier = _entity(body.supplier_id)
    services.require_supplier_actor(request.user, supplier)
    verdicts, stored = services.precheck_run(supplier=supplier, items=_items(request, supplier, body.items),
                                             household_refs=body.household_refs, kind=body.kind)
    return {"ok": all(v.ok for v in verdicts), "verdicts": [v.as_dict() for v in verdicts],
            "param_versions": stored["param_versions"]}


@router.post("/certification/applications", response={201: ApplicationDetailOut})
def application_submit(request, body: ApplicationIn):
    supplier = _entity(body.supplier_id)
    services.require_supplier_actor(request.user, supplier)
    app = services.application_submit(supplier=supplier, items=_items(request, supplier, body.items),
                                      household_refs=body.household_refs, kind=body.kind, actor=request.user)
    return 201, app


@router.get("/certification/applications", response=list[ApplicationOut])
@paginate(Page)
def applications(request, status: AppStatus | None = None, q: str | None = None, supplier_id: Id | None = None,
                 category: Category | None = None):
    return selectors.application_list(viewer=request.user, status=status, q=q, supplier_id=supplier_id,
                                      category=category)


@router.get("/certification/queue", response=list[ApplicationOut])
@paginate(Page)
def queue(request, status: AppStatus | None = None, q: str | None = None, category: Category | None = None,
          min_days: Days | None = None):
    return selectors.review_queue(viewer=request.user, status=status, q=q, category=category, min_days=min_days or 0)


@router.post("/certification/applications/bulk-decide")
def application_bulk_decide(request, body: BulkDecideIn):
    results = services.application_bulk_decide(application_ids=body.ids, action=body.action, actor=request.user,
                                               reason=body.reason)
    return {"ok": sum(1 for r in results if r["ok"]), "failed": sum(1 for r in results if not r["ok"]),
            "results": results}


@router.get("/certification/applications/{pk}", response=ApplicationDetailOut)
def application(request, pk: Id):
    return selectors.application_get(viewer=request.user, pk=pk)


@router.post("/certification/applications/{pk}/decide", response=ApplicationDetailOut)
def application_decide(request, pk: Id, body: DecideIn):
    app = selectors.application_get(viewer=request.user, pk=pk)
    return services.application_decide(application=app, action=body.action, actor=request.user, reason=body.reason)


@router.post("/certification/applications/{pk}/resubmit", response=ApplicationDetailOut)
def application_resubmit(request, pk: Id, body: ResubmitIn):
    app = selectors.application_get(viewer=request.user, pk=pk)
    return services.application_resubmit(application=app, actor=request.user, reason=body.reason,
                                         household_refs=body.household_refs)


@router.post("/certification/applications/{pk}/withdraw", response=ApplicationDetailOut)
def application_withdraw(request, pk: Id, body: CertificationReasonIn):
    app = selectors.application_get(viewer=request.user, pk=pk)
    return services.application_withdraw(application=app, actor=request.user, reason=body.reason)


@router.post("/certification/batches", response={201: CatalogueBatchOut})
def batch_publish(request, body: CatalogueBatchIn):
    batch = services.batch_publish(number=body.number, published_on=body.published_on,
                                   application_ids=body.application_ids, title=body.title, actor=request.user)
    return 201, {"number": batch.number, "title": batch.title, "published_on": batch.published_on,
                 "products": batch.certificates.count()}


@router.get("/certification/objections", response=list[ObjectionOut])
@paginate(Page)
def objections(request, status: choice(ObjectionStatus, "") = "open", kind: ObjKind | None = None):
    """Open objections by default; `status=` (empty) lists every status."""
    return selectors.objection_list(viewer=request.user, status=status or None, kind=kind)


@router.post("/certification/objections/{pk}/decide", response=ObjectionOut)
def objection_decide(request, pk: Id, body: ObjectionDecideIn):
    obj = selectors.objection_get(viewer=request.user, pk=pk)
    return services.objection_decide(objection=obj, uphold=body.uphold, actor=request.user, reason=body.reason)


@router.get("/certification/linkage-shortfalls", response=list[ShortfallOut])
def linkage_shortfalls(request, on: QueryDate | None = None):
    return selectors.linkage_shortfalls(viewer=request.user, on=on)


# -- spot checks ----------------------------------------------------------------------------------------------------------
@router.get("/certification/spot-checks", response=list[SpotRoundOut])
@paginate(Page)
def spot_rounds(request):
    return selectors.spot_check_rounds(viewer=request.user)


@router.post("/certification/spot-checks", response={201: SpotRoundOut})
def spot_draw(request, body: SpotDrawIn):
    return 201, spot_checks.spot_check_draw(period=body.period, actor=request.user, region_prefix=body.region_prefix,
                                            seed=body.seed)


@router.get("/certification/spot-checks/{round_id}/checks", response=list[SpotCheckOut])
@paginate(Page)
def spot_round_checks(request, round_id: Id):
    return selectors.spot_checks_of(viewer=request.user, round_id=round_id)


@router.post("/certification/spot-checks/checks/{pk}/result", response=SpotCheckOut)
def spot_result(request, pk: Id, body: SpotResultIn):
    check = selectors.spot_check_get(viewer=request.user, pk=pk)
    return spot_checks.spot_check_record(check=check, passed=body.passed, findings=body.findings, actor=request.user)
