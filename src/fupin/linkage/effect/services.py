"""Computing the poverty-reduction-effect decisions (writes): set-based over any number of entities, stored per entity
and year with the facts used and the thresholds version, one audit entry per run.

The share-of-sales alternative needs the entities' sales, which the account (the ledger, above linkage in the
dependency order) holds: the caller passes them (`sales_fen`), or the ledger registers a source at start-up
(`sales_source_register`, done in `fupin.ledger.apps`); without either the alternative is not available and the
facts say `sales_fen: null`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import access, audit, params
from fupin.core.enums import Role
from fupin.core.errors import InvalidInput

from .. import parameters
from . import rules, selectors
from .models import PovertyEffectDecision

# entity ids (None: every entity) and the calendar year → sales in fen of each entity that sold anything
SalesSource = Callable[[Collection[int] | None, int], Mapping[int, int]]
_sales_source: list[SalesSource] = []
FIRST_YEAR = 2014   # the account starts in 2013: 2014 is the first year judged on a whole year of it
AUDIT_LIST_LIMIT = 1000


def sales_source_register(source: SalesSource) -> None:
    """The ledger registers where the entities' sales come from (once; a second registration replaces it)."""
    _sales_source[:] = [source]


@dataclass
class EffectRun:
    year: int
    entities: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    qualifying: int = 0
    versions: list[int] = field(default_factory=list)
    became: list[int] = field(default_factory=list)     # entity ids qualifying now, not before
    ceased: list[int] = field(default_factory=list)     # entity ids qualifying before, not now
    sales_known: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "entities": self.entities, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "qualifying": self.qualifying, "versions": self.versions,
                "sales_known": self.sales_known, "became_qualifying": self.became[:AUDIT_LIST_LIMIT],
                "ceased_qualifying": self.ceased[:AUDIT_LIST_LIMIT]}


class _Thresholds:
    """The thresholds version in force on 1 January of the year for each entity's region (validated once each)."""

    def __init__(self, year: int) -> None:
        self.day = rules.thresholds_day(year)
        self.versions = params.versions(parameters.POVERTY_REDUCTION_EFFECT)
        self._by_code: dict[str, rules.Thresholds] = {}
        self._by_id: dict[int, rules.Thresholds] = {}

    def for_region(self, code: str) -> rules.Thresholds:
        found = self._by_code.get(code)
        if found is not None:
            return found
        version = params.resolve(self.versions, on=self.day, region_code=code)
        if version is None:
            raise InvalidInput(
                _("No version of %(key)s is in force on %(day)s for region %(region)s.")
                % {"key": parameters.POVERTY_REDUCTION_EFFECT, "day": self.day.isoformat(), "region": code},
                code="parameter_missing", details={"key": parameters.POVERTY_REDUCTION_EFFECT, "region": code})
        t = self._by_id.get(version.id)
        if t is None:
            try:
                t = self._by_id[version.id] = rules.thresholds_from_value(version.value, version.id)
            except rules.ThresholdError as exc:
                raise InvalidInput(
                    _("The thresholds %(key)s (version #%(id)s) cannot be used: %(problems)s")
                    % {"key": parameters.POVERTY_REDUCTION_EFFECT, "id": version.id, "problems": str(exc)},
                    code="bad_thresholds",
                    details={"key": parameters.POVERTY_REDUCTION_EFFECT, "version": version.id,
                             "problems": [{"field": k, "message": m} for k, m in exc.problems]}) from None
        self._by_code[code] = t
        return t

    def kinds(self) -> set[str]:
        """Every kind named by a version in force that day (in any region)."""
        out: set[str] = set()
        for v in self.versions:
            if v.valid_from <= self.day and (v.valid_to is None or self.day <= v.valid_to):
                kinds = v.value.get("entity_kinds") if isinstance(v.value, dict) else None
                out.update(k for k in kinds or () if isinstance(k, str))
        return out


def year_check(year: int, *, today: dt.date | None = None) -> None:
    """A year is decided on the whole year before it: from FIRST_YEAR up to the current year."""
    today = today or timezone.localdate()
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= today.year:
        raise InvalidInput(
            _("A poverty-reduction effect is decided for a year from %(first)s to %(last)s (on the whole year "
              "before it), not %(year)s.") % {"first": FIRST_YEAR, "last": today.year, "year": year},
            code="bad_year", details={"field": "year"})


def poverty_effect_compute(*, year: int, actor: Any, entity_ids: Collection[int] | None = None,
                           sales_fen: Mapping[int, int] | None = None, reason: str = "",
                           today: dt.date | None = None) -> EffectRun:
    """Decide `year` for every enterprise and cooperative (or the given entities) and store each decision with the
    facts used and the thresholds version; a decision whose outcome, facts and version are unchanged is not
    written. Administrators (and system actors: commands, the import hook) only. One transaction, one audit entry
    (counts, versions, the entities that became or ceased qualifying). Bad thresholds refuse the whole run
    (`bad_thresholds`, naming every bad part), and nothing is written."""
    access.authorise(actor, roles=(Role.ADMINISTRATOR,), what="poverty effect compute")
    year_check(year, today=today)
    thresholds = _Thresholds(year)
    entities = selectors.entities_to_judge(kinds=thresholds.kinds(), year=year, entity_ids=entity_ids)
    ids = [e[0] for e in entities]
    judge: dict[int, rules.Thresholds] = {pk: thresholds.for_region(code) for pk, _kind, code in entities}
    run = EffectRun(year=year, entities=len(entities))
    if not entities:
        return run
    start, end = rules.judged_period(year)
    groups: dict[frozenset[str], list[int]] = {}
    for pk in ids:
        groups.setdefault(judge[pk].household_statuses, []).append(pk)
    facts_of: dict[int, selectors.LinkageFacts] = {}
    for statuses, members in groups.items():  # one pass per distinct list of statuses (regional versions: rare)
        whole = entity_ids is None and len(groups) == 1
        facts_of.update(selectors.linkage_facts(entity_ids=None if whole else members, date_from=start, date_to=end,
                                                statuses=statuses))
    if sales_fen is None and _sales_source:
        sales_fen = _sales_source[0](None if entity_ids is None else ids, year - 1)
    run.sales_known = sales_fen is not None
    now = timezone.now()
    with transaction.atomic():
        stored = {d.entity_id: d for d in selectors.decisions_for_year(
            year=year, entity_ids=None if entity_ids is None else ids).select_for_update()}
        new: list[PovertyEffectDecision] = []
        changed: list[PovertyEffectDecision] = []
        for pk, kind, _code in entities:
            t = judge[pk]
            lf = facts_of.get(pk)
            facts = rules.EffectFacts(
                entity_kind=kind, households=lf.households if lf else 0, benefits_fen=lf.benefits_fen if lf else 0,
                sales_fen=(int(sales_fen.get(pk, 0)) if sales_fen is not None else None),
                verified=lf.verified if lf else 0, discrepant=lf.discrepant if lf else 0,
                round_id=lf.round_id if lf else None)
            verdict = rules.decide(t, facts)
            record = rules.facts_record(t, facts, year=year)
            run.qualifying += verdict.qualifies
            old = stored.get(pk)
            if old is None:
                new.append(PovertyEffectDecision(entity_id=pk, year=year, qualifies=verdict.qualifies, facts=record,
                                                 unmet=list(verdict.unmet), rule_version_id=t.version_id,
                                                 computed_at=now))
                if verdict.qualifies:
                    run.became.append(pk)
                continue
            if (old.qualifies, old.facts, list(old.unmet), old.rule_version_id) == (
                    verdict.qualifies, record, list(verdict.unmet), t.version_id):
                run.unchanged += 1
                continue
            if old.qualifies != verdict.qualifies:
                (run.became if verdict.qualifies else run.ceased).append(pk)
            old.qualifies, old.facts, old.unmet = verdict.qualifies, record, list(verdict.unmet)
            old.rule_version_id, old.computed_at, old.updated_at = t.version_id, now, now
            changed.append(old)
        PovertyEffectDecision.objects.bulk_create(new, batch_size=2000)
        PovertyEffectDecision.objects.bulk_update(
            changed, ["qualifies", "facts", "unmet", "rule_version", "computed_at", "updated_at"], batch_size=2000)
        run.created, run.updated = len(new), len(changed)
        run.versions = sorted({t.version_id for t in judge.values() if t.version_id is not None})
        audit.record(actor=actor, action="linkage_poverty_effect:compute", object_type="linkage.povertyeffectdecision",
                     object_id=str(year), object_repr=f"poverty-reduction effect {year}", after=run.as_dict(),
                     reason=reason)
    return run


def poverty_effect_after_import(*, entity_ids: Collection[int], years: Collection[int], actor: Any,
                                reason: str = "") -> list[EffectRun]:
    """Recompute the decisions of the entities an import touched, for the years its rows bear on (the year after
    each date, up to the current year). Runs as the system on behalf of the importing user: the decisions are
    derived facts, so a clerk's import keeps them true without the administrator's role."""
    today = timezone.localdate()
    wanted = sorted({y for y in years if FIRST_YEAR <= y <= today.year})
    if not entity_ids or not wanted:
        return []
    who = f"poverty effect after import by {getattr(actor, 'username', actor) or 'system'}"
    return [poverty_effect_compute(year=y, actor=who, entity_ids=entity_ids, reason=reason, today=today)
            for y in wanted]
