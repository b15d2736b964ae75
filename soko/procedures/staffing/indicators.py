"""Staffing indicators, school → municipality → region, per quarter (pure functions of the
canonical tables, tested by hand on tiny tables).

- **vacancy rate** = 100 · Σ vacant / Σ positions (ставки, not persons) of the unit;
- **hours not covered** = Σ weekly hours of the curriculum nobody teaches;
- **share of teachers of retirement age** = 100 · teachers in the age bands marked
  ``retirement_age`` / teachers;
- **projected need in k years** = vacant positions now + expected departures of today's
  teachers by age over k years, ``Σ_b n_b · (1 − (1 − r_b)^k)`` where ``n_b`` is the
  number of teachers in age band ``b`` and ``r_b`` its configured yearly rate. A teacher is
  kept in the band they are in now (no ageing into the next band): over 5 years this
  understates departures from the bands just below retirement, which the region's rates can
  allow for. One departing teacher is counted as one position to fill.
- **critical shortage** of a school's subject and level: vacancy rate ≥ the configured
  percentage or uncovered hours ≥ the configured hours a week.
- **whether staffing measures worked**: :func:`measure_effects` (difference in the change
  of vacancy rate, with its interval).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from soko.procedures.staffing.settings import StaffingBlock
from soko.suppression import format_signed

UNIT_COLUMNS: tuple[str, ...] = (
    # the mechanisms read these, by these names
    "year",
    "quarter",
    "level",
    "unit_code",
    "municipality_code",
    "teachers",
    "positions",
    "vacant",
    "vacancy_rate",
    "hours_uncovered",
    "retirement_age_share",
    "young_specialists",
    "young_mentored",
    # and the pages
    "unit_name",
    "filled",
    "overloaded",
    "retirement_age",
    "retiring",
    "leavers",
)
SUBJECT_COLUMNS: tuple[str, ...] = (
    "year",
    "quarter",
    "level",
    "unit_code",
    "municipality_code",
    "subject",
    "subject_name",
    "edu_level",
    "edu_level_name",
    "positions",
    "filled",
    "vacant",
    "vacancy_rate",
    "hours_uncovered",
    "overloaded",
)
PROJECTION_COLUMNS: tuple[str, ...] = (
    "year",
    "quarter",
    "level",
    "unit_code",
    "municipality_code",
    "subject",
    "subject_name",
    "horizon",
    "teachers",
    "vacant",
    "expected_departures",
    "need",
)
CRITICAL_COLUMNS: tuple[str, ...] = (
    "year",
    "quarter",
    "municipality_code",
    "municipality_name",
    "school_code",
    "school_name",
    "subject",
    "subject_name",
    "edu_level",
    "edu_level_name",
    "positions",
    "vacant",
    "vacancy_rate",
    "hours_uncovered",
    "rule",
    "quarters_running",
)
EFFECT_COLUMNS: tuple[str, ...] = (
    "kind",
    "level",
    "unit_code",
    "unit_name",
    "start_year",
    "n_treated",
    "n_control",
    "treated_before",
    "treated_after",
    "control_before",
    "control_after",
    "naive_change",
    "effect",
    "se",
    "ci_low",
    "ci_high",
    "verdict",
)
ALL = "all"
# the ``measured_by`` value of the register's staffing kinds (config/measures.yml)
STAFFING = "staffing"
PERIOD = ["year", "quarter"]


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    num, den = num.astype("float64"), den.astype("float64")
    return (100.0 * num / den).where(den > 0)


# --- per school, municipality, region ----------------------------------------------------------


def _school_rows(
    positions: pd.DataFrame,
    teachers: pd.DataFrame,
    leavers: pd.DataFrame,
    settings: StaffingBlock,
) -> pd.DataFrame:
    keys = [*PERIOD, "municipality_code", "school_code"]
    pos = positions.groupby(keys, as_index=False)[
        ["positions", "filled", "vacant", "hours_uncovered", "overloaded"]
    ].sum()
    t = teachers.assign(
        retirement_age=teachers["age_band"].isin(settings.retirement_bands),
        young_mentored=teachers["young"].astype(bool) & teachers["mentored"].astype(bool),
    )
    tea = t.groupby(keys, as_index=False).agg(
        teachers=("person_code", "size"),
        retirement_age=("retirement_age", "sum"),
        young_specialists=("young", "sum"),
        young_mentored=("young_mentored", "sum"),
        retiring=("retiring", "sum"),
    )
    lea = leavers.groupby(keys, as_index=False).agg(leavers=("person_code", "size"))
    if pos.empty and tea.empty:
        # a region without the staffing monitoring: merging empty string keys fails in
        # pyarrow, so the empty table of the same columns is made directly
        out = pd.concat([pos, tea.drop(columns=keys)], axis=1).assign(leavers=0)
    else:
        out = pos.merge(tea, on=keys, how="outer").merge(lea, on=keys, how="left")
    counts = ["teachers", "retirement_age", "young_specialists", "young_mentored", "retiring"]
    for col in [*counts, "leavers", "overloaded"]:
        out[col] = out[col].fillna(0).astype("int64")
    for col in ("positions", "filled", "vacant", "hours_uncovered"):
        out[col] = out[col].fillna(0.0).astype("float64")
    return out


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    frame["vacancy_rate"] = _rate(frame["vacant"], frame["positions"])
    frame["retirement_age_share"] = _rate(frame["retirement_age"], frame["teachers"])
    return frame


def units_table(
    positions: pd.DataFrame,
    teachers: pd.DataFrame,
    leavers: pd.DataFrame,
    schools: pd.DataFrame,
    settings: StaffingBlock,
    region_code: str,
    region_name: str,
) -> pd.DataFrame:
    """``staffing_units``: per quarter, every school, municipality and the region."""
    school = _school_rows(positions, teachers, leavers, settings)
    sums = [
        "positions",
        "filled",
        "vacant",
        "hours_uncovered",
        "overloaded",
        "teachers",
        "retirement_age",
        "young_specialists",
        "young_mentored",
        "retiring",
        "leavers",
    ]
    school = school.assign(level="school", unit_code=school["school_code"])
    muni = school.groupby([*PERIOD, "municipality_code"], as_index=False)[sums].sum()
    muni = muni.assign(level="municipality", unit_code=muni["municipality_code"])
    reg = school.groupby(PERIOD, as_index=False)[sums].sum()
    reg = reg.assign(level="region", unit_code=region_code, municipality_code=pd.NA)
    names = _names(schools)
    out = pd.concat([school, muni, reg], ignore_index=True)
    out["unit_name"] = np.where(
        out["level"] == "region",
        region_name,
        np.where(
            out["level"] == "school",
            out["unit_code"].map(names["school"]),
            out["unit_code"].map(names["municipality"]),
        ),
    )
    out = _finish(out)
    order = {"region": 0, "municipality": 1, "school": 2}
    out = out.sort_values(
        [*PERIOD, "level", "unit_code"], key=lambda s: s.map(order) if s.name == "level" else s
    )
    out = out[list(UNIT_COLUMNS)].reset_index(drop=True)
    for col in ("level", "unit_code", "municipality_code", "unit_name"):
        out[col] = out[col].astype("string")
    return out


def _names(schools: pd.DataFrame) -> dict[str, dict[str, str]]:
    reg = schools.drop_duplicates("school_code", keep="last")
    munis = schools.drop_duplicates("municipality_code", keep="last")
    return {
        "school": dict(zip(reg["school_code"], reg["school_name"], strict=True)),
        "municipality": dict(
            zip(munis["municipality_code"], munis["municipality_name"], strict=True)
        ),
    }


# --- by subject and level --------------------------------------------------------------------


def subjects_table(
    positions: pd.DataFrame, settings: StaffingBlock, region_code: str
) -> pd.DataFrame:
    """``staffing_subjects``: per quarter and unit, each subject by level and in all levels
    (``edu_level`` «all»)."""
    sums = ["positions", "filled", "vacant", "hours_uncovered", "overloaded"]
    both = pd.concat([positions, positions.assign(level=ALL)], ignore_index=True)
    both = both.rename(columns={"level": "edu_level"})
    parts = []
    for level, keys in (
        ("school", ["municipality_code", "school_code"]),
        ("municipality", ["municipality_code"]),
        ("region", []),
    ):
        g = both.groupby([*PERIOD, *keys, "subject", "edu_level"], as_index=False)[sums].sum()
        if level == "school":
            g = g.rename(columns={"school_code": "unit_code"})
        elif level == "municipality":
            g["unit_code"] = g["municipality_code"]
        else:
            g["unit_code"] = region_code
            g["municipality_code"] = pd.NA
        parts.append(g.assign(level=level))
    out = pd.concat(parts, ignore_index=True)
    out["vacancy_rate"] = _rate(out["vacant"], out["positions"])
    out["subject_name"] = out["subject"].map(settings.subjects)
    out["edu_level_name"] = out["edu_level"].map({**settings.levels, ALL: "все уровни"})
    out["overloaded"] = out["overloaded"].astype("int64")
    out = out.sort_values([*PERIOD, "level", "unit_code", "subject", "edu_level"], kind="stable")
    out = out[list(SUBJECT_COLUMNS)].reset_index(drop=True)
    for col in ("level", "unit_code", "municipality_code", "subject", "subject_name"):
        out[col] = out[col].astype("string")
    out["edu_level"] = out["edu_level"].astype("string")
    out["edu_level_name"] = out["edu_level_name"].astype("string")
    return out


# --- projection ------------------------------------------------------------------------------


def expected_departures(counts: dict[str, float], rates: dict[str, float], k: int) -> float:
    """``Σ_b n_b · (1 − (1 − r_b)^k)``: teachers of today expected to have left in k years."""
    return float(sum(n * (1.0 - (1.0 - rates.get(b, 0.0)) ** k) for b, n in counts.items()))


def projection_table(
    positions: pd.DataFrame,
    teachers: pd.DataFrame,
    settings: StaffingBlock,
    region_code: str,
) -> pd.DataFrame:
    """``staffing_projection``: per quarter, unit, subject (and «all») and horizon: the need
    = vacant positions + expected departures (module docstring)."""
    rates = {b.code: b.retirement_rate for b in settings.age_bands}
    t = pd.concat([teachers, teachers.assign(subject=ALL)], ignore_index=True)
    p = pd.concat([positions, positions.assign(subject=ALL)], ignore_index=True)
    parts = []
    for level, keys in (
        ("school", ["municipality_code", "school_code"]),
        ("municipality", ["municipality_code"]),
        ("region", []),
    ):
        group = [*PERIOD, *keys, "subject"]
        bands = t.groupby([*group, "age_band"]).size().unstack("age_band", fill_value=0)
        vacant = p.groupby(group)["vacant"].sum()
        index = bands.index.union(vacant.index)
        bands = bands.reindex(index, fill_value=0)
        vacant = vacant.reindex(index, fill_value=0.0)
        base = index.to_frame(index=False)
        base["teachers"] = bands.sum(axis=1).to_numpy().astype("int64")
        base["vacant"] = vacant.to_numpy().astype("float64")
        for k in settings.horizons:
            leave = np.zeros(len(base))
            for band in bands.columns:
                leave += bands[band].to_numpy() * (1.0 - (1.0 - rates.get(band, 0.0)) ** k)
            parts.append(
                base.assign(
                    level=level,
                    horizon=int(k),
                    expected_departures=leave,
                    need=base["vacant"].to_numpy() + leave,
                )
            )
    out = pd.concat(parts, ignore_index=True)
    out["unit_code"] = np.where(
        out["level"] == "school",
        out.get("school_code"),
        np.where(out["level"] == "municipality", out["municipality_code"], region_code),
    )
    out.loc[out["level"] == "region", "municipality_code"] = pd.NA
    out["subject_name"] = out["subject"].map({**settings.subjects, ALL: "все предметы"})
    out = out.sort_values([*PERIOD, "level", "unit_code", "subject", "horizon"], kind="stable")
    out = out[list(PROJECTION_COLUMNS)].reset_index(drop=True)
    for col in ("level", "unit_code", "municipality_code", "subject", "subject_name"):
        out[col] = out[col].astype("string")
    return out


# --- critical shortages ----------------------------------------------------------------------


def critical_table(
    positions: pd.DataFrame, schools: pd.DataFrame, settings: StaffingBlock
) -> pd.DataFrame:
    """``staffing_critical``: each school × subject × level × quarter with a critical
    shortage, the rule it broke and how many quarters in a row (up to this one) it has."""
    rule = settings.critical
    rows = positions.copy()
    rows["vacancy_rate"] = _rate(rows["vacant"], rows["positions"])
    by_rate = rows["vacancy_rate"].fillna(0) >= rule.vacancy_rate
    by_hours = rows["hours_uncovered"].fillna(0) >= rule.hours_uncovered
    rows["critical"] = by_rate | by_hours
    rows["rule"] = np.select(
        [by_rate & by_hours, by_rate, by_hours],
        [
            f"вакантно ≥ {rule.vacancy_rate:g} % ставок и не обеспечено ≥ "
            f"{rule.hours_uncovered:g} ч в неделю",
            f"вакантно ≥ {rule.vacancy_rate:g} % ставок",
            f"не обеспечено ≥ {rule.hours_uncovered:g} ч в неделю",
        ],
        "",
    )
    rows["period"] = rows["year"].astype("int64") * 4 + rows["quarter"].astype("int64") - 1
    rows = rows.sort_values(["school_code", "subject", "level", "period"], kind="stable")
    running = []
    for _, g in rows.groupby(["school_code", "subject", "level"], sort=False):
        streak, last = 0, None
        for period, crit in zip(g["period"], g["critical"], strict=True):
            streak = (streak + 1 if last is not None and period == last + 1 else 1) if crit else 0
            last = period
            running.append(streak)
    rows["quarters_running"] = pd.Series(running, index=rows.index, dtype="int64")
    out = rows[rows["critical"]].copy()
    names = _names(schools)
    out["school_name"] = out["school_code"].map(names["school"])
    out["municipality_name"] = out["municipality_code"].map(names["municipality"])
    out["subject_name"] = out["subject"].map(settings.subjects)
    out = out.rename(columns={"level": "edu_level"})
    out["edu_level_name"] = out["edu_level"].map(settings.levels)
    out = out.sort_values(
        [*PERIOD, "municipality_code", "school_code", "subject", "edu_level"], kind="stable"
    )
    out = out[list(CRITICAL_COLUMNS)].reset_index(drop=True)
    numeric = ("year", "quarter", "positions", "vacant", "vacancy_rate", "hours_uncovered")
    for col in CRITICAL_COLUMNS:
        if col not in (*numeric, "quarters_running"):
            out[col] = out[col].astype("string")
    return out


# --- whether staffing measures worked --------------------------------------------------------


def school_year_rates(positions: pd.DataFrame) -> pd.DataFrame:
    """Per school and year: the vacancy rate of all its positions, over the year's quarters
    (Σ vacant / Σ positions of the quarters the school reported)."""
    g = positions.groupby(["school_code", "year"], as_index=False)[["vacant", "positions"]].sum()
    g["rate"] = _rate(g["vacant"], g["positions"])
    return g.dropna(subset=["rate"])[["school_code", "year", "rate"]]


def difference_in_changes(
    treated: np.ndarray, control: np.ndarray, level: float
) -> tuple[float, float, float, float]:
    """Effect = mean change of the treated − mean change of the controls; its standard error
    ``sqrt(s_T²/n_T + s_C²/n_C)`` (Welch) and the interval effect ± t·SE with
    Welch–Satterthwaite degrees of freedom. (effect, se, low, high); NaN when either group
    has fewer than 2 schools."""
    nt, nc = len(treated), len(control)
    if nt < 2 or nc < 2:
        return (math.nan,) * 4
    effect = float(treated.mean() - control.mean())
    vt, vc = treated.var(ddof=1) / nt, control.var(ddof=1) / nc
    se = math.sqrt(vt + vc)
    if se == 0:
        return effect, 0.0, effect, effect
    df = (vt + vc) ** 2 / (vt**2 / (nt - 1) + vc**2 / (nc - 1))
    t = float(stats.t.ppf(0.5 + level / 2, df))
    return effect, se, effect - t * se, effect + t * se


def _verdict(n_treated: int, effect: float, low: float, high: float, s: StaffingBlock) -> str:
    pct = f"{round(s.effects.interval_level * 100):d} %"
    if n_treated < s.effects.min_treated:
        return (
            f"Слишком мало школ для оценки: с мерой и с данными за год до и год начала меры "
            f"{n_treated} (нужно не меньше {s.effects.min_treated})."
        )
    if math.isnan(effect):
        return "Оценка не сделана: нет школ без мер для сравнения."

    interval = f"{pct} интервал от {format_signed(low)} до {format_signed(high)} п.п."
    if high < 0:
        return (
            f"Эффект есть: доля вакантных ставок у школ с мерой снизилась на "
            f"{format_signed(-effect)} п.п. сильнее, чем у школ без мер ({interval})."
        )
    if low > 0:
        return (
            f"Доля вакантных ставок у школ с мерой выросла на {format_signed(effect)} п.п. "
            f"сильнее, чем у школ без мер ({interval}): мера не помогла или дана школам, где "
            "дефицит нарастал."
        )
    return (
        f"Измеримого эффекта нет: разность изменений {format_signed(effect, plus=True)} п.п., "
        f"{interval} включает 0."
    )


def measure_effects(
    positions: pd.DataFrame,
    measures: pd.DataFrame,
    schools: pd.DataFrame,
    settings: StaffingBlock,
    region_code: str,
    region_name: str,
) -> pd.DataFrame:
    """``staffing_measure_effects``: per staffing kind of measure (the register's kinds whose
    effect ``config/measures.yml`` says staffing measures: ``measured_by``) and start year, for the
    region and each municipality with treated schools — the change of a school's vacancy
    rate from the year before the measure to its start year, treated schools minus schools
    that never had a staffing measure (docs/staffing.md: a difference in differences
    without matching; its assumptions are stated there)."""
    rates = school_year_rates(positions).set_index(["school_code", "year"])["rate"]
    reg = measures[(measures["measured_by"] == STAFFING) & measures["school_code"].notna()]
    ever = set(reg["school_code"].astype(str))
    muni_of = positions.drop_duplicates("school_code", keep="last").set_index("school_code")[
        "municipality_code"
    ]
    names = _names(schools)["municipality"]
    rows = []
    for (kind, start), group in reg.groupby(["kind", "start_year"], sort=True):
        start = int(start)

        def change(codes: list[str], start: int = start) -> pd.DataFrame:
            out = pd.DataFrame({"school_code": codes})
            out["before"] = [rates.get((c, start - 1), np.nan) for c in codes]
            out["after"] = [rates.get((c, start), np.nan) for c in codes]
            out = out.dropna()
            out["municipality_code"] = out["school_code"].map(muni_of)
            return out.assign(change=out["after"] - out["before"])

        treated = change(sorted(set(group["school_code"].astype(str))))
        pool = sorted({str(c) for c, y in rates.index if y in (start - 1, start)} - ever)
        control = change(pool)
        units = [("region", region_code, region_name, treated)]
        for m in sorted(treated["municipality_code"].dropna().unique()):
            units.append(
                (
                    "municipality",
                    str(m),
                    names.get(m, str(m)),
                    treated[treated["municipality_code"] == m],
                )
            )
        for level, code, name, t in units:
            level_ci = settings.effects.interval_level
            effect, se, low, high = difference_in_changes(
                t["change"].to_numpy(), control["change"].to_numpy(), level_ci
            )
            if len(t) < settings.effects.min_treated:
                effect = se = low = high = math.nan
            rows.append(
                {
                    "kind": str(kind),
                    "level": level,
                    "unit_code": code,
                    "unit_name": name,
                    "start_year": start,
                    "n_treated": len(t),
                    "n_control": len(control),
                    "treated_before": t["before"].mean() if len(t) else math.nan,
                    "treated_after": t["after"].mean() if len(t) else math.nan,
                    "control_before": control["before"].mean() if len(control) else math.nan,
                    "control_after": control["after"].mean() if len(control) else math.nan,
                    "naive_change": t["change"].mean() if len(t) else math.nan,
                    "effect": effect,
                    "se": se,
                    "ci_low": low,
                    "ci_high": high,
                    "verdict": _verdict(len(t), effect, low, high, settings),
                }
            )
    out = pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))
    for col in ("kind", "level", "unit_code", "unit_name", "verdict"):
        out[col] = out[col].astype("string")
    for col in ("start_year", "n_treated", "n_control"):
        out[col] = out[col].astype("int64")
    for col in EFFECT_COLUMNS[7:16]:
        out[col] = out[col].astype("float64")
    return out
