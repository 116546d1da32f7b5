"""`fupin reporting_right_grant ORG_CODE --source NAME [...]`: let an organisation book purchases of other buyers."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fupin.core.errors import FupinError
from fupin.ledger import services
from fupin.registry import selectors as registry


def date_arg(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = ("Grant a reporting right (audited): the organisation with credit code ORG_CODE may book purchases under "
            "--source for every registered buyer, or only for buyers registered in --region and/or of --kind; with "
            "--public also sales to members of the public (empty buyer code); --public-only for nothing else.")

    def add_arguments(self, parser):
        parser.add_argument("org_code", help="the reporting organisation's unified social credit code")
        parser.add_argument("--source", required=True, help="the source name its rows carry")
        parser.add_argument("--reason", required=True, help="why the right is granted (audited)")
        parser.add_argument("--region", default="", help="only buyers registered in this province/prefecture/county")
        parser.add_argument("--kind", action="append", default=[], dest="kinds",
                            help="only buyers of this organisation kind (repeat for several)")
        parser.add_argument("--public", action="store_true", help="also sales to members of the public")
        parser.add_argument("--public-only", action="store_true", help="only sales to members of the public")
        parser.add_argument("--from", dest="valid_from", default="", help="first purchase date covered (YYYY-MM-DD)")
        parser.add_argument("--to", dest="valid_to", default="", help="last purchase date covered (YYYY-MM-DD)")

    def handle(self, *args, org_code, source, reason, region, kinds, public, public_only, valid_from, valid_to,
               **opts):
        found = registry.organisations_by_credit_codes(codes={org_code.strip().upper()})
        if not found:
            raise CommandError(f"no organisation has the credit code {org_code!r}")
        try:
            right = services.reporting_right_grant(
                reporter=found[0], source=source, reason=reason, buyer_region_code=region, buyer_kinds=kinds,
                organisations=not public_only, public_sales=public or public_only,
                valid_from=date_arg(valid_from), valid_to=date_arg(valid_to), actor="cli")
        except FupinError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"reporting right #{right.pk} granted to {right.reporter.name} as {right.source!r}")
