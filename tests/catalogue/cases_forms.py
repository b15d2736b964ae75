"""Forms soko hands out and reads back (issue 12): the municipal form of the management
mechanisms filled well, and with each fault a municipality makes — a value out of range,
«может быть» for «да/нет», «да» without its document, another municipality's or year's
form, a changed grey cell, a deleted sheet, the same form sent twice, a copy saved in
LibreOffice. Each names the file, sheet, row, column and rule; the good rows are kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl

from soko.forms import header_row, write_form
from soko.procedures.mechanisms.form import mechanism_form
from soko.procedures.mechanisms.settings import mechanism_settings
from tests.catalogue.framework import Case, Expect
from tests.table_files import grid_of, write_ods

YEAR = 2026
FILE = f"mechanisms/{YEAR}/mechanisms_{YEAR}_01.xlsx"
S11 = "1.1 Качество подготовки"
S12 = "1.2 ШНОР и ШНСУ"
FIRST = header_row(mechanism_form()) + 2  # Excel row of a sheet's first data row
VALUE, NOTE = "Значение", "Документ или комментарий"


def _counts() -> tuple[int, int, dict[str, int]]:
    """(indicator rows, stage rows, rows per direction) of the form in force."""
    settings = mechanism_settings()
    per = {d: len(settings.form_indicators(d)) + len(settings.stages) for d in settings.directions}
    n_ind = sum(len(settings.form_indicators(d)) for d in settings.directions)
    return n_ind, len(settings.stages) * len(settings.directions), per


N_IND, N_STAGE, PER_SHEET = _counts()
N = N_IND + N_STAGE


def _values() -> dict[str, list[dict[str, object]]]:
    """Every indicator filled within its range, every stage «да» with its document."""
    settings = mechanism_settings()
    out = {}
    for code in settings.directions:
        rows: list[dict[str, object]] = []
        for ind in settings.form_indicators(code).values():
            value = {"share": 50.0, "count": 3, "number": 5.5, "yesno": True}[ind.kind]
            rows.append({"value": value})
        rows += [{"value": True, "note": f"приказ от 01.09.{YEAR} № 1"} for _ in settings.stages]
        out[code] = rows
    return out


def write_mechanisms(
    path: Path,
    *,
    code: str = "01",
    name: str = "г. Озёрск-на-Вельме",
    year: int = YEAR,
    edit: Callable[[openpyxl.Workbook], None] | None = None,
) -> Path:
    """A filled form; ``edit`` changes the workbook as a user would (past the validation)."""
    identity = {"year": year, "municipality_code": code, "municipality_name": name}
    write_form(mechanism_form(), path, identity, _values())
    if edit is not None:
        book = openpyxl.load_workbook(path)
        edit(book)
        book.save(path)
    return path


def _form(edit: Callable[[openpyxl.Workbook], None] | None = None, **kw: object) -> Callable:
    return lambda raw: write_mechanisms(raw / FILE, edit=edit, **kw)


def _cell(sheet: str, ref: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        book[sheet][ref] = value

    return edit


def _drop_sheet(book: openpyxl.Workbook) -> None:
    del book[S12]


def _clear_header(book: openpyxl.Workbook) -> None:
    for cell in book[S12][FIRST - 1]:
        cell.value = None


COPY = f"mechanisms/{YEAR}/mechanisms_{YEAR}_01_копия.xlsx"


def _twice(raw: Path) -> None:
    write_mechanisms(raw / FILE)
    write_mechanisms(raw / COPY)


def _two_editions(raw: Path) -> None:
    """The form sent again with one value corrected: that indicator is rejected in both."""
    write_mechanisms(raw / FILE)
    write_mechanisms(raw / COPY, edit=_cell(S11, f"E{FIRST}", 60))


def _two_municipalities(raw: Path) -> None:
    write_mechanisms(raw / FILE)
    write_mechanisms(raw / f"mechanisms/{YEAR}/m02.xlsx", code="02", name="г. Новоберёзовск")


def _ods(raw: Path) -> None:
    src = write_mechanisms(raw.parent / "src.xlsx")
    names = openpyxl.load_workbook(src).sheetnames
    sheets = [(n, grid_of(src, i)) for i, n in enumerate(names)]
    sheets[1][1][FIRST - 1][4] = "может быть"  # the first indicator's value on sheet 1.1
    write_ods(raw / f"mechanisms/{YEAR}/mechanisms_01.ods", sheets)


def _check_twice(report, processed: Path) -> None:
    """The copy's rows are accepted, each with a notice naming the row it repeats."""
    (copy,) = [f for f in report.files if f.file == COPY]
    assert len(copy.duplicates) == N
    first = copy.duplicates[0]
    assert (first.row, first.other_file, first.other_row) == (FIRST, FILE, FIRST)


def _names_the_other(report) -> None:
    (p,) = [p for f in report.files if f.file == FILE for p in f.problems]
    assert p.value == f"лист «{S11}», строка {FIRST} файла {COPY}", p.value


def _read_all(report, file: str) -> None:
    """Rows of a sheet that could not be read still count: read and rejected."""
    (rep,) = [f for f in report.files if f.file == file]
    assert rep.rows_read == N, rep.rows_read


STAGE_GOALS = FIRST + 2  # the 1.1 sheet has two indicator rows, then the stages

CASES = [
    Case(
        "mechanisms-clean",
        "mechanisms",
        _form(),
        accepted={FILE: N},
        tables={"mechanism_values": N_IND, "mechanism_stages": N_STAGE},
    ),
    Case(
        "mechanisms-two-municipalities",
        "mechanisms",
        _two_municipalities,
        accepted={FILE: N, f"mechanisms/{YEAR}/m02.xlsx": N},
        tables={"mechanism_values": 2 * N_IND, "mechanism_stages": 2 * N_STAGE},
    ),
    Case(
        "mechanisms-value-out-of-range",
        "mechanisms",
        _form(_cell(S11, f"E{FIRST}", 120)),
        problems=(
            Expect(FILE, "cell_range", FIRST, VALUE, (f"лист «{S11}»", f"E{FIRST}", "от 0 до 100")),
        ),
        accepted={FILE: N - 1},
        tables={"mechanism_values": N_IND - 1, "mechanism_stages": N_STAGE},
    ),
    Case(
        "mechanisms-maybe-instead-of-yes-no",
        "mechanisms",
        _form(_cell(S11, f"E{STAGE_GOALS}", "может быть")),
        problems=(
            Expect(FILE, "cell_choice", STAGE_GOALS, VALUE, (f"E{STAGE_GOALS}", "«да», «нет»")),
        ),
        accepted={FILE: N - 1},
        tables={"mechanism_values": N_IND, "mechanism_stages": N_STAGE - 1},
    ),
    Case(
        "mechanisms-yes-without-document",
        "mechanisms",
        _form(_cell(S12, f"F{FIRST + 3}", None)),
        problems=(Expect(FILE, "cell_required_when", FIRST + 3, NOTE, (f"лист «{S12}»", "«да»")),),
        accepted={FILE: N - 1},
        tables={"mechanism_stages": N_STAGE - 1},
    ),
    Case(
        "mechanisms-another-municipality",
        "mechanisms",
        _form(code="99"),
        problems=(Expect(FILE, "form_identity", 3, "Код муниципалитета", ("«99»", "вся форма")),),
        accepted={FILE: 0},
        tables={"mechanism_values": 0, "mechanism_stages": 0},
    ),
    Case(
        "mechanisms-sheet-of-another-municipality",
        "mechanisms",
        _form(_cell(S12, "B3", "02")),
        problems=(
            Expect(FILE, "form_identity_same", 3, "Код муниципалитета", (f"лист «{S12}»", "«01»")),
        ),
        accepted={FILE: N - PER_SHEET["1.2"]},
    ),
    Case(
        "mechanisms-wrong-year",
        "mechanisms",
        _form(year=YEAR - 1),
        problems=(Expect(FILE, "form_identity", 2, "Год", (f"«{YEAR - 1}»", f"«{YEAR}»")),),
        accepted={FILE: 0},
        tables={"mechanism_values": 0},
    ),
    Case(
        "mechanisms-changed-indicator-code",
        "mechanisms",
        _form(_cell(S11, f"B{FIRST}", "crosscheck2")),
        problems=(
            Expect(FILE, "form_prefilled", FIRST, "Код", ("нет в бланке", "«crosscheck»")),
            Expect(FILE, "form_rows", None, "Код", (f"лист «{S11}»", "«crosscheck»")),
        ),
        accepted={FILE: N - 1},
        tables={"mechanism_values": N_IND - 1},
    ),
    Case(
        "mechanisms-changed-indicator-title",
        "mechanisms",
        _form(_cell(S11, f"C{FIRST + 1}", "Что-то другое")),
        problems=(
            Expect(
                FILE,
                "form_prefilled",
                FIRST + 1,
                "Показатель или этап управленческого цикла",
                ("изменена",),
            ),
        ),
        accepted={FILE: N - 1},
    ),
    Case(
        "mechanisms-missing-sheet",
        "mechanisms",
        _form(_drop_sheet),
        problems=(Expect(FILE, "form_sheet", None, None, (f"«{S12}»",)),),
        accepted={FILE: N - PER_SHEET["1.2"]},
        tables={"mechanism_stages": N_STAGE - 9},
    ),
    Case(
        "mechanisms-header-cleared",
        "mechanisms",
        _form(_clear_header),
        problems=(Expect(FILE, "form_header", None, None, (f"лист «{S12}»", "«Значение»")),),
        accepted={FILE: N - PER_SHEET["1.2"]},
        check=lambda report, processed: _read_all(report, FILE),
    ),
    Case(
        "mechanisms-sent-twice",
        "mechanisms",
        _twice,
        accepted={FILE: N, COPY: N},
        tables={"mechanism_values": N_IND, "mechanism_stages": N_STAGE},
        check=_check_twice,
    ),
    Case(
        "mechanisms-sent-twice-in-two-editions",
        "mechanisms",
        _two_editions,
        problems=(
            Expect(FILE, "mechanism_value_unique", FIRST, "Код", (f"лист «{S11}»", "дважды")),
            Expect(COPY, "mechanism_value_unique", FIRST, "Код", (f"лист «{S11}»", "дважды")),
        ),
        accepted={FILE: N - 1, COPY: N - 1},
        tables={"mechanism_values": N_IND - 1, "mechanism_stages": N_STAGE},
        check=lambda report, processed: _names_the_other(report),
    ),
    Case(
        "mechanisms-ods-from-libreoffice",
        "mechanisms",
        _ods,
        problems=(
            Expect(f"mechanisms/{YEAR}/mechanisms_01.ods", "cell_number", FIRST, VALUE, ("число",)),
        ),
        accepted={f"mechanisms/{YEAR}/mechanisms_01.ods": N - 1},
    ),
]
