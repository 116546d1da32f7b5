"""`fupin import_historical_catalogue FILE --user ADMIN [--dry-run] [--json]`: load products certified before go-live
(the historical national catalogue: product, supplier, origin, batch, certificate validity) from a CSV or .xlsx file
and print the report (each rejected row's line, column and reason). File format: docs/domain/history-import.md."""

from django.core.management.base import BaseCommand

from fupin.certification.history_import import catalogue_history_import
from fupin.registry.management.commands._history import add_history_arguments, run_history_import


class Command(BaseCommand):
    help = "Import the historical national catalogue of certified products (.csv or .xlsx); administrators."

    def add_arguments(self, parser):
        add_history_arguments(parser)

    def handle(self, *args, file, user, dry_run, json=False, **opts):
        run_history_import(self, catalogue_history_import, file=file, user=user, dry_run=dry_run, json=json)
