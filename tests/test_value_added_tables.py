"""The build's value-added tables: linking, cohort priors, planted-truth recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soko.value_added import fit_value_added
from soko.value_added.recovery import demo_recovery, recovery, simulate
from soko.value_added.tables import Analysis, school_frame, student_frame

RPR = Analysis("rpr_student", "", "rpr", "student", ("ma",), (8,), ())
VPR = Analysis("vpr_school", "", "vpr", "school", ("ma",), (5,), ())


def _results(rows: list[tuple[int, int, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["year", "grade", "school_code", "participant_code", "primary_score"]
    ).assign(subject="ma")


def test_student_frame_links_by_id_and_skips_ambiguous_ids() -> None:
    res = _results(
        [
            (2025, 7, "a", 1, 10),
            (2025, 7, "a", 2, 12),
            (2025, 7, "a", 3, 14),
            (2025, 7, "b", 3, 16),  # id 3 twice in one work: ambiguous, not linked
            (2026, 8, "a", 1, 11),
            (2026, 8, "b", 2, 15),  # moved school: the later school gets the progress
            (2026, 8, "a", 3, 13),
            (2026, 8, "a", 4, 9),  # no earlier result
        ]
    )
    linked = student_frame(res, RPR).set_index("participant_code")
    assert sorted(linked.index) == [1, 2]
    assert linked.loc[2, "school_code"] == "b"
    z7 = (np.array([10, 12, 14, 16]) - 13) / np.std([10, 12, 14, 16], ddof=1)
    assert linked.loc[1, "prior"] == pytest.approx(z7[0])
    assert linked.loc[2, "prior"] == pytest.approx(z7[1])


def test_school_frame_uses_the_same_cohort_a_year_earlier() -> None:
    res = _results(
        [
            (2025, 4, "a", 1, 10),
            (2025, 4, "a", 2, 20),
            (2025, 4, "b", 3, 30),
            (2025, 5, "a", 9, 99),  # another cohort: not a prior for grade 5 in 2026
            (2026, 5, "a", 5, 1),
            (2026, 5, "b", 6, 2),
        ]
    )
    frame = school_frame(res, VPR).set_index("school_code")
    z4 = (np.array([10, 20, 30]) - 20) / 10
    assert frame.loc["a", "prior"] == pytest.approx(z4[:2].mean())
    assert frame.loc["b", "prior"] == pytest.approx(z4[2])


@pytest.mark.parametrize("n_municipalities", [0, 20])
def test_planted_school_effects_are_recovered(n_municipalities: int) -> None:
    """Data drawn from the model: the 95 % intervals must hold ~95 % of the true effects."""
    df, truth = simulate(60_000, 400, n_municipalities, seed=11)
    res = fit_value_added(
        df,
        "y",
        ["prior"],
        ["context"],
        "school_code",
        municipality="municipality_code" if n_municipalities else None,
    )
    rec = recovery(res.schools.set_index("school")[["effect", "ci_low", "ci_high"]], truth)
    assert rec.n == 400
    assert rec.correlation > 0.85
    assert 0.91 <= rec.coverage <= 0.99
    assert res.fixed["prior"] == pytest.approx(0.7, abs=0.01)
    assert res.residual_variance == pytest.approx(0.36, rel=0.03)
    assert res.school_variance == pytest.approx(0.0625, rel=0.25)


def test_va_tables_on_the_small_demo(small_region) -> None:
    from soko import derive

    schools = derive.load("va_schools", small_region.processed)
    models = derive.load("va_models", small_region.processed)
    assert not schools.empty and not models.empty
    assert set(schools["analysis"]) <= {"rpr_student", "vpr_school"}
    assert (schools["n"] >= 10).all()
    lo, hi = schools["ci_low"], schools["ci_high"]
    assert ((schools["band"] == "above") == (lo > 0)).all()
    assert ((schools["band"] == "below") == (hi < 0)).all()
    assert schools["school_name"].notna().all()
    assert {"Intercept", "prior", "school_variance", "residual_variance"} <= set(models["term"])
    later = schools[schools["year"] == schools["year"].max()]
    assert later["effect_prev"].notna().any()
    # last year's estimate is shown only where last year's row is listed, and is that row's
    key = ["analysis", "subject", "school_code"]
    before = schools[schools["year"] == later["year"].iloc[0] - 1].set_index(key)["effect"]
    shown = later.dropna(subset=["effect_prev"]).set_index(key)["effect_prev"]
    assert shown.index.isin(before.index).all()
    pd.testing.assert_series_equal(shown, before.reindex(shown.index), check_names=False)


def test_demo_truth_is_recovered(demo_region) -> None:
    """From raw files to intervals: the demo's planted growth effects (true_va_z, outcome
    units; the mean over a school's pooled grades for ВПР) against the build's estimates.
    Measured (benchmarks/bench_value_added.py, demo size): ВПР school level r ≈ 0.65,
    coverage ≈ 0.95; РПР student level r ≈ 0.6, coverage ≈ 0.93."""
    from soko.value_added.tables import VA_INPUTS, va_tables

    frames = {t: pd.read_parquet(demo_region.processed / f"{t}.parquet") for t in VA_INPUTS}
    est, _ = va_tables(frames, frames["schools"], frames["school_context"])
    truth = pd.read_parquet(demo_region.truth / "value_added.parquet")
    table = demo_recovery(est, truth, by=("analysis",)).set_index("analysis")
    bars = {"vpr_school": (400, 0.5, 0.88), "rpr_student": (100, 0.4, 0.85)}
    for analysis, (n_min, r_min, cover_min) in bars.items():
        rec = table.loc[analysis]
        assert rec["n"] >= n_min, analysis
        assert rec["correlation"] >= r_min, (analysis, rec)
        assert cover_min <= rec["coverage"] <= 0.995, (analysis, rec)  # and not uselessly wide


def test_prior_noise_widens_small_cohorts_only() -> None:
    """Hand case: two schools, one with tiny prior cohorts; only its interval widens much."""
    from soko.value_added.model import ValueAddedResult
    from soko.value_added.tables import with_prior_noise

    schools = pd.DataFrame(
        {
            "school": ["big", "tiny"],
            "n": [100, 6],
            "effect": [0.1, 0.1],
            "se": [0.05, 0.15],
            "ci_low": [0.0, 0.0],
            "ci_high": [0.0, 0.0],
            "band": ["average", "average"],
        }
    )
    res = ValueAddedResult(
        fixed=pd.Series(dtype=float), fixed_se=pd.Series(dtype=float), school_variance=0.04,
        residual_variance=0.8, municipality_variance=None, slope_variance=None,
        intercept_slope_covariance=None, loglik=0.0, reml=True, n_obs=106, schools=schools,
        municipalities=None,
    )  # fmt: skip
    frame = pd.DataFrame(
        {
            "school_code": ["big"] * 100 + ["tiny"] * 6,
            "grade": [5] * 50 + [6] * 50 + [5] * 6,
            "z": 0.0,
            "prior_noise": [0.01] * 50 + [0.02] * 50 + [0.2] * 6,
        }
    )
    out = with_prior_noise(res, frame).schools.set_index("school")
    v_big = 0.25 * 0.01 + 0.25 * 0.02  # equal halves of two cohorts
    shrink_big, shrink_tiny = 1 - 0.05**2 / 0.04, 1 - 0.15**2 / 0.04
    assert out.loc["big", "se"] == pytest.approx(np.sqrt(0.05**2 + shrink_big**2 * v_big))
    assert out.loc["tiny", "se"] == pytest.approx(np.sqrt(0.15**2 + shrink_tiny**2 * 0.2))
    assert out.loc["tiny", "ci_high"] - 0.1 == pytest.approx(
        1.959963984540054 * out.loc["tiny", "se"]
    )
