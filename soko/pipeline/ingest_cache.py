"""What `soko ingest` remembers between runs, so that it redoes only what changed.

Two levels, both keyed on content (``soko.pipeline.fingerprint``), never on timestamps:

* **a group of files** — the registry with the context, and each procedure's files — is
  reused when its files (names and bytes), the code that ingests it, the configuration, the
  contracts (``expectations/``) and the locked dependencies are unchanged (for a procedure,
  the registry too: its rows are checked against it). The group is the unit because every
  ingester combines the files of one work and checks them in one contract pass: a row's
  fate depends on the other files of its work (identical copies, key conflicts), so a file
  cannot be accepted or rejected on its own without changing what the report says. A
  reused group's canonical tables are the stored bytes, its reports the stored reports.
* **the whole run** — when every raw file, the whole package's code, the configuration,
  the contracts and the lock are what they were, and the canonical tables still have the
  bytes written last time, nothing is recomputed: the last report is printed again (its
  errors too, with the same exit code), see :func:`previous_run`. This check imports
  nothing heavy, so a no-op `soko ingest` costs the digests of files whose size, mtime or
  inode changed, not the import of great-expectations.

Stored under ``data/processed/cache/ingest/``: ``<group>/`` (``meta.json``, the group's
tables as parquet, ``reports.json``), ``state.json`` (the last run), ``digests.json``.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soko.file_report import DuplicateNotice, FileReport
from soko.paths import config_dir, expectations_dir
from soko.pipeline.fingerprint import (
    DigestCache,
    digest_bytes,
    digest_json,
    module_files,
)
from soko.readers.problems import Problem

CACHE_DIR = ("cache", "ingest")
STATE_FILE = "state.json"
META_FILE = "meta.json"
REPORTS_FILE = "reports.json"
DIGESTS_FILE = "digests.json"
#: Bump when the layout of what is stored changes: older entries are then ignored.
FORMAT = 1
NO_CHANGES = "Изменений нет, таблицы не пересчитывались (повтор отчёта прошлого запуска)."


def cache_dir(processed: Path) -> Path:
    return Path(processed).joinpath(*CACHE_DIR)


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


# --- digests --------------------------------------------------------------------------------


class Digests:
    """File digests for one run, remembered by (size, mtime, inode) between runs."""

    def __init__(self, processed: Path) -> None:
        self.cache = DigestCache(cache_dir(processed) / DIGESTS_FILE)

    def files(self, paths: list[Path], root: Path) -> list[list[str]]:
        """[relative name, digest] of each file, in name order (missing ones as "-")."""
        out = []
        for path in sorted(paths):
            rel = Path(os.path.relpath(path, root)).as_posix()
            out.append([rel, self.cache.file(path) or "-"])
        return out

    def folder(self, folder: Path, pattern: str = "*") -> str:
        if not folder.is_dir():
            return "-"
        paths = [p for p in folder.rglob(pattern) if p.is_file()]
        return digest_json(self.files(paths, folder))

    def code(self, names: list[str] | None = None) -> str:
        """The sources of ``names`` (module names), or of the whole soko package."""
        modules = module_files()
        chosen = sorted(modules) if names is None else sorted(names)
        return digest_bytes(*(f"{n}:{self.cache.file(modules[n])}" for n in chosen))

    def save(self) -> None:
        self.cache.save()


def environment_digest(digests: Digests, root: Path) -> str:
    """What every group depends on beyond its files and code: the configuration, the
    contracts and the locked dependency set (by content)."""
    return digest_json(
        {
            "format": FORMAT,
            "config": digests.folder(config_dir(root), "*.yml"),
            "expectations": digests.folder(expectations_dir(root)),
            "lock": digests.files([root / "uv.lock", root / "pyproject.toml"], root),
        }
    )


def raw_files(raw: Path) -> list[Path]:
    """Every file under ``raw`` (the whole-run check sees added, removed and odd files)."""
    return sorted(p for p in raw.rglob("*") if p.is_file()) if raw.is_dir() else []


def run_key(digests: Digests, raw: Path, root: Path) -> str:
    """The whole run's key: every raw file, the whole package's code, the environment."""
    return digest_json(
        {
            "raw": digests.files(raw_files(raw), raw),
            "code": digests.code(),
            "environment": environment_digest(digests, root),
        }
    )


# --- the whole run --------------------------------------------------------------------------


@dataclass
class PreviousRun:
    """The last run's summary and outcome, when nothing it depended on has changed."""

    summary: str
    ok: bool


def previous_run(raw: Path, processed: Path, root: Path, extra: list[Path]) -> PreviousRun | None:
    """The last run, if its key still holds and its outputs (canonical tables, ``extra``
    such as the analytic base) are present with the bytes recorded then; else ``None``."""
    state_path = cache_dir(processed) / STATE_FILE
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        return None
    digests = Digests(processed)
    if state.get("key") != run_key(digests, raw, root):
        return None
    outputs = dict(state.get("outputs", {}))
    for name, digest in outputs.items():
        if digests.cache.file(processed / name) != digest:
            return None
    if any(not p.is_file() for p in extra):
        return None
    digests.save()
    return PreviousRun(str(state["summary"]), bool(state["ok"]))


def record_run(
    raw: Path, processed: Path, root: Path, outputs: list[str], summary: str, ok: bool
) -> None:
    """Remember this run: its key, the digests of its outputs (names under ``processed``),
    its summary and outcome."""
    digests = Digests(processed)
    state = {
        "format": FORMAT,
        "key": run_key(digests, raw, root),
        "outputs": {name: digests.cache.file(processed / name) for name in sorted(outputs)},
        "summary": summary,
        "ok": ok,
    }
    digests.save()
    _write_json(cache_dir(processed) / STATE_FILE, state)


def forget_run(processed: Path) -> None:
    """Drop the whole-run record (a run that failed half-way must not be replayed)."""
    (cache_dir(processed) / STATE_FILE).unlink(missing_ok=True)


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
        _write_json(where / REPORTS_FILE, [r.as_dict() for r in reports])
        meta = {"format": FORMAT, "key": key, "rows": rows, "extra": extra or {}}
        _write_json(where / META_FILE, meta)


def place_table(stored: Path, target: Path, digests: Digests) -> bool:
    """Put a stored table at ``target`` unless it already holds the same bytes (left
    untouched then, mtime included); whether it was written."""
    if target.is_file() and digests.cache.file(target) == digests.cache.file(stored):
        return False
    tmp = target.with_name(target.name + ".part")
    shutil.copyfile(stored, tmp)
    tmp.replace(target)
    return True


def _write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
