"""ВсОШ (issue 13 §4): configuration, the form, the demo through ingest, the derived tables
by hand, the planted truth, the pages' prose and the pages on the small demo region."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from soko import derive
from soko.forms import read_form
from soko.paths import notebooks_dir
from soko.pipeline.notebooks import execute_notebook
from soko.procedure import FormContext
from soko.procedures.olympiads import charts, commentary
from soko.procedures.olympiads.form import FORM, STUDENTS
from soko.procedures.olympiads.settings import OlympiadsFile, olympiad_settings
from soko.procedures.olympiads.tables import (
    PARTICIPATION_COLUMNS,
    SCHOOL_COLUMNS,
    SUBJECT_COLUMNS,
    UNITS_COLUMNS,
    participation_table,
    schools_table,
    subjects_table,
    units_table,
)
from soko.settings.loading import validate
from tests.conftest import DemoRegion, SmallRegion
from tests.notebook_text import notebook_text

CONFIG = Path(__file__).resolve().parents[1] / "config" / "olympiads.yml"
S = olympiad_settings()


# --- configuration ---------------------------------------------------------------------------


def test_shipped_config() -> None:
    assert [s.code for s in S.stages] == ["school", "municipal", "regional", "final"]
    assert len(S.subjects) == 24
    assert [S.band_label(b) for b in S.grade_bands] == ["4", "5–6", "7–8", "9–11"]
    assert S.band_of(7) == "7–8" and S.band_of(3) is None
    assert S.min_participants == 5 and S.no_awards.window_years == 3


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda t: t.replace("[7, 8]", "[7, 9]"), "подряд"),
        (lambda t: t.replace("- [7, 8]\n    - [9, 11]", "- [7, 11]").replace(
            "- [5, 6]", "- [5, 7]"), "подряд"),
        (lambda t: t.replace("- [5, 6]\n    - [7, 8]", "- [5, 8]"), "с 7 класса"),
        (lambda t: t.replace("code: municipal,", "code: district,"), "код этапа"),
        (lambda t: t.replace("code: ch,", "code: bi,"), "повторяется"),
        (lambda t: t.replace("    - {code: winner, name: победитель}\n", ""), "три статуса"),
        (lambda t: t.replace('pattern: "[0-9A-ZА-Я]{1,6}', 'pattern: "([0-9'), "выражение"),
        (lambda t: t.replace("window_years: 3", "window_years: 0"), "window_years"),
    ],
)  # fmt: skip
def test_bad_config_names_key_in_russian(tmp_path: Path, edit, words: str) -> None:
    path = tmp_path / "olympiads.yml"
    text = edit(CONFIG.read_text(encoding="utf-8"))
    assert text != CONFIG.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    model, problems = validate(path, OlympiadsFile)
    assert model is None and problems
    joined = "\n".join(p.text() if hasattr(p, "text") else str(p) for p in problems)
    assert words in joined, joined


# --- the form -----------------------------------------------------------------------------------


def _registry() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "school_code": ["edu990102", "edu990101", "edu990201"],
            "school_name": ["Школа 2", "Школа 1", "Школа другого"],
            "municipality_code": ["01", "01", "02"],
            "municipality_name": ["Первый", "Первый", "Второй"],
            "kind": ["СОШ"] * 3,
            "locality": ["Город"] * 3,
        }
    )


def test_form_prefills_the_municipality_schools(tmp_path: Path) -> None:
    ctx = FormContext(2026, "01", "Первый", schools=_registry())
    spec = FORM.spec(ctx)
    students = spec.sheet(STUDENTS)
    assert [r.cells["school_code"] for r in students.rows] == ["edu990101", "edu990102"]
    assert students.column("school_code").locked
    school = spec.sheet("participants").column("school_code")
    assert school.kind == "choice" and school.choices == ("edu990101", "edu990102")
    # no name column anywhere: participants are codes
    headers = [c.header for sh in spec.sheets for c in sh.columns]
    assert not any(w in h for h in headers for w in ("ФИО", "Фамилия", "Имя"))
    path = tmp_path / FORM.file_name(ctx)
    from soko.forms import write_form

    write_form(spec, path, ctx.identity())
    read = read_form(path, spec)
    # the blank template's students rows are required: named, not silently empty
    assert {p.rule for p in read.problems} == {"cell_required"}
    assert all(p.column and p.column.startswith(("Обучающихся", "Всего")) for p in read.problems)


# --- tables by hand -------------------------------------------------------------------------------


def _results(rows: list[tuple]) -> pd.DataFrame:
    cols = ["year", "municipality_code", "school_code", "participant_code", "stage", "subject",
            "grade", "status"]  # fmt: skip
    out = pd.DataFrame(rows, columns=cols)
    out["grade_for"] = out["grade"]
    out["score"] = np.nan
    return out


def _students(year: int, school: str, muni: str, bands: tuple[int, int, int, int], total: int):
    labels = ["4", "5–6", "7–8", "9–11", "все"]
    return pd.DataFrame(
        {
            "year": year,
            "municipality_code": muni,
            "school_code": school,
            "band": labels,
            "students": [*bands, total],
        }
    )


SCHOOLS = pd.DataFrame(
    {
        "school_code": ["a", "b", "c"],
        "school_name": ["Школа А", "Школа Б", "Школа В"],
        "municipality_code": ["01", "01", "02"],
        "municipality_name": ["Первый", "Первый", "Второй"],
    }
)
RESULTS = _results(
    [
        # pupil p1 (a, grade 8): school stage in two subjects, municipal in one (prize-winner)
        (2026, "01", "a", "p1", "school", "ma", 8, "winner"),
        (2026, "01", "a", "p1", "school", "ph", 8, "participant"),
        (2026, "01", "a", "p1", "municipal", "ma", 8, "prize_winner"),
        # p2 (a, grade 10): municipal and regional (winner) in physics, regional chemistry
        (2026, "01", "a", "p2", "municipal", "ph", 10, "winner"),
        (2026, "01", "a", "p2", "regional", "ph", 10, "winner"),
        (2026, "01", "a", "p2", "regional", "ch", 10, "participant"),
        # p3 (b, grade 6): municipal stage while in grade 6 — counted in grades 5–6, not 7–11
        (2026, "01", "b", "p3", "municipal", "ma", 6, "participant"),
        # p4 (c, grade 11): regional prize-winner in two subjects (one person)
        (2026, "02", "c", "p4", "regional", "ma", 11, "prize_winner"),
        (2026, "02", "c", "p4", "regional", "ch", 11, "prize_winner"),
        (2026, "02", "c", "p4", "final", "ma", 11, "participant"),
    ]
)
STUDENTS_T = pd.concat(
    [
        _students(2026, "a", "01", (10, 20, 30, 40), 150),
        _students(2026, "b", "01", (5, 10, 10, 15), 60),
        _students(2026, "c", "02", (8, 16, 20, 20), 100),
    ],
    ignore_index=True,
)


def test_units_by_hand() -> None:
    units = units_table(RESULTS, STUDENTS_T, S, "99")
    assert list(units.columns) == list(UNITS_COLUMNS)
    m01 = units[(units["level"] == "municipality") & (units["unit_code"] == "01")].iloc[0]
    assert m01["students_7_11"] == 30 + 40 + 10 + 15
    assert m01["participants_municipal_7_11"] == 2  # p1, p2 (p3 is in grade 6)
    assert m01["winners_regional"] == 1  # p2
    assert m01["students_total"] == 210
    reg = units[units["level"] == "region"].iloc[0]
    assert (reg["unit_code"], reg["students_7_11"], reg["winners_regional"]) == ("99", 135, 2)
    assert reg["participants_municipal_7_11"] == 2 and reg["students_total"] == 310


def test_participation_by_hand() -> None:
    part = participation_table(RESULTS, STUDENTS_T, SCHOOLS, S, "99", "Область")
    assert list(part.columns) == list(PARTICIPATION_COLUMNS)

    def row(level: str, unit: str, stage: str, band: str) -> pd.Series:
        sel = part[
            (part["level"] == level)
            & (part["unit_code"] == unit)
            & (part["stage"] == stage)
            & (part["band"] == band)
        ]
        assert len(sel) == 1
        return sel.iloc[0]

    school_a = row("school", "a", "school", "7–8")
    assert (school_a["n"], school_a["participants"], school_a["participations"]) == (30, 1, 2)
    assert school_a["participants_per_100"] == pytest.approx(100 / 30)
    assert school_a["winners"] == 1 and school_a["prize_winners"] == 0
    mun = row("municipality", "01", "municipal", "4–11")
    assert (mun["n"], mun["participants"], mun["participations"]) == (140, 3, 3)
    assert (mun["winners"], mun["prize_winners"], mun["awarded_persons"]) == (1, 1, 2)
    regional = row("region", "99", "regional", "9–11")
    assert (regional["participants"], regional["participations"]) == (2, 4)
    assert regional["awarded_persons"] == 2 and regional["participants_per_100"] == pytest.approx(
        2 / 75 * 100
    )
    assert row("municipality", "01", "municipal", "5–6")["participants"] == 1
    assert part.loc[part["level"] == "school", "unit_name"].notna().all()


def test_schools_window_by_hand() -> None:
    earlier = _results([(2025, "01", "b", "q1", "municipal", "ma", 9, "prize_winner")])
    results = pd.concat([earlier, RESULTS], ignore_index=True)
    students = pd.concat(
        [_students(2025, "b", "01", (5, 10, 10, 15), 60), STUDENTS_T], ignore_index=True
    )
    table = schools_table(results, students, SCHOOLS, S)
    assert list(table.columns) == list(SCHOOL_COLUMNS)
    now = table[table["year"] == 2026].set_index("school_code")
    assert not now.loc["a", "no_awards"]
    # b: no award in 2026, a prize-winner in 2025 — inside the window
    assert not now.loc["b", "no_awards"] and now.loc["b", "years_with_data"] == 2
    assert (now.loc["b", "window_from"], now.loc["b", "window_to"]) == (2025, 2026)
    assert now.loc["c", "awarded_from_stage"] == 2 and now.loc["c", "awarded_regional"] == 2
    only_2025 = table[table["year"] == 2025].set_index("school_code")
    assert list(only_2025.index) == ["b"] and not only_2025.loc["b", "no_awards"]
    # without the 2025 prize the school has none over the window
    alone = schools_table(RESULTS, STUDENTS_T, SCHOOLS, S).set_index("school_code")
    assert alone.loc["b", "no_awards"] and alone.loc["b", "participants_from_stage"] == 1


def test_subjects_by_hand_and_weak_rule() -> None:
    table = subjects_table(RESULTS, SCHOOLS, S, "99", "Область")
    assert list(table.columns) == list(SUBJECT_COLUMNS)
    reg = table[table["level"] == "region"].set_index("subject")
    # regional stage: ph 1/1, ch 1/2, ma 1/1 → pooled 3/4
    assert reg.loc["ch", "n"] == 2 and reg.loc["ch", "awarded"] == 1
    assert reg["unit_share"].eq(0.75).all()
    assert reg.loc["ch", "gap"] == pytest.approx(-0.25)
    assert not reg["weak"].any()  # two participants cannot show a subject weak
    # many participants: a subject far below the pooled share is weak, one near it is not
    rows = []
    for i in range(200):
        rows.append(
            (2026, "01", "a", f"x{i}", "regional", "ma", 10, "winner" if i % 2 else "participant")
        )
        rows.append(
            (
                2026,
                "01",
                "a",
                f"x{i}",
                "regional",
                "ph",
                10,
                "winner" if i % 10 == 0 else "participant",
            )
        )
        rows.append(
            (2026, "01", "a", f"x{i}", "regional", "bi", 10, "winner" if i % 3 else "participant")
        )
    big = subjects_table(_results(rows), SCHOOLS, S, "99", "Область")
    reg = big[big["level"] == "region"].set_index("subject")
    assert reg.loc["ph", "weak"] and not reg.loc["ma", "weak"] and not reg.loc["bi", "weak"]
    assert reg.loc["ph", "ci_low"] < 0.1 < reg.loc["ph", "ci_high"]


def test_empty_inputs_give_empty_tables() -> None:
    none = RESULTS.iloc[0:0]
    assert units_table(none, STUDENTS_T.iloc[0:0], S, "99").empty
    assert subjects_table(none, SCHOOLS, S, "99", "О").empty


# --- prose and charts --------------------------------------------------------------------------


def test_prose_follows_the_tables() -> None:
    part = participation_table(RESULTS, STUDENTS_T, SCHOOLS, S, "99", "Область")
    text = commentary.summary(part, 2026, "municipality", "01", "в муниципалитете", S)
    assert "обучающихся 4–11 классов 140" in text
    assert "этап «Муниципальный» — 3 участника" in text and "победителей 1, призёров 1" in text
    assert "Данных ВсОШ" in commentary.summary(part, 2020, "region", "99", "в регионе", S)
    table = schools_table(RESULTS, STUDENTS_T, SCHOOLS, S)
    text = commentary.no_awards_summary(table, 2026, S)
    assert "1 школа из 3" in text and "окно — 3 года" in text
    subj = commentary.subject_rows(
        subjects_table(RESULTS, SCHOOLS, S, "99", "Область"), 2026, "region", "99", 5
    )
    assert set(subj["verdict"]) == {commentary.FEW}
    units = commentary.unit_rows(part, 2026, "municipality", S)
    assert list(units["unit_code"]) == ["01", "02"]
    assert units.set_index("unit_code").loc["02", "awarded_regional"] == 2


def test_charts_draw() -> None:
    part = participation_table(RESULTS, STUDENTS_T, SCHOOLS, S, "99", "Область")
    fig = charts.dynamics_chart(commentary.dynamics_rows(part, "region", "99", S))
    assert len(fig.axes[0].lines) == 4  # a line per stage with participants
    subj = commentary.subject_rows(
        subjects_table(RESULTS, SCHOOLS, S, "99", "Область"), 2026, "region", "99", 1
    )
    fig = charts.subjects_chart(subj, 1)
    assert len(fig.axes[0].get_yticklabels()) == 3


# --- the demo ------------------------------------------------------------------------------------


def test_demo_forms_ingest_clean(small_region: SmallRegion) -> None:
    files = [f for f in small_region.report.files if f.kind == "olympiads"]
    assert files and all(f.ok for f in files), [p.text() for f in files for p in f.problems]
    results = pd.read_parquet(small_region.processed / "olympiad_results.parquet")
    assert set(results["stage"]) >= {"school", "municipal", "regional"}
    # codes only: no column that could hold a name
    assert not {"surname", "first_name", "name"} & set(results.columns)
    # the form's total enrolment is the context file's
    context = pd.read_parquet(small_region.processed / "school_context.parquet")
    students = pd.read_parquet(small_region.processed / "olympiad_students.parquet")
    total = students[students["band"] == "все"].merge(context, on=["school_code", "year"])
    assert len(total) and (total["students"] == total["n_students"]).all()


def test_units_table_for_the_mechanisms(small_region: SmallRegion) -> None:
    units = derive.load("olympiad_units", small_region.processed)
    assert list(units.columns) == list(UNITS_COLUMNS)
    assert set(units["level"]) == {"municipality", "region"}
    reg = units[units["level"] == "region"].set_index("year")
    mun = units[units["level"] == "municipality"].groupby("year")
    for col in ("students_7_11", "participants_municipal_7_11", "winners_regional"):
        assert (mun[col].sum() == reg[col]).all()
    assert (units["participants_municipal_7_11"] <= units["students_7_11"]).all()


def test_demo_truth_on_the_demo_region(demo_region: DemoRegion) -> None:
    truth = json.loads((demo_region.truth / "truth.json").read_text(encoding="utf-8"))["olympiads"]
    results = pd.read_parquet(demo_region.processed / "olympiad_results.parquet")
    students = pd.read_parquet(demo_region.processed / "olympiad_students.parquet")
    schools = pd.read_parquet(demo_region.processed / "schools.parquet")
    subjects = subjects_table(results, schools, S, "99", "Область")
    reg = subjects[(subjects["level"] == "region")]
    pooled = reg.groupby("subject")[["n", "awarded"]].sum()
    rate = (pooled["awarded"] / pooled["n"])[pooled["n"] >= 30]
    assert rate.idxmin() == truth["weak_subject"], rate.sort_values().head()
    assert reg.loc[reg["subject"] == truth["weak_subject"], "weak"].any()
    table = schools_table(results, students, schools, S)
    last = table[table["year"] == table["year"].max()].set_index("school_code")
    planted = truth["schools_without_awards_planted"]
    assert last.loc[planted, "no_awards"].all()
    assert (last.loc[planted, "participants_from_stage"] == 0).all()
    # stronger schools: more participants per student and more awards
    part = participation_table(results, students, schools, S, "99", "Область")
    school = part[(part["level"] == "school") & (part["band"] == "4–11")]
    muni = school[school["stage"] == "municipal"].set_index("unit_code")
    strong = muni.loc[truth["strong_schools"], "participants_per_100"].mean()
    assert strong > 2 * muni["participants_per_100"].median()


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.notebooks
@pytest.mark.parametrize(
    ("template", "params"),
    [("olympiads_region.ipynb", {}), ("olympiads_municipality.ipynb", {"municipality": "01"})],
)
def test_pages_run(small_region: SmallRegion, tmp_path: Path, template: str, params: dict) -> None:
    out = tmp_path / template
    execute_notebook(
        notebooks_dir() / template,
        out,
        {"processed_dir": str(small_region.processed), **params},
        cwd=notebooks_dir(),
    )
    html = notebook_text(out)
    images = sum(
        "image/png" in o.get("data", {})
        for cell in nbformat.read(out, as_version=4).cells
        for o in cell.get("outputs", [])
    )
    assert html.count("soko-download") >= 4
    assert "Участников на 100 обучающихся" in html and "Победителей и призёров" in html
    assert images >= 1
    # no participant code reaches a page
    codes = pd.read_parquet(small_region.processed / "olympiad_results.parquet")["participant_code"]
    assert not any(code in html for code in codes.unique())
