"""A correlation between two school-level measures with its interval.

Why Fisher's z: the sampling distribution of r is skewed near ±1 and its variance depends on
the unknown ρ, so «r ± 1.96·se» gives intervals that leave [−1, 1] and cover badly with a few
dozen schools. ``z = atanh(r)`` is close to normal with variance ``1/(n − 3)`` whatever ρ
(for bivariate-normal data), so the interval is built on z and mapped back with ``tanh``: it
stays inside (−1, 1) and is asymmetric as it should be. For Spearman's rank correlation the
variance is ``1.06/(n − 3)`` (Fieller, Hartley & Pearson 1957), which keeps the coverage for
ranks. Both are checked by simulation in ``tests/test_competences.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, rankdata

SPEARMAN_VARIANCE = 1.06  # Fieller, Hartley & Pearson (1957): var(atanh r_s) ≈ 1.06/(n − 3)


@dataclass(frozen=True)
class Correlation:
    r: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        return bool(self.ci_low > 0 or self.ci_high < 0)


NO_ESTIMATE = Correlation(math.nan, math.nan, math.nan, 0)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    dx, dy = x - x.mean(), y - y.mean()
    denom = math.sqrt(float((dx * dx).sum()) * float((dy * dy).sum()))
    return float((dx * dy).sum() / denom) if denom > 0 else math.nan


def correlation(
    x: np.ndarray | list[float],
    y: np.ndarray | list[float],
    *,
    method: str = "pearson",
    level: float = 0.95,
) -> Correlation:
    """Pearson's (or Spearman's) r of the pairs where both values are present, with the
    Fisher-z interval; no estimate (NaN) with fewer than 4 pairs or a constant variable."""
    xa, ya = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    ok = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[ok], ya[ok]
    n = len(xa)
    if n < 4:
        return Correlation(math.nan, math.nan, math.nan, n)
    if method == "spearman":
        xa, ya = rankdata(xa), rankdata(ya)
        variance = SPEARMAN_VARIANCE
    elif method == "pearson":
        variance = 1.0
    else:
        raise ValueError(f"unknown method {method!r}")
    r = _pearson(xa, ya)
    if math.isnan(r):
        return Correlation(math.nan, math.nan, math.nan, n)
    clipped = min(max(r, -0.9999999), 0.9999999)
    z = math.atanh(clipped)
    half = float(norm.ppf(0.5 + level / 2)) * math.sqrt(variance / (n - 3))
    return Correlation(r, math.tanh(z - half), math.tanh(z + half), n)
