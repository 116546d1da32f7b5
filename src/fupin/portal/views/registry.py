"""Registry pages: regions, organisations, market entities, households, assistance relations.

Every read goes through `fupin.registry.selectors` with the signed-in user as viewer, so scope and masking
are the selectors' decisions; these views only read the request, call them, and render."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils.translation import gettext as _

from fupin.core.errors import NotFound
from fupin.linkage.effect import rules as effect_rules
from fupin.linkage.effect import selectors as effect_selectors
from fupin.registry import selectors
from fupin.registry.enums import (
    EntityKind,
    HouseholdStatus,
    OrganisationKind,
    RegionLevel,
    RelationKind,
    Sector,
    StatusSource,
    Zone,
)

from ..format import choice_label
from ..forms.registry import (
    EntityFilter,
    HouseholdFilter,
    LinkingForm,
    OrganisationFilter,
    RegionFilter,
    RelationFilter,
)
from . import registry_files
from .shared import list_context, paginate, read_filters

_REGION_CODE = re.compile(r"[0-9]{2,12}")
DETAIL_SAMPLE = 20  # rows of each related list shown on a detail page; the full list is one link away


# -- regions -------------------------------------------------------------------------------------------------------
def _region_filters(f: dict) -> dict:
    return {"level": f.get("level"), "poverty_county": f.get("poverty_county"), "poor_village": f.get("poor_village"),
            "parent_code": f.get("parent"), "q": f.get("q"), "zone": f.get("zone")}


@login_required
def region_list(request):
    form, f = read_filters(request, RegionFilter)
    filters = _region_filters(f)
    if (response := registry_files.export_if_asked(request, "regions", filters)) is not None:
        return response
    qs = selectors.region_list(viewer=request.user, **filters)
    page = paginate(request, qs)
    by_level = [
        {"level": choice_label(RegionLevel, row["level"]), "n": row["n"]}
        for row in qs.order_by().values("level").annotate(n=Count("id")).order_by("level")
    ]
    return render(request, "portal/registry/region_list.html", list_context(
        request, page, form=form, by_level=by_level, export_kind="regions",
        poverty_counties=qs.filter(is_poverty_county=True).count(),
    ))


@login_required
def region_detail(request, code: str):
    viewer = request.user
    if not _REGION_CODE.fullmatch(code):
        raise NotFound()  # not a code at all: never reaches the database (PostgreSQL refuses NUL characters)
    region = selectors.region_get(viewer=viewer, code=code)
    children = selectors.region_list(viewer=viewer, parent_code=region.code)
    organisations = selectors.organisation_list(viewer=viewer, region_code=region.code)
    entities = selectors.entity_list(viewer=viewer, region_code=region.code)
    households = selectors.household_list(viewer=viewer, region_code=region.code)
    relations = selectors.relation_list(viewer=viewer, region_code=region.code)
    ancestors: list[Any] = []
    parent = region.parent
    while parent is not None and len(ancestors) < 5:
        ancestors.insert(0, parent)
        parent = parent.parent
    context = {
        "region": region,
        "ancestors": ancestors,
        "level_label": choice_label(RegionLevel, region.level),
        "zone_label": choice_label(Zone, region.zone) if region.zone else "",
        "children": children[:DETAIL_SAMPLE * 5],
        "children_count": children.count(),
        "poor_children": children.filter(is_poor_village=True).count(),
        "crosswalk": registry_files.crosswalk_for(region.code),
        "organisations": organisations[:DETAIL_SAMPLE],
        "organisations_count": organisations.count(),
        "entities": entities[:DETAIL_SAMPLE],
        "entities_count": entities.count(),
        "households_count": households.count(),
        "households_poor": households.filter(status=HouseholdStatus.REGISTERED_POOR).count(),
        "relations": relations[:DETAIL_SAMPLE],
        "relations_count": relations.count(),
    }
    return render(request, "portal/registry/region_detail.html", context)


# -- organisations -------------------------------------------------------------------------------------------------
def _organisation_filters(f: dict) -> dict:
    return {"kind": f.get("kind"), "q": f.get("q"), "region_code": f.get("region"), "parent_id": f.get("parent")}


@login_required
def organisation_list(request):
    form, f = read_filters(request, OrganisationFilter)
    filters = _organisation_filters(f)
    if (response := registry_files.export_if_asked(request, "organisations", filters)) is not None:
        return response
    qs = selectors.organisation_list(viewer=request.user, **filters)
    page = paginate(request, qs)
    rows = [{"org": o, "kind": choice_label(OrganisationKind, o.kind)} for o in page.object_list]
    return render(request, "portal/registry/organisation_list.html",
                  list_context(request, page, form=form, rows=rows, export_kind="organisations"))


@login_required
def organisation_detail(request, pk: int):
    viewer = request.user
    org = selectors.organisation_get(viewer=viewer, pk=pk)
    chain = selectors.organisation_ancestors(organisation=org)[1:]
    children = selectors.organisation_list(viewer=viewer, parent_id=org.pk)
    relations = selectors.relation_list(viewer=viewer, helper_org_id=org.pk)
    return render(request, "portal/registry/organisation_detail.html", {
        "org": org,
        "kind_label": choice_label(OrganisationKind, org.kind),
        "chain": chain,
        "children": children[:DETAIL_SAMPLE * 5],
        "children_count": children.count(),
        "relations": relations[:DETAIL_SAMPLE * 5],
        "relations_count": relations.count(),
        "linking_form": LinkingForm(initial={"organisation": org.pk}),
    })


# -- market entities -----------------------------------------------------------------------------------------------
def _entity_filters(f: dict) -> dict:
    return {"kind": f.get("kind"), "sector": f.get("sector"), "q": f.get("q"), "region_code": f.get("region")}


def _sector_labels(entity) -> list[str]:
    return [choice_label(Sector, s) for s in entity.sector_list]


@login_required
def entity_list(request):
    form, f = read_filters(request, EntityFilter)
    filters = _entity_filters(f)
    if (response := registry_files.export_if_asked(request, "entities", filters)) is not None:
        return response
    qs = selectors.entity_list(viewer=request.user, **filters)
    page = paginate(request, qs)
    rows = [{"entity": e, "kind": choice_label(EntityKind, e.kind), "sectors": _sector_labels(e)} for e in page.object_list]
    return render(request, "portal/registry/entity_list.html",
                  list_context(request, page, form=form, rows=rows, export_kind="entities"))


@login_required
def entity_detail(request, pk: int):
    viewer = request.user
    entity = selectors.entity_get(viewer=viewer, pk=pk)
    household = None
    if entity.household_id:
        try:
            household = selectors.household_display(
                viewer=viewer, household=selectors.household_get(viewer=viewer, pk=entity.household_id))
        except NotFound:
            household = None
    return render(request, "portal/registry/entity_detail.html", {
        "entity": entity,
        "kind_label": choice_label(EntityKind, entity.kind),
        "sectors": _sector_labels(entity),
        "household": household,
        "effect": _effect_rows(viewer, entity),
    })


def _effect_rows(viewer, entity) -> list[dict[str, Any]]:
    """The entity's poverty-reduction-effect decisions (带贫成效突出), newest year first, with the facts used."""
    rows = []
    for d in effect_selectors.decisions_of_entity(viewer=viewer, entity=entity):
        f, t = d.facts or {}, (d.facts or {}).get("thresholds") or {}
        rows.append({"decision": d, "facts": f, "thresholds": t,
                     "unmet": [effect_rules.unmet_label(code) for code in d.unmet or ()]})
    return rows


# -- households ----------------------------------------------------------------------------------------------------
def _household_filters(f: dict) -> dict:
    return {"status": f.get("status"), "region_code": f.get("region"), "q": f.get("q")}


def _household_row(viewer, household) -> dict:
    row = selectors.household_display(viewer=viewer, household=household)
    row["status_label"] = choice_label(HouseholdStatus, row["status"])
    return row


@login_required
def household_list(request):
    form, f = read_filters(request, HouseholdFilter)
    filters = _household_filters(f)
    if (response := registry_files.export_if_asked(request, "households", filters)) is not None:
        return response
    viewer = request.user
    page = paginate(request, selectors.household_list(viewer=viewer, **filters))
    rows = [_household_row(viewer, h) for h in page.object_list]
    return render(request, "portal/registry/household_list.html",
                  list_context(request, page, form=form, rows=rows, export_kind="households",
                               any_masked=any(r["masked"] for r in rows)))


@login_required
def household_detail(request, pk: int):
    viewer = request.user
    household = selectors.household_get(viewer=viewer, pk=pk)
    history = [{**p, "status_label": choice_label(HouseholdStatus, p["status"]),
                "source_label": choice_label(StatusSource, p["source"])}
               for p in selectors.household_history(viewer=viewer, household=household)]
    return render(request, "portal/registry/household_detail.html", {
        "h": _household_row(viewer, household),
        "village": household.village,
        "seller": getattr(household, "seller", None),
        "history": history,
    })


# -- assistance relations ------------------------------------------------------------------------------------------
def _relation_filters(f: dict) -> dict:
    return {"kind": f.get("kind"), "year": f.get("year"), "helper_org_id": f.get("helper"), "region_code": f.get("region")}


@login_required
def relation_list(request):
    form, f = read_filters(request, RelationFilter)
    filters = _relation_filters(f)
    if (response := registry_files.export_if_asked(request, "relations", filters)) is not None:
        return response
    qs = selectors.relation_list(viewer=request.user, **filters)
    page = paginate(request, qs)
    rows = [{"rel": r, "kind": choice_label(RelationKind, r.kind)} for r in page.object_list]
    by_kind = [
        {"kind": choice_label(RelationKind, row["kind"]), "n": row["n"]}
        for row in qs.order_by().values("kind").annotate(n=Count("id")).order_by("kind")
    ]
    return render(request, "portal/registry/relation_list.html",
                  list_context(request, page, form=form, rows=rows, by_kind=by_kind, export_kind="relations"))


@login_required
def relation_linking(request):
    """Which relations link organisation O to region R in year Y (through O's supervising units and R's
    ancestors)."""
    viewer = request.user
    form = LinkingForm(request.GET or None)
    result = None
    organisation = region = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = selectors.organisation_get(viewer=viewer, pk=data["organisation"])
        except NotFound:
            form.add_error("organisation", _("No organisation with this id in your scope."))
        try:
            region = selectors.region_get(viewer=viewer, code=data["region"])
        except NotFound:
            form.add_error("region", _("No region with this code."))
        if organisation is not None and region is not None:
            result = [{"rel": r, "kind": choice_label(RelationKind, r.kind)}
                      for r in selectors.relations_linking(organisation=organisation, region=region, year=data["year"])]
    return render(request, "portal/registry/relation_linking.html", {
        "form": form, "result": result, "organisation": organisation, "region": region,
        "year": form.cleaned_data.get("year") if form.is_bound and hasattr(form, "cleaned_data") else None,
    })
