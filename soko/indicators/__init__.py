"""ВПР indicators for region, municipalities and schools (true numbers, never suppressed).

Each ``*_table`` function returns one long table with ``level`` ∈ {region, municipality,
school}, ``unit_code``, ``unit_name``, ``municipality_code``, ``year``, ``subject``,
``grade`` and metrics; the build stores them, notebooks filter them. Under each sits a
``by``-style function (``mark_stats``, ``task_completion``, ``journal_stats``,
``score_distribution``) for grouping any other way. Suppress small groups with
``soko.suppression`` before rendering.
"""

from soko.indicators.dynamics import add_dynamics, flag_negative_dynamics
from soko.indicators.journal import journal_stats, journal_table
from soko.indicators.levels import LEVELS, PARTICIPANT_KEYS, TEST_KEYS, add_unit_names
from soko.indicators.marks import (
    mark_stats,
    marks_table,
    max_primary_scores,
    max_primary_scores_from_config,
)
from soko.indicators.scores import score_distribution, score_distribution_table
from soko.indicators.tasks import ZONES, task_completion, task_completion_table, task_zone

__all__ = [
    "LEVELS",
    "PARTICIPANT_KEYS",
    "TEST_KEYS",
    "ZONES",
    "add_dynamics",
    "add_unit_names",
    "flag_negative_dynamics",
    "journal_stats",
    "journal_table",
    "mark_stats",
    "marks_table",
    "max_primary_scores",
    "max_primary_scores_from_config",
    "score_distribution",
    "score_distribution_table",
    "task_completion",
    "task_completion_table",
    "task_zone",
]
