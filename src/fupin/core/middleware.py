"""Requests carrying NUL characters are refused with 400 before they reach a view.

PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), so without this a NUL in a path,
query, form field or JSON string would surface as a 500 on PostgreSQL while SQLite accepted it.
Reading the body to look for NUL can itself fail (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields): the
API then answers 413 or 400 in its JSON error shape; pages keep Django's 400 page."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    for key, values in request.GET.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            return True
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method in {"POST", "PUT", "PATCH"}:
        if content_type.startswith("application/json"):
            return b"\\u0000" in request.body or b"\x00" in request.body
        if content_type.startswith("application/x-www-form-urlencoded"):
            return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.POST.lists())
    return False


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith("/api/")
        try:
            has_nul = _has_nul(request)
        except RequestDataTooBig:
            if not api:
                raise
            return JsonResponse({"code": "too_large", "message": _("The request body is too large.")}, status=413)
        except SuspiciousOperation:  # too many fields: the API answers in JSON, pages with the 400 page
            if not api:
                raise
            return JsonResponse({"code": "bad_request", "message": _("The request is malformed.")}, status=400)
        if has_nul:
            message = _("The request contains a NUL character, which is never valid here.")
            if api:
                return JsonResponse({"code": "bad_request", "message": message}, status=400)
            raise BadRequest(message)
        return self.get_response(request)
