"""`python -m benchmarks.bigledger`: the supervision, incentives, public and dashboard figures over one large
generated ledger, printed.

Generating 10,000,000 entries with their rollups takes minutes; the four benchmarks measure different things on the
same kind of database, so this runs them one after the other on one throwaway database (`--engine sqlite` or
`postgresql`, as the others): the benchmark registry at `--world-scale` and `--rows` entries (`stats.prepare`), then

1. the public home page and statistics page (`benchmarks.public`; read only);
2. eligibility of every market entity for one policy (`benchmarks.incentives`; stores its decisions);
3. approval of every assessed body's year, its scorecards and the national early-warning list
   (`benchmarks.supervision`; plans, snapshots, locks);
4. every role's dashboard (`benchmarks.dashboards`), after 3 so that the work plans and warnings are there.

Each part prints the same lines as its own command as soon as it is measured; the figures go to `--out` (JSON).

    python -m benchmarks.bigledger --rows 10000000 --engine sqlite
    python -m benchmarks.bigledger --rows 10000000 --engine postgresql
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from benchmarks import harness

ROOT = Path(__file__).resolve().parent.parent


def run(*, engine: str, rows: int, scale: float, bodies: int, runs: int) -> dict[str, Any]:
    """Prepare the ledger, then measure and report each part as soon as it is measured."""
    from benchmarks import dashboards, incentives, public, stats, supervision

    out: dict[str, Any] = {"engine": engine, "rows": rows, **stats.prepare(rows=rows, scale=scale)}
    harness.print_generation(engine, out)
    for name, module, part in (("public", public, lambda: public.measure(runs=runs)),
                               ("incentives", incentives, lambda: incentives.measure(runs=max(1, runs // 5))),
                               ("supervision", supervision, lambda: supervision.measure(bodies=bodies, runs=runs)),
                               ("dashboards", dashboards, lambda: dashboards.measure(runs=runs))):
        t = time.perf_counter()
        out[name] = part()
        out[name]["part_s"] = time.perf_counter() - t
        module.report(engine, out[name])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bigledger", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="ledger entries generated (default 10,000,000)")
    parser.add_argument("--world-scale", type=float, default=1.0,
                        help="size of the registry (1: 40,000 market entities, 20,000 organisations)")
    parser.add_argument("--bodies", type=int, default=2000, help="central units assessed (default 2,000)")
    parser.add_argument("--runs", type=int, default=20,
                        help="runs of each page and of the early-warning list (p95); the eligibility runs a fifth")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "bigledger.json")
    args = parser.parse_args(argv)
    with harness.throwaway("bigledger", engine=args.engine, env={"FUPIN_ALLOWED_HOSTS": "testserver"}) as engine:
        print(f"[{engine}] {args.rows:,} entries, world scale {args.world_scale}, up to {args.bodies} central units …",
              flush=True)
        result = run(engine=engine, rows=args.rows, scale=args.world_scale, bodies=args.bodies, runs=args.runs)
    harness.write_result(args.out, result)


if __name__ == "__main__":
    main()
