"""Registry API: regions, organisations, market entities, households, assistance relations; imports and exports.

Reads go through the selectors with the signed-in user as viewer (404 outside the viewer's scope); writes go
through the services, which allow clerks and administrators within their region scope (403 otherwise).
Numbers, years and choices are bounded by `fupin.core.api_types` (no `from __future__ import annotations`: see
`fupin.api.system`)."""

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fupin.core import selectors as core_selectors
from fupin.core.api_types import (
    ExportFormat,
    Id,
    Language,
    RecordDate,
    RecordYear,
    SmallCount,
    choice,
    file_download,
)
from fupin.core.downloads import attachment
from fupin.core.errors import InvalidInput, NotFound
from fupin.core.pagination import Page
from fupin.core.tabular import CONTENT_TYPES, save_upload

from . import exports, imports, region_sets, selectors, services
from .enums import (
    EntityKind,
    HouseholdStatus,
    OrganisationKind,
    RegionLevel,
    RegionSet,
    RelationKind,
    Sector,
    Zone,
)

router = Router(tags=["registry"])

Level = choice(RegionLevel)
OrgKind = choice(OrganisationKind)
EntKind = choice(EntityKind)
SectorName = choice(Sector)
HouseholdStatusName = choice(HouseholdStatus)
RelKind = choice(RelationKind)
ImportKind = Literal[imports.KINDS]
HouseholdSize = Annotated[SmallCount, Field(ge=1)]


NULLABLE = {"credit_code", "parent_id", "lifted_year", "year_to"}


def _patch(payload: Schema) -> dict[str, Any]:
    """The fields the client sent; an explicit null only where a value can be cleared (else refused)."""
    changes = payload.model_dump(exclude_unset=True)
    cleared = sorted(k for k, v in changes.items() if v is None and k not in NULLABLE)
    if cleared:
        raise InvalidInput(_("These fields cannot be empty: %(fields)s.") % {"fields": ", ".join(cleared)},
                           details={"fields": cleared})
    return changes


def _attachment(content: bytes, *, file_name: str, content_type: str) -> HttpResponse:
    return attachment(content, filename=file_name, content_type=content_type)


# -- regions ----------------------------------------------------------------------------------------------------
class RegionOut(Schema):
    code: str
    name: str
    level: Level
    parent_code: str | None
    zone: choice(Zone, "")
    is_poverty_county: bool
    poverty_exit_year: int | None
    is_poor_village: bool
    active: bool

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


@router.get("/regions", response=list[RegionOut])
@paginate(Page)
def regions(request, level: Level | None = None, poverty_county: bool | None = None, poor_village: bool | None = None,
            parent: str | None = None, within: str | None = None, q: str | None = None,
            zone: choice(Zone) | None = None, code: str | None = None):
    """`code` finds one region by its code (an empty page if there is none)."""
    return selectors.region_list(viewer=request.user, level=level, poverty_county=poverty_county,
                                 poor_village=poor_village, parent_code=parent, within=within, q=q, zone=zone,
                                 code=code)


@router.get("/regions/{code}", response=RegionOut)
def region(request, code: str):
    return selectors.region_get(viewer=request.user, code=code)


# -- dated region sets (poverty and lifted counties, key counties, poor villages) --------------------------------
RegionSetName = choice(RegionSet)


class RegionSetOut(Schema):
    id: int
    set_kind: RegionSetName
    region_code: str = Field(..., alias="region.code")
    region_name: str = Field(..., alias="region.name")
    valid_from: dt.date
    valid_to: dt.date | None
    source: str
    is_sample: bool
    note: str


class RegionSetIn(Schema):
    set_kind: RegionSetName
    region_code: str = Field(..., max_length=12)
    valid_from: RecordDate
    valid_to: RecordDate | None = None
    note: str = Field("", max_length=200)


class RegionSetCloseIn(Schema):
    valid_to: RecordDate
    reason: str = Field(..., min_length=1, max_length=300)


@router.get("/region-sets", response=list[RegionSetOut])
@paginate(Page)
def region_set_list(request, set_kind: RegionSetName, on: RecordDate | None = None):
    """The regions in a set on a date (default today): `is_sample` marks rows of a sample, not an official list."""
    return selectors.region_set_members(set_kind=set_kind, on=on or timezone.localdate())


@router.post("/region-sets", response={201: RegionSetOut})
def region_set_add(request, payload: RegionSetIn):
    """Administrators add a region to a set for a period (audited; overlapping periods are refused)."""
    m = region_sets.membership_add(set_kind=payload.set_kind, region=selectors.region_get(
        viewer=request.user, code=payload.region_code), valid_from=payload.valid_from, valid_to=payload.valid_to,
        note=payload.note, actor=request.user)
    return 201, m


@router.post("/region-sets/{int:pk}/close", response=RegionSetOut)
def region_set_close(request, pk: Id, payload: RegionSetCloseIn):
    """Administrators end a membership on a date, with the reason (the history stays)."""
    m = selectors.region_set_membership_get(pk=pk)
    return region_sets.membership_close(membership=m, valid_to=payload.valid_to, reason=payload.reason,
                                        actor=request.user)


# -- organisations ----------------------------------------------------------------------------------------------
class OrganisationOut(Schema):
    id: int
    name: str
    credit_code: str | None
    kind: OrgKind
    region_code: str = Field(..., alias="region.code")
    region_name: str = Field(..., alias="region.name")
    parent_id: int | None
    parent_name: str | None
    active: bool

    @staticmethod
    def resolve_parent_name(obj) -> str | None:
        return obj.parent.name if obj.parent_id else None


class OrganisationIn(Schema):
    name: str = Field(..., max_length=200)
    kind: OrgKind
    region_code: str = Field(..., max_length=12)
    credit_code: str | None = Field(None, max_length=18)
    parent_id: Id | None = None
    active: bool = True


class OrganisationPatch(Schema):
    name: str | None = Field(None, max_length=200)
    kind: OrgKind | None = None
    region_code: str | None = Field(None, max_length=12)
    credit_code: str | None = Field(None, max_length=18)
    parent_id: Id | None = None
    parent_from: RecordDate | None = Field(None, description="the date a new parent_id takes effect (default today; "
                                                          "not in the future): the dated tree keeps the old one before")
    active: bool | None = None
    reason: str = ""


def _parent(parent_id: int | None) -> Any:
    if parent_id is None:
        return None
    try:
        return selectors.organisation_ref(pk=parent_id)
    except NotFound:
        raise InvalidInput(details={"field": "parent_id", "unknown": parent_id}) from None


@router.get("/organisations", response=list[OrganisationOut])
@paginate(Page)
def organisation_list(request, kind: OrgKind | None = None, q: str | None = None, region: str | None = None,
                      parent: Id | None = None, code: str | None = None):
    """`code` finds an organisation by its unified social credit code."""
    return selectors.organisation_list(viewer=request.user, kind=kind, q=q, region_code=region, parent_id=parent,
                                       credit_code=code)


@router.get("/organisations/{int:pk}", response=OrganisationOut)
def organisation_detail(request, pk: Id):
    return selectors.organisation_get(viewer=request.user, pk=pk)


@router.post("/organisations", response={201: OrganisationOut})
def organisation_create(request, payload: OrganisationIn):
    org = services.organisation_create(name=payload.name, kind=payload.kind, region_code=payload.region_code,
                                       credit_code=payload.credit_code, parent=_parent(payload.parent_id),
                                       active=payload.active, actor=request.user)
    return 201, org


class ParentPeriodOut(Schema):
    parent_id: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    reason: str


@router.get("/organisations/{int:pk}/parents", response=list[ParentPeriodOut])
def organisation_parents(request, pk: Id):
    """The organisation's supervising units over time (issue #10 §6), oldest first; empty: it has had its parent
    forever."""
    return selectors.organisation_parent_history(organisation=selectors.organisation_get(viewer=request.user, pk=pk))


@router.patch("/organisations/{int:pk}", response=OrganisationOut)
def organisation_update(request, pk: Id, payload: OrganisationPatch):
    """Change an organisation; a new `parent_id` takes effect on `parent_from` (default today), kept as dated
    history (`GET /organisations/{id}/parents`)."""
    changes = _patch(payload)
    if "parent_id" in changes:
        changes["parent"] = _parent(changes.pop("parent_id"))
    org = selectors.organisation_ref(pk=pk)
    return services.organisation_update(organisation=org, actor=request.user, **changes)


# -- market entities --------------------------------------------------------------------------------------------
class EntityOut(Schema):
    id: int
    name: str
    kind: EntKind
    credit_code: str | None
    region_code: str = Field(..., alias="region.code")
    region_name: str = Field(..., alias="region.name")
    sectors: list[SectorName] = Field(..., alias="sector_list")
    household_id: int | None
    active: bool


class EntityIn(Schema):
    name: str = Field(..., max_length=200)
    kind: EntKind
    region_code: str | None = Field(None, max_length=12)
    credit_code: str | None = Field(None, max_length=18)
    sectors: list[SectorName] = []
    household_id: Id | None = None
    active: bool = True


class EntityPatch(Schema):
    name: str | None = Field(None, max_length=200)
    region_code: str | None = Field(None, max_length=12)
    credit_code: str | None = Field(None, max_length=18)
    sectors: list[SectorName] | None = None
    active: bool | None = None
    reason: str = ""


@router.get("/entities", response=list[EntityOut])
@paginate(Page)
def entity_list(request, kind: EntKind | None = None, sector: SectorName | None = None, q: str | None = None,
                region: str | None = None, code: str | None = None):
    """`code` finds a market entity by its unified social credit code."""
    return selectors.entity_list(viewer=request.user, kind=kind, sector=sector, q=q, region_code=region,
                                 credit_code=code)


@router.get("/entities/{int:pk}", response=EntityOut)
def entity_detail(request, pk: Id):
    return selectors.entity_get(viewer=request.user, pk=pk)


@router.post("/entities", response={201: EntityOut})
def entity_create(request, payload: EntityIn):
    household = None
    if payload.household_id is not None:
        try:
            household = selectors.household_get(viewer=request.user, pk=payload.household_id)
        except NotFound:
            raise InvalidInput(details={"field": "household_id", "unknown": payload.household_id}) from None
    entity = services.entity_create(name=payload.name, kind=payload.kind, region_code=payload.region_code,
                                    credit_code=payload.credit_code, sectors=payload.sectors, household=household,
                                    active=payload.active, actor=request.user)
    return 201, entity


@router.patch("/entities/{int:pk}", response=EntityOut)
def entity_update(request, pk: Id, payload: EntityPatch):
    return services.entity_update(entity=selectors.entity_ref(pk=pk), actor=request.user, **_patch(payload))


# -- households -------------------------------------------------------------------------------------------------
class HouseholdOut(Schema):
    id: int
    registry_code: str
    village_code: str
    village_name: str
    size: int
    status: HouseholdStatusName
    lifted_year: int | None
    head_name: str
    phone: str
    masked: bool


class HouseholdIn(Schema):
    resident_id: str = Field(..., max_length=18, description="The 18-character resident ID; only its keyed hash is kept")
    village_code: str = Field(..., max_length=12)
    status: HouseholdStatusName
    size: HouseholdSize = 1
    lifted_year: RecordYear | None = None
    head_name: str = Field("", max_length=60)
    phone: str = Field("", max_length=20)
    registry_code: str = Field("", max_length=32)
    status_since: RecordDate | None = Field(None, description="Since when the status holds (default: inferred from "
                                                               "the year lifted out, or 2013)")


class HouseholdPatch(Schema):
    village_code: str | None = Field(None, max_length=12)
    size: HouseholdSize | None = None
    lifted_year: RecordYear | None = None
    head_name: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=20)
    reason: str = ""


class HouseholdStatusIn(Schema):
    to: HouseholdStatusName
    lifted_year: RecordYear | None = None
    effective_date: RecordDate | None = Field(None, description="The day the new status takes effect (default today; "
                                                                 "after the start of the status in force)")
    reason: str = Field("", max_length=300)


class HouseholdPeriodOut(Schema):
    status: HouseholdStatusName
    valid_from: dt.date
    valid_to: dt.date | None
    source: Literal["recorded", "inferred", "historical"]
    reason: str


def _household_out(request, household) -> dict[str, Any]:
    return selectors.household_display(viewer=request.user, household=household)


@router.get("/households", response=list[HouseholdOut])
@paginate(Page)
def household_list(request, status: HouseholdStatusName | None = None, region: str | None = None,
                   q: str | None = None, code: str | None = None):
    """`code` finds a household by its registry code (`q` by the start of it)."""
    qs = selectors.household_list(viewer=request.user, status=status, region_code=region, q=q, registry_code=code)
    return _DisplayList(qs, request.user)


class _DisplayList:
    """A lazily masked household list for the paginator: counts and slices in SQL, masks only the page."""

    def __init__(self, qs, viewer) -> None:
        self.qs, self.viewer = qs, viewer

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [selectors.household_display(viewer=self.viewer, household=h) for h in self.qs[page]]


@router.get("/households/{int:pk}", response=HouseholdOut)
def household_detail(request, pk: Id):
    return _household_out(request, selectors.household_get(viewer=request.user, pk=pk))


@router.post("/households", response={201: HouseholdOut})
def household_create(request, payload: HouseholdIn):
    household = services.household_create(actor=request.user, **payload.model_dump())
    return 201, _household_out(request, household)


@router.patch("/households/{int:pk}", response=HouseholdOut)
def household_update(request, pk: Id, payload: HouseholdPatch):
    household = services.household_update(household=selectors.household_ref(pk=pk), actor=request.user,
                                          **_patch(payload))
    return _household_out(request, household)


@router.post("/households/{int:pk}/status", response=HouseholdOut)
def household_status(request, pk: Id, payload: HouseholdStatusIn):
    changes = _patch(payload)
    household = services.household_status_change(household=selectors.household_ref(pk=pk), actor=request.user,
                                                 **changes)
    return _household_out(request, household)


@router.get("/households/{int:pk}/history", response=list[HouseholdPeriodOut])
def household_history(request, pk: Id):
    """The household's dated statuses, oldest first (counting reads the status on the purchase date)."""
    household = selectors.household_get(viewer=request.user, pk=pk)
    return selectors.household_history(viewer=request.user, household=household)


# -- assistance relations ---------------------------------------------------------------------------------------
class RelationOut(Schema):
    id: int
    kind: RelKind
    helper_org_id: int | None
    helper_org_name: str | None
    helper_region_code: str | None
    helped_region_code: str = Field(..., alias="helped_region.code")
    helped_region_name: str = Field(..., alias="helped_region.name")
    year_from: int
    year_to: int | None
    note: str

    @staticmethod
    def resolve_helper_org_name(obj) -> str | None:
        return obj.helper_org.name if obj.helper_org_id else None

    @staticmethod
    def resolve_helper_region_code(obj) -> str | None:
        return obj.helper_region.code if obj.helper_region_id else None


class RelationIn(Schema):
    kind: RelKind
    helped_region_code: str = Field(..., max_length=12)
    year_from: RecordYear
    helper_org_id: Id | None = None
    helper_region_code: str | None = Field(None, max_length=12)
    year_to: RecordYear | None = None
    note: str = Field("", max_length=200)


class RelationPatch(Schema):
    year_to: RecordYear | None = None
    note: str | None = Field(None, max_length=200)
    reason: str = ""


@router.get("/relations", response=list[RelationOut])
@paginate(Page)
def relation_list(request, kind: RelKind | None = None, year: RecordYear | None = None,
                  helper_org: Id | None = None, region: str | None = None):
    return selectors.relation_list(viewer=request.user, kind=kind, year=year, helper_org_id=helper_org,
                                   region_code=region)


@router.get("/relations/linking", response=list[RelationOut])
def relations_linking(request, organisation: Id, region: str, year: RecordYear):
    """The relations that link an organisation (or its supervising units, or its home province or city for
    east–west cooperation) to a region (or any region above it) in a year."""
    return selectors.relations_linking_for(viewer=request.user, organisation_id=organisation, region_code=region,
                                           year=year)


@router.get("/relations/{int:pk}", response=RelationOut)
def relation_detail(request, pk: Id):
    return selectors.relation_get(viewer=request.user, pk=pk)


@router.post("/relations", response={201: RelationOut})
def relation_create(request, payload: RelationIn):
    relation = services.relation_create(
        kind=payload.kind, helped_region_code=payload.helped_region_code, year_from=payload.year_from,
        helper_org=_parent(payload.helper_org_id), helper_region_code=payload.helper_region_code,
        year_to=payload.year_to, note=payload.note, actor=request.user,
    )
    return 201, relation


@router.patch("/relations/{int:pk}", response=RelationOut)
def relation_update(request, pk: Id, payload: RelationPatch):
    return services.relation_update(relation=selectors.relation_get(viewer=request.user, pk=pk), actor=request.user,
                                    **_patch(payload))


# -- imports and exports ----------------------------------------------------------------------------------------
class ImportRunOut(Schema):
    id: int
    kind: str
    file_name: str
    dry_run: bool
    started_at: dt.datetime
    rows_total: int
    accepted: int
    unchanged: int
    duplicates: int
    rejected: int
    report: dict
    rejected_url: str | None

    @staticmethod
    def resolve_rejected_url(obj) -> str | None:
        return f"/api/v1/registry/imports/{obj.pk}/rejected" if obj.rejected_file else None


@router.post("/registry/imports/{kind}", response=dict)
def registry_import(request, kind: ImportKind, file: File[UploadedFile], dry_run: Form[bool] = False):
    """Import a CSV or .xlsx file of regions, organisations, entities, households or relations (English or
    Chinese headers). Returns the report: counts, warnings and each rejected row's line, column and reason."""
    path = save_upload(file, suffix=Path(file.name or "upload").suffix.lower())
    try:
        report = imports.registry_import(kind=kind, path=path, file_name=file.name, actor=request.user,
                                         dry_run=dry_run)
    finally:
        path.unlink(missing_ok=True)
    body = report.as_dict()
    body["rejected_url"] = f"/api/v1/registry/imports/{report.run_id}/rejected" if report.rejected else None
    return body


@router.get("/registry/imports", response=list[ImportRunOut])
@paginate(Page)
def registry_import_runs(request, kind: ImportKind | None = None):
    runs = core_selectors.import_runs(viewer=request.user).filter(kind__startswith="registry_")
    return runs.filter(kind=imports.run_kind(kind)) if kind else runs


@router.get("/registry/imports/{int:run_id}/rejected",
            openapi_extra=file_download("csv", "xlsx", description="the rejected rows, with line and reason"))
def registry_import_rejected(request, run_id: Id):
    """The rejected rows of an import, in the file's own format, with `line` and `reason` columns."""
    run = core_selectors.import_runs(viewer=request.user).filter(pk=run_id, kind__startswith="registry_").first()
    if run is None or not run.rejected_file:
        raise NotFound(details={"import_run": run_id})
    fmt = "xlsx" if run.rejected_file.endswith(".xlsx") else "csv"
    stem = Path(run.file_name).stem or "import"
    return _attachment(imports.rejected_file_content(name=run.rejected_file), file_name=f"{stem}-rejected.{fmt}",
                       content_type=CONTENT_TYPES[fmt])


@router.get("/registry/{kind}/export", openapi_extra=file_download("csv", "xlsx", description="the list"))
def registry_export(request, kind: ImportKind, fmt: ExportFormat = Query("csv", alias="format"),  # noqa: B008
                    language: Language = "en", region: str | None = None, q: str | None = None,
                    status: HouseholdStatusName | None = None):
    """Export a registry list (regions, organisations, entities, households, relations) within your scope."""
    filters: dict[str, Any] = {"regions": {"within": region, "q": q}, "households": {"region_code": region, "q": q,
                                                                                     "status": status},
                               "relations": {"region_code": region}}.get(kind, {"region_code": region, "q": q})
    file = exports.registry_export(kind=kind, viewer=request.user, fmt=fmt, language=language, filters=filters)
    return _attachment(file.content, file_name=file.file_name, content_type=file.content_type)
