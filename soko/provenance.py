"""Where a build comes from: its date, the git commit, the versions it ran with.

Two builds from the same inputs and code must give the same bytes, so nothing written for a
reader (pages, indexes, xlsx blanks, the manifest, later PDF) may ask the clock. The date
comes from one place, :func:`build_date`, in the order reproducible-builds.org asks for:
``SOURCE_DATE_EPOCH`` when set, else the commit time of ``HEAD`` (the code's own date: a
rebuild of the same commit gets the same date), else today — said so, because only then do
two builds differ.

This module sits at the bottom of the layers (beside :mod:`soko.paths`): the xlsx writer in
:mod:`soko.forms` needs the date as much as the build does.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Literal

from soko.paths import project_root

#: The reproducible-builds.org variable: seconds since 1970-01-01 UTC.
EPOCH_ENV = "SOURCE_DATE_EPOCH"
#: The packages a page footer names (besides soko and Python): what computes and draws.
MAIN_PACKAGES: tuple[str, ...] = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
)
#: Characters of the commit hash shown to a reader (``git log --oneline`` style).
SHORT_HASH = 10
#: git is asked with a time limit: a hung network filesystem must not hang the build.
_GIT_TIMEOUT = 10

DateSource = Literal["SOURCE_DATE_EPOCH", "git", "today"]

_MONTHS_RU = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


class BuildDateError(ValueError):
    """``SOURCE_DATE_EPOCH`` is set but is not a number of seconds (a user's mistake)."""


@dataclass(frozen=True)
class BuildDate:
    """The build's one date (UTC) and where it came from; ``note`` says why git was not used."""

    moment: dt.datetime
    source: DateSource
    note: str | None = None

    @property
    def epoch(self) -> int:
        return int(self.moment.timestamp())

    @property
    def iso(self) -> str:
        """``2026-12-03T19:17:32Z``: the manifest's form."""
        return self.moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def naive(self) -> dt.datetime:
        """The UTC moment without a zone: what xlsxwriter and zip entries take."""
        return self.moment.replace(tzinfo=None)

    def ru(self) -> str:
        """«3 декабря 2026 г., 19:17 UTC»: the reader's form."""
        m = self.moment
        return f"{m.day} {_MONTHS_RU[m.month - 1]} {m.year} г., {m:%H:%M} UTC"

    def source_ru(self) -> str:
        """Where the date came from, in Russian (for the build's first lines)."""
        if self.source == EPOCH_ENV:
            return f"из переменной {EPOCH_ENV}"
        if self.source == "git":
            return "время последнего коммита (git)"
        return "сегодняшняя дата" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class Commit:
    """The checkout's ``HEAD``; ``dirty`` when tracked or new files differ from it."""

    hash: str
    dirty: bool

    @property
    def short(self) -> str:
        return self.hash[:SHORT_HASH]

    def ru(self) -> str:
        return self.short + (" (изменён)" if self.dirty else "")


def _git(root: Path, *args: str) -> str | None:
    """``git -C root args`` stdout, or ``None`` when git is absent or says no."""
    exe = shutil.which("git")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_note(root: Path | None = None) -> str | None:
    """Why git gives no commit for ``root`` (Russian), or ``None`` when it does."""
    root = Path(root or project_root())
    if shutil.which("git") is None:
        return "git не установлен"
    if _git(root, "rev-parse", "HEAD") is None:
        return "папка проекта — не git-репозиторий или в нём нет коммитов"
    return None


def commit(root: Path | None = None) -> Commit | None:
    """``HEAD`` of the checkout at ``root`` (the project root), ``None`` without git.

    Untracked files that git does not ignore count as a change: a new module imported by a
    page changes what the build does as much as an edited one.
    """
    root = Path(root or project_root())
    head = _git(root, "rev-parse", "HEAD")
    if not head:
        return None
    status = _git(root, "status", "--porcelain")
    return Commit(hash=head, dirty=bool(status))


def _from_epoch(value: str) -> dt.datetime:
    try:
        seconds = int(value.strip())
    except ValueError:
        raise BuildDateError(
            f"переменная окружения {EPOCH_ENV}={value!r}: нужно целое число секунд с "
            "1970-01-01 UTC (например, `git log -1 --format=%ct`)"
        ) from None
    if seconds < 0:
        raise BuildDateError(f"переменная окружения {EPOCH_ENV}={value!r}: число не может быть < 0")
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def build_date(root: Path | None = None, environ: Mapping[str, str] | None = None) -> BuildDate:
    """The build's date: ``SOURCE_DATE_EPOCH``, else ``HEAD``'s commit time, else now.

    Raises :class:`BuildDateError` (a Russian message) when ``SOURCE_DATE_EPOCH`` is set but
    is not a whole number of seconds.
    """
    env = os.environ if environ is None else environ
    value = env.get(EPOCH_ENV)
    if value is not None and value.strip():
        return BuildDate(_from_epoch(value), EPOCH_ENV)
    root = Path(root or project_root())
    stamp = _git(root, "log", "-1", "--format=%ct")
    if stamp and stamp.isdigit():
        return BuildDate(dt.datetime.fromtimestamp(int(stamp), dt.UTC), "git")
    # The one call of the clock for output: only when neither a date nor a commit is known.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return BuildDate(now, "today", git_note(root))


# --- versions ------------------------------------------------------------------------------


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def python_version() -> str:
    return platform.python_version()


def versions(packages: Iterable[str] = MAIN_PACKAGES) -> dict[str, str]:
    """soko, Python and ``packages`` (those installed) -> version, in that order."""
    found = {"soko": _installed("soko") or "?", "python": python_version()}
    for name in packages:
        version = _installed(name)
        if version is not None:
            found[name] = version
    return found


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _normal(name: str) -> str:
    """PEP 503 name: ``Jinja2`` and ``jinja2``, ``ruamel.yaml`` and ``ruamel-yaml`` agree."""
    return name.lower().replace("_", "-").replace(".", "-")


@lru_cache(maxsize=4)
def _locked_runtime(lock: Path) -> tuple[str, ...]:
    """Names of soko's runtime dependencies in ``uv.lock``, transitively (no dev group)."""
    packages = tomllib.loads(lock.read_text(encoding="utf-8")).get("package", [])
    deps = {
        _normal(p["name"]): [_normal(d["name"]) for d in p.get("dependencies", [])]
        for p in packages
    }
    seen: set[str] = set()
    stack = list(deps.get("soko", []))
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(deps.get(name, []))
    return tuple(sorted(seen))


def runtime_versions(root: Path | None = None) -> dict[str, str]:
    """Every locked runtime dependency that is installed -> its installed version, sorted.

    The names come from ``uv.lock`` (soko's dependencies, followed transitively; the dev
    group left out); without a lock file (an installed wheel), from soko's own metadata.
    A locked package not installed here (a platform marker excludes it) is left out.
    """
    lock = Path(root or project_root()) / "uv.lock"
    if lock.is_file():
        names: Iterable[str] = _locked_runtime(lock)
    else:
        names = sorted(
            _normal(m.group(0))
            for r in (metadata.requires("soko") or [])
            if "extra ==" not in r and (m := _NAME.match(r))
        )
    installed = _dist_info_versions()
    found = {"python": python_version()}
    for name in names:
        version = installed.get(name) or _installed(name)
        if version is not None:
            found[name] = version
    return dict(sorted(found.items()))


def _dist_info_versions() -> dict[str, str]:
    """Installed name -> version from the ``<name>-<version>.dist-info`` folder names on
    ``sys.path`` (the wheel spec's layout): reading 150 METADATA files costs ~0.15 s of
    every build; a name not found this way is asked of importlib.metadata."""
    found: dict[str, str] = {}
    for entry in sys.path:
        folder = Path(entry or ".")
        if not folder.is_dir():
            continue
        for info in folder.glob("*.dist-info"):
            name, sep, version = info.name[: -len(".dist-info")].partition("-")
            if sep and version:
                found.setdefault(_normal(name), version)
    return found


# --- everything together -------------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    """One build's origin, learnt once by the process that plans the build.

    ``versions`` is the short list a page footer shows (soko, Python, :data:`MAIN_PACKAGES`);
    ``runtime`` every locked runtime dependency, for the manifest.
    """

    date: BuildDate
    commit: Commit | None
    versions: dict[str, str]
    runtime: dict[str, str]


def current(root: Path | None = None, environ: Mapping[str, str] | None = None) -> Provenance:
    """This checkout's provenance now (see :func:`build_date`, :func:`commit`)."""
    root = Path(root or project_root())
    return Provenance(
        date=build_date(root, environ),
        commit=commit(root),
        versions=versions(),
        runtime=runtime_versions(root),
    )
