"""Bounded memory of ingest (issue 11 point 7): the pieces that make it bounded keep results.

The figures themselves are printed by ``benchmarks/bench_ingest.py``, not asserted here; these
tests check that batching, compact parts and part-by-part writing give the same rows, dtypes
and problems as the whole-frame way, and the same bytes from the same inputs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soko.cli import parser
from soko.config import region
from soko.contracts.staging import context_staging
from soko.contracts.suites import validate_frame
from soko.demo import SIZES, ModelParams
from soko.demo.registry import build_schools
from soko.formats.fisoko_workbook import WORKBOOK_SCHEMAS
from soko.formats.fisoko_workbook.reader import read_vpr_workbook
from soko.formats.fisoko_workbook.staging import vpr_task_staging
from soko.formats.replicate_study.demo import PisaDemoParams
from soko.pipeline.ingest import ingest
from soko.schema import TableParts, TableWriter, typed
from tests.fisoko_files import good_row, write_registry, write_vpr

TASK_SCHEMA = WORKBOOK_SCHEMAS["vpr_task_scores"]


def _task_part(year: int, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "year": year,
            "subject": "ma",
            "grade": 4,
            "school_code": rng.choice(["edu990001", "edu990002"], n),
            "participant_code": [f"{i:05d}" for i in range(n)],
            "task": rng.choice(["1", "2", "3"], n),
            "score": rng.choice([0.0, 1.0, np.nan], n),
        }
    )


def _staging(n: int) -> pd.DataFrame:
    """Task staging rows with a bad cell every 7th row and a score above the maximum every
    11th: problems in every batch."""
    raw = pd.Series(["1"] * n, dtype="string")
    raw[::7] = "7?"
    score = pd.to_numeric(raw, errors="coerce")
    score[::11] = 9.0
    return pd.DataFrame(
        {
            "source_row": np.arange(10, 10 + n),
            "task": "1",
            "header": "1 (2б)",
            "raw": raw,
            "score": score,
            "max_score": 2.0,
            "source_file": np.where(np.arange(n) % 2 == 0, "a.xlsx", "b.xlsx"),
        }
    )


def _key(problems) -> list[tuple]:
    return [(p.file, p.row, p.column, p.rule, p.value, p.message) for p in problems]


def test_batched_validation_finds_the_same_problems() -> None:
    frame = _staging(200)
    whole = validate_frame("vpr_task_scores", frame, None)
    batched = validate_frame("vpr_task_scores", frame, None, batch_rows=30)
    assert len(whole) > 20
    assert _key(batched) == _key(whole)


def test_table_level_problem_is_reported_once_per_file_in_batches() -> None:
    frame = _staging(100).assign(stray=1)  # a column the contract does not know
    whole = validate_frame("vpr_task_scores", frame, None)
    batched = validate_frame("vpr_task_scores", frame, None, batch_rows=10)
    table_level = [p for p in batched if p.row is None]
    assert sorted(p.file for p in table_level) == ["a.xlsx", "b.xlsx"]
    assert _key(batched) == _key(whole)


def test_uniqueness_suite_is_never_split() -> None:
    """A school-year in rows that would fall into different batches is still a duplicate."""
    rows = pd.DataFrame(
        {
            "Код ОО": ["edu990001", "edu990002", "edu990001"],
            "Год": ["2026"] * 3,
            "Численность обучающихся": ["10"] * 3,
            "ИСБШ": ["0,5"] * 3,
            "__extra_cells": [0, 0, 0],
            "source_row": [2, 3, 4],
        }
    )
    # the columns the combining step adds before the contract (soko.file_report.combine_rows)
    ctx = context_staging(rows).assign(source_file="c.csv", same_key="")
    params = {"known_school_codes": ["edu990001", "edu990002"]}
    whole = validate_frame("context", ctx, "c.csv", params)
    batched = validate_frame("context", ctx, "c.csv", params, batch_rows=1)
    assert {(p.row, p.rule) for p in whole} == {
        (2, "school_year_unique"),
        (4, "school_year_unique"),
    }
    assert _key(batched) == _key(whole)


def test_table_writer_reads_back_as_typed_and_bytes_repeat(tmp_path: Path) -> None:
    parts = [_task_part(2025, 50, 1), _task_part(2026, 70, 2), _task_part(2026, 0, 3)]
    expected = typed("vpr_task_scores", parts, TASK_SCHEMA)
    digests = []
    for run in ("a", "b"):
        path = tmp_path / run / "t.parquet"
        path.parent.mkdir()
        with TableWriter(path, "vpr_task_scores", TASK_SCHEMA, group_rows=40) as writer:
            for part in parts:
                writer.append(part)
        assert writer.rows == 120
        back = pd.read_parquet(path)
        pd.testing.assert_frame_equal(back, expected)
        digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
        assert not list(path.parent.glob("*.part"))
    assert digests[0] == digests[1]


def test_empty_table_is_written_with_its_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    with TableWriter(path, "vpr_task_scores", TASK_SCHEMA):
        pass
    back = pd.read_parquet(path)
    assert back.empty
    assert back.dtypes.astype(str).to_dict() == TASK_SCHEMA


def test_failed_write_leaves_no_table(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    with pytest.raises(RuntimeError), TableWriter(path, "vpr_task_scores", TASK_SCHEMA) as w:
        w.append(_task_part(2026, 5, 1))
        raise RuntimeError("stop")
    assert not list(tmp_path.iterdir())


def test_compact_parts_hold_categories_and_give_the_same_table() -> None:
    frames = [_task_part(2025, 60, 1), _task_part(2026, 40, 2)]
    parts = TableParts("vpr_task_scores", TASK_SCHEMA)
    for f in frames:
        parts.append(f)
    assert isinstance(parts[0]["task"].dtype, pd.CategoricalDtype)
    assert parts[0]["year"].dtype == "int16"  # back to int64 when written
    assert not isinstance(parts[0]["participant_code"].dtype, pd.CategoricalDtype)  # unique
    assert parts[0].memory_usage(deep=True).sum() < frames[0].memory_usage(deep=True).sum()
    pd.testing.assert_frame_equal(
        typed("vpr_task_scores", parts, TASK_SCHEMA),
        typed("vpr_task_scores", frames, TASK_SCHEMA),
    )


def test_task_staging_is_compact_and_keeps_every_cell(tmp_path: Path) -> None:
    rows = [good_row("10001"), good_row("10002", scores=(4, "X", 2, "", 0))]
    path = write_vpr(tmp_path / "a.xlsx", rows)
    vpr = read_vpr_workbook(path)
    staged = vpr_task_staging(vpr, "vpr/a.xlsx")
    for col in ("task", "header", "raw", "source_file"):
        assert isinstance(staged[col].dtype, pd.CategoricalDtype), col
    # task by task, participant by participant, as the rows were read
    assert staged["task"].astype(str).tolist() == [t.task for t in vpr.tasks for _ in rows]
    second = staged[staged["source_row"] == vpr.rows["source_row"].iloc[1]]
    # every spelling of «not done», a blank included, reaches the contract as «X»
    assert second["raw"].astype("string").tolist() == ["4", "X", "2", "X", "0"]
    assert second["score"].fillna(-1.0).tolist() == [4.0, -1.0, 2.0, -1.0, 0.0]


def test_ingest_writes_the_same_bytes_twice(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_registry(raw)
    write_vpr(raw / "vpr" / "a.xlsx", [good_row(f"{i:05d}") for i in range(1, 30)])
    digests = []
    for run in ("p1", "p2"):
        report = ingest(raw, tmp_path / run)
        assert report.ok, report.summary_ru()
        digests.append(
            {
                p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted((tmp_path / run).glob("*.parquet"))
            }
        )
    assert digests[0] == digests[1]
    scores = pd.read_parquet(tmp_path / "p1" / "vpr_task_scores.parquet")
    assert len(scores) == 29 * 5
    assert scores.dtypes.astype(str).to_dict() == TASK_SCHEMA


def test_large_size_fits_the_region_config() -> None:
    """`large` is about 3 × `region` and its 1 500 schools get distinct codes."""
    large, reg = SIZES["large"], SIZES["region"]
    assert large.n_schools == 3 * reg.n_schools
    # about 3 × region: every municipality today's config lists (66 codes less the district
    # the demo merged into an okrug)
    assert abs(large.n_municipalities - 3 * reg.n_municipalities) <= 1
    assert large.n_municipalities == len(region().municipalities)
    cfg = region()
    schools = build_schools(1, large, cfg.municipalities, cfg.code, ModelParams())
    assert len(schools) == large.n_schools
    assert schools["school_code"].is_unique
    assert schools["municipality_code"].nunique() == large.n_municipalities
    args = parser().parse_args(["demo", "--size", "large"])
    assert args.size == "large"
    assert set(PisaDemoParams().target_schools) == set(SIZES)  # every generator knows the size
