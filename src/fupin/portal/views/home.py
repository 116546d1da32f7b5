from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.core.enums import Role, ScopeLevel
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
    role_labels = dict(Role.choices)
    if not user.scope_prefix:
        scope_label = _("the whole nation")
    else:
        level = dict(ScopeLevel.choices).get(user.scope_level, user.scope_level)
        region = registry.region_list(viewer=user).filter(code=user.scope_code).first()
        scope_label = f"{level} {region.name if region else ''} ({user.scope_code})"
    return render(request, "portal/home.html", {
        "cards": cards, "roles": [role_labels.get(r, r) for r in user.role_list], "scope_label": scope_label,
    })
