"""Survey indicators against hand-computed values; suppression of small groups on display."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soko.config import RegionConfig
from soko.notebook import labelled_table
from soko.procedures.survey import commentary
from soko.procedures.survey.indicators import (
    index_table,
    item_table,
    respondent_indices,
    response_rates,
)
from soko.procedures.survey.settings import survey_settings

SETTINGS = survey_settings()
ITEMS = list(SETTINGS.questionnaires["students"].items)  # У01 … У11; У08, У11 reversed
REGION = RegionConfig("99", "Область", "Области", (2025, 2026), {"01": "Город", "02": "Район"})
SCHOOLS = pd.DataFrame(
    {
        "school_code": ["edu1", "edu2", "edu3", "edu4"],
        "school_name": ["Школа 1", "Школа 2", "Школа 3", "Школа 4"],
        "municipality_code": ["01", "01", "02", "02"],
        "municipality_name": ["Город", "Город", "Район", "Район"],
        "kind": "СОШ",
        "locality": "Город",
    }
)
#             У01 У02 У03 У04 У05 У06 У07 У08 У09 У10 У11
ANSWERS = {
    "A": ("edu1", [5, 4, 3, 2, 4, 4, None, 2, None, 1, 1]),
    "B": ("edu1", [5, 5, None, None, 3, 3, 3, 3, 4, None, 3]),
    "C": ("edu3", [5, 5, 5, 5, 5, 5, 5, 1, 5, 5, 1]),
    "D": ("edu4", [3] * 11),
}
MUN = dict(zip(SCHOOLS["school_code"], SCHOOLS["municipality_code"], strict=True))


def frames(year: int = 2026, answers: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    answers = answers or ANSWERS
    responses = pd.DataFrame(
        {
            "year": year,
            "questionnaire": "students",
            "school_code": [s for s, _ in answers.values()],
            "municipality_code": [MUN[s] for s, _ in answers.values()],
            "respondent_id": list(answers),
            "grade": 8,
        }
    )
    rows = [
        (year, "students", school, rid, item, value)
        for rid, (school, values) in answers.items()
        for item, value in zip(ITEMS, values, strict=True)
    ]
    long = pd.DataFrame(
        rows, columns=["year", "questionnaire", "school_code", "respondent_id", "item", "value"]
    )
    long["value"] = long["value"].astype("Int64")
    return responses, long


def pick(table: pd.DataFrame, level: str, code: str, **keys: object) -> pd.Series:
    sel = (table["level"] == level) & (table["unit_code"] == code)
    for k, v in keys.items():
        sel &= table[k] == v
    (idx,) = np.flatnonzero(sel.to_numpy())
    return table.iloc[idx]


def test_respondent_indices_flip_reversed_items_and_need_half_the_items() -> None:
    responses, answers = frames()
    ind = respondent_indices(answers, responses, SETTINGS).set_index(["respondent_id", "index"])
    value = ind["value"]
    # A: satisfaction У01-04, У10 = 5, 4, 3, 2, 1 → 3.0; engagement 4, 4, —, 6−2, 6−1 → 4.25;
    # support У09 —, У10 1 → 1 of 2 answered (half is enough) → 1.0
    assert value[("A", "satisfaction")] == pytest.approx(3.0)
    assert value[("A", "engagement")] == pytest.approx(4.25)
    assert value[("A", "support")] == pytest.approx(1.0)
    # B: only 2 of 5 satisfaction items answered → no index
    assert pd.isna(value[("B", "satisfaction")])
    assert value[("B", "engagement")] == pytest.approx(3.0)  # 3, 3, 3, 6−3, 6−3
    # C: reversed items answered 1 → 5 after flipping
    assert value[("C", "engagement")] == pytest.approx(5.0)


def test_index_table_rolls_up_respondents_not_school_means() -> None:
    responses, answers = frames()
    table = index_table(answers, responses, SCHOOLS, SETTINGS, REGION)
    eng = pick(table, "school", "edu1", index="engagement")
    assert (eng["n"], eng["mean_index"], eng["share_high"]) == (2, pytest.approx(3.625), 0.5)
    sat = pick(table, "region", "99", index="satisfaction")
    assert (sat["n"], sat["mean_index"]) == (3, pytest.approx((3 + 5 + 3) / 3))
    reg = pick(table, "region", "99", index="engagement")
    assert reg["mean_index"] == pytest.approx((4.25 + 3 + 5 + 3) / 4)
    assert pick(table, "municipality", "02", index="engagement")["mean_index"] == pytest.approx(4.0)
    assert set(table["unit_name"]) >= {"Область", "Город", "Район", "Школа 1"}


def test_index_dynamics_against_previous_year() -> None:
    r1, a1 = frames(2025, {"A": ANSWERS["A"]})
    r2, a2 = frames(2026, {"A": ("edu1", [5] * 7 + [1] + [5] * 3)})
    table = index_table(pd.concat([a1, a2]), pd.concat([r1, r2]), SCHOOLS, SETTINGS, REGION)
    row = pick(table, "school", "edu1", index="satisfaction", year=2026)
    assert row["prev_year"] == 2025
    assert row["mean_index_change"] == pytest.approx(5.0 - 3.0)


def test_item_table_counts_shares_and_means() -> None:
    responses, answers = frames()
    table = item_table(answers, responses, SCHOOLS, SETTINGS, REGION)
    u08 = pick(table, "region", "99", item="У08")  # answers 2, 3, 1, 3 (as answered)
    assert u08["n"] == 4 and u08["mean_answer"] == pytest.approx(9 / 4)
    assert u08["share_agree"] == 0 and u08["share_answer3"] == pytest.approx(0.5)
    u07 = pick(table, "school", "edu1", item="У07")  # A did not answer
    assert u07["n"] == 1 and u07["share_agree"] == 0
    shares = [f"share_answer{v}" for v in range(1, 6)]
    assert np.allclose(table[shares].sum(axis=1), 1.0)


def test_response_rates_count_only_schools_with_a_contingent() -> None:
    responses, _ = frames()
    contingents = pd.DataFrame(
        {
            "year": 2026,
            "questionnaire": "students",
            "school_code": ["edu1", "edu2", "edu3"],
            "municipality_code": ["01", "01", "02"],
            "n_invited": [10, 5, 4],
        }
    )
    table = response_rates(responses, contingents, SCHOOLS, REGION)
    region = pick(table, "region", "99")
    assert (region["n"], region["n_invited"]) == (4, 19)
    assert region["share_responded"] == pytest.approx(3 / 19)  # D's school sent no contingent
    assert pick(table, "municipality", "01")["share_responded"] == pytest.approx(2 / 15)
    assert pick(table, "school", "edu2")["share_responded"] == 0.0
    assert pd.isna(pick(table, "school", "edu4")["share_responded"])


def test_small_groups_are_suppressed_on_display_but_invited_stay() -> None:
    responses, _ = frames()
    contingents = pd.DataFrame(
        {
            "year": 2026,
            "questionnaire": "students",
            "school_code": ["edu1"],
            "municipality_code": ["01"],
            "n_invited": [10],
        }
    )
    table = response_rates(responses, contingents, SCHOOLS, REGION)
    school = table[table["unit_code"] == "edu1"]
    shown = labelled_table(
        school,
        {
            "unit_name": "ОО",
            "n_invited": "Приглашено",
            "n": "Заполнили",
            "share_responded": "Охват",
        },
        keep=["unit_name", "n_invited"],
    )
    assert shown.iloc[0].tolist() == ["Школа 1", "10", "<5", "—"]
    text = commentary.response_summary(table, 2026, "school", "edu1", "Школа 1", SETTINGS)
    assert "менее 5" in text and "%" not in text  # no rate, no count of a small group


def test_commentary_on_indices_and_items() -> None:
    answers = {f"R{i}": ("edu1", [5] * 7 + [1] + [5, 5, 1]) for i in range(6)}
    answers |= {f"S{i}": ("edu3", [3] * 11) for i in range(6)}
    responses, long = frames(2026, answers)
    indices = index_table(long, responses, SCHOOLS, SETTINGS, REGION)
    text = commentary.index_summary(indices, 2026, "municipality", "01", "99", SETTINGS)
    assert "удовлетворённость школой 5,00 (регион 4,00)" in text
    items = item_table(long, responses, SCHOOLS, SETTINGS, REGION)
    unit = items[(items["level"] == "municipality") & (items["unit_code"] == "01")]
    text = commentary.item_extremes(unit, "students", SETTINGS)
    # ties are broken by item code: the first for the top, the last for the bottom
    assert "«Мне нравится учиться в моей школе» (100,0\u00a0%)" in text
    assert "«Мне часто не хочется идти в школу» (0,0\u00a0%)" in text
    small = items[(items["level"] == "school") & (items["unit_code"] == "edu4")]
    assert "недостаточно" in commentary.item_extremes(small, "students", SETTINGS)
