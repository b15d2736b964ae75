"""Task completion of a protocol kind for region, municipalities and schools (true numbers,
unsuppressed): ``<code>_tasks``, shaped like ВПР's ``vpr_tasks``.

A РЦОИ protocol keeps each participant's answers as strings, not a row per task; the points
per task come from parsing them against the year's scale (:mod:`.answers`, :mod:`.scales`).
Per year × subject × grade the strings are parsed once, the points summed per school, and
the sums rolled up to municipalities and the region, so analyses that relate tasks to
something schools do (laboratory equipment and the practical tasks, ``soko.procedures.lab``)
read ОГЭ the way they read ВПР: same column names, completion = points / (n × max_score).

``n`` counts the participants whose both answer strings parse against the scale: a row
whose strings do not (an absent participant, a protocol of another structure) has no
points per task, and counting it would deflate every task alike. The contract already
rejects strings that do not fit the scale, so in canonical tables these are the rows without
answers. Small cells stay in: it is an internal derived table, pages suppress.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from soko.config import RegionConfig
from soko.derive import DerivedSpec
from soko.formats.rcoi_protocol import scales
from soko.formats.rcoi_protocol.answers import parse_answers
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.indicators import levels as lv

TASK_TABLE_COLUMNS: tuple[str, ...] = (
    "level",
    "unit_code",
    "unit_name",
    "municipality_code",
    "year",
    "subject",
    "grade",
    "task",
    "task_order",
    "max_score",
    "n",
    "points",
    "completion",
)
_COUNT_COLUMNS = ("n", "points")


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in TASK_TABLE_COLUMNS})


def _school_counts(
    sc: scales.GiaScale, rows: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(school-grain counts per task, the scale's tasks) of one year × subject × grade."""
    labels = (*sc.short_labels, *sc.long_labels)
    if not labels:
        return None
    parsed = parse_answers(
        rows["short_answers"],
        rows["long_answers"],
        sc.short_labels,
        sc.short_max,
        sc.long_labels,
        sc.long_max,
    )
    ok = ~np.isnan(parsed.task_sum)
    if not ok.any():
        return None
    points = pd.DataFrame({f"_t{i}": parsed.points[t][ok] for i, t in enumerate(labels)})
    points["municipality_code"] = rows["municipality_code"].to_numpy()[ok]
    points["school_code"] = rows["school_code"].to_numpy()[ok]
    points["n"] = 1
    grouped = points.groupby(list(lv.SCHOOL_GRAIN), sort=True, dropna=False).sum().reset_index()
    long = grouped.melt(
        id_vars=[*lv.SCHOOL_GRAIN, "n"],
        value_vars=[f"_t{i}" for i in range(len(labels))],
        var_name="_i",
        value_name="points",
    )
    order = long["_i"].str[2:].astype("int64")
    long["task"] = np.asarray(labels, dtype=object)[order.to_numpy()]
    long["year"], long["subject"], long["grade"] = sc.year, sc.subject, int(rows["grade"].iloc[0])
    maxima = sc.task_max
    info = pd.DataFrame(
        {
            "year": sc.year,
            "subject": sc.subject,
            "grade": int(rows["grade"].iloc[0]),
            "task": list(labels),
            "task_order": range(1, len(labels) + 1),
            "max_score": [maxima[t] for t in labels],
        }
    )
    return long.drop(columns="_i"), info


def task_table(
    kind: GiaKind,
    results: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    *,
    region: RegionConfig | None = None,
    levels: Sequence[str] = lv.LEVELS,
    directory: Path | None = None,
) -> pd.DataFrame:
    """Per level × unit × year × subject × grade × task: participants with parsed answers
    (``n``), their points, the task maximum and ``completion`` (share 0–1), as ``vpr_tasks``.

    Tests of a year with no scale in the config are left out (the contract rejects their
    rows before they reach the canonical table)."""
    if results.empty:
        return _empty()
    region = lv.resolve_region(region)
    counts: list[pd.DataFrame] = []
    infos: list[pd.DataFrame] = []
    keys = results[list(lv.TEST_KEYS)].astype("object")
    for (year, subject, grade), idx in keys.groupby(list(lv.TEST_KEYS), sort=True).indices.items():
        sc = scales.scale(kind, int(year), str(subject), int(grade), directory)
        found = None if sc is None else _school_counts(sc, results.iloc[idx])
        if found is not None:
            counts.append(found[0])
            infos.append(found[1])
    if not counts:
        return _empty()
    frame = pd.concat(counts, ignore_index=True)
    frame["points"] = frame["points"].astype("float64")
    test_keys = [*lv.TEST_KEYS, "task"]
    rolled = lv.roll_up(
        frame, test_keys, _COUNT_COLUMNS, region_code=region.code, levels=levels, sort=False
    )
    info = pd.concat(infos, ignore_index=True)
    out = rolled.merge(info, on=test_keys, how="left")
    out["n"] = out["n"].astype("int64")
    out["points"] = out["points"].astype("int64")
    out["completion"] = lv.safe_divide(out["points"], out["n"] * out["max_score"])
    out["year"] = out["year"].astype("int64")
    out["grade"] = out["grade"].astype("int64")
    out["task_order"] = out["task_order"].astype("int64")
    out["max_score"] = out["max_score"].astype("int64")
    for col in ("unit_code", "municipality_code", "subject", "task", "level"):
        out[col] = out[col].astype("string")
    out = lv.add_unit_names(out, schools, region)
    out = lv.sort_rows(out, ["level", "unit_code", *lv.TEST_KEYS, "task_order"])
    return out[list(TASK_TABLE_COLUMNS)]


def _derive(
    kind: GiaKind, schools: pd.DataFrame | None = None, **tables: pd.DataFrame
) -> pd.DataFrame:
    return task_table(kind, tables[kind.table], schools)


def task_spec(kind: GiaKind) -> DerivedSpec:
    """``<code>_tasks``; the results are optional so a region without the kind's protocols
    gets an empty table, not a failed build step (analyses reading it say there is none)."""
    return DerivedSpec(
        f"{kind.code}_tasks",
        (kind.table, "schools"),
        partial(_derive, kind),
        optional=(kind.table,),
    )
