"""Value-added page helpers: analyses, band changes, tables, model text, school classes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soko.value_added import report
from tests import va_frames

NB = "\u00a0"


def _row(code: str, n: int, effect: float, band: str, prev: float | None, band_prev: str | None):
    return {
        "year": 2026,
        "procedure": "rpr",
        "model": "student",
        "subject": "ru",
        "municipality_code": "01" if code < "s5" else "02",
        "municipality_name": "Первый" if code < "s5" else "Второй",
        "school_code": code,
        "school_name": f"Школа {code}",
        "n": n,
        "effect": effect,
        "se": 0.1,
        "ci_low": effect - 0.196,
        "ci_high": effect + 0.196,
        "band": band,
        "outcome_mean": effect,
        "effect_prev": prev,
        "band_prev": band_prev,
    }


@pytest.fixture
def current() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _row("s1", 40, 0.30, "above", 0.25, "above"),  # kept
            _row("s2", 40, 0.25, "above", 0.05, "average"),  # new
            _row("s3", 40, -0.30, "below", 0.30, "above"),  # switched: new in «ниже»
            _row("s4", 40, 0.05, "average", -0.40, "below"),  # left
            _row("s5", 40, 0.02, "average", 0.01, "average"),  # not in the table
            _row("s6", 40, 0.40, "above", 0.50, "above"),  # last year under the minimum
            _row("s7", 4, 0.90, "above", None, None),  # under the minimum: never shown
        ]
    )


@pytest.fixture
def previous(current: pd.DataFrame) -> pd.DataFrame:
    prev = current.assign(year=2025, effect=current["effect_prev"], band=current["band_prev"])
    prev.loc[prev["school_code"] == "s6", "n"] = 3
    gone = _row("s9", 30, -0.50, "below", None, None) | {"year": 2025}  # no estimate in 2026
    return pd.concat([prev, pd.DataFrame([gone])], ignore_index=True)


def test_band_changes_new_kept_left(current: pd.DataFrame, previous: pd.DataFrame) -> None:
    changes = report.band_changes(current, previous)
    got = dict(zip(changes["school_code"], changes["change"], strict=True))
    assert got == {
        "s1": "kept",
        "s2": "new",
        "s3": "new",
        "s4": "left",
        "s6": "new",  # its 2025 estimate was of 3 students: not shown, not compared
        "s9": "left",
    }
    assert list(changes["school_code"]) == [
        "s6",
        "s1",
        "s2",
        "s3",
        "s4",
        "s9",
    ]  # above, below, left
    s6 = changes.set_index("school_code").loc["s6"]
    assert pd.isna(s6["effect_prev"]) and pd.isna(s6["band_prev"])
    assert "s7" not in set(changes["school_code"])


def test_change_summary_counts(current: pd.DataFrame, previous: pd.DataFrame) -> None:
    text = report.change_summary(report.band_changes(current, previous))
    assert "новых — 3, сохранились — 1, вышли — 2" in text


def test_without_a_previous_year_nothing_is_called_new(current: pd.DataFrame) -> None:
    first = current.assign(effect_prev=np.nan, band_prev=None)
    changes = report.band_changes(first, None)
    assert set(changes["school_code"]) == {"s1", "s2", "s3", "s6"}
    assert changes["change"].isna().all()
    assert "изменения за год не определяются" in report.change_summary(changes)
    table = report.school_table(changes, with_municipality=False)
    assert set(table["Изменение"]) == {"—"}


def test_school_table_is_formatted_in_russian(
    current: pd.DataFrame, previous: pd.DataFrame
) -> None:
    table = report.school_table(report.band_changes(current, previous), with_municipality=True)
    assert list(table.columns) == [
        "ОО",
        "Муниципалитет",
        "Обучающихся в модели",
        "Эффект (95 % ДИ)",
        "Группа",
        "Эффект годом ранее",
        "Группа годом ранее",
        "Изменение",
    ]
    s1 = table[table["ОО"] == "Школа s1"].iloc[0]
    assert s1["Эффект (95 % ДИ)"] == "0,30 (0,10; 0,50)"
    assert s1["Группа"] == "выше ожидаемого" and s1["Изменение"] == "сохранилась"
    s9 = table[table["ОО"] == "Школа s9"].iloc[0]
    assert s9["Группа"] == "нет оценки" and s9["Эффект годом ранее"] == "-0,50"
    assert s9["Обучающихся в модели"] == "—"
    s3 = table[table["ОО"] == "Школа s3"].iloc[0]
    assert s3["Группа годом ранее"] == "выше ожидаемого" and s3["Изменение"] == "новая"
    municipal = report.school_table(report.band_changes(current), with_municipality=False)
    assert "Муниципалитет" not in municipal.columns


def test_band_summary_counts_listed_schools_only(current: pd.DataFrame) -> None:
    text = report.band_summary(current, "Регион")
    limit = report.min_listed()
    assert text.startswith("Регион: 6 школ с оценкой эффекта; выше ожидаемого — 3")
    assert f"менее {limit} обучающихся, не показываются (здесь таких 1)" in text
    assert "на уровне ожидаемого — 2, ниже ожидаемого — 1" in text
    assert report.band_summary(current, "Второй", "02").startswith("Второй: 2 школы")
    assert "нет школ" in report.band_summary(current, "Третий", "03")


def test_min_listed_is_never_below_the_suppression_minimum() -> None:
    from soko.config import min_group

    assert report.min_listed() >= min_group()


def test_analyses_in_page_order_with_and_without_grades() -> None:
    va = va_frames.va_schools_frame(va_frames.schools_frame(9, 3), years=(2025, 2026))
    found = report.analyses(va, 2026)
    assert [(a.model, a.subject, a.grade) for a in found[:4]] == [
        ("student", "ru", 8),
        ("student", "ma", 8),
        ("school", "ru", 5),
        ("school", "ru", 6),
    ]
    assert found[0].title == "РПР, русский язык: 7 кл. (2025) → 8 кл. (2026)"
    assert len(found[2].select(va)) == 9 and set(found[2].select(va, 2025)["year"]) == {2025}
    pooled = (
        va[va["procedure"] == "vpr"]
        .drop(columns="grade")
        .drop_duplicates(["year", "subject", "school_code"])
    )
    (a, *_) = report.analyses(pooled, 2026)
    assert a.grade is None and len(a.select(pooled)) == 9
    assert a.title.startswith("ВПР, русский язык: ")  # grades from config/value_added.yml
    assert "кл. (2025) → " in a.title
    assert report.analyses(va, 2024) == []


def test_model_text_names_controls_size_and_the_interval_rule() -> None:
    va = va_frames.va_schools_frame(va_frames.schools_frame(9, 3), years=(2026,))
    models = va_frames.va_models_frame(va)
    a, *_ = report.analyses(va, 2026)
    text = report.model_text(models, a)
    assert "Модель на данных обучающихся" in text
    assert "индекс социального благополучия школы" in text
    assert "интервалу, а не по точке" in text
    n = int(va[(va["procedure"] == "rpr") & (va["subject"] == "ru")]["n"].sum())
    assert f"{n:,}".replace(",", NB) in text and "из 9 школ" in text
    # school variance 0.04 + municipality 0.005 over + residual 0.8: 0.045 / 0.845 = 5.3 %
    assert f"5{NB}%" in text
    school = next(x for x in report.analyses(va, 2026) if x.model == "school")
    assert "обезличены" in report.model_text(models, school)
    unknown = models.assign(term=models["term"].replace("isbs", "new_context_column"))
    assert "ещё 1 показатель" in report.model_text(unknown, a)


def test_funnel_axis_follows_the_fit() -> None:
    va = va_frames.va_schools_frame(va_frames.schools_frame(30, 3), years=(2026,))
    rows = va[(va["procedure"] == "rpr") & (va["subject"] == "ru")]
    var = {"residual_variance": 0.8, "school_variance": 0.04}
    assert report.funnel_axis(rows, var) == "n"  # the bands are the funnel's verdicts
    # SEs wider than the pooled variances imply (fixed-effect uncertainty): a school can be
    # outside the n-funnel yet «на уровне ожидаемого» — then the axis is the precision
    se = rows["se"] * 1.6
    wide = rows.assign(
        se=se, band=np.where(rows["effect"].abs() > 1.96 * se, rows["band"], "average")
    )
    assert (wide["band"] != rows["band"]).any()
    assert report.funnel_axis(wide, var) == "precision"
    assert report.funnel_axis(rows, {}) == "precision"
    assert report.funnel_axis(rows, {**var, "school_variance": 0.0}) == "precision"
    assert report.funnel_args(rows, var) == {"x": "n", **var}


def test_a_fit_without_school_differences_is_said_not_drawn() -> None:
    rows = pd.DataFrame({"se": [0.0, 0.0], "n": [20, 30]})
    assert report.no_school_differences(rows, {"school_variance": 0.0, "residual_variance": 1})
    assert report.no_school_differences(rows, {})
    assert not report.no_school_differences(rows.assign(se=0.1), {"school_variance": 0.02})


def test_classes_members_tables_and_summaries() -> None:
    schools = va_frames.schools_frame(15, 3)
    classes = va_frames.school_classes_frame(schools, (2025, 2026))
    before = report.previous_year(classes, 2026)
    assert before == 2025 and report.previous_year(classes, 2025) is None
    members = report.class_members(classes, 2026)
    shnor = report.class_table(members, "shnor", with_municipality=True, window=3)
    # 2026: schools 3, 6, 9 (3 and 6 kept from 2025; new ones first); school 0 left
    assert list(shnor["ОО"]) == ["Школа № 10", "Школа № 4", "Школа № 7"]
    assert list(shnor.columns) == [
        "ОО",
        "Муниципалитет",
        "Основание",
        "Лет в категории (из последних 3)",
        "В категории годом ранее",
    ]
    assert list(shnor["В категории годом ранее"]) == ["нет", "да", "да"]
    text = report.class_summary(members, "shnor", 2026, before)
    assert "3 школы: новых — 1, сохранились — 2" in text
    assert "Вышли из категории по сравнению с 2025 годом (1): Школа № 1" in text
    # a municipality with no school of high results
    mun = report.class_members(classes, 2026, "03")
    assert report.class_table(mun, "high_results", with_municipality=False, window=3).empty
    assert "нет ни одной школы" in report.class_summary(mun, "high_results", 2026, before)
    first = report.class_members(classes, 2025)
    assert "сравнить не с чем" in report.class_summary(first, "shnor", 2025, None)
    empty = report.class_members(classes.iloc[0:0], 2026)
    assert "нет ни одной школы" in report.class_summary(empty, "shnsu", 2026, None)


def test_class_rules_come_from_the_config() -> None:
    rules = report.class_rules()
    names = report.class_names()
    assert list(names) == ["shnor", "shnsu", "resilient", "high_results"]
    assert set(rules) == set(names)
    assert all(isinstance(t, str) and t for t in rules.values())
    assert report.stability_window() == 3
