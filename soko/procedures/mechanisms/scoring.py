"""From indicator values and the evidence of the cycle to points, scores, levels and ranks.

The rule is the region's own (``config/mechanisms.yml``) and every step here is shown on the
pages, so it is kept plain:

* an indicator's points are ``Scoring.score(value)``; an indicator WITHOUT a value is left
  unscored (no points, no maximum) — a missing source is not a zero;
* a direction's indicator share = its points / the maximum of the indicators that have a
  value; its cycle share = stages with evidence / 9; its score = the two shares weighted by
  ``weights`` (only the cycle counts when no indicator has a value; with neither a value nor
  any evidence there is nothing to assess and no score), a share 0–1 named by ``levels``;
* the cycle is full when all nine stages have evidence; otherwise it «breaks» at the first
  stage without evidence, and every stage without evidence is a gap;
* the total is the mean of the direction scores; ranks are per year and direction among the
  municipalities, highest score first, ties sharing the best place; change = score minus the
  same unit's score of the calendar year before.

The region's own row: its indicators are the region-wide computed values (a form indicator:
the mean of the municipalities that reported it); a stage counts as done for the region when
every municipality has evidence, and its cycle share is the mean of theirs.
"""

from __future__ import annotations

import pandas as pd

from soko.procedures.mechanisms.settings import STAGES, MechanismsFile

TOTAL = "total"  # the direction code of the total score

INDICATOR_COLUMNS = [
    "year", "level", "unit_code", "unit_name", "direction", "indicator", "name", "unit",
    "source", "value", "points", "max_points", "basis",
]  # fmt: skip
CYCLE_COLUMNS = [
    "year", "level", "unit_code", "unit_name", "direction", "stage", "stage_order",
    "stage_name", "done", "document",
]  # fmt: skip
SCORE_COLUMNS = [
    "year", "level", "unit_code", "unit_name", "direction", "direction_name", "n_indicators",
    "n_with_value", "indicator_points", "indicator_max", "indicator_share",
    "cycle_stages_done", "cycle_share", "cycle_full", "breaks_at", "gaps", "score",
    "level_name", "rank", "n_units", "score_prev", "change",
]  # fmt: skip


def _units(units: dict[str, str], region_code: str, region_name: str) -> list[tuple[str, str, str]]:
    return [("municipality", c, n) for c, n in units.items()] + [
        ("region", region_code, region_name)
    ]


def indicator_table(
    settings: MechanismsFile,
    computed: pd.DataFrame,
    values: pd.DataFrame,
    years: list[int],
    units: dict[str, str],
    region_code: str,
    region_name: str,
) -> pd.DataFrame:
    """One row per year × unit × configured indicator, with its value (or none), points and
    maximum. ``computed``: :func:`computed.compute_all`; ``values``: the form's
    ``mechanism_values`` (year, municipality_code, direction, indicator, value, comment)."""
    got: dict[tuple[int, str, str, str], tuple[float, str]] = {}
    for r in computed.itertuples(index=False):
        got[(int(r.year), str(r.level), str(r.unit_code), f"@{r.source}")] = (
            float(r.value),
            str(r.basis),
        )
    form: dict[tuple[int, str, str], tuple[float, str]] = {}
    if not values.empty:
        v = values.dropna(subset=["value"])
        for r in v.itertuples(index=False):
            comment = "" if pd.isna(r.comment) else str(r.comment)
            form[(int(r.year), str(r.municipality_code), str(r.indicator))] = (
                float(r.value),
                "форма муниципалитета" + (f": {comment}" if comment else ""),
            )
    rows: list[dict[str, object]] = []
    for year in years:
        for level, code, name in _units(units, region_code, region_name):
            for d_code, direction in settings.directions.items():
                for i_code, ind in direction.indicators.items():
                    value, basis = _value(ind.source, year, level, code, i_code, got, form, units)
                    points = ind.scoring.score(value) if value is not None else None
                    rows.append(
                        {
                            "year": year, "level": level, "unit_code": code, "unit_name": name,
                            "direction": d_code, "indicator": i_code, "name": ind.name,
                            "unit": ind.unit, "source": ind.source, "value": value,
                            "points": points,
                            "max_points": ind.scoring.maximum if value is not None else None,
                            "basis": basis,
                        }
                    )  # fmt: skip
    out = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    return out.astype({"year": "int64", "value": "float64", "points": "float64",
                       "max_points": "float64"})  # fmt: skip


def _value(
    source: str,
    year: int,
    level: str,
    code: str,
    indicator: str,
    got: dict[tuple[int, str, str, str], tuple[float, str]],
    form: dict[tuple[int, str, str], tuple[float, str]],
    units: dict[str, str],
) -> tuple[float | None, str]:
    if source != "form":
        hit = got.get((year, level, code, f"@{source}"))
        return (hit[0], hit[1]) if hit else (None, "нет данных в источнике")
    if level == "municipality":
        hit2 = form.get((year, code, indicator))
        return (hit2[0], hit2[1]) if hit2 else (None, "не указано в форме")
    reported = [form[(year, c, indicator)][0] for c in units if (year, c, indicator) in form]
    if not reported:
        return None, "не указано ни одним муниципалитетом"
    return (
        sum(reported) / len(reported),
        f"среднее по {len(reported)} муниципалитетам из {len(units)}",
    )


def cycle_table(
    settings: MechanismsFile,
    stages: pd.DataFrame,
    years: list[int],
    units: dict[str, str],
    region_code: str,
    region_name: str,
) -> pd.DataFrame:
    """One row per year × unit × direction × stage: done (evidence given) and the document.
    A stage the form does not confirm is not done. The region: done when every municipality
    has evidence; ``document`` says how many have."""
    done: dict[tuple[int, str, str, str], str] = {}
    if not stages.empty:
        for r in stages.itertuples(index=False):
            if bool(r.done):
                doc = "" if pd.isna(r.document) else str(r.document)
                done[(int(r.year), str(r.municipality_code), str(r.direction), str(r.stage))] = doc
    rows: list[dict[str, object]] = []
    for year in years:
        for d_code in settings.directions:
            for order, stage in enumerate(STAGES, start=1):
                have = [c for c in units if (year, c, d_code, stage) in done]
                for level, code, name in _units(units, region_code, region_name):
                    if level == "municipality":
                        is_done = code in have
                        doc = done.get((year, code, d_code, stage), "")
                    else:
                        is_done = bool(units) and len(have) == len(units)
                        doc = f"подтверждён у {len(have)} муниципалитетов из {len(units)}"
                    rows.append(
                        {
                            "year": year, "level": level, "unit_code": code, "unit_name": name,
                            "direction": d_code, "stage": stage, "stage_order": order,
                            "stage_name": settings.stages[stage], "done": is_done,
                            "document": doc,
                        }
                    )  # fmt: skip
    return pd.DataFrame(rows, columns=CYCLE_COLUMNS).astype({"year": "int64", "done": "bool"})


def score_table(
    settings: MechanismsFile, indicators: pd.DataFrame, cycle: pd.DataFrame
) -> pd.DataFrame:
    """Per year × unit × direction (and ``total``): shares, the cycle, score, level, rank,
    change. See the module docstring for the rule."""
    keys = ["year", "level", "unit_code", "unit_name", "direction"]
    if indicators.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    ind = indicators.groupby(keys, as_index=False, sort=False).agg(
        n_indicators=("indicator", "size"),
        n_with_value=("value", "count"),
        indicator_points=("points", "sum"),
        indicator_max=("max_points", "sum"),
    )
    ind["indicator_share"] = (ind["indicator_points"] / ind["indicator_max"]).where(
        ind["indicator_max"] > 0
    )
    muni = cycle[cycle["level"] == "municipality"].copy()
    m_share = muni.groupby(["year", "unit_code", "direction"])["done"].mean()
    cyc = cycle.groupby(keys, as_index=False, sort=False).agg(
        cycle_stages_done=("done", "sum"), cycle_full=("done", "all")
    )
    cyc["cycle_share"] = cyc["cycle_stages_done"] / len(STAGES)
    region_rows = cyc["level"] == "region"
    if region_rows.any():  # the region's share: the mean of its municipalities' shares
        mean_share = m_share.groupby(["year", "direction"]).mean()
        idx = list(
            zip(cyc.loc[region_rows, "year"], cyc.loc[region_rows, "direction"], strict=True)
        )
        cyc.loc[region_rows, "cycle_share"] = [float(mean_share.get(i, 0.0)) for i in idx]
    missing = (
        cycle[~cycle["done"]]
        .sort_values("stage_order")
        .groupby(keys, sort=False)["stage"]
        .agg(list)
    )
    cyc["gaps"] = [", ".join(missing.get(tuple(k), [])) for k in cyc[keys].itertuples(index=False)]
    cyc["breaks_at"] = [g.split(", ")[0] if g else None for g in cyc["gaps"]]
    out = ind.merge(cyc, on=keys, how="left")
    w = settings.weights
    out["score"] = [
        None if pd.isna(i) and not k else c if pd.isna(i) else w.indicators * i + w.cycle * c
        for i, c, k in zip(
            out["indicator_share"], out["cycle_share"], out["cycle_stages_done"], strict=True
        )
    ]  # nothing to assess (no value, no evidence): no score, not a zero
    out["score"] = out["score"].astype("float64")
    out["direction_name"] = out["direction"].map(
        {c: d.short for c, d in settings.directions.items()}
    )
    total = out.groupby(
        ["year", "level", "unit_code", "unit_name"], as_index=False, sort=False
    ).agg(
        n_indicators=("n_indicators", "sum"),
        n_with_value=("n_with_value", "sum"),
        indicator_points=("indicator_points", "sum"),
        indicator_max=("indicator_max", "sum"),
        cycle_stages_done=("cycle_stages_done", "sum"),
        cycle_full=("cycle_full", "all"),
        cycle_share=("cycle_share", "mean"),
        score=("score", "mean"),
    )
    total["indicator_share"] = (total["indicator_points"] / total["indicator_max"]).where(
        total["indicator_max"] > 0
    )
    total = total.assign(direction=TOTAL, direction_name="Итого", gaps="", breaks_at=None)
    out = pd.concat([out, total], ignore_index=True)
    out["level_name"] = [None if pd.isna(s) else settings.level(float(s)) for s in out["score"]]
    out = _rank(out)
    prev = out[["year", "unit_code", "direction", "score"]].assign(year=out["year"] + 1)
    out = out.merge(
        prev.rename(columns={"score": "score_prev"}), on=["year", "unit_code", "direction"],
        how="left",
    )  # fmt: skip
    out["change"] = out["score"] - out["score_prev"]
    order = {c: i for i, c in enumerate([*settings.directions, TOTAL])}
    out = out.assign(_d=out["direction"].map(order), _l=out["level"].eq("region"))
    out = out.sort_values(["year", "_l", "unit_code", "_d"], kind="stable")
    out = out[SCORE_COLUMNS].reset_index(drop=True)
    return out.astype({"year": "int64", "cycle_stages_done": "int64", "cycle_full": "bool",
                       "rank": "Int64", "n_units": "Int64"})  # fmt: skip


def _rank(scores: pd.DataFrame) -> pd.DataFrame:
    """Rank among the municipalities of a year and direction: 1 = highest score, ties share
    the best place (1, 1, 3); no score, no rank; the region's row has none."""
    out = scores.copy()
    muni = out["level"] == "municipality"
    grouped = out[muni].groupby(["year", "direction"])["score"]
    out.loc[muni, "rank"] = grouped.rank(method="min", ascending=False)
    out.loc[muni, "n_units"] = grouped.transform("count")
    out["rank"] = out["rank"].astype("Float64").round().astype("Int64")
    out["n_units"] = out["n_units"].astype("Float64").round().astype("Int64")
    return out
