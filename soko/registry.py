"""The one place that knows every procedure: composed here, above the procedures.

A procedure is a package ``soko/procedures/<code>/`` defining ``PROCEDURE``; this module
finds them (pytest-style: the core never imports a plug-in, the registry does) and composes
what the orchestration needs from them: canonical schemas, derived tables (the procedures'
own, the cross-procedure comparison, the school evaluation models), titles and the
analytic base's unified results. Nothing below this layer calls it (the import contract in
``.importlinter`` checks that).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import cast

import pandas as pd
from pydantic import BaseModel

import soko.procedures as procedures_pkg
from soko import objectivity, school_classes
from soko.config import comparisons as configured_comparisons
from soko.config import core_subjects
from soko.derive import DerivedSpec
from soko.indicators.cross import Comparison, Stage, compare_schools
from soko.objectivity.evidence_tables import EVIDENCE_TABLE
from soko.paths import config_dir
from soko.procedure import Procedure
from soko.schema import SCHEMAS
from soko.settings import ConfigProblem, check_config, load_checked, register_schema
from soko.settings.loading import display_name, problems_at
from soko.settings.region import RegionFile
from soko.unified import UNIFIED_RESULTS
from soko.value_added import tables as va

RESULT_ORDER = ("procedure", "year", "subject", "grade", "school_code", "participant_id")


@lru_cache(maxsize=1)
def discover() -> tuple[Procedure, ...]:
    """Every procedure package under ``soko/procedures/``, ВПР first, then in name order."""
    found: list[Procedure] = []
    for info in sorted(pkgutil.iter_modules(procedures_pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{procedures_pkg.__name__}.{info.name}")
        proc = getattr(module, "PROCEDURE", None)
        if isinstance(proc, Procedure):
            found.append(proc)
    codes = [p.code for p in found]
    if len(set(codes)) != len(codes):
        raise RuntimeError(f"procedure codes repeat: {codes}")
    for proc in found:  # a procedure's own configuration is checked at the door too
        for name, model in proc.config_schemas.items():
            register_schema(name, model)
    found.sort(key=lambda p: p.code != "vpr")  # stable: ВПР first, the rest by name
    return tuple(found)


def procedure(code: str) -> Procedure | None:
    return {p.code: p for p in discover()}.get(code)


def procedure_titles() -> dict[str, str]:
    """Code → Russian title («ВПР», «НИКО», ...), ВПР first."""
    return {p.code: p.title for p in discover()}


def procedure_title(code: str) -> str:
    """«ВПР» for ``vpr``, «НИКО» for ``niko``, ...; the code itself when unknown."""
    return procedure_titles().get(code, code)


def config_schemas() -> dict[str, type[BaseModel]]:
    """Configuration files the procedures themselves declare: file name → model."""
    return {name: m for p in discover() for name, m in p.config_schemas.items()}


def check_configuration(directory: Path | None = None) -> list[ConfigProblem]:
    """Every problem of every configuration file (core and the procedures' own), and the
    rules that need to know which procedures exist (the comparisons' procedure codes)."""
    folder = directory or config_dir()
    problems = check_config(folder, extra=config_schemas())
    if problems or not (folder / "region.yml").is_file():
        return problems
    region = load_checked("region.yml", RegionFile, folder)
    known = [p.code for p in discover()]
    issues = [
        (
            ("comparisons", i, part, "procedure"),
            f"неизвестная процедура «{stage.procedure}» (есть: {', '.join(known)})",
        )
        for i, c in enumerate(region.comparisons)
        for part, stage in (("earlier", c.earlier), ("later", c.later))
        if stage.procedure not in known
    ]
    return problems_at(display_name(folder / "region.yml"), issues)


def all_schemas() -> dict[str, dict[str, str]]:
    """Core tables (registry, context) plus every procedure's canonical tables."""
    merged = {name: dict(schema) for name, schema in SCHEMAS.items()}
    for proc in discover():
        for name, schema in proc.schemas.items():
            if name in merged:
                raise RuntimeError(f"table {name} of procedure {proc.code} is defined twice")
            merged[name] = schema
    return merged


def unified_results(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """All procedures' results in the shape of :mod:`soko.unified` (those with data).

    ``tables`` may be a lazy mapping (the analytic base reads a table on first use): only
    the tables a procedure's ``unified_inputs`` name are touched."""
    parts = []
    for proc in discover():
        if proc.unified_results is None:
            continue
        if all(t in tables for t in proc.unified_inputs):
            parts.append(proc.unified_results(cast(dict[str, pd.DataFrame], tables)))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in UNIFIED_RESULTS.items()})
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(list(RESULT_ORDER), kind="stable", ignore_index=True)


def comparisons() -> tuple[Comparison, ...]:
    """The cross-procedure comparisons of ``config/region.yml`` (``comparisons:``)."""
    return tuple(
        Comparison(
            c.code,
            Stage(c.earlier.procedure, c.earlier.grade),
            Stage(c.later.procedure, c.later.grade),
            c.lag,
        )
        for c in configured_comparisons()
    )


def _cross_inputs() -> tuple[str, ...]:
    codes = {s.procedure for c in comparisons() for s in (c.earlier, c.later)}
    tables: list[str] = []
    for proc in discover():
        if proc.code in codes and proc.unified_results is not None:
            tables += [t for t in proc.unified_inputs if t not in tables]
    return tuple(tables)


def _cross_schools(**frames: pd.DataFrame) -> pd.DataFrame:
    """One school across procedures, for every configured comparison (e.g. ВПР-8 → ОГЭ a
    year later, ОГЭ → ЕГЭ two years later)."""
    schools = frames.pop("schools")
    present = {name: df for name, df in frames.items() if len(df.columns)}
    results = unified_results(present)
    subjects = core_subjects()
    parts = [
        compare_schools(results, c.earlier, c.later, c.lag, subjects).assign(comparison=c.code)
        for c in comparisons()
    ]
    out = pd.concat(parts, ignore_index=True)
    out = out[["comparison", *out.columns[:-1]]]
    names = dict(zip(schools["school_code"], schools["school_name"], strict=True))
    return out.assign(school_name=out["school_code"].map(names))


def cross_table() -> DerivedSpec:
    inputs = _cross_inputs()
    return DerivedSpec("cross_schools", (*inputs, "schools"), _cross_schools, optional=inputs)


def evaluation_tables() -> tuple[DerivedSpec, ...]:
    """The school evaluation models' tables, which read across procedures."""
    return (
        DerivedSpec("va_schools", va.VA_INPUTS, va.va_schools, va.VA_OPTIONAL),
        DerivedSpec("va_models", va.VA_INPUTS, va.va_models, va.VA_OPTIONAL),
        school_classes.CLASSES_TABLE,
        *objectivity.OBJECTIVITY_TABLES,
        EVIDENCE_TABLE,
    )


def derived_tables() -> tuple[DerivedSpec, ...]:
    """Every derived table the build knows: each procedure's, the cross-procedure
    comparison, then the school evaluation tables — each after the derived tables it reads
    (a procedure's table may read an evaluation model's, e.g. the ШНОР roadmap reads
    ``school_classes``), so deriving them in this order never meets a missing input."""
    per_procedure = tuple(spec for proc in discover() for spec in proc.derived)
    return _dependency_order((*per_procedure, cross_table(), *evaluation_tables()))


def _dependency_order(specs: tuple[DerivedSpec, ...]) -> tuple[DerivedSpec, ...]:
    """``specs`` stably reordered so that a table comes after every ``derived/<name>`` input
    it has among them (the given order otherwise; a cycle keeps the given order)."""
    names = {s.name for s in specs}
    done: set[str] = set()
    out: list[DerivedSpec] = []
    pending = list(specs)
    while pending:
        ready = [
            s
            for s in pending
            if all(
                i.split("/", 1)[1] in done
                for i in s.inputs
                if i.startswith("derived/") and i.split("/", 1)[1] in names
            )
        ]
        ready = ready[:1] or pending[:1]  # first ready one keeps the order; a cycle: as given
        out.append(ready[0])
        done.add(ready[0].name)
        pending.remove(ready[0])
    return tuple(out)


def derived_table(name: str) -> DerivedSpec:
    specs = {s.name: s for s in derived_tables()}
    if name not in specs:
        raise KeyError(f"нет производной таблицы {name!r}")
    return specs[name]
