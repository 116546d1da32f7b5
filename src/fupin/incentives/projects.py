"""Supply-chain capital projects (seed measure 3): cold storage, warehouses, logistics centres, processing plants and
e-commerce service stations — where, how big, the investment by funding source (integer fen), milestones, the status
(planned → under construction → operating → closed) and the market entities that use them.

- `project_create(*, code, name, kind, region_code, capacity, capacity_unit, actor, address, owner_id,
  planned_start, note, funding)`
- `funding_set(*, project, source, amount_fen, actor)` — the investment of one source (0 … 10^15 fen)
- `milestone_add(*, project, title, due_on, note, actor)`, `milestone_done(*, milestone, done_on, actor)`
- `project_user_add(*, project, entity_id, since, actor)`
- `project_step(*, project, action, on, reason, actor)` — `start` (construction started on), `open` (operating
  since), `close` (closed on, with a reason); dates run forward and never lie in the future.

Writes: clerks of a government office over the project's county (`policy.authorise_project_write`); audited.
Reads (the list, a county's and an entity's projects, the coverage of poverty and key counties): `selectors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.errors import Conflict, InvalidInput
from fupin.registry import selectors as registry
from fupin.registry.enums import RegionLevel

from . import policy as access_policy
from . import rules
from .enums import CapacityUnit, FundingSource, ProjectKind
from .facts import READER
from .models import Project, ProjectFunding, ProjectMilestone, ProjectUser
from .services import refuse

FIELDS = ["code", "name", "kind", "region_id", "county_code", "address", "capacity", "capacity_unit", "owner_id",
          "status", "planned_start", "started_on", "operating_since", "closed_on"]


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> tuple[str, rules.RuleError | None]:
    text = (value or "").strip() if isinstance(value, str) or value is None else ""
    if required and not text:
        return text, rules.RuleError(field, "required", _("This field is required."))
    if len(text) > limit:
        return text, rules.RuleError(field, "too_long", _("At most %(n)d characters.") % {"n": limit})
    return text, None


@transaction.atomic
def project_create(*, code: str, name: str, kind: str, region_code: str, capacity: int, capacity_unit: str,
                   actor: Any, address: str = "", owner_id: int | None = None, planned_start: dt.date | None = None,
                   note: str = "", funding: Mapping[str, int] | None = None) -> Project:
    errors: list[rules.RuleError] = []
    code, err = _text(code, "code", 40)
    errors += [err] if err else []
    name, err = _text(name, "name", 200)
    errors += [err] if err else []
    address, err = _text(address, "address", 300, required=False)
    errors += [err] if err else []
    if kind not in ProjectKind.values:
        errors.append(rules.RuleError("kind", "unknown_choice", _("Unknown kind of project.")))
    if capacity_unit not in CapacityUnit.values:
        errors.append(rules.RuleError("capacity_unit", "unknown_choice", _("Unknown capacity unit.")))
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= rules.MAX_COUNT:
        errors.append(rules.RuleError("capacity", "out_of_range", _("The capacity is a whole number from 0 to "
                                                                    "%(max)d.") % {"max": rules.MAX_COUNT}))
    region = registry.regions_by_codes(codes={region_code}).get(region_code) if isinstance(region_code, str) else None
    if region is None:
        errors.append(rules.RuleError("region_code", "unknown_region", _("No region has the code “%(c)s”.")
                                      % {"c": str(region_code)[:20]}))
    elif region.level not in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        errors.append(rules.RuleError("region_code", "not_local", _("A project lies in a county, township or "
                                                                    "village.")))
    owner = None
    if owner_id is not None:
        owner = registry.entity_list(viewer=READER).filter(pk=owner_id).first()
        if owner is None:
            errors.append(rules.RuleError("owner_id", "unknown_entity", _("No market entity has the id %(id)s.")
                                          % {"id": owner_id}))
    for source, amount in (funding or {}).items():
        if source not in FundingSource.values:
            errors.append(rules.RuleError(f"funding.{source}", "unknown_choice", _("Unknown funding source.")))
        elif (err := rules.amount_error(amount, f"funding.{source}")) is not None:
            errors.append(err)
    if errors:
        raise refuse(errors)
    assert region is not None  # noqa: S101 - refused above
    access_policy.authorise_project_write(actor, region_code=region.code, what="project create")
    try:
        with transaction.atomic():
            project = Project.objects.create(
                code=code, name=name, kind=kind, region=region, county_code=region.code[:6], address=address,
                capacity=capacity, capacity_unit=capacity_unit, owner=owner, planned_start=planned_start,
                note=(note or "")[:4000], created_by=_user(actor))
    except IntegrityError:
        raise Conflict(_("A project with the code %(code)s exists already.") % {"code": code}, code="project_exists",
                       details={"field": "code"}) from None
    for source, amount in (funding or {}).items():
        ProjectFunding.objects.create(project=project, source=source, amount_fen=amount)
    audit.record(actor=actor, action="project:create", obj=project,
                 after={**audit.snapshot(project, FIELDS), "funding": dict(funding or {})})
    return project


@transaction.atomic
def funding_set(*, project: Project, source: str, amount_fen: int, actor: Any) -> ProjectFunding:
    if source not in FundingSource.values:
        raise refuse([rules.RuleError("source", "unknown_choice", _("Unknown funding source."))])
    if (err := rules.amount_error(amount_fen)) is not None:
        raise refuse([err])
    access_policy.authorise_project_write(actor, region_code=project.region.code, what="project funding")
    row = ProjectFunding.objects.filter(project=project, source=source).first()
    before = row.amount_fen if row else None
    if row is None:
        row = ProjectFunding.objects.create(project=project, source=source, amount_fen=amount_fen)
    else:
        row.amount_fen = amount_fen
        row.save(update_fields=["amount_fen", "updated_at"])
    audit.record(actor=actor, action="project:funding", obj=project, before={source: before},
                 after={source: amount_fen})
    return row


@transaction.atomic
def milestone_add(*, project: Project, title: str, due_on: dt.date, actor: Any, note: str = "") -> ProjectMilestone:
    title, err = _text(title, "title", 200)
    if err:
        raise refuse([err])
    if not isinstance(due_on, dt.date) or not rules.FIRST_DATE <= due_on <= rules.LAST_DATE:
        raise refuse([rules.RuleError("due_on", "out_of_range", _("The due date lies between %(first)s and %(last)s.")
                                      % {"first": rules.FIRST_DATE.isoformat(), "last": rules.LAST_DATE.isoformat()})])
    access_policy.authorise_project_write(actor, region_code=project.region.code, what="project milestone")
    m = ProjectMilestone.objects.create(project=project, title=title, due_on=due_on, note=(note or "")[:300])
    audit.record(actor=actor, action="project:milestone_add", obj=project,
                 after={"milestone": m.pk, "title": title, "due_on": due_on})
    return m


@transaction.atomic
def milestone_done(*, milestone: ProjectMilestone, done_on: dt.date, actor: Any) -> ProjectMilestone:
    project = milestone.project
    access_policy.authorise_project_write(actor, region_code=project.region.code, what="project milestone")
    if milestone.done_on is not None:
        raise Conflict(_("This milestone is done already."), code="milestone_done")
    if not isinstance(done_on, dt.date) or done_on > timezone.localdate() or done_on < rules.FIRST_DATE:
        raise refuse([rules.RuleError("done_on", "out_of_range", _("The date lies between %(first)s and today.")
                                      % {"first": rules.FIRST_DATE.isoformat()})])
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on", "updated_at"])
    audit.record(actor=actor, action="project:milestone_done", obj=project,
                 after={"milestone": milestone.pk, "done_on": done_on})
    return milestone


@transaction.atomic
def project_user_add(*, project: Project, entity_id: int, actor: Any, since: dt.date | None = None) -> ProjectUser:
    entity = registry.entity_list(viewer=READER).filter(pk=entity_id).first()
    if entity is None:
        raise refuse([rules.RuleError("entity_id", "unknown_entity", _("No market entity has the id %(id)s.")
                                      % {"id": entity_id})])
    access_policy.authorise_project_write(actor, region_code=project.region.code, what="project user")
    try:
        with transaction.atomic():
            row = ProjectUser.objects.create(project=project, entity=entity, since=since)
    except IntegrityError:
        raise Conflict(_("%(entity)s already uses this project.") % {"entity": entity}, code="already_user") from None
    audit.record(actor=actor, action="project:user_add", obj=project, after={"entity": entity.pk, "since": since})
    return row


def project_step(*, project: Project, action: str, on: dt.date, actor: Any, reason: str = "") -> Project:
    if action not in rules.PROJECT_TRANSITIONS:
        raise InvalidInput(_("Unknown action “%(a)s”.") % {"a": str(action)[:30]}, code="unknown_action")
    access_policy.authorise_project_write(actor, region_code=project.region.code, what=f"project {action}")
    if action in rules.REASON_REQUIRED and not (reason or "").strip():
        raise refuse([rules.RuleError("reason", "reason_required", _("This step needs a reason."))])
    sources, to = rules.PROJECT_TRANSITIONS[action]
    if project.status in sources:
        err = rules.project_date_error(action, on, planned_start=project.planned_start, started_on=project.started_on,
                                       operating_since=project.operating_since, today=timezone.localdate())
        if err is not None:
            raise refuse([err])
    audit.transition(project, to=to, allowed_from=sources, actor=actor, reason=reason, action=f"project:{action}",
                     changes={rules.PROJECT_DATE_FIELD[action]: on})
    return project
