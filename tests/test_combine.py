"""Files of one work combined, one work at a time (issue 11 points 2, 4 and 6).

The catalogue (``tests/catalogue/cases_combine.py``) runs the user's cases through the
whole ingest; these tests pin what a case cannot: the combining helper itself, that the
per-work batches and the re-reading of files not held in memory change nothing, and that
the order files are given in does not change a byte.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from soko.file_report import combine_rows, spread_to_copies
from soko.formats.fisoko_workbook import WORKBOOK_SCHEMAS
from soko.formats.fisoko_workbook import ingest as workbook_ingest
from soko.formats.fisoko_workbook.ingest import VprTables, ingest_vpr
from soko.pipeline import ingest as pipeline_ingest
from soko.readers.problems import Problem
from soko.schema import typed
from tests.fisoko_files import good_row, write_vpr
from tests.gia_files import SCHOOLS

# --- the helper -----------------------------------------------------------------------------


def _frame(rows: list[tuple[str, int, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source_file", "source_row", "k", "v"])


def test_identical_rows_of_two_files_are_one_and_conflicts_name_each_other() -> None:
    frame = _frame(
        [
            ("b", 2, "x", "1"),  # copy of a:2 (b comes after a whatever the input order)
            ("a", 2, "x", "1"),
            ("a", 3, "y", "1"),
            ("b", 3, "y", "2"),  # same key, other content: both rejected
            ("a", 4, None, "1"),  # no key: never combined
            ("b", 4, None, "1"),
        ]
    )
    got = combine_rows(frame, ["k"], ["v"])
    assert got.copies.to_dict("records") == [
        {"source_file": "b", "source_row": 2, "original_file": "a", "original_row": 2}
    ]
    same = got.rows.set_index(["source_file", "source_row"])["same_key"]
    assert same[("a", 3)] == "строка 3 файла b" and same[("b", 3)] == "строка 3 файла a"
    assert same[["a", "b"]].isna().sum() == 3  # a:2, a:4, b:4 have no clash
    assert len(got.rows) == 5


def test_a_repeat_inside_one_file_is_a_conflict_not_a_copy() -> None:
    got = combine_rows(_frame([("a", 2, "x", "1"), ("a", 3, "x", "1")]), ["k"], ["v"])
    assert got.copies.empty
    assert got.rows["same_key"].tolist() == ["строка 3 файла a", "строка 2 файла a"]


def test_problems_of_an_original_reach_its_copies() -> None:
    got = combine_rows(_frame([("a", 2, "x", "1"), ("b", 7, "x", "1")]), ["k"], ["v"])
    found = [Problem("a", 2, "К", "r", "m", "v"), Problem("a", None, None, "t", "n")]
    spread = spread_to_copies(found, got.copies)
    assert [(p.file, p.row, p.rule) for p in spread] == [("b", 7, "r"), ("b", 7, "t")]


# --- the per-work ingest --------------------------------------------------------------------

_OLD = "ВПР 2025 Математика 4 класс"


def _files(raw: Path) -> list[Path]:
    """Two works, each in a region file and school files that overlap it, one conflict."""
    rows = [good_row(f"1{i:04d}", school="edu990001" if i % 2 else "edu990002") for i in range(9)]
    return [
        write_vpr(raw / "vpr" / "2026" / "region.xlsx", rows),
        write_vpr(raw / "vpr" / "2026" / "s1.xlsx", rows[1::2]),
        write_vpr(raw / "vpr" / "2026" / "s2.xlsx", [*rows[0::2][:3], good_row("19999")]),
        write_vpr(raw / "vpr" / "2025" / "all.xlsx", rows[:5], title=_OLD),
        write_vpr(raw / "vpr" / "2025" / "late.xlsx", [rows[4], rows[6]], title=_OLD),
        write_vpr(
            raw / "vpr" / "2025" / "z.xlsx",
            [good_row("10001", school="edu990001", scores=(0, 0, 0, 0, 0))],
            title=_OLD,
        ),
    ]


def _run(paths: list[Path], raw: Path) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    out = VprTables()
    reports = ingest_vpr(paths, raw, SCHOOLS, out)
    tables = {
        "results": typed("r", out.results, WORKBOOK_SCHEMAS["vpr_results"]),
        "task_scores": typed("t", out.task_scores, WORKBOOK_SCHEMAS["vpr_task_scores"]),
        "tasks": typed("k", out.tasks, WORKBOOK_SCHEMAS["vpr_tasks"]),
    }
    return tables, sorted((r.as_dict() for r in reports), key=lambda d: str(d["file"]))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], tuple]:
    raw = tmp_path_factory.mktemp("combine") / "raw"
    paths = _files(raw)
    return raw, paths, _run(paths, raw)


def test_baseline_is_what_the_files_hold(baseline) -> None:
    _, _, (tables, reports) = baseline
    results = tables["results"]
    # 2026: the region's 9 rows and the school's new one; 2025: 5 + 1 new, 10001 conflicts
    assert (results["year"] == 2026).sum() == 10
    assert (results["year"] == 2025).sum() == 5
    assert len(tables["tasks"]) == 10 and len(tables["task_scores"]) == 15 * 5
    by_file = {
        r["file"]: (r["rows_read"], r["rows_accepted"], r["rows_duplicate"]) for r in reports
    }
    assert by_file == {
        "vpr/2025/all.xlsx": (5, 4, 0),
        "vpr/2025/late.xlsx": (2, 2, 1),
        "vpr/2025/z.xlsx": (1, 0, 0),
        "vpr/2026/region.xlsx": (9, 9, 0),
        "vpr/2026/s1.xlsx": (4, 4, 4),
        "vpr/2026/s2.xlsx": (4, 4, 3),
    }
    assert sum(a - d for _, a, d in by_file.values()) == len(results)


def test_file_order_does_not_change_the_output(baseline) -> None:
    raw, paths, (tables, reports) = baseline
    shuffled = list(paths)
    random.Random(11).shuffle(shuffled)
    again, again_reports = _run(shuffled, raw)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, again[name])
    assert again_reports == reports


def test_small_batches_and_rereading_change_nothing(
    baseline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One work per batch, no workbook held between the passes: the same tables and
    reports as one batch with everything held."""
    raw, paths, (tables, reports) = baseline
    monkeypatch.setattr(workbook_ingest, "BATCH_ROWS", 1)
    monkeypatch.setattr(workbook_ingest, "HELD_ROWS", 0)
    calls: list[int] = []
    real = workbook_ingest.validate_frame

    def counting(kind, frame, *args, **kw):
        calls.append(len(frame))
        return real(kind, frame, *args, **kw)

    monkeypatch.setattr(workbook_ingest, "validate_frame", counting)
    again, again_reports = _run(paths, raw)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, again[name])
    assert again_reports == reports
    assert len(calls) == 4  # two suites per batch, one work per batch


# --- canonical tables written part by part ---------------------------------------------------


def test_tables_are_written_part_by_part_with_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = WORKBOOK_SCHEMAS["vpr_tasks"]
    parts = [
        pd.DataFrame(
            {
                "year": 2026,
                "subject": "ma",
                "grade": g,
                "task": [str(t) for t in range(1, 4)],
                "task_order": [1, 2, 3],
                "max_score": [1, 2, 3],
                "level": ["Б", "Б", "П"],
            }
        )
        for g in (4, 5, 6, 7)
    ]
    whole = typed("vpr_tasks", parts, schema)
    monkeypatch.setattr(pipeline_ingest, "ROW_GROUP_ROWS", 5)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    given = list(parts)
    assert pipeline_ingest.write_table(tmp_path / "a", "vpr_tasks", given, schema) == 12
    assert given == []  # released as written
    pipeline_ingest.write_table(tmp_path / "b", "vpr_tasks", list(parts), schema)
    written = tmp_path / "a" / "vpr_tasks.parquet"
    assert pq.ParquetFile(written).num_row_groups == 2  # 6 + 6 rows, parts gathered
    pd.testing.assert_frame_equal(pd.read_parquet(written), whole)
    assert written.read_bytes() == (tmp_path / "b" / "vpr_tasks.parquet").read_bytes()
    assert pipeline_ingest.write_table(tmp_path / "a", "vpr_tasks", [], schema) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(written), whole.iloc[0:0])
