"""`fupin reporting_right_revoke ID --reason TEXT`: end a reporting right now (audited)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fupin.core.errors import FupinError
from fupin.ledger import services


class Command(BaseCommand):
    help = "Revoke a reporting right (audited): later rows under it are refused with buyer_not_yours."

    def add_arguments(self, parser):
        parser.add_argument("right_id", type=int, help="the reporting right's id")
        parser.add_argument("--reason", required=True, help="why the right ends (audited)")

    def handle(self, *args, right_id, reason, **opts):
        try:
            right = services.reporting_right_revoke(right=services.reporting_right_ref(pk=right_id), reason=reason,
                                                    actor="cli")
        except FupinError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"reporting right #{right.pk} revoked")
