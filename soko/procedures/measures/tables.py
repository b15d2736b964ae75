"""The procedure's derived tables: the register with names, the measured effects, the ШНОР
roadmap. Column names are a contract with other pages (the mechanisms procedure reads
``measure_register`` and ``measure_effects``): change them only together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from soko.config import vpr_subjects
from soko.procedures.measures.effects import (
    EXACT_COLUMNS,
    MATCH_COLUMNS,
    OBJECTIVITY_SUBJECT,
    DidEstimate,
    cohort_units,
    matched_did,
    objectivity_outcomes,
    vpr_outcomes,
)
from soko.procedures.measures.settings import Kind, MeasuresBlock
from soko.suppression import format_signed

REGISTER_COLUMNS: tuple[str, ...] = (
    "year",
    "municipality_code",
    "municipality_name",
    "school_code",
    "school_name",
    "kind",
    "kind_name",
    "level",
    "measured_by",
    "subject",
    "subject_name",
    "start_year",
    "end_year",
    "addressee",
    "document",
)
EFFECT_COLUMNS: tuple[str, ...] = (
    "kind",
    "kind_name",
    "subject",
    "subject_name",
    "outcome",
    "outcome_name",
    "level",
    "unit_code",
    "unit_name",
    "start_years",
    "n_treated",
    "n_control",
    "naive_change",
    "effect",
    "se",
    "ci_low",
    "ci_high",
    "verdict",
)
ROADMAP_COLUMNS: tuple[str, ...] = (
    "year",
    "municipality_code",
    "municipality_name",
    "school_code",
    "school_name",
    "status",
    "years_in_list",
    "n_years_in_list",
    "measures",
    "n_measures",
)
IN_LIST, LEFT = "в списке ШНОР", "вышла из списка"


def _subject_names() -> dict[str, str]:
    return {**vpr_subjects(), OBJECTIVITY_SUBJECT: "объективность"}


# --- register --------------------------------------------------------------------------------


def register_table(
    measures: pd.DataFrame, schools: pd.DataFrame, settings: MeasuresBlock
) -> pd.DataFrame:
    """The register with names: one row per measure, ``year`` = its start year."""
    if measures.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in REGISTER_COLUMNS})
    reg = schools.drop_duplicates("school_code").set_index("school_code")
    muni_names = schools.drop_duplicates("municipality_code").set_index("municipality_code")[
        "municipality_name"
    ]
    kinds = {k.code: k for k in settings.kinds}
    subjects = _subject_names()
    out = measures.copy()
    out["year"] = out["start_year"].astype("int64")
    out["municipality_name"] = out["municipality_code"].map(muni_names)
    out["school_name"] = out["school_code"].map(reg["school_name"])
    out["kind_name"] = out["kind"].map({c: k.name for c, k in kinds.items()})
    out["level"] = out["kind"].map({c: k.level for c, k in kinds.items()})
    # the procedure that measures this kind's effect on its own outcome (staffing), if any:
    # the one place that says which measures are whose, so no second list can disagree
    out["measured_by"] = out["kind"].map({c: k.outcome.measured_by for c, k in kinds.items()})
    out["subject_name"] = out["subject"].map(subjects)
    for col in REGISTER_COLUMNS:
        if col not in ("year", "start_year", "end_year"):
            out[col] = out[col].astype("string")
    out["start_year"] = out["start_year"].astype("int64")
    out["end_year"] = out["end_year"].astype("Int64")
    out = out.sort_values(
        ["year", "municipality_code", "school_code", "kind", "subject"], kind="stable"
    )
    return out[list(REGISTER_COLUMNS)].reset_index(drop=True)


# --- effects ---------------------------------------------------------------------------------


def _targets(kind: Kind, subject: object) -> list[str]:
    """The outcomes (subject codes, or «objectivity») a register row of this kind targets."""
    if kind.outcome.indicator is not None:
        return [OBJECTIVITY_SUBJECT]
    if kind.outcome.by_register:
        return [str(subject)] if isinstance(subject, str) and subject else []
    return list(kind.outcome.subjects or [])


def _schools_of_row(row: pd.Series, kind: Kind, schools: pd.DataFrame) -> list[str]:
    if kind.level == "school":
        code = row["school_code"]
        return [str(code)] if isinstance(code, str) and code else []
    mine = schools[schools["municipality_code"] == row["municipality_code"]]
    return sorted(mine["school_code"].astype(str))


def _touched(
    measures: pd.DataFrame, schools: pd.DataFrame, settings: MeasuresBlock
) -> pd.DataFrame:
    """One row per (school, kind, outcome subject) a register row reaches, with its start."""
    kinds = {k.code: k for k in settings.kinds}
    rows = []
    for _, r in measures.iterrows():
        kind = kinds.get(str(r["kind"]))
        if kind is None:
            continue
        for school in _schools_of_row(r, kind, schools):
            for target in _targets(kind, r["subject"]):
                rows.append((school, kind.code, target, int(r["start_year"])))
    return pd.DataFrame(rows, columns=["school_code", "kind", "target", "start_year"])


def _verdict(est: DidEstimate, target: str, minimum: int, level: float) -> str:
    pct = f"{round(level * 100):d} %"
    if est.n_treated < minimum:
        return (
            f"Слишком мало школ для оценки: с мерой и с результатами до и после её начала "
            f"{est.n_treated} (нужно не меньше {minimum})."
        )
    if math.isnan(est.se):
        return "Оценка не сделана: нет сопоставимых школ без меры."
    unit = (
        "п.п. доли школ с признаками необъективности"
        if target == OBJECTIVITY_SUBJECT
        else "п.п. среднего балла (в % от максимума)"
    )
    interval = f"{pct} интервал от {format_signed(est.ci_low)} до {format_signed(est.ci_high)}"
    if est.ci_low > 0 or est.ci_high < 0:
        direction = "выше" if est.effect > 0 else "ниже"
        return (
            f"Эффект есть: изменение у школ с мерой на {format_signed(abs(est.effect))} {unit} "
            f"{direction}, чем у сопоставимых школ без неё ({interval})."
        )
    effect = format_signed(est.effect, plus=True)
    return f"Измеримого эффекта нет: разность изменений {effect} {unit}, {interval} включает 0."


def _outcome_name(target: str, names: Mapping[str, str]) -> str:
    if target == OBJECTIVITY_SUBJECT:
        return "доля школ с признаками необъективности ВПР, %"
    return f"ВПР, {names.get(target, target)}: средний балл, % от максимума"


def effects_table(
    measures: pd.DataFrame,
    vpr_results: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    schools: pd.DataFrame,
    school_context: pd.DataFrame,
    objectivity_markers: pd.DataFrame,
    settings: MeasuresBlock,
) -> pd.DataFrame:
    """Per kind × outcome subject: the matched DiD for the region and each municipality."""
    eff = settings.effectiveness
    names = _subject_names()
    touched = _touched(measures, schools, settings)
    info = schools.drop_duplicates("school_code").set_index("school_code")
    covariates = school_context[["school_code", "year", "isbs"]].copy()
    covariates["school_kind"] = covariates["school_code"].map(info["kind"])
    covariates["municipality_code"] = covariates["school_code"].map(info["municipality_code"])
    extra = info.index.difference(covariates["school_code"])
    if len(extra):  # a school without context still has a kind and a municipality
        covariates = pd.concat(
            [
                covariates,
                pd.DataFrame(
                    {
                        "school_code": extra,
                        "year": -1,
                        "isbs": np.nan,
                        "school_kind": info.loc[extra, "kind"].to_numpy(),
                        "municipality_code": info.loc[extra, "municipality_code"].to_numpy(),
                    }
                ),
            ],
            ignore_index=True,
        )
    muni_names = schools.drop_duplicates("municipality_code").set_index("municipality_code")[
        "municipality_name"
    ]
    subjects = sorted(set(touched["target"]) - {OBJECTIVITY_SUBJECT})
    outcomes = pd.concat(
        [
            vpr_outcomes(vpr_results, vpr_tasks, subjects, eff.grades, eff.min_grade_participants),
            objectivity_outcomes(objectivity_markers),
        ],
        ignore_index=True,
    )
    match_on = [MATCH_COLUMNS[v] for v in eff.matching.variables]
    exact = [EXACT_COLUMNS[v] for v in eff.matching.exact]
    rows = []
    for kind in settings.kinds:
        mine = touched[touched["kind"] == kind.code]
        for target in sorted(mine["target"].unique()):
            starts = mine[mine["target"] == target].groupby("school_code")["start_year"].min()
            ever = set(touched.loc[touched["target"] == target, "school_code"])
            controls = sorted(set(info.index.astype(str)) - ever)
            panel = outcomes[outcomes["subject"] == target]
            units = pd.concat(
                [
                    cohort_units(
                        panel,
                        starts.to_dict(),
                        controls,
                        int(start),
                        eff.pre_years,
                        eff.post_years,
                        covariates,
                    )
                    for start in sorted(starts.unique())
                ],
                ignore_index=True,
            )
            levels: list[tuple[str, str, str, pd.DataFrame]] = [("region", "", "", units)]
            treated_munis = sorted(
                {info["municipality_code"].get(s) for s in starts.index} - {None}, key=str
            )
            for m in treated_munis:
                own = units["treated"] & (units["municipality_code"] == m)
                levels.append(
                    (
                        "municipality",
                        str(m),
                        str(muni_names.get(m, m)),
                        units[own | ~units["treated"]],
                    )
                )
            for level, code, unit_name, group in levels:
                est = matched_did(
                    group,
                    match_on=match_on,
                    exact=exact,
                    neighbours=eff.matching.neighbours,
                    level=eff.interval_level,
                )
                start_years = sorted({int(y) for y in group.loc[group["treated"], "cohort"]})
                rows.append(
                    {
                        "kind": kind.code,
                        "kind_name": kind.name,
                        "subject": target,
                        "subject_name": names.get(target, target),
                        "outcome": "objectivity" if target == OBJECTIVITY_SUBJECT else "vpr",
                        "outcome_name": _outcome_name(target, names),
                        "level": level,
                        "unit_code": code,
                        "unit_name": unit_name or "Регион",
                        "start_years": ", ".join(str(y) for y in start_years),
                        "n_treated": est.n_treated,
                        "n_control": est.n_control,
                        "naive_change": est.naive_change,
                        "effect": est.effect,
                        "se": est.se,
                        "ci_low": est.ci_low,
                        "ci_high": est.ci_high,
                        "verdict": _verdict(est, target, eff.min_treated, eff.interval_level),
                    }
                )
    out = pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))
    for col in ("effect", "se", "ci_low", "ci_high", "naive_change"):
        out[col] = out[col].astype("float64")
        too_few = out["n_treated"] < eff.min_treated
        out.loc[too_few, col] = np.nan
    out["n_treated"] = out["n_treated"].astype("int64")
    out["n_control"] = out["n_control"].astype("int64")
    for col in EFFECT_COLUMNS:
        if out[col].dtype == object:
            out[col] = out[col].astype("string")
    return out.reset_index(drop=True)


# --- the ШНОР roadmap ---------------------------------------------------------------------------


def roadmap_table(
    school_classes: pd.DataFrame, register: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    """Per year: every ШНОР of that year and every school that left the list that year (it was
    ШНОР the year with data before), with its years in the list and the measures registered
    for it (its own and its municipality's) up to that year."""
    shnor = school_classes[school_classes["class"] == "shnor"]
    years = sorted(int(y) for y in school_classes["year"].unique()) if len(school_classes) else []
    member = {(int(y), str(s)) for y, s in zip(shnor["year"], shnor["school_code"], strict=True)}
    info = schools.drop_duplicates("school_code").set_index("school_code")
    rows = []
    for i, year in enumerate(years):
        now = {s for (y, s) in member if y == year}
        before = {s for (y, s) in member if i and y == years[i - 1]}
        for school in sorted(now | before):
            in_list = [y for y in years if y <= year and (y, school) in member]
            muni = info["municipality_code"].get(school)
            own = register[
                (register["start_year"] <= year)
                & (
                    (register["school_code"] == school)
                    | (register["school_code"].isna() & (register["municipality_code"] == muni))
                )
            ]
            listed = [
                f"{r.kind_name}"
                + (f" ({r.subject_name})" if isinstance(r.subject_name, str) else "")
                + f", с {r.start_year}"
                for r in own.itertuples(index=False)
            ]
            rows.append(
                {
                    "year": year,
                    "municipality_code": muni,
                    "municipality_name": info["municipality_name"].get(school),
                    "school_code": school,
                    "school_name": info["school_name"].get(school),
                    "status": IN_LIST if school in now else LEFT,
                    "years_in_list": ", ".join(str(y) for y in in_list),
                    "n_years_in_list": len(in_list),
                    "measures": "; ".join(listed) if listed else "мер в реестре нет",
                    "n_measures": len(listed),
                }
            )
    out = pd.DataFrame(rows, columns=list(ROADMAP_COLUMNS))
    out["year"] = out["year"].astype("int64")
    out["n_years_in_list"] = out["n_years_in_list"].astype("int64")
    out["n_measures"] = out["n_measures"].astype("int64")
    for col in ROADMAP_COLUMNS:
        if out[col].dtype == object:
            out[col] = out[col].astype("string")
    return out.sort_values(
        ["year", "status", "municipality_code", "school_code"], kind="stable"
    ).reset_index(drop=True)
