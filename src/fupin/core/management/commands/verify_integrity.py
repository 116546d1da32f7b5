"""`fupin verify_integrity`: recompute every hash chain (purchase ledger, benefit payments, certification decisions,
audit log) from the rows and the links, check every signed anchor, and report the first broken link of each chain
with the model, the row's id and what is wrong. Exit status 1 when anything is broken (`fupin.core.integrity`)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fupin.core.integrity.kinds import KINDS
from fupin.core.integrity.verify import verify_integrity


class Command(BaseCommand):
    help = ("Verify the tamper-evident hash chains and the signed anchors; report the first broken link per chain "
            "(changed, deleted or directly inserted rows, broken links, anchors not reached, bad signatures). "
            "Exit status 1 when broken.")

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", choices=sorted(KINDS), help="only this kind (repeatable)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, kind=None, json: bool = False, **opts):
        report = verify_integrity(kinds=kind)
        if json:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            self.stdout.write(_("%(chains)d chains, %(links)d links, %(rows)d rows, %(anchors)d anchors checked.")
                              % {"chains": report.chains, "links": report.links, "rows": report.rows,
                                 "anchors": report.anchors})
            for finding in report.findings:
                self.stdout.write(f"BAD {finding.code} {finding.kind} #{finding.object_id or '-'} "
                                  f"[{finding.chain} @{finding.seq or '-'}]: {finding.message}")
            for code, n in sorted(report.counts.items()):
                self.stdout.write(_("%(n)d × %(code)s") % {"n": n, "code": code})
        if not report.ok:
            raise CommandError(_("The integrity check failed: %(n)d findings in %(chains)d chains.")
                               % {"n": sum(report.counts.values()), "chains": len(report.first)}, returncode=1)
        if not json:
            self.stdout.write(_("Every chain verifies: no row was changed, removed or inserted outside the platform."))


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
