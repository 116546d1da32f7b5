"""Certification writes: products and licences, applications and their pre-checks, the multi-level review,
public objections, catalogue batches with signed certificates, and the product lifecycle after listing
(suspension, reinstatement, revocation with blacklisting, expiry, renewal). Spot checks and the annual review live in `spot_checks.py`.

Every status change goes through `fupin.core.audit.transition()` (allowed sources, compare-and-set, audit);
every other write records an audit entry in the same transaction. `today` lets the demo world and the
commands act as of a date; it defaults to the local date.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import access, audit
from fupin.core.errors import AccessDenied, Conflict, InvalidInput, TransitionNotAllowed
from fupin.core.integrity import chain as integrity_chain
from fupin.linkage import selectors as linkage_selectors
from fupin.registry.enums import RegionLevel
from fupin.registry.models import Household, MarketEntity, Organisation, Region

from . import parameters, policy, rules, signing
from .enums import (
    ApplicationKind,
    ApplicationStatus,
    LicenceKind,
    ObjectionKind,
    ObjectionStatus,
    ProductCategory,
    ProductStatus,
    ReviewAction,
    RevocationReason,
    SuspensionReason,
)
from .models import (
    Application,
    ApplicationItem,
    Blacklisting,
    CatalogueBatch,
    Certificate,
    CertificationPeriod,
    Decision,
    Licence,
    Objection,
    Product,
    SupplierAuthorisation,
)

PRODUCT_CODE_RE = re.compile(r"^P\d{4,18}$")
MAX_TEXT = 5000


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def moment(today: dt.date | None) -> dt.datetime:
    """Now, or (acting as of a past date) that date at 09:00 local time."""
    if today is None:
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))


def signed_name(actor: Any) -> str:
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    username = getattr(actor, "username", str(actor))
    return f"{full} ({username})" if full else username


def clean_text(value: Any, *, field: str, required: bool = True, max_len: int = MAX_TEXT) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(_("“%(field)s” is required.") % {"field": field}, code="required", details={"field": field})
    if len(text) > max_len:
        raise InvalidInput(_("“%(field)s” is longer than %(n)d characters.") % {"field": field, "n": max_len},
                           code="too_long", details={"field": field})
    return text


MAX_NUMBER = 10**15  # volumes, capacities and prices in fen stay far inside a 64-bit column


def _int(value: Any, *, field: str, minimum: int = 0, maximum: int = MAX_NUMBER) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(_("“%(field)s” must be a whole number.") % {"field": field}, code="bad_number",
                           details={"field": field}) from None
    if n < minimum:
        raise InvalidInput(_("“%(field)s” must be at least %(min)d.") % {"field": field, "min": minimum},
                           code="bad_number", details={"field": field})
    if n > maximum:
        raise InvalidInput(_("“%(field)s” is too large.") % {"field": field}, code="bad_number",
                           details={"field": field})
    return n


def require_supplier_actor(actor: Any, supplier: MarketEntity, *, today: dt.date | None = None) -> policy.ActingFor:
    """The basis on which `actor` acts for `supplier` (its own organisation, a grant in force, an administrator);
    AccessDenied otherwise. A government office's clerk acts for a supplier only under an explicit grant
    (`supplier_authorisation_grant`); another seller's clerk never without one, whatever its region scope."""
    return policy.authorise_supplier(actor, supplier, on=today)


def _acting_record(actor: Any, acting: policy.ActingFor, *, action: str, obj: Any) -> None:
    """For a state change whose audit entry `audit.transition` writes: a second entry in the same transaction
    naming on whose behalf the actor acted (grant or administrator)."""
    if acting.on_behalf:
        audit.record(actor=actor, action="supplier:act_for", obj=obj, after={"action": action,
                                                                             "acting_for": acting.as_audit()})


# -- who may act for a supplier: explicit authorisations -------------------------------------------------------------
def supplier_authorisation_check(*, organisation: Organisation, entity: MarketEntity, valid_from: dt.date,
                                 valid_to: dt.date | None) -> None:
    """InvalidInput or Conflict when the grant would be pointless or overlap one in force (the admin's form asks
    before it saves)."""
    start = valid_from
    if valid_to is not None and valid_to < start:
        raise InvalidInput(_("An authorisation cannot end before it starts."), code="bad_dates")
    if entity.credit_code and organisation.credit_code == entity.credit_code:
        raise InvalidInput(_("An organisation acts for its own market entity without an authorisation."),
                           code="own_entity")
    overlapping = SupplierAuthorisation.objects.filter(organisation=organisation, entity=entity,
                                                       revoked_at__isnull=True).exclude(valid_to__lt=start)
    if valid_to is not None:
        overlapping = overlapping.exclude(valid_from__gt=valid_to)
    if overlapping.exists():
        raise Conflict(_("%(org)s is already authorised to act for %(entity)s in that period.")
                       % {"org": organisation.name, "entity": entity.name}, code="duplicate_authorisation")


@transaction.atomic
def supplier_authorisation_grant(*, organisation: Organisation, entity: MarketEntity, actor: Any,
                                 valid_from: dt.date | None = None, valid_to: dt.date | None = None,
                                 reason: str = "", today: dt.date | None = None) -> SupplierAuthorisation:
    """Authorise `organisation` to act for the supplier `entity` from `valid_from` (default today) to `valid_to`
    (None: until revoked). Granted by the entity itself, an approver of its county office or an administrator."""
    policy.authorise_grant(actor, entity)
    start = valid_from or today_or(today)
    supplier_authorisation_check(organisation=organisation, entity=entity, valid_from=start, valid_to=valid_to)
    grant = SupplierAuthorisation.objects.create(
        organisation=organisation, entity=entity, valid_from=start, valid_to=valid_to,
        reason=clean_text(reason, field="reason", required=False),
        granted_by=actor if getattr(actor, "pk", None) else None, granted_by_name=signed_name(actor)[:150])
    audit.record(actor=actor, action="supplier_authorisation:grant", obj=grant, after=audit.snapshot(grant),
                 reason=grant.reason)
    return grant


@transaction.atomic
def supplier_authorisation_revoke(*, authorisation: SupplierAuthorisation, actor: Any, reason: str,
                                  today: dt.date | None = None) -> SupplierAuthorisation:
    """End an authorisation now (it stays on record, with who revoked it and why)."""
    policy.authorise_grant(actor, authorisation.entity)
    reason = clean_text(reason, field="reason")
    if authorisation.revoked_at is not None:
        raise Conflict(_("The authorisation was already revoked."), code="already_revoked")
    before = audit.snapshot(authorisation, ["revoked_at", "revoked_by_id", "revoke_reason"])
    n = SupplierAuthorisation.objects.filter(pk=authorisation.pk, revoked_at__isnull=True).update(
        revoked_at=moment(today), revoked_by=actor if getattr(actor, "pk", None) else None, revoke_reason=reason)
    if n != 1:
        raise Conflict(details={"authorisation": authorisation.pk})
    authorisation.refresh_from_db()
    audit.record(actor=actor, action="supplier_authorisation:revoke", obj=authorisation, before=before,
                 after=audit.snapshot(authorisation, ["revoked_at", "revoked_by_id", "revoke_reason"]), reason=reason)
    return authorisation


# -- products and licences ------------------------------------------------------------------------------------------
@transaction.atomic
def product_create(*, supplier: MarketEntity, name: str, category: str, unit: str, origin_region: Region,
                   annual_capacity: int, reference_price_fen: int, price_fen: int, specification: str = "",
                   code: str = "", actor: Any) -> Product:
    acting = require_supplier_actor(actor, supplier)
    if category not in ProductCategory.values:
        raise InvalidInput(_("Unknown category “%(c)s”.") % {"c": category}, code="bad_category",
                           details={"allowed": list(ProductCategory.values)})
    if origin_region.level not in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        raise InvalidInput(_("The origin must be a county, township or village."), code="bad_origin",
                           details={"origin": origin_region.code})
    code = (code or "").strip().upper()
    if code and not PRODUCT_CODE_RE.match(code):
        raise InvalidInput(_("A product code is “P” followed by 4 to 18 digits."), code="bad_code")
    if code and Product.objects.filter(code=code).exists():
        raise Conflict(_("Product code %(code)s is taken.") % {"code": code}, code="duplicate_code")
    product = Product.objects.create(
        code=code or f"T{uuid.uuid4().hex[:18]}", name=clean_text(name, field="name", max_len=200), category=category,
        unit=clean_text(unit, field="unit", max_len=20), supplier=supplier, origin_region=origin_region,
        specification=clean_text(specification, field="specification", required=False, max_len=200),
        annual_capacity=_int(annual_capacity, field="annual_capacity"),
        reference_price_fen=_int(reference_price_fen, field="reference_price_fen"),
        price_fen=_int(price_fen, field="price_fen"),
    )
    if not code:
        product.code = f"P{product.pk:08d}"
        product.save(update_fields=["code"])
    audit.record(actor=actor, action="product:create", obj=product,
                 after={**audit.snapshot(product), "acting_for": acting.as_audit()})
    return product


@transaction.atomic
def licence_add(*, supplier: MarketEntity, kind: str, number: str, valid_from: dt.date | None = None,
                valid_until: dt.date | None = None, issuer: str = "", product: Product | None = None,
                actor: Any) -> Licence:
    acting = require_supplier_actor(actor, supplier)
    if kind not in LicenceKind.values:
        raise InvalidInput(_("Unknown licence kind “%(k)s”.") % {"k": kind}, code="bad_kind",
                           details={"allowed": list(LicenceKind.values)})
    if product is not None and product.supplier_id != supplier.pk:
        raise InvalidInput(_("The product belongs to another supplier."), code="wrong_supplier")
    if valid_from and valid_until and valid_until < valid_from:
        raise InvalidInput(_("A licence cannot expire before it starts."), code="bad_dates")
    lic = Licence.objects.create(supplier=supplier, product=product, kind=kind,
                                 number=clean_text(number, field="number", max_len=60),
                                 issuer=clean_text(issuer, field="issuer", required=False, max_len=200),
                                 valid_from=valid_from, valid_until=valid_until)
    audit.record(actor=actor, action="licence:add", obj=lic,
                 after={**audit.snapshot(lic), "acting_for": acting.as_audit()})
    return lic


# -- pre-checks -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemInput:
    product: Product
    supply_volume: int
    price_fen: int | None = None


def area_facts(regions: Sequence[Region]) -> dict[str, rules.AreaFacts]:
    """Region code → AreaFacts (poverty county of its county, poor village), one query for the counties."""
    county_codes = {r.code[:6] for r in regions}
    counties = dict(Region.objects.filter(code__in=county_codes).values_list("code", "is_poverty_county"))
    return {r.code: rules.AreaFacts(code=r.code, poverty_county=bool(counties.get(r.code[:6], False)),
                                    poor_village=bool(r.is_poor_village)) for r in regions}


def blacklisted_until(*, supplier_id: int, on: dt.date) -> tuple[bool, dt.date | None]:
    rows = Blacklisting.objects.filter(supplier_id=supplier_id, start__lte=on).exclude(end__lt=on)
    ends = list(rows.values_list("end", flat=True))
    if not ends:
        return False, None
    return True, (None if any(e is None for e in ends) else max(e for e in ends if e is not None))


def precheck_run(*, supplier: MarketEntity, items: Sequence[ItemInput], household_refs: Sequence[str],
                 kind: str = ApplicationKind.NEW, today: dt.date | None = None,
                 exclude_application_id: int | None = None) -> tuple[list[rules.Verdict], dict[str, Any]]:
    """Gather the facts and run every pre-check. Returns the verdicts and what to store on the application."""
    on = today_or(today)
    p = parameters.precheck_params(on=on)
    products = [i.product for i in items]
    regions = [supplier.region, *(pr.origin_region for pr in products)]
    areas = area_facts(regions)
    open_items = ApplicationItem.objects.filter(product__in=products, application__status__in=rules.OPEN_STATUSES)
    if exclude_application_id is not None:
        open_items = open_items.exclude(application_id=exclude_application_id)
    open_by_product = dict(open_items.values_list("product_id", "application__number"))
    item_facts = [
        rules.ItemFacts(
            product_id=i.product.pk, product_code=i.product.code, category=i.product.category,
            origin=areas[i.product.origin_region.code], supply_volume=int(i.supply_volume),
            annual_capacity=i.product.annual_capacity,
            price_fen=int(i.price_fen if i.price_fen is not None else i.product.price_fen),
            reference_price_fen=i.product.reference_price_fen, product_status=i.product.status,
            open_application=open_by_product.get(i.product.pk, ""),
        )
        for i in items
    ]
    refs = tuple(dict.fromkeys(r.strip() for r in household_refs if r and r.strip()))
    found = dict(Household.objects.filter(registry_code__in=refs).values_list("registry_code", "id")) if refs else {}
    linked = linkage_selectors.linked_household_ids(entity_ids=[supplier.pk], on=on).get(supplier.pk, set())
    evidence = rules.HouseholdEvidence(linked_ids=frozenset(linked), declared_refs=refs, declared_found=found)
    licences = [rules.LicenceFacts(kind=lic.kind, number=lic.number, valid_until=lic.valid_until,
                                   valid_from=lic.valid_from, product_id=lic.product_id)
                for lic in Licence.objects.filter(supplier=supplier)]
    is_black, until = blacklisted_until(supplier_id=supplier.pk, on=on)
    applicant = rules.ApplicantFacts(kind=supplier.kind, credit_code=supplier.credit_code or "",
                                     area=areas[supplier.region.code], blacklisted=is_black, blacklisted_until=until)
    verdicts = rules.precheck(applicant=applicant, items=item_facts, evidence=evidence, licences=licences, params=p,
                              renewal=kind == ApplicationKind.RENEWAL)
    stored = {
        "precheck": [v.as_dict() for v in verdicts], "param_versions": p.versions,
        "households_declared": list(refs), "households_linked": len(linked),
        "households_claimed": len(set(linked) | set(found.values())), "items": item_facts,
    }
    return verdicts, stored


def _items_checked(supplier: MarketEntity, items: Sequence[ItemInput]) -> list[ItemInput]:
    if not items:
        raise InvalidInput(_("Name at least one product."), code="no_products")
    seen: set[int] = set()
    out = []
    for i in items:
        if i.product.supplier_id != supplier.pk:
            raise InvalidInput(_("Product %(code)s belongs to another supplier.") % {"code": i.product.code},
                               code="wrong_supplier", details={"product": i.product.code})
        if i.product.pk in seen:
            raise InvalidInput(_("Product %(code)s is listed twice.") % {"code": i.product.code}, code="duplicate")
        seen.add(i.product.pk)
        volume = _int(i.supply_volume, field="supply_volume")
        price = None if i.price_fen is None else _int(i.price_fen, field="price_fen")
        out.append(ItemInput(i.product, volume, price))
    return out


def _refuse_failed(verdicts: list[rules.Verdict]) -> None:
    bad = rules.failed(verdicts)
    if bad:
        raise InvalidInput(
            _("The application fails the pre-checks: %(reasons)s") % {"reasons": " ".join(v.reason for v in bad)},
            code="precheck_failed", details={"verdicts": [v.as_dict() for v in verdicts]},
        )


def _decision(app: Application, *, action: str, from_status: str, to_status: str, actor: Any, reason: str,
              level: str = "", today: dt.date | None = None) -> Decision:
    decision = Decision.objects.create(
        application=app, at=moment(today), action=action, level=level, from_status=from_status, to_status=to_status,
        reviewer=actor if getattr(actor, "pk", None) else None, reviewer_name=signed_name(actor), reason=reason,
    )
    integrity_chain.link_object(decision)  # tamper evidence
    return decision


@transaction.atomic
def application_submit(*, supplier: MarketEntity, items: Sequence[ItemInput], household_refs: Sequence[str] = (),
                       kind: str = ApplicationKind.NEW, actor: Any, reason: str = "",
                       today: dt.date | None = None) -> Application:
    """Submit an application; refused with every failing pre-check's reason (nothing is written then)."""
    acting = require_supplier_actor(actor, supplier, today=today)
    if kind not in ApplicationKind.values:
        raise InvalidInput(_("Unknown application kind “%(k)s”.") % {"k": kind}, code="bad_kind")
    items = _items_checked(supplier, items)
    verdicts, stored = precheck_run(supplier=supplier, items=items, household_refs=household_refs, kind=kind,
                                    today=today)
    _refuse_failed(verdicts)
    now = moment(today)
    app = Application.objects.create(
        number=f"T{uuid.uuid4().hex[:20]}", kind=kind, supplier=supplier, region_code=supplier.region.code,
        status=ApplicationStatus.SUBMITTED, status_since=now, submitted_at=now,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        **{k: stored[k] for k in ("precheck", "param_versions", "households_declared", "households_linked",
                                  "households_claimed")},
    )
    app.number = f"A{now.year}{app.pk:07d}"
    app.save(update_fields=["number"])
    ApplicationItem.objects.bulk_create([
        ApplicationItem(application=app, product=i.product, supply_volume=i.supply_volume,
                        price_fen=i.price_fen if i.price_fen is not None else i.product.price_fen,
                        reference_price_fen=i.product.reference_price_fen)
        for i in items
    ])
    text = reason.strip() or _("Submitted for certification.")
    audit.record(actor=actor, action="application:submit", obj=app, after={"status": app.status,
                 "products": [i.product.code for i in items], "households_claimed": app.households_claimed,
                 "acting_for": acting.as_audit()},
                 reason=text)
    _decision(app, action=ReviewAction.SUBMIT, from_status="", to_status=app.status, actor=actor, reason=text,
              today=today)
    return app


def _move(app: Application, *, action: str, actor: Any, reason: str, level: str = "",
          changes: dict[str, Any] | None = None, today: dt.date | None = None) -> Application:
    before = app.status
    to = rules.next_status(before, action)
    audit.transition(app, to=to, allowed_from=rules.sources_of(action, to), actor=actor, reason=reason,
                     action=f"application:{action}",
                     changes={"status_since": moment(today), "last_reason": reason, **(changes or {})})
    _decision(app, action=action, from_status=before, to_status=to, actor=actor, reason=reason, level=level,
              today=today)
    return app


@transaction.atomic
def application_resubmit(*, application: Application, actor: Any, reason: str = "",
                         items: Sequence[ItemInput] | None = None, household_refs: Sequence[str] | None = None,
                         today: dt.date | None = None) -> Application:
    """The supplier resubmits a returned application, with changed evidence if given; the pre-checks run again."""
    acting = require_supplier_actor(actor, application.supplier, today=today)
    rules.next_status(application.status, ReviewAction.RESUBMIT)
    if items is None:
        items = [ItemInput(i.product, i.supply_volume, i.price_fen)
                 for i in application.items.select_related("product", "product__origin_region")]
    items = _items_checked(application.supplier, items)
    refs = application.households_declared if household_refs is None else household_refs
    verdicts, stored = precheck_run(supplier=application.supplier, items=items, household_refs=refs,
                                    kind=application.kind, today=today, exclude_application_id=application.pk)
    _refuse_failed(verdicts)
    application.items.all().delete()
    ApplicationItem.objects.bulk_create([
        ApplicationItem(application=application, product=i.product, supply_volume=i.supply_volume,
                        price_fen=i.price_fen if i.price_fen is not None else i.product.price_fen,
                        reference_price_fen=i.product.reference_price_fen)
        for i in items
    ])
    changes = {k: stored[k] for k in ("precheck", "param_versions", "households_declared", "households_linked",
                                      "households_claimed")}
    _move(application, action=ReviewAction.RESUBMIT, actor=actor,
          reason=reason.strip() or _("Resubmitted with changes."), changes=changes, today=today)
    _acting_record(actor, acting, action="application:resubmit", obj=application)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, actor: Any, reason: str = "",
                         today: dt.date | None = None) -> Application:
    acting = require_supplier_actor(actor, application.supplier, today=today)
    _move(application, action=ReviewAction.WITHDRAW, actor=actor,
          reason=reason.strip() or _("Withdrawn by the supplier."), today=today)
    _acting_record(actor, acting, action="application:withdraw", obj=application)
    return application


# -- the review -------------------------------------------------------------------------------------------------------
def require_reviewer(actor: Any, application: Application) -> str:
    """The stage level if `actor` may decide `application` now; AccessDenied otherwise. The reviewer must be a
    reviewer or approver at exactly the stage's level, scoped over the application's region (谁审核、谁把关、谁负责)."""
    level = rules.STAGE_LEVEL.get(application.status)
    if level is None:
        raise TransitionNotAllowed(_("No reviewer decides an application in state “%(status)s”.")
                                   % {"status": application.status}, details={"from": application.status})
    access.authorise(actor, roles=rules.REVIEW_ROLES, region_code=application.region_code, scope_levels=(level,),
                     what="application review")
    return level


def open_objection_count(application: Application) -> int:
    return application.objections.filter(status=ObjectionStatus.OPEN).count()


REVIEWER_ACTIONS = frozenset({ReviewAction.APPROVE, ReviewAction.REJECT, ReviewAction.RETURN,
                              ReviewAction.CLOSE_NOTICE})


@transaction.atomic
def application_decide(*, application: Application, action: str, actor: Any, reason: str,
                       today: dt.date | None = None) -> Application:
    """A reviewer's signed decision: approve, reject, return for changes, or close a finished county notice."""
    if action not in REVIEWER_ACTIONS:
        raise InvalidInput(_("Unknown review action “%(a)s”; use approve, reject, return or close_notice.")
                           % {"a": action}, code="bad_action", details={"allowed": sorted(REVIEWER_ACTIONS)})
    reason = clean_text(reason, field="reason")
    to = rules.next_status(application.status, action)
    level = require_reviewer(actor, application)
    on = today_or(today)
    changes: dict[str, Any] = {}
    if action == ReviewAction.APPROVE and to in (ApplicationStatus.COUNTY_NOTICE, ApplicationStatus.NATIONAL_NOTICE):
        key = (parameters.COUNTY_NOTICE_DAYS if to == ApplicationStatus.COUNTY_NOTICE
               else parameters.NATIONAL_NOTICE_DAYS)
        days = int(parameters.value(key, on=on, region_code=application.region_code))
        changes["notice_start"], changes["notice_end"] = rules.notice_window(start=on, days=days)
    if action == ReviewAction.CLOSE_NOTICE:
        if not rules.notice_over(notice_end=application.notice_end, today=on):
            raise InvalidInput(_("The public notice runs until %(end)s; it can be closed after that.")
                               % {"end": application.notice_end}, code="notice_running")
        if open_objection_count(application):
            raise InvalidInput(_("Decide the open objections before closing the notice."), code="open_objections")
    return _move(application, action=action, actor=actor, reason=reason, level=level, changes=changes, today=today)


def application_bulk_decide(*, application_ids: Sequence[int], action: str, actor: Any, reason: str,
                            today: dt.date | None = None) -> list[dict[str, Any]]:
    """Decide several applications with one signed reason; each in its own transaction, each result reported."""
    results = []
    for pk in dict.fromkeys(application_ids):
        app = Application.objects.filter(pk=pk).select_related("supplier", "supplier__region").first()
        if app is None or not actor.can_see_code(app.region_code):
            results.append({"id": pk, "ok": False, "code": "not_found", "message": str(_("Not found."))})
            continue
        try:
            application_decide(application=app, action=action, actor=actor, reason=reason, today=today)
            results.append({"id": pk, "number": app.number, "ok": True, "status": app.status})
        except (InvalidInput, AccessDenied, TransitionNotAllowed, Conflict) as exc:
            results.append({"id": pk, "number": app.number, "ok": False, "code": exc.code, "message": str(exc.message)})
    return results


# -- objections and complaints ---------------------------------------------------------------------------------------
@transaction.atomic
def objection_lodge(*, name: str, text: str, contact: str = "", application: Application | None = None,
                    product: Product | None = None, today: dt.date | None = None) -> Objection:
    """Anyone may object to an application during its public notice, or complain about a certified product."""
    on = today_or(today)
    name = clean_text(name, field="name", max_len=100)
    text = clean_text(text, field="text")
    contact = clean_text(contact, field="contact", required=False, max_len=100)
    if (application is None) == (product is None):
        raise InvalidInput(_("An objection concerns either an application in notice or a certified product."),
                           code="bad_target")
    if application is not None:
        if application.status not in rules.NOTICE_STATUSES or not (
                application.notice_start and application.notice_start <= on <= (application.notice_end or on)):
            raise InvalidInput(_("Application %(n)s is not in a public notice.") % {"n": application.number},
                               code="not_in_notice")
        kind = (ObjectionKind.COUNTY_NOTICE if application.status == ApplicationStatus.COUNTY_NOTICE
                else ObjectionKind.NATIONAL_NOTICE)
        region_code = application.region_code
    else:
        assert product is not None  # noqa: S101 - narrows the type: exactly one of application and product, checked above
        if product.status not in rules.COMPLAINABLE_STATES:
            raise InvalidInput(_("Product %(c)s is not in the catalogue.") % {"c": product.code}, code="not_certified")
        kind, region_code = ObjectionKind.COMPLAINT, product.supplier.region.code
    obj = Objection.objects.create(kind=kind, application=application, product=product, region_code=region_code,
                                   lodger_name=name, lodger_contact=contact, text=text)
    audit.record(actor="public", action="objection:lodge", obj=obj,
                 after={"kind": kind, "application": application.pk if application else None,
                        "product": product.pk if product else None})
    return obj


@transaction.atomic
def objection_decide(*, objection: Objection, uphold: bool, actor: Any, reason: str,
                     today: dt.date | None = None) -> Objection:
    """Uphold or dismiss an objection. Upheld during the county notice: back to county review; during the national
    notice: back to national filing; an upheld complaint suspends the product."""
    reason = clean_text(reason, field="reason")
    if not getattr(actor, "is_authenticated", False):
        raise AccessDenied(_("Sign in to decide objections."))
    app = objection.application
    if app is not None:
        require_reviewer(actor, app)
    else:
        require_product_actor(actor, region_code=objection.region_code, action="suspend")
    to = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
    audit.transition(objection, to=to, allowed_from=[ObjectionStatus.OPEN], actor=actor, reason=reason,
                     action=f"objection:{to}", changes={"decided_by": actor, "decided_at": moment(today),
                                                        "decision_reason": reason})
    if uphold and app is not None:
        _move(app, action=ReviewAction.OBJECTION_UPHELD, actor=actor, reason=reason,
              level=rules.STAGE_LEVEL[app.status], changes={"notice_start": None, "notice_end": None}, today=today)
    if uphold and objection.product is not None and objection.product.status == ProductStatus.CERTIFIED:
        product_suspend_unchecked(product=objection.product, actor=actor, reason_kind=SuspensionReason.UPHELD_COMPLAINT,
                                  reason=reason, today=today)
    return objection


# -- catalogue batches and certificates ------------------------------------------------------------------------------
def _open_period(product: Product, *, start: dt.date, end: dt.date | None, certificate: Certificate | None) -> None:
    periods = list(product.periods.order_by("start").values_list("id", "start", "end"))
    target = rules.merge_target(periods, start)
    if target is None:
        CertificationPeriod.objects.create(product=product, start=start, end=end, certificate=certificate)
        return
    row = CertificationPeriod.objects.get(pk=target)
    row.end = None if (row.end is None or end is None) else max(row.end, end)
    if certificate is not None:
        row.certificate = certificate
    row.save(update_fields=["end", "certificate"])


def _close_period(product: Product, *, day: dt.date) -> None:
    """End the period covering `day` on that day: the product counts as certified through the day of the decision."""
    periods = list(product.periods.values_list("id", "start", "end"))
    target = rules.covering_period(periods, day)
    if target is not None:
        CertificationPeriod.objects.filter(pk=target).update(end=day)


def certificate_issue(*, product: Product, application: Application | None, batch: CatalogueBatch, valid_from: dt.date,
                      valid_to: dt.date) -> Certificate:
    """A signed certificate of `product` in `batch` (no application: one issued before go-live, loaded by the
    historical catalogue import)."""
    cert = Certificate.objects.create(number=f"T{uuid.uuid4().hex[:30]}", product=product, application=application,
                                      batch=batch, valid_from=valid_from, valid_to=valid_to, code="")
    cert.number = f"FP{valid_from.year}{cert.pk:08d}"
    payload = rules.certificate_payload(
        number=cert.number, product_code=product.code, product_name=product.name,
        supplier_code=product.supplier.credit_code or "", valid_from=valid_from, valid_to=valid_to,
        batch=batch.number, key_id=signing.key_id())
    cert.code = rules.encode_code(payload, signing.sign(payload))
    cert.save(update_fields=["number", "code"])
    return cert


def _product_move(product: Product, *, action: str, actor: Any, reason: str,
                  changes: dict[str, Any] | None = None) -> Product:
    sources, to = rules.product_move(product.status, action)
    audit.transition(product, to=to, allowed_from=sources, actor=actor, reason=reason, action=f"product:{action}",
                     changes=changes)
    return product


@transaction.atomic
def batch_publish(*, number: str, published_on: dt.date, application_ids: Sequence[int], actor: Any, title: str = "",
                  today: dt.date | None = None) -> CatalogueBatch:
    """Publish a catalogue batch: each application (in national notice, notice over, no open objection) is listed,
    each product certified (or renewed) with a signed certificate and a certified period."""
    number = clean_text(number, field="number", max_len=30)
    on = today_or(today)
    if published_on > on:
        raise InvalidInput(_("A batch cannot be published in the future."), code="future_date")
    if CatalogueBatch.objects.filter(number=number).exists():
        raise Conflict(_("Batch %(n)s already exists.") % {"n": number}, code="duplicate_batch")
    apps = list(Application.objects.filter(pk__in=list(application_ids)).select_related("supplier", "supplier__region"))
    if not apps or len(apps) != len(set(application_ids)):
        raise InvalidInput(_("Name the applications to list; some were not found."), code="bad_applications")
    for app in apps:
        rules.next_status(app.status, ReviewAction.LIST)
        require_reviewer(actor, app)
        if not rules.notice_over(notice_end=app.notice_end, today=published_on):
            raise InvalidInput(_("The national notice of %(n)s runs until %(end)s.") % {"n": app.number,
                               "end": app.notice_end}, code="notice_running")
        if open_objection_count(app):
            raise InvalidInput(_("Application %(n)s has open objections.") % {"n": app.number}, code="open_objections")
    batch = CatalogueBatch.objects.create(number=number, title=clean_text(title, field="title", required=False, max_len=200),
                                          published_on=published_on,
                                          published_by=actor if getattr(actor, "pk", None) else None)
    audit.record(actor=actor, action="batch:publish", obj=batch,
                 after={"number": number, "published_on": published_on, "applications": [a.number for a in apps]})
    days = int(parameters.value(parameters.VALIDITY_DAYS, on=published_on))
    for app in apps:
        reason = _("Listed in catalogue batch %(n)s.") % {"n": number}
        _move(app, action=ReviewAction.LIST, actor=actor, reason=reason, level="nation", changes={"batch": batch},
              today=today)
        for item in app.items.select_related("product", "product__supplier"):
            product = item.product
            valid_from = published_on
            valid_to = valid_from + dt.timedelta(days=days - 1)
            if product.status == ProductStatus.CERTIFIED and product.certified_until:
                valid_to = max(valid_to, product.certified_until)  # a renewal never shortens a running certificate
            cert = certificate_issue(product=product, application=app, batch=batch, valid_from=valid_from,
                                     valid_to=valid_to)
            action = "certify" if product.status == ProductStatus.REGISTERED else "renew"
            _product_move(product, action=action, actor=actor, reason=reason, changes={"certified_until": valid_to})
            _open_period(product, start=valid_from, end=valid_to, certificate=cert)
    return batch


# -- after listing: suspension, reinstatement, revocation, expiry -----------------------------------------------------
def require_product_actor(actor: Any, *, region_code: str, action: str) -> None:
    """Suspending and reinstating need a reviewer or approver whose scope covers the product's supplier; revoking
    needs one at province or national level."""
    access.authorise(actor, roles=rules.REVIEW_ROLES, region_code=region_code,
                     scope_levels=rules.PRODUCT_ACTION_LEVELS.get(action), what=f"product {action}")


def product_suspend_unchecked(*, product: Product, actor: Any, reason_kind: str, reason: str,
                              today: dt.date | None = None) -> Product:
    """Suspend (callers have checked the actor: spot checks, complaints, annual review)."""
    on = today_or(today)
    _product_move(product, action="suspend", actor=actor, reason=f"[{reason_kind}] {reason}")
    _close_period(product, day=on)
    return product


@transaction.atomic
def product_suspend(*, product: Product, actor: Any, reason: str, reason_kind: str = SuspensionReason.OTHER,
                    today: dt.date | None = None) -> Product:
    if reason_kind not in SuspensionReason.values:
        raise InvalidInput(_("Unknown suspension reason “%(r)s”.") % {"r": reason_kind}, code="bad_reason")
    reason = clean_text(reason, field="reason")
    rules.product_move(product.status, "suspend")
    require_product_actor(actor, region_code=product.supplier.region.code, action="suspend")
    return product_suspend_unchecked(product=product, actor=actor, reason_kind=reason_kind, reason=reason, today=today)


@transaction.atomic
def product_reinstate(*, product: Product, actor: Any, reason: str, today: dt.date | None = None) -> Product:
    reason = clean_text(reason, field="reason")
    rules.product_move(product.status, "reinstate")
    require_product_actor(actor, region_code=product.supplier.region.code, action="reinstate")
    on = today_or(today)
    if not product.certified_until or product.certified_until < on:
        raise InvalidInput(_("The certificate has lapsed; the product must be renewed instead."), code="lapsed")
    _product_move(product, action="reinstate", actor=actor, reason=reason)
    _open_period(product, start=on, end=product.certified_until, certificate=None)
    return product


@transaction.atomic
def product_revoke(*, product: Product, actor: Any, reason_kind: str, reason: str, blacklist: bool = True,
                   blacklist_days: int | None = None, today: dt.date | None = None) -> Product:
    """Remove a product from the catalogue; the supplier may be blacklisted (for the dated period by reason)."""
    if reason_kind not in RevocationReason.values:
        raise InvalidInput(_("Unknown revocation reason “%(r)s”.") % {"r": reason_kind}, code="bad_reason",
                           details={"allowed": list(RevocationReason.values)})
    reason = clean_text(reason, field="reason")
    rules.product_move(product.status, "revoke")
    require_product_actor(actor, region_code=product.supplier.region.code, action="revoke")
    on = today_or(today)
    _product_move(product, action="revoke", actor=actor, reason=f"[{reason_kind}] {reason}")
    _close_period(product, day=on)
    if blacklist:
        if blacklist_days is None:
            by_reason = parameters.value(parameters.BLACKLIST_DAYS, on=on)
            blacklist_days = int(by_reason.get(reason_kind, 365))
        entry = Blacklisting.objects.create(supplier=product.supplier, start=on,
                                            end=rules.blacklist_end(on, _int(blacklist_days, field="blacklist_days",
                                                                             minimum=1)),
                                            reason_kind=reason_kind, reason=reason, product=product)
        audit.record(actor=actor, action="supplier:blacklist", obj=entry, after=audit.snapshot(entry), reason=reason)
    return product


def products_expire(*, actor: Any = "system", today: dt.date | None = None) -> int:
    """Expire every certified or suspended product whose certificate ran out before `today`; returns the count."""
    on = today_or(today)
    n = 0
    due = Product.objects.filter(status__in=[ProductStatus.CERTIFIED, ProductStatus.SUSPENDED],
                                 certified_until__lt=on)
    for product in due.iterator():
        with transaction.atomic():
            try:
                _product_move(product, action="expire", actor=actor,
                              reason=_("Certificate expired on %(d)s.") % {"d": product.certified_until})
            except Conflict:
                continue
            n += 1
    return n
