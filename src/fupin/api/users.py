"""Users for administrators: list, create, change roles, scope, organisation and activity.

A national administrator manages every user; a scoped one (a province's) only the users inside its scope, and
can give no scope or organisation outside it, no role it does not hold, no administrator role at or above its own
level, and changes neither its peers nor itself (`fupin.core.users`). Validation and audit are the services' (`fupin.core.services`):
the same as `fupin user_create`, `fupin user_roles` and the admin site.

No `from __future__ import annotations` (see `fupin.api.system`)."""

from typing import Annotated

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from fupin.core import selectors, services
from fupin.core.api_types import Id, choice
from fupin.core.enums import Role, ScopeLevel
from fupin.core.pagination import Page

router = Router(tags=["users"])

ScopeLevelName = choice(ScopeLevel)
RoleName = choice(Role)
OrganisationRef = Id | Annotated[str, Field(max_length=18)]  # an id, or a unified social credit code


class UserOut(Schema):
    id: int
    username: str
    email: str
    organisation_id: int | None
    organisation_name: str | None
    roles: list[RoleName]
    scope_level: ScopeLevelName
    scope_code: str
    is_active: bool
    is_superuser: bool
    password_reset_required: bool

    @staticmethod
    def resolve_roles(obj) -> list[str]:
        return obj.role_list

    @staticmethod
    def resolve_organisation_name(obj) -> str | None:
        return obj.organisation.name if obj.organisation_id else None


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    organisation: OrganisationRef | None = Field(None, description="credit code or id of the organisation")
    roles: list[str] | str = Field(..., description="viewer, clerk, reviewer, approver, administrator, auditor")
    scope: str = Field("", max_length=12, description="region code: 45 / 450000 (province), 4501 (prefecture), "
                                                       "450103 (county); empty for the nation")
    scope_level: ScopeLevelName | None = Field(None, description="when not the level the code's digits name")
    email: str = Field("", max_length=254)
    password: str | None = Field(None, max_length=128, description="empty: unusable until set")


class PasswordResetIn(Schema):
    password: str | None = Field(None, max_length=128, description="a temporary password; empty: unusable until set")
    reason: str = Field("", max_length=2000)


class UserPatch(Schema):
    roles: list[str] | str | None = None
    scope: str | None = Field(None, max_length=12)
    scope_level: ScopeLevelName | None = None
    organisation: OrganisationRef | None = Field(None, description="credit code or id; null: no organisation")
    is_active: bool | None = None
    reason: str = Field("", max_length=2000)


@router.get("/users", response=list[UserOut])
@paginate(Page)
def users(request, q: str = "", role: choice(Role, "") = "", active: bool | None = None):
    return selectors.user_list(viewer=request.user, q=q, role=role, active=active)


@router.post("/users", response={201: UserOut})
def user_create(request, body: UserIn):
    user = services.user_create(username=body.username, password=body.password, organisation=body.organisation,
                                roles=body.roles, scope_code=body.scope, scope_level=body.scope_level,
                                email=body.email, actor=request.user)
    return 201, user


@router.get("/users/{pk}", response=UserOut)
def user(request, pk: Id):
    return selectors.user_get(viewer=request.user, pk=pk)


@router.patch("/users/{pk}", response=UserOut)
def user_change(request, pk: Id, body: UserPatch):
    user = selectors.user_get(viewer=request.user, pk=pk)
    given = body.model_fields_set
    return services.user_roles_set(
        user=user, actor=request.user, roles=body.roles, scope_code=body.scope, scope_level=body.scope_level,
        organisation=body.organisation if "organisation" in given else services.UNCHANGED,
        is_active=body.is_active, reason=body.reason)


@router.post("/users/{pk}/password-reset", response=UserOut)
def user_password_reset(request, pk: Id, body: PasswordResetIn):
    """Reset a user's password: the old one stops working, its API tokens are revoked, and the user must choose a
    new password (`password_reset_required`). Audited."""
    user = selectors.user_get(viewer=request.user, pk=pk)
    return services.user_password_reset(user=user, actor=request.user, password=body.password, reason=body.reason)
