"""Cases soko handled before issue 11, restated in the catalogue's shape: one per kind of
fault a region sends most often, for every kind of file."""

from __future__ import annotations

from pathlib import Path

from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import MUN1, REGISTRY_HEADER, good_row, write_vpr
from tests.gia_files import EGE_HEADER, ege_row, oge_row, write_csv, write_xlsx
from tests.test_niko_rpr import niko_row, rpr_row, write_niko, write_rpr
from tests.test_pisa_contract import good_row as pisa_row
from tests.test_pisa_contract import write as write_pisa

VPR = "vpr/2026/a.xlsx"


def _vpr(*rows: list) -> callable:
    def write(raw: Path) -> None:
        write_vpr(raw / VPR, list(rows))

    return write


def _registry(lines: list[str]) -> callable:
    def write(raw: Path) -> None:
        path = raw / "registry" / "reestr_oo.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(("\r\n".join([REGISTRY_HEADER, *lines]) + "\r\n").encode("cp1251"))

    return write


def _context(lines: list[str]) -> callable:
    def write(raw: Path) -> None:
        path = raw / "context" / "kontekst_oo_2026.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        head = "Код ОО;Год;Численность обучающихся;ИСБШ"
        path.write_bytes(("\r\n".join([head, *lines]) + "\r\n").encode("cp1251"))

    return write


def _oge_csv(*rows: dict) -> callable:
    return lambda raw: write_csv(raw / "gia" / "oge" / "2026" / "p.csv", list(rows))


def _ege_xlsx(*rows: dict) -> callable:
    return lambda raw: write_xlsx(
        raw / "gia" / "ege" / "2026" / "e.xlsx", list(rows), EGE_HEADER, titles=("Протокол ЕГЭ",)
    )


def _pisa(*rows: dict) -> callable:
    return lambda raw: write_pisa(raw / "pisa" / "2026" / "u.csv", list(rows))


_SCHOOL1 = f"edu990001;МБОУ СОШ № 1;01;{MUN1};СОШ;Город"

CASES = [
    Case(
        "vpr-clean",
        "vpr",
        _vpr(good_row("10001"), good_row("10002")),
        accepted={VPR: 2},
        tables={"vpr_results": 2, "vpr_task_scores": 10, "vpr_tasks": 5},
    ),
    Case(
        "vpr-unknown-school",
        "vpr",
        _vpr(good_row("10001"), good_row("10002", school="edu999999")),
        problems=(Expect(VPR, "school_code_known", 11, "ОО", ("реестре",)),),
        accepted={VPR: 1},
        tables={"vpr_results": 1},
    ),
    Case(
        "vpr-task-over-max",
        "vpr",
        _vpr(good_row("10001"), good_row("10002", scores=(4, 3, 2, 1, 5))),
        problems=(Expect(VPR, "task_score_within_max", 11, "5 (4б)"),),
        accepted={VPR: 1},
        tables={"vpr_results": 1},
        exact=False,  # the sum and the mark of that row are wrong too
    ),
    Case(
        "vpr-task-not-a-number",
        "vpr",
        _vpr(good_row("10001"), good_row("10002", scores=(4, 3, 2, 1, "abc"))),
        problems=(Expect(VPR, "task_score_format", 11, "5 (4б)"),),
        accepted={VPR: 1},
        exact=False,
    ),
    Case(
        "vpr-mark-against-scale",
        "vpr",
        _vpr(good_row("10001"), [*good_row("10002")[:-2], 5, 4]),
        problems=(Expect(VPR, "mark_matches_scale", 11, "Отметка"),),
        accepted={VPR: 1},
        exact=False,
    ),
    Case(
        "registry-unknown-municipality",
        "registry",
        _registry([_SCHOOL1, "edu990002;МБОУ Лицей № 2;77;Нигдеград;Лицей;Город"]),
        problems=(Expect("registry/reestr_oo.csv", "municipality_code_known", 3, "Код МО"),),
        accepted={"registry/reestr_oo.csv": 1},
        tables={"schools": 1},
        exact=False,
        registry=False,
    ),
    Case(
        "registry-unknown-kind",
        "registry",
        _registry([_SCHOOL1, f"edu990002;МБОУ Лицей № 2;01;{MUN1};Колледж;Город"]),
        problems=(Expect("registry/reestr_oo.csv", "kind_known", 3, "Вид ОО"),),
        accepted={"registry/reestr_oo.csv": 1},
        tables={"schools": 1},
        registry=False,
    ),
    Case(
        "context-students-not-a-number",
        "context",
        _context(["edu990001;2026;351;-0,47", "edu990002;2026;сто;0,3"]),
        problems=(
            Expect(
                "context/kontekst_oo_2026.csv", "n_students_format", 3, "Численность обучающихся"
            ),
        ),
        accepted={"context/kontekst_oo_2026.csv": 1},
        tables={"school_context": 1},
    ),
    Case(
        "context-unknown-school",
        "context",
        _context(["edu990001;2026;351;-0,47", "edu990777;2026;100;0,3"]),
        problems=(Expect("context/kontekst_oo_2026.csv", "school_code_known", 3, "Код ОО"),),
        accepted={"context/kontekst_oo_2026.csv": 1},
    ),
    Case(
        "oge-csv-clean",
        "oge",
        _oge_csv(oge_row(0), oge_row(1)),
        accepted={"gia/oge/2026/p.csv": 2},
        tables={"oge_results": 2},
    ),
    Case(
        "oge-percent-mismatch",
        "oge",
        _oge_csv(oge_row(0), oge_row(1, **{"Процент выполнения": "61,6"})),
        problems=(
            Expect("gia/oge/2026/p.csv", "percent_matches_primary", 3, "Процент выполнения"),
        ),
        accepted={"gia/oge/2026/p.csv": 1},
    ),
    Case(
        "ege-xlsx-clean",
        "ege",
        _ege_xlsx(ege_row(0), ege_row(1)),
        accepted={"gia/ege/2026/e.xlsx": 2},
        tables={"ege_results": 2},
    ),
    Case(
        "pisa-unknown-school",
        "pisa",
        _pisa(pisa_row("1"), pisa_row("2", school="edu999999")),
        problems=(Expect("pisa/2026/u.csv", "school_code_known", 3, "Код ОО"),),
        accepted={"pisa/2026/u.csv": 1},
        tables={"pisa_students": 1},
    ),
    Case(
        "pisa-decimal-point",
        "pisa",
        _pisa(pisa_row("1"), pisa_row("2", ESCS="0.5")),
        problems=(Expect("pisa/2026/u.csv", "decimal_comma", 3, "ESCS"),),
        accepted={"pisa/2026/u.csv": 1},
    ),
]


def _niko(raw: Path) -> None:
    write_niko(raw, [niko_row("10001"), niko_row("10002", scores=(4, 3, 3, 9))])


def _rpr(raw: Path) -> None:
    write_rpr(raw, [rpr_row("1000000001"), rpr_row("1000000002", school="edu999999")])


def _gve_given_oge(raw: Path) -> None:
    """An ОГЭ protocol saved in the ГВЭ folder: its subject code is not a ГВЭ subject."""
    write_csv(raw / "gia" / "gve" / "2026" / "p.csv", [oge_row(0)])


CASES += [
    Case(
        "niko-task-over-max",
        "niko",
        _niko,
        problems=(Expect("niko/2024/a.xlsx", "task_score_within_max", 9, "4 (6б)"),),
        accepted={"niko/2024/a.xlsx": 1},
        tables={"niko_results": 1},
        exact=False,  # the row's sum and mark are wrong too
    ),
    Case(
        "rpr-unknown-school",
        "rpr",
        _rpr,
        problems=(Expect("rpr/2026/a.xlsx", "school_code_known", 9, "Код ОО"),),
        accepted={"rpr/2026/a.xlsx": 1},
        tables={"rpr_results": 1},
    ),
    Case(
        "gve-oge-protocol-in-gve-folder",
        "gve",
        _gve_given_oge,
        problems=(Expect("gia/gve/2026/p.csv", "subject_known", 2, "Код предмета", ("ГВЭ",)),),
        accepted={"gia/gve/2026/p.csv": 0},
        exact=False,
    ),
]
