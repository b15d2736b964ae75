"""``fit_value_added``: the regional model of school evaluation (decree 002_* §4.2).

A multilevel model of an outcome on prior attainment and context; a school's value added
is its shrunken (empirical Bayes) random intercept: how far its students' results lie above
or below what their prior results and context predict, pulled towards 0 the less the school's
data say. Its standard error is the prediction-error SD (it includes the uncertainty of the
fixed effects), so a 95 % interval and a band follow, as in England's CVA and Progress 8.

Two uses share it: student-level models, where a pseudonymous id links a student's earlier
and later results, and school-level models, where students are anonymous and the "prior" is
the same school cohort's mean a year earlier (a school-level covariate in the same model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from soko.value_added.design import build_design
from soko.value_added.engine import fit, school_sums

Z95 = 1.959963984540054
BANDS = ("above", "average", "below")


@dataclass(frozen=True)
class ValueAddedResult:
    """A fitted model. Variances are on the outcome's scale (squared units)."""

    fixed: pd.Series  # fixed effects by term ("Intercept", prior..., context...)
    fixed_se: pd.Series
    school_variance: float  # variance of school intercepts
    residual_variance: float
    municipality_variance: float | None
    slope_variance: float | None  # random_slope=True: variance of the first prior's slope
    intercept_slope_covariance: float | None
    loglik: float  # restricted (reml=True) or ordinary log-likelihood, lme4's convention
    reml: bool
    n_obs: int
    schools: pd.DataFrame  # school, n, effect, se, ci_low, ci_high, band (+ slope_*, municipality*)
    municipalities: pd.DataFrame | None  # municipality, n_schools, effect, se

    @property
    def icc(self) -> float:
        """Share of the outcome's variance (given the covariates) that lies between schools."""
        between = self.school_variance + (self.municipality_variance or 0.0)
        return between / (between + self.residual_variance)


def band(ci_low: np.ndarray, ci_high: np.ndarray) -> np.ndarray:
    """above / average / below: the interval wholly above 0, containing 0, wholly below."""
    return np.where(ci_low > 0, "above", np.where(ci_high < 0, "below", "average"))


def fit_value_added(
    df: pd.DataFrame,
    outcome: str,
    prior: list[str],
    context: list[str] | None = None,
    school: str = "school_code",
    municipality: str | None = None,
    random_slope: bool = False,
    reml: bool = True,
) -> ValueAddedResult:
    """Fit the model and return fixed effects, variance components and school effects.

    ``prior`` and ``context`` are columns of ``df`` (numeric, or categorical → treatment
    dummies named ``col[T.level]``). ``random_slope`` lets the effect of ``prior[0]`` vary by
    school (differential effectiveness); ``municipality`` adds a municipality level, and
    then a school's ``effect`` is its deviation from its municipality's expected results
    (``municipality_effect`` is in the table too). Rows with missing values are dropped.
    """
    context = list(context or [])
    if random_slope and not prior:
        raise ValueError("Для случайного наклона нужна хотя бы одна переменная prior.")
    design = build_design(
        df,
        outcome,
        [*prior, *context],
        school,
        municipality,
        prior[0] if random_slope else None,
    )
    sums = school_sums(design)
    f = fit(sums, reml)
    s2 = f.sigma2
    G = s2 * f.L @ f.L.T
    terms = list(design.terms)
    fixed = pd.Series(f.beta, index=terms, name="estimate")
    fixed_se = pd.Series(np.sqrt(np.diag(f.cov_beta)), index=terms, name="se")
    se = np.sqrt(np.maximum(f.b_var[:, 0, 0], 0.0))
    effect = f.b[:, 0]
    lo, hi = effect - Z95 * se, effect + Z95 * se
    schools = pd.DataFrame(
        {
            "school": design.schools,
            "n": sums.n.astype(np.int64),
            "effect": effect,
            "se": se,
            "ci_low": lo,
            "ci_high": hi,
            "band": band(lo, hi),
        }
    )
    if random_slope:
        slope_se = np.sqrt(np.maximum(f.b_var[:, 1, 1], 0.0))
        schools["slope_effect"] = f.b[:, 1]
        schools["slope_se"] = slope_se
    municipalities = None
    if design.municipalities is not None and f.v is not None and f.v_var is not None:
        mun_of = design.municipality_of_school
        assert mun_of is not None
        municipalities = pd.DataFrame(
            {
                "municipality": design.municipalities,
                "n_schools": np.bincount(mun_of, minlength=len(design.municipalities)),
                "effect": f.v,
                "se": np.sqrt(np.maximum(f.v_var, 0.0)),
            }
        )
        schools.insert(1, "municipality", design.municipalities[mun_of])
        schools["municipality_effect"] = f.v[mun_of]
    return ValueAddedResult(
        fixed=fixed,
        fixed_se=fixed_se,
        school_variance=float(G[0, 0]),
        residual_variance=float(s2),
        municipality_variance=None if municipality is None else float(s2 * f.lam**2),
        slope_variance=float(G[1, 1]) if random_slope else None,
        intercept_slope_covariance=float(G[0, 1]) if random_slope else None,
        loglik=-0.5 * f.deviance,
        reml=reml,
        n_obs=sums.N,
        schools=schools,
        municipalities=municipalities,
    )
