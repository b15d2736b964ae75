"""Where things live. One place, so notebooks, the CLI and tests agree.

The project root is found from the ``SOKO_ROOT`` environment variable or by walking up
from the current directory to the folder holding ``pyproject.toml`` and ``config/``; so a
notebook opened in ``notebooks/`` and the build started from the root see the same data.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


def project_root(start: Path | None = None) -> Path:
    env = os.environ.get("SOKO_ROOT")
    if env:
        return Path(env).resolve()
    return _find_root(start or Path.cwd())


@lru_cache(maxsize=32)
def _find_root(start: Path) -> Path:
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / "config").is_dir() and (candidate / "pyproject.toml").is_file():
            return candidate
    # Installed package used outside a checkout: fall back to the source tree.
    return Path(__file__).resolve().parent.parent


def config_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "config"


def raw_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "raw"


def processed_dir(root: Path | None = None) -> Path:
    return Path(os.environ.get("SOKO_PROCESSED") or (root or project_root()) / "data" / "processed")


def derived_dir(root: Path | None = None) -> Path:
    return processed_dir(root) / "derived"


def reports_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "reports"


def expectations_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "expectations"


def notebooks_dir(root: Path | None = None) -> Path:
    return (root or project_root()) / "notebooks"
