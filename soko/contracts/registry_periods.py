"""Rules of a registry with history that no row-by-row suite can state: periods of one school
do not overlap, a merged school's successor exists the year after, a renamed or moved school
continues in a next period; and, for a year's result files, a code valid in the registry but
not in that year (merged, closed, not yet opened) is rejected with the reason.

The registry office keeps the file by hand, so every message names the row and the column
(the registry's Russian header) and says what to write instead.
"""

from __future__ import annotations

import pandas as pd

from soko.config import region
from soko.readers.problems import Problem
from soko.school_registry import CLOSED, MERGED, MOVED, RENAMED, STATUSES, as_of, not_in_year_text

FROM, TO, STATUS, SUCCESSOR = "Действует с", "Действует по", "Статус", "Код ОО-правопреемника"
_NEEDS_END = (RENAMED, MOVED, MERGED, CLOSED)
_CONTINUES = (RENAMED, MOVED)


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _bounds(row: pd.Series) -> tuple[float, float]:
    lo = row["valid_from"]
    hi = row["valid_to"]
    return (-1.0 if pd.isna(lo) else float(lo), 99999.0 if pd.isna(hi) else float(hi))


def _covers(rows: pd.DataFrame, year: int) -> bool:
    return any(_bounds(r)[0] <= year <= _bounds(r)[1] for _, r in rows.iterrows())


def period_problems(staging: pd.DataFrame, everything: pd.DataFrame, file: str) -> list[Problem]:
    """Cross-row rules of one registry file; ``everything`` is every registry file's rows
    (a successor may be listed in another file)."""
    problems: list[Problem] = []

    def add(row: pd.Series, column: str, rule: str, message: str, value: object = None) -> None:
        text = None if value is None or pd.isna(value) else str(value)
        problems.append(Problem(file, int(row["source_row"]), column, rule, message, text))

    spans: dict[str, tuple[float, float]] = {}
    for p in region().municipality_periods:
        lo0, hi0 = spans.get(p.code, (99999.0, -1.0))
        start = -1.0 if p.valid_from is None else float(p.valid_from)
        end = 99999.0 if p.valid_to is None else float(p.valid_to)
        spans[p.code] = (min(lo0, start), max(hi0, end))
    by_code = {code: part for code, part in staging.groupby("school_code", sort=False)}
    all_by_code = {code: part for code, part in everything.groupby("school_code", sort=False)}
    for _, row in staging.iterrows():
        code = row["school_code"]
        status = None if pd.isna(row["status"]) else str(row["status"])
        successor = None if pd.isna(row["successor_code"]) else str(row["successor_code"])
        lo, hi = _bounds(row)
        if lo > hi:
            add(row, TO, "period_order", f"год «{TO}» раньше года «{FROM}»", row["valid_to_raw"])
            continue
        if pd.isna(code):
            continue
        for _, other in by_code[code].iterrows():
            if other["source_row"] == row["source_row"]:
                continue
            if _text(other["valid_from_raw"]) == _text(row["valid_from_raw"]):
                continue  # same first year: the uniqueness rule of the contract reports it
            olo, ohi = _bounds(other)
            if max(lo, olo) <= min(hi, ohi):
                add(
                    row,
                    FROM,
                    "periods_overlap",
                    f"период действия ОО {code} пересекается с периодом в строке "
                    f"{int(other['source_row'])}: у одной ОО периоды не должны пересекаться",
                    row["valid_from_raw"],
                )
                break
        span = spans.get(str(row["municipality_code"]))
        if span is not None and (lo < span[0] or hi > span[1]):
            first = "" if span[0] < 0 else f" с {int(span[0])}"
            last = "" if span[1] > 9999 else f" по {int(span[1])}"
            add(
                row,
                "Код МО",
                "municipality_in_period",
                f"муниципалитет {row['municipality_code']} по config/region.yml существует"
                f"{first}{last} год, а строка ОО действует и вне этих лет: разделите её на "
                f"периоды («{FROM}», «{TO}») по муниципалитетам",
                row["municipality_code"],
            )
        known_status = status in STATUSES
        if known_status and status in _NEEDS_END and pd.isna(row["valid_to"]):
            add(row, TO, "period_end_present", f"для статуса «{status}» укажите год «{TO}»")
            continue
        if successor is not None and status != MERGED:
            add(
                row,
                SUCCESSOR,
                "successor_only_if_merged",
                f"код ОО-правопреемника указывается только при статусе «{MERGED}»",
                successor,
            )
        if status == MERGED:
            if successor is None:
                add(
                    row,
                    SUCCESSOR,
                    "successor_present",
                    f"для статуса «{MERGED}» укажите код ОО-правопреемника",
                )
            elif successor == code:
                add(
                    row,
                    SUCCESSOR,
                    "successor_not_self",
                    "ОО не может быть правопреемником самой себя",
                    successor,
                )
            elif successor not in all_by_code or not _covers(all_by_code[successor], int(hi) + 1):
                add(
                    row,
                    SUCCESSOR,
                    "successor_known",
                    f"ОО-правопреемник {successor} не найдена в реестре на {int(hi) + 1} год",
                    successor,
                )
        if known_status and status in _CONTINUES and not _covers(by_code[code], int(hi) + 1):
            add(
                row,
                STATUS,
                "next_period_present",
                f"ОО со статусом «{status}» продолжает работу: добавьте строку с тем же кодом "
                f"и «{FROM}» {int(hi) + 1}",
                status,
            )
    return problems


def year_problems(
    codes: pd.Series,
    source_rows: pd.Series,
    registry: pd.DataFrame,
    year: int,
    file: str,
    column: str,
) -> list[Problem]:
    """A code the registry knows, in a file of a year it did not exist: one problem per row,
    saying what happened to the school (merged into …, closed, opened later)."""
    problems: list[Problem] = []
    valid = set(as_of(registry, year)["school_code"])
    reasons: dict[str, str | None] = {}
    for code, row in zip(codes, source_rows, strict=True):
        if pd.isna(code) or code in valid:
            continue
        if code not in reasons:
            reasons[code] = not_in_year_text(registry, str(code), int(year))
        reason = reasons[code]
        if reason is not None:
            problems.append(
                Problem(file, int(row), column, "school_code_valid_in_year", reason, str(code))
            )
    return problems


def rows_year_problems(frame: pd.DataFrame, registry: pd.DataFrame, column: str) -> list[Problem]:
    """:func:`year_problems` for a staging frame whose rows carry ``year``, ``school_code``,
    ``source_file`` and ``source_row`` (РЦОИ protocols, PISA, surveys)."""
    problems: list[Problem] = []
    years = pd.to_numeric(frame["year"], errors="coerce")
    for (file, year), part in frame.assign(_year=years).groupby(["source_file", "_year"]):
        codes, rows = part["school_code"], part["source_row"]
        problems += year_problems(codes, rows, registry, int(year), str(file), column)
    return problems
