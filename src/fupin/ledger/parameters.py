"""The ledger's dated policy parameters (DESIGN rule 7): the counting rule set, seeded by migration 0002.

One key, `ledger.counting_rules`, holds the whole rule set in force for an origin region on a date, so that the
id of one parameter row is the rule version an entry records. Administrators add versions in the admin.

Value:
- `counted_statuses`: entry statuses that count (`completed`);
- `bases`: the bases that may make an entry count, in priority order;
- `household_statuses`: household statuses that make a household seller a registered poor household;
- `region_set`: which dated region sets (registry.RegionSetMembership) count on the purchase date:
  `county_sets` for the poverty-county basis (default `poverty_county`, `lifted_county`), `village_sets` for the
  poor-village basis (default `poor_village`, `lifted_village`), plus `include_prefixes`, minus `exclude_prefixes`
  (region code prefixes).

The consumption-assistance versions of 2021 end with the five-year transition period (2021–2025); the versions
from 2026 continue them (the 832 counties lifted out, and the key counties) until an administrator adds the
successor that the policy of the time sets. Entries keep the version they were counted with.

The buyer-evaluation requirement is not part of the counting rules (issue #10 §4): `ledger.evaluation_requirement`
is keyed by the **buyer's** region and names the channels it applies to (Guangxi's buyers on the 832 platform from
2021). Counting-rule versions stored before it may still carry a `require_evaluation` flag: it is not read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.core.params import ParamDefault

COUNTING_RULES = "ledger.counting_rules"

# `poverty_reduction_effect` (issue #10 §2): the seller's decision for the purchase year qualifies (linkage); the plain
# `poverty_county` basis stays in the seeded versions: a version without it stops counting it from its start date
ALL_BASES = ["certified_product", "poor_household", "poor_village", "poverty_reduction_effect", "poverty_county"]

_REGION_SET_1: dict[str, Any] = {"poverty_counties": True, "include_prefixes": [], "exclude_prefixes": []}
_ERA_1: dict[str, Any] = {
    "counted_statuses": ["completed"],
    "bases": ALL_BASES,
    "household_statuses": ["registered_poor", "lifted_out"],
    "region_set": _REGION_SET_1,
}
_ERA_2 = {**_ERA_1, "household_statuses": ["registered_poor", "lifted_out", "monitored"]}
_ERA_3 = {**_ERA_2, "region_set": {**_REGION_SET_1,
                                   "county_sets": ["poverty_county", "lifted_county", "key_county",
                                                   "provincial_key_county"]}}
TRANSITION_END = dt.date(2025, 12, 31)

DEFAULTS = [
    ParamDefault(COUNTING_RULES, _ERA_1, dt.date(2013, 1, 1), dt.date(2020, 12, 31),
                 source="国办发〔2018〕129号; 国开办发〔2020〕4号",
                 note="Consumption poverty alleviation: completed purchases of certified products, of registered poor "
                      "households, of poor villages, or of sellers in the 832 national poverty counties."),
    ParamDefault(COUNTING_RULES, _ERA_2, dt.date(2021, 1, 1), TRANSITION_END,
                 source="发改振兴〔2021〕640号",
                 note="Consumption assistance: the same bases for the counties lifted out of poverty during the "
                      "transition period; monitored households count as registered households."),
    ParamDefault(COUNTING_RULES, _ERA_3, dt.date(2026, 1, 1),
                 source="Fupin: continuation after the 2021–2025 transition period (provisional)",
                 note="After the transition period: the same bases for counties lifted out of poverty and the key "
                      "counties for rural revitalisation, until an administrator adds the successor version."),
]

# The cross-source match (one order counted once): when a row names neither an order nor an invoice number, an
# entry of another source with the same buyer and seller matches when its date lies within `days` of the row's and
# its amount within `amount_fen` of the row's. Dated and regional like every policy number.
DUPLICATE_MATCH = "ledger.duplicate_match"
MATCH_DEFAULTS = [
    ParamDefault(DUPLICATE_MATCH, {"days": 0, "amount_fen": 0}, dt.date(2013, 1, 1),
                 source="国办发〔2018〕129号 三(3): the account is an important basis for policy support and evaluation, so "
                        "each order counts once; the tolerance is set by Fupin (exact)",
                 note="Without an order or invoice number, the same buyer, seller, date and amount reported by "
                      "two sources is one order."),
]

# Attribution (issue #10 §4): which relation kinds credit which scheme, and which buyers are credited through
# relations between regions (east–west cooperation and counterpart support are agreed between provinces and cities:
# they credit the helping side's own organisations, not central units — nor their budget units — that merely sit in
# the helping province; those are credited to designated assistance through their own relations). Dated by the
# purchase year (the version in force on 1 January of the year).
ATTRIBUTION = "ledger.attribution"
ATTRIBUTION_DEFAULTS = [
    ParamDefault(ATTRIBUTION, {
        "relation_schemes": {"designated_assistance": "designated_assistance", "east_west": "east_west",
                             "counterpart_support": "counterpart_support"},
        "region_helpers_exclude_kinds": ["central_unit"],
    }, dt.date(2013, 1, 1),
        source="国办发〔2018〕129号 (定点扶贫、东西部扶贫协作、对口支援); 国发〔2016〕64号 (东西部扶贫协作的主体是东部省市)",
        note="Designated assistance, east–west cooperation and counterpart support credit the relation a purchase "
             "belongs to; local pairings and 万企帮万村 do not attribute. Relations between regions credit the "
             "helping region's own organisations, not central units (or units under them) sitting there."),
]

# Plausibility limits of a purchase row (issue #10 §4): the earliest purchase date the account takes (it starts in
# 2013, with the first designated-assistance purchases counted) and the largest amount of one row. National and
# dated: the version in force on the day of the import applies.
PLAUSIBILITY = "ledger.plausibility"
PLAUSIBILITY_DEFAULTS = [
    ParamDefault(PLAUSIBILITY, {"earliest_date": "2013-01-01", "max_amount_fen": 10_000_000_000}, dt.date(2013, 1, 1),
                 source="国办发〔2018〕129号 (the account); Fupin: one row of at most 100,000,000.00 yuan",
                 note="A purchase dated before the account starts, or a single row above the maximum amount, is "
                      "refused as implausible (date_too_early, amount_too_large)."),
]

# The buyer-evaluation requirement (issue #10 §4): a province may count an order of its own buyers on the channels it
# names only once the buyer evaluated it (accepted, paid and rated the order on the platform). Keyed by the buyer's
# region, dated; the national version names no channel.
EVALUATION_REQUIREMENT = "ledger.evaluation_requirement"
EVALUATION_DEFAULTS = [
    ParamDefault(EVALUATION_REQUIREMENT, {"channels": []}, dt.date(2013, 1, 1),
                 source="国办发〔2018〕129号 (no national evaluation requirement)",
                 note="No channel requires the buyer's evaluation unless the buyer's province says so."),
    ParamDefault(EVALUATION_REQUIREMENT, {"channels": ["platform_832"]}, dt.date(2021, 1, 1), region_prefix="45",
                 source="广西壮族自治区 2021 (832 platform counting rule)",
                 note="Guangxi's buyers: an order on the 832 platform counts once accepted, paid and evaluated by the "
                      "buyer."),
]

