"""The survey demo: deterministic files, stale files removed, and indices that follow the
planted school climate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from soko.config import region
from soko.demo.model import SIZES, ModelParams
from soko.demo.registry import build_schools
from soko.procedure import DemoContext
from soko.procedures.survey.demo import generate
from soko.procedures.survey.indicators import index_table, response_rates
from soko.procedures.survey.ingest import ingest_surveys

SEED = 20260415


def _ctx(
    root: Path, size: str = "small", seed: int = SEED, years=(2024, 2025, 2026)
) -> DemoContext:
    cfg = region()
    schools = build_schools(
        seed, SIZES[size], cfg.municipalities_in(min(cfg.years)), cfg.code, ModelParams()
    )
    return DemoContext(
        out=root / "raw",
        truth_dir=root / "truth",
        seed=seed,
        size=size,
        years=years,
        schools=schools,
    )


def test_same_seed_same_bytes_and_no_stale_files(tmp_path: Path) -> None:
    a = generate(_ctx(tmp_path / "a"))
    b = generate(_ctx(tmp_path / "b"))
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))
    assert len(a) == 3 * 3  # two questionnaires and a contingent file per year
    fewer = generate(_ctx(tmp_path / "a", years=(2025, 2026)))
    on_disk = {p for p in (tmp_path / "a" / "raw").rglob("*.csv")}
    assert on_disk == set(fewer)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    root = tmp_path_factory.mktemp("survey_demo")
    ctx = _ctx(root, "demo")
    files = generate(ctx)
    result = ingest_surveys(files, ctx.out, ctx.schools)
    assert all(r.ok for r in result.reports), [r.problems[:3] for r in result.reports]
    tables = {k: pd.concat(v, ignore_index=True) for k, v in result.tables.items()}
    truth = pd.read_parquet(ctx.truth_dir / "survey_schools.parquet")
    return tables, truth, ctx.schools


def test_indices_follow_the_planted_school_climate(demo: tuple) -> None:
    tables, truth, schools = demo
    idx = index_table(tables["survey_answers"], tables["survey_responses"], schools)
    sat = idx[(idx["level"] == "school") & (idx["index"] == "satisfaction") & (idx["n"] >= 20)]
    both = sat.merge(
        truth,
        left_on=["unit_code", "year", "questionnaire"],
        right_on=["school_code", "year", "questionnaire"],
    )
    assert len(both) > 100
    corr = both["mean_index"].corr(both["latent_satisfaction"], method="spearman")
    assert corr > 0.6, corr


def test_response_rates_match_the_planted_counts(demo: tuple) -> None:
    tables, truth, schools = demo
    rates = response_rates(tables["survey_responses"], tables["survey_contingents"], schools)
    school = rates[rates["level"] == "school"].merge(
        truth,
        left_on=["unit_code", "year", "questionnaire"],
        right_on=["school_code", "year", "questionnaire"],
    )
    assert (school["n"] == school["n_responded"]).all()
    assert (school["n_invited_x"] == school["n_invited_y"]).all()
    region_rows = rates[rates["level"] == "region"].set_index(["year", "questionnaire"])
    assert region_rows["share_responded"].between(0.3, 0.9).all()
    assert (rates[rates["level"] == "school"]["n"] < 5).any()  # small groups do occur
