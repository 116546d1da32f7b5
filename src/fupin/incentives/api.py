"""Incentives API (`/api/v1/incentives/…`): policies as data (the fact catalogue, a condition check, versions),
evaluation runs with every decision's explanation, the change list and the shortlist export, recognition rounds
and nominations (the honoured list is public), demonstration enterprises and supply-chain projects with the
coverage gaps. Thin: the services and selectors authorise, scope and audit; every decision condition carries its
`source` and, for ledger figures, `entries_url` (the ledger API's entries behind it).

No `from __future__ import annotations`: ninja reads the bounded types of `fupin.core.api_types` at run time."""

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from fupin.core.api_types import ExportFormat, Id, QueryDate, RecordDate, Year, choice, file_download
from fupin.core.errors import NotFound
from fupin.core.pagination import Page
from fupin.core.services import export_log
from fupin.core.tabular import CONTENT_TYPES

from . import demonstration, eligibility, projects, recognition, rules, selectors, services
from .enums import (
    BuyerGroup,
    CapacityUnit,
    ChangeKind,
    DemonstrationStatus,
    FundingSource,
    GrantingBody,
    NominationStatus,
    Outcome,
    PolicyKind,
    PolicyStatus,
    ProjectKind,
    ProjectStatus,
    RecognitionSubject,
)

router = Router(tags=["incentives"])

PolicyKindName = choice(PolicyKind)
GrantingName = choice(GrantingBody)
PolicyStatusName = choice(PolicyStatus)
OutcomeName = choice(Outcome)
SubjectName = choice(RecognitionSubject)
GroupName = choice(BuyerGroup)
NominationStatusName = choice(NominationStatus)
DemonstrationStatusName = choice(DemonstrationStatus)
ProjectKindName = choice(ProjectKind)
ProjectStatusName = choice(ProjectStatus)
UnitName = choice(CapacityUnit)
SourceName = choice(FundingSource)
ChangeName = choice(ChangeKind)
Prefix = Annotated[str, Field(max_length=6, pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6})?$",
                              description="a region code prefix of 2, 4 or 6 digits; empty: the nation")]
RegionCode = Annotated[str, Field(max_length=12, pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})?$")]
Reason = Annotated[str, Field(max_length=2000)]
Search = Annotated[str, Field(max_length=100)]
Fen = Annotated[int, Field(ge=0, le=rules.MAX_FEN, description="integer fen")]
Code = Annotated[str, Field(min_length=1, max_length=40)]
PolicyAction: Any = Literal[tuple(rules.POLICY_TRANSITIONS)]
NominationAction: Any = Literal[tuple(rules.NOMINATION_TRANSITIONS)]
DemonstrationAction: Any = Literal[tuple(a for a in rules.DEMONSTRATION_TRANSITIONS if a != "expire")]
ProjectAction: Any = Literal[tuple(rules.PROJECT_TRANSITIONS)]


# -- schemas ------------------------------------------------------------------------------------------------------
class IncentivesFactOut(Schema):
    key: str
    type: str
    label: str
    source: str
    description: str
    unit: str
    choices: list[str]
    operators: list[str]
    windowed: bool


class IncentivesPolicyIn(Schema):
    code: Code
    name: str = Field(max_length=200)
    kind: PolicyKindName
    granted_by: GrantingName
    issuing_body: str = Field(max_length=200)
    legal_reference: str = Field(max_length=300)
    benefit: str = Field(max_length=4000)
    valid_from: RecordDate
    valid_to: RecordDate | None = None
    region_prefix: Prefix = ""
    conditions: dict[str, Any] = Field(description="the condition tree (all / any / not, facts of the catalogue)")
    reason: Reason = ""


class IncentivesPolicyReviseIn(Schema):
    name: str | None = Field(None, max_length=200)
    kind: PolicyKindName | None = None
    granted_by: GrantingName | None = None
    issuing_body: str | None = Field(None, max_length=200)
    legal_reference: str | None = Field(None, max_length=300)
    benefit: str | None = Field(None, max_length=4000)
    valid_from: RecordDate | None = None
    valid_to: RecordDate | None = None
    region_prefix: Prefix | None = None
    conditions: dict[str, Any] | None = None
    reason: Reason


class IncentivesTransitionIn(Schema):
    action: PolicyAction
    reason: Reason = ""


class IncentivesCheckIn(Schema):
    conditions: Any = Field(description="a condition tree to check (nothing is written)")
    own_code: str = Field("", max_length=40)


class IncentivesRuleErrorOut(Schema):
    field: str
    code: str
    message: str


class IncentivesVersionOut(Schema):
    id: int
    number: int
    conditions: dict[str, Any]
    terms: dict[str, Any]
    references: list[str]
    reason: str
    created_at: dt.datetime


class IncentivesPolicyOut(Schema):
    id: int
    code: str
    name: str
    kind: PolicyKindName
    granted_by: GrantingName
    issuing_body: str
    legal_reference: str
    benefit: str
    region_prefix: str
    valid_from: dt.date
    valid_to: dt.date | None
    status: PolicyStatusName
    version: int | None
    conditions: dict[str, Any] | None


class IncentivesPolicyDetailOut(IncentivesPolicyOut):
    versions: list[IncentivesVersionOut]


class IncentivesEvaluateIn(Schema):
    on: QueryDate
    region_code: RegionCode = ""
    entity_id: Id | None = None


class IncentivesRunOut(Schema):
    id: int
    policy_id: int
    policy_code: str
    version_id: int
    version: int
    on: dt.date
    region_prefix: str
    entity_id: int | None
    previous_id: int | None
    at: dt.datetime
    actor_name: str
    seconds: float
    entities: int
    eligible: int
    ineligible: int
    undetermined: int
    referenced_versions: dict[str, int]
    parameters: dict[str, Any]


class IncentivesDecisionOut(Schema):
    id: int
    run_id: int
    policy_id: int
    policy_code: str
    version_id: int
    version: int
    entity_id: int
    entity_name: str
    region_code: str
    on: dt.date
    outcome: OutcomeName
    missing: list[str]
    summary: str


class IncentivesConditionOut(Schema):
    path: str
    fact: str
    op: str
    value: Any
    unit: str = ""
    window_years: int | None = None
    actual: Any = None
    met: bool | None
    missing: bool
    detail: str = ""
    source: dict[str, Any] | None = None
    entries_url: str = ""


class IncentivesDecisionDetailOut(IncentivesDecisionOut):
    explanation: dict[str, Any]
    conditions: list[IncentivesConditionOut]
    version_conditions: dict[str, Any]
    version_terms: dict[str, Any]
    referenced_versions: dict[str, int]


class IncentivesConditionChangeOut(Schema):
    path: str
    fact: str
    before: Any = None
    after: Any = None
    met_before: bool | None = None
    met_after: bool | None = None


class IncentivesChangeOut(Schema):
    entity_id: int
    entity_name: str
    region_code: str
    kind: ChangeName
    before: OutcomeName | None
    after: OutcomeName | None
    before_decision: int | None
    after_decision: int | None
    version_changed: bool
    conditions: list[dict[str, Any]]


class IncentivesRoundIn(Schema):
    year: Year
    subject: SubjectName
    title: str = Field(max_length=200)
    region_prefix: Prefix = ""
    top_n: int = Field(10, ge=1, le=1000)
    min_score_fen: Fen = 0


class IncentivesRoundOut(Schema):
    id: int
    year: int
    subject: SubjectName
    title: str
    region_prefix: str
    top_n: int
    min_score_fen: int
    weights: dict[str, Any]
    parameters: dict[str, Any]


class IncentivesRankingOut(Schema):
    id: int = Field(description="the organisation's id (buyers) or the market entity's (sellers): what a nomination names")
    group: GroupName
    rank: int
    score_fen: int
    tie_break: int | None
    eligible: bool
    organisation_id: int | None
    entity_id: int | None
    name: str
    kind: str
    region_code: str
    active: bool
    blacklisted: bool
    figures: dict[str, Any]


class IncentivesNominateIn(Schema):
    organisation_id: Id | None = None
    entity_id: Id | None = None
    citation: str = Field("", max_length=2000)


class IncentivesStepIn(Schema):
    action: NominationAction
    reason: Reason = ""


class IncentivesDemonstrationStepIn(Schema):
    action: DemonstrationAction
    reason: Reason = ""
    on: QueryDate | None = Field(None, description="designate: the first day of the designation (default today)")


class IncentivesNominationOut(Schema):
    id: int
    round_id: int
    year: int
    organisation_id: int | None
    entity_id: int | None
    name: str
    group: GroupName
    rank: int | None
    score_fen: int
    figures: dict[str, Any]
    region_code: str
    status: NominationStatusName
    citation: str
    last_reason: str
    published_on: dt.date | None


class IncentivesHonouredOut(Schema):
    year: int
    round: str
    name: str
    group: GroupName
    rank: int | None
    citation: str
    published_on: dt.date | None


class IncentivesDemonstrationIn(Schema):
    entity_id: Id
    policy_id: Id
    on: QueryDate
    reason: Reason = ""


class IncentivesRecheckIn(Schema):
    year: Year


class IncentivesDemonstrationOut(Schema):
    id: int
    entity_id: int
    entity_name: str
    policy_id: int
    policy_code: str
    decision_id: int | None
    region_code: str
    status: DemonstrationStatusName
    valid_from: dt.date | None
    valid_to: dt.date | None
    last_reason: str


class IncentivesCheckOut(Schema):
    year: int
    decision_id: int
    outcome: OutcomeName


class IncentivesProjectIn(Schema):
    code: Code
    name: str = Field(max_length=200)
    kind: ProjectKindName
    region_code: RegionCode
    capacity: int = Field(ge=0, le=rules.MAX_COUNT)
    capacity_unit: UnitName
    address: str = Field("", max_length=300)
    owner_id: Id | None = None
    planned_start: RecordDate | None = None
    note: str = Field("", max_length=4000)
    funding: dict[SourceName, Fen] = {}


class IncentivesFundingIn(Schema):
    source: SourceName
    amount_fen: Fen


class IncentivesMilestoneIn(Schema):
    title: str = Field(max_length=200)
    due_on: RecordDate
    note: str = Field("", max_length=300)


class IncentivesMilestoneDoneIn(Schema):
    done_on: RecordDate


class IncentivesUserIn(Schema):
    entity_id: Id
    since: RecordDate | None = None


class IncentivesProjectStepIn(Schema):
    action: ProjectAction
    on: RecordDate
    reason: Reason = ""


class IncentivesProjectOut(Schema):
    id: int
    code: str
    name: str
    kind: ProjectKindName
    region_code: str
    county_code: str
    address: str
    capacity: int
    capacity_unit: UnitName
    owner_id: int | None
    status: ProjectStatusName
    planned_start: dt.date | None
    started_on: dt.date | None
    operating_since: dt.date | None
    closed_on: dt.date | None
    investment_fen: int


class IncentivesMilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date
    done_on: dt.date | None
    note: str


class IncentivesProjectUserOut(Schema):
    entity_id: int
    entity_name: str
    since: dt.date | None


class IncentivesProjectDetailOut(IncentivesProjectOut):
    funding: dict[str, int]
    milestones: list[IncentivesMilestoneOut]
    users: list[IncentivesProjectUserOut]
    actions: list[str]


class IncentivesCoverageOut(Schema):
    county_code: str
    county_name: str
    sets: list[str]
    gaps: list[str]
    operating: list[int]


# -- shaping ------------------------------------------------------------------------------------------------------
def entries_url(source: dict[str, Any] | None) -> str:
    """The ledger API's counted entries behind a ledger fact (one year, or the window's years)."""
    if not source or source.get("kind") != "entries":
        return ""
    f = source.get("filters") or {}
    years = f.get("year") or []
    params = {"seller": f.get("seller"), "counted": "true", "year": ",".join(str(y) for y in years)}
    return "/api/v1/purchases?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _policy(p: Any, *, versions: bool = False) -> dict[str, Any]:
    v = p.current_version
    out = {"id": p.pk, "code": p.code, "name": p.name, "kind": p.kind, "granted_by": p.granted_by,
           "issuing_body": p.issuing_body, "legal_reference": p.legal_reference, "benefit": p.benefit,
           "region_prefix": p.region_prefix, "valid_from": p.valid_from, "valid_to": p.valid_to, "status": p.status,
           "version": v.number if v else None, "conditions": v.conditions if v else None}
    if versions:
        out["versions"] = list(selectors.policy_versions(policy=p))
    return out


def _run(r: Any) -> dict[str, Any]:
    return {"id": r.pk, "policy_id": r.policy_id, "policy_code": r.policy.code, "version_id": r.version_id,
            "version": r.version.number, "on": r.on, "region_prefix": r.region_prefix, "entity_id": r.entity_id,
            "previous_id": r.previous_id, "at": r.at, "actor_name": r.actor_name, "seconds": r.seconds,
            "entities": r.entities, "eligible": r.eligible, "ineligible": r.ineligible,
            "undetermined": r.undetermined, "referenced_versions": r.referenced_versions or {},
            "parameters": r.parameters or {}}


def _decision(d: Any) -> dict[str, Any]:
    return {"id": d.pk, "run_id": d.run_id, "policy_id": d.policy_id, "policy_code": d.policy.code,
            "version_id": d.version_id, "version": d.version.number, "entity_id": d.entity_id,
            "entity_name": d.entity.name, "region_code": d.region_code, "on": d.on, "outcome": d.outcome,
            "missing": list(d.missing or []), "summary": rules.decision_summary(d.explanation)}


def _nomination(n: Any) -> dict[str, Any]:
    return {"id": n.pk, "round_id": n.round_id, "year": n.round.year, "organisation_id": n.organisation_id,
            "entity_id": n.entity_id, "name": str(n.nominee.name), "group": n.group, "rank": n.rank,
            "score_fen": n.score_fen, "figures": n.figures or {}, "region_code": n.region_code, "status": n.status,
            "citation": n.citation, "last_reason": n.last_reason, "published_on": n.published_on}


def _demonstration(d: Any) -> dict[str, Any]:
    return {"id": d.pk, "entity_id": d.entity_id, "entity_name": d.entity.name, "policy_id": d.policy_id,
            "policy_code": d.policy.code, "decision_id": d.decision_id, "region_code": d.region_code,
            "status": d.status, "valid_from": d.valid_from, "valid_to": d.valid_to, "last_reason": d.last_reason}


def _project(p: Any, *, detail: bool = False) -> dict[str, Any]:
    out = {"id": p.pk, "code": p.code, "name": p.name, "kind": p.kind, "region_code": p.region.code,
           "county_code": p.county_code, "address": p.address, "capacity": p.capacity,
           "capacity_unit": p.capacity_unit, "owner_id": p.owner_id, "status": p.status,
           "planned_start": p.planned_start, "started_on": p.started_on, "operating_since": p.operating_since,
           "closed_on": p.closed_on, "investment_fen": int(getattr(p, "investment_fen", 0) or 0)}
    if detail:
        info = selectors.project_detail(project=p)
        out.update(funding=info["funding"], investment_fen=info["investment_fen"], milestones=info["milestones"],
                   users=[{"entity_id": u.entity_id, "entity_name": u.entity.name, "since": u.since}
                          for u in info["users"]], actions=info["actions"])
    return out


# -- policies -----------------------------------------------------------------------------------------------------
@router.get("/incentives/facts", response=list[IncentivesFactOut])
def fact_list(request):
    """The fact catalogue: every fact a condition may name, with its type, unit, operators and choices."""
    return selectors.fact_catalogue()


@router.post("/incentives/conditions/check", response=list[IncentivesRuleErrorOut])
def conditions_check(request, body: IncentivesCheckIn):
    """Every error of a condition tree, each naming the JSON path of the bad part (empty: the tree is valid)."""
    return [e.as_dict() for e in services.conditions_check(conditions=body.conditions, own_code=body.own_code)]


@router.get("/incentives/policies", response=list[IncentivesPolicyOut])
@paginate(Page)
def policy_list(request, status: PolicyStatusName | None = None, kind: PolicyKindName | None = None,
                granted_by: GrantingName | None = None, q: Search | None = None):
    return [_policy(p) for p in selectors.policy_list(viewer=request.user, status=status, kind=kind,
                                                      granted_by=granted_by, q=q)]


@router.post("/incentives/policies", response={201: IncentivesPolicyDetailOut})
def policy_create(request, body: IncentivesPolicyIn):
    """A draft policy with version 1; refused with the JSON path of each bad part of its conditions."""
    pol = services.policy_create(actor=request.user, **body.dict())
    return 201, _policy(pol, versions=True)


@router.get("/incentives/policies/{pk}", response=IncentivesPolicyDetailOut)
def policy_get(request, pk: Id):
    return _policy(selectors.policy_get(viewer=request.user, pk=pk), versions=True)


@router.post("/incentives/policies/{pk}/versions", response={201: IncentivesPolicyDetailOut})
def policy_revise(request, pk: Id, body: IncentivesPolicyReviseIn):
    """A new version: changed terms and/or conditions, with its reason (old decisions keep their version)."""
    data = body.dict(exclude_unset=True)
    reason, conditions = data.pop("reason"), data.pop("conditions", None)
    pol = services.policy_revise(policy=selectors.policy_get(viewer=request.user, pk=pk), changes=data,
                                 conditions=conditions, reason=reason, actor=request.user)
    return 201, _policy(pol, versions=True)


@router.post("/incentives/policies/{pk}/transitions", response=IncentivesPolicyDetailOut)
def policy_transition(request, pk: Id, body: IncentivesTransitionIn):
    """`activate` (draft → in force) or `retire` (with a reason)."""
    pol = services.policy_transition(policy=selectors.policy_get(viewer=request.user, pk=pk), action=body.action,
                                     reason=body.reason, actor=request.user)
    return _policy(selectors.policy_get(viewer=request.user, pk=pol.pk), versions=True)


# -- runs and decisions -------------------------------------------------------------------------------------------
@router.post("/incentives/policies/{pk}/runs", response={201: IncentivesRunOut})
def policy_evaluate(request, pk: Id, body: IncentivesEvaluateIn):
    """Evaluate the policy's version in force on a date for one entity or every entity of a region."""
    run = eligibility.policy_evaluate(policy=selectors.policy_get(viewer=request.user, pk=pk), on=body.on,
                                      region_code=body.region_code, entity_id=body.entity_id, actor=request.user)
    return 201, _run(selectors.run_get(viewer=request.user, pk=run.pk))


@router.get("/incentives/runs", response=list[IncentivesRunOut])
@paginate(Page)
def run_list(request, policy_id: Id | None = None):
    return [_run(r) for r in selectors.run_list(viewer=request.user, policy_id=policy_id)]


@router.get("/incentives/runs/{pk}", response=IncentivesRunOut)
def run_get(request, pk: Id):
    return _run(selectors.run_get(viewer=request.user, pk=pk))


@router.get("/incentives/runs/{pk}/decisions", response=list[IncentivesDecisionOut])
@paginate(Page)
def run_decisions(request, pk: Id, outcome: OutcomeName | None = None, region_code: RegionCode = "",
                  q: Search | None = None):
    run = selectors.run_get(viewer=request.user, pk=pk)
    return [_decision(d) for d in selectors.decision_list(viewer=request.user, run=run, outcome=outcome,
                                                          region_code=region_code or None, q=q)]


@router.get("/incentives/runs/{pk}/changes", response=list[IncentivesChangeOut])
def run_changes(request, pk: Id, against: Id | None = None):
    """What changed since the run before (or `against`): newly eligible, no longer eligible, and why."""
    run = selectors.run_get(viewer=request.user, pk=pk)
    other = selectors.run_get(viewer=request.user, pk=against) if against else None
    return selectors.run_changes(viewer=request.user, run=run, against=other)


@router.get("/incentives/runs/{pk}/shortlist",
            openapi_extra=file_download("csv", "xlsx", description="the eligible entities of the run"))
def run_shortlist(request, pk: Id, region_code: RegionCode = "", format: ExportFormat = "xlsx"):  # noqa: A002
    """The shortlist for the granting body: the eligible entities of the run in your scope (and a region)."""
    run = selectors.run_get(viewer=request.user, pk=pk)
    content, rows = selectors.shortlist_file(viewer=request.user, run=run, region_code=region_code or None,
                                             fmt=format)
    export_log(user=request.user, what="incentives shortlist", rows=rows, path=request.path)
    response = HttpResponse(content, content_type=CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="shortlist-{run.policy.code}-{run.pk}.{format}"'
    return response


@router.get("/incentives/decisions/{pk}", response=IncentivesDecisionDetailOut)
def decision_get(request, pk: Id):
    """A decision with its whole explanation: every condition with the value used, met or not, missing or not,
    its source (and the ledger entries behind it), and the version of the policy it used."""
    view = selectors.decision_view(viewer=request.user, pk=pk)
    d = view["decision"]
    return {**_decision(d), "explanation": d.explanation, "version_conditions": d.version.conditions,
            "version_terms": d.version.terms, "referenced_versions": d.run.referenced_versions or {},
            "conditions": [{**c, "entries_url": entries_url(c.get("source"))} for c in view["conditions"]
                           if "fact" in c]}


@router.get("/incentives/entities/{entity_id}/decisions", response=list[IncentivesDecisionOut])
def entity_decisions(request, entity_id: Id):
    """The latest decision of every policy for one market entity."""
    return [_decision(d) for d in selectors.entity_decisions(viewer=request.user, entity_id=entity_id)]


# -- recognition --------------------------------------------------------------------------------------------------
@router.get("/incentives/honoured", response=list[IncentivesHonouredOut], auth=None)
def honoured(request, year: Year | None = None):
    """The published nominations (public): who was honoured, in which round, for what."""
    return [{"year": n.round.year, "round": n.round.title, "name": str(n.nominee.name), "group": n.group,
             "rank": n.rank, "citation": n.citation, "published_on": n.published_on}
            for n in recognition.published(year=year)[:1000]]


@router.get("/incentives/rounds", response=list[IncentivesRoundOut])
@paginate(Page)
def round_list(request, year: Year | None = None):
    return list(selectors.round_list(viewer=request.user, year=year))


@router.post("/incentives/rounds", response={201: IncentivesRoundOut})
def round_create(request, body: IncentivesRoundIn):
    return 201, recognition.round_create(actor=request.user, **body.dict())


@router.get("/incentives/rounds/{pk}", response=IncentivesRoundOut)
def round_get(request, pk: Id):
    return selectors.round_get(viewer=request.user, pk=pk)


@router.get("/incentives/rounds/{pk}/ranking", response=list[IncentivesRankingOut])
def round_ranking(request, pk: Id):
    """Every candidate ranked in its group, with the figures behind the score and the tie-break that placed it."""
    return selectors.round_ranking(viewer=request.user, round=selectors.round_get(viewer=request.user, pk=pk))


@router.post("/incentives/rounds/{pk}/nominations", response={201: IncentivesNominationOut})
def nominate(request, pk: Id, body: IncentivesNominateIn):
    rnd = selectors.round_get(viewer=request.user, pk=pk)
    n = recognition.nominate(round=rnd, organisation_id=body.organisation_id, entity_id=body.entity_id,
                             citation=body.citation, actor=request.user)
    return 201, _nomination(selectors.nomination_get(viewer=request.user, pk=n.pk))


@router.post("/incentives/rounds/{pk}/nominations/from-ranking", response={201: list[IncentivesNominationOut]})
def nominate_from_ranking(request, pk: Id):
    """Nominate the first `top_n` of each group whose score reaches the round's minimum."""
    made = recognition.nominations_from_ranking(round=selectors.round_get(viewer=request.user, pk=pk),
                                                actor=request.user)
    return 201, [_nomination(n) for n in made]


@router.get("/incentives/nominations", response=list[IncentivesNominationOut])
@paginate(Page)
def nomination_list(request, round_id: Id | None = None, status: NominationStatusName | None = None):
    return [_nomination(n) for n in selectors.nomination_list(viewer=request.user, round_id=round_id, status=status)]


@router.get("/incentives/nominations/{pk}", response=IncentivesNominationOut)
def nomination_get(request, pk: Id):
    return _nomination(selectors.nomination_get(viewer=request.user, pk=pk))


@router.post("/incentives/nominations/{pk}/steps", response=IncentivesNominationOut)
def nomination_step(request, pk: Id, body: IncentivesStepIn):
    """`review`, `approve`, `publish`, `reject` (with a reason) or `withdraw` (with a reason)."""
    n = recognition.nomination_step(nomination=selectors.nomination_get(viewer=request.user, pk=pk),
                                    action=body.action, reason=body.reason, actor=request.user)
    return _nomination(selectors.nomination_get(viewer=request.user, pk=n.pk))


# -- demonstration ------------------------------------------------------------------------------------------------
@router.get("/incentives/demonstrations", response=list[IncentivesDemonstrationOut])
@paginate(Page)
def demonstration_list(request, status: DemonstrationStatusName | None = None, entity_id: Id | None = None):
    return [_demonstration(d) for d in selectors.demonstration_list(viewer=request.user, status=status,
                                                                    entity_id=entity_id)]


@router.post("/incentives/demonstrations", response={201: IncentivesDemonstrationOut})
def demonstration_nominate(request, body: IncentivesDemonstrationIn):
    """Nominate a demonstration enterprise: refused, naming the unmet or missing conditions, when the criteria
    (a policy of kind `demonstration`) are not met on the date."""
    d = demonstration.demonstration_nominate(entity_id=body.entity_id, on=body.on, reason=body.reason,
                                             policy=selectors.policy_get(viewer=request.user, pk=body.policy_id),
                                             actor=request.user)
    return 201, _demonstration(selectors.demonstration_get(viewer=request.user, pk=d.pk))


@router.get("/incentives/demonstrations/{pk}", response=IncentivesDemonstrationOut)
def demonstration_get(request, pk: Id):
    return _demonstration(selectors.demonstration_get(viewer=request.user, pk=pk))


@router.post("/incentives/demonstrations/{pk}/steps", response=IncentivesDemonstrationOut)
def demonstration_step(request, pk: Id, body: IncentivesDemonstrationStepIn):
    """`review`, `designate` (from `on`, for the dated period), `reject`, `withdraw` (with a reason)."""
    d = demonstration.demonstration_step(demonstration=selectors.demonstration_get(viewer=request.user, pk=pk),
                                         action=body.action, reason=body.reason, on=body.on, actor=request.user)
    return _demonstration(selectors.demonstration_get(viewer=request.user, pk=d.pk))


@router.post("/incentives/demonstrations/{pk}/rechecks", response={201: IncentivesCheckOut})
def demonstration_recheck(request, pk: Id, body: IncentivesRecheckIn):
    """The annual re-check: the criteria at the year's end; a failed one withdraws the designation."""
    check = demonstration.demonstration_recheck(
        demonstration=selectors.demonstration_get(viewer=request.user, pk=pk), year=body.year, actor=request.user)
    return 201, {"year": check.year, "decision_id": check.decision_id, "outcome": check.outcome}


# -- projects -----------------------------------------------------------------------------------------------------
@router.get("/incentives/projects", response=list[IncentivesProjectOut])
@paginate(Page)
def project_list(request, status: ProjectStatusName | None = None, kind: ProjectKindName | None = None,
                 region_code: RegionCode = "", entity_id: Id | None = None,
                 q: Search | None = None):
    return [_project(p) for p in selectors.project_list(viewer=request.user, status=status, kind=kind,
                                                        region_code=region_code or None, entity_id=entity_id, q=q)]


@router.post("/incentives/projects", response={201: IncentivesProjectDetailOut})
def project_create(request, body: IncentivesProjectIn):
    p = projects.project_create(actor=request.user, **body.dict())
    return 201, _project(selectors.project_get(viewer=request.user, pk=p.pk), detail=True)


@router.get("/incentives/projects/{pk}", response=IncentivesProjectDetailOut)
def project_get(request, pk: Id):
    return _project(selectors.project_get(viewer=request.user, pk=pk), detail=True)


@router.post("/incentives/projects/{pk}/funding", response=IncentivesProjectDetailOut)
def project_funding(request, pk: Id, body: IncentivesFundingIn):
    projects.funding_set(project=selectors.project_get(viewer=request.user, pk=pk), source=body.source,
                         amount_fen=body.amount_fen, actor=request.user)
    return _project(selectors.project_get(viewer=request.user, pk=pk), detail=True)


@router.post("/incentives/projects/{pk}/milestones", response={201: IncentivesProjectDetailOut})
def project_milestone(request, pk: Id, body: IncentivesMilestoneIn):
    projects.milestone_add(project=selectors.project_get(viewer=request.user, pk=pk), title=body.title,
                           due_on=body.due_on, note=body.note, actor=request.user)
    return 201, _project(selectors.project_get(viewer=request.user, pk=pk), detail=True)


@router.post("/incentives/projects/{pk}/milestones/{milestone_id}/done", response=IncentivesProjectDetailOut)
def project_milestone_done(request, pk: Id, milestone_id: Id, body: IncentivesMilestoneDoneIn):
    project = selectors.project_get(viewer=request.user, pk=pk)
    milestone = project.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound(details={"milestone": milestone_id})
    projects.milestone_done(milestone=milestone, done_on=body.done_on, actor=request.user)
    return _project(selectors.project_get(viewer=request.user, pk=pk), detail=True)


@router.post("/incentives/projects/{pk}/users", response={201: IncentivesProjectDetailOut})
def project_user(request, pk: Id, body: IncentivesUserIn):
    projects.project_user_add(project=selectors.project_get(viewer=request.user, pk=pk), entity_id=body.entity_id,
                              since=body.since, actor=request.user)
    return 201, _project(selectors.project_get(viewer=request.user, pk=pk), detail=True)


@router.post("/incentives/projects/{pk}/steps", response=IncentivesProjectDetailOut)
def project_step(request, pk: Id, body: IncentivesProjectStepIn):
    """`start` (planned → under construction), `open` (→ operating), `close` (with a reason)."""
    projects.project_step(project=selectors.project_get(viewer=request.user, pk=pk), action=body.action,
                          on=body.on, reason=body.reason, actor=request.user)
    return _project(selectors.project_get(viewer=request.user, pk=pk), detail=True)


@router.get("/incentives/coverage", response=list[IncentivesCoverageOut])
def coverage(request, on: QueryDate | None = None, region_code: RegionCode = ""):
    """Poverty and key counties on the date, each with the coverage it lacks (cold storage, logistics service)."""
    return selectors.coverage(viewer=request.user, on=on or timezone.localdate(), region_code=region_code or None)

