"""Task completion and zones, on hand-made scores with «X» (NA) and a missing task row."""

from __future__ import annotations

import pandas as pd
import pytest

from soko.config import RegionConfig
from soko.indicators import task_completion, task_completion_table, task_zone

REGION = RegionConfig(
    code="99",
    name="Тестовая область",
    name_genitive="Тестовой области",
    years=(2026,),
    municipalities={"01": "Первый район", "02": "Второй район"},
)
LIMITS = {"Б": {"deficit": 0.57, "sufficient": 0.63}, "П": {"deficit": 0.285, "sufficient": 0.315}}
TEST = {"year": 2026, "subject": "ru", "grade": 4}

# Task "10" comes after "2" by task_order although it sorts before it as text.
TASKS = pd.DataFrame(
    {
        **{k: [v] * 3 for k, v in TEST.items()},
        "task": ["1", "2", "10"],
        "task_order": [1, 2, 3],
        "max_score": [2, 1, 3],
        "level": ["Б", "П", "Б"],
    }
)


def results() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "school_code": ["edu1", "edu1", "edu2", "edu3"],
            "municipality_code": ["01", "01", "01", "02"],
            "participant_code": ["p1", "p2", "p3", "p4"],
            "class_label": ["4А", "4Б", "4А", "4А"],
        }
    )
    for k, v in reversed(TEST.items()):
        frame.insert(0, k, v)
    return frame


def task_scores() -> pd.DataFrame:
    rows = [
        ("edu1", "p1", "1", 2),
        ("edu1", "p1", "2", None),  # «X»: not done, 0 points
        ("edu1", "p1", "10", 3),
        ("edu1", "p2", "1", 1),
        ("edu1", "p2", "2", 1),
        ("edu1", "p2", "10", 0),
        ("edu2", "p3", "1", 0),
        ("edu2", "p3", "2", 0),
        # p3 has no row for task "10" at all
        ("edu3", "p4", "1", 2),
        ("edu3", "p4", "2", 1),
        ("edu3", "p4", "10", 3),
    ]
    frame = pd.DataFrame(rows, columns=["school_code", "participant_code", "task", "score"])
    frame["score"] = frame["score"].astype("Int64")
    for k, v in reversed(TEST.items()):
        frame.insert(0, k, v)
    return frame


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return task_completion_table(
        results(), task_scores(), TASKS, region=REGION, zone_thresholds=LIMITS
    )


def cells(table: pd.DataFrame, level: str, unit: str) -> dict[str, tuple]:
    part = table[(table["level"] == level) & (table["unit_code"] == unit)]
    return {
        t: (n, p, round(c, 6), z)
        for t, n, p, c, z in zip(
            part["task"], part["n"], part["points"], part["completion"], part["zone"], strict=True
        )
    }


def test_school_completion_with_na_and_missing_rows(table: pd.DataFrame) -> None:
    # edu1 (2 participants): task 1: 3/(2·2)=0.75 Б → sufficient; task 2: (NA→0 + 1)/(2·1)=0.5
    # П → sufficient; task 10: 3/(2·3)=0.5 Б → deficit
    assert cells(table, "school", "edu1") == {
        "1": (2, 3, 0.75, "sufficient"),
        "2": (2, 1, 0.5, "sufficient"),
        "10": (2, 3, 0.5, "deficit"),
    }
    # edu2: all zero, and task 10 (no row) still listed with 0 points
    assert cells(table, "school", "edu2") == {
        "1": (1, 0, 0.0, "deficit"),
        "2": (1, 0, 0.0, "deficit"),
        "10": (1, 0, 0.0, "deficit"),
    }


def test_municipality_and_region_from_points_not_averages(table: pd.DataFrame) -> None:
    # municipality 01 (3 participants): task 1: 3/6=0.5; task 2: 1/3; task 10: 3/9
    assert cells(table, "municipality", "01") == {
        "1": (3, 3, 0.5, "deficit"),
        "2": (3, 1, round(1 / 3, 6), "sufficient"),
        "10": (3, 3, round(1 / 3, 6), "deficit"),
    }
    # region (4): task 1: 5/8=0.625 → grey; task 2: 2/4; task 10: 6/12
    assert cells(table, "region", "99") == {
        "1": (4, 5, 0.625, "grey"),
        "2": (4, 2, 0.5, "sufficient"),
        "10": (4, 6, 0.5, "deficit"),
    }


def test_columns_and_task_order(table: pd.DataFrame) -> None:
    assert list(table.columns) == [
        "level",
        "unit_code",
        "unit_name",
        "municipality_code",
        "year",
        "subject",
        "grade",
        "task",
        "task_order",
        "task_level",
        "max_score",
        "n",
        "points",
        "completion",
        "zone",
    ]
    region = table[table["level"] == "region"]
    assert region["task"].tolist() == ["1", "2", "10"]
    assert region["task_level"].tolist() == ["Б", "П", "Б"]
    assert table["level"].drop_duplicates().tolist() == ["region", "municipality", "school"]


def test_region_n_is_sum_of_municipalities(table: pd.DataFrame) -> None:
    for level in ("municipality", "school"):
        part = table[table["level"] == level].groupby("task")[["n", "points"]].sum()
        region = table[table["level"] == "region"].set_index("task")[["n", "points"]]
        pd.testing.assert_frame_equal(part.sort_index(), region.sort_index(), check_names=False)


def test_task_completion_by_class() -> None:
    out = task_completion(
        results(), task_scores(), TASKS, ["year", "subject", "grade", "class_label"]
    )
    a = out[out["class_label"] == "4А"].set_index("task")
    # 4А = p1, p3, p4: task 1: (2+0+2)/(3·2) = 2/3; task 2: (0+0+1)/3; task 10: (3+0+3)/9
    assert a.loc["1", "n"] == 3
    assert a.loc["1", "completion"] == pytest.approx(2 / 3)
    assert a.loc["2", "completion"] == pytest.approx(1 / 3)
    assert a.loc["10", "completion"] == pytest.approx(6 / 9)


def test_task_completion_needs_test_keys() -> None:
    with pytest.raises(ValueError, match="test keys"):
        task_completion(results(), task_scores(), TASKS, ["school_code"])


@pytest.mark.parametrize(
    ("share", "level", "zone"),
    [
        (0.5699, "Б", "deficit"),
        (0.57, "Б", "grey"),
        (0.6299, "Б", "grey"),
        (0.63, "Б", "sufficient"),
        (1.0, "Б", "sufficient"),
        (0.0, "П", "deficit"),
        (0.2849, "П", "deficit"),
        (0.285, "П", "grey"),
        (0.30, "П", "grey"),
        (0.3149, "П", "grey"),
        (0.315, "П", "sufficient"),
    ],
)
def test_zone_boundaries(share: float, level: str, zone: str) -> None:
    got = task_zone(pd.Series([share]), pd.Series([level]), LIMITS)
    assert got.tolist() == [zone]


def test_zone_unknown_level_or_missing_share_is_na() -> None:
    got = task_zone(pd.Series([0.9, float("nan"), 0.9]), pd.Series(["?", "Б", None]), LIMITS)
    assert got.isna().tolist() == [True, True, True]


def test_zone_defaults_come_from_config() -> None:
    # config/thresholds.yml: Б 0.57 / 0.63
    assert task_zone(pd.Series([0.6]), pd.Series(["Б"])).tolist() == ["grey"]


@pytest.mark.parametrize(
    ("level", "max_score", "points", "zone"),
    [
        # 100 participants: completion = points / (100 · max_score), computed, not typed
        ("Б", 1, 56, "deficit"),  # 0.56
        ("Б", 1, 57, "grey"),  # 0.57 exactly at the deficit threshold
        ("Б", 1, 63, "sufficient"),  # 0.63 exactly at the sufficient threshold
        ("П", 2, 57, "grey"),  # 57/200 = 0.285
        ("П", 2, 63, "sufficient"),  # 63/200 = 0.315
    ],
)
def test_zone_of_computed_shares_at_thresholds(
    level: str, max_score: int, points: int, zone: str
) -> None:
    n = 100
    res = pd.DataFrame({**TEST, "school_code": "edu1", "participant_code": range(n)})
    res["participant_code"] = res["participant_code"].astype("str")
    scores = res[["year", "subject", "grade", "school_code", "participant_code"]].copy()
    scores["task"] = "1"
    # `points` participants get 1 point each (max_score 2: points spread as 1s)
    scores["score"] = pd.array([1] * points + [0] * (n - points), dtype="Int64")
    tasks = pd.DataFrame(
        {**{k: [v] for k, v in TEST.items()}, "task": ["1"], "task_order": [1]}
        | {"max_score": [max_score], "level": [level]}
    )
    out = task_completion(res, scores, tasks, zone_thresholds=LIMITS)
    assert out["points"].tolist() == [points]
    assert out["zone"].tolist() == [zone]
