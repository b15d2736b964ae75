"""Competences of teachers and school leaders: configuration, the demo's forms through ingest,
the derived tables by hand, the correlation's interval (a hand case and its coverage by
simulation), the demo's planted relation found (and the null subject's not), the scatter's
points never standing for fewer than 5 teachers, and the pages on the small demo region."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soko import derive
from soko.config import region
from soko.indicators import max_primary_scores
from soko.paths import notebooks_dir
from soko.pipeline.derived import read_input
from soko.pipeline.notebooks import execute_notebook
from soko.procedures.competences import charts, commentary
from soko.procedures.competences.form import PERSON_PATTERN, SCHEMA, TABLE
from soko.procedures.competences.settings import CompetencesFile, competences_settings
from soko.procedures.competences.stats import correlation
from soko.procedures.competences.tables import (
    ASSOCIATION_COLUMNS,
    CAVEAT,
    UNIT_COLUMNS,
    association_table,
    deficits_table,
    points_table,
    programmes_table,
    school_frame,
    units_table,
)
from soko.settings.loading import validate
from tests.conftest import SmallRegion
from tests.notebook_text import notebook_images, notebook_text

CONFIG = Path(__file__).resolve().parents[1] / "config" / "competences.yml"
SETTINGS = competences_settings()


# --- configuration --------------------------------------------------------------------------


def test_shipped_config_is_valid() -> None:
    teacher = SETTINGS.role("teacher")
    head = SETTINGS.role("head")
    assert teacher is not None and head is not None
    assert [d.name for d in teacher.domains] == [
        "Предметные знания",
        "Методика преподавания",
        "Оценочная грамотность",
    ]
    assert head.domains[0].name == "Управление качеством образования"
    assert SETTINGS.min_group == 5
    assert all("{subject}" in d.programme for d in teacher.domains)


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda t: t.replace("code: methods", "code: subject_knowledge"), "области повторяется"),
        (lambda t: t.replace("subjects: [ru, ma]", "subjects: [ru, xx]"), "нет в subjects: xx"),
        (lambda t: t.replace("min_group: 5", "min_group: 3"), "min_group"),
        (lambda t: t.replace("deficit_level: 60", "deficit_level: 160", 1), "deficit_level"),
        (lambda t: t.replace("- code: head", "- code: director"), "head"),
    ],
)  # fmt: skip
def test_bad_config_names_key_in_russian(tmp_path: Path, edit, words: str) -> None:
    path = tmp_path / "competences.yml"
    changed = edit(CONFIG.read_text(encoding="utf-8"))
    assert changed != CONFIG.read_text(encoding="utf-8")
    path.write_text(changed, encoding="utf-8")
    model, problems = validate(path, CompetencesFile)
    assert model is None and problems
    text = "\n".join(p.text() if hasattr(p, "text") else str(p) for p in problems)
    assert words in text, text


# --- the demo's forms through ingest --------------------------------------------------------


@pytest.fixture(scope="module")
def processed(small_region: SmallRegion) -> Path:
    return small_region.processed


def test_demo_forms_ingest_clean(small_region: SmallRegion) -> None:
    files = [f for f in small_region.report.files if f.kind == "competences"]
    assert files and all(not f.problems and f.rows_rejected == 0 for f in files)
    truth = json.loads((small_region.truth / "truth.json").read_text(encoding="utf-8"))
    scores = pd.read_parquet(small_region.processed / f"{TABLE}.parquet")
    persons = scores.drop_duplicates(["year", "person_code"])
    assert len(persons) == truth["competences"]["rows"] == sum(f.rows_read for f in files)
    assert list(scores.columns) == list(SCHEMA)
    # anonymous codes only: no column that could hold a name, every code of the pattern
    assert not [c for c in scores.columns if re.search("name|fio|фио", c, re.IGNORECASE)]
    assert scores["person_code"].str.fullmatch(PERSON_PATTERN).all()
    # one head per existing school and year at most, teachers with a subject
    heads = persons[persons["role"] == "head"]
    assert not heads.duplicated(["year", "school_code"]).any()
    assert persons.loc[persons["role"] == "teacher", "subject"].notna().all()
    assert persons.loc[persons["role"] == "head", "subject"].isna().all()


def test_units_columns_exact_for_the_mechanisms(processed: Path) -> None:
    units = derive.load("competence_units", processed)
    assert tuple(units.columns) == UNIT_COLUMNS
    assert set(units["level"]) == {"region", "municipality"}
    assert set(units["role"]) == {"teacher", "head"}
    assert units.loc[units["role"] == "teacher", "units_total"].isna().all()
    heads = units[units["role"] == "head"]
    assert (heads["units_total"] >= heads["diagnosed"]).all()
    assert (units["trained"] <= units["with_deficit"]).all()
    assert (units["with_deficit"] <= units["diagnosed"]).all()
    # the region row is the sum of its municipalities
    for (year, role), part in units.groupby(["year", "role"]):
        reg = part[part["level"] == "region"].iloc[0]
        munis = part[part["level"] == "municipality"]
        assert reg["diagnosed"] == munis["diagnosed"].sum(), (year, role)


# --- derived tables by hand ------------------------------------------------------------------

PERIODS = pd.DataFrame(
    {
        "school_code": ["edu1", "edu2", "edu3"],
        "school_name": ["Школа 1", "Школа 2", "Школа 3"],
        "municipality_code": ["01", "01", "02"],
        "municipality_name": ["Город", "Город", "Район"],
        "kind": "СОШ",
        "locality": "Город",
    }
)


def _person(code: str, school: str, muni: str, role: str, subject, scores: dict, trained: bool):
    return [
        {
            "year": 2026,
            "municipality_code": muni,
            "school_code": school,
            "person_code": code,
            "role": role,
            "subject": subject,
            "domain": d,
            "score": s,
            "trained": trained,
            "source_file": "f.xlsx",
            "source_row": 7,
        }
        for d, s in scores.items()
    ]


def _hand_scores() -> pd.DataFrame:
    ok = {"subject_knowledge": 80.0, "methods": 70.0, "assessment_literacy": 70.0}
    weak = {"subject_knowledge": 50.0, "methods": 70.0, "assessment_literacy": 70.0}  # < 60
    head_ok = {"quality_management": 70.0, "results_analysis": 70.0, "psychological_climate": 70.0}
    head_weak = {**head_ok, "quality_management": 40.0}  # < 60
    rows = []
    rows += _person("T0001", "edu1", "01", "teacher", "ma", weak, True)
    rows += _person("T0002", "edu1", "01", "teacher", "ma", weak, False)
    rows += _person("T0003", "edu2", "01", "teacher", "ma", ok, False)
    rows += _person("T0004", "edu3", "02", "teacher", "ru", ok, True)  # trained, no deficit
    rows += _person("H0001", "edu1", "01", "head", None, head_weak, True)
    rows += _person("H0002", "edu3", "02", "head", None, head_ok, False)
    return pd.DataFrame(rows).astype(SCHEMA)


def test_units_by_hand() -> None:
    units = units_table(_hand_scores(), PERIODS, SETTINGS).set_index(["level", "unit_code", "role"])
    reg = units.xs("region", level="level")
    teacher = reg.xs("teacher", level="role").iloc[0]
    # 4 teachers, 2 below 60 in subject knowledge, 1 of them trained; T0004's «да» without a
    # deficit does not count as trained for a deficit
    assert (teacher["diagnosed"], teacher["with_deficit"], teacher["trained"]) == (4, 2, 1)
    assert math.isnan(teacher["units_total"])
    head = reg.xs("head", level="role").iloc[0]
    assert (head["diagnosed"], head["with_deficit"], head["trained"], head["units_total"]) == (
        2,
        1,
        1,
        3.0,
    )
    m1 = units.loc[("municipality", "01", "head")]
    assert (m1["diagnosed"], m1["units_total"]) == (1, 2.0)
    m2 = units.loc[("municipality", "02", "teacher")]
    assert (m2["diagnosed"], m2["with_deficit"], m2["trained"]) == (1, 0, 0)


def test_deficits_and_programmes_by_hand() -> None:
    deficits = deficits_table(_hand_scores(), PERIODS, SETTINGS)
    reg = deficits[deficits["level"] == "region"].set_index(["subject", "domain"])
    ma = reg.loc[("ma", "subject_knowledge")]
    assert (ma["n"], ma["n_deficit"]) == (3, 2)
    assert ma["share_deficit"] == pytest.approx(2 / 3)
    assert ma["mean_score"] == pytest.approx(60.0)
    everyone = reg.loc[("all", "subject_knowledge")]
    assert (everyone["n"], everyone["n_deficit"]) == (4, 2)
    head = deficits[(deficits["role"] == "head") & (deficits["level"] == "region")]
    qm = head.set_index("domain").loc["quality_management"]
    assert (qm["n"], qm["n_deficit"], qm["subject_name"]) == (2, 1, "руководители ОО")
    muni = deficits[(deficits["level"] == "municipality") & (deficits["unit_code"] == "02")]
    # the municipality's name that year is the configuration's (config/region.yml)
    assert set(muni["unit_name"]) == {region().municipalities_in(2026)["02"]}
    programmes = programmes_table(deficits, SETTINGS)
    ma_list = programmes[programmes["subject"] == "ma"].sort_values("rank")
    assert ma_list["domain"].iloc[0] == "subject_knowledge"  # 67 % ahead of 0 %, 0 %
    assert list(ma_list["rank"]) == [1, 2, 3]
    assert "«Математика»" in ma_list["programme"].iloc[0]
    # three teachers are fewer than 5: nothing of the list is included for training
    assert not programmes["included"].any()


# --- the correlation's interval ---------------------------------------------------------------


def test_hand_computed_correlation() -> None:
    # dx = (−2, −1, 0, 1, 2), dy = (−1, −2, 1, 0, 2): Σdx·dy = 8, Σdx² = Σdy² = 10 → r = 0.8.
    # Fisher: z = atanh 0.8 = 1.098612, se = 1/√(5 − 3) = 0.707107, 1.959964 · se = 1.385904:
    # tanh(−0.287292) = −0.279640, tanh(2.484516) = 0.986196.
    c = correlation([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    assert c.r == pytest.approx(0.8)
    assert c.ci_low == pytest.approx(-0.279640, abs=1e-5)
    assert c.ci_high == pytest.approx(0.986196, abs=1e-5)
    assert c.n == 5 and not c.excludes_zero
    # ranks of these values are the values: Spearman's r is the same, its interval wider
    s = correlation([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], method="spearman")
    assert s.r == pytest.approx(0.8) and s.ci_low < c.ci_low
    # pairs with a missing value are left out; too few pairs give no estimate
    assert correlation([1, 2, np.nan, 4, 5, 3], [2, 1, 9, 3, 5, 4]).n == 5
    assert math.isnan(correlation([1, 2, 3], [1, 2, 3]).r)


REPLICATIONS = 2000
NOMINAL = 0.95
# binomial SD of the coverage over 2000 replications: √(0.95 · 0.05 / 2000) ≈ 0.0049; we
# accept ±0.015 (≈ 3 SD). Measured (seed below): 0.945–0.956 for every case.
TOLERANCE = 0.015


@pytest.mark.parametrize(
    ("method", "rho", "n"),
    [("pearson", 0.0, 30), ("pearson", 0.5, 30), ("spearman", 0.5, 30), ("pearson", 0.6, 140)],
)
def test_interval_covers_at_the_nominal_rate(method: str, rho: float, n: int) -> None:
    rng = np.random.default_rng(20261203)
    # Spearman's population value for bivariate-normal data: (6/π)·asin(ρ/2)
    target = rho if method == "pearson" else 6 / math.pi * math.asin(rho / 2)
    covered = 0
    for _ in range(REPLICATIONS):
        x = rng.normal(size=n)
        y = rho * x + math.sqrt(1 - rho * rho) * rng.normal(size=n)
        c = correlation(x, y, method=method)
        covered += c.ci_low <= target <= c.ci_high
    assert abs(covered / REPLICATIONS - NOMINAL) <= TOLERANCE


# --- the demo's planted relation ---------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_schools(demo_region) -> pd.DataFrame:
    p = demo_region.processed
    return school_frame(
        pd.read_parquet(p / f"{TABLE}.parquet"),
        pd.read_parquet(p / "vpr_results.parquet"),
        pd.read_parquet(p / "vpr_tasks.parquet"),
        None,
        SETTINGS,
    )


def _reliability(processed: Path, year: int, subject: str) -> float:
    """The reliability of the schools' ВПР means (as ``school_frame`` builds them: grades'
    mean score shares averaged) from the students' scores: 1 − mean error variance /
    variance of the school means. The observed correlation is the true one times its root
    (attenuation by the noise of the ВПР means), so the planted value the interval should
    cover is the realized one times √reliability."""
    a = SETTINGS.association
    res = pd.read_parquet(processed / "vpr_results.parquet")
    res = res[(res["year"] == year) & (res["subject"] == subject) & res["grade"].isin(a.grades)]
    res = res.merge(max_primary_scores(pd.read_parquet(processed / "vpr_tasks.parquet")))
    res = res[res["primary_score"].notna()]
    res = res.assign(share=100 * res["primary_score"].astype(float) / res["max_primary_score"])
    g = res.groupby(["school_code", "grade"])["share"].agg(["mean", "var", "size"])
    g = g[g["size"] >= a.min_grade_participants]
    g["err"] = g["var"] / g["size"]
    s = g.groupby("school_code").agg(mean=("mean", "mean"), err=("err", "sum"), k=("mean", "size"))
    return float(1 - (s["err"] / s["k"] ** 2).mean() / s["mean"].var())


def test_demo_planted_relation_found_and_null_not(demo_region, demo_schools) -> None:
    table = association_table(demo_schools, SETTINGS)
    table = table[(table["measure"] == "vpr_mean") & (table["method"] == "pearson")]
    truth = json.loads((demo_region.truth / "truth.json").read_text(encoding="utf-8"))
    planted = truth["competences"]["association"]
    assert {t["subject"] for t in planted} == {"ma", "ru"}
    for t in planted:
        row = table[(table["year"] == t["year"]) & (table["subject"] == t["subject"])].iloc[0]
        expected = t["realized_correlation"] * math.sqrt(
            _reliability(demo_region.processed, t["year"], t["subject"])
        )
        assert row["n_schools"] >= 100
        assert row["ci_low"] <= expected <= row["ci_high"], (t, row.to_dict(), expected)
        if t["planted_correlation"] > 0:
            assert row["ci_low"] > 0 and row["verdict"].startswith("Связь есть")
        else:
            assert row["ci_low"] <= 0 <= row["ci_high"]
            assert row["verdict"].startswith("Связь не обнаружена")


def test_points_never_stand_for_fewer_than_five_teachers(demo_schools) -> None:
    points = points_table(demo_schools, SETTINGS)
    k = SETTINGS.min_group
    assert (points["n_teachers"] >= k).all()
    schools = points[points["point"] == "school"]
    groups = points[points["point"] == "group"]
    assert len(schools) and len(groups)
    assert (groups["n_schools"] >= k).all() and groups["municipality_code"].isna().all()
    # every school with a result is one point or in one group (fewer than k left over)
    for (year, subject, measure), part in points.groupby(["year", "subject", "measure"]):
        mine = demo_schools[(demo_schools["year"] == year) & (demo_schools["subject"] == subject)]
        total = int((mine[measure].notna() & mine["teacher_mean"].notna()).sum())
        assert 0 <= total - int(part["n_schools"].sum()) < k


def test_association_columns_and_caveat(processed: Path) -> None:
    table = derive.load("competence_association", processed)
    assert tuple(table.columns) == ASSOCIATION_COLUMNS
    text = commentary.association_text(table, int(table["year"].max()), "ma", "vpr_mean")
    assert "не влияние учителя" in text and "002_* п. 3.7" in text
    assert "не влияние учителя" in CAVEAT


# --- prose and charts ---------------------------------------------------------------------------


def test_shown_tables_mask_small_groups() -> None:
    deficits = deficits_table(_hand_scores(), PERIODS, SETTINGS)
    shown = commentary.deficit_rows(deficits, SETTINGS, 2026, "teacher", "01", level="municipality")
    assert shown["suppressed"].all()  # 3 teachers in «01»
    assert shown["share_deficit"].isna().all() and shown["domain_name"].notna().all()


def test_scatter_draws_schools_and_groups() -> None:
    points = pd.DataFrame(
        {
            "year": 2026,
            "subject": "ma",
            "measure": "vpr_mean",
            "point": ["school", "school", "group"],
            "municipality_code": ["01", "02", pd.NA],
            "n_schools": [1, 1, 6],
            "n_teachers": [5, 6, 9],
            "teacher_mean": [60.0, 70.0, 65.0],
            "outcome": [50.0, 60.0, 55.0],
        }
    )
    coef = pd.Series({"r": 0.5, "ci_low": 0.1, "ci_high": 0.8, "n_schools": 8})
    fig = charts.association_scatter(points, coef, xlabel="x", ylabel="y", highlight="01")
    ax = fig.axes[0]
    assert len(ax.collections) == 3  # other schools, the municipality's, groups
    assert "0,50" in ax.get_title() and "интервал" in ax.get_title()


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.notebooks
@pytest.mark.parametrize(
    ("template", "params"),
    [("competences_region.ipynb", {}), ("competences_municipality.ipynb", {"municipality": "01"})],
)
def test_pages_run_with_tables_and_no_person(
    processed: Path, tmp_path: Path, template: str, params: dict
) -> None:
    out = tmp_path / template
    execute_notebook(
        notebooks_dir() / template,
        out,
        {"processed_dir": str(processed), **params},
        cwd=notebooks_dir(),
    )
    html, images = notebook_text(out), notebook_images(out)
    assert html.count("soko-download") >= 4
    assert "Оценочная грамотность" in html and "не влияние учителя" in html
    assert images >= 2  # the heat-map and the scatters
    codes = pd.read_parquet(processed / f"{TABLE}.parquet")["person_code"].unique()
    assert not [c for c in codes if c in html]  # no person code on a page


def test_heads_counted_in_the_builds_boundaries(demo_region) -> None:
    """The demo region's district 04 merged into 03 after 2025: read as the build reads them
    (today's boundaries), its schools' heads count under 03 in 2024–2025, and so do its
    schools in the denominator — no unit above 100 %, none at 0 % for a unit that is gone
    (found in a build: 03 showed 18 heads of 10 schools, 04 none of 9)."""
    p = demo_region.processed
    units = units_table(read_input(TABLE, p), read_input("school_periods", p), SETTINGS)
    heads = units[(units["role"] == "head") & (units["level"] == "municipality")]
    assert (heads["diagnosed"] <= heads["units_total"]).all()
    today = set(region().municipalities)
    assert set(heads["unit_code"]) <= today
    region_rows = units[(units["role"] == "head") & (units["level"] == "region")]
    by_year = heads.groupby("year")["units_total"].sum()
    assert (region_rows.set_index("year")["units_total"] == by_year).all()
