"""Dated policy parameters (DESIGN rule 7): looked up by key, region and date; never constants in code.

Apps declare their defaults as `ParamDefault` rows and seed them with a data migration
(`seed_defaults(apps, defaults)`); administrators edit or add versions in the admin.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from .errors import FupinError


class ParameterMissing(FupinError):
    """No version of a policy parameter is in force on the date asked about (e.g. a date before the rules began):
    the request names a date the rules do not cover, so a 422, not a server error."""

    code = "parameter_missing"
    status = 422


@dataclass(frozen=True)
class ParamDefault:
    key: str
    value: Any
    valid_from: dt.date
    valid_to: dt.date | None = None
    region_prefix: str = ""
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class ParamVersion:
    id: int
    key: str
    region_prefix: str
    valid_from: dt.date
    valid_to: dt.date | None
    value: Any


def resolve(versions: list[ParamVersion], *, on: dt.date, region_code: str = "") -> ParamVersion | None:
    """Pure: the version in force on `on` for `region_code`: the longest matching region prefix wins,
    then the latest start date."""
    best: ParamVersion | None = None
    for v in versions:
        if v.valid_from > on or (v.valid_to is not None and v.valid_to < on):
            continue
        if v.region_prefix and not region_code.startswith(v.region_prefix):
            continue
        if best is None or (len(v.region_prefix), v.valid_from) > (len(best.region_prefix), best.valid_from):
            best = v
    return best


def versions(key: str) -> list[ParamVersion]:
    from .models import PolicyParameter

    return [
        ParamVersion(p.id, p.key, p.region_prefix, p.valid_from, p.valid_to, p.value)
        for p in PolicyParameter.objects.filter(key=key)
    ]


def get(key: str, *, on: dt.date, region_code: str = "") -> ParamVersion:
    found = resolve(versions(key), on=on, region_code=region_code)
    if found is None:
        raise ParameterMissing(
            _("No policy parameter “%(key)s” is in force on %(date)s.") % {"key": key, "date": on.isoformat()},
            details={"key": key, "on": on.isoformat(), "region": region_code},
        )
    return found


def value(key: str, *, on: dt.date, region_code: str = "") -> Any:
    return get(key, on=on, region_code=region_code).value


def seed_defaults(apps: Any, defaults: list[ParamDefault]) -> None:
    """For data migrations: insert each default unless a row with the same key, region and start exists."""
    model = apps.get_model("core", "PolicyParameter")
    for d in defaults:
        model.objects.get_or_create(
            key=d.key, region_prefix=d.region_prefix, valid_from=d.valid_from,
            defaults={"valid_to": d.valid_to, "value": d.value, "source": d.source, "note": d.note},
        )
