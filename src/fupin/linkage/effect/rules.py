"""Pure rules of the poverty-reduction effect (带贫成效突出): the thresholds of `linkage.poverty_reduction_effect`
(typed and validated), the facts an entity is judged on, and the decision with the conditions it did not meet.

A market entity qualifies for year Y when, judged on the calendar year Y−1 (the twelve months before Y; the
households and contracts as of 31 December Y−1), all of these hold:
- its kind is one the thresholds name (`entity_kinds`: enterprises and cooperatives by default);
- at least `min_households` households of a status the thresholds name (`household_statuses`, on 31 December)
  are linked to it by contracts in force that day;
- it paid those households at least `min_benefits_fen` in Y−1 (net of reversals), or at least
  `min_benefit_share_percent` % of its sales in the account in Y−1 — when the caller knows the sales;
- the discrepancy rate of its latest completed field verification ending by 31 December Y−1 (a later round
  resolves an earlier one) is not above `max_discrepancy_rate`; never verified: no discrepancy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

UNMET_KIND = "entity_kind"
UNMET_HOUSEHOLDS = "households"
UNMET_BENEFITS = "benefits"
UNMET_DISCREPANCY = "discrepancy"
UNMET_ORDER = (UNMET_KIND, UNMET_HOUSEHOLDS, UNMET_BENEFITS, UNMET_DISCREPANCY)

INT_KEYS = ("min_households", "min_benefits_fen")
NUMBER_KEYS = {"min_benefit_share_percent": Decimal(100), "max_discrepancy_rate": Decimal(1)}
LIST_KEYS = ("entity_kinds", "household_statuses")
KNOWN_KEYS = frozenset((*INT_KEYS, *NUMBER_KEYS, *LIST_KEYS))
# the whole-number thresholds stop at what a database integer and a year of a county's money can mean
MAX_INT = 10**15


class ThresholdError(ValueError):
    """A thresholds value that cannot be used: each problem as (key, message); the key names the bad part."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{k}: {m}" if k else m for k, m in problems))
        self.problems = problems


@dataclass(frozen=True)
class Thresholds:
    version_id: int | None
    entity_kinds: frozenset[str]
    household_statuses: frozenset[str]
    min_households: int
    min_benefits_fen: int
    min_benefit_share_percent: Decimal
    max_discrepancy_rate: Decimal

    def as_dict(self) -> dict[str, Any]:
        """The thresholds as stored with a decision (numbers as text: exact)."""
        return {"entity_kinds": sorted(self.entity_kinds), "household_statuses": sorted(self.household_statuses),
                "min_households": self.min_households, "min_benefits_fen": self.min_benefits_fen,
                "min_benefit_share_percent": str(self.min_benefit_share_percent),
                "max_discrepancy_rate": str(self.max_discrepancy_rate)}


def _shown(v: Any) -> str:
    return repr(v)[:40] if isinstance(v, str) else str(v)[:40]


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def threshold_problems(value: Any) -> list[tuple[str, str]]:
    """Every problem of a thresholds value (empty: usable), each naming its key. Whole numbers must be JSON integers
    (not text, not true/false, not 2.5) from 0; the share (0–100) and the rate (0–1) numbers; the kinds and statuses
    non-empty lists of codes; no other keys (a misspelt key would silently leave its threshold at nothing)."""
    if not isinstance(value, Mapping):
        return [("", _("the thresholds must be an object of named values, not %(type)s")
                 % {"type": type(value).__name__})]
    problems: list[tuple[str, str]] = []
    for key in sorted(set(value) - KNOWN_KEYS, key=str):
        problems.append((str(key), _("unknown threshold (known: %(known)s)") % {"known": ", ".join(sorted(KNOWN_KEYS))}))
    for key in INT_KEYS:
        if key not in value:
            problems.append((key, _("is missing")))
            continue
        v = value[key]
        if not isinstance(v, int) or isinstance(v, bool):
            problems.append((key, _("must be a whole number, not %(value)s (%(type)s)")
                             % {"value": _shown(v), "type": type(v).__name__}))
        elif not 0 <= v <= MAX_INT:
            problems.append((key, _("must be between 0 and %(top)s") % {"top": MAX_INT}))
    for key, top in NUMBER_KEYS.items():
        if key not in value:
            problems.append((key, _("is missing")))
            continue
        v = value[key]
        if not _is_number(v):
            problems.append((key, _("must be a number, not %(value)s (%(type)s)")
                             % {"value": _shown(v), "type": type(v).__name__}))
            continue
        try:
            d = Decimal(str(v))
        except InvalidOperation:
            d = Decimal(-1)
        if not d.is_finite() or not 0 <= d <= top:
            problems.append((key, _("must be between 0 and %(top)s") % {"top": top}))
    for key in LIST_KEYS:
        if key not in value:
            problems.append((key, _("is missing")))
            continue
        v = value[key]
        if not isinstance(v, list) or not v or not all(isinstance(s, str) and s for s in v):
            problems.append((key, _("must be a non-empty list of codes, not %(value)s") % {"value": _shown(v)}))
    return problems


def thresholds_from_value(value: Any, version_id: int | None) -> Thresholds:
    """The typed thresholds of a parameter value; ThresholdError names every bad part."""
    problems = threshold_problems(value)
    if problems:
        raise ThresholdError(problems)
    return Thresholds(
        version_id=version_id, entity_kinds=frozenset(value["entity_kinds"]),
        household_statuses=frozenset(value["household_statuses"]), min_households=value["min_households"],
        min_benefits_fen=value["min_benefits_fen"],
        min_benefit_share_percent=Decimal(str(value["min_benefit_share_percent"])),
        max_discrepancy_rate=Decimal(str(value["max_discrepancy_rate"])))


def judged_period(year: int) -> tuple[dt.date, dt.date]:
    """The twelve months a year's decision is judged on: the calendar year before it."""
    return dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31)


def thresholds_day(year: int) -> dt.date:
    """The day whose thresholds version decides a year: 1 January of the year."""
    return dt.date(year, 1, 1)


@dataclass(frozen=True)
class EffectFacts:
    entity_kind: str
    households: int                  # linked households of a named status on the judged day
    benefits_fen: int                # paid to them in the judged twelve months (net of reversals)
    sales_fen: int | None = None     # its sales in the account in those months (None: not known)
    verified: int = 0                # items verified in its latest completed verification round (0: none)
    discrepant: int = 0              # … of which not received, amount differs or not found
    round_id: int | None = None

    def share_percent(self) -> Decimal | None:
        """Benefits as a per cent of sales, two decimals (None without sales)."""
        if not self.sales_fen or self.sales_fen <= 0:
            return None
        return (Decimal(self.benefits_fen) * 100 / Decimal(self.sales_fen)).quantize(Decimal("0.01"))

    def discrepancy_rate(self) -> Fraction | None:
        return Fraction(self.discrepant, self.verified) if self.verified else None


@dataclass(frozen=True)
class EffectDecision:
    qualifies: bool
    unmet: tuple[str, ...]


def benefits_met(t: Thresholds, facts: EffectFacts) -> bool:
    """The amount, or the share of sales (exact: benefits × 100 ≥ P × sales, with sales above nothing)."""
    if facts.benefits_fen >= t.min_benefits_fen:
        return True
    if facts.sales_fen is None or facts.sales_fen <= 0 or facts.benefits_fen <= 0:
        return False
    return Fraction(facts.benefits_fen * 100) >= Fraction(t.min_benefit_share_percent) * facts.sales_fen


def decide(t: Thresholds, facts: EffectFacts) -> EffectDecision:
    """Whether the entity qualifies, and every condition it did not meet (UNMET_* codes, in UNMET_ORDER)."""
    unmet: list[str] = []
    if facts.entity_kind not in t.entity_kinds:
        unmet.append(UNMET_KIND)
    if facts.households < t.min_households:
        unmet.append(UNMET_HOUSEHOLDS)
    if not benefits_met(t, facts):
        unmet.append(UNMET_BENEFITS)
    rate = facts.discrepancy_rate()
    if rate is not None and rate > Fraction(t.max_discrepancy_rate):
        unmet.append(UNMET_DISCREPANCY)
    return EffectDecision(not unmet, tuple(unmet))


def facts_record(t: Thresholds, facts: EffectFacts, *, year: int) -> dict[str, Any]:
    """What a decision stores as the facts used (JSON): the judged period, each fact, and the thresholds."""
    start, end = judged_period(year)
    rate = facts.discrepancy_rate()
    share = facts.share_percent()
    return {
        "judged_from": start.isoformat(), "judged_to": end.isoformat(), "entity_kind": facts.entity_kind,
        "households": facts.households, "benefits_fen": facts.benefits_fen, "sales_fen": facts.sales_fen,
        "share_percent": None if share is None else str(share),
        "verified": facts.verified, "discrepant": facts.discrepant,
        "discrepancy_rate": None if rate is None else str(round(float(rate), 4)), "round_id": facts.round_id,
        "thresholds": t.as_dict(),
    }


def unmet_label(code: str) -> str:
    return {
        UNMET_KIND: _("not of a kind the thresholds name (enterprises and cooperatives)"),
        UNMET_HOUSEHOLDS: _("too few poor or monitored households linked by contracts in force"),
        UNMET_BENEFITS: _("benefits paid to those households below the amount and below the share of sales"),
        UNMET_DISCREPANCY: _("the latest field verification found discrepancies above the limit"),
    }.get(code, code)
