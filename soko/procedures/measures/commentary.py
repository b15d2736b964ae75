"""Russian prose of the measures pages, from the derived tables (tested, so the templates
stay thin): the register in brief, the method, what the effects say, the ШНОР roadmap."""

from __future__ import annotations

import math

import pandas as pd

from soko.commentary import plural
from soko.procedures.measures.settings import MeasuresBlock
from soko.procedures.measures.tables import IN_LIST, LEFT
from soko.suppression import format_signed

REGISTER_LABELS: dict[str, str] = {
    "municipality_name": "Муниципалитет",
    "school_name": "Школа",
    "kind_name": "Вид меры",
    "subject_name": "Предмет",
    "start_year": "Год начала",
    "end_year": "Год окончания",
    "addressee": "Адресат",
    "document": "Документ",
}
EFFECT_LABELS: dict[str, str] = {
    "kind_name": "Вид меры",
    "outcome_name": "Результат",
    "unit_name": "Территория",
    "n_treated": "Школ с мерой",
    "n_control": "Сопоставимых школ",
    "naive_change": "Изменение «до — после», п.п.",
    "effect": "Эффект (разность разностей), п.п.",
    "ci_low": "95 % интервал: от",
    "ci_high": "до",
    "verdict": "Вывод",
}
ROADMAP_LABELS: dict[str, str] = {
    "municipality_name": "Муниципалитет",
    "school_name": "Школа",
    "status": "Статус",
    "years_in_list": "Годы в списке ШНОР",
    "measures": "Меры в реестре",
}


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """Marked as checked for small groups: these tables count schools and their measures,
    not students, so there is nothing to suppress (``soko.suppression.format_table``)."""
    return table.assign(suppressed=False).reset_index(drop=True)


def register_until(register: pd.DataFrame, year: int) -> pd.DataFrame:
    """The measures started in ``year`` or earlier (the register as it stood that year);
    years as text, so the table does not print them as counts («2 025»)."""
    rows = register[register["start_year"] <= int(year)]
    years = {c: rows[c].astype("Int64").astype("string") for c in ("start_year", "end_year")}
    return _shown(rows.assign(**years))


def roadmap_rows(roadmap: pd.DataFrame, year: int) -> pd.DataFrame:
    """The roadmap of one year: ШНОР of the year and the schools that left the list."""
    return _shown(roadmap[roadmap["year"] == int(year)])


def register_summary(register: pd.DataFrame, year: int, where: str = "в регионе") -> str:
    """How many measures, of which kinds, for how many schools; ``register`` already cut to
    the page's unit."""
    reg = register_until(register, year)
    if reg.empty:
        return (
            f"В реестре мер {where} нет ни одной меры, начатой в {year} году или раньше: "
            "оценить результативность мер нельзя (решение 001_* §5 требует её оценки). "
            "Заполните форму реестра (`soko forms --year`)."
        )
    n = len(reg)
    schools = reg["school_code"].dropna().nunique()
    wide = int(reg["school_code"].isna().sum())
    kinds = reg.groupby("kind_name", sort=False).size().sort_values(ascending=False)
    listed = "; ".join(f"«{k}» — {v}" for k, v in kinds.items())
    text = (
        f"В реестре {where} {n} {plural(n, 'мера', 'меры', 'мер')}, начатых до {year} года "
        f"включительно: {listed}. Меры адресованы {schools} "
        f"{plural(schools, 'школе', 'школам', 'школам')}"
    )
    if wide:
        text += f" и {wide} — муниципалитету в целом"
    return text + "."


def method_note(settings: MeasuresBlock) -> str:
    eff = settings.effectiveness
    names = {
        "prior_result": "результату базового периода",
        "context": "индексу социального благополучия (ИСБШ)",
        "size": "числу участников",
    }
    matched = ", ".join(names[v] for v in eff.matching.variables)
    exact = " и того же вида (СОШ, ООШ, лицей, гимназия)" if eff.matching.exact else ""
    pre = plural(eff.pre_years, "год", "года", "лет")
    post = plural(eff.post_years, "год", "года", "лет")
    return (
        "Как измеряется эффект. Для каждой школы, получившей меру, берётся изменение её "
        f"результата: среднее за {eff.post_years} {post} с года начала меры минус среднее за "
        f"{eff.pre_years} {pre} до него. Из него вычитается изменение у "
        f"{eff.matching.neighbours} сопоставимых школ без мер, нацеленных на тот же результат "
        f"(ближайших по {matched}{exact}). Простое сравнение «до — после» завышает эффект: "
        "меры получают школы, у которых результат был низким в тот год, а такой результат "
        "отчасти случаен и на следующий год сам возвращается к среднему. "
        f"Интервал — {round(eff.interval_level * 100)} %; если он включает 0, измеримого "
        f"эффекта нет. Оценка не делается, если школ с мерой меньше {eff.min_treated}."
    )


def effects_summary(effects: pd.DataFrame) -> str:
    """What the region-level estimates say, kind by kind (the verdict's figures)."""
    reg = effects[effects["level"] == "region"]
    if reg.empty:
        return "Оценок результативности нет: в реестре нет мер видов из config/measures.yml."
    found, none, few = [], [], []
    for r in reg.itertuples(index=False):
        label = f"«{r.kind_name}» ({r.subject_name})"
        if r.n_treated < 1 or math.isnan(r.effect):
            few.append(label)
        else:
            effect, naive = (
                format_signed(r.effect, plus=True),
                format_signed(r.naive_change, plus=True),
            )
            low, high = format_signed(r.ci_low), format_signed(r.ci_high)
            if r.ci_low > 0 or r.ci_high < 0:
                found.append(
                    f"{label}: {effect} п.п. (от {low} до {high}; «до — после» было бы {naive})"
                )
            else:
                none.append(
                    f"{label}: {effect} п.п., интервал от {low} до {high} "
                    f"(а «до — после» — {naive})"
                )
    parts = []
    if found:
        parts.append("Эффект измерен: " + "; ".join(found) + ".")
    if none:
        parts.append("Измеримого эффекта нет: " + "; ".join(none) + ".")
    if few:
        parts.append("Слишком мало школ для оценки: " + ", ".join(few) + ".")
    return " ".join(parts)


def effect_rows(effects: pd.DataFrame, level: str, unit_code: str = "") -> pd.DataFrame:
    """The rows of one level (and unit) in the page's order: kind, then outcome."""
    rows = effects[effects["level"] == level]
    if unit_code:
        rows = rows[rows["unit_code"] == unit_code]
    return _shown(rows)


def roadmap_summary(roadmap: pd.DataFrame, year: int, where: str = "в регионе") -> str:
    rows = roadmap[roadmap["year"] == int(year)]
    now = rows[rows["status"] == IN_LIST]
    left = rows[rows["status"] == LEFT]
    if rows.empty:
        return f"В {year} году {where} нет школ в списке ШНОР и нет вышедших из него."
    without = int((now["n_measures"] == 0).sum())
    n = len(now)
    text = (
        f"В {year} году {where} в списке ШНОР {n} {plural(n, 'школа', 'школы', 'школ')}"
        f" ({int((now['n_years_in_list'] > 1).sum())} — не первый год)"
    )
    if n:
        text += (
            f"; мер в реестре нет у {without}"
            if without
            else "; у каждой есть хотя бы одна мера в реестре"
        )
    text += "."
    if len(left):
        with_measures = int((left["n_measures"] > 0).sum())
        text += (
            f" Вышли из списка {len(left)} {plural(len(left), 'школа', 'школы', 'школ')}, "
            f"из них с мерами в реестре — {with_measures}."
        )
    if without:
        text += " Школам без мер дорожная карта (004_* п. 3.3) должна их назначить."
    return text
