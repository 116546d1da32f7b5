"""How the portal shows money and enum values: one implementation, used by the views (Python) and by the
templates (the filters of `templatetags/portal_format.py`, which call these functions).

Money is integer fen everywhere; it is shown as yuan with two decimals and thousands grouped by commas, the same in
English and Chinese (`fupin.core.money.fen_to_yuan_grouped`: 1234567 → "12,345.67")."""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext_lazy as _l

from fupin.core.money import fen_to_yuan_grouped


def yuan(fen: int | float | Literal[""] | None) -> str:
    """Fen as grouped yuan with two decimals ("" for None); a float (a chart value) is rounded to whole fen."""
    if fen is None or fen == "":
        return ""
    return fen_to_yuan_grouped(int(round(fen)))


def yuan_whole(fen: int | float) -> str:
    """Whole yuan, grouped (chart axis ticks)."""
    return f"{fen / 100:,.0f}"


def yuan_number(fen: int) -> float:
    """Fen as a number of yuan (a chart's value; shown through `yuan`-style formatters)."""
    return fen / 100


def choice_label(choices: Any, value: Any) -> str:
    """The translated label of an enum value (a TextChoices/IntegerChoices class); an unknown value as it is."""
    try:
        return str(choices(value).label)
    except (ValueError, TypeError):
        return "" if value is None else str(value)


def with_any(choices: Any) -> list[tuple[Any, Any]]:
    """Filter choices with an "any" first entry (the empty value)."""
    return [("", _l("any")), *choices]
