"""Truth of the demo's value added: what a growth model fitted to ВПР or РПР should recover.

A school's growth effect ``true_va`` (drawn in ``soko.demo.registry``) adds
(grade − reference grade) × true_va to its students' ability, so a cohort's expected gain from
grade g in year y to grade g + 1 in year y + 1 is ``true_va + w_y+1 − w_y`` (w: the school ×
year deviation); the school's level u_s, context, intake and subject deviation cancel.
``value_added.parquet`` states that gain per school × outcome work, in ability units and in
units of the outcome's standardised primary score (what a model of z-scores estimates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from soko.demo.blueprint import Blueprint
from soko.demo.model import ModelParams
from soko.demo.vpr import school_means
from soko.formats.fisoko_workbook.demo import work_blueprints
from soko.procedure import DemoContext

VPR_SUBJECTS = ("ru", "ma")  # every student writes them; history/biology go by lot per class
RPR = "rpr"  # the procedure whose student ids persist across years
COLUMNS = [
    "procedure",
    "school_code",
    "subject",
    "year",
    "grade",
    "true_va",
    "true_va_realized",
    "z_per_theta",
    "true_va_z",
]
WorkKey = tuple[int, str, int]  # (year, subject, grade)


def z_per_theta(
    bp: Blueprint, mean: float, sd: float, params: ModelParams, n_grid: int = 4001
) -> float:
    """How many SDs of the region's primary score one θ-unit is worth, for this work.

    With p_k = logistic(a_k·(θ − b_k)) and the missing-cell rule of ``simulate_file`` (a cell
    is lost with q_k = base + slope_k·(1 − p_k) and scores 0), task k scores on average
    m_k·p_k·(1 − q_k), so E[X | θ] is their sum and Var[X | θ] the sum of the tasks'
    (binomial, thinned) variances. Over the region's θ ~ N(mean, sd) the primary score X has
    mean μ and SD σ = √(E Var[X | θ] + Var E[X | θ]); its z-score (X − μ)/σ thus moves by
    dE[X | θ]/dθ / σ per θ-unit, which we average over the same θ distribution (fine grid,
    normal weights). A school's gain of Δ θ-units is ≈ Δ · z_per_theta in z-units.
    """
    grid = mean + sd * np.linspace(-6.0, 6.0, n_grid)
    weight = np.exp(-0.5 * ((grid - mean) / sd) ** 2)
    weight /= weight.sum()
    a, b = bp.discrimination[None, :], bp.difficulty[None, :]
    m = bp.maxima[None, :].astype(np.float64)
    p = expit(a * (grid[:, None] - b))
    lost = np.where(
        bp.advanced, params.task_missing_advanced_slope, params.task_missing_basic_slope
    )[None, :]
    base = 1.0 - params.task_missing_base - lost  # a cell is kept with base + lost·p
    kept = base + lost * p
    task_mean = m * p * kept
    task_var = kept * (m * p * (1.0 - p) + (m * p) ** 2) - task_mean**2
    task_slope = m * a * p * (1.0 - p) * (base + 2.0 * lost * p)
    expected = task_mean.sum(axis=1)
    mu = weight @ expected
    sigma = np.sqrt(weight @ task_var.sum(axis=1) + weight @ (expected - mu) ** 2)
    return float(weight @ task_slope.sum(axis=1) / sigma)


def value_added_truth(
    ctx: DemoContext, vpr: dict[WorkKey, Blueprint], params: ModelParams
) -> pd.DataFrame:
    """One row per school × outcome work whose prior work (grade − 1, year − 1, same
    subject and procedure) exists: ВПР Russian and mathematics, and РПР.

    ``true_va`` is the school's draw, ``true_va_realized`` adds the outcome year's minus the
    prior year's school × year deviation (what the data can show; common to subjects),
    ``true_va_z`` is it in z-units of the outcome. ``true_va`` is centred on enrolment, the
    realized value is not: its region mean is the mean year-on-year change of w (≈ 0.01 in
    the demo region), which z-scores, standardised every year, cannot show.
    """

    works = {
        "vpr": {key: bp for key, bp in vpr.items() if key[1] in VPR_SUBJECTS},
        RPR: work_blueprints(ctx, RPR),
    }
    schools = ctx.schools
    subjects = sorted({key[1] for blueprints in works.values() for key in blueprints})
    means = school_means(ctx.seed, schools, ctx.years, subjects, params)
    va = schools["true_va"].to_numpy(dtype=np.float64)
    weights = schools["cohort"].to_numpy(dtype=np.float64)
    frames = []
    for procedure, blueprints in works.items():
        for (year, subject, grade), bp in sorted(blueprints.items()):
            if (year - 1, subject, grade - 1) not in blueprints:
                continue
            level = means.mean[(year, subject)] + (grade - params.va_reference_grade) * va
            scale = z_per_theta(
                bp, float(np.average(level, weights=weights)), means.theta_sd_for(grade), params
            )
            realized = va + means.mean[(year, subject)] - means.mean[(year - 1, subject)]
            frames.append(
                pd.DataFrame(
                    {
                        "procedure": procedure,
                        "school_code": schools["school_code"].to_numpy(),
                        "subject": subject,
                        "year": year,
                        "grade": grade,
                        "true_va": va,
                        "true_va_realized": realized,
                        "z_per_theta": scale,
                        "true_va_z": realized * scale,
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    out = out.sort_values(["procedure", "school_code", "subject", "year", "grade"], kind="stable")
    return out[COLUMNS].astype({"year": "int64", "grade": "int64"}).reset_index(drop=True)
