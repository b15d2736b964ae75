"""Russian display labels for indicator columns and coded values.

Tables keep short English column names and codes (stable for code and parquet); readers
of the compendium see Russian. One dictionary here keeps every report's wording the same.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from soko.config import subject_names

LEVEL_LABELS: dict[str, str] = {
    "region": "Регион",
    "municipality": "Муниципалитет",
    "school": "ОО",
}
ZONE_LABELS: dict[str, str] = {
    "deficit": "дефицит",
    "grey": "серая зона",
    "sufficient": "достаточно",
}
TASK_LEVEL_LABELS: dict[str, str] = {"Б": "базовый", "П": "повышенный"}
JOURNAL_OUTCOME_LABELS: dict[str, str] = {
    "lowered": "Понизили",
    "confirmed": "Подтвердили",
    "raised": "Повысили",
}
BOOL_LABELS: dict[bool, str] = {True: "да", False: "нет"}

COLUMN_LABELS: dict[str, str] = {
    # keys
    "level": "Уровень",
    "unit_code": "Код",
    "unit_name": "Наименование",
    "label": "Работа",
    "municipality_code": "Код МО",
    "school_code": "Код ОО",
    "school_name": "ОО",
    "municipality_name": "Муниципалитет",
    "year": "Год",
    "subject": "Предмет",
    "grade": "Класс",
    "class_label": "Класс (буква)",
    "variant": "Вариант",
    # marks
    "n_participants": "Участников",
    "n": "Участников с отметкой",
    "n_mark2": "«2», чел.",
    "n_mark3": "«3», чел.",
    "n_mark4": "«4», чел.",
    "n_mark5": "«5», чел.",
    "share_mark2": "«2», %",
    "share_mark3": "«3», %",
    "share_mark4": "«4», %",
    "share_mark5": "«5», %",
    "success_rate": "Успеваемость, %",
    "quality_rate": "Качество знаний, %",
    "mean_primary_score": "Средний первичный балл",
    "max_primary_score": "Максимальный первичный балл",
    "mean_score_share": "Средний первичный балл, % от максимального",
    # tasks
    "task": "Задание",
    "task_order": "№ п/п",
    "task_level": "Уровень сложности",
    "max_score": "Максимальный балл",
    "points": "Сумма баллов",
    "completion": "Выполнение, %",
    "zone": "Зона",
    # journal
    "n_lowered": "Понизили, чел.",
    "n_confirmed": "Подтвердили, чел.",
    "n_raised": "Повысили, чел.",
    "n_large_gap": "Расхождение на 2 и более балла, чел.",
    "n_no_journal": "Нет отметки по журналу, чел.",
    "share_lowered": "Понизили, %",
    "share_confirmed": "Подтвердили, %",
    "share_raised": "Повысили, %",
    "share_large_gap": "Расхождение на 2 и более балла, %",
    # scores
    "primary_score": "Первичный балл",
    "n_students": "Участников с этим баллом",
    "share": "Доля участников, %",
    # dynamics and suppression
    "prev_year": "Предыдущий год",
    "n_prev": "Участников в предыдущем году",
    "negative_dynamics": "Отрицательная динамика",
    "suppressed": "Скрыто (малая группа)",
}

# What ``n`` means differs by table; the generic label above fits marks.
KIND_LABELS: dict[str, dict[str, str]] = {
    "marks": {},
    "tasks": {"n": "Участников"},
    "journal": {"n": "Участников с обеими отметками"},
    "scores": {"n": "Участников с баллом"},
}

# Columns holding a share (0–1) shown as a percentage; ``share_*`` is matched by prefix.
SHARE_COLUMNS: frozenset[str] = frozenset(
    {"success_rate", "quality_rate", "completion", "mean_score_share", "share"}
)

# Suffixes that ``soko.indicators.add_dynamics`` appends.
_PREV, _CHANGE = "_prev", "_change"


def base_column(column: str) -> str:
    """``share_mark2_change`` → ``share_mark2``: the indicator a derived column is about."""
    for suffix in (_PREV, _CHANGE):
        if column.endswith(suffix) and column != "n_prev":
            return column.removesuffix(suffix)
    return column


def is_share(column: str) -> bool:
    """Whether the column (or the indicator it derives from) is a 0–1 share."""
    base = base_column(column)
    return base in SHARE_COLUMNS or base.startswith("share_")


def column_label(column: str, kind: str | None = None) -> str:
    """Russian label of a column; unknown columns keep their name."""
    labels = {**COLUMN_LABELS, **KIND_LABELS.get(kind or "", {})}
    if column in labels:
        return labels[column]
    base = base_column(column)
    if base == column or base not in labels:
        return column
    label = labels[base]
    if column.endswith(_PREV):
        return f"{label} (предыдущий год)"
    if is_share(base):
        return f"{label.removesuffix(', %')}: изменение, п. п."
    return f"{label}: изменение"


def rename_columns(table: pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """Copy of ``table`` with Russian column headers (``kind``: marks, tasks, journal,
    scores — picks the right wording for ``n``)."""
    return table.rename(columns={c: column_label(c, kind) for c in table.columns})


def subject_labels() -> dict[str, str]:
    """Subject code → name from ``config/vpr_scales.yml``, plus the codes only another
    procedure's configuration names (e.g. НИКО's literature in ``config/niko.yml``)."""
    return subject_names()


def value_labels(subjects: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """Column → (code → Russian label) for coded columns shown to readers."""
    return {
        "level": LEVEL_LABELS,
        "zone": ZONE_LABELS,
        "subject": dict(subject_labels() if subjects is None else subjects),
    }
