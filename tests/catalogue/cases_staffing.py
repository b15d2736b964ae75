"""Bad quarterly staffing forms (issue 13 §1): each names file, sheet, row, column and rule,
and the good rows of the same form are kept.

The form is the one `soko forms --quarter` hands out (``soko.procedures.staffing.form.FORM``),
filled with :func:`soko.forms.write_form`; what a user can do past Excel's validation (type a
subject not in the list, add a column, edit the quarter, fill in LibreOffice) is done with
openpyxl on the written file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl

from soko.forms import header_row, write_form
from soko.procedure import FormContext
from soko.procedures.staffing.form import FORM, LEAVERS, POSITIONS, TEACHERS
from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import MUN1, write_registry

YEAR, QUARTER = 2026, 2
FILE = f"staffing/{YEAR}/q{QUARTER}/kadry_{YEAR}_q{QUARTER}_01.xlsx"
POS = {
    "school_code": "edu990001",
    "subject": "Математика",
    "level": "ООО",
    "positions": 4.5,
    "filled": 3.5,
    "vacant": 1,
    "hours_uncovered": 6,
    "overloaded": 1,
}
POS2 = {**POS, "subject": "Физика", "positions": 1, "filled": 1, "vacant": 0, "hours_uncovered": 0}
TEA = {
    "school_code": "edu990001",
    "person_code": "T000101",
    "subject": "Математика",
    "age_band": "60–64 года",
    "category": "высшая",
    "young": "нет",
    "retiring": "да",
}
TEA2 = {
    **TEA,
    "school_code": "edu990002",
    "person_code": "T000102",
    "age_band": "до 30 лет",
    "category": "без категории",
    "young": "да",
    "mentored": "да",
    "retiring": "нет",
}
LEA = {
    "school_code": "edu990001",
    "person_code": "T000099",
    "subject": "Физика",
    "reason": "выход на пенсию",
}
Rows = dict[str, list[dict]]


def _ctx(quarter: int = QUARTER) -> FormContext:
    return FormContext(year=YEAR, municipality_code="01", municipality_name=MUN1, quarter=quarter)


R = header_row(FORM.spec(_ctx())) + 2  # the Excel row of a sheet's first data row
HEADER = R - 1
S_POS, S_TEA = "лист «Ставки»", "лист «Педагоги»"


def _form(
    values: Rows | None = None,
    *,
    quarter: int = QUARTER,
    edit: Callable[[openpyxl.Workbook], None] | None = None,
) -> Callable[[Path], None]:
    rows = values if values is not None else {POSITIONS: [POS, POS2], TEACHERS: [TEA, TEA2]}

    def write(raw: Path) -> None:
        ctx = _ctx(quarter)
        path = raw / "staffing" / str(YEAR) / f"q{QUARTER}" / FORM.file_name(_ctx())
        write_form(FORM.spec(ctx), path, ctx.identity(), rows)
        if edit is not None:
            book = openpyxl.load_workbook(path)
            edit(book)
            book.save(path)

    return write


def _typed_past_validation(sheet: str, row: int, col: int, value: object) -> Callable:
    def edit(book: openpyxl.Workbook) -> None:
        book[sheet].cell(row, col).value = value

    return edit


def _name_column(book: openpyxl.Workbook) -> None:
    ws = book["Педагоги"]
    col = 9  # after the sheet's eight columns
    ws.cell(HEADER, col).value = "ФИО педагога"
    ws.cell(R, col).value = "Иванова Мария Петровна"
    ws.cell(R + 1, col).value = "Петров Пётр Петрович"


def _other_quarter_on_teachers(book: openpyxl.Workbook) -> None:
    book["Педагоги"]["B3"].value = "3"


def _two_municipalities(raw: Path) -> None:
    write_registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город",
            f"edu990002;МБОУ Лицей № 2;01;{MUN1};Лицей;Город",
            "edu990201;МБОУ СОШ № 1;02;г. Новоберёзовск;СОШ;Город",
        ],
    )


def _with_registry(writer: Callable[[Path], None]) -> Callable[[Path], None]:
    def write(raw: Path) -> None:
        _two_municipalities(raw)
        writer(raw)

    return write


CASES = [
    Case(
        "staffing_good",
        "staffing",
        _form({POSITIONS: [POS, POS2], TEACHERS: [TEA, TEA2], LEAVERS: [LEA]}),
        accepted={FILE: 5},
        tables={"staffing_positions": 2, "staffing_teachers": 2, "staffing_leavers": 1},
    ),
    Case(
        "staffing_bad_subject",
        "staffing",
        _form(edit=_typed_past_validation("Ставки", R + 1, 2, "Астрономия")),
        problems=(Expect(FILE, "cell_choice", R + 1, "Предмет", (S_POS, "Астрономия")),),
        accepted={FILE: 3},
        tables={"staffing_positions": 1, "staffing_teachers": 2},
    ),
    Case(
        "staffing_vacant_more_than_positions",
        "staffing",
        _form({POSITIONS: [POS, {**POS2, "positions": 2, "filled": 1, "vacant": 3}]}),
        problems=(
            Expect(
                FILE,
                "positions_balance",
                R + 1,
                "Вакантно ставок",
                (S_POS, "занято + вакантно", "ставок 2"),
            ),
        ),
        accepted={FILE: 1},
        tables={"staffing_positions": 1},
    ),
    Case(
        "staffing_unknown_school",
        "staffing",
        _form({POSITIONS: [POS, {**POS2, "school_code": "edu990099"}]}),
        problems=(Expect(FILE, "school_code_known", R + 1, "Код ОО", (S_POS, "не найден")),),
        accepted={FILE: 1},
    ),
    Case(
        "staffing_school_of_another_municipality",
        "staffing",
        _with_registry(_form({TEACHERS: [TEA, {**TEA2, "school_code": "edu990201"}]})),
        problems=(Expect(FILE, "school_in_municipality", R + 1, "Код ОО", (S_TEA, "другому")),),
        accepted={FILE: 1},
        registry=False,
    ),
    Case(
        "staffing_wrong_quarter_in_the_folder",
        "staffing",
        _form(quarter=3),
        problems=(Expect(FILE, "form_identity", 3, "Квартал", ("«3»", "«2»", "вся форма")),),
        accepted={FILE: 0},
        tables={"staffing_positions": 0},
    ),
    Case(
        "staffing_sheet_of_another_quarter",
        "staffing",
        _form(edit=_other_quarter_on_teachers),
        problems=(Expect(FILE, "form_identity_same", 3, "Квартал", (S_TEA, "«3»", "«2»")),),
        accepted={FILE: 2},
        tables={"staffing_positions": 2},
    ),
    Case(
        "staffing_missing_age_band",
        "staffing",
        _form({TEACHERS: [{**TEA, "age_band": None}, TEA2]}),
        problems=(Expect(FILE, "cell_required", R, "Возрастная группа", (S_TEA, "не заполнена")),),
        accepted={FILE: 1},
        tables={"staffing_teachers": 1},
    ),
    Case(
        "staffing_young_without_mentor_answer",
        "staffing",
        _form({TEACHERS: [TEA, {**TEA2, "mentored": None}]}),
        problems=(Expect(FILE, "cell_required_when", R + 1, "Закреплён наставник", (S_TEA,)),),
        accepted={FILE: 1},
    ),
    Case(
        "staffing_name_column_added",
        "staffing",
        _form(edit=_name_column),
        problems=(
            Expect(
                FILE,
                "form_personal_data",
                HEADER,
                "ФИО педагога",
                (S_TEA, "не должно быть ФИО", "удалите столбец"),
            ),
        ),
        # the positions are kept; no teacher row (nor the names) reaches data/processed
        accepted={FILE: 2},
        tables={"staffing_positions": 2},
    ),
    Case(
        "staffing_name_as_person_code",
        "staffing",
        _form({TEACHERS: [TEA, {**TEA2, "person_code": "Иванова М.П."}]}),
        problems=(Expect(FILE, "cell_code", R + 1, "Код педагога", (S_TEA, "не ФИО")),),
        accepted={FILE: 1},
        tables={"staffing_teachers": 1},
    ),
    Case(
        "staffing_person_twice_in_a_quarter",
        "staffing",
        _form({TEACHERS: [TEA, {**TEA, "subject": "Физика"}, TEA2]}),
        problems=(
            Expect(FILE, "person_unique", R, "Код педагога", ("уже внесён", f"строка {R + 1}")),
            Expect(FILE, "person_unique", R + 1, "Код педагога", ("уже внесён", f"строка {R}")),
        ),
        accepted={FILE: 1},
        tables={"staffing_teachers": 1},
    ),
]
