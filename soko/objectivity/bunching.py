"""Signal 1: bunching of primary scores at the mark thresholds.

A school that lifts students over a threshold moves mass from the few points below it to the
threshold and the point after it. For each threshold t of the scale the test looks at the
window of ``below`` points under t and the two points from t up: given the M_t students of
the school in the window, the number K_t at t or t + 1 is Binomial(M_t, q_t) under no
manipulation, where q_t is the share of the window above the threshold in a smooth model of
the school's own distribution — a beta-binomial with the school's mean and the region's
within-school dispersion for the work (so the region's shape, the school's level; a smooth
curve has no step at a threshold). The statistic is the mid-p of K = Σ K_t ≥ observed under
the sum of these binomials, as a one-sided z.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from soko.objectivity.settings import Settings
from soko.objectivity.stats import binomial_sum_mid_p, z_from_p
from soko.objectivity.works import Work, school_groups

COLUMNS: tuple[str, ...] = (
    "bunching_above",
    "bunching_window",
    "bunching_expected",
    "bunching_z",
)


def threshold_windows(
    thresholds: tuple[int, ...], max_score: int, below: int
) -> list[tuple[int, int, int]]:
    """(low, threshold, high) per threshold: «below» = low..t−1, «above» = t..high.

    Windows never overlap: «above» stops before the next threshold and «below» starts after
    the previous window; a window with nothing below (adjacent thresholds) is dropped.
    """
    out: list[tuple[int, int, int]] = []
    prev_end = -1
    ts = [t for t in thresholds if 0 < t <= max_score]
    for i, t in enumerate(ts):
        high = min(t + 1, max_score)
        if i + 1 < len(ts):
            high = min(high, ts[i + 1] - 1)
        low = max(0, t - below, prev_end + 1)
        if low <= t - 1:
            out.append((low, t, high))
        prev_end = high
    return out


def within_dispersion(primary: np.ndarray, groups: np.ndarray, max_score: int) -> float:
    """Intra-class correlation ρ of a beta-binomial that matches the region's pooled
    within-school variance of the primary score (the shape a school's scores have)."""
    df = pd.DataFrame({"g": groups, "x": primary.astype("float64")})
    agg = df.groupby("g")["x"].agg(["count", "mean", "var"])
    agg = agg[(agg["count"] >= 2) & agg["var"].notna()]
    p = (agg["mean"] / max_score).clip(0.02, 0.98)
    binom_var = max_score * p * (1 - p)
    dof = agg["count"] - 1
    if dof.sum() <= 0 or max_score < 2:
        return 0.05
    ratio = float((dof * agg["var"] / binom_var).sum() / dof.sum())
    return float(np.clip((ratio - 1) / (max_score - 1), 1e-3, 0.9))


def beta_binomial_pmf(max_score: int, mean: float, rho: float) -> np.ndarray:
    """Beta-binomial pmf on 0..max_score with the given mean and intra-class correlation."""
    p = float(np.clip(mean / max_score, 0.01, 0.99))
    k = 1.0 / rho - 1.0
    return stats.betabinom.pmf(np.arange(max_score + 1), max_score, p * k, (1 - p) * k)


def beta_binomial_pmfs(max_score: int, means: np.ndarray, rho: float) -> np.ndarray:
    """``beta_binomial_pmf`` for many means at once (rows)."""
    p = np.clip(np.asarray(means, dtype="float64") / max_score, 0.01, 0.99)[:, None]
    k = 1.0 / rho - 1.0
    scores = np.arange(max_score + 1)[None, :]
    return stats.betabinom.pmf(scores, max_score, p * k, (1 - p) * k)


def bunching_test(
    scores: np.ndarray, windows: list[tuple[int, int, int]], pmf: np.ndarray
) -> tuple[int, int, float, float]:
    """(K above, M in windows, expected K, mid-p of K ≥ observed) for one school."""
    above = window = 0
    trials, probs = [], []
    expected = 0.0
    for low, t, high in windows:
        in_window = (scores >= low) & (scores <= high)
        m = int(in_window.sum())
        k = int((in_window & (scores >= t)).sum())
        p_window = float(pmf[low : high + 1].sum())
        if m == 0 or p_window <= 0:
            continue
        q = float(pmf[t : high + 1].sum()) / p_window
        above += k
        window += m
        trials.append(m)
        probs.append(q)
        expected += m * q
    if window == 0:
        return 0, 0, 0.0, float("nan")
    return above, window, expected, binomial_sum_mid_p(above, np.array(trials), np.array(probs))


def bunching_signal(work: Work, settings: Settings) -> pd.DataFrame:
    """Per school of the work: counts around the thresholds, expectation and ``bunching_z``."""
    codes, groups = school_groups(work.school)
    out = pd.DataFrame({"school_code": codes})
    for col in COLUMNS:
        out[col] = np.nan
    if work.thresholds is None or len(work) == 0:
        return out
    n_max = work.max_score
    windows = threshold_windows(work.thresholds, n_max, settings.bunching_below)
    rho = within_dispersion(work.primary, groups, n_max)
    order = np.argsort(groups, kind="stable")
    per_school = np.split(work.primary[order], np.cumsum(np.bincount(groups))[:-1])
    means = np.array([x.mean() for x in per_school])
    pmfs = beta_binomial_pmfs(n_max, means, rho)
    rows = np.full((len(codes), 4), np.nan)
    for g, x in enumerate(per_school):
        if len(x) < settings.unit_n:
            continue
        k, m, e, p = bunching_test(x, windows, pmfs[g])
        rows[g] = (k, m, e, p if m >= settings.bunching_window_n else np.nan)
    rows[:, 3] = z_from_p(rows[:, 3])
    out[list(COLUMNS)] = rows
    return out
