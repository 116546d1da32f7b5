"""Helpers shared by the ledger pages: money for display, chart formatters, links down to the entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from ...format import choice_label, yuan
from ...format import yuan as yuan_label  # chart values are fen
from ...format import yuan_whole as yuan_tick

__all__ = ["choice_label", "entries_url", "yuan", "yuan_label", "yuan_tick"]


def entries_url(filters: Mapping[str, Any]) -> str:
    """The entry list filtered to exactly the entries behind a figure (empty values are dropped)."""
    params = [(k, str(v)) for k, v in filters.items() if v not in (None, "", [], ())]
    base = reverse("portal:ledger_entries")
    return base + ("?" + urlencode(params) if params else "")
