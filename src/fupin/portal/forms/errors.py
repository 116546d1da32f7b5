"""The one way a domain refusal (`fupin.core.errors.FupinError`) is shown on a form.

A service refuses with a message and, often, details that name the input at fault: `{"field": ...}`,
`{"errors": [{"field"|"column": ..., "message": ...}, ...]}` or a list of such items. `form_error` puts each message
at the form field it names (renamed through `fields` when the service's names differ from the form's; with
`fields`, only those names are placed at fields) and everything else at `default` (a field, or above the form).
A refusal for lack of rights is not a form error: it is re-raised, for the 403 page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from fupin.core.errors import FupinError


def _items(exc: FupinError) -> list[dict[str, Any]]:
    details = exc.details
    if isinstance(details, dict):
        if isinstance(details.get("errors"), list):
            return [e for e in details["errors"] if isinstance(e, dict)]
        if "field" in details:
            return [{"field": details["field"], "message": str(exc.message)}]
    if isinstance(details, list):
        return [e for e in details if isinstance(e, dict)]
    return []


def form_error(form: forms.Form, exc: FupinError, *, fields: Mapping[str, str] | None = None,
               default: str | None = None) -> None:
    """Show `exc` on `form` (see the module's docstring). Raises `exc` again when it is a 403."""
    if exc.status == 403:
        raise exc
    placed = False
    for item in _items(exc):
        name = item.get("field") or item.get("column")
        target = (fields.get(name) if fields is not None else name) if isinstance(name, str) else None
        form.add_error(target if target in form.fields else default, str(item.get("message") or exc.message))
        placed = True
    if not placed:
        form.add_error(default, str(exc.message))
