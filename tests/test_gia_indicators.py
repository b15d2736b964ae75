"""ОГЭ and ЕГЭ indicators on hand-computed cases: school → municipality → region, dynamics,
the unified rows of the analytic base."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soko.formats.rcoi_protocol.indicators import (
    band_labels,
    marks_table,
    score_stats,
    scores_table,
)
from soko.formats.rcoi_protocol.unified import unified_results
from soko.procedures.ege import KIND as EGE_KIND
from soko.procedures.ege import PROCEDURE as EGE_PROCEDURE
from soko.procedures.oge import KIND as OGE_KIND
from soko.procedures.oge import PROCEDURE as OGE_PROCEDURE
from soko.unified import UNIFIED_RESULTS

SCHOOLS = pd.DataFrame(
    {
        "school_code": ["eduA", "eduB", "eduC"],
        "school_name": ["Школа А", "Школа Б", "Школа В"],
        "municipality_code": ["01", "01", "02"],
        "municipality_name": ["Первый", "Первый", "Второй"],
    }
)
MUN = {"eduA": "01", "eduB": "01", "eduC": "02"}


def _results(rows: list[tuple], result: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["year", "subject", "school_code", "primary", result])
    frame["municipality_code"] = frame["school_code"].map(MUN)
    frame["grade"] = 9 if result == "mark" else 11
    frame["participant_id"] = [f"id{i}" for i in range(len(frame))]
    frame["primary_score"] = frame.pop("primary").astype("Int64")
    frame[result] = frame[result].astype("Int64")
    frame["max_primary_score"] = frame["subject"].map({"ma": 31, "ru": 50, "ob": 58})
    return frame


# ОГЭ mathematics (2026: «3» from 8, «4» from 15, «5» from 22; geometry condition).
OGE = _results(
    [
        *((2026, "ma", "eduA", p, m) for p, m in ((5, 2), (10, 3), (16, 4), (25, 5))),
        # 20 points is «4» by score: this «2» is the geometry condition
        *((2026, "ma", "eduB", p, m) for p, m in ((3, 2), (20, 2), (15, 4))),
        *((2026, "ma", "eduC", p, m) for p, m in ((8, 3), (9, 3))),
        *((2025, "ma", "eduA", p, m) for p, m in ((4, 2), (5, 2), (9, 3), (16, 4))),
    ],
    "mark",
)


@pytest.fixture(scope="module")
def oge() -> pd.DataFrame:
    table = marks_table(OGE_KIND, OGE, SCHOOLS)
    return table.set_index(["level", "unit_code", "year"])


def test_oge_school_rows(oge: pd.DataFrame) -> None:
    a = oge.loc[("school", "eduA", 2026)]
    assert (a["n"], a["n_mark2"], a["n_mark5"]) == (4, 1, 1)
    assert a["success_rate"] == pytest.approx(0.75)
    assert a["quality_rate"] == pytest.approx(0.5)
    assert a["mean_primary_score"] == pytest.approx(14.0)
    assert a["mean_score_share"] == pytest.approx(14 / 31)
    assert (a["n_below_threshold"], a["n_condition_failed"]) == (1, 0)
    b = oge.loc[("school", "eduB", 2026)]
    assert (b["n_below_threshold"], b["n_condition_failed"]) == (1, 1)
    assert b["share_condition_failed"] == pytest.approx(1 / 3)
    assert b["unit_name"] == "Школа Б" and b["municipality_code"] == "01"


def test_oge_sums_counts_up_not_shares(oge: pd.DataFrame) -> None:
    m1 = oge.loc[("municipality", "01", 2026)]
    assert m1["n"] == 7 and m1["unit_name"] == "Первый"
    assert m1["share_mark2"] == pytest.approx(3 / 7)
    assert m1["quality_rate"] == pytest.approx(3 / 7)
    assert m1["mean_primary_score"] == pytest.approx((56 + 38) / 7)
    assert m1["share_condition_failed"] == pytest.approx(1 / 7)
    m2 = oge.loc[("municipality", "02", 2026)]
    assert (m2["n"], m2["success_rate"], m2["quality_rate"]) == (2, 1.0, 0.0)
    region = oge.loc[("region", "99", 2026)]
    assert region["n"] == 9 == m1["n"] + m2["n"]
    assert region["success_rate"] == pytest.approx(6 / 9)
    assert region["mean_primary_score"] == pytest.approx((56 + 38 + 17) / 9)


def test_oge_dynamics_against_the_previous_year(oge: pd.DataFrame) -> None:
    a = oge.loc[("school", "eduA", 2026)]
    assert a["prev_year"] == 2025 and a["n_prev"] == 4
    assert a["quality_rate_change"] == pytest.approx(0.25)
    assert a["share_mark2_change"] == pytest.approx(-0.25)
    assert a["mean_primary_score_change"] == pytest.approx(5.5)
    assert not a["negative_dynamics"]
    assert pd.isna(oge.loc[("school", "eduB", 2026)]["prev_year"])
    assert pd.isna(oge.loc[("school", "eduB", 2026)]["negative_dynamics"])
    region = oge.loc[("region", "99", 2026)]
    assert region["quality_rate_change"] == pytest.approx(3 / 9 - 0.25)


# ЕГЭ 2026: Russian (certificate 24, university 36), social studies (university 42 only).
EGE = _results(
    [
        *((2026, "ru", "eduA", None, t) for t in (20, 30, 81, 100)),
        *((2026, "ob", "eduA", None, t) for t in (41, 42, 90)),
        *((2026, "ru", "eduC", None, t) for t in (36, 60)),
        *((2025, "ru", "eduA", None, t) for t in (50, 70)),
    ],
    "test_score",
)


@pytest.fixture(scope="module")
def ege() -> pd.DataFrame:
    return scores_table(EGE_KIND, EGE, SCHOOLS).set_index(["level", "unit_code", "year", "subject"])


def test_bands_are_fipi_s() -> None:
    assert band_labels(EGE_KIND) == ["0–20", "21–40", "41–60", "61–80", "81–100"]


def test_ege_school_rows(ege: pd.DataFrame) -> None:
    ru = ege.loc[("school", "eduA", 2026, "ru")]
    assert [ru[f"n_band{i}"] for i in range(1, 6)] == [1, 1, 0, 0, 2]
    assert ru["share_band5"] == pytest.approx(0.5)
    assert ru["share_below_min"] == pytest.approx(0.25)  # 20 < 24
    assert ru["share_below_certificate"] == pytest.approx(0.25)
    assert ru["share_below_university"] == pytest.approx(0.5)  # 20, 30 < 36
    assert (ru["n_high"], ru["n_100"]) == (2, 1)
    assert ru["mean_test_score"] == pytest.approx(57.75)
    ob = ege.loc[("school", "eduA", 2026, "ob")]
    assert ob["share_below_min"] == pytest.approx(1 / 3)  # 41 < 42; 42 passes
    assert ob["n_with_certificate"] == 0 and np.isnan(ob["share_below_certificate"])
    assert ob["share_high"] == pytest.approx(1 / 3)


def test_ege_roll_up_and_dynamics(ege: pd.DataFrame) -> None:
    m2 = ege.loc[("municipality", "02", 2026, "ru")]
    assert (m2["n"], m2["n_below_min"], m2["n_below_university"]) == (2, 0, 0)  # 36 is enough
    assert [m2[f"n_band{i}"] for i in range(1, 6)] == [0, 1, 1, 0, 0]
    region = ege.loc[("region", "99", 2026, "ru")]
    assert region["n"] == 6
    assert region["share_below_min"] == pytest.approx(1 / 6)
    assert region["share_below_university"] == pytest.approx(2 / 6)
    assert region["mean_test_score"] == pytest.approx(327 / 6)
    a = ege.loc[("school", "eduA", 2026, "ru")]
    assert a["prev_year"] == 2025
    assert a["mean_test_score_change"] == pytest.approx(57.75 - 60)
    assert a["share_high_change"] == pytest.approx(0.5)


def test_ege_stats_groups_any_way() -> None:
    by_subject = score_stats(EGE_KIND, EGE[EGE["year"] == 2026], ["subject"]).set_index("subject")
    assert by_subject.loc["ru", "n"] == 6 and by_subject.loc["ob", "n"] == 3


def test_unified_rows() -> None:
    u = unified_results(OGE_KIND, {"oge_results": OGE})
    assert list(u.columns) == list(UNIFIED_RESULTS)
    assert set(u["procedure"]) == {"oge"} and set(u["grade"]) == {9}
    assert u["passed"].tolist() == (OGE["mark"] >= 3).tolist()
    assert u["scaled_score"].isna().all() and u["max_primary_score"].iloc[0] == 31
    e = unified_results(EGE_KIND, {"ege_results": EGE})
    assert set(e["procedure"]) == {"ege"} and e["mark"].isna().all()
    assert e["scaled_score"].tolist()[:7] == [20, 30, 81, 100, 41, 42, 90]
    assert e["passed"].tolist()[:7] == [False, True, True, True, False, True, True]
    assert e["participant_id"].tolist() == EGE["participant_id"].tolist()


def test_procedures_declare_their_tables_and_pages() -> None:
    assert OGE_PROCEDURE.code == "oge" and OGE_PROCEDURE.main_table == "oge_results"
    assert [s.name for s in OGE_PROCEDURE.derived] == ["oge_marks", "oge_scores", "oge_tasks"]
    assert EGE_PROCEDURE.ingester.folder == "gia/ege"
    assert "participant_id" in EGE_PROCEDURE.schemas["ege_results"]
    for schema in (*OGE_PROCEDURE.schemas.values(), *EGE_PROCEDURE.schemas.values()):
        assert not {"surname", "first_name", "patronymic", "document"} & set(schema)
