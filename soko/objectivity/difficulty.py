"""Signal 3: inverted difficulty (Rosobrnadzor's criterion «b»).

Honest results keep the region's balance between basic (Б) and advanced (П) tasks: among
participants with the same primary score, the share of it earned on П tasks varies little
from school to school. Each participant's share of П points is compared with the region's
mean among participants with the same primary score (the work's task profile at that
score, see ``patterns.task_profile``; the total, not the Б score, so that a strong student who has
reached the Б ceiling is not taken for a weak one), and the school's mean residual
r = mean(П − E[П | total]) is tested against its sampling variance (the region's conditional
variances / n) plus the between-school variance τ² of the subject's schools::

    z = r / √(Σ Var(П | total_i) / n² + τ²)

Large z: for the same primary score, advanced tasks are done far better and basic ones worse
than in the region — «лёгкие задания выполнены хуже, трудные лучше», the pattern of hints on
hard tasks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.objectivity.settings import Settings
from soko.objectivity.stats import between_variance
from soko.objectivity.works import Work, school_groups


def pooled_profile(
    x: np.ndarray, y: np.ndarray, size: int, min_n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of y for each integer x in 0..size, pooling neighbouring x (±h,
    growing h) until at least ``min_n`` observations; NaN where the work has none."""
    n = np.bincount(x, minlength=size + 1).astype("float64")
    s1 = np.bincount(x, weights=y, minlength=size + 1)
    s2 = np.bincount(x, weights=y * y, minlength=size + 1)
    c_n, c1, c2 = (np.r_[0.0, np.cumsum(a)] for a in (n, s1, s2))
    mean = np.full(size + 1, np.nan)
    var = np.full(size + 1, np.nan)
    total = n.sum()
    for v in range(size + 1):
        h = 0
        while True:
            lo, hi = max(0, v - h), min(size, v + h)
            cnt = c_n[hi + 1] - c_n[lo]
            if cnt >= min(min_n, total) or (lo == 0 and hi == size):
                break
            h += 1
        if cnt > 0:
            m = (c1[hi + 1] - c1[lo]) / cnt
            mean[v] = m
            var[v] = max((c2[hi + 1] - c2[lo]) / cnt - m * m, 0.0)
    return mean, var


def difficulty_stats(work: Work, profile: np.ndarray, settings: Settings) -> pd.DataFrame:
    """Per school: completion of Б and П tasks (school and region), the mean residual of the
    П share given the total and its sampling variance.

    E[П | total] comes from the work's task profile (``patterns.task_profile``: pooled over
    neighbouring totals, then tilted to the exact total, so a sparse top score is not pulled
    towards lower ones); Var(П | total) is the pooled empirical variance (pooling only widens
    it, which errs on the cautious side)."""
    codes, groups = school_groups(work.school)
    out = pd.DataFrame({"school_code": codes})
    cols = ["basic_completion", "advanced_completion", "difficulty_residual", "difficulty_var"]
    for col in cols:
        out[col] = np.nan
    adv = work.advanced
    if len(work) == 0 or adv.all() or not adv.any():
        return out
    max_b = int(work.maxima[~adv].sum())
    max_p = int(work.maxima[adv].sum())
    b = work.scores[:, ~adv].sum(axis=1)
    p = work.scores[:, adv].sum(axis=1) / max_p
    total = work.scores.sum(axis=1)
    _, var = pooled_profile(total, p, work.max_score, settings.profile_n)
    points = np.arange(profile.shape[2], dtype="float64")
    mean = (profile[:, adv, :] * points).sum(axis=(1, 2)) / max_p
    resid = p - mean[total]
    count = np.bincount(groups, minlength=len(codes)).astype("float64")
    out["basic_completion"] = np.bincount(groups, weights=b / max_b) / count
    out["advanced_completion"] = np.bincount(groups, weights=p) / count
    out["difficulty_residual"] = np.bincount(groups, weights=resid) / count
    out["difficulty_var"] = np.bincount(groups, weights=var[total]) / count**2
    out["region_basic_completion"] = float(b.mean() / max_b)
    out["region_advanced_completion"] = float(p.mean())
    out.loc[count < settings.unit_n, ["difficulty_residual", "difficulty_var"]] = np.nan
    return out


def difficulty_signal(stats: pd.DataFrame) -> pd.DataFrame:
    """Add ``inverted_difficulty_z`` with τ² per subject (years and grades pooled)."""
    out = stats.copy()
    r = out["difficulty_residual"].to_numpy(dtype="float64")
    v = out["difficulty_var"].to_numpy(dtype="float64")
    z = np.full(len(out), np.nan)
    for subject in out["subject"].unique():
        sel = (out["subject"] == subject).to_numpy() & np.isfinite(r) & np.isfinite(v)
        tau2 = between_variance(r[sel], v[sel])
        z[sel] = r[sel] / np.sqrt(v[sel] + tau2)
    out["inverted_difficulty_z"] = z
    return out
