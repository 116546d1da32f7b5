"""The supervision part of the demo world, built through the services (deterministic for a seed).

- Work plans for last year and this year for every central unit (designated assistance: direct purchases, helped
  sales, a helped-sales sub-target per paired county, certified products) and every eastern provincial government
  with an east–west relation, their targets set from the account's figures so the bodies fare differently;
  approved by the national office.
- Last year's year approved for each of them (snapshot, ledger months locked in the paired regions); this year's
  first quarter of the first central unit submitted (awaiting the national office); the first demo county's
  government's October accepted by its prefecture (moving up).
- The last year's scorecards computed for both schemes, with qualitative scores and one adjustment with a reason;
  the first central unit's good grade sits next to a missed sub-target (its first paired county's helped sales).
- Problems in every state (open and escalated, in progress, resolved, closed, reopened), raised by county
  governments and assigned from the responsibility matrix.
- Last year's year-end cycle at every stage: the first central unit's evaluation reported and its statistics forms
  filed, the second's waiting for the cross-check, the first eastern province's waiting for its partner's comments,
  the others not submitted (late once the due dates have passed).
- Logins: `assessor` (the national office's approver and reviewer) and `central` (clerk and approver of the first
  central unit).
Leaves `world.extra["supervision"]`: {"plans", "approvals", "scorecards", "problems", "good_with_miss",
"evaluations", "filings"}.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.core.services import user_create

from . import approvals, cycle, figures, problems, scorecards, selectors, services
from .enums import Metric, Scheme

# how far each body's targets sit from what it achieved (a target above the actual is missed)
FACTORS = [0.85, 1.1, 1.6, 1.0]


def _round(fen: float) -> int:
    """A target in whole hundreds of yuan (at least 100 yuan)."""
    return max(10_000, int(fen) // 10_000 * 10_000)


def _actual(ctx: figures.BodyContext, metric: str, scheme: str, region: str = "") -> int:
    return int(figures.figure(ctx=ctx, metric=metric, scheme=scheme, region_code=region, sub_unit_id=None,
                              window=figures.Window(ctx.year))["actual"])


def _plan(world: Any, body: Any, year: int, factor: float, scheme: str, *, miss_county: bool) -> Any:
    actor = world.actor
    ctx = figures.body_context(body=body, year=year)
    plan = services.plan_create(body_id=body.pk, year=year, letter_ref=f"责任书〔{year}〕{body.pk}号", actor=actor)
    for metric in (Metric.DIRECT_PURCHASE, Metric.HELPED_SALE):
        services.target_set(plan=plan, metric=metric, value=_round(_actual(ctx, metric, scheme) * factor),
                            scheme=scheme, actor=actor)
    for i, code in enumerate(ctx.helped_codes(scheme)[:2]):
        sub = 1.3 if miss_county and i == 0 else factor * 0.9
        services.target_set(plan=plan, metric=Metric.HELPED_SALE, scheme=scheme, region_code=code,
                            value=_round(_actual(ctx, Metric.HELPED_SALE, scheme, code) * sub), actor=actor,
                            note="结对县分解任务")
    if scheme == Scheme.DESIGNATED_ASSISTANCE:
        services.target_set(plan=plan, metric=Metric.CERTIFIED_PRODUCTS, value=2, actor=actor)
    services.plan_submit(plan=plan, actor=actor)
    services.plan_approve(plan=plan, actor=actor)
    return plan


def _approve_all(approval: Any, actor: Any) -> Any:
    while approval.status != "approved":
        approval = approvals.approval_approve(approval=approval, actor=actor)
    return approval


def build(world: Any) -> None:
    actor = world.actor
    orgs = world.organisations
    this_year, last_year = world.today.year, world.today.year - 1
    central = list(orgs.get("central_units", []))
    east = [o for code, o in sorted((orgs.get("provincial_governments") or {}).items())
            if any(r.kind == Scheme.EAST_WEST and r.helper_org_id == o.pk for r in world.extra.get("relations", []))]
    out: dict[str, Any] = {"plans": [], "approvals": [], "scorecards": [], "problems": []}
    bodies = [(u, Scheme.DESIGNATED_ASSISTANCE, FACTORS[i % len(FACTORS)], i == 0) for i, u in enumerate(central)]
    bodies += [(o, Scheme.EAST_WEST, FACTORS[(i + 1) % len(FACTORS)], False) for i, o in enumerate(east)]
    for body, scheme, factor, miss in bodies:
        out["plans"].append(_plan(world, body, last_year, factor, scheme, miss_county=miss))
        out["plans"].append(_plan(world, body, this_year, 1.0, scheme, miss_county=False))
        approval = approvals.approval_submit(body_id=body.pk, year=last_year, period_kind="year", actor=actor)
        out["approvals"].append(_approve_all(approval, actor))
    if central:
        out["approvals"].append(approvals.approval_submit(body_id=central[0].pk, year=this_year,
                                                          period_kind="quarter", number=1, actor=actor))
    counties = world.regions.get("counties") or []
    local = orgs.get("local_governments") or {}
    county_gov = local.get(counties[0].code) if counties else None
    if county_gov is not None:
        ctx = figures.body_context(body=county_gov, year=this_year)
        plan = services.plan_create(body_id=county_gov.pk, year=this_year, actor=actor)
        services.target_set(plan=plan, metric=Metric.DIRECT_PURCHASE, actor=actor,
                            value=_round(_actual(ctx, Metric.DIRECT_PURCHASE, "") * 1.2))
        services.target_set(plan=plan, metric=Metric.CERTIFIED_PRODUCTS, value=5, actor=actor)
        services.plan_submit(plan=plan, actor=actor)
        services.plan_approve(plan=plan, actor=actor)
        october = approvals.approval_submit(body_id=county_gov.pk, year=this_year, period_kind="month", number=10,
                                            actor=actor)
        out["approvals"].append(approvals.approval_approve(approval=october, actor=actor))  # the prefecture
    for scheme in (Scheme.DESIGNATED_ASSISTANCE, Scheme.EAST_WEST):
        for i, result in enumerate(scorecards.scorecards_compute(year=last_year, scheme=scheme, actor=actor)):
            if not result["ok"]:
                continue
            card = selectors.scorecard_ref(pk=result["scorecard_id"])
            card = scorecards.scorecard_qualitative(card=card, score=[9, 8, 6, 7][i % 4], actor=actor,
                                                    reason="考核组实地核查")
            out["scorecards"].append(card)
    if len(out["scorecards"]) > 2:
        out["scorecards"][2] = scorecards.scorecard_adjust(card=out["scorecards"][2], points_centi=-300,
                                                           reason="群众反映帮销产品以次充好，经核实扣分", actor=actor)
    out["good_with_miss"] = next((c for c in out["scorecards"] if c.grade == "good" and c.misses), None)
    out["problems"] = _problems(world, counties, local)
    out["evaluations"], out["filings"] = _cycle(world, central, east, last_year)
    world.extra["supervision"] = out
    _users(world, central)
    world.notes.append(f"Supervision: {len(out['plans'])} work plans, {len(out['approvals'])} periods, "
                       f"{len(out['scorecards'])} scorecards for {last_year}, {len(out['problems'])} problems, "
                       f"{len(out['evaluations'])} self-evaluations of {last_year}, {len(out['filings'])} filed forms.")


def _cycle(world: Any, central: list[Any], east: list[Any], year: int) -> tuple[list[Any], list[Any]]:
    """The year-end cycle of `year` at every stage: the first central unit's is reported (and its forms filed), the
    second's waits for the cross-check, the first eastern province's for its partner's comments; the others have
    not submitted (late once the due date has passed)."""
    actor = world.actor
    evaluations, filings = [], []
    if central:
        ev = cycle.evaluation_submit(body=central[0], scheme=Scheme.DESIGNATED_ASSISTANCE, year=year, self_score=90,
                                     text="完成定点帮扶县消费帮扶任务，直接采购和帮助销售均超额完成。", actor=actor)
        cycle.evaluation_cross_check(evaluation=ev, text="自评数据与消费帮扶台账一致。", actor=actor)
        cycle.evaluation_report(evaluation=ev, text="考核等次：好。", actor=actor)
        evaluations.append(ev)
        filings.append(cycle.statistics_file(body=central[0], year=year, actor=actor))
    if len(central) > 1:
        evaluations.append(cycle.evaluation_submit(body=central[1], scheme=Scheme.DESIGNATED_ASSISTANCE, year=year,
                                                   text="按计划开展定点帮扶消费帮扶工作。", self_score=80,
                                                   actor=actor))
    if east:
        evaluations.append(cycle.evaluation_submit(body=east[0], scheme=Scheme.EAST_WEST, year=year, self_score=85,
                                                   text="东西部协作消费帮扶：结对地区农产品进入本省商超和食堂。",
                                                   actor=actor))
    return evaluations, filings


PROBLEMS = [  # (title, category, measure, days before today it was due, the steps it goes through)
    ("冷链仓储不足，秋季农产品集中上市时损耗大", "logistics", 4, 20, []),
    ("部分产品未取得食品生产许可，无法认定为扶贫产品", "certification", 3, -30, ["act"]),
    ("东西部协作消费帮扶订单回款慢", "sales", 4, -10, ["act", "resolve"]),
    ("合作社带贫收益未按月发放到户", "linkage", 2, -60, ["act", "resolve", "close"]),
    ("预留份额采购统计口径不一致", "data", 4, -5, ["act", "resolve", "close", "reopen"]),
]


def _problems(world: Any, counties: list[Any], local: dict[str, Any]) -> list[Any]:
    actor = world.actor
    out = []
    for i, (title, category, measure, overdue_days, steps) in enumerate(PROBLEMS):
        county = counties[i % len(counties)] if counties else None
        raiser = local.get(county.code) if county is not None else None
        if county is None or raiser is None:
            continue
        p = problems.problem_raise(region_code=county.code, category=category, measure=measure, title=title,
                                   description=f"{county.name}：{title}。", evidence="县级督导台账、走访记录",
                                   due_date=world.today - dt.timedelta(days=overdue_days), actor=actor,
                                   raised_by_id=raiser.pk)
        for step in steps:
            if step == "act":
                problems.problem_act(problem=p, text="已召开协调会，明确责任单位和办结时限", actor=actor)
            else:
                problems.problem_transition(problem=p, name=step, actor=actor,
                                            reason={"resolve": "已完成整改", "reopen": "复查发现问题反弹"}.get(step, ""))
        out.append(p)
    problems.problems_escalate(actor=actor, today=world.today)
    return out


def _users(world: Any, central: list[Any]) -> None:
    nrra = (world.organisations.get("departments") or {}).get("nrra")
    specs = [("assessor", "approver,reviewer", nrra,
              "the national office: approves periods at the last level, computes and adjusts scorecards")]
    if central:
        specs.append(("central", "clerk,approver", central[0],
                      f"clerk and approver at central unit {central[0].name}: its work plans and periods"))
    for username, roles, org, what in specs:
        if org is None or username in world.users:
            continue
        world.users[username] = user_create(username=username, password=world.password, organisation=org,
                                            roles=roles, actor=world.actor)
        world.logins.append((username, world.password, what))
