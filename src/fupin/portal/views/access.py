"""API tokens and users (issue #15 item 5).

- "API tokens" (from the user's menu): the signed-in user's tokens — prefix, name, scopes, created, last used,
  expires, revoked — a form that creates one and shows its secret once, and a revoke button on each. An
  administrator also sees, and revokes, the tokens of the users it manages (`?everyone=1`).
- "Users" (administrators): the users it manages (a province's administrator: those of its province), a form that
  creates one, and a page per user to set its roles, scope and activity and to reset its password.

Views stay thin: the rules are the core's (`fupin.core.services`, `fupin.core.users`, `fupin.core.selectors`);
every change is audited there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from fupin.core import selectors, services, tokens
from fupin.core import users as core_users
from fupin.core.enums import Role
from fupin.core.errors import FupinError

from ..forms.errors import form_error
from .shared import list_context, paginate

EXPIRY_DAYS = (7, 30, 90, 180, 365)


def _scope_choices() -> list[tuple[str, str]]:
    out = [("*:read", _("Read everything I may read")), ("*:write", _("Everything I may do"))]
    for app in tokens.APPS:
        out += [(f"{app}:read", f"{app}:read"), (f"{app}:write", f"{app}:write")]
    return out


class TokenForm(forms.Form):
    name = forms.CharField(label=_l("Name"), max_length=100, required=False,
                           help_text=_l("What the token is for, e.g. the nightly export"))
    scopes = forms.MultipleChoiceField(label=_l("Scopes"), choices=_scope_choices, initial=["*:read"],
                                       widget=forms.CheckboxSelectMultiple,
                                       help_text=_l("read lets it read an app, write also change it"))
    days = forms.TypedChoiceField(label=_l("Expires after"), coerce=int, initial=90,
                                  choices=[(d, _l("%(n)s days") % {"n": d}) for d in EXPIRY_DAYS])


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@login_required
def token_list(request):
    """The user's tokens (an administrator's: `?everyone=1`, those of the users it manages) and the creation form;
    after a creation the page shows the new secret once."""
    everyone = request.GET.get("everyone") == "1" and request.user.has_role(Role.ADMINISTRATOR)
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            secret = services.token_create(user=request.user, name=d["name"], scopes=d["scopes"],
                                           expires_at=timezone.now() + dt.timedelta(days=d["days"]),
                                           actor=request.user, ip=_ip(request))
        except FupinError as exc:
            form_error(form, exc, default="scopes")
        else:
            form = TokenForm()
    qs = core_users.token_list(viewer=request.user, everyone=everyone)
    page = paginate(request, qs)
    return render(request, "portal/access/tokens.html",
                  list_context(request, page, form=form, secret=secret, everyone=everyone,
                               may_see_everyone=request.user.has_role(Role.ADMINISTRATOR), now=timezone.now()),
                  status=422 if request.method == "POST" and secret is None else 200)


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = core_users.token_get(viewer=request.user, pk=pk)
    services.token_revoke(token=token, actor=request.user, reason=request.POST.get("reason", "")[:2000],
                          ip=_ip(request))
    messages.success(request, _("The token %(prefix)s… is revoked; it no longer works.") % {"prefix": token.prefix})
    back = "?everyone=1" if request.POST.get("everyone") == "1" else ""
    return redirect(reverse("portal:access_tokens") + back)


# -- users ----------------------------------------------------------------------------------------------------------
ROLE_CHOICES = [(r.value, r.label) for r in Role]


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_l("User name"), max_length=150)
    email = forms.EmailField(label=_l("E-mail"), required=False)
    roles = forms.MultipleChoiceField(label=_l("Roles"), choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple)
    scope = forms.CharField(label=_l("Scope (region code)"), max_length=12, required=False,
                            help_text=_l("450103 a county, 4501 a prefecture, 45 a province; empty for the nation"))
    organisation = forms.CharField(label=_l("Organisation (credit code or id)"), max_length=18, required=False)
    password = forms.CharField(label=_l("Initial password"), required=False, widget=forms.PasswordInput,
                               help_text=_l("Empty: the user cannot sign in until a password is set"))


class UserChangeForm(forms.Form):
    roles = forms.MultipleChoiceField(label=_l("Roles"), choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple)
    scope = forms.CharField(label=_l("Scope (region code)"), max_length=12, required=False)
    is_active = forms.BooleanField(label=_l("Active"), required=False)
    reason = forms.CharField(label=_l("Reason"), max_length=2000, required=False)


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_l("Temporary password"), required=False, widget=forms.PasswordInput,
                               help_text=_l("Empty: no password until one is set"))
    reason = forms.CharField(label=_l("Reason"), max_length=2000, required=False)


_FIELDS = {"username": "username", "roles": "roles", "scope": "scope", "organisation": "organisation",
           "password": "password", "email": "email"}


@login_required
def user_list(request):
    q = request.GET.get("q", "")[:100]
    qs = selectors.user_list(viewer=request.user, q=q)  # administrators only (403 page otherwise)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.user_create(username=d["username"], password=d["password"] or None,
                                        organisation=d["organisation"] or None, roles=d["roles"],
                                        scope_code=d["scope"], email=d["email"], actor=request.user)
        except FupinError as exc:
            form_error(form, exc, fields=_FIELDS, default=None)
        else:
            messages.success(request, _("The user %(name)s is created.") % {"name": user.username})
            return redirect("portal:access_user", user.pk)
    page = paginate(request, qs)
    return render(request, "portal/access/users.html", list_context(request, page, form=form, q=q),
                  status=422 if request.method == "POST" else 200)


@login_required
def user_detail(request, pk: int):
    user = selectors.user_get(viewer=request.user, pk=pk)
    initial: dict[str, Any] = {"roles": user.role_list, "scope": user.scope_code, "is_active": user.is_active}
    change = UserChangeForm(request.POST if request.POST.get("action") == "change" else None, initial=initial)
    reset = PasswordResetForm(request.POST if request.POST.get("action") == "reset" else None)
    if request.method == "POST":
        try:
            if change.is_bound and change.is_valid():
                d = change.cleaned_data
                services.user_roles_set(user=user, actor=request.user, roles=d["roles"], scope_code=d["scope"],
                                        is_active=d["is_active"], reason=d["reason"])
                messages.success(request, _("The user's access is changed."))
                return redirect("portal:access_user", user.pk)
            if reset.is_bound and reset.is_valid():
                d = reset.cleaned_data
                services.user_password_reset(user=user, actor=request.user, password=d["password"] or None,
                                             reason=d["reason"])
                messages.success(request, _("The password is reset; the user's API tokens are revoked."))
                return redirect("portal:access_user", user.pk)
        except FupinError as exc:
            form_error(change if change.is_bound else reset, exc, fields=_FIELDS, default=None)
    tokens_page = core_users.token_list(viewer=request.user, user_id=user.pk)[:50]
    return render(request, "portal/access/user_detail.html",
                  {"target": user, "change": change, "reset": reset, "tokens": tokens_page},
                  status=422 if request.method == "POST" else 200)
