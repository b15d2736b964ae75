"""Staging of a ФИС ОКО workbook for its contracts: one row per participant, tasks long.

The contracts (``expectations/vpr_results.json``, ``vpr_task_scores.json``) then check the
staged rows of a batch of works in one pass (see ``ingest.py``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from soko.config import MarkScale
from soko.contracts.staging import blank_to_na, to_number
from soko.formats.fisoko_workbook.reader import MISSING_MARKS, VprFile
from soko.readers.problems import FileProblem

_CLASS_GRADE = re.compile(r"^\s*(\d{1,2})")


def _mark_text(s: pd.Series) -> pd.Series:
    text = s.astype("string").str.strip()
    return text.mask(text.isin(MISSING_MARKS), pd.NA)


def require_scale(vpr: VprFile) -> MarkScale:
    """The year's mark scale for this work; without it the file cannot be checked."""
    scale = vpr.layout.scale(vpr.year, vpr.subject, vpr.grade)
    if scale is None:
        raise FileProblem(
            vpr.path,
            "scale_known",
            f"в config/{vpr.layout.scales_file} нет шкалы для {vpr.year} года, "
            f"предмет «{vpr.subject_name}», {vpr.grade} класс",
            row=1,
        )
    return scale


def vpr_task_staging(vpr: VprFile, source_file: str) -> pd.DataFrame:
    """One row per participant × task (task by task), for the task-score rules.

    Task, header, cell text and file are categoricals: a file of 40 000 participants and 15
    tasks has 600 000 such rows but a few dozen distinct cells, and as strings they were
    most of ingest's memory."""
    n, k = len(vpr.rows), len(vpr.tasks)
    cells = vpr.rows[[t.task for t in vpr.tasks]].astype("string")
    text = pd.Series(
        np.concatenate([cells[c].str.strip().to_numpy() for c in cells.columns]) if k else [],
        dtype="string",
    )
    not_done = text.isin(MISSING_MARKS)
    raw = text.mask(not_done, "X")  # every spelling of «not done» is the contract's «X»
    which = np.repeat(np.arange(k), n)
    return pd.DataFrame(
        {
            "source_row": np.tile(vpr.rows["source_row"].to_numpy(), k),
            "task": pd.Categorical(np.array([t.task for t in vpr.tasks], dtype=object)[which]),
            "header": pd.Categorical(np.array([t.header for t in vpr.tasks], dtype=object)[which]),
            "raw": raw.astype("category"),
            "score": to_number(text.mask(not_done)).to_numpy(),
            "max_score": np.repeat(np.array([t.max_score for t in vpr.tasks], dtype=float), n),
            "source_file": pd.Categorical.from_codes(np.zeros(n * k, "int8"), [source_file]),
        }
    )


def row_signature(vpr: VprFile) -> pd.Series:
    """A hash of everything a participant's row says (fixed columns and task cells, in task
    order), so identical rows of two exports of one work are recognised as one."""
    cells = vpr.rows.drop(columns="source_row").astype("string").apply(lambda s: s.str.strip())
    return pd.util.hash_pandas_object(cells, index=False).to_numpy()


def _entered(vpr: VprFile, column: str) -> pd.Series:
    """A cell the file must fill: blank stays "" so format rules reject it; NA (no rule
    applies) when the procedure's layout has no such column at all."""
    text = blank_to_na(vpr.rows[column])
    return text if column in vpr.layout.absent else text.fillna("")


def vpr_results_staging(
    vpr: VprFile, task_long: pd.DataFrame, school_municipality: dict[str, str], source_file: str
) -> pd.DataFrame:
    rows = vpr.rows
    scale = require_scale(vpr)
    out = pd.DataFrame(
        {
            "school_code": blank_to_na(rows["school_code"]),
            "municipality_name": blank_to_na(rows["municipality_name"]),
            "school_name": blank_to_na(rows["school_name"]),
            "participant_code": blank_to_na(rows["participant_code"]),
            "class_label": blank_to_na(rows["class_label"]),
        }
    )
    grade = out["class_label"].str.extract(_CLASS_GRADE, expand=False)
    out["class_grade"] = grade.astype("string")
    out["variant_raw"] = _entered(vpr, "variant")
    out["primary_score_raw"] = _entered(vpr, "primary_score")
    out["primary_score"] = to_number(out["primary_score_raw"])
    out["mark_raw"] = _entered(vpr, "mark")
    out["mark"] = to_number(out["mark_raw"])
    journal_raw = _entered(vpr, "journal_mark")
    out["journal_mark_raw"] = journal_raw
    out["journal_mark"] = to_number(_mark_text(journal_raw))
    sums = (
        task_long.assign(score=task_long["score"].fillna(0.0)).groupby("source_row")["score"].sum()
    )
    out["task_sum"] = rows["source_row"].map(sums).astype("float64").to_numpy()
    t3, t4, t5 = scale.thresholds
    ps = out["primary_score"].to_numpy()
    expected = np.select([ps >= t5, ps >= t4, ps >= t3], [5.0, 4.0, 3.0], default=2.0)
    out["expected_mark"] = np.where(np.isnan(ps), np.nan, expected)
    out["registry_municipality"] = out["school_code"].map(school_municipality).astype("string")
    out["file_grade"] = pd.Series(str(vpr.grade), index=out.index, dtype="string")
    # the work: part of the participant key the contract checks (PARTICIPANT_KEYS)
    out["year"] = vpr.year
    out["subject"] = pd.Series(vpr.subject, index=out.index, dtype="string")
    out["grade"] = vpr.grade
    out["max_score"] = float(scale.max_score)
    out["source_row"] = rows["source_row"].to_numpy()
    out["source_file"] = source_file
    return out
