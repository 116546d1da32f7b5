"""The ledger's dated policy parameters (DESIGN rule 7): the counting rule set, seeded by migration 0002.

One key, `ledger.counting_rules`, holds the whole rule set in force for an origin region on a date, so that the
id of one parameter row is the rule version an entry records. Administrators add versions in the admin.

Value:
- `counted_statuses`: entry statuses that count (`completed`);
- `require_evaluation`: the buyer must have evaluated the order (Guangxi from 2021);
- `bases`: the bases that may make an entry count, in priority order;
- `household_statuses`: household statuses that make a household seller a registered poor household;
- `region_set`: the counties in force as "poverty counties" for the year: `poverty_counties` (the national
  list, Region.is_poverty_county), plus `include_prefixes`, minus `exclude_prefixes` (region code prefixes).
"""

from __future__ import annotations

import datetime as dt

from fupin.core.params import ParamDefault

COUNTING_RULES = "ledger.counting_rules"

ALL_BASES = ["certified_product", "poor_household", "poor_village", "poverty_county"]

_ERA_1 = {
    "counted_statuses": ["completed"],
    "require_evaluation": False,
    "bases": ALL_BASES,
    "household_statuses": ["registered_poor", "lifted_out"],
    "region_set": {"poverty_counties": True, "include_prefixes": [], "exclude_prefixes": []},
}
_ERA_2 = {**_ERA_1, "household_statuses": ["registered_poor", "lifted_out", "monitored"]}

DEFAULTS = [
    ParamDefault(COUNTING_RULES, _ERA_1, dt.date(2013, 1, 1), dt.date(2020, 12, 31),
                 source="国办发〔2018〕129号; 国开办发〔2020〕4号",
                 note="Consumption poverty alleviation: completed purchases of certified products, of registered poor "
                      "households, of poor villages, or of sellers in the 832 national poverty counties."),
    ParamDefault(COUNTING_RULES, _ERA_2, dt.date(2021, 1, 1),
                 source="发改振兴〔2021〕640号",
                 note="Consumption assistance: the same bases for the counties lifted out of poverty during the "
                      "transition period; monitored households count as registered households."),
    ParamDefault(COUNTING_RULES, {**_ERA_2, "require_evaluation": True}, dt.date(2021, 1, 1), region_prefix="45",
                 source="广西壮族自治区 2021 (832 platform counting rule)",
                 note="Guangxi: a platform order counts once accepted, paid and evaluated by the buyer."),
]
