"""What the rating page says and draws: the rule in force, a plain summary, the chart of places
with their intervals and the table under it (the template only calls these)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from soko.ratings.tables import LEVELS
from soko.settings.ratings import Level, RatingsFile
from soko.suppression import format_signed

STANDARDISE_NAMES = {
    "z": "z-оценка: (значение − среднее) / стандартное отклонение по оценённым единицам года",
    "percentile": "процентильный ранг среди оценённых единиц года (от 0 до 1)",
}
SOURCE_NAMES = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "value_added": "добавленная ценность"}
UNIT_WORDS = {"schools": ("школа", "школ"), "municipalities": ("муниципалитет", "муниципалитетов")}
GROUP_COLORS = ("#1f618d", "#e67e22")  # groups alternate, so their borders are visible
OTHER_COLOR = "#c8ccd0"

NOT_REAL = (
    "**Как читать рейтинг.** Место вычислено по результатам одного года, а в каждой школе "
    "пишут работы конкретные обучающиеся: с другим набором обучающихся той же школы место "
    "было бы другим. Отрезок на графике — интервал места: в какие места школа попадает в "
    "{level:.0%} пересчётов с заново выбранными обучающимися. Если интервалы двух школ "
    "перекрываются, разница между их местами может быть случайной: школа на 12-м месте не "
    "обязательно лучше школы на 15-м. Поэтому места объединены в группы неразличимых мест "
    "(цвета групп чередуются): внутри группы порядок школ не означает реальной разницы, "
    "различаются только группы."
)
GROUP_RULE = (
    "**Правило групп.** Единицы просматриваются от первого места вниз; первая, ещё не "
    "попавшая в группу, открывает новую группу; следующие входят в неё, пока их интервал "
    "места пересекается с интервалом первой единицы группы (или их композит равен "
    "композиту предыдущей); первая, чей интервал начинается ниже, открывает следующую "
    "группу. Единицы с одинаковыми результатами всегда в одной группе."
)


def settings_level(settings: RatingsFile, level: str) -> Level:
    return getattr(settings, level)


def rule_text(settings: RatingsFile, level: str) -> str:
    """The rule in force, generated from config/ratings.yml (so any change shows)."""
    cfg = settings_level(settings, level)
    total = sum(c.weight for c in cfg.components)
    lines = [
        f"**Действующее правило** (config/ratings.yml). Композит — средневзвешенное "
        f"стандартизованных показателей ({STANDARDISE_NAMES[cfg.standardise]}); показатель "
        "«меньше — лучше» входит с обратным знаком:",
        "",
    ]
    for c in cfg.components:
        direction = "больше — лучше" if c.direction == "higher" else "меньше — лучше"
        lines.append(
            f"- {c.title} ({SOURCE_NAMES[c.source]}): вес {c.weight / total:.0%}, {direction}"
        )
    lines += [
        "",
        f"Показатель учитывается, если за ним не меньше {settings.min_students} результатов "
        "обучающихся; если каких-то показателей у единицы нет (например, в начальной школе нет "
        "ОГЭ и ЕГЭ), веса имеющихся нормируются заново; место получает единица, у которой "
        f"учтённые показатели весят не меньше {settings.min_weight_share:.0%} суммы весов. "
        f"Интервал места — {settings.interval:.0%}-й перцентильный интервал по "
        f"{settings.bootstrap.replicates} бутстреп-репликам (обучающиеся переизвлекаются "
        "внутри каждой работы школы; добавленная ценность — по её стандартной ошибке).",
    ]
    return "\n".join(lines)


def year_rows(table: pd.DataFrame, year: int, municipality: str | None = None) -> pd.DataFrame:
    rows = table[table["year"] == year]
    if municipality is not None and "municipality_code" in rows:
        rows = rows[rows["municipality_code"] == municipality]
    return rows.reset_index(drop=True)


def summary(rows: pd.DataFrame, level: str, unit_name: str, year: int) -> str:
    """How many units are placed, how many groups they form and how wide the intervals are."""
    many = UNIT_WORDS[level][1]
    rated = rows[rows["place"].notna()]
    if rated.empty:
        return f"{unit_name}, {year}: нет {many} с достаточным числом результатов для рейтинга."
    width = (rated["place_high"] - rated["place_low"]).astype(float) + 1
    sizes = rated.groupby("group").size()
    text = (
        f"{unit_name}, {year} год: оценено {many} — {len(rated)}; они образуют "
        f"{len(sizes)} групп(ы) неразличимых мест; в самой большой группе {sizes.max()}. "
        f"Интервал места в среднем (медиана) охватывает {width.median():.0f} мест."
    )
    unrated = len(rows) - len(rated)
    if unrated:
        text += f" Без места (мало результатов): {unrated}."
    return text


def caterpillar(
    rows: pd.DataFrame,
    level: str,
    *,
    highlight: str | None = None,
    title: str = "",
) -> Figure:
    """Places with their intervals, best at the top; groups in alternating colours.

    On a municipality's page its schools are coloured and the rest of the region is grey,
    so a reader sees where they stand among all schools.
    """
    code, name = LEVELS[level]
    data = rows[rows["place"].notna()].sort_values(["place", code], kind="stable")
    data = data.reset_index(drop=True)
    n = len(data)
    height = min(max(2.5, 0.22 * n + 1.2), 14.0)
    fig, ax = plt.subplots(figsize=(9, height))
    y = np.arange(n)
    colors = [GROUP_COLORS[int(g) % 2] for g in data["group"]]
    if highlight is not None:
        mine = (data["municipality_code"] == highlight).to_numpy()
        colors = [c if m else OTHER_COLOR for c, m in zip(colors, mine, strict=True)]
    low = data["place_low"].astype(float).to_numpy()
    high = data["place_high"].astype(float).to_numpy()
    ax.hlines(y, low, high, colors=colors, lw=2.2 if n <= 60 else 1.0)
    ax.scatter(data["place"].astype(float), y, c=colors, s=22 if n <= 60 else 6, zorder=3)
    if n <= 60:
        ax.set_yticks(y)
        ax.set_yticklabels([_short(v) for v in data[name]], fontsize=8)
    else:
        ax.set_yticks([])
        ax.set_ylabel(f"{UNIT_WORDS[level][1]}, по месту")
    ax.invert_yaxis()
    ax.set_xlabel("место (1 — лучшее) и его интервал")
    ax.set_xlim(0.5, max(n, 1) + 0.5)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _short(text: str, width: int = 38) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def table_for_page(rows: pd.DataFrame, settings: RatingsFile, level: str) -> pd.DataFrame:
    """The table under the chart, formatted and with Russian headers (also the CSV)."""
    code, name = LEVELS[level]
    cfg = settings_level(settings, level)
    out = pd.DataFrame()
    out["Место"] = [_place(p) for p in rows["place"]]
    out["Интервал места"] = [
        "—" if pd.isna(lo) else f"{int(lo)}–{int(hi)}"
        for lo, hi in zip(rows["place_low"], rows["place_high"], strict=True)
    ]
    out["Группа"] = [g if g else "—" for g in rows["group_label"].fillna("")]
    out["Код"] = rows[code].astype(str)
    out["Название"] = rows[name].astype(str)
    if level == "schools":
        out["Муниципалитет"] = rows["municipality_name"].astype(str)
    out["Композит"] = [format_signed(v, 2) for v in rows["composite"]]
    for c in cfg.components:
        digits = 1 if c.measure in ("mean_score",) else 2
        pct = c.measure in ("score_share", "share_mark2", "share_mark45")
        out[c.title] = [_pct(v) if pct else format_signed(v, digits) for v in rows[c.id]]
    out["Результатов"] = rows["n"].astype(int).astype(str)
    out["Примечание"] = rows["note"].fillna("")
    return out


def _place(value: object) -> str:
    return "—" if pd.isna(value) else str(int(value))  # type: ignore[arg-type]


def _pct(value: object) -> str:
    if pd.isna(value):  # type: ignore[arg-type]
        return "—"
    return f"{100 * float(value):.1f} %".replace(".", ",")  # type: ignore[arg-type]


def audience_note(settings: RatingsFile) -> str:
    if settings.audience == "internal":
        return (
            "*Внутренний материал: рейтинг называет школы, а разница в несколько мест "
            "статистически не значима; публикация — только если config/ratings.yml "
            "разрешает (`audience: public`).*"
        )
    return "*Рейтинг разрешён к публикации (config/ratings.yml: `audience: public`).*"
