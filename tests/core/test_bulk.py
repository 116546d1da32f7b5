"""core.bulk.update_rows: the named fields of many saved objects in plain UPDATEs, the others untouched."""

import datetime as dt

import pytest
from django.utils import timezone

from fupin.core.bulk import update_rows
from fupin.core.models import ImportRun, User

pytestmark = pytest.mark.django_db


def _run(n: int, actor: User | None = None) -> ImportRun:
    return ImportRun.objects.create(kind="bulk-test", file_name=f"f{n}.csv", file_sha256=f"{n:064d}", actor=actor,
                                    report={"n": n})


def test_updates_json_datetime_foreign_key_and_integers_and_leaves_the_rest():
    clerk = User.objects.create_user(username="bulk-clerk", password="x-pass-12345")
    runs = [_run(i) for i in range(5)]
    untouched = _run(99)
    finished = timezone.now().replace(microsecond=0) - dt.timedelta(days=1)
    for i, r in enumerate(runs):
        r.report = {"n": i, "rows": [{"line": i, "reason": "原因"}], "ok": i % 2 == 0}
        r.finished_at = finished
        r.accepted = i * 10
        r.actor = clerk
        r.file_name = "changed-but-not-named.csv"
    update_rows(runs, ["report", "finished_at", "accepted", "actor"], batch=2)  # batches of 2: three statements
    for i, stored in enumerate(ImportRun.objects.filter(pk__in=[r.pk for r in runs]).order_by("pk")):
        assert stored.report == {"n": i, "rows": [{"line": i, "reason": "原因"}], "ok": i % 2 == 0}
        assert stored.finished_at == finished
        assert stored.accepted == i * 10
        assert stored.actor_id == clerk.pk
        assert stored.file_name == f"f{i}.csv"  # a field not named is not written
    untouched.refresh_from_db()
    assert (untouched.report, untouched.finished_at, untouched.accepted) == ({"n": 99}, None, 0)


def test_null_values_and_nothing_to_do():
    r = _run(1, actor=User.objects.create_user(username="bulk-clerk-2", password="x-pass-12345"))
    r.actor = None
    r.finished_at = None
    update_rows([r], ["actor", "finished_at"])
    r.refresh_from_db()
    assert r.actor_id is None and r.finished_at is None
    update_rows([], ["report"])  # no objects: no statement, no error
