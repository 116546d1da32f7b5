"""Who acts for a supplier in certification — registering products, adding licences, applying, resubmitting and
withdrawing (issue #14: "acting for the right organisation").

Every rule is a call of core's authorisation policy (`fupin.core.access`, ADR 0016):

| basis | who | how |
|---|---|---|
| own | a clerk whose organisation *is* the market entity (same unified social credit code) | region scope covers it |
| authorised | a clerk of an organisation holding a `SupplierAuthorisation` for the entity in force that day — another cooperative it mandated, or a county office helping a poor household's entity | region scope covers it |
| administrator | an administrator (or superuser) whose scope covers the entity | — |
| system | a command, the demo | — |

A government office's clerk no longer acts for every entity of its county: acting for a supplier is a separate,
explicit grant. Grants are given and revoked by the entity itself (its clerk or approver), by an approver of the
county office over the entity, or by an administrator (`authorise_grant`); each is audited, and each action taken
on another organisation's behalf names its basis and the grant in its audit entry (`ActingFor.as_audit`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import access
from fupin.core.enums import Role, ScopeLevel
from fupin.core.rules import Refusal
from fupin.registry.models import MarketEntity

from .models import SupplierAuthorisation

ACT_ROLES = (Role.CLERK,)
GRANT_ROLES_OWN = (Role.CLERK, Role.APPROVER)
GRANT_ROLES_OFFICE = (Role.APPROVER,)
GRANT_OFFICE_LEVELS = (ScopeLevel.COUNTY,)


class Basis:
    OWN = "own"
    AUTHORISED = "authorised"
    ADMINISTRATOR = "administrator"
    SYSTEM = "system"


@dataclass(frozen=True)
class ActingFor:
    """On what basis an actor acts for the supplier `entity` (the grant when it is one)."""

    entity: MarketEntity
    basis: str
    authorisation: SupplierAuthorisation | None = None

    @property
    def on_behalf(self) -> bool:
        """True when the actor's organisation is not the entity itself (a grant or an administrator)."""
        return self.basis in (Basis.AUTHORISED, Basis.ADMINISTRATOR)

    def as_audit(self) -> dict[str, Any]:
        out: dict[str, Any] = {"entity": self.entity.pk, "entity_name": self.entity.name,
                               "credit_code": self.entity.credit_code or "", "basis": self.basis}
        if self.authorisation is not None:
            out["authorisation"] = self.authorisation.pk
            out["organisation"] = self.authorisation.organisation_id
        return out


def grants_in_force(*, organisation_id: int | None, on: dt.date) -> QuerySet[SupplierAuthorisation]:
    if organisation_id is None:
        return SupplierAuthorisation.objects.none()
    return SupplierAuthorisation.objects.filter(organisation_id=organisation_id, revoked_at__isnull=True,
                                                valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def _own_or_admin(actor: Any, entity: MarketEntity) -> str | None:
    return access.refusal(actor, roles=ACT_ROLES, region_code=entity.region.code,
                          party=access.Party(credit_code=entity.credit_code))


def acting_basis(actor: Any, entity: MarketEntity, *, on: dt.date | None = None) -> ActingFor | None:
    """The basis on which `actor` acts for `entity` on `on` (default today), or None when it may not."""
    if access.is_system(actor):
        return ActingFor(entity, Basis.SYSTEM)
    if _own_or_admin(actor, entity) is None:
        own_code = getattr(getattr(actor, "organisation", None), "credit_code", None)
        basis = Basis.OWN if entity.credit_code and own_code == entity.credit_code else Basis.ADMINISTRATOR
        return ActingFor(entity, basis)
    if access.refusal(actor, roles=ACT_ROLES, region_code=entity.region.code) is not None:
        return None
    grant = (grants_in_force(organisation_id=getattr(actor, "organisation_id", None), on=on or timezone.localdate())
             .filter(entity=entity).order_by("-valid_from", "-id").first())
    return ActingFor(entity, Basis.AUTHORISED, grant) if grant is not None else None


def authorise_supplier(actor: Any, entity: MarketEntity, *, on: dt.date | None = None, path: str = "") -> ActingFor:
    """The basis of acting for `entity`; AccessDenied (one security event) when the actor may not."""
    acting = acting_basis(actor, entity, on=on)
    if acting is not None:
        return acting
    reason = _own_or_admin(actor, entity)
    if reason in (Refusal.NOT_SIGNED_IN, Refusal.ROLE, Refusal.SCOPE):
        # the generic message says what is missing (sign-in, role, region)
        access.authorise(actor, roles=ACT_ROLES, region_code=entity.region.code, what="supplier", path=path)
    raise access.deny(
        actor, _("You may act only for your own organisation and for the market entities it is authorised to act "
                 "for; %(entity)s has not authorised it.") % {"entity": entity.name},
        detail=(f"supplier: not_yours (entity {entity.pk}; organisation {getattr(actor, 'organisation_id', None)}; "
                f"no supplier authorisation in force)"), path=path)


def authorised_entity_ids(*, viewer: Any, on: dt.date | None = None) -> set[int]:
    """The entities the viewer's organisation holds a grant for today (its region scope still applies)."""
    return set(grants_in_force(organisation_id=getattr(viewer, "organisation_id", None),
                               on=on or timezone.localdate()).values_list("entity_id", flat=True))


def grant_refusal(actor: Any, entity: MarketEntity) -> str | None:
    """Who may grant or revoke an authorisation to act for `entity`: the entity itself (its clerk or approver), an
    approver of the county office over it, or an administrator whose scope covers it."""
    if access.refusal(actor, roles=GRANT_ROLES_OWN, region_code=entity.region.code,
                      party=access.Party(credit_code=entity.credit_code)) is None:
        return None
    return access.refusal(actor, roles=GRANT_ROLES_OFFICE, region_code=entity.region.code, office=True,
                          office_levels=GRANT_OFFICE_LEVELS)


def authorise_grant(actor: Any, entity: MarketEntity) -> None:
    if grant_refusal(actor, entity) is None:
        return
    access.authorise(actor, roles=GRANT_ROLES_OFFICE, region_code=entity.region.code, office=True,
                     office_levels=GRANT_OFFICE_LEVELS, what="supplier authorisation")
    raise access.deny(actor, _("Only the market entity itself, an approver of its county office or an administrator "
                               "may authorise others to act for it."), detail="supplier authorisation: refused")
