"""Registry writes: regions, organisations, market entities, households and assistance relations.

Each function runs in one transaction and writes an audit record (before → after) in it. Domain errors raise
`InvalidInput` with a translated message (the checks the imports make too are in `validation`); actions outside the actor's roles or region scope raise
`AccessDenied`. A household's status changes only through `household_status_change` (a named transition).
Actors are users (checked) or a string naming a system process (`"seed_demo"`, `"cli"`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import access, audit
from fupin.core.errors import AccessDenied, InvalidInput
from fupin.core.validators import (
    keyed_hash,
    mask_name,
    mask_phone,
    normalise_resident_id,
)

from . import policy, rules, selectors, validation
from .enums import (
    EntityKind,
    HouseholdStatus,
    OrganisationKind,
    RegionLevel,
    RelationKind,
    Sector,
    StatusSource,
)
from .models import (
    AssistanceRelation,
    Household,
    HouseholdStatusPeriod,
    MarketEntity,
    Organisation,
    OrganisationParentPeriod,
    Region,
)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

REGION_FIELDS = ["code", "name", "level", "parent_id", "zone", "is_poverty_county", "poverty_exit_year",
                 "is_poor_village", "active"]
ORGANISATION_FIELDS = ["name", "credit_code", "kind", "parent_id", "region_id", "active"]
ENTITY_FIELDS = ["name", "kind", "credit_code", "region_id", "sectors", "household_id", "active"]
HOUSEHOLD_FIELDS = ["registry_code", "village_id", "size", "status", "lifted_year"]
RELATION_FIELDS = ["kind", "helper_org_id", "helper_region_id", "helped_region_id", "year_from", "year_to", "note"]


# -- who may write: `registry.policy` (one call of core's authorisation policy per kind of record) ------------------
def is_system_actor(actor: Any) -> bool:
    """Commands and the demo act as a named system process (a string), not as a signed-in user."""
    return access.is_system(actor)


def is_administrator(actor: Any) -> bool:
    return access.is_administrator(actor)


def resident_id_hash(number: str) -> str:
    return keyed_hash(normalise_resident_id(number), key=settings.FUPIN_HASH_KEY)


def _choice(value: str, choices: Any, what: str) -> str:
    if value not in choices.values:
        raise InvalidInput(_("Unknown %(what)s “%(value)s”.") % {"what": what, "value": value},
                           details={"allowed": list(choices.values)})
    return value


def _region(code: str | None, *, field: str) -> Region:
    found = selectors.regions_by_codes(codes={code}).get(code) if code else None
    problem = validation.region_problem(code, found)
    if problem is not None:
        raise problem.invalid(field=field, details={"code": code} if code else None)
    return cast(Region, found)  # region_problem is None only for a region that was found


def _clean_credit_code(code: str | None, *, kind: str, entity: bool) -> str | None:
    code = rules.normalise_credit_code(code) if code else None
    validation.check(validation.credit_code_problem(code, kind=kind, entity=entity), field="credit_code")
    return code


def _sectors(sectors: Sequence[str]) -> str:
    bad = [s for s in sectors if s.strip() and s.strip() not in Sector.values]
    if bad:
        raise InvalidInput(_("Unknown sector(s): %(codes)s.") % {"codes": ", ".join(bad)},
                           details={"field": "sectors", "allowed": list(Sector.values)})
    return rules.sectors_field(list(sectors))


def _household_audit(h: Household) -> dict[str, Any]:
    """Audit snapshot of a household: personal data only masked."""
    snap = audit.snapshot(h, HOUSEHOLD_FIELDS)
    snap["head_name"] = mask_name(h.head_name)
    snap["phone"] = mask_phone(h.phone)
    return snap


def _save_changes(obj: Any, changes: dict[str, Any], *, fields: list[str], actor: Any, action: str,
                  reason: str = "", snap: Any = None) -> Any:
    """Apply `changes` to `obj`, save and audit before → after of what changed (nothing if nothing did)."""
    snapshot = snap or (lambda o: audit.snapshot(o, fields))
    before = snapshot(obj)
    for name, value in changes.items():
        setattr(obj, name, value)
    after = snapshot(obj)
    b, a = audit.changed_fields(before, after)
    if not a:
        return obj
    obj.save()
    audit.record(actor=actor, action=action, obj=obj, before=b, after=a, reason=reason)
    return obj


# -- regions ----------------------------------------------------------------------------------------------------
@transaction.atomic
def region_create(*, code: str, name: str, is_poverty_county: bool = False, poverty_exit_year: int | None = None,
                  is_poor_village: bool = False, active: bool = True, actor: Any) -> Region:
    """Add a region under its parent (found by the code's structure); clerks add townships and villages."""
    code = rules.normalise_region_code(code)
    level = cast(str, rules.level_of(code))  # a code that passes the next check has a level
    validation.check(validation.region_code_problem(code), field="code")
    validation.check(validation.name_problem(name), field="name")
    policy.authorise_region_write(actor, region_code=code)
    if not is_administrator(actor) and not rules.region_editable_by_clerk(level):
        raise AccessDenied(_("Only administrators add or change provinces, prefectures and counties."))
    if Region.objects.filter(code=code).exists():
        raise InvalidInput(_("Region “%(code)s” already exists.") % {"code": code}, code="duplicate")
    parent_code = rules.parent_code_of(code)
    parent = Region.objects.filter(code=parent_code).first() if parent_code else None
    if parent_code and parent is None:
        raise validation.parent_region_problem(parent_code).invalid(field="code")
    region = Region.objects.create(
        code=code, name=name.strip(), level=level, parent=parent, zone=rules.zone_of(code),
        is_poverty_county=is_poverty_county and level == RegionLevel.COUNTY,
        poverty_exit_year=poverty_exit_year, is_poor_village=is_poor_village and level == RegionLevel.VILLAGE,
        active=active,
    )
    audit.record(actor=actor, action="region:create", obj=region, after=audit.snapshot(region, REGION_FIELDS))
    return region


@transaction.atomic
def region_update(*, region: Region, actor: Any, name: str = UNSET, is_poverty_county: bool = UNSET,
                  poverty_exit_year: int | None = UNSET, is_poor_village: bool = UNSET, active: bool = UNSET,
                  reason: str = "") -> Region:
    """Rename a region or set its flags (poverty county and exit year, poor village, in use)."""
    policy.authorise_region_write(actor, region_code=region.code)
    if not is_administrator(actor) and not rules.region_editable_by_clerk(region.level):
        raise AccessDenied(_("Only administrators add or change provinces, prefectures and counties."))
    changes: dict[str, Any] = {}
    if name is not UNSET:
        validation.check(validation.name_problem(name), field="name")
        changes["name"] = name.strip()
    if is_poverty_county is not UNSET:
        validation.check(validation.poverty_county_problem(is_poverty_county, level=region.level),
                         field="is_poverty_county")
        changes["is_poverty_county"] = bool(is_poverty_county)
    if poverty_exit_year is not UNSET:
        changes["poverty_exit_year"] = poverty_exit_year
    if is_poor_village is not UNSET:
        validation.check(validation.poor_village_problem(is_poor_village, level=region.level),
                         field="is_poor_village")
        changes["is_poor_village"] = bool(is_poor_village)
    if active is not UNSET:
        changes["active"] = bool(active)
    return _save_changes(region, changes, fields=REGION_FIELDS, actor=actor, action="region:update", reason=reason)


# -- organisations ----------------------------------------------------------------------------------------------
def _check_parent(organisation: Organisation | None, parent: Organisation | None) -> None:
    validation.check(validation.supervision_problem(organisation.pk if organisation else None, parent), field="parent")


def _unique_credit_code(model: Any, code: str | None, *, exclude_pk: int | None = None) -> None:
    if code and model.objects.filter(credit_code=code).exclude(pk=exclude_pk).exists():
        raise InvalidInput(_("The credit code %(code)s is already registered.") % {"code": code},
                           code="duplicate", details={"field": "credit_code"})


@transaction.atomic
def organisation_create(*, name: str, kind: str, region_code: str, credit_code: str | None = None,
                        parent: Organisation | None = None, active: bool = True, actor: Any) -> Organisation:
    kind = _choice(kind, OrganisationKind, _("organisation kind"))
    validation.check(validation.name_problem(name), field="name")
    region = _region(region_code, field="region_code")
    policy.authorise_organisation_write(actor, organisation=parent, region_code=region.code)
    code = _clean_credit_code(credit_code, kind=kind, entity=False)
    _unique_credit_code(Organisation, code)
    org = Organisation.objects.create(name=name.strip(), kind=kind, region=region, credit_code=code, parent=parent,
                                      active=active)
    audit.record(actor=actor, action="organisation:create", obj=org, after=audit.snapshot(org, ORGANISATION_FIELDS))
    return org


@transaction.atomic
def organisation_update(*, organisation: Organisation, actor: Any, name: str = UNSET, kind: str = UNSET,
                        region_code: str = UNSET, credit_code: str | None = UNSET, parent: Organisation | None = UNSET,
                        active: bool = UNSET, reason: str = "", parent_from: dt.date | None = None) -> Organisation:
    """Change an organisation. A new supervising unit takes effect on `parent_from` (default today; never in the
    future, always after the start of the parent in force): the dated tree keeps the old parent until the day
    before (`OrganisationParentPeriod`), so purchases roll up to the parent of their date (issue #10 §6)."""
    policy.authorise_organisation_write(actor, organisation=organisation, region_code=organisation.region.code)
    changes: dict[str, Any] = {}
    if name is not UNSET:
        validation.check(validation.name_problem(name), field="name")
        changes["name"] = name.strip()
    if kind is not UNSET:
        changes["kind"] = _choice(kind, OrganisationKind, _("organisation kind"))
    if region_code is not UNSET:
        region = _region(region_code, field="region_code")
        policy.authorise_organisation_write(actor, organisation=organisation, region_code=region.code)
        changes["region"] = region
    if credit_code is not UNSET:
        code = _clean_credit_code(credit_code, kind=changes.get("kind", organisation.kind), entity=False)
        _unique_credit_code(Organisation, code, exclude_pk=organisation.pk)
        changes["credit_code"] = code
    if parent is not UNSET:
        _check_parent(organisation, parent)
        changes["parent"] = parent
        if (parent.pk if parent is not None else None) != organisation.parent_id:
            effective = organisation_parent_period_record(organisation=organisation, parent=parent,
                                                          effective=parent_from or timezone.localdate(), reason=reason)
            reason = f"{reason} [parent from {effective.isoformat()}]".strip()
    if active is not UNSET:
        changes["active"] = bool(active)
    return _save_changes(organisation, changes, fields=ORGANISATION_FIELDS, actor=actor, action="organisation:update",
                         reason=reason)


def organisation_parent_period_record(*, organisation: Organisation, parent: Organisation | None,
                                      effective: dt.date, reason: str = "") -> dt.date:
    """Close the organisation's supervising-unit period in force the day before `effective` and open one under
    `parent` (the first change also writes the period of the old parent, "since always"). Refused for a future
    date (`future_date`) or one not after the start of the period in force (`overlapping_dates`). Called in the
    transaction of `organisation_update`, which audits the change."""
    if effective > timezone.localdate():
        raise InvalidInput(_("A new supervising unit cannot take effect in the future."), code="future_date",
                           details={"field": "parent_from"})
    current = (OrganisationParentPeriod.objects.select_for_update().filter(organisation=organisation,
                                                                           valid_to__isnull=True)
               .order_by("-valid_from").first())
    if current is None:
        if OrganisationParentPeriod.objects.filter(organisation=organisation, valid_from__gte=effective).exists():
            raise InvalidInput(_("The organisation had another supervising unit from a later date."),
                               code="overlapping_dates", details={"field": "parent_from"})
        OrganisationParentPeriod.objects.create(organisation=organisation, parent_id=organisation.parent_id,
                                                valid_from=rules.PARENT_SINCE_ALWAYS,
                                                valid_to=effective - dt.timedelta(days=1))
    else:
        if effective <= current.valid_from:
            raise InvalidInput(_("The new supervising unit must take effect after %(date)s, when the current one "
                                 "did.") % {"date": current.valid_from.isoformat()}, code="overlapping_dates",
                               details={"field": "parent_from"})
        OrganisationParentPeriod.objects.filter(pk=current.pk).update(valid_to=effective - dt.timedelta(days=1))
    OrganisationParentPeriod.objects.create(organisation=organisation, parent=parent, valid_from=effective,
                                            reason=reason[:300])
    return effective


# -- market entities --------------------------------------------------------------------------------------------
@transaction.atomic
def entity_create(*, name: str, kind: str, region_code: str | None = None, credit_code: str | None = None,
                  sectors: Sequence[str] = (), household: Household | None = None, active: bool = True,
                  actor: Any) -> MarketEntity:
    """Register a seller. A poor household selling directly links its Household (and has no credit code);
    legal persons (enterprises, cooperatives, family farms, village collectives) need a valid credit code."""
    kind = _choice(kind, EntityKind, _("market entity kind"))
    validation.check(validation.name_problem(name), field="name")
    if kind == EntityKind.POOR_HOUSEHOLD:
        if household is None:
            raise InvalidInput(_("A poor household entity must name its household."), details={"field": "household"})
        if MarketEntity.objects.filter(household=household).exists():
            raise InvalidInput(_("This household is already registered as a seller."), code="duplicate",
                               details={"field": "household"})
        region = _region(region_code, field="region_code") if region_code else household.village
    else:
        if household is not None:
            raise InvalidInput(_("Only a poor household entity links a household."), details={"field": "household"})
        region = _region(region_code, field="region_code")
    policy.authorise_entity_write(actor, entity=None, region_code=region.code)
    code = _clean_credit_code(credit_code, kind=kind, entity=True)
    _unique_credit_code(MarketEntity, code)
    entity = MarketEntity.objects.create(name=name.strip(), kind=kind, region=region, credit_code=code,
                                         sectors=_sectors(sectors), household=household, active=active)
    audit.record(actor=actor, action="entity:create", obj=entity, after=audit.snapshot(entity, ENTITY_FIELDS))
    return entity


@transaction.atomic
def entity_update(*, entity: MarketEntity, actor: Any, name: str = UNSET, region_code: str = UNSET,
                  credit_code: str | None = UNSET, sectors: Sequence[str] = UNSET, active: bool = UNSET,
                  reason: str = "") -> MarketEntity:
    """Change a seller's name, region, credit code, sectors or activity (its kind is fixed: register anew)."""
    policy.authorise_entity_write(actor, entity=entity, region_code=entity.region.code)
    changes: dict[str, Any] = {}
    if name is not UNSET:
        validation.check(validation.name_problem(name), field="name")
        changes["name"] = name.strip()
    if region_code is not UNSET:
        region = _region(region_code, field="region_code")
        policy.authorise_entity_write(actor, entity=entity, region_code=region.code)
        changes["region"] = region
    if credit_code is not UNSET:
        code = _clean_credit_code(credit_code, kind=entity.kind, entity=True)
        _unique_credit_code(MarketEntity, code, exclude_pk=entity.pk)
        changes["credit_code"] = code
    if sectors is not UNSET:
        changes["sectors"] = _sectors(sectors)
    if active is not UNSET:
        changes["active"] = bool(active)
    return _save_changes(entity, changes, fields=ENTITY_FIELDS, actor=actor, action="entity:update", reason=reason)


# -- households -------------------------------------------------------------------------------------------------
def _village(code: str) -> Region:
    region = _region(rules.normalise_region_code(code), field="village_code")
    validation.check(validation.village_problem(region), field="village_code")
    return region


def _size(size: int) -> int:
    validation.check(validation.household_size_problem(size), field="size")
    return size


def _lifted_year(status: str, year: int | None) -> int | None:
    if year is not None and not rules.FIRST_YEAR["lifted_year"] <= year <= timezone.localdate().year:
        raise InvalidInput(_("The year lifted out must be between %(first)d and this year.")
                           % {"first": rules.FIRST_YEAR["lifted_year"]}, details={"field": "lifted_year"})
    validation.check(validation.lifted_year_problem(status, year), field="lifted_year")
    return year


@transaction.atomic
def household_create(*, resident_id: str, village_code: str, status: str, size: int = 1,
                     lifted_year: int | None = None, head_name: str = "", phone: str = "", registry_code: str = "",
                     status_since: dt.date | None = None, actor: Any) -> Household:
    """Register a household. The resident ID is checked (ISO 7064) and kept only as a keyed hash. Its status
    holds from `status_since`; without it the history is inferred (lifted out from 1 January of the year lifted
    out, registered poor from 2013 before that: `rules.inferred_history`) and marked as inferred."""
    number = normalise_resident_id(resident_id)
    validation.check(validation.resident_id_problem(number), field="resident_id")
    village = _village(village_code)
    policy.authorise_household_write(actor, village_code=village.code)
    status = _choice(status, HouseholdStatus, _("household status"))
    id_hash = resident_id_hash(number)
    if Household.objects.filter(id_hash=id_hash).exists():
        raise InvalidInput(_("A household with this identity number is already registered."), code="duplicate",
                           details={"field": "resident_id"})
    code = registry_code.strip() or rules.household_registry_code(village_code=village.code, id_hash=id_hash)
    if Household.objects.filter(registry_code=code).exists():
        raise validation.registry_code_taken(code).invalid(field="registry_code", code="duplicate")
    household = Household.objects.create(
        registry_code=code, id_hash=id_hash, village=village, size=_size(size), status=status,
        lifted_year=_lifted_year(status, lifted_year), head_name=head_name.strip()[:60], phone=phone.strip()[:20],
    )
    if status_since is not None:
        problem = rules.status_change_error([], effective=status_since, today=timezone.localdate())
        if problem:
            raise InvalidInput(_(problem), code="bad_effective_date", details={"field": "status_since"})
    household_history_start(households=[household], since=status_since)
    audit.record(actor=actor, action="household:create", obj=household, after=_household_audit(household))
    return household


def household_history_start(*, households: Sequence[Household] = (), facts: Sequence[tuple[int, str, int | None]] = (),
                            since: dt.date | None = None) -> int:
    """Open the status history of households that have none (new records, bulk imports: `facts` as (id, status,
    lifted year) without loading them); returns the periods written. Callers hold the transaction and the
    authorisation."""
    rows = [(h.pk, h.status, h.lifted_year) for h in households] + list(facts)
    have: set[int] = set()
    for start in range(0, len(rows), 5000):
        have.update(HouseholdStatusPeriod.objects.filter(household_id__in=[r[0] for r in rows[start:start + 5000]])
                    .values_list("household_id", flat=True).distinct())
    source = StatusSource.RECORDED if since is not None else StatusSource.INFERRED
    periods = [HouseholdStatusPeriod(household_id=pk, status=p.status, valid_from=p.valid_from, valid_to=p.valid_to,
                                     source=source)
               for pk, status, lifted in rows if pk not in have
               for p in rules.inferred_history(status, lifted, since=since)]
    HouseholdStatusPeriod.objects.bulk_create(periods, batch_size=2000)
    return len(periods)


def _history(household: Household) -> list[rules.StatusPeriod]:
    return [rules.StatusPeriod(p.status, p.valid_from, p.valid_to)
            for p in HouseholdStatusPeriod.objects.select_for_update().filter(household=household)]


def household_period_record(*, household: Household, to: str, effective: dt.date, reason: str = "") -> None:
    """Close the period in force the day before `effective` and open `to` from it (the history stays). Callers
    hold the transaction, the authorisation and the transition check (`household_status_change`, the import)."""
    periods = _history(household)
    problem = rules.status_change_error(periods, effective=effective, today=timezone.localdate())
    if problem:
        raise InvalidInput(_(problem), code="bad_effective_date", details={"field": "effective_date",
                                                                           "effective_date": effective.isoformat()})
    current = HouseholdStatusPeriod.objects.filter(household=household, valid_to__isnull=True).first()
    if current is not None and current.valid_from == effective:  # a correction on the day the status started
        current.status, current.source, current.reason = to, StatusSource.RECORDED, reason[:300]
        current.save()
        return
    HouseholdStatusPeriod.objects.filter(household=household, valid_to__isnull=True).update(
        valid_to=effective - dt.timedelta(days=1), updated_at=timezone.now())
    HouseholdStatusPeriod.objects.create(household=household, status=to, valid_from=effective,
                                         source=StatusSource.RECORDED, reason=reason[:300])


@transaction.atomic
def household_update(*, household: Household, actor: Any, village_code: str = UNSET, size: int = UNSET,
                     lifted_year: int | None = UNSET, head_name: str = UNSET, phone: str = UNSET,
                     reason: str = "") -> Household:
    """Change a household's details (not its status: see `household_status_change`)."""
    policy.authorise_household_write(actor, village_code=household.village.code)
    changes: dict[str, Any] = {}
    if village_code is not UNSET:
        village = _village(village_code)
        policy.authorise_household_write(actor, village_code=village.code)
        changes["village"] = village
    if size is not UNSET:
        changes["size"] = _size(size)
    if lifted_year is not UNSET:
        changes["lifted_year"] = _lifted_year(household.status, lifted_year)
    if head_name is not UNSET:
        changes["head_name"] = head_name.strip()[:60]
    if phone is not UNSET:
        changes["phone"] = phone.strip()[:20]
    return _save_changes(household, changes, fields=HOUSEHOLD_FIELDS, actor=actor, action="household:update",
                         reason=reason, snap=_household_audit)


@transaction.atomic
def household_status_change(*, household: Household, to: str, actor: Any, lifted_year: int | None = UNSET,
                            effective_date: dt.date | None = None, reason: str = "") -> Household:
    """The named transitions of a household's status (lift out, monitor in one of the three kinds, eliminate the
    risk, register as poor again), effective on `effective_date` (default today, never in the future, always after
    the start of the status in force): the status history keeps every period, and counting reads the status on
    the purchase date."""
    policy.authorise_household_write(actor, village_code=household.village.code)
    to = _choice(to, HouseholdStatus, _("household status"))
    if to not in rules.HOUSEHOLD_TRANSITIONS:
        raise InvalidInput(_("Unknown household status “%(value)s”.") % {"value": to}, code="bad_status")
    household_history_start(households=[household])
    if household.status in rules.household_allowed_from(to):
        household_period_record(household=household, to=to, effective=effective_date or timezone.localdate(),
                                reason=reason)
    changes: dict[str, Any] = {}
    if lifted_year is not UNSET:
        changes["lifted_year"] = _lifted_year(to, lifted_year)
    elif to == HouseholdStatus.REGISTERED_POOR and household.lifted_year is not None:
        changes["lifted_year"] = None
    if effective_date is not None:  # a back-dated change says so in its audit entry
        reason = f"{reason} [effective {effective_date.isoformat()}]".strip()
    audit.transition(household, to=to, allowed_from=rules.household_allowed_from(to), actor=actor, reason=reason,
                     action=rules.HOUSEHOLD_TRANSITION_NAMES[to], changes=changes)
    return household


# -- assistance relations ---------------------------------------------------------------------------------------
def relation_exists(*, kind: str, helper_org: Organisation | None, helper_region: Region | None,
                    helped_region: Region, year_from: int, exclude_pk: int | None = None) -> bool:
    found = AssistanceRelation.objects.filter(
        kind=kind, helper_org=helper_org, helper_region=helper_region, helped_region=helped_region,
        year_from=year_from,
    )
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.exists()


def _relation_years(year_from: int, year_to: int | None) -> None:
    last = timezone.localdate().year + 10
    for name, year in (("year_from", year_from), ("year_to", year_to)):
        if year is not None and not rules.FIRST_YEAR["relation_year"] <= year <= last:
            raise InvalidInput(_("The year must be between %(first)d and %(last)d.")
                               % {"first": rules.FIRST_YEAR["relation_year"], "last": last}, details={"field": name})
    validation.check(validation.relation_years_problem(year_from, year_to), field="year_to")


@transaction.atomic
def relation_create(*, kind: str, helped_region_code: str, year_from: int, helper_org: Organisation | None = None,
                    helper_region_code: str | None = None, year_to: int | None = None, note: str = "",
                    actor: Any) -> AssistanceRelation:
    """Record who helps where from which year: designated assistance, east–west cooperation, counterpart
    support, local pairing, enterprise helps village."""
    kind = _choice(kind, RelationKind, _("relation kind"))
    helped = _region(helped_region_code, field="helped_region_code")
    helper_region = _region(helper_region_code, field="helper_region_code") if helper_region_code else None
    validation.check(validation.relation_helper_problem(kind, has_org=helper_org is not None,
                                                        has_region=helper_region is not None), field="helper")
    _relation_years(year_from, year_to)
    policy.authorise_relation_write(actor, helped_region_code=helped.code)
    if relation_exists(kind=kind, helper_org=helper_org, helper_region=helper_region, helped_region=helped,
                       year_from=year_from):
        raise InvalidInput(_("This relation is already recorded."), code="duplicate")
    relation = AssistanceRelation.objects.create(kind=kind, helper_org=helper_org, helper_region=helper_region,
                                                 helped_region=helped, year_from=year_from, year_to=year_to,
                                                 note=note.strip()[:200])
    audit.record(actor=actor, action="relation:create", obj=relation,
                 after=audit.snapshot(relation, RELATION_FIELDS))
    return relation


@transaction.atomic
def relation_update(*, relation: AssistanceRelation, actor: Any, year_to: int | None = UNSET, note: str = UNSET,
                    reason: str = "") -> AssistanceRelation:
    """End a relation (year_to) or change its note; who helps where from when is its identity."""
    policy.authorise_relation_write(actor, helped_region_code=relation.helped_region.code)
    changes: dict[str, Any] = {}
    if year_to is not UNSET:
        _relation_years(relation.year_from, year_to)
        changes["year_to"] = year_to
    if note is not UNSET:
        changes["note"] = note.strip()[:200]
    return _save_changes(relation, changes, fields=RELATION_FIELDS, actor=actor, action="relation:update",
                         reason=reason)
