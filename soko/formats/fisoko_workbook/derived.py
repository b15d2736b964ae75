"""The derived indicator tables of a ФИС ОКО workbook procedure (ВПР, НИКО, РПР).

The build calls ``compute(**frames)`` with the input tables by name; renaming
``niko_results`` to the ``vpr_results`` parameter lets every ВПР table (marks, tasks,
journal, scores) serve НИКО and РПР unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from soko import indicators as ind
from soko.derive import DerivedSpec

VPR_PREFIX = "vpr_"


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


# The indicator tables of a workbook procedure, under ВПР's names; НИКО and РПР get them renamed.
VPR_TABLES: tuple[DerivedSpec, ...] = (
    DerivedSpec("vpr_marks", ("vpr_results", "schools", "vpr_tasks"), _vpr_marks),
    DerivedSpec(
        "vpr_tasks", ("vpr_results", "vpr_task_scores", "vpr_tasks", "schools"), _vpr_tasks
    ),
    DerivedSpec("vpr_journal", ("vpr_results", "schools"), _vpr_journal),
    DerivedSpec("vpr_scores", ("vpr_results", "schools"), _vpr_scores),
)


def table_name(code: str, vpr_name: str) -> str:
    """``vpr_results`` -> ``niko_results``; tables of no procedure (``schools``) stay."""
    return (
        code + "_" + vpr_name.removeprefix(VPR_PREFIX)
        if vpr_name.startswith(VPR_PREFIX)
        else vpr_name
    )


def _renamed(
    compute: Callable[..., pd.DataFrame], names: dict[str, str]
) -> Callable[..., pd.DataFrame]:
    def run(**frames: pd.DataFrame) -> pd.DataFrame:
        return compute(**{names.get(k, k): v for k, v in frames.items()})

    return run


def derived_specs(code: str) -> tuple[DerivedSpec, ...]:
    """``niko_marks``, ``niko_tasks``, ``niko_journal``, ``niko_scores`` (for ``code`` niko);
    ВПР's own tables as they are."""
    if code == "vpr":
        return VPR_TABLES
    specs = []
    for spec in VPR_TABLES:
        back = {table_name(code, t): t for t in spec.inputs}
        specs.append(
            DerivedSpec(
                table_name(code, spec.name),
                tuple(back),
                _renamed(spec.compute, back),
            )
        )
    return tuple(specs)
