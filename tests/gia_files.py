"""Builders of small РЦОИ protocols (ОГЭ, ЕГЭ) in both forms, for the ГИА contract tests.

Default rows are consistent by hand (docs/gia_formats.md, config/gia_scales.yml 2026):

- ОГЭ mathematics: 10 of 19 short tasks right («+»), extended 2+2+0+1+1+0 = 6, so primary
  16 of 31 (51,6 %), geometry (15–19, 23–25) = 0 + 1 + 1 = 2 → «4» (15 ≤ 16 < 22).
- ЕГЭ Russian: short 7×«+», task 8 «2» (of 3), 8×«+», 10×«-» = 17; extended
  1+2+1+1+1+1+2+2+2+2 = 15; primary 32 of 50 (64,0 %) → test score 69.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import xlsxwriter

COMMON = [
    "Код МСУ",
    "Код ОО",
    "Класс",
    "Код ППЭ",
    "Аудитория",
    "Фамилия",
    "Имя",
    "Отчество",
    "Номер документа",
    "Код предмета",
    "Дата экзамена",
    "Вариант",
    "Задания с кратким ответом",
    "Задания с развёрнутым ответом",
    "Первичный балл",
    "Процент выполнения",
]
OGE_HEADER = [*COMMON, "Отметка"]
EGE_HEADER = [*COMMON, "Тестовый балл"]
SURNAMES = ["Берестов", "Камышов", "Ольхин", "Рябинин", "Клюквин", "Осокин", "Туманов", "Мохов"]

SCHOOLS = pd.DataFrame(
    {
        "school_code": ["edu990001", "edu990002", "edu990003"],
        "school_name": ["МБОУ СОШ № 1", "МБОУ Лицей № 2", "МБОУ СОШ № 3"],
        "municipality_code": ["01", "01", "02"],
        "municipality_name": ["г. Озёрск-на-Вельме", "г. Озёрск-на-Вельме", "г. Новоберёзовск"],
        "kind": ["СОШ", "Лицей", "СОШ"],
        "locality": ["Город", "Город", "Город"],
    }
)


def oge_row(i: int = 0, **changes: str) -> dict[str, str]:
    """A consistent ОГЭ mathematics row for participant ``i``; ``changes`` by column name."""
    row = {
        "Код МСУ": "01",
        "Код ОО": "edu990001",
        "Класс": "9А",
        "Код ППЭ": "0101",
        "Аудитория": "0012",
        "Фамилия": SURNAMES[i % len(SURNAMES)],
        "Имя": "Иван",
        "Отчество": "Олегович",
        "Номер документа": f"0026 00{1000 + i}",
        "Код предмета": "2",
        "Дата экзамена": "29.05.2026",
        "Вариант": "301",
        "Задания с кратким ответом": "+" * 10 + "-" * 9,
        "Задания с развёрнутым ответом": "2(2)2(2)0(2)1(2)1(2)0(2)",
        "Первичный балл": "16",
        "Процент выполнения": "51,6",
        "Отметка": "4",
    }
    row.update(changes)
    return row


def ege_row(i: int = 0, **changes: str) -> dict[str, str]:
    """A consistent ЕГЭ Russian row for participant ``i``; ``changes`` by column name."""
    row = {
        "Код МСУ": "01",
        "Код ОО": "edu990002",
        "Класс": "11А",
        "Код ППЭ": "0102",
        "Аудитория": "0003",
        "Фамилия": SURNAMES[i % len(SURNAMES)],
        "Имя": "Анна",
        "Отчество": "Сергеевна",
        "Номер документа": f"0024 00{2000 + i}",
        "Код предмета": "1",
        "Дата экзамена": "27.05.2026",
        "Вариант": "512",
        "Задания с кратким ответом": "+" * 7 + "2" + "+" * 8 + "-" * 10,
        "Задания с развёрнутым ответом": "1(1)2(3)1(2)1(1)1(2)1(1)2(3)2(3)2(3)2(3)",
        "Первичный балл": "32",
        "Процент выполнения": "64,0",
        "Тестовый балл": "69",
    }
    row.update(changes)
    return row


def _cells(rows: list[dict[str, str]], header: list[str]) -> list[list[str]]:
    return [[row.get(h, "") for h in header] for row in rows]


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    header: list[str] = OGE_HEADER,
    *,
    encoding: str = "cp1251",
    delimiter: str = ";",
    title_lines: tuple[str, ...] = (),
    quote: bool = True,
) -> Path:
    """A delimited protocol; ``quote=False`` writes cells raw (a comma in a value splits it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    for line in title_lines:
        buf.write(line + "\r\n")
    if quote:
        writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(_cells(rows, header))
    else:
        for cells in [header, *_cells(rows, header)]:
            buf.write(delimiter.join(cells) + "\r\n")
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path,
    rows: list[dict[str, str]],
    header: list[str] = OGE_HEADER,
    *,
    titles: tuple[str, ...] = ("Протокол результатов ОГЭ 2026 года", "Предмет: Математика"),
    blank_after_titles: bool = True,
    merge_header: tuple[int, int] | None = None,
    merge_data_column: tuple[int, int, int] | None = None,
    numbers: bool = False,
) -> Path:
    """An Excel protocol: title rows (the first merged across), a blank row, header, rows.

    ``merge_header=(first, last)`` merges header cells of those columns (0-based);
    ``merge_data_column=(column, first_row, last_row)`` merges data cells (0-based data
    rows); ``numbers`` writes numeric-looking cells as numbers, as Excel does.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Протокол")
    r = 0
    for k, title in enumerate(titles):
        if k == 0:
            ws.merge_range(r, 0, r, len(header) - 1, title)
        else:
            ws.write_string(r, 0, title)
        r += 1
    if titles and blank_after_titles:
        r += 1
    header_row = r
    for j, name in enumerate(header):
        ws.write_string(r, j, name)
    if merge_header is not None:
        first, last = merge_header
        ws.merge_range(r, first, r, last, header[first])
    for values in _cells(rows, header):
        r += 1
        for j, value in enumerate(values):
            number = numbers and value.replace(",", ".").replace(".", "", 1).isdigit()
            if number and header[j] not in ("Код МСУ", "Номер документа", "Аудитория"):
                ws.write_number(r, j, float(value.replace(",", ".")))
            else:
                ws.write_string(r, j, value)
    if merge_data_column is not None:
        col, first, last = merge_data_column
        value = _cells(rows, header)[first][col]
        ws.merge_range(header_row + 1 + first, col, header_row + 1 + last, col, value)
    wb.close()
    return path


def write_empty_xlsx(path: Path, header: list[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Протокол")
    for j, name in enumerate(header or []):
        ws.write_string(0, j, name)
    wb.close()
    return path
