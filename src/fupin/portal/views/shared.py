"""Helpers shared by every portal page: filter forms read from the query string, pagination, query-string
building, file downloads, and the 403/404/error pages that domain errors (`fupin.core.errors`) map to.

Views stay thin: they read the request with these helpers, call selectors/services, and render."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fupin.core.access import log_refusal
from fupin.core.downloads import attachment
from fupin.core.errors import AccessDenied, FupinError, NotFound
from fupin.core.tabular import CONTENT_TYPES
from fupin.core.uploads import UploadTooLarge

from ..forms.base import FilterForm, yes_no_choices

__all__ = ["FilterForm", "yes_no_choices"]  # the forms live in portal/forms; these names stay importable here

PER_PAGE_CHOICES = (25, 50, 100, 200)
DEFAULT_PER_PAGE = 50


# -- filters ---------------------------------------------------------------------------------------------------
def read_filters(request: HttpRequest, form_class: type[FilterForm]) -> tuple[FilterForm, dict[str, Any]]:
    form = form_class(request.GET or None)
    return form, form.filters()


def bool_param(value: str | None) -> bool | None:
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    return None


def int_param(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


# -- pagination ------------------------------------------------------------------------------------------------
def paginate(request: HttpRequest, items: Any, *, per_page: int | None = None) -> Page:
    """One page of `items` from `?page=` and `?per_page=`; out-of-range or malformed values fall back safely."""
    size = per_page or int_param(request.GET.get("per_page"), DEFAULT_PER_PAGE)
    if size not in PER_PAGE_CHOICES:
        size = DEFAULT_PER_PAGE
    return Paginator(items, size).get_page(request.GET.get("page"))


def query_string(request: HttpRequest, *, drop: Iterable[str] = ("page",), **overrides: Any) -> str:
    """The current query string without `drop` keys and with `overrides` (None removes a key), '?'-prefixed."""
    params: list[tuple[str, str]] = [
        (k, v) for k in request.GET for v in request.GET.getlist(k) if k not in drop and k not in overrides
    ]
    params += [(k, str(v)) for k, v in overrides.items() if v is not None]
    return "?" + urlencode(params) if params else "?"


def list_context(request: HttpRequest, page: Page, **extra: Any) -> dict[str, Any]:
    """The context every list template's pagination and export links use."""
    return {
        "page_obj": page,
        "count": page.paginator.count,
        "base_query": query_string(request),
        "per_page_choices": PER_PAGE_CHOICES,
        **extra,
    }


# -- downloads -------------------------------------------------------------------------------------------------


def export_format(request: HttpRequest) -> str | None:
    """`?export=csv|xlsx` on a list page asks for the list as a file; anything else shows the page."""
    fmt = request.GET.get("export", "")
    return fmt if fmt in CONTENT_TYPES else None


def file_response(content: bytes, *, filename: str, fmt: str) -> HttpResponse:
    """A download (`fupin.core.downloads.attachment`: the same headers as the API's)."""
    return attachment(content, filename=filename, fmt=fmt)


# -- error pages -----------------------------------------------------------------------------------------------
def error_page(request: HttpRequest, *, status: int, message: Any = "") -> HttpResponse:
    template = {403: "portal/errors/403.html", 404: "portal/errors/404.html"}.get(status, "portal/errors/error.html")
    return render(request, template, {"status": status, "message": message}, status=status)


def domain_error_response(request: HttpRequest, exc: FupinError) -> HttpResponse:
    if isinstance(exc, AccessDenied):
        log_refusal(request.user, exc, request.path)
        return error_page(request, status=403, message=exc.message)
    if isinstance(exc, NotFound):
        return error_page(request, status=404, message="")
    return error_page(request, status=exc.status if 400 <= exc.status < 500 else 400, message=exc.message)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403"""
    message = getattr(exception, "message", "") if isinstance(exception, FupinError) else ""
    return error_page(request, status=403, message=message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404"""
    return error_page(request, status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400 (an upload above the limit arrives here too, refused by `fupin.core.uploads`: 413 with its reason)"""
    if isinstance(exception, UploadTooLarge):
        return error_page(request, status=413, message=str(exception))
    return error_page(request, status=400, message=_("The request could not be processed."))
