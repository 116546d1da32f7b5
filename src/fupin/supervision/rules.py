"""Supervision's pure rules: no ORM, no I/O.

- progress: the share of a year's target expected by a date (time-proportional, or by a seasonal profile;
  leap years and the last day exact), the expected figure, and the status against dated thresholds;
- targets: what a target may hold, and where its actual figure is read (`actual_basis`);
- periods: months, dates and labels of a reporting period;
- methodology: validation (weights sum, caps, grade bands without overlap or gap, indicators that name a known
  measure), each indicator's attainment, points, the total, the grade, ranking;
- the responsibility matrix: parsed from the seed text;
- transitions of plans, approvals, problems and the assessment cycle, and when a problem is overdue.

Shares and attainments are integer basis points (10000 = 100%); points are integer hundredths (centi-points), so
the arithmetic is exact and a worked example can be checked to the last digit.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeGuard

from django.utils.translation import gettext as _

from .enums import (
    ApprovalStatus,
    EvaluationStatus,
    Grade,
    IndicatorKind,
    Metric,
    PeriodKind,
    PlanStatus,
    ProblemStatus,
    ProgressStatus,
    Scheme,
)

BP = 10000  # basis points in 100%
FIRST_YEAR = 2013
LAST_YEAR = 2100


@dataclass(frozen=True)
class RuleError:
    """A refusal naming the bad part: `field` (a path such as `indicators[2].measure`), a stable `code`, and a
    translated `message`."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


# -- progress -----------------------------------------------------------------------------------------------------
def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def validate_profile(profile: Any) -> list[RuleError]:
    """A seasonal profile is twelve non-negative numbers (one weight per month) with a positive sum."""
    if profile is None:
        return []
    if not isinstance(profile, list | tuple) or len(profile) != 12:
        return [RuleError("seasonal_profile", "bad_profile", _("a seasonal profile has twelve monthly weights"))]
    if any(not isinstance(w, int | float) or isinstance(w, bool) or w < 0 for w in profile) or sum(profile) <= 0:
        return [RuleError("seasonal_profile", "bad_profile",
                          _("monthly weights must be non-negative numbers with a positive sum"))]
    return []


def expected_share(*, year: int, as_of: dt.date, profile: Sequence[float] | None = None) -> Fraction:
    """The share of the year's target expected by the end of `as_of` (0 before the year, 1 from its last day).

    Time-proportional: elapsed days ÷ days in the year (366 in a leap year), the day `as_of` counted as done.
    With a seasonal profile (twelve monthly weights): the weights of the months before `as_of`'s month, plus that
    month's weight times the elapsed share of the month, over the sum of the weights."""
    start = dt.date(year, 1, 1)
    if as_of < start:
        return Fraction(0)
    if as_of >= dt.date(year, 12, 31):
        return Fraction(1)
    if profile is None:
        return Fraction((as_of - start).days + 1, days_in_year(year))
    weights = [Fraction(w).limit_denominator(10**6) if isinstance(w, float) else Fraction(w) for w in profile]
    total = sum(weights)
    month_days = calendar.monthrange(year, as_of.month)[1]
    done = sum(weights[: as_of.month - 1]) + weights[as_of.month - 1] * Fraction(as_of.day, month_days)
    return done / total


def expected_value(target: int, share: Fraction) -> int:
    """The figure expected by the date: the target times the share, rounded down."""
    return int(target * share.numerator // share.denominator)


def ratio_bp(actual: int, reference: int) -> int:
    """actual ÷ reference in basis points, rounded down; a zero reference counts as met (10000 when actual ≥ 0)."""
    if reference <= 0:
        return BP
    return max(actual, 0) * BP // reference


@dataclass(frozen=True)
class Thresholds:
    behind_below_bp: int
    far_behind_below_bp: int
    version_id: int | None = None


def thresholds_errors(value: Any) -> list[RuleError]:
    if not isinstance(value, Mapping):
        return [RuleError("value", "bad_thresholds", _("thresholds are an object with two basis-point values"))]
    behind, far = value.get("behind_below_bp"), value.get("far_behind_below_bp")
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= BP for v in (behind, far)):
        return [RuleError("value", "bad_thresholds", _("each threshold is a whole number of basis points, 0 to 10000"))]
    if far > behind:  # type: ignore[operator]  # both checked to be ints just above
        return [RuleError("far_behind_below_bp", "bad_thresholds",
                          _("the far-behind threshold must not be above the behind threshold"))]
    return []


def thresholds_from(value: Mapping[str, Any], *, version_id: int | None = None) -> Thresholds:
    return Thresholds(int(value["behind_below_bp"]), int(value["far_behind_below_bp"]), version_id)


def progress_status(*, actual: int, expected: int, thresholds: Thresholds) -> str:
    """On track at or above `behind_below_bp` of the expectation, far behind below `far_behind_below_bp`."""
    ratio = ratio_bp(actual, expected)
    if ratio < thresholds.far_behind_below_bp:
        return ProgressStatus.FAR_BEHIND
    if ratio < thresholds.behind_below_bp:
        return ProgressStatus.BEHIND
    return ProgressStatus.ON_TRACK


# -- targets ------------------------------------------------------------------------------------------------------
METRIC_UNITS: dict[str, str] = {Metric.DIRECT_PURCHASE: "fen", Metric.HELPED_SALE: "fen", Metric.BENEFITS_PAID: "fen",
                Metric.CERTIFIED_PRODUCTS: "count", Metric.HOUSEHOLDS_LINKED: "count", Metric.RESERVED_SHARE: "bp"}
MAX_TARGET = 10**15  # fen: ten trillion yuan


def year_error(year: Any, *, this_year: int) -> RuleError | None:
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= this_year + 1:
        return RuleError("year", "unknown_year", _("the year must be between %(first)d and %(last)d")
                         % {"first": FIRST_YEAR, "last": this_year + 1})
    return None


def target_errors(*, metric: str, value: Any, scheme: str) -> list[RuleError]:
    """What is wrong with a target's own fields (the body, year and references are checked by the service)."""
    errors = []
    if metric not in Metric.values:
        errors.append(RuleError("metric", "unknown_metric", _("unknown metric “%(m)s”") % {"m": str(metric)[:40]}))
    if scheme and scheme not in Scheme.values:
        errors.append(RuleError("scheme", "unknown_scheme", _("unknown scheme “%(s)s”") % {"s": str(scheme)[:40]}))
    if not isinstance(value, int) or isinstance(value, bool):
        errors.append(RuleError("value", "bad_value", _("the target must be a whole number")))
    elif value < 0:
        errors.append(RuleError("value", "negative_target", _("a target must not be negative")))
    elif METRIC_UNITS.get(metric) == "bp" and value > BP:
        errors.append(RuleError("value", "share_too_large", _("a share cannot exceed 100% (10000 basis points)")))
    elif value > MAX_TARGET:
        errors.append(RuleError("value", "too_large", _("the target is too large")))
    return errors


GOVERNING_KINDS = frozenset({"provincial_government", "local_government"})


def actual_basis(*, body_kind: str, body_zone: str, scheme: str, sub_unit: bool) -> str:
    """Where a target's actual figure is read from the account:
    - `sub_unit`: the purchases of a subordinate unit (and the units below it);
    - `relations`: the entries attributed to the body's relations of the scheme the target names;
    - `origin`: purchases whose origin lies in the region a producing-area government governs;
    - `buyer_region`: purchases of buyers registered in the region a consuming-place (eastern) government governs;
    - `buyer`: the body's own purchases and those of the units below it."""
    if sub_unit:
        return "sub_unit"
    if scheme:
        return "relations"
    if body_kind in GOVERNING_KINDS:
        return "buyer_region" if body_zone == "east" else "origin"
    return "buyer"


def target_key(*, metric: str, scheme: str, region_code: str, sub_unit_id: int | None) -> str:
    """A target's identity within a plan (and across a plan's versions and years)."""
    return f"{metric}|{scheme}|{region_code}|{sub_unit_id or ''}"


# -- periods ------------------------------------------------------------------------------------------------------
def period_errors(*, kind: str, number: int) -> list[RuleError]:
    limits: dict[str, int] = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}
    if kind not in limits:
        return [RuleError("period_kind", "unknown_period", _("a period is a month, a quarter or a year"))]
    if not isinstance(number, int) or not 1 <= number <= limits[kind]:
        return [RuleError("number", "unknown_period", _("no such %(kind)s") % {"kind": kind})]
    return []


def period_months(kind: str, number: int) -> list[int]:
    if kind == PeriodKind.MONTH:
        return [number]
    if kind == PeriodKind.QUARTER:
        return [3 * number - 2, 3 * number - 1, 3 * number]
    return list(range(1, 13))


def period_bounds(kind: str, year: int, number: int) -> tuple[dt.date, dt.date]:
    months = period_months(kind, number)
    return dt.date(year, months[0], 1), dt.date(year, months[-1], calendar.monthrange(year, months[-1])[1])


def period_label(kind: str, year: int, number: int) -> str:
    if kind == PeriodKind.MONTH:
        return f"{year}-{number:02d}"
    if kind == PeriodKind.QUARTER:
        return f"{year}-Q{number}"
    return str(year)


def periods_overlap(a: tuple[str, int], b: tuple[str, int]) -> bool:
    return bool(set(period_months(*a)) & set(period_months(*b)))


# -- approval hierarchy -------------------------------------------------------------------------------------------
NATIONAL = None  # the last level of every chain: the national office


def approval_chain(*, governing: bool, region_governments: Sequence[int | None], parents: Sequence[int]) -> list[int | None]:
    """The bodies that approve a reporting body's period, in order, ending with the national office (None).
    A government (province, prefecture, county) goes up its regions: the governments of the regions above its own
    (`region_governments`, nearest first; regions without a registered government are skipped). Any other body
    (a central unit, a department's unit) goes up its supervising units (`parents`, nearest first)."""
    steps: list[int | None] = [g for g in region_governments if g is not None] if governing else list(parents)
    seen: set[int] = set()
    out: list[int | None] = []
    for s in steps:
        if s is not None and s not in seen:
            seen.add(s)
            out.append(s)
    out.append(NATIONAL)
    return out


# -- methodology --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    code: str
    kind: str
    weight: int
    measure: int
    metric: str = ""
    cap_bp: int = BP
    full_at_bp: int | None = None
    max_score: int | None = None


@dataclass(frozen=True)
class Band:
    grade: str
    min: int
    max: int


@dataclass(frozen=True)
class Methodology:
    scheme: str
    weight_total: int
    indicators: tuple[Indicator, ...]
    bands: tuple[Band, ...]
    seasonal_profile: tuple[float, ...] | None = None
    version_id: int | None = None


def _is_int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def methodology_errors(value: Any, *, measures: Iterable[int]) -> list[RuleError]:
    """Every problem of a methodology definition, each naming its part: the weight total, each indicator (kind,
    metric, weight, cap, the measure it references), the weights' sum, the grade bands (known grades, each once,
    covering 0 … weight total without overlap or gap), and the seasonal profile."""
    known = set(measures)
    if not isinstance(value, Mapping):
        return [RuleError("", "bad_methodology", _("a methodology is an object"))]
    errors: list[RuleError] = []
    total = value.get("weight_total")
    if not _is_int(total) or total <= 0:
        errors.append(RuleError("weight_total", "bad_weight_total", _("the weight total must be a positive whole number")))
        total = None
    indicators = value.get("indicators")
    if not isinstance(indicators, list) or not indicators:
        errors.append(RuleError("indicators", "no_indicators", _("a methodology needs at least one indicator")))
        indicators = []
    codes: set[str] = set()
    weight_sum = 0
    for i, ind in enumerate(indicators):
        where = f"indicators[{i}]"
        if not isinstance(ind, Mapping):
            errors.append(RuleError(where, "bad_indicator", _("an indicator is an object")))
            continue
        code = ind.get("code")
        if not isinstance(code, str) or not code.strip():
            errors.append(RuleError(f"{where}.code", "bad_indicator", _("an indicator needs a code")))
        elif code in codes:
            errors.append(RuleError(f"{where}.code", "duplicate_indicator",
                                    _("the indicator “%(c)s” appears twice") % {"c": code[:40]}))
        else:
            codes.add(code)
        kind = ind.get("kind")
        if kind not in IndicatorKind.values:
            errors.append(RuleError(f"{where}.kind", "unknown_indicator_kind",
                                    _("unknown indicator kind “%(k)s”") % {"k": str(kind)[:40]}))
        metric = ind.get("metric", "")
        if kind in (IndicatorKind.RATIO_TO_TARGET, IndicatorKind.LINKAGE_BENEFITS) and metric not in Metric.values:
            errors.append(RuleError(f"{where}.metric", "unknown_metric",
                                    _("the indicator needs a known metric, not “%(m)s”") % {"m": str(metric)[:40]}))
        weight = ind.get("weight")
        if not _is_int(weight) or weight < 0:
            errors.append(RuleError(f"{where}.weight", "bad_weight", _("a weight is a whole number, zero or more")))
        else:
            weight_sum += weight
        cap = ind.get("cap_bp", BP)
        if not _is_int(cap) or cap < 1:
            errors.append(RuleError(f"{where}.cap_bp", "bad_cap", _("a cap is a positive number of basis points")))
        for key in ("full_at_bp", "max_score"):
            if key in ind and (not _is_int(ind[key]) or ind[key] < 1):
                errors.append(RuleError(f"{where}.{key}", "bad_indicator", _("%(key)s must be a positive whole number")
                                        % {"key": key}))
        if kind == IndicatorKind.QUALITATIVE and "max_score" not in ind:
            errors.append(RuleError(f"{where}.max_score", "bad_indicator", _("a qualitative indicator needs a maximum score")))
        measure = ind.get("measure")
        if measure not in known:
            errors.append(RuleError(f"{where}.measure", "unknown_measure",
                                    _("the indicator references measure %(m)s, which the responsibility matrix does not have")
                                    % {"m": str(measure)[:10]}))
    if total is not None and indicators and weight_sum != total:
        errors.append(RuleError("indicators", "weights_do_not_sum",
                                _("the weights sum to %(sum)d, but the methodology requires %(total)d")
                                % {"sum": weight_sum, "total": total}))
    errors += bands_errors(value.get("bands"), total=total)
    errors += validate_profile(value.get("seasonal_profile"))
    return errors


def bands_errors(bands: Any, *, total: int | None) -> list[RuleError]:
    """Grade bands are half-open score intervals [min, max) — the top one closed — that cover 0 … total exactly."""
    if not isinstance(bands, list) or not bands:
        return [RuleError("bands", "no_bands", _("a methodology needs grade bands"))]
    errors: list[RuleError] = []
    parsed: list[tuple[int, int, int]] = []
    grades: set[str] = set()
    for i, b in enumerate(bands):
        where = f"bands[{i}]"
        if not isinstance(b, Mapping):
            errors.append(RuleError(where, "bad_band", _("a band is an object")))
            continue
        grade = b.get("grade")
        if grade not in Grade.values:
            errors.append(RuleError(f"{where}.grade", "unknown_grade", _("unknown grade “%(g)s”") % {"g": str(grade)[:40]}))
        elif grade in grades:
            errors.append(RuleError(f"{where}.grade", "duplicate_grade", _("the grade “%(g)s” has two bands") % {"g": grade}))
        else:
            grades.add(grade)
        lo, hi = b.get("min"), b.get("max")
        if not (_is_int(lo) and _is_int(hi)) or lo >= hi:
            errors.append(RuleError(where, "bad_band", _("a band needs whole numbers min < max")))
            continue
        parsed.append((lo, hi, i))
    if errors or total is None:
        return errors
    parsed.sort()
    if parsed[0][0] != 0:
        errors.append(RuleError(f"bands[{parsed[0][2]}].min", "bands_gap",
                                _("the bands leave a gap: no grade for scores from 0 to %(to)d") % {"to": parsed[0][0]}))
    for (_lo1, hi1, i1), (lo2, _hi2, i2) in zip(parsed, parsed[1:], strict=False):
        if lo2 < hi1:
            errors.append(RuleError(f"bands[{i2}]", "bands_overlap",
                                    _("bands %(a)d and %(b)d overlap between %(lo)d and %(hi)d")
                                    % {"a": i1, "b": i2, "lo": lo2, "hi": hi1}))
        elif lo2 > hi1:
            errors.append(RuleError(f"bands[{i2}].min", "bands_gap",
                                    _("the bands leave a gap: no grade for scores from %(lo)d to %(hi)d")
                                    % {"lo": hi1, "hi": lo2}))
    top = max(hi for _lo, hi, _i in parsed)
    if top != total:
        errors.append(RuleError("bands", "bands_gap" if top < total else "bands_overlap",
                                _("the bands must end at the weight total %(total)d, not %(top)d")
                                % {"total": total, "top": top}))
    return errors


def methodology_from(scheme: str, value: Mapping[str, Any], *, version_id: int | None = None) -> Methodology:
    """A validated definition as a `Methodology` (call `methodology_errors` first)."""
    inds = tuple(Indicator(code=i["code"], kind=i["kind"], weight=int(i["weight"]), measure=int(i["measure"]),
                           metric=i.get("metric", ""), cap_bp=int(i.get("cap_bp", BP)),
                           full_at_bp=i.get("full_at_bp"), max_score=i.get("max_score"))
                 for i in value["indicators"])
    bands = tuple(sorted((Band(b["grade"], int(b["min"]), int(b["max"])) for b in value["bands"]),
                         key=lambda b: -b.min))
    profile = value.get("seasonal_profile")
    return Methodology(scheme, int(value["weight_total"]), inds, bands,
                       tuple(profile) if profile else None, version_id)


@dataclass(frozen=True)
class IndicatorInputs:
    """What the indicators of one body, scheme and year read (from the approved snapshot)."""

    targets: Mapping[str, int]          # metric -> the year's target (top-level, of the scheme)
    actuals: Mapping[str, int]          # metric -> the year's actual
    last_year_purchases: int | None     # direct + helped attributed to the scheme last year (None: no data)
    purchases: int                      # direct + helped attributed this year
    poverty_purchases: int              # of which from poverty or key counties
    reserved_obliged: int = 0           # units that had to reserve a share
    reserved_compliant: int = 0
    qualitative: int | None = None      # the assessors' score (None: not yet entered)


@dataclass(frozen=True)
class Line:
    code: str
    kind: str
    weight: int
    measure: int
    value: int | None          # the indicator's own figure (fen, count, bp, score)
    reference: int | None      # what it is compared with (target, last year, full marks)
    attainment_bp: int
    capped_bp: int
    points_centi: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "kind": self.kind, "weight": self.weight, "measure": self.measure,
                "value": self.value, "reference": self.reference, "attainment_bp": self.attainment_bp,
                "capped_bp": self.capped_bp, "points_centi": self.points_centi, "note": self.note}


def _scale(value_bp: int, full_at_bp: int | None) -> int:
    full = full_at_bp or BP
    return max(value_bp, 0) * BP // full


def indicator_line(ind: Indicator, inputs: IndicatorInputs) -> Line:
    """One indicator's attainment (basis points of full marks), capped at `cap_bp`, and its points:
    weight × capped attainment, in hundredths of a point, rounded down."""
    value: int | None
    reference: int | None
    note = ""
    if ind.kind in (IndicatorKind.RATIO_TO_TARGET, IndicatorKind.LINKAGE_BENEFITS, IndicatorKind.RESERVED_SHARE):
        metric = ind.metric or (Metric.RESERVED_SHARE if ind.kind == IndicatorKind.RESERVED_SHARE else "")
        if ind.kind == IndicatorKind.RESERVED_SHARE:
            value = ratio_bp(inputs.reserved_compliant, inputs.reserved_obliged) if inputs.reserved_obliged else None
        else:
            value = inputs.actuals.get(metric, 0)
        reference = inputs.targets.get(metric)
        if value is None:
            attainment, note = BP, "no_obliged_units"
        elif reference is None:
            attainment, note = BP, "no_target"
        else:
            attainment = ratio_bp(value, reference)
    elif ind.kind == IndicatorKind.GROWTH:
        value, reference = inputs.purchases, inputs.last_year_purchases
        if reference is None or reference <= 0:
            attainment, note = (BP, "no_last_year") if reference is None else (BP if value > 0 else 0, "")
        else:
            growth = (value - reference) * BP // reference
            attainment = _scale(growth, ind.full_at_bp)
            value = growth
    elif ind.kind == IndicatorKind.POVERTY_SHARE:
        share = ratio_bp(inputs.poverty_purchases, inputs.purchases) if inputs.purchases > 0 else 0
        value, reference = share, ind.full_at_bp
        attainment = _scale(share, ind.full_at_bp)
    else:  # qualitative
        value, reference = inputs.qualitative, ind.max_score
        if inputs.qualitative is None:
            attainment, note = 0, "not_entered"
        else:
            attainment = max(inputs.qualitative, 0) * BP // (ind.max_score or 1)
    capped = min(attainment, ind.cap_bp)
    return Line(ind.code, ind.kind, ind.weight, ind.measure, value, reference, attainment, capped,
                ind.weight * 100 * capped // BP, note)


def grade_for(total_centi: int, bands: Sequence[Band]) -> str:
    """The band holding the score (in points): [min, max), the top band closed at its max."""
    top = max(b.max for b in bands)
    for b in bands:
        if b.min * 100 <= total_centi < b.max * 100 or (b.max == top and total_centi == top * 100):
            return b.grade
    return Grade.POOR if total_centi < 0 else bands[0].grade


@dataclass
class Result:
    lines: list[Line] = field(default_factory=list)
    total_centi: int = 0
    grade: str = ""


def score(method: Methodology, inputs: IndicatorInputs, *, adjustments_centi: int = 0) -> Result:
    """The scorecard: each indicator's line, the total (with adjustments; between 0 and the weight total) and
    the grade of that total."""
    lines = [indicator_line(ind, inputs) for ind in method.indicators]
    total = sum(line.points_centi for line in lines) + adjustments_centi
    total = max(0, min(total, method.weight_total * 100))
    return Result(lines, total, grade_for(total, method.bands))


def ranking(totals: Sequence[tuple[Any, int]]) -> dict[Any, int]:
    """Competition ranking by total, highest first (1, 2, 2, 4)."""
    ordered = sorted(totals, key=lambda kv: -kv[1])
    out: dict[Any, int] = {}
    prev, rank = None, 0
    for i, (key, total) in enumerate(ordered, start=1):
        if total != prev:
            rank, prev = i, total
        out[key] = rank
    return out


def misses(figures: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every target and sub-target whose actual is below its target (what a grade must never hide)."""
    return [dict(f) for f in figures if int(f.get("actual") or 0) < int(f.get("target") or 0)]


# -- the responsibility matrix ------------------------------------------------------------------------------------
SEED_BODY_NAMES = {
    "development and reform commission": "ndrc",
    "poverty alleviation office": "nrra",
    "ministry of agriculture and rural affairs": "moa",
    "ministry of commerce": "mofcom",
    "ministry of culture and tourism": "mct",
    "federation of supply and marketing cooperatives": "acfsmc",
    "ministry of finance": "mof",
    "ministry of natural resources": "mnr",
    "people's bank of china": "pboc",
    "provincial people's governments": "provincial_governments",
    "relevant provincial people's governments": "provincial_governments",
}
_MEASURE_LINE = re.compile(r"^\s*(\d+)\.\s*(.+)$")


def parse_responsibility_matrix(text: str) -> list[dict[str, Any]]:
    """The seed's numbered measures, each with its title (the first sentence) and the bodies its closing
    parenthesis names responsible (as keys of `SEED_BODY_NAMES`). Raises ValueError naming a body it does not
    know, so a new seed text cannot be half-read."""
    out = []
    for line in text.splitlines():
        m = _MEASURE_LINE.match(line)
        if not m:
            continue
        number, body = int(m.group(1)), m.group(2).strip()
        title = body.split(".", 1)[0].strip()
        close = body.rfind("(")
        if close < 0 or not body.rstrip().endswith(")"):
            raise ValueError(f"measure {number} names no responsible bodies")
        names = body[close + 1:].rstrip().rstrip(")").strip()
        names = re.sub(r"\s+(are|is) responsible$", "", names)
        parts = [p.strip() for p in names.split(",")]
        if " and other " in parts[-1]:
            last, rest = parts[-1].split(" and other ", 1)
            parts[-1:] = [last.strip(), rest.strip()]
        keys: list[str] = []
        for p in parts:
            key = SEED_BODY_NAMES.get(p.lower())
            if key is None:
                raise ValueError(f"measure {number}: unknown responsible body {p!r}")
            if key not in keys:
                keys.append(key)
        out.append({"number": number, "title": title, "bodies": keys})
    return out


def matrix_errors(value: Any) -> list[RuleError]:
    if not isinstance(value, Mapping) or not isinstance(value.get("measures"), list):
        return [RuleError("measures", "bad_matrix", _("the matrix lists its measures"))]
    bodies = value.get("bodies") or {}
    errors = []
    for i, m in enumerate(value["measures"]):
        if not isinstance(m, Mapping) or not _is_int(m.get("number")):
            errors.append(RuleError(f"measures[{i}]", "bad_matrix", _("a measure needs a number")))
            continue
        for b in m.get("bodies") or []:
            if b not in bodies:
                errors.append(RuleError(f"measures[{i}].bodies", "unknown_body",
                                        _("the body “%(b)s” is not described") % {"b": str(b)[:40]}))
    return errors


# -- transitions --------------------------------------------------------------------------------------------------
PLAN_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": ((PlanStatus.DRAFT,), PlanStatus.SUBMITTED),
    "approve": ((PlanStatus.SUBMITTED,), PlanStatus.APPROVED),
    "return": ((PlanStatus.SUBMITTED,), PlanStatus.DRAFT),
    "supersede": ((PlanStatus.APPROVED,), PlanStatus.SUPERSEDED),
}
EDITABLE_PLAN = (PlanStatus.DRAFT,)

APPROVAL_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "accept": ((ApprovalStatus.SUBMITTED, ApprovalStatus.ACCEPTED), ApprovalStatus.ACCEPTED),
    "approve": ((ApprovalStatus.SUBMITTED, ApprovalStatus.ACCEPTED), ApprovalStatus.APPROVED),
    "return": ((ApprovalStatus.SUBMITTED, ApprovalStatus.ACCEPTED), ApprovalStatus.RETURNED),
    "resubmit": ((ApprovalStatus.RETURNED, ApprovalStatus.UNLOCKED), ApprovalStatus.SUBMITTED),
    "unlock": ((ApprovalStatus.APPROVED, ApprovalStatus.ACCEPTED), ApprovalStatus.UNLOCKED),
}
FROZEN_APPROVAL = (ApprovalStatus.ACCEPTED, ApprovalStatus.APPROVED)  # figures frozen, period locked

PROBLEM_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "start": ((ProblemStatus.OPEN,), ProblemStatus.IN_PROGRESS),
    "resolve": ((ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS), ProblemStatus.RESOLVED),
    "close": ((ProblemStatus.RESOLVED,), ProblemStatus.CLOSED),
    "reopen": ((ProblemStatus.RESOLVED, ProblemStatus.CLOSED), ProblemStatus.OPEN),
}
UNRESOLVED = (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS)

EVALUATION_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "partner_comment": ((EvaluationStatus.SELF_EVALUATED,), EvaluationStatus.PARTNER_COMMENTED),
    "cross_check": ((EvaluationStatus.SELF_EVALUATED, EvaluationStatus.PARTNER_COMMENTED),
                    EvaluationStatus.CROSS_CHECKED),
    "report": ((EvaluationStatus.CROSS_CHECKED,), EvaluationStatus.REPORTED),
}


def is_overdue(*, due: dt.date | None, status: str, today: dt.date, grace_days: int = 0) -> bool:
    """An open or in-progress problem is overdue once `grace_days` have passed after its due date."""
    return due is not None and status in UNRESOLVED and today > due + dt.timedelta(days=grace_days)


def month_day(year: int, text: str) -> dt.date:
    """'02-28' in `year` (29 February falls back to the 28th in a common year)."""
    month, day = (int(p) for p in text.split("-", 1))
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


# -- the year-end cycle and the statistical report forms ----------------------------------------------------------
CYCLE_STEPS = ("self_evaluation", "partner_comment", "cross_check", "report")


def cycle_dates(year: int, value: Mapping[str, Any]) -> dict[str, dt.date]:
    """The due dates of `year`'s assessment cycle (the parameter `supervision.assessment_cycle`: month-days in the
    next year): self-evaluation, the partner's comments, the assessor's cross-check, the final report."""
    return {step: month_day(year + 1, str(value[f"{step}_due"])) for step in CYCLE_STEPS}


def cycle_step_due(*, status: str | None, scheme: str) -> str | None:
    """The cycle step an evaluation waits for (None: the final report is in). No evaluation yet: the
    self-evaluation; an east–west pair's self-evaluation waits for the partner's comments."""
    if status is None:
        return "self_evaluation"
    if status == EvaluationStatus.SELF_EVALUATED:
        return "partner_comment" if scheme == Scheme.EAST_WEST else "cross_check"
    if status == EvaluationStatus.PARTNER_COMMENTED:
        return "cross_check"
    if status == EvaluationStatus.CROSS_CHECKED:
        return "report"
    return None
