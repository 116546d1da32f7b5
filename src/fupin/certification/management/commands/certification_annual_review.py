"""The annual review: re-check the licences of every certified product; suspend those no longer valid."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fupin.certification import spot_checks


class Command(BaseCommand):
    help = "Annual review of certified products (licences still valid); failures are suspended with the reason."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="act as of this date (YYYY-MM-DD); default today")

    def handle(self, *args, date=None, **opts):
        try:
            on = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        result = spot_checks.annual_review(actor="certification_annual_review", today=on)
        self.stdout.write(f"annual review {on}: reviewed {result['reviewed']}, suspended {result['suspended']}")
