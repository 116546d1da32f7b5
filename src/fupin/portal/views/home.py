"""The signed-in home page — the user's dashboard by role (`fupin.leadership.dashboards`) — and the task inbox
(`fupin.leadership.inbox`): the views only turn the selectors' link targets into URLs and render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.core.enums import Role, ScopeLevel
from fupin.core.errors import FupinError
from fupin.leadership import dashboards, inbox, services
from fupin.registry import selectors as registry

from .. import charts
from .. import format as fmt
from .shared import int_param


def _url(url_name: str, args: tuple[Any, ...] = (), query: dict[str, Any] | None = None) -> str:
    if not url_name:
        return ""
    params = [(k, str(v)) for k, v in (query or {}).items() if v not in (None, "", [], ())]
    return reverse(url_name, args=args) + ("?" + urlencode(params) if params else "")


def _scope_label(user: Any) -> str:
    if not user.scope_prefix:
        return _("the whole nation")
    level = dict(ScopeLevel.choices).get(user.scope_level, user.scope_level)
    region = registry.region_list(viewer=user).filter(code=user.scope_code).first()
    return f"{level} {region.name if region else ''} ({user.scope_code})"


def _shown(value: Any, *, money: bool, share: bool) -> str:
    if value is None:
        return "–"
    if money:
        return fmt.yuan(value)
    if share:
        return f"{int(value) / 100:.2f}%"
    return f"{int(value):,}"


def _row(r: dict[str, Any]) -> dict[str, Any]:
    """A target's row with its numbers shown: money in yuan, a share (basis points) in per cent, counts as such."""
    return {**r, "target_text": _shown(r["target"], money=r["money"], share=r["share"]),
            "actual_text": _shown(r["actual"], money=r["money"], share=r["share"]),
            "ratio_text": f"{int(r['ratio_bp']) / 100:.1f}%" if r.get("ratio_bp") is not None else "–"}


def _trend(block: Any) -> Any:
    """The block's counted amount by month as a line chart, each point opening the month's entries."""
    if not block.trend or not any(m["amount_fen"] for m in block.trend):
        return None
    hrefs = [_url("portal:ledger_entries", (), m["query"])
             if all(not isinstance(v, list | tuple) for v in m["query"].values()) else "" for m in block.trend]
    return charts.line_chart([m["month"][5:] for m in block.trend],
                             [charts.Series(_("amount (yuan)"), [m["amount_fen"] for m in block.trend], hrefs)],
                             title=_("Counted by month, %(year)s") % {"year": block.trend[0]["month"][:4]},
                             fmt=fmt.yuan, tick_fmt=fmt.yuan_whole)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    year = int_param(request.GET.get("year"))
    if year is not None and not 2000 <= year <= 2100:
        year = None
    board = dashboards.dashboard(viewer=user, year=year)
    blocks = [{"key": b.key, "title": b.title, "trend": _trend(b), "rows": [_row(r) for r in b.rows] if b.key == "targets" else b.rows,
               "links": [(label, reverse(name)) for label, name in b.links],
               "figures": [{"key": f.key, "label": f.label, "value": f.value, "money": f.money, "warn": f.warn,
                            "url": _url(f.url_name, f.url_args, f.query)} for f in b.figures]}
              for b in board.blocks]
    role_labels = dict(Role.choices)
    return render(request, "portal/dashboard.html", {
        "board": board, "blocks": blocks, "year": board.year, "inbox_counts": board.inbox,
        "roles": [role_labels.get(r, r) for r in user.role_list], "scope_label": _scope_label(user),
    })


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    if kind not in inbox.KINDS:
        kind = None
    everything = inbox.inbox_items(viewer=request.user)
    labels = inbox.kind_labels()
    items = [i for i in everything if kind is None or i.kind == kind]
    rows = [{"item": i, "label": labels.get(i.kind, i.kind), "url": _url(i.url_name, i.url_args, i.query)}
            for i in items]
    counts = inbox.inbox_counts(viewer=request.user, items=everything)
    kinds = [{"kind": k, "label": labels[k], "count": counts["by_kind"].get(k, 0), "active": k == kind}
             for k in inbox.KINDS if counts["by_kind"].get(k)]
    return render(request, "portal/inbox.html", {"rows": rows, "counts": counts, "kinds": kinds, "kind": kind})


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    """Mark the posted items (`key`, repeated) read, or every item (`all`)."""
    keys = None if request.POST.get("all") else request.POST.getlist("key")
    try:
        n = services.inbox_mark_read(user=request.user, keys=keys)
    except FupinError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(n)s item(s) marked read.") % {"n": n})
    kind = request.POST.get("kind") or ""
    return redirect(reverse("portal:inbox") + (f"?kind={kind}" if kind in inbox.KINDS else ""))
