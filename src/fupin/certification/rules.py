"""Pure rules of certification (no ORM, no I/O): certified periods, pre-checks with a reason per verdict, the
review state machine and who may act at each stage, the product lifecycle, the verification-code format, risk
weights and the reproducible spot-check draw."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fupin.core.errors import TransitionNotAllowed
from fupin.core.validators import is_valid_uscc
from fupin.registry.enums import LEGAL_PERSON_KINDS

from .enums import FOOD_CATEGORIES, LicenceKind
from .enums import ApplicationStatus as S
from .enums import ProductStatus as PS
from .enums import ReviewAction as A
from .enums import ReviewLevel as L

Period = tuple[dt.date, dt.date | None]


# -- certified periods (the ledger's question: was product P certified on day D?) ---------------------------------
def certified_on(periods: Iterable[Period], day: dt.date) -> bool:
    """Whether `day` falls inside one of the inclusive periods (an open end runs for ever). A plain loop: the ledger
    calls this once per imported row."""
    for start, end in periods:  # noqa: SIM110 - a plain loop, as the docstring says: called once per imported row
        if start <= day and (end is None or day <= end):
            return True
    return False


def merge_target(periods: Sequence[tuple[int, dt.date, dt.date | None]], start: dt.date) -> int | None:
    """When a product becomes certified from `start`: the id of an existing period that touches or overlaps it
    (so it is extended instead of adding a new row), or None to add a period."""
    for pk, p_start, p_end in periods:
        if p_start <= start and (p_end is None or p_end >= start - dt.timedelta(days=1)):
            return pk
    return None


def covering_period(periods: Sequence[tuple[int, dt.date, dt.date | None]], day: dt.date) -> int | None:
    """The id of the period that covers `day`, if any (to be closed at a suspension or revocation)."""
    for pk, p_start, p_end in periods:
        if p_start <= day and (p_end is None or day <= p_end):
            return pk
    return None


# -- pre-checks -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    rule: str
    ok: bool
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "ok": self.ok, "reason": self.reason, "details": self.details}


@dataclass(frozen=True)
class AreaFacts:
    """A region as the eligibility rule sees it: its code, whether its county is a national poverty county, and
    whether it is (or lies in) a poor village."""

    code: str
    poverty_county: bool = False
    poor_village: bool = False


@dataclass(frozen=True)
class LicenceFacts:
    kind: str
    number: str
    valid_until: dt.date | None
    valid_from: dt.date | None = None
    product_id: int | None = None


@dataclass(frozen=True)
class ItemFacts:
    product_id: int
    product_code: str
    category: str
    origin: AreaFacts
    supply_volume: int
    annual_capacity: int
    price_fen: int
    reference_price_fen: int
    product_status: str = PS.REGISTERED
    open_application: str = ""


@dataclass(frozen=True)
class ApplicantFacts:
    kind: str
    credit_code: str
    area: AreaFacts
    blacklisted_until: dt.date | None = None
    blacklisted: bool = False


@dataclass(frozen=True)
class HouseholdEvidence:
    linked_ids: frozenset[int]
    declared_refs: tuple[str, ...]
    declared_found: Mapping[str, int]   # registry code -> household id, for declared refs that exist


def area_eligible(area: AreaFacts, *, provinces: Iterable[str], poverty_areas_only: bool,
                  extra_prefixes: Iterable[str]) -> bool:
    """In the eligible region set: one of the listed provinces and (if required) a poverty county or poor village;
    or under one of the extra region prefixes in force."""
    if any(area.code.startswith(p) for p in extra_prefixes if p):
        return True
    if area.code[:2] not in set(provinces):
        return False
    return not poverty_areas_only or area.poverty_county or area.poor_village


def check_legal_person(applicant: ApplicantFacts) -> Verdict:
    if applicant.kind not in LEGAL_PERSON_KINDS:
        return Verdict("legal_person", False, _("The applicant is not a legal-person entity (enterprise, cooperative, "
                                                 "family farm or village collective); a single household or an "
                                                 "individual cannot be certified."), {"kind": applicant.kind})
    if not applicant.credit_code or not is_valid_uscc(applicant.credit_code):
        return Verdict("legal_person", False, _("The applicant has no valid unified social credit code."),
                       {"credit_code": applicant.credit_code})
    return Verdict("legal_person", True, _("The applicant is a legal-person entity."), {"kind": applicant.kind})


def check_not_blacklisted(applicant: ApplicantFacts) -> Verdict:
    if applicant.blacklisted:
        until = applicant.blacklisted_until.isoformat() if applicant.blacklisted_until else _("indefinitely")
        return Verdict("not_blacklisted", False, _("The supplier is blacklisted until %(until)s.") % {"until": until},
                       {"until": until})
    return Verdict("not_blacklisted", True, _("The supplier is not blacklisted."))


def check_registered_area(applicant: ApplicantFacts, p: Any) -> Verdict:
    ok = area_eligible(applicant.area, provinces=p.eligible_provinces, poverty_areas_only=p.poverty_areas_only,
                       extra_prefixes=p.extra_prefixes)
    details = {"region": applicant.area.code}
    if ok:
        return Verdict("registered_area", True, _("The applicant is registered in an eligible area."), details)
    return Verdict("registered_area", False, _("The applicant is registered in %(code)s, outside the eligible areas "
                                                "in force on %(on)s.") % {"code": applicant.area.code,
                                                                          "on": p.on.isoformat()}, details)


def check_origin_area(items: Sequence[ItemFacts], p: Any) -> Verdict:
    bad = [i.product_code for i in items if not area_eligible(
        i.origin, provinces=p.eligible_provinces, poverty_areas_only=p.poverty_areas_only,
        extra_prefixes=p.extra_prefixes)]
    if bad:
        return Verdict("origin_area", False, _("Products originate outside the eligible areas: %(codes)s.")
                       % {"codes": ", ".join(bad)}, {"products": bad})
    return Verdict("origin_area", True, _("Every product originates inside an eligible area."))


def check_poor_households(evidence: HouseholdEvidence, p: Any) -> Verdict:
    unknown = [r for r in evidence.declared_refs if r not in evidence.declared_found]
    details: dict[str, Any] = {"linked": len(evidence.linked_ids), "required": p.min_poor_households}
    if unknown:
        details["unknown"] = unknown
        return Verdict("poor_households", False, _("Unknown household references: %(refs)s.")
                       % {"refs": ", ".join(unknown[:20])}, details)
    total = len(evidence.linked_ids | set(evidence.declared_found.values()))
    details["total"] = total
    if total < p.min_poor_households:
        return Verdict("poor_households", False, _("%(n)d poor households brought along; at least %(min)d are "
                                                    "required.") % {"n": total, "min": p.min_poor_households}, details)
    return Verdict("poor_households", True, _("%(n)d poor households brought along (at least %(min)d required).")
                   % {"n": total, "min": p.min_poor_households}, details)


def supply_value_fen(item: ItemFacts) -> int:
    return item.supply_volume * item.reference_price_fen


def check_volume(items: Sequence[ItemFacts], p: Any) -> Verdict:
    low = [i.product_code for i in items if supply_value_fen(i) < p.min_supply_value_fen]
    over = [i.product_code for i in items if i.annual_capacity and i.supply_volume > i.annual_capacity]
    details = {"required_fen": p.min_supply_value_fen, "low": low, "over_capacity": over}
    if low:
        return Verdict("volume", False, _("The annual supply volume of %(codes)s is below the required scale "
                                          "(%(yuan)s yuan a year at the reference price).")
                       % {"codes": ", ".join(low), "yuan": f"{p.min_supply_value_fen / 100:,.2f}"}, details)
    if over:
        return Verdict("volume", False, _("The supply volume of %(codes)s exceeds the declared annual capacity.")
                       % {"codes": ", ".join(over)}, details)
    return Verdict("volume", True, _("Every product reaches the required supply volume."), details)


def check_licences(items: Sequence[ItemFacts], licences: Sequence[LicenceFacts], on: dt.date) -> Verdict:
    problems: list[str] = []

    def valid(lic: LicenceFacts) -> bool:
        return (lic.valid_until is None or lic.valid_until >= on) and (lic.valid_from is None or lic.valid_from <= on)

    business = [lic for lic in licences if lic.kind == LicenceKind.BUSINESS]
    if not business:
        problems.append(_("no business licence"))
    elif not any(valid(lic) for lic in business):
        problems.append(_("the business licence is not valid on %(on)s") % {"on": on.isoformat()})
    for item in items:
        if item.category in FOOD_CATEGORIES:
            food = [lic for lic in licences if lic.kind == LicenceKind.FOOD_PRODUCTION
                    and lic.product_id in (None, item.product_id)]
            if not food:
                problems.append(_("no food production licence for %(code)s") % {"code": item.product_code})
            elif not any(valid(lic) for lic in food):
                problems.append(_("the food production licence for %(code)s is not valid on %(on)s")
                                % {"code": item.product_code, "on": on.isoformat()})
    item_ids = {i.product_id for i in items}
    for lic in licences:
        if lic.kind == LicenceKind.QUALITY and lic.product_id in item_ids and not valid(lic):
            problems.append(_("quality certificate %(number)s expired") % {"number": lic.number})
    if problems:
        return Verdict("licences", False, _("Licences: %(problems)s.") % {"problems": "; ".join(problems)},
                       {"problems": problems})
    return Verdict("licences", True, _("The licences are present and valid."))


def price_deviation_pct(price_fen: int, reference_fen: int) -> float | None:
    if reference_fen <= 0:
        return None
    return (price_fen - reference_fen) * 100.0 / reference_fen


def check_price(items: Sequence[ItemFacts], p: Any) -> Verdict:
    bad: list[str] = []
    missing: list[str] = []
    for i in items:
        dev = price_deviation_pct(i.price_fen, i.reference_price_fen)
        if dev is None or i.price_fen <= 0:
            missing.append(i.product_code)
        elif abs(dev) > p.price_tolerance_pct + 1e-9:
            bad.append(f"{i.product_code} ({dev:+.1f}%)")
    details = {"tolerance_pct": p.price_tolerance_pct, "outside": bad, "missing": missing}
    if missing:
        return Verdict("price", False, _("No price or market reference price for %(codes)s.")
                       % {"codes": ", ".join(missing)}, details)
    if bad:
        return Verdict("price", False, _("Prices outside ±%(pct)s%% of the market reference: %(items)s.")
                       % {"pct": f"{p.price_tolerance_pct:g}", "items": ", ".join(bad)}, details)
    return Verdict("price", True, _("Every price is within ±%(pct)s%% of the market reference.")
                   % {"pct": f"{p.price_tolerance_pct:g}"}, details)


def applicable_product_states(*, renewal: bool) -> frozenset[str]:
    """The product states an application may name: a renewal certified or expired products, a new application
    registered or expired ones."""
    return frozenset({PS.CERTIFIED, PS.EXPIRED} if renewal else {PS.REGISTERED, PS.EXPIRED})


# A product anyone may complain about: one in the public catalogue.
COMPLAINABLE_STATES = frozenset({PS.CERTIFIED, PS.SUSPENDED})


def check_products(items: Sequence[ItemFacts], *, renewal: bool) -> Verdict:
    if not items:
        return Verdict("products", False, _("The application names no product."))
    allowed = applicable_product_states(renewal=renewal)
    wrong = [f"{i.product_code} ({i.product_status})" for i in items if i.product_status not in allowed]
    busy = [f"{i.product_code} ({i.open_application})" for i in items if i.open_application]
    if wrong:
        return Verdict("products", False, _("These products cannot be applied for in their state: %(items)s.")
                       % {"items": ", ".join(wrong)}, {"products": wrong})
    if busy:
        return Verdict("products", False, _("These products are already in an open application: %(items)s.")
                       % {"items": ", ".join(busy)}, {"products": busy})
    return Verdict("products", True, _("The products may be applied for."))


def precheck(*, applicant: ApplicantFacts, items: Sequence[ItemFacts], evidence: HouseholdEvidence,
             licences: Sequence[LicenceFacts], params: Any, renewal: bool = False) -> list[Verdict]:
    """Every pre-check, each with its verdict and reason, in a fixed order."""
    return [
        check_legal_person(applicant),
        check_not_blacklisted(applicant),
        check_registered_area(applicant, params),
        check_products(items, renewal=renewal),
        check_origin_area(items, params),
        check_poor_households(evidence, params),
        check_volume(items, params),
        check_licences(items, licences, params.on),
        check_price(items, params),
    ]


def failed(verdicts: Iterable[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if not v.ok]


# -- the review state machine ---------------------------------------------------------------------------------------
# action -> {from status: to status}
REVIEW_TRANSITIONS: dict[str, dict[str, str]] = {
    A.RESUBMIT: {S.RETURNED: S.SUBMITTED},
    A.WITHDRAW: {S.SUBMITTED: S.WITHDRAWN, S.RETURNED: S.WITHDRAWN},
    A.APPROVE: {S.SUBMITTED: S.COUNTY_NOTICE, S.PREFECTURE_REVIEW: S.PROVINCE_REVIEW,
                S.PROVINCE_REVIEW: S.NATIONAL_FILING, S.NATIONAL_FILING: S.NATIONAL_NOTICE},
    A.REJECT: {S.SUBMITTED: S.REJECTED, S.PREFECTURE_REVIEW: S.REJECTED, S.PROVINCE_REVIEW: S.REJECTED,
               S.NATIONAL_FILING: S.REJECTED},
    A.RETURN: {S.SUBMITTED: S.RETURNED, S.PREFECTURE_REVIEW: S.RETURNED, S.PROVINCE_REVIEW: S.RETURNED,
               S.NATIONAL_FILING: S.RETURNED},
    A.CLOSE_NOTICE: {S.COUNTY_NOTICE: S.PREFECTURE_REVIEW},
    A.OBJECTION_UPHELD: {S.COUNTY_NOTICE: S.SUBMITTED, S.NATIONAL_NOTICE: S.NATIONAL_FILING},
    A.LIST: {S.NATIONAL_NOTICE: S.CERTIFIED},
}

# The level whose reviewers decide an application in each state (also objections during the notices).
STAGE_LEVEL: dict[str, str] = {
    S.SUBMITTED: L.COUNTY, S.COUNTY_NOTICE: L.COUNTY, S.PREFECTURE_REVIEW: L.PREFECTURE,
    S.PROVINCE_REVIEW: L.PROVINCE, S.NATIONAL_FILING: L.NATION, S.NATIONAL_NOTICE: L.NATION,
}
REVIEW_ROLES = ("reviewer", "approver")
SUPPLIER_ACTIONS = frozenset({A.RESUBMIT, A.WITHDRAW})
# What a reviewer decides on an application's page (objections and listing in a batch are decided elsewhere).
REVIEW_DECISIONS = frozenset({A.APPROVE, A.REJECT, A.RETURN, A.CLOSE_NOTICE})
# Product actions a reviewer takes on a product's page.
PRODUCT_REVIEW_ACTIONS = ("suspend", "reinstate", "revoke")
OPEN_STATUSES = frozenset(set(STAGE_LEVEL) | {S.RETURNED})
NOTICE_STATUSES = frozenset({S.COUNTY_NOTICE, S.NATIONAL_NOTICE})


def allowed_actions(status: str) -> list[str]:
    return [action for action, moves in REVIEW_TRANSITIONS.items() if status in moves]


def next_status(status: str, action: str) -> str:
    """Where `action` takes an application in `status`; refuses a forbidden transition with a clear error."""
    moves = REVIEW_TRANSITIONS.get(action)
    if moves is None:
        raise TransitionNotAllowed(_("Unknown action “%(action)s”.") % {"action": action},
                                   details={"action": action, "allowed_actions": allowed_actions(status)})
    if status not in moves:
        raise TransitionNotAllowed(
            _("An application in state “%(status)s” cannot be given the action “%(action)s”; allowed: %(allowed)s.")
            % {"status": status, "action": action, "allowed": ", ".join(allowed_actions(status)) or "—"},
            details={"from": status, "action": action, "allowed_actions": allowed_actions(status)},
        )
    return moves[status]


def sources_of(action: str, to: str) -> list[str]:
    """The states from which `action` leads to `to` (for the transition's allowed_from)."""
    return sorted(s for s, t in REVIEW_TRANSITIONS[action].items() if t == to)


def notice_over(*, notice_end: dt.date | None, today: dt.date) -> bool:
    return notice_end is not None and today > notice_end


def notice_window(*, start: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """A notice of `days` days starting on `start`, inclusive."""
    return start, start + dt.timedelta(days=max(1, days) - 1)


def days_waiting(since: dt.date, today: dt.date) -> int:
    return max(0, (today - since).days)


# -- the product lifecycle -------------------------------------------------------------------------------------------
PRODUCT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "certify": (frozenset({PS.REGISTERED}), PS.CERTIFIED),
    "renew": (frozenset({PS.CERTIFIED, PS.EXPIRED}), PS.CERTIFIED),
    "suspend": (frozenset({PS.CERTIFIED}), PS.SUSPENDED),
    "reinstate": (frozenset({PS.SUSPENDED}), PS.CERTIFIED),
    "revoke": (frozenset({PS.CERTIFIED, PS.SUSPENDED}), PS.REVOKED),
    "expire": (frozenset({PS.CERTIFIED, PS.SUSPENDED}), PS.EXPIRED),
}


def product_move(status: str, action: str) -> tuple[list[str], str]:
    """(allowed sources, target) of a product transition; refuses a forbidden one with a clear error."""
    sources, to = PRODUCT_TRANSITIONS[action]
    if status not in sources:
        raise TransitionNotAllowed(
            _("A product in state “%(status)s” cannot be given the action “%(action)s”.")
            % {"status": status, "action": action},
            details={"from": status, "action": action, "allowed_from": sorted(sources)},
        )
    return sorted(sources), to


# Scope levels that decide a product action (None: any level whose scope covers the product).
PRODUCT_ACTION_LEVELS: dict[str, tuple[str, ...] | None] = {
    "suspend": None, "reinstate": None, "revoke": (L.PROVINCE, L.NATION),
}


def historical_moves(status: str, *, certified_until: dt.date | None, valid_to: dt.date,
                     today: dt.date) -> tuple[str, ...] | None:
    """The product transitions a certificate from before go-live brings (historical catalogue import), or None when
    it cannot be loaded for a product in this state. Certificates are replayed in time: a registered product is
    certified, an expired one renewed by a certificate that ends later than its last, a certified one renewed by one
    that runs longer — and each expires again at once when the certificate has already ended. A suspended or revoked
    product takes only certificates that ended already (one still running would certify it again past the
    decision); otherwise a certificate only adds its certified period."""
    running = valid_to >= today
    later = certified_until is None or valid_to > certified_until
    if status == PS.REGISTERED:
        return ("certify",) if running else ("certify", "expire")
    if status in (PS.SUSPENDED, PS.REVOKED):
        return None if running else ()
    if status == PS.EXPIRED and later:
        return ("renew",) if running else ("renew", "expire")
    if status == PS.CERTIFIED and running and later:
        return ("renew",)
    return ()


def blacklist_end(start: dt.date, days: int | None) -> dt.date | None:
    return None if days is None else start + dt.timedelta(days=days - 1)


# -- certificates ----------------------------------------------------------------------------------------------------
CODE_PREFIX = "FPC1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def certificate_payload(*, number: str, product_code: str, product_name: str, supplier_code: str,
                        valid_from: dt.date, valid_to: dt.date, batch: str, key_id: str) -> bytes:
    """The canonical bytes that are signed: compact JSON with sorted keys (k names the signing key)."""
    body = {"n": number, "p": product_code, "name": product_name, "s": supplier_code, "from": valid_from.isoformat(),
            "to": valid_to.isoformat(), "b": batch, "k": key_id}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def encode_code(payload: bytes, signature: bytes) -> str:
    return f"{CODE_PREFIX}.{_b64(payload)}.{_b64(signature)}"


def decode_code(code: str) -> tuple[bytes, bytes, dict[str, Any]] | None:
    """(payload, signature, fields) of a well-formed code, or None if it is malformed."""
    parts = code.strip().split(".")
    if len(parts) != 3 or parts[0] != CODE_PREFIX:
        return None
    try:
        payload, signature = _unb64(parts[1]), _unb64(parts[2])
        fields = json.loads(payload.decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(fields, dict) or not {"n", "p", "s", "from", "to", "b"} <= set(fields):
        return None
    return payload, signature, fields


# -- supervision: risk weights and the reproducible draw -----------------------------------------------------------
@dataclass(frozen=True)
class RiskFacts:
    product_id: int
    category: str
    complaints: int = 0
    failed_checks: int = 0
    days_certified: int = 0
    licence_days_left: int | None = None
    price_deviation_pct: float = 0.0


def risk_weight(f: RiskFacts) -> float:
    """Higher for food, complaints, earlier failures, licences about to expire, prices far from the reference and
    newly certified products. Always ≥ 1, so every certified product can be drawn."""
    w = 1.0
    if f.category in FOOD_CATEGORIES:
        w += 1.0
    w += 2.0 * f.complaints + 3.0 * f.failed_checks
    if f.licence_days_left is not None and f.licence_days_left < 90:
        w += 1.0
    if abs(f.price_deviation_pct) > 15:
        w += 1.0
    if f.days_certified < 180:
        w += 0.5
    return w


SAMPLING_METHOD = ("Efraimidis–Spirakis weighted sampling without replacement: population ordered by product id, "
                   "key = u^(1/w) with u from Python random.Random(seed), the k largest keys drawn")


def sample_size(population: int, *, share_pct: float, minimum: int) -> int:
    return min(population, max(minimum, math.ceil(population * share_pct / 100.0)))


def weighted_sample(weights: Mapping[int, float], k: int, *, seed: int) -> list[int]:
    """The reproducible draw: the same weights, k and seed always give the same ordered sample."""
    rng = random.Random(seed)  # noqa: S311 - a draw anyone can repeat needs a seeded PRNG, not crypto
    keyed = []
    for pk in sorted(weights):
        u = rng.random()
        keyed.append((u ** (1.0 / weights[pk]) if weights[pk] > 0 else 0.0, pk))
    keyed.sort(key=lambda t: (-t[0], t[1]))
    return [pk for _key, pk in keyed[:k]]
