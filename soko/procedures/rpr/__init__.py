"""РПР: the region's own diagnostic works, every year, in the subjects and grades it chooses.

The region's export has ВПР's per-student shape under its own column names
(``config/rpr.yml``, block ``layout``), so the ВПР reader, contracts and indicators serve it
(``soko.formats.fisoko_workbook``). ``participant_code`` holds «Код обучающегося», the
student's pseudonymous id in the regional information system: in the municipalities that
use the system it is the same from year to year, which lets a student's grade-7 and grade-8
results be linked (value added, issue 5; demo model in ``_workbook/cohorts.py``). Tables:
``rpr_results``, ``rpr_task_scores``, ``rpr_tasks``; derived ``rpr_marks``, ``rpr_tasks``,
``rpr_journal``, ``rpr_scores``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from soko.demo.vpr import Roster
from soko.formats.fisoko_workbook import layout_for, workbook_procedure
from soko.formats.fisoko_workbook.cohorts import cohort_students, stable_municipalities
from soko.formats.fisoko_workbook.demo import DemoStyle, generate_workbooks
from soko.procedure import DemoContext

CODE = "rpr"


def _demo(ctx: DemoContext) -> list[Path]:

    layout = layout_for(CODE, ctx.config_dir)
    grades = sorted({g for y in ctx.years for _, g in layout.works(y, ctx.config_dir)})
    codes = sorted(ctx.schools["municipality_code"].unique())
    stable = stable_municipalities(ctx.seed, CODE, codes)
    students = cohort_students(ctx.seed, CODE, ctx.schools, ctx.years, grades, stable)
    by_year_grade = dict(list(students.groupby(["year", "grade"])))

    def roster_for(year: int, subject: str, grade: int) -> Roster | None:
        part = by_year_grade.get((year, grade))
        if part is None:
            return None
        return Roster(
            school=part["school"].to_numpy(dtype=np.int32),
            code=part["participant_code"].to_numpy(dtype=np.int64),
            class_label=part["class_label"].to_numpy(dtype=object),
            lot=np.zeros(len(part), dtype=np.int8),
            eta=part["eta"].to_numpy(dtype=np.float64),
        )

    _write_truth(ctx, students)
    style = DemoStyle(caption="Результаты участников региональной проверочной работы", month=12)
    return generate_workbooks(ctx, CODE, style, roster_for)


def _write_truth(ctx: DemoContext, students: pd.DataFrame) -> None:
    """Who is who across years (for value-added tests), beside the ВПР truth."""
    truth = students.assign(
        school_code=ctx.schools["school_code"].to_numpy()[students["school"].to_numpy()],
        participant_code=students["participant_code"].astype(str),
    ).drop(columns=["school", "eta"])
    ctx.truth_dir.mkdir(parents=True, exist_ok=True)
    truth.to_parquet(ctx.truth_dir / "rpr_students.parquet", index=False)


PROCEDURE = workbook_procedure(CODE, "РПР", demo=_demo)
