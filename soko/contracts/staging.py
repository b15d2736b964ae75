"""Staging frames: the text read from a file, next to the typed and cross-checked values.

A suite cannot parse «X» or look up the year's mark scale, so staging adds those columns
(typed values, the sum of task scores, the mark the scale gives, the registry's
municipality); the suite then states the rule. Raw text stays beside each typed value so
a format error is reported as such instead of silently becoming a missing value.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from soko.config import MarkScale, region
from soko.readers.fisoko import MISSING_MARKS, VprFile
from soko.readers.problems import FileProblem

REGISTRY_COLUMNS = {
    "Код ОО": "school_code",
    "Наименование ОО": "school_name",
    "Код МО": "municipality_code",
    "Муниципальное образование": "municipality_name",
    "Вид ОО": "kind",
    "Тип местности": "locality",
}
CONTEXT_COLUMNS = {
    "Код ОО": "school_code",
    "Год": "year_raw",
    "Численность обучающихся": "n_students_raw",
    "ИСБШ": "isbs_raw",
}

_CLASS_GRADE = re.compile(r"^\s*(\d{1,2})")


def _blank_to_na(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip()
    return s.mask(s == "")


def _number(s: pd.Series, decimal_comma: bool = False) -> pd.Series:
    text = s.astype("string").str.strip()
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def registry_staging(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({canon: _blank_to_na(rows[ru]) for ru, canon in REGISTRY_COLUMNS.items()})
    out["municipality_code"] = out["municipality_code"].str.zfill(2)
    names = region().municipalities
    out["config_municipality_name"] = out["municipality_code"].map(names).astype("string")
    out["extra_cells"] = rows["__extra_cells"].astype("int64")
    out["source_row"] = rows["source_row"]
    return out


def context_staging(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({canon: _blank_to_na(rows[ru]) for ru, canon in CONTEXT_COLUMNS.items()})
    out["year"] = _number(out["year_raw"])
    out["n_students"] = _number(out["n_students_raw"])
    out["isbs"] = _number(out["isbs_raw"], decimal_comma=True)
    out["extra_cells"] = rows["__extra_cells"].astype("int64")
    out["source_row"] = rows["source_row"]
    return out[
        [
            "school_code",
            "year_raw",
            "year",
            "n_students_raw",
            "n_students",
            "isbs_raw",
            "isbs",
            "extra_cells",
            "source_row",
        ]
    ]


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
    """One row per participant × task, for the task-score rules."""
    parts = []
    for t in vpr.tasks:
        raw = vpr.rows[t.task].astype("string").str.strip()
        parts.append(
            pd.DataFrame(
                {
                    "source_row": vpr.rows["source_row"].to_numpy(),
                    "task": t.task,
                    "header": t.header,
                    "raw": raw.to_numpy(),
                    "score": _number(raw.mask(raw.isin(MISSING_MARKS))).to_numpy(),
                    "max_score": float(t.max_score),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["source_file"] = source_file
    return out


def _entered(vpr: VprFile, column: str) -> pd.Series:
    """A cell the file must fill: blank stays "" so format rules reject it; NA (no rule
    applies) when the procedure's layout has no such column at all."""
    text = _blank_to_na(vpr.rows[column])
    return text if column in vpr.layout.absent else text.fillna("")


def vpr_results_staging(
    vpr: VprFile, task_long: pd.DataFrame, school_municipality: dict[str, str], source_file: str
) -> pd.DataFrame:
    rows = vpr.rows
    scale = require_scale(vpr)
    out = pd.DataFrame(
        {
            "school_code": _blank_to_na(rows["school_code"]),
            "municipality_name": _blank_to_na(rows["municipality_name"]),
            "school_name": _blank_to_na(rows["school_name"]),
            "participant_code": _blank_to_na(rows["participant_code"]),
            "class_label": _blank_to_na(rows["class_label"]),
        }
    )
    grade = out["class_label"].str.extract(_CLASS_GRADE, expand=False)
    out["class_grade"] = grade.astype("string")
    out["variant_raw"] = _entered(vpr, "variant")
    out["primary_score_raw"] = _entered(vpr, "primary_score")
    out["primary_score"] = _number(out["primary_score_raw"])
    out["mark_raw"] = _entered(vpr, "mark")
    out["mark"] = _number(out["mark_raw"])
    journal_raw = _entered(vpr, "journal_mark")
    out["journal_mark_raw"] = journal_raw
    out["journal_mark"] = _number(_mark_text(journal_raw))
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
    out["max_score"] = float(scale.max_score)
    out["source_row"] = rows["source_row"].to_numpy()
    out["source_file"] = source_file
    return out
