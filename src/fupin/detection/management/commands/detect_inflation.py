"""`fupin detect_inflation [--year Y ...] [--total-sales FILE.csv] [--score] [--json]`: run the detectors over the
account and store the new flags (idempotent); `--score` measures the stored flags against the demo's planted cases."""

import csv
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fupin.core.errors import FupinError
from fupin.core.money import yuan_to_fen
from fupin.detection import selectors, services


class Command(BaseCommand):
    help = "Run the inflated-statistics detectors over the account and store new flags for reviewers."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years",
                            help="year to check (repeat for several; default: last year and this year)")
        parser.add_argument("--total-sales", dest="total_sales",
                            help="CSV with columns seller_code,year,total_yuan: suppliers' total sales of a year "
                                 "(from outside the account; turns on the helped-sales check for that year)")
        parser.add_argument("--score", action="store_true", help="precision and recall against the planted cases")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, years=None, total_sales=None, score=False, as_json=False, **opts):
        today = timezone.localdate()
        years = years or [today.year - 1, today.year]
        totals = None
        if total_sales:
            try:
                with open(total_sales, encoding="utf-8-sig", newline="") as fh:
                    rows = [(r["seller_code"], int(r["year"]), yuan_to_fen(r["total_yuan"]))
                            for r in csv.DictReader(fh)]
            except (OSError, KeyError, ValueError, FupinError) as exc:
                raise CommandError(f"cannot read {total_sales}: {exc}") from exc
            totals = selectors.total_sales_by_code(rows)
        elif score:
            planted = selectors.planted_cases()
            if planted:
                totals = {int(planted["year"]): {int(k): v for k, v in planted["total_sales_fen"].items()}}
        reports = []
        for year in years:
            try:
                reports.append(services.detection_run(year=year, actor="detect_inflation",
                                                       total_sales_fen=(totals or {}).get(year) if totals else None))
            except FupinError as exc:
                raise CommandError(f"{year}: {exc.message}") from exc
        out: dict = {"runs": [r.as_dict() for r in reports]}
        if score:
            result = selectors.planted_score()
            out["score"] = None if result is None else [
                {"kind": s.kind, "planted": s.planted, "found": s.found, "flagged": s.flagged, "matched": s.matched,
                 "precision": s.precision, "recall": s.recall} for s in result[1]]
        if as_json:
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        for r in reports:
            self.stdout.write(f"{r.year}: {r.entries} entries, {r.found} cases found, {r.created} new flags, "
                              f"{r.unchanged} already flagged, {r.seconds:.2f} s (parameters #{r.parameters_version})")
            for kind, n in sorted(r.by_kind.items()):
                self.stdout.write(f"  {kind}: {n}")
            for why in r.skipped:
                self.stdout.write(f"  skipped {why}")
        if score:
            if out["score"] is None:
                self.stdout.write("no planted cases in this database (build the demo world first)")
                return
            self.stdout.write(f"{'detector':<24} planted found flagged matched precision recall")
            for s in out["score"]:
                p = "-" if s["precision"] is None else f"{s['precision']:.2f}"
                rc = "-" if s["recall"] is None else f"{s['recall']:.2f}"
                self.stdout.write(f"{s['kind']:<24} {s['planted']:>7} {s['found']:>5} {s['flagged']:>7} "
                                  f"{s['matched']:>7} {p:>9} {rc:>6}")
