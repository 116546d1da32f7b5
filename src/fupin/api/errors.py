"""The API's one error handler: every error is JSON {"code", "message", ["details"]}; never a 500 for bad input."""

from __future__ import annotations

import logging

from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from fupin.core.access import log_denial, log_refusal
from fupin.core.errors import AccessDenied, FupinError
from fupin.core.money import ERROR_CODES as MONEY_ERROR_CODES

log = logging.getLogger("fupin.api")


def _json_safe_errors(errors: list) -> list:
    out = []
    for e in errors:
        item = {k: v for k, v in e.items() if k in {"type", "loc", "msg"}}
        item["loc"] = [str(p) for p in item.get("loc", [])]
        out.append(item)
    return out


@csrf_exempt  # nothing happens here; an unsafe method gets the 404 too, not a CSRF page
def unmatched(request, rest: str = ""):
    """Any /api/ URL that no route matches (e.g. /api/v1/organisations/-5, where `{int:pk}` does not match): the
    API's JSON 404, not the portal's page."""
    return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(FupinError)
    def fupin_error(request, exc: FupinError):
        if isinstance(exc, AccessDenied):
            log_refusal(request.user, exc, request.path)
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        details = _json_safe_errors(exc.errors)
        code, message = "invalid_input", _("The request is not valid.")
        # an amount refused by core's one money parser keeps the parser's code (as in imports and forms)
        if details and all(e.get("type") in MONEY_ERROR_CODES for e in details):
            first = details[0]
            code, message = first["type"], f"{first['loc'][-1]}: {first['msg']}" if first["loc"] else first["msg"]
        return api.create_response(request, {"code": code, "message": message, "details": details}, status=422)

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        return api.create_response(request, {"code": "invalid_input", "message": "; ".join(exc.messages)}, status=422)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return api.create_response(
            request, {"code": "not_authenticated", "message": _("Sign in or send a valid bearer token.")}, status=401
        )

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        log_denial(request.user, "permission denied", request.path)
        return api.create_response(request, {"code": "permission_denied", "message": _("You do not have permission to do this.")}, status=403)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, {"code": "not_found", "message": _("Not found.")}, status=404)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid_input"}.get(exc.status_code, "error")
        return api.create_response(request, {"code": code, "message": str(exc)}, status=exc.status_code)

    @api.exception_handler(DataError)
    def data_error(request, exc):
        # a safety net: a value the database cannot store (too long for its column, a number out of its range)
        # that no schema bound caught; logged so that the missing bound gets added
        log.warning("value refused by the database on %s: %s", request.path, exc)
        return api.create_response(
            request, {"code": "value_out_of_range", "message": _("A value is too long or out of range.")}, status=422)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return api.create_response(request, {"code": "too_large", "message": _("The request body is too large.")},
                                   status=413)

    @api.exception_handler(SuspiciousOperation)
    @api.exception_handler(MultiPartParserError)
    @api.exception_handler(BadRequest)
    def bad_request(request, exc):
        # too many fields or files (TooManyFieldsSent, TooManyFilesSent), a malformed or oversized multipart body
        return api.create_response(request, {"code": "bad_request", "message": _("The request is malformed.")},
                                   status=400)

    @api.exception_handler(Exception)
    def unexpected(request, exc: Exception):
        log.exception("unexpected error on %s", request.path)
        return api.create_response(request, {"code": "server_error", "message": _("An unexpected error occurred; it was logged.")}, status=500)
