"""Continuous supervision writes: reproducible risk-weighted spot-check draws (seed and method recorded),
inspection results (a failure suspends the product) and the annual review (licences still valid)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils.translation import gettext as _

from fupin.core import access, audit
from fupin.core.errors import Conflict, InvalidInput

from . import parameters, rules
from .enums import LicenceKind, ObjectionStatus, ProductStatus, SpotCheckResult, SuspensionReason
from .models import Licence, Product, SpotCheck, SpotCheckRound
from .services import clean_text, moment, product_suspend_unchecked, today_or


def default_seed(period: str, region_prefix: str) -> int:
    """A seed anyone can recompute from the period and region (the draw is reproducible and checkable)."""
    return int(hashlib.sha256(f"fupin-spot-check:{period}:{region_prefix}".encode()).hexdigest()[:12], 16)


def risk_facts(*, products: list[Product], on: dt.date) -> dict[int, rules.RiskFacts]:
    """The risk facts of each product (a fixed number of queries for the whole population)."""
    ids = [p.pk for p in products]
    complaints = dict(Product.objects.filter(pk__in=ids).annotate(
        n=Count("complaints", filter=~Q(complaints__status=ObjectionStatus.DISMISSED))).values_list("pk", "n"))
    failed = dict(Product.objects.filter(pk__in=ids).annotate(
        n=Count("spot_checks", filter=Q(spot_checks__status=SpotCheckResult.FAILED))).values_list("pk", "n"))
    first = dict(Product.objects.filter(pk__in=ids).annotate(s=Min("periods__start")).values_list("pk", "s"))
    supplier_ids = {p.supplier_id for p in products}
    licence_ends: dict[tuple[int, int | None], dt.date] = {}
    for sup, prod, end in Licence.objects.filter(supplier_id__in=supplier_ids, valid_until__isnull=False).filter(
            Q(product_id__in=ids) | Q(product__isnull=True, kind=LicenceKind.BUSINESS)).values_list(
            "supplier_id", "product_id", "valid_until"):
        if end is None:  # never: valid_until__isnull=False above (narrows the type)
            continue
        key = (sup, prod)
        licence_ends[key] = min(end, licence_ends.get(key, end))
    out = {}
    for p in products:
        ends = [e for (sup, prod), e in licence_ends.items() if sup == p.supplier_id and prod in (None, p.pk)]
        dev = rules.price_deviation_pct(p.price_fen, p.reference_price_fen) or 0.0
        out[p.pk] = rules.RiskFacts(
            product_id=p.pk, category=p.category, complaints=complaints.get(p.pk, 0), failed_checks=failed.get(p.pk, 0),
            days_certified=(on - first[p.pk]).days if first.get(p.pk) else 0,
            licence_days_left=(min(ends) - on).days if ends else None, price_deviation_pct=dev,
        )
    return out


def _require_supervisor(actor: Any, region_prefix: str) -> None:
    """Spot checks are drawn and recorded by reviewers or approvers whose scope covers the region (a code prefix)."""
    access.authorise(actor, roles=rules.REVIEW_ROLES, region_code=region_prefix, what="spot check")


@transaction.atomic
def spot_check_draw(*, period: str, actor: Any, region_prefix: str | None = None, seed: int | None = None,
                    today: dt.date | None = None) -> SpotCheckRound:
    """Draw the period's sample of certified products in the region, weighted by risk, reproducibly."""
    on = today_or(today)
    period = clean_text(period, field="period", max_len=20)
    prefix = (region_prefix if region_prefix is not None else getattr(actor, "scope_prefix", "")).strip()
    if prefix and not prefix.isdigit():
        raise InvalidInput(_("A region prefix is digits only."), code="bad_region")
    _require_supervisor(actor, prefix)
    if SpotCheckRound.objects.filter(period=period).exists():
        raise Conflict(_("The spot-check round for %(p)s was already drawn.") % {"p": period}, code="duplicate_round")
    seed = default_seed(period, prefix) if seed is None else int(seed)
    population = list(Product.objects.filter(status=ProductStatus.CERTIFIED, supplier__region__code__startswith=prefix)
                      .order_by("pk"))
    facts = risk_facts(products=population, on=on)
    weights = {pk: rules.risk_weight(f) for pk, f in facts.items()}
    sample = parameters.version(parameters.SPOT_CHECK_SAMPLE, on=on)
    k = rules.sample_size(len(population), share_pct=float(sample.value["share_pct"]),
                          minimum=int(sample.value["minimum"]))
    drawn = rules.weighted_sample(weights, k, seed=seed)
    rnd = SpotCheckRound.objects.create(
        period=period, drawn_on=on, seed=seed, method=f"{rules.SAMPLING_METHOD}; parameter version {sample.id}"[:300],
        sample_size=len(drawn), population=len(population), region_prefix=prefix,
        drawn_by=actor if getattr(actor, "pk", None) else None,
    )
    SpotCheck.objects.bulk_create([SpotCheck(round=rnd, product_id=pk, rank=i + 1, risk_weight=weights[pk])
                                   for i, pk in enumerate(drawn)])
    audit.record(actor=actor, action="spot_check:draw", obj=rnd,
                 after={"period": period, "seed": seed, "population": len(population), "sample": len(drawn),
                        "products": drawn, "parameter_version": sample.id})
    return rnd


@transaction.atomic
def spot_check_record(*, check: SpotCheck, passed: bool, findings: str, actor: Any,
                      today: dt.date | None = None) -> SpotCheck:
    """Record an inspection; a failed check suspends the product."""
    findings = clean_text(findings, field="findings")
    on = today_or(today)
    product = check.product
    _require_supervisor(actor, product.supplier.region.code)
    to = SpotCheckResult.PASSED if passed else SpotCheckResult.FAILED
    audit.transition(check, to=to, allowed_from=[SpotCheckResult.PENDING], actor=actor, reason=findings,
                     action=f"spot_check:{to}", changes={"inspected_on": on, "inspector": actor, "findings": findings})
    if not passed and product.status == ProductStatus.CERTIFIED:
        product_suspend_unchecked(product=product, actor=actor, reason_kind=SuspensionReason.SPOT_CHECK_FAILED,
                                  reason=findings, today=today)
    return check


def annual_review(*, actor: Any = "system", today: dt.date | None = None) -> dict[str, int]:
    """Re-check every certified product's licences on `today`; suspend those that are no longer valid."""
    on = today_or(today)
    reviewed = suspended = 0
    for product in Product.objects.filter(status=ProductStatus.CERTIFIED).select_related("supplier").iterator():
        reviewed += 1
        licences = [rules.LicenceFacts(kind=lic.kind, number=lic.number, valid_until=lic.valid_until,
                                       valid_from=lic.valid_from, product_id=lic.product_id)
                    for lic in Licence.objects.filter(supplier_id=product.supplier_id)]
        item = rules.ItemFacts(product_id=product.pk, product_code=product.code, category=product.category,
                               origin=rules.AreaFacts(code=""), supply_volume=0, annual_capacity=0, price_fen=0,
                               reference_price_fen=0)
        verdict = rules.check_licences([item], licences, on)
        if verdict.ok:
            continue
        with transaction.atomic():
            try:
                product_suspend_unchecked(product=product, actor=actor,
                                          reason_kind=SuspensionReason.ANNUAL_REVIEW_FAILED, reason=verdict.reason,
                                          today=today)
            except Conflict:
                continue
        suspended += 1
    audit.record(actor=actor, action="certification:annual_review", object_type="certification.annual_review",
                 object_id=on.isoformat(), after={"reviewed": reviewed, "suspended": suspended}, reason=str(moment(today)))
    return {"reviewed": reviewed, "suspended": suspended}
