"""The year-end assessment cycle and the yearly statistical report forms (issue #11 items 6 and 7).

Cycle of one assessed body, scheme and year (the due dates are the dated parameter `supervision.assessment_cycle`,
month-days of the next year):

    self-evaluation (the body) ─▶ partner's comments (east–west pairs: the government of a helped region)
                                ─▶ cross-check (the assessors) ─▶ final report (the assessors)

- `evaluation_submit(*, body, scheme, year, text, self_score, actor)`: the body's self-evaluation (changed by the body
  until the next step is taken; audited before → after)
- `evaluation_comment(*, evaluation, comments, actor)`, `evaluation_cross_check(*, evaluation, text, actor)`,
  `evaluation_report(*, evaluation, text, actor)`: the guarded transitions, audited
- `cycle_lines(*, viewer, year, on)`: every assessed body and scheme of the year with the step it waits for, that
  step's due date and whether it is overdue on `on` — the reminders list; `reminders_send(*, year, on)` mails the
  overdue bodies' users (Django's mail backend; the console in the demo; `fupin supervision_remind`)

Statistical report forms (the layout is fixed and documented in docs/domain/supervision.md):
- `statistics_tables(*, body, year)`: purchases and helped sales by scheme, by paired region, by channel, and the
  linkage figures of the paired regions, read from the account's rollups and linkage's selectors
- `statistics_workbook(*, body, year)`: the tables as .xlsx (money as numbers in yuan)
- `statistics_file(*, body, year, actor)`: the body files the forms (once per year; the tables and their digest
  are kept, audited); `statistics_lines(*, viewer, year, on)`: who has filed, who has not, and the deadline
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from fupin.core import audit, params
from fupin.core import selectors as core_selectors
from fupin.core.errors import Conflict, InvalidInput, NotFound, TransitionNotAllowed
from fupin.ledger import selectors as ledger
from fupin.ledger.enums import Channel, Kind
from fupin.registry import selectors as registry

from . import parameters, policy, rules, selectors
from .enums import EvaluationStatus, Scheme
from .figures import ASSESSOR, Window, benefits_paid, body_context, households_linked
from .models import Evaluation, StatisticsFiling

MAX_TEXT = 20_000
COMMENTED_FROM = (EvaluationStatus.SELF_EVALUATED,)
CHECKED_FROM: dict[str, tuple[str, ...]] = {Scheme.EAST_WEST.value: (EvaluationStatus.PARTNER_COMMENTED,)}
REPORTED_FROM = (EvaluationStatus.CROSS_CHECKED,)


def _text(field: str, value: Any, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(_("%(field)s is required") % {"field": field}, details={"field": field})
    if len(text) > MAX_TEXT:
        raise InvalidInput(_("%(field)s is longer than %(n)d characters") % {"field": field, "n": MAX_TEXT},
                           details={"field": field})
    return text


def _year(year: Any) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        value = 0
    if not 2013 <= value <= selectors.today().year:
        raise InvalidInput(_("the year must be between 2013 and this year"), details={"field": "year"})
    return value


def cycle_dates(year: int, *, region_code: str = "") -> dict[str, dt.date]:
    version = params.get(parameters.ASSESSMENT_CYCLE, on=dt.date(year + 1, 1, 1), region_code=region_code)
    return rules.cycle_dates(year, version.value)


def assessed_schemes(*, body: Any, year: int) -> list[str]:
    """The schemes a body is assessed in for a year: those it has relations of (as helper, or governing the helping
    region), in the order of `Scheme`."""
    ctx = body_context(body=body, year=year)
    return [s for s in Scheme.values if ctx.relations.get(s)]


def partner_ids(*, body: Any, year: int, scheme: str) -> set[int]:
    """The governments of the regions the body helps in a scheme (its partners, who comment on an east–west pair's
    self-evaluation)."""
    ctx = body_context(body=body, year=year)
    return set(selectors.region_governments(codes=ctx.helped_codes(scheme)).values())


# -- the cycle ------------------------------------------------------------------------------------------------------
def evaluation_submit(*, body: Any, scheme: str, year: Any, text: Any, self_score: Any = None,
                      actor: Any) -> Evaluation:
    """The body's self-evaluation of a year and scheme; changed by the body until a partner or assessor acts."""
    policy.authorise_body_write(actor, body=body, what="self-evaluation")
    year = _year(year)
    if scheme not in Scheme.values:
        raise InvalidInput(_("unknown scheme “%(s)s”") % {"s": str(scheme)[:40]}, details={"field": "scheme"})
    if scheme not in assessed_schemes(body=body, year=year):
        raise InvalidInput(_("%(body)s has no %(scheme)s relation in %(year)d: it is not assessed in that scheme.")
                           % {"body": body, "scheme": Scheme(scheme).label, "year": year},
                           code="not_assessed", details={"field": "scheme"})
    content = _text("text", text)
    score: int | None = None
    if self_score not in (None, ""):
        try:
            score = int(self_score)
        except (TypeError, ValueError):
            score = -1
        if not 0 <= score <= 100:
            raise InvalidInput(_("the self-assessed score is a whole number from 0 to 100"),
                               details={"field": "self_score"})
    with transaction.atomic():
        found = Evaluation.objects.select_for_update().filter(body=body, scheme=scheme, year=year).first()
        if found is None:
            try:
                with transaction.atomic():
                    ev = Evaluation.objects.create(body=body, scheme=scheme, year=year, self_evaluation=content,
                                                   self_score=score)
            except IntegrityError:
                raise Conflict(_("This self-evaluation was submitted at the same time by someone else.")) from None
            audit.record(actor=actor, action="evaluation:submit", obj=ev, after={
                "status": ev.status, "self_score": score, "self_evaluation": content[:200]})
            return ev
        if found.status != EvaluationStatus.SELF_EVALUATED:
            raise TransitionNotAllowed(_("The self-evaluation can no longer be changed: it is “%(status)s”.")
                                       % {"status": found.get_status_display()})
        before = {"self_score": found.self_score, "self_evaluation": found.self_evaluation[:200]}
        found.self_evaluation, found.self_score = content, score
        found.save(update_fields=["self_evaluation", "self_score", "updated_at"])
        audit.record(actor=actor, action="evaluation:revise", obj=found, before=before,
                     after={"self_score": score, "self_evaluation": content[:200]})
        return found


def evaluation_comment(*, evaluation: Evaluation, comments: Any, actor: Any) -> Evaluation:
    """The partner's comments on an east–west pair's self-evaluation."""
    if evaluation.scheme != Scheme.EAST_WEST:
        raise InvalidInput(_("Only east–west cooperation pairs have a partner's comments."),
                           code="not_east_west", details={"field": "scheme"})
    partners = partner_ids(body=evaluation.body, year=evaluation.year, scheme=evaluation.scheme)
    policy.authorise_partner(actor, partner_ids=partners, what="evaluation comment")
    text = _text("comments", comments)
    audit.transition(evaluation, to=EvaluationStatus.PARTNER_COMMENTED, allowed_from=COMMENTED_FROM, actor=actor,
                     action="evaluation:comment", changes={"partner_comments": text})
    return evaluation


def evaluation_cross_check(*, evaluation: Evaluation, text: Any, actor: Any) -> Evaluation:
    """The assessor's cross-check (after the partner's comments for an east–west pair)."""
    policy.authorise_assess(actor, what="evaluation cross-check")
    content = _text("text", text)
    allowed = CHECKED_FROM.get(evaluation.scheme, (EvaluationStatus.SELF_EVALUATED,))
    audit.transition(evaluation, to=EvaluationStatus.CROSS_CHECKED, allowed_from=allowed, actor=actor,
                     action="evaluation:cross_check", changes={"cross_check": content})
    return evaluation


def evaluation_report(*, evaluation: Evaluation, text: Any, actor: Any) -> Evaluation:
    """The final report of the body's assessment for the year and scheme."""
    policy.authorise_assess(actor, what="evaluation report")
    content = _text("text", text)
    audit.transition(evaluation, to=EvaluationStatus.REPORTED, allowed_from=REPORTED_FROM, actor=actor,
                     action="evaluation:report", changes={"report": content})
    return evaluation


@dataclass(frozen=True)
class CycleLine:
    body: Any
    scheme: str
    evaluation: Evaluation | None
    step: str | None           # the step it waits for (None: the final report is in)
    due: dt.date | None
    overdue: bool

    @property
    def status(self) -> str:
        return self.evaluation.status if self.evaluation is not None else ""


def assessed_pairs(*, year: int, body_ids: set[int] | None = None) -> list[tuple[Any, str]]:
    """(body, scheme) for every body with relations of a scheme in force in the year (helpers, and the governments
    of helping regions), ordered by body then scheme."""
    pairs: set[tuple[int, str]] = set()
    for scheme in Scheme.values:
        rels = registry.relation_list(viewer=ASSESSOR, kind=scheme, year=year).select_related("helper_region")
        helper_regions: set[str] = set()
        for rel in rels:
            if rel.helper_org_id:
                pairs.add((rel.helper_org_id, scheme))
            if rel.helper_region is not None:
                helper_regions.add(rel.helper_region.code)
        for pk in selectors.region_governments(codes=helper_regions).values():
            pairs.add((pk, scheme))
    if body_ids is not None:
        pairs = {p for p in pairs if p[0] in body_ids}
    bodies = {o.pk: o for o in registry.organisation_list(viewer=ASSESSOR).filter(pk__in={p[0] for p in pairs})}
    order = {s: i for i, s in enumerate(Scheme.values)}
    return [(bodies[pk], s) for pk, s in sorted(pairs, key=lambda p: (p[0], order[p[1]])) if pk in bodies]


def cycle_lines(*, viewer: Any, year: int, on: dt.date | None = None, own: bool = False) -> list[CycleLine]:
    """Every assessed body and scheme the viewer supervises (`own`: the viewer's organisation's own lines instead),
    with the step it waits for and whether it is late."""
    return _cycle_lines(year=year, on=on, visible=_own(viewer) if own else selectors.supervised_body_ids(viewer=viewer))


def _own(viewer: Any) -> set[int]:
    org = getattr(viewer, "organisation_id", None) if getattr(viewer, "is_authenticated", False) else None
    return {org} if org else set()


def _cycle_lines(*, year: int, on: dt.date | None, visible: set[int] | None) -> list[CycleLine]:
    on = on or selectors.today()
    dates = cycle_dates(year)
    found = {(e.body_id, e.scheme): e for e in Evaluation.objects.filter(year=year)}
    out: list[CycleLine] = []
    for body, scheme in assessed_pairs(year=year, body_ids=visible):
        ev = found.get((body.pk, scheme))
        step = rules.cycle_step_due(status=ev.status if ev else None, scheme=scheme)
        due = dates[step] if step else None
        out.append(CycleLine(body=body, scheme=scheme, evaluation=ev, step=step, due=due,
                             overdue=due is not None and on > due))
    return out


def overdue_lines(*, year: int, on: dt.date | None = None) -> list[CycleLine]:
    """Every late step of the year's cycle, whoever supervises the body (for the reminders command)."""
    return [line for line in _cycle_lines(year=year, on=on, visible=None) if line.overdue]


def reminders_send(*, year: int, on: dt.date | None = None) -> list[CycleLine]:
    """Mail the users of every body whose own step (the self-evaluation) is overdue; returns the overdue lines."""
    lines = [line for line in overdue_lines(year=year, on=on) if line.step == "self_evaluation"]
    messages = []
    for line in lines:
        emails = core_selectors.organisation_emails(organisation_id=line.body.pk)
        if not emails:
            continue
        subject = _("Fupin: the %(year)d self-evaluation (%(scheme)s) was due on %(due)s") % {
            "year": year, "scheme": Scheme(line.scheme).label, "due": line.due}
        body = _("%(body)s has not submitted its self-evaluation of %(year)d for %(scheme)s, due on %(due)s. "
                 "Submit it in Fupin before the assessors cross-check the year.") % {
            "body": line.body, "year": year, "scheme": Scheme(line.scheme).label, "due": line.due}
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, emails))
    if messages:
        send_mass_mail(messages, fail_silently=False)
    return lines


# -- statistical report forms ---------------------------------------------------------------------------------------
TABLE_SCHEMES = "by_scheme"
TABLE_REGIONS = "by_region"
TABLE_CHANNELS = "by_channel"
TABLE_LINKAGE = "linkage"


def statistics_tables(*, body: Any, year: int) -> dict[str, list[dict[str, Any]]]:
    """The yearly statistics of a body from the account (attributed to its relations) and from linkage."""
    ctx = body_context(body=body, year=year)
    ids = sorted({pk for s in Scheme.values for pk in ctx.relation_ids(s)})
    by_scheme: list[dict[str, Any]] = []
    by_region: list[dict[str, Any]] = []
    by_channel: list[dict[str, Any]] = []
    if ids:
        for scheme in Scheme.values:
            rel = ctx.relation_ids(scheme)
            if not rel:
                continue
            filters = {"year": year, "scheme": scheme, "relation": rel}
            rows = {r["kind"]: int(r["amount_fen"]) for r in
                    ledger.account_totals(viewer=ASSESSOR, group_by=["kind"], filters=filters)}
            by_scheme.append({"scheme": scheme, "direct_fen": rows.get(Kind.DIRECT_PURCHASE, 0),
                              "helped_fen": rows.get(Kind.HELPED_SALE, 0), "total_fen": sum(rows.values())})
            for r in ledger.account_totals(viewer=ASSESSOR, group_by=["province", "kind"], filters=filters):
                by_region.append({"scheme": scheme, "province": r["province"], "kind": r["kind"],
                                  "amount_fen": int(r["amount_fen"])})
            for r in ledger.account_totals(viewer=ASSESSOR, group_by=["channel"], filters=filters):
                by_channel.append({"scheme": scheme, "channel": r["channel"], "amount_fen": int(r["amount_fen"])})
    linkage: list[dict[str, Any]] = []
    window = Window(year)
    for scheme in Scheme.values:
        codes = ctx.helped_codes(scheme)
        if codes:
            linkage.append({"scheme": scheme, "households_linked": households_linked(codes, year),
                            "benefits_paid_fen": benefits_paid(codes, window)})
    by_region.sort(key=lambda r: (r["scheme"], r["province"], r["kind"]))
    by_channel.sort(key=lambda r: (r["scheme"], r["channel"]))
    return {TABLE_SCHEMES: by_scheme, TABLE_REGIONS: by_region, TABLE_CHANNELS: by_channel, TABLE_LINKAGE: linkage}


def tables_digest(tables: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(tables, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[list[Any]], money: set[int]) -> None:
    ws = wb.create_sheet(title[:31])
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col in money:
        for (cell,) in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            cell.number_format = "#,##0.00"
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions
    for i, header in enumerate(headers):
        ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = max(12, min(40, len(header) * 2 + 2))


def statistics_workbook(*, body: Any, year: int, tables: dict[str, list[dict[str, Any]]] | None = None) -> bytes:
    """The forms as one .xlsx: a cover sheet and one sheet per table (fixed columns; money in yuan, as numbers)."""
    tables = tables if tables is not None else statistics_tables(body=body, year=year)
    scheme = {k: str(v) for k, v in Scheme.choices}
    channel = {k: str(v) for k, v in Channel.choices}
    kind = {k: str(v) for k, v in Kind.choices}
    provinces = {r.code: r.name for r in registry.region_list(viewer=ASSESSOR, level="province")}
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    cover = wb.create_sheet(_("Cover")[:31])
    for row in ([_("Consumption assistance statistics"), year], [_("Reporting body"), str(body)],
                [_("Credit code"), body.credit_code or ""], [_("Digest"), tables_digest(tables)]):
        cover.append(row)
    yuan = 100
    _sheet(wb, _("1 By scheme"), [_("Scheme"), _("Direct purchases (yuan)"), _("Helped sales (yuan)"),
                                  _("Total (yuan)")],
           [[scheme[r["scheme"]], r["direct_fen"] / yuan, r["helped_fen"] / yuan, r["total_fen"] / yuan]
            for r in tables[TABLE_SCHEMES]], {1, 2, 3})
    _sheet(wb, _("2 By paired region"), [_("Scheme"), _("Province"), _("Kind"), _("Amount (yuan)")],
           [[scheme[r["scheme"]], provinces.get(r["province"], r["province"]), str(kind.get(r["kind"], r["kind"])),
             r["amount_fen"] / yuan] for r in tables[TABLE_REGIONS]], {3})
    _sheet(wb, _("3 By channel"), [_("Scheme"), _("Channel"), _("Amount (yuan)")],
           [[scheme[r["scheme"]], channel.get(r["channel"], r["channel"]), r["amount_fen"] / yuan]
            for r in tables[TABLE_CHANNELS]], {2})
    _sheet(wb, _("4 Interest linkage"), [_("Scheme"), _("Poor households linked"), _("Benefits paid (yuan)")],
           [[scheme[r["scheme"]], r["households_linked"], r["benefits_paid_fen"] / yuan]
            for r in tables[TABLE_LINKAGE]], {2})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def authorise_forms_read(*, actor: Any, body: Any) -> None:
    """The forms of a body are read by the body itself and by those who supervise it."""
    visible = selectors.supervised_body_ids(viewer=actor)
    if visible is None or body.pk in visible:
        return
    policy.authorise_submit(actor, body=body, what="statistics forms")


def statistics_due(year: int) -> dt.date:
    version = params.get(parameters.STATISTICS_FILING, on=dt.date(year + 1, 1, 1))
    return rules.month_day(year + 1, str(version.value["due"]))


def statistics_file(*, body: Any, year: Any, actor: Any) -> StatisticsFiling:
    """The body files its forms for the year (the tables as generated now are kept with their digest)."""
    policy.authorise_body_write(actor, body=body, what="statistics filing")
    year = _year(year)
    if not assessed_schemes(body=body, year=year):
        raise InvalidInput(_("%(body)s has no assistance relation in %(year)d: it files no statistics forms.")
                           % {"body": body, "year": year}, code="not_assessed", details={"field": "year"})
    tables = statistics_tables(body=body, year=year)
    digest = tables_digest(tables)
    try:
        with transaction.atomic():
            filing = StatisticsFiling.objects.create(body=body, year=year, digest=digest, tables=tables)
            audit.record(actor=actor, action="statistics:file", obj=filing, after={"year": year, "digest": digest})
    except IntegrityError:
        raise Conflict(_("%(body)s has already filed its %(year)d statistics forms.") % {"body": body, "year": year},
                       code="already_filed") from None
    return filing


@dataclass(frozen=True)
class FilingLine:
    body: Any
    filing: StatisticsFiling | None
    due: dt.date
    overdue: bool


def statistics_lines(*, viewer: Any, year: int, on: dt.date | None = None, own: bool = False) -> list[FilingLine]:
    """Every body that files forms for the year among those the viewer supervises (`own`: the viewer's organisation
    only), one line per body, filed or not, late or not."""
    on = on or selectors.today()
    due = statistics_due(year)
    filed = {f.body_id: f for f in StatisticsFiling.objects.filter(year=year)}
    visible = _own(viewer) if own else selectors.supervised_body_ids(viewer=viewer)
    bodies = list(dict.fromkeys(b for b, _s in assessed_pairs(year=year, body_ids=visible)))
    return [FilingLine(body=b, filing=filed.get(b.pk), due=due, overdue=b.pk not in filed and on > due)
            for b in bodies]


def evaluation_get(*, viewer: Any, pk: int) -> Evaluation:
    """An evaluation of the viewer's own organisation, of a body it supervises, or of a body it is the partner of
    (NotFound otherwise)."""
    visible = selectors.supervised_body_ids(viewer=viewer)
    ev = Evaluation.objects.select_related("body", "body__region").filter(pk=pk).first()
    if ev is None or (visible is not None and ev.body_id not in visible | _own(viewer)
                      and ev.body_id not in _partner_of(viewer, ev)):
        raise NotFound(details={"evaluation": pk})
    return ev


def evaluation_actions(*, viewer: Any, evaluation: Evaluation) -> list[str]:
    """The steps the viewer may take on the evaluation now (what the pages offer; the services decide again):
    `revise` (the body, until the next step), `partner_comment`, `cross_check`, `report`."""
    step = rules.cycle_step_due(status=evaluation.status, scheme=evaluation.scheme)
    out = []
    if evaluation.status == EvaluationStatus.SELF_EVALUATED and policy.may_write_body(viewer, body=evaluation.body):
        out.append("revise")
    if step == "partner_comment" and policy.may_partner(viewer, partner_ids=partner_ids(
            body=evaluation.body, year=evaluation.year, scheme=evaluation.scheme)):
        out.append(step)
    if step in ("cross_check", "report") and policy.may_assess(viewer):
        out.append(step)
    return out


def may_submit(*, viewer: Any, body: Any) -> bool:
    """Whether the viewer may submit the body's self-evaluation or file its forms (what the pages offer)."""
    return policy.may_write_body(viewer, body=body)


def _partner_of(viewer: Any, ev: Evaluation) -> set[int]:
    org = getattr(viewer, "organisation_id", None)
    if org and org in partner_ids(body=ev.body, year=ev.year, scheme=ev.scheme):
        return {ev.body_id}
    return set()
