"""fupin linkage_draw --user NAME --county CODE --start DATE --end DATE [--seed N]: draw a verification sample."""

from django.core.management.base import BaseCommand, CommandError

from fupin.core.errors import FupinError
from fupin.linkage import sampling

from ._common import required_date_arg, user_named


class Command(BaseCommand):
    help = "Draw a reproducible stratified sample of benefiting households for field verification."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True)
        parser.add_argument("--county", required=True)
        parser.add_argument("--start", required=True)
        parser.add_argument("--end", required=True)
        parser.add_argument("--seed", type=int)
        parser.add_argument("--field-list", help="write the field verification list (.xlsx) to this path")

    def handle(self, *args, user, county, start, end, seed=None, field_list=None, **opts):
        actor = user_named(user)
        try:
            rnd = sampling.round_draw(county_code=county, period_start=required_date_arg(start), period_end=required_date_arg(end),
                                      seed=seed, actor=actor)
        except FupinError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(f"round #{rnd.pk}: {rnd.sample_size} of {rnd.population} (seed {rnd.seed})")
        self.stdout.write(rnd.method)
        if field_list:
            with open(field_list, "wb") as fh:
                fh.write(sampling.field_list_xlsx(round=rnd, viewer=actor))
            self.stdout.write(f"field list written to {field_list}")
