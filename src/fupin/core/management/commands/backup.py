"""`fupin backup FOLDER`: a consistent backup of the database and the stored files, with a manifest (row counts of
every table, checksums) that `fupin restore` verifies (fupin.core.backup)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.core import backup
from fupin.core.enums import SecurityEventKind
from fupin.core.services import security_event_log


class Command(BaseCommand):
    help = ("Back up the database (SQLite: online backup API; PostgreSQL: pg_dump --format=custom) and the stored "
            "files into a new FOLDER with a manifest of row counts and checksums; the platform may keep running.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="a new or empty folder")

    def handle(self, *args, folder, **opts):
        try:
            manifest = backup.backup(folder=folder)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        security_event_log(kind=SecurityEventKind.BACKUP, username="backup", path=str(folder), detail=backup.describe(manifest))
        self.stdout.write(backup.describe(manifest))
        self.stdout.write(f"written to {folder}")
