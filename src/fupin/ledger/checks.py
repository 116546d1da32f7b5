"""Consistency checks of the ledger (run by `fupin ledger_check` and the tests): references that must exist,
amounts and signs that must agree, reversals that must mirror their originals."""

from __future__ import annotations

from typing import Any

from django.db import connection

from fupin.certification.models import Product
from fupin.core import audit
from fupin.core.models import PolicyParameter
from fupin.registry.models import AssistanceRelation, MarketEntity, Organisation, Region

from . import rollups
from .models import PriorPeriodAdjustment, PurchaseEntry

E = PurchaseEntry._meta.db_table
A = PriorPeriodAdjustment._meta.db_table


def _missing(column: str, table: str) -> str:
    return (f"SELECT COUNT(*) FROM {E} e WHERE e.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608 - table names from the models, no values
            f"(SELECT 1 FROM {table} t WHERE t.id = e.{column})")


CHECKS = {
    "buyer exists": _missing("buyer_id", Organisation._meta.db_table),
    "seller exists": _missing("seller_id", MarketEntity._meta.db_table),
    "product exists": _missing("product_id", Product._meta.db_table),
    "origin exists": _missing("origin_id", Region._meta.db_table),
    "rule version exists": _missing("rule_version_id", PolicyParameter._meta.db_table),
    "designated relation exists": _missing("rel_designated_id", AssistanceRelation._meta.db_table),
    "east-west relation exists": _missing("rel_east_west_id", AssistanceRelation._meta.db_table),
    "counterpart relation exists": _missing("rel_counterpart_id", AssistanceRelation._meta.db_table),
    "sign matches the amount": f"SELECT COUNT(*) FROM {E} WHERE (sign = 1 AND amount_fen <= 0) OR "  # noqa: S608 - table names from the models, no values
                               f"(sign = -1 AND amount_fen >= 0) OR sign NOT IN (1, -1)",
    "reversals point at an original": f"SELECT COUNT(*) FROM {E} WHERE (sign = -1) <> (reverses_id IS NOT NULL)",  # noqa: S608 - table names from the models, no values
    "reversals mirror the original": (
        f"SELECT COUNT(*) FROM {E} r JOIN {E} o ON o.id = r.reverses_id WHERE r.amount_fen <> -o.amount_fen "  # noqa: S608 - table names from the models, no values
        f"OR r.counted <> o.counted OR r.county_code <> o.county_code OR r.purchase_date <> o.purchase_date "
        f"OR COALESCE(r.rel_designated_id, 0) <> COALESCE(o.rel_designated_id, 0) "
        f"OR COALESCE(r.rel_east_west_id, 0) <> COALESCE(o.rel_east_west_id, 0) "
        f"OR COALESCE(r.rel_counterpart_id, 0) <> COALESCE(o.rel_counterpart_id, 0)"),
    "duplicates do not count": f"SELECT COUNT(*) FROM {E} WHERE duplicate_of_id IS NOT NULL AND counted",  # noqa: S608 - table names from the models, no values
    "duplicates point at another source's entry": (
        f"SELECT COUNT(*) FROM {E} d LEFT JOIN {E} o ON o.id = d.duplicate_of_id WHERE d.duplicate_of_id IS NOT "  # noqa: S608 - table names from the models, no values
        f"NULL AND (o.id IS NULL OR o.source = d.source)"),
    "prior-period adjustments are booked where they say": (
        f"SELECT COUNT(*) FROM {A} a LEFT JOIN {E} e ON e.id = a.entry_id LEFT JOIN {E} o ON o.id = a.original_id "  # noqa: S608 - table names from the models, no values
        f"WHERE e.id IS NULL OR o.id IS NULL OR e.year <> a.booked_year OR e.month <> a.booked_month "
        f"OR (e.reverses_id IS NULL AND e.amends_id IS NULL)"),
    "only counted entries are attributed": (
        f"SELECT COUNT(*) FROM {E} WHERE NOT counted AND (rel_designated_id IS NOT NULL OR "  # noqa: S608 - table names from the models, no values
        f"rel_east_west_id IS NOT NULL OR rel_counterpart_id IS NOT NULL)"),
}


def entry_problems() -> dict[str, int]:
    """Check name → number of entries breaking it (all zero when the ledger is sound)."""
    out: dict[str, int] = {}
    with connection.cursor() as cur:
        for name, sql in CHECKS.items():
            cur.execute(sql)
            out[name] = int(cur.fetchone()[0])
    return out


def rollups_rebuild(*, actor: Any) -> dict[str, int]:
    """Replace the rollups by their recomputation from the entries (audited)."""
    counts = rollups.rebuild()
    audit.record(actor=actor, action="ledger:rollups_rebuild", object_type="ledger.rollups", object_id="all",
                 after=counts)
    return counts
