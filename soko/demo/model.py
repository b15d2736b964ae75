"""Parameters of the demo region's generating model, size profiles and seeded sub-streams.

Everything the generator draws comes from ``numpy.random.default_rng`` streams derived from
the user's seed and a fixed key (``rng_for(seed, "vpr", 2026, "ru", 4)``), never from global
state or the clock: the same seed gives byte-identical files whatever the order or the number
of worker processes that produce them. All numbers of the model live in :class:`ModelParams`
so ``truth.json`` can record them and ``docs/demo_model.md`` can explain them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np

DEFAULT_SEED = 20260415

GRADES: tuple[int, ...] = (4, 5, 6, 7, 8)
# Subjects written per grade. Grade 4 writes all three; in grades 5-8 Russian and mathematics
# are compulsory and each class writes one of history / biology, assigned by lot.
SUBJECTS_BY_GRADE: dict[int, tuple[str, ...]] = {
    4: ("ru", "ma", "om"),
    5: ("ru", "ma", "hi", "bi"),
    6: ("ru", "ma", "hi", "bi"),
    7: ("ru", "ma", "hi", "bi"),
    8: ("ru", "ma", "hi", "bi"),
}
LOT_SUBJECTS: tuple[str, str] = ("hi", "bi")  # per class: the first or the second

KIND_SOSH, KIND_OOSH, KIND_LYCEUM, KIND_GYMNASIUM = "СОШ", "ООШ", "Лицей", "Гимназия"
SELECTIVE_KINDS = (KIND_LYCEUM, KIND_GYMNASIUM)
CITY, VILLAGE = "Город", "Село"

MANIPULATIONS: tuple[str, ...] = (
    "journal_inflation",
    "threshold_bunching",
    "hard_task_inflation",
    "answer_copying",
)

JOURNAL_MISSING = "НЕТ ОТМЕТКИ"
TASK_MISSING_LATIN = "X"
TASK_MISSING_CYRILLIC = "Х"


@dataclass(frozen=True)
class SizeProfile:
    """How big a generated region is: municipalities, schools, cohort scale."""

    name: str
    n_municipalities: int
    n_schools: int
    cohort_scale: float  # multiplies urban (city, town) schools' students per grade
    n_strong: int  # large lyceums/gymnasiums with genuinely high, clean results


SIZES: dict[str, SizeProfile] = {
    "small": SizeProfile("small", 3, 15, 0.15, 1),
    "demo": SizeProfile("demo", 12, 150, 0.35, 3),
    "region": SizeProfile("region", 22, 500, 1.25, 6),
    # about 3 × region (a large region or a federal centre's test): 66 municipalities, 9 of
    # them cities as in region, so the urban share and the students per school stay alike
    "large": SizeProfile("large", 65, 1500, 1.25, 18),
}


@dataclass(frozen=True)
class ModelParams:
    """Every constant of the generating model (units: student-ability SDs unless stated)."""

    # --- schools and municipalities -------------------------------------------------------
    city_weight: float = 4.5  # share of schools in a city municipality vs a district (1.0)
    min_schools_per_municipality: int = 4
    district_town_share: float = 0.25  # district-centre (town) schools; the rest are villages
    village_oosh_share: float = 0.45  # village schools that are basic (ООШ)
    city_lyceum_share: float = 0.07
    city_gymnasium_share: float = 0.08
    city_oosh_share: float = 0.03
    town_selective_prob: float = 0.5  # a district centre has a lyceum or gymnasium
    # median students per grade (before the size profile's cohort_scale) and log-sd
    cohort_city_sosh: float = 92.0
    cohort_city_selective: float = 90.0
    cohort_town_sosh: float = 55.0
    cohort_town_selective: float = 60.0
    cohort_village_sosh: float = 14.0
    cohort_oosh: float = 6.0
    cohort_log_sd: float = 0.35
    cohort_year_log_sd: float = 0.08
    class_cap_city: int = 28
    class_cap_village: int = 25

    # --- context (ИСБШ-like index) -------------------------------------------------------------
    context_municipality_sd: float = 0.35
    context_town_shift: float = -0.25
    context_village_shift: float = -0.8
    context_selective_shift: float = 0.7
    context_resid_sd: float = 0.7
    isbs_year_noise_sd: float = 0.15  # the yearly ИСБШ file measures context with error

    # --- school effects ----------------------------------------------------------------
    school_effect_sd: float = 0.22  # true effect u_s
    school_effect_clip: float = 0.5  # ordinary schools stay below the strong gymnasiums
    strong_effect_low: float = 0.6
    strong_effect_high: float = 0.8
    strong_min_cohort_factor: float = 1.3  # strong schools are at least this × city median
    subject_effect_sd: float = 0.10  # school × subject deviation (fixed over years)
    year_effect_sd: float = 0.08  # school × year noise (common to subjects)

    # --- value added (growth) -------------------------------------------------------------
    # u_s shifts a school's level in every grade alike, so it cancels against prior
    # attainment; growth is a separate yearly effect: ability carries
    # (grade − va_reference_grade) × true_va_s, so a cohort gains true_va_s per year.
    va_sd: float = 0.12  # true_va_s ~ N(0, va_sd), independent of u_s, per year
    va_reference_grade: int = 6  # the grade where growth adds nothing (middle of 4–8)

    # --- student ability ------------------------------------------------------------
    context_coef: float = 0.30  # per SD of context
    selective_intake: float = 0.25  # lyceum/gymnasium intake (selection, not value added)
    within_sd: float = 0.85  # student SD within a school
    subject_corr: float = 0.65  # correlation of one student's abilities across subjects
    absent_share: float = 0.06  # enrolled students who miss a given work

    # --- tasks (item-response model) -----------------------------------------------
    basic_share: float = 0.7  # first ~70 % of the tasks are basic (Б), the rest advanced (П)
    basic_difficulty_low: float = -1.8
    basic_difficulty_high: float = -0.3
    advanced_difficulty_low: float = 0.0
    advanced_difficulty_high: float = 1.5
    discrimination_low: float = 0.8
    discrimination_high: float = 1.6
    mark2_share_low: float = (
        0.05  # each subject-grade is calibrated to a share of «2» in this range
    )
    mark2_share_high: float = 0.13

    # --- missing task cells ---------------------------------------------------------------
    task_missing_base: float = 0.004
    task_missing_basic_slope: float = 0.012  # × (1 - success probability)
    task_missing_advanced_slope: float = 0.03
    task_missing_cyrillic_share: float = 0.3  # «Х» instead of «X»

    # --- journal marks ----------------------------------------------------------------
    leniency_mean: float = 0.35  # typical journals are somewhat more generous than ВПР
    leniency_sd: float = 0.2
    journal_noise_sd: float = 0.55
    journal_cut3: float = -2.0  # journal latent cut-points for marks 3, 4, 5
    journal_cut4: float = -0.25
    journal_cut5: float = 1.1
    journal_missing_share: float = 0.05

    # --- planted non-objectivity ----------------------------------------------------------
    planted_share: float = 0.08
    planted_min: int = 4  # at least one school of each manipulation kind
    planted_min_cohort: float = 8.0  # students per grade a planted school needs at least
    affected_share_low: float = 0.5
    affected_share_high: float = 0.9
    hard_task_success_low: float = 0.8  # inflated П-task success probability
    hard_task_success_high: float = 0.95
    bunching_window_share: float = 0.08  # "a few points": window below a threshold, × max score
    bunching_window_min: int = 2
    journal_boost_two_prob: float = 0.5  # inflated journal = ВПР mark + 1, or + 2 with this prob
    copy_key_success_low: float = 0.75  # the dictated answers earn this share of points, per task
    copy_key_success_high: float = 0.95
    copy_fidelity: float = 0.9  # a copier's task cell equals the dictated one with this prob


def _key(value: int | str) -> int:
    """Stable non-negative integer for a stream key (Python's hash() is salted per process)."""
    if isinstance(value, int | np.integer):
        return int(value)
    return int.from_bytes(hashlib.sha256(str(value).encode("utf-8")).digest()[:8], "little")


def rng_for(seed: int, *keys: int | str) -> np.random.Generator:
    """Independent generator for one named part of the model, derived from the seed."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), *(_key(k) for k in keys)]))


PARALLEL_MIN_ROWS = 20_000  # below this, worker start-up costs more than it saves


def default_workers(n_rows: int) -> int:
    """Worker processes for writing ``n_rows`` of demo files: 1 for a small region (start-up
    costs more than it saves), else the available CPUs (at most 8); the output is the same."""
    if n_rows < PARALLEL_MIN_ROWS:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))
