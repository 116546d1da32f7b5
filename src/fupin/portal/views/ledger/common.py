"""Helpers shared by the ledger pages: money for display, chart formatters, links down to the entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from fupin.core.money import fen_to_yuan_grouped


def yuan(fen: int | None) -> str:
    """Integer fen as grouped yuan with two decimals, for tables ('' for None)."""
    return "" if fen is None else fen_to_yuan_grouped(int(fen))


def yuan_tick(fen: float) -> str:
    """Axis ticks: whole yuan, grouped."""
    return f"{fen / 100:,.0f}"


def yuan_label(fen: float) -> str:
    return fen_to_yuan_grouped(int(round(fen)))


def entries_url(filters: Mapping[str, Any]) -> str:
    """The entry list filtered to exactly the entries behind a figure (empty values are dropped)."""
    params = [(k, str(v)) for k, v in filters.items() if v not in (None, "", [], ())]
    base = reverse("portal:ledger_entries")
    return base + ("?" + urlencode(params) if params else "")


def choice_label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except (ValueError, TypeError):
        return "" if value is None else str(value)
