"""Reserved share API: declarations (one, or a file), the scope-aware list with verdicts, and its export.
Numbers, years and choices are bounded by `fupin.core.api_types` (no `from __future__ import annotations`: see
`fupin.api.system`)."""

import datetime as dt
from pathlib import Path

from django.utils import timezone
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from fupin.core.api_types import ExportFormat, Id, Year, choice, file_download
from fupin.core.downloads import attachment
from fupin.core.money import OptionalYuan, OptionalYuanOrZero, fen_to_yuan
from fupin.core.pagination import Page
from fupin.core.services import export_log
from fupin.core.tabular import save_upload, table_bytes
from fupin.registry.enums import OrganisationKind

from . import exports, selectors, services
from .enums import DeclarationSource, ExemptReason, ShareBase, ShareStatus

router = Router(tags=["reserved share"])

Exemption = choice(ExemptReason, "")


class DeclarationIn(Schema):
    organisation_id: Id
    year: Year
    canteen_food_fen: OptionalYuan = Field(None, alias="canteen_food_yuan",
                                           description="annual canteen food procurement, yuan")
    farm_produce_fen: OptionalYuanOrZero = Field(None, alias="farm_produce_yuan",
                                                 description="of which farm produce, yuan (optional)")
    exempt_reason: Exemption = Field("", description="empty when not exempt")
    note: str = Field("", max_length=300)


class DeclarationOut(Schema):
    id: int
    organisation_id: int
    year: int
    canteen_food_fen: int | None
    canteen_food_yuan: str | None
    farm_produce_fen: int | None
    farm_produce_yuan: str | None
    exempt_reason: Exemption
    note: str
    source: choice(DeclarationSource)
    updated_at: dt.datetime

    @staticmethod
    def resolve_canteen_food_yuan(obj) -> str | None:
        return None if obj.canteen_food_fen is None else fen_to_yuan(obj.canteen_food_fen)

    @staticmethod
    def resolve_farm_produce_yuan(obj) -> str | None:
        return None if obj.farm_produce_fen is None else fen_to_yuan(obj.farm_produce_fen)


class ShareOut(Schema):
    organisation_id: int
    organisation_name: str
    credit_code: str
    region_code: str
    kind: choice(OrganisationKind)
    year: int
    status: choice(ShareStatus)
    canteen_food_fen: int | None
    farm_produce_fen: int | None
    exempt_reason: Exemption
    base: choice(ShareBase, "")
    base_fen: int | None
    required_bp: int | None
    required_percent: str
    required_fen: int | None
    platform_fen: int
    platform_yuan: str
    achieved_bp: int | None
    achieved_percent: str
    gap_fen: int
    gap_yuan: str
    notes: list[str]
    param_version_id: int | None
    counting_version_id: int | None
    member_ids: list[int]


def _year(year: int | None) -> int:
    return year if year is not None else timezone.localdate().year - 1


@router.post("/reserved-share/declarations", response={200: DeclarationOut})
def declaration_submit(request, payload: DeclarationIn):
    """Declare (or correct) a unit's canteen food procurement for a year, or its exemption with reason."""
    return services.canteen_declaration_submit(
        organisation_id=payload.organisation_id, year=payload.year,
        canteen_food_fen=payload.canteen_food_fen, farm_produce_fen=payload.farm_produce_fen,
        exempt_reason=str(payload.exempt_reason).strip(), note=payload.note, source=DeclarationSource.API,
        actor=request.user,
    )


@router.get("/reserved-share/declarations", response=list[DeclarationOut])
@paginate(Page)
def declaration_list(request, year: Year | None = None):
    return selectors.canteen_declaration_list(viewer=request.user, year=year)


@router.post("/reserved-share/declarations/imports")
def declaration_import(request, file: UploadedFile = File(...), dry_run: bool = Form(False)):  # noqa: B008
    """Import declarations from CSV or .xlsx (columns buyer_code 单位代码, year 年度, canteen_food_yuan
    食堂食材采购额(元), farm_produce_yuan 其中农副产品(元), exempt_reason 免予预留原因, note 备注)."""
    name = Path(file.name or "upload.csv").name
    path = save_upload(file, suffix=Path(name).suffix.lower() or ".csv")
    try:
        report = services.canteen_declaration_import(path=path, file_name=name, actor=request.user, dry_run=dry_run)
    finally:
        path.unlink(missing_ok=True)
    return report.as_dict()


@router.get("/reserved-share", response=list[ShareOut])
@paginate(Page)
def share_list(request, year: Year | None = None, region: str | None = None, status: choice(ShareStatus) | None = None,
               q: str | None = None):
    """Units in your scope with their verdict for the year (default: last year): compliant, short (with the gap),
    exempt, undeclared. Short units first, largest gap first."""
    rows = selectors.reserved_share_list(viewer=request.user, year=_year(year), region_code=region, status=status, q=q)
    return [r.as_dict() for r in rows]


@router.get("/reserved-share/export", openapi_extra=file_download("csv", "xlsx", description="the units and verdicts"))
def share_export(request, year: Year | None = None, region: str | None = None,
                 status: choice(ShareStatus) | None = None,
                 format: ExportFormat = "xlsx", ids: bool = False):  # noqa: A002 - the query parameter's public name
    """The units and verdicts: .xlsx for people (yuan and percentages as numbers, translated headers and values;
    the ids with `ids=true`), CSV for machines (the stable `EXPORT_COLUMNS` layout)."""
    y = _year(year)
    rows = selectors.reserved_share_list(viewer=request.user, year=y, region_code=region, status=status)
    content = exports.xlsx(rows, with_internal=ids) if format == "xlsx" else table_bytes(
        selectors.export_rows(rows), header=[c for c, _zh in selectors.EXPORT_COLUMNS], fmt=format,
        sheet_title=f"reserved-share-{y}")
    export_log(user=request.user, what="reserved share", rows=len(rows), path=request.path)
    return attachment(content, filename=f"reserved-share-{y}.{format}", fmt=format)


@router.get("/reserved-share/{organisation_id}/{year}", response=ShareOut)
def share_get(request, organisation_id: Id, year: Year):
    return selectors.reserved_share_get(viewer=request.user, organisation_id=organisation_id, year=year).as_dict()
