"""Objectivity page helpers: shares of schools with markers, the marked list, the federal
shape, the evidence table (aggregates only), the journal cross-tab and the charts."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from soko.config import min_group, vpr_scale
from soko.objectivity import plots, report
from soko.objectivity.evidence_tables import (
    COLUMNS,
    EVIDENCE_INPUTS,
    EVIDENCE_TABLE,
    objectivity_evidence,
)
from soko.objectivity.settings import SIGNALS, Settings

matplotlib.use("Agg")

NB = "\u00a0"
SMALL = min_group()


def _markers() -> pd.DataFrame:
    """Two municipalities, two years. 2026: «01» has 4 schools, 3 judged, 2 marked; «02» has
    2 schools, both judged, none marked. 2025: «01» 1 of 2 judged marked; «02» no judged."""
    rows = [
        # municipality, school, year, ma_4, ru_4, n_markers, n_works
        ("01", "s1", 2026, 1, 1, 2, 2),
        ("01", "s2", 2026, 0, 1, 1, 2),
        ("01", "s3", 2026, 0, 0, 0, 2),
        ("01", "s4", 2026, 0, 0, 0, 0),  # too small to judge: not in the denominator
        ("02", "s5", 2026, 0, 0, 0, 1),
        ("02", "s6", 2026, 0, 0, 0, 2),
        ("01", "s1", 2025, 1, 0, 1, 2),
        ("01", "s2", 2025, 0, 0, 0, 2),
        ("02", "s5", 2025, 0, 0, 0, 0),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "municipality_code",
            "school_code",
            "year",
            "ma_4",
            "ru_4",
            "n_markers",
            "n_works",
        ],
    )
    frame["municipality_name"] = frame["municipality_code"].map({"01": "Первый", "02": "Второй"})
    frame["school_name"] = "Школа " + frame["school_code"]
    return frame[
        [
            "municipality_code",
            "municipality_name",
            "school_code",
            "school_name",
            "year",
            "ma_4",
            "ru_4",
            "n_markers",
            "n_works",
        ]
    ]


def test_shares_are_schools_with_a_marker_among_judged_schools() -> None:
    shares = report.municipality_shares(
        _markers(), [2025, 2026], region_code="99", region_name="Регион"
    )
    got = {
        (c, y): (k, n)
        for c, y, k, n in shares[["unit_code", "year", "n_marked", "n_schools"]].itertuples(
            index=False
        )
    }
    assert got == {
        ("99", 2025): (1, 2),
        ("99", 2026): (2, 5),
        ("01", 2025): (1, 2),
        ("01", 2026): (2, 3),  # s4 judged nothing: not counted
        ("02", 2025): (0, 0),
        ("02", 2026): (0, 2),
    }
    share = shares.set_index(["unit_code", "year"])["share"]
    assert share[("01", 2026)] == pytest.approx(2 / 3)
    assert share[("99", 2026)] == pytest.approx(2 / 5)
    assert np.isnan(share[("02", 2025)])
    assert list(shares["unit_code"].drop_duplicates()) == ["99", "01", "02"]  # region first

    table = report.shares_table(shares)
    assert list(table.columns) == ["Муниципалитет", "2025", "2026"]
    assert table.iloc[1].tolist() == ["Первый", f"50,0{NB}% (1 из 2)", f"66,7{NB}% (2 из 3)"]
    assert table.iloc[2]["2025"] == "—"  # no judged school: no share, not 0 %
    text = report.shares_summary(shares, 2026, "01", "Первый")
    assert "у 2 школ из 3" in text and f"66,7{NB}%" in text


def test_report_years_are_the_last_three_up_to_the_year() -> None:
    markers = pd.DataFrame({"year": [2022, 2023, 2024, 2025, 2026]})
    assert report.report_years(markers, 2025) == [2023, 2024, 2025]
    assert report.report_years(markers, 2023, span=3) == [2022, 2023]


def _signals() -> pd.DataFrame:
    base = {f"{s}_z": 0.0 for s in SIGNALS}
    rows = [
        {
            **base,
            "municipality_code": "01",
            "municipality_name": "Первый",
            "school_code": "s1",
            "school_name": "Школа s1",
            "year": 2026,
            "subject": "ru",
            "grade": 4,
            "n": 20,
            "bunching_z": 3.1,
            "person_fit_z": 2.2,
            "index_z": 2.9,
            "marker": 1,
            "evidence": "На порогах отметок …",
        },
        {
            **base,
            "municipality_code": "01",
            "municipality_name": "Первый",
            "school_code": "s1",
            "school_name": "Школа s1",
            "year": 2026,
            "subject": "ma",
            "grade": 4,
            "n": 18,
            "journal_above_vpr_z": 1.7,  # none reaches 2.0: the strongest is quoted
            "index_z": 2.1,
            "marker": 1,
            "evidence": "Отметка в журнале …",
        },
        {
            **base,
            "municipality_code": "02",
            "municipality_name": "Второй",
            "school_code": "s5",
            "school_name": "Школа s5",
            "year": 2026,
            "subject": "ru",
            "grade": 4,
            "n": 3,  # only with a config minimum under 5: must not show its figures
            "answer_similarity_z": 4.0,
            "index_z": 4.0,
            "marker": 1,
            "evidence": "В классе 4А 2 пары работ из 3 …",
        },
        {
            **base,
            "municipality_code": "02",
            "municipality_name": "Второй",
            "school_code": "s6",
            "school_name": "Школа s6",
            "year": 2026,
            "subject": "ru",
            "grade": 4,
            "n": 25,
            "index_z": 0.3,
            "marker": 0,
            "evidence": "",
        },
    ]
    return pd.DataFrame(rows)


def test_marked_units_and_table() -> None:
    units = report.marked_units(_signals(), 2026, min_z=2.0)
    assert list(units["school_code"]) == ["s1", "s1", "s5"]  # unmarked s6 left out
    assert list(units["school_markers"]) == [2, 2, 1]
    assert units["signal_names"].iloc[0] == (
        "скопление результатов на порогах отметок; неправдоподобные сочетания баллов за задания"
    )
    assert units["signal_names"].iloc[1] == "отметки в журнале выше отметок ВПР"
    assert list(units["label"][:2]) == ["Русский язык, 4 кл.", "Математика, 4 кл."]

    table = report.marked_table(units, with_municipality=True)
    small = table.iloc[2]
    assert small["Участников"] == f"<{SMALL}"
    assert small["Обоснование"] == "—" and small["Индекс, z"] == "—" and small["Сигналы"] == "—"
    assert table.iloc[0]["Индекс, z"] == "2,9"

    assert report.evidence_line(units.iloc[0]) == "**Обоснование.** На порогах отметок …"
    assert "не показывается" in report.evidence_line(units.iloc[2])

    mine = report.marked_units(_signals(), 2026, "02", min_z=2.0)
    assert list(mine["school_code"]) == ["s5"]
    assert report.marked_units(_signals(), 2025, min_z=2.0).empty
    text = report.marked_summary(units, 2026, "Регион")
    assert "у 3 работ в 2 школах" in text and "более одного признака — у 1 школы" in text
    assert "нет ни одной работы" in report.marked_summary(units.iloc[0:0], 2025, "Регион")


def test_signal_labels_are_russian_for_every_signal() -> None:
    assert set(report.SIGNAL_LABELS) == set(SIGNALS) == set(report.SIGNAL_TEXTS)
    for text in (*report.SIGNAL_LABELS.values(), *report.SIGNAL_TEXTS.values()):
        assert any("а" <= ch <= "я" for ch in text.lower())
    assert report.signal_label("bunching") == "скопление результатов на порогах отметок"
    assert len(report.signals_table()) == len(SIGNALS)


def test_federal_display_and_headers() -> None:
    rows = report.federal_rows(_markers(), 2026)
    assert list(rows["school_code"]) == ["s1", "s2"]  # at least one marker, more first
    shown = report.federal_display(rows, with_municipality=False)
    assert list(shown.columns) == ["ОО", f"Мат{NB}4", f"РЯ{NB}4", "Признаков", "Оценено работ"]
    assert shown.iloc[1][f"РЯ{NB}4"] == "1" and shown.iloc[1][f"Мат{NB}4"] == ""
    assert report.subject_short("Окружающий мир") == "ОМ"
    assert report.subject_short("История") == "Ист"
    assert "РЯ — русский язык" in report.abbreviations(rows)
    years = report.school_years(_markers(), [2025, 2026], "01")
    assert years.iloc[0].tolist() == ["Школа s1", "1 из 2", "2 из 2"]
    assert years.set_index("ОО").loc["Школа s4", "2026"] == "—"
    line = report.school_line(_markers(), "s2", [2025, 2026])
    assert line == "Работ с признаком: 2026 — 1 из 2 оценённых; 2025 — 0 из 2 оценённых."


def test_chance_rates() -> None:
    assert report.chance_rate(2.0) == pytest.approx(0.02275, abs=1e-5)
    one, two = report.chance_schools(np.array([10.0]), 0.1)
    assert one == pytest.approx(1 - 0.9**10)
    assert two == pytest.approx(1 - 0.9**10 - 10 * 0.1 * 0.9**9)
    note = report.power_note(Settings(), _markers(), 2026)
    assert "хотя бы один признак у 2 из 5 школ" in note and "docs/objectivity.md" in note
    assert "при честной работе" in report.method_text(Settings())


# --- the evidence table ---------------------------------------------------------------


@pytest.fixture(scope="module")
def canonical() -> dict[str, pd.DataFrame]:
    """A work «ru 4 2026» (scale 10/16/21 of 24) with three tasks: school A (marked) has
    6 participants, school B 4; plus an unmarked school C of another work."""
    people = [
        # school, participant, primary, mark, journal, task scores (t1 Б max 10, t2 Б 8, t3 П 6)
        ("A", "a1", 10, 3, 4, (6, 4, 0)),
        ("A", "a2", 10, 3, 4, (5, 5, 0)),
        ("A", "a3", 16, 4, 5, (8, 4, 4)),
        ("A", "a4", 16, 4, 4, (6, 6, 4)),
        ("A", "a5", 21, 5, 5, (9, 6, 6)),
        ("A", "a6", 9, 2, 3, (5, 4, 0)),
        ("B", "b1", 5, 2, 2, (3, 2, 0)),
        ("B", "b2", 12, 3, None, (7, 5, 0)),
        ("B", "b3", 18, 4, 4, (8, 6, 4)),
        ("B", "b4", 24, 5, 5, (10, 8, 6)),
    ]
    results = pd.DataFrame(
        {
            "year": 2026,
            "subject": "ru",
            "grade": 4,
            "school_code": [p[0] for p in people],
            "municipality_code": "01",
            "participant_code": [p[1] for p in people],
            "class_label": "4А",
            "variant": 1,
            "primary_score": pd.array([p[2] for p in people], dtype="Int64"),
            "mark": pd.array([p[3] for p in people], dtype="Int64"),
            "journal_mark": pd.array([p[4] for p in people], dtype="Int64"),
        }
    )
    other = results.iloc[:2].assign(subject="ma", school_code="C", participant_code=["c1", "c2"])
    results = pd.concat([results, other], ignore_index=True)
    tasks = pd.DataFrame(
        {
            "year": 2026,
            "subject": "ru",
            "grade": 4,
            "task": ["1", "2", "3"],
            "task_order": [1, 2, 3],
            "max_score": [10, 8, 6],
            "level": ["Б", "Б", "П"],
        }
    )
    scores = pd.DataFrame(
        [
            (2026, "ru", 4, p[0], p[1], str(t + 1), p[5][t])
            for p in people
            for t in range(3)
            if not (p[1] == "a6" and t == 2)  # a task not done: no row, counts 0
        ],
        columns=["year", "subject", "grade", "school_code", "participant_code", "task", "score"],
    )
    orphan = pd.DataFrame(  # a participant with no result row (rejected at ingest): ignored
        [(2026, "ru", 4, "A", "zz", "3", 6)], columns=scores.columns
    )
    scores = pd.concat([scores, orphan], ignore_index=True)
    scores["score"] = scores["score"].astype("Int64")
    signals = pd.DataFrame(
        {
            "municipality_code": "01",
            "municipality_name": "Первый",
            "school_code": ["A", "B", "C"],
            "school_name": ["Школа А", "Школа Б", "Школа В"],
            "year": 2026,
            "subject": ["ru", "ru", "ma"],
            "grade": 4,
            "n": [6, 4, 2],
            "marker": [1, 0, 0],
        }
    )
    return {
        "objectivity_signals": signals,
        "vpr_results": results,
        "vpr_task_scores": scores,
        "vpr_tasks": tasks,
    }


@pytest.fixture(scope="module")
def evidence(canonical: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return objectivity_evidence(**canonical)


def test_evidence_spec_reads_the_signals_table() -> None:
    assert EVIDENCE_TABLE.name == "objectivity_evidence"
    assert EVIDENCE_TABLE.inputs == EVIDENCE_INPUTS
    assert "derived/objectivity_signals" in EVIDENCE_TABLE.inputs


def test_evidence_covers_marked_units_only_with_aggregates(evidence: pd.DataFrame) -> None:
    assert list(evidence.columns) == COLUMNS
    assert set(evidence["school_code"]) == {"A"}  # B and C are not marked
    assert not {"participant_code", "class_label", "variant"} & set(evidence.columns)
    # one row per score value, task, level and journal × ВПР cell: sizes fixed by the work,
    # not by the participants
    sizes = evidence["part"].value_counts().to_dict()
    assert sizes == {"score": 25, "task": 3, "level": 2, "journal": 16}
    assert evidence["n_students"].dropna().sum() == 6 + 6  # scores + journal cells of A


def test_evidence_scores(evidence: pd.DataFrame) -> None:
    scores = evidence[evidence["part"] == "score"].set_index("primary_score")
    assert scores["n_students"].to_dict() == {
        s: {9: 1, 10: 2, 16: 2, 21: 1}.get(s, 0) for s in range(25)
    }
    assert set(scores["n"]) == {6} and set(scores["region_n"]) == {10}
    assert scores.loc[10, "region_share"] == pytest.approx(2 / 10)
    assert scores.loc[24, "region_share"] == pytest.approx(1 / 10)
    scale = vpr_scale(2026, "ru", 4)
    assert scale is not None
    assert tuple(scores.iloc[0][["threshold_3", "threshold_4", "threshold_5"]]) == scale.thresholds
    assert set(scores["max_score"]) == {24}


def test_evidence_task_completion(evidence: pd.DataFrame) -> None:
    levels = evidence[evidence["part"] == "level"].set_index("task_level")
    school_b = (6 + 4 + 5 + 5 + 8 + 4 + 6 + 6 + 9 + 6 + 5 + 4) / (6 * 18)
    region_b = school_b * 6 * 18 + (3 + 2 + 7 + 5 + 8 + 6 + 10 + 8)
    assert levels.loc["Б", "completion"] == pytest.approx(school_b)
    assert levels.loc["Б", "region_completion"] == pytest.approx(region_b / (10 * 18))
    assert levels.loc["П", "completion"] == pytest.approx((4 + 4 + 6) / (6 * 6))  # a6: no row
    assert levels.loc["П", "region_completion"] == pytest.approx((14 + 4 + 6) / (10 * 6))
    task3 = evidence[(evidence["part"] == "task") & (evidence["task"] == "3")].iloc[0]
    assert task3["completion"] == pytest.approx(14 / 36) and task3["max_score"] == 6


def test_evidence_journal_crosstab(evidence: pd.DataFrame) -> None:
    journal = evidence[evidence["part"] == "journal"]
    cells = {
        (int(j), int(m)): int(k)
        for j, m, k in journal[["journal_mark", "mark", "n_students"]].itertuples(index=False)
        if k
    }
    assert cells == {(4, 3): 2, (5, 4): 1, (4, 4): 1, (5, 5): 1, (3, 2): 1}
    assert set(journal["n"]) == {6} and set(journal["region_n"]) == {9}  # b2: no journal mark
    assert journal["region_share"].sum() == pytest.approx(1.0)


def test_journal_table_suppresses_small_rows(evidence: pd.DataFrame) -> None:
    journal = evidence[evidence["part"] == "journal"]
    table = report.journal_table(journal)
    assert table is not None
    # rows: journal «3» (1 participant), «4» (3), «5» (2): all under 5 → no cells shown
    assert list(table["Отметка в журнале"]) == ["«3»", "«4»", "«5»"]
    assert set(table["Участников"]) == {f"<{SMALL}"}
    assert set(table[["ВПР «2»", "ВПР «3»", "ВПР «4»", "ВПР «5»"]].to_numpy().ravel()) == {""}
    assert set(table["ВПР ниже журнала"]) == {"—"}
    # a bigger group: 10 participants with journal «4», 6 of them lower on ВПР
    big = journal.copy()
    big["n_students"] = 0
    big.loc[(big["journal_mark"] == 4) & (big["mark"] == 3), "n_students"] = 6
    big.loc[(big["journal_mark"] == 4) & (big["mark"] == 4), "n_students"] = 4
    big["n"] = 10
    shown = report.journal_table(big)
    assert shown is not None
    row = shown.iloc[0]
    assert row["Участников"] == "10" and row["ВПР «3»"] == "6" and row["ВПР «4»"] == "4"
    assert row["ВПР ниже журнала"] == f"60,0{NB}%"
    summary = report.journal_summary(big)
    assert f"выше отметки ВПР у 60,0{NB}%" in summary
    # a group under the minimum: no table at all
    tiny = journal.assign(n=SMALL - 1)
    assert report.journal_table(tiny) is None
    assert "не показывается" in report.journal_summary(tiny)


def test_no_markers_gives_an_empty_evidence_table(canonical: dict[str, pd.DataFrame]) -> None:
    unmarked = canonical["objectivity_signals"].assign(marker=0)
    out = objectivity_evidence(**{**canonical, "objectivity_signals": unmarked})
    assert out.empty and list(out.columns) == COLUMNS


# --- charts -----------------------------------------------------------------------------


def _texts(fig: plt.Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_charts_build(evidence: pd.DataFrame) -> None:
    unit = pd.Series({"year": 2026, "subject": "ru", "grade": 4, "school_code": "A"})
    views = report.unit_evidence(evidence, unit)
    fig = plots.score_histogram(views.score, title="Школа А")
    assert {"«3»", "«4»", "«5»"} <= set(_texts(fig))
    bars = fig.axes[0].containers[0]
    assert len(bars) == 25 and len([b for b in bars if b.get_height() > 0]) == 4  # 9, 10, 16, 21
    plt.close(fig)
    fig = plots.task_levels(views.level, views.task, title="Школа А")
    assert len(fig.axes) == 2
    plt.close(fig)
    shares = report.municipality_shares(
        _markers(), [2025, 2026], region_code="99", region_name="Регион"
    )
    fig = plots.municipality_shares(shares, highlight="01", title="Доля")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Регион", "Первый", "Второй"]
    assert "—" in _texts(fig)  # «02» in 2025: no judged school
    plt.close(fig)


def test_charts_never_draw_a_small_group(evidence: pd.DataFrame) -> None:
    unit = pd.Series({"year": 2026, "subject": "ru", "grade": 4, "school_code": "A"})
    views = report.unit_evidence(evidence, unit)
    small = views.score.assign(n=SMALL - 1)
    fig = plots.score_histogram(small, title="Школа А")
    assert not fig.axes[0].patches and any("не показываются" in t for t in _texts(fig))
    plt.close(fig)
    fig = plots.task_levels(views.level.assign(n=SMALL - 1), views.task, title="Школа А")
    assert any("не показываются" in t for t in _texts(fig))
    plt.close(fig)


def test_shares_chart_with_no_data() -> None:
    empty = report.municipality_shares(
        _markers().iloc[0:0], [], region_code="99", region_name="Регион"
    )
    fig = plots.municipality_shares(empty, title="Доля")
    plt.close(fig)
