"""A form spec as an xlsx template: an instruction sheet, then the data sheets.

xlsxwriter (already used for the demo's workbooks) writes data validation, input messages,
cell protection and frozen panes, and, given a fixed creation date, the same bytes for the
same inputs. The date is the caller's: `soko forms` passes the build's date
(:func:`soko.provenance.build_date`), the demo a fixed one (its filled copies are inputs,
which must not change with the code's commit); it goes into the document properties
(created and modified) and into every zip entry's timestamp, which xlsxwriter itself pins to
1980-01-01. Every input cell carries the validation of its column's rule (lists for
«да/нет» and choices, whole or decimal ranges, text length); locked cells (prefilled) are
grey and the sheets are protected *without* a password, so a user who must can still
unprotect them (Рецензирование → Снять защиту листа).
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from soko.forms.cells import cell_value_text, rule_text
from soko.forms.spec import (
    INSTRUCTION_SHEET,
    LISTS_SHEET,
    Column,
    FormSpec,
    Row,
    SheetSpec,
)

#: The date of a workbook whose caller gives none (the demo's filled copies): fixed, so the
#: same form gives the same bytes.
CREATED = dt.datetime(2020, 1, 1)
#: The earliest date a zip entry can carry (MS-DOS time).
_ZIP_EPOCH = dt.datetime(1980, 1, 1)
_INT_LIMIT = 2_147_483_647
_LIST_INLINE = 250  # characters of an inline list (Excel's limit is 255)

GENERAL_INSTRUCTIONS: tuple[str, ...] = (
    "Заполняйте только белые ячейки; серые заполнены заранее и защищены от изменения.",
    "Не переименовывайте, не удаляйте и не переставляйте листы, не меняйте заголовки "
    "столбцов и коды в серых ячейках: по ним форма читается обратно.",
    "При выборе ячейки появляется подсказка: что в неё вписать. Значения «да»/«нет» и "
    "значения из списков выбирайте из выпадающего списка.",
    "Числа пишите цифрами, дробную часть — через запятую; доли — в процентах (от 0 до 100), "
    "без знака «%».",
    "Защита листов без пароля: если без этого не обойтись, её можно снять "
    "(Рецензирование → Снять защиту листа), но проверка при загрузке останется та же.",
    "Файл можно сохранить как .xlsx, .xls или .ods (LibreOffice).",
)


def header_row(spec: FormSpec) -> int:
    """The 0-based row of a data sheet's header: heading, identity lines, a blank row."""
    return 1 + len(spec.identity) + 1


def _formats(book: Workbook) -> dict[str, Format]:
    border = {"border": 1, "border_color": "#A6A6A6", "valign": "top", "text_wrap": True}
    return {
        "title": book.add_format({"bold": True, "font_size": 13}),
        "label": book.add_format({"bold": True}),
        "identity": book.add_format({"locked": True, "bg_color": "#EDEDED", "border": 1}),
        "header": book.add_format({**border, "bold": True, "bg_color": "#D9E1F2"}),
        "locked": book.add_format({**border, "locked": True, "bg_color": "#EDEDED"}),
        "input": book.add_format({**border, "locked": False}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }


def _plain(value: float) -> float | int:
    """12.0 → 12: the bound as Excel shows it in the rule."""
    return int(value) if float(value).is_integer() else value


def _validation(column: Column, lists: _Lists) -> dict[str, Any]:
    """The data validation of one input cell, from the column's rule."""
    kind = column.kind
    options: dict[str, Any]
    if kind in ("integer", "year", "number", "share"):
        low, high = column.low, column.high
        options = {
            "validate": "integer" if kind in ("integer", "year") else "decimal",
            "criteria": "between",
            "minimum": _plain(low) if low is not None else -_INT_LIMIT,
            "maximum": _plain(high) if high is not None else _INT_LIMIT,
        }
    elif kind in ("yesno", "choice"):
        options = {"validate": "list", "source": lists.source(column.allowed)}
    else:
        options = {"validate": "length", "criteria": "<=", "value": column.max_length}
    text = rule_text(column)
    hint = f"{column.hint} ({text})" if column.hint else text
    options.update(
        {
            "ignore_blank": True,
            "input_title": column.header[:32],
            "input_message": hint[:255],
            "error_title": "Недопустимое значение",
            "error_message": ("Нужно: " + text)[:255],
            "error_type": "stop",
        }
    )
    return options


class _Lists:
    """Choice lists too long for an inline validation list go to a hidden sheet, written
    after the data sheets (a validation may refer to a sheet not yet written)."""

    def __init__(self) -> None:
        self.columns: dict[tuple[str, ...], str] = {}

    def source(self, allowed: tuple[str, ...]) -> list[str] | str:
        if sum(len(a) + 1 for a in allowed) <= _LIST_INLINE:
            return list(allowed)
        if allowed not in self.columns:
            letter = xlsxwriter.utility.xl_col_to_name(len(self.columns))
            self.columns[allowed] = f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(allowed)}"
        return self.columns[allowed]

    def write(self, book: Workbook) -> None:
        if not self.columns:
            return
        ws = book.add_worksheet(LISTS_SHEET)
        for col, allowed in enumerate(self.columns):
            for i, value in enumerate(allowed):
                ws.write_string(i, col, value)
        ws.hide()
        ws.protect("")


def _write_value(ws: Worksheet, r: int, c: int, column: Column, value: object, fmt: Format) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif column.kind in ("integer", "year", "number", "share") and isinstance(value, int | float):
        ws.write_number(r, c, float(value), fmt)
    else:
        ws.write_string(r, c, cell_value_text(value), fmt)


def _width(column: Column, sheet: SheetSpec) -> float:
    if column.width is not None:
        return column.width
    longest = max((len(str(r.cells.get(column.name, ""))) for r in sheet.rows), default=0)
    base = {"text": 30, "yesno": 10, "year": 8}.get(column.kind, 14)
    return float(min(max(len(column.header) * 0.9, base, longest * 0.9), 70))


def _instructions(book: Workbook, spec: FormSpec, identity: Mapping[str, object], f: dict) -> None:
    ws = book.add_worksheet(INSTRUCTION_SHEET)
    ws.set_column(0, 0, 110)
    ws.write_string(0, 0, spec.title, f["title"])
    r = 2
    for field in spec.identity:
        ws.write_string(r, 0, f"{field.label}: {cell_value_text(identity.get(field.name))}")
        r += 1
    r += 1
    for line in (*spec.instructions, *GENERAL_INSTRUCTIONS):
        ws.write_string(r, 0, line, f["wrap"])
        r += 1
    r += 1
    ws.write_string(r, 0, "Листы формы:", f["label"])
    r += 1
    for sheet in spec.sheets:
        ws.write_string(r, 0, f"«{sheet.name}» — {sheet.title}", f["wrap"])
        r += 1
        for column in sheet.columns:
            if column.locked:
                continue
            what = f"{column.hint}; " if column.hint else ""
            ws.write_string(r, 0, f"    {column.header}: {what}{rule_text(column)}", f["wrap"])
            r += 1
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.activate()


def _data_sheet(
    book: Workbook,
    spec: FormSpec,
    sheet: SheetSpec,
    identity: Mapping[str, object],
    values: Sequence[Mapping[str, object]],
    lists: _Lists,
    f: dict,
) -> None:
    ws = book.add_worksheet(sheet.name)
    ws.write_string(0, 0, sheet.title, f["title"])
    for i, field in enumerate(spec.identity, start=1):
        ws.write_string(i, 0, field.label, f["label"])
        ws.write_string(i, 1, cell_value_text(identity.get(field.name)), f["identity"])
    top = header_row(spec)
    for c, column in enumerate(sheet.columns):
        ws.write_string(top, c, column.header, f["header"])
        ws.set_column(c, c, _width(column, sheet))
    prefilled: Sequence[Row | None] = sheet.rows or [None] * max(sheet.input_rows, len(values))
    for i, row in enumerate(prefilled):
        r = top + 1 + i
        filled = values[i] if i < len(values) else {}
        for c, column in enumerate(sheet.rules_for(row)):
            if column.locked and row is not None:
                _write_value(ws, r, c, column, row.cells.get(column.name), f["locked"])
                continue
            _write_value(ws, r, c, column, filled.get(column.name), f["input"])
            if row is not None:
                ws.data_validation(r, c, r, c, _validation(column, lists))
    if not sheet.rows:  # one validation per column over all input rows
        last = top + len(prefilled)
        for c, column in enumerate(sheet.columns):
            ws.data_validation(top + 1, c, last, c, _validation(column, lists))
    ws.freeze_panes(top + 1, 0)
    ws.protect(
        "",
        {"format_columns": True, "format_rows": True, "insert_rows": not sheet.rows},
    )


def write_form(
    spec: FormSpec,
    path: Path,
    identity: Mapping[str, object],
    values: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    *,
    created: dt.datetime = CREATED,
) -> Path:
    """Write ``spec`` as an xlsx template at ``path``.

    ``created`` (naive, UTC) dates the workbook: its properties and its zip entries.

    ``identity``: the value of each identity field (``year``, ``municipality_code`` …), written
    locked on every data sheet. ``values``: per sheet code, the input cells of each row by
    column name, in row order (a prefilled sheet: its rows' order) — the demo writes filled
    forms with it. Same inputs, same bytes.
    """
    values = values or {}
    missing = [f.name for f in spec.identity if cell_value_text(identity.get(f.name)) == ""]
    if missing:
        raise ValueError(f"form {spec.code}: identity without {missing}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"title": spec.title, "created": created})
    formats = _formats(book)
    lists = _Lists()
    _instructions(book, spec, identity, formats)
    for sheet in spec.sheets:
        _data_sheet(book, spec, sheet, identity, values.get(sheet.code, ()), lists, formats)
    lists.write(book)
    book.close()
    restamp_zip(path, created)
    return path


def restamp_zip(path: Path, when: dt.datetime) -> None:
    """Give every entry of the zip at ``path`` the timestamp ``when`` (not before 1980),
    keeping names, order, contents and compression: the file's bytes then depend on the
    date given, not on the day it was written or on a library's constant."""
    stamp = max(when.replace(tzinfo=None, microsecond=0), _ZIP_EPOCH).timetuple()[:6]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
            for info in src.infolist():
                entry = zipfile.ZipInfo(info.filename, date_time=stamp)
                entry.compress_type = info.compress_type
                entry.external_attr = info.external_attr
                entry.create_system = info.create_system
                dst.writestr(entry, src.read(info))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
