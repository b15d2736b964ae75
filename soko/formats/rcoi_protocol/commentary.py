"""Short Russian commentary on a protocol kind's results, generated from the indicator rows.

Every sentence reads derived rows and ignores groups under the suppression minimum (and
changes whose earlier group was small), so prose never says what a table hides.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from soko.commentary import plural
from soko.config import min_group
from soko.formats.rcoi_protocol.indicators import high_score
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.suppression import format_count, format_number, format_percent, format_pp


def _big(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["n"].fillna(0) >= min_group()]


def _joined(items: list[str]) -> str:
    return ", ".join(items)


def _participants(u: pd.DataFrame, title: str, unit_name: str, year: int) -> str:
    n = int(u["n"].sum())
    k = u["subject"].nunique() if "subject" in u else len(u)  # ГВЭ: a subject in two grades
    return (
        f"{unit_name}, {title}-{year}: {format_count(n)} "
        f"{plural(n, 'результат', 'результата', 'результатов')} по {k} "
        f"{plural(k, 'предмету', 'предметам', 'предметам')}."
    )


def _nothing(title: str, unit_name: str, year: int) -> str:
    return (
        f"В {year} году по {unit_name} нет предметов {title} с числом участников не менее "
        f"{min_group()}: показатели не приводятся."
    )


def _versus_region(
    u: pd.DataFrame, region: pd.DataFrame | None, year: int, value: str
) -> pd.DataFrame:
    if region is None:
        return u.assign(**{f"{value}_region": float("nan")})
    keys = [k for k in ("subject", "grade") if k in u.columns and k in region.columns]
    r = _big(region[region["year"] == year])[[*keys, value]]
    return u.merge(r, on=keys, suffixes=("", "_region"), how="left")


def _by_subject(joined: pd.DataFrame, value: str, fmt: Callable[[float], str]) -> list[str]:
    """«предмет — значение (регион …)» for each subject; the region only where it is known."""
    parts = []
    for label, own, reg in zip(
        joined["label"], joined[value], joined[f"{value}_region"], strict=True
    ):
        part = f"{label} — {fmt(own)}"
        if pd.notna(reg):
            part += f" (регион {fmt(reg)})"
        parts.append(part)
    return parts


def marks_summary(
    kind: GiaKind, unit: pd.DataFrame, region: pd.DataFrame | None, unit_name: str, year: int
) -> str:
    """Participation, success per subject (against the region), the condition failures."""
    title = kind.title
    u = _big(unit[unit["year"] == year])
    if u.empty:
        return _nothing(title, unit_name, year)
    text = [_participants(u, title, unit_name, year)]
    parts = _by_subject(
        _versus_region(u, region, year, "success_rate"), "success_rate", format_percent
    )
    text.append(f"Успеваемость (доля отметок «3»–«5»): {_joined(parts)}.")
    worst = u.sort_values(["share_mark2", "subject"], ascending=[False, True]).iloc[0]
    text.append(
        f"Больше всего отметок «2» — {worst['label']}: {format_percent(worst['share_mark2'])}."
    )
    cond = u[u["n_condition_failed"].fillna(0) > 0]
    for row in cond.itertuples(index=False):
        text.append(
            f"{row.label}: {format_percent(row.share_condition_failed)} участников набрали "
            "баллы на «3», но не выполнили дополнительное условие шкалы (например, минимум "
            "по геометрии) и получили «2»."
        )
    return " ".join(text)


def scores_summary(
    kind: GiaKind, unit: pd.DataFrame, region: pd.DataFrame | None, unit_name: str, year: int
) -> str:
    """Participation, mean test scores (against the region), minimums and high scorers."""
    u = _big(unit[unit["year"] == year])
    if u.empty:
        return _nothing(kind.title, unit_name, year)
    text = [_participants(u, kind.title, unit_name, year)]
    parts = _by_subject(
        _versus_region(u, region, year, "mean_test_score"), "mean_test_score", format_number
    )
    text.append(f"Средний тестовый балл: {_joined(parts)}.")
    below = u[u["n_below_min"].fillna(0) > 0]
    if below.empty:
        text.append("Участников, не набравших минимального балла, нет.")
    else:
        items = [
            f"{r.label} — {format_percent(r.share_below_min)}"
            for r in below.sort_values("share_below_min", ascending=False).itertuples()
        ]
        text.append(f"Не набрали минимального балла: {_joined(items)}.")
    n_high, n_100 = int(u["n_high"].sum()), int(u["n_100"].sum())
    share_high = n_high / int(u["n"].sum())
    text.append(
        f"Высокобалльных результатов ({high_score(kind)}–100) — {format_count(n_high)} "
        f"({format_percent(share_high)} всех результатов)"
        + (f", из них 100 баллов — {format_count(n_100)}." if n_100 else ".")
    )
    return " ".join(text)


def dynamics_summary(
    unit: pd.DataFrame, year: int, value: str, what: str, *, higher_is_better: bool = True
) -> str:
    """How ``value`` changed per subject since the previous available year.

    ``what`` names the indicator in the nominative («успеваемость», «средний тестовый
    балл»). Shares are compared in percentage points, means in points.
    """
    u = _big(unit[unit["year"] == year])
    u = u[u["prev_year"].notna() & (u["n_prev"].fillna(0) >= min_group())]
    u = u[u[f"{value}_change"].notna()]
    if u.empty:
        return "Сравнение с прошлыми годами невозможно: нет данных за предыдущий год."
    change = u[f"{value}_change"]
    up, down = u[change > 0], u[change < 0]
    k = len(u)
    text = [
        f"Изменение за год ({what}): рост по {len(up)}, снижение по {len(down)} из {k} "
        f"{plural(k, 'предмета', 'предметов', 'предметов')}."
    ]
    share = value.startswith("share_") or value.endswith("_rate")
    fmt = format_pp if share else (lambda v: ("+" if v > 0 else "") + format_number(v))
    worse = down if higher_is_better else up
    if not worse.empty:
        key = f"{value}_change"
        worst = worse.sort_values(key, ascending=higher_is_better).iloc[0]
        text.append(
            f"Наибольшее ухудшение — {worst['label']}: {fmt(worst[key])} "
            f"(с {int(worst['prev_year'])} года)."
        )
    return " ".join(text)
