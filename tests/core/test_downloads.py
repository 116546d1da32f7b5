"""One helper answers every file download (API and portal): content type, nosniff, and a Content-Disposition
with an ASCII fallback and the exact name as RFC 5987 filename* (Chinese names arrive as they are)."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest

from fupin.core.downloads import attachment, content_disposition


def test_an_ascii_name_is_quoted_plainly():
    assert content_disposition("account-totals.csv") == 'attachment; filename="account-totals.csv"'


def test_a_chinese_name_gets_filename_star_and_an_ascii_fallback():
    header = content_disposition("天柱县-rejected.xlsx")
    fallback, star = header.split("; filename*=")
    assert fallback == 'attachment; filename="___-rejected.xlsx"'
    assert star.startswith("UTF-8''") and unquote(star[len("UTF-8''"):]) == "天柱县-rejected.xlsx"


@pytest.mark.parametrize("name", ['a"b.csv', "a\\b.csv", "a\r\nSet-Cookie: x.csv", "../../etc/passwd"])
def test_quotes_newlines_and_paths_cannot_break_the_header(name):
    header = content_disposition(name)
    assert "\r" not in header and "\n" not in header and "/" not in header
    assert header.count('"') == 2


def test_bytes_and_files_are_answered_the_same_way():
    r = attachment(b"x", filename="t.xlsx", fmt="xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats") and r["X-Content-Type-Options"] == "nosniff"
    f = attachment(io.BytesIO(b"a,b\n"), filename="导出.csv", fmt="csv")
    assert f["Content-Type"].startswith("text/csv") and "filename*=UTF-8''" in f["Content-Disposition"]
    assert b"".join(f.streaming_content) == b"a,b\n"
