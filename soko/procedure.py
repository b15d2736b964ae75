"""What a procedure is: the value types every layer shares (no orchestration here).

A procedure package (``soko/procedures/<code>/``) defines ``PROCEDURE = Procedure(...)``;
:mod:`soko.registry` finds them. These types live in a leaf module so that ingest, demo,
derived tables and formats can all use them without importing the registry or each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from soko.derive import DerivedSpec
from soko.file_report import FileReport


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
    """What a procedure's demo generator gets: the demo region's schools, years and places.

    ``schools`` carries the generator's truth columns too (``context``, ``true_effect``,
    ``kind``, ``locality``, ``strong_genuine`` ...), so a procedure's results can be consistent
    with the same schools' ВПР. Write raw files under ``out`` only, truth under ``truth_dir``
    only; derive every random stream with ``soko.demo.model.rng_for(seed, "<procedure>", ...)``.
    ``workers`` is how many processes a generator may write its files in (``None``: its own
    choice, ``soko.demo.model.default_workers``); the files must not depend on it.
    """

    out: Path
    truth_dir: Path
    seed: int
    size: str
    years: tuple[int, ...]
    schools: pd.DataFrame
    config_dir: Path | None = None
    workers: int | None = None
    # year -> what that year's files write per school (rows in ``schools`` order): school_code,
    # school_name, municipality_code, municipality_name, participant_prefix, exists — the
    # registry's history (a merged school's students under its successor, a former district's
    # schools in the okrug); None: every year as ``schools``
    labels_by_year: Callable[[int], pd.DataFrame] | None = None

    def labels(self, year: int) -> pd.DataFrame:
        if self.labels_by_year is not None:
            return self.labels_by_year(int(year))
        cols = ["school_code", "school_name", "municipality_code", "municipality_name"]
        return self.schools[cols].reset_index(drop=True).assign(participant_prefix="", exists=True)


@dataclass(frozen=True)
class FormContext:
    """What a form's spec is built from: the year, the municipality it is for (None for a
    regional form), the configuration folder and the school registry with its periods (for
    forms prefilled with a municipality's schools; empty when none is known yet), and the
    quarter (1–4) of a quarterly form (None for the others)."""

    year: int
    municipality_code: str | None = None
    municipality_name: str | None = None
    config_dir: Path | None = None
    schools: pd.DataFrame | None = None
    quarter: int | None = None

    def identity(self) -> dict[str, object]:
        """The values written on every sheet (``soko.forms`` identity fields)."""
        out: dict[str, object] = {"year": self.year}
        if self.quarter is not None:
            out["quarter"] = self.quarter
        if self.municipality_code is not None:
            out["municipality_code"] = self.municipality_code
            out["municipality_name"] = self.municipality_name or self.municipality_code
        return out


@dataclass(frozen=True)
class FormTemplate:
    """An input form a procedure hands out (`soko forms`) and reads back in its ingest.

    ``spec(ctx)`` builds the form's ``soko.forms.FormSpec`` for a year (and municipality);
    typed ``Any`` because ``soko.forms`` is a layer above this module. ``scope``: one copy
    per municipality or one for the region. Filled copies go to
    ``data/raw/<folder>/<year>/`` (``folder`` is the procedure's ingester folder).

    ``quarterly``: handed out every quarter (staffing), one copy per quarter with the quarter
    on every sheet; filled copies go to ``data/raw/<folder>/<year>/q<quarter>/``. `soko forms`
    writes it only when told the quarter (``--quarter``): a blank for the wrong quarter
    would be filled and rejected, so guessing one is worse than asking.
    """

    code: str  # «mechanisms»: the files' names
    title: str  # «Механизмы управления качеством образования»
    scope: Literal["municipality", "region"]
    folder: str
    spec: Callable[[FormContext], Any]
    quarterly: bool = False

    def file_name(self, ctx: FormContext) -> str:
        period = f"{ctx.year}_q{ctx.quarter}" if self.quarterly else f"{ctx.year}"
        if self.scope == "municipality" and ctx.municipality_code is not None:
            return f"{self.code}_{period}_{ctx.municipality_code}.xlsx"
        return f"{self.code}_{period}.xlsx"

    def raw_place(self, ctx: FormContext) -> str:
        """Where a filled copy goes, under the project: ``data/raw/<folder>/<year>/`` (and
        ``q<quarter>/`` for a quarterly form)."""
        quarter = f"q{ctx.quarter}/" if self.quarterly and ctx.quarter is not None else ""
        return f"data/raw/{self.folder}/{ctx.year}/{quarter}"


@dataclass(frozen=True)
class Procedure:
    code: str  # "vpr", "oge", "ege", "niko", "rpr", "pisa", "survey"
    title: str  # «ОГЭ»
    schemas: dict[str, dict[str, str]]  # canonical tables it writes: name -> column -> dtype
    main_table: str  # has a `year` column: which years have this procedure's data
    ingester: Ingester
    derived: tuple[DerivedSpec, ...] = ()
    demo: Callable[[DemoContext], list[Path]] | None = None
    # rows for the analytic base's unified `results` table (see soko.pipeline.analytic_base)
    unified_results: Callable[[dict[str, pd.DataFrame]], pd.DataFrame] | None = None
    # the canonical tables ``unified_results`` reads (default: the main table)
    unified_inputs: tuple[str, ...] = ()
    # words of a file's title row that name this procedure («ВПР», «ОГЭ»): `soko validate`
    # recognises a file's kind from them when the file is outside data/raw/<folder>/
    title_words: tuple[str, ...] = ()
    # configuration files the procedure alone reads: file name in config/ -> its pydantic
    # model (checked by `soko check-config` and before every command, like the core files)
    config_schemas: dict[str, Any] = field(default_factory=dict)
    # input forms it hands out (`soko forms`) and reads back in its ingest
    forms: tuple[FormTemplate, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.unified_inputs:
            object.__setattr__(self, "unified_inputs", (self.main_table,))
