"""Oversight pages for auditors and administrators: the audit log (before → after) and the security log.
The core selectors refuse everyone else (403 page)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from fupin.core import selectors as core_selectors
from fupin.core.enums import SecurityEventKind

from ..forms.oversight import AuditFilter, SecurityFilter
from .shared import list_context, paginate, read_filters


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def changes(before, after) -> list[dict]:
    """Before → after, one line per field (whole values when they are not objects)."""
    if isinstance(before, dict | type(None)) and isinstance(after, dict | type(None)) and (before or after):
        before, after = before or {}, after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [{"field": k, "before": _text(before.get(k)) if k in before else "",
                 "after": _text(after.get(k)) if k in after else "", "changed": before.get(k) != after.get(k)}
                for k in keys]
    if before is None and after is None:
        return []
    return [{"field": "", "before": _text(before), "after": _text(after), "changed": before != after}]


@login_required
def audit_log(request):
    form, f = read_filters(request, AuditFilter)
    qs = core_selectors.audit_entries(viewer=request.user, object_type=f.get("object_type", ""),
                                      object_id=f.get("object_id", ""), actor=f.get("actor", ""))
    page = paginate(request, qs)
    rows = [{"entry": e, "changes": changes(e.before, e.after)} for e in page.object_list]
    return render(request, "portal/oversight/audit_log.html", list_context(request, page, form=form, rows=rows))


@login_required
def security_log(request):
    form, f = read_filters(request, SecurityFilter)
    qs = core_selectors.security_events(viewer=request.user, kind=f.get("kind", ""))
    page = paginate(request, qs)
    labels = dict(SecurityEventKind.choices)
    rows = [{"event": e, "kind": labels.get(e.kind, e.kind)} for e in page.object_list]
    return render(request, "portal/oversight/security_log.html", list_context(request, page, form=form, rows=rows))
