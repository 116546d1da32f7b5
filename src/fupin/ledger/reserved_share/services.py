"""Reserved share writes: a unit declares its annual canteen food procurement (or an exemption) through the
form, the API or a file import (on core's import skeleton, ADR 15). Each change is audited (before → after) in its
own transaction; the same declaration twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.access import authorise, refusal, require_role
from fupin.core.enums import Role
from fupin.core.errors import InvalidInput, NotFound
from fupin.core.imports import Action, Column, Importer, ImportReport, Plan, Row, RowError, run_import
from fupin.core.money import MoneyError, yuan_to_fen
from fupin.core.validators import uscc_error
from fupin.registry import selectors as registry
from fupin.registry.policy import organisation_party

from . import rules
from .enums import DeclarationSource
from .models import CanteenDeclaration

IMPORT_KIND = "canteen_declarations"
DECLARERS = (Role.CLERK, Role.ADMINISTRATOR)

COLUMNS = [
    Column("buyer_code", "单位代码", aliases=("credit_code", "统一社会信用代码", "单位统一社会信用代码")),
    Column("year", "年度", aliases=("年份",)),
    Column("canteen_food_yuan", "食堂食材采购额(元)", required=False, aliases=("食堂食材采购金额(元)", "食堂食材采购额")),
    Column("farm_produce_yuan", "其中农副产品(元)", required=False, aliases=("农副产品采购额(元)",)),
    Column("exempt_reason", "免予预留原因", required=False, aliases=("免于预留原因", "豁免原因")),
    Column("note", "备注", required=False),
]

_FIELDS = ("canteen_food_fen", "farm_produce_fen", "exempt_reason", "note")


@dataclass(frozen=True)
class DeclarationInput:
    canteen_food_fen: int | None
    farm_produce_fen: int | None
    exempt_reason: str
    note: str


def rule_message(code: str, *, this_year: int) -> str:
    """The translated message of a declaration rule's error code."""
    messages = {
        "bad_year": _("year must be between %(first)d and %(last)d") % {"first": rules.FIRST_YEAR, "last": this_year},
        "bad_exempt_reason": _("exempt reason must be no_canteen (无食堂) or outsourced_canteen (食堂外包)"),
        "exempt_with_amount": _("an exempt unit declares no canteen food procurement"),
        "missing_amount": _("declare the canteen food procurement, or an exempt reason"),
        "bad_amount": _("canteen food procurement must be greater than zero"),
        "negative_farm_produce": _("farm produce must not be negative"),
        "farm_produce_exceeds_total": _("farm produce cannot exceed the canteen food procurement"),
    }
    return messages.get(code, code)


def _check_declaration(*, year: Any, values: DeclarationInput) -> None:
    this_year = timezone.localdate().year
    errors = rules.declaration_errors(
        year=year, canteen_food_fen=values.canteen_food_fen, farm_produce_fen=values.farm_produce_fen,
        exempt_reason=values.exempt_reason, this_year=this_year,
    )
    if errors:
        details = [{"field": f, "code": c, "message": rule_message(c, this_year=this_year)} for f, c, _m in errors]
        raise InvalidInput("; ".join(d["message"] for d in details), details=details)


def _wanted(values: DeclarationInput) -> dict[str, Any]:
    return {"canteen_food_fen": values.canteen_food_fen, "farm_produce_fen": values.farm_produce_fen,
            "exempt_reason": values.exempt_reason, "note": values.note}


def _stored(declaration: CanteenDeclaration) -> dict[str, Any]:
    return {f: getattr(declaration, f) for f in _FIELDS}


def _apply(*, organisation: Any, year: int, values: DeclarationInput, source: str,
           actor: Any) -> tuple[CanteenDeclaration, str]:
    """Create, update or leave the declaration; returns it and 'created' | 'updated' | 'unchanged'."""
    current = CanteenDeclaration.objects.select_for_update().filter(organisation=organisation, year=year).first()
    wanted = _wanted(values)
    if current is not None:
        before = _stored(current)
        if before == wanted:
            return current, "unchanged"
        for f, v in wanted.items():
            setattr(current, f, v)
        current.source = source
        current.declared_by = actor if getattr(actor, "pk", None) else None
        current.save()
        b, a = audit.changed_fields(before, wanted)
        audit.record(actor=actor, action="canteen_declaration:update", obj=current, before=b, after=a)
        return current, "updated"
    decl = CanteenDeclaration.objects.create(
        organisation=organisation, year=year, source=source,
        declared_by=actor if getattr(actor, "pk", None) else None, **wanted,
    )
    audit.record(actor=actor, action="canteen_declaration:create", obj=decl,
                 after={"organisation_id": organisation.pk, "year": year, **wanted})
    return decl, "created"


def canteen_declaration_submit(
    *, organisation_id: int, year: int, canteen_food_fen: int | None, farm_produce_fen: int | None = None,
    exempt_reason: str = "", note: str = "", source: str = DeclarationSource.FORM, actor: Any,
) -> CanteenDeclaration:
    """Declare (or correct) a unit's canteen food procurement for a year, or its exemption with reason."""
    require_role(actor, *DECLARERS)
    organisation = registry.organisation_list(viewer=actor).filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound(_("No such unit in your scope."), details={"organisation": organisation_id})
    # The unit itself or a unit above it declares; a government office (finance) may declare for units of its scope.
    authorise(actor, roles=DECLARERS, region_code=organisation.region.code, party=organisation_party(organisation),
              office=True, what="canteen declaration")
    values = DeclarationInput(canteen_food_fen, farm_produce_fen, exempt_reason or "", (note or "").strip()[:300])
    _check_declaration(year=year, values=values)
    try:
        with transaction.atomic():
            decl, _outcome = _apply(organisation=organisation, year=year, values=values, source=source, actor=actor)
    except IntegrityError:
        # two submissions raced to create the same (unit, year): the second applies as an update
        with transaction.atomic():
            decl, _outcome = _apply(organisation=organisation, year=year, values=values, source=source, actor=actor)
    return decl


# -- file import ------------------------------------------------------------------------------------------------------
def _fen_or_none(row: Row, name: str, errors: list[RowError]) -> int | None:
    text = row.get(name)
    if not text.strip():
        return None
    try:
        return yuan_to_fen(text, allow_zero=(name == "farm_produce_yuan"))
    except MoneyError as exc:
        errors.append(RowError(row.line, name, exc.code, exc.message))
        return None


def _parse_row(row: Row, orgs: dict[str | None, Any], this_year: int,
               errors: list[RowError]) -> tuple[Any, int, DeclarationInput] | None:
    """The unit, year and declaration of a row (None with `errors` appended when it cannot be taken)."""
    code = row.get("buyer_code").strip().upper()
    if not code:
        errors.append(RowError(row.line, "buyer_code", "required", _("the unit's credit code is required")))
    elif (why := uscc_error(code)) is not None:
        errors.append(RowError(row.line, "buyer_code", "bad_credit_code", _("invalid credit code: %s") % why))
    elif code not in orgs:
        errors.append(RowError(row.line, "buyer_code", "unknown_buyer", _("no such unit in your scope")))
    year_text = row.get("year").strip()
    year = int(year_text) if year_text.isdigit() else None
    if year is None:
        errors.append(RowError(row.line, "year", "bad_year", _("year must be a four-digit number")))
    canteen = _fen_or_none(row, "canteen_food_yuan", errors)
    farm = _fen_or_none(row, "farm_produce_yuan", errors)
    reason = rules.parse_exempt_reason(row.get("exempt_reason"))
    if reason is None:
        errors.append(RowError(row.line, "exempt_reason", "bad_exempt_reason",
                               _("exempt reason must be no_canteen (无食堂) or outsourced_canteen (食堂外包)")))
    if errors:
        return None
    values = DeclarationInput(canteen, farm, reason or "", row.get("note").strip()[:300])
    for field, code_, _msg in rules.declaration_errors(year=year, canteen_food_fen=canteen, farm_produce_fen=farm,
                                                       exempt_reason=values.exempt_reason, this_year=this_year):
        errors.append(RowError(row.line, field, code_, rule_message(code_, this_year=this_year)))
    if errors:
        return None
    return orgs[code], year, values  # type: ignore[return-value]  # no errors: year and values were parsed


_ACTIONS = {"created": Action.CREATE, "updated": Action.UPDATE, "unchanged": Action.UNCHANGED}


class DeclarationImport(Importer):
    """Declarations from CSV or .xlsx (English or Chinese headers). Every row is validated; the same unit and year
    twice in a file is a duplicate when equal, rejected when not; the whole file is written in one transaction."""

    kind = IMPORT_KIND
    columns = COLUMNS

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.this_year = timezone.localdate().year

    def prefetch(self, rows: list[Row]) -> None:
        codes = {r.get("buyer_code").strip().upper() for r in rows}
        self.orgs = {o.credit_code: o for o in registry.organisation_list(viewer=self.actor).filter(credit_code__in=codes)}
        self.stored = {(d.organisation_id, d.year): d
                       for d in CanteenDeclaration.objects.filter(organisation__in=list(self.orgs.values()))}

    def plan(self, row: Row, errors: list[RowError]) -> Plan:
        parsed = _parse_row(row, self.orgs, self.this_year, errors)
        if parsed is None:
            return Plan(row.line, Action.REJECT)
        org, year, values = parsed
        if refusal(self.actor, roles=DECLARERS, region_code=org.region.code, party=organisation_party(org),
                   office=True) is not None:  # the same rule as canteen_declaration_submit
            return Plan(row.line, Action.REJECT, errors=[RowError(
                row.line, "buyer_code", "not_yours",
                _("%(org)s declares for itself (or its supervising unit, or a government office); not you")
                % {"org": org.name})])
        key = (org.credit_code, year)
        if (first := self.first_seen(key)) is not None:
            if first[1] == values:
                return Plan(row.line, Action.DUPLICATE)
            return Plan(row.line, Action.REJECT, errors=[RowError(row.line, "buyer_code", "duplicate_in_file",
                                                                  _("the same unit and year differ from line %d")
                                                                  % first[0])])
        self.remember(key, row.line, values)
        current = self.stored.get((org.pk, year))
        if current is not None and _stored(current) == _wanted(values):
            return Plan(row.line, Action.UNCHANGED)
        return Plan(row.line, Action.CREATE if current is None else Action.UPDATE, key=key,
                    values={"organisation": org, "year": year, "values": values})

    def write(self, plans: list[Plan]) -> None:
        for p in plans:
            _decl, outcome = _apply(**p.values, source=DeclarationSource.IMPORT, actor=self.actor)
            p.action = _ACTIONS[outcome]


def canteen_declaration_import(*, path: str | Path, file_name: str, actor: Any, dry_run: bool = False) -> ImportReport:
    """Import declarations (`DeclarationImport`): good rows are written (unless `dry_run`), rejected rows are
    reported and kept as a file to fix and re-import; the same file twice changes nothing."""
    require_role(actor, *DECLARERS)
    return run_import(DeclarationImport(actor=actor, dry_run=dry_run), path=path, file_name=file_name)
