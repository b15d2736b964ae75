"""Estimates with standard errors from replicate weights and plausible values.

Large-scale assessments on the PISA model publish a final weight, Fay-BRR replicate weights
and several plausible values (PVs) per student instead of a test score. An estimate is then
computed once per PV and per weight column: the final-weight estimates averaged over PVs
give the point estimate; the replicate spread gives the sampling variance
``1 / (R (1 - k)²) · Σ (θ_r − θ)²`` (= 4/80 · Σ for PISA's R = 80, k = 0.5), averaged over
PVs; Rubin's rules add the between-PV spread: ``V = Ū + (1 + 1/M) · B``. A naive SE from
the student rows would ignore clustering in schools and measurement error and come out far
too small.

Everything is vectorised: one matrix product gives the statistic for all weight columns
and all PVs at once, so a region's estimates for dozens of groups take milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# A statistic maps values (n, M) and weights (n, W) to an array (W, M, *shape): its value
# for every weight column (final first, then replicates) and every plausible value.
Statistic = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ReplicateDesign:
    """Final weight (column 0) and the R replicate weights of a sample, with Fay's k."""

    weights: np.ndarray  # (n, 1 + R), float64
    fay_k: float = 0.5

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, dtype="float64")
        if w.ndim != 2 or w.shape[1] < 2:
            raise ValueError("weights must be (n, 1 + R): the final weight and ≥ 1 replicate")
        if not 0 <= self.fay_k < 1:
            raise ValueError("Fay's k must be in [0, 1)")
        object.__setattr__(self, "weights", w)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        final: str,
        replicates: Sequence[str],
        fay_k: float = 0.5,
    ) -> ReplicateDesign:
        cols = [final, *replicates]
        return cls(frame[cols].to_numpy(dtype="float64", na_value=np.nan), fay_k)

    @property
    def n_replicates(self) -> int:
        return self.weights.shape[1] - 1

    @property
    def final(self) -> np.ndarray:
        return self.weights[:, 0]

    def restrict(self, mask: np.ndarray | pd.Series) -> ReplicateDesign:
        """The design for a subgroup (domain): weights outside it set to zero.

        Keeping every row, rather than dropping the others, is what makes subgroup SEs
        right: the subgroup's size varies from replicate to replicate too.
        """
        keep = np.asarray(mask, dtype=bool)
        return ReplicateDesign(self.weights * keep[:, None], self.fay_k)


@dataclass(frozen=True)
class Estimate:
    """Point estimate and its variance parts; arrays of the statistic's shape."""

    estimate: np.ndarray
    sampling_variance: np.ndarray
    imputation_variance: np.ndarray  # (1 + 1/M) · between-PV variance; 0 without PVs

    @property
    def variance(self) -> np.ndarray:
        return self.sampling_variance + self.imputation_variance

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(self.variance)

    def item(self, index: int | tuple[int, ...] = ()) -> tuple[float, float]:
        """(estimate, SE) of one element as plain floats."""
        return float(np.asarray(self.estimate)[index]), float(np.asarray(self.se)[index])


def fay_variance(full: np.ndarray, replicates: np.ndarray, fay_k: float = 0.5) -> np.ndarray:
    """Fay-BRR sampling variance ``Σ_r (θ_r − θ)² / (R (1 − k)²)``.

    ``full``: the estimate with the final weight (any shape); ``replicates``: (R, *shape).
    """
    reps = np.asarray(replicates, dtype="float64")
    n_rep = reps.shape[0]
    dev = reps - np.asarray(full, dtype="float64")[None, ...]
    return (dev**2).sum(axis=0) / (n_rep * (1.0 - fay_k) ** 2)


def rubin(estimates: np.ndarray, sampling_variances: np.ndarray) -> Estimate:
    """Combine M per-PV estimates (M, *shape) and their sampling variances by Rubin's rules.

    Point = mean over PVs; sampling part = mean of the sampling variances; imputation part =
    (1 + 1/M) × the between-PV variance (ddof 1). With M = 1 there is no imputation part.
    """
    est = np.asarray(estimates, dtype="float64")
    var = np.asarray(sampling_variances, dtype="float64")
    m = est.shape[0]
    point = est.mean(axis=0)
    within = var.mean(axis=0)
    between = est.var(axis=0, ddof=1) if m > 1 else np.zeros_like(point)
    imputation = (1.0 + 1.0 / m) * between
    return Estimate(point, within, imputation)


def _as_matrix(values: np.ndarray | pd.Series | pd.DataFrame) -> np.ndarray:
    arr = np.asarray(values, dtype="float64")
    return arr[:, None] if arr.ndim == 1 else arr


def replicate_estimate(
    statistic: Statistic,
    values: np.ndarray | pd.Series | pd.DataFrame,
    design: ReplicateDesign,
) -> Estimate:
    """Estimate any statistic: once per PV and weight column, then BRR and Rubin.

    ``values``: (n,) for an ordinary variable or (n, M) for M plausible values.
    ``statistic(values, weights)`` returns (W, M, *shape) for weights (n, W).
    """
    vals = _as_matrix(values)
    if vals.shape[0] != design.weights.shape[0]:
        raise ValueError("values and weights have a different number of rows")
    stats = np.asarray(statistic(vals, design.weights), dtype="float64")
    full, reps = stats[0], stats[1:]
    sampling = fay_variance(full, reps, design.fay_k)
    return rubin(full, sampling)


# --- statistics ------------------------------------------------------------------------------


def _weighted_means(indicators: np.ndarray, valid: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted means of columns: indicators (n, K) over valid (n, K) → (W, K)."""
    num = weights.T @ indicators
    den = weights.T @ valid
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def mean_statistic(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of each PV; missing values (NaN) are left out. → (W, M)."""
    valid = ~np.isnan(values)
    return _weighted_means(np.where(valid, values, 0.0), valid.astype("float64"), weights)


def share_below_statistic(cut: float) -> Statistic:
    """Weighted share of values below ``cut`` (missing left out). → (W, M)."""

    def stat(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        valid = ~np.isnan(values)
        below = (np.where(valid, values, np.inf) < cut).astype("float64")
        return _weighted_means(below, valid.astype("float64"), weights)

    return stat


def level_statistic(cuts: Sequence[float]) -> Statistic:
    """Weighted shares in the intervals (−∞, c1), [c1, c2), …, [cL, ∞). → (W, M, L + 1)."""
    edges = np.asarray(sorted(cuts), dtype="float64")

    def stat(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        n, m = values.shape
        valid = ~np.isnan(values)
        level = np.searchsorted(edges, np.where(valid, values, -np.inf), side="right")
        n_levels = len(edges) + 1
        onehot = (level[:, :, None] == np.arange(n_levels)[None, None, :]) & valid[:, :, None]
        flat = onehot.reshape(n, m * n_levels).astype("float64")
        den = np.repeat(valid.astype("float64"), n_levels, axis=1)
        out = _weighted_means(flat, den, weights)
        return out.reshape(weights.shape[1], m, n_levels)

    return stat


def weighted_mean(
    values: np.ndarray | pd.Series | pd.DataFrame, design: ReplicateDesign
) -> Estimate:
    """Mean (of each PV, combined) with its BRR + Rubin SE. Scalar arrays."""
    return replicate_estimate(mean_statistic, values, design)


def share_below(
    values: np.ndarray | pd.Series | pd.DataFrame, cut: float, design: ReplicateDesign
) -> Estimate:
    """Share of students below ``cut`` (e.g. below proficiency level 2) with its SE."""
    return replicate_estimate(share_below_statistic(cut), values, design)


def level_distribution(
    values: np.ndarray | pd.Series | pd.DataFrame,
    cuts: Sequence[float],
    design: ReplicateDesign,
) -> Estimate:
    """Shares below the first cut, between consecutive cuts and above the last, with SEs.

    ``cuts`` are the lower bounds of levels; the result has ``len(cuts) + 1`` elements.
    """
    return replicate_estimate(level_statistic(cuts), values, design)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """The ``q`` quantile of ``values`` (n,) for each weight column (n, W) → (W,).

    The smallest value whose cumulative weight share reaches ``q`` (missing values left
    out); used for group boundaries such as the top quarter of performance.
    """
    vals = np.asarray(values, dtype="float64")
    w = np.asarray(weights, dtype="float64")
    w = w[:, None] if w.ndim == 1 else w
    keep = ~np.isnan(vals)
    vals, w = vals[keep], w[keep]
    order = np.argsort(vals, kind="stable")
    cum = np.cumsum(w[order], axis=0)
    total = cum[-1]
    idx = (cum < q * total[None, :]).sum(axis=0)
    return vals[order][np.minimum(idx, len(vals) - 1)]


def independent_difference(later: Estimate, earlier: Estimate) -> Estimate:
    """``later − earlier`` for estimates from independent samples (e.g. two study years):
    the variances add. (International trends add a linking error on top; a regional study
    repeating the same instrument has none.)"""
    return Estimate(
        np.asarray(later.estimate) - np.asarray(earlier.estimate),
        np.asarray(later.sampling_variance) + np.asarray(earlier.sampling_variance),
        np.asarray(later.imputation_variance) + np.asarray(earlier.imputation_variance),
    )


def contrast_statistic(statistic: Statistic, group_a: np.ndarray, group_b: np.ndarray) -> Statistic:
    """``statistic`` in group A minus the same in group B, within one sample (e.g. girls −
    boys): estimated per replicate, so the SE accounts for the two groups sharing schools."""
    a = np.asarray(group_a, dtype="float64")[:, None]
    b = np.asarray(group_b, dtype="float64")[:, None]

    def stat(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return statistic(values, weights * a) - statistic(values, weights * b)

    return stat
