"""Who may write what in the registry — by what the actor's organisation *is*, not only by role and region.

Every rule is one call of core's authorisation policy (`fupin.core.access.authorise`):

| record | written by |
|---|---|
| regions (townships, villages; provinces to counties by administrators only) | clerks of a government office whose scope covers the region |
| organisations | the organisation itself or a unit above it; or a government office over its home region |
| market entities | the entity itself (its organisation carries the entity's credit code); or its registering office — a government office over the entity's region |
| households | the county office responsible for them: a clerk of a government office scoped to the household's county |
| assistance relations | clerks of a government office over the helped region |
| registry file imports | government offices (households: county offices only); rows are checked against the scope |

Administrators (and superusers, who are administrators for the nation) write anywhere in their scope; system
processes (commands, the demo) anywhere. A cooperative's or a budget unit's clerk therefore cannot change a
household or another seller, whatever its region scope.
"""

from __future__ import annotations

from typing import Any

from fupin.core import access
from fupin.core.enums import Role, ScopeLevel

from .models import MarketEntity, Organisation

WRITE_ROLES = (Role.CLERK, Role.ADMINISTRATOR)
HOUSEHOLD_OFFICE_LEVELS = (ScopeLevel.COUNTY,)


def organisation_party(organisation: Organisation) -> access.Party:
    """The organisation and its supervising units act for it."""
    from .selectors import organisation_ancestors

    return access.Party(organisation_ids=frozenset(o.pk for o in organisation_ancestors(organisation=organisation)),
                        credit_code=organisation.credit_code)


def entity_party(entity: MarketEntity) -> access.Party:
    """A market entity acts for itself when the actor's organisation carries its unified social credit code."""
    return access.Party(credit_code=entity.credit_code)


def authorise_region_write(actor: Any, *, region_code: str) -> None:
    access.authorise(actor, roles=WRITE_ROLES, region_code=region_code, office=True, what="region write")


def authorise_organisation_write(actor: Any, *, organisation: Organisation | None, region_code: str) -> None:
    """`organisation` None: a new organisation (a unit above it may register it: pass its parent instead)."""
    access.authorise(actor, roles=WRITE_ROLES, region_code=region_code,
                     party=organisation_party(organisation) if organisation is not None else None, office=True,
                     what="organisation write")


def authorise_entity_write(actor: Any, *, entity: MarketEntity | None, region_code: str) -> None:
    """`entity` None: a new market entity, registered by the office over its region."""
    access.authorise(actor, roles=WRITE_ROLES, region_code=region_code,
                     party=entity_party(entity) if entity is not None else None, office=True, what="entity write")


def authorise_household_write(actor: Any, *, village_code: str | None) -> None:
    access.authorise(actor, roles=WRITE_ROLES, region_code=village_code, office=True,
                     office_levels=HOUSEHOLD_OFFICE_LEVELS, what="household write")


def authorise_relation_write(actor: Any, *, helped_region_code: str) -> None:
    access.authorise(actor, roles=WRITE_ROLES, region_code=helped_region_code, office=True, what="relation write")


def authorise_import(actor: Any, *, kind: str) -> None:
    """A registry file import is an office's work; each row is then checked against the actor's region scope."""
    levels = HOUSEHOLD_OFFICE_LEVELS if kind == "households" else None
    access.authorise(actor, roles=WRITE_ROLES, office=True, office_levels=levels, what=f"registry import {kind}")
