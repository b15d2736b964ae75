"""The build's value-added tables: every analysis of config/value_added.yml, every year.

``va_schools`` holds one row per school × year × analysis × subject (effect, interval, band,
last year's effect), ``va_models`` the fixed effects and variance components behind them.
Both are internal material: school-level value added goes to the internal edition only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from soko.config import load_yaml, min_group
from soko.value_added.model import Z95, ValueAddedResult, band, fit_value_added

KEY = ["year", "procedure", "model", "subject"]


@dataclass(frozen=True)
class Analysis:
    id: str
    title: str
    procedure: str
    model: str  # "student" | "school"
    subjects: tuple[str, ...]
    grades: tuple[int, ...]
    context: tuple[str, ...]
    prior_mode: str = "regress"  # "regress": prior is a covariate; "gain": its coefficient is 1


def analyses(directory: Path | None = None) -> list[Analysis]:
    cfg = load_yaml("value_added.yml", directory)
    return [
        Analysis(
            id=a["id"],
            title=a["title"],
            procedure=a["procedure"],
            model=a["model"],
            subjects=tuple(a["subjects"]),
            grades=tuple(int(g) for g in a["grades"]),
            context=tuple(a.get("context", [])),
            prior_mode=a.get("prior", "regress"),
        )
        for a in cfg["analyses"]
    ]


def min_students_listed(directory: Path | None = None) -> int:
    cfg = load_yaml("value_added.yml", directory)
    return max(int(cfg.get("min_students_listed", 0)), min_group(directory))


def standardised(results: pd.DataFrame) -> pd.Series:
    """Primary score as a z-score over the region's participants of year × subject × grade."""
    g = results.groupby(["year", "subject", "grade"])["primary_score"]
    sd = g.transform("std").replace(0.0, np.nan)
    return (results["primary_score"] - g.transform("mean")) / sd


def _with_z(results: pd.DataFrame, subjects: tuple[str, ...]) -> pd.DataFrame:
    out = results[results["subject"].isin(subjects)].copy()
    out["z"] = standardised(out)
    return out.dropna(subset=["z"])


def student_frame(results: pd.DataFrame, a: Analysis) -> pd.DataFrame:
    """Later result of each student linked to the same student's result a year earlier.

    A pseudonymous id that occurs twice in one work is ambiguous and is not linked.
    """
    r = _with_z(results, a.subjects)
    key = ["year", "subject", "grade", "participant_code"]
    r = r[~r.duplicated(key, keep=False)]
    later = r[r["grade"].isin(a.grades)]
    earlier = r[["year", "subject", "grade", "participant_code", "z"]].rename(
        columns={"z": "prior"}
    )
    earlier = earlier.assign(year=earlier["year"] + 1, grade=earlier["grade"] + 1)
    return later.merge(earlier, on=key, how="inner")


def school_frame(results: pd.DataFrame, a: Analysis) -> pd.DataFrame:
    """Each student's result with the mean of the same school cohort a year earlier.

    ``prior_noise`` is that mean's sampling variance (pooled within-cohort variance / n): a
    cohort of 6 has a prior known far less well than a cohort of 90.
    """
    r = _with_z(results, a.subjects)
    keys = ["year", "subject", "grade", "school_code"]
    cohort = r.groupby(keys, as_index=False).agg(prior=("z", "mean"), n_prior=("z", "size"))
    within = (r["z"] - r.groupby(keys)["z"].transform("mean")) ** 2
    dof = r.assign(w=within).groupby(["year", "subject", "grade"])["w"].sum() / (
        cohort.groupby(["year", "subject", "grade"])["n_prior"].sum()
        - cohort.groupby(["year", "subject", "grade"]).size()
    ).clip(lower=1)
    pooled = cohort.set_index(["year", "subject", "grade"]).index.map(dof).to_numpy()
    cohort["prior_noise"] = pooled / cohort["n_prior"]
    cohort = cohort.drop(columns="n_prior")
    cohort = cohort.assign(year=cohort["year"] + 1, grade=cohort["grade"] + 1)
    later = r[r["grade"].isin(a.grades)]
    return later.merge(cohort, on=["year", "subject", "grade", "school_code"], how="inner")


def model_frame(results: pd.DataFrame, context: pd.DataFrame, a: Analysis) -> pd.DataFrame:
    frame = student_frame(results, a) if a.model == "student" else school_frame(results, a)
    frame = frame.merge(
        context[["school_code", "year", "isbs"]], on=["school_code", "year"], how="left"
    )
    frame["prior_school_mean"] = frame.groupby(["year", "subject", "school_code"])[
        "prior"
    ].transform("mean")
    frame["grade_f"] = frame["grade"].astype(str)
    return frame


def fit_one(frame: pd.DataFrame, a: Analysis) -> ValueAddedResult:
    context = list(a.context)
    if frame["grade"].nunique() > 1:
        context.append("grade_f")
    if a.prior_mode == "gain":
        gain = frame.assign(gain=frame["z"] - frame["prior"])
        res = fit_value_added(gain, outcome="gain", prior=[], context=context)
        if "prior_noise" in frame.columns:
            res = with_prior_noise(res, frame)
        return res
    return fit_value_added(frame, outcome="z", prior=["prior"], context=context)


def with_prior_noise(res: ValueAddedResult, frame: pd.DataFrame) -> ValueAddedResult:
    """Widen the intervals of a gain model by the sampling error of the cohort prior.

    The model treats a school's mean gain as its effect plus student noise; but the prior it
    subtracts is itself a mean of a few dozen anonymous students, and its error e_j enters
    the school's estimate as shrink_j · e_j, which the model's prediction-error variance
    does not count. shrink_j = 1 − PEV_j / τ² (the weight on the school's own data);
    v_j = Σ_g (n_g / n_j)² · prior_noise_g over the school's pooled cohorts.
    """
    per_cohort = frame.groupby(["school_code", "grade"]).agg(
        n=("z", "size"), noise=("prior_noise", "first")
    )
    share = per_cohort["n"] / per_cohort.groupby(level=0)["n"].transform("sum")
    v = (share**2 * per_cohort["noise"]).groupby(level=0).sum()
    s = res.schools.copy()
    tau2 = max(res.school_variance, 1e-12)
    shrink = (1.0 - s["se"] ** 2 / tau2).clip(lower=0.0, upper=1.0)
    extra = shrink**2 * s["school"].map(v).fillna(0.0).to_numpy()
    s["se"] = np.sqrt(s["se"] ** 2 + extra)
    s["ci_low"] = s["effect"] - Z95 * s["se"]
    s["ci_high"] = s["effect"] + Z95 * s["se"]
    s["band"] = band(s["ci_low"].to_numpy(), s["ci_high"].to_numpy())
    return replace(res, schools=s)


def fit_analysis(
    results: pd.DataFrame, context: pd.DataFrame, a: Analysis
) -> list[tuple[dict[str, object], pd.DataFrame, ValueAddedResult]]:
    frame = model_frame(results, context, a)
    out = []
    for (year, subject), part in frame.groupby(["year", "subject"], sort=True):
        if part["school_code"].nunique() < 3:
            continue  # a model needs schools to compare
        key = {"year": int(year), "procedure": a.procedure, "model": a.model, "subject": subject}
        out.append((key, part, fit_one(part, a)))
    return out


def _results_for(a: Analysis, tables: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    return tables.get(f"{a.procedure}_results")


def va_tables(
    tables: dict[str, pd.DataFrame], schools: pd.DataFrame, context: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit every configured analysis; return (va_schools, va_models)."""
    school_rows, model_rows = [], []
    for a in analyses():
        results = _results_for(a, tables)
        if results is None or results.empty:
            continue
        for key, part, res in fit_analysis(results, context, a):
            s = res.schools.rename(columns={"school": "school_code"})
            means = part.groupby("school_code")["z"].mean().rename("outcome_mean")
            s = s.merge(means, left_on="school_code", right_index=True)
            school_rows.append(s.assign(**key, analysis=a.id))
            fixed = pd.DataFrame(
                {"term": res.fixed.index, "estimate": res.fixed.values, "se": res.fixed_se.values}
            )
            comps = pd.DataFrame(
                {
                    "term": ["school_variance", "residual_variance"],
                    "estimate": [res.school_variance, res.residual_variance],
                    "se": [np.nan, np.nan],
                }
            )
            model_rows.append(
                pd.concat([fixed, comps], ignore_index=True).assign(
                    **key,
                    analysis=a.id,
                    n_students=res.n_obs,
                    n_schools=len(res.schools),
                    icc=res.icc,
                    loglik=res.loglik,
                )
            )
    return _schools_table(school_rows, schools), _models_table(model_rows)


def _schools_table(rows: list[pd.DataFrame], schools: pd.DataFrame) -> pd.DataFrame:
    cols = [
        "year", "analysis", "procedure", "model", "subject", "municipality_code",
        "municipality_name", "school_code", "school_name", "n", "effect", "se", "ci_low",
        "ci_high", "band", "outcome_mean", "effect_prev", "band_prev",
    ]  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True)
    out = out.merge(
        schools[["school_code", "school_name", "municipality_code", "municipality_name"]],
        on="school_code",
        how="left",
    )
    # only listed schools: last year's estimate of a school too small to list is not shown
    out = out[out["n"] >= min_students_listed()]
    prev = out[["year", "analysis", "subject", "school_code", "effect", "band"]].rename(
        columns={"effect": "effect_prev", "band": "band_prev"}
    )
    prev = prev.assign(year=prev["year"] + 1)
    out = out.merge(prev, on=["year", "analysis", "subject", "school_code"], how="left")
    return out[cols].sort_values(["year", "analysis", "subject", "school_code"], ignore_index=True)


def _models_table(rows: list[pd.DataFrame]) -> pd.DataFrame:
    cols = [
        "year", "analysis", "procedure", "model", "subject", "term", "estimate", "se",
        "n_students", "n_schools", "icc", "loglik",
    ]  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.concat(rows, ignore_index=True)[cols]


def _tables(**frames: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return va_tables(frames, frames["schools"], frames["school_context"])


def va_schools(**frames: pd.DataFrame) -> pd.DataFrame:
    return _tables(**frames)[0]


def va_models(**frames: pd.DataFrame) -> pd.DataFrame:
    return _tables(**frames)[1]


VA_INPUTS = ("vpr_results", "rpr_results", "schools", "school_context")
VA_OPTIONAL = ("vpr_results", "rpr_results")
