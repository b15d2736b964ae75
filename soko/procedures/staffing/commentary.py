"""The staffing pages' prose and tables: tested functions, so the templates stay thin.

Suppression: shares of teachers (retirement age, young specialists) are not shown for a unit
with fewer than ``min_teachers`` teachers; no page lists a teacher — the person-level sheets
reach the pages only as counts. Positions (ставки) and hours describe posts, not persons, and
are shown for every school (the pages are internal: they name schools).
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, display

from soko.page import download_link, show_html
from soko.procedures.staffing.settings import StaffingBlock
from soko.suppression import DASH, format_count, format_number, format_signed

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

UNIT_LABELS = {
    "unit_name": "Территория / школа",
    "positions": "Ставок",
    "vacant": "Вакантно ставок",
    "vacancy_rate": "Доля вакантных, %",
    "hours_uncovered": "Часов в неделю не обеспечено",
    "teachers": "Педагогов",
    "retirement_age_share": "Пенсионного возраста, %",
    "young_specialists": "Молодых специалистов",
    "young_mentored": "Из них с наставником",
    "leavers": "Выбыло за квартал",
}
SUBJECT_LABELS = {
    "subject_name": "Предмет",
    "positions": "Ставок",
    "vacant": "Вакантно ставок",
    "vacancy_rate": "Доля вакантных, %",
    "hours_uncovered": "Часов в неделю не обеспечено",
    "overloaded": "Педагогов с нагрузкой выше 1,5 ставки",
}
TREND_LABELS = {
    "period": "Квартал",
    "positions": "Ставок",
    "vacant": "Вакантно ставок",
    "vacancy_rate": "Доля вакантных, %",
    "hours_uncovered": "Часов в неделю не обеспечено",
    "leavers": "Выбыло за квартал",
}
PROJECTION_LABELS = {
    "horizon": "Через, лет",
    "teachers": "Педагогов сейчас",
    "vacant": "Вакантно ставок сейчас",
    "expected_departures": "Ожидаемое выбытие",
    "need": "Потребность, чел.",
}
CRITICAL_LABELS = {
    "municipality_name": "Муниципалитет",
    "school_name": "Школа",
    "subject_name": "Предмет",
    "edu_level_name": "Уровень",
    "positions": "Ставок",
    "vacant": "Вакантно",
    "vacancy_rate": "Доля вакантных, %",
    "hours_uncovered": "Часов не обеспечено",
    "quarters_running": "Кварталов подряд",
    "rule": "Условие",
}
EFFECT_LABELS = {
    "unit_name": "Территория",
    "n_treated": "Школ с мерой",
    "n_control": "Школ без мер",
    "treated_before": "С мерой: год до, %",
    "treated_after": "С мерой: год начала, %",
    "control_before": "Без мер: год до, %",
    "control_after": "Без мер: год начала, %",
    "effect": "Эффект, п.п.",
    "ci_low": "Интервал от",
    "ci_high": "Интервал до",
    "verdict": "Вывод",
}
_COUNTS = {"teachers", "young_specialists", "young_mentored", "leavers", "overloaded", "horizon"}
_COUNTS |= {"n_treated", "n_control", "quarters_running"}
_TEACHER_SHARES = ("retirement_age_share", "young_specialists", "young_mentored")


def quarter_label(year: int, quarter: int) -> str:
    """«III кв. 2026»."""
    return f"{ROMAN[int(quarter)]} кв. {int(year)}"


def latest_quarter(table: pd.DataFrame, year: int) -> int | None:
    """The last quarter of ``year`` with data (None: no data that year)."""
    q = table.loc[table["year"] == year, "quarter"]
    return int(q.max()) if len(q) else None


def masked(units: pd.DataFrame, settings: StaffingBlock) -> pd.DataFrame:
    """Shares and counts of teachers masked (NA) for units with fewer than ``min_teachers``."""
    out = units.copy()
    small = out["teachers"] < settings.min_teachers
    for col in _TEACHER_SHARES:
        if col in out.columns:
            out[col] = out[col].astype("Float64").mask(small)
    return out


def formatted(table: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Strings as the compendium prints them (decimal comma, «—» for a missing value),
    Russian headers, only the labelled columns."""
    out = pd.DataFrame(index=table.index)
    for col in labels:
        values = table[col]
        if col in _COUNTS:
            out[col] = values.map(format_count)
        elif col in ("effect", "ci_low", "ci_high"):
            out[col] = values.map(format_signed)
        elif pd.api.types.is_numeric_dtype(values):
            digits = 2 if col in ("positions", "vacant") else 1
            out[col] = values.map(lambda v, d=digits: format_number(v, d))
        else:
            out[col] = values.astype("object").where(values.notna(), DASH).astype(str)
    return out.rename(columns=labels).reset_index(drop=True)


def show_table(table: pd.DataFrame, labels: dict[str, str], filename: str) -> None:
    """The table and, under it, a link to download exactly what is shown."""
    shown = formatted(table, labels)
    show_html(shown)
    display(HTML(download_link(shown, filename)))


# --- selections ------------------------------------------------------------------------------


def unit_row(units: pd.DataFrame, unit_code: str, year: int, quarter: int) -> pd.Series | None:
    rows = units[
        (units["unit_code"] == unit_code) & (units["year"] == year) & (units["quarter"] == quarter)
    ]
    return rows.iloc[0] if len(rows) else None


def trend(units: pd.DataFrame, unit_code: str, level: str) -> pd.DataFrame:
    """The unit's quarters in order, with a «period» label."""
    rows = units[(units["unit_code"] == unit_code) & (units["level"] == level)]
    rows = rows.sort_values(["year", "quarter"]).copy()
    rows["period"] = [
        quarter_label(y, q) for y, q in zip(rows["year"], rows["quarter"], strict=True)
    ]
    return rows.reset_index(drop=True)


def subject_rows(
    subjects: pd.DataFrame, unit_code: str, level: str, year: int, quarter: int
) -> pd.DataFrame:
    """Each subject in all levels of education, by vacancy rate (highest first)."""
    rows = subjects[
        (subjects["unit_code"] == unit_code)
        & (subjects["level"] == level)
        & (subjects["year"] == year)
        & (subjects["quarter"] == quarter)
        & (subjects["edu_level"] == "all")
    ]
    return rows.sort_values(["vacancy_rate", "subject"], ascending=[False, True]).reset_index(
        drop=True
    )


def projection_rows(
    projection: pd.DataFrame, unit_code: str, level: str, year: int, quarter: int
) -> pd.DataFrame:
    rows = projection[
        (projection["unit_code"] == unit_code)
        & (projection["level"] == level)
        & (projection["year"] == year)
        & (projection["quarter"] == quarter)
        & (projection["subject"] == "all")
    ]
    return rows.sort_values("horizon").reset_index(drop=True)


# --- prose -----------------------------------------------------------------------------------


def summary(row: pd.Series | None, settings: StaffingBlock, where: str) -> str:
    """The unit's state at the end of the quarter, in one paragraph."""
    if row is None:
        return f"Данных о кадровом обеспечении {where} за этот квартал нет."
    when = quarter_label(row["year"], row["quarter"])
    text = (
        f"На конец квартала ({when}) в школах {where} вакантно "
        f"{format_number(row['vacant'], 2)} из {format_number(row['positions'], 2)} ставок "
        f"({format_number(row['vacancy_rate'])} %); часов учебного плана в неделю не "
        f"обеспечено: {format_number(row['hours_uncovered'], 0)}."
    )
    if row["teachers"] < settings.min_teachers:
        return text + f" Сведения о педагогах не показываются: их меньше {settings.min_teachers}."
    return text + (
        f" Педагогов {format_count(row['teachers'])}, из них пенсионного возраста "
        f"{format_number(row['retirement_age_share'])} %; молодых специалистов "
        f"{format_count(row['young_specialists'])}, наставник закреплён у "
        f"{format_count(row['young_mentored'])}."
    )


def trend_sentence(rows: pd.DataFrame) -> str:
    """How the vacancy rate moved from the first to the last quarter shown."""
    if len(rows) < 2:
        return "Данных меньше чем за два квартала: динамику показать нельзя."
    first, last = rows.iloc[0], rows.iloc[-1]
    change = float(last["vacancy_rate"] - first["vacancy_rate"])
    direction = "выросла" if change > 0.05 else "снизилась" if change < -0.05 else "не изменилась"
    text = (
        f"С {first['period']} по {last['period']} доля вакантных ставок {direction}: "
        f"{format_number(first['vacancy_rate'])} % → {format_number(last['vacancy_rate'])} %"
    )
    if direction != "не изменилась":
        text += f" ({format_signed(change, plus=True)} п.п.)"
    return text + "."


def projection_summary(rows: pd.DataFrame, settings: StaffingBlock) -> str:
    if rows.empty:
        return "Прогноз не построен: нет данных о педагогах."
    rates = ", ".join(
        f"{b.name} — {format_number(100 * b.retirement_rate)} %" for b in settings.age_bands
    )
    parts = [
        f"через {int(r.horizon)} {'год' if r.horizon == 1 else 'года' if r.horizon < 5 else 'лет'}"
        f" — {format_number(r.need, 0)}"
        for r in rows.itertuples()
    ]
    return (
        "Потребность в педагогах = вакантные ставки сейчас + ожидаемое выбытие нынешних "
        f"педагогов по возрасту (годовая доля выбывающих по группам: {rates}): "
        + "; ".join(parts)
        + ". Прогноз не учитывает переход педагогов в следующую возрастную группу и "
        "увольнения по другим причинам (docs/staffing.md)."
    )


def critical_summary(rows: pd.DataFrame, settings: StaffingBlock, where: str) -> str:
    rule = settings.critical
    head = (
        f"Критический дефицит — вакантно не меньше {format_number(rule.vacancy_rate, 0)} % "
        f"ставок предмета на уровне образования или не обеспечено не меньше "
        f"{format_number(rule.hours_uncovered, 0)} часов в неделю (config/staffing.yml). "
    )
    if rows.empty:
        return head + f"В последнем квартале таких школ и предметов {where} нет."
    schools = rows["school_code"].nunique()
    long = int((rows["quarters_running"] >= 2).sum())
    return head + (
        f"В последнем квартале {where} таких пар «школа — предмет (уровень)»: {len(rows)}, "
        f"школ с ними: {schools}; не первый квартал подряд: {long}."
    )


def effect_sentence(rows: pd.DataFrame) -> str:
    if rows.empty:
        return (
            "Мер кадровой поддержки в реестре мер нет (или нет данных за год до их начала): "
            "оценивать нечего."
        )
    return " ".join(str(v) for v in rows["verdict"])


def method_note(settings: StaffingBlock) -> str:
    pct = f"{round(settings.effects.interval_level * 100):d} %"
    return (
        "Результативность мер кадровой поддержки (виды реестра мер, у которых в "
        "config/measures.yml указано measured_by: staffing): изменение доли вакантных "
        "ставок школы от года до начала меры к году её начала, у школ с мерой минус то же "
        f"изменение у школ без таких мер, с {pct} интервалом. Это сравнение, а не "
        "эксперимент: если меру давали школам, где дефицит и так уходил, эффект завышен "
        "(docs/staffing.md)."
    )
