"""Ingest of survey files: questionnaires (students', parents') and invited contingents.

The kind of each file is read from its header (a contingent file has «Приглашено»; a
questionnaire is recognised by its item codes). Respondents and their answers are checked
in one pass per suite over all files; then the contingents, against the number of
accepted respondents per school (more respondents than invited is an error of either file,
and it is reported on the contingent row).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from soko.contracts.registry_periods import rows_year_problems
from soko.contracts.suites import validate_frame
from soko.file_report import (
    Combined,
    FileReport,
    apply_problems,
    combine_rows,
    display_name,
    file_problem,
    note_copies,
    spread_to_copies,
)
from soko.procedure import IngestResult
from soko.procedures.survey.settings import SurveySettings, survey_settings
from soko.procedures.survey.staging import (
    CONTINGENT_COLUMNS,
    CONTINGENT_MARKER,
    contingent_staging,
    questionnaire_of,
    require_columns,
    response_staging,
)
from soko.readers.problems import FileProblem, Problem
from soko.readers.textfile import read_text_table, rows_read
from soko.school_registry import at_year, by_year

KIND = "survey"
# The contracts' keys (rules respondent_unique, contingent_unique): a questionnaire is one
# respondent's per year; a contingent one row per school, year and questionnaire, the key
# the respondent counts are joined on (``_responded``).
RESPONDENT_KEY: tuple[str, ...] = ("year", "questionnaire", "respondent_id")
CONTINGENT_KEY: tuple[str, ...] = ("year", "questionnaire", "school_code")
SCHEMAS: dict[str, dict[str, str]] = {
    "survey_responses": {
        "year": "int64",
        "questionnaire": "string",
        "school_code": "string",
        "municipality_code": "string",
        "respondent_id": "string",
        "grade": "int64",
        "survey_date": "string",
        "source_file": "string",
        "source_row": "int64",
    },
    "survey_answers": {
        "year": "int64",
        "questionnaire": "string",
        "school_code": "string",
        "respondent_id": "string",
        "item": "string",
        "value": "Int64",  # 1..5; NA = no answer
    },
    "survey_contingents": {
        "year": "int64",
        "questionnaire": "string",
        "school_code": "string",
        "municipality_code": "string",
        "n_invited": "int64",
    },
}


@dataclass
class _Responses:
    report: FileReport
    respondents: pd.DataFrame
    answers: pd.DataFrame


@dataclass
class _Contingent:
    report: FileReport
    rows: pd.DataFrame


def _stage(
    path: Path, raw: Path, settings: SurveySettings
) -> tuple[FileReport, _Responses | _Contingent | None]:
    rep = FileReport(display_name(path, raw), KIND)
    try:
        table = read_text_table(path, (), expected="survey")
        header = [c for c in table.rows.columns if c not in ("__extra_cells", "source_row")]
        header_row = int(table.rows["source_row"].iloc[0]) - 1
        n_rows = len(table.rows)
        if CONTINGENT_MARKER in header:
            require_columns(path, header, list(CONTINGENT_COLUMNS), header_row, n_rows)
            return rep, _Contingent(rep, contingent_staging(table.rows, settings, rep.file))
        q = questionnaire_of(path, header, settings, header_row, n_rows)
        respondents, answers = response_staging(table.rows, q, rep.file, settings.answers)
        cells = table.rows.drop(columns=["source_row", "__extra_cells"], errors="ignore")
        respondents["row_signature"] = pd.util.hash_pandas_object(
            cells.astype("string"), index=False
        ).to_numpy()
    except FileProblem as exc:
        file_problem(rep, exc, rows_read(exc))
        return rep, None
    return rep, _Responses(rep, respondents, answers)


def _by_file(problems: list[Problem]) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {}
    for p in problems:
        out.setdefault(p.file, []).append(p)
    return out


def ingest_surveys(paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    settings = survey_settings()
    result = IngestResult()
    responses: list[_Responses] = []
    contingents: list[_Contingent] = []
    for path in paths:
        rep, staged = _stage(path, raw, settings)
        result.reports.append(rep)
        if isinstance(staged, _Responses):
            responses.append(staged)
        elif isinstance(staged, _Contingent):
            contingents.append(staged)
    known = {"known_school_codes": schools["school_code"].tolist()}
    mun = by_year(schools, "municipality_code")  # the registry as it was that year

    accepted: list[pd.DataFrame] = []
    if responses:
        combined = _combined(pd.concat([r.respondents for r in responses], ignore_index=True))
        answers = pd.concat(
            [
                r.answers[~combined.is_copy(r.report.file, r.answers["source_row"])]
                for r in responses
            ],
            ignore_index=True,
        )
        respondents = combined.rows.drop(columns="row_signature")
        problems = validate_frame("survey_responses", respondents, None, known)
        problems += rows_year_problems(respondents, schools, "Код ОО")
        problems += validate_frame("survey_answers", answers, None, {"answers": settings.answers})
        by_file = _by_file(problems + spread_to_copies(problems, combined.copies))
        for r in responses:
            mine = sorted(by_file.get(r.report.file, []), key=lambda p: (p.row or 0, p.rule))
            ok = note_copies(r.report, apply_problems(r.report, mine, r.respondents), combined)
            accepted.append(ok)  # each respondent once: the counts per school compare to it
            result.tables.setdefault("survey_responses", []).append(_respondent_rows(ok, mun))
            result.tables.setdefault("survey_answers", []).append(_answer_rows(r.answers, ok))

    if contingents:
        frame = pd.concat([c.rows for c in contingents], ignore_index=True)
        frame["n_responded"] = _responded(frame, accepted)
        both = _combined(frame, CONTINGENT_KEY)
        params = {**known, "contingent_names": list(settings.by_contingent_name())}
        problems = validate_frame("survey_contingents", both.rows, None, params)
        by_file = _by_file(problems + spread_to_copies(problems, both.copies))
        for c in contingents:
            staged = frame[frame["source_file"] == c.report.file]
            ok = note_copies(
                c.report, apply_problems(c.report, by_file.get(c.report.file, []), staged), both
            )
            result.tables.setdefault("survey_contingents", []).append(
                pd.DataFrame(
                    {
                        "year": ok["year"].astype("int64").to_numpy(),
                        "questionnaire": ok["questionnaire"].to_numpy(),
                        "school_code": ok["school_code"].to_numpy(),
                        "municipality_code": at_year(mun, ok["school_code"], ok["year"]).to_numpy(),
                        "n_invited": ok["invited"].astype("int64").to_numpy(),
                    }
                )
            )
    return result


def _combined(frame: pd.DataFrame, key: tuple[str, ...] = RESPONDENT_KEY) -> Combined:
    """Files combined on ``key``: identical rows kept once, conflicting ones both rejected."""
    content = [c for c in frame.columns if c not in (*key, "source_file", "source_row")]
    return combine_rows(frame, list(key), content)


def _respondent_rows(ok: pd.DataFrame, mun: Callable[[int], dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": ok["year"].astype("int64").to_numpy(),
            "questionnaire": ok["questionnaire"].to_numpy(),
            "school_code": ok["school_code"].to_numpy(),
            "municipality_code": at_year(mun, ok["school_code"], ok["year"]).to_numpy(),
            "respondent_id": ok["respondent_id"].to_numpy(),
            "grade": ok["grade"].astype("int64").to_numpy(),
            "survey_date": ok["date"].to_numpy(),
            "source_file": ok["source_file"].to_numpy(),
            "source_row": ok["source_row"].to_numpy(),
        }
    )


def _answer_rows(answers: pd.DataFrame, ok: pd.DataFrame) -> pd.DataFrame:
    who = ok.set_index("source_row")
    keep = answers[answers["source_row"].isin(who.index)]
    rows = keep["source_row"]
    return pd.DataFrame(
        {
            "year": rows.map(who["year"]).astype("int64").to_numpy(),
            "questionnaire": rows.map(who["questionnaire"]).to_numpy(),
            "school_code": rows.map(who["school_code"]).to_numpy(),
            "respondent_id": rows.map(who["respondent_id"]).to_numpy(),
            "item": keep["item"].to_numpy(),
            "value": keep["value"].astype("Int64").to_numpy(),
        }
    )


def _responded(frame: pd.DataFrame, accepted: list[pd.DataFrame]) -> pd.Series:
    """Accepted respondents per contingent row's school, year and questionnaire."""
    if not accepted or all(a.empty for a in accepted):
        return pd.Series(0.0, index=frame.index)
    resp = pd.concat(accepted, ignore_index=True)
    counts = resp.groupby(["school_code", "year", "questionnaire"]).size()
    keys = pd.MultiIndex.from_arrays([frame["school_code"], frame["year"], frame["questionnaire"]])
    return pd.Series(counts.reindex(keys).fillna(0).to_numpy(dtype="float64"), index=frame.index)
