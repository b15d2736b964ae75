"""Demo data of the PISA-model study: a population of 15-year-olds, a two-stage sample,
weights, Fay replicate weights and plausible values, written as the study's student file.

The whole population is simulated (every school's 15-year-olds with true abilities), so
the truth is the population's own mean and shares, which the weighted sample estimates
must recover within their standard errors. Stage 1 draws schools with probability
proportional to size (systematic, sorted by locality, municipality and size: implicit
stratification); stage 2 takes up to ``cluster_size`` students per school; a few are absent
and the school's weight is adjusted for them. Sampled schools are paired in sampling order
into variance strata and the 80 replicate weights follow from Fay factors (soko.stats.brr).
Plausible values are drawn from each student's posterior given a noisy test score and the
conditioning model (school, ESCS, gender), so their distribution matches the abilities'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from soko.demo.model import SELECTIVE_KINDS, ModelParams, rng_for
from soko.formats.replicate_study.settings import FINAL_WEIGHT, PisaSettings, pisa_settings
from soko.procedure import DemoContext
from soko.stats.brr import fay_replicate_factors, pair_units

STUDENT_FILE_HEADER = ("Год", "Код ОО", "Код участника", "Класс", "Пол", "ESCS")
GENDERS = ("Ж", "М")


@dataclass(frozen=True)
class PisaDemoParams:
    """Constants of the PISA-model demo (ability units: student SDs unless stated)."""

    every_n_years: int = 2  # the study runs in the first demo year and every second after
    cluster_size: int = 35  # students sampled per school (all when fewer)
    target_schools: dict[str, int] = field(
        default_factory=lambda: {"small": 8, "demo": 50, "region": 120, "large": 240}
    )  # one per demo size (soko.demo.SIZES)
    absent_share: float = 0.08
    escs_missing_share: float = 0.02
    scale_sd: float = 95.0  # PISA points per ability SD
    centre: dict[str, float] = field(
        default_factory=lambda: {"read": 458.0, "math": 447.0, "scie": 456.0}
    )
    trend_per_year: dict[str, float] = field(
        default_factory=lambda: {"read": 2.5, "math": 1.5, "scie": 0.5}
    )
    girl_effect: dict[str, float] = field(
        default_factory=lambda: {"read": 0.16, "math": -0.05, "scie": 0.02}
    )
    escs_context_coef: float = 0.6  # student ESCS = coef × school context + noise
    escs_noise_sd: float = 0.8
    escs_effect: float = 0.15  # ability per unit of a student's ESCS beyond the school's
    domain_corr: float = 0.8  # of the residual abilities across domains
    measurement_sd: float = 0.45  # test error; reliability = within² / (within² + this²)
    grade_shares: tuple[float, float, float] = (0.06, 0.76, 0.18)  # grades 8, 9, 10


def study_years(years: tuple[int, ...], params: PisaDemoParams) -> list[int]:
    return [y for y in years if (y - years[0]) % params.every_n_years == 0]


def simulate_population(
    schools: pd.DataFrame, seed: int, year: int, params: PisaDemoParams, model: ModelParams
) -> pd.DataFrame:
    """Every 15-year-old of the region: school, gender, grade, ESCS and true abilities."""
    rng = rng_for(seed, "pisa", "population", year)
    size = np.maximum(1, rng.poisson(schools["cohort"].to_numpy()))
    school = np.repeat(np.arange(len(schools)), size)
    n = len(school)
    context = schools["context"].to_numpy()[school]
    selective = schools["kind"].isin(SELECTIVE_KINDS).to_numpy()[school]
    basic = (schools["kind"] == "ООШ").to_numpy()[school]
    effect = schools["true_effect"].to_numpy()[school]
    year_effect = rng.normal(0, model.year_effect_sd, len(schools))[school]
    school_part = (
        model.context_coef * context + model.selective_intake * selective + effect + year_effect
    )
    escs_dev = rng.normal(0, params.escs_noise_sd, n)
    escs = params.escs_context_coef * context + escs_dev
    girl = rng.random(n) < 0.5
    grade = rng.choice([8, 9, 10], n, p=list(params.grade_shares))
    grade = np.where(basic & (grade == 10), 9, grade)
    domains = list(params.centre)
    corr = np.full((len(domains), len(domains)), params.domain_corr)
    np.fill_diagonal(corr, 1.0)
    resid = rng.multivariate_normal(np.zeros(len(domains)), corr * model.within_sd**2, n)
    out = pd.DataFrame(
        {
            "school": school,
            "school_code": schools["school_code"].to_numpy()[school],
            "municipality_code": schools["municipality_code"].to_numpy()[school],
            "locality": schools["locality"].to_numpy()[school],
            "gender": np.where(girl, GENDERS[0], GENDERS[1]),
            "grade": grade,
            "escs": escs,
        }
    )
    since = year - 2000
    for j, d in enumerate(domains):
        prior = school_part + params.escs_effect * escs_dev + params.girl_effect[d] * girl
        centre = params.centre[d] + params.trend_per_year[d] * (since - 24)
        out[f"prior_{d}"] = centre + params.scale_sd * prior
        out[f"theta_{d}"] = out[f"prior_{d}"] + params.scale_sd * resid[:, j]
    return out


def pps_systematic(size: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Positions of ``n`` units drawn with probability ∝ ``size`` (systematic, random
    start). Every size must be below the interval: no unit can be drawn twice."""
    cum = np.cumsum(size)
    interval = cum[-1] / n
    if size.max() >= interval:
        raise ValueError("a unit is larger than the sampling interval")
    points = rng.uniform(0, interval) + interval * np.arange(n)
    return np.searchsorted(cum, points, side="right")


@dataclass
class PisaSample:
    students: pd.DataFrame  # sampled, present students with weights and PVs
    n_schools: int


def draw_sample(
    population: pd.DataFrame,
    schools: pd.DataFrame,
    seed: int,
    year: int,
    size_name: str,
    params: PisaDemoParams,
    settings: PisaSettings,
) -> PisaSample:
    """Two-stage sample with final and replicate weights and plausible values."""
    rng = rng_for(seed, "pisa", "sample", year)
    enrolled = np.bincount(population["school"], minlength=len(schools))
    frame = pd.DataFrame(
        {
            "school": np.arange(len(schools)),
            "locality": schools["locality"].to_numpy(),
            "municipality_code": schools["municipality_code"].to_numpy(),
            "enrolled": enrolled,
            # small schools count as a full cluster: the sample stays self-weighting
            "mos": np.maximum(enrolled, params.cluster_size),
        }
    ).sort_values(["locality", "municipality_code", "enrolled", "school"], kind="stable")
    mos = frame["mos"].to_numpy(dtype="float64")
    # no certainty schools: the sample size stays below total / largest size
    n_schools = min(params.target_schools[size_name], int(mos.sum() // mos.max()) - 1)
    n_schools = max(2, min(n_schools, len(frame)))
    picked = pps_systematic(mos, n_schools, rng)
    chosen = frame.iloc[picked].assign(
        prob=n_schools * mos[picked] / mos.sum(), order=np.arange(n_schools)
    )
    stratum, unit = pair_units(n_schools)
    chosen = chosen.assign(stratum=stratum, unit=unit)

    parts = []
    for row in chosen.itertuples(index=False):
        pupils = population.index[population["school"] == row.school].to_numpy()
        take = min(len(pupils), params.cluster_size)
        sampled = np.sort(rng.choice(pupils, take, replace=False))
        present = rng.random(take) >= params.absent_share
        if not present.any():
            present[rng.integers(take)] = True
        kept = sampled[present]
        weight = row.enrolled / (row.prob * len(kept))  # 1/p_school · N/n · non-response
        parts.append(
            population.loc[kept].assign(
                weight=weight, stratum=row.stratum, unit=row.unit, order=row.order
            )
        )
    sample = pd.concat(parts).sort_values(["order"], kind="stable").reset_index(drop=True)
    factors = fay_replicate_factors(
        sample["stratum"].to_numpy(), sample["unit"].to_numpy(), settings.replicates, settings.fay_k
    )
    weights = sample["weight"].to_numpy()[:, None] * factors
    reps = pd.DataFrame(weights, columns=settings.replicate_headers())
    pvs = _plausible_values(sample, rng, params, settings)
    students = pd.concat([sample, reps, pvs], axis=1)
    students[FINAL_WEIGHT] = sample["weight"]
    return PisaSample(students=students, n_schools=n_schools)


def _plausible_values(
    sample: pd.DataFrame, rng: np.random.Generator, params: PisaDemoParams, settings: PisaSettings
) -> pd.DataFrame:
    """Draws from N(prior + λ(x − prior), λ σe²), x = θ + e: the posterior of θ."""
    model = ModelParams()
    sd_resid = params.scale_sd * model.within_sd
    sd_err = params.scale_sd * params.measurement_sd
    lam = sd_resid**2 / (sd_resid**2 + sd_err**2)
    cols = {}
    for d in settings.domains:
        prior = sample[f"prior_{d}"].to_numpy()
        score = sample[f"theta_{d}"].to_numpy() + rng.normal(0, sd_err, len(sample))
        mean = prior + lam * (score - prior)
        draws = mean[:, None] + np.sqrt(lam) * sd_err * rng.standard_normal(
            (len(sample), settings.plausible_values)
        )
        lo, hi = settings.pv_range
        draws = np.clip(draws, lo + 1, hi - 1)
        for m, header in enumerate(settings.pv_headers(d)):
            cols[header] = draws[:, m]
    return pd.DataFrame(cols)


def student_file_frame(
    sample: PisaSample, year: int, seed: int, settings: PisaSettings, params: PisaDemoParams
) -> pd.DataFrame:
    """The student file as written: Russian identifiers, PISA weight and PV names."""
    s = sample.students
    rng = rng_for(seed, "pisa", "ids", year)
    ids = 10_000_000 + rng.choice(90_000_000, len(s), replace=False)
    escs = s["escs"].round(3).where(rng.random(len(s)) >= params.escs_missing_share)
    out = pd.DataFrame(
        {
            "Год": year,
            "Код ОО": s["school_code"].to_numpy(),
            "Код участника": ids.astype(str),
            "Класс": s["grade"].to_numpy(),
            "Пол": s["gender"].to_numpy(),
            "ESCS": escs.to_numpy(),
        }
    )
    numeric = [FINAL_WEIGHT, *settings.replicate_headers()]
    numeric += [h for d in settings.domains for h in settings.pv_headers(d)]
    out = pd.concat([out, s[numeric].round(3)], axis=1)
    return out.sort_values(["Код ОО", "Код участника"], kind="stable").reset_index(drop=True)


def population_truth(population: pd.DataFrame, year: int, settings: PisaSettings) -> pd.DataFrame:
    """Population values per domain and group: what the estimates should recover."""
    groups = [("all", pd.Series("all", index=population.index))]
    groups += [("gender", population["gender"]), ("locality", population["locality"])]
    rows = []
    for d, dom in settings.domains.items():
        theta = population[f"theta_{d}"]
        level = np.searchsorted(np.asarray(dom.cuts), theta.to_numpy(), side="right")
        for group_type, labels in groups:
            for group, idx in labels.groupby(labels, sort=True).groups.items():
                t = theta.loc[idx]
                lv = level[population.index.get_indexer(idx)]
                row = {
                    "year": year,
                    "domain": d,
                    "group_type": group_type,
                    "group": str(group),
                    "n_population": len(t),
                    "mean": float(t.mean()),
                    "share_below_baseline": float((t < settings.baseline_cut(d)).mean()),
                }
                for k, label in enumerate(dom.level_labels):
                    row[f"share_level_{label}"] = float((lv == k).mean())
                rows.append(row)
    return pd.DataFrame(rows)


def write_student_file(path: Path, table: pd.DataFrame) -> Path:
    """cp1251, `;`, decimal comma, CRLF: as the regional centre's export."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="cp1251", newline="") as fh:
        table.to_csv(
            fh, sep=";", decimal=",", index=False, lineterminator="\r\n", float_format="%.3f"
        )
    return path


def remove_stale(folder: Path, patterns: tuple[str, ...], written: list[Path]) -> None:
    """Drop files an earlier generation wrote under generator names but this one did not
    (e.g. a year no longer in the config), so ``out`` holds exactly one generation."""
    keep = {p.resolve() for p in written}
    for pattern in patterns:
        for path in folder.glob(pattern):
            if path.resolve() not in keep:
                path.unlink()


def generate(ctx: DemoContext, params: PisaDemoParams | None = None) -> list[Path]:
    """``Procedure.demo``: student files under ``pisa/<year>/``, truth beside the rest."""
    params = params or PisaDemoParams()
    settings = pisa_settings(ctx.config_dir)
    model = ModelParams()
    files: list[Path] = []
    truth, design = [], []
    for year in study_years(ctx.years, params):
        population = simulate_population(ctx.schools, ctx.seed, year, params, model)
        sample = draw_sample(population, ctx.schools, ctx.seed, year, ctx.size, params, settings)
        table = student_file_frame(sample, year, ctx.seed, settings, params)
        written = ctx.labels(year)["school_code"].to_numpy()  # codes as that year's registry
        table["Код ОО"] = written[sample.students["school"].to_numpy()]
        files.append(
            write_student_file(ctx.out / "pisa" / str(year) / f"pisa_uchastniki_{year}.csv", table)
        )
        truth.append(population_truth(population, year, settings))
        design.append(
            {
                "year": year,
                "n_population": len(population),
                "n_schools_sampled": sample.n_schools,
                "n_students": len(sample.students),
            }
        )
    remove_stale(ctx.out / "pisa", ("*/pisa_uchastniki_*.csv",), files)
    if truth:
        ctx.truth_dir.mkdir(parents=True, exist_ok=True)
        pd.concat(truth, ignore_index=True).to_parquet(
            ctx.truth_dir / "pisa_population.parquet", index=False
        )
        pd.DataFrame(design).to_parquet(ctx.truth_dir / "pisa_design.parquet", index=False)
    return files
