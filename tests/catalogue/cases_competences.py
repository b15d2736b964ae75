"""Bad diagnostics-of-competences forms (issue 13 §2): each names file, sheet, row, column and
rule, and the good rows of the same form are kept; a form with a name column is not read at
all, and a name typed into the code column is not repeated in the problems.

The form is the one `soko forms` hands out (``soko.procedures.competences.form.FORM``), filled
with :func:`soko.forms.write_form`; cells a user can type past Excel's validation (or fill in
LibreOffice) are written as the user would.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd

from soko.forms import header_row, write_form
from soko.pipeline.ingest import IngestReport
from soko.procedure import FormContext
from soko.procedures.competences.form import FORM, SHEET_NAME
from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import MUN1, write_registry

YEAR = 2026
FILE = f"competences/{YEAR}/kompetentsii_{YEAR}_01.xlsx"
TEACHER = {
    "person_code": "T1000001",
    "role": "Учитель",
    "school_code": "edu990001",
    "subject": "Математика",
    "score_subject_knowledge": 55,
    "score_methods": 70,
    "score_assessment_literacy": 62.5,
    "trained": "да",
}
TEACHER2 = {**TEACHER, "person_code": "T1000002", "subject": "Русский язык", "trained": "нет"}
HEAD = {
    "person_code": "H1000001",
    "role": "Руководитель ОО",
    "school_code": "edu990002",
    "score_quality_management": 48,
    "score_results_analysis": 66,
    "score_psychological_climate": 71,
    "trained": "нет",
}
DOMAINS = 3  # canonical rows per person: one per domain of the role


def _ctx(municipality: str = "01", name: str = MUN1) -> FormContext:
    return FormContext(year=YEAR, municipality_code=municipality, municipality_name=name)


R = header_row(FORM.spec(_ctx())) + 2  # the Excel row of the form's first data row
SHEET = f"лист «{SHEET_NAME}»"


def _form(*rows: dict) -> Callable[[Path], None]:
    def write(raw: Path) -> None:
        ctx = _ctx()
        path = raw / "competences" / str(YEAR) / FORM.file_name(ctx)
        write_form(FORM.spec(ctx), path, ctx.identity(), {"diagnostics": list(rows)})

    return write


def _with_names(*rows: dict) -> Callable[[Path], None]:
    """The form filled, then a «ФИО» column added by hand beside the table."""

    def write(raw: Path) -> None:
        _form(*rows)(raw)
        path = raw / FILE
        book = openpyxl.load_workbook(path)
        sheet = book[SHEET_NAME]
        column = sheet.max_column + 1
        sheet.cell(row=R - 1, column=column, value="ФИО")
        for i, name in enumerate(["Иванова Мария Петровна", "Петров Сергей"][: len(rows)]):
            sheet.cell(row=R + i, column=column, value=name)
        book.save(path)

    return write


def _two_municipalities(writer: Callable[[Path], None]) -> Callable[[Path], None]:
    def write(raw: Path) -> None:
        write_registry(
            raw,
            [
                f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город",
                f"edu990002;МБОУ Лицей № 2;01;{MUN1};Лицей;Город",
                "edu990201;МБОУ СОШ № 1;02;г. Новоберёзовск;СОШ;Город",
            ],
        )
        writer(raw)

    return write


def _no_names_anywhere(*names: str) -> Callable[[IngestReport, Path], None]:
    def check(report: IngestReport, processed: Path) -> None:
        for path in processed.rglob("*"):
            if path.suffix in (".csv", ".json"):
                text = path.read_text(encoding="utf-8-sig")
            elif path.suffix == ".parquet":
                text = pd.read_parquet(path).to_csv()
            else:
                continue
            assert not [n for n in names if n in text], path
        values = [p.value or "" for f in report.files for p in f.problems]
        assert not [v for v in values for n in names if n in v]

    return check


CASES = [
    Case(
        "competences_good",
        "competences",
        _form(TEACHER, TEACHER2, HEAD),
        accepted={FILE: 3},
        tables={"competence_scores": 3 * DOMAINS},
    ),
    Case(
        "competences_score_out_of_range",
        "competences",
        _form(TEACHER, {**TEACHER2, "score_methods": 120}),
        problems=(
            Expect(FILE, "cell_range", R + 1, "Методика преподавания, % от максимума", (SHEET,)),
        ),
        accepted={FILE: 1},
        tables={"competence_scores": DOMAINS},
    ),
    Case(
        "competences_score_not_a_number",
        "competences",
        _form(TEACHER, {**TEACHER2, "score_methods": "высокий"}),
        problems=(
            Expect(FILE, "cell_number", R + 1, "Методика преподавания, % от максимума", (SHEET,)),
        ),
        accepted={FILE: 1},
    ),
    Case(
        "competences_unknown_school",
        "competences",
        _form(TEACHER, {**TEACHER2, "school_code": "edu990099"}),
        problems=(Expect(FILE, "school_code_known", R + 1, "Код ОО", (SHEET, "не найден")),),
        accepted={FILE: 1},
        tables={"competence_scores": DOMAINS},
    ),
    Case(
        "competences_school_of_another_municipality",
        "competences",
        _two_municipalities(_form(TEACHER, {**TEACHER2, "school_code": "edu990201"})),
        problems=(
            Expect(FILE, "school_in_municipality", R + 1, "Код ОО", ("другому муниципалитету",)),
        ),
        accepted={FILE: 1},
        registry=False,
    ),
    Case(
        "competences_teacher_without_subject",
        "competences",
        _form({**TEACHER, "subject": None}, HEAD),
        problems=(Expect(FILE, "cell_required_when", R, "Предмет", (SHEET,)),),
        accepted={FILE: 1},
        tables={"competence_scores": DOMAINS},
    ),
    Case(
        "competences_teacher_score_missing",
        "competences",
        _form({**TEACHER, "score_methods": None}, HEAD),
        problems=(Expect(FILE, "scores_complete", R, "Баллы", ("не все области", "Учитель")),),
        accepted={FILE: 1},
    ),
    Case(
        "competences_head_with_teacher_scores",
        "competences",
        _form(TEACHER, {**HEAD, "score_methods": 50}),
        problems=(Expect(FILE, "scores_of_role", R + 1, "Баллы", ("другой роли",)),),
        accepted={FILE: 1},
    ),
    Case(
        "competences_person_twice",
        "competences",
        _form(TEACHER, {**TEACHER2, "person_code": TEACHER["person_code"]}, HEAD),
        problems=(
            Expect(FILE, "person_unique", R, "Код педагога", ("дважды", f"строка {R + 1}")),
            Expect(FILE, "person_unique", R + 1, "Код педагога", ("дважды", f"строка {R}")),
        ),
        accepted={FILE: 1},
        tables={"competence_scores": DOMAINS},
    ),
    Case(
        "competences_name_instead_of_code",
        "competences",
        _form(TEACHER, {**TEACHER2, "person_code": "Иванова М. П."}),
        problems=(Expect(FILE, "cell_code", R + 1, "Код педагога", (SHEET, "латинские")),),
        accepted={FILE: 1},
        check=_no_names_anywhere("Иванова"),
    ),
    Case(
        "competences_name_column",
        "competences",
        _with_names(TEACHER, TEACHER2),
        problems=(
            Expect(FILE, "personal_data", R - 1, "ФИО", ("персональными данными", "удалите")),
        ),
        accepted={FILE: 0},
        tables={"competence_scores": 0},
        check=_no_names_anywhere("Иванова", "Петров"),
    ),
]
