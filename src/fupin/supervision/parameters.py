"""Supervision's dated policy parameters (DESIGN rule 7): keys and the defaults seeded by migration 0002.

Administrators add later versions in the admin (or through `services.methodology_publish`, which validates a
methodology before it is stored); every result records the id of the version that produced it.

- `supervision.progress_status`: when actual ÷ expected falls below `behind_below_bp` the target is *behind*,
  below `far_behind_below_bp` *far behind* (basis points: 10000 = 100%).
- `supervision.methodology.<scheme>`: the assessment methodology of a scheme (indicators with weights, caps and
  the seed measure each assesses; grade bands; an optional seasonal profile). See docs/domain/supervision.md.
- `supervision.responsibility_matrix`: the seed's four measures and the bodies named responsible for each,
  parsed from the seed text (`rules.parse_responsibility_matrix`; a test checks this copy against the text).
- `supervision.assessment_cycle`: the year-end cycle's due dates (month-day in the year after the assessed one).
- `supervision.statistics_filing`: when the yearly statistical report forms are due (month-day, next year).
- `supervision.problem_escalation`: days after its due date before an unresolved problem escalates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.core.params import ParamDefault

PROGRESS_STATUS = "supervision.progress_status"
METHODOLOGY_PREFIX = "supervision.methodology."
RESPONSIBILITY_MATRIX = "supervision.responsibility_matrix"
ASSESSMENT_CYCLE = "supervision.assessment_cycle"
STATISTICS_FILING = "supervision.statistics_filing"
PROBLEM_ESCALATION = "supervision.problem_escalation"


def methodology_key(scheme: str) -> str:
    return METHODOLOGY_PREFIX + scheme


_FROM = dt.date(2018, 12, 30)  # 国办发〔2018〕129号, the Guiding Opinions, issued 30 December 2018
_SRC = "国办发〔2018〕129号 (strengthen supervision and implementation); working defaults of the platform"
_METHOD_SRC = ("国办发〔2018〕129号 measure 4; grades 好/较好/一般/较差 as used in the east–west assessments; the "
               "official weights were not published: a configurable working default")

# The bodies the seed names, with the names a registry organisation may carry (matched exactly).
BODIES: dict[str, dict[str, Any]] = {
    "ndrc": {"en": "National Development and Reform Commission", "zh": "国家发展和改革委员会",
             "match": ["国家发展和改革委员会", "国家发展改革委", "发展改革委"]},
    "nrra": {"en": "Poverty Alleviation Office (from 2021 the National Rural Revitalization Administration)",
             "zh": "国务院扶贫办（国家乡村振兴局）",
             "match": ["国家乡村振兴局（国务院扶贫开发领导小组办公室）", "国务院扶贫开发领导小组办公室", "国家乡村振兴局",
                       "国务院扶贫办"]},
    "moa": {"en": "Ministry of Agriculture and Rural Affairs", "zh": "农业农村部", "match": ["农业农村部"]},
    "mofcom": {"en": "Ministry of Commerce", "zh": "商务部", "match": ["商务部"]},
    "mct": {"en": "Ministry of Culture and Tourism", "zh": "文化和旅游部", "match": ["文化和旅游部"]},
    "acfsmc": {"en": "All China Federation of Supply and Marketing Cooperatives", "zh": "中华全国供销合作总社",
               "match": ["中华全国供销合作总社", "供销合作总社"]},
    "mof": {"en": "Ministry of Finance", "zh": "财政部", "match": ["财政部"]},
    "mnr": {"en": "Ministry of Natural Resources", "zh": "自然资源部", "match": ["自然资源部"]},
    "pboc": {"en": "People's Bank of China", "zh": "中国人民银行", "match": ["中国人民银行"]},
    "provincial_governments": {"en": "Provincial people's governments", "zh": "各省级人民政府", "match": []},
}

# The seed's measures as `rules.parse_responsibility_matrix` reads them from the seed text (tests compare).
MEASURES: list[dict[str, Any]] = [
    {"number": 1, "title": "strengthen organizational leadership", "title_zh": "加强组织领导",
     "bodies": ["ndrc", "nrra", "moa", "mofcom", "mct", "acfsmc", "mof", "provincial_governments"]},
    {"number": 2, "title": "Improve the interest mechanism", "title_zh": "完善利益联结机制",
     "bodies": ["moa", "mct", "nrra", "mof", "provincial_governments"]},
    {"number": 3, "title": "Increase policy incentives", "title_zh": "加大政策激励",
     "bodies": ["ndrc", "mof", "mnr", "moa", "mofcom", "mct", "pboc", "nrra", "provincial_governments"]},
    {"number": 4, "title": "Strengthen supervision and implementation", "title_zh": "强化督导落实",
     "bodies": ["ndrc", "nrra", "moa", "mofcom", "mct", "acfsmc", "mof", "provincial_governments"]},
]

BANDS = [
    {"grade": "good", "min": 90, "max": 100},
    {"grade": "fairly_good", "min": 80, "max": 90},
    {"grade": "average", "min": 60, "max": 80},
    {"grade": "poor", "min": 0, "max": 60},
]


def _indicator(code: str, kind: str, weight: int, *, measure: int = 4, metric: str = "", cap_bp: int = 10000,
               full_at_bp: int | None = None, max_score: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "kind": kind, "weight": weight, "measure": measure, "cap_bp": cap_bp}
    if metric:
        out["metric"] = metric
    if full_at_bp is not None:
        out["full_at_bp"] = full_at_bp
    if max_score is not None:
        out["max_score"] = max_score
    return out


def _methodology(*, reserved: int, linkage: int, growth: int, poverty: int, direct: int, helped: int) -> dict[str, Any]:
    indicators = [
        _indicator("direct_purchase", "ratio_to_target", direct, metric="direct_purchase"),
        _indicator("helped_sale", "ratio_to_target", helped, metric="helped_sale"),
        _indicator("growth", "growth", growth, full_at_bp=1000),
        _indicator("poverty_share", "poverty_share", poverty, full_at_bp=8000),
    ]
    if linkage:
        indicators.append(_indicator("linkage_benefits", "linkage_benefits", linkage, measure=2,
                                     metric="benefits_paid"))
    if reserved:
        indicators.append(_indicator("reserved_share", "reserved_share", reserved, measure=3,
                                     metric="reserved_share"))
    indicators.append(_indicator("qualitative", "qualitative", 10, max_score=10))
    return {"weight_total": 100, "indicators": indicators, "bands": BANDS, "seasonal_profile": None}


METHODOLOGIES = {
    "designated_assistance": _methodology(direct=25, helped=25, growth=10, poverty=10, linkage=10, reserved=10),
    "east_west": _methodology(direct=30, helped=30, growth=10, poverty=10, linkage=10, reserved=0),
    "counterpart_support": _methodology(direct=30, helped=30, growth=15, poverty=15, linkage=0, reserved=0),
}

DEFAULTS = [
    ParamDefault(PROGRESS_STATUS, {"behind_below_bp": 9000, "far_behind_below_bp": 7000}, _FROM, source=_SRC,
                 note="actual ÷ time-proportional expectation: below 90% behind, below 70% far behind"),
    *[ParamDefault(methodology_key(s), m, _FROM, source=_METHOD_SRC, note="working default; versioned as data")
      for s, m in METHODOLOGIES.items()],
    ParamDefault(RESPONSIBILITY_MATRIX, {"measures": MEASURES, "bodies": BODIES}, _FROM,
                 source="国办发〔2018〕129号, safeguard measures 1–4 (the bodies named responsible for each)",
                 note="parsed from the seed text; edit by adding a dated version"),
    ParamDefault(ASSESSMENT_CYCLE, {"self_evaluation_due": "01-10", "partner_comment_due": "01-20",
                                    "cross_check_due": "01-31", "report_due": "02-28"}, _FROM, source=_SRC,
                 note="self-evaluation at year end, cross-checks in January, the report in February (next year)"),
    ParamDefault(STATISTICS_FILING, {"due": "01-31"}, _FROM, source=_SRC,
                 note="the yearly consumption-assistance statistics tables are filed by this day of the next year"),
    ParamDefault(PROBLEM_ESCALATION, {"grace_days": 0}, _FROM, source=_SRC,
                 note="an open or in-progress problem escalates to the supervising body this many days after due"),
]
