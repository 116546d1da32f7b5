import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_suite_runs_on_the_engine_ci_asked_for():
    """.ci/run sets FUPIN_EXPECT_DB for each pass, so a misconfigured DATABASE_URL cannot silently test SQLite twice."""
    expected = os.environ.get("FUPIN_EXPECT_DB", "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite")
    assert connection.vendor == expected


@pytest.mark.django_db
def test_engine_is_configured_as_documented():
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA busy_timeout")
            assert cur.fetchone()[0] == 10000
        else:
            cur.execute("SHOW server_version_num")
            assert int(cur.fetchone()[0]) >= 150000
