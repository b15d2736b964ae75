"""Targeted recommendations (адресные рекомендации) from the configured rules.

A rule of ``config/mechanisms.yml`` (:class:`settings.Rule`) names its addressee, a
condition and a text template; here each condition is checked on the scores, the cycle and
the indicators, and every recommendation that fires carries the figures that triggered it —
in its text (the template's fields) and in ``figures`` — so a reader can check it against
the tables of the pages. Three kinds of rule (``Condition.scope``):

* ``direction``: each unit × direction row of the scores (municipalities, or the region's
  own row with ``unit: region``: there ``{breaks_at}`` is the stage the fewest
  municipalities confirm);
* ``tasks``: once a year, the region's ВПР tasks with the lowest solve rate (004_* 2.12,
  3.4: what the institute's training programmes should address);
* ``school``: each school of a class of the year (ШНОР: the roadmap of 004_* 3.3).
"""

from __future__ import annotations

import re

import pandas as pd

from soko.procedures.mechanisms.settings import STAGES, Indicator, MechanismsFile, Rule
from soko.suppression import NBSP, format_percent, format_signed

COLUMNS = [
    "year", "addressee", "level", "unit_code", "unit_name", "municipality_code", "direction",
    "rule", "text", "figures",
]  # fmt: skip
PP = f"{NBSP}п.{NBSP}п."  # percentage points, as ``format_pp`` writes them


def indicator_value(value: float, ind: Indicator) -> str:
    """A value in its indicator's unit: «14,2 %», «+0,5 п. п.», «да», «3,2 на 1000»."""
    if ind.kind == "yesno" or ind.unit == "да/нет":
        return "да" if value >= 1 else "нет"
    if ind.unit == "%":
        return f"{format_signed(value)}{NBSP}%"
    if ind.unit.replace(NBSP, " ") == "п. п.":
        return f"{format_signed(value, plus=True)}{PP}"
    return f"{format_signed(value)} {ind.unit}"


def stage_ranges(numbers: list[int]) -> str:
    """[7, 8, 9] → «7–9»; [2, 5, 6] → «2, 5–6»."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def recommend(
    settings: MechanismsFile,
    scores: pd.DataFrame,
    indicators: pd.DataFrame,
    cycle: pd.DataFrame,
    *,
    vpr_tasks: pd.DataFrame | None = None,
    school_classes: pd.DataFrame | None = None,
    subject_names: dict[str, str] | None = None,
    region_name: str = "",
) -> pd.DataFrame:
    """Every recommendation the rules give, per year (see the module docstring)."""
    rows: list[dict[str, object]] = []
    for rule in settings.recommendations:
        scope = rule.when.scope
        if scope == "direction":
            rows += _direction_rule(settings, rule, scores, indicators, cycle)
        elif scope == "tasks":
            rows += _task_rule(rule, vpr_tasks, subject_names or {}, region_name)
        else:
            rows += _school_rule(rule, school_classes)
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.astype({"year": "int64"}).reset_index(drop=True)


def _fill(rule: Rule, fields: dict[str, str]) -> str:
    return re.sub(r"[ \t\r\n]+", " ", rule.text.format(**fields)).strip()  # keeps NBSP


def _direction_rule(
    settings: MechanismsFile,
    rule: Rule,
    scores: pd.DataFrame,
    indicators: pd.DataFrame,
    cycle: pd.DataFrame,
) -> list[dict[str, object]]:
    c = rule.when
    rows = scores[(scores["level"] == c.unit) & (scores["direction"] != "total")]
    if c.direction:
        rows = rows[rows["direction"].isin(c.direction)]
    value = indicators.set_index(["year", "level", "unit_code", "indicator"])["value"]
    full = (
        scores[(scores["level"] == "municipality") & (scores["direction"] != "total")]
        .groupby(["year", "direction"])["cycle_full"]
        .agg(["sum", "size"])
    )
    muni_cycle = cycle[cycle["level"] == "municipality"]
    stage_counts = muni_cycle.groupby(["year", "direction", "stage"])["done"].sum()
    out: list[dict[str, object]] = []
    for r in rows.itertuples(index=False):
        if pd.isna(r.score):
            continue
        year, code, d = int(r.year), str(r.unit_code), str(r.direction)
        figures: list[str] = []
        gaps = [g for g in str(r.gaps or "").split(", ") if g]
        breaks = r.breaks_at if isinstance(r.breaks_at, str) else None
        if c.unit == "region" and gaps:  # the weakest stage region-wide
            counts = {s: int(stage_counts.get((year, d, s), 0)) for s in STAGES}
            breaks = min(STAGES, key=lambda s: (counts[s], STAGES.index(s)))
        if c.cycle_breaks_at:
            if breaks is None or (c.cycle_breaks_at != "any" and breaks != c.cycle_breaks_at):
                continue
            figures.append(f"цикл прерывается на этапе «{settings.stages[breaks]}»")
        if c.level:
            if r.level_name != c.level:
                continue
            figures.append(f"балл {format_percent(r.score)} — уровень «{r.level_name}»")
        if c.direction_rank_bottom:
            if pd.isna(r.rank) or int(r.rank) <= int(r.n_units) - c.direction_rank_bottom:
                continue
            figures.append(f"{int(r.rank)}-е место из {int(r.n_units)}")
        ind_fields: dict[str, str] = {}
        if c.indicator_rising:
            now = value.get((year, c.unit, code, c.indicator_rising))
            before = value.get((year - 1, c.unit, code, c.indicator_rising))
            if now is None or before is None or pd.isna(now) or pd.isna(before) or now <= before:
                continue
            ind_fields = _indicator_fields(settings, c.indicator_rising, now, before)
            figures.append(
                f"{ind_fields['indicator']}: {ind_fields['prev_value']} → {ind_fields['value']}"
            )
        if c.indicator_above_region:
            now = value.get((year, c.unit, code, c.indicator_above_region))
            reg = _region_value(value, indicators, year, c.indicator_above_region)
            if now is None or reg is None or pd.isna(now) or now <= reg:
                continue
            ind_fields = _indicator_fields(settings, c.indicator_above_region, now, None)
            _, ind = settings.indicator(c.indicator_above_region)
            figures.append(
                f"{ind_fields['indicator']}: {ind_fields['value']} "
                f"(регион {indicator_value(reg, ind)})"
            )
        quoted = []
        for q in c.quote:
            _, ind = settings.indicator(q)
            own = value.get((year, c.unit, code, q))
            reg = _region_value(value, indicators, year, q)
            if own is None or pd.isna(own):
                quoted.append(f"{ind.name.lower()}: нет данных")
                continue
            text = f"{ind.name.lower()} {indicator_value(own, ind)}"
            if c.unit == "municipality" and reg is not None:
                text += f" (регион {indicator_value(reg, ind)})"
            quoted.append(text)
        figures += quoted
        missing = [STAGES.index(g) + 1 for g in gaps]
        n_full = full.loc[(year, d)] if (year, d) in full.index else None
        fields = {
            "year": str(year),
            "unit_name": str(r.unit_name),
            "direction": d,
            "direction_name": str(r.direction_name),
            "score": format_percent(r.score),
            "level": str(r.level_name),
            "rank": "—" if pd.isna(r.rank) else str(int(r.rank)),
            "n_units": "—" if pd.isna(r.n_units) else str(int(r.n_units)),
            "stages_done": f"{int(r.cycle_stages_done)} из {len(STAGES)}",
            "breaks_at": settings.stages[breaks] if breaks else "—",
            "missing": stage_ranges(missing) if missing else "—",
            "quoted": "; ".join(quoted) if quoted else "—",
            "full_cycles": (
                f"{int(n_full['sum'])} из {int(n_full['size'])}" if n_full is not None else "—"
            ),
            **ind_fields,
        }
        if missing and c.cycle_breaks_at:
            figures.append(f"нет подтверждения этапов {fields['missing']}")
        if c.unit == "region":
            figures.append(f"полный цикл у {fields['full_cycles']} муниципалитетов")
            if breaks:
                figures.append(f"слабее всего подтверждён этап «{fields['breaks_at']}»")
        fields["figures"] = "; ".join(figures)
        out.append(
            {
                "year": year, "addressee": rule.addressee, "level": c.unit, "unit_code": code,
                "unit_name": str(r.unit_name),
                "municipality_code": code if c.unit == "municipality" else "",
                "direction": d, "rule": rule.code,
                "text": _fill(rule, fields), "figures": fields["figures"],
            }
        )  # fmt: skip
    return out


def _region_value(
    value: pd.Series, indicators: pd.DataFrame, year: int, indicator: str
) -> float | None:
    reg = indicators[(indicators["level"] == "region") & (indicators["year"] == year)]
    codes = reg["unit_code"].unique()
    if len(codes) == 0:
        return None
    got = value.get((year, "region", str(codes[0]), indicator))
    return None if got is None or pd.isna(got) else float(got)


def _indicator_fields(
    settings: MechanismsFile, code: str, now: float, before: float | None
) -> dict[str, str]:
    _, ind = settings.indicator(code)
    fields = {
        "indicator": ind.name,
        "value": indicator_value(now, ind),
        "prev_value": "—",
        "change": "—",
    }
    if before is not None:
        fields["prev_value"] = indicator_value(before, ind)
        delta = now - before
        unit = PP if ind.unit == "%" else f" {ind.unit}"
        fields["change"] = f"{format_signed(delta, plus=True)}{unit}"
    return fields


def weakest_tasks(vpr_tasks: pd.DataFrame, year: int, limit: int, min_n: int = 5) -> pd.DataFrame:
    """The region's ВПР tasks of ``year`` with the lowest solve rate (``completion``), at
    least ``min_n`` participants each; ties broken by subject, grade, task order."""
    need = {"level", "year", "subject", "grade", "task", "task_order", "n", "completion"}
    if vpr_tasks is None or vpr_tasks.empty or not need <= set(vpr_tasks.columns):
        return pd.DataFrame(columns=sorted(need))
    t = vpr_tasks[(vpr_tasks["level"] == "region") & (vpr_tasks["year"] == year)]
    t = t[t["n"] >= min_n].dropna(subset=["completion"])
    return t.sort_values(["completion", "subject", "grade", "task_order"], kind="stable").head(
        limit
    )


def _task_rule(
    rule: Rule, vpr_tasks: pd.DataFrame | None, names: dict[str, str], region_name: str
) -> list[dict[str, object]]:
    if vpr_tasks is None or vpr_tasks.empty or "year" not in vpr_tasks.columns:
        return []
    out: list[dict[str, object]] = []
    limit = int(rule.when.task_deficits or 0)
    for year in sorted(int(y) for y in vpr_tasks["year"].unique()):
        weak = weakest_tasks(vpr_tasks, year, limit)
        if weak.empty:
            continue
        tasks = "; ".join(
            f"{names.get(str(s), str(s))}, {int(g)} кл., задание {t}"
            + (f" ({lv})" if isinstance(lv, str) and lv else "")
            + f" — {format_percent(float(c))}"
            for s, g, t, lv, c in zip(
                weak["subject"], weak["grade"], weak["task"],
                weak["task_level"] if "task_level" in weak else [""] * len(weak),
                weak["completion"], strict=True,
            )
        )  # fmt: skip
        subjects = _deficit_subjects(vpr_tasks, year, names)
        fields = {"year": str(year), "unit_name": region_name, "tasks": tasks,
                  "subjects": subjects, "figures": tasks}  # fmt: skip
        out.append(
            {
                "year": year, "addressee": rule.addressee, "level": "region", "unit_code": "",
                "unit_name": region_name, "municipality_code": "", "direction": "1.1",
                "rule": rule.code,
                "text": _fill(rule, fields), "figures": tasks,
            }
        )  # fmt: skip
    return out


def _deficit_subjects(vpr_tasks: pd.DataFrame, year: int, names: dict[str, str]) -> str:
    """Subjects by the number of region-level tasks in the deficit zone of ``year``."""
    if "zone" not in vpr_tasks.columns:
        return "—"
    t = vpr_tasks[
        (vpr_tasks["level"] == "region") & (vpr_tasks["year"] == year)
        & (vpr_tasks["zone"] == "deficit")
    ]  # fmt: skip
    if t.empty:
        return "нет заданий в зоне дефицита"
    counts = t.groupby("subject").size().sort_values(ascending=False, kind="stable").head(3)
    return ", ".join(f"{names.get(str(s), str(s))} ({int(n)})" for s, n in counts.items())


def _school_rule(rule: Rule, school_classes: pd.DataFrame | None) -> list[dict[str, object]]:
    need = {"year", "school_code", "school_name", "municipality_code", "municipality_name",
            "class", "reason", "years_in_class"}  # fmt: skip
    if school_classes is None or school_classes.empty or not need <= set(school_classes.columns):
        return []
    rows = school_classes[school_classes["class"] == rule.when.school_class]
    out: list[dict[str, object]] = []
    for r in rows.sort_values(["year", "municipality_code", "school_code"]).itertuples(index=False):
        fields = {
            "year": str(int(r.year)),
            "unit_name": str(r.municipality_name),
            "school_name": str(r.school_name),
            "school_code": str(r.school_code),
            "years_in_class": str(int(r.years_in_class)),
            "reason": str(r.reason),
        }
        fields["figures"] = f"лет подряд в списке: {fields['years_in_class']}; {fields['reason']}"
        out.append(
            {
                "year": int(r.year), "addressee": rule.addressee, "level": "school",
                "unit_code": str(r.school_code), "unit_name": str(r.school_name),
                "municipality_code": str(r.municipality_code), "direction": "1.2",
                "rule": rule.code, "text": _fill(rule, fields),
                "figures": fields["figures"],
            }
        )  # fmt: skip
    return out
