"""ВПР vs journal marks on hand-made rows, including missing journal and ВПР marks."""

from __future__ import annotations

import pandas as pd
import pytest

from soko.config import RegionConfig
from soko.indicators import journal_stats, journal_table

REGION = RegionConfig(
    code="99",
    name="Тестовая область",
    name_genitive="Тестовой области",
    years=(2026,),
    municipalities={"01": "Первый район", "02": "Второй район"},
)


def results() -> pd.DataFrame:
    """(school, municipality, ВПР mark, journal mark)."""
    rows = [
        ("edu1", "01", 2, 3),  # lowered by 1
        ("edu1", "01", 3, 3),  # confirmed
        ("edu1", "01", 4, 2),  # raised by 2: large gap
        ("edu1", "01", 5, 5),  # confirmed
        ("edu1", "01", 5, None),  # no journal mark
        ("edu2", "01", 3, None),  # no journal mark
        ("edu2", "01", 4, 5),  # lowered by 1
        ("edu2", "01", None, 4),  # no ВПР mark: not compared, has a journal mark
        ("edu3", "02", 2, 4),  # lowered by 2: large gap
        ("edu3", "02", 2, 2),  # confirmed
        ("edu3", "02", 4, 4),  # confirmed
        ("edu3", "02", 5, 5),  # confirmed
    ]
    frame = pd.DataFrame(rows, columns=["school_code", "municipality_code", "mark", "journal_mark"])
    frame["mark"] = frame["mark"].astype("Int64")
    frame["journal_mark"] = frame["journal_mark"].astype("Int64")
    frame.insert(0, "year", 2026)
    frame.insert(1, "subject", "ma")
    frame.insert(2, "grade", 5)
    frame["participant_code"] = [f"{i:05d}" for i in range(len(frame))]
    frame["primary_score"] = pd.array([10] * len(frame), dtype="Int64")
    return frame


COUNTS = ["n_participants", "n", "n_lowered", "n_confirmed", "n_raised", "n_large_gap"]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return journal_table(results(), region=REGION, large_gap=2)


def row(table: pd.DataFrame, level: str, unit: str) -> pd.Series:
    hit = table[(table["level"] == level) & (table["unit_code"] == unit)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_school_rows(table: pd.DataFrame) -> None:
    e1 = row(table, "school", "edu1")
    # 5 participants, 4 with both marks: lowered 1, confirmed 2, raised 1 (by 2 → large gap)
    assert [e1[c] for c in COUNTS] == [5, 4, 1, 2, 1, 1]
    assert e1["n_no_journal"] == 1
    assert e1["share_lowered"] == pytest.approx(0.25)
    assert e1["share_confirmed"] == pytest.approx(0.5)
    assert e1["share_raised"] == pytest.approx(0.25)
    assert e1["share_large_gap"] == pytest.approx(0.25)
    e2 = row(table, "school", "edu2")
    # only (4, 5) compared; (3, NA) lacks journal; (NA, 4) lacks the ВПР mark
    assert [e2[c] for c in COUNTS] == [3, 1, 1, 0, 0, 0]
    assert e2["n_no_journal"] == 1
    assert e2["share_lowered"] == pytest.approx(1.0)


def test_municipality_and_region(table: pd.DataFrame) -> None:
    m = row(table, "municipality", "01")
    assert [m[c] for c in COUNTS] == [8, 5, 2, 2, 1, 1]
    assert m["n_no_journal"] == 2
    r = row(table, "region", "99")
    # + edu3: 4 compared, lowered 1 (by 2), confirmed 3
    assert [r[c] for c in COUNTS] == [12, 9, 3, 5, 1, 2]
    assert r["n_no_journal"] == 2
    assert r["share_lowered"] == pytest.approx(3 / 9)
    assert r["share_confirmed"] == pytest.approx(5 / 9)
    assert r["share_raised"] == pytest.approx(1 / 9)
    assert r["share_large_gap"] == pytest.approx(2 / 9)


def test_levels_sum_consistently(table: pd.DataFrame) -> None:
    cols = [*COUNTS, "n_no_journal"]
    sums = {
        lv: table.loc[table["level"] == lv, cols].sum().tolist()
        for lv in ("municipality", "school")
    }
    region = table.loc[table["level"] == "region", cols].iloc[0].tolist()
    assert sums["municipality"] == sums["school"] == region


def test_large_gap_threshold_is_a_parameter() -> None:
    out = journal_stats(results(), large_gap=3)
    assert out.loc[0, "n_large_gap"] == 0  # no gap of 3 or more
    out = journal_stats(results(), large_gap=1)
    assert out.loc[0, "n_large_gap"] == 4  # every non-equal pair


def test_default_large_gap_from_config() -> None:
    # config/thresholds.yml journal.large_gap: 2
    assert journal_stats(results()).loc[0, "n_large_gap"] == 2


def test_no_journal_marks_at_all_gives_nan_shares() -> None:
    frame = results()
    frame["journal_mark"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    out = journal_stats(frame, ["school_code"], large_gap=2).set_index("school_code")
    assert out.loc["edu3", "n"] == 0
    assert out.loc["edu3", "n_no_journal"] == 4
    assert pd.isna(out.loc["edu3", "share_lowered"])
