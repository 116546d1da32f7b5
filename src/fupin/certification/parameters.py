"""The certification's dated policy parameters (DESIGN rule 7): keys, the 2020 defaults seeded by migration
0002, and one reader that returns the values in force on a date with the version ids that produced them.
Administrators add new versions (e.g. from 2021) in the admin; nothing here is a constant of the rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fupin.core import params
from fupin.core.params import ParamDefault

MIN_POOR_HOUSEHOLDS = "certification.min_poor_households"          # N
MIN_SUPPLY_VALUE_FEN = "certification.min_supply_value_fen"        # V: annual supply volume × reference price
PRICE_TOLERANCE_PCT = "certification.price_tolerance_pct"          # P: ± % around the market reference price
ELIGIBLE_AREAS = "certification.eligible_areas"                    # the eligible region set
COUNTY_NOTICE_DAYS = "certification.county_notice_days"            # D
NATIONAL_NOTICE_DAYS = "certification.national_notice_days"
VALIDITY_DAYS = "certification.validity_days"                      # a certificate's validity
BLACKLIST_DAYS = "certification.blacklist_days"                    # by revocation reason
SPOT_CHECK_SAMPLE = "certification.spot_check_sample"              # share and minimum of a spot-check draw

# The 22 central and western provinces with national poverty counties (the producing areas, 产地).
PROVINCES_22 = [
    "13", "14", "15", "22", "23", "34", "36", "41", "42", "43", "45", "46", "50", "51", "52", "53", "54", "61",
    "62", "63", "64", "65",
]
_SOURCE_2020 = "国开办发〔2020〕4号, 11号"
_FROM_2020 = dt.date(2020, 1, 1)

DEFAULTS = [
    ParamDefault(MIN_POOR_HOUSEHOLDS, 5, _FROM_2020, source=_SOURCE_2020,
                 note="Poor households a supplier must bring along (linkage contracts or a declared list)."),
    ParamDefault(MIN_SUPPLY_VALUE_FEN, 10_000_000, _FROM_2020, source=_SOURCE_2020,
                 note="Minimum annual commodity volume, valued at the reference price (fen): 100,000 yuan."),
    ParamDefault(PRICE_TOLERANCE_PCT, 30, _FROM_2020, source=_SOURCE_2020,
                 note="The price may differ from the market reference for the same grade by at most ± this %."),
    ParamDefault(ELIGIBLE_AREAS, {"provinces": PROVINCES_22, "poverty_areas_only": True, "extra_prefixes": []},
                 _FROM_2020, source=_SOURCE_2020,
                 note="Eligible: in one of these provinces and (if poverty_areas_only) in a national poverty county "
                      "or a poor village; or under one of extra_prefixes (region codes added for the year)."),
    ParamDefault(COUNTY_NOTICE_DAYS, 5, _FROM_2020, source=_SOURCE_2020, note="County public notice (公示), days."),
    ParamDefault(NATIONAL_NOTICE_DAYS, 5, _FROM_2020, source=_SOURCE_2020, note="National public notice, days."),
    ParamDefault(VALIDITY_DAYS, 1095, _FROM_2020, source=_SOURCE_2020,
                 note="Validity of a certificate from listing; renewal extends it. Annual reviews run in between."),
    ParamDefault(BLACKLIST_DAYS, {"quality_incident": 365, "upheld_complaint": 365, "linkage_broken": 365,
                                  "fraud": 1095}, _FROM_2020, source=_SOURCE_2020,
                 note="How long a supplier is barred after a revocation, by reason."),
    ParamDefault(SPOT_CHECK_SAMPLE, {"share_pct": 5, "minimum": 3}, _FROM_2020, source=_SOURCE_2020,
                 note="Share of certified products drawn per spot-check period, and the minimum draw."),
]


@dataclass(frozen=True)
class CertificationParams:
    """The parameter values in force on one date, with the version ids (recorded on results)."""

    on: dt.date
    min_poor_households: int
    min_supply_value_fen: int
    price_tolerance_pct: float
    eligible_provinces: frozenset[str]
    poverty_areas_only: bool
    extra_prefixes: tuple[str, ...]
    versions: dict[str, int] = field(default_factory=dict)


def precheck_params(*, on: dt.date) -> CertificationParams:
    found = {key: params.get(key, on=on) for key in (MIN_POOR_HOUSEHOLDS, MIN_SUPPLY_VALUE_FEN, PRICE_TOLERANCE_PCT,
                                                     ELIGIBLE_AREAS)}
    areas: dict[str, Any] = found[ELIGIBLE_AREAS].value
    return CertificationParams(
        on=on,
        min_poor_households=int(found[MIN_POOR_HOUSEHOLDS].value),
        min_supply_value_fen=int(found[MIN_SUPPLY_VALUE_FEN].value),
        price_tolerance_pct=float(found[PRICE_TOLERANCE_PCT].value),
        eligible_provinces=frozenset(str(p)[:2] for p in areas.get("provinces", [])),
        poverty_areas_only=bool(areas.get("poverty_areas_only", True)),
        extra_prefixes=tuple(str(p) for p in areas.get("extra_prefixes", [])),
        versions={key: v.id for key, v in found.items()},
    )


def value(key: str, *, on: dt.date, region_code: str = "") -> Any:
    return params.value(key, on=on, region_code=region_code)


def version(key: str, *, on: dt.date, region_code: str = "") -> params.ParamVersion:
    return params.get(key, on=on, region_code=region_code)
