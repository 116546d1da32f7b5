from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.registry import selectors as registry


@login_required
def home(request):
    user = request.user
    cards = [
        {"label": _("national poverty counties"), "url": reverse("portal:region_list") + "?poverty_county=true&level=county",
         "count": registry.region_list(viewer=user, level="county", poverty_county=True).count()},
        {"label": _("organisations"), "url": reverse("portal:organisation_list"),
         "count": registry.organisation_list(viewer=user).count()},
        {"label": _("market entities"), "url": reverse("portal:entity_list"), "count": registry.entity_list(viewer=user).count()},
        {"label": _("households"), "url": reverse("portal:household_list"), "count": registry.household_list(viewer=user).count()},
    ]
    scope_label = _("the whole nation") if not user.scope_prefix else f"{user.get_scope_level_display()} {user.scope_code}"
    return render(request, "portal/home.html", {"cards": cards, "roles": user.role_list, "scope_label": scope_label})
