"""Process set-up for benchmark workers: Django on a throwaway database chosen by the environment."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    os.environ.setdefault("FUPIN_ALLOW_DEV_KEY", "1")
    import django

    django.setup()


@contextmanager
def throwaway(name: str, *, engine: str | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """One benchmark process's world: a temporary data folder (SQLite lives there), Django set up on the database
    `engine` names (`sqlite`; `postgresql`: DATABASE_URL or a throwaway cluster, see `pg.database`; None: whatever
    the environment says), yielding the engine's vendor name; the connection is closed and the folder removed
    afterwards."""
    work = Path(tempfile.mkdtemp(prefix=f"fupin-bench-{name}."))
    os.environ.update({"FUPIN_ALLOW_DEV_KEY": "1", "FUPIN_DATA_DIR": str(work),
                       "DJANGO_SETTINGS_MODULE": "fupin.settings", **(env or {})})
    os.environ.pop("FUPIN_DEBUG", None)
    if str(ROOT / "src") not in sys.path:
        sys.path.insert(0, str(ROOT / "src"))
    from benchmarks import pg

    if engine == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    try:
        with (pg.database(engine) if engine else nullcontext(None)) as url:
            if url:
                os.environ["DATABASE_URL"] = url
            django_setup()
            from django.db import connection

            try:
                yield connection.vendor
            finally:
                connection.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def result_of(stdout: str) -> dict[str, Any] | None:
    """The figures a benchmark step printed as its `RESULT {json}` line, if it printed one."""
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return None


def run_step(env: dict[str, str], module: str, *args: str) -> dict[str, Any]:
    """Run `python -m module args…` from the repository and return its RESULT; its output tail goes to stderr and
    RuntimeError is raised when it printed none."""
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    found = result_of(proc.stdout)
    if found is None:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise RuntimeError(f"{module} {args[0] if args else ''} failed (exit {proc.returncode})")
    return found


def write_result(out: Path, result: dict[str, Any]) -> None:
    """A benchmark's figures as JSON at `out` (its folder made), and where they went."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"figures in {out}")


def print_generation(engine: str, result: dict[str, Any]) -> None:
    """The line that says how the generated ledger of `stats.prepare` was made."""
    gen = result["generation"]
    print(f"[{engine}] registry built in {result['world_s']:.1f} s; generated {gen['entries']:,} entries in "
          f"{gen['generate_s']:.1f} s (indexes {gen['indexes_s']:.1f} s, rollups {gen['rollups_s']:.1f} s)",
          flush=True)


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timer() -> Any:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def p95(samples: list[float]) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


ENTRY_TABLE = "ledger_purchaseentry"


class Watch:
    """Counts the SQL statements run while it is active, and those that read the entry table."""

    def __init__(self) -> None:
        self.statements = 0
        self.entry_reads = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements += 1
        if ENTRY_TABLE in sql:
            self.entry_reads += 1
        return execute(sql, params, many, context)


def time_page(client: Any, path: str, runs: int) -> dict[str, Any]:
    """GET `path` once to warm up, then `runs` times, timed and watched: p95, median, statements a run and those on
    the entry table. RuntimeError when an answer is not 200."""
    if client.get(path).status_code != 200:  # warm-up (templates, translations)
        raise RuntimeError(f"{path} did not answer 200")
    samples: list[float] = []
    with watched() as w:
        for _ in range(max(1, runs)):
            t = time.perf_counter()
            r = client.get(path)
            samples.append((time.perf_counter() - t) * 1000)
            if r.status_code != 200:
                raise RuntimeError(f"{path} answered {r.status_code}")
    return {"p95_ms": p95(samples), "median_ms": sorted(samples)[len(samples) // 2], "runs": len(samples),
            "statements_per_run": w.statements // len(samples), "entry_table_reads": w.entry_reads}


@contextmanager
def watched() -> Any:
    from django.db import connection

    w = Watch()
    with connection.execute_wrapper(w):
        yield w
