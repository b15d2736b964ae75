"""The evidence behind a marker, in Russian: what was seen, against what the region shows.

A methodist reading the list must see why a school is on it without reading the statistics:
each signal that reached ``evidence_z`` becomes one clause with the school's figure, the
region's figure and the signal's z, strongest first.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd


def num(value: float, digits: int = 1) -> str:
    """A number the Russian way: decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",").replace("-", "−")


def signed(value: float, digits: int = 2) -> str:
    """A signed number the Russian way: +0,45 / −0,10."""
    return ("+" if value >= 0 else "") + num(value, digits)


def pct(share: float) -> str:
    return f"{num(100 * share, 0)} %"


def _z(row: pd.Series, signal: str) -> str:
    return f"z = {num(row[f'{signal}_z'])}"


def _bunching(row: pd.Series) -> str:
    return (
        f"на порогах отметок и на балл выше — {int(row['bunching_above'])} из "
        f"{int(row['bunching_window'])} участников, набравших баллы рядом с порогами, при "
        f"ожидаемых {num(row['bunching_expected'])} ({_z(row, 'bunching')})"
    )


def _journal_above(row: pd.Series) -> str:
    return (
        f"отметка в журнале выше отметки ВПР у {pct(row['share_journal_above_vpr'])} "
        f"участников при {pct(row['region_share_journal_above_vpr'])} по региону"
        f"{_usual_gap(row)} ({_z(row, 'journal_above_vpr')})"
    )


def _vpr_above(row: pd.Series) -> str:
    return (
        f"отметка ВПР выше отметки в журнале у {pct(row['share_vpr_above_journal'])} "
        f"участников при {pct(row['region_share_vpr_above_journal'])} по региону"
        f"{_usual_gap(row)} ({_z(row, 'vpr_above_journal')})"
    )


def _usual_gap(row: pd.Series) -> str:
    """The school's own gap against its usual one, when its other works give one."""
    usual = row.get("journal_school_usual_gap")
    if _missing(usual) or _missing(row.get("journal_gap")):
        return ""
    return (
        f"; средняя разница «журнал − ВПР» {signed(row['journal_gap'])} балла при обычной для "
        f"этой школы {signed(usual)}"
    )


def _difficulty(row: pd.Series) -> str:
    return (
        f"задания базового уровня выполнены на {pct(row['basic_completion'])} (по региону "
        f"{pct(row['region_basic_completion'])}), повышенного — на "
        f"{pct(row['advanced_completion'])} (по региону {pct(row['region_advanced_completion'])}): "
        f"при том же первичном балле трудные задания решены лучше, а лёгкие хуже, чем в регионе "
        f"({_z(row, 'inverted_difficulty')})"
    )


def _expectation(row: pd.Series) -> str:
    return (
        f"средний результат на {num(row['level_residual'], 2)} стандартного отклонения выше "
        f"ожидаемого с учётом ИСБШ, вида школы и результатов школы на ОГЭ, ЕГЭ и РПР "
        f"({_z(row, 'above_expectation')})"
    )


def _jump(row: pd.Series) -> str:
    where = "соседние годы" if row["jump_neighbours"] > 1 else "соседний год"
    return (
        f"результат на {num(row['jump'], 2)} стандартного отклонения выше, чем в {where} "
        f"({_z(row, 'jump_reversion')})"
    )


def _similarity(row: pd.Series) -> str:
    return (
        f"в классе {row['similarity_class']} {int(row['similarity_observed'])} пар работ из "
        f"{int(row['similarity_pairs'])} почти совпадают по баллам за задания (расходятся не "
        f"более чем в {_tasks(int(row['similarity_max_diff']))}) при ожидаемых "
        f"{num(row['similarity_expected'])} ({_z(row, 'answer_similarity')})"
    )


def _tasks(count: int) -> str:
    """«одном задании», «2 заданиях» (prepositional case after «в»)."""
    return "одном задании" if count == 1 else f"{count} заданиях"


def _person_fit(row: pd.Series) -> str:
    return (
        f"много неправдоподобных сочетаний баллов за задания: средний индекс согласованности "
        f"lz {num(row['lz_mean'], 2)} при {num(row['region_lz_mean'], 2)} по региону "
        f"({_z(row, 'person_fit')})"
    )


CLAUSES: dict[str, Callable[[pd.Series], str]] = {
    "bunching": _bunching,
    "journal_above_vpr": _journal_above,
    "vpr_above_journal": _vpr_above,
    "inverted_difficulty": _difficulty,
    "above_expectation": _expectation,
    "jump_reversion": _jump,
    "answer_similarity": _similarity,
    "person_fit": _person_fit,
}


def evidence_text(row: pd.Series, min_z: float) -> str:
    """Clauses for every signal of the row with z ≥ ``min_z``, strongest first; the single
    strongest one even when none reaches ``min_z``."""
    found = [
        (float(row[f"{s}_z"]), s)
        for s in CLAUSES
        if f"{s}_z" in row.index and not _missing(row[f"{s}_z"])
    ]
    found.sort(reverse=True)
    chosen = [s for z, s in found if z >= min_z] or [s for _, s in found[:1]]
    text = "; ".join(CLAUSES[s](row) for s in chosen)
    return text[:1].upper() + text[1:] + "." if text else ""


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
