"""The reserved-share list as a spreadsheet for people (issue #14), for the page and the API alike: money as yuan
numbers, the required and achieved shares as percentages, status, base and exemption in the viewer's language,
the rule version id only with `with_internal` (`?ids=1`). The CSV keeps `selectors.EXPORT_COLUMNS` (machines)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core.xlsx import Field, Kind, workbook

from .enums import ExemptReason, ShareBase, ShareStatus
from .selectors import ShareRow

FIELDS = [
    Field("organisation_id", gettext_lazy("Organisation id"), Kind.INT, internal=True),
    Field("credit_code", gettext_lazy("Unified social credit code")),
    Field("organisation_name", gettext_lazy("Unit")),
    Field("region_code", gettext_lazy("Region code")),
    Field("year", gettext_lazy("Year"), Kind.INT),
    Field("status", gettext_lazy("Status"), choices=ShareStatus),
    Field("canteen_food_fen", gettext_lazy("Canteen food procurement (yuan)"), Kind.YUAN),
    Field("farm_produce_fen", gettext_lazy("Of which farm produce (yuan)"), Kind.YUAN),
    Field("exempt_reason", gettext_lazy("Exemption"), choices=ExemptReason),
    Field("base", gettext_lazy("Base"), choices=ShareBase),
    Field("required_share", gettext_lazy("Required share"), Kind.PERCENT),
    Field("required_fen", gettext_lazy("Required (yuan)"), Kind.YUAN),
    Field("platform_fen", gettext_lazy("Bought on the 832 platform (yuan)"), Kind.YUAN),
    Field("achieved_share", gettext_lazy("Achieved share"), Kind.PERCENT),
    Field("gap_fen", gettext_lazy("Gap (yuan)"), Kind.YUAN),
    Field("param_version_id", gettext_lazy("Rule version id"), Kind.INT, internal=True),
]


def _share(bp: int | None) -> Decimal | None:
    return None if bp is None else Decimal(bp) / 10000


def xlsx(rows: Iterable[ShareRow], *, with_internal: bool = False) -> bytes:
    def data() -> Iterable[dict[str, Any]]:
        for row in rows:
            d = row.as_dict()
            yield {**d, "required_share": _share(d["required_bp"]), "achieved_share": _share(d["achieved_bp"]),
                   "gap_fen": d["gap_fen"] or None}

    return workbook(data(), fields=FIELDS, sheet_title=_("Reserved share"), with_internal=with_internal)
