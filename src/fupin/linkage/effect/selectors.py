"""Reads of the poverty-reduction effect: the linkage facts entities are judged on (set-based: a few queries for any
number of entities, none per entity), and the stored decisions (for the ledger's counting and the entity page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum

from fupin.core import access
from fupin.registry import rules as registry_rules
from fupin.registry.models import Household, HouseholdStatusPeriod, MarketEntity

from ..enums import ContractStatus, Outcome, PartyKind, RoundStatus
from ..models import BenefitPayment, ContractParty, VerificationItem
from .models import PovertyEffectDecision

CHUNK = 5000


def _chunks(ids: Collection[int] | None) -> Iterator[list[int] | None]:
    """None (every entity) once, or the ids in chunks under the engines' parameter limits."""
    if ids is None:
        yield None
        return
    values = sorted(ids)
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


# -- the interface the ledger counts with -----------------------------------------------------------------------------
def qualifying_years(*, entity_ids: Collection[int]) -> dict[int, frozenset[int]]:
    """For each entity id, the years it has an outstanding poverty-reduction effect (one query per 5,000 ids;
    entities that never qualified are absent). The ledger's lookups read it once per import batch."""
    out: dict[int, set[int]] = {}
    if not entity_ids:
        return {}
    for chunk in _chunks(entity_ids):
        for entity_id, year in PovertyEffectDecision.objects.filter(
                entity_id__in=chunk, qualifies=True).values_list("entity_id", "year"):
            out.setdefault(entity_id, set()).add(year)
    return {k: frozenset(v) for k, v in out.items()}


def decisions_of_entity(*, viewer: Any, entity: MarketEntity) -> list[PovertyEffectDecision]:
    """An entity's decisions, newest year first (for its page); the entity must lie in the viewer's scope."""
    access.require_code_in_scope(viewer, entity.region.code)
    return list(PovertyEffectDecision.objects.filter(entity=entity).select_related("rule_version").order_by("-year"))


def decided_years() -> list[int]:
    """The years for which decisions are stored."""
    return sorted(PovertyEffectDecision.objects.order_by().values_list("year", flat=True).distinct())


def decisions_for_year(*, year: int, entity_ids: Collection[int] | None = None) -> QuerySet[PovertyEffectDecision]:
    qs = PovertyEffectDecision.objects.filter(year=year)
    return qs if entity_ids is None else qs.filter(entity_id__in=list(entity_ids))


# -- the facts a decision is judged on ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LinkageFacts:
    households: int
    benefits_fen: int
    verified: int
    discrepant: int
    round_id: int | None


def entities_to_judge(*, kinds: Collection[str], year: int,
                      entity_ids: Collection[int] | None) -> list[tuple[int, str, str]]:
    """(id, kind, region code) of the entities of `kinds` and of those already decided for `year` (a decision of a
    kind no longer named is judged again, not left standing)."""
    out: dict[int, tuple[int, str, str]] = {}
    decided = PovertyEffectDecision.objects.filter(year=year, entity_id=OuterRef("pk"))
    for chunk in _chunks(entity_ids):
        qs = MarketEntity.objects.filter(Q(kind__in=list(kinds)) | Q(Exists(decided)))
        if chunk is not None:
            qs = qs.filter(pk__in=chunk)
        for pk, kind, code in qs.values_list("pk", "kind", "region__code"):
            out[pk] = (pk, kind, code)
    return [out[k] for k in sorted(out)]


def _status_columns(household_field: str, day: dt.date) -> tuple[Subquery, Exists]:
    """Expressions giving a household's status on `day` from its dated history, and whether it has one at all."""
    covering = HouseholdStatusPeriod.objects.filter(household_id=OuterRef(household_field), valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)).order_by("-valid_from").values("status")[:1]
    return Subquery(covering), Exists(HouseholdStatusPeriod.objects.filter(household_id=OuterRef(household_field)))


class _Statuses:
    """A household's status on the judged day: its dated history, or — a household registered without one — the
    same inference the ledger's counting uses (`registry.rules.inferred_history`)."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.by_id: dict[int, str] = {}
        self._inferred: dict[tuple[str, int | None], str] = {}

    def put(self, household_id: int, on: str | None, has_history: bool, status: str, lifted: int | None) -> None:
        if household_id in self.by_id:
            return
        if on or has_history:
            self.by_id[household_id] = on or ""
            return
        key = (status, lifted)
        found = self._inferred.get(key)
        if found is None:
            found = self._inferred[key] = registry_rules.status_on(
                tuple(registry_rules.inferred_history(status, lifted)), self.day)
        self.by_id[household_id] = found

    def fetch(self, household_ids: set[int]) -> None:
        missing = sorted(h for h in household_ids if h not in self.by_id)
        on_day, any_period = _status_columns("pk", self.day)
        for i in range(0, len(missing), CHUNK):
            for hid, on, has, status, lifted in Household.objects.filter(pk__in=missing[i:i + CHUNK]).annotate(
                    st_on=on_day, st_any=any_period).values_list("pk", "st_on", "st_any", "status", "lifted_year"):
                self.put(hid, on, has, status, lifted)


def linkage_facts(*, entity_ids: Collection[int] | None, date_from: dt.date, date_to: dt.date,
                  statuses: Collection[str]) -> dict[int, LinkageFacts]:
    """For each entity (None: every entity with linkage): the households of a status in `statuses` on `date_to`
    linked to it by a household contract in force that day (activated, active or ended since; a suspended contract
    is not in force), what it paid households of those statuses from `date_from` to `date_to` (net of reversals),
    and the outcome counts of its latest completed verification round whose period ends by `date_to`.

    Queries: one for the linked households with their status, one for the payments, one for the verification
    outcomes (per 5,000 entity ids when ids are given), and one per 5,000 paid households not linked that day."""
    wanted = frozenset(statuses)
    day = date_to
    status = _Statuses(day)
    linked: dict[int, set[int]] = {}
    paid: dict[int, dict[int, int]] = {}
    for chunk in _chunks(entity_ids):
        parties = ContractParty.objects.filter(
            contract__party_kind=PartyKind.HOUSEHOLDS, contract__activated_at__isnull=False,
            contract__status__in=[ContractStatus.ACTIVE, ContractStatus.ENDED], contract__start_date__lte=day,
        ).filter(Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=day))
        payments = BenefitPayment.objects.filter(household__isnull=False, paid_on__gte=date_from, paid_on__lte=date_to)
        if chunk is not None:
            parties = parties.filter(contract__entity_id__in=chunk)
            payments = payments.filter(entity_id__in=chunk)
        on_day, any_period = _status_columns("household_id", day)
        for entity_id, hid, on, has, st, lifted in parties.annotate(st_on=on_day, st_any=any_period).values_list(
                "contract__entity_id", "household_id", "st_on", "st_any", "household__status",
                "household__lifted_year").order_by().distinct():
            linked.setdefault(entity_id, set()).add(hid)
            status.put(hid, on, has, st, lifted)
        for entity_id, hid, total in payments.order_by().values("entity_id", "household_id").annotate(
                s=Sum("amount_fen")).values_list("entity_id", "household_id", "s"):
            paid.setdefault(entity_id, {})[hid] = int(total or 0)
    status.fetch({h for p in paid.values() for h in p})
    counted = {h for h, s in status.by_id.items() if s in wanted}
    outcomes = verification_outcomes(entity_ids=entity_ids, until=day)
    out: dict[int, LinkageFacts] = {}
    for entity_id in set(linked) | set(paid) | set(outcomes):
        verified, discrepant, round_id = outcomes.get(entity_id, (0, 0, None))
        out[entity_id] = LinkageFacts(
            households=len(linked.get(entity_id, set()) & counted),
            benefits_fen=sum(v for h, v in paid.get(entity_id, {}).items() if h in counted),
            verified=verified, discrepant=discrepant, round_id=round_id)
    return out


DISCREPANT = frozenset({Outcome.NOT_RECEIVED, Outcome.AMOUNT_DIFFERS, Outcome.NOT_FOUND})


def verification_outcomes(*, entity_ids: Collection[int] | None,
                          until: dt.date) -> dict[int, tuple[int, int, int]]:
    """entity → (verified, discrepant, round id) of its latest completed round (by period end, then id) whose period
    ends by `until` and that verified any of its items; a later round resolves an earlier one."""
    counts: dict[tuple[int, int], list[int]] = {}
    latest: dict[int, tuple[dt.date, int]] = {}
    for chunk in _chunks(entity_ids):
        qs = VerificationItem.objects.filter(round__status=RoundStatus.COMPLETED, round__period_end__lte=until) \
            .exclude(outcome=Outcome.PENDING)
        if chunk is not None:
            qs = qs.filter(entity_id__in=chunk)
        for entity_id, round_id, period_end, outcome, n in qs.order_by().values(
                "entity_id", "round_id", "round__period_end", "outcome").annotate(n=Count("id")).values_list(
                "entity_id", "round_id", "round__period_end", "outcome", "n"):
            c = counts.setdefault((entity_id, round_id), [0, 0])
            c[0] += n
            if outcome in DISCREPANT:
                c[1] += n
            key = (period_end, round_id)
            if entity_id not in latest or key > latest[entity_id]:
                latest[entity_id] = key
    return {e: (counts[(e, r)][0], counts[(e, r)][1], r) for e, (_end, r) in latest.items()}
