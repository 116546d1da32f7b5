"""The facts a policy's conditions read, gathered set-based: one query (or one query per chunk of entity ids) per
fact over every entity evaluated — never a query per entity — through the lower apps' selectors only:

| fact | read through |
|---|---|
| region_sets, region, zone, sector, entity_kind | `registry.selectors.entity_list`, `region_set_periods`, `registry.rules.in_set_on` |
| certified_products, blacklisted, years_in_operation | `certification.selectors.supplier_standing` |
| counted_sales | `ledger.selectors.account_totals` grouped by seller (the seller × year rollup) |
| poor_households_linked | `linkage.selectors.linked_household_ids`, `registry.selectors.household_status_periods` |
| benefits_paid, households_paid | `linkage.selectors.benefits_paid` |
| poverty_reduction_effect | the two above and the dated parameter `incentives.poverty_reduction_effect` |
| verification_discrepancy | `linkage.selectors.verification_flags` |

Facts are read as the national office reads them (`READER`: signed in, nation-wide, read only): an entity's facts
are the same whoever runs the evaluation. Each fact carries its source — the filters that list the entries,
payments, contracts, certificates or the region behind it — and a missing fact says why it is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fupin.certification import selectors as certification
from fupin.core import access, params
from fupin.ledger import selectors as ledger
from fupin.linkage import selectors as linkage
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry
from fupin.registry.enums import RegionLevel, RegionSet

from . import parameters, rules
from .rules import Fact

CHUNK = 5000   # entity ids per IN list (well under every engine's limit on query parameters)
SOURCE_PRODUCTS = 20   # certified products named in a source (the count is always exact)
VILLAGE_SETS = frozenset({RegionSet.POOR_VILLAGE, RegionSet.LIFTED_VILLAGE})


READER: Any = access.NationReader("incentives")


@dataclass(frozen=True)
class Subject:
    """A market entity as the evaluation sees it."""

    id: int
    name: str
    kind: str
    sectors: tuple[str, ...]
    region_code: str
    credit_code: str | None

    @property
    def county_code(self) -> str:
        return self.region_code[:6]


@dataclass
class Gathered:
    """Every subject's facts (entity id → fact key → Fact) and the parameter versions read (key → [ids])."""

    facts: dict[int, dict[str, Fact]]
    parameters: dict[str, list[int]] = field(default_factory=dict)
    queries: int = 0


def subjects(*, region_prefix: str = "", entity_ids: Collection[int] | None = None) -> list[Subject]:
    """The active market entities of a region (every one for ''), or the named ones, in id order (one query)."""
    qs = registry.entity_list(viewer=READER, region_code=region_prefix or None).filter(active=True)
    if entity_ids is not None:
        qs = qs.filter(pk__in=list(entity_ids))
    rows = qs.order_by("pk").values_list("pk", "name", "kind", "sectors", "region__code", "credit_code")
    return [Subject(pk, name, kind, tuple(s for s in sectors.split(",") if s), code, credit)
            for pk, name, kind, sectors, code, credit in rows]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


class _Params:
    """Dated parameters resolved per county without a query per entity; remembers the versions it used."""

    def __init__(self) -> None:
        self._versions: dict[str, list[params.ParamVersion]] = {}
        self._resolved: dict[tuple[str, dt.date, str], params.ParamVersion | None] = {}
        self.used: dict[str, set[int]] = {}

    def get(self, key: str, *, on: dt.date, region_code: str) -> params.ParamVersion | None:
        memo = (key, on, region_code)
        if memo in self._resolved:
            return self._resolved[memo]
        if key not in self._versions:
            self._versions[key] = params.versions(key)
        found = params.resolve(self._versions[key], on=on, region_code=region_code)
        if found is not None:
            self.used.setdefault(key, set()).add(found.id)
        self._resolved[memo] = found
        return found


def gather(*, subjects: list[Subject], keys: Collection[str], on: dt.date, all_entities: bool = False) -> Gathered:
    """The facts named by `keys` (fact keys: `counted_sales:2` …) for every subject on `on`. `all_entities`: the
    subjects are every entity of a region, so the selectors are asked without an id list where they can be."""
    facts: dict[int, dict[str, Fact]] = {s.id: {} for s in subjects}
    ids = [s.id for s in subjects]
    names = {rules.split_fact_key(k)[0] for k in keys}
    prm = _Params()
    out = Gathered(facts=facts)

    def put(key: str, values: Callable[[Subject], Fact]) -> None:
        for s in subjects:
            facts[s.id][key] = values(s)

    # registry facts: from the subjects themselves, and one query of the dated region sets
    if "region_sets" in names:
        periods = registry.region_set_periods(set_kinds=list(RegionSet.values))
        out.queries += 1
        put("region_sets", lambda s: _region_sets(s, periods, on))
    if "region" in names:
        put("region", lambda s: Fact(s.region_code, source={"kind": "region", "code": s.region_code}))
    if "zone" in names:
        put("zone", lambda s: Fact([registry_rules.zone_of(s.region_code)],
                                   source={"kind": "region", "code": s.region_code}))
    if "sector" in names:
        put("sector", lambda s: Fact(list(s.sectors), source={"kind": "entity", "entity": s.id}))
    if "entity_kind" in names:
        put("entity_kind", lambda s: Fact([s.kind], source={"kind": "entity", "entity": s.id}))

    # certification: certified products, blacklisting, business licence
    if names & {"certified_products", "blacklisted", "years_in_operation"}:
        standing = certification.supplier_standing(supplier_ids=None if all_entities else ids, on=on)
        out.queries += 3
        empty: dict[str, Any] = {"certified": [], "blacklisting": None, "business_since": None}
        no_licence = _("No business licence with a start date on or before %(on)s is on record.") % {
            "on": on.isoformat()}
        for s in subjects:
            st = standing.get(s.id, empty)
            f = facts[s.id]
            products = st["certified"]
            f["certified_products"] = Fact(len(products), source={
                "kind": "certificates", "entity": s.id,
                "products": [{"id": p, "code": c, "certificate": n} for p, c, n in products[:SOURCE_PRODUCTS]]})
            ban = st["blacklisting"]
            f["blacklisted"] = Fact(ban is not None, source={"kind": "blacklisting", "entity": s.id, **(
                {"blacklisting": ban["id"], "from": ban["start"].isoformat(),
                 "until": ban["end"].isoformat() if ban["end"] else None, "reason": ban["reason_kind"]} if ban else {})})
            since = st["business_since"]
            f["years_in_operation"] = (
                Fact(rules.full_years(since, on), source={"kind": "licences", "entity": s.id, "since": since.isoformat()})
                if since is not None and since <= on else
                Fact(missing=True, source={"kind": "licences", "entity": s.id}, detail=no_licence))

    # ledger: counted sales over each window asked for
    for key in sorted(k for k in keys if rules.split_fact_key(k)[0] == "counted_sales"):
        years = rules.window_years(on, rules.split_fact_key(key)[1])
        if years[0] < rules.FIRST_DATE.year:
            early = Fact(missing=True, detail=_("The window %(first)d–%(last)d starts before the account (2013).")
                         % {"first": years[0], "last": years[-1]})
            for s in subjects:
                facts[s.id][key] = early
            continue
        filters: dict[str, Any] = {"year": years}
        if not all_entities:
            filters["seller"] = ids
        totals = {r["seller"]: int(r["amount_fen"]) for r in ledger.account_totals(
            viewer=READER, group_by=["seller"], filters=filters)}
        out.queries += 1
        for s in subjects:
            facts[s.id][key] = Fact(totals.get(s.id, 0), source={
                "kind": "entries", "filters": {"seller": s.id, "year": years, "counted": True}})

    # linkage: poor households linked on the date; benefits paid over windows; the poverty-reduction effect
    linked: dict[int, int] = {}
    if names & {"poor_households_linked", "poverty_reduction_effect"}:
        linked_ids: dict[int, set[int]] = {}
        for chunk in [None] if all_entities else _chunks(ids):
            linked_ids.update(linkage.linked_household_ids(entity_ids=chunk, on=on))
            out.queries += 1
        households = {h for hs in linked_ids.values() for h in hs}
        status_periods = registry.household_status_periods(household_ids=households)
        out.queries += max(1, (len(households) + 4999) // 5000)
        for s in subjects:
            version = prm.get(parameters.POOR_HOUSEHOLD_STATUSES, on=on, region_code=s.county_code)
            statuses = set(version.value) if version is not None else set()
            linked[s.id] = sum(1 for h in linked_ids.get(s.id, ())
                               if registry_rules.status_on(status_periods.get(h, ()), on) in statuses)
            facts[s.id]["poor_households_linked"] = (
                Fact(linked[s.id], source={"kind": "contracts", "entity": s.id, "on": on.isoformat(),
                                           "parameter": version.id})
                if version is not None else Fact(missing=True, detail=_("No version of the parameter %(key)s is in "
                                                                        "force on %(on)s.")
                                                 % {"key": parameters.POOR_HOUSEHOLD_STATUSES, "on": on.isoformat()}))
    windows = {rules.split_fact_key(k)[1] for k in keys if rules.split_fact_key(k)[0] in ("benefits_paid",
                                                                                         "households_paid")}
    effect: dict[int, params.ParamVersion | None] = {}
    if "poverty_reduction_effect" in names:
        for s in subjects:
            effect[s.id] = prm.get(parameters.POVERTY_REDUCTION_EFFECT, on=on, region_code=s.county_code)
            if effect[s.id] is not None:
                windows.add(int(effect[s.id].value.get("window_years", 1)))  # type: ignore[union-attr]
    paid: dict[int, dict[int, dict[str, int]]] = {}
    for window in sorted(windows):
        start, end = rules.window_dates(on, window)
        paid[window] = linkage.benefits_paid(entity_ids=None if all_entities else ids, date_from=start, date_to=end)
        out.queries += 1
        years = rules.window_years(on, window)
        for s in subjects:
            row = paid[window].get(s.id, {"amount_fen": 0, "households": 0})
            source = {"kind": "payments", "entity": s.id, "years": years, "date_from": start.isoformat(),
                      "date_to": end.isoformat()}
            facts[s.id][f"benefits_paid:{window}"] = Fact(row["amount_fen"], source=source)
            facts[s.id][f"households_paid:{window}"] = Fact(row["households"], source=source)
    if "poverty_reduction_effect" in names:
        for s in subjects:
            version = effect[s.id]
            if version is None:
                facts[s.id]["poverty_reduction_effect"] = Fact(missing=True, detail=_(
                    "No version of the parameter %(key)s is in force on %(on)s.")
                    % {"key": parameters.POVERTY_REDUCTION_EFFECT, "on": on.isoformat()})
                continue
            window = int(version.value.get("window_years", 1))
            row = paid[window].get(s.id, {"amount_fen": 0, "households": 0})
            met = rules.poverty_reduction_effect(linked=linked.get(s.id, 0), paid_fen=row["amount_fen"],
                                                 households_paid=row["households"], threshold=version.value)
            facts[s.id]["poverty_reduction_effect"] = Fact(met, source={
                "kind": "effect", "entity": s.id, "parameter": version.id, "households_linked": linked.get(s.id, 0),
                "benefits_fen": row["amount_fen"], "households_paid": row["households"],
                "years": rules.window_years(on, window), "threshold": dict(version.value)})
    if "verification_discrepancy" in names:
        flags: dict[int, list[str]] = {}
        for chunk in [None] if all_entities else _chunks(ids):
            flags.update(linkage.verification_flags(entity_ids=chunk))
            out.queries += 1
        put("verification_discrepancy", lambda s: Fact(s.id in flags, source={"kind": "flags", "entity": s.id}))
    out.parameters = {k: sorted(v) for k, v in prm.used.items()}
    return out


def _region_sets(s: Subject, periods: dict[str, dict[str, Any]], on: dt.date) -> Fact:
    level = registry_rules.level_of(s.region_code)
    if level not in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        return Fact(missing=True, source={"kind": "region", "code": s.region_code},
                    detail=_("The entity is registered at %(code)s, above county level: its county is not known.")
                    % {"code": s.region_code})
    found = []
    for code in {s.county_code, s.region_code}:
        for kind, spans in periods.get(code, {}).items():
            if (kind in VILLAGE_SETS) == (len(code) == 12) and registry_rules.in_set_on(spans, on) and kind not in found:
                found.append(kind)
    return Fact(sorted(found), source={"kind": "region", "code": s.county_code, "village": s.region_code
                                       if len(s.region_code) == 12 else None})
