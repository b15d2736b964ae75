"""Small statistical helpers shared by the signals: p ↔ z, mid-p tails of discrete tests,
and the between-school variance that turns a sampling z into a z against the region's
schools."""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import gammaln

Z_CAP = 37.0  # norm.isf(1e-300): beyond this a p-value underflows


def z_from_p(p: np.ndarray | float) -> np.ndarray:
    """One-sided z of an upper-tail p-value (NaN stays NaN)."""
    p = np.clip(np.asarray(p, dtype="float64"), 1e-300, 1.0)
    return np.clip(stats.norm.isf(p), -Z_CAP, Z_CAP)


def p_from_z(z: np.ndarray | float) -> np.ndarray:
    """Upper-tail p of a standard-normal z (NaN stays NaN)."""
    return stats.norm.sf(np.asarray(z, dtype="float64"))


def poisson_mid_p(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Mid-p of ``N ≥ observed`` for ``N ~ Poisson(expected)``: P(N > k) + ½ P(N = k)."""
    k = np.asarray(observed, dtype="float64")
    mu = np.asarray(expected, dtype="float64")
    return stats.poisson.sf(k, mu) + 0.5 * stats.poisson.pmf(k, mu)


def binomial_pmf(n: int, q: float) -> np.ndarray:
    """Binomial(n, q) pmf on 0..n (closed form; scipy's per-call overhead adds up over the
    thousands of schools of a region)."""
    k = np.arange(n + 1)
    if q <= 0 or q >= 1:
        return (k == (n if q >= 1 else 0)).astype("float64")
    log = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + k * np.log(q)
    return np.exp(log + (n - k) * np.log1p(-q))


def binomial_sum_mid_p(observed: int, trials: np.ndarray, probs: np.ndarray) -> float:
    """Mid-p of ``K ≥ observed`` for K a sum of independent Binomial(trials_t, probs_t)."""
    pmf = np.array([1.0])
    for n, q in zip(np.asarray(trials, dtype=int), np.asarray(probs, dtype=float), strict=True):
        pmf = np.convolve(pmf, binomial_pmf(int(n), float(q)))
    k = int(observed)
    if k >= len(pmf):
        return 0.0
    return float(pmf[k + 1 :].sum() + 0.5 * pmf[k])


def between_variance(effect: np.ndarray, sampling_var: np.ndarray, centre: float = 0.0) -> float:
    """τ² that makes ``(effect − centre) / √(sampling_var + τ²)`` have the median absolute
    value of a standard normal (0.6745) over the region's units: a robust Paule–Mandel
    estimate of the spread between schools that sampling error does not explain. Robust, so
    the few manipulating schools do not widen the reference they are judged against; 0 when
    sampling error alone already explains the spread."""
    e = np.asarray(effect, dtype="float64") - centre
    v = np.asarray(sampling_var, dtype="float64")
    ok = np.isfinite(e) & np.isfinite(v) & (v >= 0)
    e, v = e[ok], v[ok]
    if len(e) < 3:
        return 0.0
    target = stats.norm.ppf(0.75)

    def mad_z(tau2: float) -> float:
        return float(np.median(np.abs(e) / np.sqrt(v + tau2 + 1e-300)))

    if mad_z(0.0) <= target:
        return 0.0
    lo, hi = 0.0, float(np.median(e**2)) / target**2 + 1e-12
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if mad_z(mid) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
