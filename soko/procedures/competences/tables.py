"""The procedure's derived tables: persons with a deficit per unit, deficits by subject ×
domain, the list of deficits for training programmes, and the school-level association of
teachers' diagnostic results with the schools' results.

Column names are a contract: the management-mechanism indicators read ``competence_units``
(exactly ``UNIT_COLUMNS``); change them only together. Indicator tables keep true numbers
(``n`` beside every share); suppression of groups under ``min_group`` happens on the way to
a page (:mod:`.commentary`), except where a figure would describe a single person by
construction: the association's points (``association_points``) never hold a school whose
mean rests on fewer than ``min_group`` teachers.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from soko.config import region
from soko.indicators import mark_stats, max_primary_scores
from soko.procedures.competences.settings import HEAD, TEACHER, CompetencesBlock
from soko.procedures.competences.stats import Correlation, correlation
from soko.school_registry import as_of_in_build
from soko.suppression import format_signed

UNIT_COLUMNS: tuple[str, ...] = (
    "year",
    "level",
    "unit_code",
    "role",
    "diagnosed",
    "with_deficit",
    "trained",
    "units_total",
)
DEFICIT_COLUMNS: tuple[str, ...] = (
    "year",
    "level",
    "unit_code",
    "unit_name",
    "role",
    "role_name",
    "subject",
    "subject_name",
    "domain",
    "domain_name",
    "deficit_level",
    "n",
    "n_deficit",
    "share_deficit",
    "mean_score",
)
PROGRAMME_COLUMNS: tuple[str, ...] = (
    "year",
    "role",
    "role_name",
    "subject",
    "subject_name",
    "domain",
    "domain_name",
    "n",
    "n_deficit",
    "share_deficit",
    "rank",
    "included",
    "programme",
)
ASSOCIATION_COLUMNS: tuple[str, ...] = (
    "year",
    "subject",
    "subject_name",
    "measure",
    "measure_name",
    "method",
    "r",
    "ci_low",
    "ci_high",
    "n_schools",
    "n_teachers",
    "interval_level",
    "verdict",
)
POINT_COLUMNS: tuple[str, ...] = (
    "year",
    "subject",
    "measure",
    "point",
    "municipality_code",
    "n_schools",
    "n_teachers",
    "teacher_mean",
    "outcome",
)
ALL_SUBJECTS = "all"
ALL_SUBJECTS_NAME = "все предметы"
HEADS_SUBJECT_NAME = "руководители ОО"
MEASURES: dict[str, str] = {
    "vpr_mean": "ВПР: средний балл, % от максимума",
    "vpr_share2": "ВПР: доля отметок «2», %",
    "va": "Добавленная ценность школы (ВПР), SD",
}
METHODS: dict[str, str] = {"pearson": "Пирсона", "spearman": "Спирмена"}
CAVEAT = (
    "Это связь (ассоциация) между школами, а не влияние учителя: в школах с более сильным "
    "составом учащихся и лучшими условиями могут одновременно работать более подготовленные "
    "учителя и быть выше результаты, и коэффициент не отделяет одно от другого. Результаты "
    "ВПР не используются для оценки педагогов (решение 002_* п. 3.7), а результаты отдельного "
    "учителя нигде не показываются."
)


# --- persons -----------------------------------------------------------------------------------


def person_table(scores: pd.DataFrame, settings: CompetencesBlock) -> pd.DataFrame:
    """One row per year × person: where, role, subject, mean score over the role's domains,
    ``deficit_<domain>`` flags, ``with_deficit`` (below the level in at least one domain) and
    ``trained`` (only a person with a deficit counts as trained for a deficit)."""
    cols = ["year", "municipality_code", "school_code", "person_code", "role", "subject"]
    if scores.empty:
        return pd.DataFrame(columns=[*cols, "score", "with_deficit", "trained"])
    levels = {(r, d.code): d.deficit_level for r, d in settings.domains()}
    s = scores.copy()
    level = pd.Series(
        [levels.get((r, d), np.nan) for r, d in zip(s["role"], s["domain"], strict=True)],
        index=s.index,
    )
    s["below"] = (s["score"] < level).astype(bool)
    keys = ["year", "person_code"]
    wide = s.pivot_table(index=keys, columns="domain", values="below", aggfunc="max")
    wide = wide.rename(columns=lambda c: f"deficit_{c}").astype("boolean")
    base = s.groupby(keys, sort=True).agg(
        municipality_code=("municipality_code", "first"),
        school_code=("school_code", "first"),
        role=("role", "first"),
        subject=("subject", "first"),
        score=("score", "mean"),
        with_deficit=("below", "max"),
        trained=("trained", "max"),
    )
    out = base.join(wide).reset_index()
    out["with_deficit"] = out["with_deficit"].astype(bool)
    out["trained"] = out["trained"].fillna(False).astype(bool) & out["with_deficit"]
    return out


def _units_of(periods: pd.DataFrame, year: int) -> pd.DataFrame:
    """The year's schools with their municipality, in the build's boundaries (the scores are
    read through them too, so a former district's heads and schools count in one unit)."""
    return as_of_in_build(periods, year)[["school_code", "municipality_code", "municipality_name"]]


def _municipality_names(periods: pd.DataFrame, years: list[int]) -> dict[tuple[int, str], str]:
    out = {}
    for y in years:
        now = _units_of(periods, y)
        for code, name in zip(now["municipality_code"], now["municipality_name"], strict=True):
            out[(y, str(code))] = str(name)
    return out


# --- competence_units ----------------------------------------------------------------------------


def units_table(
    scores: pd.DataFrame, periods: pd.DataFrame, settings: CompetencesBlock
) -> pd.DataFrame:
    """Per year × unit (every municipality of the year's registry, and the region) × role:
    persons diagnosed, with a deficit, trained among those; for heads the unit's schools that
    year (for teachers NaN: their totals come from staffing)."""
    persons = person_table(scores, settings)
    years = sorted(int(y) for y in persons["year"].unique())
    region_code = region().code
    rows = []
    for year in years:
        mine = persons[persons["year"] == year]
        registry = _units_of(periods, year)
        munis = sorted(set(registry["municipality_code"].astype(str)))
        units: list[tuple[str, str, pd.DataFrame, pd.DataFrame]] = [
            ("region", region_code, mine, registry)
        ]
        units += [
            (
                "municipality",
                m,
                mine[mine["municipality_code"] == m],
                registry[registry["municipality_code"].astype(str) == m],
            )
            for m in munis
        ]
        for level, code, part, schools in units:
            for role in settings.roles:
                own = part[part["role"] == role.code]
                rows.append(
                    {
                        "year": year,
                        "level": level,
                        "unit_code": code,
                        "role": role.code,
                        "diagnosed": len(own),
                        "with_deficit": int(own["with_deficit"].sum()),
                        "trained": int(own["trained"].sum()),
                        "units_total": float(schools["school_code"].nunique())
                        if role.code == HEAD
                        else math.nan,
                    }
                )
    out = pd.DataFrame(rows, columns=list(UNIT_COLUMNS))
    return out.astype(
        {
            "year": "int64",
            "level": "string",
            "unit_code": "string",
            "role": "string",
            "diagnosed": "int64",
            "with_deficit": "int64",
            "trained": "int64",
            "units_total": "float64",
        }
    ).reset_index(drop=True)


# --- competence_deficits -------------------------------------------------------------------------


def deficits_table(
    scores: pd.DataFrame, periods: pd.DataFrame, settings: CompetencesBlock
) -> pd.DataFrame:
    """Per year × unit (region, municipality) × role × subject (teachers: each subject and all
    subjects; heads: one row) × domain: persons diagnosed (``n``), below the domain's level
    (``n_deficit``), the share and the mean score. True numbers: pages suppress ``n < 5``."""
    if scores.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in DEFICIT_COLUMNS})
    levels = {(r, d.code): d for r, d in settings.domains()}
    roles = {r.code: r.name for r in settings.roles}
    s = scores.copy()
    s["deficit_level"] = [
        levels[(r, d)].deficit_level if (r, d) in levels else np.nan
        for r, d in zip(s["role"], s["domain"], strict=True)
    ]
    s = s[s["deficit_level"].notna()]
    s["below"] = (s["score"] < s["deficit_level"]).astype("int64")
    s["subject"] = s["subject"].where(s["role"] == TEACHER, pd.NA).astype("string")
    teachers_all = s[s["role"] == TEACHER].assign(subject=ALL_SUBJECTS)
    s = pd.concat([s, teachers_all], ignore_index=True)
    s["subject_key"] = s["subject"].fillna("")
    region_code = region().code
    names = _municipality_names(periods, sorted(int(y) for y in s["year"].unique()))
    keys = ["year", "role", "subject_key", "domain", "deficit_level"]
    parts = []
    for level, by in (("region", []), ("municipality", ["municipality_code"])):
        g = (
            s.groupby([*keys, *by], sort=True, dropna=False)
            .agg(n=("below", "size"), n_deficit=("below", "sum"), mean_score=("score", "mean"))
            .reset_index()
        )
        g["level"] = level
        if level == "region":
            g["unit_code"] = region_code
            g["unit_name"] = region().name
        else:
            g["unit_code"] = g["municipality_code"].astype(str)
            g["unit_name"] = [
                names.get((int(y), str(m)), str(m))
                for y, m in zip(g["year"], g["municipality_code"], strict=True)
            ]
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)
    out["subject"] = out["subject_key"].replace("", pd.NA)
    subject_names = {**settings.subjects, ALL_SUBJECTS: ALL_SUBJECTS_NAME}
    out["subject_name"] = [
        subject_names.get(str(sub), str(sub)) if isinstance(sub, str) else HEADS_SUBJECT_NAME
        for sub in out["subject"]
    ]
    out["role_name"] = out["role"].map(roles)
    out["domain_name"] = [
        levels[(r, d)].name for r, d in zip(out["role"], out["domain"], strict=True)
    ]
    out["share_deficit"] = out["n_deficit"] / out["n"]
    order = {code: i for i, (_, d) in enumerate(settings.domains()) for code in [d.code]}
    subject_order = {code: i for i, code in enumerate([ALL_SUBJECTS, *settings.subjects])}
    out = out.assign(
        _lv=out["level"].map({"region": 0, "municipality": 1}),
        _role=out["role"].map({r.code: i for i, r in enumerate(settings.roles)}),
        _sub=out["subject_key"].map(subject_order).fillna(-1),
        _dom=out["domain"].map(order),
    ).sort_values(["year", "_lv", "unit_code", "_role", "_sub", "_dom"], kind="stable")
    out = out[list(DEFICIT_COLUMNS)].reset_index(drop=True)
    for col in ("level", "unit_code", "unit_name", "role", "role_name", "subject"):
        out[col] = out[col].astype("string")
    for col in ("subject_name", "domain", "domain_name"):
        out[col] = out[col].astype("string")
    out["n"] = out["n"].astype("int64")
    out["n_deficit"] = out["n_deficit"].astype("int64")
    for col in ("deficit_level", "share_deficit", "mean_score"):
        out[col] = out[col].astype("float64")
    return out


# --- competence_programmes ----------------------------------------------------------------


def programmes_table(deficits: pd.DataFrame, settings: CompetencesBlock) -> pd.DataFrame:
    """The region's deficits per year × subject (teachers) and for heads, ranked by the share
    below the level; ``included``: the share reaches ``programme_min_share`` and the group is
    not small — the list training programmes should address (004_* п. 2.12, 002_* п. 5.1)."""
    reg = deficits[(deficits["level"] == "region") & (deficits["subject"] != ALL_SUBJECTS)]
    reg = reg[reg["subject"].notna() | (reg["role"] != TEACHER)]
    if reg.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PROGRAMME_COLUMNS})
    topics = {(r, d.code): d.programme for r, d in settings.domains()}
    out = reg.copy()
    out["subject_key"] = out["subject"].fillna("")
    out = out.sort_values(
        ["year", "role", "subject_key", "share_deficit", "domain"],
        ascending=[True, False, True, False, True],
        kind="stable",
    )
    out["rank"] = out.groupby(["year", "role", "subject_key"]).cumcount() + 1
    out["included"] = (out["share_deficit"] >= settings.programme_min_share) & (
        out["n"] >= settings.min_group
    )
    out["programme"] = [
        topics[(r, d)].replace("{subject}", str(name) if isinstance(sub, str) else "")
        for r, d, sub, name in zip(
            out["role"], out["domain"], out["subject"], out["subject_name"], strict=True
        )
    ]
    out = out[list(PROGRAMME_COLUMNS)].reset_index(drop=True)
    out["rank"] = out["rank"].astype("int64")
    out["included"] = out["included"].astype(bool)
    out["programme"] = out["programme"].astype("string")
    return out


# --- the association ------------------------------------------------------------------------------


def school_frame(
    scores: pd.DataFrame,
    vpr_results: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    va_schools: pd.DataFrame | None,
    settings: CompetencesBlock,
) -> pd.DataFrame:
    """Per year × subject × school: the mean of its diagnosed teachers' scores (each teacher's
    mean over the teacher domains) and their number, the school's ВПР mean score (% of max,
    grades averaged, each grade with enough participants), share of «2» (%), value added."""
    a = settings.association
    cols = ["year", "subject", "school_code", "municipality_code", "teacher_mean", "n_teachers"]
    t = scores[(scores["role"] == TEACHER) & scores["subject"].isin(a.subjects)]
    if t.empty:
        return pd.DataFrame(columns=[*cols, *MEASURES])
    per_person = t.groupby(
        ["year", "subject", "school_code", "municipality_code", "person_code"], sort=True
    )["score"].mean()
    teachers = (
        per_person.groupby(["year", "subject", "school_code", "municipality_code"], sort=True)
        .agg(teacher_mean="mean", n_teachers="size")
        .reset_index()
    )
    res = (
        vpr_results[vpr_results["subject"].isin(a.subjects) & vpr_results["grade"].isin(a.grades)]
        if len(vpr_results) and len(vpr_tasks)
        else pd.DataFrame()
    )
    outcome_cols = ["year", "subject", "school_code"]
    if len(res):
        per_grade = mark_stats(
            res,
            by=["year", "subject", "grade", "school_code"],
            max_scores=max_primary_scores(vpr_tasks),
        )
        per_grade = per_grade[per_grade["n"] >= a.min_grade_participants]
        means = (
            per_grade.groupby(outcome_cols)["mean_score_share"].mean().mul(100).rename("vpr_mean")
        )
        twos = per_grade.groupby(outcome_cols).agg(n2=("n_mark2", "sum"), n=("n", "sum"))
        share2 = (100 * twos["n2"] / twos["n"]).rename("vpr_share2")
        outcomes = pd.concat([means, share2], axis=1).reset_index()
        outcomes["vpr_mean"] = outcomes["vpr_mean"].astype("float64")
        outcomes["vpr_share2"] = outcomes["vpr_share2"].astype("float64")
        teachers = teachers.merge(outcomes, on=outcome_cols, how="left")
    else:
        teachers["vpr_mean"] = np.nan
        teachers["vpr_share2"] = np.nan
    va = va_schools if va_schools is not None else pd.DataFrame()
    if len(va) and "analysis" in va:
        va = va[va["analysis"] == a.value_added_analysis]
        va = va[["year", "subject", "school_code", "effect"]].rename(columns={"effect": "va"})
        teachers = teachers.merge(va.astype({"va": "float64"}), on=outcome_cols, how="left")
    else:
        teachers["va"] = np.nan
    return teachers[[*cols, *MEASURES]].reset_index(drop=True)


def _verdict(c: Correlation, subject_name: str, measure: str, minimum: int) -> str:
    if c.n < minimum or math.isnan(c.r):
        return (
            f"Коэффициент не рассчитан: школ с диагностикой учителей и результатом {c.n} "
            f"(нужно не меньше {minimum})."
        )
    interval = f"интервал от {format_signed(c.ci_low, 2)} до {format_signed(c.ci_high, 2)}"
    r = format_signed(c.r, 2)
    what = {
        "vpr_mean": "средний балл ВПР",
        "vpr_share2": "доля отметок «2» по ВПР",
        "va": "добавленная ценность школы",
    }[measure]
    if c.excludes_zero:
        direction = "выше" if c.r > 0 else "ниже"
        return (
            f"Связь есть: в школах, где выше средний балл диагностики учителей предмета "
            f"«{subject_name}», в среднем {direction} {what} (r = {r}, {interval}; школ {c.n})."
        )
    return (
        f"Связь не обнаружена: r = {r}, {interval} включает 0 (школ {c.n}); данных "
        "недостаточно, чтобы утверждать связь в ту или другую сторону."
    )


def association_table(schools: pd.DataFrame, settings: CompetencesBlock) -> pd.DataFrame:
    """Per year × subject × measure × method: the correlation over schools of their teachers'
    mean diagnostic score with the school's result, its Fisher-z interval and the sentence."""
    a = settings.association
    rows = []
    for (year, subject), part in schools.groupby(["year", "subject"], sort=True):
        for measure in MEASURES:
            ok = part[part[measure].notna() & part["teacher_mean"].notna()]
            for method in METHODS:
                c = correlation(
                    ok["teacher_mean"].to_numpy(),
                    ok[measure].to_numpy(),
                    method=method,
                    level=a.interval_level,
                )
                if c.n < a.min_schools:
                    c = Correlation(math.nan, math.nan, math.nan, c.n)
                rows.append(
                    {
                        "year": int(year),
                        "subject": subject,
                        "subject_name": settings.subjects.get(str(subject), str(subject)),
                        "measure": measure,
                        "measure_name": MEASURES[measure],
                        "method": method,
                        "r": c.r,
                        "ci_low": c.ci_low,
                        "ci_high": c.ci_high,
                        "n_schools": c.n,
                        "n_teachers": int(ok["n_teachers"].sum()),
                        "interval_level": a.interval_level,
                        "verdict": _verdict(
                            c,
                            settings.subjects.get(str(subject), str(subject)),
                            measure,
                            a.min_schools,
                        ),
                    }
                )
    out = pd.DataFrame(rows, columns=list(ASSOCIATION_COLUMNS))
    for col in ("r", "ci_low", "ci_high", "interval_level"):
        out[col] = out[col].astype("float64")
    for col in ("n_schools", "n_teachers", "year"):
        out[col] = out[col].astype("int64")
    for col in ("subject", "subject_name", "measure", "measure_name", "method", "verdict"):
        out[col] = out[col].astype("string")
    return out


def points_table(schools: pd.DataFrame, settings: CompetencesBlock) -> pd.DataFrame:
    """The scatter's points: a school whose mean rests on at least ``min_group`` teachers is
    a point of its own; the other schools are pooled, in order of their teachers' mean, into
    groups of at least ``min_group`` schools (so every point stands for at least that many
    teachers and no point is one teacher). Groups' coordinates are the means of their
    schools'. Too few remaining schools for a group are left out (the page says how many)."""
    k = settings.min_group
    rows = []
    for (year, subject), part in schools.groupby(["year", "subject"], sort=True):
        for measure in MEASURES:
            ok = part[part[measure].notna() & part["teacher_mean"].notna()]
            big = ok[ok["n_teachers"] >= k]
            for r in big.itertuples(index=False):
                rows.append(
                    (year, subject, measure, "school", r.municipality_code, 1, r.n_teachers,
                     r.teacher_mean, getattr(r, measure))
                )  # fmt: skip
            rest = ok[ok["n_teachers"] < k].sort_values(
                ["teacher_mean", "school_code"], kind="stable"
            )
            n_groups = len(rest) // k
            if n_groups == 0:
                continue
            bounds = np.linspace(0, len(rest), n_groups + 1).round().astype(int)
            for lo, hi in itertools.pairwise(bounds):
                g = rest.iloc[lo:hi]
                rows.append(
                    (year, subject, measure, "group", pd.NA, len(g), int(g["n_teachers"].sum()),
                     float(g["teacher_mean"].mean()), float(g[measure].mean()))
                )  # fmt: skip
    out = pd.DataFrame(rows, columns=list(POINT_COLUMNS))
    return out.astype(
        {
            "year": "int64",
            "subject": "string",
            "measure": "string",
            "point": "string",
            "municipality_code": "string",
            "n_schools": "int64",
            "n_teachers": "int64",
            "teacher_mean": "float64",
            "outcome": "float64",
        }
    )
