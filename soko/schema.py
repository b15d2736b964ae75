"""The core canonical tables (the school registry and context): columns and dtypes.

Every procedure declares its own tables (``Procedure.schemas``); :func:`typed` gives any of
them their dtypes. One definition, used by ingest to type what it writes and by anything
that needs the column list, so a column cannot be renamed in one place and forgotten in
another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

# A school as the registry describes it: today's ``schools`` and each of its periods alike.
SCHOOL_COLUMNS: dict[str, str] = {
    "school_code": "string",
    "school_name": "string",
    "municipality_code": "string",
    "municipality_name": "string",
    "kind": "string",
    "locality": "string",
}
SCHEMAS: dict[str, dict[str, str]] = {
    "schools": dict(SCHOOL_COLUMNS),
    # the registry with history: one row per school per period (years, NA = unbounded);
    # ``schools`` is its open-ended rows (soko.school_registry)
    "school_periods": {
        **SCHOOL_COLUMNS,
        "valid_from": "Int64",
        "valid_to": "Int64",
        "status": "string",
        "successor_code": "string",
    },
    "school_context": {
        "school_code": "string",
        "year": "int64",
        "n_students": "int64",
        "isbs": "float64",
    },
}

# The key each core table is unique on: the contract's uniqueness rule (expectations/
# registry.json, context.json) and every join on the table (the objectivity step joins the
# context on (school_code, year)) use these, and a test keeps them equal.
KEYS: dict[str, tuple[str, ...]] = {
    "schools": ("school_code",),
    # a school's period; the registry's files are combined on it as one text column
    # (``period_key`` = code + «Действует с», never missing: a registry without periods
    # is combined on the code alone)
    "school_periods": ("school_code", "valid_from"),
    "school_context": ("school_code", "year"),
}


def columns(table: str) -> list[str]:
    return list(SCHEMAS[table])


def typed(
    table: str, frames: list[pd.DataFrame], schema: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Concatenate parts of a canonical table and give it the canonical dtypes (also empty).

    ``schema`` is the table's column → dtype (a procedure's own); the core tables
    (``schools``, ``school_context``) are found by name."""
    schema = dict(schema if schema is not None else SCHEMAS[table])
    if frames:
        df = pd.concat(frames, ignore_index=True)[list(schema)]
    else:
        df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in schema.items()})
    for col, dtype in schema.items():
        if dtype == "Int64" and not isinstance(df[col].dtype, pd.Int64Dtype):
            df[col] = pd.to_numeric(df[col], errors="coerce")
    return df.astype(schema)


class TableParts(list):  # type: ignore[type-arg]
    """The parts of a canonical table as an ingest produces them, held compact.

    A procedure appends a frame per file or per work; held as they come (Python strings, a
    participant's school and task repeated on every task row) the parts of a region's task
    scores took gigabytes before anything was written. Each part is given its canonical
    dtypes on arrival and its repetitive text columns become categoricals (codes of one or
    two bytes instead of a string object per row); :class:`TableWriter` turns them back into
    the canonical dtypes when it writes, so the parquet files and their readers see no
    difference. A plain ``list`` (what tests and simple procedures pass) works the same.
    """

    def __init__(self, table: str, schema: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.table, self.schema = table, schema

    def append(self, frame: pd.DataFrame) -> None:
        super().append(compact(typed(self.table, [frame], self.schema)))

    def extend(self, frames: Iterable[pd.DataFrame]) -> None:
        for frame in frames:
            self.append(frame)


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose values repeat (at least two rows per distinct value) as categoricals,
    integer columns (year, grade, row numbers) in the smallest integer type that holds them."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.StringDtype) and len(s) and s.nunique() * 2 <= len(s):
            s = s.astype("category")
        elif s.dtype == "int64" and len(s):
            s = pd.to_numeric(s, downcast="integer")
        out[col] = s
    return pd.DataFrame(out, index=frame.index)


class TableWriter:
    """A canonical table written to parquet part by part (open, append frames, close).

    Why: ingest held every canonical table of every procedure whole and then wrote them, so
    its peak memory grew with the region. The writer types each part (:func:`typed`), gathers
    parts into row groups of about ``group_rows`` rows and writes each group as soon as it is
    full. The file's schema is that of the typed empty table, so an empty table is written
    too and every file reads back with the canonical dtypes. The same parts in the same order
    give the same bytes; the file appears under its name only when closed, so a failed
    ingest never leaves a half-written table.
    """

    def __init__(
        self,
        path: Path,
        table: str,
        schema: Mapping[str, str] | None = None,
        group_rows: int = 1_000_000,
    ) -> None:
        self.path, self.table, self.schema = path, table, schema
        self.group_rows = group_rows
        self.rows = 0
        self._arrow = pa.Schema.from_pandas(typed(table, [], schema), preserve_index=False)
        self._tmp = path.with_name(path.name + ".part")
        self._writer = pq.ParquetWriter(self._tmp, self._arrow)
        self._pending: list[pd.DataFrame] = []
        self._pending_rows = 0

    def append(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        self._pending.append(frame)
        self._pending_rows += len(frame)
        if self._pending_rows >= self.group_rows:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        part = typed(self.table, self._pending, self.schema)
        self._pending, self._pending_rows = [], 0
        self._writer.write_table(
            pa.Table.from_pandas(part, schema=self._arrow, preserve_index=False)
        )
        self.rows += len(part)

    def close(self) -> int:
        """Write what is pending, put the file in place; the number of rows written."""
        self._flush()
        if self.rows == 0:
            self._writer.write_table(self._arrow.empty_table())
        self._writer.close()
        self._tmp.replace(self.path)
        return self.rows

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self._writer.close()
            self._tmp.unlink(missing_ok=True)
