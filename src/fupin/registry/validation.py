"""Registry validation in one place: the checks, and their messages, that the services (which raise
`InvalidInput`) and the imports (which report a row error) both make. Each check returns None or a `Problem`: the
import's row error code and the translated message. The caller names the field — the service's `details.field`,
the import's column — and the service keeps its own error code (`invalid_input`; `duplicate` where it says so), so
what the API, the portal and the import report say stays as it was.

The rules themselves (what a region code is, which status allows a year lifted out, which relation needs which
helper) are pure functions in `rules`; this module turns their verdicts into messages, and reads the database only
where a check needs stored facts (a supervising unit's chain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fupin.core.errors import InvalidInput
from fupin.core.tabular import RowError
from fupin.core.validators import resident_id_error, uscc_error

from . import rules, selectors
from .enums import EntityKind, RegionLevel


@dataclass(frozen=True)
class Problem:
    code: str      # the import's row error code
    message: str   # translated

    def invalid(self, *, field: str, code: str | None = None, details: dict[str, Any] | None = None) -> InvalidInput:
        """The service's error: `invalid_input` (or `code`) with the field (and `details`) in its details."""
        return InvalidInput(self.message, code=code, details={"field": field, **(details or {})})

    def row_error(self, line: int, column: str) -> RowError:
        return RowError(line, column, self.code, self.message)


def check(problem: Problem | None, *, field: str, code: str | None = None) -> None:
    """Raise the service's `InvalidInput` for a problem found (nothing when there is none)."""
    if problem is not None:
        raise problem.invalid(field=field, code=code)


# -- names and codes -----------------------------------------------------------------------------------------------
def name_problem(name: str) -> Problem | None:
    return Problem("required", _("A name is required.")) if not (name or "").strip() else None


def region_code_problem(code: str, *, given: str | None = None) -> Problem | None:
    """`code` (normalised) is not a region code at all; the message quotes what was `given`."""
    if rules.level_of(code) is None:
        return Problem("bad_region_code", _("“%(code)s” is not a region code (6, 9 or 12 digits).")
                       % {"code": code if given is None else given})
    return None


def region_problem(code: str | None, region: Any) -> Problem | None:
    """A region reference: required, and registered (`region` is what the lookup found for `code`)."""
    if not code:
        return Problem("required", _("A region code is required."))
    if region is None:
        return Problem("unknown_region", _("Unknown region code “%(code)s”.") % {"code": code})
    return None


def parent_region_problem(parent_code: str) -> Problem:
    return Problem("unknown_region", _("The parent region “%(code)s” does not exist.") % {"code": parent_code})


def village_problem(region: Any) -> Problem | None:
    if region.level != RegionLevel.VILLAGE:
        return Problem("not_a_village", _("“%(code)s” is not a village (a 12-digit code).") % {"code": region.code})
    return None


def poor_village_problem(flag: bool, *, level: str) -> Problem | None:
    if flag and level != RegionLevel.VILLAGE:
        return Problem("bad_value", _("Only a village can be a poor village."))
    return None


def poverty_county_problem(flag: bool, *, level: str) -> Problem | None:
    if flag and level != RegionLevel.COUNTY:
        return Problem("bad_value", _("Only a county can be a national poverty county."))
    return None


def credit_code_problem(code: str | None, *, kind: str, entity: bool) -> Problem | None:
    """Why a (normalised) credit code is wrong for a market entity or an organisation of `kind`, else None."""
    if entity and kind == EntityKind.POOR_HOUSEHOLD:
        return Problem("bad_credit_code", _("A poor household selling directly has no credit code.")) if code else None
    if not code:
        if entity and rules.credit_code_required(kind):
            return Problem("required", _("A unified social credit code is required for this kind of market entity."))
        return None
    reason = uscc_error(code)
    if reason:
        return Problem("bad_credit_code", _("Invalid unified social credit code: %(reason)s.") % {"reason": _(reason)})
    return None


def resident_id_problem(number: str) -> Problem | None:
    reason = resident_id_error(number)
    if reason:
        return Problem("bad_resident_id", _("Invalid resident identity number: %(reason)s.") % {"reason": _(reason)})
    return None


def registry_code_taken(code: str) -> Problem:
    return Problem("duplicate", _("The registry code %(code)s is already in use.") % {"code": code})


# -- organisations -------------------------------------------------------------------------------------------------
def supervision_cycle() -> Problem:
    return Problem("bad_value", _("An organisation cannot be supervised by itself or by a unit it supervises."))


def supervision_problem(organisation_pk: int | None, parent: Any) -> Problem | None:
    """A stored organisation under `parent`: refused when it is `parent` or one of the units above `parent`."""
    if parent is None or organisation_pk is None:
        return None
    if any(o.pk == organisation_pk for o in selectors.organisation_ancestors(organisation=parent)):
        return supervision_cycle()
    return None


# -- households ----------------------------------------------------------------------------------------------------
def household_size_problem(size: Any) -> Problem | None:
    """A household's size is a whole number from 1 to 30 (None: it could not be read as one)."""
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 30:
        return Problem("bad_value", _("The household size must be a whole number from 1 to 30."))
    return None


def lifted_year_problem(status: str, year: int | None) -> Problem | None:
    """Whether the household's status allows the year lifted out it has (`rules.lifted_year_error`)."""
    reason = rules.lifted_year_error(status, year)
    return Problem("bad_year", _(reason)) if reason else None


# -- assistance relations ------------------------------------------------------------------------------------------
def relation_years_problem(year_from: int, year_to: int | None) -> Problem | None:
    reason = rules.relation_years_error(year_from, year_to)
    return Problem("bad_year", _(reason)) if reason else None


def relation_helper_problem(kind: str, *, has_org: bool, has_region: bool) -> Problem | None:
    reason = rules.relation_helper_error(kind, has_org=has_org, has_region=has_region)
    return Problem("required", _(reason)) if reason else None
