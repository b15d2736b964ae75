"""The prose and tables of the mechanisms pages, on the hand-made case of the scoring tests."""

from __future__ import annotations

import pandas as pd

from soko.procedures.mechanisms import commentary as cm
from soko.procedures.mechanisms.settings import COMPUTED_SOURCES, Scoring
from tests.test_mechanisms_scores import RULES, _all, _case, _settings


def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return _all(_settings(recommendations=RULES), *_case())


def test_rule_text_in_words() -> None:
    falling = Scoring(thresholds=[5, 10], points=[2, 1, 0])
    assert cm.rule_text(falling) == (
        "ниже 5,0\u00a0% — 2\u00a0б.; 5,0–10,0\u00a0% — 1\u00a0б.; от 10,0\u00a0% — 0\u00a0б."
    )
    yes = Scoring(thresholds=[1], points=[0, 2])
    assert cm.rule_text(yes, "да/нет") == "нет — 0\u00a0б.; да — 2\u00a0б."
    scale = Scoring(scale={"worst": 30, "best": 60}, max_points=3)
    assert "30,0\u00a0% и хуже — 0\u00a0б." in cm.rule_text(scale)
    assert "60,0\u00a0% и лучше — 3\u00a0б." in cm.rule_text(scale)


def test_rule_in_force_lists_every_indicator_with_its_source() -> None:
    s = _settings()
    rule = cm.rule_in_force(s, COMPUTED_SOURCES)
    assert list(rule["indicator"]) == ["fail", "objectivity", "check", "shnor"]
    assert rule.loc[rule["indicator"] == "check", "source"].iloc[0] == "форма муниципалитета"
    assert "доля отметок «2» по ВПР" in rule.loc[rule["indicator"] == "fail", "source"].iloc[0]


def test_cycle_completeness_and_weakest_stages() -> None:
    s = _settings()
    _, cyc, sc = _tables()
    comp = cm.cycle_completeness(sc, s, 2026)
    d12 = comp[comp["direction"] == "1.2"].iloc[0]
    assert (d12["n"], d12["n_full"], d12["at_measures"], d12["at_methods"]) == (3, 1, 1, 1)
    assert "«Measures» — 1" in d12["breaks"]
    assert "1.1 «Качество» (3 из 3)" in cm.cycle_summary(comp)
    stages = cm.weakest_stages(cyc, s, 2026)
    # 6 pairs; goals and indicators confirmed by all 6, measures..effectiveness by 4
    assert list(stages["n_done"]) == [6, 6, 5, 5, 5, 5, 4, 4, 4]
    assert "«Measures» — 66,7\u00a0% (4 из 6)" in cm.weakest_summary(stages)


def test_ranking_best_practices_and_change() -> None:
    s = _settings()
    _, _, sc = _tables()
    places = cm.ranking(sc, s, 2026)
    # totals: 01 (0,76 + 1)/2, 03 (0,7 + 2/9)/2, 02 (0,64 + 0,4·6/9)/2
    assert list(places["unit_code"]) == ["01", "03", "02"]
    assert list(places["Итого"]) == ["1", "2", "3"]
    assert list(places["1.2"]) == ["1", "3", "2"]
    best = cm.best_practices(sc, s, 2026, top=1)
    assert set(zip(best["direction"], best["unit_code"], strict=True)) == {
        ("1.1", "01"),
        ("1.2", "01"),
    }
    assert "1.1 «Качество» — Первый (76,0\u00a0%)" in cm.best_summary(best)
    text = cm.change_summary(sc, 2026)
    assert "вырос у 0 и снизился у 1 из 1" in text  # only 02 was assessed in 2025


def test_unit_page_prose() -> None:
    s = _settings()
    ind, _, sc = _tables()
    table = cm.unit_vs_region(sc, 2026, "02")
    text = cm.unit_summary(table, "Второй")
    assert "место 3 из 3" in text and "Второй: итоговый балл" in text
    assert "1.2 — на этапе «Measures»" in cm.cycle_breaks_text(table, s)
    missing = cm.missing_indicators(ind, 2026, "03", "municipality")
    assert "Без данных 3 показателя" in missing and "«Перепроверка» (не указано в форме)" in missing
    rows = cm.indicator_rows(ind, 2026, "02", "municipality")
    got = dict(zip(rows["indicator"], rows["value_text"], strict=True))
    assert got["shnor"] == "14,2\u00a0%" and got["check"] == "100,0\u00a0%"
    assert set(rows.loc[rows["indicator"] == "fail", "source_text"]) == {"ВПР, таблица vpr_marks"}


def test_unit_measures_reads_only_the_municipality() -> None:
    effects = pd.DataFrame(
        {
            "level": ["municipality", "municipality", "region"],
            "unit_code": ["02", "03", "99"],
            "kind_name": ["Программа ШНОР"] * 3,
            "effect": [0.12, 0.3, 0.1],
            "ci_low": [0.02, 0.1, 0.0],
            "ci_high": [0.22, 0.5, 0.2],
            "verdict": ["эффект есть"] * 3,
        }
    )
    rows = cm.unit_measures(effects, "02")
    assert list(rows["effect_text"]) == ["0,12 [0,02; 0,22]"]
    assert cm.unit_measures(None, "02").empty


def test_score_grid_leaves_out_a_unit_without_any_score() -> None:
    _, _, sc = _tables()
    gone = sc.assign(score=sc["score"].where(sc["unit_code"] != "03"))
    grid = cm.score_grid(gone, 2026)
    assert "03" not in set(grid["unit_code"]) and {"01", "02"} <= set(grid["unit_code"])
    assert set(grid.loc[grid["direction"] == "total", "direction_label"]) == {"Итого"}


def test_score_wide_has_a_column_per_direction() -> None:
    s = _settings()
    _, _, sc = _tables()
    wide = cm.score_wide(cm.score_grid(sc, 2026), s)
    assert list(wide["unit_code"]) == ["01", "02", "03", "99"]  # the region last
    first = wide.iloc[0]
    assert (first["1.1"], first["total_rank"]) == ("76,0\u00a0%", "1 из 3")
    assert list(wide.columns[3:6]) == ["1.1", "1.2", "Итого"]
