"""What the objectivity pages show: the method in brief, shares of schools with markers,
the marked schools with their evidence, the federal-shape table and the evidence views.

Objectivity material is INTERNAL (pages.yml ``audience: internal``): it names schools. The
helpers read only the derived tables ``objectivity_signals``, ``objectivity_markers`` and
``objectivity_evidence`` (units, schools and cells, never students) and suppress every group
of students under ``min_group()``; the notebook only filters and calls them, so the logic is
tested here (tests/test_objectivity_report.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from soko.commentary import plural
from soko.config import min_group
from soko.labels import subject_labels
from soko.objectivity.evidence_tables import MARKS
from soko.objectivity.settings import SIGNALS, Settings, load_settings
from soko.plots import work_label
from soko.suppression import DASH, NBSP, format_count, format_number, format_percent

# Short names of the signals, as a column of the list of marked schools shows them.
SIGNAL_LABELS: dict[str, str] = {
    "bunching": "скопление результатов на порогах отметок",
    "journal_above_vpr": "отметки в журнале выше отметок ВПР",
    "vpr_above_journal": "отметки ВПР выше отметок в журнале",
    "inverted_difficulty": "трудные задания выполнены лучше лёгких",
    "above_expectation": "результат выше ожидаемого",
    "jump_reversion": "скачок результата с возвратом",
    "answer_similarity": "совпадающие работы в классе",
    "person_fit": "неправдоподобные сочетания баллов за задания",
}
# What each signal means, for the method section (docs/objectivity.md has the statistics).
SIGNAL_TEXTS: dict[str, str] = {
    "bunching": (
        "Непривычно много участников набрали ровно пороговый балл отметки или на балл больше, "
        "а чуть ниже порога почти никого: так выглядит «дотягивание» работ до отметки при "
        "проверке. Сравнение — с плавным распределением баллов этой же школы."
    ),
    "journal_above_vpr": (
        "Текущие отметки по предмету (журнал) заметно выше отметок за ВПР — сильнее, чем в "
        "других школах региона и чем обычно в этой школе: признак завышения текущих отметок."
    ),
    "vpr_above_journal": (
        "Отметки за ВПР заметно выше текущих отметок, которые ставят учителя школы: признак "
        "завышения результатов ВПР (подсказки, мягкая проверка)."
    ),
    "inverted_difficulty": (
        "При том же первичном балле задания повышенного уровня выполнены лучше, а базового — "
        "хуже, чем в регионе (критерий «б» Рособрнадзора): так бывает при подсказках на "
        "трудных заданиях."
    ),
    "above_expectation": (
        "Средний результат заметно выше ожидаемого с учётом индекса социального благополучия "
        "школы (ИСБШ), вида школы, местности и результатов школы на ОГЭ, ЕГЭ и РПР "
        "(критерий «а» Рособрнадзора)."
    ),
    "jump_reversion": (
        "Результат работы резко выше, чем в этой же школе в соседние годы (у других классов), "
        "и затем возвращается к обычному уровню."
    ),
    "answer_similarity": (
        "В классе много пар работ, почти совпадающих по баллам за задания, — больше, чем "
        "ожидается при самостоятельной работе участников с такими же первичными баллами: "
        "признак списывания или диктовки ответов."
    ),
    "person_fit": (
        "Много работ, где баллы за отдельные задания плохо согласуются с общим баллом "
        "(трудные решены, лёгкие нет): средний индекс согласованности lz ниже, чем по региону."
    ),
}
NOT_A_VERDICT = (
    "**Признак — основание проверить, а не вывод о нарушении.** Каждая цифра, по которой он "
    "поставлен, приведена в обосновании; у честно работающей школы признак может появиться "
    "случайно (см. раздел о чувствительности метода), а необычный результат может иметь "
    "обычную причину (сильный класс, смена учителя, особенности контингента)."
)
DOCS = "docs/objectivity.md"


def settings() -> Settings:
    """The screen's settings in force (config/objectivity.yml): the page quotes them."""
    return load_settings()


def signal_label(code: object) -> str:
    """Russian short name of a signal code (unknown codes as they are)."""
    return SIGNAL_LABELS.get(str(code), str(code))


def signals_table() -> pd.DataFrame:
    """Signal → what it means, in the screen's order."""
    return pd.DataFrame(
        {
            "Сигнал": [SIGNAL_LABELS[s][:1].upper() + SIGNAL_LABELS[s][1:] for s in SIGNALS],
            "Что означает": [SIGNAL_TEXTS[s] for s in SIGNALS],
        }
    )


def chance_rate(marker_z: float) -> float:
    """One-sided p of the marker bar: the share of honest works marked by chance."""
    return 0.5 * math.erfc(float(marker_z) / math.sqrt(2.0))


def method_text(cfg: Settings) -> str:
    """How signals become a marker, with the numbers of the config in force."""
    p = chance_rate(cfg.marker_z)
    return (
        "Каждый сигнал сравнивает работу школы (год, предмет, класс) с результатами региона "
        "по той же работе и выражен числом z: около нуля — как у большинства школ, чем больше, "
        "тем необычнее результат именно в подозрительную сторону. Работы, которые писали "
        f"менее {cfg.unit_n} участников школы, не оцениваются. Сигналы работы объединяются в "
        "один индекс (взвешенная комбинация Коши: один сильный сигнал или несколько умеренных "
        "согласных). **Признак необъективности ставится работе, когда индекс достигает "
        f"z ≥ {format_number(cfg.marker_z)}** (настройка `marker.index_z` в "
        f"`config/objectivity.yml`): при честной работе так бывает примерно в "
        f"{format_percent(p)} случаев. В обосновании перечислены сигналы с "
        f"z ≥ {format_number(cfg.evidence_z)} (или самый сильный), с цифрами школы и региона."
    )


# --- shares of schools with markers ---------------------------------------------------


def shares_text(cfg: Settings) -> str:
    """What the share of schools with markers counts (the denominator in particular)."""
    return (
        "Доля школ с признаками — школы, у которых хотя бы одна работа года получила признак, "
        "среди школ, где оценена хотя бы одна работа (школы, все работы которых писали менее "
        f"{cfg.unit_n} участников, признака получить не могут и в расчёт не входят). В скобках "
        "— сколько школ с признаками из скольких оценённых."
    )


def evidence_guide() -> str:
    """How to read the three views of a marked work."""
    return (
        "**Как читать обоснование.** Для каждой работы с признаком — три вида данных. "
        "*Распределение первичных баллов*: столбцы — участники школы, линия — распределение "
        "региона в пересчёте на число участников школы, штриховые линии — пороги отметок «3», "
        "«4», «5»; пики ровно на пороге и на балл выше при пустых баллах чуть ниже порога — "
        "признак «дотягивания». *Выполнение заданий*: слева — задания базового и повышенного "
        "уровня, школа и регион; справа — каждое задание, от самого лёгкого для региона к "
        "самому трудному; у честных результатов выполнение падает вместе с региональным, "
        "трудные задания, решённые лучше лёгких, — признак подсказок. *Отметки в журнале и за "
        "ВПР*: сколько участников с каждой отметкой в журнале получили каждую отметку за ВПР и "
        "у какой доли отметка ВПР ниже журнальной — в школе и в регионе. Группы менее "
        f"{min_group()} участников не показываются."
    )


def has_year(table: pd.DataFrame, year: int) -> bool:
    """Whether the screen has results for ``year`` (a year of ВПР may predate it)."""
    return not table.empty and bool((table["year"] == int(year)).any())


def missing_year_text(table: pd.DataFrame, year: int) -> str:
    """Why a page of ``year`` lists nothing: the screen has no results for that year."""
    years = sorted(int(y) for y in table["year"].unique()) if not table.empty else []
    if not years:
        return "Оценки объективности в данных нет."
    have = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    return f"За {year} год оценки объективности нет (есть за {have})."


def report_years(markers: pd.DataFrame, year: int, span: int = 3) -> list[int]:
    """The report year and the years before it that have data, at most ``span`` of them."""
    years = sorted(int(y) for y in markers["year"].unique() if int(y) <= int(year))
    return years[-span:]


def municipality_shares(
    markers: pd.DataFrame,
    years: Sequence[int],
    *,
    region_code: str,
    region_name: str,
    order: Sequence[str] = (),
) -> pd.DataFrame:
    """Per municipality and year (and the region): ``n_schools`` with at least one judged
    work, ``n_marked`` of them with at least one marker, ``share`` = n_marked / n_schools
    (NaN without judged schools). Every municipality of those years gets every year.

    The denominator leaves out schools the screen could not judge (all works under the
    minimum size): they cannot get a marker, and counting them would dilute the share.
    """
    rows = markers[markers["year"].isin([int(y) for y in years])]
    judged = rows[rows["n_works"].fillna(0) > 0].assign(
        marked=lambda d: (d["n_markers"].fillna(0) > 0).astype("int64")
    )
    names = (
        rows.drop_duplicates("municipality_code")
        .set_index("municipality_code")["municipality_name"]
        .astype(str)
    )
    ranks = {str(c): i for i, c in enumerate(order)}
    codes = sorted(names.index.astype(str), key=lambda c: (ranks.get(c, len(ranks)), c))
    grid = pd.MultiIndex.from_product([codes, [int(y) for y in years]], names=["code", "year"])
    per = judged.groupby([judged["municipality_code"].astype(str), "year"])["marked"].agg(
        ["size", "sum"]
    )
    per.index.names = ["code", "year"]
    per = per.reindex(grid, fill_value=0).reset_index()
    whole = (
        judged.groupby("year")["marked"]
        .agg(["size", "sum"])
        .reindex([int(y) for y in years], fill_value=0)
    )
    region = pd.DataFrame(
        {
            "level": "region",
            "unit_code": str(region_code),
            "unit_name": region_name,
            "year": whole.index.astype("int64"),
            "n_schools": whole["size"].to_numpy(),
            "n_marked": whole["sum"].to_numpy(),
        }
    )
    munis = pd.DataFrame(
        {
            "level": "municipality",
            "unit_code": per["code"].astype(str),
            "unit_name": per["code"].map(names).astype(str),
            "year": per["year"].astype("int64"),
            "n_schools": per["size"].to_numpy(),
            "n_marked": per["sum"].to_numpy(),
        }
    )
    out = pd.concat([region, munis], ignore_index=True)
    out["n_schools"] = out["n_schools"].astype("int64")
    out["n_marked"] = out["n_marked"].astype("int64")
    den = out["n_schools"].astype("float64")
    out["share"] = out["n_marked"] / den.where(den > 0)
    return out


def _share_cell(n_marked: int, n_schools: int, share: float) -> str:
    if n_schools == 0:
        return DASH
    return f"{format_percent(share)} ({n_marked} из {n_schools})"


def shares_table(shares: pd.DataFrame) -> pd.DataFrame:
    """Units × years, «25,0 % (2 из 8)» per cell; «—» where no school was judged.

    Counts here are schools, not students: no student group is shown."""
    years = sorted(int(y) for y in shares["year"].unique())
    units = shares.drop_duplicates("unit_code")[["unit_code", "unit_name"]]
    out: dict[str, Any] = {"Муниципалитет": units["unit_name"].tolist()}
    cells = {
        (str(c), int(y)): _share_cell(int(k), int(n), s)
        for c, y, k, n, s in shares[
            ["unit_code", "year", "n_marked", "n_schools", "share"]
        ].itertuples(index=False)
    }
    for year in years:
        out[str(year)] = [cells.get((str(c), year), DASH) for c in units["unit_code"]]
    return pd.DataFrame(out)


def shares_summary(shares: pd.DataFrame, year: int, unit_code: str, unit_name: str) -> str:
    """One sentence: how many of the unit's judged schools carry a marker in ``year``."""
    row = shares[(shares["unit_code"].astype(str) == str(unit_code)) & (shares["year"] == year)]
    if row.empty or int(row["n_schools"].iloc[0]) == 0:
        return f"{unit_name}: в {year} году нет школ с оценёнными работами."
    n = int(row["n_schools"].iloc[0])
    k = int(row["n_marked"].iloc[0])
    if k == 0:
        return (
            f"{unit_name}: в {year} году признаков необъективности нет ни у одной из {n} "
            f"{plural(n, 'школы', 'школ', 'школ')} с оценёнными работами."
        )
    return (
        f"{unit_name}: в {year} году признаки необъективности есть у {k} "
        f"{plural(k, 'школы', 'школ', 'школ')} из {n} с оценёнными работами "
        f"({format_percent(float(row['share'].iloc[0]))})."
    )


# --- marked schools and their evidence -------------------------------------------------


def unit_rows(table: pd.DataFrame, municipality: str | None) -> pd.DataFrame:
    if municipality is None:
        return table
    return table[table["municipality_code"].astype(str) == str(municipality)]


def strong_signals(row: pd.Series, min_z: float) -> list[str]:
    """The row's signals with z ≥ ``min_z``, strongest first; the strongest alone when none
    reaches it (as the evidence text quotes them)."""
    found = []
    for s in SIGNALS:
        z = row.get(f"{s}_z")
        if z is not None and not pd.isna(z):
            found.append((float(z), s))
    found.sort(reverse=True)
    chosen = [s for z, s in found if z >= min_z] or [s for _, s in found[:1]]
    return chosen


def marked_units(
    signals: pd.DataFrame, year: int, municipality: str | None = None, min_z: float | None = None
) -> pd.DataFrame:
    """Marked works of ``year`` (``marker`` = 1) with the school's number of markers that
    year (``school_markers``) and the quoted signals' Russian names (``signal_names``).

    Order: municipality, schools with more markers first, then by school and work."""
    if signals.empty or "marker" not in signals.columns:
        return signals.iloc[0:0].assign(school_markers=pd.Series(dtype="int64"))
    min_z = settings().evidence_z if min_z is None else min_z
    rows = signals[(signals["year"] == int(year)) & (signals["marker"].fillna(0) == 1)]
    rows = unit_rows(rows, municipality).copy()
    rows["school_markers"] = rows.groupby("school_code")["marker"].transform("size").astype("int64")
    rows["signal_names"] = [
        "; ".join(signal_label(s) for s in strong_signals(r, min_z)) for _, r in rows.iterrows()
    ]
    rows["label"] = [work_label(s, g) for s, g in zip(rows["subject"], rows["grade"], strict=True)]
    subjects = {code: i for i, code in enumerate(subject_labels())}
    rows["_subject"] = rows["subject"].map(subjects).fillna(len(subjects))
    rows["_markers"] = -rows["school_markers"]
    rows = rows.sort_values(
        ["municipality_code", "_markers", "school_name", "school_code", "grade", "_subject"],
        kind="stable",
    )
    return rows.drop(columns=["_subject", "_markers"]).reset_index(drop=True)


def _small(n: object) -> bool:
    return pd.isna(n) or int(n) < min_group()  # type: ignore[arg-type]


def _n_cell(n: object) -> str:
    return f"<{min_group()}" if _small(n) else format_count(n)


def marked_table(units: pd.DataFrame, *, with_municipality: bool) -> pd.DataFrame:
    """``marked_units`` as the page lists them. A work of fewer than ``min_group()``
    participants (possible only with a lowered config minimum) shows «<5» and no figures."""
    small = [_small(n) for n in units["n"]]
    shown: dict[str, Any] = {}
    if with_municipality:
        shown["Муниципалитет"] = units["municipality_name"].astype(str).tolist()
    shown["ОО"] = units["school_name"].fillna(units["school_code"]).astype(str).tolist()
    shown["Признаков у школы за год"] = units["school_markers"].map(format_count).tolist()
    shown["Работа"] = units["label"].tolist()
    shown["Участников"] = [_n_cell(n) for n in units["n"]]
    shown["Индекс, z"] = [
        DASH if s else format_number(z) for z, s in zip(units["index_z"], small, strict=True)
    ]
    shown["Сигналы"] = [
        DASH if s else str(t) for t, s in zip(units["signal_names"], small, strict=True)
    ]
    shown["Обоснование"] = [
        DASH if s else str(t) for t, s in zip(units["evidence"], small, strict=True)
    ]
    return pd.DataFrame(shown)


def marked_summary(units: pd.DataFrame, year: int, unit_name: str) -> str:
    """How many works and schools are marked in the unit this year."""
    if units.empty:
        return f"{unit_name}: в {year} году нет ни одной работы с признаком необъективности."
    works = len(units)
    schools = units["school_code"].nunique()
    several = int((units.drop_duplicates("school_code")["school_markers"] > 1).sum())
    text = (
        f"{unit_name}: в {year} году признак необъективности у {works} "
        f"{plural(works, 'работы', 'работ', 'работ')} в {schools} "
        f"{plural(schools, 'школе', 'школах', 'школах')}"
    )
    if several:
        text += f"; более одного признака — у {several} {plural(several, 'школы', 'школ', 'школ')}"
    return text + "."


# --- the federal-list shape ------------------------------------------------------------

_WORK_COLUMN = re.compile(r"^([a-z]+)_(\d+)$")


def work_columns(markers: pd.DataFrame) -> list[str]:
    """The 0/1 columns of ``objectivity_markers`` (``ru_4``, ``ma_5``, …), in table order."""
    return [c for c in markers.columns if _WORK_COLUMN.match(str(c))]


def subject_short(name: str) -> str:
    """«Русский язык» → «РЯ», «Математика» → «Мат»: compact headers for the wide table."""
    words = name.split()
    if len(words) > 1:
        return "".join(w[0].upper() for w in words)
    return name[:3].capitalize()


def work_header(column: str) -> str:
    """``ru_4`` → «РЯ 4»."""
    found = _WORK_COLUMN.match(column)
    if not found:
        return column
    subject, grade = found.groups()
    name = subject_labels().get(subject, subject)
    return f"{subject_short(name)}{NBSP}{grade}"


def abbreviations(markers: pd.DataFrame) -> str:
    """The legend of the wide table's headers: «РЯ — русский язык, Мат — математика …»."""
    seen: dict[str, str] = {}
    for column in work_columns(markers):
        subject = _WORK_COLUMN.match(column).groups()[0]  # type: ignore[union-attr]
        name = subject_labels().get(subject, subject)
        seen.setdefault(subject_short(name), name.lower())
    return ", ".join(f"{k} — {v}" for k, v in seen.items())


def federal_rows(markers: pd.DataFrame, year: int, municipality: str | None = None) -> pd.DataFrame:
    """``objectivity_markers`` rows of the year with at least one marker (more first)."""
    rows = markers[(markers["year"] == int(year)) & (markers["n_markers"].fillna(0) > 0)]
    rows = unit_rows(rows, municipality)
    return rows.sort_values(
        ["municipality_code", "n_markers", "school_name"],
        ascending=[True, False, True],
        kind="stable",
    ).reset_index(drop=True)


def federal_display(rows: pd.DataFrame, *, with_municipality: bool) -> pd.DataFrame:
    """The federal shape as shown: «1» where a work is marked, empty otherwise."""
    shown: dict[str, Any] = {}
    if with_municipality:
        shown["Муниципалитет"] = rows["municipality_name"].astype(str).tolist()
    shown["ОО"] = rows["school_name"].fillna(rows["school_code"]).astype(str).tolist()
    for column in work_columns(rows):
        shown[work_header(column)] = ["1" if v == 1 else "" for v in rows[column]]
    shown["Признаков"] = rows["n_markers"].map(format_count).tolist()
    shown["Оценено работ"] = rows["n_works"].map(format_count).tolist()
    return pd.DataFrame(shown)


def school_years(
    markers: pd.DataFrame, years: Sequence[int], municipality: str | None = None
) -> pd.DataFrame:
    """Schools × years: «2 из 19» (works with a marker of works judged), «—» where none
    was judged; schools with more markers over the years first."""
    rows = unit_rows(markers[markers["year"].isin([int(y) for y in years])], municipality)
    if rows.empty:
        return pd.DataFrame(columns=["ОО", *(str(y) for y in years)])
    total = rows.groupby("school_code")["n_markers"].sum()
    schools = rows.drop_duplicates("school_code").set_index("school_code")["school_name"]
    order = sorted(total.index, key=lambda c: (-int(total[c]), str(schools.get(c, c))))
    cells = {
        (str(c), int(y)): (DASH if int(w) == 0 else f"{int(k)} из {int(w)}")
        for c, y, k, w in rows[["school_code", "year", "n_markers", "n_works"]].itertuples(
            index=False
        )
    }
    out: dict[str, Any] = {"ОО": [str(schools.get(c, c)) for c in order]}
    for year in years:
        out[str(year)] = [cells.get((str(c), int(year)), DASH) for c in order]
    return pd.DataFrame(out)


def school_line(markers: pd.DataFrame, school_code: str, years: Sequence[int]) -> str:
    """«Работ с признаком: 2026 — 3 из 15 оценённых; 2025 — 1 из 15; 2024 — нет оценённых»:
    whether a school's markers repeat matters more than one marker."""
    rows = markers[markers["school_code"].astype(str) == str(school_code)].set_index("year")
    parts = []
    for year in sorted((int(y) for y in years), reverse=True):
        if year not in rows.index or int(rows.loc[year, "n_works"]) == 0:
            parts.append(f"{year} — нет оценённых работ")
            continue
        k, n = int(rows.loc[year, "n_markers"]), int(rows.loc[year, "n_works"])
        parts.append(f"{year} — {k} из {n} {plural(n, 'оценённой', 'оценённых', 'оценённых')}")
    return "Работ с признаком: " + "; ".join(parts) + "."


# --- one marked work's evidence --------------------------------------------------------


@dataclass(frozen=True)
class UnitEvidence:
    """The parts of ``objectivity_evidence`` for one school × year × subject × grade."""

    score: pd.DataFrame
    level: pd.DataFrame
    task: pd.DataFrame
    journal: pd.DataFrame


def unit_evidence(evidence: pd.DataFrame, unit: pd.Series) -> UnitEvidence:
    mask = (
        (evidence["year"] == int(unit["year"]))
        & (evidence["subject"].astype(str) == str(unit["subject"]))
        & (evidence["grade"] == int(unit["grade"]))
        & (evidence["school_code"].astype(str) == str(unit["school_code"]))
    )
    rows = evidence[mask]

    def part(name: str) -> pd.DataFrame:
        return rows[rows["part"] == name].reset_index(drop=True)

    return UnitEvidence(part("score"), part("level"), part("task"), part("journal"))


def _share_text(part: float, whole: float) -> str:
    return format_percent(float(part) / whole) if whole > 0 else DASH


def journal_table(journal: pd.DataFrame) -> pd.DataFrame | None:
    """Journal mark (rows) × ВПР mark (columns) counts of the school's participants with both
    marks, with each row's share whose ВПР mark is below the journal one, school and region.

    None when fewer than ``min_group()`` participants have both marks. A row (participants
    with one journal mark) under the minimum shows «<5» and no cells: it is a group too.
    """
    if journal.empty:
        return None
    n = journal["n"].iloc[0]
    if _small(n):
        return None
    limit = min_group()
    counts = journal.pivot_table(
        index="journal_mark", columns="mark", values="n_students", aggfunc="sum", fill_value=0
    ).reindex(index=list(MARKS), columns=list(MARKS), fill_value=0)
    region = journal.pivot_table(
        index="journal_mark", columns="mark", values="region_share", aggfunc="sum", fill_value=0.0
    ).reindex(index=list(MARKS), columns=list(MARKS), fill_value=0.0)
    rows = []
    for j in MARKS:
        total = int(counts.loc[j].sum())
        if total == 0:
            continue
        lower = float(counts.loc[j, [m for m in MARKS if m < j]].sum())
        r_total = float(region.loc[j].sum())
        r_lower = float(region.loc[j, [m for m in MARKS if m < j]].sum())
        row: dict[str, str] = {"Отметка в журнале": f"«{j}»", "Участников": format_count(total)}
        small = total < limit
        for m in MARKS:
            row[f"ВПР «{m}»"] = "" if small else format_count(int(counts.loc[j, m]))
        if small:
            row["Участников"] = f"<{limit}"
        row["ВПР ниже журнала"] = DASH if small else _share_text(lower, total)
        row["то же по региону"] = _share_text(r_lower, r_total)
        rows.append(row)
    return pd.DataFrame(rows)


def journal_summary(journal: pd.DataFrame) -> str:
    """Shares with the journal above and below ВПР, school against region."""
    if journal.empty:
        return "Отметок в журнале для этой работы нет."
    n = journal["n"].iloc[0]
    if _small(n):
        return (
            f"Отметки в журнале и за ВПР есть менее чем у {min_group()} участников: "
            "таблица не показывается."
        )
    n = int(n)
    above = journal["journal_mark"] > journal["mark"]
    below = journal["journal_mark"] < journal["mark"]
    school_above = float(journal.loc[above, "n_students"].sum()) / n
    school_below = float(journal.loc[below, "n_students"].sum()) / n
    region_above = float(journal.loc[above, "region_share"].sum())
    region_below = float(journal.loc[below, "region_share"].sum())
    return (
        f"Обе отметки есть у {format_count(n)} "
        f"{plural(n, 'участника', 'участников', 'участников')}. "
        f"Отметка в журнале выше отметки ВПР у {format_percent(school_above)} "
        f"(по региону {format_percent(region_above)}), ниже — у {format_percent(school_below)} "
        f"(по региону {format_percent(region_below)})."
    )


def evidence_line(unit: pd.Series) -> str:
    """The marker's evidence as the page prints it; none for a work of fewer than
    ``min_group()`` participants (possible only with a lowered config minimum)."""
    if _small(unit.get("n")):
        return f"Работу писали менее {min_group()} участников: обоснование не показывается."
    return f"**Обоснование.** {unit['evidence']}"


def unit_title(unit: pd.Series) -> str:
    """«Русский язык, 5 кл., 2026»."""
    return f"{work_label(unit['subject'], unit['grade'])}, {int(unit['year'])}"


# --- how often a marker comes by chance ------------------------------------------------


def chance_schools(works: np.ndarray, p: float) -> tuple[float, float]:
    """Expected shares of schools with ≥ 1 and ≥ 2 chance markers when every work of a school
    with ``works`` judged works is marked independently with probability ``p``."""
    w = np.asarray(works, dtype=float)
    none = (1.0 - p) ** w
    one = w * p * (1.0 - p) ** np.maximum(w - 1.0, 0.0)
    return float(np.mean(1.0 - none)), float(np.mean(1.0 - none - one))


# Measured on the demo regions with planted manipulations (docs/objectivity.md, «Measured
# detection power», sizes `demo` and `region`, seed 20260415, bar z ≥ 2.0). Quoted, not
# recomputed: the benchmark needs the planted truth, which the pipeline never reads. Update
# together with that section.
MEASURED_BAR = 2.0
MEASURED_POWER = (
    "На демонстрационных данных с заложенными нарушениями при пороге z ≥ 2,0 признак получили "
    "86–87 % работ, где нарушение затронуло не менее 5 участников, и 2–3 % работ школ без "
    "нарушений; у каждой школы в год нарушений был хотя бы один признак, но и у 26–31 % школ "
    "без нарушений за год есть хотя бы один признак, у 7–8 % — два и более. Хуже всего "
    "находятся нарушения, затронувшие немногих участников в небольших школах."
)


def power_note(cfg: Settings, markers: pd.DataFrame, year: int) -> str:
    """Measured detection power (quoted from docs/objectivity.md), then the chance markers
    expected at the bar in force for this year's numbers of judged works against the markers
    found: one marker alone is weak evidence, repeated ones are not."""
    text = MEASURED_POWER
    if abs(cfg.marker_z - MEASURED_BAR) > 1e-9:
        text += (
            f" Эти цифры — для порога {format_number(MEASURED_BAR)}; сейчас действует порог "
            f"{format_number(cfg.marker_z)}, цифры для других порогов — в том же разделе."
        )
    text += f" Подробно — `{DOCS}`, раздел об измеренной чувствительности."
    p = chance_rate(cfg.marker_z)
    rows = markers[(markers["year"] == int(year)) & (markers["n_works"].fillna(0) > 0)]
    if len(rows):
        works = rows["n_works"].to_numpy(dtype=float)
        one, two = chance_schools(works, p)
        n = len(rows)
        found_one = int((rows["n_markers"] > 0).sum())
        found_two = int((rows["n_markers"] > 1).sum())
        text += (
            f"\n\nПо региону в {year} году оценено в среднем "
            f"{format_number(float(works.mean()))} работы на школу. Если бы случайно признак "
            f"получали {format_percent(p)} работ (порог z ≥ {format_number(cfg.marker_z)}), "
            f"хотя бы один признак был бы примерно у {format_percent(one)} школ, два и более — "
            f"у {format_percent(two)}. Фактически хотя бы один признак у {found_one} из {n} "
            f"{plural(n, 'школы', 'школ', 'школ')} ({format_percent(found_one / n)}), два и "
            f"более — у {found_two} ({format_percent(found_two / n)})."
        )
    return text + (
        "\n\nПоэтому важны число признаков у школы, их повторение из года в год и сила "
        "обоснования, а не сам факт одного признака. Чтобы список был короче и надёжнее, порог "
        "можно поднять (`marker.index_z` в `config/objectivity.yml`)."
    )


def show(table: pd.DataFrame) -> None:
    """A formatted table (strings, Russian headers) as the pages' HTML table."""
    display(HTML(table.to_html(index=False, escape=True, classes="soko-table", border=0)))
