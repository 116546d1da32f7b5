"""What the history import commands share: the acting user and the printed report."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from fupin.core.errors import FupinError


def run_history_import(command: BaseCommand, fn: Any, *, file: str, user: str, dry_run: bool, json: bool) -> None:
    """Run `fn(path=, file_name=, actor=, dry_run=)` as the named active user and print its report: the counts,
    each rejected row's line, column, code and message, and where the rejected rows were kept."""
    from fupin.core.models import User

    path = Path(file)
    if not path.is_file():
        raise CommandError(f"no such file: {file}")
    actor = User.objects.filter(username=user, is_active=True).first()
    if actor is None:
        raise CommandError(f"no active user {user!r}")
    try:
        report = fn(path=path, file_name=path.name, actor=actor, dry_run=dry_run)
    except FupinError as exc:
        raise CommandError(f"{exc.code}: {exc.message}") from None
    if json:
        command.stdout.write(jsonlib.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        return
    extra = report.extra
    command.stdout.write(
        f"{'DRY RUN: nothing written. ' if dry_run else ''}{report.file_name}: {report.total} rows; "
        f"{extra.get('created', 0)} created, {extra.get('updated', 0)} updated, {report.unchanged} unchanged, "
        f"{report.rejected} rejected ({report.duplicates} duplicates) [run {report.run_id}]")
    for warning in report.warnings:
        command.stdout.write(f"warning: {warning}")
    for error in report.errors:
        command.stdout.write(f"line {error.line}, column {error.column or '-'}: {error.message} [{error.code}]")
    if extra.get("rejected_file"):
        try:
            where = default_storage.path(extra["rejected_file"])
        except NotImplementedError:
            where = extra["rejected_file"]
        command.stdout.write(f"rejected rows written to: {where}")


def add_history_arguments(parser: Any) -> None:
    parser.add_argument("file")
    parser.add_argument("--user", required=True, help="the user the import acts for (its roles and scope apply)")
    parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
