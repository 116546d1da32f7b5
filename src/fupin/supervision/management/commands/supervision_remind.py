"""Remind the bodies whose year-end self-evaluation is overdue: run daily in January and February (cron)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fupin.supervision import cycle


class Command(BaseCommand):
    help = ("Mail the users of every assessed body whose self-evaluation of YEAR is past its due date "
            "(supervision.assessment_cycle) and list every step that is late.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="the assessed year; default last year")
        parser.add_argument("--date", help="act as of this date (YYYY-MM-DD); default today")

    def handle(self, *args, year=None, date=None, **opts):
        try:
            on = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        year = year or on.year - 1
        reminded = cycle.reminders_send(year=year, on=on)
        for line in reminded:
            self.stdout.write(f"reminded {line.body} ({line.scheme}): self-evaluation due {line.due}")
        late = [line for line in cycle.overdue_lines(year=year, on=on) if line.step != "self_evaluation"]
        for line in late:
            self.stdout.write(f"late: {line.body} ({line.scheme}) waits for {line.step}, due {line.due}")
        self.stdout.write(f"{len(reminded)} body/scheme reminded, {len(late)} later step(s) late, year {year}, as of {on}")
