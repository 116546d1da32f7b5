"""`fupin ledger_check`: recompute every rollup from the entries and report any difference (there must be none);
also check that every reference of the entries exists and that amounts and signs agree."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from fupin.ledger import checks, rollups


class Command(BaseCommand):
    help = "Recompute every rollup from the ledger entries and report any difference; check the entries' references."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true",
                            help="replace the rollups by the recomputation (after a restore); audited")

    def handle(self, *args, rebuild=False, **opts):
        if rebuild:
            counts = checks.rollups_rebuild(actor="ledger_check")
            for name, n in counts.items():
                self.stdout.write(f"rebuilt {name}: {n} rows")
        problems = 0
        for diff in rollups.check():
            if diff.ok:
                self.stdout.write(f"ok  {diff.cube:15} {diff.rollup_rows} rows")
                continue
            problems += 1
            self.stdout.write(f"BAD {diff.cube:15} {diff.rollup_rows} rows stored, {diff.expected_rows} expected")
            for row in diff.only_in_rollup:
                self.stdout.write(f"    stored, not recomputed: {row}")
            for row in diff.only_in_entries:
                self.stdout.write(f"    recomputed, not stored: {row}")
        for name, n in checks.entry_problems().items():
            if n:
                problems += 1
                self.stdout.write(f"BAD entries: {name}: {n}")
            else:
                self.stdout.write(f"ok  entries: {name}")
        if problems:
            raise CommandError(f"{problems} problem(s) found")
        self.stdout.write("The rollups agree with the entries.")
