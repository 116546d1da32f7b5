"""Pure rules of interest linkage: contract terms per mechanism, expected benefit per mechanism, schedules and
instalments, anomaly flags, the stratified sampler and the Wilson interval. No ORM, no I/O."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from .enums import (
    ContractStatus,
    DividendBasis,
    IncomeKind,
    Mechanism,
    Outcome,
    PartyKind,
    Schedule,
    WageBasis,
)

INCOME_KIND: dict[str, str] = {
    Mechanism.EMPLOYMENT: IncomeKind.WAGE,
    Mechanism.ORDER_PURCHASE: IncomeKind.OPERATING,
    Mechanism.DIVIDEND: IncomeKind.ASSET,
    Mechanism.LAND_LEASE: IncomeKind.ASSET,
    Mechanism.TOURISM: IncomeKind.SERVICE,
    Mechanism.COLLECTIVE_INCOME: IncomeKind.COLLECTIVE,
}

# Which parties each mechanism may link.
PARTY_KINDS: dict[str, set[str]] = {
    Mechanism.EMPLOYMENT: {PartyKind.HOUSEHOLDS},
    Mechanism.ORDER_PURCHASE: {PartyKind.HOUSEHOLDS},
    Mechanism.DIVIDEND: {PartyKind.HOUSEHOLDS, PartyKind.COLLECTIVE},
    Mechanism.LAND_LEASE: {PartyKind.HOUSEHOLDS, PartyKind.COLLECTIVE},
    Mechanism.TOURISM: {PartyKind.HOUSEHOLDS, PartyKind.COLLECTIVE},
    Mechanism.COLLECTIVE_INCOME: {PartyKind.COLLECTIVE},
}


# -- contract states -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Transition:
    name: str
    allowed_from: frozenset[str]
    to: str


TRANSITIONS = {
    t.name: t for t in (
        Transition("activate", frozenset({ContractStatus.DRAFT}), ContractStatus.ACTIVE),
        Transition("suspend", frozenset({ContractStatus.ACTIVE}), ContractStatus.SUSPENDED),
        Transition("resume", frozenset({ContractStatus.SUSPENDED}), ContractStatus.ACTIVE),
        Transition("end", frozenset({ContractStatus.DRAFT, ContractStatus.ACTIVE, ContractStatus.SUSPENDED}),
                   ContractStatus.ENDED),
    )
}


def transitions_from(status: str) -> list[str]:
    return [t.name for t in TRANSITIONS.values() if status in t.allowed_from]


def periods_overlap(a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None) -> bool:
    """Whether two inclusive periods (None = open-ended) share at least one day."""
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


def in_force(start: dt.date, end: dt.date | None, on: dt.date) -> bool:
    return start <= on and (end is None or on <= end)


# -- terms per mechanism ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TermError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def _int_fen(terms: Mapping[str, Any], key: str, errors: list[TermError]) -> None:
    v = terms.get(key)
    if v is None or v == "":
        errors.append(TermError(key, "missing_term", _("%(term)s is required for this mechanism.") % {"term": key}))
    elif isinstance(v, bool) or not isinstance(v, int):
        errors.append(TermError(key, "bad_term", _("%(term)s must be a whole number of fen.") % {"term": key}))
    elif v <= 0:
        errors.append(TermError(key, "bad_term", _("%(term)s must be greater than zero.") % {"term": key}))


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _positive(terms: Mapping[str, Any], key: str, errors: list[TermError], *, maximum: Decimal | None = None) -> None:
    v = terms.get(key)
    if v is None or v == "":
        errors.append(TermError(key, "missing_term", _("%(term)s is required for this mechanism.") % {"term": key}))
        return
    d = _decimal(v)
    if d is None or d <= 0 or (maximum is not None and d > maximum):
        limit = f" ≤ {maximum}" if maximum is not None else ""
        errors.append(TermError(key, "bad_term", _("%(term)s must be a number above zero%(limit)s.")
                                % {"term": key, "limit": limit}))


def _choice(terms: Mapping[str, Any], key: str, choices: Iterable[str], errors: list[TermError]) -> str | None:
    v = terms.get(key)
    valid = list(choices)
    if v in valid:
        return str(v)
    if v is None or v == "":
        errors.append(TermError(key, "missing_term", _("%(term)s is required for this mechanism.") % {"term": key}))
    else:
        errors.append(TermError(key, "bad_term", _("%(term)s must be one of: %(choices)s.")
                                % {"term": key, "choices": ", ".join(valid)}))
    return None


TERM_KEYS: dict[str, tuple[str, ...]] = {
    Mechanism.EMPLOYMENT: ("wage_basis", "wage_fen", "days_per_month"),
    Mechanism.ORDER_PURCHASE: ("unit", "protected_price_fen", "min_quantity"),
    Mechanism.DIVIDEND: ("basis", "percent", "annual_profit_fen", "per_share_fen", "quantity"),
    Mechanism.LAND_LEASE: ("rent_per_mu_fen", "quantity"),
    Mechanism.TOURISM: ("revenue_share_percent", "annual_revenue_fen"),
    Mechanism.COLLECTIVE_INCOME: ("annual_amount_fen", "percent", "annual_profit_fen"),
}
HUNDRED = Decimal(100)


def terms_errors(mechanism: str, terms: Mapping[str, Any], *, party_kind: str = PartyKind.HOUSEHOLDS) -> list[TermError]:
    """Every problem with a contract's terms for its mechanism (empty when the terms are complete and sane)."""
    errors: list[TermError] = []
    if mechanism not in INCOME_KIND:
        return [TermError("mechanism", "bad_mechanism", _("Unknown mechanism “%(m)s”.") % {"m": mechanism})]
    if not isinstance(terms, Mapping):
        return [TermError("terms", "bad_term", _("Terms must be an object of named values."))]
    if party_kind not in PARTY_KINDS[mechanism]:
        errors.append(TermError("party_kind", "bad_party", _("This mechanism cannot link a party of kind “%(k)s”.")
                                % {"k": party_kind}))
    unknown = sorted(set(terms) - set(TERM_KEYS[mechanism]))
    if unknown:
        errors.append(TermError(unknown[0], "unknown_term", _("Unknown term(s) for this mechanism: %(keys)s.")
                                % {"keys": ", ".join(unknown)}))
    if mechanism == Mechanism.EMPLOYMENT:
        basis = _choice(terms, "wage_basis", WageBasis.values, errors)
        _int_fen(terms, "wage_fen", errors)
        if basis == WageBasis.DAY:
            _positive(terms, "days_per_month", errors, maximum=Decimal(31))
    elif mechanism == Mechanism.ORDER_PURCHASE:
        if not str(terms.get("unit") or "").strip():
            errors.append(TermError("unit", "missing_term", _("%(term)s is required for this mechanism.") % {"term": "unit"}))
        _int_fen(terms, "protected_price_fen", errors)
        _positive(terms, "min_quantity", errors)
    elif mechanism == Mechanism.DIVIDEND:
        basis = _choice(terms, "basis", DividendBasis.values, errors)
        if basis == DividendBasis.PROFIT_PERCENT:
            _positive(terms, "percent", errors, maximum=HUNDRED)
            _int_fen(terms, "annual_profit_fen", errors)
        elif basis == DividendBasis.PER_SHARE:
            _int_fen(terms, "per_share_fen", errors)
            if party_kind == PartyKind.COLLECTIVE:
                _positive(terms, "quantity", errors)
    elif mechanism == Mechanism.LAND_LEASE:
        _int_fen(terms, "rent_per_mu_fen", errors)
        if party_kind == PartyKind.COLLECTIVE:
            _positive(terms, "quantity", errors)
    elif mechanism == Mechanism.TOURISM:
        _positive(terms, "revenue_share_percent", errors, maximum=HUNDRED)
        _int_fen(terms, "annual_revenue_fen", errors)
    elif mechanism == Mechanism.COLLECTIVE_INCOME:
        if terms.get("annual_amount_fen") not in (None, ""):
            _int_fen(terms, "annual_amount_fen", errors)
        else:
            _positive(terms, "percent", errors, maximum=HUNDRED)
            _int_fen(terms, "annual_profit_fen", errors)
    return errors


def party_quantity_errors(mechanism: str, terms: Mapping[str, Any], quantity: Any) -> list[TermError]:
    """Problems with one household's quantity: land needs mu, per-share dividends need shares."""
    q = _decimal(quantity)
    if quantity not in (None, "") and (q is None or q <= 0):
        return [TermError("quantity", "bad_quantity", _("The quantity must be a number above zero."))]
    needs = mechanism == Mechanism.LAND_LEASE or (
        mechanism == Mechanism.DIVIDEND and terms.get("basis") == DividendBasis.PER_SHARE)
    if needs and q is None:
        what = _("mu of land") if mechanism == Mechanism.LAND_LEASE else _("number of shares")
        return [TermError("quantity", "missing_quantity", _("Each household needs its %(what)s.") % {"what": what})]
    return []


# -- expected benefit: one rule per mechanism, each giving a party's amount for a full year, in fen ----------------
@dataclass(frozen=True)
class Share:
    """A party's place in its contract: its own quantity, the sum of all parties' quantities, how many parties."""

    quantity: Decimal | None
    total_quantity: Decimal
    parties: int

    def fraction(self) -> Fraction:
        if self.quantity is not None and self.total_quantity > 0:
            return Fraction(self.quantity) / Fraction(self.total_quantity)
        return Fraction(1, max(self.parties, 1))


def _f(value: Any) -> Fraction:
    return Fraction(str(value))


def expected_employment(terms: Mapping[str, Any], share: Share) -> Fraction:
    """Wage × 12 months; for a daily wage, × the household's days a month (or the contract's days a month)."""
    wage = _f(terms["wage_fen"])
    if terms.get("wage_basis") == WageBasis.DAY:
        days = _f(share.quantity if share.quantity is not None else terms["days_per_month"])
        return wage * days * 12
    return wage * 12


def expected_order_purchase(terms: Mapping[str, Any], share: Share) -> Fraction:
    """The guaranteed purchase: protected price × the household's quantity a year (or the contract minimum).
    Purchases actually recorded in the account are compared in the ledger app (fupin.ledger.benefits)."""
    qty = _f(share.quantity if share.quantity is not None else terms["min_quantity"])
    return _f(terms["protected_price_fen"]) * qty


def expected_dividend(terms: Mapping[str, Any], share: Share) -> Fraction:
    """Per share: fixed fen × shares. Per cent of profit: profit × per cent, split by shares (or equally)."""
    if terms.get("basis") == DividendBasis.PER_SHARE:
        shares = _f(share.quantity if share.quantity is not None else terms.get("quantity", 1))
        return _f(terms["per_share_fen"]) * shares
    pool = _f(terms["annual_profit_fen"]) * _f(terms["percent"]) / 100
    return pool * share.fraction()


def expected_land_lease(terms: Mapping[str, Any], share: Share) -> Fraction:
    """Rent per mu a year × the household's mu."""
    mu = _f(share.quantity if share.quantity is not None else terms.get("quantity", 0))
    return _f(terms["rent_per_mu_fen"]) * mu


def expected_tourism(terms: Mapping[str, Any], share: Share) -> Fraction:
    """Share of the revenue (homestays, guiding...), split by the households' quantities (or equally)."""
    pool = _f(terms["annual_revenue_fen"]) * _f(terms["revenue_share_percent"]) / 100
    return pool * share.fraction()


def expected_collective_income(terms: Mapping[str, Any], share: Share) -> Fraction:
    """A fixed amount a year, or a per cent of the entity's profit, to the village collective."""
    if terms.get("annual_amount_fen") not in (None, ""):
        return _f(terms["annual_amount_fen"])
    return _f(terms["annual_profit_fen"]) * _f(terms["percent"]) / 100


EXPECTED_RULES: dict[str, Callable[[Mapping[str, Any], Share], Fraction]] = {
    Mechanism.EMPLOYMENT: expected_employment,
    Mechanism.ORDER_PURCHASE: expected_order_purchase,
    Mechanism.DIVIDEND: expected_dividend,
    Mechanism.LAND_LEASE: expected_land_lease,
    Mechanism.TOURISM: expected_tourism,
    Mechanism.COLLECTIVE_INCOME: expected_collective_income,
}


def annual_expected(mechanism: str, terms: Mapping[str, Any], share: Share) -> Fraction:
    return EXPECTED_RULES[mechanism](terms, share)


def round_fen(value: Fraction | Decimal | int) -> int:
    """Round half up to whole fen."""
    d = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(value)
    return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# -- schedules and instalments -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Instalment:
    start: dt.date
    end: dt.date  # the due date
    amount_fen: int


def _month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _schedule_end(d: dt.date, schedule: str) -> dt.date:
    if schedule == Schedule.YEARLY:
        return dt.date(d.year, 12, 31)
    if schedule == Schedule.QUARTERLY:
        return _month_end(dt.date(d.year, ((d.month - 1) // 3) * 3 + 3, 1))
    return _month_end(d)


def accrued(annual: Fraction, start: dt.date, end: dt.date) -> Fraction:
    """What accrues from `start` to `end` inclusive: a twelfth of the annual amount per month, pro rata by day."""
    total = Fraction(0)
    d = start
    while d <= end:
        last = min(_month_end(d), end)
        days_in_month = calendar.monthrange(d.year, d.month)[1]
        total += annual / 12 * Fraction((last - d).days + 1, days_in_month)
        d = last + dt.timedelta(days=1)
    return total


def instalments(*, annual: Fraction, schedule: str, start: dt.date, end: dt.date | None, until: dt.date) -> list[Instalment]:
    """The instalments of a contract from its start to `until` (or its end): calendar months, quarters or years
    clipped to the contract period; each falls due on its last day. Rounded cumulatively, so the whole-year total
    equals the annual amount to the fen."""
    stop = min(end, until) if end is not None else until
    out: list[Instalment] = []
    cum = Fraction(0)
    d = start
    while d <= stop:
        last = _schedule_end(d, schedule)
        if end is not None:
            last = min(last, end)
        before = round_fen(cum)
        cum += accrued(annual, d, last)
        if last <= stop:
            out.append(Instalment(d, last, round_fen(cum) - before))
        d = last + dt.timedelta(days=1)
    return out


def due_between(items: Sequence[Instalment], start: dt.date, end: dt.date, *, grace_days: int = 0) -> int:
    """Sum of the instalments that fall due (their last day plus `grace_days`) within [start, end]."""
    grace = dt.timedelta(days=grace_days)
    return sum(i.amount_fen for i in items if start <= i.end + grace <= end)


def months_before(on: dt.date, months: int) -> dt.date:
    """The day after the same date `months` months earlier: the first day of an M-month window ending on `on`."""
    y, m = divmod(on.month - 1 - months, 12)
    year, month = on.year + y, m + 1
    day = min(on.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) + dt.timedelta(days=1)


# -- anomaly flags -----------------------------------------------------------------------------------------------
def flag_no_payment(*, due_fen: int, paid_fen: int) -> bool:
    """Money fell due in the window and nothing (net) was paid."""
    return due_fen > 0 and paid_fen <= 0


def flag_below_terms(*, due_fen: int, paid_fen: int, ratio: float | Decimal) -> bool:
    """Something was paid but less than `ratio` × what the terms make due."""
    return due_fen > 0 and paid_fen > 0 and Fraction(paid_fen) < Fraction(str(ratio)) * due_fen


def flag_many_entities(*, entities: int, maximum: int) -> bool:
    return entities > int(maximum)


def flag_price_below_protected(*, amount_fen: int, quantity: Decimal | None, protected_price_fen: int) -> bool:
    """An order-purchase payment whose price per unit is below the contract's protected price."""
    if quantity is None or quantity <= 0 or amount_fen <= 0:
        return False
    return Fraction(amount_fen) < Fraction(str(quantity)) * protected_price_fen


# -- payments ----------------------------------------------------------------------------------------------------
def payment_errors(*, amount_fen: int, paid_on: dt.date, contract_status: str, start: dt.date, end: dt.date | None,
                   today: dt.date) -> list[TermError]:
    """Why a payment cannot be recorded against a contract (empty if it can)."""
    errors: list[TermError] = []
    if amount_fen <= 0:
        errors.append(TermError("amount", "bad_amount", _("The amount must be greater than zero; "
                                                          "to correct a payment, reverse it.")))
    if contract_status == ContractStatus.DRAFT:
        errors.append(TermError("contract", "contract_not_active", _("The contract is still a draft.")))
    if paid_on > today:
        errors.append(TermError("paid_on", "future_date", _("The payment date is in the future.")))
    if not in_force(start, end, paid_on):
        errors.append(TermError("paid_on", "outside_contract",
                                _("The payment date %(d)s is outside the contract period %(s)s – %(e)s.")
                                % {"d": paid_on.isoformat(), "s": start.isoformat(),
                                   "e": end.isoformat() if end else "…"}))
    return errors


# -- verification: stratified sample and Wilson interval ---------------------------------------------------------
def allocate(sizes: Mapping[str, int], *, fraction: float, min_per_stratum: int, max_total: int) -> dict[str, int]:
    """Sample size per stratum: proportional (ceil(fraction × N)), at least `min_per_stratum` (capped at N); if the
    total exceeds `max_total`, scaled down by largest remainder, keeping at least one per stratum where possible."""
    want = {k: min(n, max(min_per_stratum, math.ceil(Fraction(str(fraction)) * n))) for k, n in sizes.items() if n > 0}
    total = sum(want.values())
    if total <= max_total:
        return want
    keys = sorted(want)
    floor_each = 1 if len(keys) <= max_total else 0
    spare = max_total - floor_each * len(keys)
    extra = {k: want[k] - floor_each for k in keys}
    extra_total = sum(extra.values())
    quotas = {k: Fraction(extra[k] * spare, extra_total) if extra_total else Fraction(0) for k in keys}
    out = {k: floor_each + int(quotas[k]) for k in keys}
    left = max_total - sum(out.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - int(quotas[k])), k))[:left]:
        out[k] += 1
    return {k: v for k, v in out.items() if v > 0}


def stratified_sample(population: Iterable[tuple[str, Any]], *, seed: int, fraction: float, min_per_stratum: int,
                      max_total: int) -> list[tuple[str, Any]]:
    """Draw a reproducible stratified random sample of (stratum, unit) pairs. Units are sorted within each stratum
    before drawing with a generator seeded by (seed, stratum), so the same population and seed give the same
    sample whatever the order the population arrives in."""
    strata: dict[str, list[Any]] = {}
    for stratum, unit in population:
        strata.setdefault(str(stratum), []).append(unit)
    sizes = allocate({k: len(v) for k, v in strata.items()}, fraction=fraction, min_per_stratum=min_per_stratum,
                     max_total=max_total)
    out: list[tuple[str, Any]] = []
    for stratum in sorted(sizes):
        units = sorted(strata[stratum])
        rng = random.Random(f"{seed}:{stratum}")  # noqa: S311 - a sample anyone can redraw needs a seeded PRNG
        out.extend((stratum, u) for u in sorted(rng.sample(units, sizes[stratum])))
    return out


def sampling_method(*, fraction: float, min_per_stratum: int, max_total: int) -> str:
    return (
        "Stratified simple random sampling without replacement; strata = market entities in the county; "
        f"units = (household, entity) pairs with net payments in the period; allocation ceil({fraction} × N_h), "
        f"at least {min_per_stratum} per stratum (all if fewer), at most {max_total} in total (largest remainder); "
        "units sorted, then random.Random(f'{seed}:{stratum}').sample (Python Mersenne Twister)."
    )


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval for a proportion k/n (0, 1 when n = 0)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Discrepancy:
    verified: int
    discrepant: int
    rate: float
    low: float
    high: float
    flagged: bool


def discrepancy(outcomes: Mapping[str, int], *, z: float, threshold: float) -> Discrepancy:
    """The discrepancy rate among verified items (not received, amount differs, not found) with its interval;
    flagged when the rate is above the threshold."""
    verified = sum(n for o, n in outcomes.items() if o != Outcome.PENDING)
    bad = sum(outcomes.get(o, 0) for o in (Outcome.NOT_RECEIVED, Outcome.AMOUNT_DIFFERS, Outcome.NOT_FOUND))
    rate = bad / verified if verified else 0.0
    low, high = wilson_interval(bad, verified, z)
    return Discrepancy(verified, bad, rate, low, high, verified > 0 and rate > float(threshold))


# -- verification outcomes ---------------------------------------------------------------------------------------
def outcome_key(text: str) -> str:
    """How an outcome written in a field list is compared: case, blanks, '_' and '-' do not matter."""
    return " ".join((text or "").replace("_", " ").replace("-", " ").lower().split())


def stored_outcome(outcome: str, reported_fen: int | None, note: str | None) -> tuple[str, int | None, str]:
    """What recording an outcome keeps: the reported amount only when the amount differs, the note without
    surrounding blanks. Two recordings with the same stored outcome are the same (an import skips the second)."""
    return outcome, (reported_fen if outcome == Outcome.AMOUNT_DIFFERS else None), (note or "").strip()
