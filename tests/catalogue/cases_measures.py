"""Bad register-of-measures forms (issue 12 §3): each names file, sheet, row, column and rule,
and the good rows of the same form are kept.

The form is the one `soko forms` hands out (``soko.procedures.measures.register.FORM``),
filled with :func:`soko.forms.write_form`; cells a user can type past Excel's validation
(or fill in LibreOffice) are written as the user would.
"""

from __future__ import annotations

from pathlib import Path

from soko.forms import header_row, write_form
from soko.procedure import FormContext
from soko.procedures.measures.register import FORM
from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import MUN1, write_registry

YEAR = 2026
FILE = f"measures/{YEAR}/reestr_mer_{YEAR}_01.xlsx"
SHNOR = "Программа поддержки школ с низкими образовательными результатами"
TRAINING = "Курсы повышения квалификации учителей предмета"
CROSS = "Перекрёстная проверка работ ВПР"
GOOD = {
    "school_code": "edu990001",
    "kind": SHNOR,
    "start_year": 2025,
    "addressee": "Администрация школы",
    "document": "Приказ от 01.09.2024 № 5",
}
GOOD2 = {"kind": CROSS, "start_year": 2025}


def _ctx(municipality: str = "01", name: str = MUN1) -> FormContext:
    return FormContext(year=YEAR, municipality_code=municipality, municipality_name=name)


def first_row() -> int:
    """The Excel row of the form's first data row."""
    return header_row(FORM.spec(_ctx())) + 2


def _form(*rows: dict, municipality: str = "01", name: str = MUN1) -> callable:
    def write(raw: Path) -> None:
        ctx = _ctx(municipality, name)
        path = raw / "measures" / str(YEAR) / FORM.file_name(ctx)
        write_form(FORM.spec(ctx), path, ctx.identity(), {"measures": list(rows)})

    return write


def _two_municipalities(raw: Path) -> None:
    write_registry(
        raw,
        [
            f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город",
            f"edu990002;МБОУ Лицей № 2;01;{MUN1};Лицей;Город",
            "edu990201;МБОУ СОШ № 1;02;г. Новоберёзовск;СОШ;Город",
        ],
    )


def _with_registry(writer: callable) -> callable:
    def write(raw: Path) -> None:
        _two_municipalities(raw)
        writer(raw)

    return write


R = first_row()
SHEET = "лист «Реестр мер»"

CASES = [
    Case(
        "measures_good",
        "measures",
        _form(
            GOOD,
            GOOD2,
            {
                **GOOD,
                "school_code": "edu990002",
                "kind": TRAINING,
                "subject": "Математика",
                "end_year": 2025,
            },
        ),
        accepted={FILE: 3},
        tables={"measures": 3},
    ),
    Case(
        "measures_bad_kind",
        "measures",
        _form(GOOD, {**GOOD, "school_code": "edu990002", "kind": "Ремонт спортзала"}),
        problems=(Expect(FILE, "cell_choice", R + 1, "Вид меры", (SHEET, "Ремонт спортзала")),),
        accepted={FILE: 1},
        tables={"measures": 1},
    ),
    Case(
        "measures_bad_year",
        "measures",
        _form(GOOD, {**GOOD, "school_code": "edu990002", "start_year": "25-й"}),
        problems=(Expect(FILE, "cell_number", R + 1, "Год начала", (SHEET, "год")),),
        accepted={FILE: 1},
        tables={"measures": 1},
    ),
    Case(
        "measures_year_out_of_range",
        "measures",
        _form(GOOD, {**GOOD, "school_code": "edu990002", "start_year": 1925}),
        problems=(Expect(FILE, "cell_range", R + 1, "Год начала", (SHEET,)),),
        accepted={FILE: 1},
    ),
    Case(
        "measures_missing_kind",
        "measures",
        _form({**GOOD, "kind": None}, GOOD2),
        problems=(Expect(FILE, "cell_required", R, "Вид меры", (SHEET, "не заполнена")),),
        accepted={FILE: 1},
        tables={"measures": 1},
    ),
    Case(
        "measures_unknown_school",
        "measures",
        _form(GOOD, {**GOOD, "school_code": "edu990099"}),
        problems=(Expect(FILE, "school_code_known", R + 1, "Код ОО", (SHEET, "не найден")),),
        accepted={FILE: 1},
        tables={"measures": 1},
    ),
    Case(
        "measures_school_of_another_municipality",
        "measures",
        _with_registry(_form(GOOD, {**GOOD, "school_code": "edu990201"})),
        problems=(
            Expect(FILE, "school_in_municipality", R + 1, "Код ОО", ("другому муниципалитету",)),
        ),
        accepted={FILE: 1},
        registry=False,
    ),
    Case(
        "measures_school_measure_without_school",
        "measures",
        _form({**GOOD, "school_code": None}, GOOD2),
        problems=(Expect(FILE, "school_required", R, "Код ОО", ("укажите код ОО",)),),
        accepted={FILE: 1},
    ),
    Case(
        "measures_training_without_subject",
        "measures",
        _form(GOOD, {**GOOD, "school_code": "edu990002", "kind": TRAINING}),
        problems=(Expect(FILE, "cell_required_when", R + 1, "Предмет", (SHEET,)),),
        accepted={FILE: 1},
    ),
    Case(
        "measures_end_before_start",
        "measures",
        _form(GOOD, {**GOOD, "school_code": "edu990002", "end_year": 2024}),
        problems=(Expect(FILE, "end_after_start", R + 1, "Год окончания", ("раньше",)),),
        accepted={FILE: 1},
    ),
    Case(
        "measures_start_after_form_year",
        "measures",
        _form(GOOD, {**GOOD, "school_code": "edu990002", "start_year": YEAR + 1}),
        problems=(
            Expect(FILE, "start_not_after_form_year", R + 1, "Год начала", ("позже года формы",)),
        ),
        accepted={FILE: 1},
    ),
    Case(
        "measures_registered_twice",
        "measures",
        _form(GOOD, {**GOOD, "document": "Приказ от 02.09.2024 № 6"}, GOOD2),
        problems=(
            Expect(FILE, "measure_unique", R, "Вид меры", ("дважды", f"строка {R + 1}")),
            Expect(FILE, "measure_unique", R + 1, "Вид меры", ("дважды", f"строка {R}")),
        ),
        accepted={FILE: 1},
        tables={"measures": 1},
    ),
]
