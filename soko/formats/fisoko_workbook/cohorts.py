"""Demo cohorts followed across years: the same students in grade g in year y and g + 1 in y + 1.

РПР's «Код обучающегося» is a persistent pseudonymous id where a municipality uses the
regional information system. Each school's cohort (students who are in grade g in year
c + g) is a pool of students; a few join late or leave early; a student's general ability
in a year correlates ``PERSISTENCE`` with the previous year's. Where the municipality keeps
ids, a student has one id for all years, elsewhere a new one each year.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from soko.demo.model import CITY, ModelParams, rng_for
from soko.demo.vpr import CLASS_LETTERS

STABLE_SHARE = 0.6  # municipalities whose schools keep a student's id across years
MOBILITY = 0.08  # share of a cohort that joins late or leaves early
PERSISTENCE = 0.9  # correlation of a student's general ability in consecutive years
ID_LOW, ID_SPAN = 10**9, 9 * 10**9  # ids are 10-digit numbers


def stable_municipalities(seed: int, code: str, codes: list[str]) -> list[str]:
    """Demo: the municipalities using the regional system's persistent ids (at least one)."""
    u = rng_for(seed, code, "stable").random(len(codes))
    chosen = [c for c, x in zip(codes, u, strict=True) if x < STABLE_SHARE]
    return chosen or [codes[int(np.argmin(u))]]


def _cohort(
    seed: int, code: str, school: str, expected: float, cohort: int, n_grades: int
) -> dict[str, np.ndarray]:
    """One school's cohort: per student the first and last grade position and abilities."""
    rng = rng_for(seed, code, "cohort", school, cohort)
    size = expected * math.exp(rng.normal(0.0, ModelParams.cohort_year_log_sd))
    n = max(1, round(size * (1 + MOBILITY)))
    late = rng.random(n) < MOBILITY
    early = rng.random(n) < MOBILITY
    first = np.where(late, rng.integers(0, n_grades, n), 0)
    last = np.maximum(first, np.where(early, rng.integers(0, n_grades, n), n_grades - 1))
    ability = rng.standard_normal(n)
    eta = np.empty((n, n_grades))
    eta[:, 0] = ability
    for j in range(1, n_grades):
        noise = rng.standard_normal(n)
        eta[:, j] = PERSISTENCE * eta[:, j - 1] + math.sqrt(1 - PERSISTENCE**2) * noise
    return {"first": first, "last": last, **{f"eta{j}": eta[:, j] for j in range(n_grades)}}


def cohort_students(
    seed: int,
    code: str,
    schools: pd.DataFrame,
    years: tuple[int, ...],
    grades: list[int],
    stable: list[str],
) -> pd.DataFrame:
    """Every student × year × ``grades`` of every school: a class, an id and ``eta``;
    ``code`` names the random streams (the procedure's).

    Columns: ``school`` (row in ``schools``), ``year``, ``grade``, ``participant_code``
    (int), ``class_label``, ``eta``, ``stable_id``, ``ability`` (the first year's eta).
    """
    params = ModelParams()
    grades = sorted(grades)
    cohorts = sorted({y - g for y in years for g in grades})
    caps = np.where(
        schools["locality"].to_numpy() == CITY, params.class_cap_city, params.class_cap_village
    )
    keeps = schools["municipality_code"].isin(stable).to_numpy()
    pools: dict[str, list[np.ndarray]] = {}
    for s, (school, expected) in enumerate(
        zip(schools["school_code"], schools["cohort"], strict=True)
    ):
        for c in cohorts:
            pool = _cohort(seed, code, school, expected, c, len(grades))
            n = len(pool["first"])
            pool |= {
                "school": np.full(n, s),
                "cohort": np.full(n, c),
                "serial": np.arange(n),
                "stable_id": np.full(n, keeps[s]),
                "cap": np.full(n, caps[s]),
            }
            for key, values in pool.items():
                pools.setdefault(key, []).append(values)
    students = pd.DataFrame({key: np.concatenate(parts) for key, parts in pools.items()})
    rows = []
    for j, grade in enumerate(grades):
        part = students[(students["first"] <= j) & (students["last"] >= j)].copy()
        part["grade"], part["year"] = grade, part["cohort"] + grade
        part = part[part["year"].isin(years)]
        part["eta"], part["ability"] = part[f"eta{j}"], part["eta0"]
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    # Ids: one per student where the municipality keeps them, else a new one each year.
    key = np.where(out["stable_id"], -1, out["year"])
    ident = out.assign(_key=key).groupby(["school", "cohort", "serial", "_key"], sort=True).ngroup()
    codes = rng_for(seed, code, "ids").choice(ID_SPAN, size=int(ident.max()) + 1, replace=False)
    out["participant_code"] = codes[ident.to_numpy()] + ID_LOW
    # Classes: a student keeps the same position in the school's cohort every year.
    size = out.groupby(["school", "year", "grade"])["serial"].transform("size")
    n_classes = np.ceil(size / out["cap"]).astype(int).clip(upper=12)
    rank = out.groupby(["school", "year", "grade"])["serial"].rank(method="first").astype(int) - 1
    letters = np.array(list(CLASS_LETTERS))[(rank % n_classes).to_numpy()]
    out["class_label"] = out["grade"].astype(str) + letters
    cols = ["school", "year", "grade", "participant_code", "class_label", "eta"]
    return out[[*cols, "stable_id", "ability"]].sort_values(
        ["year", "grade", "school", "class_label", "participant_code"], ignore_index=True
    )
