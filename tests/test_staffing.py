"""Teacher staffing, quarterly (issue 13 §1): configuration, the quarter in forms, the
indicators by hand on tiny tables, the before/after estimate on a simulation, the demo's
planted truth through ingest and derive, and the pages."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from soko import derive
from soko.cli import main
from soko.config import region
from soko.forms import read_form
from soko.paths import notebooks_dir
from soko.pipeline.forms import blank_forms
from soko.pipeline.notebooks import execute_notebook
from soko.procedure import FormContext
from soko.procedures.measures.settings import MeasuresFile
from soko.procedures.staffing import (
    LEAVERS,
    POSITIONS,
    TEACHERS,
    _units,
    commentary,
    empty,
    indicators,
)
from soko.procedures.staffing.form import FORM, SCHEMAS
from soko.procedures.staffing.indicators import (
    CRITICAL_COLUMNS,
    EFFECT_COLUMNS,
    PROJECTION_COLUMNS,
    SUBJECT_COLUMNS,
    UNIT_COLUMNS,
)
from soko.procedures.staffing.settings import StaffingFile, staffing_settings
from soko.settings.loading import validate
from tests.conftest import SmallRegion
from tests.notebook_text import notebook_images, notebook_text

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "staffing.yml"
SETTINGS = staffing_settings()


# --- configuration --------------------------------------------------------------------------


def test_shipped_config_is_valid() -> None:
    assert {"ru", "ma", "hi", "bi", "ph", "ch", "en", "inf", "primary"} <= set(SETTINGS.subjects)
    assert list(SETTINGS.levels.values()) == ["НОО", "ООО", "СОО"]
    assert SETTINGS.retirement_bands


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda t: t.replace("li: Литература", "li: Русский язык"), "повторяется"),
        (lambda t: t.replace(", retirement_age: true", ""), "пенсионного возраста"),
        (lambda t: t.replace("horizons: [1, 3, 5]", "horizons: [5, 1]"), "horizons"),
        (lambda t: t.replace("vacancy_rate: 25", "vacancy_rate: 250"), "staffing → critical"),
    ],
)  # fmt: skip
def test_bad_config_names_key_in_russian(tmp_path: Path, edit, words: str) -> None:
    path = tmp_path / "staffing.yml"
    path.write_text(edit(CONFIG.read_text(encoding="utf-8")), encoding="utf-8")
    model, problems = validate(path, StaffingFile)
    assert model is None and problems
    text = "\n".join(p.text() if hasattr(p, "text") else str(p) for p in problems)
    assert words in text, text


def test_measures_kind_may_be_measured_by_staffing(tmp_path: Path) -> None:
    text = (ROOT / "config" / "measures.yml").read_text(encoding="utf-8")
    model, problems = validate(ROOT / "config" / "measures.yml", MeasuresFile)
    assert model is not None and not problems
    kind = model.measures.kind("staffing_support")
    assert kind.outcome.measured_by == "staffing" and not kind.outcome.by_register
    bad = tmp_path / "measures.yml"
    bad.write_text(
        text.replace("{measured_by: staffing}", "{measured_by: staffing, indicator: objectivity}"),
        encoding="utf-8",
    )
    model, problems = validate(bad, MeasuresFile)
    assert model is None and "только одно" in "\n".join(p.text() for p in problems)


# --- the quarter in forms --------------------------------------------------------------------


def test_form_context_writes_the_quarter_on_every_sheet(tmp_path: Path) -> None:
    ctx = FormContext(2027, "01", "Город", quarter=3)
    assert ctx.identity()["quarter"] == 3
    assert FORM.file_name(ctx) == "kadry_2027_q3_01.xlsx"
    assert FORM.raw_place(ctx) == "data/raw/staffing/2027/q3/"
    path = FORM.file_name(ctx)
    from soko.forms import write_form

    out = write_form(FORM.spec(ctx), tmp_path / path, ctx.identity())
    book = openpyxl.load_workbook(out)
    for name in ("Ставки", "Педагоги", "Выбывшие"):
        ws = book[name]
        labels = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 6)}
        assert labels["Квартал"] == "3" and labels["Год"] == "2027"
    # read back: the quarter is part of the identity a reader checks
    read = read_form(out, FORM.spec(ctx), out.name, {"quarter": "2"})
    assert read.whole_file and "Квартал" in read.problems[0].message


def test_blank_forms_write_quarterly_forms_only_with_a_quarter(tmp_path: Path) -> None:
    # one municipality: writing every configured unit's blanks (66) cost 29 s of make test
    one = next(iter(region().municipalities_in(2027)))
    without = blank_forms(2027, tmp_path / "a", one)
    assert not any(w.template.quarterly for w in without)
    with_q = blank_forms(2027, tmp_path / "b", one, quarter=2)
    mine = [w for w in with_q if w.template.code == FORM.code]
    assert [w.municipality_code for w in mine] == [one]
    assert all("_q2_" in w.path.name and w.raw_place == "data/raw/staffing/2027/q2/" for w in mine)
    # the other forms are the same with or without a quarter
    others = sorted(w.path.name for w in with_q if not w.template.quarterly)
    assert others == sorted(w.path.name for w in without)


def test_soko_forms_says_the_quarter_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = ["--municipality", next(iter(region().municipalities_in(2027)))]
    assert main(["forms", "--year", "2027", "--out", str(tmp_path / "a"), *one]) == 0
    out = capsys.readouterr().out
    assert "ежеквартально" in out and "--quarter" in out
    args = ["forms", "--year", "2027", "--out", str(tmp_path / "b"), "--quarter", "4", *one]
    assert main(args) == 0
    assert "data/raw/staffing/2027/q4/" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["forms", "--year", "2027", "--quarter", "5"])
    assert "квартал — число от 1 до 4" in capsys.readouterr().err


# --- indicators by hand ----------------------------------------------------------------------


def _positions(rows: list[tuple]) -> pd.DataFrame:
    cols = ["year", "quarter", "municipality_code", "school_code", "subject", "level"]
    cols += ["positions", "filled", "vacant", "hours_uncovered", "overloaded"]
    return pd.DataFrame(rows, columns=cols)


def _teachers(rows: list[tuple]) -> pd.DataFrame:
    cols = ["year", "quarter", "municipality_code", "school_code", "person_code", "subject"]
    cols += ["age_band", "category", "young", "mentored", "retiring"]
    return pd.DataFrame(rows, columns=cols)


POS = _positions(
    [
        (2026, 1, "01", "s1", "ma", "ooo", 4.0, 3.0, 1.0, 6.0, 1),
        (2026, 1, "01", "s1", "ru", "ooo", 6.0, 6.0, 0.0, 0.0, 0),
        (2026, 1, "01", "s2", "ma", "ooo", 2.0, 1.0, 1.0, 18.0, 0),
        (2026, 1, "02", "s3", "ph", "soo", 1.0, 1.0, 0.0, 0.0, 0),
        (2026, 2, "01", "s2", "ma", "ooo", 2.0, 1.5, 0.5, 18.0, 0),
    ]
)
TEA = _teachers(
    [
        (2026, 1, "01", "s1", "A1", "ma", "a60_64", "first", False, False, True),
        (2026, 1, "01", "s1", "A2", "ma", "lt30", "none", True, True, False),
        (2026, 1, "01", "s1", "A3", "ru", "a65", "highest", False, False, False),
        (2026, 1, "01", "s2", "A4", "ma", "a50_59", "first", False, False, False),
        (2026, 1, "02", "s3", "A5", "ph", "lt30", "none", True, False, False),
    ]
)
LEA = pd.DataFrame(
    [(2026, 1, "01", "s1", "Z1", "ma", "retirement")],
    columns=[
        "year",
        "quarter",
        "municipality_code",
        "school_code",
        "person_code",
        "subject",
        "reason",
    ],
)
SCHOOLS = pd.DataFrame(
    {
        "school_code": ["s1", "s2", "s3"],
        "school_name": ["Школа 1", "Школа 2", "Школа 3"],
        "municipality_code": ["01", "01", "02"],
        "municipality_name": ["Город", "Город", "Район"],
    }
)


def test_units_by_hand() -> None:
    units = indicators.units_table(POS, TEA, LEA, SCHOOLS, SETTINGS, "99", "Область")
    assert list(units.columns) == list(UNIT_COLUMNS)
    q1 = units[units["quarter"] == 1].set_index("unit_code")
    # s1: 10 positions, 1 vacant; 3 teachers, 2 of retirement age (60–64, 65+), 1 young mentored
    assert q1.loc["s1", "vacancy_rate"] == pytest.approx(10.0)
    assert q1.loc["s1", "retirement_age_share"] == pytest.approx(200 / 3)
    assert (q1.loc["s1", "young_specialists"], q1.loc["s1", "young_mentored"]) == (1, 1)
    assert q1.loc["s1", "leavers"] == 1
    # municipality 01: 12 positions, 2 vacant, 24 hours; 4 teachers, 2 of retirement age
    assert q1.loc["01", "vacancy_rate"] == pytest.approx(100 * 2 / 12)
    assert q1.loc["01", "hours_uncovered"] == 24.0
    assert q1.loc["01", "retirement_age_share"] == pytest.approx(50.0)
    # the region: 13 positions, 2 vacant; 5 teachers, 2 young of whom 1 mentored
    assert q1.loc["99", "vacancy_rate"] == pytest.approx(100 * 2 / 13)
    assert (q1.loc["99", "teachers"], q1.loc["99", "young_mentored"]) == (5, 1)
    assert pd.isna(q1.loc["99", "municipality_code"]) and q1.loc["99", "level"] == "region"
    # quarter 2: only s2 reported; no teachers → the share is undefined, not 0
    q2 = units[(units["quarter"] == 2) & (units["level"] == "school")]
    assert len(q2) == 1 and q2["vacancy_rate"].iloc[0] == pytest.approx(25.0)
    assert pd.isna(q2["retirement_age_share"].iloc[0])


def test_subjects_by_hand() -> None:
    sub = indicators.subjects_table(POS, SETTINGS, "99")
    assert list(sub.columns) == list(SUBJECT_COLUMNS)
    ma = sub[
        (sub["level"] == "municipality")
        & (sub["quarter"] == 1)
        & (sub["subject"] == "ma")
        & (sub["edu_level"] == "all")
    ]
    assert ma["positions"].iloc[0] == 6.0 and ma["vacancy_rate"].iloc[0] == pytest.approx(100 / 3)
    assert ma["subject_name"].iloc[0] == "Математика"


def test_projection_formula_by_hand() -> None:
    rates = {b.code: b.retirement_rate for b in SETTINGS.age_bands}
    proj = indicators.projection_table(POS, TEA, SETTINGS, "99")
    assert list(proj.columns) == list(PROJECTION_COLUMNS)
    s1 = proj[(proj["unit_code"] == "s1") & (proj["subject"] == "all") & (proj["quarter"] == 1)]
    for k in (1, 3, 5):
        # one teacher 60–64, one under 30, one 65+; 1 vacant position
        expected = (
            1
            - (1 - rates["a60_64"]) ** k
            + 1
            - (1 - rates["lt30"]) ** k
            + 1
            - (1 - rates["a65"]) ** k
        )
        row = s1[s1["horizon"] == k].iloc[0]
        assert row["expected_departures"] == pytest.approx(expected)
        assert row["need"] == pytest.approx(1.0 + expected)
    assert indicators.expected_departures({"x": 10}, {"x": 0.1}, 2) == pytest.approx(1.9)


def test_critical_by_hand() -> None:
    crit = indicators.critical_table(POS, SCHOOLS, SETTINGS)
    assert list(crit.columns) == list(CRITICAL_COLUMNS)
    # s1 ma: 25 % vacant → critical by rate; s2 ma: 50 % and 18 hours in Q1, 25 % and 18 in Q2
    got = {(r.school_code, r.quarter): r.quarters_running for r in crit.itertuples()}
    assert got == {("s1", 1): 1, ("s2", 1): 1, ("s2", 2): 2}
    both = crit[(crit["school_code"] == "s2") & (crit["quarter"] == 1)]["rule"].iloc[0]
    assert "и" in both and "%" in both and "ч в неделю" in both


def test_difference_in_changes_by_hand() -> None:
    t = np.array([-4.0, -6.0, -5.0])
    c = np.array([1.0, -1.0, 0.0, 0.0])
    effect, se, low, high = indicators.difference_in_changes(t, c, 0.95)
    assert effect == pytest.approx(-5.0)
    assert se == pytest.approx(math.sqrt(1.0 / 3 + (2 / 3) / 4))
    assert low < effect < high


def test_difference_in_changes_covers_the_truth_in_a_simulation() -> None:
    """An independent simulation: schools' yearly rates with lasting levels, noise and a known
    effect; the 95 % interval covers it in about 95 % of draws."""
    rng = np.random.default_rng(20261203)
    truth, hits, n = -3.0, 0, 400
    for _ in range(n):
        level = rng.uniform(2, 14, 60)
        before = level + rng.normal(0, 2, 60)
        after = level + rng.normal(0, 2, 60) + 0.5  # a region-wide drift cancels out
        after[:12] += truth
        change = after - before
        _, _, low, high = indicators.difference_in_changes(change[:12], change[12:], 0.95)
        hits += low <= truth <= high
    assert 0.91 <= hits / n <= 0.985


def test_measure_effects_by_hand() -> None:
    rows = []
    # five treated schools drop by 4 points from 2025 to 2026, four controls do not move
    for i, drop in enumerate([4, 4, 4, 4, 4, 0, 0, 0, 0]):
        code = f"s{i}"
        rows.append((2025, 1, "01", code, "ma", "ooo", 100.0, 90.0, 10.0, 0.0, 0))
        rows.append((2026, 1, "01", code, "ma", "ooo", 100.0, 90 + drop, 10.0 - drop, 0.0, 0))
    positions = _positions(rows)
    positions.loc[positions["school_code"] == "s5", "vacant"] += [0.0, 1.0]  # control noise
    measures = pd.DataFrame(
        {
            "kind": ["staffing_support"] * 5 + ["shnor_support"],
            "measured_by": ["staffing"] * 5 + [None],
            "school_code": [f"s{i}" for i in range(5)] + ["s6"],
            "start_year": [2026] * 6,
        }
    )
    schools = pd.DataFrame(
        {"school_code": [f"s{i}" for i in range(9)], "school_name": "Ш",
         "municipality_code": "01", "municipality_name": "Город"}
    )  # fmt: skip
    eff = indicators.measure_effects(positions, measures, schools, SETTINGS, "99", "Область")
    assert list(eff.columns) == list(EFFECT_COLUMNS)
    reg = eff[eff["level"] == "region"].iloc[0]
    # controls' changes 0, +1, 0, 0 (s6 has a measure of another kind: still a control)
    assert (reg["n_treated"], reg["n_control"]) == (5, 4)
    assert reg["effect"] == pytest.approx(-4.0 - 0.25)
    assert reg["ci_low"] < reg["effect"] < reg["ci_high"] < 0
    assert reg["verdict"].startswith("Эффект есть")


# --- the demo region -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def truth(small_region: SmallRegion) -> dict:
    return json.loads((small_region.truth / "truth.json").read_text(encoding="utf-8"))["staffing"]


def test_demo_forms_ingest_clean(small_region: SmallRegion, truth: dict) -> None:
    files = [f for f in small_region.report.files if f.kind == "staffing"]
    assert len(files) == truth["quarters"] * 3  # three municipalities in the small region
    assert all(not f.problems and f.rows_rejected == 0 for f in files)
    positions = pd.read_parquet(small_region.processed / "staffing_positions.parquet")
    assert len(positions) == truth["positions_rows"]
    assert sorted(positions[["year", "quarter"]].drop_duplicates().itertuples(index=False)) == [
        (y, q) for y in truth["years"] for q in (1, 2, 3, 4)
    ]
    # no column that could carry a name reaches data/processed
    for table, schema in SCHEMAS.items():
        frame = pd.read_parquet(small_region.processed / f"{table}.parquet")
        assert list(frame.columns) == list(schema)
        assert not any(w in c for c in frame.columns for w in ("name", "fio", "surname"))


def test_demo_staffing_measures_reach_the_register(small_region: SmallRegion, truth: dict) -> None:
    files = [f for f in small_region.report.files if "kadrovye_mery_" in f.file]
    assert files and all(not f.problems for f in files)
    measures = pd.read_parquet(small_region.processed / "measures.parquet")
    mine = measures[measures["kind"] == "staffing_support"]
    assert sorted(mine["school_code"]) == truth["treated"]


def test_demo_critical_shortages_are_the_planted_ones(
    small_region: SmallRegion, truth: dict
) -> None:
    crit = derive.load("staffing_critical", small_region.processed)
    planted = pd.read_parquet(small_region.truth / "staffing_critical.parquet")
    want = set(planted.itertuples(index=False, name=None))
    for (_, _), group in crit.groupby(["year", "quarter"]):
        assert set(group[["school_code", "subject", "edu_level"]].itertuples(False, None)) == want
    last = crit[crit["year"] == truth["years"][-1]]
    assert last["quarters_running"].max() == truth["quarters"]


def test_demo_measure_effect_recovers_the_planted_one(
    small_region: SmallRegion, truth: dict
) -> None:
    eff = derive.load("staffing_measure_effects", small_region.processed)
    reg = eff[eff["level"] == "region"].iloc[0]
    assert reg["n_treated"] == len(truth["treated"])
    realised = truth["realised_effect_pp"]
    assert realised < 0 and reg["ci_low"] <= realised <= reg["ci_high"]
    assert abs(reg["effect"] - realised) < 1.5


def test_demo_projection_is_the_hand_computation(small_region: SmallRegion, truth: dict) -> None:
    proj = derive.load("staffing_projection", small_region.processed)
    units = derive.load("staffing_units", small_region.processed)
    year = truth["years"][-1]
    last = proj[
        (proj["level"] == "region") & (proj["year"] == year) & (proj["quarter"] == 4)
        & (proj["subject"] == "all")
    ].set_index("horizon")  # fmt: skip
    bands = truth["region_age_bands_last_quarter"]
    rates = {b.code: b.retirement_rate for b in SETTINGS.age_bands}
    vacant = units[(units["level"] == "region") & (units["year"] == year) & (units["quarter"] == 4)]
    for k in (1, 3, 5):
        by_hand = sum(n * (1 - (1 - rates[b]) ** k) for b, n in bands.items())
        assert last.loc[k, "expected_departures"] == pytest.approx(by_hand)
        assert last.loc[k, "need"] == pytest.approx(by_hand + vacant["vacant"].iloc[0])


# --- pages -----------------------------------------------------------------------------------


def test_summary_masks_a_unit_with_few_teachers() -> None:
    units = indicators.units_table(POS, TEA, LEA, SCHOOLS, SETTINGS, "99", "Область")
    row = commentary.unit_row(units, "s3", 2026, 1)
    assert "меньше 5" in commentary.summary(row, SETTINGS, "школы")
    masked = commentary.masked(units, SETTINGS)
    shown = masked["retirement_age_share"].notna()
    # only the region's first quarter has 5 teachers; every other unit has fewer
    assert masked.loc[shown, ["level", "quarter"]].values.tolist() == [["region", 1]]
    assert masked.loc[shown, "retirement_age_share"].iloc[0] == pytest.approx(40.0)


@pytest.mark.parametrize(
    ("template", "params"),
    [("staffing_region.ipynb", {}), ("staffing_municipality.ipynb", {"municipality": "02"})],
)
def test_pages_run_and_name_no_teacher(
    small_region: SmallRegion, tmp_path: Path, template: str, params: dict
) -> None:
    out = tmp_path / template
    execute_notebook(
        notebooks_dir() / template,
        out,
        {"processed_dir": str(small_region.processed), **params},
        cwd=notebooks_dir(),
    )
    text, images = notebook_text(out), notebook_images(out)
    assert images >= 3 and "soko-download" in text
    codes = pd.read_parquet(small_region.processed / "staffing_teachers.parquet")["person_code"]
    assert not any(code in text for code in codes.unique())
    assert "Доля вакантных ставок" in text or "вакантных ставок" in text


def test_a_region_without_staffing_monitoring_gets_empty_tables(small_region) -> None:
    """Raw data without any staffing form: the canonical tables are empty, and the derived
    tables come out empty with their columns (mechanism indicators read them), not an error
    (pyarrow refused to merge the empty string keys)."""
    schools = pd.read_parquet(small_region.processed / "schools.parquet")
    units = _units(empty(POSITIONS), empty(TEACHERS), empty(LEAVERS), schools)
    assert units.empty
    assert list(units.columns) == list(indicators.UNIT_COLUMNS)
    assert units["vacancy_rate"].dtype == "float64"
