"""The prose and the tables of the mechanisms pages, as tested functions (templates stay thin).

Every table returned here is what a page shows under its chart: the figures with their
indicator and source, ready for ``show_source_table`` (which also offers it as a download).
Scores are shares of their maximum; on the pages they read as «% от максимума».
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from soko import derive
from soko.commentary import plural
from soko.declared_reads import declared
from soko.procedures.mechanisms.computed import ORIGIN
from soko.procedures.mechanisms.recommendations import PP
from soko.procedures.mechanisms.scoring import TOTAL
from soko.procedures.mechanisms.settings import STAGES, MechanismsFile, Scoring
from soko.suppression import MINUS, NBSP, format_percent, format_pp, format_signed


def _year(table: pd.DataFrame, year: int, level: str | None = None) -> pd.DataFrame:
    rows = table[table["year"] == year]
    return rows if level is None else rows[rows["level"] == level]


def rule_text(scoring: Scoring, unit: str = "%") -> str:
    """A scoring rule in words: «ниже 5 — 3 б.; 5–10 — 2 б.; от 15 — 0 б.» or «линейно: 30 → 0
    б., 60 → 3 б.»."""
    u = "" if unit in ("да/нет",) else f"{NBSP}{unit}" if unit != "%" else f"{NBSP}%"

    def b(p: float) -> str:
        return f"{format_signed(p, 0) if float(p).is_integer() else format_signed(p)}{NBSP}б."

    if scoring.points is not None:
        t = scoring.thresholds or []
        pts = scoring.points
        if unit == "да/нет" and t == [1]:
            return f"нет — {b(pts[0])}; да — {b(pts[1])}"
        parts = [f"ниже {format_signed(t[0], 1)}{u} — {b(pts[0])}"]
        for i in range(1, len(t)):
            parts.append(f"{format_signed(t[i - 1], 1)}–{format_signed(t[i], 1)}{u} — {b(pts[i])}")
        parts.append(f"от {format_signed(t[-1], 1)}{u} — {b(pts[-1])}")
        return "; ".join(parts)
    scale = scoring.scale or {}
    return (
        f"линейно: {format_signed(scale['worst'], 1)}{u} и хуже — 0{NBSP}б., "
        f"{format_signed(scale['best'], 1)}{u} и лучше — {b(scoring.maximum)}"
    )


def rule_in_force(settings: MechanismsFile, source_names: dict[str, str]) -> pd.DataFrame:
    """The rule in force: each direction's indicators, their source and scoring."""
    rows = []
    for d_code, d in settings.directions.items():
        for code, ind in d.indicators.items():
            source = (
                "форма муниципалитета"
                if ind.source == "form"
                else f"рассчитывается soko: {source_names.get(ind.source, ind.source)}"
            )
            rows.append(
                {
                    "direction": d_code,
                    "direction_name": d.short,
                    "indicator": code,
                    "name": ind.name,
                    "source": source,
                    "rule": rule_text(ind.scoring, ind.unit),
                    "max_points": format_signed(ind.scoring.maximum, 0),
                }
            )
    return pd.DataFrame(rows)


def weights_text(settings: MechanismsFile) -> str:
    w = settings.weights
    levels = "; ".join(
        f"«{lv.name}» — от {format_signed(100 * lv.from_share, 0)}{NBSP}%" for lv in settings.levels
    )
    return (
        f"Балл направления — доля набранных баллов показателей от их максимума × "
        f"{format_signed(w.indicators, 2)} + доля подтверждённых этапов управленческого цикла (из "
        f"{len(STAGES)}) × {format_signed(w.cycle, 2)}; показатель без данных не учитывается ни в "
        f"баллах, ни в максимуме. Итоговый балл — среднее по направлениям. Уровни: {levels}. "
        "Шкалы и пороги — выбор региона (федеральные шкалы мониторинга не опубликованы); "
        "они задаются в `config/mechanisms.yml`."
    )


# --- the region page ----------------------------------------------------------------------


def score_grid(scores: pd.DataFrame, year: int) -> pd.DataFrame:
    """Municipalities (and the region) × directions: the scores of the heat map, long form,
    with rank and level (the table under the heat map)."""
    rows = _year(scores, year)
    assessed = rows.groupby("unit_code")["score"].transform("count") > 0
    rows = rows[assessed].copy()  # a unit with no score that year (a merged district) is left out
    rows["direction_label"] = rows["direction"].replace({TOTAL: "Итого"})
    rows["score_text"] = [format_percent(s) for s in rows["score"]]
    rows["change_text"] = [format_pp(c, minus=MINUS) for c in rows["change"]]
    rows["rank_text"] = [
        "—" if pd.isna(r) else f"{int(r)} из {int(n)}"
        for r, n in zip(rows["rank"], rows["n_units"], strict=True)
    ]
    rows["level_name"] = rows["level_name"].fillna("—")
    return rows


def score_wide(grid: pd.DataFrame, settings: MechanismsFile) -> pd.DataFrame:
    """The heat map's figures as its own shape: a row per unit, a column per direction (score,
    % of its maximum), then the total, its level and place."""
    order = [*settings.directions, TOTAL]
    wide = grid.pivot_table(
        index=["level", "unit_code", "unit_name"], columns="direction", values="score_text",
        aggfunc="first", sort=False,
    )  # fmt: skip
    wide = wide.reindex(columns=[c for c in order if c in wide.columns]).reset_index()
    total = grid[grid["direction"] == TOTAL].set_index("unit_code")
    wide["total_level"] = wide["unit_code"].map(total["level_name"])
    wide["total_rank"] = wide["unit_code"].map(total["rank_text"])
    wide = wide.sort_values("level", key=lambda s: s.eq("region"), kind="stable")
    return wide.rename(columns={TOTAL: "Итого"}).reset_index(drop=True)


def overview(scores: pd.DataFrame, year: int) -> str:
    """How many municipalities, the spread of the total, the levels."""
    total = _year(scores, year, "municipality")
    total = total[(total["direction"] == TOTAL) & total["score"].notna()]
    if total.empty:
        return f"За {year} год нет оценок механизмов управления."
    region = _year(scores, year, "region")
    reg = region.loc[region["direction"] == TOTAL, "score"]
    best = total.sort_values("score", ascending=False).iloc[0]
    worst = total.sort_values("score").iloc[0]
    levels = total["level_name"].value_counts()
    levels_text = ", ".join(f"«{k}» — {v}" for k, v in levels.items())
    n = len(total)
    region_score = format_percent(reg.iloc[0] if len(reg) else None)
    return (
        f"Оценено {n} {plural(n, 'муниципалитет', 'муниципалитета', 'муниципалитетов')}. "
        f"Итоговый балл области — {region_score} от максимума; "
        f"у муниципалитетов — от {format_percent(worst['score'])} ({worst['unit_name']}) до "
        f"{format_percent(best['score'])} ({best['unit_name']}). "
        f"Уровни итогового балла: {levels_text}."
    )


def cycle_completeness(scores: pd.DataFrame, settings: MechanismsFile, year: int) -> pd.DataFrame:
    """Per direction: municipalities with a full cycle, and how many break at each stage."""
    rows = _year(scores, year, "municipality")
    rows = rows[rows["direction"] != TOTAL]
    out = []
    for d_code, d in settings.directions.items():
        part = rows[rows["direction"] == d_code]
        breaks = part["breaks_at"].dropna().value_counts()
        where = ", ".join(
            f"«{settings.stages[s]}» — {int(breaks[s])}" for s in STAGES if s in breaks.index
        )
        out.append(
            {
                "direction": d_code,
                "direction_name": d.short,
                "n": len(part),
                "n_full": int(part["cycle_full"].sum()),
                "breaks": where or "—",
                **{f"at_{s}": int(breaks.get(s, 0)) for s in STAGES},
            }
        )
    return pd.DataFrame(out)


def cycle_summary(completeness: pd.DataFrame) -> str:
    if completeness.empty or completeness["n"].sum() == 0:
        return "Нет данных о подтверждении этапов управленческого цикла."
    best = completeness.sort_values("n_full", ascending=False, kind="stable").iloc[0]
    worst = completeness.sort_values("n_full", kind="stable").iloc[0]
    n = int(completeness["n"].max())
    return (
        f"Полный управленческий цикл (все {len(STAGES)} этапов подтверждены документами) "
        f"чаще всего — по направлению {best['direction']} «{best['direction_name']}» "
        f"({int(best['n_full'])} из {n}), реже всего — по направлению {worst['direction']} "
        f"«{worst['direction_name']}» ({int(worst['n_full'])} из {n}). Где цикл прерывается — "
        "в таблице: этап, на котором он прерывается впервые."
    )


def weakest_stages(cycle: pd.DataFrame, settings: MechanismsFile, year: int) -> pd.DataFrame:
    """Each stage region-wide: the share of municipality × direction pairs with evidence."""
    rows = _year(cycle, year, "municipality")
    if rows.empty:
        return pd.DataFrame(columns=["stage_order", "stage", "stage_name", "n", "n_done", "share"])
    g = rows.groupby(["stage_order", "stage"], as_index=False).agg(
        n=("done", "size"), n_done=("done", "sum")
    )
    g["stage_name"] = g["stage"].map(settings.stages)
    g["share"] = g["n_done"] / g["n"]
    g["confirmed_text"] = [format_percent(s) for s in g["share"]]
    return g.sort_values("stage_order").reset_index(drop=True)


def weakest_summary(stages: pd.DataFrame, limit: int = 3) -> str:
    if stages.empty:
        return "Нет данных о подтверждении этапов управленческого цикла."
    weak = stages.sort_values(["share", "stage_order"], kind="stable").head(limit)
    listed = "; ".join(
        f"«{r.stage_name}» — {format_percent(r.share)} ({int(r.n_done)} из {int(r.n)})"
        for r in weak.itertuples(index=False)
    )
    return (
        "Слабее всего по области подтверждены этапы (доля пар «муниципалитет × направление» "
        f"с подтверждающим документом): {listed}."
    )


def change_summary(scores: pd.DataFrame, year: int) -> str:
    total = _year(scores, year, "municipality")
    total = total[(total["direction"] == TOTAL) & total["change"].notna()]
    if total.empty:
        return f"Изменение к {year - 1} году не рассчитывается: нет оценки за {year - 1} год."
    up = total.sort_values("change", ascending=False).iloc[0]
    down = total.sort_values("change").iloc[0]
    n_up = int((total["change"] > 0).sum())
    n_down = int((total["change"] < 0).sum())
    return (
        f"По сравнению с {year - 1} годом итоговый балл вырос у {n_up} и снизился у {n_down} из "
        f"{len(total)} муниципалитетов; больше всего вырос у {up['unit_name']} "
        f"({format_pp(up['change'], minus=MINUS)}), больше всего снизился у {down['unit_name']} "
        f"({format_pp(down['change'], minus=MINUS)})."
    )


def ranking(scores: pd.DataFrame, settings: MechanismsFile, year: int) -> pd.DataFrame:
    """Municipalities × (total and each direction): the place («2–3» is not used: ties share
    the best place, so two second places are both «2»)."""
    rows = _year(scores, year, "municipality")
    wide = rows.pivot_table(
        index=["unit_code", "unit_name"], columns="direction", values="rank", aggfunc="first"
    )
    order = [TOTAL, *settings.directions]
    wide = wide.reindex(columns=[c for c in order if c in wide.columns])
    wide = wide.reset_index().sort_values([TOTAL, "unit_name"] if TOTAL in wide else ["unit_name"])
    for c in order:
        if c in wide:
            wide[c] = ["—" if pd.isna(v) else str(int(v)) for v in wide[c]]
    return wide.rename(columns={TOTAL: "Итого"}).reset_index(drop=True)


def best_practices(
    scores: pd.DataFrame, settings: MechanismsFile, year: int, top: int = 3
) -> pd.DataFrame:
    """The municipalities at the top of each direction (for the «переговорные площадки» of
    000_* §2.2): rank ≤ ``top`` and a full cycle named."""
    rows = _year(scores, year, "municipality")
    rows = rows[(rows["direction"] != TOTAL) & rows["rank"].notna() & (rows["rank"] <= top)]
    rows = rows.sort_values(["direction", "rank", "unit_name"], kind="stable").copy()
    rows["score_text"] = [format_percent(s) for s in rows["score"]]
    rows["cycle_text"] = [
        "полный" if f else f"прерывается на этапе «{settings.stages[b]}»"
        for f, b in zip(rows["cycle_full"], rows["breaks_at"], strict=True)
    ]
    return rows


def best_summary(best: pd.DataFrame) -> str:
    if best.empty:
        return "Лучших практик по данным года не выделено."
    firsts = best[best["rank"] == 1]
    listed = "; ".join(
        f"{r.direction} «{r.direction_name}» — {r.unit_name} ({format_percent(r.score)})"
        for r in firsts.itertuples(index=False)
    )
    return (
        "Муниципалитеты на первых местах по направлениям — кандидаты для переговорных "
        f"площадок по трансляции лучших практик: {listed}."
    )


def recommendations_for(recs: pd.DataFrame, year: int, addressees: list[str]) -> pd.DataFrame:
    rows = recs[(recs["year"] == year) & recs["addressee"].isin(addressees)]
    return rows.sort_values(["addressee", "direction", "unit_name"], kind="stable")


def unit_recommendations(recs: pd.DataFrame, year: int, code: str) -> pd.DataFrame:
    """A municipality's recommendations: to its authority and to its schools."""
    rows = recs[(recs["year"] == year) & (recs["municipality_code"].astype(str) == code)]
    return rows.sort_values(["addressee", "direction", "unit_name"], kind="stable")


def recommendations_text(recs: pd.DataFrame) -> str:
    if recs.empty:
        return "По правилам в силе рекомендаций нет."
    return "\n".join(f"- **{r.addressee}** ({r.unit_name}): {r.text}" for r in recs.itertuples())


# --- the municipality page ----------------------------------------------------------------


def unit_vs_region(scores: pd.DataFrame, year: int, code: str) -> pd.DataFrame:
    """Per direction (and total): the municipality's score, the region's, place, change."""
    rows = _year(scores, year)
    own = rows[(rows["level"] == "municipality") & (rows["unit_code"] == code)]
    reg = rows[rows["level"] == "region"].set_index("direction")["score"]
    out = own.copy()
    out["region_score"] = out["direction"].map(reg)
    out["direction_label"] = out["direction"].replace({TOTAL: "Итого"})
    out["score_text"] = [format_percent(s) for s in out["score"]]
    out["region_text"] = [format_percent(s) for s in out["region_score"]]
    out["change_text"] = [format_pp(c, minus=MINUS) for c in out["change"]]
    out["rank_text"] = [
        "—" if pd.isna(r) else f"{int(r)} из {int(n)}"
        for r, n in zip(out["rank"], out["n_units"], strict=True)
    ]
    out["stages_text"] = [f"{int(k)} из {len(STAGES)}" for k in out["cycle_stages_done"]]
    out.loc[out["direction"] == TOTAL, "stages_text"] = [
        f"{int(k)} из {len(STAGES) * (len(out) - 1)}"
        for k in out.loc[out["direction"] == TOTAL, "cycle_stages_done"]
    ]
    return out.reset_index(drop=True)


def unit_summary(table: pd.DataFrame, name: str) -> str:
    total = table[table["direction"] == TOTAL]
    if total.empty or pd.isna(total["score"].iloc[0]):
        return f"{name}: за этот год оценки механизмов управления нет."
    t = total.iloc[0]
    dirs = table[(table["direction"] != TOTAL) & table["score"].notna()]
    above = dirs[dirs["score"] > dirs["region_score"]]
    below = dirs[dirs["score"] < dirs["region_score"]]
    change = (
        ""
        if pd.isna(t["change"])
        else f", изменение к прошлому году {format_pp(t['change'], minus=MINUS)}"
    )
    return (
        f"{name}: итоговый балл {format_percent(t['score'])} от максимума (область — "
        f"{format_percent(t['region_score'])}), уровень «{t['level_name']}», место {t['rank_text']}"
        f"{change}. Выше области — направления {', '.join(above['direction']) or 'нет'}; "
        f"ниже — {', '.join(below['direction']) or 'нет'}."
    )


def cycle_grid(cycle: pd.DataFrame, year: int, code: str) -> pd.DataFrame:
    """Stage × direction for one municipality: «да» with the document, «нет»."""
    rows = _year(cycle, year, "municipality")
    rows = rows[rows["unit_code"] == code].copy()
    rows["mark"] = ["да" if d else "нет" for d in rows["done"]]
    return rows


def cycle_breaks_text(scores_unit: pd.DataFrame, settings: MechanismsFile) -> str:
    dirs = scores_unit[scores_unit["direction"] != TOTAL]
    full = dirs[dirs["cycle_full"]]
    broken = dirs[~dirs["cycle_full"]]
    parts = [
        f"{r.direction} — на этапе «{settings.stages[r.breaks_at]}»"
        for r in broken.itertuples(index=False)
        if isinstance(r.breaks_at, str)
    ]
    text = f"Полный цикл — по {len(full)} из {len(dirs)} направлений."
    if parts:
        text += " Цикл прерывается: " + "; ".join(parts) + "."
    return text


def indicator_rows(indicators: pd.DataFrame, year: int, code: str, level: str) -> pd.DataFrame:
    """The unit's indicators with value, points, maximum and source, values in their units."""
    rows = _year(indicators, year, level)
    rows = rows[rows["unit_code"] == code].copy()
    rows["value_text"] = [
        "нет данных" if pd.isna(v) else _value_text(v, u)
        for v, u in zip(rows["value"], rows["unit"], strict=True)
    ]
    rows["points_text"] = [
        "—" if pd.isna(p) else f"{format_signed(p)} из {format_signed(m, 0)}"
        for p, m in zip(rows["points"], rows["max_points"], strict=True)
    ]
    rows["source_text"] = [
        "форма муниципалитета" if s == "form" else ORIGIN.get(s, s) for s in rows["source"]
    ]
    return rows


def _value_text(value: float, unit: str) -> str:
    if unit == "да/нет":
        return "да" if value >= 1 else "нет"
    if unit == "%":
        return f"{format_signed(value)}{NBSP}%"
    if unit.replace(NBSP, " ") == "п. п.":
        return f"{format_signed(value, plus=True)}{PP}"
    return f"{format_signed(value, 2 if abs(value) < 10 else 1)} ({unit})"


def missing_indicators(indicators: pd.DataFrame, year: int, code: str, level: str) -> str:
    """Which indicators had no data, and why (source absent, not in the form)."""
    rows = _year(indicators, year, level)
    rows = rows[(rows["unit_code"] == code) & rows["value"].isna()]
    if rows.empty:
        return "Значения есть у всех показателей."
    listed = "; ".join(f"{r.direction} «{r.name}» ({r.basis})" for r in rows.itertuples())
    n = len(rows)
    return (
        f"Без данных {n} {plural(n, 'показатель', 'показателя', 'показателей')} — они не "
        f"учтены ни в баллах, ни в максимуме (это не ноль): {listed}."
    )


# --- optional inputs: the register of measures and their measured effect -----------------


def optional_table(name: str, processed: Path) -> pd.DataFrame | None:
    """A derived table the page uses only if it is there: declared for the running page (in
    the build) and built. The register of measures comes from another procedure a region may
    not run; its absence leaves the section out, it does not fail the page."""
    tables = declared()
    if tables is not None and name not in tables:
        return None
    if not derive.output_path(Path(processed), name).is_file():
        return None
    return derive.load(name, processed)


def unit_measures(effects: pd.DataFrame | None, code: str) -> pd.DataFrame:
    """The measured effects of the measures taken in a municipality (``measure_effects``
    rows of ``level`` municipality), with the interval in words."""
    need = {"level", "unit_code", "kind_name", "effect", "ci_low", "ci_high", "verdict"}
    if effects is None or effects.empty or not need <= set(effects.columns):
        return pd.DataFrame()
    rows = effects[
        (effects["level"] == "municipality") & (effects["unit_code"].astype(str) == code)
    ]
    rows = rows.copy()
    rows["effect_text"] = [
        "—"
        if pd.isna(e)
        else f"{format_signed(e, 2)} [{format_signed(lo, 2)}; {format_signed(hi, 2)}]"
        for e, lo, hi in zip(rows["effect"], rows["ci_low"], rows["ci_high"], strict=True)
    ]
    return rows.reset_index(drop=True)


def for_page(table: pd.DataFrame) -> pd.DataFrame:
    """A table of these pages for ``show_source_table``: it describes municipalities and
    documents, not groups of students, so there is nothing to suppress (``suppressed`` all
    false tells the formatter so)."""
    return table.assign(suppressed=False)
