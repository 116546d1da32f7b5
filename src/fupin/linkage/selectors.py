"""Linkage reads. Functions with a `viewer` return only what the viewer's role and region scope allow; the two
viewer-less functions at the top are the interface other apps (certification, incentives) rely on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db.models import Count, Q

from fupin.core import params

from . import parameters, rules
from .enums import ContractStatus, FlagKind, PartyKind, RoundStatus
from .models import ContractParty, VerificationItem


# -- interface for other apps ------------------------------------------------------------------------------------
def linked_household_ids(*, entity_ids: Collection[int], on: dt.date) -> dict[int, set[int]]:
    """For each market entity id, the registry Household ids linked to it by a contract that is active and in force
    on `on` (one query). Entities with no such household are absent."""
    out: dict[int, set[int]] = {}
    if not entity_ids:
        return out
    rows = (
        ContractParty.objects.filter(
            contract__entity_id__in=list(entity_ids), contract__status=ContractStatus.ACTIVE,
            contract__party_kind=PartyKind.HOUSEHOLDS, contract__start_date__lte=on,
        )
        .filter(Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=on))
        .values_list("contract__entity_id", "household_id")
        .distinct()
    )
    for entity_id, household_id in rows:
        out.setdefault(entity_id, set()).add(household_id)
    return out


def verification_flags(*, entity_ids: Collection[int]) -> dict[int, list[str]]:
    """Entities whose latest completed verification round shows a discrepancy rate above the threshold in force at
    the end of that round's period: entity id → flag codes (["verification_discrepancy"]). Unflagged are absent."""
    if not entity_ids:
        return {}
    rows = (
        VerificationItem.objects.filter(entity_id__in=list(entity_ids), round__status=RoundStatus.COMPLETED)
        .values("entity_id", "round_id", "round__period_end", "round__county__code", "outcome")
        .annotate(n=Count("id"))
    )
    latest: dict[int, tuple[dt.date, int, str]] = {}
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for r in rows:
        key = (r["round__period_end"], r["round_id"], r["round__county__code"])
        if r["entity_id"] not in latest or key[:2] > latest[r["entity_id"]][:2]:
            latest[r["entity_id"]] = key
        counts.setdefault((r["entity_id"], r["round_id"]), {})[r["outcome"]] = r["n"]
    out: dict[int, list[str]] = {}
    for entity_id, (period_end, round_id, county_code) in latest.items():
        threshold = params.value(parameters.DISCREPANCY_THRESHOLD, on=period_end, region_code=county_code)
        z = params.value(parameters.VERIFICATION_CONFIDENCE_Z, on=period_end, region_code=county_code)
        result = rules.discrepancy(counts[(entity_id, round_id)], z=float(z), threshold=float(threshold))
        if result.flagged:
            out[entity_id] = [FlagKind.VERIFICATION_DISCREPANCY.value]
    return out
