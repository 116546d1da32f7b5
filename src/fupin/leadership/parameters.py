"""Leadership's dated parameters (DESIGN rule 7), seeded by migration 0002:

- `leadership.case_photos`: the largest photo accepted (bytes) and the most photos a case has;
- `leadership.public_figures`: the fewest households behind a public benefit figure (below it the amount is not
  shown on a published case, only that there are payments)."""

from __future__ import annotations

import datetime as dt

from fupin.core.params import ParamDefault

CASE_PHOTOS = "leadership.case_photos"
PUBLIC_FIGURES = "leadership.public_figures"
_FROM = dt.date(2018, 12, 1)

DEFAULTS = [
    ParamDefault(CASE_PHOTOS, {"max_bytes": 2 * 1024 * 1024, "max_photos": 6}, _FROM,
                 note="photos of a case: 2 MB each, six at most"),
    ParamDefault(PUBLIC_FIGURES, {"min_households": 3}, _FROM,
                 note="a benefit figure covers at least three households before its amount is public"),
]
