"""A throwaway PostgreSQL 15 cluster for the benchmarks (like .ci/run), when DATABASE_URL is not set."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

PGBIN = "/usr/lib/postgresql/15/bin"
PORT = int(os.environ.get("BENCH_PGPORT", "55439"))
# Bulk-load settings of the throwaway cluster (the same for the raw baseline and the full path).
SETTINGS = ["fsync=off", "synchronous_commit=off", "full_page_writes=off", "shared_buffers=512MB",
            "max_wal_size=8GB", "maintenance_work_mem=512MB", "work_mem=64MB"]


def _as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@dataclass(frozen=True)
class Cluster:
    url: str
    data: str
    log: str
    options: str

    def restart(self) -> None:
        """Restart the server the way an operator or a crash-restart would: fast shutdown (every session is
        terminated, open transactions are rolled back), then start again."""
        subprocess.run(_as_postgres(f"{PGBIN}/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-m", "fast",
                                    "-o", self.options, "restart"), check=True, stdout=subprocess.DEVNULL)


@contextmanager
def managed_cluster(port: int = PORT) -> Iterator[Cluster]:
    """Start a cluster on 127.0.0.1:`port`, yield it, and always stop and remove it."""
    if not os.path.exists(f"{PGBIN}/initdb"):
        raise RuntimeError("PostgreSQL 15 is not installed (apt-get install -y postgresql-15)")
    base = tempfile.mkdtemp(prefix="fupin-bench-pg.")
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    data, log = os.path.join(base, "data"), os.path.join(base, "log")
    opts = " ".join([f"-c listen_addresses=127.0.0.1 -p {port} -k {base}", *[f"-c {s}" for s in SETTINGS]])
    try:
        subprocess.run(_as_postgres(f"{PGBIN}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                    "--locale=C.UTF-8"), check=True, stdout=subprocess.DEVNULL)
        subprocess.run(_as_postgres(f"{PGBIN}/pg_ctl", "-D", data, "-l", log, "-w", "-o", opts, "start"),
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(_as_postgres(f"{PGBIN}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                                    "fupin_bench"), check=True)
        yield Cluster(f"postgres://postgres@127.0.0.1:{port}/fupin_bench", data, log, opts)
    finally:
        subprocess.run(_as_postgres(f"{PGBIN}/pg_ctl", "-D", data, "-m", "immediate", "stop"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster on 127.0.0.1:PORT, yield its DATABASE_URL, and always stop and remove it."""
    with managed_cluster() as c:
        yield c.url


def database(engine: str) -> AbstractContextManager[str | None]:
    """The database a benchmark runs on: None for SQLite (the Django default in FUPIN_DATA_DIR), DATABASE_URL when
    it names a PostgreSQL database, or else a throwaway cluster (`cluster()`)."""
    if engine == "sqlite":
        return nullcontext(None)
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return nullcontext(os.environ["DATABASE_URL"])
    return cluster()
