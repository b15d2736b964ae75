"""The derived tables ``rating_schools`` and ``rating_municipalities``: per year, every unit's
indicators, composite, place with its interval and group (config/ratings.yml).

Result rows come from the canonical tables (one row = one student's result in one work), so
the bootstrap can redraw students; the value added comes from the derived ``va_schools`` as
an estimate with its standard error. Units without enough results are kept, unplaced, with
the reason in ``note`` (nothing is dropped in silence).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from soko.indicators.marks import max_primary_scores, max_primary_scores_from_config
from soko.ratings.engine import ComponentSpec, Estimate, Rating, Sample, group_labels, rate
from soko.settings import load_checked
from soko.settings.ratings import Component, Level, RatingsFile

CONFIG_FILE = "ratings.yml"
RESULT_SOURCES: tuple[str, ...] = ("vpr", "oge", "ege")
LEVELS: dict[str, tuple[str, str]] = {  # level → (unit code column, unit name column)
    "schools": ("school_code", "school_name"),
    "municipalities": ("municipality_code", "municipality_name"),
}
TAIL_COLUMNS: tuple[str, ...] = (
    "n",
    "weight_share",
    "composite",
    "composite_low",
    "composite_high",
    "place",
    "place_low",
    "place_high",
    "n_rated",
    "group",
    "group_label",
    "note",
)


def load_settings(directory: Path | None = None) -> RatingsFile:
    return load_checked(CONFIG_FILE, RatingsFile, directory)


def _component_rows(c: Component, frame: pd.DataFrame) -> np.ndarray:
    keep = np.ones(len(frame), dtype=bool)
    if c.subjects is not None:
        keep &= frame["subject"].isin(c.subjects).to_numpy()
    if c.grades is not None:
        keep &= frame["grade"].isin(c.grades).to_numpy()
    return keep


def _measure(c: Component, frame: pd.DataFrame) -> np.ndarray:
    """Each result row's value of the indicator (NaN: no value or not in its subjects)."""
    mark = frame["mark"].to_numpy("float64", na_value=np.nan) if "mark" in frame else None
    if c.measure == "score_share":
        v = frame["primary_score"].to_numpy("float64", na_value=np.nan) / frame[
            "max_primary_score"
        ].to_numpy("float64", na_value=np.nan)
    elif c.measure == "mean_score":
        v = frame["test_score"].to_numpy("float64", na_value=np.nan)
    elif mark is None:
        v = np.full(len(frame), np.nan)
    elif c.measure == "share_mark2":
        v = np.where(np.isnan(mark), np.nan, (mark == 2).astype("float64"))
    elif c.measure == "share_mark45":
        v = np.where(np.isnan(mark), np.nan, (mark >= 4).astype("float64"))
    else:  # mean_mark
        v = mark
    return np.where(_component_rows(c, frame), v, np.nan)


def with_max_scores(vpr_results: pd.DataFrame, vpr_tasks: pd.DataFrame) -> pd.DataFrame:
    """ВПР rows with their test's maximum primary score (vpr_tasks, else config/vpr_scales)."""
    if vpr_results.empty:
        return vpr_results.assign(max_primary_score=pd.Series(dtype="Int64"))
    maxima = (
        max_primary_scores(vpr_tasks)
        if len(vpr_tasks)
        else max_primary_scores_from_config(vpr_results)
    )
    keys = ["year", "subject", "grade"]
    return vpr_results.merge(maxima[[*keys, "max_primary_score"]], on=keys, how="left")


@dataclass(frozen=True)
class YearData:
    """One year's inputs: result rows per source and the value-added rows."""

    results: dict[str, pd.DataFrame]
    value_added: pd.DataFrame


def _units(data: YearData, level: str, schools: pd.DataFrame) -> pd.DataFrame:
    code, name = LEVELS[level]
    seen = [f[["school_code", "municipality_code"]] for f in data.results.values() if len(f)]
    if len(data.value_added):
        seen.append(data.value_added[["school_code", "municipality_code"]])
    if not seen:
        return pd.DataFrame(columns=[code, name])
    rows = pd.concat(seen, ignore_index=True).drop_duplicates("school_code")
    registry = schools[["school_code", "school_name", "municipality_code", "municipality_name"]]
    rows = rows.merge(registry.drop(columns="municipality_code"), on="school_code", how="left")
    names = registry.drop_duplicates("municipality_code")[
        ["municipality_code", "municipality_name"]
    ]
    rows = rows.drop(columns="municipality_name").merge(names, on="municipality_code", how="left")
    if level == "municipalities":
        rows = rows[["municipality_code", "municipality_name"]].drop_duplicates(code)
    else:
        rows = rows[["school_code", "school_name", "municipality_code", "municipality_name"]]
    units = rows.sort_values(code, ignore_index=True)
    units[name] = units[name].fillna(units[code])
    return units


def _samples(data: YearData, cfg: Level, level: str, index: pd.Index) -> list[Sample]:
    code = LEVELS[level][0]
    out = []
    for source in RESULT_SOURCES:
        frame = data.results.get(source)
        comps = [c for c in cfg.components if c.source == source]
        if frame is None or frame.empty or not comps:
            continue
        values = {c.id: _measure(c, frame) for c in comps}
        relevant = np.zeros(len(frame), dtype=bool)
        for v in values.values():
            relevant |= ~np.isnan(v)
        # a fixed row order — by block, then by the values drawn — so the draws depend neither
        # on the order the rows arrived in nor on the participants' ids: ГИА ids are keyed
        # with each installation's own salt (soko.pseudonym), and two rows with equal values
        # are interchangeable in a draw
        keys = ["school_code", "subject", "grade"]
        part = frame.loc[relevant, list(dict.fromkeys([*keys, code]))].assign(
            **{f"_v{i}": v[relevant] for i, v in enumerate(values.values())}
        )
        part = part.sort_values([*keys, *(f"_v{i}" for i in range(len(values)))], kind="stable")
        block = pd.MultiIndex.from_frame(part[keys].astype(str)).factorize()[0]
        out.append(
            Sample(
                block=block,
                unit=index.get_indexer(part[code]),
                values={k: part[f"_v{i}"].to_numpy("float64") for i, k in enumerate(values)},
            )
        )
    return out


def _estimates(data: YearData, cfg: Level, level: str, index: pd.Index) -> dict[str, Estimate]:
    out = {}
    for c in cfg.components:
        if c.source != "value_added":
            continue
        va = data.value_added
        if len(va):
            va = va[va["analysis"].isin(c.analyses or [])]
            if c.subjects is not None:
                va = va[va["subject"].isin(c.subjects)]
            va = va.dropna(subset=["effect"])
        value = np.full(len(index), np.nan)
        se = np.full(len(index), np.nan)
        n = np.zeros(len(index))
        if len(va):
            # a school's value added: the mean of its estimates (analyses × subjects), whose
            # errors are taken as independent; a municipality's: its schools' means weighted
            # by their students
            per_school = va.groupby("school_code").agg(
                municipality_code=("municipality_code", "first"),
                effect=("effect", "mean"),
                var=("se", lambda s: float((s.astype(float) ** 2).sum()) / len(s) ** 2),
                n=("n", "mean"),
            )
            if level == "schools":
                agg = per_school
            else:
                w = per_school["n"]
                g = per_school.assign(
                    we=per_school["effect"] * w, wv=per_school["var"] * w**2
                ).groupby("municipality_code")
                agg = pd.DataFrame(
                    {
                        "effect": g["we"].sum() / g["n"].sum(),
                        "var": g["wv"].sum() / g["n"].sum() ** 2,
                        "n": g["n"].sum(),
                    }
                )
            pos = index.get_indexer(agg.index)
            ok = pos >= 0
            value[pos[ok]] = agg["effect"].to_numpy(float)[ok]
            se[pos[ok]] = np.sqrt(agg["var"].to_numpy(float))[ok]
            n[pos[ok]] = agg["n"].to_numpy(float)[ok]
        out[c.id] = Estimate(value=value, se=se, n=n)
    return out


def specs_of(cfg: Level) -> list[ComponentSpec]:
    return [ComponentSpec(c.id, c.weight, c.direction == "higher") for c in cfg.components]


def rate_year(
    data: YearData,
    schools: pd.DataFrame,
    settings: RatingsFile,
    level: str,
    year: int,
) -> tuple[pd.DataFrame, Rating]:
    """The rating table of one level and year (and the engine's result behind it)."""
    cfg: Level = getattr(settings, level)
    code = LEVELS[level][0]
    units = _units(data, level, schools)
    index = pd.Index(units[code])
    specs = specs_of(cfg)
    level_no = list(LEVELS).index(level)
    result = rate(
        _samples(data, cfg, level, index),
        _estimates(data, cfg, level, index),
        specs,
        len(units),
        min_n=settings.min_students,
        min_weight_share=settings.min_weight_share,
        how=cfg.standardise,
        replicates=settings.bootstrap.replicates,
        level=settings.interval,
        rng=np.random.default_rng([settings.bootstrap.seed, year, level_no]),
    )
    out = units.copy()
    out.insert(0, "year", year)
    for k, s in enumerate(specs):
        out[s.id] = np.where(result.used[:, k], result.values[:, k], np.nan)
    student = [k for k, c in enumerate(cfg.components) if c.source != "value_added"]
    out["n"] = result.n[:, student].sum(axis=1).astype("int64") if student else 0
    out["weight_share"] = result.weight_share
    out["composite"] = result.composite
    out["composite_low"] = result.composite_low
    out["composite_high"] = result.composite_high
    out["place"] = pd.array(result.place, dtype="Float64").astype("Int64")
    out["place_low"] = pd.array(result.place_low, dtype="Float64").astype("Int64")
    out["place_high"] = pd.array(result.place_high, dtype="Float64").astype("Int64")
    out["n_rated"] = int(result.rated.sum())
    out["group"] = result.group
    out["group_label"] = group_labels(result.place, result.group)
    out["note"] = [
        ""
        if r
        else (
            f"не оценивается: показатели с не менее чем {settings.min_students} результатами "
            f"весят {share:.0%} суммы весов (нужно {settings.min_weight_share:.0%})"
        )
        for r, share in zip(result.rated, result.weight_share, strict=True)
    ]
    out = out.sort_values(["place", code], na_position="last", ignore_index=True)
    return out, result


def _years(frames: dict[str, pd.DataFrame], va: pd.DataFrame) -> list[int]:
    years: set[int] = set()
    for f in [*frames.values(), va]:
        if len(f):
            years |= {int(y) for y in f["year"].unique()}
    return sorted(years)


def empty_table(settings: RatingsFile, level: str) -> pd.DataFrame:
    code, name = LEVELS[level]
    cols = ["year", code, name]
    if level == "schools":
        cols += ["municipality_code", "municipality_name"]
    ids = [c.id for c in getattr(settings, level).components]
    return pd.DataFrame(columns=[*cols, *ids, *TAIL_COLUMNS])


def rating_table(
    level: str,
    *,
    vpr_results: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    oge_results: pd.DataFrame,
    ege_results: pd.DataFrame,
    schools: pd.DataFrame,
    va_schools: pd.DataFrame,
    settings: RatingsFile | None = None,
) -> pd.DataFrame:
    """Every year's rating of ``level`` (``schools`` or ``municipalities``)."""
    cfg = settings or load_settings()
    frames = {
        "vpr": with_max_scores(vpr_results, vpr_tasks),
        "oge": oge_results,
        "ege": ege_results,
    }
    parts = []
    for year in _years(frames, va_schools):
        data = YearData(
            results={k: f[f["year"] == year] for k, f in frames.items() if len(f)},
            value_added=va_schools[va_schools["year"] == year] if len(va_schools) else va_schools,
        )
        parts.append(rate_year(data, schools, cfg, level, year)[0])
    if not parts:
        return empty_table(cfg, level)
    return pd.concat(parts, ignore_index=True)
