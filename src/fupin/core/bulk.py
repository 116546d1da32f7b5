"""Plain-row inserts and updates past the ORM, for the few writers that store thousands of rows in one call (registry
imports, audit entries of an import, eligibility decisions, scorecard recomputes): Django's `bulk_create` is about
ten times slower on 100k rows and `bulk_update` about two and a half times on 2,000 (DESIGN, measured limits). Both
share one way of turning a field's value into what the cursor takes (`_adapter`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from django.db import connection, models
from django.utils import timezone


def _json_adapter(encoder: Any) -> Any:
    """A JSON field's value as the database takes it: orjson's text when the field has no encoder of its own (the
    same value as `json.dumps`, several times faster), else — or for what orjson cannot encode — Django's."""
    ops = connection.ops

    def adapt(value: Any) -> Any:
        if value is None:
            return None
        if encoder is None:
            try:
                return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
            except TypeError:
                pass
        return ops.adapt_json_value(value, encoder)

    return adapt


def _adapter(f: models.Field) -> Any:
    """How a field's Python value becomes what the cursor takes (None: as it is)."""
    ops = connection.ops
    if isinstance(f, models.JSONField):
        return _json_adapter(f.encoder)
    if isinstance(f, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(f, models.DateField):
        return ops.adapt_datefield_value
    return None


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]], *, batch: int = 2000) -> None:
    """INSERT plain rows (by attname) with the DB-API cursor's executemany: Django's bulk_create is about ten times
    slower on 100k rows (DESIGN, measured limits). Missing fields take their defaults; auto times are now."""
    if not rows:
        return
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    plan: list[tuple[str, Any, Any]] = []  # (attname, default, adapter)
    for f in fields:
        auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        default = now if auto else (f.get_default() if f.has_default() or not f.null else None)
        plan.append((f.attname, default, None if auto and isinstance(f, models.DateTimeField) else _adapter(f)))
    qn = ops.quote_name
    sql = (f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608 - names from the model, values bound
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    def prepared(chunk: list[dict[str, Any]]) -> Iterator[list[Any]]:
        for row in chunk:
            yield [(adapter(row[name]) if adapter is not None else row[name]) if name in row else default
                   for name, default, adapter in plan]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY FROM STDIN: several times faster than executemany
            columns = ", ".join(qn(f.column) for f in fields)
            with cursor.cursor.copy(f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for values in prepared(rows):
                    copy.write_row(values)
            return
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, list(prepared(rows[start:start + batch])))


def update_rows(objs: Sequence[models.Model], fields: list[str], *, batch: int = 2000) -> None:
    """UPDATE the named fields of saved objects of one model, one plain `UPDATE … WHERE pk = %s` per object through
    the cursor's executemany (a pipeline on PostgreSQL): Django's `bulk_update` builds a CASE expression per field and
    object, and resolving them took 2.9 of 3 s for 2,000 scorecards (benchmarks.supervision)."""
    if not objs:
        return
    meta = type(objs[0])._meta
    chosen = [f for f in (meta.get_field(name) for name in fields) if isinstance(f, models.Field)]
    if len(chosen) != len(fields):
        raise ValueError(f"update_rows writes concrete fields only, not {fields}")
    plan = [(f.attname, _adapter(f)) for f in chosen]
    qn = connection.ops.quote_name
    sql = (f"UPDATE {qn(meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in chosen)} "  # noqa: S608 - names from the model, values bound
           f"WHERE {qn(meta.pk.column)} = %s")
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch):
            cursor.executemany(sql, [[(adapt(getattr(o, name)) if adapt is not None else getattr(o, name))
                                      for name, adapt in plan] + [o.pk] for o in objs[start:start + batch]])
