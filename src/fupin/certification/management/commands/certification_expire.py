"""Expire every certified (or suspended) product whose certificate ran out: run daily (cron / systemd timer)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fupin.certification import services
from fupin.certification.enums import ProductStatus
from fupin.certification.models import Product


class Command(BaseCommand):
    help = "Expire products whose certificate validity ended before the date (default: today)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="act as of this date (YYYY-MM-DD); default today")
        parser.add_argument("--dry-run", action="store_true", help="only count what is due")

    def handle(self, *args, date=None, dry_run=False, **opts):
        try:
            on = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        if dry_run:
            due = Product.objects.filter(status__in=[ProductStatus.CERTIFIED, ProductStatus.SUSPENDED],
                                         certified_until__lt=on).count()
            self.stdout.write(f"due for expiry on {on}: {due} (dry run, nothing changed)")
            return
        n = services.products_expire(actor="certification_expire", today=on)
        self.stdout.write(f"expired {n} product(s) as of {on}")
