"""Backups (issue #15 item 7): `fupin backup` and `fupin restore` round-trip the demo world on the engine the tests
run on (SQLite's online backup API; PostgreSQL's pg_dump/pg_restore), the restore is proven by the row counts of
every table and `ledger_check`, and a damaged or foreign backup is refused before anything is replaced."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fupin.core import backup
from fupin.core.models import AuditEntry, SecurityEvent
from fupin.demo.steps import STEPS
from fupin.demo.world import World
from fupin.ledger.models import DuplicateReview, PurchaseEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def files(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}
    return storages["default"]


def _demo_world() -> None:
    world = World(seed=11, scale="small")
    for name, build in STEPS:
        build(world)
        if name == "ledger":
            break


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _delete_rows(table: str, where: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where}")  # noqa: S608 - the test's own statement


def test_backup_and_restore_round_trip_the_demo_world(files, tmp_path):
    _demo_world()
    files.save("imports/original.csv", ContentFile(b"source,external_id\n"))
    before = backup.table_counts()
    entries = PurchaseEntry.objects.count()
    assert entries > 1000 and before[PurchaseEntry._meta.db_table] == entries

    out = _run("backup", str(tmp_path / "b1"))
    assert f"{backup.engine()} backup of" in out
    manifest = json.loads((tmp_path / "b1" / "manifest.json").read_text())
    assert manifest["tables"][PurchaseEntry._meta.db_table] == entries
    assert set(manifest["files"]) == {backup.DUMPS[backup.engine()], backup.FILES}

    # disaster: the duplicate reviews, a third of the entries and the whole audit log gone, a file lost
    table = PurchaseEntry._meta.db_table
    _delete_rows(DuplicateReview._meta.db_table, "1 = 1")
    _delete_rows(table, f"id % 3 = 0 AND reverses_id IS NULL AND id NOT IN "
                        f"(SELECT reverses_id FROM {table} WHERE reverses_id IS NOT NULL)")
    _delete_rows(AuditEntry._meta.db_table, "1 = 1")
    files.delete("imports/original.csv")
    assert PurchaseEntry.objects.count() < entries and not AuditEntry.objects.exists()

    out = _run("restore", str(tmp_path / "b1"), "--yes")
    assert "as in the manifest" in out and "The rollups agree with the entries." in out and "restored" in out
    after = backup.table_counts()
    restore_events = SecurityEvent.objects.filter(kind="restore").count()
    assert restore_events == 1
    assert {t: n for t, n in after.items() if t != SecurityEvent._meta.db_table} == {
        t: n for t, n in before.items() if t != SecurityEvent._meta.db_table}
    assert PurchaseEntry.objects.count() == entries
    assert files.open("imports/original.csv").read() == b"source,external_id\n"


def test_a_damaged_backup_is_refused_and_nothing_is_replaced(files, tmp_path):
    _run("backup", str(tmp_path / "b"))
    SecurityEvent.objects.create(kind="login", username="after-the-backup")
    dump = tmp_path / "b" / backup.DUMPS[backup.engine()]
    dump.write_bytes(dump.read_bytes() + b"tampered")
    with pytest.raises(CommandError, match="checksum"):
        _run("restore", str(tmp_path / "b"), "--yes")
    assert SecurityEvent.objects.filter(username="after-the-backup").exists()


def test_restore_wants_a_backup_and_a_confirmation(files, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="not a Fupin backup"):
        _run("restore", str(tmp_path / "empty"), "--yes")
    _run("backup", str(tmp_path / "b"))
    with pytest.raises(CommandError, match="--yes"):
        _run("restore", str(tmp_path / "b"))
    with pytest.raises(CommandError, match="not empty"):
        _run("backup", str(tmp_path / "b"))
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    manifest["engine"] = "postgresql" if backup.engine() == "sqlite" else "sqlite"
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="engines"):
        _run("restore", str(tmp_path / "b"), "--yes")


def test_a_restore_whose_counts_differ_from_the_manifest_fails(files, tmp_path):
    SecurityEvent.objects.create(kind="login", username="counted")
    _run("backup", str(tmp_path / "b"))
    path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["tables"][SecurityEvent._meta.db_table] += 5
    path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="differ from the backup's manifest"):
        _run("restore", str(tmp_path / "b"), "--yes")
