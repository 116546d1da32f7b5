"""The read-only public API of the open data (no sign-in): the list of public datasets and each dataset's rows as
JSON, with the filters `year` and `province`. Caching validators (ETag, Last-Modified, 304 on If-None-Match) and
the per-address rate limit (429) are those of `fupin.public.web`; an unknown filter or a bad value is a 400
`bad_filter`, an unknown dataset a 404. The same rows as CSV, and the Frictionless descriptor, are at
/open-data/ (the portal's download views)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from . import opendata, selectors, web

router = Router(tags=["public data"])


class DatasetInfo(Schema):
    name: str
    title: str
    description: str
    keys: list[str] = Field(description="The columns a row is identified by")
    fields: list[str] = Field(description="Every column of a row")
    csv: str = Field(description="Where the dataset is as CSV (described by /open-data/datapackage.json)")
    api: str = Field(description="Where the dataset is as JSON (this API)")


class DatasetOut(Schema):
    dataset: str
    title: str
    filters: dict[str, Any]
    minimum_group_entries: int = Field(description="Groups with fewer counted purchases are suppressed")
    fields: list[str]
    rows: list[dict[str, Any]] = Field(description="One object per group: the keys, amount_fen, entries, "
                                                   "suppressed (measures null when suppressed)")


class PublicErrorOut(Schema):
    """A refusal, as every error of the API: a machine `code`, a human `message`, optional `details` (for 429:
    limit, window_seconds, retry_after; the Retry-After header says the same)."""

    code: str
    message: str
    details: Any = None


CACHED: dict[int | str, Any] = {304: None, 429: PublicErrorOut}
YearParam = Query(None, description="A year (e.g. 2024)", max_length=20)
ProvinceParam = Query(None, description="A province: two-digit code (e.g. 52) or six-digit code (520000)",
                      max_length=20)


def _info(ds: selectors.Dataset) -> dict[str, Any]:
    return {"name": ds.name, "title": str(ds.title), "description": str(ds.description), "keys": list(ds.group_by),
            "fields": opendata.columns(ds),
            "csv": reverse("portal:open_data_file", kwargs={"dataset": ds.name, "fmt": "csv"}),
            "api": reverse("api:public_dataset", kwargs={"dataset": ds.name})}


@router.get("/public/datasets", auth=None, response={200: list[DatasetInfo], **CACHED}, url_name="public_datasets")
def datasets(request: HttpRequest) -> HttpResponse:
    """The public datasets: aggregates of the consumption account (no personal data, small groups suppressed).
    Takes no filter."""
    def make() -> tuple[bytes, str, str]:
        selectors.clean_filters({k: request.GET.get(k) for k in request.GET}, allowed=())
        return opendata.json_bytes([_info(ds) for ds in selectors.DATASETS.values()]), web.JSON_TYPE, ""

    return web.serve(request, make)


@router.get("/public/datasets/{dataset}", auth=None, response={200: DatasetOut, **CACHED},
            url_name="public_dataset")
def dataset(request: HttpRequest, dataset: str, year: str | None = YearParam,
            province: str | None = ProvinceParam) -> HttpResponse:
    """One public dataset's rows, optionally for one year and one origin province. An unknown dataset is a 404, an
    unknown filter or a value it cannot take a 400."""
    def make() -> tuple[bytes, str, str]:
        ds = selectors.dataset_get(name=dataset)
        filters = web.query_filters(request)
        rows = selectors.dataset_rows(name=ds.name, filters=filters)
        return opendata.json_bytes(opendata.json_document(ds, rows, filters=filters)), web.JSON_TYPE, ""

    return web.serve(request, make)
