"""Short Russian commentary generated from the numbers, so prose never disagrees with tables.

Every function reads derived indicator rows and ignores groups under the suppression
minimum: a sentence must not reveal what a table hides.
"""

from __future__ import annotations

import pandas as pd

from soko.config import min_group, thresholds
from soko.plots import work_label
from soko.suppression import format_count, format_percent, format_pp


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian noun form for a count: 1 работа, 3 работы, 5 работ, 21 работа."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _big(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["n"].fillna(0) >= min_group()]


def _works(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(
        work=[work_label(s, g) for s, g in zip(table["subject"], table["grade"], strict=True)]
    )


def marks_summary(
    unit: pd.DataFrame,
    region: pd.DataFrame | None,
    unit_name: str,
    year: int,
    procedure: str = "ВПР",
) -> str:
    """Participation, success and quality of one unit (against the region, if given)."""
    u = _works(_big(unit[unit["year"] == year]))
    if u.empty:
        return (
            f"В {year} году по {unit_name} нет работ {procedure} с числом участников не менее "
            f"{min_group()}: показатели не приводятся."
        )
    n = int(u["n"].sum())
    text = [
        f"{unit_name}, {year} год: {format_count(n)} "
        f"{plural(n, 'результат', 'результата', 'результатов')} участников по {len(u)} "
        f"{plural(len(u), 'работе', 'работам', 'работам')} {procedure}."
    ]
    if region is not None:
        keys = ["subject", "grade"]
        r = _big(region[region["year"] == year])[[*keys, "quality_rate"]]
        joined = u.merge(r, on=keys, suffixes=("", "_region"), how="inner")
        above = joined[joined["quality_rate"] > joined["quality_rate_region"]]
        if len(joined):
            text.append(
                f"Качество знаний выше, чем в среднем по региону, в {len(above)} из "
                f"{len(joined)} {plural(len(joined), 'работы', 'работ', 'работ')}."
            )
    order = ["subject", "grade"]
    worst = u.sort_values(["share_mark2", *order], ascending=[False, True, True]).iloc[0]
    text.append(
        f"Наибольшая доля отметок «2» — {worst['work']}: {format_percent(worst['share_mark2'])} "
        f"(успеваемость {format_percent(worst['success_rate'])})."
    )
    best = u.sort_values(["quality_rate", *order], ascending=[False, True, True]).iloc[0]
    text.append(
        f"Наибольшее качество знаний — {best['work']}: {format_percent(best['quality_rate'])}."
    )
    return " ".join(text)


def dynamics_summary(unit: pd.DataFrame, year: int) -> str:
    """Changes since the previous year, naming negative dynamics (share of «2» up ≥ 10 pp)."""
    u = _works(_big(unit[unit["year"] == year]))
    u = u[u["prev_year"].notna() & (u["n_prev"].fillna(0) >= min_group())]
    if u.empty:
        return "Сравнение с прошлыми годами невозможно: нет данных за предыдущий год."
    up = u[u["quality_rate_change"] > 0]
    down = u[u["quality_rate_change"] < 0]
    rise = thresholds()["dynamics"]["negative_share2_rise_pp"]
    text = [
        f"По сравнению с предыдущим годом качество знаний выросло в {len(up)} и снизилось в "
        f"{len(down)} из {len(u)} {plural(len(u), 'работы', 'работ', 'работ')}."
    ]
    neg = u[u["negative_dynamics"].fillna(False).astype(bool)]
    if neg.empty:
        text.append(f"Отрицательной динамики (рост доли «2» на {rise} п. п. и более) нет.")
    else:
        items = ", ".join(
            f"{w} ({format_pp(c)})"
            for w, c in zip(neg["work"], neg["share_mark2_change"], strict=True)
        )
        text.append(f"Отрицательная динамика (рост доли «2» на {rise} п. п. и более): {items}.")
    return " ".join(text)


def task_deficits(tasks: pd.DataFrame, limit: int = 8) -> str:
    """Tasks in the deficit zone for one unit, one work."""
    t = _big(tasks).sort_values("task_order")
    if t.empty:
        return "Данных о выполнении заданий недостаточно для анализа."
    deficit = t[t["zone"] == "deficit"].sort_values("completion")
    grey = t[t["zone"] == "grey"]
    if deficit.empty:
        text = "Заданий в зоне дефицита нет."
    else:
        shown = deficit.head(limit)
        items = ", ".join(
            f"№ {task} ({format_percent(c, 0)})"
            for task, c in zip(shown["task"], shown["completion"], strict=True)
        )
        more = f" и ещё {len(deficit) - limit}" if len(deficit) > limit else ""
        text = f"В зоне дефицита {len(deficit)} из {len(t)} заданий: {items}{more}."
    if not grey.empty:
        text += f" В «серой зоне» (около порога): {', '.join('№ ' + x for x in grey['task'])}."
    return text


def journal_summary(journal: pd.DataFrame, procedure: str = "ВПР") -> str:
    """ВПР mark vs journal mark over all works of a unit (counts summed, then shares)."""
    j = _big(journal)
    if j.empty:
        return f"Сопоставить отметки {procedure} с отметками по журналу нельзя: мало данных."
    n = j["n"].sum()
    lowered, confirmed, raised = (j[f"n_{k}"].sum() / n for k in ("lowered", "confirmed", "raised"))
    gap = j["n_large_gap"].sum() / n
    text = (
        f"Отметку по журналу подтвердили {format_percent(confirmed)} участников, "
        f"понизили {format_percent(lowered)}, повысили {format_percent(raised)}."
    )
    if gap > 0:
        text += (
            f" Расхождение на {thresholds()['journal']['large_gap']} балла и более — "
            f"у {format_percent(gap)}: такие расхождения требуют внимания."
        )
    return text


def cross_summary(
    comparison: pd.DataFrame, earlier: str, later: str, metric: str = "mean_score_share"
) -> str:
    """How well one procedure's school results predict another's, and who falls furthest.

    Only schools with at least the suppression minimum in both procedures count.
    """
    limit = min_group()
    big = comparison[(comparison["n_earlier"] >= limit) & (comparison["n_later"] >= limit)]
    big = big.dropna(subset=[f"{metric}_earlier", f"{metric}_later"])
    if len(big) < 3:
        return (
            f"Школ с результатами {earlier} и {later} (не менее {limit} участников) слишком мало."
        )
    x = big[f"{metric}_earlier"].astype(float)
    y = big[f"{metric}_later"].astype(float)
    r = float(x.corr(y))
    strength = "сильная" if r >= 0.7 else "умеренная" if r >= 0.4 else "слабая"
    drop = (y - x).mean()
    n = len(big)
    text = (
        f"Сопоставлено {n} {plural(n, 'школа', 'школы', 'школ')}: связь результатов {earlier} и "
        f"{later} {strength} (r = {r:.2f}).".replace(f"{r:.2f}", f"{r:.2f}".replace(".", ","))
    )
    worst = big.assign(_gap=y - x).sort_values("_gap").iloc[0]
    if worst["_gap"] < drop - 0.15:
        text += (
            f" Сильнее всего результат {later} ниже результата {earlier} у школы "
            f"{worst.get('school_name', worst['school_code'])} "
            f"({format_pp(worst['_gap'])} при среднем {format_pp(drop)}): это повод проверить "
            f"объективность результатов {earlier}."
        )
    return text
