"""Fay-BRR and Rubin's rules against hand-computed cases; replicate factors against the
with-replacement variance they must reproduce."""

from __future__ import annotations

import numpy as np
import pytest

from soko.stats import (
    ReplicateDesign,
    contrast_statistic,
    fay_replicate_factors,
    fay_variance,
    hadamard,
    independent_difference,
    level_distribution,
    mean_statistic,
    pair_units,
    replicate_estimate,
    rubin,
    share_below,
    weighted_mean,
    weighted_quantile,
)

# Four students, each its own PSU; pairs (1, 2) and (3, 4) on columns 2 and 3 of the
# Hadamard matrix of order 4; Fay factors 1.5 / 0.5. Final weights 1, 1, 2, 2.
FINAL = np.array([1.0, 1.0, 2.0, 2.0])
REPLICATES = np.array(
    [
        [1.5, 0.5, 0.5, 1.5],  # student 1: factor 1.5 when column 2 is +1
        [0.5, 1.5, 1.5, 0.5],
        [3.0, 3.0, 1.0, 1.0],  # student 3: column 3
        [1.0, 1.0, 3.0, 3.0],
    ]
)
DESIGN = ReplicateDesign(np.column_stack([FINAL, REPLICATES]), fay_k=0.5)
PVS = np.array([[400.0, 410.0], [500.0, 510.0], [450.0, 470.0], [550.0, 550.0]])


def test_hand_computed_mean_with_two_pvs() -> None:
    # PV1: θ = 2900/6; replicates 2750/6, 2850/6, 2950/6, 3050/6 → Σ(θr−θ)² = 12500/9;
    # V = Σ/(R(1−k)²) = Σ/(4·0.25) = 12500/9. PV2: θ = 2960/6, Σ = 8900/9.
    # Rubin: point = (2900/6 + 2960/6)/2 = 488.33; Ū = 10700/9; B = 50; V = Ū + 1.5·50.
    est = weighted_mean(PVS, DESIGN)
    assert est.estimate == pytest.approx(488.0 + 1 / 3)
    assert est.sampling_variance == pytest.approx(10700 / 9)
    assert est.imputation_variance == pytest.approx(75.0)
    assert est.se == pytest.approx(np.sqrt(11375 / 9))  # 35.55


def test_hand_computed_share_below_and_levels() -> None:
    # Below 480: students 1 and 3 under both PVs → share 3/6 = 0.5; replicates 0.75,
    # 0.5833, 0.4167, 0.25 → Σ = 0.1389 = 5/36; no between-PV variance.
    est = share_below(PVS, 480.0, DESIGN)
    assert est.estimate == pytest.approx(0.5)
    assert est.variance == pytest.approx(5 / 36)
    assert est.imputation_variance == pytest.approx(0.0)
    # PV1 only, cuts 420/480/520: levels of the students 0, 2, 1, 3 → shares 1/6, 2/6, 1/6,
    # 2/6; the lowest level: replicates 1.5/6, 0.5/6, 1.5/6, 0.5/6 → V = 4·(1/12)² = 1/36.
    levels = level_distribution(PVS[:, 0], [420.0, 480.0, 520.0], DESIGN)
    assert levels.estimate == pytest.approx([1 / 6, 2 / 6, 1 / 6, 2 / 6])
    assert levels.se[0] == pytest.approx(1 / 6)
    assert levels.estimate.sum() == pytest.approx(1.0)


def test_pisa_constant_is_four_over_eighty() -> None:
    # R = 80, k = 0.5: 1/(R(1−k)²) = 1/20 = 4/80.
    reps = np.full(80, 3.0)
    assert fay_variance(np.array(1.0), reps, 0.5) == pytest.approx(4 / 80 * 80 * 4.0)
    assert fay_variance(np.array(1.0), reps, 0.0) == pytest.approx(4.0)  # plain BRR: 1/R


def test_rubin_rules_by_hand() -> None:
    est = rubin(np.array([10.0, 12.0, 14.0]), np.array([1.0, 2.0, 3.0]))
    # Ū = 2, B = var(10, 12, 14; ddof 1) = 4, V = 2 + (1 + 1/3)·4 = 7.333
    assert est.estimate == pytest.approx(12.0)
    assert est.variance == pytest.approx(2 + 4 / 3 * 4)
    single = rubin(np.array([10.0]), np.array([2.0]))
    assert (single.estimate, single.variance) == (10.0, 2.0)


def test_missing_values_are_left_out() -> None:
    values = np.array([400.0, np.nan, 450.0, 550.0])
    est = weighted_mean(values, DESIGN)
    assert est.estimate == pytest.approx((400 + 900 + 1100) / 5)


def test_subgroup_and_contrast() -> None:
    girls = np.array([True, False, True, False])
    sub = weighted_mean(PVS[:, 0], DESIGN.restrict(girls))
    assert sub.estimate == pytest.approx((400 + 900) / 3)
    gap = replicate_estimate(contrast_statistic(mean_statistic, girls, ~girls), PVS[:, 0], DESIGN)
    boys = weighted_mean(PVS[:, 0], DESIGN.restrict(~girls))
    assert gap.estimate == pytest.approx(sub.estimate - boys.estimate)
    # by hand: gap in replicates (1.5·400+3·450)/4.5 − (0.5·500+1·550)/1.5 etc.
    w = DESIGN.weights
    g = (w[[0, 2]].T @ PVS[[0, 2], 0]) / w[[0, 2]].sum(0) - (w[[1, 3]].T @ PVS[[1, 3], 0]) / w[
        [1, 3]
    ].sum(0)
    assert gap.variance == pytest.approx(((g[1:] - g[0]) ** 2).sum())


def test_independent_difference_adds_variances() -> None:
    a = weighted_mean(PVS, DESIGN)
    d = independent_difference(a, a)
    assert d.estimate == pytest.approx(0.0)
    assert d.variance == pytest.approx(2 * a.variance)


def test_weighted_quantile_by_hand() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantile(values, np.ones(4), 0.5)[0] == 2.0
    assert weighted_quantile(values, np.ones(4), 0.75)[0] == 3.0
    assert weighted_quantile(values, np.array([3.0, 1, 1, 1]), 0.5)[0] == 1.0
    both = weighted_quantile(values, np.column_stack([np.ones(4), [1.0, 1, 1, 5]]), 0.5)
    assert both.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("order", [2, 4, 12, 20, 80])
def test_hadamard_is_orthogonal_with_unit_first_column(order: int) -> None:
    h = hadamard(order)
    assert (h @ h.T == order * np.eye(order)).all()
    assert (h[:, 0] == 1).all()


@pytest.mark.parametrize("n_psu", [6, 7, 41])
def test_replicates_reproduce_with_replacement_variance_of_a_total(n_psu: int) -> None:
    """For a weighted total, BRR with balanced Fay factors equals Σ_h n_h/(n_h−1) Σ (t−t̄)²
    exactly, for pairs and for the odd triple."""
    rng = np.random.default_rng(7)
    stratum, unit = pair_units(n_psu)
    students_per_psu = rng.integers(3, 9, n_psu)
    psu = np.repeat(np.arange(n_psu), students_per_psu)
    y = rng.normal(500, 90, len(psu))
    w = rng.uniform(5, 40, n_psu)[psu]
    factors = fay_replicate_factors(stratum[psu], unit[psu], n_replicates=80, fay_k=0.5)
    assert factors.shape == (len(psu), 80)
    in_pairs = psu < (n_psu if n_psu % 2 == 0 else n_psu - 3)
    assert set(np.round(factors[in_pairs], 6).ravel()) == {0.5, 1.5}
    weights = np.column_stack([w, w[:, None] * factors])
    totals = weights.T @ y
    brr = fay_variance(totals[0], totals[1:], 0.5)
    t = np.bincount(psu, weights=w * y)
    expected = 0.0
    for g in np.unique(stratum):
        tg = t[stratum == g]
        expected += len(tg) / (len(tg) - 1) * ((tg - tg.mean()) ** 2).sum()
    assert brr == pytest.approx(expected, rel=1e-9)


def test_fay_factors_keep_the_total_weight_of_each_stratum() -> None:
    stratum, unit = pair_units(9)
    factors = fay_replicate_factors(stratum, unit)
    sums = np.array([factors[stratum == g].sum(0) for g in range(stratum.max() + 1)])
    assert np.allclose(sums, [[2.0], [2.0], [2.0], [3.0]])
    assert factors.min() > 0


def test_design_checks_its_input() -> None:
    with pytest.raises(ValueError):
        ReplicateDesign(np.ones((3, 1)))
    with pytest.raises(ValueError):
        weighted_mean(np.ones(5), DESIGN)
    with pytest.raises(ValueError):
        pair_units(1)
