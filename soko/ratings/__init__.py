"""Ratings of schools and municipalities with their uncertainty (004_* roadmap 1.1.4).

A configured composite of indicators (config/ratings.yml), a place per unit and year with
its bootstrap interval, and groups of places that cannot be told apart
(docs/ratings.md). Internal material unless the configuration says ``audience: public``.
"""

from __future__ import annotations

from functools import partial

from soko.derive import DerivedSpec
from soko.ratings.tables import load_settings, rating_table

INPUTS: tuple[str, ...] = (
    "vpr_results",
    "vpr_tasks",
    "oge_results",
    "ege_results",
    "schools",
    "derived/va_schools",
)
# a region without one of the procedures still gets a rating from the others
OPTIONAL: tuple[str, ...] = ("vpr_results", "vpr_tasks", "oge_results", "ege_results")

RATING_TABLES: tuple[DerivedSpec, ...] = (
    DerivedSpec("rating_schools", INPUTS, partial(rating_table, "schools"), OPTIONAL),
    DerivedSpec("rating_municipalities", INPUTS, partial(rating_table, "municipalities"), OPTIONAL),
)

__all__ = ["INPUTS", "RATING_TABLES", "load_settings", "rating_table"]
