"""Signing in and out, and changing one's own password (required after an administrator's reset)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from fupin.core import services
from fupin.core.errors import FupinError

from ..forms.errors import form_error


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(label=_l("Current password"), widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}), strip=False, max_length=200)
    new_password = forms.CharField(label=_l("New password"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False, max_length=200)
    confirm_password = forms.CharField(label=_l("New password again"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False, max_length=200)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password") and data.get("confirm_password") not in (None, data["new_password"]):
            self.add_error("confirm_password", _("The two new passwords differ."))
        return data


@login_required
def password_change(request):
    """Change one's own password; after an administrator's reset every page leads here until it is done."""
    form = PasswordChangeForm(request.POST or None)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.user_password_change(user=request.user, current_password=d["current_password"],
                                                 new_password=d["new_password"])
        except FupinError as exc:
            form_error(form, exc, default="new_password")
        else:
            update_session_auth_hash(request, user)  # this session stays signed in; others end
            messages.success(request, _("Your password is changed."))
            return redirect(target or "portal:home")
    return render(request, "portal/access/password_change.html",
                  {"form": form, "next": target, "required": request.user.password_reset_required},
                  status=422 if request.method == "POST" else 200)
