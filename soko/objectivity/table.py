"""All signals of every school × year × subject × grade in one pass over the works, then the
index, the markers and the evidence: what the derived tables hold.

Per work the signals that need participants' task vectors (bunching, inverted difficulty,
similarity, person fit) and the journal counts are computed and the arrays dropped, so a
large region's task scores are never held twice. Signals judged against the region's
schools (τ² per subject) and the cross-work ones (expectation, jumps) follow on the unit table.
"""

from __future__ import annotations

import pandas as pd

from soko.objectivity.bunching import bunching_signal
from soko.objectivity.difficulty import difficulty_signal, difficulty_stats
from soko.objectivity.expectation import expectation_signal, unit_levels
from soko.objectivity.index import combined_index
from soko.objectivity.journal import journal_counts, journal_signal
from soko.objectivity.jumps import jump_signal
from soko.objectivity.markers import SCHOOL_COLUMNS, add_markers, federal_table
from soko.objectivity.patterns import (
    person_fit_signal,
    person_fit_stats,
    similarity_signal,
    task_profile,
)
from soko.objectivity.settings import SIGNALS, Settings, load_settings
from soko.objectivity.works import UNIT_KEYS, Work, iter_works


def work_signals(work: Work, settings: Settings) -> pd.DataFrame:
    """Every per-work statistic for the schools of one work, one row per school."""
    frame = unit_levels(work)
    parts = [bunching_signal(work, settings), journal_counts(work)]
    if work.scores.shape[1]:
        profile = task_profile(work.scores, work.maxima, settings.profile_n)
        parts += [
            difficulty_stats(work, profile, settings),
            similarity_signal(work, profile, settings),
            person_fit_stats(work, profile, settings),
        ]
    for part in parts:
        frame = frame.merge(part, on="school_code", how="left")
    return frame.assign(year=work.year, subject=work.subject, grade=work.grade)


def objectivity_signals(
    vpr_results: pd.DataFrame,
    vpr_task_scores: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    schools: pd.DataFrame,
    school_context: pd.DataFrame | None = None,
    oge_results: pd.DataFrame | None = None,
    ege_results: pd.DataFrame | None = None,
    rpr_results: pd.DataFrame | None = None,
    *,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """One row per school × year × subject × grade: every signal's statistic and z, the
    combined index, the 0/1 marker and its evidence (see docs/objectivity.md)."""
    settings = settings or load_settings()
    units = work_units(vpr_results, vpr_task_scores, vpr_tasks, settings=settings)
    return signals_from_units(
        units, schools, school_context, oge_results, ege_results, rpr_results, settings=settings
    )


def work_units(
    vpr_results: pd.DataFrame,
    vpr_task_scores: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    *,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """The per-work stage: every work's statistics, one row per school × work.

    Each work is computed from its own participants only, so any set of whole works (e.g.
    one year's) can be computed apart and the parts concatenated in work order: the build
    runs this stage one task per year (``OBJECTIVITY_TABLES``' partitioning). Empty (no
    columns) when there are no works.
    """
    settings = settings or load_settings()
    frames = [
        work_signals(w, settings) for w in iter_works(vpr_results, vpr_task_scores, vpr_tasks)
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def signals_from_units(
    units: pd.DataFrame,
    schools: pd.DataFrame,
    school_context: pd.DataFrame | None = None,
    oge_results: pd.DataFrame | None = None,
    ege_results: pd.DataFrame | None = None,
    rpr_results: pd.DataFrame | None = None,
    *,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """The region-wide stage on the per-work rows: τ² per subject, expectation (a model over
    every school), jumps across years, the index and the markers — not separable."""
    settings = settings or load_settings()
    if units.empty:
        return pd.DataFrame(columns=[*UNIT_KEYS, "index_z", "marker", "evidence"])
    units = journal_signal(units, settings)
    if "difficulty_residual" in units.columns:
        units = difficulty_signal(units)
        units = person_fit_signal(units)
    small = units["n"] < settings.unit_n
    expected = expectation_signal(
        units[[*UNIT_KEYS, "n", "level", "level_var"]],
        schools,
        school_context,
        oge_results,
        ege_results,
        rpr_results,
        min_n=settings.unit_n,
        groups={
            "selective_kinds": settings.selective_kinds,
            "basic_kinds": settings.basic_kinds,
            "village_localities": settings.village_localities,
        },
    )
    jumps = jump_signal(units[[*UNIT_KEYS, "n", "level", "level_var"]], min_n=settings.unit_n)
    units = units.merge(
        expected[[*UNIT_KEYS, "expected_level", "level_residual", "above_expectation_z"]],
        on=list(UNIT_KEYS),
        how="left",
    ).merge(
        jumps[[*UNIT_KEYS, "jump", "jump_neighbours", "jump_reversion_z"]],
        on=list(UNIT_KEYS),
        how="left",
    )
    for signal in SIGNALS:
        col = f"{signal}_z"
        if col not in units.columns:
            units[col] = float("nan")
        units.loc[small, col] = float("nan")
    units = pd.concat([units, combined_index(units, settings.weights)], axis=1)
    units = add_markers(units, settings)
    names = schools[list(SCHOOL_COLUMNS)].astype({"school_code": str})
    units = units.merge(names, on="school_code", how="left")
    lead = [*SCHOOL_COLUMNS, "year", "subject", "grade", "n"]
    signal_z = [f"{s}_z" for s in SIGNALS]
    tail = ["index_z", "index_p", "n_signals", "top_signal", "marker", "evidence"]
    rest = [c for c in units.columns if c not in {*lead, *signal_z, *tail}]
    out = units[[*lead, *signal_z, *tail, *rest]]
    return out.sort_values(["year", "subject", "grade", "school_code"], ignore_index=True)


def objectivity_markers(**tables: pd.DataFrame) -> pd.DataFrame:
    """The federal-list shape of ``objectivity_signals``: school × year, 0/1 per work,
    ``n_markers``."""
    return federal_table(objectivity_signals(**tables))
