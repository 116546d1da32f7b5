"""Open data: the public datasets as CSV and JSON, and a Frictionless data package descriptor (`datapackage.json`)
that describes every CSV (fields, types, enumerations, primary key). The rows come from `selectors.dataset_rows`;
this module only shapes them, so the files, the pages and the API publish the same numbers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from fupin.certification.enums import ProductCategory
from fupin.ledger.enums import Channel, Kind
from fupin.registry.enums import OrganisationKind

from . import selectors
from .selectors import DATASETS, Dataset

PACKAGE_NAME = "fupin-consumption-account"
LICENCE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0"}


NO_CATEGORY = "none"  # a purchase whose product category was not given (the ledger's filter value for it)


def _enum(choices: Any) -> list[str]:
    return [str(v) for v, _label in choices]


# Frictionless field descriptors of each key a dataset can group by.
KEY_FIELDS: dict[str, dict[str, Any]] = {
    "year": {"type": "integer", "description": "Calendar year of the purchase", "constraints": {"minimum": 2013}},
    "month": {"type": "yearmonth", "description": "Year and month of the purchase (YYYY-MM)"},
    "province": {"type": "string", "description": "Origin province: six-digit code (GB/T 2260)",
                 "constraints": {"pattern": "[0-9]{2}0000"}},
    "prefecture": {"type": "string", "description": "Origin prefecture: six-digit code (GB/T 2260)",
                   "constraints": {"pattern": "[0-9]{4}00"}},
    "channel": {"type": "string", "description": "Sales channel", "constraints": {"enum": _enum(Channel.choices)}},
    "kind": {"type": "string", "description": "Direct purchase or helped sale",
             "constraints": {"enum": _enum(Kind.choices)}},
    "product_category": {"type": "string", "description": f"Product category ({NO_CATEGORY}: not given)",
                         "constraints": {"enum": [NO_CATEGORY, *_enum(ProductCategory.choices)]}},
    "buyer_category": {"type": "string", "description": (
        "Kind of buyer: " + ", ".join(_enum(OrganisationKind.choices)) + "; public: members of the public")},
}
MEASURE_FIELDS: list[dict[str, Any]] = [
    {"name": "amount_fen", "type": "integer",
     "description": "Counted amount in fen (1 yuan = 100 fen); empty when suppressed"},
    {"name": "entries", "type": "integer",
     "description": "Net number of counted purchases (purchases minus reversals); empty when suppressed"},
    {"name": "suppressed", "type": "boolean",
     "description": "True when the group is too small to publish (see the minimum group size)"},
]


def columns(ds: Dataset) -> list[str]:
    return [*ds.group_by, *(f["name"] for f in MEASURE_FIELDS)]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def records(ds: Dataset, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows as published: the dataset's keys and measures, nothing else."""
    return [{c: (r.get(c) if c != "product_category" else r.get(c) or NO_CATEGORY) for c in columns(ds)}
            for r in rows]


def csv_bytes(ds: Dataset, rows: Sequence[Mapping[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = columns(ds)
    w.writerow(cols)
    for r in records(ds, rows):
        w.writerow([_cell(r[c]) for c in cols])
    return buf.getvalue().encode("utf-8")


def json_document(ds: Dataset, rows: Sequence[Mapping[str, Any]], *, filters: Mapping[str, Any]) -> dict[str, Any]:
    return {"dataset": ds.name, "title": str(ds.title), "filters": dict(filters),
            "minimum_group_entries": selectors.min_group_entries(), "fields": columns(ds), "rows": records(ds, rows)}


def resource(ds: Dataset) -> dict[str, Any]:
    fields = [{"name": k, **KEY_FIELDS[k]} for k in ds.group_by] + MEASURE_FIELDS
    return {
        "name": ds.name.replace("_", "-"), "path": f"{ds.name}.csv", "title": str(ds.title),
        "description": str(ds.description), "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "schema": {"fields": fields, "primaryKey": list(ds.group_by), "missingValues": [""]},
    }


def datapackage() -> dict[str, Any]:
    """The Frictionless data package descriptor of every public dataset (CSV resources next to it). `created` is
    when the account last changed, so the descriptor changes only when the data do."""
    changed = selectors.last_changed()
    created = {"created": changed.replace(microsecond=0).isoformat()} if changed else {}
    return {
        "name": PACKAGE_NAME,
        "title": "Fupin: the consumption assistance account (public aggregates)",
        "description": ("Counted purchases of products from poverty-alleviation areas, aggregated; groups with fewer "
                        f"than {selectors.min_group_entries()} counted purchases are suppressed."),
        **created,
        "licenses": [LICENCE],
        "resources": [resource(ds) for ds in DATASETS.values()],
    }


def json_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
