"""Cross-procedure comparison per school, on small hand-computed frames in the unified shape."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from soko.indicators.cross import (
    Stage,
    compare_schools,
    correlations,
    school_stats,
)
from soko.registry import comparisons
from soko.unified import unified_frame


def _rows(procedure: str, year: int, subject: str, grade: int, school: str, marks, scores, mx):
    """One row per student; ``marks`` None for ЕГЭ (passed = score share ≥ 0.4 there)."""
    n = len(scores)
    return pd.DataFrame(
        {
            "procedure": procedure,
            "year": year,
            "subject": subject,
            "grade": grade,
            "school_code": school,
            "municipality_code": "01",
            "primary_score": scores,
            "max_primary_score": float(mx),
            "mark": pd.array(marks if marks is not None else [None] * n, dtype="Int64"),
            "passed": [
                (m >= 3) if marks is not None else (s / mx >= 0.4)
                for m, s in zip(marks or [0] * n, scores, strict=True)
            ],
        }
    )


@pytest.fixture()
def results() -> pd.DataFrame:
    parts = [
        # school A, ВПР-8 Russian 2025: marks 5 4 3 2, scores 20 15 10 5 of 25
        _rows("vpr", 2025, "ru", 8, "eduA", [5, 4, 3, 2], [20, 15, 10, 5], 25),
        # its ОГЭ Russian 2026: marks 4 3 3, scores 20 15 10 of 30
        _rows("oge", 2026, "ru", 9, "eduA", [4, 3, 3], [20, 15, 10], 30),
        # decoys: ОГЭ the same year (wrong lag), ВПР grade 7, a subject not compared
        _rows("oge", 2025, "ru", 9, "eduA", [5, 5], [30, 30], 30),
        _rows("vpr", 2025, "ru", 7, "eduC", [5], [20], 25),
        _rows("oge", 2026, "ru", 9, "eduC", [2], [3], 30),
        _rows("vpr", 2025, "hi", 8, "eduA", [5], [17], 17),
        _rows("oge", 2026, "hi", 9, "eduA", [2], [0], 37),
        # school B wrote ВПР but no ОГЭ
        _rows("vpr", 2025, "ru", 8, "eduB", [3], [12], 25),
        # ЕГЭ 2028 of school A: no marks, scores 12 and 6 of 30 -> passed 1 of 2
        _rows("ege", 2028, "ru", 11, "eduA", None, [12, 6], 30),
    ]
    return unified_frame(pd.concat(parts, ignore_index=True))


def test_school_stats_by_hand(results: pd.DataFrame) -> None:
    (a,) = (
        school_stats(results, Stage("vpr", 8), ["ru"]).query("school_code == 'eduA'").itertuples()
    )
    assert (a.n, a.mean_mark, a.success_rate, a.quality_rate) == (4, 3.5, 0.75, 0.5)
    assert a.mean_score_share == pytest.approx((0.8 + 0.6 + 0.4 + 0.2) / 4)


def test_vpr8_against_next_years_oge(results: pd.DataFrame) -> None:
    out = compare_schools(results, Stage("vpr", 8), Stage("oge", 9), lag=1)
    assert len(out) == 1  # only school A has both, for Russian
    row = out.iloc[0]
    assert (row["school_code"], row["subject"], row["year"], row["year_later"]) == (
        "eduA",
        "ru",
        2025,
        2026,
    )
    assert (row["n_earlier"], row["n_later"]) == (4, 3)
    assert row["mean_mark_later"] == pytest.approx(10 / 3)
    assert row["mean_mark_diff"] == pytest.approx(10 / 3 - 3.5)
    assert row["success_rate_diff"] == pytest.approx(1.0 - 0.75)
    assert row["quality_rate_diff"] == pytest.approx(1 / 3 - 0.5)
    assert row["mean_score_share_diff"] == pytest.approx(0.5 - 0.5)


def test_subjects_can_be_mapped_and_widened(results: pd.DataFrame) -> None:
    out = compare_schools(results, Stage("vpr", 8), Stage("oge", 9), 1, subjects=["ru", "hi"])
    assert out["subject"].tolist() == ["hi", "ru"]
    mapped = compare_schools(results, Stage("vpr", 8), Stage("oge", 9), 1, subjects={"hi": "ru"})
    assert mapped["subject"].tolist() == ["hi"] and mapped["mean_mark_later"].iloc[0] == 10 / 3


def test_oge_against_ege_two_years_later_has_no_marks(results: pd.DataFrame) -> None:
    row = compare_schools(results, Stage("oge", 9), Stage("ege", 11), lag=2).iloc[0]
    assert (row["year"], row["year_later"], row["n_later"]) == (2026, 2028, 2)
    assert row["success_rate_later"] == 0.5
    assert math.isnan(row["mean_mark_later"]) and math.isnan(row["quality_rate_later"])
    assert row["mean_score_share_later"] == pytest.approx((12 + 6) / 60)


def test_configured_comparisons_stack_both_pairs(results: pd.DataFrame) -> None:
    """The chain comes from config/region.yml (`comparisons`), not from code."""
    chain = comparisons()
    assert [c.code for c in chain] == ["vpr8_oge9", "oge9_ege11"]
    parts = [
        compare_schools(results, c.earlier, c.later, c.lag).assign(comparison=c.code) for c in chain
    ]
    assert pd.concat(parts)["comparison"].tolist() == ["vpr8_oge9", "oge9_ege11"]


def test_correlation_across_schools_by_hand() -> None:
    x, y = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 5.0, 9.0]
    comparison = pd.DataFrame(
        {
            "subject": "ma",
            "year": 2025,
            "n_earlier": [10, 10, 10, 10, 2],
            "n_later": [10, 10, 10, 10, 10],
            "mean_mark_earlier": [*x, 100.0],  # the small school would spoil r
            "mean_mark_later": [*y, -100.0],
        }
    )
    (row,) = correlations(comparison, min_n=5, metrics=["mean_mark"]).itertuples()
    # deviations (-1.5, -0.5, 0.5, 1.5) and (-3, -1, 0, 4): r = 11 / sqrt(5 · 26)
    assert row.n_schools == 4 and row.r == pytest.approx(11 / math.sqrt(130))
    flat = comparison.assign(mean_mark_later=7.0)
    assert np.isnan(correlations(flat, metrics=["mean_mark"])["r"].iloc[0])
