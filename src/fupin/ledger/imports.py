"""Purchase files: reading CSV/.xlsx rows in the pipeline's column order, and keeping rejected rows as a file to
fix and re-import (same format as the upload, with `line` and `reason` columns).

Reading uses `fupin.core.tabular.TableReader` (encoding detection, English or Chinese headers, file-level
errors). For CSV the rows are taken straight from the csv module in column order (no per-cell conversion), which
keeps the reader at the speed of the csv module; spreadsheets go through the reader's cell conversion.
"""

from __future__ import annotations

import csv
import operator
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from fupin.core.tabular import CSV_EXTS, TableReader, neutralise

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
            record.append("")  # position -1: the value of every column the file does not have
            cells = list(take(record))
            if n < 1000:
                n += 1
                sample_bytes += sum(map(len, record)) + len(record)
                self.avg_row_bytes = sample_bytes / n
            yield line, cells


class RejectedRows:
    """Streams rejected rows to a CSV file as they come; `finish()` converts it to the upload's format."""

    def __init__(self, *, job_id: int | None, fmt: str) -> None:
        self.fmt = "xlsx" if fmt in {"xlsx", "xlsm", "xls", "ods"} else "csv"
        name = f"import-{job_id}" if job_id else f"rows-{uuid.uuid4().hex}"
        self.csv_path = storage_dir("rejected") / f"{name}.csv"
        self._fh: Any = None
        self._writer: Any = None
        self.count = 0

    def __call__(self, line: int, values: dict[str, str], reason: str) -> None:
        if self._fh is None:
            self._fh = open(self.csv_path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed in finish()
            self._writer = csv.writer(self._fh)
            self._writer.writerow([*NAMES, "line", "reason"])
        self._writer.writerow([neutralise(values.get(n, "")) for n in NAMES]
                              + [line, neutralise(reason)])
        self.count += 1

    def finish(self) -> str:
        """The path of the rejected-rows file ('' when nothing was rejected)."""
        if self._fh is None:
            return ""
        self._fh.close()
        self._fh = None
        if self.fmt == "csv":
            return str(self.csv_path)
        from openpyxl import Workbook

        xlsx_path = self.csv_path.with_suffix(".xlsx")
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title="rejected")
        with open(self.csv_path, encoding="utf-8-sig", newline="") as fh:
            for record in csv.reader(fh):
                ws.append(record)
        wb.save(xlsx_path)
        os.unlink(self.csv_path)
        return str(xlsx_path)
