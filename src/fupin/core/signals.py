"""The security log of logins, logouts, failed logins (Django's auth signals) and lockouts (django-axes)."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .enums import SecurityEventKind


def _ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from .services import security_event_log

    security_event_log(kind=SecurityEventKind.LOGIN, user=user, ip=_ip(request), path=getattr(request, "path", ""))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    from .services import security_event_log

    security_event_log(kind=SecurityEventKind.LOGOUT, user=user, ip=_ip(request))


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    from .services import security_event_log

    security_event_log(kind=SecurityEventKind.LOGIN_FAILED, username=str(credentials.get("username", ""))[:150],
                       ip=_ip(request), path=getattr(request, "path", "") if request else "")


@receiver(user_locked_out)
def _locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                ip_address: str | None = None, **kwargs: Any) -> None:
    from .services import security_event_log

    security_event_log(kind=SecurityEventKind.LOCKED_OUT, username=str(username or "")[:150],
                       ip=ip_address or _ip(request), path=getattr(request, "path", "") if request else "")
