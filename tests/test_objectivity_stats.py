"""Objectivity screen: each statistic against a hand-computed case or brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from soko.objectivity.bunching import (
    beta_binomial_pmf,
    bunching_test,
    threshold_windows,
    within_dispersion,
)
from soko.objectivity.difficulty import pooled_profile
from soko.objectivity.evidence import evidence_text, num
from soko.objectivity.index import cauchy_combination, combined_index
from soko.objectivity.journal import journal_counts, journal_signal
from soko.objectivity.jumps import jump_signal
from soko.objectivity.markers import federal_table
from soko.objectivity.patterns import person_lz, prob_at_most, task_profile
from soko.objectivity.settings import SIGNALS, Settings, load_settings
from soko.objectivity.stats import (
    between_variance,
    binomial_sum_mid_p,
    poisson_mid_p,
    z_from_p,
)
from soko.objectivity.works import Work


def test_p_and_z() -> None:
    assert float(z_from_p(0.025)) == pytest.approx(1.959964, abs=1e-6)
    assert float(z_from_p(0.0)) == pytest.approx(37.0)  # capped, not infinite
    assert np.isnan(z_from_p(np.nan))


def test_poisson_mid_p_by_hand() -> None:
    # P(N > 3) + ½ P(N = 3) for N ~ Poisson(1)
    e = math.exp(-1)
    p3 = e / 6
    above = 1 - e * (1 + 1 + 0.5) - p3
    assert float(poisson_mid_p(3, 1.0)) == pytest.approx(above + p3 / 2, rel=1e-9)


def test_binomial_sum_mid_p_by_hand() -> None:
    # Bin(2, ½) + Bin(2, ½) = Bin(4, ½): P(K > 3) = 1/16, P(K = 3) = 4/16
    assert binomial_sum_mid_p(3, np.array([2, 2]), np.array([0.5, 0.5])) == pytest.approx(3 / 16)
    assert binomial_sum_mid_p(5, np.array([2, 2]), np.array([0.5, 0.5])) == 0.0


def test_between_variance_recovers_known_spread() -> None:
    rng = np.random.default_rng(1)
    v = rng.uniform(0.5, 1.5, 4000)
    effect = rng.normal(0, np.sqrt(v + 0.5))
    assert between_variance(effect, v) == pytest.approx(0.5, abs=0.08)
    assert between_variance(rng.normal(0, np.sqrt(v)), v) < 0.05
    # a few wild units do not widen the reference much (robust)
    wild = np.r_[effect, np.full(80, 25.0)]
    assert between_variance(wild, np.r_[v, np.ones(80)]) == pytest.approx(0.5, abs=0.15)


# --- bunching ---------------------------------------------------------------------------


def test_threshold_windows() -> None:
    assert threshold_windows((5, 8, 12), 15, 2) == [(3, 5, 6), (7, 8, 9), (10, 12, 13)]
    # adjacent thresholds: the second has nothing below it left and is dropped
    assert threshold_windows((5, 6, 10), 12, 2) == [(3, 5, 5), (8, 10, 11)]
    # t = 1 takes 1..2 above, so t = 3 has nothing of its own below
    assert threshold_windows((1, 3, 20), 20, 2) == [(0, 1, 2), (18, 20, 20)]


def test_bunching_test_uniform_window_by_hand() -> None:
    pmf = np.full(11, 1 / 11)  # flat: half of a 4-point window lies at t and t + 1
    scores = np.array([5, 5, 6, 6, 3, 0, 10])  # window 3..6 around t = 5: 4 above of 5
    above, window, expected, p = bunching_test(scores, [(3, 5, 6)], pmf)
    assert (above, window, expected) == (4, 5, 2.5)
    assert p == pytest.approx((1 + 5 / 2) / 32)  # P(K > 4) + ½ P(K = 4), K ~ Bin(5, ½)


def test_beta_binomial_mean_and_dispersion() -> None:
    pmf = beta_binomial_pmf(20, 12.0, 0.1)
    k = np.arange(21)
    assert pmf.sum() == pytest.approx(1.0)
    assert (k * pmf).sum() == pytest.approx(12.0)
    var = ((k - 12.0) ** 2 * pmf).sum()
    assert var == pytest.approx(20 * 0.6 * 0.4 * (1 + 19 * 0.1))
    rng = np.random.default_rng(2)
    groups = np.repeat(np.arange(300), 40)
    p = rng.beta(0.6 * 9, 0.4 * 9, 300 * 40)  # ρ = 1 / (9 + 1) within every school
    scores = rng.binomial(20, p)
    assert within_dispersion(scores, groups, 20) == pytest.approx(0.1, abs=0.02)


def test_bunching_z_is_standard_normal_on_clean_schools() -> None:
    """Simulated honest schools (beta-binomial scores): about α of them exceed z_α."""
    from soko.objectivity.bunching import bunching_signal

    rng = np.random.default_rng(3)
    n_schools, size, max_score = 600, 30, 25
    level = rng.normal(0.55, 0.12, n_schools).clip(0.1, 0.9)
    school = np.repeat(np.arange(n_schools), size)
    p = rng.beta(level[school] * 12, (1 - level[school]) * 12)
    primary = rng.binomial(max_score, p)
    work = _work(school, primary, thresholds=(8, 14, 20), max_score=max_score)
    z = bunching_signal(work, Settings())["bunching_z"].dropna()
    assert len(z) > 500
    assert abs(z.mean()) < 0.15 and 0.8 < z.std() < 1.15
    assert (z >= 1.645).mean() == pytest.approx(0.05, abs=0.025)
    # lift half of the students 1-2 points below a threshold in 30 schools: z rises
    lifted = primary.copy()
    for t in (8, 14, 20):
        near = (school < 30) & (lifted >= t - 2) & (lifted < t) & (rng.random(len(lifted)) < 0.7)
        lifted[near] = t
    z2 = bunching_signal(_work(school, lifted, (8, 14, 20), max_score), Settings())
    z2 = z2.set_index(z2["school_code"].astype(int))["bunching_z"]
    assert (z2[z2.index < 30] >= 2.0).mean() > 0.6


# --- journal ----------------------------------------------------------------------------


def test_journal_counts_by_hand() -> None:
    school = np.array(["a", "a", "a", "b", "b"])
    mark = np.array([3, 4, 5, 3, 2])
    journal = np.array([5.0, 4.0, np.nan, 3.0, 3.0])
    work = _work(school, mark * 5, (10, 15, 20), 25, mark=mark, journal=journal)
    c = journal_counts(work).set_index("school_code")
    assert c.loc["a", "journal_n"] == 2 and c.loc["a", "journal_above_vpr_count"] == 1
    assert c.loc["a", "journal_large_gap_count"] == 1 and c.loc["a", "journal_gap_sum"] == 2
    assert c.loc["b", "journal_above_vpr_count"] == 1 and c.loc["b", "vpr_above_journal_count"] == 0
    gaps = np.array([2.0, 0.0, 0.0, 1.0])  # region: every participant with both marks
    assert c.loc["a", "region_journal_gap"] == pytest.approx(gaps.mean())
    assert c.loc["a", "region_journal_gap_var"] == pytest.approx(gaps.var(ddof=1))
    assert c.loc["a", "region_share_journal_above_vpr"] == pytest.approx(0.5)


def test_journal_z_is_the_random_effects_formula() -> None:
    rng = np.random.default_rng(4)
    rows = []
    for s in range(60):
        lenient = rng.normal(0, 0.2)
        for _ in range(25):
            mark = int(rng.integers(2, 6))
            journal = int(np.clip(round(mark + lenient + rng.normal(0, 0.6)), 2, 5))
            rows.append((f"s{s:02d}", mark, journal))
    school, mark, journal = (np.array(c) for c in zip(*rows, strict=True))
    work = _work(school, mark * 5, (10, 15, 20), 25, mark=mark, journal=journal.astype(float))
    counts = journal_counts(work).assign(year=2025, subject="ru", grade=5)
    out = journal_signal(counts, Settings())
    effect = out["journal_gap"] - out["region_journal_gap"]
    var = out["region_journal_gap_var"] / out["journal_n"]
    tau2 = between_variance(effect.to_numpy(), var.to_numpy())
    between = (effect / np.sqrt(var + tau2)).to_numpy()
    assert out["journal_between_z"].to_numpy() == pytest.approx(between)
    # one work per school: no usual gap to compare with, the signal is the between-school z
    # (the combination counts the innocent side as p = ½, z = 0)
    assert out["journal_within_z"].isna().all()
    assert out["journal_above_vpr_z"].to_numpy() == pytest.approx(np.maximum(between, 0))
    assert out["vpr_above_journal_z"].to_numpy() == pytest.approx(np.maximum(-between, 0))


def test_journal_within_school_contrast_by_hand() -> None:
    """A school's usual gap is the mean of its other works; the signal combines both z's."""
    rows = []
    for s in range(40):
        for g, extra in zip((4, 5, 6, 7, 8), (0.0, 0.1, -0.1, 0.05, 0.0), strict=True):
            gap = 0.2 + 0.1 * (s % 5 - 2) / 2 + extra + (1.0 if (s == 0 and g == 6) else 0.0)
            rows.append(("ru", g, f"s{s:02d}", 20, round(gap * 20), 0.2, 0.5))
    cols = ["subject", "grade", "school_code", "journal_n", "journal_gap_sum"]
    counts = pd.DataFrame(rows, columns=[*cols, "region_journal_gap", "region_journal_gap_var"])
    for c in ("journal_above_vpr_count", "vpr_above_journal_count", "journal_large_gap_count"):
        counts[c] = 0
    for c in ("journal_above_vpr", "vpr_above_journal", "large_gap"):
        counts[f"region_share_{c}"] = 0.1
    out = journal_signal(counts.assign(year=2025), Settings()).set_index(["school_code", "grade"])
    e = (counts.set_index(["school_code", "grade"])["journal_gap_sum"] / 20 - 0.2).loc["s00"]
    usual = e.drop(index=6).mean() + 0.2
    assert out.loc[("s00", 6), "journal_school_usual_gap"] == pytest.approx(usual)
    assert out.loc[("s00", 6), "journal_within_z"] > 4
    p = stats.norm.sf(out.loc[("s00", 6), ["journal_between_z", "journal_within_z"]].to_numpy())
    want = z_from_p(cauchy_combination(p[None, :], np.ones(2)))[0]
    assert out.loc[("s00", 6), "journal_above_vpr_z"] == pytest.approx(want)


# --- inverted difficulty, task profile, person fit -----------------------------------------


def test_pooled_profile_by_hand() -> None:
    x = np.array([0, 0, 1, 2])
    y = np.array([0.1, 0.3, 0.5, 0.9])
    mean, var = pooled_profile(x, y, 2, 2)
    assert mean == pytest.approx([0.2, 0.45, 0.7])
    assert var == pytest.approx([0.01, 0.29 - 0.45**2, 0.04])


def test_task_profile_is_a_distribution_with_the_right_total() -> None:
    rng = np.random.default_rng(5)
    maxima = np.array([1, 2, 1, 3, 1])
    theta = rng.normal(0, 1, 400)
    scores = rng.binomial(maxima[None, :], 1 / (1 + np.exp(-(theta[:, None] - 0.2))))
    prof = task_profile(scores, maxima, 30)
    assert prof.shape == (9, 5, 4)
    assert prof.sum(axis=2) == pytest.approx(np.ones((9, 5)))
    assert (prof[:, 0, 2:] == 0).all()  # a 1-point task never scores 2
    expected_total = (prof * np.arange(4)).sum(axis=(1, 2))
    assert expected_total == pytest.approx(np.arange(9), abs=1e-6)
    assert prof[8, np.arange(5), maxima] == pytest.approx(np.ones(5), abs=1e-6)


def test_prob_at_most_matches_enumeration() -> None:
    m = np.array([[0.9, 0.6, 0.75, 0.3, 0.55]])
    for d in (0, 1, 2):
        brute = 0.0
        for same in itertools.product([0, 1], repeat=5):
            prob = np.prod([mk if s else 1 - mk for mk, s in zip(m[0], same, strict=True)])
            brute += prob * (5 - sum(same) <= d)
        assert prob_at_most(m, d)[0] == pytest.approx(brute, rel=1e-9)


def test_person_lz_by_hand() -> None:
    # two 1-point tasks; at total 1 task A is the easy one: P(A) = 0.8, P(B) = 0.2
    prof = np.zeros((3, 2, 2))
    prof[0, :, 0] = 1
    prof[2, :, 1] = 1
    prof[1] = [[0.2, 0.8], [0.8, 0.2]]
    lz = person_lz(np.array([[0, 1], [1, 0], [1, 1]]), np.array([1, 1, 2]), prof)
    a, b = math.log(0.2), math.log(0.8)
    mean_k = 0.2 * a + 0.8 * b
    var_k = 0.2 * a * a + 0.8 * b * b - mean_k**2
    assert lz[0] == pytest.approx((2 * a - 2 * mean_k) / math.sqrt(2 * var_k))
    assert lz[1] == pytest.approx((2 * b - 2 * mean_k) / math.sqrt(2 * var_k))
    assert np.isnan(lz[2])  # a full score leaves nothing to misfit


# --- jumps, index, markers, evidence ---------------------------------------------------------


def test_jump_spike_by_hand() -> None:
    rng = np.random.default_rng(6)
    rows = []
    for s in range(80):
        base = rng.normal(0, 0.3)
        for y in (2024, 2025, 2026):
            lv = base + rng.normal(0, 0.1) + (1.5 if (s == 0 and y == 2025) else 0.0)
            rows.append(("ru", 5, f"s{s:02d}", y, 25, lv, 0.04))
    cols = ["subject", "grade", "school_code", "year", "n", "level", "level_var"]
    levels = pd.DataFrame(rows, columns=cols)
    out = jump_signal(levels).set_index(["school_code", "year"])
    lv = levels.set_index(["school_code", "year"])["level"]
    s0 = lv.loc["s00"]
    assert out.loc[("s00", 2025), "jump"] == pytest.approx(s0[2025] - (s0[2024] + s0[2026]) / 2)
    assert out.loc[("s00", 2024), "jump"] == pytest.approx(s0[2024] - s0[2025])
    assert out.loc[("s00", 2025), "jump_neighbours"] == 2
    diff = levels.pivot(index="school_code", columns="year", values="level").diff(axis=1)
    d = np.r_[diff[2025].to_numpy(), diff[2026].to_numpy()]
    sigma2 = between_variance(d, np.full(len(d), 0.08)) / 2
    want = out.loc[("s00", 2025), "jump"] / math.sqrt(0.04 + 0.08 / 4 + sigma2 * 1.5)
    assert out.loc[("s00", 2025), "jump_reversion_z"] == pytest.approx(want)
    assert out.loc[("s00", 2025), "jump_reversion_z"] > 3
    assert abs(out["jump_reversion_z"].drop(index="s00").mean()) < 0.2


def test_cauchy_combination() -> None:
    p = np.array([[0.01, np.nan], [0.03, 0.03], [0.01, 0.9], [np.nan, np.nan]])
    out = cauchy_combination(p, np.ones(2))
    assert out[0] == pytest.approx(0.01)  # one p-value: itself
    assert out[1] == pytest.approx(0.03)  # equal p-values: the same p
    # a p near 1 counts as ½ (no evidence): half the weight on tan(0.49π), ≈ Bonferroni
    assert out[2] == pytest.approx(stats.cauchy.sf(math.tan(0.49 * math.pi) / 2))
    assert out[2] == pytest.approx(0.02, abs=0.001)
    assert np.isnan(out[3])
    assert cauchy_combination(np.array([[0.01, 0.5]]), np.array([1.0, 0.0]))[0] == pytest.approx(
        0.01
    )


def test_combined_index_columns() -> None:
    frame = pd.DataFrame({f"{s}_z": [0.0, np.nan] for s in SIGNALS})
    frame.loc[0, "bunching_z"] = 4.0
    out = combined_index(frame, Settings().weights)
    assert out.loc[0, "top_signal"] == "bunching" and out.loc[0, "n_signals"] == len(SIGNALS)
    assert 2.5 < out.loc[0, "index_z"] < 4.0  # diluted by seven silent signals
    assert np.isnan(out.loc[1, "index_z"]) and out.loc[1, "n_signals"] == 0


def test_federal_table_shape() -> None:
    signals = pd.DataFrame(
        {
            "municipality_code": ["01"] * 4,
            "municipality_name": ["г. А"] * 4,
            "school_code": ["s1", "s1", "s2", "s2"],
            "school_name": ["Школа 1", "Школа 1", "Школа 2", "Школа 2"],
            "year": [2025] * 4,
            "subject": ["ru", "ma", "ru", "ma"],
            "grade": [4, 5, 4, 5],
            "index_z": [3.5, 2.5, np.nan, 0.1],
            "marker": [1, 1, 0, 0],
        }
    )
    out = federal_table(signals)
    assert list(out.columns) == [
        "municipality_code",
        "municipality_name",
        "school_code",
        "school_name",
        "year",
        "ru_4",
        "ma_5",
        "n_markers",
        "n_works",
    ]
    assert out[["ru_4", "ma_5", "n_markers", "n_works"]].values.tolist() == [
        [1, 1, 2, 2],
        [0, 0, 0, 1],
    ]


def test_evidence_text_in_russian() -> None:
    row = pd.Series({f"{s}_z": np.nan for s in SIGNALS})
    row["journal_above_vpr_z"] = 3.2
    row["share_journal_above_vpr"] = 0.34
    row["region_share_journal_above_vpr"] = 0.06
    row["bunching_z"] = 0.4
    text = evidence_text(row, 2.0)
    assert text == (
        "Отметка в журнале выше отметки ВПР у 34 % участников при 6 % по региону (z = 3,2)."
    )
    assert num(-1.25, 2) == "−1,25"


def test_settings_from_config() -> None:
    s = load_settings()
    assert set(s.weights) == set(SIGNALS) and all(w > 0 for w in s.weights.values())
    assert s.unit_n >= 10 and s.marker_z > 0


def _work(
    school: np.ndarray,
    primary: np.ndarray,
    thresholds: tuple[int, int, int],
    max_score: int,
    *,
    mark: np.ndarray | None = None,
    journal: np.ndarray | None = None,
) -> Work:
    n = len(school)
    if mark is None:
        mark = np.searchsorted(np.asarray(thresholds), primary, side="right") + 2
    return Work(
        year=2025,
        subject="ru",
        grade=5,
        school=np.array([str(s) for s in school], dtype=object),
        class_label=np.array(["5А"] * n, dtype=object),
        primary=np.asarray(primary),
        mark=np.asarray(mark),
        journal=np.full(n, np.nan) if journal is None else np.asarray(journal),
        scores=np.zeros((n, 0), dtype="int64"),
        maxima=np.array([max_score]),
        advanced=np.array([False]),
        thresholds=thresholds,
    )
