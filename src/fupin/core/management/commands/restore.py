"""`fupin restore FOLDER --yes`: replace the database and the stored files by a backup of `fupin backup`, then prove
the restore: every table's row count equals the manifest's, and the platform's consistency checks pass
(`ledger_check`: the rollups agree with the entries; `verify_integrity`: every hash chain and signed anchor holds)."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from fupin.core import backup
from fupin.core.enums import SecurityEventKind
from fupin.core.services import security_event_log

# The platform's own checks run after a restore (by command name: core knows no higher app).
CHECKS = ("ledger_check", "verify_integrity")


class Command(BaseCommand):
    help = ("Restore a backup made by `fupin backup` (checked against its manifest first), then verify the row count "
            "of every table and run the consistency checks (ledger_check, verify_integrity). Replaces everything: needs --yes.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--yes", action="store_true", help="confirm that the current data is to be replaced")
        parser.add_argument("--no-checks", action="store_true", help="skip the consistency checks (not the counts)")

    def handle(self, *args, folder, yes, no_checks, **opts):
        try:
            manifest = backup.Manifest.read(folder)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(backup.describe(manifest))
        if not yes:
            raise CommandError("restoring replaces the database and the stored files: run again with --yes")
        try:
            result = backup.restore(folder=folder)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        differences = result.differences
        for table, (expected, found) in differences.items():
            self.stdout.write(f"BAD {table}: {expected} rows in the backup, {found} after the restore")
        if differences:
            raise CommandError(f"{len(differences)} table(s) differ from the backup's manifest")
        self.stdout.write(f"ok  {len(result.counts)} tables, {sum(result.counts.values())} rows as in the manifest")
        if not no_checks:
            for name in CHECKS:
                call_command(name, stdout=self.stdout, stderr=self.stderr)
        security_event_log(kind=SecurityEventKind.RESTORE, username="restore", path=str(folder), detail=backup.describe(manifest))
        self.stdout.write("restored")
