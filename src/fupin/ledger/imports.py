"""Purchase files: reading CSV/.xlsx rows in the pipeline's column order, and keeping rejected rows as a file to
fix and re-import (core's rejected-rows file: same format as the upload, with `line` and `reason` columns).

Reading uses `fupin.core.tabular.TableReader` (encoding detection, English or Chinese headers, file-level
errors). For CSV the rows are taken straight from the csv module in column order (no per-cell conversion), which
keeps the reader at the speed of the csv module; spreadsheets go through the reader's cell conversion.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from django.conf import settings

from fupin.core.imports import RejectedFile
from fupin.core.tabular import CSV_EXTS, TableReader

from .pipeline import COLUMNS, NAMES


def storage_dir(kind: str) -> Path:
    path = Path(settings.DATA_DIR) / "files" / "ledger" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


class PurchaseTable(TableReader):
    """A TableReader that yields `(line, cells)` with cells in `COLUMNS` order (missing columns are '')."""

    def __init__(self, path: str | Path, *, file_name: str | None = None) -> None:
        super().__init__(path, columns=COLUMNS, file_name=file_name)
        self.avg_row_bytes = 0.0

    def records(self) -> Iterator[tuple[int, list[str]]]:
        if self.ext not in CSV_EXTS:
            for row in self:
                yield row.line, [row.values.get(n, "") for n in NAMES]
            return
        positions = [-1] * len(NAMES)
        for index, name in self._mapping.items():
            positions[NAMES.index(name)] = index
        width = max(positions) + 1
        take = operator.itemgetter(*positions)
        sample_bytes = 0
        n = 0
        for line, record in self._rows:
            if not any(record):
                continue
            if len(record) < width:
                record = [*record, *([""] * (width - len(record)))]
            cast("list[Any]", record).append("")  # csv rows are lists; position -1: the value of every column the file does not have
            cells = list(take(record))
            if n < 1000:
                n += 1
                sample_bytes += sum(map(len, record)) + len(record)
                self.avg_row_bytes = sample_bytes / n
            yield line, cells


class RejectedRows(RejectedFile):
    """Core's rejected-rows file (streamed as the rows come), kept in the ledger's files folder as `import-<job>.csv`
    (`.xlsx` for a spreadsheet upload, `fmt` being the upload's extension); `finish()` returns its path, '' when
    nothing was rejected."""

    def __init__(self, *, job_id: int | None, fmt: str) -> None:
        name = f"import-{job_id}" if job_id else f"rows-{uuid.uuid4().hex}"
        super().__init__(columns=NAMES, file_name=f"upload.{fmt}", path=storage_dir("rejected") / f"{name}.csv")

    def finish(self) -> str:  # type: ignore[override]  # the ledger stores the path as text ("" for none)
        path = super().finish()
        return str(path) if path is not None else ""
