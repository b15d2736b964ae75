"""The olympiads' derived tables (school → municipality → region).

- ``olympiad_units`` — the management mechanisms' inputs (direction 1.3): its columns are a
  contract with ``soko.procedures.mechanisms`` — change them only together.
- ``olympiad_participation`` — per year, unit, stage and grade band: students, unique
  participants and participations, both per 100 students, winners and prize-winners.
- ``olympiad_schools`` — per school and year: participants and awards over the window of
  ``no_awards.window_years`` years ending that year; schools with no award.
- ``olympiad_subjects`` — per year, unit and subject at the configured stage: the share of
  winners and prize-winners among participants with its Wilson interval, against the unit's
  share over all subjects; the weak subjects.

Counting rules (docs/olympiads.md): a participant is a code in a year (codes are not kept
across years, as ВПР's); a participation is a row (participant × stage × subject); a
participant and the students are counted by the grade studied; winners and prize-winners
are counted as diplomas (rows) and ``awarded_persons`` as pupils with at least one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from soko.procedures.olympiads.form import ALL_BAND
from soko.procedures.olympiads.settings import BAND_START, OlympiadsBlock
from soko.school_registry import municipality_names

UNITS_COLUMNS: tuple[str, ...] = (
    "year",
    "level",
    "unit_code",
    "students_7_11",
    "participants_municipal_7_11",
    "winners_regional",
    "students_total",
)
PARTICIPATION_COLUMNS: tuple[str, ...] = (
    "year",
    "level",
    "unit_code",
    "unit_name",
    "municipality_code",
    "stage",
    "stage_name",
    "band",
    "n",
    "participants",
    "participations",
    "participants_per_100",
    "participations_per_100",
    "winners",
    "prize_winners",
    "awarded_persons",
)
SCHOOL_COLUMNS: tuple[str, ...] = (
    "year",
    "municipality_code",
    "municipality_name",
    "school_code",
    "school_name",
    "window_from",
    "window_to",
    "years_with_data",
    "n",
    "participants_school",
    "participants_from_stage",
    "awarded_from_stage",
    "awarded_regional",
    "no_awards",
)
SUBJECT_COLUMNS: tuple[str, ...] = (
    "year",
    "level",
    "unit_code",
    "unit_name",
    "stage",
    "subject",
    "subject_name",
    "n",
    "awarded",
    "share_awarded",
    "ci_low",
    "ci_high",
    "unit_share",
    "gap",
    "weak",
)
AWARDS = ("winner", "prize_winner")
TOP_STAGES = ("regional", "final")  # «winners of the regional stage» include the final's


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def all_band(s: OlympiadsBlock) -> str:
    """The label of every band together (grades 4–11 by default)."""
    return s.band_label((s.grade_bands[0][0], s.grade_bands[-1][1]))


def _with_band(results: pd.DataFrame, s: OlympiadsBlock) -> pd.DataFrame:
    out = results.copy()
    out["band"] = out["grade"].astype(int).map(s.band_of).astype("string")
    return out


def _names(schools: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """School and municipality names; a municipality by its name today in
    ``config/region.yml`` (the tables are in today's boundaries: the okrug formed in 2026 is
    «… муниципальный округ», not the registry file's «… район»), else the registry's."""
    reg = schools.drop_duplicates("school_code")
    return (
        dict(zip(reg["school_code"], reg["school_name"], strict=True)),
        municipality_names(schools),
    )


def _unit_frames(
    results: pd.DataFrame, students: pd.DataFrame, region_code: str
) -> list[tuple[str, pd.DataFrame, pd.DataFrame, str]]:
    """(level, results, students, unit column) for school, municipality and region."""
    r = results.assign(region=region_code)
    st = students.assign(region=region_code)
    return [
        ("school", r, st, "school_code"),
        ("municipality", r, st, "municipality_code"),
        ("region", r, st, "region"),
    ]


# --- the mechanisms' inputs --------------------------------------------------------------------


def units_table(
    results: pd.DataFrame, students: pd.DataFrame, s: OlympiadsBlock, region_code: str
) -> pd.DataFrame:
    """``olympiad_units``: per year, municipality and the region — students of grades 7–11,
    unique participants of the municipal stage in grades 7–11, winners and prize-winners of
    the regional stage (and the final, persons), all students."""
    if students.empty:
        return _empty(UNITS_COLUMNS)
    upper = [s.band_label(b) for b in s.grade_bands if b[0] >= BAND_START]
    rows = []
    for level, r, st, unit in _unit_frames(results, students, region_code)[1:]:
        enrol = st[st["band"].isin(upper)].groupby(["year", unit])["students"].sum()
        total = st[st["band"] == ALL_BAND].groupby(["year", unit])["students"].sum()
        mun = r[(r["stage"] == "municipal") & (r["grade"] >= BAND_START)]
        part = mun.groupby(["year", unit])["participant_code"].nunique()
        top = r[r["stage"].isin(TOP_STAGES) & r["status"].isin(AWARDS)]
        won = top.groupby(["year", unit])["participant_code"].nunique()
        frame = pd.DataFrame({"students_7_11": enrol, "students_total": total})
        frame["participants_municipal_7_11"] = part.reindex(frame.index).fillna(0)
        frame["winners_regional"] = won.reindex(frame.index).fillna(0)
        frame = frame.reset_index().rename(columns={unit: "unit_code"})
        frame["level"] = level
        rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    for col in ("students_7_11", "participants_municipal_7_11", "winners_regional"):
        out[col] = out[col].fillna(0).astype("int64")
    out["students_total"] = out["students_total"].fillna(0).astype("int64")
    out["year"] = out["year"].astype("int64")
    out["level"] = out["level"].astype("string")
    out["unit_code"] = out["unit_code"].astype("string")
    out = out.sort_values(["year", "level", "unit_code"], kind="stable")
    return out[list(UNITS_COLUMNS)].reset_index(drop=True)


# --- participation -----------------------------------------------------------------------------


def participation_table(
    results: pd.DataFrame,
    students: pd.DataFrame,
    schools: pd.DataFrame,
    s: OlympiadsBlock,
    region_code: str,
    region_name: str,
) -> pd.DataFrame:
    """``olympiad_participation``: every year × unit × stage × grade band (and all bands)."""
    if students.empty:
        return _empty(PARTICIPATION_COLUMNS)
    school_names, muni_names = _names(schools)
    bands = [s.band_label(b) for b in s.grade_bands]
    every = all_band(s)
    res = _with_band(results, s)
    res = pd.concat([res, res.assign(band=every)], ignore_index=True)
    st = students[students["band"].isin(bands)]
    st = pd.concat([st, st.assign(band=every)], ignore_index=True)
    frames = []
    for level, r, enrol, unit in _unit_frames(res, st, region_code):
        n = enrol.groupby(["year", unit, "band"])["students"].sum()
        grid = pd.MultiIndex.from_tuples(
            [(*i, stage.code) for i in n.index for stage in s.stages],
            names=["year", unit, "band", "stage"],
        )
        keys = ["year", unit, "band", "stage"]
        g = r.groupby(keys)
        award = r[r["status"].isin(AWARDS)]
        frame = pd.DataFrame(
            {
                "participants": g["participant_code"].nunique(),
                "participations": g.size(),
                "winners": r[r["status"] == "winner"].groupby(keys).size(),
                "prize_winners": r[r["status"] == "prize_winner"].groupby(keys).size(),
                "awarded_persons": award.groupby(keys)["participant_code"].nunique(),
            }
        ).reindex(grid)
        frame = frame.fillna(0).astype("int64")
        frame["n"] = n.reindex(grid.droplevel("stage")).to_numpy()
        frame = frame.reset_index().rename(columns={unit: "unit_code"})
        frame["level"] = level
        if level == "school":
            frame["municipality_code"] = frame["unit_code"].map(
                enrol.drop_duplicates("school_code").set_index("school_code")["municipality_code"]
            )
            frame["unit_name"] = frame["unit_code"].map(school_names)
        elif level == "municipality":
            frame["municipality_code"] = frame["unit_code"]
            frame["unit_name"] = frame["unit_code"].map(muni_names)
        else:
            frame["municipality_code"] = pd.NA
            frame["unit_name"] = region_name
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    n = out["n"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["participants_per_100"] = np.where(n > 0, out["participants"] / n * 100, np.nan)
        out["participations_per_100"] = np.where(n > 0, out["participations"] / n * 100, np.nan)
    out["n"] = out["n"].astype("int64")
    out["stage_name"] = out["stage"].map(s.stage_names())
    order = {c.code: i for i, c in enumerate(s.stages)}
    band_order = {b: i for i, b in enumerate([*bands, every])}
    level_order = {"region": 0, "municipality": 1, "school": 2}
    out = out.assign(
        _l=out["level"].map(level_order), _s=out["stage"].map(order), _b=out["band"].map(band_order)
    ).sort_values(["year", "_l", "unit_code", "_s", "_b"], kind="stable")
    for col in ("level", "unit_code", "unit_name", "municipality_code", "stage", "stage_name"):
        out[col] = out[col].astype("string")
    out["band"] = out["band"].astype("string")
    out["year"] = out["year"].astype("int64")
    return out[list(PARTICIPATION_COLUMNS)].reset_index(drop=True)


# --- schools over the window -------------------------------------------------------------------


def schools_table(
    results: pd.DataFrame, students: pd.DataFrame, schools: pd.DataFrame, s: OlympiadsBlock
) -> pd.DataFrame:
    """``olympiad_schools``: for each year, every school on that year's forms with its
    participants and awards over the window ending that year; ``no_awards``: none from the
    configured stage on in every year of the window it has data for."""
    if students.empty:
        return _empty(SCHOOL_COLUMNS)
    school_names, muni_names = _names(schools)
    window = s.no_awards.window_years
    from_stages = s.stages_from(s.no_awards.from_stage)
    totals = students[students["band"] == ALL_BAND]
    frames = []
    for year in sorted(int(y) for y in totals["year"].unique()):
        low = year - window + 1
        now = totals[totals["year"] == year].drop_duplicates("school_code")
        span_st = totals[(totals["year"] >= low) & (totals["year"] <= year)]
        span = results[(results["year"] >= low) & (results["year"] <= year)]
        school_stage = (
            span[span["stage"] == "school"]
            .groupby(["school_code", "year"])["participant_code"]
            .nunique()
            .groupby("school_code")
            .sum()
        )
        later = span[span["stage"].isin(from_stages)]
        from_stage = (
            later.groupby(["school_code", "year"])["participant_code"]
            .nunique()
            .groupby("school_code")
            .sum()
        )
        awarded = later[later["status"].isin(AWARDS)].groupby("school_code").size()
        top = span[span["stage"].isin(TOP_STAGES) & span["status"].isin(AWARDS)]
        regional = top.groupby("school_code").size()
        frame = pd.DataFrame(
            {
                "year": year,
                "municipality_code": now["municipality_code"].to_numpy(),
                "school_code": now["school_code"].to_numpy(),
                "n": now["students"].to_numpy(),
            }
        )
        codes = frame["school_code"]
        frame["municipality_name"] = frame["municipality_code"].map(muni_names)
        frame["school_name"] = codes.map(school_names)
        frame["window_from"] = int(max(low, int(totals["year"].min())))
        frame["window_to"] = year
        frame["years_with_data"] = (
            codes.map(span_st.groupby("school_code")["year"].nunique()).fillna(0).astype("int64")
        )
        frame["participants_school"] = codes.map(school_stage).fillna(0).astype("int64")
        frame["participants_from_stage"] = codes.map(from_stage).fillna(0).astype("int64")
        frame["awarded_from_stage"] = codes.map(awarded).fillna(0).astype("int64")
        frame["awarded_regional"] = codes.map(regional).fillna(0).astype("int64")
        frame["no_awards"] = frame["awarded_from_stage"].eq(0)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    for col in ("municipality_code", "municipality_name", "school_code", "school_name"):
        out[col] = out[col].astype("string")
    out["n"] = out["n"].astype("int64")
    out = out.sort_values(["year", "municipality_code", "school_code"], kind="stable")
    return out[list(SCHOOL_COLUMNS)].reset_index(drop=True)


# --- subjects ----------------------------------------------------------------------------------


def subjects_table(
    results: pd.DataFrame,
    schools: pd.DataFrame,
    s: OlympiadsBlock,
    region_code: str,
    region_name: str,
) -> pd.DataFrame:
    """``olympiad_subjects``: at the configured stage, per year, unit (region, municipality)
    and subject: participants (rows: a pupil in one subject), awarded, the share with its
    Wilson interval, the unit's share over all subjects, the gap and whether the subject is
    weak (the interval's upper end below the unit's share)."""
    stage = s.weak_subjects.stage
    rows = results[results["stage"] == stage]
    if rows.empty:
        return _empty(SUBJECT_COLUMNS)
    _, muni_names = _names(schools)
    frames = []
    r = rows.assign(region=region_code, award=rows["status"].isin(AWARDS))
    for level, unit in (("region", "region"), ("municipality", "municipality_code")):
        g = r.groupby(["year", unit, "subject"])
        frame = pd.DataFrame({"n": g.size(), "awarded": g["award"].sum()}).reset_index()
        pooled = r.groupby(["year", unit])["award"].mean()
        frame["unit_share"] = pd.MultiIndex.from_frame(frame[["year", unit]]).map(pooled)
        frame = frame.rename(columns={unit: "unit_code"})
        frame["level"] = level
        frame["unit_name"] = (
            region_name if level == "region" else frame["unit_code"].map(muni_names)
        )
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    n = out["n"].to_numpy()
    k = out["awarded"].to_numpy()
    low, high = proportion_confint(k, n, alpha=1 - s.weak_subjects.interval_level, method="wilson")
    out["share_awarded"] = k / n
    out["ci_low"], out["ci_high"] = low, high
    out["unit_share"] = out["unit_share"].astype("float64")
    out["gap"] = out["share_awarded"] - out["unit_share"]
    out["weak"] = (out["ci_high"] < out["unit_share"]).astype(bool)
    out["stage"] = stage
    out["subject_name"] = out["subject"].map(s.subject_names())
    for col in ("level", "unit_code", "unit_name", "stage", "subject", "subject_name"):
        out[col] = out[col].astype("string")
    out["n"] = out["n"].astype("int64")
    out["awarded"] = out["awarded"].astype("int64")
    out["year"] = out["year"].astype("int64")
    out = out.assign(_l=out["level"].map({"region": 0, "municipality": 1})).sort_values(
        ["year", "_l", "unit_code", "share_awarded", "subject"], kind="stable"
    )
    return out[list(SUBJECT_COLUMNS)].reset_index(drop=True)
