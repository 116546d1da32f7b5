"""The import templates (issue #14): a page listing every import's .xlsx template and the downloads, linked from
each import page. A template is an empty form (no data): any signed-in user may download it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fupin.core.errors import NotFound

from ..import_templates import TEMPLATES
from .shared import file_response


@login_required
def template_list(request):
    return render(request, "portal/import_templates.html", {
        "templates": [{"key": key, "title": t.title, "columns": len(t.columns)} for key, t in TEMPLATES.items()]})


@login_required
def template_download(request, key: str):
    template = TEMPLATES.get(key)
    if template is None:
        raise NotFound(_("No import template is named “%(key)s”.") % {"key": key[:40]})
    return file_response(template.content(language=get_language() or "en"), filename=template.filename, fmt="xlsx")
