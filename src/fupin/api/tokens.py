"""API tokens: the owner lists, creates and revokes its own; an administrator lists and revokes the tokens of the
users it manages (every user for a national administrator, those inside its scope for a scoped one).

A token's secret is in the answer to its creation only (only its hash is kept). A request made with a token
creates tokens within that token's scopes and lifetime. Every creation and revocation is audited and written to
the security log (`fupin.core.services.token_create`, `token_revoke`).

No `from __future__ import annotations` (see `fupin.api.system`)."""

import datetime as dt
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from fupin.core import services
from fupin.core import users as core_users
from fupin.core.api_types import Id
from fupin.core.errors import InvalidInput
from fupin.core.pagination import Page

from .auth import client_ip

router = Router(tags=["tokens"])

ScopeText = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z*]+:(read|write)$")]


class TokenOut(Schema):
    id: int
    prefix: str
    name: str
    user_id: int
    username: str
    scopes: list[str]
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.username

    @staticmethod
    def resolve_scopes(obj) -> list[str]:
        return obj.scope_list

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.is_active


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="the secret: shown this once, send it as `Authorization: Bearer <token>`")


class _Created:
    """A token just made, with its secret (which is not stored)."""

    def __init__(self, token: Any, key: str) -> None:
        self._token = token
        self.token = key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._token, name)


class TokenIn(Schema):
    name: str = Field("", max_length=100)
    scopes: list[ScopeText] = Field(["*:read"], min_length=1, max_length=30,
                                    description="<app>:read or <app>:write; * for every app (write includes read)")
    expires_in_days: int | None = Field(None, ge=1, le=366, description="default FUPIN_TOKEN_DAYS (90)")


class TokenRevokeIn(Schema):
    reason: str = Field("", max_length=2000)


@router.get("/tokens", response=list[TokenOut])
@paginate(Page)
def token_list(request, everyone: bool = False, user: Id | None = None, active: bool | None = None):
    """Your tokens; `everyone=true` or `user=<id>`: an administrator's view of the users it manages."""
    return core_users.token_list(viewer=request.user, everyone=everyone, user_id=user, active=active)


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request, body: TokenIn):
    """A new token for yourself; the answer carries its secret, once."""
    expires_at = None
    if body.expires_in_days is not None:
        expires_at = timezone.now() + dt.timedelta(days=body.expires_in_days)
    key = services.token_create(user=request.user, name=body.name, scopes=body.scopes, expires_at=expires_at,
                                actor=request.user, limit=getattr(request, "api_token", None), ip=client_ip(request))
    token = core_users.token_list(viewer=request.user).filter(key_hash=services.token_hash(key)).first()
    if token is None:  # pragma: no cover - created just above
        raise InvalidInput()
    return 201, _Created(token, key)


@router.get("/tokens/{pk}", response=TokenOut)
def token_get(request, pk: Id):
    return core_users.token_get(viewer=request.user, pk=pk)


@router.post("/tokens/{pk}/revoke", response=TokenOut)
def token_revoke(request, pk: Id, body: TokenRevokeIn):
    """Revoke a token (yours, or as an administrator one of a user you manage); it stops working at once."""
    token = core_users.token_get(viewer=request.user, pk=pk)
    return services.token_revoke(token=token, actor=request.user, reason=body.reason, ip=client_ip(request))
