"""Backups of the whole platform: the database and the stored files, with a manifest that proves a restore.

A backup is a folder:

| file | what |
|---|---|
| `database.sqlite3` | SQLite: a consistent copy taken with SQLite's online backup API while the platform runs |
| `database.pgdump` | PostgreSQL: `pg_dump --format=custom` (one consistent snapshot) |
| `files.tar.gz` | the stored files (uploads, rejected-rows files, photos: the `default` storage's folder) |
| `manifest.json` | engine, time, applied migrations, the row count of every table, the SHA-256 of each file |

`restore` checks every file against the manifest before touching anything, replaces the database (SQLite: the
backup API copies the pages into the live database; PostgreSQL: `pg_restore --clean --if-exists
--single-transaction`, so a failed restore leaves the database as it was) and the files, then counts the rows of
every table again: a restore whose counts differ from the manifest is reported as failed. The commands then run
the platform's own consistency checks (`ledger_check`, and `verify_integrity` for the hash chains and their
signed anchors; see `fupin.core.management.commands.restore`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import FupinError

MANIFEST = "manifest.json"
FILES = "files.tar.gz"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FORMAT = 1


class BackupError(FupinError):
    code = "backup_failed"
    status = 400


@dataclass
class Manifest:
    engine: str
    created_at: str
    format: int = FORMAT
    migrations: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(self.__dict__, indent=2, sort_keys=True, ensure_ascii=False))

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise BackupError(_("%(path)s is not a Fupin backup: it has no %(manifest)s")
                              % {"path": folder, "manifest": MANIFEST})
        try:
            data = json.loads(path.read_text())
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise BackupError(_("the manifest of %(path)s cannot be read: %(error)s")
                              % {"path": folder, "error": exc}) from None


@dataclass
class RestoreResult:
    manifest: Manifest
    counts: dict[str, int]

    @property
    def differences(self) -> dict[str, tuple[int, int]]:
        """Tables whose row count after the restore differs from the manifest: name -> (manifest, now)."""
        names = set(self.manifest.tables) | set(self.counts)
        return {n: (self.manifest.tables.get(n, 0), self.counts.get(n, 0)) for n in sorted(names)
                if self.manifest.tables.get(n, 0) != self.counts.get(n, 0)}


def engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def table_counts() -> dict[str, int]:
    """The row count of every table the platform's models (and Django's) own."""
    tables = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)
                     if m._meta.managed and not m._meta.proxy})
    existing = set(connection.introspection.table_names())
    out: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in tables:
            if table in existing:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - model tables
                out[table] = int(cursor.fetchone()[0])
    return out


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_root() -> Path:
    return Path(storages["default"].location)  # type: ignore[attr-defined]  # FileSystemStorage (settings)


def pg_binary(name: str) -> str:
    """`pg_dump` / `pg_restore`: FUPIN_PG_BIN, else the PATH, else Debian's folder for the newest installed major."""
    folder = settings.FUPIN_PG_BIN
    if folder:
        return str(Path(folder) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if not candidates:
        raise BackupError(_("%(name)s was not found: install PostgreSQL's client programs or set FUPIN_PG_BIN")
                          % {"name": name})
    return str(candidates[-1])


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--dbname", str(db["NAME"])]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603 - our own arguments
    if result.returncode != 0:
        raise BackupError(_("%(cmd)s failed: %(error)s") % {"cmd": Path(cmd[0]).name,
                                                            "error": result.stderr.strip()[-2000:]})


def backup(*, folder: Path) -> Manifest:
    """Write a backup of the database and the stored files into `folder` (created; it must not exist or be empty)."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(_("%(path)s exists and is not empty: choose a new folder") % {"path": folder})
    folder.mkdir(parents=True, exist_ok=True)
    kind = engine()
    dump = folder / DUMPS[kind]
    if kind == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(dump)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        args, env = _pg_args()
        _run([pg_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump), *args],
             env)
    root = _files_root()
    with tarfile.open(folder / FILES, "w:gz") as tar:
        if root.is_dir():
            tar.add(root, arcname="files")
    manifest = Manifest(engine=kind, created_at=timezone.now().isoformat(),
                        migrations=MigrationRecorder.Migration.objects.count(), tables=table_counts(),
                        files={p.name: sha256(p) for p in (dump, folder / FILES)})
    manifest.write(folder)
    return manifest


def _check_files(folder: Path, manifest: Manifest) -> None:
    if manifest.format != FORMAT:
        raise BackupError(_("backup format %(format)s is not supported") % {"format": manifest.format})
    if manifest.engine != engine():
        raise BackupError(_("this backup is of a %(backup)s database; the platform runs on %(now)s: move data between "
                            "engines with dumpdata/loaddata") % {"backup": manifest.engine, "now": engine()})
    for name in (DUMPS[manifest.engine], FILES):
        path = folder / name
        if not path.is_file():
            raise BackupError(_("%(name)s is missing from the backup") % {"name": name})
        if sha256(path) != manifest.files.get(name):
            raise BackupError(_("%(name)s does not match its checksum in the manifest: the backup is damaged")
                              % {"name": name})


def _restore_files(folder: Path) -> None:
    root = _files_root()
    with tempfile.TemporaryDirectory(dir=root.parent if root.parent.is_dir() else None) as tmp:
        with tarfile.open(folder / FILES, "r:gz") as tar:
            tar.extractall(tmp, filter="data")
        restored = Path(tmp) / "files"
        if root.exists():
            shutil.rmtree(root)
        if restored.is_dir():
            shutil.move(str(restored), str(root))
        else:
            root.mkdir(parents=True, exist_ok=True)


def restore(*, folder: Path) -> RestoreResult:
    """Replace the database and the stored files by the backup in `folder`, after checking it whole. Returns the
    manifest and the row counts after the restore (`RestoreResult.differences` must be empty)."""
    folder = Path(folder)
    manifest = Manifest.read(folder)
    _check_files(folder, manifest)
    dump = folder / DUMPS[manifest.engine]
    if manifest.engine == "sqlite":
        source = sqlite3.connect(dump)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        args, env = _pg_args()
        for conn in connections.all():
            conn.close()
        _run([pg_binary("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--no-owner",
              "--no-privileges", *args, str(dump)], env)
    _restore_files(folder)
    return RestoreResult(manifest=manifest, counts=table_counts())


def describe(manifest: Manifest) -> str:
    created = dt.datetime.fromisoformat(manifest.created_at)
    rows = sum(manifest.tables.values())
    return _("%(engine)s backup of %(created)s: %(tables)d tables, %(rows)d rows, %(migrations)d migrations") % {
        "engine": manifest.engine, "created": timezone.localtime(created).strftime("%Y-%m-%d %H:%M %Z"),
        "tables": len(manifest.tables), "rows": rows, "migrations": manifest.migrations}


__all__ = ["BackupError", "Manifest", "RestoreResult", "backup", "describe", "restore", "table_counts"]
