"""School classes (ШНОР, ШНСУ, resilient, high-result bank) on a hand-made region.

21 schools, one grade, Russian and mathematics, 2024–2026. Fillers have distinct mid-range
results; a few schools are placed so that the expected classes are obvious:

- s01: lowest in both subjects in 2024 and 2025, mid in 2026 → ШНОР 2025 and 2026 only;
- s02: lowest in Russian only, s03: lowest in mathematics only → never ШНОР;
- s04: lowest in both, but 8 participants → never ranked, in no class;
- s20, s21: highest in both every year → high-result bank 2025 and 2026;
- context: s01–s03 are the bottom 3 by ИСБШ; in 2026 s03 leaves and s06 comes in;
  s06 is top in Russian in 2026 → resilient by results; s02 has value-added «above» in 2026.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from soko import school_classes as sc
from soko.paths import config_dir

YEARS = (2024, 2025, 2026)
CODES = [f"s{i:02d}" for i in range(1, 22)]

RULES: dict[str, Any] = {
    "results": {
        "measure": "share",
        "grades": None,
        "min_grade_participants": 5,
        "min_participants": 10,
    },
    "stability": {"window": 3},
    "shnor": {"subjects": ["ru", "ma"], "bottom_share": 0.10, "years_min": 2, "years_window": 3},
    "shnsu": {"index": "isbs", "bottom_share": 0.15},
    "resilient": {
        "results_top_share": 0.25,
        "results_subjects": ["ru", "ma"],
        "results_rule": "any",
        "value_added": {
            "enabled": True,
            "procedures": ["vpr", "rpr"],
            "models": ["student", "school"],
            "subjects": ["ru", "ma"],
            "bands": ["above"],
        },
    },
    "high_results": {
        "subjects": ["ru", "ma"],
        "top_share": 0.10,
        "years_min": 2,
        "years_window": 3,
        "min_participants": 10,
        "exclude_objectivity": True,
        "objectivity_column": "n_markers",
    },
}


def rules(**changes: dict[str, Any]) -> dict[str, Any]:
    """The test rules with some sections' keys changed."""
    out = copy.deepcopy(RULES)
    for section, values in changes.items():
        out[section].update(values)
    return out


def schools_frame(codes: list[str] = CODES) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "school_code": codes,
            "school_name": [f"Школа {c}" for c in codes],
            "municipality_code": ["02" if i % 2 else "01" for i in range(len(codes))],
            "municipality_name": [
                "Второй район" if i % 2 else "Первый район" for i in range(len(codes))
            ],
            "kind": "СОШ",
            "locality": "Город",
        }
    ).astype("string")


def tasks_frame(years: tuple[int, ...] = YEARS, subjects: tuple[str, ...] = ("ru", "ma")):
    """One task worth 100 points per test: a score is its own percentage."""
    rows = [(y, s, 5, "1", 1, 100, "Б") for y in years for s in subjects]
    return pd.DataFrame(
        rows, columns=["year", "subject", "grade", "task", "task_order", "max_score", "level"]
    )


def results_frame(scores: dict[tuple[int, str, str], tuple[int, int]]) -> pd.DataFrame:
    """(year, subject, school) -> (score of every participant, number of participants)."""
    rows = []
    for (year, subject, school), (score, n) in scores.items():
        mark = 2 if score < 30 else 3 if score < 50 else 4 if score < 75 else 5
        for k in range(n):
            rows.append((year, subject, 5, school, f"{school}-{k}", score, mark))
    out = pd.DataFrame(
        rows,
        columns=[
            "year",
            "subject",
            "grade",
            "school_code",
            "participant_code",
            "primary_score",
            "mark",
        ],
    )
    muni = dict(zip(CODES, schools_frame()["municipality_code"], strict=True))
    out["municipality_code"] = out["school_code"].map(muni).fillna("01")
    return out.astype({"primary_score": "Int64", "mark": "Int64"})


def region_scores() -> dict[tuple[int, str, str], tuple[int, int]]:
    scores = {}
    for i, code in enumerate(CODES, start=1):
        for year in YEARS:
            scores[(year, "ru", code)] = (40 + 2 * i, 12)  # even, distinct
            scores[(year, "ma", code)] = (41 + 2 * i, 12)  # odd, distinct
    for year in (2024, 2025):
        scores[(year, "ru", "s01")] = (10, 12)
        scores[(year, "ma", "s01")] = (10, 12)
    scores[(2026, "ru", "s01")] = (59, 12)
    scores[(2026, "ma", "s01")] = (60, 12)
    for year in YEARS:
        scores[(year, "ru", "s02")] = (11, 12)
        scores[(year, "ma", "s03")] = (11, 12)
        scores[(year, "ru", "s04")] = (5, 8)
        scores[(year, "ma", "s04")] = (5, 8)
    scores[(2026, "ru", "s06")] = (90, 12)
    return scores


def context_frame() -> pd.DataFrame:
    rows = []
    for year in YEARS:
        for i, code in enumerate(CODES, start=1):
            isbs = (i - 11) / 5  # s01 −2.0, s02 −1.8, s03 −1.6, s04 −1.4 …
            if year == 2026 and code == "s03":
                isbs = 1.0
            if year == 2026 and code == "s06":
                isbs = -3.0
            rows.append((code, year, 300, isbs))
    return pd.DataFrame(rows, columns=["school_code", "year", "n_students", "isbs"])


def va_frame(rows: list[tuple[int, str, str, str, str, str, float]]) -> pd.DataFrame:
    """(year, procedure, model, subject, school, band, effect) rows of a synthetic va_schools."""
    out = pd.DataFrame(
        rows, columns=["year", "procedure", "model", "subject", "school_code", "band", "effect"]
    )
    out["grade"] = 5
    out["municipality_code"] = "01"
    out["municipality_name"] = "Первый район"
    out["school_name"] = "Школа"
    out["n"] = 12
    out["se"] = 0.1
    out["ci_low"] = out["effect"] - 0.2
    out["ci_high"] = out["effect"] + 0.2
    out["outcome_mean"] = 0.5
    out["effect_prev"] = float("nan")
    out["band_prev"] = None
    return out


def classify(
    config: dict[str, Any] | None = None,
    scores: dict[tuple[int, str, str], tuple[int, int]] | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    return sc.classify_schools(
        results_frame(scores or region_scores()),
        schools_frame(),
        context_frame(),
        vpr_tasks=tasks_frame(),
        config=config or RULES,
        **kwargs,
    )


def members(table: pd.DataFrame, cls: str, year: int) -> set[str]:
    hit = table[(table["class"] == cls) & (table["year"] == year)]
    return set(hit["school_code"])


def row(table: pd.DataFrame, cls: str, year: int, school: str) -> pd.Series:
    hit = table[
        (table["class"] == cls) & (table["year"] == year) & (table["school_code"] == school)
    ]
    assert len(hit) == 1, hit
    return hit.iloc[0]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return classify()


def test_output_columns_and_names(table: pd.DataFrame) -> None:
    assert tuple(table.columns) == sc.OUTPUT_COLUMNS
    assert set(table["class"]) <= set(sc.CLASSES)
    assert dict(zip(table["class"], table["class_name"], strict=True)) == {
        c: sc.CLASS_NAMES[c] for c in set(table["class"])
    }
    assert table["reason"].str.len().min() > 20
    assert table["in_class_prev_year"].dtype == bool
    assert row(table, "shnor", 2025, "s01")["school_name"] == "Школа s01"
    assert row(table, "shnor", 2025, "s01")["municipality_name"] == "Первый район"


def test_shnor_needs_both_subjects_in_k_of_n_years(table: pd.DataFrame) -> None:
    assert members(table, "shnor", 2024) == set()  # one year of data: 1 < 2
    assert members(table, "shnor", 2025) == {"s01"}
    assert members(table, "shnor", 2026) == {"s01"}  # 2024 and 2025 still count: 2 of 3


def test_low_in_one_subject_or_too_few_participants_is_no_class(table: pd.DataFrame) -> None:
    assert not set(table["school_code"]) & {"s04"}
    assert "s02" not in set(table.loc[table["class"] == "shnor", "school_code"])
    assert "s03" not in set(table.loc[table["class"] == "shnor", "school_code"])
    results = sc.school_results(
        results_frame(region_scores()), tasks_frame(), sc.parse_config(RULES).results, ["ru"]
    )
    s04 = results[(results["school_code"] == "s04") & (results["year"] == 2024)].iloc[0]
    assert not s04["eligible"] and pd.isna(s04["pct_low"])
    assert set(results.loc[results["eligible"], "n_schools"]) == {20.0}


def test_reason_names_the_figures(table: pd.DataFrame) -> None:
    reason = row(table, "shnor", 2026, "s01")["reason"]
    assert "русский язык — 2024: 5-й (10 %, n = 12), 2025: 5-й (10 %, n = 12)" in reason
    assert "математика — 2024: 5-й" in reason
    assert "2024, 2025: 2 из 3 лет" in reason
    assert "нижних 10 %" in reason and "не менее 2 из 3" in reason


def test_ties_fall_on_the_same_side_of_the_cut() -> None:
    config = rules(shnor={"subjects": ["ru"], "years_min": 1, "years_window": 1})

    def shnor_with(low: dict[str, int]) -> set[str]:
        scores = {(2024, "ru", c): (30 + i, 12) for i, c in enumerate(CODES[:20])}
        scores.update({(2024, "ru", c): (v, 12) for c, v in low.items()})
        out = sc.classify_schools(
            results_frame(scores),
            schools_frame(),
            context_frame()[lambda d: d["year"] == 2024],
            vpr_tasks=tasks_frame((2024,), ("ru",)),
            config=config,
        )
        return members(out, "shnor", 2024)

    # 20 schools, bottom 10 % = 2 places; ranks 2 and 3 tied → both out, not one chosen
    assert shnor_with({"s01": 10, "s02": 20, "s03": 20}) == {"s01"}
    # ranks 1 and 2 tied → both in
    assert shnor_with({"s01": 10, "s02": 10}) == {"s01", "s02"}
    assert shnor_with({}) == {"s01", "s02"}


def test_shnsu_is_the_bottom_share_by_context(table: pd.DataFrame) -> None:
    # 21 schools, 15 % → ranks ≤ 3.15
    assert members(table, "shnsu", 2024) == {"s01", "s02", "s03"}
    assert members(table, "shnsu", 2026) == {"s06", "s01", "s02"}
    reason = row(table, "shnsu", 2024, "s01")["reason"]
    assert (
        "ИСБШ 2024: −2,00" in reason
        and "5-й процентиль среди школ области (школ с индексом: 21;" in reason
    )


def test_resilient_from_results_without_value_added(table: pd.DataFrame) -> None:
    assert members(table, "resilient", 2026) == {"s06"}
    assert members(table, "resilient", 2024) == set()
    reason = row(table, "resilient", 2026, "s06")["reason"]
    assert "в верхних 25 %: русский язык" in reason
    assert "не рассчитана" in reason and "только результаты" in reason


def test_resilient_from_value_added_band() -> None:
    va = va_frame(
        [
            (2026, "vpr", "school", "ru", "s02", "above", 0.35),  # → resilient
            (2026, "vpr", "student", "ma", "s01", "average", 0.05),  # band not above
            (2025, "oge", "school", "ru", "s01", "above", 0.50),  # procedure not listed
            (2025, "rpr", "student", "ru", "s03", "above", 0.40),  # → resilient
        ]
    )
    out = classify(va_schools=va)
    assert members(out, "resilient", 2026) == {"s02", "s06"}
    assert members(out, "resilient", 2025) == {"s03"}
    reason = row(out, "resilient", 2026, "s02")["reason"]
    assert "выше ожидаемого" in reason and "эффект +0,35" in reason
    assert "ДИ +0,15…+0,55" in reason and "ВПР, русский язык, 5 класс" in reason
    assert "Оценки добавленной ценности за 2026 нет" in row(out, "resilient", 2026, "s06")["reason"]
    # switched off in the config: value added is ignored
    off = rules(resilient={"value_added": {"enabled": False}})
    assert members(classify(off, va_schools=va), "resilient", 2026) == {"s06"}


def test_resilient_results_rule_all() -> None:
    out = classify(rules(resilient={"results_rule": "all"}))
    assert members(out, "resilient", 2026) == set()  # s06 is top in Russian only


def test_high_result_bank_and_objectivity(table: pd.DataFrame) -> None:
    assert members(table, "high_results", 2025) == {"s20", "s21"}
    assert members(table, "high_results", 2026) == {"s20", "s21"}
    assert "не проверялись" in row(table, "high_results", 2026, "s21")["reason"]
    flags = pd.DataFrame({"year": [2024, 2026], "school_code": ["s20", "s05"], "n_markers": [1, 0]})
    out = classify(objectivity=flags)
    assert members(out, "high_results", 2026) == {"s21"}  # s20 marked in 2024, in the window
    assert (
        "Признаков необъективности в 2024, 2025, 2026 нет"
        in (row(out, "high_results", 2026, "s21")["reason"])
    )
    # a 0/1 or boolean marker per school × work, under another column name, works the same
    units = pd.DataFrame(
        {
            "year": [2025, 2025, 2026],
            "school_code": ["s21", "s21", "s20"],
            "subject": ["ru", "ma", "ru"],
            "marked": pd.array([False, True, None], dtype="boolean"),
        }
    )
    out = classify(rules(high_results={"objectivity_column": "marked"}), objectivity=units)
    assert members(out, "high_results", 2026) == {"s20"}
    with pytest.raises(ValueError, match="objectivity_column"):
        classify(objectivity=units)
    # minimum size: the bank wants bigger groups than ranking does
    assert members(
        classify(rules(high_results={"min_participants": 13})), "high_results", 2026
    ) == (set())


def test_stability_counts_and_changes(table: pd.DataFrame) -> None:
    first = row(table, "shnor", 2025, "s01")
    assert first["years_in_class"] == 1 and not first["in_class_prev_year"]
    kept = row(table, "shnor", 2026, "s01")
    assert kept["years_in_class"] == 2 and kept["in_class_prev_year"]
    assert row(table, "shnsu", 2026, "s01")["years_in_class"] == 3
    new = row(table, "shnsu", 2026, "s06")
    assert new["years_in_class"] == 1 and not new["in_class_prev_year"]

    changes = sc.class_changes(table, 2026)
    shnsu = changes[changes["class"] == "shnsu"].set_index("school_code")["change"].to_dict()
    assert shnsu == {"s06": "new", "s01": "kept", "s02": "kept", "s03": "left"}
    assert set(changes["change_name"]) >= {"новая", "сохранилась", "вышла"}


def test_standardised_measure_keeps_the_order_within_one_grade(table: pd.DataFrame) -> None:
    out = classify(rules(results={"measure": "standardised"}))
    for cls in sc.CLASSES:
        for year in YEARS:
            assert members(out, cls, year) == members(table, cls, year)


def test_describe_rules_prints_the_parameters() -> None:
    text = sc.describe_rules(RULES)
    assert set(text) == set(sc.CLASSES)
    assert "нижних 10 %" in text["shnor"] and "в 2 из последних 3 лет" in text["shnor"]
    assert "нижние 15 %" in text["shnsu"] and "ИСБШ" in text["shnsu"]
    assert "верхних 25 %" in text["resilient"] and "добавленной ценности" in text["resilient"]
    assert "не менее 10 участников" in text["high_results"]
    assert all("не опубликован" in t for t in text.values())
    assert "12,5 %" in sc.describe_rules(rules(shnsu={"bottom_share": 0.125}))["shnsu"]


def test_config_file_parses_and_a_changed_share_changes_membership(tmp_path: Path) -> None:
    raw = yaml.safe_load((config_dir() / sc.CONFIG_FILE).read_text(encoding="utf-8"))
    assert isinstance(sc.parse_config(raw), sc.ClassesConfig)
    assert set(sc.describe_rules(raw)) == set(sc.CLASSES)

    def shnor_2026(bottom_share: float) -> set[str]:
        changed = copy.deepcopy(raw)
        changed["shnor"].update(
            subjects=["ru", "ma"], bottom_share=bottom_share, years_min=2, years_window=3
        )
        (tmp_path / sc.CONFIG_FILE).write_text(
            yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8"
        )
        return members(classify(sc.load_config(tmp_path)), "shnor", 2026)

    assert shnor_2026(0.10) == {"s01"}
    # bottom 15 % = 3 places: s02 and s03 are then low in both subjects every year
    assert shnor_2026(0.15) == {"s01", "s02", "s03"}


@pytest.mark.parametrize(
    ("section", "values", "message"),
    [
        ("shnor", {"bottom_share": 10}, "shnor.bottom_share"),
        ("shnor", {"years_min": 4}, "shnor.years_min"),
        ("results", {"measure": "median"}, "results.measure"),
        ("resilient", {"results_rule": "most"}, "resilient.results_rule"),
    ],
)
def test_bad_config_fails_with_a_russian_message(
    section: str, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as err:
        sc.parse_config(rules(**{section: values}))
    assert "ожидается" in str(err.value)


def test_small_demo_table(small_region: Any) -> None:
    processed = small_region.processed
    inputs = [t for t in sc.CLASSES_TABLE.inputs if not t.startswith("derived/")]
    frames = {t: pd.read_parquet(processed / f"{t}.parquet") for t in inputs}
    assert sc.CLASSES_TABLE.name == "school_classes"
    assert "derived/va_schools" in sc.CLASSES_TABLE.inputs

    out = sc.CLASSES_TABLE.compute(**frames, va_schools=None)
    assert tuple(out.columns) == sc.OUTPUT_COLUMNS
    assert not out.empty and (out["reason"].str.strip().str.len() > 0).all()
    assert out["school_name"].notna().all() and out["municipality_name"].notna().all()
    assert set(out["class"]) >= {"shnsu"}
    assert not out.duplicated(["year", "school_code", "class"]).any()
    assert (out["years_in_class"] >= 1).all()

    # with a value-added table every ШНСУ school marked «above» becomes resilient
    shnsu = out[out["class"] == "shnsu"]
    va = va_frame(
        [
            (int(y), "vpr", "school", "ma", str(s), "above", 0.3)
            for y, s in zip(shnsu["year"], shnsu["school_code"], strict=True)
        ]
    )
    with_va = sc.CLASSES_TABLE.compute(**frames, va_schools=va)
    resilient = with_va[with_va["class"] == "resilient"]
    assert set(zip(resilient["year"], resilient["school_code"], strict=True)) == set(
        zip(shnsu["year"], shnsu["school_code"], strict=True)
    )
    assert resilient["reason"].str.contains("эффект +0,30", regex=False).all()


def test_no_data_gives_an_empty_table() -> None:
    empty = results_frame({})
    out = sc.classify_schools(
        empty, schools_frame(), context_frame().iloc[:0], vpr_tasks=tasks_frame(), config=RULES
    )
    assert out.empty and tuple(out.columns) == sc.OUTPUT_COLUMNS
