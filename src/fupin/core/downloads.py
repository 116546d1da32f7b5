"""File downloads: the one way to answer with a file (API and portal alike).

`attachment(content, filename=..., fmt=...)` sets the content type of the format, `X-Content-Type-Options:
nosniff`, and a `Content-Disposition` that every browser reads: an ASCII `filename="..."` fallback (other characters
become `_`, quotes and backslashes are dropped) and, for any other name, the exact name as RFC 5987 `filename*`
(UTF-8, percent-encoded), so a Chinese file name such as 天柱县-rejected.xlsx arrives as it is. A file object is
streamed (`FileResponse`, closed by Django); bytes are sent as they are."""

from __future__ import annotations

import re
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse

from .tabular import CONTENT_TYPES

_UNSAFE_ASCII = re.compile(r'[^\x20-\x7e]|["\\]')


def content_disposition(filename: str) -> str:
    """`attachment; filename="…"[; filename*=UTF-8''…]` for any file name (no header injection: CR/LF removed)."""
    name = filename.replace("\r", "").replace("\n", "").replace("/", "_").strip() or "download"
    fallback = _UNSAFE_ASCII.sub("_", name)
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def attachment(content: bytes | IO[bytes], *, filename: str, fmt: str | None = None,
               content_type: str | None = None) -> HttpResponse:
    """A download response. `fmt` ('csv', 'xlsx') gives the content type unless `content_type` is given."""
    kind = content_type or CONTENT_TYPES.get(fmt or "", "application/octet-stream")
    response: Any
    if isinstance(content, (bytes, bytearray)):
        response = HttpResponse(content, content_type=kind)
    else:
        response = FileResponse(content, content_type=kind)
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
