"""The generic forms layer: a spec written as a template with data validation, filled,
and read back with the same rules (soko.forms)."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import soko.pipeline.forms as forms_pipeline
from soko.config import region
from soko.forms import (
    MUNICIPALITY_CODE,
    MUNICIPALITY_NAME,
    YEAR,
    Column,
    FormSpec,
    Row,
    SheetSpec,
    check_cell,
    folder_year,
    header_row,
    read_form,
    read_forms,
    rule_text,
    stated_year,
    validate_forms,
    write_form,
)
from soko.forms.writer import CREATED
from soko.pipeline.forms import blank_forms
from soko.procedure import FormContext, FormTemplate
from soko.registry import discover
from tests.table_files import grid_of, write_ods

IDENTITY = {"year": 2027, "municipality_code": "01", "municipality_name": "Город"}
LONG_CHOICES = tuple(f"Вариант ответа номер {i}" for i in range(20))


def spec() -> FormSpec:
    """Two sheets: a fixed list with per-row rules (numbers and stages), and free rows of
    every kind."""
    fixed = SheetSpec(
        code="1.1",
        name="1.1 Качество подготовки",
        heading="1.1 Механизмы оценки качества подготовки обучающихся",
        key="code",
        columns=(
            Column("code", "Код", kind="code", locked=True),
            Column("title", "Показатель или этап", locked=True),
            Column("value", "Значение", kind="number", required=True),
            Column("note", "Документ или комментарий", hint="реквизиты документа"),
        ),
        rows=(
            Row(
                {"code": "1.1.1", "title": "Доля ОО с признаками необъективности"},
                {"value": {"kind": "share"}},
            ),
            Row(
                {"code": "1.1.2", "title": "Число мероприятий"},
                {"value": {"kind": "integer", "minimum": 0, "maximum": 50}},
            ),
            Row(
                {"code": "goals", "title": "Цели определены"},
                {"value": {"kind": "yesno"}, "note": {"required_when": ("value", "да")}},
            ),
        ),
    )
    free = SheetSpec(
        code="schools",
        name="Школы",
        columns=(
            Column(
                "school_code",
                "Код ОО",
                kind="code",
                required=True,
                pattern=r"edu\d{4,10}",
                pattern_hint="edu и цифры",
            ),
            Column("year_opened", "Год открытия", kind="year"),
            Column("kind", "Вид", kind="choice", choices=("СОШ", "ООШ", "Гимназия")),
            Column("long", "Длинный список", kind="choice", choices=LONG_CHOICES),
            Column("pupils", "Обучающихся", kind="integer", minimum=0),
            Column("share", "Доля, %", kind="share"),
            Column("comment", "Комментарий", max_length=20),
        ),
        input_rows=20,
    )
    return FormSpec(
        code="test",
        title="Проверочная форма",
        sheets=(fixed, free),
        identity=(YEAR, MUNICIPALITY_CODE, MUNICIPALITY_NAME),
        instructions=("Заполните форму.",),
    )


VALUES = {
    "1.1": [
        {"value": 12.5, "note": "комментарий"},
        {"value": 3},
        {"value": True, "note": "приказ № 5 от 01.02.2027"},
    ],
    "schools": [
        {
            "school_code": "edu990001",
            "year_opened": 1990,
            "kind": "СОШ",
            "long": LONG_CHOICES[7],
            "pupils": 640,
            "share": 45.5,
            "comment": "ок",
        },
        {"school_code": "edu990002", "kind": "Гимназия", "pupils": 0},
    ],
}


def _write(tmp: Path, values=VALUES, name: str = "f.xlsx") -> Path:
    return write_form(spec(), tmp / name, IDENTITY, values)


def test_round_trip_reads_back_what_was_written(tmp_path: Path) -> None:
    read = read_form(_write(tmp_path), spec(), "forms/f.xlsx", {"year": "2027"})
    assert read.problems == []
    assert read.identity == {
        "year": "2027",
        "municipality_code": "01",
        "municipality_name": "Город",
    }
    fixed = read.accepted("1.1")
    assert fixed["code"].tolist() == ["1.1.1", "1.1.2", "goals"]
    assert fixed["value"].tolist() == [12.5, 3, True]
    assert fixed["note"].fillna("").tolist() == ["комментарий", "", "приказ № 5 от 01.02.2027"]
    first = header_row(spec()) + 2  # Excel row of the first data row
    assert fixed["row"].tolist() == [first, first + 1, first + 2]
    assert set(fixed["sheet"]) == {"1.1"}
    free = read.accepted("schools")
    assert len(free) == 2
    got = free.iloc[0].to_dict()
    for name, value in VALUES["schools"][0].items():
        assert got[name] == value, name
    assert pd.isna(free.iloc[1]["year_opened"]) and free.iloc[1]["pupils"] == 0
    assert str(free["pupils"].dtype) == "Int64" and str(free["share"].dtype) == "float64"
    rep = read.report("test")
    assert (rep.rows_read, rep.rows_accepted) == (5, 5)


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    a = _write(tmp_path, name="a.xlsx").read_bytes()
    b = _write(tmp_path, name="b.xlsx").read_bytes()
    assert a == b
    other = write_form(spec(), tmp_path / "c.xlsx", {**IDENTITY, "municipality_code": "02"})
    assert other.read_bytes() != a
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        core = z.read("docProps/core.xml").decode()
    assert CREATED.strftime("%Y-%m-%d") in core


def test_the_template_has_data_validation_on_every_input_cell(tmp_path: Path) -> None:
    path = write_form(spec(), tmp_path / "blank.xlsx", IDENTITY)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "Инструкция"
    assert book["Списки"].sheet_state == "hidden"
    ws = book["1.1 Качество подготовки"]
    assert ws.protection.sheet and not ws.protection.password
    assert ws.freeze_panes == f"A{header_row(spec()) + 2}"
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    top = header_row(spec()) + 2
    share, count, stage = rules[f"C{top}"], rules[f"C{top + 1}"], rules[f"C{top + 2}"]
    assert (share.type, share.formula1, share.formula2) == ("decimal", "0", "100")
    assert (count.type, count.formula1, count.formula2) == ("whole", "0", "50")
    assert stage.type == "list" and stage.formula1 == '"да,нет"'
    assert "реквизиты документа" in rules[f"D{top}"].prompt
    assert f"A{top}" not in rules  # a locked cell has no validation: it is not typed in
    assert ws[f"A{top}"].protection.locked and not ws[f"C{top}"].protection.locked
    # the free sheet: one rule per column over every input row
    free = {str(dv.sqref): dv for dv in book["Школы"].data_validations.dataValidation}
    last = top + 19
    assert free[f"A{top}:A{last}"].type == "textLength"
    assert free[f"B{top}:B{last}"].formula1 == "1900"
    assert free[f"C{top}:C{last}"].formula1 == '"СОШ,ООШ,Гимназия"'
    assert free[f"D{top}:D{last}"].formula1 == "'Списки'!$A$1:$A$20"
    assert len(free) == len(spec().sheet("schools").columns)
    # and in the raw XML, as Excel reads it
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet2.xml").decode()
    assert len(re.findall(r"<dataValidation ", xml)) == 3 * 2  # value and note of 3 rows


def _cell(path: Path, sheet: str, ref: str, value: object) -> Path:
    """Change one cell as a user would in a program that ignores the validation."""
    book = openpyxl.load_workbook(path)
    book[sheet][ref] = value
    book.save(path)
    return path


def _problems(path: Path, **expected) -> list:
    read = read_form(path, spec(), "forms/f.xlsx", expected or None)
    return read, [(p.row, p.column, p.rule) for p in read.problems]


TOP = header_row(spec()) + 2


@pytest.mark.parametrize(
    ("sheet", "ref", "value", "rule", "column", "words"),
    [
        ("1.1 Качество подготовки", f"C{TOP}", 120, "cell_range", "Значение", "от 0 до 100"),
        ("1.1 Качество подготовки", f"C{TOP}", "много", "cell_number", "Значение", "число"),
        ("1.1 Качество подготовки", f"C{TOP + 1}", 2.5, "cell_integer", "Значение", "целое"),
        ("1.1 Качество подготовки", f"C{TOP + 2}", "может быть", "cell_choice", "Значение", "«да»"),
        ("1.1 Качество подготовки", f"C{TOP}", None, "cell_required", "Значение", "не заполнена"),
        (
            "1.1 Качество подготовки",
            f"D{TOP + 2}",
            None,
            "cell_required_when",
            "Документ или комментарий",
            "«да»",
        ),
        (
            "1.1 Качество подготовки",
            f"A{TOP + 1}",
            "1.1.9",
            "form_prefilled",
            "Код",
            "нет в бланке",
        ),
        (
            "1.1 Качество подготовки",
            f"B{TOP + 1}",
            "Другое",
            "form_prefilled",
            "Показатель или этап",
            "изменена",
        ),
        ("Школы", f"A{TOP}", "edu 990001", "cell_code", "Код ОО", "edu и цифры"),
        ("Школы", f"B{TOP}", 1890, "cell_range", "Год открытия", "от 1900"),
        ("Школы", f"C{TOP}", "Лицей", "cell_choice", "Вид", "«Гимназия»"),
        ("Школы", f"E{TOP}", -3, "cell_range", "Обучающихся", "не меньше 0"),
        ("Школы", f"G{TOP}", "x" * 21, "cell_length", "Комментарий", "до 20"),
    ],
)
def test_each_broken_rule_names_file_sheet_row_column(
    tmp_path: Path, sheet: str, ref: str, value: object, rule: str, column: str, words: str
) -> None:
    path = _cell(_write(tmp_path), sheet, ref, value)
    read = read_form(path, spec(), "forms/f.xlsx")
    row = int(ref[1:])
    found = [(p.row, p.column, p.rule) for p in read.problems]
    if rule == "form_prefilled" and column == "Код":  # the code it replaced is missed too
        assert found == [(row, column, rule), (None, "Код", "form_rows")]
        assert "«1.1.2»" in read.problems[1].message
    else:
        assert found == [(row, column, rule)]
    p = read.problems[0]
    assert p.file == "forms/f.xlsx"
    assert f"лист «{sheet}», ячейка {ref} («{column}»)" in p.message
    assert words in p.message, p.message
    assert "[правило: " + rule in p.text()
    # the bad row alone is rejected
    rep = read.report("test")
    assert (rep.rows_read, rep.rows_accepted) == (5, 4)
    code = "1.1" if sheet.startswith("1.1") else "schools"
    assert row not in read.accepted(code)["row"].tolist()


def test_a_yes_stage_with_its_document_and_a_no_without_are_fine(tmp_path: Path) -> None:
    values = {**VALUES, "1.1": [VALUES["1.1"][0], VALUES["1.1"][1], {"value": False}]}
    read = read_form(_write(tmp_path, values), spec())
    assert read.problems == [] and read.accepted("1.1")["value"].tolist()[2] is False


def test_wrong_identity_rejects_the_whole_form(tmp_path: Path) -> None:
    path = _write(tmp_path)
    read = read_form(path, spec(), "forms/f.xlsx", {"year": "2026"})
    assert [(p.row, p.column, p.rule) for p in read.problems] == [(2, "Год", "form_identity")]
    assert "«2027», а ожидается «2026»" in read.problems[0].message
    assert (read.rows_read, read.rows_accepted) == (5, 0)
    read = read_form(path, spec(), "f.xlsx", {"municipality_code": ["02", "03"]})
    assert [p.rule for p in read.problems] == ["form_identity"]
    assert "«02», «03»" in read.problems[0].message


def test_a_sheet_from_another_form_is_rejected_alone(tmp_path: Path) -> None:
    path = _cell(_write(tmp_path), "Школы", "B3", "02")
    read = read_form(path, spec(), "f.xlsx")
    assert [(p.row, p.column, p.rule) for p in read.problems] == [
        (3, "Код муниципалитета", "form_identity_same")
    ]
    assert "лист «Школы», ячейка B3" in read.problems[0].message
    assert (read.rows_read, read.rows_accepted) == (5, 3)


def test_a_missing_sheet_and_a_deleted_row_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path)
    book = openpyxl.load_workbook(path)
    book["Школы"].title = "Школы района"  # renamed: not the blank's sheet any more
    book["1.1 Качество подготовки"].delete_rows(TOP + 1)
    book.save(path)
    read = read_form(path, spec(), "f.xlsx")
    assert [(p.row, p.column, p.rule) for p in read.problems] == [
        (None, None, "form_sheet"),
        (None, "Код", "form_rows"),
    ]
    assert "нет листа «Школы»" in read.problems[0].message
    assert "листы не из бланка: «Школы района»" in read.problems[0].message
    assert "«1.1.2»" in read.problems[1].message
    assert (read.rows_read, read.rows_accepted) == (2, 2)


def test_sorted_rows_and_an_inserted_line_still_read(tmp_path: Path) -> None:
    """Rows are matched by their code and the header by its text, not by position."""
    path = _write(tmp_path)
    book = openpyxl.load_workbook(path)
    ws = book["1.1 Качество подготовки"]
    ws.protection.sheet = False
    first = [c.value for c in ws[TOP]]
    last = [c.value for c in ws[TOP + 2]]
    for j, (a, b) in enumerate(zip(first, last, strict=True), start=1):
        ws.cell(TOP, j, b)
        ws.cell(TOP + 2, j, a)
    ws.insert_rows(1)
    book.save(path)
    read = read_form(path, spec(), "f.xlsx", {"year": "2027"})
    assert read.problems == []
    fixed = read.accepted("1.1").set_index("code")
    assert fixed.loc["1.1.1", "value"] == 12.5 and fixed.loc["1.1.1", "row"] == TOP + 3


def test_not_a_form_and_an_unreadable_file(tmp_path: Path) -> None:
    other = tmp_path / "other.ods"
    write_ods(other, [("Лист1", [["a", "b"], [1, 2]])])
    read = read_form(other, spec(), "other.ods")
    assert [p.rule for p in read.problems] == ["form_sheets"] and read.whole_file
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    read = read_form(empty, spec(), "empty.xlsx")
    assert [p.rule for p in read.problems] == ["file_not_empty"] and read.rows_accepted == 0


def test_an_ods_copy_reads_the_same(tmp_path: Path) -> None:
    """A form filled in LibreOffice and saved as .ods (no validation kept, same rules)."""
    path = _write(tmp_path)
    names = openpyxl.load_workbook(path).sheetnames
    sheets = [(name, grid_of(path, i)) for i, name in enumerate(names)]
    ods = write_ods(tmp_path / "f.ods", sheets)
    a = read_form(path, spec())
    b = read_form(ods, spec())
    assert b.problems == []
    for code in ("1.1", "schools"):
        pd.testing.assert_frame_equal(a.accepted(code), b.accepted(code))
    sheets[1][1][TOP - 1][2] = 250  # value of the share row, out of range
    bad = read_form(write_ods(tmp_path / "g.ods", sheets), spec(), "g.ods")
    assert [(p.row, p.rule) for p in bad.problems] == [(TOP, "cell_range")]


def test_rule_text_is_the_templates_and_the_readers() -> None:
    share = Column("s", "Доля", kind="share", required=True)
    assert rule_text(share) == "доля в процентах, число от 0 до 100; обязательно"
    assert check_cell(share, "45,5").value == 45.5
    assert check_cell(share, "45,5 %").value == 45.5
    assert check_cell(share, "101").message == "нужно: " + rule_text(share)
    yes = Column("y", "Да/нет", kind="yesno")
    assert check_cell(yes, " Да ").value is True and check_cell(yes, "нет").value is False
    assert check_cell(yes, "").ok and check_cell(yes, "").value is None


def test_a_contract_over_the_canonical_rows_rejects_its_rows_in_their_forms(
    tmp_path: Path,
) -> None:
    """What the cell rules cannot say (here: a total across a sheet's rows, and a rule on
    two columns) is the contract's, with the sheet and Excel row of each rejected row."""
    suite = {
        "name": "form_values",
        "expectations": [
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "pupils", "max_value": 600},
                "meta": {
                    "rule": "pupils_plausible",
                    "column": "Обучающихся",
                    "message": "слишком много обучающихся для такой школы",
                },
            },
            {
                "type": "expect_compound_columns_to_be_unique",
                "kwargs": {"column_list": ["municipality_code", "school_code"]},
                "meta": {
                    "rule": "school_once",
                    "column": "Код ОО",
                    "message": "школа указана дважды",
                },
            },
        ],
    }
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "form_values.json").write_text(json.dumps(suite), encoding="utf-8")
    twice = {**VALUES, "schools": [*VALUES["schools"], {"school_code": "edu990002", "pupils": 5}]}
    reads = [
        read_form(_write(tmp_path, name="a.xlsx"), spec(), "forms/a.xlsx"),
        read_form(_write(tmp_path, twice, name="b.xlsx"), spec(), "forms/b.xlsx"),
    ]
    parts = [
        (
            r,
            r.accepted("schools")[["sheet", "row", "school_code", "pupils"]].assign(
                municipality_code=r.identity["municipality_code"] + r.file
            ),
        )
        for r in reads
    ]
    kept = validate_forms("form_values", parts, directory=tmp_path / "exp")
    a, b = reads
    assert [(p.row, p.column, p.rule) for p in a.problems] == [
        (TOP, "Обучающихся", "pupils_plausible")
    ]
    assert a.problems[0].message.startswith("лист «Школы», строка 7: слишком много")
    assert a.problems[0].value == "640"
    assert sorted((p.row, p.rule) for p in b.problems) == [
        (TOP, "pupils_plausible"),
        (TOP + 1, "school_once"),
        (TOP + 2, "school_once"),
    ]
    assert [len(k) for k in kept] == [1, 0]
    assert (a.report("t").rows_read, a.report("t").rows_accepted) == (5, 4)
    assert (b.report("t").rows_read, b.report("t").rows_accepted) == (6, 3)


def test_soko_forms_writes_each_procedures_forms_per_municipality(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def build(ctx: FormContext) -> FormSpec:
        return replace(spec(), title=f"Форма {ctx.municipality_name}")

    def regional(ctx: FormContext) -> FormSpec:
        return replace(spec(), identity=(YEAR,))

    proc = replace(
        next(iter(discover())),
        forms=(
            FormTemplate("test", "Проверочная", "municipality", "tests", build),
            FormTemplate("regional", "Региональная", "region", "tests", regional),
        ),
    )
    monkeypatch.setattr(forms_pipeline, "discover", lambda: [proc])
    codes = list(region().municipalities_in(2027))
    written = blank_forms(2027, tmp_path)
    assert [w.path.name for w in written] == [
        *(f"test_2027_{c}.xlsx" for c in codes),
        "regional_2027.xlsx",
    ]
    read = read_form(written[1].path, spec(), expected_identity={"municipality_code": codes[1]})
    assert read.identity["year"] == "2027" and not read.whole_file
    one = blank_forms(2027, tmp_path / "one", codes[0])
    assert [w.path.name for w in one] == [f"test_2027_{codes[0]}.xlsx"]
    with pytest.raises(forms_pipeline.UnknownMunicipality, match="«99»"):
        blank_forms(2027, tmp_path, "99")


def test_with_a_registry_only_municipalities_with_schools_get_forms() -> None:
    """The configuration lists 66 units (the demo's `large` size); a registry of two of them
    gives forms for those two and names the rest; no registry: every configured unit."""
    codes = list(region().municipalities_in(2027))
    registry = pd.DataFrame(
        {
            "school_code": ["edu1", "edu2", "edu3"],
            "school_name": "Школа",
            "municipality_code": [codes[0], codes[2], codes[2]],
            "municipality_name": "М",
            "valid_from": pd.array([None, None, None], dtype="Int64"),
            "valid_to": pd.array([None, None, 2026], dtype="Int64"),
        }
    )
    kept, without = forms_pipeline.form_municipalities(2027, registry)
    assert list(kept) == [codes[0], codes[2]]
    assert without == [c for c in codes if c not in kept]
    # a school closed before the year does not keep its municipality in the list
    closed = registry.assign(valid_to=pd.array([None, 2025, 2025], dtype="Int64"))
    assert list(forms_pipeline.form_municipalities(2027, closed)[0]) == [codes[0]]
    assert list(forms_pipeline.form_municipalities(2027, None)[0]) == codes


def test_a_folder_of_forms_reads_each_against_its_years_spec(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    good = _write(raw / "kind" / "2027", name="a.xlsx")
    loose = _write(raw / "kind", name="b.xlsx")  # not in a year's folder: its own year
    wrong = _write(raw / "kind" / "2026", name="c.xlsx")  # a 2027 form in the 2026 folder
    (raw / "kind" / "d.xlsx").write_bytes(b"")
    odd = write_ods(raw / "kind" / "e.ods", [("Лист1", [["a"], [1]])])
    years: list[int] = []

    def spec_for(year: int) -> FormSpec:
        years.append(year)
        return spec()

    paths = [good, loose, wrong, raw / "kind" / "d.xlsx", odd]
    reads = read_forms(paths, raw, spec_for, lambda year: {"municipality_code": ["01", "02"]})
    assert [r.file for r in reads] == [
        "kind/2027/a.xlsx",
        "kind/b.xlsx",
        "kind/2026/c.xlsx",
        "kind/d.xlsx",
        "kind/e.ods",
    ]
    assert years == [2027, 2027, 2026]
    assert reads[0].problems == [] and reads[1].problems == []
    assert [p.rule for p in reads[2].problems] == ["form_identity"] and reads[2].whole_file
    assert [p.rule for p in reads[3].problems] == ["file_not_empty"]
    assert [p.rule for p in reads[4].problems] == ["form_year"]
    assert folder_year(good, raw) == 2027 and stated_year(loose) == 2027


def test_a_row_copied_over_another_is_named_with_the_first(tmp_path: Path) -> None:
    path = _cell(_write(tmp_path), "1.1 Качество подготовки", f"A{TOP + 1}", "1.1.1")
    read = read_form(path, spec(), "f.xlsx")
    assert [(p.row, p.column, p.rule) for p in read.problems] == [
        (TOP + 1, "Код", "form_row_repeated"),
        (None, "Код", "form_rows"),
    ]
    assert f"(строка {TOP})" in read.problems[0].message
    assert read.accepted("1.1")["row"].tolist() == [TOP, TOP + 2]
