"""The PISA-model demo: estimates recover the simulated population within their SEs, the SEs
are calibrated (they match the spread over repeated samples), and files are deterministic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soko.config import region
from soko.demo.model import SIZES, ModelParams
from soko.demo.registry import build_schools
from soko.formats.replicate_study.demo import (
    PisaDemoParams,
    draw_sample,
    generate,
    population_truth,
    simulate_population,
)
from soko.formats.replicate_study.estimates import group_estimates
from soko.formats.replicate_study.ingest import ingest_pisa
from soko.formats.replicate_study.settings import pisa_settings
from soko.procedure import DemoContext
from soko.stats import ReplicateDesign, weighted_mean
from tests.conftest import SmallRegion

SEED = 20260415
SETTINGS = pisa_settings()


def _schools(size: str, seed: int = SEED) -> pd.DataFrame:
    cfg = region()
    return build_schools(
        seed, SIZES[size], cfg.municipalities_in(min(cfg.years)), cfg.code, ModelParams()
    )


def _generate(root: Path, size: str, seed: int = SEED) -> tuple[list[Path], pd.DataFrame]:
    schools = _schools(size, seed)
    ctx = DemoContext(
        out=root / "raw",
        truth_dir=root / "truth",
        seed=seed,
        size=size,
        years=(2024, 2025, 2026),
        schools=schools,
    )
    return generate(ctx), schools


@pytest.fixture(scope="module")
def demo_estimates(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    root = tmp_path_factory.mktemp("pisa_demo")
    files, schools = _generate(root, "demo")
    result = ingest_pisa(files, root / "raw", schools)
    assert all(r.ok for r in result.reports)
    students = pd.concat(result.tables["pisa_students"], ignore_index=True)
    truth = pd.read_parquet(root / "truth" / "pisa_population.parquet")
    return group_estimates(students, schools), truth


@pytest.mark.parametrize("group_type", ["all", "gender", "locality"])
def test_estimates_recover_population_truth(
    demo_estimates: tuple[pd.DataFrame, pd.DataFrame], group_type: str
) -> None:
    est, truth = demo_estimates
    keys = ["year", "domain", "group_type", "group"]
    truth = truth.replace({"group": {"all": "Все участники", "Ж": "Девушки", "М": "Юноши"}})
    both = est[est["group_type"] == group_type].merge(truth, on=keys, suffixes=("", "_true"))
    assert len(both) == {"all": 6, "gender": 12, "locality": 12}[group_type]
    z_mean = (both["mean"] - both["mean_true"]) / both["mean_se"]
    z_below = (both["share_below_baseline"] - both["share_below_baseline_true"]) / both[
        "share_below_baseline_se"
    ]
    # The region (6 estimates per statistic) within 2.5 SE; subgroups (12 per statistic and
    # group type, so some |z| near 2.5 are expected by chance alone) within 3 SE.
    limit = 2.5 if group_type == "all" else 3.0
    assert z_mean.abs().max() < limit, both[[*keys, "mean", "mean_true", "mean_se"]]
    assert z_below.abs().max() < limit
    assert z_mean.abs().mean() < 1.5 and z_below.abs().mean() < 1.5  # no systematic bias


def test_standard_errors_are_sensible(demo_estimates: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    est, _ = demo_estimates
    region_rows = est[est["group_type"] == "all"]
    # ~50 schools, ~900 students: PISA-like SEs of a few points (never 0, never tens)
    assert region_rows["mean_se"].between(3, 15).all()
    assert region_rows["share_below_baseline_se"].between(0.005, 0.06).all()
    # a naive SE (students as independent draws, one PV) is clearly smaller: clustering counts
    naive = 95 / np.sqrt(region_rows["n"])
    assert (region_rows["mean_se"] > 1.3 * naive).all()


def test_standard_errors_match_the_spread_over_repeated_samples() -> None:
    """Draw 40 samples from one simulated population: the mean SE should be about the SD of
    the estimates (slightly larger: the with-replacement approximation ignores the finite
    population correction)."""
    params = PisaDemoParams()
    schools = _schools("demo", 1)
    population = simulate_population(schools, 1, 2024, params, ModelParams())
    truth = population_truth(population, 2024, SETTINGS)
    math_true = truth.query("domain == 'math' and group_type == 'all'")["mean"].iloc[0]
    means, ses = [], []
    for k in range(40):
        sample = draw_sample(population, schools, 500 + k, 2024, "demo", params, SETTINGS).students
        design = ReplicateDesign.from_frame(sample, "W_FSTUWT", SETTINGS.replicate_headers())
        est = weighted_mean(sample[SETTINGS.pv_headers("math")], design)
        means.append(float(est.estimate))
        ses.append(float(est.se))
    means_arr, ses_arr = np.array(means), np.array(ses)
    ratio = ses_arr.mean() / means_arr.std(ddof=1)
    assert 0.8 < ratio < 1.6, ratio
    assert abs(means_arr.mean() - math_true) < 3 * means_arr.std(ddof=1) / np.sqrt(len(means))
    coverage = (np.abs(means_arr - math_true) < 1.96 * ses_arr).mean()
    assert coverage >= 0.85


def test_weights_estimate_the_population_size() -> None:
    params = PisaDemoParams()
    schools = _schools("demo")
    population = simulate_population(schools, SEED, 2026, params, ModelParams())
    sample = draw_sample(population, schools, SEED, 2026, "demo", params, SETTINGS)
    total = sample.students["W_FSTUWT"].sum()
    assert total == pytest.approx(len(population), rel=0.1)
    reps = sample.students[SETTINGS.replicate_headers()]
    assert (reps.to_numpy() > 0).all()
    assert reps.sum().between(0.8 * len(population), 1.2 * len(population)).all()
    assert sample.n_schools % 2 == 0 or sample.n_schools >= 3


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, _ = _generate(tmp_path / "a", "small")
    b, _ = _generate(tmp_path / "b", "small")
    c, _ = _generate(tmp_path / "c", "small", seed=SEED + 1)
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b, strict=True))
    assert a[0].read_bytes() != c[0].read_bytes()
    assert [p.parent.name for p in a] == ["2024", "2026"]  # every second year
    text = a[0].read_bytes().decode("cp1251")
    assert text.startswith("Год;Код ОО;Код участника;") and "\r\n" in text and "," in text


def test_small_region_ingests_the_study(small_region: SmallRegion) -> None:
    reports = [f for f in small_region.report.files if f.kind == "pisa"]
    assert len(reports) == 2 and all(f.ok for f in reports)
    table = pd.read_parquet(small_region.processed / "pisa_students.parquet")
    assert len(table) == sum(f.rows_read for f in reports)
    assert set(table["year"]) == {2024, 2026}
    assert not any(small_region.raw.rglob("pisa_population*"))  # truth stays out of raw
