"""The rejected-rows file of an import: the import's own columns with each rejected row's cells, then `line` and
`reason` (each error as “column: message”), in the upload's format (.xlsx for a spreadsheet, CSV otherwise), to
fix and import again. Cells are neutralised against formula injection like every export (`tabular.neutralise`)."""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage

from ..tabular import SPREADSHEET_EXTS, neutralise

ERROR_COLUMNS = ("line", "reason")


def rejected_format(file_name: str) -> str:
    """'xlsx' for a spreadsheet upload (whatever its kind: .xlsx, .xls, .ods), else 'csv'."""
    return "xlsx" if Path(file_name).suffix.lower() in SPREADSHEET_EXTS else "csv"


class RejectedFile:
    """Rows are written to a CSV file as they come (memory stays flat however many rows are rejected); `finish()`
    converts it to .xlsx where the upload was a spreadsheet and returns its path. Call it with
    `(line, cells, reason)`: it is an `ImportReport` sink. `path` is where the CSV goes (a temporary file if not
    given); `store()` keeps a finished file in the default storage instead."""

    def __init__(self, *, columns: Sequence[str], file_name: str, path: str | Path | None = None) -> None:
        self.columns = list(columns)
        self.fmt = rejected_format(file_name)
        self.csv_path: Path | None = Path(path) if path is not None else None
        self.count = 0
        self._fh: IO[str] | None = None
        self._writer: Any = None

    def __call__(self, line: int, values: dict[str, str], reason: str) -> None:
        if self._fh is None:
            if self.csv_path is None:
                fd, name = tempfile.mkstemp(suffix=".csv", prefix="fupin-rejected-")
                os.close(fd)
                self.csv_path = Path(name)
            self._fh = open(self.csv_path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed in finish()
            self._writer = csv.writer(self._fh)
            self._writer.writerow([*self.columns, *ERROR_COLUMNS])
        cells = [neutralise(values.get(n, "")) for n in self.columns] + [line, neutralise(reason)]
        self._writer.writerow(cells)
        self.count += 1

    def finish(self) -> Path | None:
        """The path of the finished file (None when nothing was rejected)."""
        if self._fh is None or self.csv_path is None:
            return None
        self._fh.close()
        self._fh = None
        if self.fmt == "csv":
            return self.csv_path
        from openpyxl import Workbook

        xlsx_path = self.csv_path.with_suffix(".xlsx")
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title="rejected")
        line_at = len(self.columns)
        with open(self.csv_path, encoding="utf-8-sig", newline="") as fh:
            for i, record in enumerate(csv.reader(fh)):
                if i and record[line_at].isdigit():
                    record[line_at] = int(record[line_at])  # type: ignore[call-overload]  # the line number as a number
                ws.append(record)
        wb.save(xlsx_path)
        self.csv_path.unlink()
        return xlsx_path

    def store(self, *, kind: str) -> str:
        """Finish and keep the file in the default storage; returns its name ('' when nothing was rejected).
        The name follows the rows (same rejects, same file: a dry run and the import after it name one file)."""
        if self._fh is None or self.csv_path is None:
            return ""
        self._fh.close()
        with open(self.csv_path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()[:24]
        path = self.finish()
        if path is None:
            return ""
        name = f"imports/rejected/{kind}-{digest}.{self.fmt}"
        try:
            if not default_storage.exists(name):
                with open(path, "rb") as fh:
                    name = default_storage.save(name, File(fh))
        finally:
            path.unlink(missing_ok=True)
        return name


def rejected_file_content(*, name: str) -> bytes:
    """The bytes of a stored rejected-rows file (OSError when it is no longer kept)."""
    with default_storage.open(name, "rb") as fh:
        return fh.read()
