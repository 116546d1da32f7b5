"""Domain errors raised by any portal page become proper 4xx pages, never a 500.

The API has its own handler (ninja catches errors inside its views), so this only sees page views.
Denials are logged to the security log where they are decided (`fupin.core.access`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fupin.core.errors import FupinError

from .views.shared import domain_error_response


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, FupinError):
            return domain_error_response(request, exception)
        return None
