"""Markers in the shape of the federal lists: 0/1 per school × year × grade × subject and the
number of markers per school and year, with the evidence behind each marker."""

from __future__ import annotations

import pandas as pd

from soko.objectivity.evidence import evidence_text
from soko.objectivity.settings import Settings

SCHOOL_COLUMNS: tuple[str, ...] = (
    "municipality_code",
    "municipality_name",
    "school_code",
    "school_name",
)


def add_markers(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """``marker`` (1 when ``index_z`` ≥ the config's bar) and ``evidence`` (Russian, marked
    units only; empty otherwise)."""
    out = frame.copy()
    marked = (out["index_z"] >= settings.marker_z).fillna(False).to_numpy(dtype=bool)
    out["marker"] = marked.astype("int64")
    out["evidence"] = ""
    if marked.any():
        out.loc[marked, "evidence"] = [
            evidence_text(row, settings.evidence_z) for _, row in out.loc[marked].iterrows()
        ]
    return out


def work_column(subject: str, grade: int) -> str:
    """Column of the federal-style table for a work: ``ru_4``, ``ma_5``, …"""
    return f"{subject}_{int(grade)}"


def federal_table(signals: pd.DataFrame) -> pd.DataFrame:
    """One row per school × year: a 0/1 column per work the region wrote (0 also where the
    school did not write it or was too small to judge), ``n_markers`` and ``n_works`` (works
    judged)."""
    keys = [c for c in SCHOOL_COLUMNS if c in signals.columns]
    frame = signals.assign(
        work=[work_column(s, g) for s, g in zip(signals["subject"], signals["grade"], strict=True)]
    )
    order = (
        frame[["grade", "subject", "work"]]
        .drop_duplicates()
        .sort_values(["grade", "subject"])["work"]
        .tolist()
    )
    wide = frame.pivot_table(
        index=[*keys, "year"], columns="work", values="marker", aggfunc="max", fill_value=0
    )
    wide = wide.reindex(columns=order, fill_value=0).astype("int64")
    wide.columns.name = None
    judged = frame[frame["index_z"].notna()].groupby([*keys, "year"]).size()
    out = wide.reset_index()
    out["n_markers"] = wide.sum(axis=1).to_numpy(dtype="int64")
    idx = pd.MultiIndex.from_frame(out[[*keys, "year"]])
    out["n_works"] = judged.reindex(idx).fillna(0).to_numpy(dtype="int64")
    return out.sort_values(["year", *keys], ignore_index=True)
