"""fupin compute_poverty_effect --year Y [--user NAME] [--reason TEXT]: decide which enterprises and cooperatives have
an outstanding poverty-reduction effect (带贫成效突出) in year Y, judged on year Y−1, and store the decisions (audited)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fupin.core.errors import FupinError
from fupin.linkage.effect import services

from ._common import user_named


class Command(BaseCommand):
    help = ("Decide the poverty-reduction effect (带贫成效突出) of every enterprise and cooperative for a year, judged "
            "on the year before, and store the decisions with the facts used (audited).")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="the year decided (judged on the year before)")
        parser.add_argument("--user", help="an administrator to run as (default: the command itself, as the system)")
        parser.add_argument("--reason", default="", help="the reason kept in the audit entry")

    def handle(self, *args, year, user=None, reason="", **opts):
        actor = user_named(user) if user else "compute_poverty_effect"
        try:
            run = services.poverty_effect_compute(year=year, actor=actor, reason=reason or "fupin compute_poverty_effect")
        except FupinError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            f"{run.year}: {run.entities} entities judged, {run.qualifying} qualify; {run.created} created, "
            f"{run.updated} updated, {run.unchanged} unchanged; thresholds version(s) "
            f"{', '.join(f'#{v}' for v in run.versions) or '-'}; sales "
            f"{'from the account' if run.sales_known else 'not known (amount only)'}")
