"""Targets from .xlsx or CSV on core's import skeleton (ADR 15): every row checked (the body, the year, the
metric, the value, the scheme, the paired region or subordinate unit, who may set it), a row-level report with the
line, column and reason of each rejected row, a dry run that writes nothing, and idempotence (a row equal to the
stored target is unchanged; the same file twice writes nothing).

Columns (English or Chinese headers): body_code 单位代码 (the body's unified social credit code), year 年度, metric
指标, value 目标值 (yuan for amounts, a whole number for counts, per cent for a share), scheme 帮扶类型 (optional),
region_code 结对地区代码 (optional: a sub-target for a paired region), sub_unit_code 下属单位代码 (optional: a
sub-target for a subordinate unit), note 备注.

A row goes into the body's plan for the year: its draft (a new plan is created for a body without one); a row for a
plan that is submitted or approved is rejected (`plan_not_draft`: revise the approved plan first)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import access
from fupin.core.access import require_role
from fupin.core.imports import Action, Column, Importer, ImportReport, Plan, Row, RowError, run_import
from fupin.core.money import MoneyError, yuan_to_fen
from fupin.registry import rules as registry_rules
from fupin.registry import selectors as registry
from fupin.registry.policy import organisation_party

from . import policy, rules, services
from .enums import Metric, Scheme
from .figures import body_context
from .models import Target, WorkPlan

IMPORT_KIND = "supervision_targets"

COLUMNS = [
    Column("body_code", "单位代码", aliases=("统一社会信用代码", "credit_code", "被考核单位代码")),
    Column("year", "年度", aliases=("年份",)),
    Column("metric", "指标", aliases=("目标指标",)),
    Column("value", "目标值", aliases=("目标", "target")),
    Column("scheme", "帮扶类型", required=False, aliases=("考核类型",)),
    Column("region_code", "结对地区代码", required=False, aliases=("地区代码", "结对县代码")),
    Column("sub_unit_code", "下属单位代码", required=False, aliases=("下属单位",)),
    Column("note", "备注", required=False),
]

METRIC_NAMES = {
    "直接采购额": Metric.DIRECT_PURCHASE, "直接采购": Metric.DIRECT_PURCHASE, "直接购买": Metric.DIRECT_PURCHASE,
    "帮助销售额": Metric.HELPED_SALE, "帮助销售": Metric.HELPED_SALE, "帮销": Metric.HELPED_SALE,
    "认定产品数": Metric.CERTIFIED_PRODUCTS, "认定产品": Metric.CERTIFIED_PRODUCTS,
    "带动脱贫户数": Metric.HOUSEHOLDS_LINKED, "带动贫困户数": Metric.HOUSEHOLDS_LINKED, "联结户数": Metric.HOUSEHOLDS_LINKED,
    "联农带农收益": Metric.BENEFITS_PAID, "收益发放额": Metric.BENEFITS_PAID,
    "预留份额达标率": Metric.RESERVED_SHARE, "预留份额": Metric.RESERVED_SHARE,
}
SCHEME_NAMES = {"定点帮扶": Scheme.DESIGNATED_ASSISTANCE, "定点扶贫": Scheme.DESIGNATED_ASSISTANCE,
                "东西部协作": Scheme.EAST_WEST, "东西部扶贫协作": Scheme.EAST_WEST,
                "对口支援": Scheme.COUNTERPART_SUPPORT}


def parse_metric(text: str) -> str | None:
    t = text.strip()
    return t.lower() if t.lower() in Metric.values else METRIC_NAMES.get(t)


def parse_scheme(text: str) -> str | None:
    t = text.strip()
    if not t:
        return ""
    return t.lower() if t.lower() in Scheme.values else SCHEME_NAMES.get(t)


def parse_value(metric: str, text: str, line: int, errors: list[RowError]) -> int | None:
    """Yuan for an amount (core's money parser), a whole number for a count, per cent for a share."""
    t = text.strip()
    if not t:
        errors.append(RowError(line, "value", "required", _("the target value is required")))
        return None
    if t.startswith("-"):
        errors.append(RowError(line, "value", "negative_target", _("a target must not be negative")))
        return None
    unit = rules.METRIC_UNITS.get(metric)
    if unit == "fen":
        try:
            return yuan_to_fen(t, allow_zero=True, max_fen=rules.MAX_TARGET)
        except MoneyError as exc:
            errors.append(RowError(line, "value", exc.code, exc.message))
            return None
    if unit == "bp":
        try:
            percent = Decimal(t.rstrip("%").strip())
        except InvalidOperation:
            percent = Decimal(-1)
        if percent < 0 or percent != percent.quantize(Decimal("0.01")):
            errors.append(RowError(line, "value", "bad_value", _("a share is a per cent with at most two decimals")))
            return None
        return int(percent * 100)
    if not t.isdigit():
        errors.append(RowError(line, "value", "bad_value", _("the target must be a whole number")))
        return None
    return int(t)


class TargetImport(Importer):
    kind = IMPORT_KIND
    columns = COLUMNS
    batch_size = 1000

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.this_year = timezone.localdate().year
        self.contexts: dict[tuple[int, int], Any] = {}

    def prefetch(self, rows: list[Row]) -> None:
        codes = {registry_rules.normalise_credit_code(r.get(c)) for r in rows for c in ("body_code", "sub_unit_code")}
        codes.discard("")
        self.orgs = {o.credit_code: o for o in registry.organisations_by_credit_codes(codes=codes)}
        regions = {r.get("region_code").strip() for r in rows} - {""}
        self.regions = registry.regions_by_codes(codes=regions) if regions else {}
        bodies = [o.pk for o in self.orgs.values()]
        self.plans: dict[tuple[int, int], WorkPlan] = {}
        for p in WorkPlan.objects.select_related("body", "body__region").filter(body_id__in=bodies).order_by("version"):
            self.plans[(p.body_id, p.year)] = p  # the newest version wins
        self.stored = {(t.plan_id, t.key): t for t in Target.objects.filter(plan__in=list(self.plans.values()))}

    def _context(self, plan: WorkPlan) -> Any:
        key = (plan.body_id, plan.year)
        if key not in self.contexts:
            self.contexts[key] = body_context(body=plan.body, year=plan.year)
        return self.contexts[key]

    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        line = row.line
        code = registry_rules.normalise_credit_code(row.get("body_code"))
        body = self.orgs.get(code)
        if not code:
            errors.append(RowError(line, "body_code", "required", _("the body's credit code is required")))
        elif body is None:
            errors.append(RowError(line, "body_code", "unknown_body",
                                   _("no organisation has the credit code %(code)s") % {"code": code[:20]}))
        elif access.refusal(self.actor, roles=policy.CLERKS, region_code=body.region.code,
                            party=organisation_party(body), office=True) is not None:
            errors.append(RowError(line, "body_code", "not_yours",
                                   _("you may not set the targets of %(body)s") % {"body": body}))
        year_text = row.get("year").strip()
        year = int(year_text) if year_text.isdigit() else None
        if year is None or rules.year_error(year, this_year=self.this_year) is not None:
            errors.append(RowError(line, "year", "unknown_year", _("the year must be between %(first)d and %(last)d")
                                   % {"first": rules.FIRST_YEAR, "last": self.this_year + 1}))
        metric = parse_metric(row.get("metric"))
        if metric is None:
            errors.append(RowError(line, "metric", "unknown_metric",
                                   _("unknown metric “%(m)s”") % {"m": row.get("metric").strip()[:40]}))
        scheme = parse_scheme(row.get("scheme"))
        if scheme is None:
            errors.append(RowError(line, "scheme", "unknown_scheme",
                                   _("unknown scheme “%(s)s”") % {"s": row.get("scheme").strip()[:40]}))
        value = parse_value(metric, row.get("value"), line, errors) if metric else None
        sub_code = registry_rules.normalise_credit_code(row.get("sub_unit_code"))
        sub_unit = self.orgs.get(sub_code) if sub_code else None
        if sub_code and sub_unit is None:
            errors.append(RowError(line, "sub_unit_code", "unknown_body",
                                   _("no organisation has the credit code %(code)s") % {"code": sub_code[:20]}))
        if errors:
            return Plan(line, Action.REJECT)
        assert body is not None and year is not None and metric is not None and scheme is not None  # noqa: S101 - narrowed above
        stored_plan = self.plans.get((body.pk, year))
        region_code = row.get("region_code").strip()
        if stored_plan is not None and stored_plan.status not in rules.EDITABLE_PLAN:
            return Plan(line, Action.REJECT, errors=[RowError(line, "year", "plan_not_draft", _(
                "the %(year)d plan of %(body)s is %(status)s: revise it as a new version first")
                % {"year": year, "body": body, "status": stored_plan.get_status_display()})])
        probe = stored_plan or WorkPlan(body=body, year=year)
        rule_errors, region, _unit = services.target_check(
            plan=probe, metric=metric, value=value, scheme=scheme, region_code=region_code,
            sub_unit_id=sub_unit.pk if sub_unit else None, ctx=self._context(probe), regions=self.regions,
            units={sub_unit.pk: sub_unit} if sub_unit else {})
        if rule_errors:
            return Plan(line, Action.REJECT, errors=[RowError(line, e.field.replace("sub_unit_id", "sub_unit_code"),
                                                              e.code, e.message) for e in rule_errors])
        key = rules.target_key(metric=metric, scheme=scheme, region_code=region.code if region else "",
                               sub_unit_id=sub_unit.pk if sub_unit else None)
        note = row.get("note").strip()[:300]
        file_key = (body.pk, year, key)
        if (first := self.first_seen(file_key)) is not None:
            if first[1] == (value, note):
                return Plan(line, Action.DUPLICATE)
            return Plan(line, Action.REJECT, duplicate=True, errors=[RowError(
                line, "metric", "duplicate_target",
                _("the same target of the same body and year is on line %(line)d with another value") % {"line": first[0]})])
        self.remember(file_key, line, (value, note))
        current = self.stored.get((stored_plan.pk, key)) if stored_plan else None
        if current is not None and current.value == value and current.note == note:
            return Plan(line, Action.UNCHANGED)
        return Plan(line, Action.UPDATE if current is not None else Action.CREATE, key=file_key,
                    values={"body": body, "year": year, "metric": metric, "scheme": scheme, "region": region,
                            "sub_unit": sub_unit, "value": value, "note": note})

    def write(self, plans: list[Plan]) -> None:
        made: dict[tuple[int, int], WorkPlan] = {}
        for p in plans:
            v = p.values
            key = (v["body"].pk, v["year"])
            plan = self.plans.get(key) or made.get(key)
            if plan is None:
                plan = made[key] = services.plan_get_or_create(body=v["body"], year=v["year"], actor=self.actor)
            _t, outcome = services.target_write(plan=plan, metric=v["metric"], value=v["value"], scheme=v["scheme"],
                                                region=v["region"], sub_unit=v["sub_unit"], note=v["note"],
                                                actor=self.actor)
            p.action = {"created": Action.CREATE, "updated": Action.UPDATE}.get(outcome, Action.UNCHANGED)


def target_import(*, path: str | Path, file_name: str, actor: Any, dry_run: bool = False) -> ImportReport:
    """Import targets (`TargetImport`); rejected rows are reported and kept as a file to fix and import again."""
    require_role(actor, *policy.CLERKS)
    return run_import(TargetImport(actor=actor, dry_run=dry_run), path=path, file_name=file_name)
