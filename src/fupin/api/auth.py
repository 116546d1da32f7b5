"""API authentication: `Authorization: Bearer <token>` for machines, the Django session (with CSRF) for browsers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.session import SessionAuth

from fupin.core.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """Django session auth; ninja checks the CSRF token for unsafe methods."""


AUTH: list[APIKeyCookie | HttpBearer] = [BearerToken(), Session()]
