"""Builders of small raw files in the real layouts, for contract tests."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

REGISTRY_HEADER = "Код ОО;Наименование ОО;Код МО;Муниципальное образование;Вид ОО;Тип местности"
MUN1 = "г. Озёрск-на-Вельме"

# Mathematics grade 4, 2026: max 20, marks from 6 / 10 / 15 (config/vpr_scales.yml).
MA4_TASKS = [("1 (4б)", "Б"), ("2 (4б)", "Б"), ("3 (4б)", "Б"), ("4 (4б)", "П"), ("5 (4б)", "П")]
HEADER = ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант"]
TAIL = ["Первичный балл", "Отметка", "Отметка по журналу"]


def good_row(code: str = "10001", school: str = "edu990001", scores=(4, 3, 2, 1, 0)) -> list:
    total = sum(s for s in scores if isinstance(s, int))
    mark = 5 if total >= 15 else 4 if total >= 10 else 3 if total >= 6 else 2
    return [school, MUN1, "МБОУ СОШ № 1", code, "4А", 1, *scores, total, mark, mark]


def write_vpr(
    path: Path,
    rows: list[list],
    *,
    title: str = "ВПР 2026 Математика 4 класс",
    tasks: list[tuple[str, str]] = MA4_TASKS,
    header: list[str] | None = None,
    max_score: int = 20,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    head = header or [*HEADER, *(t for t, _ in tasks), *TAIL]
    grid: list[list] = [
        [title],
        ["Индивидуальные результаты участников"],
        ["Предмет:", title.split(" ", 2)[2].rsplit(" ", 2)[0]],
        ["Максимальный первичный балл:", max_score],
        ["Дата:", "16.04.2026"],
        ["Регион:", "Приозёрная область"],
        [],
        ["Уровень сложности", "", "", "", "", "", *(lvl for _, lvl in tasks)],
        head,
        *rows,
    ]
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Результаты")
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            ws.write(i, j, value)
    wb.close()
    return path


def write_registry(raw: Path, lines: list[str] | None = None, encoding: str = "cp1251") -> Path:
    path = raw / "registry" / "reestr_oo.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = lines or [
        f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город",
        f"edu990002;МБОУ Лицей № 2;01;{MUN1};Лицей;Город",
    ]
    path.write_bytes(("\r\n".join([REGISTRY_HEADER, *body]) + "\r\n").encode(encoding))
    return path
