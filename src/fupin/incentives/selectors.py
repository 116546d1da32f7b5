"""Incentives reads. Policies, their versions and the fact catalogue are public to every signed-in user (they are
published documents); decisions, shortlists and change lists are scoped by the entity's region; a single-entity
run is shown to those who may see its entity.

- `policy_list`, `policy_get`, `policy_versions`, `fact_catalogue`
- `run_list`, `run_get`, `decision_list`, `decision_get`, `decision_view`, `entity_decisions`
- `run_changes(*, viewer, run, against=None)`: newly eligible, no longer eligible, and why (the conditions whose
  value or result changed, and whether the policy's version changed)
- `shortlist_rows`, `shortlist_file`: the eligible entities of a run per region, for the granting body (.xlsx)
- recognition: `round_list`, `round_get`, `round_ranking`, `nomination_list`, `nomination_get`, `nomination_actions`
- demonstration: `demonstration_list`, `demonstration_get`, `demonstration_actions`
- projects: `project_list` (a county's, an entity's), `project_get`, `project_detail`, `coverage`
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet, Sum

from fupin.core import access
from fupin.core.enums import Role
from fupin.core.errors import NotFound
from fupin.core.tabular import table_bytes
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry

from . import policy as access_policy
from . import recognition, rules
from .enums import DemonstrationStatus, Outcome
from .models import (
    Decision,
    Demonstration,
    EvaluationRun,
    Nomination,
    Policy,
    PolicyVersion,
    Project,
    RecognitionRound,
)


def _signed_in(viewer: Any) -> bool:
    return bool(getattr(viewer, "is_authenticated", False)) and bool(getattr(viewer, "is_active", True))


# -- policies -------------------------------------------------------------------------------------------------------
def policy_list(*, viewer: Any, status: str | None = None, kind: str | None = None, granted_by: str | None = None,
                q: str | None = None) -> QuerySet[Policy]:
    if not _signed_in(viewer):
        return Policy.objects.none()
    qs = Policy.objects.select_related("current_version").order_by("code")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if granted_by:
        qs = qs.filter(granted_by=granted_by)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__contains=q) | Q(legal_reference__contains=q))
    return qs


def policy_get(*, viewer: Any, pk: int | None = None, code: str | None = None) -> Policy:
    qs = policy_list(viewer=viewer)
    found = qs.filter(pk=pk).first() if pk is not None else qs.filter(code=code).first() if code else None
    if found is None:
        raise NotFound(details={"policy": pk if pk is not None else code})
    return found


def policy_versions(*, policy: Policy) -> QuerySet[PolicyVersion]:
    return policy.versions.order_by("-number")


def fact_catalogue() -> list[dict[str, Any]]:
    return [spec.as_dict() for spec in rules.FACTS.values()]


# -- runs and decisions ---------------------------------------------------------------------------------------------
def run_list(*, viewer: Any, policy_id: int | None = None) -> QuerySet[EvaluationRun]:
    if not _signed_in(viewer):
        return EvaluationRun.objects.none()
    qs = EvaluationRun.objects.select_related("policy", "version", "entity").order_by("-at", "-id")
    if viewer.scope_prefix:
        qs = qs.filter(Q(entity__isnull=True) | Q(entity__region__code__startswith=viewer.scope_prefix))
    if policy_id:
        qs = qs.filter(policy_id=policy_id)
    return qs


def run_get(*, viewer: Any, pk: int) -> EvaluationRun:
    run = run_list(viewer=viewer).filter(pk=pk).first()
    if run is None:
        raise NotFound(details={"run": pk})
    return run


def _decisions(viewer: Any) -> QuerySet[Decision]:
    return access.scoped(Decision.objects.select_related("entity", "policy", "version", "run"), viewer, "region_code")


def decision_list(*, viewer: Any, run: EvaluationRun, outcome: str | None = None, region_code: str | None = None,
                  q: str | None = None) -> QuerySet[Decision]:
    qs = _decisions(viewer).filter(run=run)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if region_code:
        qs = qs.filter(region_code__startswith=registry_rules.subtree_prefix(region_code))
    if q:
        qs = qs.filter(Q(entity__name__contains=q) | Q(entity__credit_code=q.upper()))
    return qs.order_by("region_code", "entity__name", "entity_id")


def decision_get(*, viewer: Any, pk: int) -> Decision:
    found = _decisions(viewer).filter(pk=pk).first()
    if found is None:
        raise NotFound(details={"decision": pk})
    return found


def decision_view(*, viewer: Any, pk: int) -> dict[str, Any]:
    """A decision with what explains it: the version it used (conditions and terms as they were), the run, the
    versions of referenced policies, and the conditions in order."""
    d = decision_get(viewer=viewer, pk=pk)
    refs = {v.pk: v for v in PolicyVersion.objects.select_related("policy").filter(
        pk__in=list((d.run.referenced_versions or {}).values()))}
    return {"decision": d, "version": d.version, "policy": d.policy, "run": d.run, "entity": d.entity,
            "referenced": refs, "conditions": rules.leaves(d.explanation)}


def entity_decisions(*, viewer: Any, entity_id: int) -> list[Decision]:
    """The latest decision of every policy for one entity (for the entity's pages); an entity outside the viewer's
    scope is not found."""
    registry.entity_get(viewer=viewer, pk=entity_id)
    latest: dict[int, Decision] = {}
    for d in _decisions(viewer).filter(entity_id=entity_id).order_by("-run__at", "-id")[:200]:
        latest.setdefault(d.policy_id, d)
    return sorted(latest.values(), key=lambda d: d.policy.code)


# -- the change list --------------------------------------------------------------------------------------------------
def run_changes(*, viewer: Any, run: EvaluationRun, against: EvaluationRun | None = None) -> list[dict[str, Any]]:
    """What changed since `against` (default: the run before it of the same policy and scope): each entity whose
    outcome differs — newly eligible, no longer eligible, changed, new in scope, left the scope — with the
    conditions whose value or result changed and whether the policy's version changed."""
    against = against if against is not None else (run.previous if run.previous_id else None)
    if against is None:
        return []
    now = {e: (o, v, pk) for e, o, v, pk in _decisions(viewer).filter(run=run).values_list(
        "entity_id", "outcome", "version_id", "pk")}
    then = {e: (o, v, pk) for e, o, v, pk in _decisions(viewer).filter(run=against).values_list(
        "entity_id", "outcome", "version_id", "pk")}
    changed: list[tuple[int, str]] = []
    for entity in sorted(set(now) | set(then)):
        kind = rules.change_kind(then[entity][0] if entity in then else None, now[entity][0] if entity in now else None)
        if kind is not None:
            changed.append((entity, kind))
    ids = [pk for e, _k in changed for pk in (now.get(e, (0, 0, None))[2], then.get(e, (0, 0, None))[2]) if pk]
    loaded = {d.pk: d for d in Decision.objects.select_related("entity").filter(pk__in=ids)}
    out = []
    for entity, kind in changed:
        after = loaded.get(now[entity][2]) if entity in now else None
        before = loaded.get(then[entity][2]) if entity in then else None
        shown: Decision = after or before  # type: ignore[assignment]  # a changed entity is in one run at least
        out.append({
            "entity_id": entity, "entity_name": shown.entity.name, "region_code": shown.region_code, "kind": kind,
            "before": before.outcome if before else None, "after": after.outcome if after else None,
            "before_decision": before.pk if before else None, "after_decision": after.pk if after else None,
            "version_changed": bool(before and after and before.version_id != after.version_id),
            "conditions": rules.condition_changes(before.explanation if before else None,
                                                  after.explanation if after else None),
        })
    return out


# -- shortlists -----------------------------------------------------------------------------------------------------
SHORTLIST_HEADER = ["policy", "policy_name", "granted_by", "county_code", "county_name", "entity_id", "entity_name",
                    "credit_code", "entity_kind", "sectors", "decision_id", "evaluated_on", "version", "conditions"]


def shortlist_rows(*, viewer: Any, run: EvaluationRun, region_code: str | None = None) -> Iterator[list[Any]]:
    """The eligible entities of a run (in the viewer's scope, optionally one region), in region order."""
    qs = decision_list(viewer=viewer, run=run, outcome=Outcome.ELIGIBLE, region_code=region_code)
    decisions = list(qs)
    counties = registry.regions_by_codes(codes={d.region_code[:6] for d in decisions})
    for d in decisions:
        county = counties.get(d.region_code[:6])
        yield [run.policy.code, run.policy.name, run.policy.granted_by, d.region_code[:6],
               county.name if county else "", d.entity_id, d.entity.name, d.entity.credit_code or "", d.entity.kind,
               d.entity.sectors.strip(","), d.pk, d.on.isoformat(), run.version.number,
               rules.decision_summary(d.explanation)]


def shortlist_file(*, viewer: Any, run: EvaluationRun, region_code: str | None = None,
                   fmt: str = "xlsx") -> tuple[bytes, int]:
    rows = list(shortlist_rows(viewer=viewer, run=run, region_code=region_code))
    return table_bytes(rows, header=SHORTLIST_HEADER, fmt=fmt, sheet_title="shortlist"), len(rows)


# -- recognition and demonstration ------------------------------------------------------------------------------------
def round_list(*, viewer: Any, year: int | None = None) -> QuerySet[RecognitionRound]:
    if not _signed_in(viewer):
        return RecognitionRound.objects.none()
    qs = RecognitionRound.objects.all()
    return qs.filter(year=year) if year else qs


def round_get(*, viewer: Any, pk: int) -> RecognitionRound:
    found = round_list(viewer=viewer).filter(pk=pk).first()
    if found is None:
        raise NotFound(details={"round": pk})
    return found


def round_ranking(*, viewer: Any, round: RecognitionRound) -> list[dict[str, Any]]:  # noqa: A002 - the domain's word
    """The round's ranking for those who nominate (and auditors), the candidates in the viewer's scope only."""
    access.require_role(viewer, *access_policy.NOMINATORS, Role.AUDITOR)
    prefix = viewer.scope_prefix or ""
    return [{**row, "id": row["organisation_id"] or row["entity_id"]} for row in recognition.ranking(round=round)
            if str(row["region_code"]).startswith(prefix)]


def nomination_list(*, viewer: Any, round_id: int | None = None, status: str | None = None) -> QuerySet[Nomination]:
    qs = access.scoped(Nomination.objects.select_related("round", "organisation", "entity"), viewer, "region_code")
    if round_id:
        qs = qs.filter(round_id=round_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("round_id", "group", "rank", "id")


def nomination_get(*, viewer: Any, pk: int) -> Nomination:
    found = nomination_list(viewer=viewer).filter(pk=pk).first()
    if found is None:
        raise NotFound(details={"nomination": pk})
    return found


def nomination_actions(*, viewer: Any, nomination: Nomination) -> list[str]:
    """The steps the viewer may take on a nomination now (what the pages offer)."""
    return [a for a in rules.actions_from(rules.NOMINATION_TRANSITIONS, nomination.status)
            if access_policy.step_refusal(viewer, action=a, region_code=nomination.region_code) is None]


def demonstration_list(*, viewer: Any, status: str | None = None,
                       entity_id: int | None = None) -> QuerySet[Demonstration]:
    qs = access.scoped(Demonstration.objects.select_related("entity", "policy", "decision"), viewer, "region_code")
    if status:
        qs = qs.filter(status=status)
    if entity_id:
        qs = qs.filter(entity_id=entity_id)
    return qs


def demonstration_get(*, viewer: Any, pk: int) -> Demonstration:
    found = demonstration_list(viewer=viewer).filter(pk=pk).first()
    if found is None:
        raise NotFound(details={"demonstration": pk})
    return found


def demonstration_actions(*, viewer: Any, demonstration: Demonstration) -> list[str]:
    actions = [a for a in rules.actions_from(rules.DEMONSTRATION_TRANSITIONS, demonstration.status)
               if a != "expire" and access_policy.step_refusal(viewer, action=a,
                                                               region_code=demonstration.region_code) is None]
    if demonstration.status == DemonstrationStatus.DESIGNATED and access_policy.step_refusal(
            viewer, action="recheck", region_code=demonstration.region_code) is None:
        actions.append("recheck")
    return actions


# -- supply-chain projects ----------------------------------------------------------------------------------------
def project_list(*, viewer: Any, status: str | None = None, kind: str | None = None, region_code: str | None = None,
                 entity_id: int | None = None, q: str | None = None) -> QuerySet[Project]:
    """Projects in the viewer's scope (by county); `entity_id`: those it operates or uses."""
    qs = access.scoped(Project.objects.select_related("region", "owner"), viewer, "county_code")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        qs = qs.filter(region__code__startswith=registry_rules.subtree_prefix(region_code))
    if entity_id:
        qs = qs.filter(Q(owner_id=entity_id) | Q(users__entity_id=entity_id)).distinct()
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__contains=q))
    return qs.annotate(investment_fen=Sum("funding__amount_fen")).order_by("county_code", "code")


def project_get(*, viewer: Any, pk: int) -> Project:
    found = project_list(viewer=viewer).filter(pk=pk).first()
    if found is None:
        raise NotFound(details={"project": pk})
    return found


def project_detail(*, project: Project) -> dict[str, Any]:
    funding = {f.source: f.amount_fen for f in project.funding.all()}
    return {"project": project, "funding": funding, "investment_fen": rules.funding_total(funding),
            "milestones": list(project.milestones.all()), "users": list(project.users.select_related("entity")),
            "actions": rules.actions_from(rules.PROJECT_TRANSITIONS, project.status)}


def coverage(*, viewer: Any, on: dt.date, region_code: str | None = None) -> list[dict[str, Any]]:
    """The poverty and key counties (the dated sets on `on`) in the viewer's scope, each with the coverages it lacks
    (cold storage, logistics service) and its projects operating that day."""
    if not _signed_in(viewer):
        return []
    periods = registry.region_set_periods(set_kinds=list(rules.COVERAGE_SETS))
    prefix = registry_rules.subtree_prefix(region_code) if region_code else ""
    counties = {code: sorted(k for k, spans in kinds.items() if registry_rules.in_set_on(spans, on))
                for code, kinds in periods.items()
                if code.startswith(prefix) and code.startswith(viewer.scope_prefix)}
    counties = {c: sets for c, sets in counties.items() if sets}
    operating = (Project.objects.filter(county_code__in=list(counties), operating_since__lte=on)
                 .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=on)))
    ops = list(operating.values_list("county_code", "kind", "pk"))
    gaps = rules.coverage_gaps(counties=counties, operating=[(c, k) for c, k, _pk in ops])
    names = {code: r.name for code, r in registry.regions_by_codes(codes=set(counties)).items()}
    per: dict[str, list[int]] = {}
    for c, _k, pk in ops:
        per.setdefault(c, []).append(pk)
    return [{"county_code": c, "county_name": names.get(c, c), "sets": counties[c], "gaps": gaps[c],
             "operating": per.get(c, [])} for c in sorted(counties)]
