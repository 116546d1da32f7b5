from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .navigation import INBOX_URL_NAME, NAV


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_names": set()}
    items = []
    names = set()
    for item in NAV:
        if item.roles and not user.has_role(*item.roles):
            continue
        if item.shown is not None and not item.shown(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "section": item.section,
                      "active": request.path.startswith(url) and url != "/"})
        names.add(item.url_name)
    _count_inbox(user, items)
    return {"nav_items": items, "nav_names": names}


def _count_inbox(user: Any, items: list[dict[str, Any]]) -> None:
    """The inbox entry says how many items wait for the user (computed from the domain state each request)."""
    try:
        url = reverse(INBOX_URL_NAME)
    except NoReverseMatch:
        return
    entry = next((i for i in items if i["url"] == url), None)
    if entry is None:
        return
    from fupin.leadership import inbox

    counts = inbox.inbox_counts(viewer=user)
    entry["label"] = f"{entry['label']} ({counts['total']})" if counts["total"] else entry["label"]
    entry["count"] = counts["total"]
