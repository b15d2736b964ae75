"""How well a fit recovers planted school effects: correlation and interval coverage.

Used by the benchmark (prints the figures) and by tests (hold them with a margin). The
simulator draws data from the model itself at any size, the federal one included; the demo
region's truth (data/truth/value_added.parquet) tests the whole path from raw files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from soko.demo.model import rng_for


@dataclass(frozen=True)
class Recovery:
    n: int
    correlation: float
    coverage: float  # share of true effects inside the 95 % intervals
    rmse: float


def recovery(estimates: pd.DataFrame, truth: pd.Series) -> Recovery:
    """``estimates``: school-indexed effect, ci_low, ci_high; ``truth``: school-indexed."""
    joined = estimates.join(truth.rename("truth"), how="inner").dropna(subset=["truth"])
    inside = (joined["ci_low"] <= joined["truth"]) & (joined["truth"] <= joined["ci_high"])
    err = joined["effect"] - joined["truth"]
    return Recovery(
        n=len(joined),
        correlation=float(np.corrcoef(joined["effect"], joined["truth"])[0, 1]),
        coverage=float(inside.mean()),
        rmse=float(np.sqrt((err**2).mean())),
    )


def simulate(
    n_students: int,
    n_schools: int,
    n_municipalities: int = 0,
    seed: int = 20260415,
    school_sd: float = 0.25,
    municipality_sd: float = 0.15,
) -> tuple[pd.DataFrame, pd.Series]:
    """Students with a prior score and school context, drawn from the model itself.

    y = 0.7·prior + 0.2·context + u_school (+ v_municipality) + e, e ~ N(0, 0.6²); school
    sizes vary (lognormal), so shrinkage matters. Returns (students, true school effects).
    """
    rng = rng_for(seed, "va-simulate", n_students, n_schools, n_municipalities)
    size = rng.lognormal(0.0, 0.6, n_schools)
    school = rng.choice(n_schools, size=n_students, p=size / size.sum())
    school = np.sort(school)
    u = rng.normal(0.0, school_sd, n_schools)
    context = rng.normal(0.0, 1.0, n_schools)
    prior = 0.4 * context[school] + rng.normal(0.0, 1.0, n_students)
    y = 0.7 * prior + 0.2 * context[school] + u[school] + rng.normal(0.0, 0.6, n_students)
    frame = {
        "school_code": school,
        "prior": prior,
        "context": context[school],
    }
    if n_municipalities:
        mun_of_school = rng.integers(0, n_municipalities, n_schools)
        v = rng.normal(0.0, municipality_sd, n_municipalities)
        y = y + v[mun_of_school][school]
        frame["municipality_code"] = mun_of_school[school]
    frame["y"] = y
    return pd.DataFrame(frame), pd.Series(u, name="true_effect")


def demo_recovery(
    estimates: pd.DataFrame,
    truth: pd.DataFrame,
    by: tuple[str, ...] = ("analysis", "year", "subject"),
) -> pd.DataFrame:
    """Recovery of the demo's planted growth (data/truth/value_added.parquet) per group.

    ``estimates`` is a ``va_schools``-shaped table. The truth of a school × year × subject is
    the mean of ``true_va_z`` over its grades: ВПР pools grades 5-8 into one school effect.
    """
    keys = ["procedure", "year", "subject", "school_code"]
    school_truth = truth.groupby(keys)["true_va_z"].mean().rename("truth").reset_index()
    joined = estimates.merge(school_truth, on=keys)
    rows = []
    for group, part in joined.groupby(list(by), sort=True):
        idx = part.set_index(["year", "subject", "school_code"])
        rec = recovery(idx[["effect", "ci_low", "ci_high"]], idx["truth"])
        rows.append({**dict(zip(by, group, strict=True)), **rec.__dict__})
    return pd.DataFrame(rows)
