"""Registry reads. Each selector takes the viewer and returns only what its scope allows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Any

from django.db.models import Q, QuerySet

from fupin.core import access
from fupin.core.errors import NotFound
from fupin.core.validators import mask_name, mask_phone

from . import rules
from .models import (
    AssistanceRelation,
    Household,
    HouseholdStatusPeriod,
    MarketEntity,
    Organisation,
    OrganisationParentPeriod,
    Region,
    RegionCodeChange,
    RegionSetMembership,
)


def _bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() in {"1", "true", "yes", "on"}


# -- regions: public reference data, readable by every signed-in user --------------------------------------------
def region_list(*, viewer: Any, level: str | None = None, poverty_county: Any = None, poor_village: Any = None,
                parent_code: str | None = None, within: str | None = None, q: str | None = None,
                zone: str | None = None, code: str | None = None) -> QuerySet[Region]:
    qs = Region.objects.select_related("parent").all() if getattr(viewer, "is_authenticated", False) else Region.objects.none()
    if level:
        qs = qs.filter(level=level)
    pc = _bool(poverty_county)
    if pc is not None:
        qs = qs.filter(is_poverty_county=pc)
    pv = _bool(poor_village)
    if pv is not None:
        qs = qs.filter(is_poor_village=pv)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if within:
        qs = qs.filter(code__startswith=rules.subtree_prefix(within))
    if zone:
        qs = qs.filter(zone=zone)
    if code:
        qs = qs.filter(code=code.strip())
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q))
    return qs


def region_get(*, viewer: Any, code: str) -> Region:
    region = region_list(viewer=viewer).filter(code=code).first()
    if region is None:
        raise NotFound(details={"region": code})
    return region


def region_current_code(*, code: str) -> str | None:
    """Follow the crosswalk from an old code to the current one (None if unknown)."""
    if Region.objects.filter(code=code, active=True).exists():
        return code
    change = RegionCodeChange.objects.filter(old_code=code).order_by("-year").first()
    return change.new_code if change else None


def regions_by_codes(*, codes: set[str]) -> dict[str, Region]:
    """Batch lookup for imports: code → Region (current codes and crosswalked old ones)."""
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    missing = codes - set(found)
    if missing:
        changes = {c.old_code: c.new_code for c in RegionCodeChange.objects.filter(old_code__in=missing)}
        targets = {r.code: r for r in Region.objects.filter(code__in=set(changes.values()))}
        for old, new in changes.items():
            if new in targets:
                found[old] = targets[new]
    return found


# -- organisations: buyers and helpers, visible by home region --------------------------------------------------
def organisation_list(*, viewer: Any, kind: str | None = None, q: str | None = None, region_code: str | None = None,
                      parent_id: int | None = None, credit_code: str | None = None) -> QuerySet[Organisation]:
    qs = access.scoped(Organisation.objects.select_related("region", "parent"), viewer, "region__code")
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        qs = qs.filter(region__code__startswith=rules.subtree_prefix(region_code))
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    if credit_code:
        qs = qs.filter(credit_code=rules.normalise_credit_code(credit_code))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(credit_code=q.upper()))
    return qs


def organisation_get(*, viewer: Any, pk: int) -> Organisation:
    org = organisation_list(viewer=viewer).filter(pk=pk).first()
    if org is None:
        raise NotFound(details={"organisation": pk})
    return org


def organisation_ancestors(*, organisation: Organisation) -> list[Organisation]:
    """The organisation and its supervising units, nearest first (cycle-safe)."""
    chain: list[Organisation] = []
    seen: set[int] = set()
    current: Organisation | None = organisation
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.parent
    return chain


def organisation_parent_periods(*, organisation_ids: Iterable[int]) -> dict[int, rules.ParentPeriods]:
    """The dated supervising units of the organisations that have any (issue #10 §6), oldest first, in one query:
    organisation id → ((parent id, valid from, valid to), …). Organisations without periods are left out (their
    `parent` holds on every date)."""
    ids = sorted(set(organisation_ids))
    out: dict[int, list[tuple[int | None, dt.date, dt.date | None]]] = {}
    for start in range(0, len(ids), 5000):
        for org_id, parent_id, valid_from, valid_to in OrganisationParentPeriod.objects.filter(
                organisation_id__in=ids[start:start + 5000]).order_by("organisation_id", "valid_from").values_list(
                "organisation_id", "parent_id", "valid_from", "valid_to"):
            out.setdefault(org_id, []).append((parent_id, valid_from, valid_to))
    return {k: tuple(v) for k, v in out.items()}


def organisation_parent_periods_exist() -> bool:
    """Whether any organisation's supervising unit ever changed (the dated tree is read only then)."""
    return OrganisationParentPeriod.objects.exists()


def organisation_parent_history(*, organisation: Organisation) -> list[OrganisationParentPeriod]:
    """An organisation's supervising units over time, oldest first (empty: it has had its parent forever)."""
    return list(OrganisationParentPeriod.objects.filter(organisation=organisation).select_related("parent")
                .order_by("valid_from"))


def organisation_tree_facts(*, organisation_ids: Iterable[int]
                            ) -> tuple[dict[int, int | None], dict[int, rules.ParentPeriods]]:
    """Today's parent and the dated parents of the organisations and of every unit ever above them: what
    `rules.chain_on` and `rules.chain_changes` read. Two queries per level of the tree."""
    parents: dict[int, int | None] = {}
    periods: dict[int, rules.ParentPeriods] = {}
    todo = set(organisation_ids)
    dated_tree = organisation_parent_periods_exist()
    while todo:
        rows = dict(Organisation.objects.filter(id__in=list(todo)).values_list("id", "parent_id"))
        dated = organisation_parent_periods(organisation_ids=todo) if dated_tree else {}
        for i in todo:
            parents[i] = rows.get(i)
        periods.update(dated)
        nxt = {p for p in rows.values() if p is not None}
        nxt |= {p for ps in dated.values() for p, _f, _t in ps if p is not None}
        todo = {p for p in nxt if p not in parents}
    return parents, periods


def organisation_ancestors_on(*, organisation_ids: Iterable[int], day: dt.date | None) -> dict[int, tuple[int, ...]]:
    """Each organisation → itself and its supervising units on `day`, nearest first (the dated tree; today's for
    None)."""
    ids = set(organisation_ids)
    parents, periods = organisation_tree_facts(organisation_ids=ids)
    return {i: rules.chain_on(i, day, parents=parents, periods=periods) for i in ids}


def organisation_dated_ids() -> set[int]:
    """The organisations whose supervising unit ever changed (few)."""
    return set(OrganisationParentPeriod.objects.values_list("organisation_id", flat=True).distinct())


def organisation_subtree_ids(*, organisation: Organisation | int) -> set[int]:
    """The ids of the organisation and of every unit below it (`parent` links), one query per level of the tree
    (cycle-safe): what a user of the organisation may book purchases for (the ledger's "for whom" rule)."""
    root = organisation if isinstance(organisation, int) else organisation.pk
    found = {root}
    frontier = {root}
    while frontier:
        frontier = set(Organisation.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        found |= frontier
    return found


# -- market entities ---------------------------------------------------------------------------------------------
def entity_list(*, viewer: Any, kind: str | None = None, sector: str | None = None, q: str | None = None,
                region_code: str | None = None, credit_code: str | None = None) -> QuerySet[MarketEntity]:
    qs = access.scoped(MarketEntity.objects.select_related("region", "household"), viewer, "region__code")
    if kind:
        qs = qs.filter(kind=kind)
    if sector:
        qs = qs.filter(sectors__contains=f",{sector},")
    if region_code:
        qs = qs.filter(region__code__startswith=rules.subtree_prefix(region_code))
    if credit_code:
        qs = qs.filter(credit_code=rules.normalise_credit_code(credit_code))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(credit_code=q.upper()))
    return qs


def entity_get(*, viewer: Any, pk: int) -> MarketEntity:
    entity = entity_list(viewer=viewer).filter(pk=pk).first()
    if entity is None:
        raise NotFound(details={"entity": pk})
    return entity


# -- households: personal data, scoped and masked ----------------------------------------------------------------
def household_list(*, viewer: Any, status: str | None = None, region_code: str | None = None,
                   q: str | None = None, registry_code: str | None = None) -> QuerySet[Household]:
    qs = access.scoped(Household.objects.select_related("village"), viewer, "village__code")
    if status:
        qs = qs.filter(status=status)
    if region_code:
        qs = qs.filter(village__code__startswith=rules.subtree_prefix(region_code))
    if registry_code:
        qs = qs.filter(registry_code=registry_code.strip())
    if q:
        qs = qs.filter(registry_code__startswith=q)
    return qs


def household_get(*, viewer: Any, pk: int) -> Household:
    household = household_list(viewer=viewer).filter(pk=pk).first()
    if household is None:
        raise NotFound(details={"household": pk})
    return household


def can_see_personal_data(*, viewer: Any, household: Household) -> bool:
    """Only clerks and reviewers of the county office responsible for the household (a government office scoped
    to its county) see names and phone numbers unmasked; market entities, buyers, higher levels and administrators
    see them masked (`fupin.core.access.may_see_personal_data`)."""
    return access.may_see_personal_data(viewer, region_code=household.village.code)


def household_display(*, viewer: Any, household: Household) -> dict[str, Any]:
    personal = can_see_personal_data(viewer=viewer, household=household)
    return {
        "id": household.pk,
        "registry_code": household.registry_code,
        "village_code": household.village.code,
        "village_name": household.village.name,
        "size": household.size,
        "status": household.status,
        "lifted_year": household.lifted_year,
        "head_name": household.head_name if personal else mask_name(household.head_name),
        "phone": household.phone if personal else mask_phone(household.phone),
        "masked": not personal,
    }


# -- assistance relations ------------------------------------------------------------------------------------------
def relation_list(*, viewer: Any, kind: str | None = None, year: int | None = None, helper_org_id: int | None = None,
                  region_code: str | None = None) -> QuerySet[AssistanceRelation]:
    qs = AssistanceRelation.objects.select_related("helper_org", "helper_region", "helped_region")
    if not getattr(viewer, "is_authenticated", False):
        return qs.none()
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(year_from__lte=year).filter(Q(year_to__isnull=True) | Q(year_to__gte=year))
    if helper_org_id:
        qs = qs.filter(helper_org_id=helper_org_id)
    if region_code:
        qs = qs.filter(helped_region__code__startswith=rules.subtree_prefix(region_code))
    return qs


def relations_linking(*, organisation: Organisation, region: Region, year: int) -> list[AssistanceRelation]:
    """Which relations link organisation O to region R in year Y: O or any of its supervising units as helper
    (or, for east–west cooperation, O's home province or city as helping region), and R or any region above it
    as helped region."""
    orgs = organisation_ancestors(organisation=organisation)
    helper_regions = set(rules.ancestor_codes(organisation.region.code))
    helped_codes = rules.ancestor_codes(region.code)
    qs = (
        AssistanceRelation.objects.select_related("helper_org", "helper_region", "helped_region")
        .filter(helped_region__code__in=helped_codes, year_from__lte=year)
        .filter(Q(year_to__isnull=True) | Q(year_to__gte=year))
        .filter(Q(helper_org__in=[o.pk for o in orgs]) | Q(helper_region__code__in=helper_regions))
    )
    return list(qs)


def relations_linking_for(*, viewer: Any, organisation_id: int, region_code: str, year: int) -> list[AssistanceRelation]:
    """`relations_linking` for a signed-in viewer. Relations are public to signed-in users, so the organisation
    is looked up by id without the viewer's region scope (a county sees which central unit helps it)."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    organisation = Organisation.objects.select_related("region", "parent").filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound(details={"organisation": organisation_id})
    region = regions_by_codes(codes={region_code}).get(region_code)
    if region is None:
        raise NotFound(details={"region": region_code})
    return relations_linking(organisation=organisation, region=region, year=year)


# -- users and the sellers they act for ---------------------------------------------------------------------------
def entities_of_user(*, user: Any) -> QuerySet[MarketEntity]:
    """The market entities a user acts for: those with the credit code of the user's organisation."""
    org = getattr(user, "organisation", None)
    if org is None or not org.credit_code:
        return MarketEntity.objects.none()
    return MarketEntity.objects.select_related("region").filter(credit_code=org.credit_code)


# -- batched lookups for imports (no viewer: the import checks the actor's scope row by row) ---------------------
def organisations_by_credit_codes(*, codes: set[str]) -> list[Organisation]:
    return list(Organisation.objects.select_related("region").filter(credit_code__in=codes)) if codes else []


def entities_by_credit_codes(*, codes: set[str]) -> list[MarketEntity]:
    return list(MarketEntity.objects.select_related("region").filter(credit_code__in=codes)) if codes else []


def entities_by_households(*, household_ids: set[int]) -> list[MarketEntity]:
    if not household_ids:
        return []
    return list(MarketEntity.objects.select_related("region").filter(household_id__in=household_ids))


HOUSEHOLD_IMPORT_FIELDS = ("id", "id_hash", "registry_code", "village_id", "size", "status", "lifted_year", "head_name",
                           "phone")


def households_by_id_hashes(*, hashes: set[str], with_village: bool = False) -> dict[str, Household]:
    """Batch lookup by keyed hash: only the fields an import compares (loading 100k full rows is the slow part)."""
    if not hashes:
        return {}
    qs = Household.objects.filter(id_hash__in=hashes).only(*HOUSEHOLD_IMPORT_FIELDS)
    if with_village:
        qs = qs.select_related("village").only(*HOUSEHOLD_IMPORT_FIELDS, "village__code", "village__level")
    return {h.id_hash: h for h in qs}


def household_ids_by_id_hashes(*, hashes: set[str]) -> dict[str, int]:
    if not hashes:
        return {}
    return dict(Household.objects.filter(id_hash__in=hashes).values_list("id_hash", "pk"))


def household_ids_by_registry_codes(*, codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    return dict(Household.objects.filter(registry_code__in=codes).values_list("registry_code", "pk"))


def relations_for_regions(*, region_ids: set[int]) -> list[AssistanceRelation]:
    if not region_ids:
        return []
    return list(AssistanceRelation.objects.filter(helped_region_id__in=region_ids))


def relation_get(*, viewer: Any, pk: int) -> AssistanceRelation:
    relation = relation_list(viewer=viewer).filter(pk=pk).first()
    if relation is None:
        raise NotFound(details={"relation": pk})
    return relation


# -- objects to change: found whatever the actor's scope (the service then refuses writes outside it: 403) -------
def organisation_ref(*, pk: int) -> Organisation:
    org = Organisation.objects.select_related("region", "parent").filter(pk=pk).first()
    if org is None:
        raise NotFound(details={"organisation": pk})
    return org


def entity_ref(*, pk: int) -> MarketEntity:
    entity = MarketEntity.objects.select_related("region", "household").filter(pk=pk).first()
    if entity is None:
        raise NotFound(details={"entity": pk})
    return entity


def household_ref(*, pk: int) -> Household:
    household = Household.objects.select_related("village").filter(pk=pk).first()
    if household is None:
        raise NotFound(details={"household": pk})
    return household


# -- region lookups without a viewer (reference data: for the demo builder and the services) ---------------------
def poverty_counties() -> QuerySet[Region]:
    """The national poverty counties, in code order."""
    return Region.objects.select_related("parent__parent").filter(level="county", is_poverty_county=True).order_by("code")


def region_children(*, code: str, level: str | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(parent__code=code).order_by("code")
    return qs.filter(level=level) if level else qs


# -- dated facts: household status history and region sets (bulk reads for counting; no viewer) --------------------
def household_status_periods(*, household_ids: Collection[int]) -> dict[int, tuple[rules.StatusPeriod, ...]]:
    """The status history of each household, oldest first (what counting reads on the purchase date)."""
    out: dict[int, list[rules.StatusPeriod]] = {}
    ids = list(household_ids)
    for start in range(0, len(ids), 5000):
        rows = HouseholdStatusPeriod.objects.filter(household_id__in=ids[start:start + 5000]).order_by(
            "household_id", "valid_from").values_list("household_id", "status", "valid_from", "valid_to")
        for hid, status, valid_from, valid_to in rows:
            out.setdefault(hid, []).append(rules.StatusPeriod(status, valid_from, valid_to))
    return {hid: tuple(periods) for hid, periods in out.items()}


def household_history(*, viewer: Any, household: Household) -> list[dict[str, Any]]:
    """A household's dated statuses for its page and the API (the household is already checked for scope)."""
    return [{"status": p.status, "valid_from": p.valid_from, "valid_to": p.valid_to, "source": p.source,
             "reason": p.reason} for p in household.status_periods.order_by("valid_from")]


def region_set_periods(*, set_kinds: Collection[str],
                       region_codes: Collection[str] | None = None) -> dict[str, dict[str, tuple[tuple[Any, Any], ...]]]:
    """region code → set kind → ((valid_from, valid_to), ...) for the named sets (optionally only some regions)."""
    qs = RegionSetMembership.objects.filter(set_kind__in=list(set_kinds))
    if region_codes is not None:
        qs = qs.filter(region__code__in=list(region_codes))
    out: dict[str, dict[str, list[tuple[Any, Any]]]] = {}
    for code, kind, start, end in qs.values_list("region__code", "set_kind", "valid_from", "valid_to"):
        out.setdefault(code, {}).setdefault(kind, []).append((start, end))
    return {code: {k: tuple(v) for k, v in kinds.items()} for code, kinds in out.items()}


def region_set_members(*, set_kind: str, on: Any) -> QuerySet[RegionSetMembership]:
    """The memberships of a set in force on a date (for lists, pages and exports)."""
    return (RegionSetMembership.objects.filter(set_kind=set_kind, valid_from__lte=on)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).select_related("region").order_by("region__code"))


def region_set_membership_get(*, pk: int) -> RegionSetMembership:
    found = RegionSetMembership.objects.select_related("region").filter(pk=pk).first()
    if found is None:
        raise NotFound(details={"region_set_membership": pk})
    return found
