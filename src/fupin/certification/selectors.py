"""Certification reads. Bulk reads for the ledger (products by code, certified periods) take no viewer and
return plain data; every other selector takes the viewer and returns only what its role and scope allow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from typing import Any

from django.db import connection
from django.db.models import Q

from . import rules
from .models import CertificationPeriod, Product


def _chunks(values: Collection[Any]) -> Iterator[list[Any]]:
    """Split very large IN lists under the backend's parameter limit (one query for any normal batch)."""
    limit = max(100, (connection.features.max_query_params or 30000) - 10)
    items = list(values)
    for i in range(0, len(items), limit):
        yield items[i : i + limit]


# -- bulk reads for the ledger: no per-row queries ----------------------------------------------------------------
def products_by_codes(*, codes: Collection[str]) -> dict[str, Product]:
    """Product code → Product, for every known code among `codes` (one query per batch)."""
    out: dict[str, Product] = {}
    for chunk in _chunks(set(codes)):
        out.update({p.code: p for p in Product.objects.filter(code__in=chunk)})
    return out


def certified_periods(*, product_ids: Collection[int]) -> dict[int, list[tuple[dt.date, dt.date | None]]]:
    """Product id → the inclusive periods during which it was certified (listing to suspension, revocation or
    expiry; renewals add periods), sorted by start. Products never certified are absent."""
    out: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for chunk in _chunks(set(product_ids)):
        rows = CertificationPeriod.objects.filter(product_id__in=chunk).order_by("product_id", "start")
        for product_id, start, end in rows.values_list("product_id", "start", "end"):
            out.setdefault(product_id, []).append((start, end))
    return out


def certified_product_ids_of_supplier(*, supplier_id: int, on: dt.date) -> set[int]:
    """The ids of the supplier's products that were certified on `on` (one query)."""
    rows = CertificationPeriod.objects.filter(product__supplier_id=supplier_id, start__lte=on).filter(
        Q(end__isnull=True) | Q(end__gte=on)
    )
    return set(rows.values_list("product_id", flat=True))


def product_certified_on(*, product_id: int, on: dt.date) -> bool:
    return rules.certified_on(certified_periods(product_ids=[product_id]).get(product_id, []), on)
