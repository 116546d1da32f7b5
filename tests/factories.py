"""Test data builders, one per thing and lifecycle state. Shared by every test folder."""

from __future__ import annotations

import itertools
from typing import Any

from fupin.core.services import NEVER, token_create, user_create
from fupin.core.validators import make_resident_id, make_uscc
from fupin.registry.models import Household, MarketEntity, Organisation, Region
from fupin.registry.rules import level_of, parent_code_of, zone_of

_seq = itertools.count(1)


def region(code: str, name: str | None = None, **fields: Any) -> Region:
    """Create a region and, as needed, the regions above it (by code structure)."""
    existing = Region.objects.filter(code=code).first()
    if existing:
        return existing
    parent_code = parent_code_of(code)
    parent = region(parent_code) if parent_code else None
    return Region.objects.create(code=code, name=name or f"R{code}", level=level_of(code), parent=parent,
                                 zone=zone_of(code), **fields)


def uscc(n: int | None = None) -> str:
    n = n if n is not None else next(_seq)
    return make_uscc(f"91{n % 1000000:06d}{n:09d}")


def resident_id(n: int | None = None) -> str:
    n = n if n is not None else next(_seq)
    return make_resident_id(f"52262719800101{n % 1000:03d}")


def organisation(name: str | None = None, *, kind: str = "budget_unit", region_code: str = "110101",
                 parent: Organisation | None = None, credit_code: str | None = "auto") -> Organisation:
    n = next(_seq)
    return Organisation.objects.create(
        name=name or f"Org {n}", kind=kind, region=region(region_code), parent=parent,
        credit_code=uscc(n) if credit_code == "auto" else credit_code,
    )


def entity(name: str | None = None, *, kind: str = "enterprise", region_code: str = "522627",
           sectors: str = ",processing,", household: Household | None = None) -> MarketEntity:
    n = next(_seq)
    return MarketEntity.objects.create(
        name=name or f"Entity {n}", kind=kind, region=region(region_code), sectors=sectors, household=household,
        credit_code=None if kind in ("poor_household", "rich_leader") else uscc(n),
    )


def household(*, village_code: str = "522627100201", status: str = "registered_poor", head_name: str = "张三丰",
              phone: str = "13812345678") -> Household:
    from django.conf import settings

    from fupin.core.validators import keyed_hash

    n = next(_seq)
    return Household.objects.create(
        registry_code=f"H{village_code}{n:04d}", id_hash=keyed_hash(resident_id(n), key=settings.FUPIN_HASH_KEY),
        village=region(village_code), size=3, status=status, head_name=head_name, phone=phone,
    )


def office(scope_code: str = "") -> Organisation:
    """The government office of a scope (the national office for the nation; a local government below)."""
    code = scope_code.ljust(6, "0")[:6] if scope_code else "110000"
    kind = "local_government" if scope_code else "government_department"
    found = Organisation.objects.filter(kind=kind, region__code=code, name=f"Office {scope_code or 'national'}").first()
    return found or organisation(f"Office {scope_code or 'national'}", kind=kind, region_code=code)


def user(username: str | None = None, *, roles: str = "viewer", scope_level: str = "nation", scope_code: str = "",
         organisation: Organisation | None | str = "office", password: str = "correct-horse-42") -> Any:
    """A user acting for `organisation` — by default the government office of its scope (pass a market entity's
    or a buyer's organisation, or None, to test what those may not do)."""
    n = next(_seq)
    if scope_code:
        region(scope_code if len(scope_code) >= 6 else scope_code.ljust(6, "0"))
    if organisation == "office":
        organisation = office(scope_code)
    return user_create(username=username or f"user{n}", password=password, roles=roles, scope_level=scope_level,
                       scope_code=scope_code, organisation=organisation)


def token(u: Any) -> str:
    """A full (`*:write`) token without an expiry: tests travel in time (tests/access tests expiry itself)."""
    return token_create(user=u, name="test", expires_at=NEVER)
