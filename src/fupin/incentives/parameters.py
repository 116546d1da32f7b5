"""Incentives' dated policy parameters (DESIGN rule 7): keys and the defaults seeded by migration 0002.

Administrators add later versions in core's admin; every decision, ranking and round records the ids of the
versions it used.

- `incentives.poor_household_statuses`: the household statuses on the date that make a linked household count as
  poor for the fact `poor_households_linked` (from 2021 the monitored households too).
- `incentives.poverty_reduction_effect`: the thresholds of an outstanding poverty-reduction effect (带贫成效突出):
  poor households linked, money paid to households and households paid over the last `window_years` full years.
- `incentives.recognition_weights`: how counted direct purchases and helped sales weigh in a buyer's recognition
  score, in thousandths (1000 = the full amount).
- `incentives.demonstration_period_years`: how many years a demonstration designation lasts.
"""

from __future__ import annotations

import datetime as dt

from fupin.core.params import ParamDefault

POOR_HOUSEHOLD_STATUSES = "incentives.poor_household_statuses"
POVERTY_REDUCTION_EFFECT = "incentives.poverty_reduction_effect"
RECOGNITION_WEIGHTS = "incentives.recognition_weights"
DEMONSTRATION_PERIOD_YEARS = "incentives.demonstration_period_years"

_FROM = dt.date(2018, 12, 30)  # 国办发〔2018〕129号, the Guiding Opinions, issued 30 December 2018
_SRC = "国办发〔2018〕129号 (policy incentives); working defaults of the platform"

DEFAULTS = [
    ParamDefault(POOR_HOUSEHOLD_STATUSES, ["registered_poor", "lifted_out"], dt.date(2013, 1, 1),
                 valid_to=dt.date(2020, 12, 31), source=_SRC,
                 note="Registered poor households (建档立卡) and those lifted out still count as poor households."),
    ParamDefault(POOR_HOUSEHOLD_STATUSES, ["registered_poor", "lifted_out", "monitored", "monitored_unstable",
                                           "monitored_marginal", "monitored_sudden"], dt.date(2021, 1, 1),
                 source="发改振兴〔2021〕640号; working defaults of the platform",
                 note="From 2021 the monitored households (防止返贫监测对象) count as well."),
    ParamDefault(POVERTY_REDUCTION_EFFECT, {"min_households_linked": 10, "min_benefits_fen": 5_000_000,
                                            "min_households_paid": 5, "window_years": 1}, _FROM, source=_SRC,
                 note="带贫成效突出: at least 10 poor households linked, 50,000 yuan paid to at least 5 households in "
                      "the last full year."),
    ParamDefault(RECOGNITION_WEIGHTS, {"direct_purchase": 1000, "helped_sale": 500}, _FROM, source=_SRC,
                 note="A helped sale weighs half a direct purchase in a buyer's recognition score."),
    ParamDefault(DEMONSTRATION_PERIOD_YEARS, 3, _FROM, source=_SRC,
                 note="A demonstration enterprise is designated for three years, re-checked every year."),
]
