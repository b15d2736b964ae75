"""Staging frames of survey files: respondents, their answers (one row per item) and the
invited contingents, raw text beside typed values.

Answers are staged long so that the contract states the Likert rule once and a bad cell
is reported with its own column (the item code), while every problem still points at the
respondent's line in the file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.procedures.survey.settings import Questionnaire, SurveySettings
from soko.readers.textfile import TableProblem

RESPONSE_COLUMNS = {
    "Код ОО": "school_code",
    "Код анкеты": "respondent_id",
    "Дата заполнения": "date_raw",
    "Респондент": "respondent_raw",
    "Класс": "grade_raw",
}
CONTINGENT_COLUMNS = {
    "Код ОО": "school_code",
    "Год": "year_raw",
    "Анкета": "questionnaire_raw",
    "Приглашено": "invited_raw",
}
CONTINGENT_MARKER = "Приглашено"


def _text(rows: pd.DataFrame, column: str) -> pd.Series:
    s = rows[column].astype("string").str.strip()
    return s.mask(s == "")


def require_columns(
    path: object, header: list[str], required: list[str], row: int, n_rows: int
) -> None:
    """File rule: every required column is in the header (the file's rows count as read)."""
    missing = [c for c in required if c not in header]
    if missing:
        raise TableProblem(
            n_rows,
            str(path),
            "required_columns",
            "нет обязательных столбцов: " + ", ".join(f"«{m}»" for m in missing),
            row=row,
        )


def questionnaire_of(
    path: object, header: list[str], settings: SurveySettings, header_row: int, n_rows: int
) -> Questionnaire:
    """The questionnaire whose item codes the header carries (file rule)."""
    require_columns(path, header, list(RESPONSE_COLUMNS), header_row, n_rows)
    present = {
        code: [i for i in q.items if i in header] for code, q in settings.questionnaires.items()
    }
    best = max(present, key=lambda code: len(present[code]))
    if not present[best]:
        raise TableProblem(
            n_rows,
            str(path),
            "questionnaire_known",
            "в заголовке нет кодов вопросов ни одной анкеты из config/surveys.yml",
            row=header_row,
        )
    mixed = [code for code, found in present.items() if found and code != best]
    if mixed:
        raise TableProblem(
            n_rows,
            str(path),
            "questionnaire_single",
            "в одном файле вопросы разных анкет: "
            + ", ".join(settings.questionnaires[c].name for c in [best, *mixed]),
            row=header_row,
        )
    q = settings.questionnaires[best]
    require_columns(path, header, list(q.items), header_row, n_rows)
    return q


def response_staging(
    rows: pd.DataFrame, q: Questionnaire, source_file: str, answers_allowed: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(respondents, answers): one row per respondent, one per respondent × item.

    An answer's ``value`` is its position on the scale (``answers_allowed``: «1»…«5»), NaN
    for anything else — which the contract then rejects by its ``raw`` text.
    """
    out = pd.DataFrame({canon: _text(rows, ru) for ru, canon in RESPONSE_COLUMNS.items()})
    date = pd.to_datetime(out["date_raw"], format="%d.%m.%Y", errors="coerce")
    out["date"] = date.dt.strftime("%Y-%m-%d").astype("string")
    out["year"] = date.dt.year.astype("float64")
    out["expected_respondent"] = pd.Series(q.respondent, index=out.index, dtype="string")
    out["grade"] = pd.to_numeric(out["grade_raw"], errors="coerce").astype("float64")
    out["questionnaire"] = pd.Series(q.code, index=out.index, dtype="string")
    items = list(q.items)
    raw = rows[items].astype("string").fillna("").apply(lambda s: s.str.strip())
    out["n_answered"] = (raw != "").sum(axis=1).astype("int64").to_numpy()
    out["extra_cells"] = rows["__extra_cells"].astype("int64").to_numpy()
    out["source_row"] = rows["source_row"].astype("int64").to_numpy()
    out["source_file"] = source_file
    n = len(rows)
    cells = raw.to_numpy(dtype=object).ravel()
    answers = pd.DataFrame(
        {
            "source_file": source_file,
            "source_row": np.repeat(out["source_row"].to_numpy(), len(items)),
            "item": np.tile(np.asarray(items, dtype=object), n),
            "raw": pd.array(cells, dtype="string"),
        }
    )
    answers["raw"] = answers["raw"].mask(answers["raw"] == "")
    position = pd.Index(answers_allowed).get_indexer(cells)
    points = np.asarray([float(a) for a in answers_allowed])
    answers["value"] = np.where(position >= 0, points[position], np.nan)
    answers["item"] = answers["item"].astype("string")
    return out, answers


def contingent_staging(
    rows: pd.DataFrame, settings: SurveySettings, source_file: str
) -> pd.DataFrame:
    out = pd.DataFrame({canon: _text(rows, ru) for ru, canon in CONTINGENT_COLUMNS.items()})
    out["year"] = pd.to_numeric(out["year_raw"], errors="coerce").astype("float64")
    codes = settings.by_contingent_name()
    out["questionnaire"] = out["questionnaire_raw"].map(codes).astype("string")
    out["invited"] = pd.to_numeric(out["invited_raw"], errors="coerce").astype("float64")
    out["n_responded"] = np.nan  # filled from the accepted responses before validation
    out["extra_cells"] = rows["__extra_cells"].astype("int64").to_numpy()
    out["source_row"] = rows["source_row"].astype("int64").to_numpy()
    out["source_file"] = source_file
    return out
