"""Primary-score distribution on hand-made scores."""

from __future__ import annotations

import pandas as pd
import pytest

from soko.config import RegionConfig
from soko.indicators import score_distribution, score_distribution_table

REGION = RegionConfig(
    code="99",
    name="Тестовая область",
    name_genitive="Тестовой области",
    years=(2026,),
    municipalities={"01": "Первый район", "02": "Второй район"},
)


def results() -> pd.DataFrame:
    rows = [
        ("edu1", "01", 10),
        ("edu1", "01", 10),
        ("edu1", "01", 16),
        ("edu1", "01", 22),
        ("edu1", "01", 23),
        ("edu2", "01", 10),
        ("edu2", "01", 17),
        ("edu2", "01", None),  # no primary score: left out
        ("edu3", "02", 1),
        ("edu3", "02", 8),
        ("edu3", "02", 16),
        ("edu3", "02", 24),
    ]
    frame = pd.DataFrame(rows, columns=["school_code", "municipality_code", "primary_score"])
    frame["primary_score"] = frame["primary_score"].astype("Int64")
    frame.insert(0, "year", 2026)
    frame.insert(1, "subject", "ru")
    frame.insert(2, "grade", 4)
    frame["participant_code"] = [f"{i:05d}" for i in range(len(frame))]
    return frame


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return score_distribution_table(results(), region=REGION)


def histogram(table: pd.DataFrame, level: str, unit: str) -> dict[int, int]:
    part = table[(table["level"] == level) & (table["unit_code"] == unit)]
    return dict(zip(part["primary_score"], part["n_students"], strict=True))


def test_region_histogram(table: pd.DataFrame) -> None:
    assert histogram(table, "region", "99") == {
        1: 1,
        8: 1,
        10: 3,
        16: 2,
        17: 1,
        22: 1,
        23: 1,
        24: 1,
    }
    region = table[table["level"] == "region"]
    assert set(region["n"]) == {11}
    assert region.set_index("primary_score").loc[10, "share"] == pytest.approx(3 / 11)


def test_municipality_and_school(table: pd.DataFrame) -> None:
    assert histogram(table, "municipality", "01") == {10: 3, 16: 1, 17: 1, 22: 1, 23: 1}
    assert set(table.loc[table["unit_code"] == "01", "n"]) == {7}
    assert histogram(table, "school", "edu2") == {10: 1, 17: 1}
    assert set(table.loc[table["unit_code"] == "edu2", "n"]) == {2}


def test_scores_sorted_and_levels_consistent(table: pd.DataFrame) -> None:
    for unit, part in table.groupby("unit_code"):
        assert part["primary_score"].is_monotonic_increasing, unit
    totals = table.groupby("level")["n_students"].sum()
    assert totals["region"] == totals["municipality"] == totals["school"] == 11


def test_any_grouping() -> None:
    out = score_distribution(results(), ["school_code"])
    e1 = out[out["school_code"] == "edu1"]
    assert e1["primary_score"].tolist() == [10, 16, 22, 23]
    assert e1["n_students"].tolist() == [2, 1, 1, 1]
    assert e1["share"].tolist() == pytest.approx([0.4, 0.2, 0.2, 0.2])
