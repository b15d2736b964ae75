"""Survey contracts: questionnaires, Likert answers and contingents, with small fixture files.

Row faults are planted one per row (one validation pass per suite, as in ingest); file faults
get a file each. Every file accounts for all its rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from soko.file_report import FileReport
from soko.procedures.survey.ingest import ingest_surveys
from soko.procedures.survey.settings import survey_settings

SETTINGS = survey_settings()
STUDENT_ITEMS = list(SETTINGS.questionnaires["students"].items)
PARENT_ITEMS = list(SETTINGS.questionnaires["parents"].items)
HEAD = ["Код ОО", "Код анкеты", "Дата заполнения", "Респондент", "Класс"]
SCHOOLS = pd.DataFrame(
    {
        "school_code": ["edu990001", "edu990002"],
        "school_name": ["Школа 1", "Школа 2"],
        "municipality_code": ["01", "02"],
        "municipality_name": ["г. Озёрск-на-Вельме", "г. Новоберёзовск"],
        "kind": ["СОШ", "СОШ"],
        "locality": ["Город", "Село"],
    }
)


def student(
    code: str, school: str = "edu990001", answers: str = "4" * 11, **cells: str
) -> list[str]:
    row = {
        "Код ОО": school,
        "Код анкеты": code,
        "Дата заполнения": "12.03.2026",
        "Респондент": "Обучающийся",
        "Класс": "8",
    }
    row.update(dict(zip(STUDENT_ITEMS, answers, strict=True)))
    row.update(cells)
    return [row.get(h, "") for h in [*HEAD, *STUDENT_ITEMS]]


def write(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    *,
    encoding: str = "cp1251",
    title: tuple[str, ...] = (),
) -> Path:
    lines = [*title, ";".join(header), *(";".join(r) for r in rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def students_file(path: Path, rows: list[list[str]], **kw: object) -> Path:
    return write(path, [*HEAD, *STUDENT_ITEMS], rows, **kw)  # type: ignore[arg-type]


def contingent_file(path: Path, rows: list[list[str]]) -> Path:
    return write(path, ["Код ОО", "Год", "Анкета", "Приглашено"], rows)


def run(raw: Path, *paths: Path) -> tuple[list[FileReport], dict[str, list[pd.DataFrame]]]:
    result = ingest_surveys(list(paths), raw, SCHOOLS)
    for rep in result.reports:
        assert rep.rows_accepted + rep.rows_rejected == rep.rows_read
    return result.reports, result.tables


# (row, column, rule): one fault per row, rows 3.. of the file (row 2 is good)
BAD_ROWS: list[tuple[list[str], str | None, str]] = [
    (student("1002", school="edu999999"), "Код ОО", "school_code_known"),
    (student("1003", answers="4446444444" + "4"), "У04", "answer_in_scale"),
    (student("1004", answers="4" * 10 + "0"), "У11", "answer_in_scale"),
    (student("1005", **{"У02": "4,5"}), "У02", "answer_in_scale"),
    (student("1006", **{"У07": "да"}), "У07", "answer_in_scale"),
    (student("1007", answers=" " * 11), None, "some_answer"),
    (student("1008", **{"Дата заполнения": "2026-03-12"}), "Дата заполнения", "date_format"),
    (student("1009", **{"Дата заполнения": "31.02.2026"}), "Дата заполнения", "date_valid"),
    (student("1010", Респондент="Родитель"), "Респондент", "respondent_matches_questionnaire"),
    (student("1011", Класс="8Б"), "Класс", "grade_format"),
    (student("1012", Класс="14"), "Класс", "grade_range"),
    (
        student(
            "",
        ),
        "Код анкеты",
        "respondent_id_present",
    ),
]


@pytest.fixture(scope="module")
def row_faults(tmp_path_factory: pytest.TempPathFactory) -> FileReport:
    raw = tmp_path_factory.mktemp("survey_rows")
    rows = [student("1001"), *(r for r, _, _ in BAD_ROWS)]
    rows += [student("1013", answers="5" + " " * 10), student("1014"), student("1014")]
    (rep,), _ = run(raw, students_file(raw / "surveys" / "2026" / "u.csv", rows))
    return rep


def test_row_faults_are_accounted(row_faults: FileReport) -> None:
    # rows 2 (good), 3-14 (faults), 15 (one answer only: accepted), 16-17 (duplicates)
    assert row_faults.rows_read == 16
    assert row_faults.rows_accepted == 2
    assert {p.row for p in row_faults.problems} == set(range(3, 15)) | {16, 17}


@pytest.mark.parametrize(("offset", "case"), list(enumerate(BAD_ROWS)))
def test_each_row_fault_names_row_column_and_rule(
    row_faults: FileReport, offset: int, case: tuple[list[str], str | None, str]
) -> None:
    _, column, rule = case
    line = 3 + offset
    mine = [p for p in row_faults.problems if p.row == line]
    assert (column, rule) in {(p.column, p.rule) for p in mine}, mine
    text = next(p for p in mine if p.rule == rule).text()
    assert f"строка {line}" in text and "surveys/2026/u.csv" in text


def test_duplicated_questionnaire_rejects_every_copy(row_faults: FileReport) -> None:
    assert {p.row for p in row_faults.problems if p.rule == "respondent_unique"} == {16, 17}


def test_clean_files_make_canonical_tables(tmp_path: Path) -> None:
    folder = tmp_path / "surveys" / "2026"
    s = students_file(
        folder / "u.csv",
        [student("1", answers="54321 12345"), student("2")],
        title=("Анкетирование обучающихся, 2026",),
    )
    p = write(
        folder / "r.csv",
        [*HEAD, *PARENT_ITEMS],
        [["edu990002", "7", "01.02.2026", "Родитель", "2", *"333333333"]],
    )
    c = contingent_file(
        folder / "k.csv",
        [["edu990001", "2026", "Обучающиеся", "30"], ["edu990002", "2026", "Родители", "12"]],
    )
    reports, tables = run(tmp_path, s, p, c)
    assert all(r.ok for r in reports), [r.problems for r in reports]
    responses = pd.concat(tables["survey_responses"])
    assert responses["questionnaire"].tolist() == ["students", "students", "parents"]
    assert responses["source_row"].tolist() == [3, 4, 2]  # title row skipped, lines kept
    assert responses["survey_date"].iloc[0] == "2026-03-12"
    answers = pd.concat(tables["survey_answers"])
    first = answers[answers["respondent_id"] == "1"]["value"]
    assert first.fillna(0).tolist() == [5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5]
    assert first.isna().sum() == 1  # the blank answer is kept as «no answer»
    contingents = pd.concat(tables["survey_contingents"])
    assert contingents["n_invited"].tolist() == [30, 12]
    assert contingents["municipality_code"].tolist() == ["01", "02"]


def test_contingent_rules(tmp_path: Path) -> None:
    folder = tmp_path / "surveys" / "2026"
    s = students_file(folder / "u.csv", [student(str(i)) for i in range(1, 4)])
    c = contingent_file(
        folder / "k.csv",
        [
            ["edu990001", "2026", "Обучающиеся", "2"],  # 3 answered, 2 invited
            ["edu990002", "2026", "Учителя", "10"],
            ["edu990002", "26", "Родители", "10"],
            ["edu990002", "2026", "Родители", "0"],
            ["edu990002", "2026", "Родители", "десять"],
            ["edu990009", "2026", "Родители", "5"],
        ],
    )
    (_, rep), _ = run(tmp_path, s, c)
    assert {(p.row, p.rule) for p in rep.problems} >= {
        (2, "invited_covers_responses"),
        (3, "questionnaire_known"),
        (4, "year_format"),
        (5, "invited_positive"),
        (6, "invited_format"),
        (7, "school_code_known"),
    }
    assert rep.rows_read == 6 and rep.rows_accepted == 0
    over = next(p for p in rep.problems if p.rule == "invited_covers_responses")
    assert over.column == "Приглашено" and "заполнили анкету 3" in (over.value or "")


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        ("empty", "file_not_empty"),
        ("koi8", "encoding"),
        ("utf16", "encoding"),
        ("missing_item", "required_columns"),
        ("missing_base", "required_columns"),
        ("no_items", "questionnaire_known"),
        ("mixed", "questionnaire_single"),
        ("contingent_missing", "required_columns"),
    ],
)
def test_file_faults_reject_the_file_with_a_reason(tmp_path: Path, kind: str, rule: str) -> None:
    path = tmp_path / "surveys" / "2026" / f"{kind}.csv"
    rows = [student("1"), student("2")]
    if kind == "empty":
        path.parent.mkdir(parents=True)
        path.write_bytes(b"")
    elif kind in ("koi8", "utf16"):
        students_file(path, rows, encoding="koi8_r" if kind == "koi8" else "utf-16")
    elif kind == "missing_item":
        write(path, [*HEAD, *STUDENT_ITEMS[:-1]], [r[:-1] for r in rows])
    elif kind == "missing_base":
        write(
            path,
            [h for h in [*HEAD, *STUDENT_ITEMS] if h != "Класс"],
            [r[:4] + r[5:] for r in rows],
        )
    elif kind == "no_items":
        write(path, [*HEAD, "Вопрос 1"], [r[:6] for r in rows])
    elif kind == "mixed":
        write(path, [*HEAD, *STUDENT_ITEMS, "Р01"], [[*r, "3"] for r in rows])
    elif kind == "contingent_missing":
        write(path, ["Код ОО", "Анкета", "Приглашено"], [["edu990001", "Родители", "5"]])
    (rep,), _ = run(tmp_path, path)
    assert rep.rows_accepted == 0 and [p.rule for p in rep.problems] == [rule]
    if kind == "missing_item":
        assert "«У11»" in rep.problems[0].message and rep.rows_read == 2


def test_other_delimiters_are_detected_and_extra_cells_rejected(tmp_path: Path) -> None:
    """A comma- or tab-separated export is read as such; a row that has more cells than
    the header (e.g. «4;5» typed into one answer) is rejected, the others kept."""
    header = [*HEAD, *STUDENT_ITEMS]
    comma = tmp_path / "surveys" / "2026" / "comma.csv"
    comma.parent.mkdir(parents=True)
    rows = [",".join(student("1")), ",".join(student("2"))]
    comma.write_text("\r\n".join([",".join(header), *rows]) + "\r\n", encoding="utf-8")
    extra = students_file(
        tmp_path / "surveys" / "2026" / "extra.csv",
        [
            student("3"),
            [*student("4")[:-1], "4", "5"],
        ],
    )
    (a, b), tables = run(tmp_path, comma, extra)
    assert a.ok and a.rows_accepted == 2
    assert (b.rows_read, b.rows_accepted) == (2, 1)
    assert [(p.row, p.rule) for p in b.problems] == [(3, "no_extra_cells")]
    answers = pd.concat(tables["survey_answers"])
    assert answers.groupby("respondent_id")["value"].sum().to_dict() == {"1": 44, "2": 44, "3": 44}
