"""HTTP for the open data, shared by the API (`fupin.public.api`) and the download views of the portal: caching
validators (ETag, Last-Modified, 304) and the per-address rate limit (429).

- Every response carries a strong `ETag` (a hash of its body) and, when the ledger has entries, `Last-Modified`
  (the newest entry's booking time); `If-None-Match` naming the current ETag (or `*`) gets 304 Not Modified
  without a body; without `If-None-Match`, `If-Modified-Since` at or after Last-Modified does too.
- Requests are counted per client address (REMOTE_ADDR; a reverse proxy should set it) in fixed windows of
  `FUPIN_PUBLIC_RATE_WINDOW_SECONDS` seconds (default 60); more than `FUPIN_PUBLIC_RATE_LIMIT` requests in a
  window (default 300; 0 switches the limit off) get 429 with the API's error body
  `{"code": "rate_limited", "message", "details": {"limit", "window_seconds", "retry_after"}}` and `Retry-After`.
  The counters live in Django's cache (`default`): per process with the local-memory cache, shared with a shared
  cache backend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import gettext as _

from fupin.core.errors import FupinError

from . import selectors

CACHE_CONTROL = "public, max-age=300"
JSON_TYPE = "application/json; charset=utf-8"


class RateLimited(FupinError):
    code = "rate_limited"
    status = 429


def rate_limit() -> tuple[int, int]:
    """(requests allowed per window, window in seconds) from the settings."""
    return (int(getattr(settings, "FUPIN_PUBLIC_RATE_LIMIT", 300)),
            max(int(getattr(settings, "FUPIN_PUBLIC_RATE_WINDOW_SECONDS", 60)), 1))


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")[:64]


def rate_check(request: HttpRequest) -> None:
    """Count the request against its address; raise `RateLimited` when the window's limit is passed."""
    limit, window = rate_limit()
    if limit <= 0:
        return
    now = int(time.time())
    slot = now // window
    key = "fupin:public-rate:" + hashlib.sha256(client_address(request).encode()).hexdigest()[:24] + f":{slot}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        retry = (slot + 1) * window - now
        raise RateLimited(
            _("Too many requests: at most %(limit)s every %(window)s seconds from one address. Try again in "
              "%(retry)s seconds.") % {"limit": limit, "window": window, "retry": retry},
            details={"limit": limit, "window_seconds": window, "retry_after": retry})


def error_response(exc: FupinError) -> HttpResponse:
    """The API's error body for a refusal of the open data (the download views answer like the API)."""
    response = HttpResponse(json.dumps(exc.as_dict(), ensure_ascii=False, default=str), status=exc.status,
                            content_type=JSON_TYPE)
    if isinstance(exc, RateLimited) and isinstance(exc.details, dict):
        response["Retry-After"] = str(exc.details["retry_after"])
    return response


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _not_modified(request: HttpRequest, etag: str, last_modified: dt.datetime | None) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags
    ims = request.headers.get("If-Modified-Since")
    if ims and last_modified is not None:
        since = parse_http_date_safe(ims)
        return since is not None and int(last_modified.timestamp()) <= since
    return False


def conditional(request: HttpRequest, body: bytes, *, content_type: str, filename: str = "") -> HttpResponse:
    """A 200 with the body and its validators, or a 304 when the client's copy is current."""
    etag = etag_of(body)
    last_modified = selectors.last_changed()
    if _not_modified(request, etag, last_modified):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=content_type)
        if filename:
            response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = CACHE_CONTROL
    response["Access-Control-Allow-Origin"] = "*"
    return response


def serve(request: HttpRequest, make: Callable[[], tuple[bytes, str, str]]) -> HttpResponse:
    """Rate-check the request, build (body, content type, file name) and answer conditionally; a refusal (bad
    filter, unknown dataset, too many requests) as the API's error body with its status, never a 500."""
    try:
        rate_check(request)
        body, content_type, filename = make()
    except FupinError as exc:
        return error_response(exc)
    return conditional(request, body, content_type=content_type, filename=filename)


def query_filters(request: HttpRequest) -> dict[str, Any]:
    """The request's query parameters as filters (one value each), checked by `selectors.clean_filters`."""
    return selectors.clean_filters({k: request.GET.get(k) for k in request.GET})
