"""What `soko ingest` stores per group of files, so that it redoes only what changed.

A group — the registry with the context, and each procedure's files — is reused when its
files (names and bytes), the code that ingests it (the import closure of the ingest and of
the procedure's package), the configuration, the contracts (``expectations/``) and the
locked dependencies are unchanged, and for a procedure the registry too (its rows are
checked against it). A reused group's canonical tables are the stored bytes and its
reports the stored reports (their problems included, so a bad file is still reported).

Why the group and not the file: every ingester combines the files of one work (region,
municipality and school exports overlap) and checks them in one contract pass, so a row's
verdict depends on the other files of its work (identical copies are accepted once, rows
with one key and different content are rejected in both files). Caching a file's verdict
alone would change what the report says.

Stored under ``data/processed/cache/ingest/<group>/``: ``meta.json`` (key, rows per
table), the group's tables as parquet, ``reports.json``. The run as a whole is
:mod:`soko.pipeline.ingest_state`.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soko.file_report import DuplicateNotice, FileReport
from soko.pipeline.ingest_state import FORMAT, Digests, cache_dir, write_json
from soko.readers.problems import Problem
from soko.readers.sheets import Sheet

SHEETS_DIR = "sheets"
META_FILE = "meta.json"
REPORTS_FILE = "reports.json"


# --- reports to JSON and back --------------------------------------------------------------


def report_from_dict(data: dict[str, Any]) -> FileReport:
    """A :class:`FileReport` from its ``as_dict`` form (derived counts are recomputed)."""
    return FileReport(
        file=str(data["file"]),
        kind=str(data["kind"]),
        rows_read=int(data["rows_read"]),
        rows_accepted=int(data["rows_accepted"]),
        problems=[Problem(**p) for p in data["problems"]],
        duplicates=[DuplicateNotice(**d) for d in data["duplicates"]],
    )


# --- groups ---------------------------------------------------------------------------------


@dataclass
class GroupHit:
    """A reused group: its reports and, per canonical table, the stored file and rows."""

    reports: list[FileReport]
    tables: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


class GroupCache:
    """One stored result per group (the latest), looked up by the group's key."""

    def __init__(self, processed: Path, force: bool = False) -> None:
        self.folder = cache_dir(processed)
        self.force = force

    def _dir(self, group: str) -> Path:
        return self.folder / group.replace("/", "_")

    def get(self, group: str, key: str) -> GroupHit | None:
        if self.force:
            return None
        where = self._dir(group)
        try:
            meta = json.loads((where / META_FILE).read_text(encoding="utf-8"))
            reports = json.loads((where / REPORTS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if meta.get("key") != key or meta.get("format") != FORMAT:
            return None
        tables = {name: where / f"{name}.parquet" for name in meta["rows"]}
        if any(not p.is_file() for p in tables.values()):
            return None
        return GroupHit(
            [report_from_dict(r) for r in reports],
            tables,
            {k: int(v) for k, v in meta["rows"].items()},
            dict(meta.get("extra", {})),
        )

    def put(
        self,
        group: str,
        key: str,
        reports: list[FileReport],
        tables: dict[str, Path],
        rows: dict[str, int],
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Store a group's result: copies of its canonical tables (``tables``: name -> the
        file just written), its reports; ``meta.json`` last, so a half-stored entry is never
        taken for a whole one."""
        where = self._dir(group)
        (where / META_FILE).unlink(missing_ok=True)
        where.mkdir(parents=True, exist_ok=True)
        for old in where.glob("*.parquet"):
            old.unlink()
        for name, path in tables.items():
            shutil.copyfile(path, where / f"{name}.parquet")
        write_json(where / REPORTS_FILE, [r.as_dict() for r in reports])
        meta = {"format": FORMAT, "key": key, "rows": rows, "extra": extra or {}}
        write_json(where / META_FILE, meta)


def place_table(stored: Path, target: Path, digests: Digests) -> bool:
    """Put a stored table at ``target`` unless it already holds the same bytes (left
    untouched then, mtime included); whether it was written."""
    if target.is_file() and digests.cache.file(target) == digests.cache.file(stored):
        return False
    tmp = target.with_name(target.name + ".part")
    shutil.copyfile(stored, tmp)
    tmp.replace(target)
    return True


class SheetFiles:
    """Every raw table file's sheets as read (text cells), one pickle per file, by the
    digest of its bytes and name (``soko.readers.sheets.reading_through``).

    Why: a group reruns whole when one of its files changes (see the module's docstring),
    but only the changed file needs reading: a workbook's parse is most of an ingest's
    time, a pickle of its cells loads several times faster. Pickle because the cells are
    plain lists of strings written and read by this program only, in this folder."""

    def __init__(self, processed: Path, force: bool = False) -> None:
        self.folder = cache_dir(processed) / SHEETS_DIR
        self.force = force
        self.read = 0  # files parsed in this run (the rest came from the store)

    def get(self, key: str) -> list[Sheet] | None:
        if self.force:
            return None
        try:
            with open(self.folder / f"{key}.pickle", "rb") as fh:
                sheets = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            return None
        return sheets if isinstance(sheets, list) else None

    def put(self, key: str, sheets: list[Sheet]) -> None:
        self.read += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            pickle.dump(sheets, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.folder / f"{key}.pickle")

    def prune(self, keep: set[str]) -> None:
        """Drop the sheets of files whose content is no longer among the raw files."""
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*.pickle"):
            if path.name.split(".", 1)[0] not in keep:
                path.unlink(missing_ok=True)
