"""Period locks: the list, and lock / unlock for the users allowed to (audited by the services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.core.access import require_role
from fupin.core.enums import Role
from fupin.core.errors import Conflict, InvalidInput, TransitionNotAllowed
from fupin.ledger import selectors as ledger
from fupin.ledger import services
from fupin.ledger.enums import LockStatus

from ...forms.errors import form_error
from ...forms.ledger import LockForm, UnlockForm
from ..shared import list_context, paginate
from .common import choice_label


@login_required
def lock_list(request):
    require_role(request.user, *services.LOCK_ROLES, Role.AUDITOR, path=request.path)
    form = LockForm(request.POST or None)
    if request.method == "POST":
        require_role(request.user, *services.LOCK_ROLES, path=request.path)
        if form.is_valid():
            d = form.cleaned_data
            try:
                lock = services.period_lock(year=d["year"], month=d["month"], region_code=d["region_code"] or "",
                                            reason=d["reason"], actor=request.user)
            except (InvalidInput, Conflict, TransitionNotAllowed) as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("%(period)s is locked.") % {"period": f"{lock.year}-{lock.month:02d}"})
                return redirect("portal:ledger_locks")
    page = paginate(request, ledger.period_locks(viewer=request.user))
    rows = [{"lock": lk, "status_label": choice_label(LockStatus, lk.status)} for lk in page.object_list]
    return render(request, "portal/ledger/locks.html", list_context(
        request, page, form=form, rows=rows, unlock_form=UnlockForm(),
        can_lock=request.user.has_role(*services.LOCK_ROLES), can_unlock=request.user.has_role(Role.ADMINISTRATOR),
    ), status=422 if request.method == "POST" else 200)


@login_required
@require_POST
def lock_unlock(request, pk: int):
    require_role(request.user, Role.ADMINISTRATOR, path=request.path)
    lock = services.period_lock_get(pk=pk)
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unlocking needs a reason."))
        return redirect("portal:ledger_locks")
    try:
        services.period_unlock(lock=lock, reason=form.cleaned_data["reason"], actor=request.user)
    except (InvalidInput, Conflict, TransitionNotAllowed) as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(period)s is unlocked.") % {"period": f"{lock.year}-{lock.month:02d}"})
    return redirect("portal:ledger_locks")
