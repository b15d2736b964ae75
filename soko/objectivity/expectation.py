"""Signal 4: results far above expectation (Rosobrnadzor's criterion «a»).

Each school's mean ВПР result in a work (participants' primary scores standardised over the
region's participants of the work) is predicted from what should explain it: the school's
context (ИСБШ of the year), its kind (lyceum/gymnasium, ООШ), village or town, and its
results in the procedures it cannot easily bend — ОГЭ and ЕГЭ of its graduates and the
regional diagnostic works (РПР), each the school's mean standardised score over all years
(missing ones imputed at the region's mean with an indicator). The regression is ordinary
least squares over the region's school × work units of each subject (all subjects pooled
when a subject has too few units), refitted once without units whose |z| > 3 so
manipulating schools do not pull the expectation towards themselves. The
residual e is standardised by its sampling variance s²_w / n plus the between-school
variance τ² left unexplained (``stats.between_variance``)::

    z = e / √(s²_w / n + τ²)

A lyceum or gymnasium whose graduates also do well is expected to do well: its z stays small.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.objectivity.stats import between_variance
from soko.objectivity.works import Work, school_groups
from soko.schema import KEYS

SELECTIVE_KINDS: tuple[str, ...] = ("Лицей", "Гимназия")
BASIC_KIND = "ООШ"
VILLAGE = "Село"
MIN_PROCEDURE_N = 5  # a school's other-procedure mean needs at least this many results
MIN_UNITS_PER_PREDICTOR = 5  # a subject gets its own regression with this many units per term


def unit_levels(work: Work) -> pd.DataFrame:
    """Per school: participants, mean standardised primary score and within-school variance
    of the standardised score pooled over the work (the sampling variance is s²_w / n)."""
    codes, groups = school_groups(work.school)
    x = work.primary.astype("float64")
    sd = x.std() if len(x) > 1 else 1.0
    zx = (x - x.mean()) / (sd if sd > 0 else 1.0)
    n = np.bincount(groups, minlength=len(codes)).astype("float64")
    mean = np.bincount(groups, weights=zx, minlength=len(codes)) / np.maximum(n, 1)
    dev = zx - mean[groups]
    dof = max(len(x) - len(codes), 1)
    within = float((dev**2).sum() / dof)
    return pd.DataFrame(
        {
            "school_code": codes,
            "n": n.astype("int64"),
            "mean_primary": np.bincount(groups, weights=x, minlength=len(codes)) / n,
            "level": mean,
            "level_var": within / n,
        }
    )


def procedure_means(results: pd.DataFrame | None, score: str, by: tuple[str, ...]) -> pd.Series:
    """School mean of a procedure's score standardised within ``by`` groups (all years)."""
    if results is None or len(results) == 0 or score not in results.columns:
        return pd.Series(dtype="float64")
    x = results[score].astype("float64")
    grp = results.groupby(list(by), sort=False)[score]
    mean = grp.transform("mean").astype("float64")
    sd = grp.transform("std").astype("float64").replace(0, np.nan)
    zx = (x - mean) / sd
    frame = pd.DataFrame({"school_code": results["school_code"].astype(str), "z": zx})
    agg = frame.dropna().groupby("school_code")["z"].agg(["mean", "count"])
    return agg.loc[agg["count"] >= MIN_PROCEDURE_N, "mean"]


def school_covariates(
    schools: pd.DataFrame,
    school_context: pd.DataFrame | None,
    other: dict[str, pd.Series],
    *,
    selective_kinds: tuple[str, ...] = SELECTIVE_KINDS,
    basic_kinds: tuple[str, ...] = (BASIC_KIND,),
    village_localities: tuple[str, ...] = (VILLAGE,),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per school: kind, village and other-procedure columns; per school × year: ИСБШ)."""
    base = pd.DataFrame({"school_code": schools["school_code"].astype(str)})
    kind = schools["kind"].astype(str)
    base["selective"] = kind.isin(selective_kinds).to_numpy(dtype="float64")
    base["basic"] = kind.isin(basic_kinds).to_numpy(dtype="float64")
    locality = schools["locality"].astype(str)
    base["village"] = locality.isin(village_localities).to_numpy(dtype="float64")
    for name, series in other.items():
        values = base["school_code"].map(series).astype("float64")
        base[f"{name}_missing"] = values.isna().astype("float64")
        base[name] = values.fillna(0.0)
    ctx = pd.DataFrame(columns=["school_code", "year", "isbs"])
    if school_context is not None and len(school_context):
        ctx = school_context[["school_code", "year", "isbs"]].copy()
        ctx["school_code"] = ctx["school_code"].astype(str)
        ctx["year"] = ctx["year"].astype("int64")
    return base, ctx


def expectation_signal(
    levels: pd.DataFrame,
    schools: pd.DataFrame,
    school_context: pd.DataFrame | None = None,
    oge_results: pd.DataFrame | None = None,
    ege_results: pd.DataFrame | None = None,
    rpr_results: pd.DataFrame | None = None,
    *,
    min_n: int = 10,
    groups: dict[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """Add ``expected_level``, ``level_residual`` and ``above_expectation_z`` to the unit
    levels (columns ``year``, ``school_code``, ``n``, ``level``, ``level_var``).

    ``groups``: ``selective_kinds`` / ``basic_kinds`` / ``village_localities`` of
    ``config/objectivity.yml`` (``expectation``); the module's constants by default."""
    other = {
        "oge": procedure_means(oge_results, "primary_score", ("year", "subject")),
        "ege": procedure_means(ege_results, "test_score", ("year", "subject")),
        "rpr": procedure_means(rpr_results, "primary_score", ("year", "subject", "grade")),
    }
    other = {k: v for k, v in other.items() if len(v)}
    base, ctx = school_covariates(schools, school_context, other, **(groups or {}))
    frame = levels.merge(base, on="school_code", how="left")
    frame = frame.merge(ctx, on=list(KEYS["school_context"]), how="left")
    school_isbs = ctx.groupby("school_code")["isbs"].mean()
    frame["isbs"] = frame["isbs"].fillna(frame["school_code"].map(school_isbs))
    frame["isbs_missing"] = frame["isbs"].isna().astype("float64")
    frame["isbs"] = frame["isbs"].fillna(0.0)
    columns = ["isbs", "isbs_missing", "selective", "basic", "village"]
    columns += [c for k in other for c in (k, f"{k}_missing")]
    x = np.column_stack([np.ones(len(frame)), frame[columns].fillna(0.0).to_numpy("float64")])
    y = frame["level"].to_numpy(dtype="float64")
    v = frame["level_var"].to_numpy(dtype="float64")
    fit = (frame["n"] >= min_n).to_numpy() & np.isfinite(y)
    out = frame[levels.columns].copy()
    pred = np.full(len(frame), np.nan)
    z = np.full(len(frame), np.nan)
    subject = frame["subject"].to_numpy() if "subject" in frame.columns else np.zeros(len(frame))
    for k in pd.unique(subject):
        sel = fit & (subject == k)
        if sel.sum() >= MIN_UNITS_PER_PREDICTOR * x.shape[1]:
            pred[sel], z[sel] = _robust_fit(x[sel], y[sel], v[sel])
    rest = fit & np.isnan(z)  # subjects too thin for a fit of their own: pooled
    if rest.any() and fit.sum() >= MIN_UNITS_PER_PREDICTOR * x.shape[1]:
        pooled_pred, pooled_z = _robust_fit(x[fit], y[fit], v[fit])
        pred[rest] = pooled_pred[rest[fit]]
        z[rest] = pooled_z[rest[fit]]
    out["expected_level"] = pred
    out["level_residual"] = y - pred
    out["above_expectation_z"] = z
    return out


def _robust_fit(x: np.ndarray, y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(prediction, z) of OLS refitted once without |z| > 3; τ² from the kept units."""
    z = np.zeros(len(y))
    for _ in range(2):
        use = np.abs(z) <= 3
        beta, *_ = np.linalg.lstsq(x[use], y[use], rcond=None)
        pred = x @ beta
        tau2 = between_variance((y - pred)[use], v[use])
        z = (y - pred) / np.sqrt(v + tau2)
    return pred, z


def work_levels(works: list[Work]) -> pd.DataFrame:
    """``unit_levels`` of every work with its keys."""
    frames = [unit_levels(w).assign(year=w.year, subject=w.subject, grade=w.grade) for w in works]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
