"""Imports and exports of contracts and benefit payments, and the import of filled-in verification field lists
(.xlsx/.csv, English or Chinese headers), on core's import skeleton (`fupin.core.imports`, ADR 15): rows are
checked in batches with prefetched lookups and planned (create, update, unchanged, duplicate, reject with line,
column, code and reason); the planned rows are written through the services, each in its own savepoint (a row a
service refuses is rejected and nothing of it stays), the whole file in one transaction. Rejected rows are kept as
a file; the same file twice changes nothing; a dry run does everything inside a transaction that is rolled back
(the services check terms and overlaps only when they write)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from fupin.core import access
from fupin.core.errors import FupinError
from fupin.core.imports import Action, Column, Importer, ImportReport, Plan, Row, RowError, run_import
from fupin.core.money import MoneyError, fen_to_yuan, yuan_to_fen
from fupin.core.tabular import table_bytes
from fupin.registry.models import Household, MarketEntity

from . import rules, sampling, services
from .effect import selectors as effect_selectors
from .effect import services as effect_services
from .enums import ContractStatus, DividendBasis, Mechanism, Outcome, PartyKind, Schedule, WageBasis
from .models import BenefitPayment, Contract, ContractParty, VerificationItem, VerificationRound

CONTRACT_IMPORT = "linkage_contracts"
PAYMENT_IMPORT = "linkage_payments"
OUTCOME_IMPORT = "linkage_outcomes"

MECHANISM_ALIASES = {
    **{m.value: m.value for m in Mechanism},
    "就业": Mechanism.EMPLOYMENT, "务工": Mechanism.EMPLOYMENT, "就业务工": Mechanism.EMPLOYMENT,
    "订单收购": Mechanism.ORDER_PURCHASE, "订单农业": Mechanism.ORDER_PURCHASE, "订单": Mechanism.ORDER_PURCHASE,
    "入股分红": Mechanism.DIVIDEND, "分红": Mechanism.DIVIDEND, "资产收益": Mechanism.DIVIDEND,
    "土地流转": Mechanism.LAND_LEASE, "土地租金": Mechanism.LAND_LEASE,
    "乡村旅游": Mechanism.TOURISM, "休闲农业": Mechanism.TOURISM, "休闲农业和乡村旅游": Mechanism.TOURISM,
    "村集体收益": Mechanism.COLLECTIVE_INCOME, "集体收益": Mechanism.COLLECTIVE_INCOME,
}
SCHEDULE_ALIASES = {**{s.value: s.value for s in Schedule}, "按月": "monthly", "月": "monthly", "按季": "quarterly",
                    "季": "quarterly", "按年": "yearly", "年": "yearly"}

CONTRACT_COLUMNS = [
    Column("contract_no", "合同编号"),
    Column("entity", "经营主体代码", help="unified social credit code (or the seller code of the entity)"),
    Column("mechanism", "联结方式"),
    Column("start_date", "开始日期"),
    Column("end_date", "结束日期", required=False),
    Column("schedule", "支付周期", required=False),
    Column("households", "农户", required=False, help="registry codes separated by ';', each with ':quantity'"),
    Column("collective", "村集体代码", required=False),
    Column("wage_basis", "工资计算方式", required=False),
    Column("wage_yuan", "工资(元)", required=False),
    Column("days_per_month", "每月天数", required=False),
    Column("unit", "计量单位", required=False),
    Column("protected_price_yuan", "保护价(元)", required=False),
    Column("min_quantity", "最低收购量", required=False),
    Column("dividend_basis", "分红方式", required=False),
    Column("percent", "比例(%)", required=False),
    Column("annual_profit_yuan", "年利润(元)", required=False),
    Column("per_share_yuan", "每股分红(元)", required=False),
    Column("rent_per_mu_yuan", "每亩年租金(元)", required=False),
    Column("revenue_share_percent", "收益分成(%)", required=False),
    Column("annual_revenue_yuan", "年经营收入(元)", required=False),
    Column("annual_amount_yuan", "年固定收益(元)", required=False),
    Column("quantity", "数量", required=False, help="mu or shares of a village collective"),
    Column("status", "状态", required=False, help="draft (default) or active"),
    Column("note", "备注", required=False),
]
# terms key → (column, kind): fen columns are converted from yuan at this edge
TERM_COLUMNS = {
    "wage_basis": ("wage_basis", "text"), "wage_fen": ("wage_yuan", "fen"), "days_per_month": ("days_per_month", "num"),
    "unit": ("unit", "text"), "protected_price_fen": ("protected_price_yuan", "fen"), "min_quantity": ("min_quantity", "num"),
    "basis": ("dividend_basis", "text"), "percent": ("percent", "num"), "annual_profit_fen": ("annual_profit_yuan", "fen"),
    "per_share_fen": ("per_share_yuan", "fen"), "rent_per_mu_fen": ("rent_per_mu_yuan", "fen"),
    "revenue_share_percent": ("revenue_share_percent", "num"), "annual_revenue_fen": ("annual_revenue_yuan", "fen"),
    "annual_amount_fen": ("annual_amount_yuan", "fen"), "quantity": ("quantity", "num"),
}
TEXT_ALIASES = {"按天": WageBasis.DAY, "日": WageBasis.DAY, "按月": WageBasis.MONTH, "月": WageBasis.MONTH,
                "按利润比例": DividendBasis.PROFIT_PERCENT, "按股": DividendBasis.PER_SHARE}

PAYMENT_COLUMNS = [
    Column("external_id", "外部编号"),
    Column("contract_no", "合同编号"),
    Column("household", "农户编号", required=False),
    Column("collective", "村集体代码", required=False),
    Column("paid_on", "支付日期"),
    Column("amount_yuan", "金额(元)"),
    Column("quantity", "数量", required=False),
    Column("evidence_ref", "凭证号", required=False),
    Column("source", "来源", required=False, help="the system or office the id comes from (default: import)"),
    Column("note", "备注", required=False),
]


# -- parsing helpers -------------------------------------------------------------------------------------------
def parse_date(text: str) -> dt.date | None:
    text = (text or "").strip().replace("/", "-").replace(".", "-")
    if not text:
        return None
    if " " in text:
        text = text.split(" ", 1)[0]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_decimal(text: str) -> Decimal | None:
    try:
        d = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _date(row: Row, col: str, errors: list[RowError], *, required: bool = True) -> dt.date | None:
    text = row.get(col).strip()
    if not text:
        if required:
            errors.append(RowError(row.line, col, "missing_value", _("a date is required")))
        return None
    d = parse_date(text)
    if d is None:
        errors.append(RowError(row.line, col, "bad_date", _("not a date (use YYYY-MM-DD)")))
    return d


def _entity_lookup(codes: set[str]) -> dict[str, MarketEntity]:
    """Entities by credit code, by the registry code of a household seller, or by 'ME<id>'."""
    ids = {int(c[2:]) for c in codes if c.startswith("ME") and c[2:].isdigit()}
    qs = MarketEntity.objects.select_related("region", "household").filter(
        Q(credit_code__in=codes) | Q(household__registry_code__in=codes) | Q(pk__in=ids))
    return {e.seller_code: e for e in qs}


def _households(codes: set[str]) -> dict[str, Household]:
    return {h.registry_code: h for h in Household.objects.select_related("village").filter(registry_code__in=codes)}


def _error_rows(line: int, exc: FupinError, default_column: str) -> list[RowError]:
    """The row errors of a service's refusal (each of its errors, or the refusal itself)."""
    details = exc.details if isinstance(exc.details, dict) else {}
    found = details.get("errors") or []
    if found:
        return [RowError(line, e.get("field") or default_column, e.get("code", exc.code), e.get("message", ""))
                for e in found]
    return [RowError(line, default_column, exc.code, str(exc.message))]


# -- contracts -------------------------------------------------------------------------------------------------
def _terms(row: Row, mechanism: str, errors: list[RowError]) -> dict[str, Any]:
    from .rules import TERM_KEYS

    terms: dict[str, Any] = {}
    for key in TERM_KEYS.get(mechanism, ()):
        col, kind = TERM_COLUMNS[key]
        text = row.get(col).strip()
        if not text:
            continue
        if kind == "fen":
            try:
                terms[key] = yuan_to_fen(text)
            except MoneyError as exc:
                errors.append(RowError(row.line, col, exc.code, exc.message))
        elif kind == "num":
            d = parse_decimal(text)
            if d is None:
                errors.append(RowError(row.line, col, "bad_number", _("not a number")))
            else:
                terms[key] = str(d.normalize()) if d != d.to_integral_value() else int(d)
        else:
            terms[key] = TEXT_ALIASES.get(text, text.lower() if key != "unit" else text)
    return terms


def _parties(row: Row, households: dict[str, Household], errors: list[RowError]) -> list[services.PartyInput]:
    out: list[services.PartyInput] = []
    for part in row.get("households").replace("；", ";").replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        code, _sep, qty_text = part.partition(":")
        code = code.strip()
        qty = None
        if qty_text.strip():
            qty = parse_decimal(qty_text)
            if qty is None:
                errors.append(RowError(row.line, "households", "bad_quantity",
                                       _("%(code)s: the quantity is not a number") % {"code": code}))
                continue
        h = households.get(code)
        if h is None:
            errors.append(RowError(row.line, "households", "unknown_household",
                                   _("no household with registry code %(code)s") % {"code": code}))
            continue
        out.append(services.PartyInput(h, qty))
    return out


def _party_codes(rows: Iterable[Row]) -> set[str]:
    codes: set[str] = set()
    for r in rows:
        for part in r.get("households").replace("；", ";").replace(",", ";").split(";"):
            if part.strip():
                codes.add(part.split(":", 1)[0].strip())
    return codes


def _same_contract(c: Contract, *, entity: MarketEntity, mechanism: str, start: dt.date, end: dt.date | None,
                   schedule: str, terms: dict, parties: list[services.PartyInput], collective: MarketEntity | None) -> bool:
    mine = sorted((p.household_id, p.quantity) for p in c.parties.all())
    theirs = sorted((p.household.pk, p.quantity) for p in parties)
    norm = [(h, Decimal(q).normalize() if q is not None else None) for h, q in mine]
    norm2 = [(h, Decimal(q).normalize() if q is not None else None) for h, q in theirs]
    return (c.entity_id == entity.pk and c.mechanism == mechanism and c.start_date == start and c.end_date == end
            and c.schedule == schedule and c.terms == terms and norm == norm2
            and c.collective_id == (collective.pk if collective else None))


class ContractImport(Importer):
    """A new number creates a draft (or an active contract when `status` says so); the same number with the same
    content is unchanged; a draft with changed content is updated; an active contract is never changed by an
    import (the service refuses it)."""

    kind = CONTRACT_IMPORT
    columns = CONTRACT_COLUMNS
    dry_run_writes = True

    def prefetch(self, rows: list[Row]) -> None:
        self.entities = _entity_lookup({r.get(c).strip().upper() for r in rows for c in ("entity", "collective")})
        self.households = _households(_party_codes(rows))
        self.existing = {c.code: c for c in Contract.objects.filter(code__in={r.get("contract_no").strip() for r in rows})
                         .prefetch_related("parties")}

    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        code = row.get("contract_no").strip()
        if not code:
            errors.append(RowError(row.line, "contract_no", "missing_value", _("the contract number is required")))
        elif self.first_seen(code) is not None:
            return Plan(row.line, Action.DUPLICATE)
        entity = self.entities.get(row.get("entity").strip().upper())
        if entity is None:
            errors.append(RowError(row.line, "entity", "unknown_entity", _("no market entity with this code")))
        mechanism = MECHANISM_ALIASES.get(row.get("mechanism").strip())
        if mechanism is None:
            errors.append(RowError(row.line, "mechanism", "bad_mechanism",
                                   _("unknown mechanism; use one of: %(m)s") % {"m": ", ".join(Mechanism.values)}))
        start = _date(row, "start_date", errors)
        end = _date(row, "end_date", errors, required=False)
        schedule = SCHEDULE_ALIASES.get(row.get("schedule").strip() or "monthly")
        if schedule is None:
            errors.append(RowError(row.line, "schedule", "bad_schedule", _("use monthly, quarterly or yearly")))
        collective = None
        if row.get("collective").strip():
            collective = self.entities.get(row.get("collective").strip().upper())
            if collective is None:
                errors.append(RowError(row.line, "collective", "unknown_entity", _("no village collective with this code")))
        status = (row.get("status").strip().lower() or ContractStatus.DRAFT)
        status = {"草稿": "draft", "生效": "active", "有效": "active"}.get(status, status)
        if status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
            errors.append(RowError(row.line, "status", "bad_status", _("use draft or active")))
        parties = _parties(row, self.households, errors)
        terms = _terms(row, mechanism or "", errors)
        if errors:
            return Plan(row.line, Action.REJECT)
        assert entity is not None and mechanism is not None and start is not None and schedule is not None  # noqa: S101
        self.remember(code, row.line)
        old = self.existing.get(code)
        if old is not None and _same_contract(old, entity=entity, mechanism=mechanism, start=start, end=end,
                                              schedule=schedule, terms=terms, parties=parties, collective=collective):
            return Plan(row.line, Action.UNCHANGED)
        if old is not None and (old.entity_id != entity.pk or old.mechanism != mechanism):
            return Plan(row.line, Action.REJECT, errors=[RowError(row.line, "contract_no", "duplicate_code", _(
                "contract %(c)s already exists for another entity or mechanism") % {"c": code})])
        values = {"start_date": start, "end_date": end, "terms": terms, "parties": parties, "collective": collective,
                  "schedule": schedule, "note": row.get("note").strip()}
        if old is None:
            values.update(code=code, entity=entity, mechanism=mechanism,
                          party_kind=PartyKind.COLLECTIVE if collective is not None else PartyKind.HOUSEHOLDS)
        return Plan(row.line, Action.CREATE if old is None else Action.UPDATE, key=code, values=values, obj=old,
                    changes={"activate": status == ContractStatus.ACTIVE})

    def write(self, plans: list[Plan]) -> None:
        for p in plans:
            try:
                with transaction.atomic():
                    if p.obj is not None:
                        contract = services.contract_update(contract=p.obj, actor=self.actor, **p.values)
                    else:
                        contract = services.contract_create(actor=self.actor, **p.values)
                    if p.changes["activate"]:
                        services.contract_activate(contract=contract, actor=self.actor, reason=_("imported as active"))
            except FupinError as exc:
                p.reject(_error_rows(p.line, exc, "contract_no"))
                continue
            _touch(self, contract.entity_id, contract.start_date)


def contract_import(*, path: str | Path, file_name: str, actor: Any, dry_run: bool = False) -> ImportReport:
    """Import contracts (`ContractImport`); then recompute the poverty-reduction effect of the entities it wrote."""
    access.require_role(actor, *services.WRITE_ROLES)
    importer = ContractImport(actor=actor, dry_run=dry_run)
    return _effect_after(importer, run_import(importer, path=path, file_name=file_name))


# -- the success hook: the poverty-reduction effect of the entities an import wrote ------------------------------
def _touch(importer: Importer, entity_id: int, day: dt.date) -> None:
    touched: dict[int, dt.date] = importer.__dict__.setdefault("effect_touched", {})
    if entity_id not in touched or day < touched[entity_id]:
        touched[entity_id] = day


def _effect_after(importer: Importer, report: ImportReport) -> ImportReport:
    """After a committed import that wrote rows: decide again, for the entities it wrote, each year its rows bear on
    (the years after their earliest date) among the years already decided and the current year. A refusal (e.g.
    thresholds of the wrong type) leaves the import done and says so in the report's warnings."""
    touched: dict[int, dt.date] = importer.__dict__.get("effect_touched", {})
    if importer.dry_run or not touched or not report.accepted:
        return report
    first = min(touched.values()).year + 1
    years = {y for y in effect_selectors.decided_years() if y >= first} | {services.local_today().year}
    try:
        runs = effect_services.poverty_effect_after_import(entity_ids=set(touched), years=years, actor=importer.actor,
                                                           reason=importer.reason)
    except FupinError as exc:
        report.warnings.append(_("The poverty-reduction effect was not recomputed: %(reason)s")
                               % {"reason": exc.message})
        return report
    report.extra["poverty_effect_years"] = [r.year for r in runs]
    return report


# -- payments --------------------------------------------------------------------------------------------------
class PaymentImport(Importer):
    """Idempotent by (source, external id): a row already recorded with the same content is unchanged; with
    different content it is rejected; a reversal is recorded through the reversal action, never by an import of a
    negative amount."""

    kind = PAYMENT_IMPORT
    columns = PAYMENT_COLUMNS
    dry_run_writes = True

    def __init__(self, *, today: dt.date | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.today = today

    def prefetch(self, rows: list[Row]) -> None:
        self.contracts = {c.code: c for c in Contract.objects.select_related("entity__region", "collective")
                          .filter(code__in={r.get("contract_no").strip() for r in rows})}
        self.households = _households({r.get("household").strip() for r in rows if r.get("household").strip()})
        self.collectives = _entity_lookup({r.get("collective").strip().upper() for r in rows
                                           if r.get("collective").strip()})
        self.linked: dict[int, set[int]] = {}
        for cid, hid in ContractParty.objects.filter(contract__in=list(self.contracts.values())) \
                .values_list("contract_id", "household_id"):
            self.linked.setdefault(cid, set()).add(hid)
        self.stored = {(p.source, p.external_id): p for p in BenefitPayment.objects.filter(
            external_id__in={r.get("external_id").strip() for r in rows} - {""})}

    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        source = row.get("source").strip() or "import"
        external_id = row.get("external_id").strip()
        if not external_id:
            errors.append(RowError(row.line, "external_id", "missing_value", _("the external id is required")))
        elif self.first_seen((source, external_id)) is not None:
            return Plan(row.line, Action.DUPLICATE)
        contract = self.contracts.get(row.get("contract_no").strip())
        if contract is None:
            errors.append(RowError(row.line, "contract_no", "unknown_contract", _("no contract with this number")))
        household = None
        if row.get("household").strip():
            household = self.households.get(row.get("household").strip())
            if household is None:
                errors.append(RowError(row.line, "household", "unknown_household",
                                       _("no household with this registry code")))
        collective = None
        if row.get("collective").strip():
            collective = self.collectives.get(row.get("collective").strip().upper())
            if collective is None:
                errors.append(RowError(row.line, "collective", "unknown_entity", _("no village collective with this code")))
        if not row.get("household").strip() and not row.get("collective").strip():
            errors.append(RowError(row.line, "household", "missing_value", _("name the household or the collective paid")))
        paid_on = _date(row, "paid_on", errors)
        amount = None
        try:
            amount = yuan_to_fen(row.get("amount_yuan"))
        except MoneyError as exc:
            errors.append(RowError(row.line, "amount_yuan", exc.code, exc.message))
        quantity = None
        if row.get("quantity").strip():
            quantity = parse_decimal(row.get("quantity"))
            if quantity is None or quantity <= 0:
                errors.append(RowError(row.line, "quantity", "bad_quantity", _("the quantity must be a number above zero")))
        if errors:
            return Plan(row.line, Action.REJECT)
        assert contract is not None and paid_on is not None and amount is not None  # noqa: S101 - narrowed above
        self.remember((source, external_id), row.line)
        recipient: dict[str, Any] = {"contract": contract, "household": household, "collective": collective,
                                     "paid_on": paid_on, "amount_fen": amount}
        existing = self.stored.get((source, external_id))
        if existing is not None:
            try:
                services.payment_repeat_check(existing, **recipient)
            except FupinError as exc:
                return Plan(row.line, Action.REJECT, errors=_error_rows(row.line, exc, "external_id"))
            return Plan(row.line, Action.UNCHANGED)
        problems = services.payment_problems(**recipient, linked_ids=self.linked.get(contract.pk, set()),
                                             today=self.today)
        if problems:
            return Plan(row.line, Action.REJECT,
                        errors=[RowError(row.line, _column(p.field), p.code, p.message) for p in problems])
        return Plan(row.line, Action.CREATE, key=(source, external_id), values={
            **recipient, "source": source, "external_id": external_id, "quantity": quantity,
            "evidence_ref": row.get("evidence_ref").strip(), "note": row.get("note").strip()})

    def write(self, plans: list[Plan]) -> None:
        for p in plans:
            try:
                with transaction.atomic():
                    result = services.payment_record(**p.values, actor=self.actor, today=self.today)
            except FupinError as exc:
                p.reject(_error_rows(p.line, exc, "external_id"))
                continue
            if not result.created:  # recorded meanwhile by another import, with the same content
                p.action = Action.UNCHANGED
                continue
            _touch(self, p.values["contract"].entity_id, p.values["paid_on"])


def payment_import(*, path: str | Path, file_name: str, actor: Any, dry_run: bool = False,
                   today: dt.date | None = None) -> ImportReport:
    """Import benefit payments (`PaymentImport`)."""
    access.require_role(actor, *services.WRITE_ROLES)
    importer = PaymentImport(actor=actor, dry_run=dry_run, today=today)
    return _effect_after(importer, run_import(importer, path=path, file_name=file_name))


def _column(field: str) -> str:
    return {"amount": "amount_yuan", "contract": "contract_no"}.get(field, field)


# -- verification outcomes (the filled-in field list) --------------------------------------------------------------
# Chinese words a county office may write instead of the labels (the labels themselves, in both languages, and the
# values are accepted too; see `_outcome_aliases`).
OUTCOME_WORDS = {
    "属实": Outcome.CONFIRMED, "确认": Outcome.CONFIRMED, "已确认": Outcome.CONFIRMED, "已收到": Outcome.CONFIRMED,
    "未收到": Outcome.NOT_RECEIVED, "没收到": Outcome.NOT_RECEIVED,
    "金额不符": Outcome.AMOUNT_DIFFERS, "金额不一致": Outcome.AMOUNT_DIFFERS,
    "查无此户": Outcome.NOT_FOUND, "未找到": Outcome.NOT_FOUND, "找不到": Outcome.NOT_FOUND,
    "尚未核查": Outcome.PENDING, "未核查": Outcome.PENDING,
}
# the columns of the item that the import reads; the other columns of the list are kept as they are
OUTCOME_READ = ("item_id", "household", "outcome", "reported_yuan", "note")


def outcome_columns() -> list[Column]:
    """The field list's own columns (`sampling.field_list_columns`): a filled-in list is imported as it was
    downloaded. Only the item id and the outcome column must be there."""
    return [replace(c, required=c.name in ("item_id", "outcome")) for c in sampling.field_list_columns()]


def _outcome_aliases() -> dict[str, str]:
    aliases = {rules.outcome_key(v): v for v in Outcome.values}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            aliases.update({rules.outcome_key(str(label)): value for value, label in Outcome.choices})
    aliases.update({rules.outcome_key(word): value for word, value in OUTCOME_WORDS.items()})
    return {key: str(value) for key, value in aliases.items()}


def _outcome_items(rows: Sequence[Row]) -> dict[int, VerificationItem]:
    ids = {int(t) for r in rows if (t := r.get("item_id").strip()).isdigit()}
    return {i.pk: i for i in VerificationItem.objects.select_related("household", "round__county").filter(pk__in=ids)}


def _outcome_item(row: Row, rnd: VerificationRound, items: dict[int, VerificationItem], actor: Any,
                  errors: list[RowError]) -> VerificationItem | None:
    text = row.get("item_id").strip()
    if not text:
        errors.append(RowError(row.line, "item_id", "missing_value", _("the item id is required")))
        return None
    if not text.isdigit():
        errors.append(RowError(row.line, "item_id", "bad_item_id", _("the item id is a whole number")))
        return None
    item = items.get(int(text))
    if item is not None and item.round_id != rnd.pk and actor.can_see_code(item.round.county.code):
        errors.append(RowError(row.line, "item_id", "other_round",
                               _("item %(id)s belongs to another verification round (#%(round)s)")
                               % {"id": text, "round": item.round_id}))
        return None
    if item is None or item.round_id != rnd.pk:
        errors.append(RowError(row.line, "item_id", "unknown_item",
                               _("no item %(id)s in this verification round") % {"id": text}))
        return None
    household = row.get("household").strip()
    if household and household != item.household.registry_code:
        errors.append(RowError(row.line, "household", "household_mismatch",
                               _("item %(id)s is household %(code)s, not %(given)s (a list of another round?)")
                               % {"id": text, "code": item.household.registry_code, "given": household}))
        return None
    item.round = rnd
    return item


def _outcome_values(row: Row, aliases: dict[str, str],
                    errors: list[RowError]) -> tuple[str, int | None, str] | None:
    """The stored form of the row's outcome (`rules.stored_outcome`), or None when the outcome is empty."""
    text = row.get("outcome").strip()
    outcome = aliases.get(rules.outcome_key(text)) if text else None
    if text and outcome is None:
        errors.append(RowError(row.line, "outcome", "bad_outcome", _("unknown outcome; use one of: %(o)s")
                               % {"o": ", ".join(v for v in Outcome.values if v != Outcome.PENDING)}))
    elif outcome == Outcome.PENDING:
        errors.append(RowError(row.line, "outcome", "bad_outcome",
                               _("leave the outcome empty for a household not visited yet")))
    reported = None
    amount = row.get("reported_yuan").strip()
    if amount:
        try:
            reported = yuan_to_fen(amount, allow_zero=True)
        except MoneyError as exc:
            errors.append(RowError(row.line, "reported_yuan", exc.code, exc.message))
    elif outcome == Outcome.AMOUNT_DIFFERS:
        errors.append(RowError(row.line, "reported_yuan", "missing_amount",
                               _("give the amount the household reports when the amount differs")))
    if not text or outcome == Outcome.PENDING:
        return None
    return rules.stored_outcome(outcome or "", reported, row.get("note"))


class OutcomeImport(Importer):
    """A filled-in field list of a verification round (`sampling.field_list_xlsx`, as .xlsx or .csv): each row's
    outcome is recorded through `sampling.item_outcome_record`. A row without an outcome is a household not
    visited yet (skipped, counted as pending); a row whose outcome, reported amount and note are already stored is
    unchanged. The file is one transaction, under a lock of the round: a round that is completed, or an actor
    without the role or the scope, refuses the whole file and nothing is written."""

    kind = OUTCOME_IMPORT
    dry_run_writes = True
    read_columns = frozenset(OUTCOME_READ)

    def __init__(self, *, round: VerificationRound, **kw: Any) -> None:
        super().__init__(**kw)
        self.columns = outcome_columns()
        self.round = round
        self.aliases = _outcome_aliases()

    def start(self) -> None:
        self.round = VerificationRound.objects.select_for_update().select_related("county").get(pk=self.round.pk)
        sampling.round_require_open(round=self.round, actor=self.actor)  # again, under the lock

    def prefetch(self, rows: list[Row]) -> None:
        self.items = _outcome_items(rows)

    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        item = _outcome_item(row, self.round, self.items, self.actor, errors)
        values = _outcome_values(row, self.aliases, errors)
        if item is not None and not errors and (first := self.first_seen(item.pk)) is not None:
            if first[1] == values:
                return Plan(row.line, Action.DUPLICATE)
            errors.append(RowError(row.line, "item_id", "duplicate_item",
                                   _("item %(id)s is also on line %(line)d with another outcome")
                                   % {"id": item.pk, "line": first[0]}))
        if errors or item is None:
            return Plan(row.line, Action.REJECT)
        self.remember(item.pk, row.line, values)
        if values is None:
            return Plan(row.line, Action.SKIP)
        if rules.stored_outcome(item.outcome, item.reported_fen, item.note) == values:
            return Plan(row.line, Action.UNCHANGED)
        return Plan(row.line, Action.UPDATE, obj=item, values=dict(zip(("outcome", "reported_fen", "note"), values,
                                                                        strict=True)))

    def write(self, plans: list[Plan]) -> None:
        for p in plans:
            try:
                with transaction.atomic():
                    sampling.item_outcome_record(item=p.obj, actor=self.actor, **p.values)
            except FupinError as exc:
                if exc.status == 403 or exc.code == "round_completed":
                    raise  # the whole file is refused; the transaction is rolled back
                p.reject(_error_rows(p.line, exc, "outcome"))

    def report_fields(self, tally: Mapping[Action, int]) -> dict[str, Any]:
        return {"round_id": self.round.pk, "recorded": tally[Action.UPDATE], "pending": tally[Action.SKIP]}


def outcome_import(*, path: str | Path, file_name: str, round: VerificationRound, actor: Any,
                   dry_run: bool = False) -> ImportReport:
    """Import a filled-in field list of a verification round (`OutcomeImport`); a completed round or an actor
    without the role or the scope is refused before the file is read (AccessDenied or Conflict `round_completed`)."""
    sampling.round_require_open(round=round, actor=actor)
    return run_import(OutcomeImport(round=round, actor=actor, dry_run=dry_run), path=path, file_name=file_name)


# -- exports ---------------------------------------------------------------------------------------------------
def _terms_cells(c: Contract) -> dict[str, str]:
    cells: dict[str, str] = {}
    for key, (col, kind) in TERM_COLUMNS.items():
        if key in c.terms:
            v = c.terms[key]
            cells[col] = fen_to_yuan(int(v)) if kind == "fen" else str(v)
    return cells


def contracts_export(*, contracts: Iterable[Contract], fmt: str, language: str = "en") -> bytes:
    """Contracts in the import's own layout (so an export can be edited and imported back)."""
    names = [c.name for c in CONTRACT_COLUMNS]
    rows = []
    for c in contracts:
        parties = ";".join(f"{p.household.registry_code}:{p.quantity}" if p.quantity is not None else p.household.registry_code
                           for p in c.parties.all())
        cells = {"contract_no": c.code, "entity": c.entity.seller_code, "mechanism": c.mechanism,
                 "start_date": c.start_date.isoformat(), "end_date": c.end_date.isoformat() if c.end_date else "",
                 "schedule": c.schedule, "households": parties,
                 "collective": c.collective.seller_code if c.collective is not None else "",
                 "status": c.status, "note": c.note, **_terms_cells(c)}
        rows.append([cells.get(n, "") for n in names])
    header = [c.zh if language.startswith("zh") else c.name for c in CONTRACT_COLUMNS]
    if fmt == "xlsx":  # for people, still importable: yuan, numbers and dates typed, codes kept (issue #14)
        return _typed_xlsx(CONTRACT_COLUMNS, header, rows, sheet_title="contracts")
    return table_bytes(rows, header=header, fmt=fmt, sheet_title="contracts")


_NUMBER_COLUMNS = {"days_per_month", "min_quantity", "percent", "revenue_share_percent", "quantity"}
_DATE_COLUMNS = {"start_date", "end_date", "paid_on"}


def _typed_xlsx(columns: list[Column], header: list[str], rows: list[list[Any]], *, sheet_title: str) -> bytes:
    """The .xlsx of a linkage export in the import's layout: money in yuan as numbers with the yuan format,
    quantities and percentages (given in per cent, as the import takes them) as numbers, dates as dates."""
    from fupin.core.xlsx import Field, Kind, workbook

    def kind(name: str) -> Kind:
        if name.endswith("_yuan"):
            return Kind.YUAN
        return Kind.NUMBER if name in _NUMBER_COLUMNS else Kind.DATE if name in _DATE_COLUMNS else Kind.TEXT

    fields = [Field(c.name, label, kind(c.name), fen=False) for c, label in zip(columns, header, strict=True)]
    return workbook(rows, fields=fields, sheet_title=sheet_title)


def payments_export(*, payments: Iterable[BenefitPayment], fmt: str, language: str = "en") -> bytes:
    header_cols = [*PAYMENT_COLUMNS, Column("mechanism", "联结方式"), Column("entity", "经营主体"),
                   Column("reverses", "冲正原记录")]
    rows = []
    for p in payments:
        rows.append([p.external_id, p.contract.code, p.household.registry_code if p.household is not None else "",
                     p.collective.seller_code if p.collective is not None else "", p.paid_on.isoformat(), fen_to_yuan(p.amount_fen),
                     "" if p.quantity is None else str(p.quantity), p.evidence_ref, p.source, p.note, p.mechanism,
                     p.entity.name, p.reverses.external_id if p.reverses is not None else ""])
    header = [c.zh if language.startswith("zh") else c.name for c in header_cols]
    if fmt == "xlsx":
        return _typed_xlsx(header_cols, header, rows, sheet_title="payments")
    return table_bytes(rows, header=header, fmt=fmt, sheet_title="payments")


# -- the same parsing for the portal's forms -----------------------------------------------------------------------
def terms_from_values(values: dict[str, str], mechanism: str) -> tuple[dict[str, Any], list[RowError]]:
    """Terms from form fields named like the import's columns (amounts in yuan)."""
    errors: list[RowError] = []
    return _terms(Row(0, {k: str(v or "") for k, v in values.items()}), mechanism, errors), errors


def parties_from_text(text: str) -> tuple[list[services.PartyInput], list[RowError]]:
    """Households from text like the import's column: 'registry code[:quantity]' separated by ';' or new lines."""
    row = Row(0, {"households": (text or "").replace("\r", "").replace("\n", ";")})
    errors: list[RowError] = []
    return _parties(row, _households(_party_codes([row])), errors), errors


def entity_by_code(code: str) -> MarketEntity | None:
    code = (code or "").strip().upper()
    return _entity_lookup({code}).get(code) if code else None
