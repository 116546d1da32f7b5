"""The report of an import: counts per action, warnings, and each rejected row with its line, column, code and
message (the row's own cells are kept for the rejected-rows file). Every import fills one, dry runs included."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..tabular import Row, RowError

# where a rejected row goes when it is not kept in memory: (line, cells, reason)
Sink = Callable[[int, dict[str, str], str], None]


def reason_text(errors: Sequence[RowError], headers: Mapping[str, str] | None = None) -> str:
    """The `reason` cell of a rejected row: each error as “column: message”, separated by “; ” (the column as the
    file's header names it, when `headers` maps it: a Chinese file reads its Chinese column names)."""
    names = headers or {}
    return "; ".join(f"{names.get(e.column) or e.column}: {e.message}" if e.column else e.message for e in errors)


@dataclass
class ImportReport:
    """What an import did. `rejected_rows` keeps each rejected row's original cells for the correction file, unless
    a `sink` takes them (an import of millions of rows streams them to the file instead); `keep_errors` bounds the
    errors kept (the count of rejected rows stays exact)."""

    kind: str
    file_name: str
    dry_run: bool = False
    total: int = 0
    accepted: int = 0
    unchanged: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected_rows: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    run_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    sink: Sink | None = field(default=None, repr=False)
    keep_errors: int | None = None
    rejected_count: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # column → its header in the file (`TableReader`)

    @property
    def rejected(self) -> int:
        return self.rejected_count

    def reject(self, row: Row, errors: Sequence[RowError]) -> None:
        self.rejected_count += 1
        if self.keep_errors is None or len(self.errors) < self.keep_errors:
            self.errors.extend(errors)
        reason = reason_text(errors, self.headers)
        if self.sink is not None:
            self.sink(row.line, row.values, reason)
        else:
            self.rejected_rows.append((row.line, dict(row.values), reason))

    def sort(self) -> None:
        """Errors and rejected rows in the file's order (rows rejected by a later step come back to their line)."""
        self.errors.sort(key=lambda e: e.line)
        self.rejected_rows.sort(key=lambda r: r[0])

    def as_dict(self, *, max_errors: int = 1000) -> dict[str, Any]:
        return {
            "kind": self.kind, "file_name": self.file_name, "dry_run": self.dry_run, "total": self.total,
            "accepted": self.accepted, "unchanged": self.unchanged, "duplicates": self.duplicates,
            "rejected": self.rejected, "warnings": list(self.warnings),
            "errors": [{**e.as_dict(), "header": self.headers.get(e.column) or e.column}
                       for e in self.errors[:max_errors]],
            "errors_truncated": len(self.errors) > max_errors, "run_id": self.run_id, **self.extra,
        }
