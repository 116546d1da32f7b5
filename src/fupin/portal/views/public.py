"""The public face (no sign-in): the home page for visitors, the national and provincial statistics pages and the
open data (page, CSV and JSON files, the Frictionless descriptor). Figures come from `fupin.public.selectors`
(aggregates of the ledger's rollups, small groups suppressed); the views only shape them for the templates.
A signed-in user's home page stays the signed-in home (`home.home`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET

from fupin.certification import selectors as certification
from fupin.certification.enums import ProductCategory
from fupin.core.errors import NotFound
from fupin.leadership import selectors as leadership
from fupin.ledger.enums import PUBLIC, Channel, Kind
from fupin.public import opendata, selectors, web
from fupin.public.provinces import PROVINCE_LIST, province_name
from fupin.registry.enums import OrganisationKind

from .. import charts
from .. import format as fmt
from ..tilemap import tile_map
from . import home as signed_in_home

DIMENSION_TITLES = {
    "channel": _l("By channel"), "kind": _l("By kind"), "product_category": _l("By product category"),
    "buyer_category": _l("By buyer category"),
}


def _language() -> str:
    return translation.get_language() or "en"


def key_label(dim: str, value: Any) -> str:
    """The translated label of a grouping's key."""
    if dim == "channel":
        return fmt.choice_label(Channel, value)
    if dim == "kind":
        return fmt.choice_label(Kind, value)
    if dim == "product_category":
        return fmt.choice_label(ProductCategory, value) if value else _("not given")
    if dim == "buyer_category":
        return _("members of the public") if value == PUBLIC else fmt.choice_label(OrganisationKind, value)
    return str(value)


def _year_of(request: HttpRequest) -> int | None:
    """`?year=` checked (a bad value is a 400 page); other parameters of a page are ignored."""
    raw = request.GET.get("year", "")
    return selectors.clean_filters({"year": raw}).get("year") if raw else None


def _province_links() -> dict[str, str]:
    return {p.code: reverse("portal:public_province", kwargs={"province": p.full_code}) for p in PROVINCE_LIST}


def province_map(amounts: Mapping[str, dict[str, Any]], *, title: str) -> Any:
    """The tile map of the provinces shaded by amount (rows of `selectors` keyed by two-digit code)."""
    lang = _language()
    labels = {p.code: (p.zh if lang.startswith("zh") else p.abbr) for p in PROVINCE_LIST}
    names = {p.code: province_name(p.code, language=lang) for p in PROVINCE_LIST}
    suppressed = {c for c, r in amounts.items() if r.get("suppressed")}
    values = {c: r.get("amount_fen") for c, r in amounts.items()}
    return tile_map(values, title=title, labels=labels, names=names, fmt=lambda f: fmt.yuan(f) + " " + _("yuan"),
                    hrefs=_province_links(), suppressed=suppressed)


def _share(amount: int | None, total: int | None) -> str:
    if amount is None or not total:
        return ""
    return f"{100 * amount / total:.1f}%"


def _rows(dim: str, rows: Sequence[dict[str, Any]], total: int | None) -> list[dict[str, Any]]:
    return [{"label": key_label(dim, r[dim]), "key": r[dim], "amount_fen": r["amount_fen"], "entries": r["entries"],
             "suppressed": r["suppressed"], "share": _share(r["amount_fen"], total)} for r in rows]


def _nav(active: str) -> list[dict[str, Any]]:
    items = [("home", _("Home"), reverse("portal:home")),
             ("statistics", _("Statistics"), reverse("portal:public_statistics")),
             ("open_data", _("Open data"), reverse("portal:open_data")),
             ("catalogue", _("Product catalogue"), reverse("portal:cert_catalogue")),
             ("verify", _("Verify a certificate"), reverse("portal:cert_verify")),
             ("notices", _("Public notices"), reverse("portal:cert_notices"))]
    return [{"key": k, "label": label, "url": url, "active": k == active} for k, label, url in items]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """`/`: the signed-in home for users who are signed in; the public home page for everyone else."""
    if request.user.is_authenticated:
        return signed_in_home.home(request)
    return public_home(request)


def public_home(request: HttpRequest) -> HttpResponse:
    h = selectors.headline(year=_year_of(request))
    this, last = h.total[h.year], h.total[h.previous]
    breakdowns = []
    for dim in selectors.BREAKDOWNS:
        rows = []
        for slot in h.breakdowns[dim]:
            cur, prev = slot["years"].get(h.year), slot["years"].get(h.previous)
            rows.append({"label": key_label(dim, slot["key"]), "this": cur, "last": prev})
        breakdowns.append({"dim": dim, "title": DIMENSION_TITLES[dim], "rows": rows})
    change = ""
    if this["amount_fen"] is not None and last["amount_fen"]:
        change = f"{100 * (this['amount_fen'] - last['amount_fen']) / last['amount_fen']:+.1f}%"
    return render(request, "portal/public/home.html", {
        "public_nav": _nav("home"), "h": h, "this": this, "last": last, "change": change,
        "breakdowns": breakdowns,
        "map": province_map(h.provinces, title=_("Counted purchases by province of origin, %(year)s")
                            % {"year": h.year}),
        **showcase(),
    })


PUBLIC_NOTICES_SHOWN = 5


def showcase() -> dict[str, Any]:
    """The public home page's featured cases (the case library), published recognitions, and the public notices
    open for objection now (the newest few, with how many there are in all)."""
    notices = certification.public_notices()
    return {"featured_cases": leadership.case_featured(limit=3),
            "recognitions": leadership.recognitions_public(limit=6),
            "notices": list(notices[:PUBLIC_NOTICES_SHOWN]), "notices_total": notices.count()}


def _statistics(request: HttpRequest, *, province: str = "") -> HttpResponse:
    f = selectors.statistics(year=_year_of(request), province=province)
    total = f.total["amount_fen"]
    lang = _language()
    breakdowns = [{"dim": d, "title": DIMENSION_TITLES[d], "rows": _rows(d, rows, total),
                   "chart": charts.bar_chart([charts.Bar(key_label(d, r[d]), r["amount_fen"] or 0) for r in rows
                                              if not r["suppressed"]], title=str(DIMENSION_TITLES[d]),
                                             fmt=fmt.yuan)}
                  for d, rows in f.breakdowns.items()]
    if province:
        places = [{"name": r["name"], "code": r["code"], "amount_fen": r["amount_fen"], "entries": r["entries"],
                   "suppressed": r["suppressed"], "share": _share(r["amount_fen"], total), "url": ""}
                  for r in f.places]
        name = province_name(province, language=lang)
        title = _("%(province)s: counted purchases") % {"province": name}
        map_svg = None
    else:
        links = _province_links()
        places = [{"name": province_name(r["code"], language=lang), "code": r["code"] + "0000",
                   "amount_fen": r["amount_fen"], "entries": r["entries"], "suppressed": r["suppressed"],
                   "share": _share(r["amount_fen"], total), "url": links.get(r["code"], "")} for r in f.places]
        title = _("National statistics")
        map_svg = province_map({r["code"]: r for r in f.places},
                               title=_("Counted purchases by province of origin, %(year)s") % {"year": f.year})
    months = [r for r in f.by_month if not r["suppressed"]]
    month_chart = charts.line_chart([r["month"] for r in months],
                                    [charts.Series(_("amount (yuan)"), [r["amount_fen"] for r in months])],
                                    title=_("By month, %(year)s") % {"year": f.year}, fmt=fmt.yuan,
                                    tick_fmt=fmt.yuan_whole)
    downloads = [{"label": str(ds.title), "csv": reverse("portal:open_data_file",
                                                         kwargs={"dataset": ds.name, "fmt": "csv"}),
                  "json": reverse("portal:open_data_file", kwargs={"dataset": ds.name, "fmt": "json"})}
                 for ds in selectors.DATASETS.values() if ds.name != "by_month"]
    query = f"?year={f.year}" + (f"&province={province}" if province else "")
    return render(request, "portal/public/statistics.html", {
        "public_nav": _nav("statistics"), "f": f, "title": title, "province": province, "total": f.total,
        "years": selectors.years_available(), "breakdowns": breakdowns, "places": places, "map": map_svg,
        "month_chart": month_chart, "downloads": downloads, "query": query,
        "places_title": _("By prefecture of origin") if province else _("By province of origin"),
    })


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    return _statistics(request)


@require_GET
def statistics_province(request: HttpRequest, province: str) -> HttpResponse:
    try:
        code = selectors.clean_filters({"province": province})["province"]
    except selectors.BadFilter:
        raise NotFound(details={"province": province[:20]}) from None
    return _statistics(request, province=code)


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    datasets = [{"name": ds.name, "title": ds.title, "description": ds.description, "fields": opendata.columns(ds),
                 "csv": reverse("portal:open_data_file", kwargs={"dataset": ds.name, "fmt": "csv"}),
                 "json": reverse("portal:open_data_file", kwargs={"dataset": ds.name, "fmt": "json"}),
                 "api": reverse("api:public_dataset", kwargs={"dataset": ds.name})}
                for ds in selectors.DATASETS.values()]
    limit, window = web.rate_limit()
    return render(request, "portal/public/open_data.html", {
        "public_nav": _nav("open_data"), "datasets": datasets, "minimum": selectors.min_group_entries(),
        "limit": limit, "window": window, "filters": selectors.PUBLIC_FILTERS,
        "datapackage": reverse("portal:open_data_package"), "api_list": reverse("api:public_datasets"),
    })


@require_GET
def open_data_file(request: HttpRequest, dataset: str, fmt: str) -> HttpResponse:
    """A public dataset as CSV or JSON (`?year=`, `?province=`); refusals as the API's JSON error body."""
    def make() -> tuple[bytes, str, str]:
        ds = selectors.dataset_get(name=dataset)
        filters = web.query_filters(request)
        rows = selectors.dataset_rows(name=ds.name, filters=filters)
        if fmt == "csv":
            return opendata.csv_bytes(ds, rows), "text/csv; charset=utf-8", f"{ds.name}.csv"
        return (opendata.json_bytes(opendata.json_document(ds, rows, filters=filters)), web.JSON_TYPE,
                f"{ds.name}.json")

    return web.serve(request, make)


@require_GET
def open_data_package(request: HttpRequest) -> HttpResponse:
    """The Frictionless data package descriptor; its resources are the CSV files next to it."""
    def make() -> tuple[bytes, str, str]:
        selectors.clean_filters({k: request.GET.get(k) for k in request.GET}, allowed=())
        return opendata.json_bytes(opendata.datapackage()), web.JSON_TYPE, "datapackage.json"

    return web.serve(request, make)
