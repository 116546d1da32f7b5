"""Login throttling: django-axes's backend for every login that comes with a request (the sign-in page).

After `AXES_FAILURE_LIMIT` failed logins for one user name from one address, that pair is locked out for
`AXES_COOLOFF_TIME` (settings: FUPIN_LOGIN_FAILURE_LIMIT, FUPIN_LOGIN_COOLOFF_MINUTES); the lockout page says so in
both languages and the security log records it (`SecurityEventKind.LOCKED_OUT`, fupin.core.signals). A successful
login resets the count. Authentication without a request (a management command, a test's `Client.login`) has no
address to throttle by and passes on to the next backend instead of failing as axes's own backend does.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
