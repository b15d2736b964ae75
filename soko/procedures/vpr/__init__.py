"""ВПР (всероссийские проверочные работы), grades 4–8: ФИС ОКО per-student workbooks.

One workbook per year × subject × grade (or several: a region file and school files) under
``data/raw/vpr/<year>/``; marks from the year's scale in ``config/vpr_scales.yml``. Reader,
contract, indicator tables and unified rows are the shared ФИС ОКО workbook format
(:mod:`soko.formats.fisoko_workbook`); layout in ``docs/data_formats.md``. Tables:
``vpr_results``, ``vpr_task_scores``, ``vpr_tasks``; derived ``vpr_marks``, ``vpr_tasks``,
``vpr_journal``, ``vpr_scores``.

Demo: :mod:`soko.procedures.vpr.demo` writes the workbooks, with planted manipulations, and
ВПР's truth, from the simulated population (:mod:`soko.demo.vpr`) that НИКО and РПР draw
from too. The demo region's generator (:func:`soko.pipeline.demo.generate_demo`) calls it
first, like every procedure's demo, and composes the value-added truth across ВПР and РПР
from :func:`soko.procedures.vpr.demo.work_blueprints`.
"""

from __future__ import annotations

from soko.formats.fisoko_workbook import workbook_procedure
from soko.procedures.vpr.demo import generate

PROCEDURE = workbook_procedure("vpr", "ВПР", demo=generate)
