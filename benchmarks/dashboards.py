"""`python -m benchmarks.dashboards`: each role's home page (its dashboard), server time over a large generated
ledger, printed.

On a throwaway database (`--engine sqlite` or `postgresql`, as the other benchmarks), with the benchmark registry
(`benchmarks.world`) and `--rows` entries generated with their rollups (`benchmarks.stats.generate`), six users
sign in — the national office, a western provincial government, a central unit with an approved work plan, a
poverty county's office, the supplier with the most sales and the buyer with the most purchases — and each one's
`/` (the dashboard, `fupin.leadership.dashboards`) is rendered `--runs` times through Django's test client (the
whole request: middleware, session, every block's figures, the inbox, the template). The p95 and median are
printed per role, with the SQL statements of a run and those that read the entry table. The issue's goal: every
role's dashboard under 200 ms on 10,000,000 entries.

    python -m benchmarks.dashboards                  # 200,000 entries
    python -m benchmarks.dashboards --rows 10000000 --world-scale 1
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from benchmarks import harness

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("national office", "provincial government", "central unit", "county office", "supplier", "buyer clerk")


def _organisation(kind: str, region: Any, name: str) -> Any:
    from fupin.registry.models import Organisation

    return (Organisation.objects.filter(kind=kind, region=region).order_by("pk").first()
            or Organisation.objects.create(name=name, kind=kind, region=region))


def _users() -> dict[str, Any]:
    """One user of each role's organisation (created when the benchmark registry has none)."""
    from django.db import connection

    from fupin.core.services import user_create
    from fupin.registry.models import AssistanceRelation, MarketEntity, Organisation, Region

    with connection.cursor() as cur:
        cur.execute("SELECT id FROM bench_buyer WHERE i = 0")
        buyer = Organisation.objects.get(pk=cur.fetchone()[0])
        cur.execute("SELECT id FROM bench_seller WHERE i = 0")
        seller = MarketEntity.objects.select_related("region").get(pk=cur.fetchone()[0])
    county = Region.objects.filter(level="county", is_poverty_county=True).order_by("code").first()
    if county is None or county.parent is None or county.parent.parent is None:
        raise RuntimeError("the benchmark registry has no poverty county")
    province = county.parent.parent
    central = (AssistanceRelation.objects.filter(kind="designated_assistance", helper_org__isnull=False)
               .order_by("helper_org_id").values_list("helper_org_id", flat=True).first())
    supplier = (Organisation.objects.filter(credit_code=seller.credit_code).first()
                or Organisation.objects.create(name=seller.name, kind="private_enterprise", region=seller.region,
                                               credit_code=seller.credit_code))
    nation = Region.objects.get(code="110000")
    specs = [
        ("national office", _organisation("government_department", nation, "国家乡村振兴局"), "approver,reviewer",
         "nation", ""),
        ("provincial government", _organisation("provincial_government", province, f"{province.name}人民政府"),
         "approver,reviewer", "province", province.code),
        ("central unit", Organisation.objects.get(pk=central), "clerk,approver", None, ""),
        ("county office", _organisation("local_government", county, f"{county.name}乡村振兴局"), "reviewer",
         "county", county.code),
        ("supplier", supplier, "clerk", None, ""),
        ("buyer clerk", buyer, "clerk", None, ""),
    ]
    users = {}
    for n, (role, org, roles, level, code) in enumerate(specs):
        users[role] = user_create(username=f"bench-dash-{n}", password="bench-pass-1", organisation=org, roles=roles,
                                  scope_level=level, scope_code=code)
    return users


def measure(*, runs: int, year: int = 2023) -> dict[str, Any]:
    """Render every role's dashboard `runs` times (on a database `stats.prepare` filled)."""
    from django.test import Client

    from fupin.leadership import dashboards

    out: dict[str, Any] = {}
    for role, user in _users().items():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        out[role] = {"blocks": dashboards.dashboard(viewer=user, year=year).kinds,
                     **harness.time_page(client, f"/?year={year}", runs)}
    return {"dashboards": out}


def run(*, rows: int, runs: int, scale: float) -> dict[str, Any]:
    from benchmarks import stats

    return {"rows": rows, **stats.prepare(rows=rows, scale=scale), **measure(runs=runs)}


def report(engine: str, result: dict[str, Any]) -> None:
    for role, r in result["dashboards"].items():
        print(f"[{engine}] dashboard of the {role} ({', '.join(r['blocks'])}): p95 {r['p95_ms']:.1f} ms, median "
              f"{r['median_ms']:.1f} ms ({r['statements_per_run']} SQL statements a run, {r['entry_table_reads']} "
              f"on the entry table)", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboards", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_DASHBOARD_ROWS", 200_000)))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--world-scale", type=float, default=0.1)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "dashboards.json")
    args = parser.parse_args(argv)
    with harness.throwaway("dashboards", engine=args.engine, env={"FUPIN_ALLOWED_HOSTS": "testserver"}) as engine:
        print(f"[{engine}] {args.rows:,} entries …", flush=True)
        result = {"engine": engine, **run(rows=args.rows, runs=args.runs, scale=args.world_scale)}
    harness.print_generation(engine, result)
    report(engine, result)
    harness.write_result(args.out, result)


if __name__ == "__main__":
    main()
