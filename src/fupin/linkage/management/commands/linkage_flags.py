"""fupin linkage_flags --user NAME [--on DATE] [--region CODE] [--kind KIND]: list the linkage anomaly flags."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from fupin.core.money import fen_to_yuan
from fupin.linkage import expected
from fupin.linkage.enums import FlagKind

from ._common import date_arg, user_named


class Command(BaseCommand):
    help = "List linkage flags (no payment in M months, below terms, many entities, below protected price)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="whose scope to apply")
        parser.add_argument("--on", help="the date (default today)")
        parser.add_argument("--region")
        parser.add_argument("--kind", choices=[k for k in FlagKind.values if k != FlagKind.VERIFICATION_DISCREPANCY])

    def handle(self, *args, user, on=None, region=None, kind=None, **opts):
        found = expected.flags(viewer=user_named(user), on=date_arg(on) or timezone.localdate(), region_code=region,
                               kinds=[kind] if kind else None)
        for f in found:
            self.stdout.write(f"{f.kind}\t{f.entity_name}\t{f.contract_code}\t{f.registry_code}\t"
                              f"due {fen_to_yuan(f.due_fen)}\tpaid {fen_to_yuan(f.paid_fen)}\t{f.detail}")
        self.stdout.write(f"{len(found)} flag(s)")
