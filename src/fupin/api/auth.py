"""API authentication: `Authorization: Bearer <token>` for machines, the Django session (with CSRF) for browsers.

A token's scopes (`fupin.core.tokens`) are enforced here, for every operation at once: `bind_scopes(api)` (called by
`fupin.api.main` after every router is mounted) gives each operation a bearer check bound to the app the operation
belongs to (the package of its view: `fupin.ledger.…` is `ledger`, `fupin.api.users` is `users`) and records the
scope it needs in the OpenAPI document (`x-token-scope`). A request with a token then needs `<app>:read` for GET,
HEAD and OPTIONS and `<app>:write` for every other method, else 403 `token_scope`. An expired or revoked token
gives 401 (`token_expired`, `token_revoked`), an unknown one 401 `not_authenticated`. A session is not narrowed."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.session import SessionAuth

from fupin.core import tokens
from fupin.core.access import deny
from fupin.core.services import token_check

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SCOPE_EXTRA = "x-token-scope"


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class BearerToken(HttpBearer):
    """A bearer token; bound to an app (`bind_scopes`), it also checks the token's scope for the request."""

    def __init__(self, app: str | None = None) -> None:
        super().__init__()
        self.app = app

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_check(token, path=request.path, ip=client_ip(request))
        if found is None:
            return None
        user = found.user
        request.user = user
        request.api_token = found  # type: ignore[attr-defined]  # the token a request came with (tokens API)
        if self.app is not None:
            write = (request.method or "GET").upper() not in SAFE_METHODS
            if not tokens.allows(found.scope_list, self.app, write=write):
                needed = f"{self.app}:{'write' if write else 'read'}"
                raise deny(user, _("This API token's scopes (%(have)s) do not include %(needed)s.")
                           % {"have": found.scopes, "needed": needed}, code="token_scope",
                           detail=f"token {found.prefix}: needs {needed}, has {found.scopes}", path=request.path)
        return user


class Session(SessionAuth):
    """Django session auth; ninja checks the CSRF token for unsafe methods. A user whose password an administrator
    reset is not signed in to the API until it has chosen a new password (401)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and getattr(user, "password_reset_required", False):
            return None
        return user


AUTH: list[APIKeyCookie | HttpBearer] = [BearerToken(), Session()]


def app_of(view: Any) -> str:
    """The app an operation belongs to, by its view's module: `fupin.<app>.…`, or `fupin.api.<router>`."""
    parts = (getattr(view, "__module__", "") or "").split(".")
    if len(parts) >= 3 and parts[:2] == ["fupin", "api"]:
        return parts[2]
    return parts[1] if len(parts) >= 2 and parts[0] == "fupin" else ""


def operation_scope(path: str, op: Any) -> str | None:
    """The scope an operation needs from a token (`ledger:write`), or None for an operation without authentication."""
    for callback in op.auth_callbacks:
        if isinstance(callback, BearerToken) and callback.app:
            write = bool({m.upper() for m in op.methods} - SAFE_METHODS)
            return f"{callback.app}:{'write' if write else 'read'}"
    return None


def bind_scopes(api: NinjaAPI) -> None:
    """Give every operation that takes a bearer token the check of its app's scope (see the module docstring)."""
    from .responses import operations

    bound: dict[str, BearerToken] = {}
    for path, op in operations(api):
        if not any(isinstance(cb, BearerToken) for cb in op.auth_callbacks):
            continue
        app = app_of(op.view_func)
        if app not in tokens.APPS:
            raise RuntimeError(f"{path}: the view's module {op.view_func.__module__} names no app of "
                               f"fupin.core.tokens.APPS")
        checker = bound.setdefault(app, BearerToken(app))
        op.auth_callbacks = [checker if isinstance(cb, BearerToken) else cb for cb in op.auth_callbacks]
        scope = operation_scope(path, op)
        op.openapi_extra = {**(op.openapi_extra or {}), SCOPE_EXTRA: scope}
