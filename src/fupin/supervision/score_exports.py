"""The scorecards as a spreadsheet for people (issue #14), for the page and the API: scores and points as numbers,
scheme and grade in the viewer's language, translated headers, the body and snapshot ids only with `?ids=1`. The
CSV keeps `scorecards.EXPORT_HEADER` (machines)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core.xlsx import Field, Kind, table_workbook

from . import scorecards
from .enums import Grade, Scheme

FIELDS = {
    "rank": Field("rank", gettext_lazy("Rank"), Kind.INT),
    "body_id": Field("body_id", gettext_lazy("Body id"), Kind.INT, internal=True),
    "body": Field("body", gettext_lazy("Assessed body")),
    "credit_code": Field("credit_code", gettext_lazy("Unified social credit code")),
    "scheme": Field("scheme", gettext_lazy("Scheme"), choices=Scheme),
    "year": Field("year", gettext_lazy("Year"), Kind.INT),
    "score": Field("score", gettext_lazy("Score"), Kind.NUMBER),
    "grade": Field("grade", gettext_lazy("Grade"), choices=Grade),
    "computed": Field("computed", gettext_lazy("Computed score"), Kind.NUMBER),
    "adjustments": Field("adjustments", gettext_lazy("Adjustments"), Kind.NUMBER),
    "last_year_score": Field("last_year_score", gettext_lazy("Last year's score"), Kind.NUMBER),
    "change": Field("change", gettext_lazy("Change"), Kind.NUMBER),
    "missed_targets": Field("missed_targets", gettext_lazy("Missed targets"), Kind.INT),
    "methodology_version": Field("methodology_version", gettext_lazy("Methodology version")),
    "snapshot_id": Field("snapshot_id", gettext_lazy("Snapshot id"), Kind.INT, internal=True),
}


def _indicator(key: str) -> Field:
    code = key.removeprefix("points:")
    return Field(key, _("Points: %(indicator)s") % {"indicator": code}, Kind.NUMBER)


def xlsx(cards: list[Any], *, with_internal: bool = False) -> bytes:
    header, rows = scorecards.export_rows(cards)
    return table_workbook(header, rows, fields=FIELDS, default=_indicator, sheet_title=_("Scorecards"),
                          with_internal=with_internal)
