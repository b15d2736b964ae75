"""Assessment procedures beyond ВПР (ОГЭ, ЕГЭ, НИКО, РПР, PISA-model study, surveys).

Each procedure is one module (or package) in this folder defining ``PROCEDURE``, a
:class:`Procedure`. Modules are found automatically, so adding a procedure touches no
pipeline code: ingest, the demo generator, derived tables, the build and the analytic base
all iterate over :func:`discover`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from soko.derive import DerivedSpec
    from soko.ingest import FileReport


@dataclass
class IngestResult:
    """What a procedure's ingest produced: accepted rows per canonical table, file reports."""

    tables: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    reports: list[FileReport] = field(default_factory=list)


@dataclass(frozen=True)
class Ingester:
    """Where a procedure's raw files live and how to ingest them.

    ``run(paths, raw, schools)`` gets the files found under ``data/raw/<folder>`` matching
    ``patterns`` (sorted), the raw root (for display names) and the accepted school registry
    (canonical ``schools`` table). It must report every file (accepted + rejected = read) and
    never raise for bad data.
    """

    folder: str
    patterns: tuple[str, ...]
    run: Callable[[list[Path], Path, pd.DataFrame], IngestResult]


@dataclass(frozen=True)
class DemoContext:
    """What a procedure's demo generator gets: the region already generated for ВПР.

    ``schools`` carries the generator's truth columns too (``context``, ``true_effect``,
    ``kind``, ``locality``, ``strong_genuine`` ...), so a procedure's results can be consistent
    with the same schools' ВПР. Write raw files under ``out`` only, truth under ``truth_dir``
    only; derive every random stream with ``soko.demo.model.rng_for(seed, "<procedure>", ...)``.
    """

    out: Path
    truth_dir: Path
    seed: int
    size: str
    years: tuple[int, ...]
    schools: pd.DataFrame
    config_dir: Path | None = None


@dataclass(frozen=True)
class Procedure:
    code: str  # "oge", "ege", "niko", "rpr", "pisa", "survey"
    title: str  # «ОГЭ»
    schemas: dict[str, dict[str, str]]  # canonical tables it writes: name -> column -> dtype
    main_table: str  # has a `year` column: which years have this procedure's data
    ingester: Ingester
    derived: tuple[DerivedSpec, ...] = ()
    demo: Callable[[DemoContext], list[Path]] | None = None
    # rows for the analytic base's unified `results` table (see soko.analytic_base)
    unified_results: Callable[[dict[str, pd.DataFrame]], pd.DataFrame] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1)
def discover() -> tuple[Procedure, ...]:
    """Every procedure module in this package, in name order."""
    found: list[Procedure] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        proc = getattr(module, "PROCEDURE", None)
        if isinstance(proc, Procedure):
            found.append(proc)
    codes = [p.code for p in found]
    if len(set(codes)) != len(codes):
        raise RuntimeError(f"procedure codes repeat: {codes}")
    return tuple(found)
