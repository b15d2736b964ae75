"""НИКО: national studies of education quality, written by a sample of schools.

The subjects and grades change every year (``config/niko.yml``); the results come from ФИС
ОКО in ВПР's per-student layout under the title «НИКО …», so the ВПР reader, contracts and
indicators serve them (``soko.formats.fisoko_workbook``). Tables: ``niko_results``,
``niko_task_scores``, ``niko_tasks``; derived ``niko_marks``, ``niko_tasks``,
``niko_journal`` (empty while the export has no journal mark), ``niko_scores``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from soko.demo.model import ModelParams, rng_for
from soko.demo.vpr import Roster, build_rosters
from soko.formats.fisoko_workbook import workbook_procedure
from soko.formats.fisoko_workbook.demo import DemoStyle, generate_workbooks
from soko.procedure import DemoContext

CODE = "niko"
SAMPLE_SHARE = 0.3  # demo: share of the region's schools in a year's federal sample
SAMPLED_CLASSES = ("А", "Б")  # demo: a sampled school writes with one or two classes


def sample_schools(seed: int, schools: pd.DataFrame, year: int) -> np.ndarray:
    """Demo sample: about ``SAMPLE_SHARE`` of the schools, at least one per municipality."""

    u = rng_for(seed, CODE, "sample", year).random(len(schools))
    chosen = u < SAMPLE_SHARE
    first = pd.Series(u).groupby(schools["municipality_code"].to_numpy()).idxmin()
    chosen[first.to_numpy()] = True
    return chosen


def _demo(ctx: DemoContext) -> list[Path]:

    rosters = build_rosters(ctx.seed, ctx.schools, ctx.years, ModelParams())

    def roster_for(year: int, subject: str, grade: int) -> Roster | None:
        roster = rosters.get((year, grade))
        if roster is None:
            return None
        sampled = sample_schools(ctx.seed, ctx.schools, year)[roster.school]
        letter = np.array([label[-1] for label in roster.class_label])
        return roster.subset(sampled & np.isin(letter, SAMPLED_CLASSES))

    style = DemoStyle(caption="Индивидуальные результаты участников", month=10)
    return generate_workbooks(ctx, CODE, style, roster_for)


PROCEDURE = workbook_procedure(CODE, "НИКО", demo=_demo)
