"""`fupin anchor_integrity`: sign the head of every hash chain with the platform's Ed25519 key and store the anchor;
export it (or an earlier one) as JSON, text or HTML for an auditor to keep and check offline
(`fupin.core.integrity.anchors`). The chains are verified first: a broken chain is not anchored."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.integrity import anchors, chain
from fupin.core.integrity.kinds import KINDS
from fupin.core.integrity.verify import verify_integrity
from fupin.core.models import ChainAnchor

FORMATS = ("json", "text", "html")


class Command(BaseCommand):
    help = ("Anchor the hash chains: sign every chain's head with the platform's key (after verifying them), store "
            "the anchor, and export it as JSON, text or HTML. --export ID exports an earlier anchor.")

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="write the export to this file (default: standard output)")
        parser.add_argument("--format", choices=FORMATS, default="text")
        parser.add_argument("--export", type=int, metavar="ID", help="export anchor ID instead of making a new one")
        parser.add_argument("--no-verify", action="store_true", help="anchor without verifying the chains first")
        parser.add_argument("--adopt-unlinked", action="store_true",
                            help="first link the rows no link records (rows written before the chains were "
                                 "installed); audited — whatever those rows hold now is what the chain vouches for")

    def handle(self, *args, output=None, format="text", export=None, no_verify=False, adopt_unlinked=False,
               **opts):
        if adopt_unlinked and export is None:
            for label in sorted(KINDS):
                n = chain.adopt_unlinked(label)
                if n:
                    audit.record(actor="anchor_integrity", action="integrity:adopt", object_type=label,
                                 object_id="-", after={"rows": n})
                    self.stderr.write(_("%(kind)s: %(n)d rows without a link were linked as they are now.")
                                      % {"kind": label, "n": n})
        if export is not None:
            anchor = ChainAnchor.objects.filter(pk=export).first()
            if anchor is None:
                raise CommandError(_("There is no anchor #%(id)s.") % {"id": export})
        else:
            if not no_verify:
                report = verify_integrity()
                if not report.ok:
                    for finding in report.findings:
                        self.stderr.write(f"BAD {finding.code} {finding.kind} #{finding.object_id or '-'}: "
                                          f"{finding.message}")
                    raise CommandError(_("The chains do not verify: nothing was anchored (run fupin "
                                         "verify_integrity)."), returncode=1)
            anchor = anchors.anchor_create(actor="anchor_integrity")
            self.stderr.write(_("Anchor #%(id)s: %(chains)d chains signed with key %(key)s.")
                              % {"id": anchor.pk, "chains": anchor.chains, "key": anchor.key_id})
        if format == "json":
            text = json.dumps(anchors.export_json(anchor), ensure_ascii=False, indent=2) + "\n"
        elif format == "html":
            text = anchors.export_html(anchor)
        else:
            text = anchors.export_text(anchor)
        if output is not None:
            output.write_text(text, encoding="utf-8")
            self.stderr.write(_("Written to %(path)s.") % {"path": output})
        else:
            self.stdout.write(text, ending="")
