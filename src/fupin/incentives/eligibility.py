"""Evaluation runs: a policy's version in force, evaluated on a date for one market entity or every entity of a
region, with each decision's full explanation stored (DESIGN rules 7 and 8).

    run = eligibility.policy_evaluate(policy=p, on=date(2025, 6, 30), region_code="5226", actor=user)

The facts are gathered set-based (`facts.gather`: one query per fact over all entities); the pure evaluator
(`rules.compile_conditions`, compiled once a run) explains every condition; the decisions go in as plain rows
(`core.bulk.insert_rows`, COPY on PostgreSQL). A run stores the policy version it used (and the versions of the
policies it references, and of the parameters read), so an old decision explains itself exactly after the rules
change. One audit entry records the run.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fupin.core import audit, memory
from fupin.core.bulk import insert_rows
from fupin.core.errors import Conflict
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry

from . import facts, rules
from . import policy as access_policy
from .enums import Outcome, PolicyStatus
from .models import Decision, EvaluationRun, Policy, PolicyVersion
from .services import refuse

BULK = 2000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def referenced(*, version: PolicyVersion) -> dict[str, tuple[int, Any]]:
    """code → (version id, tree) of the policies in force that a version references, directly or through others."""
    out: dict[str, tuple[int, Any]] = {}
    todo = list(version.references or [])
    while todo:
        code = todo.pop()
        if code in out:
            continue
        pol = Policy.objects.select_related("current_version").filter(code=code, status=PolicyStatus.IN_FORCE).first()
        if pol is None or pol.current_version is None:
            continue
        out[code] = (pol.current_version.pk, pol.current_version.conditions)
        todo.extend(pol.current_version.references or [])
    return out


def run_scope(*, policy: Policy, region_code: str) -> str:
    """The region prefix a run covers: the policy's region, narrowed to `region_code` when it lies inside."""
    wanted = registry_rules.subtree_prefix(region_code) if region_code else ""
    own = policy.region_prefix
    if wanted.startswith(own):
        return wanted
    if own.startswith(wanted):
        return own
    raise refuse([rules.RuleError("region_code", "outside_policy_region",
                                  _("%(code)s lies outside the region where the policy applies (%(own)s).")
                                  % {"code": region_code, "own": own or _("the nation")})])


def _check_date(policy: Policy, on: Any) -> None:
    if not isinstance(on, dt.date):
        raise refuse([rules.RuleError("on", "required", _("The evaluation needs a date."))])
    if not rules.in_validity(on, policy.valid_from, policy.valid_to):
        raise refuse([rules.RuleError("on", "outside_validity",
                                      _("%(on)s is outside the policy's validity (%(from)s – %(to)s).")
                                      % {"on": on.isoformat(), "from": policy.valid_from.isoformat(),
                                         "to": policy.valid_to.isoformat() if policy.valid_to else "…"})])


@memory.gc_paused()  # many short-lived dicts: see core.memory
def policy_evaluate(*, policy: Policy, on: dt.date, actor: Any, region_code: str = "",
                    entity_id: int | None = None) -> EvaluationRun:
    """Evaluate the policy's version in force on `on` for one entity (`entity_id`) or every active entity of the
    policy's region (narrowed to `region_code`); store each decision with its explanation. Refused for a policy not
    in force, a date outside its validity, a region outside its region, an unknown entity or one outside it."""
    policy = Policy.objects.select_related("current_version").get(pk=policy.pk)
    entity = None
    if entity_id is not None:
        entity = registry.entity_list(viewer=facts.READER).filter(pk=entity_id).first()
        if entity is None:
            raise refuse([rules.RuleError("entity_id", "unknown_entity", _("No market entity has the id %(id)s.")
                                          % {"id": entity_id})])
        access_policy.authorise_evaluate(actor, region_code=entity.region.code)
        if not entity.region.code.startswith(policy.region_prefix):
            raise refuse([rules.RuleError("entity_id", "outside_policy_region",
                                          _("%(entity)s lies outside the region where the policy applies.")
                                          % {"entity": entity})])
        scope = ""
    else:
        scope = run_scope(policy=policy, region_code=region_code)
        access_policy.authorise_evaluate(actor, region_code=access_policy.region_of(scope))
    if policy.status != PolicyStatus.IN_FORCE or policy.current_version is None:
        raise Conflict(_("Only a policy in force is evaluated (this one is %(status)s).")
                       % {"status": policy.get_status_display()}, code="policy_not_in_force")
    _check_date(policy, on)
    started = time.perf_counter()
    version = policy.current_version
    refs = referenced(version=version)
    subjects = facts.subjects(region_prefix=scope, entity_ids=[entity.pk] if entity is not None else None)
    keys = rules.needed_facts(version.conditions, policies=refs)
    gathered = facts.gather(subjects=subjects, keys=keys, on=on, all_entities=entity is None)
    decisions = []
    counts = {o: 0 for o in Outcome.values}
    conditions = rules.compile_conditions(version.conditions, policies=refs)
    for s in subjects:
        result = conditions.evaluate(gathered.facts[s.id])
        counts[result.outcome] += 1
        decisions.append({"policy_id": policy.pk, "version_id": version.pk, "entity_id": s.id, "on": on,
                          "outcome": result.outcome, "region_code": s.region_code, "explanation": result.tree,
                          "missing": result.missing})
    previous = (EvaluationRun.objects.filter(policy=policy, region_prefix=scope, entity=entity)
                .order_by("-at", "-id").first())
    seconds = time.perf_counter() - started
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            policy=policy, version=version, on=on, region_prefix=scope, entity=entity, previous=previous,
            actor=_user(actor), actor_name=audit.actor_of(actor)[1], entities=len(subjects),
            eligible=counts[Outcome.ELIGIBLE], ineligible=counts[Outcome.INELIGIBLE],
            undetermined=counts[Outcome.UNDETERMINED], referenced_versions={c: v for c, (v, _t) in refs.items()},
            parameters=gathered.parameters, seconds=round(seconds, 3))
        for d in decisions:
            d["run_id"] = run.pk
        insert_rows(Decision, decisions, batch=BULK)
        audit.record(actor=actor, action="policy:evaluate", obj=run, after={
            "policy": policy.code, "version": version.number, "on": on, "region": scope,
            "entity": entity.pk if entity is not None else None, "entities": len(subjects), **counts})
    return run
