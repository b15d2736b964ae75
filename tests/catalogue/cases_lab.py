"""Bad laboratory-equipment forms (issue 13 §3): each names file, sheet, row, column and rule,
and the good rows of the same form are kept.

The form is the one `soko forms` hands out (``soko.procedures.lab.form.FORM``), prefilled
with the municipality's schools of the catalogue's two-school registry, filled with
:func:`soko.forms.write_form`; cells a user can type past Excel's validation (or fill in
LibreOffice) are written as the user would. Every form has a sheet per kind of equipment of
``config/lab.yml`` with a row per school: 2 schools × the kinds rows in all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd

from soko.forms import header_row, write_form
from soko.procedure import FormContext
from soko.procedures.lab.form import FORM
from soko.procedures.lab.settings import lab_settings
from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import MUN1

YEAR = 2026
FILE = f"lab/{YEAR}/oborudovanie_{YEAR}_01.xlsx"
COPY = f"lab/{YEAR}/oborudovanie_{YEAR}_01_копия.xlsx"
REGISTRY = pd.DataFrame(
    {
        "school_code": ["edu990001", "edu990002"],
        "school_name": ["МБОУ СОШ № 1", "МБОУ Лицей № 2"],
        "municipality_code": ["01", "01"],
        "municipality_name": [MUN1, MUN1],
    }
)
KINDS = [k.code for k in lab_settings().kinds]
N = 2 * len(KINDS)  # rows of a form
NONE = {"has_equipment": "нет"}
USED = {
    "has_equipment": "да",
    "year_received": 2021,
    "sets": 6,
    "lessons_h1": 12,
    "practical_h1": 4,
    "lessons_h2": 10,
    "practical_h2": 3,
}


def _ctx() -> FormContext:
    return FormContext(YEAR, "01", MUN1, schools=REGISTRY)


R = header_row(FORM.spec(_ctx())) + 2  # the Excel row of the first school (edu990001)


def _values(biology: tuple[dict, dict]) -> dict[str, list[dict]]:
    values = {k: [NONE, NONE] for k in KINDS}
    values["physics"] = [USED, NONE]
    values["biology"] = list(biology)
    return values


def _form(first: dict, second: dict, *, name: str = FILE) -> Callable[[Path], None]:
    """The form with the biology sheet's two rows as given (physics: the first school uses
    its sets; the other kinds: none)."""

    def write(raw: Path) -> None:
        ctx = _ctx()
        write_form(FORM.spec(ctx), raw / name, ctx.identity(), _values((first, second)))

    return write


def _grey_changed(raw: Path) -> None:
    """The second school's grey code on the biology sheet typed over (past the protection)."""
    _form(USED, NONE)(raw)
    book = openpyxl.load_workbook(raw / FILE)
    book["Биология"][f"A{R + 1}"] = "edu990077"
    book.save(raw / FILE)


def _twice(raw: Path) -> None:
    _form(USED, NONE)(raw)
    _form(USED, NONE, name=COPY)(raw)


def _twice_different(raw: Path) -> None:
    _form(USED, NONE)(raw)
    _form({**USED, "sets": 7}, NONE, name=COPY)(raw)


BIO = "лист «Биология»"

CASES = [
    Case(
        "lab_good",
        "lab",
        _form(USED, NONE),
        accepted={FILE: N},
        tables={"lab_equipment": 2 * N},  # a row per term
    ),
    Case(
        "lab_sets_missing_when_yes",
        "lab",
        _form({**USED, "sets": None}, NONE),
        problems=(Expect(FILE, "cell_required_when", R, "Комплектов", (BIO,)),),
        accepted={FILE: N - 1},
    ),
    Case(
        "lab_lessons_not_a_number",
        "lab",
        _form({**USED, "lessons_h1": "десять"}, NONE),
        problems=(Expect(FILE, "cell_number", R, "Уроков с оборудованием, 1 полугодие", (BIO,)),),
        accepted={FILE: N - 1},
    ),
    Case(
        "lab_yes_no_typed_otherwise",
        "lab",
        _form(USED, {"has_equipment": "имеется"}),
        problems=(Expect(FILE, "cell_choice", R + 1, "Есть оборудование", (BIO, "имеется")),),
        accepted={FILE: N - 1},
    ),
    Case(
        "lab_use_without_equipment",
        "lab",
        _form(USED, {**NONE, "lessons_h1": 5}),
        problems=(
            Expect(FILE, "use_without_equipment", R + 1, "Есть оборудование", (BIO, "«нет»")),
        ),
        accepted={FILE: N - 1},
        tables={"lab_equipment": 2 * (N - 1)},
    ),
    Case(
        "lab_more_practical_than_lessons",
        "lab",
        _form({**USED, "practical_h2": 11}, NONE),
        problems=(
            Expect(
                FILE,
                "practical_not_over_lessons",
                R,
                "Практических работ",
                (BIO, "больше, чем уроков", "2 полугодие"),
            ),
        ),
        accepted={FILE: N - 1},
    ),
    Case(
        "lab_received_after_form_year",
        "lab",
        _form({**USED, "year_received": YEAR + 1}, NONE),
        problems=(
            Expect(FILE, "received_not_after_form_year", R, "Год получения", ("позже года",)),
        ),
        accepted={FILE: N - 1},
    ),
    Case(
        "lab_grey_school_code_changed",
        "lab",
        _grey_changed,
        problems=(
            Expect(FILE, "form_prefilled", R + 1, "Код ОО", (BIO, "серые ячейки", "edu990077")),
        ),
        accepted={FILE: N - 1},
        exact=False,  # the reader also names the row of the form now missing
    ),
    Case(
        "lab_form_sent_twice",
        "lab",
        _twice,
        accepted={FILE: N, COPY: N},
        tables={"lab_equipment": 2 * N},  # the copy is written once
    ),
    Case(
        "lab_two_forms_disagree",
        "lab",
        _twice_different,
        problems=(
            Expect(FILE, "school_kind_unique", R, "Код ОО", (BIO, "дважды")),
            Expect(COPY, "school_kind_unique", R, "Код ОО", (BIO, "дважды")),
        ),
        accepted={FILE: N - 1, COPY: N - 1},
    ),
]
