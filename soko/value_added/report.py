"""What the value-added page shows: analyses, model explanations, band and class tables.

School-level value added is internal material (pages.yml: ``audience: internal``). The
helpers read only the derived tables ``va_schools``, ``va_models`` and ``school_classes``
(one row per school, never per student) and list no school under ``min_listed()``
students; the notebook only filters and calls them, so this logic is tested here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from soko.commentary import plural
from soko.config import load_yaml, min_group
from soko.labels import BOOL_LABELS, subject_labels
from soko.school_classes import (
    CLASS_NAMES,
    CLASSES,
    class_changes,
    describe_rules,
    load_config,
)
from soko.suppression import DASH, format_count, format_number
from soko.value_added.plots import BAND_NAMES, BANDS, funnel_limit

FLAGGED: tuple[str, ...] = ("above", "below")
CHANGE_LABELS: dict[str, str] = {"new": "новая", "kept": "сохранилась", "left": "вышла"}
PROCEDURE_TITLES: dict[str, str] = {"rpr": "РПР", "vpr": "ВПР"}
MODEL_ORDER: tuple[str, ...] = ("student", "school")
# Fixed-effect terms of the model (config/value_added.yml `context`) as readers know them.
TERM_LABELS: dict[str, str] = {
    "isbs": "индекс социального благополучия школы (ИСБШ)",
    "prior_school_mean": "средний предыдущий результат обучающихся школы (состав контингента)",
    "grade": "класс",
    "grade_f": "класс",  # grades pooled in one model: dummies «grade_f[T.6]», ...
}
VARIANCE_TERMS = ("school_variance", "residual_variance", "municipality_variance")


def min_listed() -> int:
    """Smallest school a page lists or draws: the suppression minimum, or the value-added
    config's ``min_students_listed`` if larger (intervals of tiny schools say nothing)."""
    try:
        configured = int(load_yaml("value_added.yml").get("min_students_listed") or 0)
    except FileNotFoundError:
        configured = 0
    return max(min_group(), configured)


def _grades_configured(procedure: str, model: str) -> tuple[int, ...]:
    """Outcome grades of a pooled analysis (config/value_added.yml), for its title."""
    try:
        entries = load_yaml("value_added.yml").get("analyses") or []
    except FileNotFoundError:
        return ()
    for entry in entries:
        if entry.get("procedure") == procedure and entry.get("model") == model:
            return tuple(int(g) for g in entry.get("grades") or ())
    return ()


def _span(grades: tuple[int, ...]) -> str:
    """(5, 6, 7, 8) → «5–8», (8,) → «8», (5, 7) → «5, 7»."""
    if len(grades) > 2 and list(grades) == list(range(grades[0], grades[-1] + 1)):
        return f"{grades[0]}–{grades[-1]}"
    return ", ".join(str(g) for g in grades)


@dataclass(frozen=True)
class Analysis:
    """One fitted model: a year, procedure, kind of model, subject (and outcome grade).

    ``grade`` is None when the derived table pools the grades into one model (no ``grade``
    column, or a missing value in it).
    """

    year: int
    procedure: str
    model: str
    subject: str
    grade: int | None = None

    @property
    def grades(self) -> tuple[int, ...]:
        if self.grade is not None:
            return (self.grade,)
        return _grades_configured(self.procedure, self.model)

    @property
    def title(self) -> str:
        """«РПР, математика: 7 кл. (2025) → 8 кл. (2026)»."""
        proc = PROCEDURE_TITLES.get(self.procedure, self.procedure.upper())
        subject = subject_labels().get(self.subject, self.subject).lower()
        grades = self.grades
        if not grades:
            return f"{proc}, {subject}: {self.year - 1} → {self.year}"
        before = _span(tuple(g - 1 for g in grades))
        return (
            f"{proc}, {subject}: {before} кл. ({self.year - 1}) → {_span(grades)} кл. ({self.year})"
        )

    def select(self, table: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
        """Rows of this analysis in ``table`` (``year``: e.g. the year before)."""
        mask = (
            (table["year"] == (self.year if year is None else year))
            & (table["procedure"] == self.procedure)
            & (table["model"] == self.model)
            & (table["subject"] == self.subject)
        )
        if "grade" in table.columns:
            grade = pd.to_numeric(table["grade"], errors="coerce")
            mask &= grade.isna() if self.grade is None else grade == self.grade
        return table[mask]


def analyses(va_schools: pd.DataFrame, year: int) -> list[Analysis]:
    """The year's analyses in page order: student-level models first (they follow the same
    students), then school-level; Russian before mathematics; by grade."""
    rows = va_schools[va_schools["year"] == year]
    if "grade" not in rows.columns:
        rows = rows.assign(grade=np.nan)
    keys = rows[["procedure", "model", "subject", "grade"]].drop_duplicates()
    subjects = ["ru", "ma"]
    found = []
    for proc, model, subject, grade in keys.itertuples(index=False):
        g = None if pd.isna(grade) else int(grade)
        found.append(Analysis(int(year), str(proc), str(model), str(subject), g))

    def order(a: Analysis) -> tuple[Any, ...]:
        return (
            MODEL_ORDER.index(a.model) if a.model in MODEL_ORDER else len(MODEL_ORDER),
            a.procedure,
            subjects.index(a.subject) if a.subject in subjects else len(subjects),
            a.subject,
            -1 if a.grade is None else a.grade,
        )

    return sorted(found, key=order)


def model_row(va_models: pd.DataFrame, analysis: Analysis) -> pd.DataFrame:
    return analysis.select(va_models)


def variances(va_models: pd.DataFrame, analysis: Analysis) -> dict[str, float]:
    """``school_variance``, ``residual_variance`` (and ``municipality_variance``) of a fit."""
    rows = model_row(va_models, analysis)
    rows = rows[rows["term"].isin(VARIANCE_TERMS)].dropna(subset=["estimate"])
    return {str(t): float(v) for t, v in zip(rows["term"], rows["estimate"], strict=True)}


def funnel_axis(rows: pd.DataFrame, var: Mapping[str, float]) -> str:
    """``"n"`` when the funnel's limits from the pooled variances sort every listed school
    as its band does, else ``"precision"`` (1/se: limits ± z/p agree with the bands always).

    The limits against n leave out the uncertainty of the fixed effects, which in a model
    with school-level covariates (a cohort's prior mean) can be a large part of a school's
    SE; a school could then lie outside the 95 % funnel and still be «на уровне ожидаемого».
    A chart must not contradict the table next to it, so such a fit gets the precision axis.
    """
    if not var.get("residual_variance", 0.0) > 0 or not var.get("school_variance", 0.0) > 0:
        return "precision"
    data = listed(rows).dropna(subset=["n", "effect", "band"])
    if data.empty:
        return "precision"
    limit = funnel_limit(
        data["n"].to_numpy(float), var["residual_variance"], var["school_variance"]
    )
    outside = np.abs(data["effect"].to_numpy(float)) > np.asarray(limit)
    flagged = data["band"].isin(FLAGGED).to_numpy(bool)
    return "n" if bool((outside == flagged).all()) else "precision"


def funnel_args(rows: pd.DataFrame, var: Mapping[str, float]) -> dict[str, Any]:
    """Keyword arguments of ``plots.funnel`` for this fit: the axis and the variances."""
    return {
        "x": funnel_axis(rows, var),
        "residual_variance": var.get("residual_variance"),
        "school_variance": var.get("school_variance"),
    }


NO_DIFFERENCES = (
    "Модель не нашла различий между школами сверх случайных: оценка дисперсии между школами "
    "равна нулю, поэтому эффекты всех школ равны нулю и графики не строятся. Обычно так "
    "бывает, когда школ или обучающихся в модели мало."
)


def no_school_differences(rows: pd.DataFrame, var: Mapping[str, float]) -> bool:
    """The fit put the school variance on its boundary (0): every effect and SE is 0, and
    charts of them would only show a line of dots at zero."""
    if "school_variance" in var and var["school_variance"] <= 1e-12:
        return True
    se = pd.to_numeric(rows["se"], errors="coerce").fillna(0.0)
    return bool(len(se)) and bool((se <= 0).all())


def _share_text(value: float) -> str:
    return f"{format_number(value * 100, 0)}\u00a0%"


def _controls(terms: list[str]) -> list[str]:
    """Readers' names of the context terms (dummy columns «grade[T.6]» count once)."""
    names: list[str] = []
    unknown = 0
    for term in terms:
        base = term.split("[", 1)[0]
        if base in TERM_LABELS:
            if TERM_LABELS[base] not in names:
                names.append(TERM_LABELS[base])
        else:
            unknown += 1
    if unknown:
        names.append(f"ещё {unknown} {plural(unknown, 'показатель', 'показателя', 'показателей')}")
    return names


def model_text(va_models: pd.DataFrame, analysis: Analysis) -> str:
    """What the model compares and controls for, its size, and how to read an interval."""
    rows = model_row(va_models, analysis)
    proc = PROCEDURE_TITLES.get(analysis.procedure, analysis.procedure.upper())
    fixed = [str(t) for t in rows["term"] if t not in (*VARIANCE_TERMS, "Intercept")]
    priors = [t for t in fixed if t.startswith("prior") and t != "prior_school_mean"]
    controls = _controls([t for t in fixed if t not in priors])
    also = f"; учтены также: {', '.join(controls)}" if controls else ""
    if analysis.model == "student":
        text = (
            f"**Модель на данных обучающихся.** Результат каждого обучающегося по {proc} "
            f"сравнивается с ожидаемым по его же результату годом ранее{also}. Работы одного "
            "обучающегося за два года связаны по его коду, поэтому в модель вошли только "
            "обучающиеся с результатами обоих лет."
        )
    else:
        text = (
            f"**Модель на данных школ.** Работы {proc} обезличены, и результаты одного "
            "обучающегося за два года связать нельзя, поэтому результат обучающегося "
            "сравнивается с ожидаемым по среднему результату той же параллели этой школы годом "
            f"ранее{also}. Состав параллели за год мог измениться, поэтому оценка грубее, чем "
            "по данным обучающихся."
        )
    text += (
        " Группа школы определяется по её 95-процентному интервалу, а не по точке: "
        "«выше ожидаемого» — только если весь интервал выше нуля."
    )
    if not rows.empty:
        n_students = int(rows["n_students"].iloc[0])
        n_schools = int(rows["n_schools"].iloc[0])
        text += (
            f" В модели {format_count(n_students)} "
            f"{plural(n_students, 'обучающийся', 'обучающихся', 'обучающихся')} из "
            f"{format_count(n_schools)} {plural(n_schools, 'школы', 'школ', 'школ')}."
        )
    var = variances(va_models, analysis)
    if "school_variance" in var and "residual_variance" in var:
        between = var["school_variance"] + var.get("municipality_variance", 0.0)
        share = between / (between + var["residual_variance"])
        text += (
            " На различия между школами приходится "
            f"{_share_text(share)} разброса результатов, не объяснённого моделью."
        )
    return text


def unit_rows(rows: pd.DataFrame, municipality: str | None) -> pd.DataFrame:
    if municipality is None:
        return rows
    return rows[rows["municipality_code"].astype(str) == str(municipality)]


def listed(rows: pd.DataFrame, municipality: str | None = None) -> pd.DataFrame:
    """The unit's schools a page may show: at least ``min_listed()`` students in the model."""
    unit = unit_rows(rows, municipality)
    return unit[unit["n"].fillna(0) >= min_listed()]


def band_summary(rows: pd.DataFrame, unit_name: str, municipality: str | None = None) -> str:
    """How many of the unit's schools are above / at / below the expected (listed schools)."""
    unit = unit_rows(rows, municipality)
    limit = min_listed()
    big = listed(rows, municipality)
    hidden = len(unit) - len(big)
    tail = f" Школы, где в модели менее {limit} обучающихся, не показываются"
    tail += f" (здесь таких {hidden})." if hidden else "."
    if big.empty:
        return (
            f"{unit_name}: нет школ с оценкой эффекта, где в модели не менее {limit} обучающихся."
        )
    counts = big["band"].value_counts()
    n = len(big)
    parts = [f"{BAND_NAMES[b]} — {int(counts.get(b, 0))}" for b in ("above", "average", "below")]
    return (
        f"{unit_name}: {n} {plural(n, 'школа', 'школы', 'школ')} с оценкой эффекта; "
        f"{', '.join(parts)}.{tail}"
    )


def band_changes(current: pd.DataFrame, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """Schools in the bands «выше/ниже ожидаемого» now or a year earlier, with ``change``:

    - ``new``: in a band now, not in the same band a year earlier (incl. not analysed);
    - ``kept``: in the same band both years;
    - ``left``: in a band a year earlier, not in it now (now «на уровне ожидаемого», the
      other band, or no listed estimate this year: then ``band`` is missing).

    A school that switched bands is ``new`` in its new band (``band_prev`` tells from
    where). ``previous`` (the same analysis a year earlier) supplies the schools with no
    estimate this year and the earlier group sizes: an earlier estimate is shown only for
    a school listed a year earlier (the derived table drops small schools from the list but
    may still carry their estimate into ``effect_prev``). When there was no analysis a
    year earlier at all, ``change`` stays empty: «новая» would claim a change nobody saw.
    """
    limit = min_listed()
    cur = listed(current).copy()
    cur["band_prev"] = cur["band_prev"].astype(object)
    prev_big = current.iloc[0:0]
    if previous is not None and not previous.empty:
        n_prev = cur["school_code"].map(
            previous.drop_duplicates("school_code").set_index("school_code")["n"]
        )
        small = (n_prev.isna() | (n_prev < limit)).to_numpy(bool)
        cur.loc[small, "effect_prev"] = np.nan
        cur.loc[small, "band_prev"] = None
        prev_big = listed(previous)
    has_previous = not prev_big.empty or bool(cur["band_prev"].isin(BANDS).any())
    now = cur["band"].isin(FLAGGED)
    before = cur["band_prev"].isin(FLAGGED)
    same = cur["band"].astype(object) == cur["band_prev"]
    change = pd.Series(None, index=cur.index, dtype=object)
    if has_previous:
        change[now & same] = "kept"
        change[now & ~same] = "new"
        change[~now & before] = "left"
    cur["change"] = change
    gone = prev_big[
        prev_big["band"].isin(FLAGGED) & ~prev_big["school_code"].isin(cur["school_code"])
    ]
    gone = pd.DataFrame(
        {
            "school_code": gone["school_code"],
            "school_name": gone["school_name"],
            "municipality_code": gone["municipality_code"],
            "municipality_name": gone["municipality_name"],
            "effect_prev": gone["effect"].astype(float),
            "band_prev": gone["band"].astype(object),
            "change": "left",
        }
    )
    parts = [cur[now | before]] + ([gone] if not gone.empty else [])
    out = pd.concat(parts, ignore_index=True)
    group = out["band"].map({"above": 0, "below": 1}).astype(float).fillna(2.0)
    effect = out["effect"].astype(float)
    order = pd.DataFrame(
        {
            "group": np.where(out["change"] == "left", 2.0, group),
            "effect": np.where(out["band"] == "below", effect, -effect),
        }
    )
    return out.loc[order.sort_values(["group", "effect"], kind="stable").index].reset_index(
        drop=True
    )


def change_summary(changes: pd.DataFrame) -> str:
    """«Новые», «сохранились», «вышли»: one sentence with the counts."""
    if changes.empty:
        return (
            "Ни в этом, ни в прошлом году ни одна школа не была в группах «выше» или «ниже "
            "ожидаемого»."
        )
    if changes["change"].isna().all():
        return "Оценок той же модели за предыдущий год нет: изменения за год не определяются."
    counts = changes["change"].value_counts()
    new, kept, left = (int(counts.get(k, 0)) for k in ("new", "kept", "left"))
    return (
        f"По сравнению с предыдущим годом в группах «выше» и «ниже ожидаемого»: новых — {new}, "
        f"сохранились — {kept}, вышли — {left}."
    )


def _effect_ci(effect: object, low: object, high: object) -> str:
    if pd.isna(effect):  # type: ignore[arg-type]
        return DASH
    return f"{format_number(effect, 2)} ({format_number(low, 2)}; {format_number(high, 2)})"


def school_table(changes: pd.DataFrame, *, with_municipality: bool) -> pd.DataFrame:
    """``band_changes`` rows as the page shows them: Russian headers, formatted values."""

    def band(value: object) -> str:
        return BAND_NAMES.get(str(value), DASH) if not pd.isna(value) else DASH  # type: ignore[arg-type]

    shown: dict[str, Any] = {"ОО": changes["school_name"].fillna(changes["school_code"])}
    if with_municipality:
        shown["Муниципалитет"] = changes["municipality_name"]
    n = changes["n"] if "n" in changes else pd.Series(np.nan, index=changes.index)
    shown["Обучающихся в модели"] = n.map(format_count)
    shown["Эффект (95 % ДИ)"] = [
        _effect_ci(e, lo, hi)
        for e, lo, hi in zip(
            changes.get("effect"), changes.get("ci_low"), changes.get("ci_high"), strict=True
        )
    ]
    shown["Группа"] = [
        band(b) if c != "left" or not pd.isna(b) else "нет оценки"
        for b, c in zip(changes["band"], changes["change"], strict=True)
    ]
    shown["Эффект годом ранее"] = changes["effect_prev"].map(lambda v: format_number(v, 2))
    shown["Группа годом ранее"] = changes["band_prev"].map(band)
    shown["Изменение"] = changes["change"].map(CHANGE_LABELS).fillna(DASH)
    return pd.DataFrame(shown).reset_index(drop=True)


def show(table: pd.DataFrame) -> None:
    """A formatted table (strings, Russian headers) as the pages' HTML table."""
    display(HTML(table.to_html(index=False, escape=True, classes="soko-table", border=0)))


# --- school classes ---------------------------------------------------------------------


def class_rules() -> dict[str, str]:
    """The rule in force per class, in Russian, generated from config/school_classes.yml:
    the page prints what selected the schools, not a paraphrase that could drift."""
    return describe_rules(load_config())


def class_names() -> dict[str, str]:
    """Class code → Russian name, in page order (soko.school_classes)."""
    return {c: CLASS_NAMES.get(c, c) for c in CLASSES}


def previous_year(table: pd.DataFrame, year: int) -> int | None:
    """The latest year before ``year`` with rows (a year without data is skipped)."""
    earlier = table.loc[table["year"] < year, "year"]
    return int(earlier.max()) if len(earlier) else None


def class_members(
    classes: pd.DataFrame, year: int, municipality: str | None = None
) -> pd.DataFrame:
    """``school_classes`` rows of ``year`` and the previous year's members that left, each
    with ``change`` (new / kept / left; soko.school_classes.class_changes), for the unit."""
    if classes.empty:
        return classes.assign(change=pd.Series(dtype=object))
    changes = class_changes(classes, year, previous_year(classes, year))
    return unit_rows(changes, municipality)


def class_table(
    members: pd.DataFrame, cls: str, *, with_municipality: bool, window: int | None = None
) -> pd.DataFrame:
    """Schools of one class this year with the reason and how long they have been in it."""
    rows = members[(members["class"] == cls) & (members["change"] != "left")]
    shown: dict[str, Any] = {"ОО": rows["school_name"].fillna(rows["school_code"])}
    if with_municipality:
        shown["Муниципалитет"] = rows["municipality_name"]
    shown["Основание"] = rows["reason"].fillna(DASH)
    years_label = f"Лет в категории (из последних {window})" if window else "Лет в категории"
    shown[years_label] = rows["years_in_class"].map(format_count)
    shown["В категории годом ранее"] = rows["in_class_prev_year"].map(
        lambda v: DASH if pd.isna(v) else BOOL_LABELS[bool(v)]
    )
    return pd.DataFrame(shown).reset_index(drop=True)


def class_summary(members: pd.DataFrame, cls: str, year: int, prev_year: int | None) -> str:
    """How many of the unit's schools are in the class, new / kept, and which left."""
    rows = members[members["class"] == cls]
    now = rows[rows["change"] != "left"]
    gone = rows[rows["change"] == "left"]
    n = len(now)
    if n == 0:
        text = f"В {year} году в категории нет ни одной школы."
    else:
        kept = int((now["change"] == "kept").sum())
        text = (
            f"В {year} году в категории {n} {plural(n, 'школа', 'школы', 'школ')}: "
            f"новых — {n - kept}, сохранились — {kept}."
        )
    if prev_year is None:
        return text + " Данных за предыдущие годы нет: сравнить не с чем."
    if gone.empty:
        return text + f" Вышедших из категории по сравнению с {prev_year} годом нет."
    names = "; ".join(str(s) for s in gone["school_name"].fillna(gone["school_code"]))
    return text + f" Вышли из категории по сравнению с {prev_year} годом ({len(gone)}): {names}."


def stability_window() -> int | None:
    """How many years ``years_in_class`` looks back (config/school_classes.yml)."""
    return int(load_config().stability_window) or None
