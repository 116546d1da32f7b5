from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .navigation import NAV


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for item in NAV:
        if item.roles and not user.has_role(*item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "section": item.section,
                      "active": request.path.startswith(url) and url != "/"})
    return {"nav_items": items}
