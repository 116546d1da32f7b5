"""`fupin import_registry KIND FILE [--dry-run] [--user USERNAME]`: import a registry CSV or .xlsx file and print
the report (each rejected row's line, column and reason) and where the rejected rows were written."""

from __future__ import annotations

from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from fupin.core.errors import FupinError
from fupin.registry.imports import KINDS, registry_import


class Command(BaseCommand):
    help = "Import regions, organisations, entities, households or relations from a CSV or .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--user", help="act as this user (their roles and region scope apply)")

    def handle(self, *args, kind, file, dry_run, user, **opts):
        from fupin.core.models import User

        actor: object = "cli"
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {user!r}")
        if not Path(file).is_file():
            raise CommandError(f"no such file: {file}")
        try:
            report = registry_import(kind=kind, path=file, actor=actor, dry_run=dry_run)
        except FileNotFoundError:
            raise CommandError(f"no such file: {file}") from None
        except FupinError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        extra = report.extra
        self.stdout.write(
            f"{'DRY RUN: nothing written. ' if dry_run else ''}{report.file_name}: {report.total} rows; "
            f"{extra.get('created', 0)} created, {extra.get('updated', 0)} updated, {report.unchanged} unchanged, "
            f"{report.rejected} rejected ({report.duplicates} duplicates) [run {report.run_id}]"
        )
        for warning in report.warnings:
            self.stdout.write(f"warning: {warning}")
        for error in report.errors:
            self.stdout.write(f"line {error.line}, column {error.column or '-'}: {error.message} [{error.code}]")
        if extra.get("rejected_file"):
            name = extra["rejected_file"]
            try:
                where = default_storage.path(name)
            except NotImplementedError:
                where = name
            self.stdout.write(f"rejected rows written to: {where}")
