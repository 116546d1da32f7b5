"""Statistics pages: the dashboard (filters, group-by, totals, charts, export) and the account pages of a buyer,
a seller and a county. Every figure links to the entry list filtered to the entries behind it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from fupin.core.access import require_code_in_scope
from fupin.core.errors import NotFound
from fupin.core.services import export_log
from fupin.core.tabular import table_bytes
from fupin.core.xlsx import wants_internal
from fupin.ledger import selectors as ledger
from fupin.ledger.enums import Kind
from fupin.ledger.rules import named_as_poverty_alleviation, quantity_text
from fupin.portal import charts
from fupin.registry import selectors as registry

from ...forms.ledger import GROUPINGS, StatisticsFilter, YearForm
from ..shared import export_format, file_response, read_filters
from . import exports
from .common import choice_label, entries_url, yuan, yuan_label, yuan_tick
from .groups import label_rows

MAX_TABLE_ROWS = 500
MAX_BARS = 20


def _totals(viewer: Any, dims: Sequence[str], filters: Mapping[str, Any], *, counted_only: bool = True,
            side: str = "origin", view: str = ledger.AS_REPORTED) -> list[dict[str, Any]]:
    rows = ledger.account_totals(viewer=viewer, group_by=list(dims), filters=dict(filters), counted_only=counted_only,
                                 side=side, view=view)
    return [dict(r) for r in rows]


def _grouped_number(text: str) -> str:
    """'165496.5' → '165,496.5' (quantities keep their own decimals)."""
    whole, _sep, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-') or 0):,}"
    return sign + grouped + (f".{frac}" if frac else "")


def _sum(rows: Sequence[Mapping[str, Any]], key: str = "amount_fen") -> int:
    return sum(int(r.get(key) or 0) for r in rows)


def _table(rows: list[dict[str, Any]], base_filter: Mapping[str, Any]) -> list[dict[str, Any]]:
    for r in rows:
        r["amount"] = yuan(r["amount_fen"])
        r["quantity"] = _grouped_number(quantity_text(r.get("quantity_milli"))) if r.get("quantity_milli") else ""
        r["url"] = entries_url({**base_filter, **r["filter"]})
    return rows


def _time_dim(filters: Mapping[str, Any]) -> str:
    return "month" if filters.get("year") else "year"


def _time_series(viewer: Any, filters: Mapping[str, Any], base_filter: Mapping[str, Any], *, title: str,
                 counted_only: bool = True, side: str = "origin", view: str = ledger.AS_REPORTED) -> Any:
    """Direct purchases and helped sales over time (months of the year, or years), as stacked columns."""
    dim = _time_dim(filters)
    rows = _totals(viewer, [dim, "kind"], filters, counted_only=counted_only, side=side, view=view)
    periods = sorted({str(r[dim]) for r in rows})
    if not periods:
        return charts.stacked_bar_chart([], [], title=title)
    series = []
    for kind in (Kind.DIRECT_PURCHASE, Kind.HELPED_SALE):
        by_period = {str(r[dim]): int(r["amount_fen"]) for r in rows if r["kind"] == kind}
        hrefs = []
        for p in periods:
            flt: dict[str, Any] = {"year": p} if dim == "year" else {"year": p[:4], "month": int(p[5:7])}
            hrefs.append(entries_url({**base_filter, **flt, "kind": kind}))
        series.append(charts.Series(choice_label(Kind, kind), [by_period.get(p, 0) for p in periods], hrefs))
    return charts.stacked_bar_chart(periods, series, title=title, fmt=yuan_label, tick_fmt=yuan_tick)


def _bars(rows: list[dict[str, Any]], *, title: str) -> Any:
    top = sorted(rows, key=lambda r: -int(r["amount_fen"]))[:MAX_BARS]
    return charts.bar_chart([charts.Bar(" · ".join(r["labels"]), int(r["amount_fen"]), r["url"]) for r in top],
                            title=title, fmt=yuan_label)


def _entry_filter(f: Mapping[str, Any]) -> dict[str, Any]:
    """Dashboard filters → the entry-list (and selector) filters."""
    out = {k: f[k] for k in ("year", "buyer_category", "channel", "kind", "scheme") if f.get(k)}
    if f.get("province"):
        out["region"] = str(f["province"])[:2]
    return out


@login_required
def dashboard(request):
    form, f = read_filters(request, StatisticsFilter)
    viewer = request.user
    group_by = f.get("group_by") or "province"
    then_by = f.get("then_by") if f.get("then_by") and f.get("then_by") != group_by else ""
    dims = [group_by, then_by] if then_by else [group_by]
    counted_only = not f.get("include_uncounted")
    filters = _entry_filter(f)
    drill = {**filters, "counted": "true"} if counted_only else dict(filters)
    view = f.get("view") or ledger.AS_REPORTED
    rows = _table(label_rows(_totals(viewer, dims, filters, counted_only=counted_only, view=view), dims,
                             viewer=viewer), drill)
    rows.sort(key=lambda r: -int(r["amount_fen"]))
    labels = dict(GROUPINGS)
    header = [str(labels[d]) for d in dims]
    fmt = export_format(request)
    if fmt is not None:
        content = exports.totals_xlsx(rows, dims=dims, header=header, with_internal=wants_internal(request),
                                      wan=request.GET.get("unit") == "wan") if fmt == "xlsx" else table_bytes(
            ([*r["labels"], *[r.get(d) for d in dims], r["amount_fen"], yuan(r["amount_fen"]).replace(",", ""),
              quantity_text(r.get("quantity_milli")) if r.get("quantity_milli") else "", r["entries"]] for r in rows),
            header=[*header, *[f"{d}_code" for d in dims], "amount_fen", "amount_yuan", "quantity", "entries"],
            fmt=fmt, sheet_title="totals")
        export_log(user=viewer, what=f"account totals by {'+'.join(dims)}", rows=len(rows), path=request.path)
        return file_response(content, filename=f"account-totals-{'-'.join(dims)}.{fmt}", fmt=fmt)

    total_fen, total_entries = _sum(rows), _sum(rows, "entries")
    chart_list = [
        {"svg": _bars(rows, title=_("Amount by %(group)s (yuan)") % {"group": " · ".join(header)}),
         "caption": _("Each bar opens the entries behind it.")},
        {"svg": _time_series(viewer, filters, drill, title=_("Direct purchases and helped sales (yuan)"),
                             counted_only=counted_only, view=view),
         "caption": _("Columns by month of the year, or by year; each segment opens its entries.")},
    ]
    if then_by:
        chart_list.append({"svg": _stacked_two(rows, dims, header), "caption": ""})
    title = (_("Consumption poverty alleviation account statistics") if named_as_poverty_alleviation(f.get("year") or None)
             else _("Consumption account statistics"))  # a year until 2020 goes by the name of its time
    return render(request, "portal/ledger/dashboard.html", {
        "title": title, "form": form, "rows": rows[:MAX_TABLE_ROWS], "row_count": len(rows), "header": header,
        "truncated": len(rows) > MAX_TABLE_ROWS, "total": yuan(total_fen), "total_entries": total_entries,
        "total_url": entries_url(drill), "charts": chart_list, "counted_only": counted_only,
        "export_kind": "totals", "base_query": _query_without_export(request),
    })


def _stacked_two(rows: list[dict[str, Any]], dims: Sequence[str], header: Sequence[str]) -> Any:
    """The first grouping's top values as columns, stacked by the second grouping."""
    firsts: OrderedDict[str, float] = OrderedDict()
    for r in sorted(rows, key=lambda r: -int(r["amount_fen"])):
        firsts.setdefault(r["labels"][0], 0)
    categories = list(firsts)[:12]
    seconds = list(OrderedDict.fromkeys(r["labels"][1] for r in rows))[:8]
    cell = {(r["labels"][0], r["labels"][1]): r for r in rows}
    series = [charts.Series(s, [int(cell[(c, s)]["amount_fen"]) if (c, s) in cell else 0 for c in categories],
                            [cell[(c, s)]["url"] if (c, s) in cell else "" for c in categories]) for s in seconds]
    return charts.stacked_bar_chart(categories, series, title=_("%(a)s by %(b)s (yuan)") % {"a": header[0], "b": header[1]},
                                    fmt=yuan_label, tick_fmt=yuan_tick)


def _query_without_export(request) -> str:
    from ..shared import query_string

    return query_string(request, drop=("page", "export"))


# -- account pages ---------------------------------------------------------------------------------------------------
def _year_filter(request) -> tuple[Any, int | None, str]:
    form, f = read_filters(request, YearForm)
    return form, f.get("year"), f.get("view") or ledger.AS_REPORTED


def _grouped(viewer: Any, dim: str, filters: Mapping[str, Any], drill: Mapping[str, Any], side: str,
             view: str = ledger.AS_REPORTED) -> list[dict[str, Any]]:
    rows = _table(label_rows(_totals(viewer, [dim], filters, side=side, view=view), [dim], viewer=viewer), drill)
    rows.sort(key=lambda r: -int(r["amount_fen"]))
    return rows


def _years(viewer: Any, filters: Mapping[str, Any], drill: Mapping[str, Any], side: str,
           view: str = ledger.AS_REPORTED) -> list[dict[str, Any]]:
    """Yearly totals with direct and helped side by side."""
    rows = _totals(viewer, ["year", "kind"], filters, side=side, view=view)
    years: dict[str, dict[str, Any]] = {}
    for r in rows:
        y = years.setdefault(str(r["year"]), {"year": str(r["year"]), "amount_fen": 0, "entries": 0,
                                              "direct_fen": 0, "helped_fen": 0})
        y["amount_fen"] += int(r["amount_fen"])
        y["entries"] += int(r["entries"])
        y["direct_fen" if r["kind"] == Kind.DIRECT_PURCHASE else "helped_fen"] += int(r["amount_fen"])
    out = []
    for y in sorted(years.values(), key=lambda y: y["year"], reverse=True):
        out.append({**y, "amount": yuan(y["amount_fen"]), "direct": yuan(y["direct_fen"]),
                    "helped": yuan(y["helped_fen"]), "url": entries_url({**drill, "year": y["year"]}),
                    "direct_url": entries_url({**drill, "year": y["year"], "kind": Kind.DIRECT_PURCHASE}),
                    "helped_url": entries_url({**drill, "year": y["year"], "kind": Kind.HELPED_SALE})})
    return out


def _account_page(request, *, template: str, subject: Any, base: dict[str, Any], sections: Sequence[tuple[str, Any]],
                  extra: Mapping[str, Any] | None = None, side: str = "origin"):
    """`side='buyer'`: a buyer's purchases wherever they went (the viewer sees the buyer, so its whole account);
    otherwise the money flowing into the viewer's region."""
    viewer = request.user
    form, year, view = _year_filter(request)
    filters = {**base, **({"year": year} if year else {})}
    side_param = {"side": side} if side != "origin" else {}
    drill = {**filters, "counted": "true", **side_param}
    years = _years(viewer, base, {**base, "counted": "true", **side_param}, side, view)
    groups = []
    for dim, title in sections:
        rows = _grouped(viewer, dim, filters, drill, side, view)
        groups.append({"dim": dim, "title": title, "rows": rows,
                       "chart": _bars(rows, title=str(title)) if rows else None})
    total_fen = sum(y["amount_fen"] for y in years if not year or y["year"] == str(year))
    fmt = export_format(request)
    if fmt == "xlsx":
        export_log(user=viewer, what=f"account of {subject}", rows=sum(len(g["rows"]) for g in groups),
                   path=request.path)
        return file_response(exports.account_xlsx(years=years, groups=groups),
                             filename=f"{_('account')}-{subject}{'-' + str(year) if year else ''}.xlsx", fmt="xlsx")
    return render(request, template, {
        "subject": subject, "form": form, "year": year, "years": years, "groups": groups,
        "total": yuan(total_fen), "total_url": entries_url(drill), "all_url": entries_url({**filters, **side_param}),
        "trend": _time_series(viewer, filters, drill, title=_("Direct purchases and helped sales (yuan)"), side=side,
                              view=view),
        **(extra or {}),
    })


@login_required
def buyer(request, pk: int):
    """A buyer's account: yearly totals, direct versus helped, by relation, by province of origin, with its units'
    purchases rolled up (the buyer and the units it supervises)."""
    org = registry.organisation_get(viewer=request.user, pk=pk)
    return _account_page(request, template="portal/ledger/buyer.html", subject=org, base={"buyer": org.pk}, sections=[
        ("scheme", _("By scheme")), ("relation", _("By assistance relation")), ("province", _("By province of origin")),
        ("channel", _("By channel")),
    ], extra={"chain": registry.organisation_ancestors(organisation=org)[1:]}, side="buyer")


@login_required
def seller(request, pk: int):
    entity = registry.entity_get(viewer=request.user, pk=pk)
    return _account_page(request, template="portal/ledger/seller.html", subject=entity, base={"seller": entity.pk},
                         sections=[("buyer_category", _("By buyer category")), ("channel", _("By channel")),
                                   ("basis", _("By counting basis"))])


@login_required
def county(request, code: str):
    """Money flowing into a county: purchases whose origin lies in it."""
    region = registry.region_get(viewer=request.user, code=code)
    if region.level not in ("county", "prefecture", "province"):
        raise NotFound(_("Account pages exist for counties, prefectures and provinces."))
    require_code_in_scope(request.user, region.code, path=request.path)
    return _account_page(request, template="portal/ledger/county.html", subject=region,
                         base={"region": region.code}, sections=[
                             ("buyer_category", _("By buyer category")), ("scheme", _("By scheme")),
                             ("channel", _("By channel")), ("seller", _("Top sellers")),
                         ])
