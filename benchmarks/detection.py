"""`python -m benchmarks.detection`: precision and recall of the inflated-statistics detectors on the demo world,
with the time a detection run takes, printed.

On a throwaway SQLite database (or the database DATABASE_URL names), the demo world is built through the services
(`seed_demo`: its detection step plants two known cases per detector in the last whole year and records them), then
the detectors run over each year `--runs` times (idempotent: the first run of the demo stored the flags) and every
stored flag is compared with the planted cases: a planted case is a positive, every other flag a false positive.

    python -m benchmarks.detection                  # the small demo world (about 1,600 entries)
    python -m benchmarks.detection --scale medium   # 40 counties, about 40,000 entries
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from benchmarks import harness

ROOT = Path(__file__).resolve().parent.parent


def run(*, scale: str, seed: int, runs: int) -> dict[str, Any]:
    from django.core.management import call_command

    from benchmarks import harness
    from fupin.detection import selectors, services

    harness.migrate()
    t = time.perf_counter()
    call_command("seed_demo", seed=seed, scale=scale, stdout=open(os.devnull, "w"))  # noqa: SIM115 - discarded output
    out: dict[str, Any] = {"scale": scale, "seed": seed, "demo_seconds": round(time.perf_counter() - t, 1)}
    planted = selectors.planted_cases()
    if planted is None:
        raise RuntimeError("the demo world planted no cases")
    year = int(planted["year"])
    totals = {int(k): v for k, v in planted["total_sales_fen"].items()}
    timings: dict[str, Any] = {}
    for y in (year, year + 1):
        samples = []
        report = None
        for _ in range(max(1, runs)):
            t = time.perf_counter()
            report = services.detection_run(year=y, actor="benchmark", total_sales_fen=totals if y == year else None)
            samples.append((time.perf_counter() - t) * 1000)
        if report is None:
            raise RuntimeError("no detection run")
        timings[str(y)] = {"entries": report.entries, "found": report.found, "created": report.created,
                           "median_ms": round(sorted(samples)[len(samples) // 2], 1), "runs": len(samples)}
    out["runs"] = timings
    result = selectors.planted_score()
    if result is None:
        raise RuntimeError("no planted cases")
    out["planted_year"] = year
    out["planted"] = len(planted["planted"])
    out["unplanted"] = unplanted(planted["planted"])
    out["score"] = [{"kind": s.kind, "planted": s.planted, "found": s.found, "flagged": s.flagged,
                     "matched": s.matched, "precision": s.precision, "recall": s.recall} for s in result[1]]
    return out


RATIO = {"beyond_capacity": "times_capacity", "implausible_volume": "times_plausible", "deadline_spike": "ratio",
         "tied_concentration": "share"}


def unplanted(planted: list[list[str]]) -> dict[str, Any]:
    """The flags that name no planted case, per kind: how many, and how far past the threshold (the smallest and the
    median of the evidence's ratio), so that a reader can tell noise from the random demo data's own excesses."""
    from fupin.detection.models import Flag
    from fupin.detection.rules import names_case

    out: dict[str, Any] = {}
    for flag in Flag.objects.all():
        if any(k == flag.kind and names_case(flag.key, key) for k, key in planted):
            continue
        row = out.setdefault(flag.kind, {"flags": 0, "ratios": []})
        row["flags"] += 1
        value = flag.evidence.get(RATIO.get(flag.kind, ""))
        if isinstance(value, int | float):
            row["ratios"].append(value)
    for row in out.values():
        ratios = sorted(row.pop("ratios"))
        if ratios:
            row.update({"min_ratio": ratios[0], "median_ratio": ratios[len(ratios) // 2], "max_ratio": ratios[-1]})
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.detection", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("small", "medium"), default="small")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "detection.json")
    args = parser.parse_args(argv)
    with harness.throwaway("detection") as engine:
        print(f"[{engine}] demo world ({args.scale}, seed {args.seed}) …", flush=True)
        result = {"engine": engine, **run(scale=args.scale, seed=args.seed, runs=args.runs)}
    for y, r in result["runs"].items():
        print(f"[{engine}] {y}: {r['entries']:,} entries, {r['found']} cases, detection run {r['median_ms']:.1f} ms "
              f"(median of {r['runs']})")
    print(f"{'detector':<24} planted found flagged matched precision recall")
    for s in result["score"]:
        p = "-" if s["precision"] is None else f"{s['precision']:.2f}"
        rc = "-" if s["recall"] is None else f"{s['recall']:.2f}"
        print(f"{s['kind']:<24} {s['planted']:>7} {s['found']:>5} {s['flagged']:>7} {s['matched']:>7} {p:>9} {rc:>6}")
    for kind, row in result["unplanted"].items():
        extra = (f" (evidence ratio min {row['min_ratio']}, median {row['median_ratio']}, max {row['max_ratio']})"
                 if "min_ratio" in row else "")
        print(f"unplanted {kind}: {row['flags']} flags{extra}")
    harness.write_result(args.out, result)


if __name__ == "__main__":
    main()
