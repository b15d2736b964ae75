"""Survey statistics: estimates with standard errors for sampled studies (PISA model).

``replicates`` holds the estimators (weighted mean, share below a cut, level distribution,
any statistic) with Fay-BRR sampling variance and Rubin's rules over plausible values;
``brr`` builds replicate factors from variance strata (Hadamard balance).
"""

from soko.stats.brr import fay_replicate_factors, hadamard, pair_units
from soko.stats.replicates import (
    Estimate,
    ReplicateDesign,
    Statistic,
    contrast_statistic,
    fay_variance,
    independent_difference,
    level_distribution,
    level_statistic,
    mean_statistic,
    replicate_estimate,
    rubin,
    share_below,
    share_below_statistic,
    weighted_mean,
    weighted_quantile,
)

__all__ = [
    "Estimate",
    "ReplicateDesign",
    "Statistic",
    "contrast_statistic",
    "fay_replicate_factors",
    "fay_variance",
    "hadamard",
    "independent_difference",
    "level_distribution",
    "level_statistic",
    "mean_statistic",
    "pair_units",
    "replicate_estimate",
    "rubin",
    "share_below",
    "share_below_statistic",
    "weighted_mean",
    "weighted_quantile",
]
