"""Template filters for money and enum labels (`{% load portal_format %}`): the same functions as
`fupin.portal.format`, so a page and a view never format differently.

    {{ payment.amount_fen|yuan }}               12,345.67
    {{ contract|display:"status" }}             the model field's translated label
    {{ value|label:choices }}                   a label from an enum class passed in the context
"""

from __future__ import annotations

from typing import Any

from django import template

from .. import format as fmt

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    return fmt.yuan(fen)


@register.filter
def label(value: Any, choices: Any) -> str:
    return fmt.choice_label(choices, value)


@register.filter
def display(obj: Any, field: str) -> str:
    """`obj.get_<field>_display()`: the translated label of a model field with choices."""
    getter = getattr(obj, f"get_{field}_display", None)
    return str(getter()) if callable(getter) else str(getattr(obj, field, ""))
