"""The build's value-added tables: linking, cohort priors, planted-truth recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soko.value_added import fit_value_added
from soko.value_added.recovery import recovery, simulate
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
