"""Registry API: regions, organisations, market entities, households, assistance relations."""

from __future__ import annotations

from ninja import Router, Schema
from ninja.pagination import paginate

from fupin.core.pagination import Page

from . import selectors

router = Router(tags=["registry"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    zone: str
    is_poverty_county: bool
    poverty_exit_year: int | None
    is_poor_village: bool
    active: bool

    @staticmethod
    def resolve_parent_code(obj) -> str | None:
        return obj.parent.code if obj.parent_id else None


@router.get("/regions", response=list[RegionOut])
@paginate(Page)
def regions(request, level: str | None = None, poverty_county: bool | None = None, poor_village: bool | None = None,
            parent: str | None = None, within: str | None = None, q: str | None = None, zone: str | None = None):
    return selectors.region_list(viewer=request.user, level=level, poverty_county=poverty_county,
                                 poor_village=poor_village, parent_code=parent, within=within, q=q, zone=zone)


@router.get("/regions/{code}", response=RegionOut)
def region(request, code: str):
    return selectors.region_get(viewer=request.user, code=code)
