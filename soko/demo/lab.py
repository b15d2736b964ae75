"""The demo region's laboratory equipment, its use, and the relation planted with ВПР biology.

Per school and kind of equipment (the codes of ``config/lab.yml``): whether the school has it
(village and town schools more often a «Точка роста» centre, city schools more often subject
sets), the year received, the sets; per year a state of use — *used* (every term at or above
the configured minimum), *under-used* (some term below it) or *unused* (nothing all year) —
with the share used rising over the years (the region's control of use working).

A school *uses* the biology equipment in a year when one of the kinds that serve ВПР
biology's practical tasks (``BIOLOGY_KINDS``) is in the state *used*. Use is drawn
independently of the school's results (equipment is not a reward for good schools), so the
only link between use and ВПР planted here is :attr:`LabDemoParams.effect_sd`: from the
ВПР year's data on, a using school's students get that many ability units more on the
*practical* tasks of biology (``PRACTICAL_TASKS``, the tasks ``config/lab.yml`` lists), and
on nothing else. :func:`soko.demo.vpr.simulate_file` adds the points after everything else
is drawn, from a stream of its own, so with ``effect_sd = 0`` the ВПР files are byte for byte
what they were without this module, and the planted manipulations' records do not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit

from soko.demo.blueprint import Blueprint
from soko.demo.model import ModelParams, rng_for
from soko.demo.registry import school_merger

KINDS: tuple[str, ...] = ("physics", "chemistry", "biology", "tochka_rosta", "digital_lab")
BIOLOGY_KINDS: tuple[str, ...] = ("biology", "tochka_rosta", "digital_lab")
# ВПР biology's practical tasks in the demo's blueprints (the labels config/lab.yml lists)
PRACTICAL_TASKS: dict[int, tuple[str, ...]] = {
    5: ("5.1", "5.2", "8.1", "8.2"),
    6: ("4.1", "4.2", "4.3"),
    7: ("9.1", "9.2"),
    8: ("6.1", "6.2"),
}
PRACTICAL_SUBJECT = "bi"
USED, UNDERUSED, UNUSED = "used", "underused", "unused"
# share of schools with each kind, by place (city / town / village)
HAS_SHARE: dict[str, dict[str, float]] = {
    "physics": {"city": 0.9, "town": 0.8, "village": 0.55},
    "chemistry": {"city": 0.85, "town": 0.75, "village": 0.45},
    "biology": {"city": 0.85, "town": 0.7, "village": 0.5},
    "tochka_rosta": {"city": 0.05, "town": 0.5, "village": 0.6},
    "digital_lab": {"city": 0.35, "town": 0.25, "village": 0.15},
}
# the configured minimum per term of each kind (lessons, practical works): what «used» meets
MINIMUM: dict[str, tuple[int, int]] = {
    "physics": (8, 3),
    "chemistry": (6, 2),
    "biology": (6, 2),
    "tochka_rosta": (12, 4),
    "digital_lab": (4, 2),
}


@dataclass(frozen=True)
class LabDemoParams:
    effect_sd: float = 0.25  # ability units added on practical tasks in using schools
    used_share_first: float = 0.65  # of the schools with a kind, share «used» in the first year
    used_share_step: float = 0.1  # … rising by this much every year
    unused_of_rest: float = 0.4  # of the rest, share «unused» (the others «under-used»)
    received_from: int = 2012
    terms: int = 2


@dataclass(frozen=True)
class LabPlan:
    """What the demo region's schools have and how they use it (rows: the schools table)."""

    years: tuple[int, ...]
    has: dict[str, np.ndarray]  # kind -> bool per school
    received: dict[str, np.ndarray]  # kind -> year received (0 where none)
    sets: dict[str, np.ndarray]  # kind -> sets (0 where none)
    state: dict[tuple[int, str], np.ndarray]  # (year, kind) -> USED / UNDERUSED / UNUSED / ""
    params: LabDemoParams = field(default_factory=LabDemoParams)

    def uses_biology(self, year: int) -> np.ndarray:
        """Per school: one of the kinds serving biology's practical tasks is used in ``year``."""
        out = np.zeros(len(next(iter(self.has.values()))), dtype=bool)
        for k in BIOLOGY_KINDS:
            out |= self.state[(year, k)] == USED
        return out


def _place(schools: pd.DataFrame) -> np.ndarray:
    if "place" in schools.columns:
        return schools["place"].astype(str).to_numpy()
    return np.full(len(schools), "village")


def lab_plan(
    seed: int,
    schools: pd.DataFrame,
    years: tuple[int, ...],
    demo: LabDemoParams | None = None,
) -> LabPlan:
    """Deterministic in the seed; independent of the schools' results. The school merged into
    another shares its successor's equipment from the merger year (its students are the
    successor's then)."""
    demo = demo or LabDemoParams()
    years = tuple(sorted(int(y) for y in years))
    n = len(schools)
    place = _place(schools)
    has, received, sets, state = {}, {}, {}, {}
    for k in KINDS:
        rng = rng_for(seed, "lab", "has", k)
        share = np.array([HAS_SHARE[k].get(p, HAS_SHARE[k]["village"]) for p in place])
        has[k] = rng.random(n) < share
        received[k] = np.where(has[k], rng.integers(demo.received_from, years[0] + 1, n), 0).astype(
            np.int64
        )
        sets[k] = np.where(has[k], rng.integers(1, 16, n), 0).astype(np.int64)
        for i, y in enumerate(years):
            r = rng_for(seed, "lab", "use", k, y).random(n)
            used = min(0.95, demo.used_share_first + i * demo.used_share_step)
            unused = (1.0 - used) * demo.unused_of_rest
            s = np.where(r < used, USED, np.where(r < used + unused, UNUSED, UNDERUSED))
            state[(y, k)] = np.where(has[k], s, "").astype(object)
    merger = school_merger(schools, years)
    if merger is not None:
        for k in KINDS:
            for arr in (has[k], received[k], sets[k]):
                arr[merger.merged] = arr[merger.successor]
            for y in years:
                if y >= merger.year:
                    state[(y, k)][merger.merged] = state[(y, k)][merger.successor]
    return LabPlan(years, has, received, sets, state, demo)


def use_counts(plan: LabPlan, seed: int, school: int, school_code: str, year: int, kind: str):
    """Lessons and practical works per term for one school × kind × year, by its state."""
    low_l, low_p = MINIMUM[kind]
    st = plan.state[(year, kind)][school]
    rng = rng_for(seed, "lab", "counts", school_code, kind, year)
    t = plan.params.terms
    if st == USED:
        lessons = low_l + rng.integers(0, 2 * low_l + 1, t)
        practical = np.minimum(lessons, low_p + rng.integers(0, 2 * low_p + 1, t))
    elif st == UNDERUSED:
        lessons = low_l + rng.integers(0, low_l + 1, t)
        practical = np.minimum(lessons, low_p + rng.integers(0, low_p + 1, t))
        short = int(rng.integers(t))  # one term below the minimum
        lessons[short] = int(rng.integers(0, max(low_l, 1)))
        practical[short] = min(int(lessons[short]), int(rng.integers(0, max(low_p, 1))))
        if lessons[short] >= low_l and practical[short] >= low_p:  # pragma: no cover
            practical[short] = low_p - 1
    else:
        lessons = np.zeros(t, dtype=np.int64)
        practical = np.zeros(t, dtype=np.int64)
    return [int(v) for v in lessons], [int(v) for v in practical]


def practical_mask(bp: Blueprint) -> np.ndarray | None:
    """Which tasks of a work are practical tasks (None: none are, or not biology)."""
    if bp.subject != PRACTICAL_SUBJECT or bp.grade not in PRACTICAL_TASKS:
        return None
    mask = np.array([label in PRACTICAL_TASKS[bp.grade] for label in bp.labels])
    return mask if mask.any() else None


def practical_shift(plan: LabPlan, year: int) -> np.ndarray:
    """Per school: ability added on the practical tasks in ``year``."""
    return plan.uses_biology(year) * float(plan.params.effect_sd)


def expected_gain_pp(
    bp: Blueprint, levels: np.ndarray, shift: float, params: ModelParams, n_grid: int = 401
) -> np.ndarray:
    """Per school level: expected gain (pp of the practical tasks' maximum) from ``shift`` —
    the item model of ``simulate_file`` integrated over the students (ability N(level,
    within_sd)); a missing cell (its probability from the unshifted success) stays 0."""
    mask = practical_mask(bp)
    if mask is None:
        return np.zeros(len(levels))
    unit = np.linspace(-6.0, 6.0, n_grid)
    weight = np.exp(-0.5 * unit**2)
    weight /= weight.sum()
    theta = (
        np.asarray(levels, dtype=np.float64)[:, None, None] + params.within_sd * unit[None, :, None]
    )
    a, b = bp.discrimination[mask][None, None, :], bp.difficulty[mask][None, None, :]
    m = bp.maxima[mask].astype(np.float64)[None, None, :]
    p0 = expit(a * (theta - b))
    p1 = expit(a * (theta + shift - b))
    slope = np.where(
        bp.advanced[mask], params.task_missing_advanced_slope, params.task_missing_basic_slope
    )[None, None, :]
    kept = 1.0 - params.task_missing_base - slope * (1.0 - p0)
    gain = (m * (p1 - p0) * kept).sum(axis=2) @ weight
    return 100.0 * gain / float(bp.maxima[mask].sum())
