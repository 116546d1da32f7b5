from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fupin.registry.reference import ReferenceDataError, missing_files, reference_load

NO_DATA = "load_reference: no reference data; the demo will build a synthetic region set."


class Command(BaseCommand):
    help = (
        "Load the reference data (statistics bureau divisions to township, the MCA code history, the 832 national "
        "poverty counties) from DIR (default: settings.FUPIN_REFERENCE_DIR) into the registry. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", help="folder holding the reference files (see its SOURCES.md)")
        parser.add_argument("--no-townships", action="store_true", help="load provinces, prefectures and counties only")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args, directory=None, no_townships=False, dry_run=False, **opts):
        path: Path | None
        if directory:
            path = Path(directory)
            if not path.is_dir():
                raise CommandError(f"No such folder: {path}")
        else:
            configured = getattr(settings, "FUPIN_REFERENCE_DIR", "")
            path = Path(configured) if configured else None
            if path is None or not path.is_dir() or missing_files(path):
                self.stdout.write(NO_DATA)
                return
        try:
            report = reference_load(directory=path, actor="load_reference", townships=not no_townships, dry_run=dry_run)
        except ReferenceDataError as exc:
            details = "\n".join(f"  {d}" for d in exc.details or [])
            raise CommandError(f"{exc.message}\n{details}") from exc

        out = self.stdout.write
        out(f"Reference data from {report.directory}{' (dry run: nothing written)' if report.dry_run else ''}")
        out(f"Repairs of the poverty county list ({len(report.repairs)}):")
        for line in report.repairs:
            out(f"  - {line}")
        out(f"{'level':<12}{'created':>9}{'updated':>9}{'unchanged':>11}")
        for level, c in [*report.regions.items(), ("crosswalk", report.crosswalk)]:
            out(f"{level:<12}{c['created']:>9}{c['updated']:>9}{c['unchanged']:>11}")
        years = ", ".join(f"{y}: {n}" for y, n in report.exit_years.items())
        out(f"National poverty counties: {report.poverty_counties} of {report.poverty_list_rows} list rows "
            f"(exits {years})")
        sample = " — a SAMPLE, not the official list: put key_counties.csv in the reference folder" \
            if report.key_counties_sample else ""
        out(f"Key counties for rural revitalisation: {report.key_counties}{sample}")
        if report.poverty_counties != 832:
            self.stderr.write(f"Warning: expected 832 national poverty counties, found {report.poverty_counties}.")
        if report.changed:
            verb = "Would change" if report.dry_run else "Changed"
            out(self.style.SUCCESS(f"{verb} the registry in {report.seconds:.1f} s."))
        else:
            out(f"Nothing changed: the registry already matches the reference data ({report.seconds:.1f} s).")
