"""Downloadable .xlsx templates of the registry imports (issue #14; `fupin.core.xlsx.Template`): regions,
organisations, market entities, households, assistance relations, and the historical household status periods and
region-set memberships — a bilingual header, the allowed values of the enum columns and a sheet of column help."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fupin.core.xlsx import Template, choice_values, yes_no

from .enums import EntityKind, HouseholdStatus, OrganisationKind, RegionSet, RelationKind, Sector
from .history_import import MEMBERSHIP_COLUMNS, STATUS_COLUMNS
from .imports import COLUMNS

CODE_HELP = {
    "code": _("the 6-digit (county) or 12-digit (township, village) region code"),
    "credit_code": _("the 18-character unified social credit code"),
    "region_code": _("the region code of the home region"),
    "village_code": _("the 12-digit region code of the village"),
    "id_number": _("the 18-digit resident identity number (stored only as a keyed hash)"),
    "year_from": _("a four-digit year"), "year_to": _("a four-digit year; empty: still in force"),
    "valid_from": _("YYYY-MM-DD"), "valid_to": _("YYYY-MM-DD; empty: still in force"),
    "sectors": _("one or more sectors separated by ';'"),
}

TEMPLATES = {
    "regions": Template("regions", _("Regions"), COLUMNS["regions"], lambda: {
        "poor_village": yes_no(), "poverty_county": yes_no(), "active": yes_no()}, CODE_HELP),
    "organisations": Template("organisations", _("Organisations"), COLUMNS["organisations"], lambda: {
        "kind": choice_values(OrganisationKind), "active": yes_no()}, CODE_HELP),
    "entities": Template("entities", _("Market entities"), COLUMNS["entities"], lambda: {
        "kind": choice_values(EntityKind), "sectors": choice_values(Sector), "active": yes_no()}, CODE_HELP),
    "households": Template("households", _("Households"), COLUMNS["households"], lambda: {
        "status": choice_values(HouseholdStatus)}, CODE_HELP),
    "relations": Template("relations", _("Assistance relations"), COLUMNS["relations"], lambda: {
        "kind": choice_values(RelationKind)}, CODE_HELP),
    "household_status_history": Template(
        "household_status_history", _("Household status history"), STATUS_COLUMNS,
        lambda: {"status": choice_values(HouseholdStatus)}, CODE_HELP),
    "region_set_history": Template(
        "region_set_history", _("Region set memberships"), MEMBERSHIP_COLUMNS,
        lambda: {"set_kind": choice_values(RegionSet)}, CODE_HELP),
}
