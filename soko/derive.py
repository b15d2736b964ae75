"""Derived tables: every indicator computed once per build, for every unit and year.

Notebooks cost a kernel start each; they should filter a precomputed table, not
recompute from hundreds of thousands of student rows. Each derived table declares the
canonical tables it reads, so the build graph knows what it depends on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from soko import indicators as ind

DERIVED = "derived"


@dataclass(frozen=True)
class DerivedSpec:
    name: str
    # canonical tables in data/processed/; "derived/<name>" is another derived table (the
    # build runs that one first); compute gets each as a keyword argument named by its last part
    inputs: tuple[str, ...]
    compute: Callable[..., pd.DataFrame]
    # inputs a region may lack (a procedure it does not run): passed as an empty frame
    optional: tuple[str, ...] = ()

    def present_inputs(self, processed: Path) -> tuple[str, ...]:
        return tuple(
            t
            for t in self.inputs
            if t not in self.optional or (Path(processed) / f"{t}.parquet").is_file()
        )


def _vpr_marks(
    vpr_results: pd.DataFrame, schools: pd.DataFrame, vpr_tasks: pd.DataFrame
) -> pd.DataFrame:
    table = ind.marks_table(vpr_results, schools, vpr_tasks)
    table = ind.add_dynamics(
        table, ["success_rate", "quality_rate", "share_mark2", "mean_primary_score"]
    )
    return ind.flag_negative_dynamics(table)


def _vpr_tasks(
    vpr_results: pd.DataFrame,
    vpr_task_scores: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    schools: pd.DataFrame,
) -> pd.DataFrame:
    return ind.task_completion_table(vpr_results, vpr_task_scores, vpr_tasks, schools)


def _vpr_journal(vpr_results: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    return ind.journal_table(vpr_results, schools)


def _vpr_scores(vpr_results: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    return ind.score_distribution_table(vpr_results, schools, levels=("region", "municipality"))


def _cross_schools(
    vpr_results: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    oge_results: pd.DataFrame,
    ege_results: pd.DataFrame,
    schools: pd.DataFrame,
) -> pd.DataFrame:
    """One school across procedures: ВПР-8 → ОГЭ a year later, ОГЭ → ЕГЭ two years later."""
    from soko.analytic_base import unified_results
    from soko.indicators.cross import standard_comparisons

    tables = {
        "vpr_results": vpr_results,
        "vpr_tasks": vpr_tasks,
        "oge_results": oge_results,
        "ege_results": ege_results,
    }
    out = standard_comparisons(unified_results(tables))
    names = dict(zip(schools["school_code"], schools["school_name"], strict=True))
    return out.assign(school_name=out["school_code"].map(names))


# ВПР's indicator tables; НИКО and РПР reuse them on their own tables (soko.procedures._workbook).
VPR_TABLES: tuple[DerivedSpec, ...] = (
    DerivedSpec("vpr_marks", ("vpr_results", "schools", "vpr_tasks"), _vpr_marks),
    DerivedSpec(
        "vpr_tasks", ("vpr_results", "vpr_task_scores", "vpr_tasks", "schools"), _vpr_tasks
    ),
    DerivedSpec("vpr_journal", ("vpr_results", "schools"), _vpr_journal),
    DerivedSpec("vpr_scores", ("vpr_results", "schools"), _vpr_scores),
)
TABLES: tuple[DerivedSpec, ...] = (
    *VPR_TABLES,
    DerivedSpec(
        "cross_schools",
        ("vpr_results", "vpr_tasks", "oge_results", "ege_results", "schools"),
        _cross_schools,
    ),
)


def all_tables() -> tuple[DerivedSpec, ...]:
    """ВПР's derived tables, every procedure's (soko.procedures), then the school evaluation
    tables that read across procedures (value added, school classes, objectivity)."""
    from soko.procedures import discover

    per_procedure = tuple(spec for proc in discover() for spec in proc.derived)
    return TABLES + per_procedure + evaluation_tables()


def evaluation_tables() -> tuple[DerivedSpec, ...]:
    from soko.objectivity import OBJECTIVITY_TABLES
    from soko.objectivity.evidence_tables import EVIDENCE_TABLE
    from soko.school_classes import CLASSES_TABLE
    from soko.value_added import tables as va

    return (
        DerivedSpec("va_schools", va.VA_INPUTS, va.va_schools, va.VA_OPTIONAL),
        DerivedSpec("va_models", va.VA_INPUTS, va.va_models, va.VA_OPTIONAL),
        CLASSES_TABLE,
        *OBJECTIVITY_TABLES,
        EVIDENCE_TABLE,
    )


def output_path(processed: Path, name: str) -> Path:
    return Path(processed) / DERIVED / f"{name}.parquet"


def derive_table(name: str, processed: str | Path) -> None:
    """Compute one derived table from the canonical tables and write it (a build task)."""
    spec = {s.name: s for s in all_tables()}[name]
    processed = Path(processed)
    present = spec.present_inputs(processed)
    frames = {
        t.rsplit("/", 1)[-1]: pd.read_parquet(processed / f"{t}.parquet")
        if t in present
        else pd.DataFrame()
        for t in spec.inputs
    }
    table = spec.compute(**frames)
    out = output_path(processed, name)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out, index=False)


def load(name: str, processed: str | Path) -> pd.DataFrame:
    from soko.pipeline.declared import check_read

    check_read(name)  # in the build, a page reads only the tables pages.yml declares for it
    path = output_path(Path(processed), name)
    if not path.is_file():
        raise FileNotFoundError(
            f"Нет производной таблицы {path}: выполните `soko build` (или `make compendium`)."
        )
    return pd.read_parquet(path)
