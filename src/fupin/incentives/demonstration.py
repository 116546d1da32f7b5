"""Demonstration enterprises (消费扶贫示范企业 / 消费帮扶示范企业): criteria as a policy rule set (a policy of kind
`demonstration`), nomination, review, designation for a period, an annual re-check, withdrawal.

- `demonstration_nominate(*, entity_id, policy, on, actor, reason)` — evaluates the criteria for the entity on the
  date (an evaluation run with its decision, kept whatever the outcome); refused when the criteria are not met
  (`criteria_not_met`, naming the conditions not met) or cannot be decided (`facts_missing`, naming the facts), for a
  policy that is not demonstration criteria, an unknown entity or one already nominated or designated.
- `demonstration_step(*, demonstration, action, reason, actor, on)` — review → designate (for the years of the dated
  parameter `incentives.demonstration_period_years`, from `on`), reject, withdraw (with a reason), expire.
- `demonstration_recheck(*, demonstration, year, actor)` — the criteria evaluated again at the end of the year (or
  today, within the current year); a failed re-check withdraws the designation with the conditions not met as the
  reason; an undetermined one is recorded and the designation stays.
- `demonstrations_expire(*, on, actor)` — designations whose period ended before `on` expire.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit, params
from fupin.core.errors import Conflict, InvalidInput
from fupin.registry import selectors as registry

from . import eligibility, parameters, rules
from . import policy as access_policy
from .enums import DemonstrationStatus, Outcome, PolicyKind
from .facts import READER
from .models import Decision, Demonstration, DemonstrationCheck, Policy
from .services import refuse

OPEN_STATUSES = (DemonstrationStatus.NOMINATED, DemonstrationStatus.UNDER_REVIEW, DemonstrationStatus.DESIGNATED)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def unmet(decision: Decision) -> str:
    """The conditions a decision did not meet (or could not decide), as one line for a reason."""
    parts = []
    for leaf in rules.leaves(decision.explanation):
        if "fact" in leaf and leaf.get("met") is not True:
            state = _("missing") if leaf.get("missing") else str(leaf.get("actual"))
            parts.append(f"{leaf['path']} {leaf['fact']} {leaf['op']} {leaf['value']}: {state}")
    return "; ".join(parts)


def _decide(policy: Policy, entity_id: int, on: dt.date, actor: Any) -> Decision:
    run = eligibility.policy_evaluate(policy=policy, on=on, entity_id=entity_id, actor=actor)
    return Decision.objects.get(run=run)


def demonstration_nominate(*, entity_id: int, policy: Policy, on: dt.date, actor: Any,
                           reason: str = "") -> Demonstration:
    if policy.kind != PolicyKind.DEMONSTRATION:
        raise refuse([rules.RuleError("policy", "not_demonstration_criteria",
                                      _("%(policy)s is not a set of demonstration criteria.") % {"policy": policy})])
    entity = registry.entity_list(viewer=READER).filter(pk=entity_id).first()
    if entity is None:
        raise refuse([rules.RuleError("entity_id", "unknown_entity", _("No market entity has the id %(id)s.")
                                      % {"id": entity_id})])
    access_policy.authorise_nominate(actor, region_code=entity.region.code, what="demonstration nominate")
    if Demonstration.objects.filter(entity=entity, policy=policy, status__in=OPEN_STATUSES).exists():
        raise Conflict(_("%(entity)s is already nominated or designated under these criteria.") % {"entity": entity},
                       code="already_nominated")
    decision = _decide(policy, entity.pk, on, actor)
    if decision.outcome == Outcome.UNDETERMINED:
        raise refuse([rules.RuleError("entity_id", "facts_missing",
                                      _("The criteria cannot be decided: facts missing (%(facts)s). Decision %(id)s.")
                                      % {"facts": ", ".join(decision.missing), "id": decision.pk})])
    if decision.outcome != Outcome.ELIGIBLE:
        raise refuse([rules.RuleError("entity_id", "criteria_not_met",
                                      _("%(entity)s does not meet the criteria: %(unmet)s. Decision %(id)s.")
                                      % {"entity": entity, "unmet": unmet(decision), "id": decision.pk})])
    with transaction.atomic():
        demo = Demonstration.objects.create(entity=entity, policy=policy, decision=decision,
                                            region_code=entity.region.code, last_reason=(reason or "").strip(),
                                            nominated_by=_user(actor))
        audit.record(actor=actor, action="demonstration:nominate", obj=demo,
                     after={"entity": entity.pk, "policy": policy.code, "decision": decision.pk}, reason=reason)
    return demo


def designation_end(start: dt.date, years: int) -> dt.date:
    """The last day of a designation of `years` years from `start` (29 February → 28 February)."""
    try:
        end = start.replace(year=start.year + years)
    except ValueError:
        end = dt.date(start.year + years, 2, 28)
    return end - dt.timedelta(days=1)


def demonstration_step(*, demonstration: Demonstration, action: str, actor: Any, reason: str = "",
                       on: dt.date | None = None) -> Demonstration:
    if action not in rules.DEMONSTRATION_TRANSITIONS:
        raise InvalidInput(_("Unknown action “%(a)s”.") % {"a": str(action)[:30]}, code="unknown_action")
    access_policy.authorise_step(actor, action=action, region_code=demonstration.region_code,
                                 what=f"demonstration {action}")
    if action in rules.REASON_REQUIRED and not (reason or "").strip():
        raise refuse([rules.RuleError("reason", "reason_required", _("This step needs a reason."))])
    sources, to = rules.DEMONSTRATION_TRANSITIONS[action]
    changes: dict[str, Any] = {"last_reason": (reason or "").strip()}
    if action == "designate":
        start = on or timezone.localdate()
        years = int(params.value(parameters.DEMONSTRATION_PERIOD_YEARS, on=start, region_code=demonstration.region_code))
        changes.update(valid_from=start, valid_to=designation_end(start, years))
    audit.transition(demonstration, to=to, allowed_from=sources, actor=actor, reason=reason,
                     action=f"demonstration:{action}", changes=changes)
    return demonstration


def demonstration_recheck(*, demonstration: Demonstration, year: int, actor: Any) -> DemonstrationCheck:
    demo = demonstration
    access_policy.authorise_step(actor, action="recheck", region_code=demo.region_code, what="demonstration recheck")
    if demo.status != DemonstrationStatus.DESIGNATED or demo.valid_from is None or demo.valid_to is None:
        raise Conflict(_("Only a designated demonstration enterprise is re-checked."), code="not_designated")
    today = timezone.localdate()
    if not isinstance(year, int) or not demo.valid_from.year <= year <= min(demo.valid_to.year, today.year):
        raise refuse([rules.RuleError("year", "bad_year", _("Re-check a year of the designation, up to this year "
                                                            "(%(first)d–%(last)d).")
                                      % {"first": demo.valid_from.year, "last": min(demo.valid_to.year, today.year)})])
    if DemonstrationCheck.objects.filter(demonstration=demo, year=year).exists():
        raise Conflict(_("The year %(year)d is re-checked already.") % {"year": year}, code="already_checked")
    on = min(dt.date(year, 12, 31), today, demo.valid_to)
    decision = _decide(demo.policy, demo.entity_id, on, actor)
    try:
        with transaction.atomic():
            check = DemonstrationCheck.objects.create(demonstration=demo, year=year, decision=decision,
                                                      outcome=decision.outcome, actor_name=audit.actor_of(actor)[1])
            audit.record(actor=actor, action="demonstration:recheck", obj=demo,
                         after={"year": year, "decision": decision.pk, "outcome": decision.outcome})
            if decision.outcome == Outcome.INELIGIBLE:
                sources, to = rules.DEMONSTRATION_TRANSITIONS["withdraw"]
                why = _("Failed the annual re-check of %(year)d: %(unmet)s") % {"year": year,
                                                                                "unmet": unmet(decision)}
                audit.transition(demo, to=to, allowed_from=sources, actor=actor, reason=why,
                                 action="demonstration:withdraw", changes={"last_reason": why[:4000]})
    except IntegrityError:
        raise Conflict(_("The year %(year)d is re-checked already.") % {"year": year}, code="already_checked") from None
    return check


def demonstrations_expire(*, on: dt.date, actor: Any) -> int:
    """Expire every designation whose period ended before `on`; returns how many."""
    n = 0
    for demo in Demonstration.objects.filter(status=DemonstrationStatus.DESIGNATED, valid_to__lt=on):
        demonstration_step(demonstration=demo, action="expire", actor=actor, reason=_("The designation period ended."))
        n += 1
    return n
