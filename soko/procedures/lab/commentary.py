"""Russian prose and table labels of the equipment pages, from the derived tables (tested, so
the templates stay thin)."""

from __future__ import annotations

import pandas as pd

from soko.commentary import plural
from soko.procedures.lab.settings import LabBlock
from soko.procedures.lab.tables import PROCEDURE_NAMES, UNDERUSED, UNUSED
from soko.suppression import format_number

SCHOOL_LABELS: dict[str, str] = {
    "municipality_name": "Муниципалитет",
    "school_name": "Школа",
    "kind_name": "Оборудование",
    "year_received": "Год получения",
    "sets": "Комплектов",
    "lessons": "Уроков за год",
    "practical": "Практических работ за год",
    "terms_below": "Периоды ниже минимума",
    "state_name": "Использование",
}
KIND_LABELS: dict[str, str] = {
    "unit_name": "Территория",
    "kind_name": "Оборудование",
    "schools_with_equipment": "Школ с оборудованием",
    "schools_unused": "Не используют",
    "schools_underused": "Не используют или используют недостаточно",
    "unused_share": "Доля не используемого, %",
    "underused_share": "Доля не используемого или недостаточно используемого, %",
}
UNIT_LABELS: dict[str, str] = {
    "year": "Год",
    "unit_name": "Территория",
    "schools_with_equipment": "Школ с оборудованием",
    "schools_underused": "Из них с неиспользуемым или недостаточно используемым",
    "underused_share": "Доля, %",
}
ASSOCIATION_LABELS: dict[str, str] = {
    "year": "Год",
    "procedure_name": "Процедура",
    "subject_name": "Предмет",
    "unit_name": "Территория",
    "n_using": "Школ, использующих оборудование",
    "n_not_using": "Школ, не использующих",
    "gap_using": "Разрыв «практические − остальные», п.п.: используют",
    "gap_not_using": "не используют",
    "difference": "Разность, п.п.",
    "ci_low": "95 % интервал: от",
    "ci_high": "до",
    "verdict": "Вывод",
}


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """Marked as checked for small groups: these tables count schools, not students (the
    association leaves out schools with fewer participants than configured), so there is
    nothing to suppress (``soko.suppression.format_table``); years as text."""
    out = table.assign(suppressed=False).reset_index(drop=True)
    if "year" in out.columns:
        out["year"] = out["year"].astype("Int64").astype("string")
    if "procedure" in out.columns:
        out["procedure_name"] = out["procedure"].map(PROCEDURE_NAMES).fillna(out["procedure"])
    if "year_received" in out.columns:
        out["year_received"] = out["year_received"].astype("Int64").astype("string")
    return out


def _works(n: int) -> str:
    return plural(n, "практическая работа", "практические работы", "практических работ")


def method_note(settings: LabBlock) -> str:
    terms = ", ".join(t.name for t in settings.terms)
    minima = "; ".join(
        f"{k.name} — {k.min_lessons} {plural(k.min_lessons, 'урок', 'урока', 'уроков')} и "
        f"{k.min_practical} {_works(k.min_practical)}"
        for k in settings.kinds
    )
    return (
        f"Школы сообщают об оборудовании и его использовании по периодам ({terms}). "
        "Оборудование считается используемым недостаточно, если хотя бы в одном периоде "
        f"уроков или практических работ с ним меньше минимума региона ({minima}; "
        "config/lab.yml), и не используемым, если за год нет ни одного урока и ни одной работы."
    )


def units_summary(units: pd.DataFrame, year: int, unit_code: str | None = None) -> str:
    """One sentence on the schools with equipment not used in full, in the region (or unit)."""
    rows = units[(units["year"] == int(year))]
    rows = rows[rows["unit_code"] == unit_code] if unit_code else rows[rows["level"] == "region"]
    if rows.empty:
        return f"За {year} год форм об оборудовании нет."
    r = rows.iloc[0]
    n, k = int(r["schools_with_equipment"]), int(r["schools_underused"])
    where = "в муниципалитете" if unit_code else "в регионе"
    return (
        f"В {year} году {where} {n} {plural(n, 'школа', 'школы', 'школ')} с учебным и "
        f"лабораторным оборудованием; в {k} из них хотя бы один вид оборудования не "
        f"используется или используется недостаточно ({format_number(r['underused_share'])} %)."
    )


def underused_rows(
    lab_schools: pd.DataFrame, year: int, municipality: str | None = None
) -> pd.DataFrame:
    """The schools' equipment unused or under-used in ``year`` (the list to act on)."""
    rows = lab_schools[
        (lab_schools["year"] == int(year)) & lab_schools["state"].isin([UNUSED, UNDERUSED])
    ]
    if municipality:
        rows = rows[rows["municipality_code"] == municipality]
    return shown(rows.sort_values(["municipality_code", "school_code", "kind"], kind="stable"))


def association_summary(assoc: pd.DataFrame, year: int, unit_code: str | None = None) -> str:
    rows = assoc[assoc["year"] == int(year)]
    rows = rows[rows["unit_code"] == unit_code] if unit_code else rows[rows["level"] == "region"]
    if rows.empty:
        return (
            f"Сравнение практических заданий за {year} год не сделано: нет данных ВПР или ОГЭ "
            "по предметам с практическими заданиями или форм об оборудовании. Это связь, а не "
            "доказанное влияние, — когда данные будут, сравнение покажет именно её."
        )
    lead = (
        "Сравнивается не выполнение практических заданий само по себе (сильная школа выполняет "
        "хорошо и их, и остальные задания), а разрыв между практическими и остальными "
        "заданиями тех же работ внутри школы: у школ, которые используют оборудование, и у "
        "школ, которые не используют. Интервал — по Уэлчу, по значениям школ. Даже когда "
        "разность есть, это связь, а не доказанное влияние: школы, которые используют "
        "оборудование, могут отличаться и в другом. "
    )
    return lead + " ".join(str(v) for v in rows["verdict"])


def _task_list(tasks: dict[int, list[str]]) -> str:
    labels = [t for grade in sorted(tasks) for t in tasks[grade]]
    word = "задание" if len(labels) == 1 else "задания"
    return f"{word} {', '.join(labels)}"


def oge_note(assoc: pd.DataFrame, settings: LabBlock, year: int, oge_subjects: set[str]) -> str:
    """What the page says about ОГЭ: nothing when the comparison has ОГЭ rows (their verdicts
    are in the summary); otherwise plainly why there are none — no practical tasks of ОГЭ in
    the configuration, none of their subjects in the region's ОГЭ of the year
    (``oge_subjects``: the subjects of ``oge_tasks`` that year), or too few schools."""
    configured = settings.practical("oge")
    if not configured:
        return "Практические задания ОГЭ в config/lab.yml не заданы: сравнение по ОГЭ не делается."
    rows = assoc[(assoc["year"] == int(year)) & (assoc["procedure"] == "oge")]
    if len(rows):
        return ""
    sets = "; ".join(
        f"{settings.subjects.get(p.subject, p.subject)} — {_task_list(p.tasks)}" for p in configured
    )
    if not {p.subject for p in configured} & set(oge_subjects):
        return (
            f"Сравнение по ОГЭ не сделано: в результатах ОГЭ региона за {year} год нет ни одного "
            f"предмета, для которого в config/lab.yml заданы практические задания ({sets})."
        )
    return (
        f"Сравнение по ОГЭ за {year} год не сделано: результаты ОГЭ по предметам с "
        f"практическими заданиями ({sets}) есть, но нет школ, о которых известно и выполнение "
        "заданий, и использование оборудования (нет форм об оборудовании или в школах мало "
        "участников)."
    )
