"""Domain errors raised by any portal page become proper 4xx pages, never a 500.

The API has its own handler (ninja catches errors inside its views), so this only sees page views.
Denials are logged to the security log where they are decided (`fupin.core.access`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

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


class PasswordChangeRequiredMiddleware:
    """A user whose password an administrator reset (`password_reset_required`) sees only the password change page
    (and may sign out) until it has chosen a new password: every other page redirects there, the page it asked for
    kept as `next`. The API refuses such a session itself (`fupin.api.auth.Session`: 401)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "password_reset_required", False):
            change, path = reverse("portal:password_change"), request.path
            allowed = (change, reverse("portal:logout"), reverse("set_language"))
            if path not in allowed and not path.startswith(("/api/", "/static/")):
                query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
                return redirect(f"{change}?{query}" if query else change)
        return self.get_response(request)
