"""`python -m benchmarks.supervision`: supervision's figures over a large generated ledger, printed.

On a throwaway database (`--engine sqlite`: SQLite in a temporary folder; `--engine postgresql`: the database
DATABASE_URL names — one of its own, it is migrated and filled — or a throwaway PostgreSQL 15 cluster that is
stopped afterwards), with the benchmark registry (`benchmarks.world`) and `--rows` entries
generated in the database with their rollups (`benchmarks.stats.generate`, the same generator as the ledger's
statistics benchmark):

1. every assessed body — `--bodies` central units (designated assistance) and the eastern provincial governments
   (east–west cooperation) — gets an approved work plan for the year and its year approved: the snapshot reads the
   account's rollups (timed: *approve*);
2. the year's scorecards of every assessed body of both schemes (timed: *scorecards*) — they read the approved
   snapshots only;
3. the national office's early-warning list of the year (timed, p95 over `--runs`).

During steps 2 and 3 every SQL statement is watched: the figures say how many read the entry table
(`ledger_purchaseentry`) — the design says none (rollups and snapshots only). Results also go to `--out` (JSON).

    python -m benchmarks.supervision                       # 200,000 entries, 60 central units
    python -m benchmarks.supervision --rows 10000000 --bodies 2000 --world-scale 1
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from benchmarks import harness

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2023


def _bodies(n: int) -> tuple[list[Any], list[Any]]:
    """The first `n` central units with designated relations, and a provincial government for every eastern
    province helping by east–west cooperation (the benchmark registry names the helping regions only)."""
    from fupin.registry.models import AssistanceRelation, Organisation

    central_ids = list(AssistanceRelation.objects.filter(kind="designated_assistance", helper_org__isnull=False)
                       .order_by("helper_org_id").values_list("helper_org_id", flat=True).distinct()[:n])
    central = list(Organisation.objects.select_related("region").filter(pk__in=central_ids).order_by("pk"))
    east = []
    for region_id in sorted(set(AssistanceRelation.objects.filter(kind="east_west")
                                .values_list("helper_region_id", flat=True))):
        org = Organisation.objects.filter(kind="provincial_government", region_id=region_id).first()
        east.append(org or Organisation.objects.create(name=f"省政府{region_id}", kind="provincial_government",
                                                       region_id=region_id))
    return central, east


def _approve(bodies: list[tuple[Any, str]]) -> None:
    from fupin.supervision import approvals, figures, services

    for body, scheme in bodies:
        ctx = figures.body_context(body=body, year=YEAR)
        plan = services.plan_create(body_id=body.pk, year=YEAR, actor="bench")
        for metric in ("direct_purchase", "helped_sale"):
            actual = figures.figure(ctx=ctx, metric=metric, scheme=scheme, region_code="", sub_unit_id=None,
                                    window=figures.Window(YEAR))["actual"]
            services.target_set(plan=plan, metric=metric, value=max(100, int(actual * 1.1)), scheme=scheme,
                                actor="bench")
        for code in ctx.helped_codes(scheme)[:1]:
            services.target_set(plan=plan, metric="helped_sale", value=100_000, scheme=scheme, region_code=code,
                                actor="bench")
        services.plan_submit(plan=plan, actor="bench")
        services.plan_approve(plan=plan, actor="bench")
        a = approvals.approval_submit(body_id=body.pk, year=YEAR, period_kind="year", actor="bench")
        while a.status != "approved":
            a = approvals.approval_approve(approval=a, actor="bench")


def measure(*, bodies: int, runs: int) -> dict[str, Any]:
    """Approve the year of every assessed body, then time the scorecards and the early-warning list (on a database
    `stats.prepare` filled)."""
    from benchmarks import harness
    from fupin.core.services import user_create
    from fupin.registry.models import Organisation
    from fupin.supervision import scorecards, selectors

    out: dict[str, Any] = {"year": YEAR}
    central, east = _bodies(bodies)
    out["bodies"] = {"designated_assistance": len(central), "east_west": len(east)}
    t = time.perf_counter()
    _approve([(b, "designated_assistance") for b in central] + [(b, "east_west") for b in east])
    out["approve_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with harness.watched() as w:
        results = [r for scheme in ("designated_assistance", "east_west")
                   for r in scorecards.scorecards_compute(year=YEAR, scheme=scheme, actor="bench")]
    out["scorecards"] = {"ms": (time.perf_counter() - t) * 1000, "cards": sum(1 for r in results if r["ok"]),
                         "failed": sum(1 for r in results if not r["ok"]), "statements": w.statements,
                         "entry_table_reads": w.entry_reads}
    office = Organisation.objects.create(name="国务院扶贫开发领导小组办公室", kind="government_department",
                                         region=central[0].region if central else east[0].region)
    viewer = user_create(username="bench-office", password="bench-pass-1", organisation=office, roles="approver")
    samples: list[float] = []
    lines = 0
    with harness.watched() as w:
        for _ in range(max(1, runs)):
            t = time.perf_counter()
            lines = len(selectors.early_warnings(viewer=viewer, year=YEAR, as_of=None))
            samples.append((time.perf_counter() - t) * 1000)
    out["early_warning"] = {"p95_ms": harness.p95(samples), "median_ms": sorted(samples)[len(samples) // 2],
                            "lines": lines, "runs": len(samples), "statements_per_run": w.statements // len(samples),
                            "entry_table_reads": w.entry_reads}
    return out


def run(*, rows: int, bodies: int, runs: int, scale: float) -> dict[str, Any]:
    from benchmarks import stats

    return {"rows": rows, **stats.prepare(rows=rows, scale=scale), **measure(bodies=bodies, runs=runs)}


def report(engine: str, result: dict[str, Any]) -> None:
    sc, ew = result["scorecards"], result["early_warning"]
    print(f"[{engine}] approved the {YEAR} plans and years of {result['bodies']['designated_assistance']} central "
          f"units and {result['bodies']['east_west']} eastern provinces (snapshots from the rollups) in "
          f"{result['approve_s']:.1f} s", flush=True)
    print(f"[{engine}] scorecards of every assessed body: {sc['cards']} cards in {sc['ms']:.0f} ms "
          f"({sc['statements']} SQL statements, {sc['entry_table_reads']} on the entry table)", flush=True)
    print(f"[{engine}] the national office's early-warning list: p95 {ew['p95_ms']:.0f} ms, median "
          f"{ew['median_ms']:.0f} ms ({ew['lines']} lines, {ew['statements_per_run']} SQL statements a run, "
          f"{ew['entry_table_reads']} on the entry table)", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.supervision", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_SUPERVISION_ROWS", 200_000)),
                        help="ledger entries generated (default 200,000; the issue's figure: 10,000,000)")
    parser.add_argument("--bodies", type=int, default=60, help="central units assessed (default 60)")
    parser.add_argument("--runs", type=int, default=5, help="runs of the early-warning list (p95)")
    parser.add_argument("--world-scale", type=float, default=0.1,
                        help="size of the registry (1: 20,000 organisations, 2,000 central units)")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "supervision.json")
    args = parser.parse_args(argv)
    with harness.throwaway("supervision", engine=args.engine) as engine:
        print(f"[{engine}] {args.rows:,} entries, up to {args.bodies} central units …", flush=True)
        result = {"engine": engine, **run(rows=args.rows, bodies=args.bodies, runs=args.runs,
                                          scale=args.world_scale)}
    harness.print_generation(engine, result)
    report(engine, result)
    harness.write_result(args.out, result)


if __name__ == "__main__":
    main()
