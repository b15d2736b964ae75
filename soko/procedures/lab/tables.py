"""The procedure's derived tables: each school's equipment and its use, shares of schools with
equipment unused or under-used by unit and by kind, and the association of use with the
practical tasks of ВПР and ОГЭ.

``lab_units`` is a contract with the management mechanisms (direction indicators read it by
these exact columns): ``year, level (municipality|region), unit_code, schools_with_equipment,
schools_underused, underused_share`` (%). Change them only together.

The association (method: docs/lab.md). A school's *gap* is the completion (% of maximum
points) of the practical tasks minus that of the other tasks of the same works (the
subject's grades written that year, pooled): a strong school does well on both, so its
strength cancels and is not credited to its equipment. The estimate is the difference of
the mean gap of the schools that use the equipment (at least one of the kinds serving these
tasks in the state «used») and of those that do not (without it, or with it unused or
under-used); each school counts once. Its standard error is Welch's, on the school-level
gaps (the schools as independent units, unequal variances in the two groups), the interval
``d ± t(df) · SE`` with the Welch–Satterthwaite degrees of freedom. It is an association,
not an effect: schools that use their equipment may differ in other ways.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from soko.procedures.lab.settings import LabBlock, PracticalTasks
from soko.school_registry import municipality_names
from soko.suppression import format_signed

USED, UNDERUSED, UNUSED, NONE = "used", "underused", "unused", "none"
STATE_NAMES: dict[str, str] = {
    USED: "используется",
    UNDERUSED: "используется недостаточно",
    UNUSED: "не используется",
    NONE: "нет оборудования",
}
SCHOOL_COLUMNS: tuple[str, ...] = (
    "year",
    "municipality_code",
    "municipality_name",
    "school_code",
    "school_name",
    "kind",
    "kind_name",
    "has_equipment",
    "year_received",
    "sets",
    "lessons",
    "practical",
    "min_lessons",
    "min_practical",
    "terms_below",
    "state",
    "state_name",
)
UNIT_COLUMNS: tuple[str, ...] = (
    "year",
    "level",
    "unit_code",
    "schools_with_equipment",
    "schools_underused",
    "underused_share",
)
KIND_COLUMNS: tuple[str, ...] = (
    "year",
    "level",
    "unit_code",
    "unit_name",
    "kind",
    "kind_name",
    "schools_reported",
    "schools_with_equipment",
    "schools_unused",
    "schools_underused",
    "unused_share",
    "underused_share",
)
ASSOCIATION_COLUMNS: tuple[str, ...] = (
    "year",
    "procedure",
    "subject",
    "subject_name",
    "level",
    "unit_code",
    "unit_name",
    "n_using",
    "n_not_using",
    "practical_using",
    "practical_not_using",
    "gap_using",
    "gap_not_using",
    "difference",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "verdict",
)
PROCEDURE_NAMES = {"vpr": "ВПР", "oge": "ОГЭ"}


# --- schools ------------------------------------------------------------------------------------


def school_table(
    equipment: pd.DataFrame, schools: pd.DataFrame, settings: LabBlock
) -> pd.DataFrame:
    """One row per year × school × kind reported: totals over the terms and the state of use
    (used / under-used: some term below the minimum / unused: nothing all year / none)."""
    if equipment.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SCHOOL_COLUMNS})
    kinds = {k.code: k for k in settings.kinds}
    terms = {t.code: t.name for t in settings.terms}
    eq = equipment.copy()
    eq["min_lessons"] = eq["kind"].map({c: k.min_lessons for c, k in kinds.items()})
    eq["min_practical"] = eq["kind"].map({c: k.min_practical for c, k in kinds.items()})
    eq["below"] = eq["has_equipment"].astype(bool) & (
        (eq["lessons"].fillna(0) < eq["min_lessons"])
        | (eq["practical"].fillna(0) < eq["min_practical"])
    )
    eq["term_name"] = eq["term"].map(terms).fillna(eq["term"])
    keys = ["year", "municipality_code", "school_code", "kind"]
    g = eq.groupby(keys, sort=True, dropna=False)
    out = g.agg(
        has_equipment=("has_equipment", "first"),
        year_received=("year_received", "first"),
        sets=("sets", "first"),
        lessons=("lessons", "sum"),
        practical=("practical", "sum"),
        min_lessons=("min_lessons", "first"),
        min_practical=("min_practical", "first"),
        any_below=("below", "any"),
    ).reset_index()
    below = eq[eq["below"]].groupby(keys)["term_name"].agg(", ".join).rename("terms_below")
    out = out.merge(below, on=keys, how="left")
    has = out["has_equipment"].astype(bool)
    nothing = (out["lessons"] == 0) & (out["practical"] == 0)
    out["state"] = np.select(
        [~has, nothing, out["any_below"]], [NONE, UNUSED, UNDERUSED], default=USED
    )
    out["state_name"] = out["state"].map(STATE_NAMES)
    reg = schools.drop_duplicates("school_code").set_index("school_code")
    out["school_name"] = out["school_code"].map(reg["school_name"])
    out["municipality_name"] = out["municipality_code"].map(municipality_names(schools))
    out["kind_name"] = out["kind"].map({c: k.name for c, k in kinds.items()})
    for col in ("lessons", "practical", "sets", "year_received"):
        out[col] = out[col].astype("Int64")
    out["min_lessons"] = out["min_lessons"].astype("int64")
    out["min_practical"] = out["min_practical"].astype("int64")
    out["has_equipment"] = has
    for col in SCHOOL_COLUMNS:
        if out[col].dtype == object:
            out[col] = out[col].astype("string")
    order = {k.code: i for i, k in enumerate(settings.kinds)}
    out = out.assign(_k=out["kind"].map(order)).sort_values(
        ["year", "municipality_code", "school_code", "_k"], kind="stable"
    )
    return out[list(SCHOOL_COLUMNS)].reset_index(drop=True)


# --- units ----------------------------------------------------------------------------------


def _both_levels(table: pd.DataFrame, region_code: str) -> pd.DataFrame:
    muni = table.assign(level="municipality", unit_code=table["municipality_code"].astype(str))
    reg = table.assign(level="region", unit_code=region_code)
    return pd.concat([muni, reg], ignore_index=True)


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    return (100.0 * part / whole.where(whole > 0)).astype("float64")


def units_table(lab_schools: pd.DataFrame, region_code: str) -> pd.DataFrame:
    """Per year and unit: schools with any equipment, of them schools where at least one kind
    is unused or under-used, and their share (%)."""
    if lab_schools.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in UNIT_COLUMNS})
    per_school = lab_schools.groupby(["year", "municipality_code", "school_code"]).agg(
        has=("has_equipment", "any"),
        underused=("state", lambda s: bool(s.isin([UNUSED, UNDERUSED]).any())),
    )
    per_school = per_school.reset_index()
    both = _both_levels(per_school, region_code)
    g = both.groupby(["year", "level", "unit_code"], sort=True).agg(
        schools_with_equipment=("has", "sum"), schools_underused=("underused", "sum")
    )
    out = g.reset_index()
    out["schools_with_equipment"] = out["schools_with_equipment"].astype("int64")
    out["schools_underused"] = out["schools_underused"].astype("int64")
    out["underused_share"] = _share(out["schools_underused"], out["schools_with_equipment"])
    out["year"] = out["year"].astype("int64")
    out["level"] = out["level"].astype("string")
    out["unit_code"] = out["unit_code"].astype("string")
    return out[list(UNIT_COLUMNS)].reset_index(drop=True)


def kinds_table(
    lab_schools: pd.DataFrame, region_code: str, region_name: str, settings: LabBlock
) -> pd.DataFrame:
    """Per year, unit and kind: schools reported, with the kind, with it unused, with it
    unused or under-used; shares (%) of the schools with it."""
    if lab_schools.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in KIND_COLUMNS})
    t = lab_schools.assign(
        unused=lab_schools["state"] == UNUSED,
        underused=lab_schools["state"].isin([UNUSED, UNDERUSED]),
    )
    both = _both_levels(t, region_code)
    names = dict(zip(t["municipality_code"], t["municipality_name"], strict=True))
    g = both.groupby(["year", "level", "unit_code", "kind"], sort=True).agg(
        schools_reported=("school_code", "nunique"),
        schools_with_equipment=("has_equipment", "sum"),
        schools_unused=("unused", "sum"),
        schools_underused=("underused", "sum"),
    )
    out = g.reset_index()
    out["unit_name"] = np.where(
        out["level"] == "region", region_name, out["unit_code"].map(names).fillna(out["unit_code"])
    )
    out["kind_name"] = out["kind"].map({k.code: k.name for k in settings.kinds})
    for col in (
        "schools_reported",
        "schools_with_equipment",
        "schools_unused",
        "schools_underused",
    ):
        out[col] = out[col].astype("int64")
    out["unused_share"] = _share(out["schools_unused"], out["schools_with_equipment"])
    out["underused_share"] = _share(out["schools_underused"], out["schools_with_equipment"])
    order = {k.code: i for i, k in enumerate(settings.kinds)}
    out = out.assign(_k=out["kind"].map(order), _l=out["level"] != "region").sort_values(
        ["year", "_l", "unit_code", "_k"], kind="stable"
    )
    for col in ("level", "unit_code", "unit_name", "kind", "kind_name"):
        out[col] = out[col].astype("string")
    out["year"] = out["year"].astype("int64")
    return out[list(KIND_COLUMNS)].reset_index(drop=True)


# --- the association ------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """Welch's difference of two groups' means (school-level values)."""

    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    difference: float
    se: float
    df: float
    ci_low: float
    ci_high: float


def welch(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> Difference:
    """``mean(a) − mean(b)`` with Welch's SE ``√(s²_a/n_a + s²_b/n_b)``, the
    Welch–Satterthwaite degrees of freedom and a t interval; NaN where a group has fewer
    than two values."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    na, nb = len(a), len(b)
    nan = math.nan
    ma = float(a.mean()) if na else nan
    mb = float(b.mean()) if nb else nan
    if na < 2 or nb < 2:
        return Difference(na, nb, ma, mb, ma - mb, nan, nan, nan, nan)
    va, vb = float(a.var(ddof=1)) / na, float(b.var(ddof=1)) / nb
    se = math.sqrt(va + vb)
    d = ma - mb
    if se == 0:
        return Difference(na, nb, ma, mb, d, 0.0, nan, d, d)
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    q = float(stats.t.ppf(0.5 + level / 2, df))
    return Difference(na, nb, ma, mb, d, se, df, d - q * se, d + q * se)


def school_gaps(
    task_table: pd.DataFrame, practical: PracticalTasks, min_participants: int
) -> pd.DataFrame:
    """Per year × school: completion (%) of the practical tasks, of the other tasks of the
    same works, and the gap, from the school rows of a derived task table — ``vpr_tasks``
    or ``oge_tasks``, which share these columns (works of the configured grades whose
    structure has at least one practical task)."""
    cols = ["year", "school_code", "participants", "practical", "other", "gap"]
    if task_table.empty:
        return pd.DataFrame(columns=cols)
    t = task_table[(task_table["level"] == "school") & (task_table["subject"] == practical.subject)]
    t = t[t["grade"].isin(list(practical.tasks))]
    if t.empty:
        return pd.DataFrame(columns=cols)
    wanted = {(int(g), str(x)) for g, labels in practical.tasks.items() for x in labels}
    t = t.assign(
        is_practical=[
            (int(g), str(x)) in wanted for g, x in zip(t["grade"], t["task"], strict=True)
        ],
        possible=t["n"].astype("float64") * t["max_score"].astype("float64"),
        got=t["points"].astype("float64"),
    )
    works = t.groupby(["year", "grade"])["is_practical"].transform("any")
    t = t[works]
    keys = ["year", "unit_code"]
    part = t.groupby([*keys, "is_practical"])[["got", "possible"]].sum().unstack("is_practical")
    n = t.groupby([*keys, "grade"])["n"].max().groupby(level=keys).sum()
    out = pd.DataFrame(
        {
            "participants": n,
            "practical": 100.0 * part[("got", True)] / part[("possible", True)],
            "other": 100.0 * part[("got", False)] / part[("possible", False)],
        }
    ).reset_index()
    out = out.rename(columns={"unit_code": "school_code"})
    out = out[(out["participants"] >= min_participants)].dropna(subset=["practical", "other"])
    out["gap"] = out["practical"] - out["other"]
    out["year"] = out["year"].astype("int64")
    out["school_code"] = out["school_code"].astype(str)
    return out[cols].reset_index(drop=True)


def using_schools(lab_schools: pd.DataFrame, equipment: list[str]) -> pd.DataFrame:
    """Per year × school reported: whether one of ``equipment`` is used (at the minimum)."""
    t = lab_schools.assign(hit=lab_schools["kind"].isin(equipment) & (lab_schools["state"] == USED))
    g = t.groupby(["year", "school_code", "municipality_code"], as_index=False)["hit"].any()
    return g.rename(columns={"hit": "uses"})


def verdict(est: Difference, subject_name: str, procedure: str, minimum: int, level: float) -> str:
    what = f"практических заданий {PROCEDURE_NAMES.get(procedure, procedure)} ({subject_name})"
    if min(est.n_a, est.n_b) < minimum:
        return (
            f"Сравнение не сделано: школ, которые используют оборудование, {est.n_a}, "
            f"которые не используют, {est.n_b} (нужно не меньше {minimum} с каждой стороны)."
        )
    pct = f"{round(level * 100):d} %"
    interval = f"{pct} интервал от {format_signed(est.ci_low)} до {format_signed(est.ci_high)}"
    diff = format_signed(est.difference, plus=True)
    head = (
        f"Разрыв между выполнением {what} и остальных заданий тех же работ у школ, которые "
        f"используют оборудование (школ: {est.n_a}), отличается от разрыва у школ, которые его "
        f"не используют (школ: {est.n_b}), на {diff} п.п. ({interval})."
    )
    if est.ci_low > 0 or est.ci_high < 0:
        better = "лучше" if est.difference > 0 else "хуже"
        tail = f" Школы, использующие оборудование, выполняют практические задания {better}."
    else:
        tail = " Интервал включает 0: различия не видно."
    return head + tail + " Это связь, а не доказанное влияние."


def association_table(
    lab_schools: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    settings: LabBlock,
    region_code: str,
    region_name: str,
    oge_tasks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per year × practical-task set (ВПР, ОГЭ) × unit (the region, each municipality): the
    difference of mean gaps between using and non-using schools, Welch's interval. A set
    whose procedure has no task table, or whose subject that table lacks (the demo's ОГЭ
    has no physics or chemistry), gives no rows."""
    assoc = settings.association
    by_procedure = {"vpr": vpr_tasks, "oge": pd.DataFrame() if oge_tasks is None else oge_tasks}
    rows = []
    for practical in settings.practical_tasks:
        gaps = school_gaps(by_procedure[practical.procedure], practical, assoc.min_participants)
        use = using_schools(lab_schools, practical.equipment)
        both = gaps.merge(use, on=["year", "school_code"], how="inner")
        names = dict(
            zip(lab_schools["municipality_code"], lab_schools["municipality_name"], strict=True)
        )
        subject_name = settings.subjects.get(practical.subject, practical.subject)
        for year, per_year in both.groupby("year", sort=True):
            units = [("region", region_code, region_name, per_year)]
            for m, part in per_year.groupby("municipality_code", sort=True):
                units.append(("municipality", str(m), str(names.get(m, m)), part))
            for level, code, name, part in units:
                on, off = part[part["uses"]], part[~part["uses"]]
                est = welch(on["gap"].to_numpy(), off["gap"].to_numpy(), assoc.interval_level)
                enough = min(est.n_a, est.n_b) >= assoc.min_schools
                rows.append(
                    {
                        "year": int(year),
                        "procedure": practical.procedure,
                        "subject": practical.subject,
                        "subject_name": subject_name,
                        "level": level,
                        "unit_code": code,
                        "unit_name": name,
                        "n_using": est.n_a,
                        "n_not_using": est.n_b,
                        "practical_using": float(on["practical"].mean()) if enough else np.nan,
                        "practical_not_using": float(off["practical"].mean()) if enough else np.nan,
                        "gap_using": est.mean_a if enough else np.nan,
                        "gap_not_using": est.mean_b if enough else np.nan,
                        "difference": est.difference if enough else np.nan,
                        "se": est.se if enough else np.nan,
                        "df": est.df if enough else np.nan,
                        "ci_low": est.ci_low if enough else np.nan,
                        "ci_high": est.ci_high if enough else np.nan,
                        "verdict": verdict(
                            est,
                            subject_name,
                            practical.procedure,
                            assoc.min_schools,
                            assoc.interval_level,
                        ),
                    }
                )
    out = pd.DataFrame(rows, columns=list(ASSOCIATION_COLUMNS))
    for col in ("n_using", "n_not_using", "year"):
        out[col] = out[col].astype("int64")
    for col in ASSOCIATION_COLUMNS[9:18]:
        out[col] = out[col].astype("float64")
    for col in ASSOCIATION_COLUMNS:
        if out[col].dtype == object:
            out[col] = out[col].astype("string")
    return out.reset_index(drop=True)
