"""Commentary, charts, page declaration and template helpers, on hand-made tables."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from soko import commentary, plots
from soko.notebook import show_matrix
from soko.pages import expand, load_pages

matplotlib.use("Agg")

NB = "\u00a0"


def _marks(rows: list[tuple]) -> pd.DataFrame:
    cols = ["year", "subject", "grade", "n", "share_mark2", "success_rate", "quality_rate"]
    return pd.DataFrame(rows, columns=cols)


def test_plural_forms() -> None:
    forms = [
        commentary.plural(n, "работа", "работы", "работ")
        for n in (1, 2, 5, 11, 12, 21, 22, 25, 111)
    ]
    assert forms == [
        "работа",
        "работы",
        "работ",
        "работ",
        "работ",
        "работа",
        "работы",
        "работ",
        "работ",
    ]


def test_marks_summary_numbers_and_comparison() -> None:
    unit = _marks(
        [
            (2026, "ru", 4, 40, 0.10, 0.90, 0.50),
            (2026, "ma", 4, 60, 0.05, 0.95, 0.70),
            (2026, "ma", 5, 3, 0.90, 0.10, 0.00),  # under 5: must not be named
            (2025, "ru", 4, 40, 0.50, 0.50, 0.10),  # another year: ignored
        ]
    )
    region = _marks(
        [(2026, "ru", 4, 400, 0.12, 0.88, 0.60), (2026, "ma", 4, 500, 0.06, 0.94, 0.65)]
    )
    text = commentary.marks_summary(unit, region, "Район", 2026)
    assert "100 результатов участников по 2 работам" in text
    assert "выше, чем в среднем по региону, в 1 из 2 работ" in text  # ma 4: 70 > 65; ru 4: 50 < 60
    assert f"Русский язык, 4 кл.: 10,0{NB}%" in text  # largest share of «2» among groups ≥ 5
    assert f"Математика, 4 кл.: 70,0{NB}%" in text
    assert "5 кл." not in text


def test_marks_summary_when_everything_is_small() -> None:
    unit = _marks([(2026, "ru", 4, 4, 0.25, 0.75, 0.5)])
    assert "не приводятся" in commentary.marks_summary(unit, None, "Район", 2026)


def test_dynamics_summary_names_negative_dynamics() -> None:
    unit = _marks([(2026, "ru", 4, 40, 0.30, 0.70, 0.40), (2026, "ma", 4, 40, 0.05, 0.95, 0.70)])
    unit = unit.assign(
        prev_year=[2025, 2025],
        n_prev=[38, 41],
        quality_rate_change=[-0.1, 0.05],
        share_mark2_change=[0.12, -0.01],
        negative_dynamics=pd.array([True, False], dtype="boolean"),
    )
    text = commentary.dynamics_summary(unit, 2026)
    assert "выросло в 1 и снизилось в 1 из 2 работ" in text
    assert (
        f"Русский язык, 4 кл. (+12,0{NB}п.{NB}п.)" in text or "Русский язык, 4 кл. (+12,0" in text
    )


def test_task_deficits_lists_tasks_in_order_of_weakness() -> None:
    tasks = pd.DataFrame(
        {
            "task": ["1", "2", "3", "4"],
            "task_order": [1, 2, 3, 4],
            "n": [30] * 4,
            "completion": [0.80, 0.40, 0.60, 0.10],
            "zone": ["sufficient", "deficit", "grey", "deficit"],
        }
    )
    text = commentary.task_deficits(tasks)
    assert text.startswith("В зоне дефицита 2 из 4 заданий: № 4 (10")
    assert "№ 2 (40" in text and "«серой зоне» (около порога): № 3." in text


def test_journal_summary_pools_counts_not_shares() -> None:
    j = pd.DataFrame(
        {
            "n": [10, 30],
            "n_lowered": [5, 3],
            "n_confirmed": [5, 24],
            "n_raised": [0, 3],
            "n_large_gap": [2, 0],
        }
    )
    text = commentary.journal_summary(j)
    # pooled: lowered 8/40 = 20 %, confirmed 29/40 = 72.5 %, raised 3/40 = 7.5 %, gap 2/40 = 5 %
    assert f"подтвердили 72,5{NB}%" in text and f"понизили 20,0{NB}%" in text
    assert f"повысили 7,5{NB}%" in text and f"у 5,0{NB}%" in text


def test_charts_leave_out_small_groups() -> None:
    marks = pd.DataFrame(
        {
            "label": ["A", "B", "C"],
            "n": [10, 4, 7],
            "share_mark2": [0.1, 0.5, 0.0],
            "share_mark3": [0.2, 0.5, 0.3],
            "share_mark4": [0.3, 0.0, 0.3],
            "share_mark5": [0.4, 0.0, 0.4],
        }
    )
    fig = plots.mark_distribution(marks)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["A", "C"]
    assert len(fig.axes[0].patches) == 2 * 4


def test_show_matrix_suppresses_each_cell_by_its_own_n(capsys, monkeypatch) -> None:
    shown = []
    monkeypatch.setattr("soko.page.display", lambda obj: shown.append(obj.data))
    table = pd.DataFrame(
        {
            "unit_name": ["Школа 1", "Школа 1", "Школа 2"],
            "label": ["Р4", "М4", "Р4"],
            "n": [20, 3, 12],
            "quality_rate": [0.5, 1.0, 0.25],
        }
    )
    show_matrix(table, index="unit_name", columns="label", value="quality_rate")
    html = shown[0]
    assert f"50,0{NB}%" in html and f"25,0{NB}%" in html
    assert "100,0" not in html and "&lt;5" in html


def test_pages_expand_to_region_and_each_municipality(tmp_path: Path) -> None:
    _, specs = load_pages()
    runs = expand(specs, 2026, {"01": "Первый", "02": "Второй"}, {"vpr"})
    runs = [r for r in runs if r.spec.template.startswith("vpr_")]  # other pages need ВПР too
    names = [r.name for r in runs]
    assert names == ["vpr_region", "vpr_municipality_01", "vpr_municipality_02"]
    assert runs[1].title == "ВПР 2026: Первый"
    assert runs[1].parameters(tmp_path)["municipality"] == "01"
    assert expand(specs, 2026, {"01": "Первый"}, {"no_such"}) == []  # no data, no pages
    bad = tmp_path / "p.yml"
    bad.write_text(
        "pages:\n  - {id: x, template: a.ipynb, title: t, section: s, scope: school, reads: []}\n"
    )
    with pytest.raises(ValueError, match="scope"):
        load_pages(bad)


def _cross(rows: list[tuple]) -> pd.DataFrame:
    cols = [
        "school_code",
        "school_name",
        "n_earlier",
        "n_later",
        "mean_score_share_earlier",
        "mean_score_share_later",
        "success_rate_earlier",
        "success_rate_later",
    ]
    df = pd.DataFrame(rows, columns=cols)
    return df.assign(
        mean_score_share_diff=df["mean_score_share_later"] - df["mean_score_share_earlier"]
    )


def test_cross_summary_correlation_and_largest_drop() -> None:
    table = _cross(
        [
            ("a", "Школа А", 10, 10, 0.40, 0.42, 0.8, 0.8),
            ("b", "Школа Б", 10, 10, 0.60, 0.61, 0.9, 0.9),
            ("c", "Школа В", 10, 10, 0.80, 0.50, 1.0, 0.7),  # falls by 30 pp
            ("d", "Школа Г", 3, 10, 0.10, 0.90, 0.0, 1.0),  # under 5 in ВПР: ignored
        ]
    )
    text = commentary.cross_summary(table, "ВПР-8", "ОГЭ")
    # r of (0.40, 0.60, 0.80) with (0.42, 0.61, 0.50): deviations (-.2, 0, .2), (-.09, .10, -.01);
    # Sxy = .016, Sxx = .08, Syy = .0183 -> r = .016 / sqrt(.08 * .0183) = 0.418 -> «умеренная»
    assert "Сопоставлено 3 школы" in text and "умеренная (r = 0,42)" in text
    # mean gap (0.02 + 0.01 - 0.30) / 3 = -0.09; Школа В is 0.21 below it
    assert f"Школа В (-30,0{NB}п.{NB}п. при среднем -9,0{NB}п.{NB}п.)" in text
    assert "Школа Г" not in text


def test_show_cross_leaves_out_small_schools(monkeypatch) -> None:
    from soko.notebook import show_cross

    shown = []
    monkeypatch.setattr("soko.page.display", lambda obj: shown.append(obj.data))
    table = _cross(
        [
            ("a", "Школа А", 10, 10, 0.40, 0.42, 0.8, 0.8),
            ("d", "Школа Г", 3, 10, 0.10, 0.90, 0.0, 1.0),
        ]
    )
    show_cross(table, "ВПР-8", "ОГЭ")
    assert "Школа А" in shown[0] and "Школа Г" not in shown[0]


def test_derived_table_names_are_unique() -> None:
    from soko.registry import derived_tables as all_tables

    names = [spec.name for spec in all_tables()]
    assert len(names) == len(set(names))
