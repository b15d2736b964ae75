"""Bad olympiad forms (issue 13 §4): each names file, sheet, row, column and rule, and the
good rows of the same form are kept.

The form is the one `soko forms` hands out (``soko.procedures.olympiads.form.FORM``) without a
registry (school codes typed, the students sheet free), filled with
:func:`soko.forms.write_form`; cells a user can type past Excel's validation are written as
the user would.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from soko.forms import header_row, write_form
from soko.procedure import FormContext
from soko.procedures.olympiads.form import FORM, PARTICIPANTS, STUDENTS
from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import MUN1, write_registry

YEAR = 2026
FILE = f"olympiads/{YEAR}/olimpiady_{YEAR}_01.xlsx"
FILE2 = f"olympiads/{YEAR}/olimpiady_{YEAR}_02.xlsx"
P = "лист «Участники»"
GOOD = {
    "stage": "Муниципальный",
    "subject": "Математика",
    "participant_code": "26-000001",
    "school_code": "edu990001",
    "grade": 8,
    "status": "призёр",
    "score": 61.5,
}
GOOD2 = {**GOOD, "stage": "Школьный", "status": "победитель", "score": 88}
STUDENTS_ROW = {
    "school_code": "edu990001",
    "school_name": "МБОУ СОШ № 1",
    "students_4_4": 50,
    "students_5_6": 100,
    "students_7_8": 100,
    "students_9_11": 120,
    "students_total": 600,
}


def _ctx(municipality: str = "01", name: str = MUN1) -> FormContext:
    return FormContext(year=YEAR, municipality_code=municipality, municipality_name=name)


def _first() -> int:
    """The Excel row of a sheet's first data row (the same on both sheets)."""
    return header_row(FORM.spec(_ctx())) + 2


def _form(
    *rows: dict,
    students: tuple[dict, ...] = (STUDENTS_ROW,),
    municipality: str = "01",
    name: str = MUN1,
) -> Callable[[Path], None]:
    def write(raw: Path) -> None:
        ctx = _ctx(municipality, name)
        path = raw / "olympiads" / str(YEAR) / FORM.file_name(ctx)
        write_form(
            FORM.spec(ctx), path, ctx.identity(), {PARTICIPANTS: list(rows), STUDENTS: students}
        )

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


R = S = _first()

CASES = [
    Case(
        "olympiads_good",
        "olympiads",
        _form(GOOD, GOOD2, {**GOOD, "participant_code": "26-000002", "grade": 6, "grade_for": 7}),
        accepted={FILE: 4},  # three participations and one school's students
        tables={"olympiad_results": 3, "olympiad_students": 5},  # four bands and the total
    ),
    Case(
        "olympiads_unknown_status",
        "olympiads",
        _form(GOOD, {**GOOD2, "status": "лауреат"}),
        problems=(Expect(FILE, "cell_choice", R + 1, "Статус", (P, "лауреат")),),
        accepted={FILE: 2},
        tables={"olympiad_results": 1},
    ),
    Case(
        "olympiads_bad_participant_code",
        "olympiads",
        _form(GOOD, {**GOOD2, "participant_code": "Иванов Иван"}),
        problems=(Expect(FILE, "cell_code", R + 1, "Код участника", (P,)),),
        accepted={FILE: 2},
    ),
    Case(
        "olympiads_unknown_school",
        "olympiads",
        _form(GOOD, {**GOOD2, "participant_code": "26-000009", "school_code": "edu990099"}),
        problems=(Expect(FILE, "school_code_known", R + 1, "Код ОО", (P, "не найден")),),
        accepted={FILE: 2},
        tables={"olympiad_results": 1},
    ),
    Case(
        "olympiads_school_of_another_municipality",
        "olympiads",
        _two_municipalities(
            _form(GOOD, {**GOOD2, "participant_code": "26-000009", "school_code": "edu990201"})
        ),
        problems=(
            Expect(FILE, "school_in_municipality", R + 1, "Код ОО", ("другому муниципалитету",)),
        ),
        accepted={FILE: 2},
        registry=False,
    ),
    Case(
        "olympiads_grade_not_allowed_at_stage",
        "olympiads",
        # the municipal stage starts in grade 7; a 6th-grader performing for 7th is fine
        _form(
            GOOD,
            {**GOOD, "participant_code": "26-000002", "grade": 6},
            {**GOOD, "participant_code": "26-000003", "grade": 6, "grade_for": 7},
        ),
        problems=(Expect(FILE, "grade_allowed_for_stage", R + 1, "Класс", (P, "не допускается")),),
        accepted={FILE: 3},
        tables={"olympiad_results": 2},
    ),
    Case(
        "olympiads_subject_not_yet_in_grade",
        "olympiads",
        # physics has no school stage in grade 4 (mathematics has)
        _form(
            {**GOOD2, "grade": 4},
            {**GOOD2, "participant_code": "26-000002", "grade": 4, "subject": "Физика"},
        ),
        problems=(Expect(FILE, "grade_allowed_for_stage", R + 1, "Класс", ("5–11",)),),
        accepted={FILE: 2},
    ),
    Case(
        "olympiads_grade_for_lower",
        "olympiads",
        _form(GOOD, {**GOOD2, "grade_for": 7}),
        problems=(Expect(FILE, "grade_for_not_lower", R + 1, "Выступал за класс", ("ниже",)),),
        accepted={FILE: 2},
    ),
    Case(
        "olympiads_participation_twice",
        "olympiads",
        _form(GOOD, {**GOOD, "score": 70.0}, GOOD2),
        problems=(
            Expect(FILE, "participation_unique", R, "Код участника", ("дважды", f"строка {R + 1}")),
            Expect(FILE, "participation_unique", R + 1, "Код участника", ("дважды", f"строка {R}")),
        ),
        accepted={FILE: 2},
        tables={"olympiad_results": 1},
    ),
    Case(
        "olympiads_code_in_two_schools",
        "olympiads",
        _two_municipalities(_form(GOOD, {**GOOD2, "school_code": "edu990002"})),
        problems=(
            Expect(FILE, "participant_one_school_grade", R, "Код участника", ("разные школа",)),
            Expect(FILE, "participant_one_school_grade", R + 1, "Код участника", ("разные",)),
        ),
        accepted={FILE: 1},
        registry=False,
    ),
    Case(
        "olympiads_students_over_total",
        "olympiads",
        _form(GOOD, students=({**STUDENTS_ROW, "students_total": 300},)),
        problems=(
            Expect(
                FILE,
                "bands_within_total",
                S,
                "Всего обучающихся (1–11 кл.)",
                ("больше", "лист «Обучающиеся»"),
            ),
        ),
        accepted={FILE: 1},
        tables={"olympiad_results": 1},
    ),
    Case(
        "olympiads_students_missing_band",
        "olympiads",
        _form(GOOD, students=({**STUDENTS_ROW, "students_7_8": None},)),
        problems=(Expect(FILE, "cell_required", S, "Обучающихся 7–8 кл.", ("не заполнена",)),),
        accepted={FILE: 1},
    ),
]
