"""Leadership's dated parameters (DESIGN rule 7), seeded by migration 0002:

- `leadership.case_photos`: the largest photo accepted (bytes) and the most photos a case has;
- `leadership.public_figures`: the fewest households behind a public benefit figure (below it the amount is not
  shown on a published case, only that there are payments);
- `leadership.inbox` (migration 0003): after how many days waiting at one desk an application in the task inbox is
  overdue, and how many days before its due date an item counts as due soon."""

from __future__ import annotations

import datetime as dt

from fupin.core.params import ParamDefault

CASE_PHOTOS = "leadership.case_photos"
PUBLIC_FIGURES = "leadership.public_figures"
INBOX = "leadership.inbox"
_FROM = dt.date(2018, 12, 1)

DEFAULTS = [
    ParamDefault(CASE_PHOTOS, {"max_bytes": 2 * 1024 * 1024, "max_photos": 6}, _FROM,
                 note="photos of a case: 2 MB each, six at most"),
    ParamDefault(PUBLIC_FIGURES, {"min_households": 3}, _FROM,
                 note="a benefit figure covers at least three households before its amount is public"),
    ParamDefault(INBOX, {"review_overdue_days": 15, "due_soon_days": 7}, _FROM,
                 note="task inbox: an application waiting 15 days at one desk is overdue; due within 7 days is soon"),
]
