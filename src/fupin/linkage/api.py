"""Linkage API: contracts, benefit payments, expected versus paid, flags, indicators, a household's linkage and
verification rounds. Thin: parse, call services/selectors, shape the answer. Numbers, dates and choices are
bounded by `fupin.core.api_types` (no `from __future__ import annotations`: see `fupin.api.system`)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fupin.core.api_types import (
    ExportFormat,
    Id,
    Quantity,
    QueryDate,
    RecordDate,
    Seed,
    Year,
    choice,
    file_download,
)
from fupin.core.downloads import attachment
from fupin.core.errors import InvalidInput
from fupin.core.money import OptionalYuanOrZero, Yuan, fen_to_yuan
from fupin.core.pagination import Page
from fupin.core.tabular import save_upload
from fupin.registry.models import Household, MarketEntity

from . import expected, imports, indicators, sampling, selectors, services
from .enums import ContractStatus, FlagKind, Mechanism, Outcome, PartyKind, RoundStatus, Schedule

router = Router(tags=["linkage"])

Mech = choice(Mechanism)
ContractStatusName = choice(ContractStatus)
ScheduleName = choice(Schedule)
OutcomeName = choice(Outcome)
RoundStatusName = choice(RoundStatus)
FlagKindName = choice(FlagKind)
ContractAction = Literal[tuple(services.CONTRACT_TRANSITIONS)]
IndicatorGroup = Literal[indicators.GROUPS]


# -- schemas -------------------------------------------------------------------------------------------------------
class PartyOut(Schema):
    household_id: int
    registry_code: str
    quantity: Decimal | None


class ContractBase(Schema):
    id: int
    code: str
    entity_id: int
    entity_name: str
    mechanism: Mech
    party_kind: choice(PartyKind)
    collective_id: int | None
    start_date: dt.date
    end_date: dt.date | None
    schedule: ScheduleName
    terms: dict[str, Any]
    status: ContractStatusName
    households: int = 0


class ContractOut(ContractBase):
    @staticmethod
    def resolve_entity_name(obj) -> str:
        return obj.entity.name


class ContractDetailOut(ContractBase):
    parties: list[PartyOut]
    transitions: list[str]
    note: str


class PartyIn(Schema):
    registry_code: str = Field(..., max_length=32)
    quantity: Quantity | None = None


class ContractIn(Schema):
    code: str = Field(..., max_length=60)
    entity_id: Id
    mechanism: Mech
    start_date: RecordDate
    end_date: RecordDate | None = None
    schedule: ScheduleName = "monthly"
    terms: dict[str, Any]
    households: list[PartyIn] = Field([], max_length=10_000)
    collective_id: Id | None = None
    note: str = Field("", max_length=2000)


class TransitionIn(Schema):
    reason: str = ""
    ended_on: QueryDate | None = None


class PaymentOut(Schema):
    id: int
    source: str
    external_id: str
    contract_id: int
    contract_code: str
    entity_id: int
    mechanism: Mech
    household_id: int | None
    registry_code: str | None
    collective_id: int | None
    paid_on: dt.date
    amount_fen: int
    amount_yuan: str
    quantity: Decimal | None
    evidence_ref: str
    reverses_id: int | None
    note: str

    @staticmethod
    def resolve_contract_code(obj) -> str:
        return obj.contract.code

    @staticmethod
    def resolve_registry_code(obj) -> str | None:
        return obj.household.registry_code if obj.household_id else None

    @staticmethod
    def resolve_amount_yuan(obj) -> str:
        return fen_to_yuan(obj.amount_fen)


class PaymentIn(Schema):
    source: str = Field("api", max_length=60)
    external_id: str = Field(..., max_length=100)
    contract_code: str = Field(..., max_length=60)
    household: str | None = Field(None, max_length=32)
    collective_id: Id | None = None
    paid_on: QueryDate
    amount_fen: Yuan = Field(..., alias="amount_yuan")
    quantity: Quantity | None = None
    evidence_ref: str = Field("", max_length=200)
    note: str = Field("", max_length=300)


class PaymentRecordOut(Schema):
    created: bool
    payment: PaymentOut


class ReverseIn(Schema):
    reason: str


class LineOut(Schema):
    contract_id: int
    contract_code: str
    mechanism: Mech
    household_id: int | None
    recipient: str
    quantity: Decimal | None
    annual_fen: int
    due_fen: int
    paid_fen: int
    shortfall_fen: int


class FlagOut(Schema):
    kind: FlagKindName
    entity_id: int | None
    entity_name: str
    contract_id: int | None
    contract_code: str
    household_id: int | None
    registry_code: str
    due_fen: int
    paid_fen: int
    detail: str
    parameter_id: int | None


class IndicatorOut(Schema):
    key: str
    label: str
    region_code: str
    entity_id: int | None
    contracts: int
    households_linked: int
    households_paid: int
    total_fen: int
    median_fen: int
    mean_fen: int
    collective_fen: int
    by_mechanism_fen: dict[str, int]
    linked_by_mechanism: dict[str, int]


class IndicatorsOut(Schema):
    year: int
    group_by: IndicatorGroup
    rows: list[IndicatorOut]
    total: IndicatorOut
    participation: dict[str, int]


class LinkageImportOut(Schema):
    kind: str
    file_name: str
    dry_run: bool
    total: int
    accepted: int
    unchanged: int
    duplicates: int
    rejected: int
    warnings: list[str]
    errors: list[dict[str, Any]]
    run_id: int | None


class OutcomeImportOut(LinkageImportOut):
    round_id: int
    recorded: int
    pending: int


class RoundIn(Schema):
    county_code: str = Field(..., max_length=12)
    period_start: QueryDate
    period_end: QueryDate
    seed: Seed | None = None


class RateOut(Schema):
    key: str
    label: str
    entity_id: int | None
    sampled: int
    verified: int
    discrepant: int
    rate: float
    low: float
    high: float
    flagged: bool


class RoundBase(Schema):
    id: int
    county_code: str
    period_start: dt.date
    period_end: dt.date
    seed: int
    method: str
    population: int
    sample_size: int
    status: RoundStatusName
    parameters: dict[str, Any]


class RoundOut(RoundBase):
    @staticmethod
    def resolve_county_code(obj) -> str:
        return obj.county.code


class RoundDetailOut(RoundBase):
    county_rate: RateOut
    entity_rates: list[RateOut]
    threshold_parameter_id: int | None


class VerificationItemOut(Schema):
    id: int
    position: int
    household_id: int
    registry_code: str
    entity_id: int
    entity_name: str
    expected_fen: int
    paid_fen: int
    outcome: OutcomeName
    reported_fen: int | None
    note: str

    @staticmethod
    def resolve_registry_code(obj) -> str:
        return obj.household.registry_code

    @staticmethod
    def resolve_entity_name(obj) -> str:
        return obj.entity.name


class OutcomeIn(Schema):
    outcome: OutcomeName
    reported_fen: OptionalYuanOrZero = Field(None, alias="reported_yuan")
    note: str = ""


class HouseholdLinkageOut(Schema):
    household: dict[str, Any]
    contracts: list[dict[str, Any]]
    payments: list[PaymentOut]
    total_paid_fen: int


# -- helpers -------------------------------------------------------------------------------------------------------
def _contract_detail(contract) -> dict[str, Any]:
    parties = [{"household_id": p.household_id, "registry_code": p.household.registry_code, "quantity": p.quantity}
               for p in selectors.contract_parties(contract=contract)]
    return {**{f: getattr(contract, f) for f in ContractBase.model_fields if hasattr(contract, f)},
            "entity_name": contract.entity.name, "households": len(parties), "parties": parties,
            "transitions": selectors.transitions_for(contract=contract), "note": contract.note}


def _rate(r: sampling.Rate) -> dict[str, Any]:
    d = r.result
    return {"key": r.key, "label": r.label, "entity_id": r.entity_id, "sampled": r.sampled, "verified": d.verified,
            "discrepant": d.discrepant, "rate": d.rate, "low": d.low, "high": d.high, "flagged": d.flagged}


def _import(fn, request, file: UploadedFile, dry_run: bool, **kwargs: Any) -> dict[str, Any]:
    suffix = Path(file.name or "").suffix.lower()
    path = save_upload(file, suffix=suffix or ".csv")
    try:
        report = fn(path=path, file_name=file.name or f"upload{suffix}", actor=request.user, dry_run=dry_run, **kwargs)
    finally:
        path.unlink(missing_ok=True)
    return report.as_dict(max_errors=500)


# -- contracts -----------------------------------------------------------------------------------------------------
@router.get("/linkage/contracts", response=list[ContractOut])
@paginate(Page)
def contract_list(request, entity: Id | None = None, mechanism: Mech | None = None,
                  status: ContractStatusName | None = None, region: str | None = None, household: Id | None = None,
                  year: Year | None = None, q: str | None = None):
    return selectors.contract_list(viewer=request.user, entity_id=entity, mechanism=mechanism, status=status,
                                   region_code=region, household_id=household, year=year, q=q)


@router.get("/linkage/contracts/{pk}", response=ContractDetailOut)
def contract_detail(request, pk: Id):
    return _contract_detail(selectors.contract_get(viewer=request.user, pk=pk))


@router.post("/linkage/contracts", response={201: ContractDetailOut})
def contract_create(request, body: ContractIn):
    entity = selectors.entity_for_write(viewer=request.user, pk=body.entity_id)
    collective = selectors.entity_for_write(viewer=request.user, pk=body.collective_id) if body.collective_id else None
    codes = {p.registry_code for p in body.households}
    found = {h.registry_code: h for h in Household.objects.filter(registry_code__in=codes)}
    missing = sorted(codes - set(found))
    if missing:
        raise InvalidInput(_("Unknown household(s): %(codes)s.") % {"codes": ", ".join(missing)},
                           code="unknown_household", details={"households": missing})
    contract = services.contract_create(
        code=body.code, entity=entity, mechanism=body.mechanism, start_date=body.start_date, end_date=body.end_date,
        terms=body.terms, parties=[services.PartyInput(found[p.registry_code], p.quantity) for p in body.households],
        party_kind="collective" if collective else "households", collective=collective, schedule=body.schedule,
        note=body.note, actor=request.user)
    return 201, _contract_detail(contract)


@router.post("/linkage/contracts/{pk}/transitions/{action}", response=ContractDetailOut)
def contract_transition(request, pk: Id, action: ContractAction, body: TransitionIn):
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    fn = services.CONTRACT_TRANSITIONS[action]
    kwargs: dict[str, Any] = {"contract": contract, "actor": request.user, "reason": body.reason}
    if action == "end" and body.ended_on:
        kwargs["ended_on"] = body.ended_on
    fn(**kwargs)
    return _contract_detail(selectors.contract_get(viewer=request.user, pk=pk))


@router.get("/linkage/contracts/{pk}/expected", response=list[LineOut])
def contract_expected(request, pk: Id, year: Year | None = None):
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    year = year or timezone.localdate().year
    lines = expected.expected_vs_paid(viewer=request.user, start=selectors.year_bounds(year)[0], end=selectors.year_bounds(year)[1],
                                      on=timezone.localdate(), contract_id=contract.pk)
    return [_line(ln) for ln in lines]


def _line(ln: expected.PartyLine) -> dict[str, Any]:
    return {"contract_id": ln.contract.pk, "contract_code": ln.contract.code, "mechanism": ln.contract.mechanism,
            "household_id": ln.household_id, "recipient": ln.recipient, "quantity": ln.quantity,
            "annual_fen": ln.annual_fen, "due_fen": ln.due_fen, "paid_fen": ln.paid_fen, "shortfall_fen": ln.shortfall_fen}


@router.post("/linkage/imports/contracts", response=LinkageImportOut)
def contract_import(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    return _import(imports.contract_import, request, file, dry_run)


@router.get("/linkage/exports/contracts", openapi_extra=file_download("csv", "xlsx", description="the contracts"))
def contract_export(request, fmt: ExportFormat = "xlsx", entity: Id | None = None, mechanism: Mech | None = None,
                    status: ContractStatusName | None = None, region: str | None = None):
    qs = selectors.contract_list(viewer=request.user, entity_id=entity, mechanism=mechanism, status=status,
                                 region_code=region).prefetch_related("parties__household")
    content = imports.contracts_export(contracts=qs, fmt=fmt, language=get_language() or "en")
    return attachment(content, filename=f"linkage-contracts.{fmt}", fmt=fmt)


# -- payments ------------------------------------------------------------------------------------------------------
@router.get("/linkage/payments", response=list[PaymentOut])
@paginate(Page)
def payment_list(request, contract: Id | None = None, entity: Id | None = None, household: Id | None = None,
                 mechanism: Mech | None = None, year: Year | None = None, region: str | None = None):
    return selectors.payment_list(viewer=request.user, contract_id=contract, entity_id=entity, household_id=household,
                                  mechanism=mechanism, year=year, region_code=region)


@router.post("/linkage/payments", response={200: PaymentRecordOut, 201: PaymentRecordOut})
def payment_record(request, body: PaymentIn):
    contract = selectors.contract_list(viewer=request.user).filter(code=body.contract_code.strip()).first()
    if contract is None:
        raise InvalidInput(_("No contract %(c)s in your scope.") % {"c": body.contract_code}, code="unknown_contract")
    household = None
    if body.household:
        household = Household.objects.select_related("village").filter(registry_code=body.household.strip()).first()
        if household is None:
            raise InvalidInput(_("No household with registry code %(c)s.") % {"c": body.household},
                               code="unknown_household")
    collective = MarketEntity.objects.select_related("region").filter(pk=body.collective_id).first() \
        if body.collective_id else None
    if body.collective_id and collective is None:
        raise InvalidInput(_("No village collective #%(id)s.") % {"id": body.collective_id}, code="unknown_entity")
    result = services.payment_record(
        source=body.source, external_id=body.external_id, contract=contract, household=household, collective=collective,
        paid_on=body.paid_on, amount_fen=body.amount_fen, quantity=body.quantity,
        evidence_ref=body.evidence_ref, note=body.note, actor=request.user)
    return (201 if result.created else 200), {"created": result.created, "payment": result.payment}


@router.post("/linkage/payments/{pk}/reverse", response={201: PaymentOut})
def payment_reverse(request, pk: Id, body: ReverseIn):
    payment = selectors.payment_get(viewer=request.user, pk=pk)
    return 201, services.payment_reverse(payment=payment, reason=body.reason, actor=request.user)


@router.post("/linkage/imports/payments", response=LinkageImportOut)
def payment_import(request, file: File[UploadedFile], dry_run: Form[bool] = False):
    return _import(imports.payment_import, request, file, dry_run)


# -- analysis ------------------------------------------------------------------------------------------------------
@router.get("/linkage/expected", response=list[LineOut])
def expected_vs_paid(request, year: Year, entity: Id | None = None, household: Id | None = None,
                     region: str | None = None, mechanism: Mech | None = None):
    lines = expected.expected_vs_paid(viewer=request.user, start=selectors.year_bounds(year)[0], end=selectors.year_bounds(year)[1],
                                      on=timezone.localdate(), entity_id=entity, household_id=household,
                                      region_code=region, mechanism=mechanism)
    return [_line(ln) for ln in lines]


@router.get("/linkage/flags", response=list[FlagOut])
def flag_list(request, on: QueryDate | None = None, region: str | None = None, entity: Id | None = None,
              kind: FlagKindName | None = None):
    found = expected.flags(viewer=request.user, on=on or timezone.localdate(), region_code=region, entity_id=entity,
                           kinds=[kind] if kind else None)
    return [f.as_dict() for f in found]


@router.get("/linkage/indicators", response=IndicatorsOut)
def indicator_list(request, year: Year, group_by: IndicatorGroup = "county", region: str | None = None,
                   entity: Id | None = None):
    rows, total = indicators.indicators(viewer=request.user, year=year, group_by=group_by, region_code=region,
                                        entity_id=entity)
    return {"year": year, "group_by": group_by, "rows": [r.as_dict() for r in rows], "total": total.as_dict(),
            "participation": indicators.participation(total)}


@router.get("/linkage/households/{pk}", response=HouseholdLinkageOut)
def household_linkage(request, pk: Id):
    data = selectors.household_linkage(viewer=request.user, household_id=pk)
    contracts = [{"id": c["contract"].pk, "code": c["contract"].code, "entity_name": c["contract"].entity.name,
                  "mechanism": c["contract"].mechanism, "status": c["contract"].status,
                  "start_date": c["contract"].start_date, "end_date": c["contract"].end_date,
                  "quantity": c["quantity"]} for c in data["contracts"]]
    return {**data, "contracts": contracts}


# -- verification --------------------------------------------------------------------------------------------------
@router.get("/linkage/verification/rounds", response=list[RoundOut])
@paginate(Page)
def round_list(request, county: str | None = None, status: RoundStatusName | None = None):
    return sampling.round_list(viewer=request.user, county_code=county, status=status)


def _round_detail(rnd) -> dict[str, Any]:
    county, entities, threshold_id = sampling.round_rates(round=rnd)
    return {**{f: getattr(rnd, f) for f in RoundBase.model_fields if hasattr(rnd, f)}, "county_code": rnd.county.code,
            "county_rate": _rate(county), "entity_rates": [_rate(r) for r in entities],
            "threshold_parameter_id": threshold_id}


@router.post("/linkage/verification/rounds", response={201: RoundDetailOut})
def round_draw(request, body: RoundIn):
    rnd = sampling.round_draw(county_code=body.county_code, period_start=body.period_start, period_end=body.period_end,
                              seed=body.seed, actor=request.user)
    return 201, _round_detail(rnd)


@router.get("/linkage/verification/rounds/{pk}", response=RoundDetailOut)
def round_detail(request, pk: Id):
    return _round_detail(sampling.round_get(viewer=request.user, pk=pk))


@router.get("/linkage/verification/rounds/{pk}/items", response=list[VerificationItemOut])
@paginate(Page)
def round_items(request, pk: Id):
    return sampling.round_items(round=sampling.round_get(viewer=request.user, pk=pk))


@router.get("/linkage/verification/rounds/{pk}/field-list",
            openapi_extra=file_download("xlsx", description="the field list of the sample"))
def round_field_list(request, pk: Id):
    rnd = sampling.round_get(viewer=request.user, pk=pk)
    content = sampling.field_list_xlsx(round=rnd, viewer=request.user, language=get_language() or "en")
    return attachment(content, filename=f"verification-{rnd.county.code}-{rnd.pk}.xlsx", fmt="xlsx")


@router.post("/linkage/verification/items/{pk}/outcome", response=VerificationItemOut)
def item_outcome(request, pk: Id, body: OutcomeIn):
    item = sampling.item_get(viewer=request.user, pk=pk)
    return sampling.item_outcome_record(item=item, outcome=body.outcome, reported_fen=body.reported_fen, note=body.note,
                                        actor=request.user)


@router.post("/linkage/verification/rounds/{pk}/outcomes/import", response=OutcomeImportOut)
def round_outcome_import(request, pk: Id, file: File[UploadedFile], dry_run: Form[bool] = False):
    """Upload the filled-in field list of the round (.xlsx or .csv, English or Chinese headers): a report of what was
    recorded, unchanged, pending (no outcome yet) and rejected; a completed round refuses the whole file (409)."""
    rnd = sampling.round_get(viewer=request.user, pk=pk)
    return _import(imports.outcome_import, request, file, dry_run, round=rnd)


@router.post("/linkage/verification/rounds/{pk}/complete", response=RoundDetailOut)
def round_complete(request, pk: Id, body: TransitionIn):
    rnd = sampling.round_get(viewer=request.user, pk=pk)
    sampling.round_complete(round=rnd, actor=request.user, reason=body.reason)
    return _round_detail(rnd)
