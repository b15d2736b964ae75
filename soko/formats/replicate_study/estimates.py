"""Region estimates of the PISA-model study, each with its standard error.

Every number here is computed with the final weight and the 80 replicate weights, once per
plausible value, and combined by Rubin's rules (``soko.stats``). Subgroups keep the whole
design (weights outside the group set to zero), so their SEs are right too. Years are
compared as independent samples: the SE of a change is √(SE₁² + SE₂²).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.config import region
from soko.formats.replicate_study.settings import PisaSettings, pisa_settings
from soko.indicators import add_dynamics
from soko.indicators.levels import add_unit_names
from soko.stats import (
    Estimate,
    ReplicateDesign,
    Statistic,
    contrast_statistic,
    level_distribution,
    mean_statistic,
    replicate_estimate,
    share_below,
    weighted_mean,
    weighted_quantile,
)

GENDER_LABELS = {"Ж": "Девушки", "М": "Юноши"}
QUARTER_LABELS = {
    1: "ESCS: нижняя четверть",
    2: "ESCS: вторая четверть",
    3: "ESCS: третья четверть",
    4: "ESCS: верхняя четверть",
}
GROUP_TYPE_LABELS = {
    "all": "Все участники",
    "gender": "Пол",
    "locality": "Тип местности",
    "escs_quarter": "Социально-экономический статус (ESCS)",
}
Z95 = 1.96


def design_of(students: pd.DataFrame, settings: PisaSettings) -> ReplicateDesign:
    return ReplicateDesign.from_frame(
        students, "w_fstuwt", settings.replicate_columns(), settings.fay_k
    )


def escs_quarter(students: pd.DataFrame) -> pd.Series:
    """1–4 by weighted quartiles of ESCS within the year's sample (NA without ESCS)."""
    escs = students["escs"].to_numpy(dtype="float64")
    weights = students["w_fstuwt"].to_numpy(dtype="float64")
    cuts = [weighted_quantile(escs, weights, q)[0] for q in (0.25, 0.5, 0.75)]
    quarter = 1 + np.searchsorted(np.asarray(cuts), escs, side="left")
    return pd.Series(quarter, index=students.index, dtype="Int64").mask(np.isnan(escs))


def _groups(students: pd.DataFrame, schools: pd.DataFrame) -> list[tuple[str, str, np.ndarray]]:
    """(group_type, group label, row mask) for the reported subgroups."""
    locality = students["school_code"].map(
        dict(zip(schools["school_code"], schools["locality"], strict=True))
    )
    quarter = escs_quarter(students)
    out = [("all", "Все участники", np.ones(len(students), dtype=bool))]
    for code, label in GENDER_LABELS.items():
        out.append(("gender", label, (students["gender"] == code).to_numpy()))
    for loc in sorted(locality.dropna().unique()):
        out.append(("locality", str(loc), (locality == loc).to_numpy()))
    for q, label in QUARTER_LABELS.items():
        out.append(("escs_quarter", label, (quarter == q).fillna(False).to_numpy(dtype=bool)))
    return out


def _pv(students: pd.DataFrame, settings: PisaSettings, domain: str) -> np.ndarray:
    return students[settings.pv_columns(domain)].to_numpy(dtype="float64")


def _counts(students: pd.DataFrame, mask: np.ndarray) -> tuple[int, int]:
    return int(mask.sum()), int(students.loc[mask, "school_code"].nunique())


def group_estimates(
    students: pd.DataFrame, schools: pd.DataFrame, settings: PisaSettings | None = None
) -> pd.DataFrame:
    """Mean and share below the baseline level per year, domain and subgroup, with SEs and
    the change since the previous study year (SE of the change, significance at 95 %)."""
    settings = settings or pisa_settings()
    rows = []
    for year, part in students.groupby("year", sort=True):
        part = part.reset_index(drop=True)
        design = design_of(part, settings)
        for group_type, group, mask in _groups(part, schools):
            n, n_schools = _counts(part, mask)
            if n == 0:
                continue
            sub = design.restrict(mask)
            for domain in settings.domains:
                pv = _pv(part, settings, domain)
                mean = weighted_mean(pv, sub)
                below = share_below(pv, settings.baseline_cut(domain), sub)
                rows.append(
                    {
                        "year": int(year),
                        "domain": domain,
                        "group_type": group_type,
                        "group": group,
                        "n": n,
                        "n_schools": n_schools,
                        "population": float(sub.final.sum()),
                        "mean": float(mean.estimate),
                        "mean_se": float(mean.se),
                        "share_below_baseline": float(below.estimate),
                        "share_below_baseline_se": float(below.se),
                        "reportable": n >= settings.report_min_students
                        and n_schools >= settings.report_min_schools,
                    }
                )
    table = pd.DataFrame(rows, columns=_ESTIMATE_COLUMNS)
    return add_change(table, ["domain", "group_type", "group"])


_ESTIMATE_COLUMNS = [
    "year",
    "domain",
    "group_type",
    "group",
    "n",
    "n_schools",
    "population",
    "mean",
    "mean_se",
    "share_below_baseline",
    "share_below_baseline_se",
    "reportable",
]


def add_change(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Previous study year's values, the change and its SE (independent samples)."""
    values = ["mean", "mean_se", "share_below_baseline", "share_below_baseline_se"]
    out = add_dynamics(table, values, keys=keys)
    for col in ("mean", "share_below_baseline"):
        se = np.sqrt(out[f"{col}_se"] ** 2 + out[f"{col}_se_prev"] ** 2)
        out[f"{col}_change_se"] = se
        out[f"{col}_change_significant"] = (
            (out[f"{col}_change"].abs() > Z95 * se).astype("boolean").mask(out["prev_year"].isna())
        )
    return out.drop(columns=["mean_se_change", "share_below_baseline_se_change"])


def gaps(
    students: pd.DataFrame, schools: pd.DataFrame, settings: PisaSettings | None = None
) -> pd.DataFrame:
    """Differences within a year's sample: girls − boys, city − village, top − bottom ESCS
    quarter; estimated per replicate (the groups share schools), with SE."""
    settings = settings or pisa_settings()
    rows = []
    for year, part in students.groupby("year", sort=True):
        part = part.reset_index(drop=True)
        design = design_of(part, settings)
        masks = {(t, g): m for t, g, m in _groups(part, schools)}
        pairs = [
            (
                "gender",
                "девушки − юноши",
                masks.get(("gender", "Девушки")),
                masks.get(("gender", "Юноши")),
            ),
            (
                "locality",
                "город − село",
                masks.get(("locality", "Город")),
                masks.get(("locality", "Село")),
            ),
            (
                "escs_quarter",
                "верхняя − нижняя четверть ESCS",
                masks.get(("escs_quarter", QUARTER_LABELS[4])),
                masks.get(("escs_quarter", QUARTER_LABELS[1])),
            ),
        ]
        for group_type, label, a, b in pairs:
            if a is None or b is None or not a.any() or not b.any():
                continue
            for domain in settings.domains:
                est = replicate_estimate(
                    contrast_statistic(mean_statistic, a, b), _pv(part, settings, domain), design
                )
                rows.append(
                    {
                        "year": int(year),
                        "domain": domain,
                        "group_type": group_type,
                        "gap": label,
                        "n_a": int(a.sum()),
                        "n_b": int(b.sum()),
                        "n": int(min(a.sum(), b.sum())),
                        "difference": float(est.estimate),
                        "difference_se": float(est.se),
                        "significant": bool(abs(est.estimate) > Z95 * est.se),
                    }
                )
    return pd.DataFrame(rows)


def levels(students: pd.DataFrame, settings: PisaSettings | None = None) -> pd.DataFrame:
    """Distribution over proficiency levels per year and domain, each share with SE."""
    settings = settings or pisa_settings()
    rows = []
    for year, part in students.groupby("year", sort=True):
        part = part.reset_index(drop=True)
        design = design_of(part, settings)
        for domain, dom in settings.domains.items():
            est = level_distribution(_pv(part, settings, domain), dom.cuts, design)
            for k, label in enumerate(dom.level_labels):
                rows.append(
                    {
                        "year": int(year),
                        "domain": domain,
                        "level_order": k,
                        "proficiency_level": label,
                        "n": len(part),
                        "share": float(est.estimate[k]),
                        "share_se": float(est.se[k]),
                    }
                )
    return pd.DataFrame(rows)


def resilience(
    students: pd.DataFrame, schools: pd.DataFrame, settings: PisaSettings | None = None
) -> pd.DataFrame:
    """Share of resilient students among the disadvantaged (bottom ESCS quarter): those in
    the region's top quarter of performance (domain.md §5). The performance boundary is
    recomputed for every PV and replicate weight, so its uncertainty is in the SE."""
    settings = settings or pisa_settings()
    rows = []
    for year, part in students.groupby("year", sort=True):
        part = part.reset_index(drop=True)
        design = design_of(part, settings)
        bottom = (escs_quarter(part) == 1).fillna(False).to_numpy(dtype=bool)
        for domain in settings.domains:
            est = replicate_estimate(
                _resilient_statistic(bottom), _pv(part, settings, domain), design
            )
            rows.append(
                {
                    "year": int(year),
                    "domain": domain,
                    "n": int(bottom.sum()),
                    "n_schools": int(part.loc[bottom, "school_code"].nunique()),
                    "share_resilient": float(est.estimate),
                    "share_resilient_se": float(est.se),
                }
            )
    return pd.DataFrame(rows)


def _resilient_statistic(disadvantaged: np.ndarray) -> Statistic:
    """Share of the disadvantaged at or above the top-quarter boundary of each PV."""
    dis = disadvantaged.astype("float64")

    def stat(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        out = np.empty((weights.shape[1], values.shape[1]))
        for m in range(values.shape[1]):
            top_cut = weighted_quantile(values[:, m], weights, 0.75)  # (W,)
            top = values[:, m][:, None] >= top_cut[None, :]
            w = weights * dis[:, None]
            out[:, m] = (w * top).sum(axis=0) / w.sum(axis=0)
        return out

    return stat


def municipalities(
    students: pd.DataFrame, schools: pd.DataFrame, settings: PisaSettings | None = None
) -> pd.DataFrame:
    """Region and municipality means and shares below the baseline, with SEs.

    The sample represents the region; a municipality's estimate is only ``reliable`` when
    its sample has ``municipality_min_schools`` schools and ``municipality_min_students``
    students (config/pisa.yml) — pages show the others as «недостаточно данных».
    """
    settings = settings or pisa_settings()
    reg = region()
    rows = []
    for year, part in students.groupby("year", sort=True):
        part = part.reset_index(drop=True)
        design = design_of(part, settings)
        units = [("region", reg.code, np.ones(len(part), dtype=bool))]
        for code in sorted(part["municipality_code"].dropna().unique()):
            units.append(
                ("municipality", str(code), (part["municipality_code"] == code).to_numpy())
            )
        for level, code, mask in units:
            n, n_schools = _counts(part, mask)
            sub = design.restrict(mask)
            reliable = (
                n >= settings.municipality_min_students
                and n_schools >= settings.municipality_min_schools
            )
            for domain in settings.domains:
                pv = _pv(part, settings, domain)
                mean: Estimate = weighted_mean(pv, sub)
                below = share_below(pv, settings.baseline_cut(domain), sub)
                rows.append(
                    {
                        "level": level,
                        "unit_code": code,
                        "municipality_code": code if level == "municipality" else pd.NA,
                        "year": int(year),
                        "domain": domain,
                        "n": n,
                        "n_schools": n_schools,
                        "mean": float(mean.estimate),
                        "mean_se": float(mean.se),
                        "share_below_baseline": float(below.estimate),
                        "share_below_baseline_se": float(below.se),
                        "reliable": reliable or level == "region",
                    }
                )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["municipality_code"] = table["municipality_code"].astype("string")
    return add_unit_names(table, schools)
