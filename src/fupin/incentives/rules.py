"""Incentives' pure rules: no ORM, no I/O.

- **The fact catalogue** (`FACTS`): every fact a policy condition may name, with its type, unit, operators and
  parameters (docs/domain/incentives.md lists them with their sources).
- **Condition trees**: `all` / `any` / `not` groups over typed conditions (`{"fact", "op", "value", "unit"}`) and
  references to another policy (`{"policy": "CODE"}`), stored as JSON. `validate` refuses unknown facts,
  operators and keys, values of the wrong type or unit, empty groups, trees too deep or too large, unknown
  policies and cycles between policies — each error naming the JSON path of the bad part (`$.all[2].value`).
  Nothing is ever evaluated as code: the evaluator walks the data.
- **Evaluation** (`evaluate`): three-valued — met, not met, or unknown when a fact is missing — and it returns the
  whole explanation: every condition with the fact value used, met or not, the fact's source and what is missing.
- Validity periods, the change list between two runs, the recognition ranking with its tie-breaks, coverage gaps,
  and the transitions of policies, nominations, demonstration enterprises and projects.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fupin.registry.enums import EntityKind, RegionSet, Sector, Zone
from fupin.registry.rules import subtree_prefix

from .enums import (
    ChangeKind,
    Coverage,
    DemonstrationStatus,
    NominationStatus,
    Outcome,
    PolicyStatus,
    ProjectKind,
    ProjectStatus,
)

FIRST_DATE = dt.date(2013, 1, 1)   # the account's first day: no policy or evaluation before it
LAST_DATE = dt.date(2100, 12, 31)
MAX_DEPTH = 12                      # nesting of groups
MAX_NODES = 300                     # conditions and groups in one tree (references included)
MAX_FEN = 10**15                    # ten trillion yuan: above any threshold a policy may name
MAX_COUNT = 10**9
MAX_YEARS = 200
MAX_WINDOW_YEARS = 10


@dataclass(frozen=True)
class RuleError:
    """A refusal naming the bad part: `field` (a JSON path such as `$.all[2].value`, or a field name), a stable
    `code`, and a translated `message`."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


# -- the fact catalogue --------------------------------------------------------------------------------------------
NUMBER, CHOICES, BOOL, REGIONS = "number", "choices", "bool", "regions"
OPERATORS: dict[str, tuple[str, ...]] = {
    NUMBER: (">=", ">", "<=", "<", "==", "!="),
    CHOICES: ("any_of", "all_of", "none_of"),
    BOOL: ("is",),
    REGIONS: ("within", "not_within"),
}
UNIT_LIMITS = {"fen": MAX_FEN, "count": MAX_COUNT, "years": MAX_YEARS}
UNIT_LABELS = {"fen": _l("fen"), "count": _l("count"), "years": _l("years")}
OPERATOR_LABELS = {
    ">=": _l("at least"), ">": _l("more than"), "<=": _l("at most"), "<": _l("less than"), "==": _l("exactly"),
    "!=": _l("not"), "any_of": _l("any of"), "all_of": _l("all of"), "none_of": _l("none of"), "is": _l("is"),
    "within": _l("within"), "not_within": _l("not within"), "all": _l("all of these"), "any": _l("any of these"),
    "not": _l("not"), "policy": _l("meets the policy"),
}


@dataclass(frozen=True)
class FactSpec:
    """A fact the platform holds about a market entity on a date."""

    key: str
    type: str
    label: Any
    source: str                                   # the app it is read from
    description: Any
    unit: str = ""                                # numbers: fen, count or years
    choices: tuple[str, ...] = ()                 # choices: the allowed values
    windowed: bool = False                        # takes `window_years` (full calendar years before the date)

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.type]

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "type": self.type, "label": str(self.label), "source": self.source,
                "description": str(self.description), "unit": self.unit, "choices": list(self.choices),
                "operators": list(self.operators), "windowed": self.windowed}


FACTS: dict[str, FactSpec] = {f.key: f for f in (
    FactSpec("region_sets", CHOICES, _l("Region status on the date"), "registry",
             _l("The dated region sets the entity's county and village belong to on the date: poverty county, "
                "county lifted out, national or provincial key county, poor or lifted village."),
             choices=tuple(RegionSet.values)),
    FactSpec("region", REGIONS, _l("Region"), "registry",
             _l("Where the entity is registered (a region code: province, prefecture, county, township, village).")),
    FactSpec("zone", CHOICES, _l("Zone"), "registry", _l("East, central or west."), choices=tuple(Zone.values)),
    FactSpec("sector", CHOICES, _l("Sector"), "registry", _l("The sectors the entity works in."),
             choices=tuple(Sector.values)),
    FactSpec("entity_kind", CHOICES, _l("Kind of market entity"), "registry",
             _l("Enterprise, cooperative, family farm, village collective, rich leader or poor household."),
             choices=tuple(EntityKind.values)),
    FactSpec("years_in_operation", NUMBER, _l("Years in operation"), "certification",
             _l("Full years from the start of the entity's business licence to the date; missing when no business "
                "licence with a start date is on record."), unit="years"),
    FactSpec("certified_products", NUMBER, _l("Certified products held"), "certification",
             _l("Products of the entity certified on the date (the certification periods)."), unit="count"),
    FactSpec("blacklisted", BOOL, _l("Blacklisted"), "certification",
             _l("Whether a blacklisting of the entity is in force on the date.")),
    FactSpec("counted_sales", NUMBER, _l("Counted sales in the account"), "ledger",
             _l("Counted sales of the entity in the consumption account over the window (net of reversals)."),
             unit="fen", windowed=True),
    FactSpec("poor_households_linked", NUMBER, _l("Poor households linked"), "linkage",
             _l("Households linked by an active contract in force on the date whose status on the date is a poor "
                "or monitored status (dated parameter incentives.poor_household_statuses)."), unit="count"),
    FactSpec("benefits_paid", NUMBER, _l("Benefits paid to poor households"), "linkage",
             _l("Money the entity paid to households over the window (net of reversals)."), unit="fen",
             windowed=True),
    FactSpec("households_paid", NUMBER, _l("Households that received benefits"), "linkage",
             _l("Households the entity paid more than nothing over the window."), unit="count", windowed=True),
    FactSpec("poverty_reduction_effect", BOOL, _l("Outstanding poverty-reduction effect"), "linkage",
             _l("Whether the entity binds and pays enough poor households (带贫成效突出): the thresholds of the dated "
                "parameter incentives.poverty_reduction_effect; missing where no version is in force.")),
    FactSpec("verification_discrepancy", BOOL, _l("Verification discrepancy"), "linkage",
             _l("Whether the entity's latest completed verification round found a discrepancy rate above the "
                "threshold (false when none was found or it was never sampled).")),
)}

NODE_KEYS = {"all", "any", "not", "fact", "policy"}
LEAF_KEYS = {"fact", "op", "value", "unit", "window_years", "note"}
_REGION_CODE = re.compile(r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$")
_POLICY_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def fact_key(node: Mapping[str, Any]) -> str:
    """The key of the value a condition reads: the fact, and its window for windowed facts (`counted_sales:2`)."""
    spec = FACTS[node["fact"]]
    return f"{spec.key}:{int(node.get('window_years', 1))}" if spec.windowed else spec.key


def split_fact_key(key: str) -> tuple[str, int]:
    name, _sep, window = key.partition(":")
    return name, int(window or 0)


def valid_policy_code(code: Any) -> bool:
    return isinstance(code, str) and bool(_POLICY_CODE.match(code))


# -- validation -------------------------------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _leaf_errors(node: Mapping[str, Any], path: str) -> list[RuleError]:
    errors: list[RuleError] = []
    name = node.get("fact")
    unknown = sorted(set(node) - LEAF_KEYS)
    if unknown:
        errors.append(RuleError(f"{path}.{unknown[0]}", "unknown_key",
                                _("“%(key)s” is not part of a condition (use fact, op, value, unit, window_years, "
                                  "note).") % {"key": unknown[0]}))
    if not isinstance(name, str) or name not in FACTS:
        errors.append(RuleError(f"{path}.fact", "unknown_fact",
                                _("“%(fact)s” is not a fact of the catalogue (%(known)s).")
                                % {"fact": str(name)[:60], "known": ", ".join(FACTS)}))
        return errors
    spec = FACTS[name]
    op = node.get("op")
    if op not in spec.operators:
        errors.append(RuleError(f"{path}.op", "unknown_operator",
                                _("“%(op)s” cannot compare %(fact)s: use %(ops)s.")
                                % {"op": str(op)[:20], "fact": name, "ops": ", ".join(spec.operators)}))
    if "value" not in node:
        errors.append(RuleError(f"{path}.value", "value_required", _("The condition needs a value.")))
    else:
        errors.extend(_value_errors(spec, node["value"], f"{path}.value"))
    unit = node.get("unit")
    if spec.type == NUMBER:
        if unit is None:
            errors.append(RuleError(f"{path}.unit", "unit_required",
                                    _("%(fact)s is counted in %(unit)s: say so (\"unit\": \"%(unit)s\").")
                                    % {"fact": name, "unit": spec.unit}))
        elif unit != spec.unit:
            errors.append(RuleError(f"{path}.unit", "wrong_unit",
                                    _("%(fact)s is counted in %(unit)s, not in “%(given)s”.")
                                    % {"fact": name, "unit": spec.unit, "given": str(unit)[:20]}))
    elif unit not in (None, ""):
        errors.append(RuleError(f"{path}.unit", "wrong_unit",
                                _("%(fact)s has no unit.") % {"fact": name}))
    if "window_years" in node:
        w = node["window_years"]
        if not spec.windowed:
            errors.append(RuleError(f"{path}.window_years", "unknown_param",
                                    _("%(fact)s is read on the date: it takes no window.") % {"fact": name}))
        elif not _is_int(w) or not 1 <= w <= MAX_WINDOW_YEARS:
            errors.append(RuleError(f"{path}.window_years", "wrong_type",
                                    _("The window is a whole number of years from 1 to %(max)d.")
                                    % {"max": MAX_WINDOW_YEARS}))
    note = node.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 200):
        errors.append(RuleError(f"{path}.note", "wrong_type", _("A note is a text of at most 200 characters.")))
    return errors


def _value_errors(spec: FactSpec, value: Any, path: str) -> list[RuleError]:
    if spec.type == NUMBER:
        limit = UNIT_LIMITS[spec.unit]
        if not _is_int(value):
            return [RuleError(path, "wrong_type",
                              _("%(fact)s needs a whole number of %(unit)s, not %(value)s.")
                              % {"fact": spec.key, "unit": spec.unit, "value": _shown(value)})]
        if not 0 <= value <= limit:
            return [RuleError(path, "out_of_range",
                              _("%(value)s is outside 0 … %(max)s.") % {"value": value, "max": limit})]
        return []
    if spec.type == BOOL:
        if not isinstance(value, bool):
            return [RuleError(path, "wrong_type", _("%(fact)s is true or false, not %(value)s.")
                              % {"fact": spec.key, "value": _shown(value)})]
        return []
    if not isinstance(value, list) or not value:
        return [RuleError(path, "wrong_type", _("%(fact)s needs a non-empty list.") % {"fact": spec.key})]
    errors = []
    for i, item in enumerate(value):
        if spec.type == CHOICES and (not isinstance(item, str) or item not in spec.choices):
            errors.append(RuleError(f"{path}[{i}]", "unknown_choice",
                                    _("“%(value)s” is not one of %(choices)s.")
                                    % {"value": str(item)[:40], "choices": ", ".join(spec.choices)}))
        elif spec.type == REGIONS and (not isinstance(item, str) or not _REGION_CODE.match(item)):
            errors.append(RuleError(f"{path}[{i}]", "wrong_type",
                                    _("“%(value)s” is not a region code (2, 4, 6, 9 or 12 digits).")
                                    % {"value": str(item)[:40]}))
    if len(set(map(str, value))) != len(value):
        errors.append(RuleError(path, "duplicate_value", _("A value is listed twice.")))
    return errors


def _shown(value: Any) -> str:
    return repr(value)[:40] if not isinstance(value, str) else f"“{value[:40]}”"


def validate(tree: Any, *, own_code: str = "", policies: Mapping[str, Any] | None = None) -> list[RuleError]:
    """Every error of a condition tree. `policies`: code → condition tree of the other policies it may reference
    (their versions in force), to check references and refuse cycles (`own_code` is the policy being edited)."""
    errors: list[RuleError] = []
    count = [0]
    policies = policies or {}

    def walk(node: Any, path: str, depth: int) -> None:
        count[0] += 1
        if count[0] > MAX_NODES:
            if count[0] == MAX_NODES + 1:
                errors.append(RuleError(path, "too_large", _("A rule set holds at most %(n)d conditions and groups.")
                                        % {"n": MAX_NODES}))
            return
        if depth > MAX_DEPTH:
            errors.append(RuleError(path, "too_deep", _("Groups nest at most %(n)d deep.") % {"n": MAX_DEPTH}))
            return
        if not isinstance(node, Mapping):
            errors.append(RuleError(path, "bad_node", _("A condition or a group is an object, not %(value)s.")
                                    % {"value": _shown(node)}))
            return
        kinds = [k for k in NODE_KEYS if k in node]
        if len(kinds) != 1:
            errors.append(RuleError(path, "bad_node",
                                    _("Each part is exactly one of: a group (all, any), not, a condition (fact) or a "
                                      "policy reference.")))
            return
        kind = kinds[0]
        if kind in ("all", "any"):
            extra = sorted(set(node) - {kind, "note"})
            if extra:
                errors.append(RuleError(f"{path}.{extra[0]}", "unknown_key",
                                        _("“%(key)s” is not part of a group.") % {"key": extra[0]}))
            items = node[kind]
            if not isinstance(items, list):
                errors.append(RuleError(f"{path}.{kind}", "bad_node", _("A group holds a list.")))
            elif not items:
                errors.append(RuleError(f"{path}.{kind}", "empty_group",
                                        _("An empty “%(kind)s” group decides nothing: add a condition or remove it.")
                                        % {"kind": kind}))
            else:
                for i, child in enumerate(items):
                    walk(child, f"{path}.{kind}[{i}]", depth + 1)
        elif kind == "not":
            extra = sorted(set(node) - {"not", "note"})
            if extra:
                errors.append(RuleError(f"{path}.{extra[0]}", "unknown_key",
                                        _("“%(key)s” is not part of a group.") % {"key": extra[0]}))
            walk(node["not"], f"{path}.not", depth + 1)
        elif kind == "policy":
            extra = sorted(set(node) - {"policy", "note"})
            if extra:
                errors.append(RuleError(f"{path}.{extra[0]}", "unknown_key",
                                        _("“%(key)s” is not part of a policy reference.") % {"key": extra[0]}))
            code = node["policy"]
            if not isinstance(code, str) or code not in policies and code != own_code:
                errors.append(RuleError(f"{path}.policy", "unknown_policy",
                                        _("No policy in force has the code “%(code)s”.") % {"code": str(code)[:40]}))
            else:
                cycle = _cycle(code, own_code=own_code, policies=policies)
                if cycle:
                    errors.append(RuleError(f"{path}.policy", "cycle",
                                            _("The policies reference each other in a cycle: %(cycle)s.")
                                            % {"cycle": " → ".join(cycle)}))
        else:
            errors.extend(_leaf_errors(node, path))

    walk(tree, "$", 0)
    return errors


def references(tree: Any) -> list[str]:
    """The policy codes a tree references directly, in order (for trees that validate)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if not isinstance(node, Mapping):
            return
        for kind in ("all", "any"):
            if isinstance(node.get(kind), list):
                for child in node[kind]:
                    walk(child)
        if "not" in node:
            walk(node["not"])
        if isinstance(node.get("policy"), str) and node["policy"] not in out:
            out.append(node["policy"])

    walk(tree)
    return out


def _cycle(start: str, *, own_code: str, policies: Mapping[str, Any]) -> list[str]:
    """The codes of a cycle through `own_code` reached from a reference to `start` ([] when there is none); a
    cycle among the other policies is reported too."""
    stack = [own_code] if own_code else []

    def visit(code: str) -> list[str]:
        if code in stack:
            return [*stack[stack.index(code):], code]
        stack.append(code)
        tree = policies.get(code) if code != own_code else None
        for ref in references(tree) if tree is not None else []:
            found = visit(ref)
            if found:
                return found
        stack.pop()
        return []

    return visit(start)


def validity_errors(valid_from: Any, valid_to: Any) -> list[RuleError]:
    """A policy's validity: from a date within the account's years, to a later (or the same) date or open-ended."""
    errors = []
    if not isinstance(valid_from, dt.date):
        return [RuleError("valid_from", "required", _("The policy needs the date it takes effect."))]
    if not FIRST_DATE <= valid_from <= LAST_DATE:
        errors.append(RuleError("valid_from", "out_of_range", _("A policy takes effect between %(first)s and %(last)s.")
                                % {"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()}))
    if valid_to is not None:
        if not isinstance(valid_to, dt.date) or valid_to > LAST_DATE:
            errors.append(RuleError("valid_to", "out_of_range", _("The end date must be a date before %(last)s.")
                                    % {"last": LAST_DATE.isoformat()}))
        elif valid_to < valid_from:
            errors.append(RuleError("valid_to", "contradictory_validity",
                                    _("The policy would end (%(to)s) before it takes effect (%(from)s).")
                                    % {"to": valid_to.isoformat(), "from": valid_from.isoformat()}))
    return errors


def in_validity(on: dt.date, valid_from: dt.date, valid_to: dt.date | None) -> bool:
    return valid_from <= on and (valid_to is None or on <= valid_to)


# -- windows ------------------------------------------------------------------------------------------------------
def window_years(on: dt.date, years: int) -> list[int]:
    """The `years` full calendar years before the date's year (a policy judges completed years of the account)."""
    return list(range(on.year - years, on.year))


def window_dates(on: dt.date, years: int) -> tuple[dt.date, dt.date]:
    ys = window_years(on, years)
    return dt.date(ys[0], 1, 1), dt.date(ys[-1], 12, 31)


def full_years(since: dt.date, on: dt.date) -> int:
    """Whole years from `since` to `on` (0 before the first anniversary; 29 February counts on 28 February)."""
    if on < since:
        return 0
    years = on.year - since.year
    try:
        anniversary = since.replace(year=on.year)
    except ValueError:
        anniversary = dt.date(on.year, 2, 28)
    return years - (1 if on < anniversary else 0)


def poverty_reduction_effect(*, linked: int, paid_fen: int, households_paid: int, threshold: Mapping[str, Any]) -> bool:
    """带贫成效突出: at least the parameter's poor households linked, money paid and households paid."""
    return (linked >= int(threshold.get("min_households_linked", 0))
            and paid_fen >= int(threshold.get("min_benefits_fen", 0))
            and households_paid >= int(threshold.get("min_households_paid", 0)))


# -- evaluation -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fact:
    """A fact's value for one entity on the date, or why it is missing; `source` says where it was read (a filter
    the portal and the API turn into links down to the entries, payments or certificates behind it)."""

    value: Any = None
    missing: bool = False
    source: Mapping[str, Any] | None = None
    detail: str = ""


MISSING_FACT = Fact(missing=True)


_NUMBER_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne}


def comparator(spec: FactSpec, op: str, value: Any) -> Callable[[Any], bool]:
    """The test of one condition (`fact op value`) on a fact's value, prepared once for every entity."""
    if spec.type == NUMBER:
        cmp = _NUMBER_OPS[op]
        return lambda actual: cmp(actual, value)
    if spec.type == BOOL:
        return lambda actual: bool(actual) is value
    if spec.type == REGIONS:
        prefixes = tuple(subtree_prefix(v) for v in value)
        within = op == "within"
        return lambda actual: str(actual or "").startswith(prefixes) is within
    want = frozenset(value)
    if op == "any_of":
        return lambda actual: not want.isdisjoint(actual or ())
    if op == "all_of":
        return lambda actual: want.issubset(actual or ())
    return lambda actual: want.isdisjoint(actual or ())


def _and(values: Iterable[bool | None]) -> bool | None:
    values = list(values)
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(values: Iterable[bool | None]) -> bool | None:
    values = list(values)
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


@dataclass
class Explanation:
    """The result of a tree for one entity: the outcome, the annotated tree and the missing facts."""

    met: bool | None
    tree: dict[str, Any]
    missing: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return Outcome.ELIGIBLE if self.met is True else Outcome.INELIGIBLE if self.met is False else Outcome.UNDETERMINED


# A compiled node: (facts, missing keys so far) -> the annotated node of the explanation
_Node = Callable[[Mapping[str, "Fact"], list[str]], dict[str, Any]]


def _compile(node: Mapping[str, Any], path: str, seen: tuple[str, ...],
             policies: Mapping[str, tuple[int, Mapping[str, Any]]]) -> _Node:
    """Everything about a node that does not depend on the entity (its path, note, operator, the fact's key and
    spec, the prepared comparison) is worked out here once; the returned function only reads the facts."""
    note = {"note": node["note"]} if node.get("note") else {}
    for kind in ("all", "any"):
        if kind in node:
            parts = [_compile(c, f"{path}.{kind}[{i}]", seen, policies) for i, c in enumerate(node[kind])]
            combine = _and if kind == "all" else _or

            def group(facts: Mapping[str, Fact], missing: list[str], parts: list[_Node] = parts,
                      combine: Callable[[Iterable[bool | None]], bool | None] = combine,
                      kind: str = kind) -> dict[str, Any]:
                children = [part(facts, missing) for part in parts]
                return {"path": path, "op": kind, "met": combine(c["met"] for c in children), "children": children,
                        **note}
            return group
    if "not" in node:
        inner = _compile(node["not"], f"{path}.not", seen, policies)

        def negation(facts: Mapping[str, Fact], missing: list[str]) -> dict[str, Any]:
            child = inner(facts, missing)
            return {"path": path, "op": "not", "met": None if child["met"] is None else not child["met"],
                    "children": [child], **note}
        return negation
    if "policy" in node:
        code = node["policy"]
        version, sub = policies.get(code, (None, None))
        if sub is None or code in seen:   # validation refuses both; a missing policy is unknown, never guessed
            return lambda facts, missing: {"path": path, "op": "policy", "policy": code, "version": version,
                                           "met": None, "children": [], **note}
        referenced = _compile(sub, f"{path}/{code}:$", (*seen, code), policies)

        def reference(facts: Mapping[str, Fact], missing: list[str]) -> dict[str, Any]:
            child = referenced(facts, missing)
            return {"path": path, "op": "policy", "policy": code, "version": version, "met": child["met"],
                    "children": [child], **note}
        return reference
    spec = FACTS[node["fact"]]
    key = fact_key(node)
    static: dict[str, Any] = {"path": path, "op": node["op"], "fact": spec.key, "value": node["value"],
                              "unit": spec.unit, **note}
    if spec.windowed:
        static["window_years"] = int(node.get("window_years", 1))
    test = comparator(spec, node["op"], node["value"])

    def leaf(facts: Mapping[str, Fact], missing: list[str]) -> dict[str, Any]:
        fact = facts.get(key, MISSING_FACT)
        if fact.missing:
            if key not in missing:
                missing.append(key)
            return {**static, "actual": None, "met": None, "missing": True, "detail": fact.detail,
                    "source": fact.source}
        return {**static, "actual": fact.value, "met": test(fact.value), "missing": False, "detail": fact.detail,
                "source": fact.source}
    return leaf


@dataclass(frozen=True)
class Conditions:
    """A validated tree compiled once (with the policies it references) and evaluated for many entities."""

    root: _Node

    def evaluate(self, facts: Mapping[str, Fact]) -> Explanation:
        missing: list[str] = []
        tree = self.root(facts, missing)
        return Explanation(met=tree["met"], tree=tree, missing=missing)


def compile_conditions(tree: Mapping[str, Any], *,
                       policies: Mapping[str, tuple[int, Mapping[str, Any]]] | None = None) -> Conditions:
    """`policies`: code → (version id, tree) of the policies the tree references."""
    return Conditions(_compile(tree, "$", (), policies or {}))


def evaluate(tree: Mapping[str, Any], *, facts: Mapping[str, Fact],
             policies: Mapping[str, tuple[int, Mapping[str, Any]]] | None = None) -> Explanation:
    """Evaluate a validated tree over one entity's facts (fact key → Fact; an absent key is missing).
    `policies`: code → (version id, tree) of the policies it references."""
    return compile_conditions(tree, policies=policies).evaluate(facts)


def needed_facts(tree: Any, *, policies: Mapping[str, tuple[int, Mapping[str, Any]]] | None = None) -> set[str]:
    """The fact keys a tree (and the policies it references) reads."""
    out: set[str] = set()
    policies = policies or {}

    def walk(node: Any, seen: tuple[str, ...]) -> None:
        if not isinstance(node, Mapping):
            return
        for kind in ("all", "any"):
            for child in node.get(kind, []) or []:
                walk(child, seen)
        if "not" in node:
            walk(node["not"], seen)
        if "policy" in node and node["policy"] in policies and node["policy"] not in seen:
            walk(policies[node["policy"]][1], (*seen, node["policy"]))
        if node.get("fact") in FACTS:
            out.add(fact_key(node))

    walk(tree, ())
    return out


def leaves(tree: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The conditions of an explanation, in order (references expanded)."""
    if "children" not in tree:
        return [dict(tree)]
    return [leaf for child in tree["children"] for leaf in leaves(child)]


# -- the change list between two runs ---------------------------------------------------------------------------
def change_kind(before: str | None, after: str | None) -> str | None:
    """How an entity's outcome changed (None: not at all)."""
    if before is None and after is None:
        return None
    if before is None:
        return ChangeKind.NEWLY_ELIGIBLE if after == Outcome.ELIGIBLE else ChangeKind.NEW_IN_SCOPE
    if after is None:
        return ChangeKind.NO_LONGER_ELIGIBLE if before == Outcome.ELIGIBLE else ChangeKind.LEFT_SCOPE
    if before == after:
        return None
    if after == Outcome.ELIGIBLE:
        return ChangeKind.NEWLY_ELIGIBLE
    if before == Outcome.ELIGIBLE:
        return ChangeKind.NO_LONGER_ELIGIBLE
    return ChangeKind.CHANGED


def condition_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Why an outcome changed: the conditions (by path and fact) whose result or value differs, and conditions that
    exist in only one of the two explanations (the rules changed)."""
    old = [c for c in leaves(before) if "fact" in c] if before else []
    new = [c for c in leaves(after) if "fact" in c] if after else []
    # pair the conditions at the same place first, then the same fact (and window) moved elsewhere by a new version
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    rest_new = list(new)
    rest_old = []
    for a in old:
        same = next((c for c in rest_new if (c["path"], c["fact"]) == (a["path"], a["fact"])), None)
        if same is not None:
            rest_new.remove(same)
            pairs.append((a, same))
        else:
            rest_old.append(a)
    for a in rest_old:
        moved = next((c for c in rest_new if (c["fact"], c.get("window_years")) == (a["fact"], a.get("window_years"))),
                     None)
        if moved is not None:
            rest_new.remove(moved)
        pairs.append((a, moved))
    pairs.extend((None, c) for c in rest_new)
    fields = ("op", "value", "actual", "met")
    out = []
    for before_leaf, after_leaf in pairs:
        if before_leaf is not None and after_leaf is not None and all(
                before_leaf.get(k) == after_leaf.get(k) for k in fields):
            continue
        shown = after_leaf or before_leaf or {}
        out.append({"path": shown.get("path"), "fact": shown.get("fact"),
                    "before": None if before_leaf is None else {k: before_leaf.get(k) for k in fields},
                    "after": None if after_leaf is None else {k: after_leaf.get(k) for k in fields}})
    return out


# -- recognition: ranking with documented tie-breaks -------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """One buyer or seller to rank: its score (fen) and the tie-break keys, best first."""

    id: int
    group: str
    score: int
    tie: tuple[int, ...]     # descending tie-break figures (e.g. direct purchases; households paid)


TIE_BREAKS = {
    "buyers": (_l("weighted counted purchases"), _l("counted direct purchases"), _l("number of counted entries"),
               _l("the earlier registration (smaller registry id)")),
    "sellers": (_l("benefits paid to poor households"), _l("households paid"), _l("poor households linked"),
                _l("the earlier registration (smaller registry id)")),
}


def weighted_score(*, direct_fen: int, helped_fen: int, weights: Mapping[str, Any]) -> int:
    """Counted purchases weighted by kind, in fen (weights in thousandths: 1000 = the full amount), rounded down."""
    wd, wh = int(weights.get("direct_purchase", 1000)), int(weights.get("helped_sale", 1000))
    return (direct_fen * wd + helped_fen * wh) // 1000


def weights_errors(weights: Any) -> list[RuleError]:
    if not isinstance(weights, Mapping) or set(weights) != {"direct_purchase", "helped_sale"} or not all(
            _is_int(v) and 0 <= v <= 10_000 for v in weights.values()):
        return [RuleError("weights", "bad_weights", _("Weights are whole thousandths (0 … 10000) for "
                                                      "direct_purchase and helped_sale."))]
    return []


def rank(candidates: Sequence[Candidate]) -> list[tuple[int, Candidate, int | None]]:
    """(rank, candidate, which tie-break decided against the one above: None when the score did) per group, best
    first. The order: higher score; then each tie figure, higher first; then the smaller id. Ranks are 1, 2, 3 …
    within a group: a tie on every figure is decided by the id, so no two candidates share a rank."""
    out: list[tuple[int, Candidate, int | None]] = []
    by_group: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_group.setdefault(c.group, []).append(c)
    for group in sorted(by_group):
        ordered = sorted(by_group[group], key=lambda c: (-c.score, *(-t for t in c.tie), c.id))
        for i, c in enumerate(ordered):
            decided: int | None = None
            if i and ordered[i - 1].score == c.score:
                prev = ordered[i - 1]
                decided = next((n + 1 for n, (a, b) in enumerate(zip(prev.tie, c.tie, strict=True)) if a != b),
                               len(c.tie) + 1)
            out.append((i + 1, c, decided))
    return out


BUYER_GROUPS = {
    "state_owned_enterprise": "enterprise", "private_enterprise": "enterprise",
    "social_organisation": "social_organisation", "trade_union": "social_organisation",
}


def buyer_group(organisation_kind: str) -> str:
    """The ranking group of a buyer: enterprises, social organisations, or units (every other kind)."""
    return BUYER_GROUPS.get(organisation_kind, "unit")


# -- transitions ---------------------------------------------------------------------------------------------------
P, N, D, J = PolicyStatus, NominationStatus, DemonstrationStatus, ProjectStatus
POLICY_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "activate": (frozenset({P.DRAFT}), P.IN_FORCE),
    "retire": (frozenset({P.DRAFT, P.IN_FORCE}), P.RETIRED),
}
NOMINATION_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "review": (frozenset({N.NOMINATED}), N.UNDER_REVIEW),
    "approve": (frozenset({N.UNDER_REVIEW}), N.APPROVED),
    "publish": (frozenset({N.APPROVED}), N.PUBLISHED),
    "reject": (frozenset({N.NOMINATED, N.UNDER_REVIEW, N.APPROVED}), N.REJECTED),
    "withdraw": (frozenset({N.NOMINATED, N.UNDER_REVIEW, N.APPROVED, N.PUBLISHED}), N.WITHDRAWN),
}
DEMONSTRATION_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "review": (frozenset({D.NOMINATED}), D.UNDER_REVIEW),
    "designate": (frozenset({D.UNDER_REVIEW}), D.DESIGNATED),
    "reject": (frozenset({D.NOMINATED, D.UNDER_REVIEW}), D.REJECTED),
    "withdraw": (frozenset({D.DESIGNATED}), D.WITHDRAWN),
    "expire": (frozenset({D.DESIGNATED}), D.EXPIRED),
}
PROJECT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({J.PLANNED}), J.UNDER_CONSTRUCTION),
    "open": (frozenset({J.UNDER_CONSTRUCTION}), J.OPERATING),
    "close": (frozenset({J.PLANNED, J.UNDER_CONSTRUCTION, J.OPERATING}), J.CLOSED),
}
# the date each project transition records
PROJECT_DATE_FIELD = {"start": "started_on", "open": "operating_since", "close": "closed_on"}
REASON_REQUIRED = {"reject", "withdraw", "retire", "close"}


def actions_from(table: Mapping[str, tuple[frozenset[str], str]], status: str) -> list[str]:
    """The actions a transition table allows from a status, in the table's order."""
    return [action for action, (sources, _to) in table.items() if status in sources]


def project_date_error(action: str, day: Any, *, planned_start: dt.date | None, started_on: dt.date | None,
                       operating_since: dt.date | None, today: dt.date) -> RuleError | None:
    """A project's dates run forward: started after (or on) nothing later than today, operating after it started,
    closed after it opened or started."""
    if not isinstance(day, dt.date):
        return RuleError("on", "required", _("The date of this step is required."))
    if day > today:
        return RuleError("on", "future_date", _("The date lies in the future."))
    if day < FIRST_DATE:
        return RuleError("on", "out_of_range", _("The date is before %(first)s.") % {"first": FIRST_DATE.isoformat()})
    previous = {"start": None, "open": started_on, "close": operating_since or started_on}[action]
    if previous is not None and day < previous:
        return RuleError("on", "date_before_previous_step",
                         _("The date is before the previous step (%(previous)s).") % {"previous": previous.isoformat()})
    return None


# -- coverage -----------------------------------------------------------------------------------------------------
COVERAGE_KINDS: dict[str, frozenset[str]] = {
    Coverage.COLD_CHAIN: frozenset({ProjectKind.COLD_STORAGE}),
    Coverage.LOGISTICS: frozenset({ProjectKind.LOGISTICS_CENTRE, ProjectKind.WAREHOUSE,
                                   ProjectKind.ECOMMERCE_STATION}),
}
COVERAGE_SETS = (RegionSet.POVERTY_COUNTY, RegionSet.LIFTED_COUNTY, RegionSet.KEY_COUNTY, RegionSet.PROVINCIAL_KEY_COUNTY)


def coverage_gaps(*, counties: Mapping[str, Sequence[str]], operating: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """county code → the coverages (cold chain, logistics) it lacks: `counties` the poverty and key counties with
    their sets on the date, `operating` (county code, project kind) of the projects operating on it."""
    have: dict[str, set[str]] = {}
    for county, kind in operating:
        for coverage, kinds in COVERAGE_KINDS.items():
            if kind in kinds:
                have.setdefault(county, set()).add(coverage)
    return {county: [c for c in COVERAGE_KINDS if c not in have.get(county, set())] for county in sorted(counties)}


def funding_total(amounts: Mapping[str, int]) -> int:
    return sum(int(v) for v in amounts.values())


def amount_error(amount_fen: Any, field_name: str = "amount_fen") -> RuleError | None:
    if not _is_int(amount_fen) or not 0 <= amount_fen <= MAX_FEN:
        return RuleError(field_name, "bad_amount", _("An amount is a whole number of fen from 0 to %(max)s.")
                         % {"max": MAX_FEN})
    return None


def decision_summary(tree: Mapping[str, Any], label: Callable[[str], str] = str) -> str:
    """One line per condition (`fact op value: actual ✓/✗/?`) for exports."""
    parts = []
    for leaf in leaves(tree):
        if "fact" not in leaf:
            continue
        mark = "?" if leaf.get("met") is None else "✓" if leaf["met"] else "✗"
        parts.append(f"{label(leaf['fact'])} {leaf['op']} {leaf['value']}: {leaf.get('actual')} {mark}")
    return "; ".join(parts)
