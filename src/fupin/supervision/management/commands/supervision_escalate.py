"""Escalate overdue problems to their supervising body: run daily (cron / systemd timer)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fupin.supervision import problems


class Command(BaseCommand):
    help = "Escalate every open or in-progress problem past its due date (plus the dated grace) to the supervising body."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="act as of this date (YYYY-MM-DD); default today")

    def handle(self, *args, date=None, **opts):
        try:
            on = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        done = problems.problems_escalate(actor="supervision_escalate", today=on)
        for p in done:
            self.stdout.write(f"problem #{p.pk} → {p.escalated_to}")
        self.stdout.write(f"escalated {len(done)} problem(s) as of {on}")
