"""What `soko ingest` remembers of its last run as a whole, checked before anything heavy
is imported.

When every raw file, the whole package's code, the configuration, the contracts
(``expectations/``) and the locked dependencies are what they were at the last run, and the
outputs of that run still have the bytes written then, nothing is recomputed: the last
report is printed again (its errors too, with the same exit code). This module imports only
the standard library and :mod:`soko.pipeline.fingerprint`, so that check costs the digests
of files whose size, mtime or inode changed (``DigestCache``), not the import of pandas or
great-expectations. The groups' stored results are :mod:`soko.pipeline.ingest_cache`.

Stored under ``data/processed/cache/ingest/``: ``state.json`` (the last run),
``digests.json`` (remembered file digests).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from soko.paths import config_dir, expectations_dir
from soko.pipeline.fingerprint import DigestCache, digest_bytes, digest_json, module_files

BASE_FILE = "soko.duckdb"  # the analytic base (soko.pipeline.analytic_base), an output
CACHE_DIR = ("cache", "ingest")
SALT_ENV = "SOKO_PSEUDONYM_SALT_FILE"  # soko.pseudonym.SALT_ENV
CONFIG_CHECK_FILE = "config_check.json"
STATE_FILE = "state.json"
DIGESTS_FILE = "digests.json"
#: Bump when the layout of what is stored changes: older entries are then ignored.
FORMAT = 1
NO_CHANGES = "Изменений нет, таблицы не пересчитывались (повтор отчёта прошлого запуска)."


def cache_dir(processed: Path) -> Path:
    return Path(processed).joinpath(*CACHE_DIR)


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


def salt_file(root: Path) -> Path:
    """The pseudonym salt (as ``soko.pseudonym.salt_path``, which imports pandas; a test
    checks the two agree): ГИА participant ids are keyed with it, so it is an input."""
    env = os.environ.get(SALT_ENV)
    return Path(env) if env else root / ".secrets" / "pseudonym_salt"


def environment_digest(digests: Digests, root: Path) -> str:
    """What every group depends on beyond its files and code: the configuration, the
    contracts, the locked dependency set and the pseudonym salt (by content; the salt's
    digest does not reveal it)."""
    return digest_json(
        {
            "format": FORMAT,
            "salt": digests.cache.file(salt_file(root)) or "-",
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
    write_json(cache_dir(processed) / STATE_FILE, state)


def forget_run(processed: Path) -> None:
    """Drop the whole-run record (a run that failed half-way must not be replayed)."""
    (cache_dir(processed) / STATE_FILE).unlink(missing_ok=True)


# --- the configuration check -----------------------------------------------------------


def config_check_key(digests: Digests, root: Path, folder: Path) -> str:
    """What `soko check-config`'s verdict depends on: the folder's files, the code (the
    schemas are pydantic models in soko, procedures declare their own), the lock."""
    return digest_json(
        {
            "folder": str(folder.resolve()),
            "config": digests.folder(folder),
            "code": digests.code(),
            "lock": digests.files([root / "uv.lock", root / "pyproject.toml"], root),
        }
    )


def passed_config_check(processed: Path, root: Path, folder: Path) -> str | None:
    """The message of the last check of ``folder`` if it passed and nothing it depends on
    changed since; ``None`` otherwise (a failing check is never remembered)."""
    path = cache_dir(processed) / CONFIG_CHECK_FILE
    if not path.is_file() or not folder.is_dir():
        return None
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    digests = Digests(processed)
    if not isinstance(known, dict) or known.get("key") != config_check_key(digests, root, folder):
        return None
    digests.save()
    return str(known["message"])


def remember_config_check(processed: Path, root: Path, folder: Path, message: str) -> None:
    """Remember a passing check of ``folder`` (its message)."""
    digests = Digests(processed)
    key = config_check_key(digests, root, folder)
    digests.save()
    write_json(cache_dir(processed) / CONFIG_CHECK_FILE, {"key": key, "message": message})


def write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
