"""`python -m benchmarks.incentives`: eligibility of every market entity for one policy, timed and printed.

On a throwaway database (`--engine sqlite`: SQLite in a temporary folder; `--engine postgresql`: the database
DATABASE_URL names, or a throwaway PostgreSQL 15 cluster that is stopped afterwards), with the benchmark registry
(`benchmarks.world`: at `--world-scale 1`, 40,000 market entities) and `--rows` entries generated in the database
with their rollups (`benchmarks.stats.generate`, the same generator as the ledger's statistics benchmark), a policy
whose conditions read every fact of the catalogue (region sets, sector, kind, years in operation, certified
products, blacklisting, counted sales, poor households linked, benefits paid, households paid, the
poverty-reduction effect, verification discrepancies) is evaluated for every active entity of the nation
(`eligibility.policy_evaluate`), `--runs` times:

- *evaluate*: the whole call — facts gathered, conditions evaluated, every decision stored with its explanation;
- *gather + decide*: the part the run records itself (`EvaluationRun.seconds`, before the decisions are stored);
- the SQL statements of a run and how many read the entry table (the design: none — sales come from the rollups);
- the raw baseline, measured in the same run: one `GROUP BY seller` over the entry table for the year's counted
  sales — what reading only the ledger fact straight from the entries costs, without any other fact or rule.

The issue's goal: under 10 s for ~40,000 entities over a 10,000,000-entry ledger, on both engines.

    python -m benchmarks.incentives                                   # 1,000,000 entries, 40,000 entities
    python -m benchmarks.incentives --rows 10000000 --engine postgresql
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from benchmarks import harness

ROOT = Path(__file__).resolve().parent.parent
ON = dt.date(2023, 12, 31)

CONDITIONS = {"all": [
    {"fact": "zone", "op": "any_of", "value": ["east", "central", "west"]},
    {"fact": "region", "op": "not_within", "value": ["11"]},
    {"fact": "region_sets", "op": "any_of", "value": ["poverty_county", "lifted_county", "key_county"]},
    {"fact": "entity_kind", "op": "any_of", "value": ["enterprise", "cooperative", "family_farm",
                                                      "village_collective", "rich_leader"]},
    {"fact": "counted_sales", "op": ">=", "value": 1_000_000, "unit": "fen", "window_years": 1},
    {"fact": "certified_products", "op": ">=", "value": 1, "unit": "count"},
    {"not": {"fact": "blacklisted", "op": "is", "value": True}},
    {"any": [
        {"fact": "sector", "op": "any_of", "value": ["processing", "warehousing_logistics", "rural_tourism"]},
        {"fact": "years_in_operation", "op": ">=", "value": 1, "unit": "years"},
        {"fact": "poor_households_linked", "op": ">=", "value": 1, "unit": "count"},
        {"fact": "benefits_paid", "op": ">=", "value": 100, "unit": "fen", "window_years": 1},
        {"fact": "households_paid", "op": ">=", "value": 1, "unit": "count", "window_years": 1},
        {"fact": "poverty_reduction_effect", "op": "is", "value": True},
    ]},
    {"not": {"fact": "verification_discrepancy", "op": "is", "value": True}},
]}


def _raw_sales() -> tuple[float, int]:
    """The year's counted sales of every seller straight from the entry table (ms, sellers)."""
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT seller_id, SUM(amount_fen * sign) FROM ledger_purchaseentry "
                    "WHERE counted = %s AND year = %s GROUP BY seller_id", [True, ON.year])
        n = len(cur.fetchall())
    return (time.perf_counter() - t) * 1000, n


def measure(*, runs: int) -> dict[str, Any]:
    """Evaluate every active market entity for one policy `runs` times (on a database `stats.prepare` filled)."""
    from benchmarks import harness
    from fupin.incentives import eligibility, services
    from fupin.registry.models import MarketEntity

    out: dict[str, Any] = {"on": ON.isoformat()}
    out["entities"] = MarketEntity.objects.filter(active=True).count()
    policy = services.policy_create(
        code="BENCH-1", name="贴息贷款（基准）", kind="loan_interest_subsidy", granted_by="finance",
        issuing_body="财政部", legal_reference="财农〔2019〕1号", benefit="贷款贴息 3%",
        valid_from=dt.date(2019, 1, 1), valid_to=None, region_prefix="", conditions=CONDITIONS, actor="bench")
    services.policy_transition(policy=policy, action="activate", actor="bench")
    total: list[float] = []
    decide: list[float] = []
    last: Any = None
    with harness.watched() as w:
        for _ in range(max(1, runs)):
            t = time.perf_counter()
            last = eligibility.policy_evaluate(policy=policy, on=ON, actor="bench")
            total.append((time.perf_counter() - t) * 1000)
            decide.append(float(last.seconds) * 1000)
    raw = [_raw_sales() for _ in range(max(1, runs))]
    out["evaluate"] = {
        "runs": len(total), "p95_ms": harness.p95(total), "median_ms": sorted(total)[len(total) // 2],
        "decide_p95_ms": harness.p95(decide), "entities": last.entities, "eligible": last.eligible,
        "ineligible": last.ineligible, "undetermined": last.undetermined,
        "statements_per_run": w.statements // len(total), "entry_table_reads": w.entry_reads}
    out["raw_sales"] = {"p95_ms": harness.p95([ms for ms, _n in raw]), "sellers": raw[-1][1]}
    return out


def run(*, rows: int, runs: int, scale: float) -> dict[str, Any]:
    from benchmarks import stats

    return {"rows": rows, **stats.prepare(rows=rows, scale=scale), **measure(runs=runs)}


def report(engine: str, result: dict[str, Any]) -> None:
    ev, raw = result["evaluate"], result["raw_sales"]
    print(f"[{engine}] eligibility of {result['entities']:,} active market entities for one policy (every fact of "
          f"the catalogue): p95 {ev['p95_ms']:,.0f} ms, median {ev['median_ms']:,.0f} ms over {ev['runs']} runs; "
          f"gather + decide p95 {ev['decide_p95_ms']:,.0f} ms; {ev['entities']:,} decisions a run "
          f"({ev['eligible']:,} eligible, {ev['ineligible']:,} ineligible, {ev['undetermined']:,} undetermined); "
          f"{ev['statements_per_run']} SQL statements a run, {ev['entry_table_reads']} on the entry table",
          flush=True)
    if raw["p95_ms"]:
        print(f"[{engine}] raw baseline (the year's counted sales by seller straight from the entry table): p95 "
              f"{raw['p95_ms']:,.0f} ms for {raw['sellers']:,} sellers → the whole evaluation costs "
              f"{ev['p95_ms'] / raw['p95_ms']:.1f}× that one query", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.incentives", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_INCENTIVES_ROWS", 1_000_000)),
                        help="ledger entries generated (default 1,000,000; the issue's figure: 10,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="evaluations of the whole nation (p95)")
    parser.add_argument("--world-scale", type=float, default=1.0,
                        help="size of the registry (1: 40,000 market entities, 20,000 organisations)")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "incentives.json")
    args = parser.parse_args(argv)
    with harness.throwaway("incentives", engine=args.engine) as engine:
        print(f"[{engine}] {args.rows:,} entries, world scale {args.world_scale} …", flush=True)
        result = {"engine": engine, **run(rows=args.rows, runs=args.runs, scale=args.world_scale)}
    harness.print_generation(engine, result)
    report(engine, result)
    harness.write_result(args.out, result)


if __name__ == "__main__":
    main()
