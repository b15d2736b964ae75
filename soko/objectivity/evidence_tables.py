"""The figures behind each marker, for the per-school charts of the objectivity pages.

The existing ВПР tables do not hold what a marked school's evidence needs: ``vpr_scores``
stops at municipalities, ``vpr_journal`` keeps only «понизили / подтвердили / повысили»,
not which journal mark met which ВПР mark. ``objectivity_evidence`` fills that gap for the
MARKED units only (school × year × subject × grade with ``marker`` = 1), so the table stays
small and notebooks never touch student rows. Everything here is a count or a share of a
group: one row per score value, task level, task or journal × ВПР mark cell, never per
participant.

One long table, a ``part`` per view:

- ``score``: every primary score 0 … max of the work: the school's participants with that
  score (``n_students``), the region's share with it (``region_share``), the work's
  ``max_score`` and the year's mark thresholds ``threshold_3/4/5`` (config scale; without
  one, the lowest score seen per mark, as the signals do);
- ``level``: completion of basic (Б) and advanced (П) tasks, school and region: points /
  (participants × the level's maximum), a task not done counting 0 as in ФИС ОКО — the
  figures ``basic_completion`` / ``advanced_completion`` of ``objectivity_signals``;
- ``task``: the same per task (``task``, ``task_order``, ``task_level``, ``max_score``);
- ``journal``: the 4 × 4 cross-tab journal mark × ВПР mark of participants with both marks:
  ``n_students`` of the school per cell and the region's share of its participants with
  both marks in that cell.

``n`` is the school's group the part describes (participants with a score; participants;
participants with both marks) and ``region_n`` the region's, so a page suppresses by ``n``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.config import vpr_scale
from soko.derive import DerivedSpec
from soko.objectivity.works import scale_thresholds

EVIDENCE_NAME = "objectivity_evidence"
EVIDENCE_INPUTS: tuple[str, ...] = (
    "derived/objectivity_signals",
    "vpr_results",
    "vpr_task_scores",
    "vpr_tasks",
)
PARTS: tuple[str, ...] = ("score", "level", "task", "journal")
WORK_KEYS: list[str] = ["year", "subject", "grade"]
UNIT_KEYS: list[str] = [*WORK_KEYS, "school_code"]
SCHOOL_COLUMNS: list[str] = ["municipality_code", "municipality_name", "school_code", "school_name"]
MARKS: tuple[int, ...] = (2, 3, 4, 5)
LEVELS: tuple[str, ...] = ("Б", "П")
COLUMNS: list[str] = [
    *SCHOOL_COLUMNS,
    "year",
    "subject",
    "grade",
    "part",
    "n",
    "region_n",
    "primary_score",
    "journal_mark",
    "mark",
    "task",
    "task_order",
    "task_level",
    "max_score",
    "n_students",
    "region_share",
    "completion",
    "region_completion",
    "threshold_3",
    "threshold_4",
    "threshold_5",
]
_INT_COLUMNS = (
    "year",
    "grade",
    "n",
    "region_n",
    "primary_score",
    "journal_mark",
    "mark",
    "task_order",
    "max_score",
    "n_students",
    "threshold_3",
    "threshold_4",
    "threshold_5",
)
_FLOAT_COLUMNS = ("region_share", "completion", "region_completion")
_STR_COLUMNS = ("part", "task", "task_level", "subject", *SCHOOL_COLUMNS)


def _keys(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Join keys in one dtype whatever the parquet gave (str vs string, int32 vs int64)."""
    out = frame.copy()
    for col in columns:
        if col in ("year", "grade"):
            out[col] = out[col].astype("int64")
        else:
            out[col] = out[col].astype(str)
    return out


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column of ``COLUMNS`` in a stable dtype (missing ones NA), in order."""
    out = frame.copy()
    for col in COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA
    for col in _INT_COLUMNS:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    for col in _FLOAT_COLUMNS:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    for col in _STR_COLUMNS:
        out[col] = out[col].astype("string")
    return out[COLUMNS]


def empty_evidence() -> pd.DataFrame:
    return _finish(pd.DataFrame(columns=COLUMNS))


def _score_part(results: pd.DataFrame, units: pd.DataFrame, max_scores: dict) -> pd.DataFrame:
    """Participants per primary score 0 … max: the school's counts, the region's shares."""
    scored = results[results["primary_score"].notna()]
    by_work = scored.groupby(WORK_KEYS, sort=False).indices
    frames = []
    for (year, subject, grade), mine in units.groupby(WORK_KEYS, sort=False):
        work = (int(year), str(subject), int(grade))
        rows = by_work.get(work)
        in_work = scored.iloc[rows] if rows is not None else scored.iloc[0:0]
        primary = in_work["primary_score"].to_numpy(dtype="int64")
        top = max_scores.get(work, int(primary.max()) if len(primary) else 0)
        top = max(top, int(primary.max()) if len(primary) else 0)
        found = scale_thresholds(
            *work, primary, in_work["mark"].to_numpy(dtype="float64", na_value=np.nan)
        )
        region = np.bincount(primary, minlength=top + 1).astype("float64")
        schools = in_work["school_code"].to_numpy(dtype=object)
        for code in mine["school_code"]:
            own = primary[schools == code]
            frames.append(
                pd.DataFrame(
                    {
                        "year": work[0],
                        "subject": work[1],
                        "grade": work[2],
                        "school_code": code,
                        "part": "score",
                        "n": len(own),
                        "region_n": len(primary),
                        "primary_score": np.arange(top + 1),
                        "max_score": top,
                        "n_students": np.bincount(own, minlength=top + 1),
                        "region_share": region / len(primary) if len(primary) else np.nan,
                        "threshold_3": found[0] if found else pd.NA,
                        "threshold_4": found[1] if found else pd.NA,
                        "threshold_5": found[2] if found else pd.NA,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _task_parts(
    results: pd.DataFrame,
    task_scores: pd.DataFrame,
    tasks: pd.DataFrame,
    units: pd.DataFrame,
) -> pd.DataFrame:
    """Completion per task and per level (Б/П), school and region: points / (participants ×
    maximum). A task not done counts 0, and only participants of ``vpr_results`` count, as in
    the signals (``works.iter_works``), so the figures equal theirs.

    Work by work, with array lookups instead of joins: ``vpr_task_scores`` runs to tens of
    millions of rows in a large region."""
    if tasks.empty or task_scores.empty:
        return pd.DataFrame()
    info = _keys(tasks, WORK_KEYS).rename(columns={"level": "task_level"})
    info["task"] = info["task"].astype(str)
    # integer codes once, so that each work is a lookup in int arrays, not in string columns
    school_codes, schools = _factorize(task_scores["school_code"])
    person_codes, persons = _factorize(task_scores["participant_code"])
    task_codes, task_names = _factorize(task_scores["task"])
    ts_key = school_codes.astype("int64") * max(len(persons), 1) + person_codes
    values = pd.to_numeric(task_scores["score"], errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    res_school = schools.get_indexer(results["school_code"].astype(str).to_numpy(dtype=object))
    res_person = persons.get_indexer(results["participant_code"].astype(str).to_numpy(dtype=object))
    res_key = np.where(
        (res_school >= 0) & (res_person >= 0),
        res_school.astype("int64") * max(len(persons), 1) + res_person,
        -1 - np.arange(len(results)),  # no task scores: a key no score row has
    )
    score_rows = task_scores.groupby(WORK_KEYS, sort=False).indices
    result_rows = results.groupby(WORK_KEYS, sort=False).indices
    task_index = task_names
    result_school = results["school_code"].to_numpy(dtype=object)
    frames = []
    for (year, subject, grade), mine in units.groupby(WORK_KEYS, sort=False):
        work = (int(year), str(subject), int(grade))
        plan = info[
            (info["year"] == work[0]) & (info["subject"] == work[1]) & (info["grade"] == work[2])
        ].sort_values("task_order")
        if plan.empty or work not in result_rows:
            continue
        people = result_rows[work]
        school = result_school[people]
        points = np.zeros((len(people), len(plan)))
        rows = _lookup(score_rows, work)
        if rows is not None:
            who = pd.Index(res_key[people]).get_indexer(ts_key[rows])
            position = np.full(len(task_names) + 1, -1)
            found = task_index.get_indexer(plan["task"])
            position[found[found >= 0]] = np.flatnonzero(found >= 0)
            col = position[task_codes[rows]]
            val = values[rows]
            ok = (who >= 0) & (col >= 0) & ~np.isnan(val)
            np.add.at(points, (who[ok], col[ok]), val[ok])
        region = points.sum(axis=0)
        for code in mine["school_code"]:
            own = school == code
            frames.append(
                plan[["task", "task_order", "max_score", "task_level"]].assign(
                    year=work[0],
                    subject=work[1],
                    grade=work[2],
                    school_code=code,
                    n=int(own.sum()),
                    region_n=len(people),
                    points=points[own].sum(axis=0),
                    region_points=region,
                )
            )
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)

    def ratio(points: pd.Series, n: pd.Series, top: pd.Series) -> pd.Series:
        den = (n * top).astype("float64")
        return points.astype("float64") / den.where(den > 0)

    per_task = frame.assign(
        part="task",
        completion=ratio(frame["points"], frame["n"], frame["max_score"]),
        region_completion=ratio(frame["region_points"], frame["region_n"], frame["max_score"]),
    )
    by_level = (
        frame.groupby([*UNIT_KEYS, "task_level"], sort=False)
        .agg(
            n=("n", "first"),
            region_n=("region_n", "first"),
            max_score=("max_score", "sum"),
            points=("points", "sum"),
            region_points=("region_points", "sum"),
        )
        .reset_index()
    )
    by_level = by_level.assign(
        part="level",
        completion=ratio(by_level["points"], by_level["n"], by_level["max_score"]),
        region_completion=ratio(
            by_level["region_points"], by_level["region_n"], by_level["max_score"]
        ),
    )
    drop = ["points", "region_points"]
    return pd.concat([by_level.drop(columns=drop), per_task.drop(columns=drop)], ignore_index=True)


def _factorize(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes of a long column and its distinct values as str (the column is not copied as
    str: only the few distinct values are converted)."""
    codes, uniques = pd.factorize(column)
    return codes, pd.Index([str(u) for u in uniques], dtype=object)


def _lookup(groups: dict, work: tuple[int, str, int]) -> np.ndarray | None:
    """Rows of ``work`` in a ``groupby(...).indices`` whose keys may be numpy or str types."""
    for key, rows in groups.items():
        if (int(key[0]), str(key[1]), int(key[2])) == work:
            return rows
    return None


def _journal_part(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Journal mark × ВПР mark (2–5 each) of participants with both marks."""
    both = results[results["journal_mark"].notna() & results["mark"].notna()].copy()
    both["journal_mark"] = both["journal_mark"].astype("int64")
    both["mark"] = both["mark"].astype("int64")
    region = both.groupby([*WORK_KEYS, "journal_mark", "mark"]).size().rename("region_count")
    region_n = both.groupby(WORK_KEYS).size().rename("region_n").reset_index()
    school = both.groupby([*UNIT_KEYS, "journal_mark", "mark"]).size().rename("n_students")
    school_n = both.groupby(UNIT_KEYS).size().rename("n").reset_index()
    grid = pd.DataFrame(
        [(j, m) for j in MARKS for m in MARKS], columns=["journal_mark", "mark"]
    ).astype("int64")
    frame = units[UNIT_KEYS].merge(grid, how="cross")
    frame = frame.merge(school.reset_index(), on=[*UNIT_KEYS, "journal_mark", "mark"], how="left")
    frame = frame.merge(region.reset_index(), on=[*WORK_KEYS, "journal_mark", "mark"], how="left")
    frame = frame.merge(school_n, on=UNIT_KEYS, how="left").merge(
        region_n, on=WORK_KEYS, how="left"
    )
    frame[["n_students", "region_count", "n", "region_n"]] = frame[
        ["n_students", "region_count", "n", "region_n"]
    ].fillna(0)
    rn = frame["region_n"].astype("float64")
    frame["region_share"] = frame["region_count"] / rn.where(rn > 0)
    return frame.drop(columns="region_count").assign(part="journal")


def _max_scores(tasks: pd.DataFrame, works: pd.DataFrame) -> dict[tuple[int, str, int], int]:
    """The work's maximum primary score: its tasks' sum, else the config scale's."""
    out: dict[tuple[int, str, int], int] = {}
    sums = (
        _keys(tasks, WORK_KEYS).groupby(WORK_KEYS)["max_score"].sum()
        if not tasks.empty
        else pd.Series(dtype="int64")
    )
    for year, subject, grade in works[WORK_KEYS].itertuples(index=False):
        key = (int(year), str(subject), int(grade))
        if key in sums.index:
            out[key] = int(sums[key])
            continue
        scale = vpr_scale(*key)
        if scale is not None:
            out[key] = scale.max_score
    return out


def objectivity_evidence(
    objectivity_signals: pd.DataFrame,
    vpr_results: pd.DataFrame,
    vpr_task_scores: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
) -> pd.DataFrame:
    """Score histogram, task completion by level and per task, journal × ВПР cross-tab of
    every marked unit, school against region (see the module docstring for the parts)."""
    if objectivity_signals.empty or "marker" not in objectivity_signals.columns:
        return empty_evidence()
    marked = objectivity_signals[objectivity_signals["marker"].fillna(0).astype(int) == 1]
    if marked.empty:
        return empty_evidence()
    names = [c for c in SCHOOL_COLUMNS if c in marked.columns]
    units = _keys(marked[[*names, *WORK_KEYS]].drop_duplicates(UNIT_KEYS), UNIT_KEYS)
    works = units[WORK_KEYS].drop_duplicates()
    columns = [*UNIT_KEYS, "participant_code", "primary_score", "mark", "journal_mark"]
    results = _keys(vpr_results[columns], UNIT_KEYS).merge(works, on=WORK_KEYS)
    results["participant_code"] = results["participant_code"].astype(str)
    parts = [
        _score_part(results, units, _max_scores(vpr_tasks, works)),
        _task_parts(results, vpr_task_scores, vpr_tasks, units),
        _journal_part(results, units),
    ]
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    out = out.drop(columns=[c for c in names if c != "school_code" and c in out.columns])
    out = out.merge(units[[*names, *WORK_KEYS]], on=UNIT_KEYS, how="left")
    order = {p: i for i, p in enumerate(PARTS)}
    out = out.assign(_part=out["part"].map(order)).sort_values(
        [*UNIT_KEYS, "_part", "task_order", "task_level", "journal_mark", "mark", "primary_score"],
        kind="stable",
        na_position="first",
    )
    return _finish(out.drop(columns="_part").reset_index(drop=True))


EVIDENCE_TABLE = DerivedSpec(EVIDENCE_NAME, EVIDENCE_INPUTS, objectivity_evidence)
