"""Incentives writes for policies. Keyword-only, typed, authorised by `policy`, audited.

- `policy_create(*, code, name, kind, granted_by, issuing_body, legal_reference, benefit, valid_from, valid_to,
  region_prefix, conditions, reason, actor)` → a draft policy with version 1
- `policy_revise(*, policy, changes, conditions, reason, actor)` → a new version (terms and/or conditions); the old
  versions and every decision that names them stay as they were
- `policy_transition(*, policy, action, reason, actor)`: draft → in force → retired
- `conditions_check(*, conditions, own_code)` → the rule errors of a condition tree (nothing written)

Evaluation runs: `eligibility`; recognition: `recognition`; demonstration enterprises: `demonstration`; supply-chain
projects: `projects`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.errors import Conflict, InvalidInput

from . import policy as access_policy
from . import rules
from .enums import GrantingBody, PolicyKind, PolicyStatus
from .models import Policy, PolicyVersion

TERMS = ("name", "kind", "granted_by", "issuing_body", "legal_reference", "benefit", "region_prefix", "valid_from",
         "valid_to")
_PREFIX = re.compile(r"^(\d{2}|\d{4}|\d{6})?$")
LIMITS = {"name": 200, "issuing_body": 200, "legal_reference": 300, "benefit": 4000}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def refuse(errors: list[rules.RuleError], *, code: str | None = None) -> InvalidInput:
    """One InvalidInput for rule errors: the messages joined, each error (field, code, message) in the details."""
    return InvalidInput("; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors),
                        code=code or errors[0].code, details={"errors": [e.as_dict() for e in errors],
                                                              "field": errors[0].field})


def in_force_trees(*, exclude: str = "") -> dict[str, Any]:
    """code → the condition tree in force of every policy in force (what references may name)."""
    rows = Policy.objects.filter(status=PolicyStatus.IN_FORCE, current_version__isnull=False).exclude(
        code=exclude).values_list("code", "current_version__conditions")
    return dict(rows)


def conditions_check(*, conditions: Any, own_code: str = "") -> list[rules.RuleError]:
    """Every error of a condition tree, references checked against the policies in force."""
    return rules.validate(conditions, own_code=own_code, policies=in_force_trees(exclude=own_code))


def _terms_errors(terms: Mapping[str, Any]) -> list[rules.RuleError]:
    errors = []
    for name, limit in LIMITS.items():
        value = terms.get(name)
        if not isinstance(value, str) or not value.strip():
            errors.append(rules.RuleError(name, "required", _("This field is required.")))
        elif len(value) > limit:
            errors.append(rules.RuleError(name, "too_long", _("At most %(n)d characters.") % {"n": limit}))
    if terms.get("kind") not in PolicyKind.values:
        errors.append(rules.RuleError("kind", "unknown_choice", _("Unknown kind of policy.")))
    if terms.get("granted_by") not in GrantingBody.values:
        errors.append(rules.RuleError("granted_by", "unknown_choice", _("Unknown granting body.")))
    if not isinstance(terms.get("region_prefix", ""), str) or not _PREFIX.match(terms.get("region_prefix", "")):
        errors.append(rules.RuleError("region_prefix", "bad_region",
                                      _("A region is given by a code prefix of 2, 4 or 6 digits (empty: the nation).")))
    errors.extend(rules.validity_errors(terms.get("valid_from"), terms.get("valid_to")))
    return errors


def _terms_json(terms: Mapping[str, Any]) -> dict[str, Any]:
    return {k: audit.json_safe(terms.get(k)) for k in TERMS}


@transaction.atomic
def policy_create(*, code: str, name: str, kind: str, granted_by: str, issuing_body: str, legal_reference: str,
                  benefit: str, valid_from: dt.date, valid_to: dt.date | None = None, region_prefix: str = "",
                  conditions: Any, reason: str = "", actor: Any) -> Policy:
    """A draft policy with its first version."""
    code = (code or "").strip()
    terms = {"name": (name or "").strip(), "kind": kind, "granted_by": granted_by,
             "issuing_body": (issuing_body or "").strip(), "legal_reference": (legal_reference or "").strip(),
             "benefit": (benefit or "").strip(), "region_prefix": (region_prefix or "").strip(),
             "valid_from": valid_from, "valid_to": valid_to}
    errors = [] if rules.valid_policy_code(code) else [rules.RuleError(
        "code", "bad_code", _("A policy code is 1–40 letters, digits, dots, dashes or underscores."))]
    errors += _terms_errors(terms)
    access_policy.authorise_policy_write(actor, region_prefix=str(terms["region_prefix"]), what="policy create")
    errors += conditions_check(conditions=conditions, own_code=code)
    if errors:
        raise refuse(errors)
    try:
        with transaction.atomic():
            pol = Policy.objects.create(code=code, created_by=_user(actor), **terms)
    except IntegrityError:
        raise Conflict(_("A policy with the code %(code)s exists already.") % {"code": code}, code="policy_exists",
                       details={"field": "code"}) from None
    version = PolicyVersion.objects.create(policy=pol, number=1, conditions=conditions, terms=_terms_json(terms),
                                           references=rules.references(conditions), reason=reason or "",
                                           created_by=_user(actor))
    Policy.objects.filter(pk=pol.pk).update(current_version=version)
    pol.current_version = version
    audit.record(actor=actor, action="policy:create", obj=pol, after={**_terms_json(terms), "version": 1,
                                                                      "conditions": conditions}, reason=reason)
    return pol


@transaction.atomic
def policy_revise(*, policy: Policy, changes: Mapping[str, Any] | None = None, conditions: Any = None,
                  reason: str, actor: Any) -> Policy:
    """A new version of the policy: changed terms (`changes`, any of TERMS) and/or a new condition tree. Refused for a
    retired policy, without a reason, or when nothing changes."""
    pol = Policy.objects.select_for_update().get(pk=policy.pk)
    access_policy.authorise_policy_write(actor, region_prefix=pol.region_prefix, what="policy revise")
    if pol.status == PolicyStatus.RETIRED:
        raise Conflict(_("The policy is retired: it is no longer changed."), code="policy_retired")
    unknown = sorted(set(changes or {}) - set(TERMS))
    if unknown:
        raise refuse([rules.RuleError(unknown[0], "unknown_field", _("“%(f)s” is not a term of a policy.")
                                      % {"f": unknown[0]})])
    if not (reason or "").strip():
        raise refuse([rules.RuleError("reason", "reason_required", _("A new version needs a reason."))])
    current = pol.current_version
    old_terms = {k: getattr(pol, k) for k in TERMS}
    terms = {**old_terms, **{k: (v.strip() if isinstance(v, str) else v) for k, v in (changes or {}).items()}}
    new_conditions = current.conditions if conditions is None and current is not None else conditions
    errors = _terms_errors(terms)
    if terms["region_prefix"] != pol.region_prefix:
        access_policy.authorise_policy_write(actor, region_prefix=str(terms["region_prefix"]), what="policy revise")
    errors += conditions_check(conditions=new_conditions, own_code=pol.code)
    if errors:
        raise refuse(errors)
    if terms == old_terms and current is not None and new_conditions == current.conditions:
        raise refuse([rules.RuleError("conditions", "nothing_changed", _("Nothing changed: no new version."))])
    number = (current.number if current else 0) + 1
    version = PolicyVersion.objects.create(policy=pol, number=number, conditions=new_conditions,
                                           terms=_terms_json(terms), references=rules.references(new_conditions),
                                           reason=reason.strip(), created_by=_user(actor))
    Policy.objects.filter(pk=pol.pk).update(current_version=version, **terms)
    before, after = audit.changed_fields(_terms_json(old_terms), _terms_json(terms))
    if current is None or new_conditions != current.conditions:
        before["conditions"], after["conditions"] = (current.conditions if current else None), new_conditions
    audit.record(actor=actor, action="policy:revise", obj=pol, before={**before, "version": number - 1},
                 after={**after, "version": number}, reason=reason)
    pol.refresh_from_db()
    return pol


def policy_transition(*, policy: Policy, action: str, reason: str = "", actor: Any) -> Policy:
    """Put a draft policy in force, or retire it (with a reason). A policy that others reference stays in force."""
    if action not in rules.POLICY_TRANSITIONS:
        raise InvalidInput(_("Unknown action “%(a)s”.") % {"a": action[:30]}, code="unknown_action")
    access_policy.authorise_policy_write(actor, region_prefix=policy.region_prefix, what=f"policy {action}")
    sources, to = rules.POLICY_TRANSITIONS[action]
    if action in rules.REASON_REQUIRED and not (reason or "").strip():
        raise refuse([rules.RuleError("reason", "reason_required", _("This step needs a reason."))])
    if action == "activate" and policy.current_version is not None:
        errors = conditions_check(conditions=policy.current_version.conditions, own_code=policy.code)
        if errors:
            raise refuse(errors)
    if action == "retire":
        users = [code for code, tree in in_force_trees(exclude=policy.code).items()
                 if policy.code in rules.references(tree)]
        if users:
            raise Conflict(_("Policies in force reference this one: %(codes)s.") % {"codes": ", ".join(users)},
                           code="policy_referenced", details={"referenced_by": users})
    audit.transition(policy, to=to, allowed_from=sources, actor=actor, reason=reason, action=f"policy:{action}")
    return policy
