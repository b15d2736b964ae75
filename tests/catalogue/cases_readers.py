"""Reading every file a region receives (issue 11, points 1, 3 and 4).

Every kind of raw table in every format (xlsx, xls, ods, csv in cp1251/UTF-8 with `;`, `,`
or tab), the spellings real exports and hand edits produce, results behind a cover sheet,
files soko cannot read (each with its own plain Russian message) and files no procedure
reads (listed as not recognised, the ingest failing).

The ВПР fixture (``VPR_ROWS``) has two good participants and one from a school not in the
registry (Excel row 12), in every format: the good rows must be accepted and the bad one
named by row and column, whatever the format. ``.xls`` fixtures are committed in
tests/data/ (see tests/data/make_fixtures.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soko.pipeline.ingest import IngestReport
from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import MA4_TASKS, MUN1, REGISTRY_HEADER, good_row, write_vpr
from tests.gia_files import oge_row
from tests.gia_files import write_xlsx as write_protocol_xlsx
from tests.table_files import copy_fixture, grid_of, write_ods, write_text, write_xlsx_sheets

VPR_ROWS = [good_row("10001"), good_row("10002"), good_row("10003", school="edu999999")]
OGE_ROWS = [oge_row(0), oge_row(1), oge_row(2, **{"Код ОО": "edu999999"})]
UNKNOWN = Expect("vpr/2026/ma4{}", "school_code_known", 12, "ОО", ("реестре",))


def _vpr_grid(tmp: Path, rows: list[list] = VPR_ROWS, **kw: object) -> list[list]:
    return grid_of(write_vpr(tmp / "_vpr.xlsx", rows, **kw))  # type: ignore[arg-type]


def _scratch(raw: Path) -> Path:
    """A folder for intermediate files outside data/raw (they must not be ingested)."""
    tmp = raw.parent / "scratch"
    tmp.mkdir(exist_ok=True)
    return tmp


def _vpr_case(cid: str, ext: str, write, **extra: object) -> Case:
    """A ВПР workbook in one format: rows 10–11 accepted, row 12 (unknown school) named."""
    name = f"vpr/2026/ma4{ext}"
    exp = Expect(name, UNKNOWN.rule, UNKNOWN.row, UNKNOWN.column, UNKNOWN.words)
    return Case(
        cid,
        "vpr",
        write,
        problems=(exp,),
        accepted={name: 2},
        tables={"vpr_results": 2, "vpr_task_scores": 10},
        **extra,  # type: ignore[arg-type]
    )


# --- one ВПР workbook in every format --------------------------------------------------------


def _vpr_xls(raw: Path) -> None:
    copy_fixture("vpr_ma4_2026.xls", raw / "vpr" / "2026" / "ma4.xls")


def _vpr_ods(raw: Path) -> None:
    write_ods(raw / "vpr" / "2026" / "ma4.ods", [("Результаты", _vpr_grid(_scratch(raw)))])


def _vpr_csv(raw: Path) -> None:
    write_text(raw / "vpr" / "2026" / "ma4.csv", _vpr_grid(_scratch(raw)))


def _vpr_csv_utf8_commas(raw: Path) -> None:
    grid = _vpr_grid(_scratch(raw))
    write_text(raw / "vpr" / "2026" / "ma4.txt", grid, encoding="utf-8-sig", delimiter=",")


def _vpr_tab(raw: Path) -> None:
    write_text(raw / "vpr" / "2026" / "ma4.csv", _vpr_grid(_scratch(raw)), delimiter="\t")


def _vpr_upper_ext(raw: Path) -> None:
    write_vpr(raw / "vpr" / "2026" / "ma4.XLSX", VPR_ROWS)


# --- where the results are in the workbook ---------------------------------------------------

COVER = [["Всероссийские проверочные работы"], ["Выгрузка из ФИС ОКО"], [], ["Листы: Результаты"]]
SUMMARY = [["Статистика по заданиям"], ["Задание", "Средний балл"], ["1", 2.5]]


def _behind_cover(raw: Path) -> None:
    grid = _vpr_grid(_scratch(raw))
    write_xlsx_sheets(
        raw / "vpr" / "2026" / "ma4.xlsx",
        [("Титульный лист", COVER), ("Результаты", grid), ("Сводка", SUMMARY)],
    )


def _title_on_cover(raw: Path) -> None:
    grid = _vpr_grid(_scratch(raw))
    title = grid[0][0]
    grid[0] = [""] * len(grid[0])  # the results sheet starts with metadata, no title
    write_xlsx_sheets(
        raw / "vpr" / "2026" / "ma4.xlsx",
        [("Титульный лист", [[title], *COVER]), ("Результаты", grid)],
    )


# --- header spellings and marks of a task not done -------------------------------------------

SPELLED = [
    ("1 (4Б)", "Б"),
    ("2(4 б)", "Б"),
    ("3К1 (2б)", "Б"),
    ("3K2(2 b)", "П"),
    ("4,1 (4 балла)", "П"),
    (" 5 (4б) ", "П"),
]


def _spellings(raw: Path) -> None:
    rows = [
        good_row("10001", scores=(4, 3, 2, 1, "—", 0)),
        good_row("10002", scores=(4, 3, 2, "–", 1, "Х")),
        good_row("10003", scores=("x", 3, 2, "-", 1, "")),
        good_row("10004", scores=("X", "х", 2, 2, 1, 0)),
    ]
    write_vpr(raw / "vpr" / "2026" / "ma4.xlsx", rows, tasks=SPELLED)


def _spelled_tasks(report: IngestReport, processed: Path) -> None:
    tasks = pd.read_parquet(processed / "vpr_tasks.parquet")
    assert tasks["task"].tolist() == ["1", "2", "3К1", "3К2", "4.1", "5"], tasks["task"].tolist()
    scores = pd.read_parquet(processed / "vpr_task_scores.parquet")
    assert scores["score"].isna().sum() == 8  # every «—», «–», «Х», «x», «-», «X», «х», empty


def _task_header_not_understood(raw: Path) -> None:
    tasks = [*MA4_TASKS[:3], ("4 (4)", "П"), MA4_TASKS[4]]
    write_vpr(raw / "vpr" / "2026" / "ma4.xlsx", VPR_ROWS[:2], tasks=tasks)


def _latin_and_cyrillic_k_twice(raw: Path) -> None:
    tasks = [*MA4_TASKS[:3], ("4К1 (2б)", "П"), ("4K1 (2б)", "П"), MA4_TASKS[4]]
    rows = [good_row(c, scores=(4, 3, 2, 1, 0, 0)) for c in ("10001", "10002")]
    write_vpr(raw / "vpr" / "2026" / "ma4.xlsx", rows, tasks=tasks)


# --- files soko cannot read ------------------------------------------------------------------


def _empty(raw: Path) -> None:
    (raw / "vpr" / "2026").mkdir(parents=True)
    (raw / "vpr" / "2026" / "ma4.xlsx").write_bytes(b"")


def _truncated(raw: Path) -> None:
    data = write_vpr(_scratch(raw) / "whole.xlsx", VPR_ROWS).read_bytes()
    (raw / "vpr" / "2026").mkdir(parents=True)
    (raw / "vpr" / "2026" / "ma4.xlsx").write_bytes(data[: len(data) // 2])


def _text_renamed(raw: Path) -> None:
    write_text(raw / "vpr" / "2026" / "ma4.xlsx", _vpr_grid(_scratch(raw)))


def _password(raw: Path) -> None:
    copy_fixture("vpr_password.xlsx", raw / "vpr" / "2026" / "ma4.xlsx")


def _corrupt_xls(raw: Path) -> None:
    data = (Path(__file__).parents[1] / "data" / "vpr_ma4_2026.xls").read_bytes()
    (raw / "vpr" / "2026").mkdir(parents=True)
    damaged = data[:1024] + bytes(len(data) - 1024)  # the header kept, the sectors zeroed
    (raw / "vpr" / "2026" / "ma4.xls").write_bytes(damaged)


def _registry_in_vpr(raw: Path) -> None:
    cells = [REGISTRY_HEADER.split(";"), ["edu990001", "МБОУ СОШ № 1", "01", MUN1, "СОШ", "Город"]]
    write_xlsx_sheets(raw / "vpr" / "2026" / "reestr.xlsx", [("Лист1", cells)])


def _statistics_in_vpr(raw: Path) -> None:
    cells = [
        ["ВПР 2026 Математика 4 класс"],
        ["Статистика по заданиям"],
        ["Задание", "Макс. балл", "Средний % выполнения"],
        ["1", 4, 61.5],
    ]
    write_xlsx_sheets(raw / "vpr" / "2026" / "stat.xlsx", [("Статистика", cells)])


def _vpr_in_pisa(raw: Path) -> None:
    write_vpr(raw / "pisa" / "2026" / "ma4.xlsx", VPR_ROWS[:2])


def _registry_in_oge(raw: Path) -> None:
    cells = [REGISTRY_HEADER.split(";"), ["edu990001", "МБОУ СОШ № 1", "01", MUN1, "СОШ", "Город"]]
    write_text(raw / "gia" / "oge" / "2026" / "reestr.csv", cells)


# --- other kinds in other formats ------------------------------------------------------------


def _oge_xls(raw: Path) -> None:
    copy_fixture("oge_2026.xls", raw / "gia" / "oge" / "2026" / "protocol.xls")


def _oge_behind_cover(raw: Path) -> None:
    grid = grid_of(write_protocol_xlsx(_scratch(raw) / "oge.xlsx", OGE_ROWS, numbers=True))
    write_xlsx_sheets(
        raw / "gia" / "oge" / "2026" / "protocol.xlsx",
        [("Сопроводительное письмо", [["Протоколы ОГЭ 2026"], ["РЦОИ"]]), ("Протокол", grid)],
    )


def _registry_xlsx(raw: Path) -> None:
    cells = [
        ["Реестр образовательных организаций"],
        REGISTRY_HEADER.split(";"),
        ["edu990001", "МБОУ СОШ № 1", "01", MUN1, "СОШ", "Город"],
        ["edu990002", "МБОУ Лицей № 2", "01", MUN1, "Лицей", "Город"],
        ["edu990003", "МБОУ СОШ № 3", "99", MUN1, "СОШ", "Город"],
    ]
    write_xlsx_sheets(raw / "registry" / "reestr_oo.xlsx", [("Реестр", cells)])
    write_vpr(raw / "vpr" / "2026" / "ma4.xlsx", VPR_ROWS[:2])


def _context_commas(raw: Path) -> None:
    lines = [
        "Код ОО,Год,Численность обучающихся,ИСБШ",
        'edu990001,2026,113,"0,42"',
        'edu990002,2026,174,"0,75"',
        'edu990009,2026,90,"0,1"',
    ]
    path = raw / "context" / "kontekst_oo_2026.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def _pisa_xlsx(raw: Path) -> None:
    from tests.test_pisa_contract import HEADER
    from tests.test_pisa_contract import good_row as pisa_row

    def cell(v: str) -> str | float:
        try:
            return float(v.replace(",", "."))
        except ValueError:
            return v

    rows = [pisa_row("1"), pisa_row("2"), pisa_row("3", school="edu999999")]
    grid = [["Исследование по модели PISA, 2026"], HEADER]
    grid += [
        [cell(r[h]) if h not in ("Год", "Код ОО", "Код участника") else r[h] for h in HEADER]
        for r in rows
    ]
    write_xlsx_sheets(raw / "pisa" / "2026" / "pisa_2026.xlsx", [("Данные", grid)])


def _survey_xlsx(raw: Path) -> None:
    from tests.test_survey_contract import HEAD, STUDENT_ITEMS, student

    rows = [student("A1"), student("A2"), student("A3", school="edu999999")]
    grid = [["Анкетирование обучающихся, 2026"], [*HEAD, *STUDENT_ITEMS], *rows]
    write_xlsx_sheets(raw / "surveys" / "2026" / "anketa_2026.xlsx", [("Ответы", grid)])


# --- files no procedure reads ----------------------------------------------------------------


def _wrong_folder(raw: Path) -> None:
    write_vpr(raw / "vpr" / "2026" / "ma4.xlsx", VPR_ROWS[:2])
    write_vpr(raw / "vpr_2026" / "ma4.xlsx", VPR_ROWS[:2])


def _pdf(raw: Path) -> None:
    write_vpr(raw / "vpr" / "2026" / "ma4.xlsx", VPR_ROWS[:2])
    (raw / "vpr" / "2026" / "instrukciya.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    (raw / "vpr" / "arhiv.zip").write_bytes(b"PK\x05\x06" + bytes(18))


def _skipped(raw: Path) -> None:
    write_vpr(raw / "vpr" / "2026" / "ma4.xlsx", VPR_ROWS[:2])
    (raw / "vpr" / "2026" / "~$ma4.xlsx").write_bytes(b"\x00lock")
    (raw / "vpr" / ".gitkeep").write_bytes(b"")
    (raw / ".DS_Store").write_bytes(b"\x00\x00")
    (raw / "vpr" / ".old").mkdir()
    (raw / "vpr" / ".old" / "ma4.xlsx").write_bytes(b"")


def _no_unrecognised(report: IngestReport, processed: Path) -> None:
    assert report.ok, report.summary_ru()


def _unrecognised_listed(report: IngestReport, processed: Path) -> None:
    import json

    saved = json.loads((processed / "ingest_report.json").read_text(encoding="utf-8"))
    assert not saved["ok"] and saved["unrecognised"], saved["unrecognised"]
    assert "Не распознано и не прочитано файлов" in report.summary_ru()


V2 = {"vpr/2026/ma4.xlsx": 2}
VT = {"vpr_results": 2}

CASES = [
    _vpr_case("read-vpr-xls", ".xls", _vpr_xls),
    _vpr_case("read-vpr-ods", ".ods", _vpr_ods),
    _vpr_case("read-vpr-csv-cp1251-semicolon", ".csv", _vpr_csv),
    _vpr_case("read-vpr-txt-utf8-bom-comma", ".txt", _vpr_csv_utf8_commas),
    _vpr_case("read-vpr-csv-tab", ".csv", _vpr_tab),
    _vpr_case("read-vpr-upper-case-extension", ".XLSX", _vpr_upper_ext),
    _vpr_case("read-vpr-results-behind-cover-sheet", ".xlsx", _behind_cover),
    _vpr_case("read-vpr-title-on-cover-sheet", ".xlsx", _title_on_cover),
    Case(
        "read-vpr-header-spellings-and-not-done-marks",
        "vpr",
        _spellings,
        accepted={"vpr/2026/ma4.xlsx": 4},
        tables={"vpr_results": 4},
        check=_spelled_tasks,
    ),
    Case(
        "read-vpr-task-header-not-understood",
        "vpr",
        _task_header_not_understood,
        problems=(
            Expect(
                "vpr/2026/ma4.xlsx",
                "task_header",
                9,
                "4 (4)",
                ("лист «Результаты»", "столбец J", "«4 (4)»", "10К1 (2б)"),
            ),
        ),
        accepted={"vpr/2026/ma4.xlsx": 0},
        tables={"vpr_results": 0},
    ),
    Case(
        "read-vpr-latin-and-cyrillic-k-are-one-task",
        "vpr",
        _latin_and_cyrillic_k_twice,
        problems=(
            Expect(
                "vpr/2026/ma4.xlsx",
                "header_unique",
                9,
                "4К1 (2б)",
                ("столбец J", "«4К1 (2б)»", "столбец K", "«4K1 (2б)»"),
            ),
        ),
        accepted={"vpr/2026/ma4.xlsx": 0},
    ),
    Case(
        "unreadable-empty-file",
        "vpr",
        _empty,
        problems=(Expect("vpr/2026/ma4.xlsx", "file_not_empty", None, None, ("пустой", "0 байт")),),
    ),
    Case(
        "unreadable-truncated-workbook",
        "vpr",
        _truncated,
        problems=(
            Expect("vpr/2026/ma4.xlsx", "file_complete", None, None, ("не полностью", "скачайте")),
        ),
    ),
    Case(
        "unreadable-text-renamed-xlsx",
        "vpr",
        _text_renamed,
        problems=(Expect("vpr/2026/ma4.xlsx", "file_is_table", None, None, ("текстовый", ".csv")),),
    ),
    Case(
        "unreadable-password-protected",
        "vpr",
        _password,
        problems=(
            Expect(
                "vpr/2026/ma4.xlsx", "file_not_encrypted", None, None, ("паролем", "без пароля")
            ),
        ),
    ),
    Case(
        "unreadable-corrupt-xls",
        "vpr",
        _corrupt_xls,
        problems=(Expect("vpr/2026/ma4.xls", "file_readable", None, None, ("повреждён", ".xlsx")),),
    ),
    Case(
        "wrong-kind-registry-in-vpr-folder",
        "vpr",
        _registry_in_vpr,
        problems=(
            Expect(
                "vpr/2026/reestr.xlsx", "kind_matches", None, None, ("реестр", "data/raw/registry/")
            ),
        ),
    ),
    Case(
        "wrong-kind-fisoko-statistics-in-vpr-folder",
        "vpr",
        _statistics_in_vpr,
        problems=(
            Expect(
                "vpr/2026/stat.xlsx", "kind_matches", None, None, ("статистика", "индивидуальные")
            ),
        ),
    ),
    Case(
        "wrong-kind-vpr-workbook-in-pisa-folder",
        "pisa",
        _vpr_in_pisa,
        problems=(
            Expect(
                "pisa/2026/ma4.xlsx",
                "kind_matches",
                None,
                None,
                ("«Индивидуальные результаты»", "data/raw/<процедура>/<год>/"),
            ),
        ),
    ),
    Case(
        "wrong-kind-registry-in-oge-folder",
        "oge",
        _registry_in_oge,
        problems=(
            Expect(
                "gia/oge/2026/reestr.csv",
                "kind_matches",
                None,
                None,
                ("не протокол РЦОИ", "data/raw/registry/"),
            ),
        ),
    ),
    Case(
        "read-oge-protocol-xls",
        "oge",
        _oge_xls,
        problems=(Expect("gia/oge/2026/protocol.xls", "school_code_known", 7, "Код ОО"),),
        accepted={"gia/oge/2026/protocol.xls": 2},
        tables={"oge_results": 2},
    ),
    Case(
        "read-oge-protocol-behind-cover-sheet",
        "oge",
        _oge_behind_cover,
        problems=(Expect("gia/oge/2026/protocol.xlsx", "school_code_known", 7, "Код ОО"),),
        accepted={"gia/oge/2026/protocol.xlsx": 2},
        tables={"oge_results": 2},
    ),
    Case(
        "read-registry-xlsx-with-title-row",
        "registry",
        _registry_xlsx,
        registry=False,
        problems=(Expect("registry/reestr_oo.xlsx", "municipality_code_known", 5, "Код МО"),),
        accepted={"registry/reestr_oo.xlsx": 2, "vpr/2026/ma4.xlsx": 2},
        tables={"schools": 2, "vpr_results": 2},
    ),
    Case(
        "read-context-csv-utf8-commas-quoted-decimals",
        "context",
        _context_commas,
        problems=(Expect("context/kontekst_oo_2026.csv", "school_code_known", 4, "Код ОО"),),
        accepted={"context/kontekst_oo_2026.csv": 2},
        tables={"school_context": 2},
    ),
    Case(
        "read-pisa-xlsx",
        "pisa",
        _pisa_xlsx,
        problems=(Expect("pisa/2026/pisa_2026.xlsx", "school_code_known", 5, "Код ОО"),),
        accepted={"pisa/2026/pisa_2026.xlsx": 2},
        tables={"pisa_students": 2},
    ),
    Case(
        "read-survey-xlsx",
        "survey",
        _survey_xlsx,
        problems=(Expect("surveys/2026/anketa_2026.xlsx", "school_code_known", 5, "Код ОО"),),
        accepted={"surveys/2026/anketa_2026.xlsx": 2},
    ),
    Case(
        "unrecognised-file-in-a-folder-no-procedure-reads",
        "any",
        _wrong_folder,
        problems=(
            Expect(
                "vpr_2026/ma4.xlsx",
                "file_recognised",
                None,
                None,
                ("data/raw/vpr_2026/", "ни одна процедура", "ВПР", "data/raw/vpr/"),
            ),
        ),
        accepted=V2,
        tables=VT,
        check=_unrecognised_listed,
    ),
    Case(
        "unrecognised-pdf-and-zip",
        "any",
        _pdf,
        problems=(
            Expect("vpr/2026/instrukciya.pdf", "file_recognised", None, None, ("«.pdf»", ".xlsx")),
            Expect("vpr/arhiv.zip", "file_recognised", None, None, ("«.zip»",)),
        ),
        accepted=V2,
        tables=VT,
        check=_unrecognised_listed,
    ),
    Case(
        "skipped-lock-hidden-and-gitkeep-files",
        "any",
        _skipped,
        accepted=V2,
        tables=VT,
        check=_no_unrecognised,
    ),
]
