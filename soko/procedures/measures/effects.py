"""Did the measures work? Matched difference-in-differences per kind of measure (001_* §5).

Why not simply compare a school's results before and after its measure: regions give support
to schools whose results were *low that year*, and a school's yearly result is its lasting
level plus luck (a weak cohort, a bad day, a few dozen students). Schools picked for being low
were on average also unlucky, and rise the next year with no help (regression to the mean);
results of the whole region also move from year to year (a harder test). So each school with
the measure is compared with the ``neighbours`` schools **without** it that were most alike
before it started — closest result in the base period (the same luck, so the same regression
to the mean), context index (ИСБШ), size (participants), and, exactly, of the same kind of
school — and the effect is the difference of their changes::

    D_t = (post_t − pre_t) − mean_{c ∈ J(t)} (post_c − pre_c),      τ = mean_t D_t

with ``pre`` the mean result over ``pre_years`` before the start year and ``post`` the mean
over ``post_years`` from it. Controls are matched with replacement (one control may serve
several treated schools) and never include a school that got any measure meant to move the
same result ("clean" controls). Treated schools are the extreme ones, so even the nearest
controls sit a little closer to the middle; the bias correction of Abadie & Imbens (2011)
moves each control's change to its treated school's covariates along the controls' linear
regression of change on them (``Δ_j + β'(X_t − X_j)``), which removes that discrepancy.

**Standard error** (Abadie & Imbens 2006, the variance of the matching estimator of the
effect on the treated; what Stata's ``teffects nnmatch`` reports)::

    V = [ Σ_t (D_t − τ)²  +  Σ_c (K_c² − K'_c) · σ²_c ] / N_t²

``K_c = Σ_t 1{c ∈ J(t)} / M`` is how much weight control c carries in τ and ``K'_c`` the sum
of its squared weights (M = neighbours). The first sum estimates the variance of each
treated school's own comparison, which already holds every control's noise once; controls
used by several treated schools make those comparisons correlated, and the second sum adds
that covariance, with ``σ²_c`` — the variance of a control's change given its covariates —
estimated as half the squared difference between its change and that of its nearest other
control. The slopes β of the bias correction are estimated too; their (HC1) covariance adds
g'·Cov(β)·g, g = Σ_t of the mean covariate gap, to the numerator. A naive SD(D)/√N_t would
understate the uncertainty exactly when few controls carry many treated schools; a bootstrap
is not valid for matching with replacement (Abadie & Imbens 2008). The interval is
τ ± t_ν · SE with ν from Satterthwaite (N_t − 1 when the comparisons are equally noisy,
fewer when a few noisy small schools dominate): with ten or twenty treated schools the normal
quantile would be too narrow. In the seeded simulation of ``tests/test_measures_effects.py``
(selection on a noisy low result, 20 treated of 200) the estimate is unbiased and the 95 %
interval covers the true effect in about 94 % of replications.

Assumptions (docs/measures.md): without the measure, treated schools would have changed like
their matched controls (parallel trends given the base-period result, context, size and kind);
one school's measure does not move another's results; the register is complete (an
unregistered measure at a control school biases the effect towards zero).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from soko.indicators.marks import mark_stats, max_primary_scores

MATCH_COLUMNS: dict[str, str] = {
    "prior_result": "pre",
    "context": "context",
    "size": "size",
}
EXACT_COLUMNS: dict[str, str] = {"school_kind": "school_kind", "municipality": "municipality_code"}
DOF_FACTOR = 3.0


@dataclass(frozen=True)
class DidEstimate:
    """A matched difference-in-differences: effect, its standard error and interval."""

    effect: float
    se: float
    ci_low: float
    ci_high: float
    n_treated: int
    n_control: int  # distinct controls used
    naive_change: float  # the treated schools' own mean change (what a before/after says)

    @staticmethod
    def empty(n_treated: int = 0, n_control: int = 0) -> DidEstimate:
        nan = math.nan
        return DidEstimate(nan, nan, nan, nan, n_treated, n_control, nan)


@dataclass(frozen=True)
class _Matched:
    """One cohort's comparisons: per treated school D_t; per control its weight terms."""

    d: np.ndarray  # D_t per treated school
    change: np.ndarray  # the treated schools' own change
    weight: dict[str, float]  # control -> K_c
    weight_sq: dict[str, float]  # control -> K'_c
    sigma2: dict[str, float]  # control -> σ²_c
    slope_var: float = 0.0  # variance of Σ_t D_t from the estimated adjustment slopes


def _standardised(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    x = frame[list(columns)].to_numpy(dtype=np.float64)
    x = x[:, ~np.isnan(x).all(axis=0)]  # a covariate nobody has (size of a 0/1 outcome) is out
    if x.size == 0:
        return x.reshape(len(frame), 0)
    centre = np.nanmean(x, axis=0)
    x = np.where(np.isnan(x), centre, x)  # a missing covariate counts as the average
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _slopes(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slopes of y on the columns of x (with an intercept) and their
    heteroskedasticity-robust (HC1) covariance; zeros when the controls are too few."""
    k = x.shape[1]
    if k == 0 or len(y) <= k + 2:
        return np.zeros(k), np.zeros((k, k))
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    bread = np.linalg.pinv(design.T @ design)
    meat = (design * resid[:, None] ** 2).T @ design
    cov = bread @ meat @ bread * len(y) / (len(y) - k - 1)
    return np.asarray(coef[1:]), cov[1:, 1:]


def _nearest(distance: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k smallest distances per row (ties: the earlier column)."""
    return np.argsort(distance, axis=1, kind="stable")[:, : min(k, distance.shape[1])]


def _match_cohort(
    units: pd.DataFrame, match_on: Sequence[str], exact: Sequence[str], neighbours: int
) -> _Matched | None:
    """``units``: one row per school (``unit``, ``treated``, ``change`` and the covariates),
    sorted by unit so ties break the same way every run."""
    units = units.sort_values("unit", kind="stable").reset_index(drop=True)
    x = _standardised(units, match_on)
    treated = units["treated"].to_numpy(dtype=bool)
    t_idx, c_idx = np.flatnonzero(treated), np.flatnonzero(~treated)
    if len(t_idx) == 0 or len(c_idx) == 0:
        return None
    diff = x[t_idx][:, None, :] - x[c_idx][None, :, :]
    dist = np.sqrt((diff**2).sum(axis=2)) if x.shape[1] else np.zeros((len(t_idx), len(c_idx)))
    if exact:
        key = units[list(exact)].astype("string").fillna("").agg("|".join, axis=1).to_numpy()
        other = key[t_idx][:, None] != key[c_idx][None, :]
        # a treated school with no control of its kind is matched among all (rather than lost)
        has_own = (~other).any(axis=1)
        dist = dist + np.where(other & has_own[:, None], 1e6, 0.0)
    nearest = _nearest(dist, neighbours)
    change = units["change"].to_numpy(dtype=np.float64)
    m = nearest.shape[1]
    # bias correction (Abadie & Imbens 2011): a control's change is moved to the treated
    # school's covariates along the controls' linear regression of change on them, so the
    # matching discrepancy left (the treated are the extreme ones) does not bias the effect
    beta, beta_cov = _slopes(x[c_idx], change[c_idx])
    gap = x[t_idx][:, None, :] - x[c_idx][nearest]  # (treated, neighbours, covariates)
    adjust = gap @ beta if beta.size else np.zeros(nearest.shape)
    d = change[t_idx] - (change[c_idx][nearest] + adjust).mean(axis=1)
    gap_sum = gap.mean(axis=1).sum(axis=0)  # Σ_t of the mean gap: how τ·N_t leans on β
    codes = units["unit"].astype(str).to_numpy()
    weight: dict[str, float] = {}
    weight_sq: dict[str, float] = {}
    for row in nearest:
        for j in row:
            c = codes[c_idx[j]]
            weight[c] = weight.get(c, 0.0) + 1.0 / m
            weight_sq[c] = weight_sq.get(c, 0.0) + 1.0 / m**2
    # σ²_c: half the squared difference of a control's change and its nearest other control's
    sigma2: dict[str, float] = {}
    xc = x[c_idx]
    for j, ci in enumerate(c_idx):
        c = codes[ci]
        if c not in weight:
            continue
        if len(c_idx) < 2:
            sigma2[c] = 0.0
            continue
        dc = np.sqrt(((xc - xc[j]) ** 2).sum(axis=1)) if xc.shape[1] else np.zeros(len(c_idx))
        dc[j] = np.inf
        nb = int(np.argmin(dc))
        sigma2[c] = 0.5 * float(change[ci] - change[c_idx[nb]]) ** 2
    slope_var = float(gap_sum @ beta_cov @ gap_sum) if beta.size else 0.0
    return _Matched(d, change[t_idx], weight, weight_sq, sigma2, slope_var)


def _dof(sq: np.ndarray, n_t: int) -> float:
    """Degrees of freedom of the variance: n_t − 1 when the treated schools' comparisons are
    equally noisy, fewer when a few noisy ones dominate the sum. Satterthwaite's
    (Σ v)² / Σ v² with each comparison's variance v estimated by its squared deviation r²
    (E r⁴ = 3 v² for a normal deviation, hence the 3); at least 1."""
    total, fourth = float(sq.sum()), float((sq**2).sum())
    if fourth <= 0:
        return float(n_t - 1)
    return max(1.0, min(float(n_t - 1), DOF_FACTOR * total**2 / fourth))


def _combine(parts: Iterable[_Matched], level: float) -> DidEstimate:
    parts = list(parts)
    d = np.concatenate([p.d for p in parts]) if parts else np.array([])
    n_t = len(d)
    controls = {c for p in parts for c in p.weight}
    if n_t == 0:
        return DidEstimate.empty(0, len(controls))
    tau = float(d.mean())
    naive = float(np.concatenate([p.change for p in parts]).mean())
    reuse = sum((p.weight[c] ** 2 - p.weight_sq[c]) * p.sigma2[c] for p in parts for c in p.weight)
    reuse += sum(p.slope_var for p in parts)
    if n_t < 2:
        return DidEstimate(tau, math.nan, math.nan, math.nan, n_t, len(controls), naive)
    sq = (d - tau) ** 2
    var = (float(sq.sum()) + reuse) / n_t**2
    se = math.sqrt(max(var, 0.0))
    q = float(stats.t.ppf(0.5 + level / 2, df=_dof(sq, n_t)))
    return DidEstimate(tau, se, tau - q * se, tau + q * se, n_t, len(controls), naive)


def matched_did(
    units: pd.DataFrame,
    *,
    match_on: Sequence[str] = ("pre",),
    exact: Sequence[str] = (),
    neighbours: int = 3,
    level: float = 0.95,
) -> DidEstimate:
    """Matched DiD over ``units`` (one row per school: ``unit``, ``treated``, ``change`` =
    post − pre, the ``match_on`` and ``exact`` columns; a ``cohort`` column — the start year —
    matches each treated school only within its cohort's rows)."""
    cohorts = units["cohort"] if "cohort" in units.columns else pd.Series(0, index=units.index)
    parts = []
    for _, group in units.groupby(cohorts, sort=True):
        part = _match_cohort(group, match_on, exact, neighbours)
        if part is not None:
            parts.append(part)
    return _combine(parts, level)


# --- outcomes --------------------------------------------------------------------------------


def vpr_outcomes(
    vpr_results: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    subjects: Iterable[str],
    grades: Sequence[int] | None,
    min_grade_participants: int,
) -> pd.DataFrame:
    """Per school × subject × year: the mean primary score in % of the maximum, averaged over
    grades (each grade once, grades with fewer participants left out), and participants.
    Columns ``school_code``, ``subject``, ``year``, ``value``, ``n``."""
    cols = ["school_code", "subject", "year", "value", "n"]
    res = vpr_results[vpr_results["subject"].isin(list(subjects))]
    if grades is not None:
        res = res[res["grade"].isin(list(grades))]
    if res.empty:
        return pd.DataFrame(columns=cols)
    per_grade = mark_stats(
        res,
        by=["year", "subject", "grade", "school_code"],
        max_scores=max_primary_scores(vpr_tasks),
    )
    per_grade = per_grade[
        (per_grade["n"] >= min_grade_participants) & per_grade["mean_score_share"].notna()
    ]
    out = (
        per_grade.groupby(["school_code", "subject", "year"], sort=True)
        .agg(value=("mean_score_share", "mean"), n=("n", "sum"))
        .reset_index()
    )
    out["value"] = 100.0 * out["value"].astype("float64")
    out["n"] = out["n"].astype("float64")
    return out[cols]


OBJECTIVITY_SUBJECT = "objectivity"


def objectivity_outcomes(markers: pd.DataFrame) -> pd.DataFrame:
    """Per school × year: 100 when the school has at least one objectivity marker, else 0
    (so a mean over schools is the share of schools with markers, in %)."""
    cols = ["school_code", "subject", "year", "value", "n"]
    if markers.empty or "n_markers" not in markers.columns:
        return pd.DataFrame(columns=cols)
    out = markers[["school_code", "year", "n_markers"]].copy()
    out["value"] = np.where(out["n_markers"].astype("float64") > 0, 100.0, 0.0)
    out["subject"] = OBJECTIVITY_SUBJECT
    out["n"] = math.nan
    return out[cols].reset_index(drop=True)


def _window_mean(panel: pd.DataFrame, years: Sequence[int]) -> pd.Series:
    sub = panel[panel["year"].isin(list(years))]
    return sub.groupby("school_code")["value"].mean()


def cohort_units(
    outcome: pd.DataFrame,
    treated: Mapping[str, int],
    controls: Iterable[str],
    start: int,
    pre_years: int,
    post_years: int,
    covariates: pd.DataFrame,
) -> pd.DataFrame:
    """The schools of one start year with their change and covariates, ready to match:
    treated schools starting in ``start`` and every control with results in both windows."""
    pre_w = list(range(start - pre_years, start))
    post_w = list(range(start, start + post_years))
    pre = _window_mean(outcome, pre_w)
    post = _window_mean(outcome, post_w)
    size = outcome[outcome["year"].isin(pre_w)].groupby("school_code")["n"].mean()
    mine = [s for s, y in treated.items() if y == start]
    codes = sorted({*mine, *controls})
    frame = pd.DataFrame({"unit": codes})
    frame["treated"] = frame["unit"].isin(mine)
    frame["pre"] = frame["unit"].map(pre)
    frame["post"] = frame["unit"].map(post)
    frame["change"] = frame["post"] - frame["pre"]
    frame["size"] = np.log1p(frame["unit"].map(size).astype("float64"))
    ctx = covariates[covariates["year"].isin(pre_w)].groupby("school_code")["isbs"].mean()
    frame["context"] = frame["unit"].map(ctx).astype("float64")
    info = covariates.drop_duplicates("school_code").set_index("school_code")
    for col in ("school_kind", "municipality_code"):
        frame[col] = frame["unit"].map(info[col]) if col in info.columns else pd.NA
    frame["cohort"] = start
    return frame[frame["change"].notna()].reset_index(drop=True)
