"""Files of one work combined; keys agree; accounting (issue 11 points 2 and 6).

Region, municipality and school exports of one work are one set of rows: an identical row
in two files is accepted in both and written once (a notice names both files and rows);
two different rows with one key are both rejected, each naming the other. Every case also
checks that rows written = accepted − identical copies, per table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from soko.pipeline.ingest import REPORT_FILE, IngestReport
from tests.catalogue.framework import Case, Expect
from tests.fisoko_files import MUN1, REGISTRY_HEADER, good_row, write_vpr
from tests.gia_files import oge_row, write_csv
from tests.test_pisa_contract import good_row as pisa_row
from tests.test_pisa_contract import write as write_pisa
from tests.test_survey_contract import student, students_file

S1, S2 = "edu990001", "edu990002"
CONTEXT_HEADER = "Код ОО;Год;Численность обучающихся;ИСБШ"
SCHOOL_LINES = [
    f"{S1};МБОУ СОШ № 1;01;{MUN1};СОШ;Город",
    f"{S2};МБОУ Лицей № 2;01;{MUN1};Лицей;Город",
]

# the canonical table each kind's rows are written to (one row per accepted row)
MAIN_TABLE = {
    "vpr": "vpr_results",
    "oge": "oge_results",
    "pisa": "pisa_students",
    "survey": "survey_responses",
    "registry": "schools",
    "context": "school_context",
}


def written_is_accepted_minus_copies(
    kinds: tuple[str, ...], copies: int | None = None, more: Callable | None = None
) -> Callable[[IngestReport, Path], None]:
    """The check every case here makes: per kind, the rows written to its table equal the
    rows accepted less the identical copies; the copies are in the summary and the JSON."""

    def check(report: IngestReport, processed: Path) -> None:
        total = 0
        for kind in kinds:
            files = [f for f in report.files if f.kind == kind]
            accepted = sum(f.rows_accepted for f in files)
            dup = sum(len(f.duplicates) for f in files)
            total += dup
            written = len(pd.read_parquet(processed / f"{MAIN_TABLE[kind]}.parquet"))
            assert written == accepted - dup, (kind, written, accepted, dup)
            for f in files:
                assert len(f.duplicates) <= f.rows_accepted, f.as_dict()
        if copies is not None:
            assert total == copies, (total, copies)
        saved = json.loads((processed / REPORT_FILE).read_text(encoding="utf-8"))
        assert saved["rows_duplicate"] == total
        assert sum(f["rows_duplicate"] for f in saved["files"]) == total
        summary = report.summary_ru()
        if total:
            assert "Одинаковых строк в разных файлах" in summary and f": {total} " in summary
            d = next(d for f in report.files for d in f.duplicates)
            assert f"строка {d.other_row} файла {d.other_file}" in summary
        else:
            assert "Одинаковых строк" not in summary
        if more is not None:
            more(report, processed)

    return check


# --- ВПР: region + school files of one work -------------------------------------------------

_REGION_ROWS = [
    good_row("10001"),
    good_row("10002", scores=(4, 4, 4, 3, 1)),
    good_row("10003", scores=(1, 1, 1, 1, 1)),
    good_row("10004", school=S2),
    good_row("10005", school=S2, scores=(0, 0, 1, 0, 0)),
    good_row("10006", school=S2, scores=(4, 4, 4, 4, 4)),
]


def _region_and_schools(raw: Path) -> None:
    """The issue's test: the region's export and three schools' (two classes of school 1 in
    separate files, school 2 whole), rows in another order than the region's."""
    write_vpr(raw / "vpr" / "2026" / "region.xlsx", _REGION_ROWS)
    write_vpr(raw / "vpr" / "2026" / "school1_4a.xlsx", [_REGION_ROWS[1], _REGION_ROWS[0]])
    write_vpr(raw / "vpr" / "2026" / "school1_4b.xlsx", [_REGION_ROWS[2]])
    write_vpr(raw / "vpr" / "2026" / "school2.xlsx", _REGION_ROWS[3:][::-1])


def _the_region_rows(report: IngestReport, processed: Path) -> None:
    results = pd.read_parquet(processed / "vpr_results.parquet")
    assert sorted(results["participant_code"]) == [r[3] for r in _REGION_ROWS]
    assert set(results["source_file"]) == {"vpr/2026/region.xlsx"}  # first by name keeps them
    by_code = results.set_index("participant_code")["primary_score"]
    assert [by_code[r[3]] for r in _REGION_ROWS] == [r[11] for r in _REGION_ROWS]
    scores = pd.read_parquet(processed / "vpr_task_scores.parquet")
    assert len(scores) == 6 * 5  # each participant's tasks once
    assert len(pd.read_parquet(processed / "vpr_tasks.parquet")) == 5  # the work's tasks once
    notices = {
        (f.file, d.row, d.other_file, d.other_row) for f in report.files for d in f.duplicates
    }
    assert notices == {
        ("vpr/2026/school1_4a.xlsx", 10, "vpr/2026/region.xlsx", 11),
        ("vpr/2026/school1_4a.xlsx", 11, "vpr/2026/region.xlsx", 10),
        ("vpr/2026/school1_4b.xlsx", 10, "vpr/2026/region.xlsx", 12),
        ("vpr/2026/school2.xlsx", 10, "vpr/2026/region.xlsx", 15),
        ("vpr/2026/school2.xlsx", 11, "vpr/2026/region.xlsx", 14),
        ("vpr/2026/school2.xlsx", 12, "vpr/2026/region.xlsx", 13),
    }


def _same_row_two_files(raw: Path) -> None:
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10002")])
    write_vpr(raw / "vpr" / "b.xlsx", [good_row("10002")])


def _conflicting_rows(raw: Path) -> None:
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10002")])
    write_vpr(raw / "vpr" / "b.xlsx", [good_row("10002", scores=(4, 4, 2, 1, 0))])


def _code_in_two_classes(raw: Path) -> None:
    other_class = good_row("10001")
    other_class[4] = "4Б"
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), other_class, good_row("10002")])


def _same_code_in_two_schools(raw: Path) -> None:
    """Codes are unique within a school, not the region: not a repeat."""
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10001", school=S2)])


def _tasks_disagree(raw: Path) -> None:
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001")])
    tasks = [("1 (4б)", "Б"), ("2 (4б)", "Б"), ("3 (4б)", "Б"), ("4 (4б)", "П")]
    tasks += [("5.1 (2б)", "П"), ("5.2 (2б)", "П")]
    write_vpr(raw / "vpr" / "b.xlsx", [good_row("10002", scores=(4, 3, 2, 1, 0, 0))], tasks=tasks)


def _copy_of_a_bad_row(raw: Path) -> None:
    """An identical copy of a row that breaks a rule breaks it too, in its own file."""
    bad = good_row("10002", school="edu999999")
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), bad])
    write_vpr(raw / "vpr" / "b.xlsx", [bad])


def _two_works_two_files_each(raw: Path) -> None:
    """Works are combined separately: the same code in two works is not a repeat."""
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10002")])
    write_vpr(raw / "vpr" / "b.xlsx", [good_row("10001")])
    old = "ВПР 2025 Математика 4 класс"
    write_vpr(raw / "vpr" / "c.xlsx", [good_row("10001")], title=old)
    write_vpr(raw / "vpr" / "d.xlsx", [good_row("10001"), good_row("10003")], title=old)


# --- registry and context -------------------------------------------------------------------


def _registry(raw: Path, name: str, lines: list[str]) -> None:
    path = raw / "registry" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join([REGISTRY_HEADER, *lines]) + "\r\n").encode("cp1251"))


def _registry_identical(raw: Path) -> None:
    _registry(raw, "region.csv", SCHOOL_LINES)
    _registry(raw, "mun01.csv", SCHOOL_LINES[:1])


def _registry_conflicting(raw: Path) -> None:
    _registry(raw, "region.csv", SCHOOL_LINES)
    _registry(raw, "mun01.csv", [SCHOOL_LINES[0].replace("СОШ № 1", "СОШ № 11")])


def _context(raw: Path, name: str, lines: list[str]) -> None:
    path = raw / "context" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join([CONTEXT_HEADER, *lines]) + "\r\n").encode("cp1251"))


def _context_identical(raw: Path) -> None:
    _context(raw, "a.csv", [f"{S1};2026;500;0,41", f"{S2};2026;320;0,12"])
    _context(raw, "b.csv", [f"{S2};2026;320;0,12", f"{S2};2025;300;0,10"])


def _context_conflicting(raw: Path) -> None:
    _context(raw, "a.csv", [f"{S1};2026;500;0,41", f"{S2};2026;320;0,12"])
    _context(raw, "b.csv", [f"{S2};2026;321;0,12"])


# --- protocols, PISA, surveys ---------------------------------------------------------------


def _oge_split_with_overlap(raw: Path) -> None:
    folder = raw / "gia" / "oge"
    write_csv(folder / "part1.csv", [oge_row(0), oge_row(1), oge_row(2)])
    write_csv(folder / "part2.csv", [oge_row(2), oge_row(3)])


def _oge_conflicting(raw: Path) -> None:
    folder = raw / "gia" / "oge"
    write_csv(folder / "part1.csv", [oge_row(0), oge_row(1)])
    write_csv(folder / "part2.csv", [oge_row(1, **{"Вариант": "302"})])


def _pisa_duplicates(raw: Path) -> None:
    write_pisa(raw / "pisa" / "a.csv", [pisa_row("P1"), pisa_row("P2")])
    write_pisa(raw / "pisa" / "b.csv", [pisa_row("P2"), pisa_row("P3")])


def _pisa_conflicting(raw: Path) -> None:
    write_pisa(raw / "pisa" / "a.csv", [pisa_row("P1"), pisa_row("P2")])
    write_pisa(raw / "pisa" / "b.csv", [pisa_row("P2", ESCS="0,5")])


def _survey_duplicates(raw: Path) -> None:
    students_file(raw / "surveys" / "a.csv", [student("A1"), student("A2")])
    students_file(raw / "surveys" / "b.csv", [student("A2")])


def _survey_conflicting(raw: Path) -> None:
    students_file(raw / "surveys" / "a.csv", [student("A1"), student("A2")])
    students_file(raw / "surveys" / "b.csv", [student("A2", answers="3" * 11)])


_CONFLICT = ("другими",)  # the uniqueness rule's message says the rows differ

CASES = [
    Case(
        "combine-vpr-region-plus-three-school-files",
        "vpr",
        _region_and_schools,
        accepted={
            "vpr/2026/region.xlsx": 6,
            "vpr/2026/school1_4a.xlsx": 2,
            "vpr/2026/school1_4b.xlsx": 1,
            "vpr/2026/school2.xlsx": 3,
        },
        tables={"vpr_results": 6},
        check=written_is_accepted_minus_copies(("vpr",), 6, _the_region_rows),
    ),
    Case(
        "combine-vpr-same-row-in-two-files",
        "vpr",
        _same_row_two_files,
        accepted={"vpr/a.xlsx": 2, "vpr/b.xlsx": 1},
        tables={"vpr_results": 2, "vpr_task_scores": 10},
        check=written_is_accepted_minus_copies(("vpr",), 1),
    ),
    Case(
        "combine-vpr-conflicting-rows-in-two-files",
        "vpr",
        _conflicting_rows,
        problems=(
            Expect(
                "vpr/a.xlsx", "participant_unique", 11, "Код участника", (*_CONFLICT, "vpr/b.xlsx")
            ),
            Expect(
                "vpr/b.xlsx", "participant_unique", 10, "Код участника", (*_CONFLICT, "vpr/a.xlsx")
            ),
        ),
        accepted={"vpr/a.xlsx": 1, "vpr/b.xlsx": 0},
        tables={"vpr_results": 1},
        check=written_is_accepted_minus_copies(("vpr",), 0),
    ),
    Case(
        "combine-vpr-one-code-in-two-classes-of-one-school",
        "vpr",
        _code_in_two_classes,
        problems=(
            Expect("vpr/a.xlsx", "participant_unique", 10, "Код участника", ("строка 11",)),
            Expect("vpr/a.xlsx", "participant_unique", 11, "Код участника", ("строка 10",)),
        ),
        accepted={"vpr/a.xlsx": 1},
        tables={"vpr_results": 1},
        check=written_is_accepted_minus_copies(("vpr",), 0),
    ),
    Case(
        "combine-vpr-one-code-in-two-schools-is-two-participants",
        "vpr",
        _same_code_in_two_schools,
        accepted={"vpr/a.xlsx": 2},
        tables={"vpr_results": 2},
        check=written_is_accepted_minus_copies(("vpr",), 0),
    ),
    Case(
        "combine-vpr-task-headers-disagree",
        "vpr",
        _tasks_disagree,
        problems=(
            Expect("vpr/b.xlsx", "tasks_agree", 9, None, ("vpr/a.xlsx", "5.1 (2б)", "5 (4б)")),
        ),
        accepted={"vpr/a.xlsx": 1, "vpr/b.xlsx": 0},
        tables={"vpr_results": 1, "vpr_tasks": 5},
        check=written_is_accepted_minus_copies(("vpr",), 0),
    ),
    Case(
        "combine-vpr-copy-of-a-bad-row-is-rejected-too",
        "vpr",
        _copy_of_a_bad_row,
        problems=(
            Expect("vpr/a.xlsx", "school_code_known", 11, "ОО"),
            Expect("vpr/b.xlsx", "school_code_known", 10, "ОО"),
        ),
        accepted={"vpr/a.xlsx": 1, "vpr/b.xlsx": 0},
        tables={"vpr_results": 1},
        exact=False,  # the unknown school's municipality is not the registry's either
        check=written_is_accepted_minus_copies(("vpr",), 0),
    ),
    Case(
        "combine-vpr-two-works-combined-separately",
        "vpr",
        _two_works_two_files_each,
        accepted={"vpr/a.xlsx": 2, "vpr/b.xlsx": 1, "vpr/c.xlsx": 1, "vpr/d.xlsx": 2},
        tables={"vpr_results": 4, "vpr_tasks": 10},
        check=written_is_accepted_minus_copies(("vpr",), 2),
    ),
    Case(
        "combine-registry-identical-in-two-files",
        "registry",
        _registry_identical,
        registry=False,
        accepted={"registry/region.csv": 2, "registry/mun01.csv": 1},
        tables={"schools": 2},
        check=written_is_accepted_minus_copies(("registry",), 1),
    ),
    Case(
        "combine-registry-conflicting-in-two-files",
        "registry",
        _registry_conflicting,
        registry=False,
        problems=(
            Expect(
                "registry/mun01.csv",
                "school_code_unique",
                2,
                "Код ОО",
                (*_CONFLICT, "строка 2 файла registry/region.csv"),
            ),
            Expect(
                "registry/region.csv",
                "school_code_unique",
                2,
                "Код ОО",
                (*_CONFLICT, "строка 2 файла registry/mun01.csv"),
            ),
        ),
        accepted={"registry/region.csv": 1, "registry/mun01.csv": 0},
        tables={"schools": 1},
        check=written_is_accepted_minus_copies(("registry",), 0),
    ),
    Case(
        "combine-context-identical-in-two-files",
        "context",
        _context_identical,
        accepted={"context/a.csv": 2, "context/b.csv": 2},
        tables={"school_context": 3},
        check=written_is_accepted_minus_copies(("context",), 1),
    ),
    Case(
        "combine-context-conflicting-in-two-files",
        "context",
        _context_conflicting,
        problems=(
            Expect("context/a.csv", "school_year_unique", 3, "Код ОО", ("context/b.csv",)),
            Expect("context/b.csv", "school_year_unique", 2, "Код ОО", ("context/a.csv",)),
        ),
        accepted={"context/a.csv": 1, "context/b.csv": 0},
        tables={"school_context": 1},
        check=written_is_accepted_minus_copies(("context",), 0),
    ),
    Case(
        "combine-oge-protocol-split-with-overlap",
        "oge",
        _oge_split_with_overlap,
        accepted={"gia/oge/part1.csv": 3, "gia/oge/part2.csv": 2},
        tables={"oge_results": 4},
        check=written_is_accepted_minus_copies(("oge",), 1),
    ),
    Case(
        "combine-oge-conflicting-rows-in-two-protocols",
        "oge",
        _oge_conflicting,
        problems=(
            Expect("gia/oge/part1.csv", "participant_unique", 3, "Номер документа", ("part2",)),
            Expect("gia/oge/part2.csv", "participant_unique", 2, "Номер документа", ("part1",)),
        ),
        accepted={"gia/oge/part1.csv": 1, "gia/oge/part2.csv": 0},
        tables={"oge_results": 1},
        check=written_is_accepted_minus_copies(("oge",), 0),
    ),
    Case(
        "combine-pisa-student-in-two-files",
        "pisa",
        _pisa_duplicates,
        accepted={"pisa/a.csv": 2, "pisa/b.csv": 2},
        tables={"pisa_students": 3},
        check=written_is_accepted_minus_copies(("pisa",), 1),
    ),
    Case(
        "combine-pisa-conflicting-student-rows",
        "pisa",
        _pisa_conflicting,
        problems=(
            Expect("pisa/a.csv", "student_unique", 3, "Код участника", ("pisa/b.csv",)),
            Expect("pisa/b.csv", "student_unique", 2, "Код участника", ("pisa/a.csv",)),
        ),
        accepted={"pisa/a.csv": 1, "pisa/b.csv": 0},
        tables={"pisa_students": 1},
        check=written_is_accepted_minus_copies(("pisa",), 0),
    ),
    Case(
        "combine-survey-questionnaire-in-two-files",
        "survey",
        _survey_duplicates,
        accepted={"surveys/a.csv": 2, "surveys/b.csv": 1},
        tables={"survey_responses": 2, "survey_answers": 22},
        check=written_is_accepted_minus_copies(("survey",), 1),
    ),
    Case(
        "combine-survey-conflicting-questionnaires",
        "survey",
        _survey_conflicting,
        problems=(
            Expect("surveys/a.csv", "respondent_unique", 3, "Код анкеты", ("surveys/b.csv",)),
            Expect("surveys/b.csv", "respondent_unique", 2, "Код анкеты", ("surveys/a.csv",)),
        ),
        accepted={"surveys/a.csv": 1, "surveys/b.csv": 0},
        tables={"survey_responses": 1},
        check=written_is_accepted_minus_copies(("survey",), 0),
    ),
]
