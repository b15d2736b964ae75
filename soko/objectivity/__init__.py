"""Objectivity screen (признаки необъективности результатов ВПР): signals, combined index,
federal-style markers with evidence.

Each signal is a one-sided z against a stated reference distribution (docs/objectivity.md):
bunching at mark thresholds, ВПР vs journal marks (both directions), inverted difficulty,
results above expectation, a jump followed by reversion, near-identical answer vectors in a
class and person misfit. A weighted Cauchy combination gives the index; a unit is marked
when the index reaches the bar of ``config/objectivity.yml``.
"""

from __future__ import annotations

import pandas as pd

from soko.derive import DerivedSpec, Partitioning
from soko.objectivity.markers import federal_table
from soko.objectivity.settings import SIGNALS, Settings, load_settings
from soko.objectivity.table import (
    objectivity_markers,
    objectivity_signals,
    signals_from_units,
    work_units,
)

INPUTS: tuple[str, ...] = (
    "vpr_results",
    "vpr_task_scores",
    "vpr_tasks",
    "schools",
    "school_context",
    "oge_results",
    "ege_results",
    "rpr_results",
)


def _signals(**tables: pd.DataFrame) -> pd.DataFrame:
    return objectivity_signals(**tables)


def _units(
    vpr_results: pd.DataFrame, vpr_task_scores: pd.DataFrame, vpr_tasks: pd.DataFrame
) -> pd.DataFrame:
    return work_units(vpr_results, vpr_task_scores, vpr_tasks)


def _from_units(parts: pd.DataFrame, **tables: pd.DataFrame) -> pd.DataFrame:
    keep = ("schools", "school_context", "oge_results", "ege_results", "rpr_results")
    return signals_from_units(parts, **{k: v for k, v in tables.items() if k in keep})


#: The per-work stage (three quarters of the table's time) runs one build task per year: a
#: work is one year × subject × grade and its statistics use its own participants only. The
#: rest is region-wide and runs once, on the concatenated parts.
BY_YEAR = Partitioning(
    by="year",
    split=("vpr_results", "vpr_task_scores", "vpr_tasks"),
    part=_units,
    combine=_from_units,
)


def _markers(objectivity_signals: pd.DataFrame) -> pd.DataFrame:
    return federal_table(objectivity_signals)


# The region may lack a procedure the expectation signal compares with: an empty frame then.
OPTIONAL_INPUTS: tuple[str, ...] = ("oge_results", "ege_results", "rpr_results")

OBJECTIVITY_TABLES: tuple[DerivedSpec, ...] = (
    DerivedSpec("objectivity_signals", INPUTS, _signals, OPTIONAL_INPUTS, partition=BY_YEAR),
    # the federal-list shape, from the signals table (computing the signals once)
    DerivedSpec("objectivity_markers", ("derived/objectivity_signals",), _markers),
)

__all__ = [
    "INPUTS",
    "OBJECTIVITY_TABLES",
    "SIGNALS",
    "Settings",
    "federal_table",
    "load_settings",
    "objectivity_markers",
    "objectivity_signals",
]
