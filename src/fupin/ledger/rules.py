"""Pure rules of the ledger (no ORM, no I/O): parsing and validating purchase cells, counting an entry toward
the account, attributing it to assessment schemes, period locks and code-prefix ranges.

Everything here takes plain values and returns plain values, so the import pipeline can call it per row at
full speed and the tests can call it directly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from fupin.core.money import fen_parser

from .enums import Basis, Channel, EntryStatus, Kind, NotCounted, Scheme

# The plausibility limits when no `ledger.plausibility` version is in force (parameters.PLAUSIBILITY_DEFAULTS holds
# the same): the account starts with targeted poverty alleviation (2013), so earlier dates are typing errors, not
# history; a single purchase above 100 million yuan is a unit error (fen typed as yuan, or a duplicated digit).
EARLIEST_DATE = dt.date(2013, 1, 1)
MAX_AMOUNT_FEN = 10_000_000_000
MAX_QUANTITY_MILLI = 10**15


class CellError(ValueError):
    """A cell that cannot be accepted: a stable code and a human message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# -- choices: the value, its English label, or its Chinese names -------------------------------------------------
def _aliases(choices: Any, extra: Mapping[str, str]) -> dict[str, str]:
    out = {c.value: c.value for c in choices}
    out.update({str(c.label).lower(): c.value for c in choices})
    out.update({k.lower(): v for k, v in extra.items()})
    return out


KIND_ALIASES = _aliases(Kind, {"直接采购": "direct_purchase", "直接购买": "direct_purchase", "采购": "direct_purchase",
                               "帮助销售": "helped_sale", "帮销": "helped_sale", "帮助销售额": "helped_sale"})
CHANNEL_ALIASES = _aliases(Channel, {
    # the names of the time and of today (issue #10 §4): 消费扶贫 until 2020, 消费帮扶 and 脱贫地区 from 2021
    "832": "platform_832", "832平台": "platform_832", "贫困地区农副产品网络销售平台": "platform_832",
    "脱贫地区农副产品网络销售平台": "platform_832", "832 platform": "platform_832",
    "消费帮扶专馆": "special_shop", "消费帮扶专区": "special_zone", "消费帮扶馆": "special_shop",
    "consumption assistance counter": "special_counter", "consumption assistance shop": "special_shop",
    "consumption assistance zone": "special_zone",
    "专柜": "special_counter", "消费扶贫专柜": "special_counter", "消费帮扶专柜": "special_counter",
    "专馆": "special_shop", "消费扶贫专馆": "special_shop", "专区": "special_zone", "消费扶贫专区": "special_zone",
    "电商": "ecommerce", "电子商务": "ecommerce", "食堂直供": "canteen_direct", "食堂": "canteen_direct",
    "工会采购": "union_purchase", "工会": "union_purchase", "展销会": "trade_fair", "展会": "trade_fair",
    "乡村旅游": "tourism", "旅游": "tourism", "乡村旅游消费": "tourism", "其他": "other",
})
STATUS_ALIASES = _aliases(EntryStatus, {"已完成": "completed", "完成": "completed", "待处理": "pending",
                                        "待完成": "pending", "处理中": "pending", "已取消": "cancelled",
                                        "取消": "cancelled", "canceled": "cancelled"})
_TRUE = {"1", "true", "yes", "y", "t", "是", "已评价", "x", "✓"}
_FALSE = {"", "0", "false", "no", "n", "f", "否", "未评价"}


def parse_choice(text: str, aliases: Mapping[str, str], *, code: str, what: str) -> str:
    value = aliases.get(text.strip().lower())
    if value is None:
        allowed = ", ".join(sorted({v for v in aliases.values()}))
        raise CellError(code, _("unknown %(what)s “%(value)s” (use one of: %(allowed)s)")
                        % {"what": what, "value": text[:40], "allowed": allowed})
    return value


def parse_bool(text: str) -> bool:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise CellError("invalid_boolean", _("“%(value)s” is not yes/no") % {"value": text[:40]})


# -- amounts, quantities, dates -----------------------------------------------------------------------------------
# Yuan with at most two decimals, > 0 and at most MAX_AMOUNT_FEN, into integer fen: core's one money parser with
# the per-purchase bound (plain numbers read inline, without a Decimal), its refusal a CellError with the same code.
parse_amount_fen: Callable[[str], int] = fen_parser(max_fen=MAX_AMOUNT_FEN, error=CellError)


@dataclass(frozen=True)
class Plausibility:
    """The plausibility limits of a purchase row in force (one `ledger.plausibility` version): the earliest
    purchase date and the largest amount, with the amount parser bound to that maximum."""

    earliest_date: dt.date
    max_amount_fen: int
    version_id: int | None = None
    parse_amount_fen: Callable[[str], int] = field(default=parse_amount_fen, compare=False, repr=False)

    @classmethod
    def from_value(cls, value: Mapping[str, Any] | None, version_id: int | None = None) -> Plausibility:
        if not value:
            return DEFAULT_PLAUSIBILITY
        earliest = dt.date.fromisoformat(str(value.get("earliest_date") or EARLIEST_DATE.isoformat()))
        max_fen = int(value.get("max_amount_fen") or MAX_AMOUNT_FEN)
        return cls(earliest_date=earliest, max_amount_fen=max_fen, version_id=version_id,
                   parse_amount_fen=parse_amount_fen if max_fen == MAX_AMOUNT_FEN else
                   fen_parser(max_fen=max_fen, error=CellError))


DEFAULT_PLAUSIBILITY = Plausibility(EARLIEST_DATE, MAX_AMOUNT_FEN)


def plausibility_errors(value: Any) -> list[str]:
    """Why a `ledger.plausibility` value cannot be used (empty when it can): the earliest date an ISO date from
    2000 on, the maximum a whole number of fen above zero."""
    if not isinstance(value, Mapping):
        return [_("the value must be an object with earliest_date and max_amount_fen")]
    errors = []
    try:
        earliest = dt.date.fromisoformat(str(value.get("earliest_date")))
        if earliest.year < 2000:
            errors.append(_("earliest_date must be in 2000 or later"))
    except ValueError:
        errors.append(_("earliest_date must be a date (YYYY-MM-DD)"))
    amount = value.get("max_amount_fen")
    if type(amount) is not int or amount <= 0:
        errors.append(_("max_amount_fen must be a whole number of fen above zero"))
    return errors


def parse_quantity_milli(text: str) -> int | None:
    """An optional quantity ≥ 0 with at most three decimals, into thousandths."""
    m = _QTY_RE.fullmatch(text)
    if m is not None:
        whole, dec = m.groups()
        return int(whole) * 1000 + (int(dec.ljust(3, "0")) if dec else 0)
    clean = text.strip().replace(",", "")
    if not clean:
        return None
    try:
        q = Decimal(clean)
    except InvalidOperation:
        raise CellError("invalid_quantity", _("“%(value)s” is not a number") % {"value": text[:40]}) from None
    if not q.is_finite() or q < 0:
        raise CellError("invalid_quantity", _("the quantity must be a number not below zero"))
    milli = q * 1000
    if milli != milli.to_integral_value():
        raise CellError("invalid_quantity", _("the quantity has more than three decimals"))
    if milli > MAX_QUANTITY_MILLI:
        raise CellError("invalid_quantity", _("the quantity is too large"))
    return int(milli)


def quantity_text(milli: int | None) -> str:
    """12500 -> '12.5'; None -> ''."""
    if milli is None:
        return ""
    return format((Decimal(milli) / 1000).normalize(), "f")


_DATE_SEP_RE = re.compile(r"[/.年月]")


def parse_date(text: str, *, today: dt.date, earliest: dt.date = EARLIEST_DATE) -> dt.date:
    """ISO dates (2024-03-05, 20240305), 2024/3/5, 2024年3月5日, or a spreadsheet date-time (the date part)."""
    t = text.strip()
    if not t:
        raise CellError("required", _("the purchase date is empty"))
    day: dt.date | None
    try:
        day = dt.date.fromisoformat(t[:10] if len(t) > 10 and t[10] in " T" else t)
    except ValueError:
        parts = _DATE_SEP_RE.sub("-", t.rstrip("日")).split("-")
        try:
            day = dt.date(int(parts[0]), int(parts[1]), int(parts[2])) if len(parts) == 3 else None
        except ValueError:
            day = None
        if day is None:
            raise CellError("invalid_date", _("“%(value)s” is not a date (use YYYY-MM-DD)") % {"value": t[:40]}) from None
    if day < earliest:
        raise CellError("date_too_early", _("the date is before %(date)s, the earliest date the account takes")
                        % {"date": earliest.isoformat()})
    if day > today:
        raise CellError("future_date", _("the date is in the future"))
    return day


# -- names by period -------------------------------------------------------------------------------------------------
# From 2021 the policy speaks of consumption assistance (消费帮扶) in areas lifted out of poverty (脱贫地区); until 2020
# of consumption poverty alleviation (消费扶贫) in poor areas (贫困地区). A page about one year uses the name of its time.
ASSISTANCE_FROM_YEAR = 2021


def named_as_poverty_alleviation(year: int | None) -> bool:
    """Whether figures of `year` go by the name of their time, consumption poverty alleviation (None: today's)."""
    return year is not None and year < ASSISTANCE_FROM_YEAR


# -- counting -------------------------------------------------------------------------------------------------------
BASIS_ORDER = [Basis.CERTIFIED_PRODUCT, Basis.POOR_HOUSEHOLD, Basis.POOR_VILLAGE, Basis.POVERTY_REDUCTION_EFFECT,
               Basis.POVERTY_COUNTY]
# the bits are stored in the entries (`bases`): fixed per basis, whatever its place in the priority
BASIS_BIT = {Basis.CERTIFIED_PRODUCT.value: 1, Basis.POOR_HOUSEHOLD.value: 2, Basis.POOR_VILLAGE.value: 4,
             Basis.POVERTY_COUNTY.value: 8, Basis.POVERTY_REDUCTION_EFFECT.value: 16}


# "monitored" in a rule names every monitored household (防止返贫监测对象), whichever of the three kinds it is in
# (registry.enums.HouseholdStatus); "risk_eliminated" is not monitored any more and counts only when named.
MONITORED_KINDS = ("monitored_unstable", "monitored_marginal", "monitored_sudden")


def _with_monitored_kinds(statuses: Iterable[str]) -> frozenset[str]:
    found = set(statuses)
    return frozenset(found | set(MONITORED_KINDS)) if "monitored" in found else frozenset(found)


DEFAULT_COUNTY_SETS = ("poverty_county", "lifted_county")
DEFAULT_VILLAGE_SETS = ("poor_village", "lifted_village")


NO_SETS: frozenset[str] = frozenset()


def sets_on(memberships: Mapping[str, Sequence[tuple[dt.date, dt.date | None]]], day: dt.date) -> frozenset[str]:
    """The sets whose (from, to) periods cover `day`. Plain loops: the ledger calls this twice per imported row, and
    most places belong to no set."""
    if not memberships:
        return NO_SETS
    found: list[str] = []
    for kind, periods in memberships.items():
        for start, end in periods:
            if start <= day and (end is None or day <= end):
                found.append(kind)
                break
    return frozenset(found) if found else NO_SETS


@dataclass(frozen=True)
class CountingRules:
    """The rule set in force (one `ledger.counting_rules` parameter version)."""

    version_id: int | None
    counted_statuses: frozenset[str]
    bases: tuple[str, ...]
    household_statuses: frozenset[str]
    poverty_counties: bool
    include_prefixes: tuple[str, ...] = ()
    exclude_prefixes: tuple[str, ...] = ()
    # The dated region sets (registry.enums.RegionSet) that make a county a "poverty county" and a village a "poor
    # village" on the purchase date; by default the 832 counties before and after their exit, poor and lifted villages.
    county_sets: frozenset[str] = frozenset()
    village_sets: frozenset[str] = frozenset()

    def county_counts_on(self, sets_on: frozenset[str]) -> bool:
        """Whether a county in these sets on the purchase date is in the rule's county set."""
        return bool(sets_on & self.county_sets)

    def village_counts_on(self, sets_on: frozenset[str]) -> bool:
        return bool(sets_on & self.village_sets)

    @classmethod
    def from_value(cls, value: Mapping[str, Any], version_id: int | None) -> CountingRules:
        region_set = value.get("region_set") or {}
        # the version's `bases` in the version's order: the priority is data (issue #10 §4); each basis once
        bases = list(dict.fromkeys(b for b in value.get("bases", []) if b in BASIS_BIT))
        return cls(
            version_id=version_id,
            counted_statuses=frozenset(value.get("counted_statuses", ["completed"])),
            bases=tuple(bases),
            household_statuses=_with_monitored_kinds(value.get("household_statuses", [])),
            poverty_counties=bool(region_set.get("poverty_counties", True)),
            include_prefixes=tuple(region_set.get("include_prefixes", [])),
            exclude_prefixes=tuple(region_set.get("exclude_prefixes", [])),
            county_sets=frozenset(region_set.get("county_sets", DEFAULT_COUNTY_SETS)),
            village_sets=frozenset(region_set.get("village_sets", DEFAULT_VILLAGE_SETS)),
        )

    def county_in_set(self, county_code: str, is_poverty_county: bool) -> bool:
        """Whether a county belongs to the region set in force (the national list, plus or minus prefixes)."""
        if self.exclude_prefixes and county_code.startswith(self.exclude_prefixes):
            return False
        return (self.poverty_counties and is_poverty_county) or (
            bool(self.include_prefixes) and county_code.startswith(self.include_prefixes))


@dataclass(frozen=True)
class BasisFacts:
    """What was true on the purchase date."""

    certified_product: bool = False
    household_status: str = ""       # the seller household's status ("" when the seller is not a household)
    poor_village: bool = False
    seller_county: str = ""
    seller_county_is_poverty_county: bool = False
    poverty_reduction_effect: bool = False   # the seller's decision for the purchase year qualifies (linkage)


@dataclass(frozen=True)
class Verdict:
    counted: bool
    basis: str          # the first basis that holds, in the rule version's priority order ("" if none)
    bases: int          # bit mask of every basis that holds (BASIS_BIT)
    reason: str         # NotCounted value when it does not count, else ""
    version_id: int | None


def holding_bases(rules: CountingRules, facts: BasisFacts) -> int:
    mask = 0
    if facts.certified_product:
        mask |= 1
    if facts.household_status and facts.household_status in rules.household_statuses:
        mask |= 2
    if facts.poor_village:
        mask |= 4
    if facts.seller_county and rules.county_in_set(facts.seller_county, facts.seller_county_is_poverty_county):
        mask |= 8
    if facts.poverty_reduction_effect:
        mask |= 16
    allowed = 0
    for b in rules.bases:
        allowed |= BASIS_BIT[b]
    return mask & allowed


def evaluation_channels(value: Mapping[str, Any] | None) -> frozenset[str]:
    """The channels of a `ledger.evaluation_requirement` version (none in force: none)."""
    return frozenset(str(c) for c in (value or {}).get("channels") or ())


def count_entry(rules: CountingRules | None, *, status: str, evaluated: bool, facts: BasisFacts,
                evaluation_required: bool = False) -> Verdict:
    """An entry counts if its status counts (and, where the buyer's province requires it on the entry's channel,
    the buyer evaluated it) and at least one basis held on its purchase date. The verdict names the first basis
    (the rule version's priority order) and all that held."""
    if rules is None:
        return Verdict(False, "", 0, NotCounted.NO_RULES, None)
    mask = holding_bases(rules, facts)
    basis = next((b for b in rules.bases if mask & BASIS_BIT[b]), "")
    if status not in rules.counted_statuses:
        return Verdict(False, basis, mask, NotCounted.STATUS, rules.version_id)
    if evaluation_required and not evaluated:
        return Verdict(False, basis, mask, NotCounted.NOT_EVALUATED, rules.version_id)
    if not mask:
        return Verdict(False, "", 0, NotCounted.NO_BASIS, rules.version_id)
    return Verdict(True, basis, mask, "", rules.version_id)


def bases_of(mask: int) -> list[str]:
    return [b.value for b in BASIS_ORDER if mask & BASIS_BIT[b]]


# -- attribution to assessment schemes -------------------------------------------------------------------------------
RELATION_SCHEME = {
    "designated_assistance": Scheme.DESIGNATED_ASSISTANCE.value,
    "east_west": Scheme.EAST_WEST.value,
    "counterpart_support": Scheme.COUNTERPART_SUPPORT.value,
}
SCHEME_COLUMN = {
    Scheme.DESIGNATED_ASSISTANCE.value: "rel_designated_id",
    Scheme.EAST_WEST.value: "rel_east_west_id",
    Scheme.COUNTERPART_SUPPORT.value: "rel_counterpart_id",
}


@dataclass(frozen=True)
class RelationFacts:
    id: int
    kind: str
    helper_org_id: int | None
    helper_region_code: str | None
    helped_code: str
    year_from: int
    year_to: int | None

    def in_force(self, year: int) -> bool:
        return self.year_from <= year and (self.year_to is None or year <= self.year_to)


@dataclass(frozen=True)
class AttributionRules:
    """The dated attribution rule (`ledger.attribution`): relation kind → the scheme it credits, and the buyer
    kinds that relations between regions never credit (nor units below them)."""

    schemes: Mapping[str, str]
    region_helpers_exclude_kinds: frozenset[str]

    @classmethod
    def from_value(cls, value: Mapping[str, Any] | None) -> AttributionRules:
        if not value:
            return DEFAULT_ATTRIBUTION
        schemes = {str(k): str(v) for k, v in dict(value.get("relation_schemes") or {}).items()
                   if str(v) in SCHEME_COLUMN}
        return cls(schemes=schemes, region_helpers_exclude_kinds=frozenset(
            str(k) for k in value.get("region_helpers_exclude_kinds") or ()))


DEFAULT_ATTRIBUTION = AttributionRules(schemes=RELATION_SCHEME, region_helpers_exclude_kinds=frozenset())


@dataclass
class RelationIndex:
    """Relations that may attribute (every kind; the dated rule says which credit a scheme), indexed by helped
    region code (built once per import)."""

    by_helped: dict[str, list[RelationFacts]] = field(default_factory=dict)

    @classmethod
    def build(cls, relations: Iterable[RelationFacts]) -> RelationIndex:
        idx = cls()
        for r in relations:
            idx.by_helped.setdefault(r.helped_code, []).append(r)
        return idx


def candidates(index: RelationIndex, *, origin_chain: Sequence[str], year: int) -> tuple[tuple[int, RelationFacts], ...]:
    """The relations in force in `year` whose helped region is the origin or above it, with the helped region's
    rank (0 = the origin itself)."""
    return tuple((rank, rel) for rank, code in enumerate(origin_chain) for rel in index.by_helped.get(code, ())
                 if rel.in_force(year))


def choose(cands: Sequence[tuple[int, RelationFacts]], *, buyer_chain: Sequence[int],
           buyer_region_chain: Sequence[str], rule: AttributionRules = DEFAULT_ATTRIBUTION,
           buyer_chain_kinds: Iterable[str] = ()) -> dict[str, int]:
    """Scheme → relation id among the candidates whose helper is the buyer's (see `attribute` for the priority).
    `rule` says which relation kinds credit which scheme; a buyer with a kind of `rule.region_helpers_exclude_kinds`
    in its chain (`buyer_chain_kinds`) is credited by relations with an organisation only, never with a region."""
    if not cands:
        return {}
    if rule.region_helpers_exclude_kinds and rule.region_helpers_exclude_kinds.intersection(buyer_chain_kinds):
        buyer_region_chain = ()
    # The chains are short (a buyer, its few supervising units; county, city, province): a membership test on the
    # sequence itself is cheaper than building rank dictionaries, and most candidates match no helper of the buyer.
    # A chain has no repeated member (the organisation tree has no cycle), so `index` is the rank.
    n_orgs = len(buyer_chain)
    best: dict[str, tuple[tuple[int, int, int], int]] = {}
    for helped_rank, rel in cands:
        org, region = rel.helper_org_id, rel.helper_region_code
        if org is not None and org in buyer_chain:
            helper_rank = buyer_chain.index(org)
        elif region is not None and region in buyer_region_chain:
            helper_rank = n_orgs + buyer_region_chain.index(region)
        else:
            continue
        scheme = rule.schemes.get(rel.kind)
        if scheme is None:
            continue
        key = (helper_rank, helped_rank, rel.id)
        if scheme not in best or key < best[scheme][0]:
            best[scheme] = (key, rel.id)
    return {scheme: rel_id for scheme, (_key, rel_id) in best.items()}


def attribute(index: RelationIndex, *, buyer_chain: Sequence[int], buyer_region_chain: Sequence[str],
              origin_chain: Sequence[str], year: int, rule: AttributionRules = DEFAULT_ATTRIBUTION,
              buyer_chain_kinds: Iterable[str] = ()) -> dict[str, int]:
    """Scheme → the one relation an entry is attributed to.

    A relation matches when it is in force in the year, its helped region is the origin or a region above it,
    and its helper is the buyer, one of its supervising units, or a region the buyer is registered in (the home
    province or city: east–west cooperation and counterpart support are agreed between regions) — a region
    credits only the buyers without a kind of `rule.region_helpers_exclude_kinds` (central units) in their chain.
    Which relation kinds credit which scheme is the dated `rule` (`ledger.attribution`)
    When several match within a scheme, the priority is:
      1. the nearest helper: the buyer itself, then its parent, grandparent…; organisations before regions,
         and among regions the nearest (county, then city, then province);
      2. the most specific helped region: village, township, county, prefecture, then province;
      3. the oldest relation (lowest id), so a later duplicate never steals an entry.
    `buyer_chain` is the buyer's organisation ids nearest first; `buyer_region_chain` the buyer's home region
    codes nearest first; `origin_chain` the origin region codes nearest first.
    """
    return choose(candidates(index, origin_chain=origin_chain, year=year), buyer_chain=buyer_chain,
                  buyer_region_chain=buyer_region_chain, rule=rule, buyer_chain_kinds=buyer_chain_kinds)


_QTY_RE = re.compile(r"(\d{1,12})(?:\.(\d{1,3}))?")


# -- period locks ---------------------------------------------------------------------------------------------------
def locked_prefix(locks: Mapping[tuple[int, int], Sequence[str]], *, year: int, month: int,
                  county_code: str) -> str | None:
    """The region prefix of a lock covering (year, month) and the county, or None. `locks` maps (year, month) to
    the region prefixes locked ('' for the nation)."""
    for prefix in locks.get((year, month), ()):
        if county_code.startswith(prefix):
            return prefix
    return None


# -- region code prefixes as index-friendly ranges -------------------------------------------------------------------
def prefix_range(prefix: str) -> tuple[str, str]:
    """[low, high) of the codes starting with `prefix` (digits: '52' -> ('52', '53'), '59' -> ('59', '5:'))."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def quarter_key(year: int, month: int) -> str:
    return f"{year:04d}-Q{(month - 1) // 3 + 1}"


# -- for whom an actor may book (issue #16) ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RightFacts:
    """One reporting right in force, as plain values (`models.ReportingRight`)."""

    id: int
    source: str
    organisations: bool              # purchases of registered organisations …
    region_prefix: str               # … whose home region starts with this ('' = every region)
    kinds: frozenset[str]            # … of these organisation kinds (empty = every kind)
    public_sales: bool               # sales to members of the public (no buyer code)
    valid_from: dt.date              # purchase dates covered
    valid_to: dt.date | None

    def covers(self, *, day: dt.date, buyer_kind: str | None, buyer_region: str) -> bool:
        """Whether the right covers a purchase dated `day` by a buyer of `buyer_kind` registered in
        `buyer_region` (`buyer_kind` None: members of the public). Region and kinds both hold when both are set."""
        if day < self.valid_from or (self.valid_to is not None and day > self.valid_to):
            return False
        if buyer_kind is None:
            return self.public_sales
        return (self.organisations and buyer_region.startswith(self.region_prefix)
                and (not self.kinds or buyer_kind in self.kinds))


@dataclass(frozen=True, slots=True)
class Mandate:
    """For whom an actor may book purchases, computed once per import or batch (`selectors.booking_mandate`).

    - `unrestricted`: administrators and system actors book for any buyer (the region scope still applies);
    - `own`: the ids of the actor's organisation and of every unit below it;
    - `rights`: the actor's organisation's reporting rights in force, by source;
    - `organisation`: its name, for the messages (empty: the account acts for no organisation);
    - `public`: sales to the public allowed without a right (only to amend an entry that already was one)."""

    unrestricted: bool = False
    own: frozenset[int] = frozenset()
    rights: Mapping[str, tuple[RightFacts, ...]] = field(default_factory=dict)
    organisation: str = ""
    public: bool = False

    def allows(self, *, source: str, day: dt.date, buyer_id: int | None, buyer_kind: str,
               buyer_region: str) -> bool:
        """Whether the actor may book a purchase of `source` dated `day` for the buyer (`buyer_id` None: members of
        the public): always when unrestricted; for its own organisation and the units below it; otherwise only
        under a reporting right of that source that covers the buyer (or public sales) on that date."""
        if self.unrestricted or (buyer_id in self.own if buyer_id is not None else self.public):
            return True
        kind = None if buyer_id is None else buyer_kind
        return any(r.covers(day=day, buyer_kind=kind, buyer_region=buyer_region) for r in self.rights.get(source, ()))

    def refusal(self, *, buyer_code: str) -> str:
        """The message of a row this mandate refuses (translated; names the buyer code and the organisation)."""
        org = self.organisation
        if not buyer_code:
            if not org:
                return _("sales to members of the public (no buyer code) need a reporting right, and your account "
                         "acts for no organisation")
            return _("sales to members of the public (no buyer code) need a reporting right of %(org)s that allows "
                     "them for this source and date") % {"org": org}
        if not org:
            return _("you may not book purchases for “%(code)s”: your account acts for no organisation and holds no "
                     "reporting right") % {"code": buyer_code}
        return _("you may not book purchases for “%(code)s”: it is neither %(org)s nor a unit below it, and no "
                 "reporting right of %(org)s covers it for this source and date") % {"code": buyer_code, "org": org}


UNRESTRICTED = Mandate(unrestricted=True)


# -- origins that cannot be chosen (issue #10 §3) -----------------------------------------------------------------
ExceptionFacts = tuple[str, dt.date, dt.date | None, int]  # (origin region prefix, valid from, valid to, id)


def origin_allowed(*, origin_code: str, product_origin: str, seller_area: str) -> bool:
    """A row's origin is the product's registered origin, or a place inside the seller's registered county (the
    county itself, one of its townships or villages). `seller_area` is the code prefix of that county (of the
    seller's registered region for a seller registered above county level)."""
    return (bool(product_origin) and origin_code == product_origin) or (
        bool(seller_area) and origin_code.startswith(seller_area))


def origin_exception(exceptions: Sequence[ExceptionFacts], *, origin_code: str, day: dt.date) -> int | None:
    """The id of the seller's documented exception that covers `origin_code` on `day`, if one does."""
    for prefix, start, end, pk in exceptions:
        if origin_code.startswith(prefix) and start <= day and (end is None or day <= end):
            return pk
    return None


# -- one order counted once across sources (issue #10 §5) -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MatchTolerance:
    """How far the date (days) and the amount (fen) of two reports of one order without numbers may differ."""

    days: int = 0
    amount_fen: int = 0

    @classmethod
    def from_value(cls, value: Mapping[str, Any] | None) -> MatchTolerance:
        """The tolerance of a `ledger.duplicate_match` parameter value; a value that is not two whole numbers
        ≥ 0 is refused (ValueError naming the field) rather than read as some other tolerance."""
        value = value or {}
        out = {}
        for name in ("days", "amount_fen"):
            v = value.get(name, 0)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"ledger.duplicate_match: {name} must be a whole number >= 0, not {v!r}")
            out[name] = v
        return cls(**out)


@dataclass(frozen=True, slots=True)
class MatchFacts:
    """What the match compares of one entry (stored) or row (being booked)."""

    id: int | None
    source: str
    seller_id: int
    buyer_id: int | None
    day: dt.date
    amount_fen: int
    order_number: str
    invoice_number: str


def same_order(row: MatchFacts, other: MatchFacts, tolerance: MatchTolerance) -> bool:
    """Whether `other` (an entry of another source) reports the same order as `row`: the same seller and the same
    order or invoice number; or, when the two carry no number they can compare (neither gives both an order
    number nor both an invoice number), the same registered buyer, the same seller, and the date and amount within
    the tolerance. Two different numbers of the same kind are two orders, however alike the rest."""
    if other.source == row.source or other.seller_id != row.seller_id:
        return False
    comparable = False
    if row.order_number and other.order_number:
        if row.order_number == other.order_number:
            return True
        comparable = True
    if row.invoice_number and other.invoice_number:
        if row.invoice_number == other.invoice_number:
            return True
        comparable = True
    if comparable:
        return False
    return (row.buyer_id is not None and other.buyer_id == row.buyer_id
            and abs((other.day - row.day).days) <= tolerance.days
            and abs(other.amount_fen - row.amount_fen) <= tolerance.amount_fen)


def number_reused(row: MatchFacts, other: MatchFacts) -> bool:
    """Whether `other` (a live entry or an earlier row) shows the row's order number reused: the same source gave
    the same order number to a purchase of another seller (one source's order number names one order)."""
    return bool(row.order_number) and other.source == row.source and other.order_number == row.order_number \
        and other.seller_id != row.seller_id


def first_match(row: MatchFacts, others: Iterable[MatchFacts], tolerance: MatchTolerance) -> MatchFacts | None:
    """The earliest booked entry of another source that reports the same order (None: the row is a new order)."""
    best: MatchFacts | None = None
    for other in others:
        if same_order(row, other, tolerance) and (best is None or (other.id or 0) < (best.id or 0)):
            best = other
    return best
