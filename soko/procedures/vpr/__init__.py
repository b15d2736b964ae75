"""ВПР (всероссийские проверочные работы), grades 4–8: ФИС ОКО per-student workbooks.

One workbook per year × subject × grade (or several: a region file and school files) under
``data/raw/vpr/<year>/``; marks from the year's scale in ``config/vpr_scales.yml``. Reader,
contract, indicator tables and unified rows are the shared ФИС ОКО workbook format
(:mod:`soko.formats.fisoko_workbook`); layout in ``docs/data_formats.md``. Tables:
``vpr_results``, ``vpr_task_scores``, ``vpr_tasks``; derived ``vpr_marks``, ``vpr_tasks``,
``vpr_journal``, ``vpr_scores``.

The demo region's ВПР files are written by the demo region's generator itself
(:mod:`soko.pipeline.demo`), because every other procedure's demo draws its students and
schools from the same simulated population.
"""

from __future__ import annotations

from soko.formats.fisoko_workbook import workbook_procedure

PROCEDURE = workbook_procedure("vpr", "ВПР")
