"""Linkage writes: contracts (create, update while draft, documents, named transitions) and benefit payments
(record idempotently, reverse). Each runs in one transaction and is audited; nothing is half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import access, audit
from fupin.core.enums import Role
from fupin.core.errors import Conflict, InvalidInput, NotFound
from fupin.core.integrity import chain as integrity_chain
from fupin.registry import policy as registry_policy
from fupin.registry.enums import EntityKind
from fupin.registry.models import Household, MarketEntity

from . import rules
from .enums import ContractStatus, PartyKind, Schedule
from .models import BenefitPayment, Contract, ContractDocument, ContractParty

WRITE_ROLES = (Role.CLERK, Role.REVIEWER, Role.APPROVER)


def local_today() -> dt.date:
    return timezone.localdate()


def _require_writer(actor: Any, entity: MarketEntity) -> None:
    """Contracts and payments of a market entity are written by the entity itself (its organisation carries the
    entity's credit code) or by a government office whose scope covers the entity's region."""
    access.authorise(actor, roles=WRITE_ROLES, region_code=entity.region.code,
                     party=registry_policy.entity_party(entity), office=True, what="linkage write")


def _invalid(errors: Sequence[rules.TermError], message: str | None = None) -> InvalidInput:
    first = errors[0]
    return InvalidInput(message or first.message, code=first.code, details={"errors": [e.as_dict() for e in errors]})


@dataclass(frozen=True)
class PartyInput:
    household: Household
    quantity: Decimal | None = None


# -- contracts ---------------------------------------------------------------------------------------------------
def contract_problems(*, mechanism: str, party_kind: str, terms: Mapping[str, Any], start_date: dt.date,
                      end_date: dt.date | None, schedule: str, parties: Sequence[PartyInput],
                      collective: MarketEntity | None, exclude_contract_id: int | None = None) -> list[rules.TermError]:
    """Every reason a contract cannot be written as given: terms, parties, period, and overlaps with other
    contracts of the same mechanism for the same household (or village collective)."""
    errors = list(rules.terms_errors(mechanism, terms, party_kind=party_kind))
    if schedule not in Schedule.values:
        errors.append(rules.TermError("schedule", "bad_schedule", _("Unknown payment schedule “%(s)s”.") % {"s": schedule}))
    if end_date is not None and end_date < start_date:
        errors.append(rules.TermError("end_date", "bad_period", _("The end date is before the start date.")))
    if party_kind == PartyKind.COLLECTIVE:
        if collective is None:
            errors.append(rules.TermError("collective", "missing_party", _("Name the village collective.")))
        elif collective.kind != EntityKind.VILLAGE_COLLECTIVE:
            errors.append(rules.TermError("collective", "bad_party", _("%(name)s is not a village collective.")
                                          % {"name": collective.name}))
        if parties:
            errors.append(rules.TermError("households", "bad_party",
                                          _("A contract with a village collective does not list households.")))
    else:
        seen: set[int] = set()
        for p in parties:
            if p.household.pk in seen:
                errors.append(rules.TermError("households", "duplicate_household",
                                              _("Household %(code)s is listed twice.") % {"code": p.household.registry_code}))
            seen.add(p.household.pk)
            for e in rules.party_quantity_errors(mechanism, terms, p.quantity):
                errors.append(rules.TermError("households", e.code, f"{p.household.registry_code}: {e.message}"))
    if errors:
        return errors
    others = Contract.objects.filter(mechanism=mechanism).filter(
        Q(status__in=[ContractStatus.DRAFT, ContractStatus.ACTIVE, ContractStatus.SUSPENDED])
        | Q(status=ContractStatus.ENDED, activated_at__isnull=False)
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
    if end_date is not None:
        others = others.filter(start_date__lte=end_date)
    if exclude_contract_id:
        others = others.exclude(pk=exclude_contract_id)
    if party_kind == PartyKind.COLLECTIVE and collective is not None:
        clash = others.filter(collective=collective).values_list("code", flat=True).first()
        if clash:
            errors.append(rules.TermError("collective", "overlapping_contract",
                                          _("The collective already has a %(m)s contract in this period: %(code)s.")
                                          % {"m": mechanism, "code": clash}))
    elif parties:
        rows = ContractParty.objects.filter(contract__in=others, household__in=[p.household.pk for p in parties]) \
            .values_list("household__registry_code", "contract__code").order_by("household__registry_code")
        for code, contract_code in rows:
            errors.append(rules.TermError("households", "overlapping_contract",
                                          _("Household %(h)s already has a %(m)s contract in this period: %(c)s.")
                                          % {"h": code, "m": mechanism, "c": contract_code}))
    return errors


def _lock_parties(parties: Sequence[PartyInput], collective: MarketEntity | None) -> None:
    """Serialise overlap checks on the same households (PostgreSQL row locks; SQLite writes are serial)."""
    ids = sorted(p.household.pk for p in parties)
    if ids:
        list(Household.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    if collective is not None:
        list(MarketEntity.objects.select_for_update().filter(pk=collective.pk).values_list("pk", flat=True))


@transaction.atomic
def contract_create(*, code: str, entity: MarketEntity, mechanism: str, start_date: dt.date, end_date: dt.date | None,
                    terms: Mapping[str, Any], parties: Sequence[PartyInput] = (), party_kind: str = PartyKind.HOUSEHOLDS,
                    collective: MarketEntity | None = None, schedule: str = Schedule.MONTHLY, note: str = "",
                    actor: Any) -> Contract:
    """Write a draft contract with its parties, or refuse with every reason (nothing is written then)."""
    _require_writer(actor, entity)
    code = (code or "").strip()
    if not code:
        raise InvalidInput(_("The contract number is required."), code="missing_code")
    if Contract.objects.filter(code=code).exists():
        raise Conflict(_("Contract number %(code)s is already used.") % {"code": code}, code="duplicate_code")
    terms = dict(terms)
    _lock_parties(parties, collective)
    errors = contract_problems(mechanism=mechanism, party_kind=party_kind, terms=terms, start_date=start_date,
                               end_date=end_date, schedule=schedule, parties=parties, collective=collective)
    if errors:
        raise _invalid(errors)
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                code=code, entity=entity, mechanism=mechanism, party_kind=party_kind, collective=collective,
                start_date=start_date, end_date=end_date, schedule=schedule, terms=terms, note=note,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise Conflict(_("Contract number %(code)s is already used.") % {"code": code}, code="duplicate_code") from None
    ContractParty.objects.bulk_create(
        [ContractParty(contract=contract, household=p.household, quantity=p.quantity) for p in parties])
    audit.record(actor=actor, action="linkage_contract:create", obj=contract,
                 after={**audit.snapshot(contract, ["code", "entity_id", "mechanism", "party_kind", "collective_id",
                                                    "start_date", "end_date", "schedule", "terms", "status"]),
                        "households": [[p.household.registry_code, p.quantity] for p in parties]})
    return contract


def _party_state(contract: Contract) -> list[list[Any]]:
    return [[p.household.registry_code, p.quantity] for p in contract.parties.select_related("household")]


@transaction.atomic
def contract_update(*, contract: Contract, start_date: dt.date, end_date: dt.date | None, terms: Mapping[str, Any],
                    parties: Sequence[PartyInput] = (), collective: MarketEntity | None = None,
                    schedule: str = Schedule.MONTHLY, note: str = "", actor: Any) -> Contract:
    """Change a draft contract (terms, period, parties). Once active, a contract's terms are fixed: end it and
    sign a new one."""
    _require_writer(actor, contract.entity)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != ContractStatus.DRAFT:
        raise Conflict(_("Only a draft contract can be changed; this one is %(s)s.") % {"s": contract.status},
                       code="contract_not_draft")
    terms = dict(terms)
    _lock_parties(parties, collective)
    errors = contract_problems(mechanism=contract.mechanism, party_kind=contract.party_kind, terms=terms,
                               start_date=start_date, end_date=end_date, schedule=schedule, parties=parties,
                               collective=collective, exclude_contract_id=contract.pk)
    if errors:
        raise _invalid(errors)
    before = {**audit.snapshot(contract, ["start_date", "end_date", "terms", "schedule", "collective_id", "note"]),
              "households": _party_state(contract)}
    contract.start_date, contract.end_date, contract.terms = start_date, end_date, terms
    contract.schedule, contract.collective, contract.note = schedule, collective, note
    contract.save(update_fields=["start_date", "end_date", "terms", "schedule", "collective", "note", "updated_at"])
    contract.parties.all().delete()
    ContractParty.objects.bulk_create(
        [ContractParty(contract=contract, household=p.household, quantity=p.quantity) for p in parties])
    after = {**audit.snapshot(contract, ["start_date", "end_date", "terms", "schedule", "collective_id", "note"]),
             "households": _party_state(contract)}
    audit.record(actor=actor, action="linkage_contract:update", obj=contract, before=before, after=after)
    return contract


def _parties_of(contract: Contract) -> list[PartyInput]:
    return [PartyInput(p.household, p.quantity) for p in contract.parties.select_related("household")]


@transaction.atomic
def contract_activate(*, contract: Contract, actor: Any, reason: str = "") -> Contract:
    """draft → active, after checking again that terms are complete and no other contract overlaps."""
    _require_writer(actor, contract.entity)
    parties = _parties_of(contract)
    _lock_parties(parties, contract.collective)
    errors = contract_problems(mechanism=contract.mechanism, party_kind=contract.party_kind, terms=contract.terms,
                               start_date=contract.start_date, end_date=contract.end_date, schedule=contract.schedule,
                               parties=parties, collective=contract.collective, exclude_contract_id=contract.pk)
    if contract.party_kind == PartyKind.HOUSEHOLDS and not parties:
        errors.append(rules.TermError("households", "missing_party", _("The contract links no household.")))
    if errors:
        raise _invalid(errors)
    t = rules.TRANSITIONS["activate"]
    audit.transition(contract, to=t.to, allowed_from=t.allowed_from, actor=actor, reason=reason,
                     action="linkage_contract:activate", changes={"activated_at": timezone.now()})
    return contract


@transaction.atomic
def contract_suspend(*, contract: Contract, actor: Any, reason: str) -> Contract:
    _require_writer(actor, contract.entity)
    if not reason.strip():
        raise InvalidInput(_("Give the reason for suspending the contract."), code="missing_reason")
    t = rules.TRANSITIONS["suspend"]
    audit.transition(contract, to=t.to, allowed_from=t.allowed_from, actor=actor, reason=reason,
                     action="linkage_contract:suspend")
    return contract


@transaction.atomic
def contract_resume(*, contract: Contract, actor: Any, reason: str = "") -> Contract:
    _require_writer(actor, contract.entity)
    t = rules.TRANSITIONS["resume"]
    audit.transition(contract, to=t.to, allowed_from=t.allowed_from, actor=actor, reason=reason,
                     action="linkage_contract:resume")
    return contract


@transaction.atomic
def contract_end(*, contract: Contract, actor: Any, reason: str, ended_on: dt.date | None = None) -> Contract:
    """→ ended. The contract's end date becomes `ended_on` (default today) when that is earlier."""
    _require_writer(actor, contract.entity)
    if not reason.strip():
        raise InvalidInput(_("Give the reason for ending the contract."), code="missing_reason")
    ended_on = ended_on or local_today()
    if ended_on < contract.start_date:
        ended_on = contract.start_date
    changes: dict[str, Any] = {}
    if contract.end_date is None or ended_on < contract.end_date:
        changes["end_date"] = ended_on
    t = rules.TRANSITIONS["end"]
    audit.transition(contract, to=t.to, allowed_from=t.allowed_from, actor=actor, reason=reason,
                     action="linkage_contract:end", changes=changes)
    return contract


CONTRACT_TRANSITIONS: dict[str, Callable[..., Any]] = {
    "activate": contract_activate, "suspend": contract_suspend, "resume": contract_resume, "end": contract_end,
}


@transaction.atomic
def contract_document_add(*, contract: Contract, title: str, reference: str = "", file: Any = None,
                          actor: Any) -> ContractDocument:
    _require_writer(actor, contract.entity)
    if not (title or "").strip():
        raise InvalidInput(_("The document needs a title."), code="missing_title")
    doc = ContractDocument(contract=contract, title=title.strip()[:200], reference=(reference or "").strip()[:200],
                           added_by=actor if getattr(actor, "pk", None) else None)
    if file is not None:
        doc.file.save(getattr(file, "name", "document"), file, save=False)
    doc.save()
    audit.record(actor=actor, action="linkage_contract:document_add", obj=contract,
                 after={"document_id": doc.pk, "title": doc.title, "reference": doc.reference, "file": doc.file.name})
    return doc


# -- benefit payments --------------------------------------------------------------------------------------------
def payment_problems(*, contract: Contract, household: Household | None, collective: MarketEntity | None,
                     paid_on: dt.date, amount_fen: int, linked_ids: set[int] | None = None,
                     today: dt.date | None = None) -> list[rules.TermError]:
    """Why a payment cannot be recorded (empty if it can): recipient not linked by the contract, amount, dates."""
    errors = rules.payment_errors(amount_fen=amount_fen, paid_on=paid_on, contract_status=contract.status,
                                  start=contract.start_date, end=contract.end_date, today=today or local_today())
    if contract.party_kind == PartyKind.COLLECTIVE:
        if collective is None or collective.pk != contract.collective_id:
            errors.insert(0, rules.TermError("collective", "not_linked",
                                             _("The payment must go to the contract's village collective.")))
        if household is not None:
            errors.insert(0, rules.TermError("household", "not_linked",
                                             _("This contract pays a village collective, not a household.")))
    else:
        if household is None:
            errors.insert(0, rules.TermError("household", "missing_household", _("Name the household paid.")))
        else:
            if linked_ids is None:
                linked_ids = set(contract.parties.values_list("household_id", flat=True))
            if household.pk not in linked_ids:
                errors.insert(0, rules.TermError("household", "not_linked",
                                                 _("Household %(h)s is not linked by contract %(c)s.")
                                                 % {"h": household.registry_code, "c": contract.code}))
    return errors


def _same_payment(p: BenefitPayment, *, contract: Contract, household: Household | None, collective: MarketEntity | None,
                  paid_on: dt.date, amount_fen: int) -> bool:
    return (p.contract_id == contract.pk and p.household_id == (household.pk if household else None)
            and p.collective_id == (collective.pk if collective else None) and p.paid_on == paid_on
            and p.amount_fen == amount_fen)


def payment_repeat_check(existing: BenefitPayment, *, contract: Contract, household: Household | None,
                         collective: MarketEntity | None, paid_on: dt.date, amount_fen: int) -> None:
    """A payment whose (source, external id) is recorded already: nothing to do when the content is the same,
    else Conflict `duplicate_external_id` (the service and the import refuse it alike)."""
    if not _same_payment(existing, contract=contract, household=household, collective=collective, paid_on=paid_on,
                         amount_fen=amount_fen):
        raise Conflict(_("External id %(s)s/%(e)s was already recorded with different content.")
                       % {"s": existing.source, "e": existing.external_id}, code="duplicate_external_id",
                       details={"payment_id": existing.pk})


@dataclass(frozen=True)
class PaymentResult:
    payment: BenefitPayment
    created: bool


@transaction.atomic
def payment_record(*, source: str, external_id: str, contract: Contract, paid_on: dt.date, amount_fen: int,
                   household: Household | None = None, collective: MarketEntity | None = None,
                   quantity: Decimal | None = None, evidence_ref: str = "", note: str = "", actor: Any,
                   today: dt.date | None = None) -> PaymentResult:
    """Append one benefit payment. The same (source, external id) again with the same content changes nothing;
    with different content it is refused."""
    _require_writer(actor, contract.entity)
    source, external_id = (source or "").strip(), (external_id or "").strip()
    if not source or not external_id:
        raise InvalidInput(_("Source and external id are required (they make recording idempotent)."),
                           code="missing_external_id")
    existing = BenefitPayment.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        payment_repeat_check(existing, contract=contract, household=household, collective=collective,
                             paid_on=paid_on, amount_fen=amount_fen)
        return PaymentResult(existing, False)
    errors = payment_problems(contract=contract, household=household, collective=collective, paid_on=paid_on,
                              amount_fen=amount_fen, today=today)
    if errors:
        raise _invalid(errors)
    recipient_code = household.village.code if household is not None else collective.region.code  # type: ignore[union-attr]  # payment_problems refuses neither
    try:
        with transaction.atomic():
            payment = BenefitPayment.objects.create(
                source=source[:60], external_id=external_id[:100], contract=contract, entity_id=contract.entity_id,
                mechanism=contract.mechanism, household=household, collective=collective,
                recipient_code=recipient_code, entity_code=contract.entity.region.code, paid_on=paid_on,
                amount_fen=amount_fen, quantity=quantity, evidence_ref=(evidence_ref or "")[:200],
                note=(note or "")[:300], recorded_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:  # a concurrent writer recorded the same external id first
        raise Conflict(_("External id %(s)s/%(e)s was recorded concurrently; retry.") % {"s": source, "e": external_id},
                       code="duplicate_external_id") from None
    integrity_chain.link_object(payment)  # tamper evidence
    audit.record(actor=actor, action="benefit_payment:create", obj=payment,
                 after=audit.snapshot(payment, ["contract_id", "household_id", "collective_id", "paid_on", "amount_fen",
                                                "quantity", "evidence_ref", "source", "external_id"]))
    return PaymentResult(payment, True)


@transaction.atomic
def payment_reverse(*, payment: BenefitPayment, reason: str, actor: Any, on: dt.date | None = None) -> BenefitPayment:
    """Append the reversing entry of a payment (negative amount, pointing at it). A payment is reversed at most
    once; a reversal is never reversed (record the payment again instead)."""
    _require_writer(actor, payment.entity)
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the reversal."), code="missing_reason")
    if payment.reverses_id is not None:
        raise Conflict(_("A reversal cannot be reversed; record the payment again."), code="reversal_of_reversal")
    if BenefitPayment.objects.filter(reverses=payment).exists():
        raise Conflict(_("This payment was already reversed."), code="already_reversed")
    try:
        with transaction.atomic():
            reversal = BenefitPayment.objects.create(
                source=payment.source, external_id=f"{payment.external_id}#reversal"[:100], contract_id=payment.contract_id,
                entity_id=payment.entity_id, mechanism=payment.mechanism, household_id=payment.household_id,
                collective_id=payment.collective_id, recipient_code=payment.recipient_code,
                entity_code=payment.entity_code, paid_on=on or local_today(), amount_fen=-payment.amount_fen,
                quantity=-payment.quantity if payment.quantity is not None else None,
                evidence_ref=payment.evidence_ref, reverses=payment, note=reason.strip()[:300],
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise Conflict(_("This payment was already reversed."), code="already_reversed") from None
    integrity_chain.link_object(reversal)  # tamper evidence
    audit.record(actor=actor, action="benefit_payment:reverse", obj=reversal, reason=reason,
                 before={"payment_id": payment.pk, "amount_fen": payment.amount_fen},
                 after={"reversal_id": reversal.pk, "amount_fen": reversal.amount_fen})
    return reversal


def payment_get_for_write(*, pk: int, actor: Any) -> BenefitPayment:
    p = BenefitPayment.objects.filter(pk=pk).first()
    if p is None or not actor.can_see_code(p.entity_code):
        raise NotFound(details={"payment": pk})
    return p
