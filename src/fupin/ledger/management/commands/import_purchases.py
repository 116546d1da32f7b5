"""`fupin import_purchases FILE [--source NAME] [--dry-run]`: import a purchase CSV or .xlsx file."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from fupin.core.errors import FupinError
from fupin.core.money import fen_to_yuan_grouped
from fupin.ledger import services
from fupin.ledger.enums import JobStatus


class Command(BaseCommand):
    help = ("Import purchases from a CSV or .xlsx file (header: source, external_id, purchase_date, buyer_code, "
            "seller_code, product_code, origin_code, quantity, unit, amount_yuan, kind, channel, status; English or "
            "Chinese). Every row is validated; rejected rows are written to a file to fix and re-import.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", default="", help="source of rows whose source cell is empty")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
        parser.add_argument("--batch-size", type=int, default=None, help="rows per transaction (default 20,000)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the report as JSON")

    def handle(self, *args, file, source, dry_run, batch_size, as_json=False, **opts):
        try:
            job = services.purchase_import_file(path=file, source=source, dry_run=dry_run, actor="cli",
                                                batch_size=batch_size)
        except FupinError as exc:
            raise CommandError(str(exc.message)) from exc
        report = job.report
        if as_json:
            self.stdout.write(_dumps(report))
        if job.status == JobStatus.FAILED:
            raise CommandError(f"import failed: {job.error}")
        if not as_json:
            self._summary(job, report)
        if report.get("rejected"):
            self.stderr.write(f"{report['rejected']} row(s) rejected; fix them in {job.rejected_path} and import it again")

    def _summary(self, job, report):
        w = self.stdout.write
        w(f"{'DRY RUN: nothing was written. ' if job.dry_run else ''}import #{job.pk} of {job.file_name}")
        w(f"  rows {report['total']}: accepted {report['accepted']} (counted {report['counted']}), "
          f"duplicates {report['duplicates']}, rejected {report['rejected']}")
        w(f"  amount accepted {fen_to_yuan_grouped(report['accepted_amount_fen'])} yuan, counted "
          f"{fen_to_yuan_grouped(report['counted_amount_fen'])} yuan")
        for reason, n in sorted(report.get("not_counted_reasons", {}).items()):
            w(f"  not counted ({reason}): {n}")
        for warning in report.get("warnings", []):
            w(f"  warning: {warning}")
        for e in report.get("errors", [])[:50]:
            w(f"  line {e['line']} {e['column']}: [{e['code']}] {e['message']}")
        if len(report.get("errors", [])) > 50:
            w(f"  … {len(report['errors']) - 50} more errors in the report")


def _dumps(obj):
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
