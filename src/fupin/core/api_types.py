"""Bounded and enumerated types for the API's schemas: every number, date and choice a client sends is checked
against its range before a view runs (a 422 `invalid_input` naming the field), and the range is in the OpenAPI
document.

Why bounds: an unbounded integer reaches the database as a value it cannot hold (SQLite stores at most 2^63 − 1,
PostgreSQL's `integer` 2^31 − 1) and fails as a 500; an unbounded date makes month-by-month computations run for
thousands of years. The ranges:

- `Id` 1 … 2^63 − 1 (every primary key is a 64-bit `BigAutoField` on both engines); `Offset` 0 … 2^31 − 1,
  `Limit` 1 … 500 (see `fupin.core.pagination`).
- `Year` and `QueryDate`: 2013-01-01 (the start of targeted poverty alleviation, the earliest data the platform
  holds) to one year after today, computed when the request is checked, not when the code is loaded.
- `RecordYear` 1949 … 2100 and `RecordDate` 1949-10-01 … 2100-12-31 for facts that may lie before 2013 or far
  ahead (a relation since 1996, a licence valid to 2040).
- `SmallCount` 0 … 32767 (`smallint` columns), `Count` 0 … 2^31 − 1 (`integer`), `BigCount` 0 … 2^63 − 1,
  `Seed` 0 … 2^62, `Days` 0 … 36500, `Quantity` a decimal ≥ 0 with at most 12 digits, 2 after the point.
- `ExportFormat` csv | xlsx; `Language` en | zh-hans (the column headers of an export).
- `choice_list(SomeTextChoices)`, `IdList`, `YearList`: comma-separated lists (the ledger's filters), as a
  string with a `pattern`; ids of at most 18 digits, years of 4.
- `choice(SomeTextChoices)`: the values of a Django `TextChoices` as a `Literal`, so the document lists them as an
  `enum` and any other value is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError

BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
FIRST_DATE = dt.date(2013, 1, 1)
RECORD_FIRST = dt.date(1949, 10, 1)
RECORD_LAST = dt.date(2100, 12, 31)


def last_date() -> dt.date:
    """One year after today (28 February for a 29 February): the latest date a query or an event may name."""
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def _out_of_range(value: Any, first: Any, last: Any) -> PydanticCustomError:
    return PydanticCustomError(
        "out_of_range", _("{value} is outside the allowed range {first} … {last}."),
        {"value": str(value), "first": str(first), "last": str(last)},
    )


def _query_date(value: dt.date) -> dt.date:
    if not FIRST_DATE <= value <= last_date():
        raise _out_of_range(value, FIRST_DATE, last_date())
    return value


def _year(value: int) -> int:
    if value > last_date().year:
        raise _out_of_range(value, FIRST_DATE.year, last_date().year)
    return value


def _record_date(value: dt.date) -> dt.date:
    if not RECORD_FIRST <= value <= RECORD_LAST:
        raise _out_of_range(value, RECORD_FIRST, RECORD_LAST)
    return value


@dataclass(frozen=True)
class _UpToNextYear:
    """Writes the range into the JSON schema when the document is generated (each request for it), so the upper
    bound moves with today. (A `json_schema_extra` callable would be dropped when ninja adds its own field info.)"""

    kind: Literal["date", "year"]

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        schema = handler(core_schema)
        if self.kind == "year":
            schema["maximum"] = last_date().year
        else:
            schema["formatMinimum"] = FIRST_DATE.isoformat()
            schema["formatMaximum"] = last_date().isoformat()
        return schema


Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
Offset = Annotated[int, Field(ge=0, le=INT_MAX)]
Limit = Annotated[int, Field(ge=1, le=500)]
SmallCount = Annotated[int, Field(ge=0, le=32767)]
Count = Annotated[int, Field(ge=0, le=INT_MAX)]
BigCount = Annotated[int, Field(ge=0, le=BIGINT_MAX)]
Seed = Annotated[int, Field(ge=0, le=2**62)]
Days = Annotated[int, Field(ge=0, le=36500)]
Month = Annotated[int, Field(ge=1, le=12)]
Year = Annotated[int, Field(ge=FIRST_DATE.year, description="a year from 2013 to next year"), AfterValidator(_year),
                 _UpToNextYear("year")]
RecordYear = Annotated[int, Field(ge=RECORD_FIRST.year, le=RECORD_LAST.year)]
QueryDate = Annotated[dt.date, Field(description="a date from 2013-01-01 to one year after today"),
                      AfterValidator(_query_date), _UpToNextYear("date")]
RecordDate = Annotated[dt.date, Field(json_schema_extra={"formatMinimum": RECORD_FIRST.isoformat(),
                                                         "formatMaximum": RECORD_LAST.isoformat()},
                                      description="a date from 1949-10-01 to 2100-12-31"),
                       AfterValidator(_record_date)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
ExportFormat = Literal["csv", "xlsx"]
Language = Literal["en", "zh-hans"]


def file_download(*formats: str, json: bool = False, description: str = "a file") -> dict[str, Any]:
    """`openapi_extra` for a route that answers with a file (csv, xlsx; and JSON when `json`): the media types of
    its 200 answer in the document."""
    from .tabular import CONTENT_TYPES

    content: dict[str, Any] = {CONTENT_TYPES[f].split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                               for f in formats}
    if json:
        content["application/json"] = {"schema": {"type": "object"}}
    return {"responses": {200: {"description": description, "content": content}}}


def listed(item: str, description: str) -> Any:
    """A comma-separated list of items matching the regular expression `item` (the ledger's filters take lists):
    a string whose `pattern` is in the document."""
    return Annotated[str, Field(pattern=f"^ *(?:{item}) *(?:, *(?:{item}) *)*$", max_length=2000,
                                description=description)]


def choice_list(choices: type[models.TextChoices], *extra: str) -> Any:
    """A comma-separated list of the values of `choices` (and `extra` values such as "none")."""
    values = [*choices.values, *extra]
    return listed("|".join(re.escape(v) for v in values), "comma-separated, of: " + ", ".join(values))


IdList = listed("[0-9]{1,18}", "comma-separated ids")
YearList = listed("[0-9]{4}", "comma-separated years")


def choice(choices: type[models.TextChoices], *extra: str) -> Any:
    """The values of `choices` (and `extra` values, e.g. "" for a blank field) as a `Literal` type: an `enum` in
    the OpenAPI document, checked on the way in."""
    return Literal[(*choices.values, *extra)]
