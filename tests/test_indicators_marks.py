"""Mark distribution on a hand-made region: 2 municipalities, 3 schools, 12 participants."""

from __future__ import annotations

import pandas as pd
import pytest

from soko.config import RegionConfig
from soko.indicators import mark_stats, marks_table, max_primary_scores

REGION = RegionConfig(
    code="99",
    name="Тестовая область",
    name_genitive="Тестовой области",
    years=(2026,),
    municipalities={"01": "Первый район", "02": "Второй район"},
)
SCHOOLS = pd.DataFrame(
    {
        "school_code": ["edu1", "edu2", "edu3"],
        "school_name": ["Школа 1", "Школа 2", "Школа 3"],
        "municipality_code": ["01", "01", "02"],
        "municipality_name": ["Первый район (реестр)", "Первый район (реестр)", "Второй район"],
        "kind": ["СОШ"] * 3,
        "locality": ["Город"] * 3,
    }
)
TASKS = pd.DataFrame(
    {
        "year": [2026, 2026],
        "subject": ["ru", "ru"],
        "grade": [4, 4],
        "task": ["1", "2"],
        "task_order": [1, 2],
        "max_score": [20, 4],  # test maximum 24
        "level": ["Б", "П"],
    }
)


def results() -> pd.DataFrame:
    """(school, municipality, mark, primary score); NA mark/score on edu2's last row."""
    rows = [
        ("edu1", "01", 2, 5),
        ("edu1", "01", 3, 12),
        ("edu1", "01", 4, 18),
        ("edu1", "01", 5, 22),
        ("edu1", "01", 5, 23),
        ("edu2", "01", 3, 10),
        ("edu2", "01", 4, 17),
        ("edu2", "01", None, None),
        ("edu3", "02", 2, 1),
        ("edu3", "02", 2, 8),
        ("edu3", "02", 4, 16),
        ("edu3", "02", 5, 24),
    ]
    frame = pd.DataFrame(
        rows, columns=["school_code", "municipality_code", "mark", "primary_score"]
    )
    frame["mark"] = frame["mark"].astype("Int64")
    frame["primary_score"] = frame["primary_score"].astype("Int64")
    frame.insert(0, "year", 2026)
    frame.insert(1, "subject", "ru")
    frame.insert(2, "grade", 4)
    frame["participant_code"] = [f"{i:05d}" for i in range(len(frame))]
    frame["journal_mark"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    return frame


def row(table: pd.DataFrame, level: str, unit: str) -> pd.Series:
    hit = table[(table["level"] == level) & (table["unit_code"] == unit)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return marks_table(results(), SCHOOLS, TASKS, region=REGION)


def test_school_counts_and_rates(table: pd.DataFrame) -> None:
    # edu1: marks 2,3,4,5,5 → n=5; «2» 1/5; success 4/5; quality 3/5; mean (5+12+18+22+23)/5 = 16
    s = row(table, "school", "edu1")
    assert (s["n_participants"], s["n"]) == (5, 5)
    assert (s["n_mark2"], s["n_mark3"], s["n_mark4"], s["n_mark5"]) == (1, 1, 1, 2)
    assert s["share_mark2"] == pytest.approx(0.2)
    assert s["share_mark5"] == pytest.approx(0.4)
    assert s["success_rate"] == pytest.approx(0.8)
    assert s["quality_rate"] == pytest.approx(0.6)
    assert s["mean_primary_score"] == pytest.approx(16.0)
    assert s["mean_score_share"] == pytest.approx(16 / 24)
    assert s["max_primary_score"] == 24
    assert s["municipality_code"] == "01"
    assert s["unit_name"] == "Школа 1"


def test_missing_mark_counts_as_participant_not_in_shares(table: pd.DataFrame) -> None:
    # edu2: 3 rows, one without mark and score → n=2 (marks 3, 4): success 1, quality 1/2,
    # mean (10+17)/2 = 13.5
    s = row(table, "school", "edu2")
    assert (s["n_participants"], s["n"]) == (3, 2)
    assert s["share_mark2"] == 0
    assert s["success_rate"] == pytest.approx(1.0)
    assert s["quality_rate"] == pytest.approx(0.5)
    assert s["mean_primary_score"] == pytest.approx(13.5)
    assert s["mean_score_share"] == pytest.approx(13.5 / 24)


def test_municipality_and_region(table: pd.DataFrame) -> None:
    # municipality 01 = edu1 + edu2: n=7, «2» 1, «3» 2, «4» 2, «5» 2; mean 107/7
    m = row(table, "municipality", "01")
    assert (m["n_participants"], m["n"]) == (8, 7)
    assert (m["n_mark2"], m["n_mark3"], m["n_mark4"], m["n_mark5"]) == (1, 2, 2, 2)
    assert m["success_rate"] == pytest.approx(6 / 7)
    assert m["quality_rate"] == pytest.approx(4 / 7)
    assert m["mean_primary_score"] == pytest.approx(107 / 7)
    assert m["unit_name"] == "Первый район (реестр)"  # registry name wins over config
    assert m["municipality_code"] == "01"
    # region: n=11, «2» 3 (1 + 2), «3» 2, «4» 3, «5» 3; mean (107 + 49)/11
    r = row(table, "region", "99")
    assert (r["n_participants"], r["n"]) == (12, 11)
    assert (r["n_mark2"], r["n_mark3"], r["n_mark4"], r["n_mark5"]) == (3, 2, 3, 3)
    assert r["share_mark2"] == pytest.approx(3 / 11)
    assert r["success_rate"] == pytest.approx(8 / 11)
    assert r["quality_rate"] == pytest.approx(6 / 11)
    assert r["mean_primary_score"] == pytest.approx(156 / 11)
    assert r["mean_score_share"] == pytest.approx(156 / 11 / 24)
    assert r["unit_name"] == "Тестовая область"
    assert pd.isna(r["municipality_code"])


def test_layout_and_order(table: pd.DataFrame) -> None:
    assert list(table.columns[:8]) == [
        "level",
        "unit_code",
        "unit_name",
        "municipality_code",
        "year",
        "subject",
        "grade",
        "max_primary_score",
    ]
    assert list(zip(table["level"], table["unit_code"], strict=True)) == [
        ("region", "99"),
        ("municipality", "01"),
        ("municipality", "02"),
        ("school", "edu1"),
        ("school", "edu2"),
        ("school", "edu3"),
    ]


def test_levels_sum_consistently(table: pd.DataFrame) -> None:
    counts = ["n_participants", "n", "n_mark2", "n_mark3", "n_mark4", "n_mark5"]
    region = table.loc[table["level"] == "region", counts].sum()
    munis = table.loc[table["level"] == "municipality", counts].sum()
    schools = table.loc[table["level"] == "school", counts].sum()
    assert region.tolist() == munis.tolist() == schools.tolist() == [12, 11, 3, 2, 3, 3]


def test_level_subset_and_unknown_level() -> None:
    only = marks_table(results(), SCHOOLS, TASKS, region=REGION, levels=["school", "region"])
    assert only["level"].tolist() == ["region", "school", "school", "school"]
    with pytest.raises(ValueError, match="unknown levels"):
        marks_table(results(), SCHOOLS, TASKS, region=REGION, levels=["district"])


def test_without_tasks_takes_max_from_config_scale() -> None:
    # config/vpr_scales.yml: 2026 ru grade 4 max 24, same as TASKS; no schools: no school names
    t = marks_table(results(), region=REGION)
    s = row(t, "school", "edu1")
    assert s["max_primary_score"] == 24
    assert s["mean_score_share"] == pytest.approx(16 / 24)
    assert pd.isna(s["unit_name"])
    assert row(t, "municipality", "02")["unit_name"] == "Второй район"  # from the config


def test_mark_stats_any_grouping() -> None:
    frame = results()
    frame["class_label"] = ["4А", "4А", "4Б", "4Б", "4Б", "4А", "4А", "4А", "4А", "4А", "4Б", "4Б"]
    out = mark_stats(frame, ["class_label"], max_scores=max_primary_scores(TASKS))
    a = out.set_index("class_label").loc["4А"]
    # 4А: marks 2,3,3,4,NA,2,2 → n=6; «2» 3/6; success 3/6; scores 5,12,10,17,1,8 → 53/6
    assert (a["n_participants"], a["n"], a["n_mark2"]) == (7, 6, 3)
    assert a["share_mark2"] == pytest.approx(0.5)
    assert a["success_rate"] == pytest.approx(0.5)
    assert a["mean_primary_score"] == pytest.approx(53 / 6)
    assert a["mean_score_share"] == pytest.approx(53 / 6 / 24)


def test_group_without_marks_has_nan_shares_not_errors() -> None:
    frame = results().iloc[[7]]  # the one row without mark and score
    out = mark_stats(frame)
    assert out.loc[0, "n_participants"] == 1
    assert out.loc[0, "n"] == 0
    assert pd.isna(out.loc[0, "success_rate"])
    assert pd.isna(out.loc[0, "mean_primary_score"])
    assert pd.isna(out.loc[0, "mean_score_share"])  # no max_scores given


def test_score_without_mark_counts_in_mean_not_in_marks() -> None:
    frame = results().iloc[[0]].copy()
    frame["mark"] = pd.array([pd.NA], dtype="Int64")  # primary score 5 stays
    out = mark_stats(frame)
    assert (out.loc[0, "n_participants"], out.loc[0, "n"]) == (1, 0)
    assert out.loc[0, "mean_primary_score"] == pytest.approx(5.0)
    assert pd.isna(out.loc[0, "success_rate"])


def test_missing_municipality_code_is_kept_not_dropped() -> None:
    frame = results()
    frame["municipality_code"] = frame["municipality_code"].astype("object")
    frame.loc[frame["school_code"] == "edu3", "municipality_code"] = None
    t = marks_table(frame, SCHOOLS, TASKS, region=REGION)
    assert row(t, "region", "99")["n"] == 11  # edu3's 4 still counted
    munis = t[t["level"] == "municipality"]
    assert munis["n"].sum() == 11
    assert munis["unit_code"].isna().sum() == 1
    assert row(t, "school", "edu3")["n"] == 4
