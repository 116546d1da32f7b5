"""A request body above the upload limit is refused before anything reads it.

Django streams a multipart upload to a temporary file before a view (or ninja's parameter parsing, or the CSRF
check reading `request.POST`) can look at it, so a limit checked only in the view would still let a client fill
the disk. This middleware compares the declared `Content-Length` (Django never reads past it) with
`FUPIN_MAX_UPLOAD_MB` plus 1 MB for the other form fields: the API answers 413 in its JSON error shape; pages
get the portal's 413 page (`UploadTooLarge` reaches handler400, which shows its message with status 413)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from . import tabular_guard as guard

FORM_ALLOWANCE_BYTES = 1024 * 1024


class UploadTooLarge(RequestDataTooBig):
    """The request body is larger than the upload limit (status 413 on the page that shows it)."""

    status = 413
    code = "file_too_large"


def request_too_large(request: HttpRequest) -> UploadTooLarge | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None  # Django treats an unreadable length as an empty body
    lim = guard.limits()
    if length <= lim.upload_bytes + FORM_ALLOWANCE_BYTES:
        return None
    return UploadTooLarge(str(guard.too_large(length, lim).message))


class RequestSizeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = request_too_large(request)
        if refused is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            lim = guard.limits()
            return JsonResponse({"code": refused.code, "message": str(refused),
                                 "details": {"max_bytes": lim.upload_bytes}}, status=413)
        raise refused
