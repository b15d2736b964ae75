"""The mechanisms pages run on the small demo region with hand-made municipal forms, as the
build runs them; every chart has its table and download link; a computed value on the page
equals the one the procedure's own table gives; without forms the tables still build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from soko import derive
from soko.config import region
from soko.pipeline.derived import derive_table
from soko.procedures.mechanisms import computed
from soko.procedures.mechanisms.settings import mechanism_settings
from soko.procedures.mechanisms.tables import DERIVED
from tests.conftest import SmallRegion
from tests.mechanisms_frames import form_frames
from tests.test_survey_pages import _run  # the build's way of running a template

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def processed(small_region: SmallRegion, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the small region's processed data with forms for its last two ВПР years."""
    out = tmp_path_factory.mktemp("mechanisms") / "processed"
    shutil.copytree(small_region.processed, out)
    marks = derive.load("vpr_marks", out)
    units = sorted(marks.loc[marks["level"] == "municipality", "unit_code"].unique())
    years = sorted(int(y) for y in marks["year"].unique())[-2:]
    values, stages = form_frames(mechanism_settings(), units, years)
    values.to_parquet(out / "mechanism_values.parquet", index=False)
    stages.to_parquet(out / "mechanism_stages.parquet", index=False)
    for spec in DERIVED:
        derive_table(spec.name, out)
    return out


def test_region_page(processed: Path, tmp_path: Path) -> None:
    text = _run("mechanisms_region.ipynb", tmp_path, processed_dir=str(processed))
    for heading in ("Завершённость управленческого цикла", "Лучшие практики", "Правило в силе",
                    "Рейтинг", "Самые слабые этапы"):  # fmt: skip
        assert heading in text
    assert text.count("Скачать таблицу (CSV)") == 9  # one under every chart and table
    assert "институт развития образования" in text


def test_municipality_page_quotes_the_procedure_value(processed: Path, tmp_path: Path) -> None:
    marks = derive.load("vpr_marks", processed)
    year = int(marks["year"].max())
    code = str(marks.loc[marks["level"] == "municipality", "unit_code"].iloc[0])
    text = _run(
        "mechanisms_municipality.ipynb", tmp_path, year=year, municipality=code,
        processed_dir=str(processed),
    )  # fmt: skip
    # the share of «2» as the ВПР tables give it: Σ share_mark2 · n / Σ n over the works
    rows = marks[(marks["level"] == "municipality") & (marks["unit_code"] == code)
                 & (marks["year"] == year)]  # fmt: skip
    expected = 100 * (rows["share_mark2"] * rows["n"]).sum() / rows["n"].sum()
    shown = f"{expected:.1f}".replace(".", ",") + "\u00a0%"
    assert shown in text
    ind = derive.load("mechanism_indicators", processed)
    value = ind.loc[(ind["year"] == year) & (ind["unit_code"] == code)
                    & (ind["indicator"] == "vpr_fail"), "value"].iloc[0]  # fmt: skip
    assert value == pytest.approx(expected)
    assert "Где прерывается управленческий цикл" in text
    # under its scores, cycle grid, indicators, recommendations and measures' effects
    assert text.count("Скачать таблицу (CSV)") == 5
    assert "Меры и их измеренный эффект" in text


def test_without_forms_the_tables_build_and_nothing_is_zeroed(
    small_region: SmallRegion, tmp_path: Path
) -> None:
    """A region without any municipal form yet: computed indicators only; a form indicator
    has no value and no points, and no direction is scored without anything."""
    out = tmp_path / "processed"
    shutil.copytree(small_region.processed, out, ignore=shutil.ignore_patterns("notebooks"))
    for name in ("mechanism_values", "mechanism_stages"):
        (out / f"{name}.parquet").unlink(missing_ok=True)
    for spec in DERIVED:
        derive_table(spec.name, out)
    ind = derive.load("mechanism_indicators", out)
    assert not ind.empty
    form = ind[ind["source"] == "form"]
    assert form["value"].isna().all() and form["points"].isna().all()
    assert ind.loc[ind["source"] != "form", "value"].notna().any()
    sc = derive.load("mechanism_scores", out)
    settings = mechanism_settings()
    form_only = [
        d for d, x in settings.directions.items()
        if all(i.source == "form" for i in x.indicators.values())
    ]  # fmt: skip
    assert form_only
    only_form = sc[sc["direction"].isin(form_only) & (sc["level"] == "municipality")]
    assert only_form["score"].isna().all() and only_form["rank"].isna().all()
    recs = derive.load("mechanism_recommendations", out)
    assert "institute_deficits" in set(recs["rule"])


SHARES_OF_A_WHOLE = {
    "vpr_fail_share",
    "objectivity_marked_share",
    "shnor_share",
    "va_above_share",
    "olympiad_municipal_share",
    "heads_diagnosed_share",
    "teachers_diagnosed_share",
    "teachers_trained_share",
    "young_mentored_share",
    "vacancy_rate",
}


def test_computed_sources_all_present_in_the_demo(small_region: SmallRegion) -> None:
    """Every computed indicator the demo's procedures allow has a value for some unit."""
    p = small_region.processed
    load = lambda name: derive.load(name, p)  # noqa: E731
    out = computed.compute_all(
        region_code=region().code, vpr_marks=load("vpr_marks"), oge_marks=load("oge_marks"),
        ege_scores=load("ege_scores"), objectivity_markers=load("objectivity_markers"),
        school_classes=load("school_classes"), va_schools=load("va_schools"),
        pisa_municipalities=load("pisa_municipalities"), survey_indices=load("survey_indices"),
        staffing_units=load("staffing_units"), competence_units=load("competence_units"),
        olympiad_units=load("olympiad_units"),
    )  # fmt: skip
    missing = {"shnor_left_share"}  # no ШНОР in two consecutive demo years: no value, not 0
    assert set(out["source"]) >= set(computed.ORIGIN) - missing
    assert not out["value"].isna().any()
    assert isinstance(out, pd.DataFrame)
    # a share of persons or schools stays a share: the monitoring's demos describe one staff
    # (a build once showed 143 % of teachers diagnosed and 180 % of heads)
    shares = out[out["source"].isin(SHARES_OF_A_WHOLE)]
    assert set(shares["source"]) == SHARES_OF_A_WHOLE
    assert shares["value"].between(0, 100).all(), shares[~shares["value"].between(0, 100)]


def test_cycle_breaks_where_the_demo_planted_it(small_region: SmallRegion) -> None:
    """The demo forms (issue12-forms) plant where each cycle breaks; the scores find it."""
    truth = pd.read_parquet(small_region.truth / "mechanisms_cycles.parquet")
    sent = pd.read_parquet(small_region.processed / "mechanism_stages.parquet")
    sent = sent[["year", "municipality_code"]].drop_duplicates()
    truth = truth.merge(sent, on=["year", "municipality_code"])  # the forms written that year
    assert not truth.empty
    sc = derive.load("mechanism_scores", small_region.processed)
    sc = sc[(sc["level"] == "municipality") & (sc["direction"] != "total")]
    both = truth.merge(
        sc, left_on=["year", "municipality_code", "direction"],
        right_on=["year", "unit_code", "direction"], how="inner",
    )  # fmt: skip
    assert len(both) == len(truth)
    assert (both["cycle_full"] == both["full_cycle"]).all()
    planted = both["break_stage"].astype(object).where(both["break_stage"].notna(), None)
    found = both["breaks_at"].astype(object).where(both["breaks_at"].notna(), None)
    assert list(planted) == list(found)
    assert (both["cycle_stages_done"] == both["stages_done"]).all()
