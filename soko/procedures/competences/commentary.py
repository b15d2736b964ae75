"""Russian prose and the shown tables of the competences pages, from the derived tables
(tested, so the templates stay thin). Every table passes :func:`shown` — groups under
``min_group`` persons are masked — and no row is a person."""

from __future__ import annotations

import math

import pandas as pd

from soko.commentary import plural
from soko.procedures.competences.settings import HEAD, TEACHER, CompetencesBlock
from soko.procedures.competences.tables import ALL_SUBJECTS, CAVEAT
from soko.suppression import format_percent, format_signed, suppress_small_groups

DEFICIT_LABELS: dict[str, str] = {
    "unit_name": "Территория",
    "subject_name": "Предмет",
    "domain_name": "Область",
    "deficit_level": "Уровень дефицита, %",
    "n": "Прошли диагностику",
    "n_deficit": "Ниже уровня",
    "share_deficit": "Доля с дефицитом",
    "mean_score": "Средний балл, %",
}
PROGRAMME_LABELS: dict[str, str] = {
    "subject_name": "Предмет (кадры)",
    "rank": "Место",
    "domain_name": "Дефицит (область)",
    "share_deficit": "Доля с дефицитом",
    "n": "Прошли диагностику",
    "programme": "Тема программы повышения квалификации",
}
UNIT_LABELS: dict[str, str] = {
    "year": "Год",
    "role_name": "Кадры",
    "n": "Прошли диагностику",
    "share_with_deficit": "Доля с дефицитом хотя бы в одной области",
    "share_trained": "Из них прошли обучение",
    "units_total": "Школ",
}
ASSOCIATION_LABELS: dict[str, str] = {
    "subject_name": "Предмет",
    "measure_name": "Результат школы",
    "method_name": "Коэффициент",
    "r": "r",
    "ci_low": "95 % интервал: от",
    "ci_high": "до",
    "n_schools": "Школ",
    "verdict": "Вывод",
}
DESCRIPTIVE = ("unit_name", "subject_name", "domain_name", "deficit_level", "role_name")
METHOD_NAMES = {"pearson": "Пирсона", "spearman": "Спирмена (ранговый)"}


def shown(table: pd.DataFrame, settings: CompetencesBlock) -> pd.DataFrame:
    """Masked where fewer than ``min_group`` persons stand behind a row."""
    return suppress_small_groups(table.reset_index(drop=True), settings.min_group, keep=DESCRIPTIVE)


def deficit_rows(
    deficits: pd.DataFrame,
    settings: CompetencesBlock,
    year: int,
    role: str,
    unit_code: str,
    *,
    level: str = "region",
) -> pd.DataFrame:
    rows = deficits[
        (deficits["year"] == int(year))
        & (deficits["role"] == role)
        & (deficits["level"] == level)
        & (deficits["unit_code"] == unit_code)
    ]
    return shown(rows, settings)


def municipalities_rows(
    deficits: pd.DataFrame, settings: CompetencesBlock, year: int
) -> pd.DataFrame:
    """Teachers of all subjects and heads, per municipality and domain (the heat-map's data)."""
    rows = deficits[
        (deficits["year"] == int(year))
        & (deficits["level"] == "municipality")
        & ((deficits["subject"] == ALL_SUBJECTS) | (deficits["role"] == HEAD))
    ]
    return shown(rows, settings)


def programme_rows(programmes: pd.DataFrame, settings: CompetencesBlock, year: int) -> pd.DataFrame:
    """The year's list for training programmes: included deficits only, ranked."""
    rows = programmes[(programmes["year"] == int(year)) & programmes["included"]]
    return shown(rows.astype({"rank": "Int64"}), settings)


def units_dynamics(
    units: pd.DataFrame, settings: CompetencesBlock, level: str, unit_code: str
) -> pd.DataFrame:
    """Per year and role: diagnosed, share with a deficit, share of them trained."""
    rows = units[(units["level"] == level) & (units["unit_code"] == unit_code)].copy()
    names = {r.code: r.name for r in settings.roles}
    rows["role_name"] = rows["role"].map(names)
    rows["n"] = rows["diagnosed"]
    rows["share_with_deficit"] = rows["with_deficit"] / rows["diagnosed"].where(
        rows["diagnosed"] > 0
    )
    rows["share_trained"] = rows["trained"] / rows["with_deficit"].where(rows["with_deficit"] > 0)
    rows["year"] = rows["year"].astype("string")
    rows["units_total"] = rows["units_total"].astype("Int64")
    out = shown(rows, settings)
    # a share of the trained among fewer than min_group persons with a deficit is masked too
    few = rows["with_deficit"].reset_index(drop=True) < settings.min_group
    out["share_trained"] = out["share_trained"].mask(few)
    return out


def units_summary(
    units: pd.DataFrame, settings: CompetencesBlock, year: int, level: str, unit_code: str
) -> str:
    rows = units[
        (units["year"] == int(year)) & (units["level"] == level) & (units["unit_code"] == unit_code)
    ].set_index("role")
    if rows.empty or int(rows["diagnosed"].sum()) == 0:
        return (
            f"За {year} год диагностика компетенций не внесена: форма "
            "«Диагностика профессиональных компетенций» не заполнена (`soko forms --year`)."
        )
    parts = []
    names = {r.code: r.name for r in settings.roles}
    for role in (TEACHER, HEAD):
        if role not in rows.index:
            continue
        r = rows.loc[role]
        n, bad = int(r["diagnosed"]), int(r["with_deficit"])
        who = (
            plural(n, "учитель", "учителя", "учителей")
            if role == TEACHER
            else plural(n, "руководитель", "руководителя", "руководителей")
        )
        if n < settings.min_group:
            parts.append(
                f"{names[role]}: диагностику прошли меньше {settings.min_group} человек — "
                "доли не показываются."
            )
            continue
        text = (
            f"Диагностику прошли {n} {who}; дефицит хотя бы в одной области — у "
            f"{format_percent(bad / n)}"
        )
        if bad >= settings.min_group:
            trained = format_percent(r["trained"] / bad)
            text += f", из них обучение по адресной программе прошли {trained}"
        if role == HEAD and not math.isnan(float(r["units_total"])) and r["units_total"] > 0:
            text += f" (школ в реестре {int(r['units_total'])})"
        parts.append(text + ".")
    return " ".join(parts)


def programme_summary(programmes: pd.DataFrame, settings: CompetencesBlock, year: int) -> str:
    rows = programmes[(programmes["year"] == int(year)) & programmes["included"]]
    if rows.empty:
        return (
            f"В {year} году ни в одной области доля педагогов с дефицитом не достигает "
            f"{format_percent(settings.programme_min_share, 0)} (или групп меньше "
            f"{settings.min_group}): адресных тем для программ нет."
        )
    top = rows.sort_values("share_deficit", ascending=False, kind="stable").head(3)
    listed = "; ".join(
        f"{r.subject_name} — «{r.domain_name}» ({format_percent(r.share_deficit)})"
        for r in top.itertuples(index=False)
    )
    n = len(rows)
    return (
        f"Список для программ повышения квалификации (дорожная карта 004_* п. 2.12, решение "
        f"002_* п. 5.1): {n} {plural(n, 'дефицит', 'дефицита', 'дефицитов')} с долей не меньше "
        f"{format_percent(settings.programme_min_share, 0)}. Самые частые: {listed}."
    )


def association_rows(association: pd.DataFrame, year: int, method: str = "pearson") -> pd.DataFrame:
    rows = association[(association["year"] == int(year)) & (association["method"] == method)]
    rows = rows.assign(method_name=rows["method"].map(METHOD_NAMES))
    # a table of schools, not persons: nothing to mask (each point rests on ≥ 5 teachers)
    return rows.assign(suppressed=False).reset_index(drop=True)


def association_text(association: pd.DataFrame, year: int, subject: str, measure: str) -> str:
    rows = association[
        (association["year"] == int(year))
        & (association["subject"] == subject)
        & (association["measure"] == measure)
    ].set_index("method")
    if rows.empty:
        return "Связь не рассчитана: нет данных диагностики или результатов школ."
    text = str(rows.loc["pearson", "verdict"]) if "pearson" in rows.index else ""
    if "spearman" in rows.index and not math.isnan(float(rows.loc["spearman", "r"])):
        s = rows.loc["spearman"]
        text += (
            f" Ранговый коэффициент Спирмена {format_signed(s['r'], 2)} (интервал от "
            f"{format_signed(s['ci_low'], 2)} до {format_signed(s['ci_high'], 2)})."
        )
    return text + " " + CAVEAT


def points_note(points: pd.DataFrame, association: pd.DataFrame, year: int, subject: str,
                measure: str, min_group: int) -> str:  # fmt: skip
    """How the scatter's points relate to the schools in the coefficient."""
    mine = points[
        (points["year"] == int(year))
        & (points["subject"] == subject)
        & (points["measure"] == measure)
    ]
    row = association[
        (association["year"] == int(year))
        & (association["subject"] == subject)
        & (association["measure"] == measure)
        & (association["method"] == "pearson")
    ]
    total = int(row["n_schools"].iloc[0]) if len(row) else 0
    alone = int((mine["point"] == "school").sum())
    grouped = int(mine.loc[mine["point"] == "group", "n_schools"].sum())
    groups = int((mine["point"] == "group").sum())
    left = max(0, total - alone - grouped)
    text = (
        f"Точка — школа, а не учитель. Отдельной точкой показывается школа, где диагностику "
        f"прошли не меньше {min_group} учителей предмета (таких школ {alone})."
    )
    if groups:
        text += (
            f" Остальные школы объединены по порядку среднего балла учителей в группы не "
            f"меньше чем по {min_group} школ ({grouped} {plural(grouped, 'школа', 'школы', 'школ')}"
            f" в {groups} {plural(groups, 'группе', 'группах', 'группах')}, полые кружки), "
            "чтобы по точке нельзя было узнать результат отдельного учителя."
        )
    if left:
        text += f" Ещё {left} школ входят в расчёт коэффициента, но на графике не показаны."
    text += f" Коэффициент рассчитан по всем {total} школам."
    return text


def association_dynamics(association: pd.DataFrame, method: str = "pearson") -> pd.DataFrame:
    """Every year's coefficient (one method), years as text so they do not print as counts."""
    rows = association[association["method"] == method].sort_values(
        ["subject", "measure", "year"], kind="stable"
    )
    rows = rows.assign(
        method_name=rows["method"].map(METHOD_NAMES), year=rows["year"].astype("string")
    )
    return rows.assign(suppressed=False).reset_index(drop=True)
