"""System endpoints: health, who am I, the audit and security logs for auditors, the import templates.

No `from __future__ import annotations` in the API modules: ninja resolves the parameter annotations of a
paginated view in the paginator's module, where the names of this module (e.g. `EventKind`) are unknown."""

import datetime as dt

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from fupin.core import selectors as core_selectors
from fupin.core.api_types import Language, choice, file_download
from fupin.core.downloads import attachment
from fupin.core.enums import Role, ScopeLevel, SecurityEventKind
from fupin.core.errors import NotFound
from fupin.core.pagination import Page

from .import_templates import TEMPLATES

router = Router(tags=["system"])

RoleName = choice(Role)
ScopeName = choice(ScopeLevel)
EventKind = choice(SecurityEventKind)


class HealthOut(Schema):
    status: str


@router.get("/health", auth=None, response=HealthOut)
def health(request):
    return {"status": "ok"}


class MeOut(Schema):
    username: str
    organisation_id: int | None
    organisation: str | None
    roles: list[RoleName]
    scope_level: ScopeName
    scope_code: str


@router.get("/me", response=MeOut)
def me(request):
    u = request.user
    return {"username": u.username, "organisation_id": u.organisation_id,
            "organisation": str(u.organisation) if u.organisation_id else None, "roles": u.role_list,
            "scope_level": u.scope_level, "scope_code": u.scope_code}


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | list | None
    after: dict | list | None
    reason: str


@router.get("/audit", response=list[AuditOut])
@paginate(Page)
def audit_log(request, object_type: str = "", object_id: str = "", actor: str = ""):
    return core_selectors.audit_entries(viewer=request.user, object_type=object_type, object_id=object_id, actor=actor)


class SecurityEventOut(Schema):
    id: int
    at: dt.datetime
    kind: EventKind
    username: str
    ip: str | None
    path: str
    detail: str


@router.get("/security-events", response=list[SecurityEventOut])
@paginate(Page)
def security_log(request, kind: EventKind | None = None):
    return core_selectors.security_events(viewer=request.user, kind=kind or "")


# -- import templates (issue #14) --------------------------------------------------------------------------------
class TemplateOut(Schema):
    key: str
    title: str
    url: str


@router.get("/import-templates", response=list[TemplateOut])
def import_template_list(request):
    """The downloadable template of every import (an empty form: no data, so any signed-in user)."""
    return [{"key": key, "title": str(t.title), "url": f"/api/v1/import-templates/{key}"}
            for key, t in TEMPLATES.items()]


@router.get("/import-templates/{key}", openapi_extra=file_download("xlsx", description="the import's template"))
def import_template(request, key: str, language: Language | None = None):
    """An import's .xlsx template: the header in Chinese and English (the import reads either), a sheet of the
    allowed values of the enum columns and a sheet of column help, in `language` (default: the request's)."""
    template = TEMPLATES.get(key)
    if template is None:
        raise NotFound(_("No import template is named “%(key)s”.") % {"key": key[:40]})
    return attachment(template.content(language=language or get_language() or "en"), filename=template.filename,
                      fmt="xlsx")

