"""fupin import_linkage contracts|payments FILE --user NAME [--dry-run]: import linkage contracts or benefit
payments from .csv/.xlsx, print the report (rejected rows with line, column and reason).
fupin import_linkage --outcomes ROUND_ID FILE --user NAME [--dry-run]: import the filled-in field list of a
verification round (the outcomes of the visits)."""

import json as jsonlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fupin.core.errors import FupinError
from fupin.linkage import imports, sampling

from ._common import user_named


class Command(BaseCommand):
    help = ("Import linkage contracts or benefit payments, or (--outcomes ROUND_ID) the filled-in field list of a "
            "verification round (.csv or .xlsx, English or Chinese headers).")

    def add_arguments(self, parser):
        parser.add_argument("kind", nargs="?", choices=["contracts", "payments"],
                            help="what the file holds (leave out with --outcomes)")
        parser.add_argument("file")
        parser.add_argument("--outcomes", type=int, metavar="ROUND_ID",
                            help="the file is the filled-in field list of this verification round")
        parser.add_argument("--user", required=True, help="the user the import acts for (its roles and scope apply)")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        parser.add_argument("--json", action="store_true", help="print the full report as JSON")

    def handle(self, *args, kind, file, user, dry_run, outcomes=None, json: bool = False, **opts):
        if (kind is None) == (outcomes is None):
            raise CommandError("name what the file holds: contracts, payments, or --outcomes ROUND_ID")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        actor = user_named(user)
        try:
            if outcomes is not None:
                rnd = sampling.round_get(viewer=actor, pk=outcomes)
                report = imports.outcome_import(path=path, file_name=path.name, round=rnd, actor=actor, dry_run=dry_run)
            else:
                fn = imports.contract_import if kind == "contracts" else imports.payment_import
                report = fn(path=path, file_name=path.name, actor=actor, dry_run=dry_run)
        except FupinError as exc:
            raise CommandError(str(exc.message)) from None
        if json:
            self.stdout.write(jsonlib.dumps(report.as_dict(), ensure_ascii=False, indent=1))
            return
        counts = (f"{report.extra['recorded']} recorded, {report.unchanged} unchanged, {report.extra['pending']} "
                  "pending (no outcome)" if outcomes is not None else
                  f"{report.accepted} accepted, {report.unchanged} unchanged")
        self.stdout.write(f"{'DRY RUN: ' if dry_run else ''}{report.total} rows: {counts}, "
                          f"{report.duplicates} duplicates, {report.rejected} rejected")
        for w in report.warnings:
            self.stdout.write(f"warning: {w}")
        for e in report.errors[:200]:
            self.stdout.write(f"line {e.line}, {e.column}: {e.code}: {e.message}")
        if report.run_id:
            self.stdout.write(f"import run #{report.run_id}")
