"""The public face's dated policy parameters (DESIGN rule 7), seeded by migration 0001."""

from __future__ import annotations

import datetime as dt

from fupin.core.params import ParamDefault

MIN_GROUP_ENTRIES = "public.min_group_entries"

DEFAULTS = [
    ParamDefault(MIN_GROUP_ENTRIES, 5, dt.date(2013, 1, 1),
                 source="working default of the platform (statistical disclosure control)",
                 note="A public figure of a group with fewer counted purchases than this is suppressed "
                      "(with a second cell where one alone could be worked out from the total)."),
]
