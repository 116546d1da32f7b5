"""The linkage app's dated policy parameters (DESIGN rule 7): keys and the defaults seeded by migration 0002.
Administrators add later versions in the admin; results record the version id that produced them."""

from __future__ import annotations

import datetime as dt

from fupin.core.params import ParamDefault

NO_PAYMENT_MONTHS = "linkage.no_payment_months"
BELOW_TERMS_RATIO = "linkage.below_terms_ratio"
MAX_ENTITIES_PER_HOUSEHOLD = "linkage.max_entities_per_household"
DISCREPANCY_THRESHOLD = "linkage.verification_discrepancy_threshold"
VERIFICATION_SAMPLE = "linkage.verification_sample"
VERIFICATION_CONFIDENCE_Z = "linkage.verification_confidence_z"
GRACE_DAYS = "linkage.payment_grace_days"
POVERTY_REDUCTION_EFFECT = "linkage.poverty_reduction_effect"

_FROM = dt.date(2018, 1, 1)
_SRC = "国办发〔2018〕129号 (interest linkage); working defaults of the platform"

DEFAULTS = [
    ParamDefault(NO_PAYMENT_MONTHS, 6, _FROM, source=_SRC,
                 note="Flag a linked household when nothing was paid in this many months while money fell due."),
    ParamDefault(BELOW_TERMS_RATIO, 0.9, _FROM, source=_SRC,
                 note="Flag when paid ÷ due over a period is below this ratio."),
    ParamDefault(MAX_ENTITIES_PER_HOUSEHOLD, 3, _FROM, source=_SRC,
                 note="Flag a household claimed by more than this many market entities at once."),
    ParamDefault(DISCREPANCY_THRESHOLD, 0.1, _FROM, source=_SRC,
                 note="Flag an entity or county whose verification discrepancy rate is above this."),
    ParamDefault(VERIFICATION_SAMPLE, {"fraction": 0.1, "min_per_stratum": 2, "max_total": 400}, _FROM, source=_SRC,
                 note="Proportional allocation per entity stratum, at least min_per_stratum, at most max_total."),
    ParamDefault(VERIFICATION_CONFIDENCE_Z, 1.96, _FROM, source=_SRC,
                 note="z of the Wilson score interval (1.96 for 95%)."),
    ParamDefault(GRACE_DAYS, 31, _FROM, source=_SRC,
                 note="Days after an instalment's due date before its absence counts against the flags."),
    ParamDefault(POVERTY_REDUCTION_EFFECT, {
        "entity_kinds": ["enterprise", "cooperative"],
        "household_statuses": ["registered_poor", "lifted_out", "monitored", "monitored_unstable",
                               "monitored_marginal", "monitored_sudden"],
        "min_households": 10, "min_benefits_fen": 10_000_000, "min_benefit_share_percent": 5,
        "max_discrepancy_rate": 0.1,
    }, dt.date(2014, 1, 1),
        source="国办发〔2018〕129号 (带贫成效突出的企业和合作社); thresholds: working defaults of the platform",
        note="An enterprise or cooperative qualifies for a year when, judged on the year before, at least 10 poor or "
             "monitored households were linked to it by contracts in force on 31 December, it paid them at least "
             "100,000 yuan or 5 % of its sales in the account, and its latest field verification found no more "
             "than 10 % discrepancies. Read on 1 January of the year decided."),
]
