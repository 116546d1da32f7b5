"""What the statistics pages do with a grouping: its label, the label of each of its values, and the entry filter
that opens the entries behind one figure (drill-down, DESIGN rule 8).

Labels are looked up in batches (one query per dimension per page) through the registry selectors; a value the
viewer may not look up (a buyer outside its scope that bought in its county) is shown by its id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from fupin.certification.enums import ProductCategory
from fupin.ledger.enums import PUBLIC, Basis, Channel, Kind, Scheme
from fupin.registry import selectors as registry
from fupin.registry.enums import OrganisationKind

from .common import choice_label

CHOICES = {"channel": Channel, "kind": Kind, "basis": Basis, "scheme": Scheme, "buyer_category": OrganisationKind,
           "product_category": ProductCategory}


def _full_code(value: Any) -> str:
    """Rollup region keys may be prefixes ('52', '5226'); region codes are written in full ('520000')."""
    text = str(value)
    return text.ljust(6, "0") if len(text) < 6 else text


def _lookup(dim: str, values: list[Any], viewer: Any) -> dict[Any, str]:
    if dim in ("province", "prefecture", "county"):
        codes = {_full_code(v): v for v in values}
        found = registry.region_list(viewer=viewer).filter(code__in=list(codes)).values_list("code", "name")
        return {codes[c]: n if dim == "province" else f"{n} {c}" for c, n in found}
    ids = [int(v) for v in values if str(v).isdigit()]
    rows: Iterable[tuple[int, str]]
    if dim in ("buyer", "account"):
        rows = registry.organisation_list(viewer=viewer).filter(pk__in=ids).values_list("pk", "name")
    elif dim == "seller":
        rows = registry.entity_list(viewer=viewer).filter(pk__in=ids).values_list("pk", "name")
    elif dim == "relation":
        rows = [(r.pk, str(r)) for r in registry.relation_list(viewer=viewer).filter(pk__in=ids)]
    else:
        return {}
    by_id = dict(rows)
    return {v: by_id[int(v)] for v in values if str(v).isdigit() and int(v) in by_id}


def value_filter(dim: str, value: Any) -> dict[str, Any]:
    """The entry-list filter selecting the entries of one value of a grouping."""
    if value is None or value == "":
        if dim in ("buyer", "account"):
            return {"buyer": "public"}
        return {dim: "none"} if dim in ("basis", "scheme", "relation", "product_category") else {}
    text = str(value)
    if dim == "month":  # 'YYYY-MM'
        y, m = text.split("-")[:2]
        return {"year": int(y), "month": int(m)}
    if dim == "quarter":  # 'YYYY-Qn'
        y, q = text.split("-Q")
        return {"year": int(y), "quarter": int(q)}
    if dim in ("province", "prefecture", "county"):
        return {"region": text}
    if dim == "account":  # a buyer with the units below it: the buyer filter rolls up the same way
        return {"buyer": text}
    return {dim: text}


def group_labels(dim: str, values: Iterable[Any], *, viewer: Any) -> dict[Any, str]:
    """Display labels of the values of one grouping."""
    values = [v for v in values if v not in (None, "")]
    if dim in CHOICES:
        out = {v: choice_label(CHOICES[dim], v) for v in values}
        if dim == "buyer_category":
            out.update({v: _("Members of the public") for v in values if v == PUBLIC})
        return out
    if dim in ("province", "prefecture", "county", "buyer", "account", "seller", "relation"):
        found = _lookup(dim, values, viewer)
        return {v: found.get(v) or (str(v) if dim in ("province", "prefecture", "county") else f"#{v}") for v in values}
    return {v: str(v) for v in values}


def none_label(dim: str) -> str:
    return {
        "buyer": _("Members of the public"), "account": _("Members of the public"), "basis": _("does not count"), "scheme": _("no scheme"),
        "relation": _("no relation"), "product_category": _("no product"),
    }.get(dim, "—")


def label_rows(rows: Sequence[Mapping[str, Any]], dims: Sequence[str], *, viewer: Any) -> list[dict[str, Any]]:
    """Rows of account_totals with `labels` (one per grouping) and `filter` (for the drill-down link)."""
    lookup = {d: group_labels(d, {r.get(d) for r in rows}, viewer=viewer) for d in dims}
    out = []
    for r in rows:
        labels, flt = [], {}
        for d in dims:
            v = r.get(d)
            labels.append(lookup[d].get(v, none_label(d)) if v not in (None, "") else none_label(d))
            flt.update(value_filter(d, v))
        out.append({**r, "labels": labels, "filter": flt})
    return out
