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
]
