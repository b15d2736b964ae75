"""The demo region's teachers: how many a school has, per subject, from its size.

One model for every demo that speaks of teachers (the staffing monitoring, the diagnostics of
competences), so that their figures describe the same people: the share of teachers who took
the diagnostics (diagnosed ÷ teachers of the staffing monitoring) stays a share. Classes per
grade come from the school's expected cohort; a subject needs its weekly hours per class over
the grades it is taught in, divided by a teacher's load (a primary teacher has one class of
grades 1–4). A basic school (ООШ) stops at grade 9.
"""

from __future__ import annotations

import math

PRIMARY = "pr"
CLASS_SIZE = 25.0
TEACHER_LOAD = 24.0  # weekly hours of a teacher (a rate and a third, as is common)
BASIC_SCHOOL = "ООШ"

# weekly hours per class and the grades a subject is taught in (the full curriculum of grades
# 5–11, so that the teachers of the subjects a diagnostics covers are a part of the school's)
HOURS: dict[str, tuple[float, tuple[int, int]]] = {
    "ru": (7.0, (5, 11)),
    "li": (3.0, (5, 11)),
    "ma": (6.0, (5, 11)),
    "inf": (1.0, (7, 11)),
    "hi": (2.0, (5, 11)),
    "ob": (1.0, (6, 11)),
    "ge": (1.5, (5, 11)),
    "bi": (1.5, (5, 11)),
    "ph": (2.5, (7, 11)),
    "ch": (2.0, (8, 11)),
    "en": (3.0, (2, 11)),
    "pe": (2.0, (5, 11)),
}


def teachers_needed(cohort: float, kind: str, subject: str) -> int:
    """Teachers of ``subject`` a school with ``cohort`` students per grade needs (at least
    one for a subject of the curriculum; 0 for a subject it does not teach)."""
    classes = max(1, math.ceil(float(cohort) / CLASS_SIZE))
    if subject == PRIMARY:
        return classes * 4
    if subject not in HOURS:
        return 1
    hours, (lo, hi) = HOURS[subject]
    top = 9 if kind == BASIC_SCHOOL else 11
    grades = max(0, min(hi, top) - lo + 1)
    if grades == 0:
        return 0
    return max(1, math.floor(classes * grades * hours / TEACHER_LOAD + 0.5))


def school_teachers(cohort: float, kind: str) -> int:
    """All the school's teachers: primary classes and every subject of :data:`HOURS`."""
    return sum(teachers_needed(cohort, kind, s) for s in (PRIMARY, *HOURS))
