"""`fupin export_registry KIND --format csv|xlsx --out FILE [--user USERNAME] [--language zh-hans]`."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError

from fupin.core.errors import FupinError
from fupin.registry.exports import EXTRA, FORMATS, registry_export


def operator() -> SimpleNamespace:
    """The server operator running the command: the whole nation, personal data masked."""
    return SimpleNamespace(
        pk=None, username="cli", is_authenticated=True, is_active=True, is_superuser=False, scope_level="nation",
        scope_code="", scope_prefix="", has_role=lambda *roles: False, can_see_code=lambda code: True,
    )


class Command(BaseCommand):
    help = "Export a registry list (regions, organisations, entities, households, relations) to CSV or .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(EXTRA))
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="csv")
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument("--user", help="export as this user (their scope and masking apply)")
        parser.add_argument("--language", default="en", help="header language: en or zh-hans")
        parser.add_argument("--region", help="only this region and below")

    def handle(self, *args, kind, fmt, out, user, language, region, **opts):
        from fupin.core.models import User

        viewer: object = operator()
        if user:
            viewer = User.objects.filter(username=user, is_active=True).first()
            if viewer is None:
                raise CommandError(f"no active user {user!r}")
        filters = {("within" if kind == "regions" else "region_code"): region} if region else {}
        try:
            file = registry_export(kind=kind, viewer=viewer, fmt=fmt, language=language, filters=filters)
        except FupinError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        Path(out).write_bytes(file.content)
        self.stdout.write(f"wrote {file.rows} {kind} to {out}")
