import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fupin.core.errors import FupinError
from fupin.core.models import User
from fupin.core.services import NEVER, token_create


def expiry(text: str | None):
    """None (the default lifetime, FUPIN_TOKEN_DAYS), NEVER, or a time: `30` or `30d` days from now, or a date."""
    if text is None or not text.strip():
        return None
    text = text.strip().lower()
    if text == "never":
        return NEVER
    days = text[:-1] if text.endswith("d") else text
    if days.isdigit():
        if not 1 <= int(days) <= 36500:
            raise CommandError("--expires: give 1 to 36500 days.", returncode=2)
        return timezone.now() + dt.timedelta(days=int(days))
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--expires: {text!r} is not a number of days, a date (YYYY-MM-DD) or 'never'.",
                           returncode=2) from None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


class Command(BaseCommand):
    help = ("Create an API token for USERNAME and print it alone on the last line (only its hash is stored). "
            "--scope narrows what it may do (registry:read, ledger:write, *:read; default *:write: the user's own "
            "rights); --expires sets its lifetime (days, a date or 'never'; default FUPIN_TOKEN_DAYS, 90).")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--scope", action="append", default=None,
                            help="<app>:read or <app>:write, * for every app; repeat or separate with commas")
        parser.add_argument("--expires", default=None, help="days (30 or 30d), a date (2027-06-30) or 'never'")

    def handle(self, *args, username, name, scope, expires, **opts):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            key = token_create(user=user, name=name, actor="cli", scopes=",".join(scope) if scope else None,
                               expires_at=expiry(expires))
        except FupinError as exc:
            raise CommandError(str(exc.message), returncode=2) from None
        self.stdout.write(key)
