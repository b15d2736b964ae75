"""School classes the regional decrees use: ШНОР, ШНСУ, resilient schools, high-result bank.

The federal selection algorithm is not public, so every rule is a parameter in
``config/school_classes.yml`` and :func:`describe_rules` prints the rule in force for the
report. Each school in a class gets a Russian ``reason`` naming the figures that put it
there, and its stability (years in the class, whether it was in it the year before), because
decrees act on schools that stay in a class, not on one bad year.

Results are the school's ВПР mean primary score as a share of the maximum (from
``soko.indicators.mark_stats``), averaged over grades; schools are compared by percentile
within the region, year and subject.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from soko.config import load_yaml, vpr_subjects
from soko.derive import DerivedSpec
from soko.indicators.marks import mark_stats, max_primary_scores, max_primary_scores_from_config

CONFIG_FILE = "school_classes.yml"

CLASSES: tuple[str, ...] = ("shnor", "shnsu", "resilient", "high_results")
CLASS_NAMES: dict[str, str] = {
    "shnor": "ШНОР",
    "shnsu": "ШНСУ",
    "resilient": "Резильентная школа",
    "high_results": "Банк школ с высокими результатами",
}
OUTPUT_COLUMNS: tuple[str, ...] = (
    "year",
    "school_code",
    "school_name",
    "municipality_code",
    "municipality_name",
    "class",
    "class_name",
    "reason",
    "years_in_class",
    "in_class_prev_year",
)
CHANGE_LABELS: dict[str, str] = {"new": "новая", "kept": "сохранилась", "left": "вышла"}

PROCEDURE_NAMES: dict[str, str] = {"vpr": "ВПР", "rpr": "РПР"}
MODEL_NAMES: dict[str, str] = {
    "student": "модель по обучающимся",
    "school": "модель по школам",
}
BAND_NAMES: dict[str, str] = {
    "above": "выше ожидаемого",  # the value-added pages' band names
    "average": "на уровне ожидаемого",
    "below": "ниже ожидаемого",
}

# What the figures in brackets after a percentile are, in every reason.
RESULT_CELL = "в скобках — средний балл в % от максимума и число участников"
_EPS = 1e-9  # percentiles are ratios of small integers; compare cuts with a tolerance
_VA_ROWS_SHOWN = 3


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultsRule:
    """How a school's result in one subject and year is measured."""

    measure: str = "share"  # "share" | "standardised"
    grades: tuple[int, ...] | None = (4, 5, 6, 7, 8)
    min_grade_participants: int = 5
    min_participants: int = 10


@dataclass(frozen=True)
class MultiYearRule:
    """Bottom/top share in every listed subject, in at least ``years_min`` of ``years_window``."""

    subjects: tuple[str, ...]
    share: float
    years_min: int
    years_window: int


@dataclass(frozen=True)
class ShnsuRule:
    index: str = "isbs"
    bottom_share: float = 0.15


@dataclass(frozen=True)
class ValueAddedRule:
    enabled: bool = True
    procedures: tuple[str, ...] = ("vpr", "rpr")
    models: tuple[str, ...] = ("student", "school")
    subjects: tuple[str, ...] = ("ru", "ma")
    bands: tuple[str, ...] = ("above",)


@dataclass(frozen=True)
class ResilientRule:
    results_top_share: float = 0.25
    results_subjects: tuple[str, ...] = ("ru", "ma")
    results_rule: str = "any"  # "any" | "all"
    value_added: ValueAddedRule = ValueAddedRule()


@dataclass(frozen=True)
class HighResultsRule:
    years: MultiYearRule
    min_participants: int = 20
    exclude_objectivity: bool = True
    objectivity_column: str = "n_markers"


@dataclass(frozen=True)
class ClassesConfig:
    results: ResultsRule
    stability_window: int
    shnor: MultiYearRule
    shnsu: ShnsuRule
    resilient: ResilientRule
    high_results: HighResultsRule


def _fail(key: str, expected: str, value: object) -> ValueError:
    return ValueError(f"config/{CONFIG_FILE}: {key} — ожидается {expected}, получено {value!r}")


def _share(raw: Mapping[str, Any], key: str, where: str) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise _fail(f"{where}.{key}", "доля от 0 до 1 (например, 0.10)", value)
    return float(value)


def _count(raw: Mapping[str, Any], key: str, where: str, default: int | None = None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(f"{where}.{key}", "целое число ≥ 0", value)
    return int(value)


def _codes(raw: Mapping[str, Any], key: str, where: str, default: Sequence[str]) -> tuple[str, ...]:
    value = raw.get(key, list(default))
    if isinstance(value, str) or not isinstance(value, list) or not value:
        raise _fail(f"{where}.{key}", "непустой список", value)
    return tuple(str(v) for v in value)


def _choice(raw: Mapping[str, Any], key: str, where: str, options: Sequence[str]) -> str:
    value = raw.get(key, options[0])
    if value not in options:
        raise _fail(f"{where}.{key}", " или ".join(options), value)
    return str(value)


def _multi_year(raw: Mapping[str, Any], where: str, share_key: str) -> MultiYearRule:
    rule = MultiYearRule(
        subjects=_codes(raw, "subjects", where, ("ru", "ma")),
        share=_share(raw, share_key, where),
        years_min=_count(raw, "years_min", where),
        years_window=_count(raw, "years_window", where),
    )
    if not 1 <= rule.years_min <= rule.years_window:
        raise _fail(
            f"{where}.years_min", f"от 1 до years_window ({rule.years_window})", rule.years_min
        )
    return rule


def parse_config(raw: Mapping[str, Any]) -> ClassesConfig:
    """Validate the YAML mapping early, so a typo fails the build with a Russian message."""
    res = raw.get("results") or {}
    grades = res.get("grades", [4, 5, 6, 7, 8])
    results = ResultsRule(
        measure=_choice(res, "measure", "results", ("share", "standardised")),
        grades=None if grades is None else tuple(int(g) for g in grades),
        min_grade_participants=_count(res, "min_grade_participants", "results", 5),
        min_participants=_count(res, "min_participants", "results", 10),
    )
    window = _count(raw.get("stability") or {}, "window", "stability", 3)
    if window < 1:
        raise _fail("stability.window", "целое число ≥ 1", window)
    shnsu_raw = raw.get("shnsu") or {}
    shnsu = ShnsuRule(
        index=str(shnsu_raw.get("index", "isbs")),
        bottom_share=_share(shnsu_raw, "bottom_share", "shnsu"),
    )
    res_raw = raw.get("resilient") or {}
    va_raw = res_raw.get("value_added") or {}
    resilient = ResilientRule(
        results_top_share=_share(res_raw, "results_top_share", "resilient"),
        results_subjects=_codes(res_raw, "results_subjects", "resilient", ("ru", "ma")),
        results_rule=_choice(res_raw, "results_rule", "resilient", ("any", "all")),
        value_added=ValueAddedRule(
            enabled=bool(va_raw.get("enabled", True)),
            procedures=_codes(va_raw, "procedures", "resilient.value_added", ("vpr", "rpr")),
            models=_codes(va_raw, "models", "resilient.value_added", ("student", "school")),
            subjects=_codes(va_raw, "subjects", "resilient.value_added", ("ru", "ma")),
            bands=_codes(va_raw, "bands", "resilient.value_added", ("above",)),
        ),
    )
    high_raw = raw.get("high_results") or {}
    high = HighResultsRule(
        years=_multi_year(high_raw, "high_results", "top_share"),
        min_participants=_count(high_raw, "min_participants", "high_results", 20),
        exclude_objectivity=bool(high_raw.get("exclude_objectivity", True)),
        objectivity_column=str(high_raw.get("objectivity_column", "n_markers")),
    )
    return ClassesConfig(
        results=results,
        stability_window=window,
        shnor=_multi_year(raw.get("shnor") or {}, "shnor", "bottom_share"),
        shnsu=shnsu,
        resilient=resilient,
        high_results=high,
    )


def load_config(directory: Path | None = None) -> ClassesConfig:
    """The rules from ``config/school_classes.yml`` (or ``directory``'s copy, in tests)."""
    return parse_config(load_yaml(CONFIG_FILE, directory))


def _resolve(config: ClassesConfig | Mapping[str, Any] | None) -> ClassesConfig:
    if config is None:
        return load_config()
    if isinstance(config, ClassesConfig):
        return config
    return parse_config(config)


# --- Russian wording -------------------------------------------------------------------------


def _num(value: float, digits: int = 2, sign: bool = False) -> str:
    """Russian number: decimal comma, typographic minus."""
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text.replace(".", ",").replace("-", "−")


def _pct(share: float) -> str:
    """0.1 → «10 %», 0.125 → «12,5 %»."""
    value = round(share * 100, 1)
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{text} %"


def _ordinal(percentile: float) -> str:
    return f"{math.ceil(round(percentile, 6))}-й"


def _subject_names(codes: Iterable[str]) -> dict[str, str]:
    try:
        names = vpr_subjects()
    except (OSError, KeyError):
        names = {}
    return {c: names.get(c, c)[:1].lower() + names.get(c, c)[1:] for c in codes}


def _join(items: Sequence[str], last: str = " и ") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + last + items[-1]


def _years_text(years: Sequence[int]) -> str:
    return ", ".join(str(y) for y in years) if years else "—"


def _grades_text(rules: ResultsRule) -> str:
    if rules.grades is None:
        return "все классы, писавшие работу"
    grades = sorted(rules.grades)
    if grades == list(range(grades[0], grades[-1] + 1)) and len(grades) > 2:
        return f"{grades[0]}–{grades[-1]} классы"
    return _join([str(g) for g in grades]) + (" классы" if len(grades) > 1 else " класс")


def _measure_text(rules: ResultsRule) -> str:
    base = "средний первичный балл ВПР в % от максимума"
    if rules.measure == "standardised":
        base = (
            "средний первичный балл ВПР в % от максимума, стандартизованный по школам "
            "области отдельно для каждого класса (z-оценка)"
        )
    return f"{base}, среднее по классам ({_grades_text(rules)})"


def _eligibility_text(rules: ResultsRule) -> str:
    return (
        f"сравниваются школы, у которых по предмету за год не менее {rules.min_participants} "
        f"участников (класс с числом участников меньше {rules.min_grade_participants} "
        "в среднее не входит)"
    )


def _subjects_phrase(codes: Sequence[str], names: Mapping[str, str], last: str = " и ") -> str:
    """«по предметам: русский язык и математика» — no declension of configured names needed."""
    listed = _join([names.get(c, c) for c in codes], last)
    if len(codes) == 1:
        return f"по предмету: {listed}"
    both = "одновременно " if last == " и " else ""
    return f"{both}по предметам: {listed}"


def _multi_year_text(rule: MultiYearRule, side: str, names: Mapping[str, str]) -> str:
    where = "нижних" if side == "low" else "верхних"
    return (
        f"в {where} {_pct(rule.share)} школ области {_subjects_phrase(rule.subjects, names)} "
        f"в одном и том же году — не менее чем в {rule.years_min} из последних "
        f"{rule.years_window} лет с данными"
    )


def describe_rules(config: ClassesConfig | Mapping[str, Any] | None = None) -> dict[str, str]:
    """The rule in force for each class, in Russian, generated from the config for the report."""
    cfg = _resolve(config)
    names = _subject_names(
        {
            *cfg.shnor.subjects,
            *cfg.high_results.years.subjects,
            *cfg.resilient.results_subjects,
            *cfg.resilient.value_added.subjects,
        }
    )
    common = (
        f"Результат школы — {_measure_text(cfg.results)}; {_eligibility_text(cfg.results)}. "
        "Процентиль — место школы среди школ области в году по предмету (школы с равным "
        "результатом получают одинаковый процентиль). "
        "Федеральный алгоритм отбора не опубликован: правило региональное, его параметры — "
        f"в config/{CONFIG_FILE}."
    )
    shnor = (
        f"ШНОР (школы с низкими образовательными результатами): результат ВПР "
        f"{_multi_year_text(cfg.shnor, 'low', names)}. {common}"
    )
    shnsu = (
        "ШНСУ (школы, функционирующие в неблагоприятных социальных условиях): "
        f"нижние {_pct(cfg.shnsu.bottom_share)} школ области по индексу социального "
        f"благополучия школы (ИСБШ, показатель «{cfg.shnsu.index}») того же года; "
        "чем ниже индекс, тем менее благоприятен контекст. "
        "Федеральный алгоритм отбора не опубликован: правило региональное, его параметры — "
        f"в config/{CONFIG_FILE}."
    )
    res = cfg.resilient
    results_part = (
        f"результат ВПР того же года в верхних {_pct(res.results_top_share)} школ области "
        f"{_results_need(res, names)}"
    )
    va = res.value_added
    if va.enabled:
        bands = _join([BAND_NAMES.get(b, b) for b in va.bands], " или ")
        procedures = _join([PROCEDURE_NAMES.get(p, p) for p in va.procedures], ", ")
        models = _join([MODEL_NAMES.get(m, m) for m in va.models], " или ")
        va_part = (
            f", либо оценка добавленной ценности того же года «{bands}» "
            f"{_subjects_phrase(va.subjects, names, ' или ')} ({procedures}; {models}; "
            "«выше ожидаемого» — доверительный интервал эффекта целиком выше нуля). "
            "Если оценки добавленной ценности нет, учитываются только результаты"
        )
    else:
        va_part = " (добавленная ценность не учитывается)"
    resilient = (
        "Резильентная школа (высокие результаты вопреки неблагоприятному контексту): школа "
        f"входит в ШНСУ и {results_part}{va_part}. {common}"
    )
    high = cfg.high_results
    objectivity = (
        " Школы с признаками необъективности результатов в эти годы в банк не входят "
        "(если таблица признаков есть)."
        if high.exclude_objectivity
        else ""
    )
    high_text = (
        "Банк школ с высокими результатами: результат ВПР "
        f"{_multi_year_text(high.years, 'high', names)}, не менее {high.min_participants} "
        f"участников по каждому предмету в каждом из этих лет.{objectivity} {common}"
    )
    return {"shnor": shnor, "shnsu": shnsu, "resilient": resilient, "high_results": high_text}


# --- results ---------------------------------------------------------------------------------


def school_results(
    vpr_results: pd.DataFrame,
    vpr_tasks: pd.DataFrame | None,
    rules: ResultsRule,
    subjects: Iterable[str],
) -> pd.DataFrame:
    """One row per year × subject × school: its result and percentile among eligible schools.

    Columns: ``year``, ``subject``, ``school_code``, ``municipality_code``, ``n`` (participants
    with a mark, counted grades), ``n_grades``, ``share`` (mean % of maximum over grades),
    ``result`` (the ranked measure), ``eligible``, ``n_schools``, ``pct_low`` (100·r/N, r =
    average rank from the lowest), ``pct_high`` (100·(N+1−r)/N). Percentiles are NaN for
    schools with too few participants.
    """
    res = vpr_results[vpr_results["subject"].isin(list(subjects))]
    if rules.grades is not None:
        res = res[res["grade"].isin(list(rules.grades))]
    max_scores = (
        max_primary_scores(vpr_tasks)
        if vpr_tasks is not None
        else max_primary_scores_from_config(res)
    )
    per_grade = mark_stats(
        res, by=["year", "subject", "grade", "school_code"], max_scores=max_scores
    )
    per_grade = per_grade[
        (per_grade["n"] >= rules.min_grade_participants) & per_grade["mean_score_share"].notna()
    ].copy()
    per_grade["value"] = per_grade["mean_score_share"]
    if rules.measure == "standardised":
        by_test = per_grade.groupby(["year", "subject", "grade"])["mean_score_share"]
        sd = by_test.transform(lambda s: s.std(ddof=0))
        per_grade["value"] = (per_grade["value"] - by_test.transform("mean")) / sd.where(sd > 0)
        per_grade["value"] = per_grade["value"].fillna(0.0)
    out = (
        per_grade.groupby(["year", "subject", "school_code"], sort=True, observed=True)
        .agg(
            n=("n", "sum"),
            n_grades=("grade", "nunique"),
            share=("mean_score_share", "mean"),
            result=("value", "mean"),
        )
        .reset_index()
    )
    munis = res[["school_code", "municipality_code"]].drop_duplicates("school_code")
    out = out.merge(munis, on="school_code", how="left")
    out["eligible"] = out["n"] >= rules.min_participants
    ranked = out[out["eligible"]].groupby(["year", "subject"])["result"]
    rank = ranked.rank(method="average")
    n_schools = ranked.transform("size").astype("float64")
    out["n_schools"] = n_schools.reindex(out.index)
    out["pct_low"] = (100 * rank / n_schools).reindex(out.index)
    out["pct_high"] = (100 * (n_schools + 1 - rank) / n_schools).reindex(out.index)
    return out


def _in_share(pct: pd.Series, share: float) -> pd.Series:
    return (pct <= 100 * share + _EPS).astype(bool)  # NaN (not ranked) compares False


def _window(data_years: Sequence[int], year: int, n: int) -> list[int]:
    return [y for y in data_years if y <= year][-n:]


# --- the classes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """Everything the per-class rules share, computed once."""

    cfg: ClassesConfig
    results: pd.DataFrame  # school_results, indexed by (year, subject, school_code)
    years: list[int]  # years with ВПР results
    names: dict[str, str]


def _subject_cell(ctx: _Context, year: int, subject: str, school: str) -> str:
    key = (year, subject, school)
    if key not in ctx.results.index:
        return f"{year}: нет данных"
    row = ctx.results.loc[key]
    if not row["eligible"]:
        return f"{year}: участников {int(row['n'])} — мало для сравнения"
    return f"{year}: {_ordinal(row['pct_low'])} ({_pct(row['share'])}, n = {int(row['n'])})"


def _results_text(ctx: _Context, years: Sequence[int], subjects: Sequence[str], school: str) -> str:
    parts = [
        f"{ctx.names[s]} — " + ", ".join(_subject_cell(ctx, y, s, school) for y in years)
        for s in subjects
    ]
    return "; ".join(parts)


def _multi_year_class(
    ctx: _Context, rule: MultiYearRule, side: str, min_participants: int
) -> dict[tuple[int, str], list[int]]:
    """(year, school) → the window years that count, for schools meeting the rule."""
    res = ctx.results.reset_index()
    res = res[res["subject"].isin(rule.subjects)]
    pct = res["pct_low"] if side == "low" else res["pct_high"]
    res = res.assign(hit=_in_share(pct, rule.share) & (res["n"] >= min_participants))
    per_year = res.groupby(["year", "school_code"])["hit"].sum()
    hit_years: dict[str, set[int]] = {}
    for (year, school), hits in per_year.items():
        if hits == len(rule.subjects):  # low (high) in every subject that year
            hit_years.setdefault(str(school), set()).add(int(year))
    present = set(zip(res["year"].astype(int), res["school_code"].astype(str), strict=True))
    out: dict[tuple[int, str], list[int]] = {}
    for year, school in sorted(present):
        window = _window(ctx.years, year, rule.years_window)
        counted = [y for y in window if y in hit_years.get(school, set())]
        if len(counted) >= rule.years_min:
            out[(year, school)] = counted
    return out


def _multi_year_reason(
    ctx: _Context,
    rule: MultiYearRule,
    side: str,
    key: tuple[int, str],
    counted: list[int],
    extra: str = "",
) -> str:
    year, school = key
    window = _window(ctx.years, year, rule.years_window)
    where = "нижних" if side == "low" else "верхних"
    every = "по этому предмету" if len(rule.subjects) == 1 else "одновременно по всем предметам"
    return (
        f"ВПР, процентиль среди школ области ({RESULT_CELL}): "
        f"{_results_text(ctx, window, rule.subjects, school)}. "
        f"В {where} {_pct(rule.share)} {every}{extra} — {_years_text(counted)}: "
        f"{len(counted)} из {len(window)} лет (условие: не менее {rule.years_min} "
        f"из {rule.years_window})."
    )


def _shnsu(
    school_context: pd.DataFrame, rule: ShnsuRule
) -> tuple[dict[tuple[int, str], str], dict[tuple[int, str], str]]:
    """(year, school) → reason for ШНСУ members, and → short context note for everyone."""
    if rule.index not in school_context.columns:
        raise ValueError(
            f"config/{CONFIG_FILE}: shnsu.index — в таблице контекста нет показателя "
            f"«{rule.index}» (есть: {', '.join(map(str, school_context.columns))})"
        )
    ctx = school_context[["year", "school_code", rule.index]].dropna(subset=[rule.index])
    ranked = ctx.groupby("year")[rule.index]
    pct = 100 * ranked.rank(method="average") / ranked.transform("size")
    members: dict[tuple[int, str], str] = {}
    notes: dict[tuple[int, str], str] = {}
    n_by_year = ctx.groupby("year").size()
    for (year, school, value), p in zip(ctx.itertuples(index=False), pct, strict=True):
        key = (int(year), str(school))
        note = f"ИСБШ {year}: {_num(value)} ({_ordinal(p)} процентиль)"
        notes[key] = note
        if p <= 100 * rule.bottom_share + _EPS:
            members[key] = (
                f"ИСБШ {year}: {_num(value)} — {_ordinal(p)} процентиль среди школ области "
                f"(школ с индексом: {int(n_by_year[year])}; условие: нижние "
                f"{_pct(rule.bottom_share)} по ИСБШ года)."
            )
    return members, notes


def _va_rows(va_schools: pd.DataFrame, rule: ValueAddedRule) -> pd.DataFrame:
    va = va_schools
    keep = (
        va["procedure"].isin(rule.procedures)
        & va["model"].isin(rule.models)
        & va["subject"].isin(rule.subjects)
    )
    return va[keep]


def _va_text(rows: pd.DataFrame, names: Mapping[str, str]) -> str:
    parts = []
    for row in rows.head(_VA_ROWS_SHOWN).itertuples(index=False):
        subject = names.get(str(row.subject), str(row.subject))
        value = getattr(row, "grade", None)  # absent where grades are pooled in one model
        grade = "" if value is None or pd.isna(value) else f", {int(value)} класс"
        parts.append(
            f"{PROCEDURE_NAMES.get(str(row.procedure), str(row.procedure))}, {subject}{grade} "
            f"({MODEL_NAMES.get(str(row.model), str(row.model))}): эффект "
            f"{_num(row.effect, sign=True)}, ДИ {_num(row.ci_low, sign=True)}…"
            f"{_num(row.ci_high, sign=True)}, n = {int(row.n)}"
        )
    more = len(rows) - _VA_ROWS_SHOWN
    return "; ".join(parts) + (f"; и ещё {more}" if more > 0 else "")


def _results_need(rule: ResilientRule, names: Mapping[str, str]) -> str:
    names_list = [names.get(c, c) for c in rule.results_subjects]
    if len(names_list) == 1:
        return f"по предмету: {names_list[0]}"
    if rule.results_rule == "any":
        return f"хотя бы по одному из предметов: {_join(names_list, ' или ')}"
    return f"по каждому из предметов: {_join(names_list)}"


def _top_subjects(ctx: _Context, year: int, school: str) -> list[str]:
    """Subjects in which the school's result of the year is in the resilient top share."""
    rule = ctx.cfg.resilient
    top = []
    for subject in rule.results_subjects:
        key = (year, subject, school)
        if key not in ctx.results.index or not ctx.results.loc[key, "eligible"]:
            continue
        if ctx.results.loc[key, "pct_high"] <= 100 * rule.results_top_share + _EPS:
            top.append(subject)
    return top


def _va_status(ctx: _Context, va: pd.DataFrame | None, year: int, school: str) -> tuple[bool, str]:
    """Whether the value-added condition holds, and the sentence saying why (or why not)."""
    rule = ctx.cfg.resilient.value_added
    if not rule.enabled:
        return False, "Добавленная ценность не учитывается (выключено в конфигурации)."
    if va is None:
        return False, (
            "Добавленная ценность не рассчитана (нет таблицы va_schools) — "
            "учтены только результаты."
        )
    mine = va[(va["year"] == year) & (va["school_code"] == school)]
    hits = mine[mine["band"].isin(rule.bands)]
    bands = _join([BAND_NAMES.get(b, b) for b in rule.bands], " или ")
    if not hits.empty:
        return True, f"Добавленная ценность {bands}: {_va_text(hits, ctx.names)}."
    if mine.empty:
        return False, f"Оценки добавленной ценности за {year} нет."
    return False, f"Добавленная ценность {year} — не «{bands}» ни в одной оценке."


def _resilient(
    ctx: _Context,
    shnsu: Mapping[tuple[int, str], str],
    notes: Mapping[tuple[int, str], str],
    va_schools: pd.DataFrame | None,
) -> dict[tuple[int, str], str]:
    rule = ctx.cfg.resilient
    va = None
    if va_schools is not None and rule.value_added.enabled:
        va = _va_rows(va_schools, rule.value_added)
    condition = (
        f"Условие: ШНСУ и результат в верхних {_pct(rule.results_top_share)} "
        f"{_results_need(rule, ctx.names)}"
        + (", либо добавленная ценность выше ожидаемой." if rule.value_added.enabled else ".")
    )
    out: dict[tuple[int, str], str] = {}
    for year, school in sorted(shnsu):
        top = _top_subjects(ctx, year, school)
        need_all = rule.results_rule == "all"
        by_results = len(top) == len(rule.results_subjects) if need_all else bool(top)
        va_ok, va_text = _va_status(ctx, va, year, school)
        if not (by_results or va_ok):
            continue
        top_text = _join([ctx.names[s] for s in top]) if top else "ни по одному предмету"
        out[(year, school)] = (
            f"ШНСУ: {notes[(year, school)]}. "
            f"ВПР {year}, процентиль среди школ области ({RESULT_CELL}): "
            f"{_results_text(ctx, [year], rule.results_subjects, school)}; в верхних "
            f"{_pct(rule.results_top_share)}: {top_text}. {va_text} {condition}"
        )
    return out


def _objectivity_flags(objectivity: pd.DataFrame | None, column: str) -> set[tuple[int, str]]:
    if objectivity is None:
        return set()
    if column not in objectivity.columns:
        raise ValueError(
            f"config/{CONFIG_FILE}: high_results.objectivity_column — в таблице признаков "
            f"необъективности нет столбца «{column}»"
        )
    values = objectivity[column].astype("object").where(objectivity[column].notna(), 0)
    marked = pd.to_numeric(values, errors="coerce").fillna(0).astype("float64") > 0
    flagged = objectivity[marked]
    return set(zip(flagged["year"].astype(int), flagged["school_code"].astype(str), strict=True))


def _high_results(ctx: _Context, objectivity: pd.DataFrame | None) -> dict[tuple[int, str], str]:
    rule = ctx.cfg.high_results
    members = _multi_year_class(ctx, rule.years, "high", rule.min_participants)
    check = rule.exclude_objectivity and objectivity is not None
    flags = _objectivity_flags(objectivity, rule.objectivity_column) if check else set()
    out: dict[tuple[int, str], str] = {}
    for (year, school), counted in members.items():
        window = _window(ctx.years, year, rule.years.years_window)
        if any((y, school) in flags for y in window):
            continue
        extra = f" при не менее чем {rule.min_participants} участниках"
        reason = _multi_year_reason(ctx, rule.years, "high", (year, school), counted, extra)
        if rule.exclude_objectivity and objectivity is None:
            reason += " Признаки необъективности не проверялись: таблицы признаков нет."
        elif rule.exclude_objectivity:
            reason += f" Признаков необъективности в {_years_text(window)} нет."
        out[(year, school)] = reason
    return out


def _stability(members: pd.DataFrame, years: Sequence[int], window: int) -> pd.DataFrame:
    """Years in the class over the window and membership the previous year with data."""
    keys = set(zip(members["class"], members["year"], members["school_code"], strict=True))
    in_window, prev = [], []
    for cls, year, school in zip(
        members["class"], members["year"], members["school_code"], strict=True
    ):
        span = _window(years, year, window)
        in_window.append(sum((cls, y, school) in keys for y in span))
        earlier = [y for y in years if y < year]
        prev.append(bool(earlier) and (cls, earlier[-1], school) in keys)
    return members.assign(
        years_in_class=np.asarray(in_window, dtype="int64"),
        in_class_prev_year=np.asarray(prev, dtype=bool),
    )


def classify_schools(
    vpr_results: pd.DataFrame,
    schools: pd.DataFrame,
    school_context: pd.DataFrame,
    vpr_tasks: pd.DataFrame | None = None,
    va_schools: pd.DataFrame | None = None,
    objectivity: pd.DataFrame | None = None,
    config: ClassesConfig | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Every school's classes per year, with a Russian reason and stability; members only.

    ``va_schools`` (derived value-added table) is optional: without it resilient schools are
    found by results alone and the reason says so. ``objectivity`` (per ``year`` ×
    ``school_code`` with the configured marker column) is optional too. Columns:
    ``OUTPUT_COLUMNS``.
    """
    cfg = _resolve(config)
    subjects = {
        *cfg.shnor.subjects,
        *cfg.high_results.years.subjects,
        *cfg.resilient.results_subjects,
    }
    results = school_results(vpr_results, vpr_tasks, cfg.results, subjects)
    ctx = _Context(
        cfg=cfg,
        results=results.set_index(["year", "subject", "school_code"]).sort_index(),
        years=sorted(int(y) for y in results["year"].unique()),
        names=_subject_names({*subjects, *cfg.resilient.value_added.subjects}),
    )
    shnor = {
        key: _multi_year_reason(ctx, cfg.shnor, "low", key, counted)
        for key, counted in _multi_year_class(
            ctx, cfg.shnor, "low", cfg.results.min_participants
        ).items()
    }
    shnsu, notes = _shnsu(school_context, cfg.shnsu)
    reasons = {
        "shnor": shnor,
        "shnsu": shnsu,
        "resilient": _resilient(ctx, shnsu, notes, va_schools),
        "high_results": _high_results(ctx, objectivity),
    }
    rows = [
        (year, school, cls, reason)
        for cls in CLASSES
        for (year, school), reason in reasons[cls].items()
    ]
    members = pd.DataFrame(rows, columns=["year", "school_code", "class", "reason"])
    all_years = sorted({*ctx.years, *(int(y) for y in school_context["year"].unique())})
    members = _stability(members, all_years, cfg.stability_window)
    return _finish(members, schools, vpr_results)


def _finish(
    members: pd.DataFrame, schools: pd.DataFrame, vpr_results: pd.DataFrame
) -> pd.DataFrame:
    """Names from the registry (codes from the results as fallback), fixed order and dtypes."""
    registry = schools.drop_duplicates("school_code").set_index("school_code")
    fallback = vpr_results.drop_duplicates("school_code").set_index("school_code")
    code = members["school_code"]
    muni = code.map(registry["municipality_code"]).fillna(code.map(fallback["municipality_code"]))
    out = members.assign(
        school_name=code.map(registry["school_name"]),
        municipality_code=muni,
        municipality_name=code.map(registry["municipality_name"]),
        class_name=members["class"].map(CLASS_NAMES),
    )
    out["year"] = out["year"].astype("int64")
    for col in (
        "school_code",
        "school_name",
        "municipality_code",
        "municipality_name",
        "class",
        "class_name",
        "reason",
    ):
        out[col] = out[col].astype("string")
    order = out["class"].map({c: i for i, c in enumerate(CLASSES)})
    out = out.assign(_order=order).sort_values(
        ["year", "_order", "municipality_code", "school_code"], kind="stable"
    )
    return out[list(OUTPUT_COLUMNS)].reset_index(drop=True)


def class_changes(table: pd.DataFrame, year: int, prev_year: int | None = None) -> pd.DataFrame:
    """Per class: schools new this year, kept from the previous year, and those that left.

    ``table`` is the ``school_classes`` table; the previous year defaults to the latest earlier
    year in it. Adds ``change`` ("new" | "kept" | "left") and its Russian ``change_name``.
    """
    if prev_year is None:
        earlier = [int(y) for y in table["year"].unique() if y < year]
        prev_year = max(earlier) if earlier else year - 1
    now = table[table["year"] == year]
    before = table[table["year"] == prev_year]
    now_keys = set(zip(now["class"], now["school_code"], strict=True))
    before_keys = set(zip(before["class"], before["school_code"], strict=True))
    current = now.assign(
        change=[
            "kept" if key in before_keys else "new"
            for key in zip(now["class"], now["school_code"], strict=True)
        ]
    )
    left = before[
        [key not in now_keys for key in zip(before["class"], before["school_code"], strict=True)]
    ].assign(change="left")
    out = pd.concat([current, left], ignore_index=True)
    out["change_name"] = out["change"].map(CHANGE_LABELS)
    order = out["class"].map({c: i for i, c in enumerate(CLASSES)})
    change_order = out["change"].map({"new": 0, "kept": 1, "left": 2})
    return (
        out.assign(_o=order, _c=change_order)
        .sort_values(["_o", "_c", "municipality_code", "school_code"], kind="stable")
        .drop(columns=["_o", "_c"])
        .reset_index(drop=True)
    )


def _compute(
    vpr_results: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    schools: pd.DataFrame,
    school_context: pd.DataFrame,
    va_schools: pd.DataFrame | None = None,
) -> pd.DataFrame:
    return classify_schools(
        vpr_results, schools, school_context, vpr_tasks=vpr_tasks, va_schools=va_schools
    )


CLASSES_TABLE = DerivedSpec(
    "school_classes",
    ("vpr_results", "vpr_tasks", "schools", "school_context", "derived/va_schools"),
    _compute,
)
