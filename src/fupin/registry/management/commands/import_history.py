"""`fupin import_history household_statuses|region_memberships FILE --user NAME [--dry-run] [--json]`: load the
history from before go-live — households' historical status periods, or historical region set memberships — from a
CSV or .xlsx file (English or Chinese headers) and print the report (each rejected row's line, column and reason).
File formats: docs/domain/history-import.md."""

from django.core.management.base import BaseCommand

from fupin.registry import history_import

from ._history import add_history_arguments, run_history_import

KINDS = {"household_statuses": history_import.household_history_import,
         "region_memberships": history_import.region_membership_history_import}


class Command(BaseCommand):
    help = "Import historical household status periods or historical region set memberships (.csv or .xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        add_history_arguments(parser)

    def handle(self, *args, kind, file, user, dry_run, json=False, **opts):
        run_history_import(self, KINDS[kind], file=file, user=user, dry_run=dry_run, json=json)
