"""Russian text for the PISA-model page, generated from the estimate tables.

Every estimate is quoted with its standard error or confidence interval, and a difference
is called a change only when it is statistically significant: a sample study must not
report noise as news. Groups under the suppression minimum are never described.
"""

from __future__ import annotations

import pandas as pd

from soko.commentary import plural
from soko.config import min_group
from soko.formats.replicate_study.settings import PisaSettings, pisa_settings
from soko.suppression import DASH, NBSP, format_number, format_percent

Z95 = 1.96


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def estimate_text(value: object, se: object, *, share: bool = False) -> str:
    """«487 (7,3)» for a mean, «20,5 % (2,1)» for a share: the estimate and its SE."""
    if _missing(value) or _missing(se):
        return DASH
    if share:
        return f"{format_percent(value)} ({format_number(float(se) * 100)})"  # type: ignore[arg-type]
    return f"{format_number(value, 0)} ({format_number(se)})"


def ci_text(value: object, se: object, *, share: bool = False) -> str:
    """95 % confidence interval: «473–501» or «16,3–24,7 %»."""
    if _missing(value) or _missing(se):
        return DASH
    low, high = float(value) - Z95 * float(se), float(value) + Z95 * float(se)  # type: ignore[arg-type]
    if share:
        low, high = max(low, 0.0), min(high, 1.0)
        return f"{format_number(low * 100)}–{format_number(high * 100)}{NBSP}%"
    return f"{format_number(low, 0)}–{format_number(high, 0)}"


def with_texts(table: pd.DataFrame) -> pd.DataFrame:
    """Add display columns: estimates with SE and 95 % CIs for means and shares below the
    baseline, and the change since the previous study year when present."""
    out = table.copy()
    out["mean_text"] = [
        estimate_text(v, s) for v, s in zip(out["mean"], out["mean_se"], strict=True)
    ]
    out["mean_ci"] = [ci_text(v, s) for v, s in zip(out["mean"], out["mean_se"], strict=True)]
    below, below_se = out["share_below_baseline"], out["share_below_baseline_se"]
    out["below_text"] = [
        estimate_text(v, s, share=True) for v, s in zip(below, below_se, strict=True)
    ]
    out["below_ci"] = [ci_text(v, s, share=True) for v, s in zip(below, below_se, strict=True)]
    if "mean_change" in out.columns:
        out["change_text"] = [
            _change_text(c, s, sig)
            for c, s, sig in zip(
                out["mean_change"],
                out["mean_change_se"],
                out["mean_change_significant"],
                strict=True,
            )
        ]
    return out


def _change_text(change: object, se: object, significant: object) -> str:
    if _missing(change):
        return DASH
    sign = "+" if float(change) > 0 else ""  # type: ignore[arg-type]
    verdict = "значимо" if (not _missing(significant) and bool(significant)) else "незначимо"
    return f"{sign}{format_number(change, 0)} ({format_number(se)}), {verdict}"


def _points(value: float) -> str:
    n = round(abs(value))
    return f"{format_number(abs(value), 0)} {plural(n, 'балл', 'балла', 'баллов')}"


def headline(estimates: pd.DataFrame, year: int, settings: PisaSettings | None = None) -> str:
    """The year's mean and share below the baseline level per domain, with CIs."""
    settings = settings or pisa_settings()
    rows = estimates[(estimates["year"] == year) & (estimates["group_type"] == "all")]
    rows = rows[rows["n"] >= min_group()]
    if rows.empty:
        return f"В {year} году результатов исследования по модели PISA нет."
    first = rows.iloc[0]
    text = [
        f"В {year} году в исследовании участвовали {int(first['n'])} "
        f"{plural(int(first['n']), 'обучающийся', 'обучающихся', 'обучающихся')} из "
        f"{int(first['n_schools'])} {plural(int(first['n_schools']), 'школы', 'школ', 'школ')} "
        f"выборки; результаты взвешены и представляют всех 15-летних обучающихся региона."
    ]
    for row in rows.itertuples(index=False):
        dom = settings.domains[row.domain]
        text.append(
            f"{dom.name}: средний балл {format_number(row.mean, 0)} (95 % доверительный "
            f"интервал {ci_text(row.mean, row.mean_se)}), ниже уровня {settings.baseline_level} — "
            f"{format_percent(row.share_below_baseline)} "
            f"({ci_text(row.share_below_baseline, row.share_below_baseline_se, share=True)})."
        )
    return " ".join(text)


def trend_summary(estimates: pd.DataFrame, year: int, settings: PisaSettings | None = None) -> str:
    """Change of the mean since the previous study year, significant or not."""
    settings = settings or pisa_settings()
    rows = estimates[(estimates["year"] == year) & (estimates["group_type"] == "all")]
    rows = rows[rows["prev_year"].notna()]
    if rows.empty:
        return (
            "Сравнение с предыдущим циклом невозможно: исследование в регионе проводится "
            "впервые или данных за прошлые циклы нет."
        )
    prev = int(rows["prev_year"].iloc[0])
    parts = []
    for row in rows.itertuples(index=False):
        name = settings.domains[row.domain].name.lower()
        if bool(row.mean_change_significant):
            way = "вырос" if row.mean_change > 0 else "снизился"
            parts.append(
                f"по {_dative(name)} средний балл {way} на {_points(row.mean_change)} (значимо)"
            )
        else:
            parts.append(
                f"по {_dative(name)} изменение ({'+' if row.mean_change > 0 else '−'}"
                f"{_points(row.mean_change)}) статистически незначимо"
            )
    return f"По сравнению с {prev} годом: " + "; ".join(parts) + "."


def _dative(domain_name: str) -> str:
    """«читательская грамотность» → «читательской грамотности» (names in config)."""
    words = domain_name.split()
    out = []
    for w in words:
        if w.endswith("ая"):
            out.append(w[:-2] + "ой")
        elif w.endswith("ость"):
            out.append(w[:-1] + "и")
        else:
            out.append(w)
    return " ".join(out)


def gap_summary(gaps: pd.DataFrame, year: int, settings: PisaSettings | None = None) -> str:
    """Significant differences between groups in the year, by domain."""
    settings = settings or pisa_settings()
    rows = gaps[(gaps["year"] == year) & (gaps["n"] >= min_group())]
    if rows.empty:
        return "Данных для сравнения групп недостаточно."
    sig = rows[rows["significant"]]
    if sig.empty:
        return "Статистически значимых различий между группами нет."
    items = [
        f"{g.gap} по {_dative(settings.domains[g.domain].name.lower())}: "
        f"{'+' if g.difference > 0 else '−'}{_points(g.difference)}"
        for g in sig.itertuples(index=False)
    ]
    return "Статистически значимые различия: " + "; ".join(items) + "."


def resilience_summary(res: pd.DataFrame, year: int, settings: PisaSettings | None = None) -> str:
    settings = settings or pisa_settings()
    rows = res[(res["year"] == year) & (res["n"] >= min_group())]
    if rows.empty:
        return "Данных для оценки доли резильентных обучающихся недостаточно."
    items = [
        f"{_dative(settings.domains[r.domain].name.lower())} — "
        f"{estimate_text(r.share_resilient, r.share_resilient_se, share=True)}"
        for r in rows.itertuples(index=False)
    ]
    return (
        "Резильентные обучающиеся — из четверти с самым низким социально-экономическим "
        "статусом, но с результатами в верхней четверти по региону. Их доля среди "
        "обучающихся из этой четверти (в скобках — стандартная ошибка, п. п.): по "
        + "; по ".join(items)
        + "."
    )


def municipality_note(munis: pd.DataFrame, year: int, settings: PisaSettings | None = None) -> str:
    """Why most municipalities get no estimate, and how to read the ones that do."""
    settings = settings or pisa_settings()
    rows = munis[(munis["year"] == year) & (munis["level"] == "municipality")]
    units = rows.drop_duplicates("unit_code")
    shown = int(units["reliable"].sum())
    return (
        "Выборка исследования представляет регион в целом, а не отдельные муниципалитеты. "
        f"Оценки приводятся только для муниципалитетов, где в выборке не менее "
        f"{settings.municipality_min_schools} школ и {settings.municipality_min_students} "
        f"обучающихся: таких {shown} из {len(units)}. Даже для них различия с регионом "
        "надёжны лишь тогда, когда доверительные интервалы не пересекаются; ранжировать "
        "муниципалитеты по этим оценкам нельзя."
    )


def level_grid(
    levels: pd.DataFrame, year: int, settings: PisaSettings | None = None
) -> pd.DataFrame:
    """Domains × proficiency levels, each cell «share % (SE)»; «<5» for tiny samples."""
    settings = settings or pisa_settings()
    part = levels[levels["year"] == year]
    names = {k: d.name for k, d in settings.domains.items()}
    small = part["n"] < min_group()
    cells = [
        f"<{min_group()}" if s else estimate_text(v, e, share=True)
        for v, e, s in zip(part["share"], part["share_se"], small, strict=True)
    ]
    grid = part.assign(cell=cells, domain_name=part["domain"].map(names)).pivot(
        index="domain_name", columns="proficiency_level", values="cell"
    )
    order = list(dict.fromkeys(part.sort_values("level_order")["proficiency_level"]))
    rows = [names[d] for d in settings.domains if names[d] in grid.index]
    grid = grid.loc[rows, order]
    grid.columns = [f"уровень {c}" if c[0].isdigit() else c for c in grid.columns]
    return grid.rename_axis("Область").reset_index()


def municipality_page_text(
    munis: pd.DataFrame, code: str, name: str, year: int, settings: PisaSettings | None = None
) -> str:
    """What a municipality's page may say: its share of the sample, and estimates only when
    the sample there is large enough (``config/pisa.yml``)."""
    settings = settings or pisa_settings()
    rows = munis[(munis["year"] == year) & (munis["unit_code"] == code)]
    if rows.empty:
        return (
            f"{name}: в выборку исследования {year} года не попала ни одна школа "
            "муниципалитета. Ниже — результаты региона в целом."
        )
    first = rows.iloc[0]
    n, schools = int(first["n"]), int(first["n_schools"])
    sample = (
        f"{name}: в выборке {year} года {schools} {plural(schools, 'школа', 'школы', 'школ')} и "
        f"{n} {plural(n, 'обучающийся', 'обучающихся', 'обучающихся')}."
    )
    if bool(rows["reliable"].all()):
        return (
            f"{sample} Этого достаточно для оценок со стандартными ошибками; сравнивать с "
            "регионом можно только по доверительным интервалам, ранжировать муниципалитеты нельзя."
        )
    return (
        f"{sample} Для оценок по муниципалитету нужно не менее "
        f"{settings.municipality_min_schools} школ и {settings.municipality_min_students} "
        "обучающихся: выборка представляет регион, поэтому ниже — результаты региона в целом."
    )
