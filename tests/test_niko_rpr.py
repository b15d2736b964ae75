"""НИКО and РПР: ВПР's reader and contracts under another title and the region's column names."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from soko import derive
from soko.formats.fisoko_workbook import layout_for
from soko.formats.fisoko_workbook.reader import FIXED_COLUMNS, VPR_LAYOUT, WorkbookLayout
from soko.pipeline.derived import derive_table
from soko.pipeline.ingest import ingest
from tests.conftest import SmallRegion
from tests.fisoko_files import MUN1, write_registry

# РПР 2026 mathematics grade 7 (config/rpr.yml): max 18, «3» from 6, «4» from 10, «5» from 14.
RPR_TASKS = [(f"{i} (3б)", "Б" if i <= 4 else "П") for i in range(1, 7)]
RPR_HEAD = ["Код ОО", "Наименование ОО", "Код обучающегося", "Класс", "Вариант"]
RPR_TAIL = ["Итоговый балл", "Оценка", "Отметка за четверть"]
# НИКО 2024 literature grade 6 (config/niko.yml): max 21, «3» from 7, «4» from 12, «5» from 17.
NIKO_TASKS = [("1 (5б)", "Б"), ("2 (5б)", "Б"), ("3 (5б)", "Б"), ("4 (6б)", "П")]
NIKO_HEAD = ["ОО", "Муниципалитет", "Название ОО", "Код участника", "Класс", "Вариант"]
NIKO_TAIL = ["Первичный балл", "Отметка"]


def rpr_row(code: str = "1000000001", school: str = "edu990001", scores=(3, 3, 2, 2, 0, 0)):
    total = sum(scores)
    mark = 5 if total >= 14 else 4 if total >= 10 else 3 if total >= 6 else 2
    return [school, "МБОУ СОШ № 1", code, "7А", 1, *scores, total, mark, mark]


def niko_row(code: str = "10001", scores=(4, 3, 3, 2)):
    total = sum(scores)
    mark = 5 if total >= 17 else 4 if total >= 12 else 3 if total >= 7 else 2
    return ["edu990001", MUN1, "МБОУ СОШ № 1", code, "6А", 1, *scores, total, mark]


def write_workbook(
    path: Path,
    title: str,
    head: list[str],
    tasks: list[tuple[str, str]],
    tail: list[str],
    rows: list[list],
    max_score: int,
) -> Path:
    """A participant workbook: title, metadata, level row above the tasks, header, rows."""
    subject = title.split(" ", 2)[2].rsplit(" ", 2)[0]
    levels = ["Уровень сложности", *[""] * (len(head) - 1), *(lvl for _, lvl in tasks)]
    grid: list[list] = [
        [title],
        ["Результаты участников"],
        ["Предмет:", subject],
        ["Максимальный первичный балл:", max_score],
        [],
        levels,
        [*head, *(t for t, _ in tasks), *tail],
        *rows,
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for i, row in enumerate(grid):
        ws.write_row(i, 0, row)
    wb.close()
    return path


# What a file of each procedure has unless a test says otherwise (write_workbook's arguments).
DEFAULTS: dict[str, dict] = {
    "rpr": {
        "title": "РПР 2026 Математика 7 класс",
        "head": RPR_HEAD,
        "tasks": RPR_TASKS,
        "tail": RPR_TAIL,
        "max_score": 18,
    },
    "niko": {
        "title": "НИКО 2024 Литература 6 класс",
        "head": NIKO_HEAD,
        "tasks": NIKO_TASKS,
        "tail": NIKO_TAIL,
        "max_score": 21,
    },
}


def write_file(code: str, raw: Path, rows: list[list], name: str = "a.xlsx", **kw) -> Path:
    """``data/raw/<code>/<year>/<name>``, the year taken from the title."""
    args = {**DEFAULTS[code], **kw}
    year = args["title"].split()[1]
    return write_workbook(raw / code / year / name, rows=rows, **args)


def write_rpr(raw: Path, rows: list[list], name: str = "a.xlsx", **kw) -> Path:
    return write_file("rpr", raw, rows, name, **kw)


def write_niko(raw: Path, rows: list[list], name: str = "a.xlsx", **kw) -> Path:
    return write_file("niko", raw, rows, name, **kw)


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    write_registry(raw)
    return raw


def _files(raw: Path, tmp_path: Path, kind: str):
    report = ingest(raw, tmp_path / "processed")
    return [f for f in report.files if f.kind == kind]


# --- layouts ---------------------------------------------------------------------------------


def test_vpr_layout_is_the_fis_oko_export() -> None:
    assert dict(VPR_LAYOUT.columns) == FIXED_COLUMNS and VPR_LAYOUT.absent == frozenset()
    assert VPR_LAYOUT.file_column("Отметка") == "Отметка"


def test_rpr_layout_comes_from_config() -> None:
    rpr = layout_for("rpr")
    assert rpr.title == "РПР" and rpr.scales_file == "rpr.yml"
    assert rpr.headers["participant_code"] == "Код обучающегося"
    assert rpr.file_column("Первичный балл") == "Итоговый балл"  # contracts name ВПР headers
    assert rpr.absent == {"municipality_name"}
    assert rpr.scale(2026, "ma", 7).thresholds == (6, 10, 14)
    assert layout_for("niko").absent == {"journal_mark"}


def test_layout_without_a_required_column_is_refused() -> None:
    with pytest.raises(ValueError, match="participant_code"):
        WorkbookLayout(procedure="x", columns={"Код ОО": "school_code", "Балл": "primary_score"})


# --- РПР contracts ---------------------------------------------------------------------------


def test_clean_rpr_file_is_accepted_whole(raw: Path, tmp_path: Path) -> None:
    rows = [rpr_row("1000000001"), rpr_row("1000000002", scores=(3, 3, 3, 3, 3, 0))]
    rows.append(rpr_row("1000000003", scores=(1, 1, 1, 0, 0, 0)))
    (f,) = _files(write_rpr(raw, rows).parents[2], tmp_path, "rpr")
    assert f.ok and (f.rows_read, f.rows_accepted) == (3, 3)
    results = pd.read_parquet(tmp_path / "processed" / "rpr_results.parquet")
    assert results["participant_code"].tolist() == ["1000000001", "1000000002", "1000000003"]
    assert results["primary_score"].tolist() == [10, 15, 3]
    assert results["mark"].tolist() == [4, 5, 2] and results["journal_mark"].tolist() == [4, 5, 2]
    assert set(results["municipality_code"]) == {"01"}  # from the registry: no such column
    tasks = pd.read_parquet(tmp_path / "processed" / "rpr_tasks.parquet")
    assert tasks["level"].tolist() == ["Б", "Б", "Б", "Б", "П", "П"]
    # indicators of the derived table, by hand: marks 4, 5, 2 -> success 2/3, quality 2/3
    derive_table("rpr_marks", tmp_path / "processed")
    marks = derive.load("rpr_marks", tmp_path / "processed")
    region = marks[marks["level"] == "region"].iloc[0]
    assert (region["n"], region["n_mark2"], region["n_mark5"]) == (3, 1, 1)
    assert region["success_rate"] == pytest.approx(2 / 3)
    assert region["quality_rate"] == pytest.approx(2 / 3)
    assert region["mean_primary_score"] == pytest.approx(28 / 3)


@pytest.mark.parametrize(
    ("renamed", "ours"),
    [("Итоговый балл", "Первичный балл"), ("Код обучающегося", "Код участника")],
)
def test_column_renamed_against_the_layout_rejects_the_file_by_name(
    raw: Path, tmp_path: Path, renamed: str, ours: str
) -> None:
    """The file says «Первичный балл» (ВПР's name) where the region's layout expects its own."""
    head = [ours if h == renamed else h for h in RPR_HEAD]
    tail = [ours if h == renamed else h for h in RPR_TAIL]
    write_rpr(raw, [rpr_row(), rpr_row("1000000002")], head=head, tail=tail)
    (f,) = _files(raw, tmp_path, "rpr")
    assert (f.rows_read, f.rows_accepted) == (2, 0)  # both rows read, both rejected
    (p,) = f.problems
    assert (p.rule, p.row) == ("required_columns", 7)
    assert f"«{renamed}»" in p.message and ours in p.message
    assert "config/rpr.yml" in p.message


@pytest.mark.parametrize(
    ("row", "column", "rule"),
    [
        (rpr_row("1000000009", school="edu999999"), "Код ОО", "school_code_known"),
        (rpr_row("1000000009", scores=(3, 3, 2, 2, 0, 4)), "6 (3б)", "task_score_within_max"),
        (
            ["edu990001", "x", "1000000009", "7А", 1, 3, 3, 3, 3, 3, 3, 19, 5, 5],
            "Итоговый балл",
            "primary_score_range",
        ),
        (
            ["edu990001", "x", "1000000009", "7А", 1, 3, 3, 2, 2, 0, 0, 10, 3, 4],
            "Оценка",
            "mark_matches_scale",
        ),
        (["edu990001", "x", "1000000009", "8А", 1, 3, 3, 2, 2, 0, 0, 10, 4, 4], "Класс", None),
    ],
)
def test_bad_rpr_row_is_rejected_and_named_in_the_regions_terms(
    raw: Path, tmp_path: Path, row: list, column: str, rule: str | None
) -> None:
    rule = rule or "class_matches_grade"
    write_rpr(raw, [rpr_row("1000000001"), row, rpr_row("1000000003")])
    (f,) = _files(raw, tmp_path, "rpr")
    assert (f.rows_read, f.rows_accepted) == (3, 2)
    problem = next(p for p in f.problems if p.rule == rule)
    assert (problem.row, problem.column) == (9, column)  # header is row 7, the bad row is 9
    text = problem.text()
    assert "rpr/2026/a.xlsx" in text and "строка 9" in text and f"«{column}»" in text
    if rule == "mark_matches_scale":
        assert "config/rpr.yml" in problem.message and "vpr_scales" not in problem.message
    results = pd.read_parquet(tmp_path / "processed" / "rpr_results.parquet")
    assert sorted(results["source_row"]) == [8, 10]


def test_duplicate_rpr_student_rejects_both_rows(raw: Path, tmp_path: Path) -> None:
    write_rpr(raw, [rpr_row("1000000001"), rpr_row("1000000001"), rpr_row("1000000002")])
    (f,) = _files(raw, tmp_path, "rpr")
    assert {(p.row, p.rule, p.column) for p in f.problems} == {
        (8, "participant_unique", "Код обучающегося"),
        (9, "participant_unique", "Код обучающегося"),
    }
    assert f.rows_accepted == 1


def test_same_student_in_two_years_is_not_a_duplicate(raw: Path, tmp_path: Path) -> None:
    write_rpr(raw, [rpr_row("1000000001")])
    row8 = ["edu990001", "x", "1000000001", "8А", 1, 3, 3, 3, 3, 3, 3, 18, 5, 5]
    tasks8 = [*RPR_TASKS[:5], ("6 (5б)", "П")]  # grade 8: max 20
    write_rpr(
        raw, [row8], "b.xlsx", title="РПР 2025 Математика 8 класс", tasks=tasks8, max_score=20
    )
    files = _files(raw, tmp_path, "rpr")
    assert [f.ok for f in files] == [True, True], [p.text() for f in files for p in f.problems]
    results = pd.read_parquet(tmp_path / "processed" / "rpr_results.parquet")
    assert results.groupby("participant_code")["year"].nunique().to_dict() == {"1000000001": 2}


# --- НИКО contracts --------------------------------------------------------------------------


def test_clean_niko_file_without_journal_column(raw: Path, tmp_path: Path) -> None:
    write_niko(raw, [niko_row("10001"), niko_row("10002", scores=(5, 5, 5, 6))])
    (f,) = _files(raw, tmp_path, "niko")
    assert f.ok and f.rows_accepted == 2
    results = pd.read_parquet(tmp_path / "processed" / "niko_results.parquet")
    assert results["mark"].tolist() == [4, 5] and results["journal_mark"].isna().all()
    assert (results["subject"].iloc[0], results["grade"].iloc[0]) == ("li", 6)


def test_niko_rules_and_file_rules(raw: Path, tmp_path: Path) -> None:
    unknown = niko_row("10003")
    unknown[0] = "edu999999"
    over = niko_row("10004", scores=(4, 3, 3, 7))
    write_niko(raw, [niko_row("10001"), niko_row("10001"), unknown, over])
    write_niko(raw, [niko_row()], name="b.xlsx", title="НИКО 2025 Литература 6 класс")
    write_niko(raw, [niko_row()], name="c.xlsx", title="ВПР 2024 Литература 6 класс")
    a, c, b = _files(raw, tmp_path, "niko")  # niko/2024/a, niko/2024/c, niko/2025/b
    assert {(p.row, p.rule) for p in a.problems} == {
        (8, "participant_unique"),
        (9, "participant_unique"),
        (10, "school_code_known"),
        (11, "task_score_within_max"),
    }
    assert (a.rows_read, a.rows_accepted) == (4, 0)
    assert b.problems[0].rule == "scale_known" and "config/niko.yml" in b.problems[0].message
    assert c.problems[0].rule == "title_present" and "«НИКО 2026" in c.problems[0].message


# --- the demo --------------------------------------------------------------------------------


def test_demo_has_niko_and_rpr_and_they_are_clean(small_region: SmallRegion) -> None:
    report = small_region.report
    for code in ("niko", "rpr"):
        files = [f for f in report.files if f.kind == code]
        assert files and all(f.ok for f in files), code
        results = pd.read_parquet(small_region.processed / f"{code}_results.parquet")
        assert len(results) == sum(f.rows_read for f in files)
        assert results["year"].nunique() == 3


def test_rpr_student_ids_persist_where_the_municipality_keeps_them(
    small_region: SmallRegion,
) -> None:
    results = pd.read_parquet(small_region.processed / "rpr_results.parquet")
    truth = pd.read_parquet(small_region.truth / "rpr_students.parquet")
    stable = set(truth.loc[truth["stable_id"], "school_code"])
    assert stable and set(truth["school_code"]) - stable  # part of the region, not all
    years = results.groupby("participant_code")["year"].nunique()
    linked = results[results["participant_code"].isin(years[years > 1].index)]
    assert set(linked["school_code"]) <= stable and len(linked)
    # a student followed from grade 7 to grade 8 is in grade 8 the next year
    ma = results[results["subject"] == "ma"]
    g7 = ma[(ma["grade"] == 7) & (ma["year"] == 2024)]
    g8 = ma[(ma["grade"] == 8) & (ma["year"] == 2025)]
    pairs = g7.merge(g8, on="participant_code")
    assert len(pairs) > 0.5 * len(g7[g7["school_code"].isin(stable)])
    score = pairs[["primary_score_x", "primary_score_y"]].astype(float)
    assert score.corr().iloc[0, 1] > 0.2


@pytest.mark.notebooks
def test_rpr_pages_show_no_student_ids(small_region: SmallRegion, tmp_path: Path) -> None:
    """The РПР pages render from the shared templates; persistent student ids never reach them."""
    from soko.build import build

    assert (
        build(year=2026, jobs=2, only="rpr", processed=small_region.processed, reports=tmp_path)
        == 0
    )
    pages = sorted((tmp_path / "2026").glob("rpr_*.html"))
    assert [p.name for p in pages][:2] == ["rpr_municipality_01.html", "rpr_municipality_02.html"]
    ids = set(pd.read_parquet(small_region.processed / "rpr_results.parquet")["participant_code"])
    for page in pages:
        html = re.sub(r"base64,[A-Za-z0-9+/=]+", "", page.read_text(encoding="utf-8"))
        assert "РПР" in html and "Работа ВПР" not in html and "ВПР" not in html.split("<body")[1]
        assert not set(re.findall(r"\d{10}", html)) & ids, page.name
