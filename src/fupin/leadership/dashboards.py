"""Dashboards by role: what the signed-in user's home page shows, composed from the apps' selectors (certification,
the ledger and its reserved share, linkage, supervision, incentives, the registry), each read as the viewer — so a
figure is what the viewer may see, and equals what the selector behind it returns.

Which blocks a user gets follows from its roles, its scope and its organisation (`rules.dashboard_kinds`):
- `review` (reviewers and approvers of a governing office): the applications waiting at its level, those overdue (`leadership.inbox`
  parameter), open objections;
- `region` (government offices): the account of its region this year and last (purchases whose origin lies in
  it), direct purchases and helped sales, certified products, market entities;
- `oversight` (government offices): the targets of the bodies it supervises on track, behind and far behind,
  problems open and overdue, periods to approve, scorecards of the year;
- `targets` (a body with an approved work plan for the year: a central unit, a provincial government): each target
  against its progress;
- `supplier` (the organisation is a market entity): applications open and returned, certified products, the
  sales counted this year, benefits paid to households;
- `buyer` (any other organisation): its account this year and last, its reserved share (required, achieved, gap),
  its purchase imports.

Every figure carries the portal page that opens what is behind it (`url_name`, `url_args`, `query`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.certification import selectors as certification
from fupin.certification.enums import ApplicationStatus, ProductStatus
from fupin.core import memory
from fupin.core.enums import Role
from fupin.core.errors import NotFound
from fupin.ledger import selectors as ledger
from fupin.ledger.reserved_share import selectors as reserved_share
from fupin.ledger.reserved_share.enums import ShareStatus
from fupin.linkage import selectors as linkage
from fupin.registry import selectors as registry
from fupin.supervision import selectors as supervision
from fupin.supervision.enums import MONEY_METRICS, Metric, PlanStatus, ProblemStatus, ProgressStatus

from . import inbox, rules

OPEN_APPLICATIONS = tuple(s for s in ApplicationStatus.values
                          if s not in (ApplicationStatus.CERTIFIED, ApplicationStatus.REJECTED,
                                       ApplicationStatus.WITHDRAWN))


@dataclass
class Figure:
    key: str
    label: str
    value: int | None
    money: bool = False
    url_name: str = ""
    url_args: tuple[Any, ...] = ()
    query: dict[str, Any] = field(default_factory=dict)
    warn: bool = False


@dataclass
class Block:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # a table under the figures (targets, suppliers)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url name)
    trend: list[dict[str, Any]] = field(default_factory=list)  # counted amount by month of the year (a chart)


@dataclass
class Dashboard:
    kinds: list[str]
    year: int
    blocks: list[Block]
    inbox: dict[str, Any]

    def block(self, key: str) -> Block | None:
        return next((b for b in self.blocks if b.key == key), None)

    def figure(self, block: str, key: str) -> Figure | None:
        b = self.block(block)
        return next((f for f in b.figures if f.key == key), None) if b else None


def _amount(viewer: Any, filters: dict[str, Any], side: str = "origin") -> tuple[int, int]:
    rows = ledger.account_totals(viewer=viewer, filters=filters, side=side)
    return (int(rows[0]["amount_fen"]), int(rows[0]["entries"])) if rows else (0, 0)


def monthly(viewer: Any, filters: dict[str, Any], side: str = "origin") -> list[dict[str, Any]]:
    """The counted amount of each month of the year (every month, none missing), with the filters of its entries."""
    year = int(filters["year"])
    rows = {r["month"]: r for r in ledger.account_totals(viewer=viewer, group_by=["month"], filters=filters, side=side)}
    out = []
    for m in range(1, 13):
        key = f"{year:04d}-{m:02d}"
        r = rows.get(key)
        out.append({"month": key, "amount_fen": int(r["amount_fen"]) if r else 0, "entries": int(r["entries"]) if r else 0,
                    "query": {**filters, "month": key}})
    return out


def _region_code(viewer: Any) -> str:
    return getattr(viewer, "scope_code", "") or ""


def own_suppliers(*, viewer: Any) -> list[Any]:
    """The market entities the viewer's organisation is (same credit code as a registered entity)."""
    org = getattr(viewer, "organisation", None)
    code = getattr(org, "credit_code", "") or ""
    if not code:
        return []
    return [e for e in certification.supplier_entities(viewer=viewer) if e.credit_code == code]


def _approved_plan(viewer: Any, year: int) -> Any:
    org = getattr(viewer, "organisation_id", None)
    if not org:
        return None
    return supervision.plan_list(viewer=viewer, body_id=org, year=year, status=PlanStatus.APPROVED).first()


# -- blocks -------------------------------------------------------------------------------------------------------
def review_block(viewer: Any, *, today: dt.date) -> Block:
    days = inbox.settings(on=today)["review_overdue_days"]
    queue = certification.review_queue(viewer=viewer, today=today).count()
    overdue = certification.review_queue(viewer=viewer, min_days=days + 1, today=today).count()
    objections = certification.objection_list(viewer=viewer).count()
    return Block("review", _("Your review queue"), [
        Figure("queue", _("applications waiting at your level"), queue, url_name="portal:cert_queue"),
        Figure("overdue", _("waiting more than %(days)s days") % {"days": days}, overdue, url_name="portal:cert_queue",
               query={"min_days": days + 1}, warn=overdue > 0),
        Figure("objections", _("open objections"), objections, url_name="portal:cert_objections", warn=objections > 0),
    ])


def region_block(viewer: Any, *, year: int, today: dt.date) -> Block:
    code = _region_code(viewer)
    base: dict[str, Any] = {"region": code} if code else {}
    this, entries = _amount(viewer, {**base, "year": year})
    last, _e = _amount(viewer, {**base, "year": year - 1})
    direct, _d = _amount(viewer, {**base, "year": year, "kind": "direct_purchase"})
    helped, _h = _amount(viewer, {**base, "year": year, "kind": "helped_sale"})
    certified = certification.product_list(viewer=viewer, status=ProductStatus.CERTIFIED).count()
    entities = registry.entity_list(viewer=viewer).count()
    q = {**base, "year": year}
    title = (_("Your region's figures, %(year)s") if code else _("The nation's figures, %(year)s")) % {"year": year}
    return Block("region", title, [
        Figure("amount", _("yuan counted for products from your region") if code else _("yuan counted"), this,
               money=True, url_name="portal:ledger_entries", query=q),
        Figure("entries", _("purchases counted"), entries, url_name="portal:ledger_entries", query=q),
        Figure("last_year", _("yuan counted the year before"), last, money=True, url_name="portal:ledger_entries",
               query={**base, "year": year - 1}),
        Figure("direct", _("yuan of direct purchases"), direct, money=True, url_name="portal:ledger_entries",
               query={**q, "kind": "direct_purchase"}),
        Figure("helped", _("yuan of helped sales"), helped, money=True, url_name="portal:ledger_entries",
               query={**q, "kind": "helped_sale"}),
        Figure("certified", _("certified products"), certified, url_name="portal:cert_products",
               query={"status": ProductStatus.CERTIFIED}),
        Figure("entities", _("market entities"), entities, url_name="portal:entity_list"),
    ], links=[(_("Statistics"), "portal:ledger_dashboard")], trend=monthly(viewer, q))


def oversight_block(viewer: Any, *, year: int, today: dt.date) -> Block:
    lines = supervision.early_warnings(viewer=viewer, year=year, as_of=today, include_on_track=True)
    counts = {s: sum(1 for w in lines if w.status == s) for s in ProgressStatus.values}
    unresolved = supervision.problem_list(viewer=viewer).filter(
        status__in=(ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS)).count()
    overdue = supervision.problem_list(viewer=viewer, overdue=True).count()
    approvals = supervision.approval_list(viewer=viewer, awaiting=True).count()
    scorecards = supervision.scorecard_list(viewer=viewer, year=year).count()
    return Block("oversight", _("Targets, problems and scorecards, %(year)s") % {"year": year}, [
        Figure("on_track", _("targets on track"), counts[ProgressStatus.ON_TRACK], url_name="portal:supervision_home"),
        Figure("behind", _("targets behind"), counts[ProgressStatus.BEHIND], url_name="portal:supervision_home",
               warn=counts[ProgressStatus.BEHIND] > 0),
        Figure("far_behind", _("targets far behind"), counts[ProgressStatus.FAR_BEHIND],
               url_name="portal:supervision_home", warn=counts[ProgressStatus.FAR_BEHIND] > 0),
        Figure("problems_open", _("problems open"), unresolved, url_name="portal:supervision_problems"),
        Figure("problems_overdue", _("problems overdue"), overdue, url_name="portal:supervision_problems",
               query={"overdue": "true"}, warn=overdue > 0),
        Figure("approvals", _("periods awaiting your approval"), approvals, url_name="portal:supervision_approvals"),
        Figure("scorecards", _("scorecards of the year"), scorecards, url_name="portal:supervision_scorecards",
               query={"year": year}),
    ], links=[(_("Early warning"), "portal:supervision_home"), (_("Scorecards"), "portal:supervision_scorecards"),
              (_("Problem register"), "portal:supervision_problems")])


def targets_block(viewer: Any, plan: Any, *, today: dt.date) -> Block:
    labels = dict(Metric.choices)
    statuses = dict(ProgressStatus.choices)
    rows = [{"metric": r["metric"], "label": labels.get(r["metric"], r["metric"]), "target": r["target"],
             "actual": r["actual"], "expected": r["expected"], "ratio_bp": r["ratio_bp"], "status": r["status"],
             "status_label": statuses.get(r["status"], r["status"]), "money": r["metric"] in MONEY_METRICS,
             "share": r["metric"] == Metric.RESERVED_SHARE}
            for r in supervision.progress(plan=plan, as_of=today)]
    behind = sum(1 for r in rows if r["status"] != ProgressStatus.ON_TRACK)
    return Block("targets", _("Your work plan %(year)s: targets against progress") % {"year": plan.year}, [
        Figure("targets", _("targets"), len(rows), url_name="portal:supervision_plan", url_args=(plan.pk,)),
        Figure("behind", _("targets behind or far behind"), behind, url_name="portal:supervision_plan",
               url_args=(plan.pk,), warn=behind > 0),
    ], rows=rows)


def supplier_block(viewer: Any, suppliers: list[Any], *, year: int, today: dt.date) -> Block:
    ids = [s.pk for s in suppliers]
    apps = certification.application_list(viewer=viewer).filter(supplier_id__in=ids)
    open_apps = apps.filter(status__in=OPEN_APPLICATIONS).count()
    returned = apps.filter(status=ApplicationStatus.RETURNED).count()
    certified = certification.product_list(viewer=viewer, status=ProductStatus.CERTIFIED).filter(
        supplier_id__in=ids).count()
    sales = entries = 0
    rows = []
    start, end = linkage.year_bounds(year)
    paid = linkage.benefits_paid(entity_ids=ids, date_from=start, date_to=end) if ids else {}
    for s in suppliers:
        amount, n = _amount(viewer, {"seller": s.pk, "year": year})
        sales, entries = sales + amount, entries + n
        rows.append({"supplier": s, "sales_fen": amount, "entries": n, "benefits_fen": int((paid.get(s.pk) or {}).get("amount_fen", 0))})
    benefits = sum(r["benefits_fen"] for r in rows)
    first = ids[0] if len(ids) == 1 else None
    seller_q: dict[str, Any] = {"seller": first, "year": year} if first else {"year": year}
    return Block("supplier", _("Your products and sales, %(year)s") % {"year": year}, [
        Figure("applications_open", _("applications under way"), open_apps, url_name="portal:cert_applications"),
        Figure("applications_returned", _("applications returned for changes"), returned,
               url_name="portal:cert_applications", query={"status": ApplicationStatus.RETURNED}, warn=returned > 0),
        Figure("certified", _("certified products"), certified, url_name="portal:cert_supplier"),
        Figure("sales", _("yuan of sales counted"), sales, money=True, url_name="portal:ledger_entries",
               query=seller_q),
        Figure("entries", _("purchases counted"), entries, url_name="portal:ledger_entries", query=seller_q),
        Figure("benefits", _("yuan of benefits paid to households"), benefits, money=True,
               url_name="portal:linkage_payments"),
    ], rows=rows if len(rows) > 1 else [], trend=monthly(viewer, {"seller": ids, "year": year} if len(ids) > 1
                                                          else seller_q))


def buyer_block(viewer: Any, org: Any, *, year: int, today: dt.date) -> Block:
    this, entries = _amount(viewer, {"buyer": org.pk, "year": year}, side="buyer")
    last, _e = _amount(viewer, {"buyer": org.pk, "year": year - 1}, side="buyer")
    imports = ledger.purchase_imports(viewer=viewer).count()
    figures = [
        Figure("amount", _("yuan of purchases counted"), this, money=True, url_name="portal:ledger_buyer",
               url_args=(org.pk,), query={"year": year}),
        Figure("entries", _("purchases counted"), entries, url_name="portal:ledger_entries",
               query={"buyer": org.pk, "year": year, "side": "buyer"}),
        Figure("last_year", _("yuan counted the year before"), last, money=True, url_name="portal:ledger_buyer",
               url_args=(org.pk,), query={"year": year - 1}),
        Figure("imports", _("purchase imports you uploaded"), imports, url_name="portal:ledger_imports"),
    ]
    try:
        share = reserved_share.reserved_share_get(viewer=viewer, organisation_id=org.pk, year=year).as_dict()
    except NotFound:  # a unit the viewer may not see has no reserved-share figure here
        share = None
    if share and share["status"] != ShareStatus.NOT_REQUIRED:
        figures += [
            Figure("share_required", _("yuan required on the platform (reserved share)"), share["required_fen"],
                   money=True, url_name="portal:ledger_reserved_share", query={"year": year}),
            Figure("share_platform", _("yuan bought on the platform"), share["platform_fen"], money=True,
                   url_name="portal:ledger_reserved_share", query={"year": year}),
            Figure("share_gap", _("yuan still to buy"), share["gap_fen"], money=True,
                   url_name="portal:ledger_reserved_share", query={"year": year}, warn=share["gap_fen"] > 0),
        ]
    block = Block("buyer", _("Your account, %(year)s") % {"year": year}, figures,
                  trend=monthly(viewer, {"buyer": org.pk, "year": year}, side="buyer"))
    if share:
        block.rows = [{"status": share["status"], "status_label": dict(ShareStatus.choices).get(share["status"], ""), "required_percent": share["required_percent"],
                       "achieved_percent": share["achieved_percent"], "achieved_bp": share["achieved_bp"],
                       "required_bp": share["required_bp"]}]
    return block


# -- the dashboard ------------------------------------------------------------------------------------------------
@memory.gc_paused()  # the early-warning list and the blocks build many short-lived dicts (core.memory)
def dashboard(*, viewer: Any, year: int | None = None, today: dt.date | None = None) -> Dashboard:
    """The viewer's dashboard: its blocks (see the module docstring) and its inbox counts."""
    today = today or timezone.localdate()
    year = year or today.year
    org = getattr(viewer, "organisation", None)
    suppliers = own_suppliers(viewer=viewer)
    plan = _approved_plan(viewer, year)
    kinds = rules.dashboard_kinds(
        reviewer=inbox.reviews_for_office(viewer), office=getattr(org, "kind", "") in rules.OFFICES,
        administrator=viewer.has_role(Role.ADMINISTRATOR), has_organisation=org is not None,
        supplier=bool(suppliers), work_plan=plan is not None)
    blocks: list[Block] = []
    for kind in kinds:
        if kind == "review":
            blocks.append(review_block(viewer, today=today))
        elif kind == "region":
            blocks.append(region_block(viewer, year=year, today=today))
        elif kind == "oversight":
            blocks.append(oversight_block(viewer, year=year, today=today))
        elif kind == "targets":
            blocks.append(targets_block(viewer, plan, today=today))
        elif kind == "supplier":
            blocks.append(supplier_block(viewer, suppliers, year=year, today=today))
        elif kind == "buyer":
            blocks.append(buyer_block(viewer, org, year=year, today=today))
    return Dashboard(kinds=kinds, year=year, blocks=blocks,
                     inbox=inbox.inbox_counts(viewer=viewer, items=inbox.inbox_items(viewer=viewer, today=today)))
