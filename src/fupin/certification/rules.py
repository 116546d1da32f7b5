"""Pure rules of certification (no ORM, no I/O): certified periods, pre-checks with reasons, the review
state machine and who may act at each stage, certificate payloads, risk weights and the spot-check draw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

Period = tuple[dt.date, dt.date | None]


# -- certified periods (the ledger's question: was product P certified on day D?) ---------------------------------
def certified_on(periods: Iterable[Period], day: dt.date) -> bool:
    """Whether `day` falls inside one of the inclusive periods (an open end runs for ever)."""
    return any(start <= day and (end is None or day <= end) for start, end in periods)
