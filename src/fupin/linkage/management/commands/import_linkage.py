"""fupin import_linkage contracts|payments FILE --user NAME [--dry-run]: import linkage contracts or benefit
payments from .csv/.xlsx, print the report (rejected rows with line, column and reason)."""

import json as jsonlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.core.errors import FupinError
from fupin.linkage import imports

from ._common import user_named


class Command(BaseCommand):
    help = "Import linkage contracts or benefit payments (.csv or .xlsx, English or Chinese headers)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["contracts", "payments"])
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="the user the import acts for (its roles and scope apply)")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        parser.add_argument("--json", action="store_true", help="print the full report as JSON")

    def handle(self, *args, kind, file, user, dry_run, json: bool = False, **opts):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        actor = user_named(user)
        fn = imports.contract_import if kind == "contracts" else imports.payment_import
        try:
            report = fn(path=path, file_name=path.name, actor=actor, dry_run=dry_run)
        except FupinError as exc:
            raise CommandError(str(exc.message)) from None
        if json:
            self.stdout.write(jsonlib.dumps(report.as_dict(), ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{'DRY RUN: ' if dry_run else ''}{report.total} rows: {report.accepted} accepted, "
                          f"{report.unchanged} unchanged, {report.duplicates} duplicates, {report.rejected} rejected")
        for w in report.warnings:
            self.stdout.write(f"warning: {w}")
        for e in report.errors[:200]:
            self.stdout.write(f"line {e.line}, {e.column}: {e.code}: {e.message}")
        if report.run_id:
            self.stdout.write(f"import run #{report.run_id}")
