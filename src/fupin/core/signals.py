"""The security log of logins, logouts and failed logins (Django's auth signals)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .enums import SecurityEventKind


def _ip(request) -> str | None:  # type: ignore[no-untyped-def]
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):  # type: ignore[no-untyped-def]
    from .services import security_event_log

    security_event_log(kind=SecurityEventKind.LOGIN, user=user, ip=_ip(request), path=getattr(request, "path", ""))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):  # type: ignore[no-untyped-def]
    from .services import security_event_log

    security_event_log(kind=SecurityEventKind.LOGOUT, user=user, ip=_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):  # type: ignore[no-untyped-def]
    from .services import security_event_log

    security_event_log(kind=SecurityEventKind.LOGIN_FAILED, username=str(credentials.get("username", ""))[:150],
                       ip=_ip(request), path=getattr(request, "path", "") if request else "")
