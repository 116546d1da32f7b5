"""Detection's dated parameters (DESIGN rule 7), seeded by migration 0002.

One key, `detection.parameters`, holds every detector's thresholds and windows, so that the id of one parameter row
is the version a flag records (`Flag.parameters_version`). A year is checked with the version in force on its last
day. Amounts in fen; shares and ratios as numbers. Administrators add versions in the admin.

- `circular`: `min_leg_fen` — the least amount each leg (the unit buying from the supplier, the supplier buying back
  from the unit or a unit below it) must reach in the year;
- `deadline_spike`: `deadlines` (month-day of each period's end: "12-31" is the year's assessment), `window_days`
  (the days before a deadline), `ratio` (the daily amount in the window against the rest of the period) and
  `min_fen` (the least amount in the window);
- `capacity`: `tolerance` — a product's purchases in a year above its certified annual capacity (units × the
  supplier's price, or the reference price when higher) times this factor;
- `plausible_volume`: `max_fen_by_kind` — the most a seller of a kind (a poor household, a family farm...) can
  plausibly sell in a year; kinds not named are not checked;
- `split`: `thresholds_fen` (the amounts above which a purchase needs more approval: a tender, a contract),
  `band` (how far under a threshold a part lies: 0.2 = within 20 %), `window_days`, `min_parts`;
- `helped_sales`: `tolerance` — helped sales above the supplier's declared total sales times this factor;
- `concentration`: `min_share` of a buyer's year bought from entities tied to it, and `min_fen`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.core.params import ParamDefault

PARAMETERS = "detection.parameters"

YUAN = 100  # fen per yuan (a unit, not a policy number)

DEFAULT_VALUE: dict[str, Any] = {
    "circular": {"min_leg_fen": 1_000 * YUAN},
    "deadline_spike": {"deadlines": ["12-31"], "window_days": 10, "ratio": 4.0, "min_fen": 50_000 * YUAN},
    "capacity": {"tolerance": 1.2},
    "plausible_volume": {"max_fen_by_kind": {"poor_household": 500_000 * YUAN, "family_farm": 3_000_000 * YUAN,
                                             "rich_leader": 3_000_000 * YUAN}},
    "split": {"thresholds_fen": [50_000 * YUAN, 200_000 * YUAN], "band": 0.2, "window_days": 7, "min_parts": 3},
    "helped_sales": {"tolerance": 1.0},
    "concentration": {"min_share": 0.5, "min_fen": 100_000 * YUAN},
}

DEFAULTS = [
    ParamDefault(PARAMETERS, DEFAULT_VALUE, dt.date(2013, 1, 1),
                 source="国办发〔2018〕129号 三(3) (the account is a basis for evaluation: figures must be true); "
                        "thresholds set by Fupin (provisional)",
                 note="Inflated-statistics detection: thresholds and windows of the six detectors."),
]
