"""What each chain commits to: for every chained kind of row, the fields whose values are hashed (fixed lists,
versioned: a column added later is not silently part of old digests) and how a row's value is made canonical.

Core is the bottom layer, so the kinds name their models by label (`ledger.purchaseentry`) and are resolved
through the app registry when needed: no import of a higher app.

A row's canonical bytes are the UTF-8 JSON array `[label, id, value…]` (no spaces), with each value normalised
by its field's type so that what the writer held and what the database gives back hash alike on SQLite and
PostgreSQL: dates as ISO dates, times as UTC ISO with microseconds, booleans as 0/1, decimals at their field's
places, JSON values with sorted keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone

ROW_DIGEST_BYTES = 16  # of the row's SHA-256 kept in the link (128 bits: a second preimage is out of reach)


def _date(value: Any) -> str:
    return value.isoformat()[:10] if isinstance(value, dt.date) else str(value)[:10]


@lru_cache(maxsize=256)
def _datetime_text(value: str) -> str:
    """SQLite's stored text (the writer's `now_value`, one per batch): naive in the connection's zone, UTC."""
    parsed = dt.datetime.fromisoformat(value)
    return _datetime(parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC))


def _datetime(value: Any) -> str:
    if isinstance(value, str):
        return _datetime_text(value)
    if timezone.is_naive(value):  # Django stores a naive time as in the default time zone
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return str(value.astimezone(dt.UTC).isoformat(timespec="microseconds"))


def _bool(value: Any) -> int:
    return 1 if value else 0


def _int(value: Any) -> int:
    return int(value)


def _str(value: Any) -> str:
    return str(value)


_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # built once: json.dumps with options
# the C encoder behind it, made once (JSONEncoder.encode makes one per call): the same bytes, a quarter faster
_C_MAKE_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)  # CPython's accelerator; absent elsewhere
_C_ROW_ENCODER = (_C_MAKE_ENCODER({}, None, json.encoder.encode_basestring, None, ":", ",", False, False, True)
                  if _C_MAKE_ENCODER is not None else None)


def _encode_row(values: list[Any]) -> str:
    if _C_ROW_ENCODER is not None:
        return "".join(_C_ROW_ENCODER(values, 0))
    return _ROW_ENCODER.encode(values)

_VALUE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)  # builds one per call


def _json(value: Any) -> str:
    return _VALUE_ENCODER.encode(value)


def _decimal(places: int) -> Callable[[Any], str]:
    quantum = Decimal(1).scaleb(-places)

    def normalise(value: Any) -> str:
        return str(Decimal(str(value)).quantize(quantum))

    return normalise


def normaliser(field: models.Field) -> Callable[[Any], Any] | None:
    """How a value of `field` is made canonical (None: as it is — text and integers)."""
    if isinstance(field, models.DateTimeField):
        return _datetime
    if isinstance(field, models.DateField):
        return _date
    if isinstance(field, models.BooleanField):
        return _bool
    if isinstance(field, models.DecimalField):
        return _decimal(field.decimal_places or 0)
    if isinstance(field, models.JSONField):
        return _json
    if isinstance(field, models.ForeignKey | models.IntegerField | models.BigIntegerField | models.SmallIntegerField):
        return _int
    if isinstance(field, models.CharField | models.TextField):
        return _str
    return None


@dataclass(frozen=True)
class Kind:
    """One chained kind of row: its model label, the fields committed to (attribute names), and how a row is
    assigned to a partition (one chain per partition, so concurrent writers of different partitions do not wait
    for each other)."""

    label: str
    version: str
    fields: tuple[str, ...]
    partition_field: str
    partition: Callable[[Any], str]
    title: str

    @cached_property
    def partition_index(self) -> int:
        return self.fields.index(self.partition_field)

    @cached_property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @cached_property
    def normalisers(self) -> tuple[Callable[[Any], Any] | None, ...]:
        meta = self.model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        return tuple(normaliser(by_attname[name]) for name in self.fields)

    @cached_property
    def coercions(self) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        """(position, normaliser) of every field with a normaliser."""
        return tuple((i + 2, n) for i, n in enumerate(self.normalisers) if n is not None)

    @cached_property
    def conversions(self) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
        """(position, normaliser) of the fields whose stored form differs from the canonical one (dates, times,
        booleans, decimals, JSON): text and integers come from the database — and from the ledger's writer, which
        builds its rows with those types — as they are."""
        return tuple((i, n) for i, n in self.coercions if n is not _str and n is not _int)

    def canonical(self, pk: int, values: Sequence[Any], *, coerce: bool = True) -> bytes:
        """The canonical bytes of one row (its values in `fields` order). `coerce=False` skips the text and integer
        coercions, for values of the right types already (the database's, the ledger writer's)."""
        out: list[Any] = [self.label, int(pk), *values]
        if len(out) != len(self.fields) + 2:
            raise ValueError(f"{self.label}: {len(values)} values for {len(self.fields)} fields")
        for i, norm in (self.coercions if coerce else self.conversions):
            value = out[i]
            if value is not None:
                out[i] = norm(value)
        return _encode_row(out).encode()

    def row_digest(self, pk: int, values: Sequence[Any], *, coerce: bool = True) -> bytes:
        return hashlib.sha256(self.canonical(pk, values, coerce=coerce)).digest()[:ROW_DIGEST_BYTES]

    def chain_name(self, partition: str) -> str:
        return f"{self.label}/{partition or '-'}"


def _province(code: Any) -> str:
    """The province of a region code (its first two digits): the partition of the ledger's and the payments' chains.
    Some thirty chains, so a batch of an import writes some thirty links whatever its size, and imports of
    different provinces do not wait for each other's chain heads."""
    return str(code or "")[:2] or "-"


def _app_of(object_type: Any) -> str:
    return str(object_type or "").split(".", 1)[0] or "-"


# The ledger's fields are every column the writer stores (`fupin.ledger.writer.ENTRY_COLUMNS`).
LEDGER_FIELDS = (
    "source", "external_id", "revision", "purchase_date", "year", "month", "buyer_id", "buyer_category",
    "buyer_region", "seller_id", "product_id", "product_category", "origin_id", "county_code", "quantity_milli",
    "unit", "amount_fen", "sign", "kind", "channel", "status", "evaluated", "counted", "basis", "bases",
    "not_counted_reason", "rule_version_id", "rel_designated_id", "rel_east_west_id", "rel_counterpart_id",
    "reverses_id", "amends_id", "reason", "order_number", "invoice_number", "evidence", "duplicate_of_id",
    "origin_exception_id", "import_job_id", "created_by_id", "created_at",
)

KINDS: dict[str, Kind] = {k.label: k for k in (
    # purchase entries: one chain per province of origin (the seller's county by the origin rule)
    Kind("ledger.purchaseentry", "v1", LEDGER_FIELDS, "county_code", _province, "purchase ledger"),
    # benefit payments: one chain per province of the paying market entity
    Kind("linkage.benefitpayment", "v1", (
        "source", "external_id", "contract_id", "entity_id", "mechanism", "household_id", "collective_id",
        "recipient_code", "entity_code", "paid_on", "amount_fen", "quantity", "evidence_ref", "reverses_id", "note",
        "recorded_by_id", "recorded_at",
    ), "entity_code", _province, "benefit payments"),
    # certification review decisions: one chain (they are few)
    Kind("certification.decision", "v1", (
        "application_id", "at", "action", "level", "from_status", "to_status", "reviewer_id", "reviewer_name",
        "reason",
    ), "action", lambda _value: "all", "certification decisions"),
    # the audit log: one chain per app of the audited object
    Kind("core.auditentry", "v1", (
        "at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr", "before", "after",
        "reason",
    ), "object_type", _app_of, "audit log"),
)}


def kind_of(label: str) -> Kind:
    return KINDS[label]
