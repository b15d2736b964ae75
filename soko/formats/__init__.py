"""File formats and machinery that several procedures share, as public modules.

- :mod:`soko.formats.fisoko_workbook`: ФИС ОКО «Индивидуальные результаты» workbooks with
  per-student task scores (ВПР, НИКО, РПР): reader, staging, ingest, derived tables, demo.
- :mod:`soko.formats.rcoi_protocol`: РЦОИ participant protocols (ОГЭ, ЕГЭ, ГВЭ).
- :mod:`soko.formats.replicate_study`: a sample study with replicate weights and plausible
  values (the regional assessment on the PISA model).

A procedure package (``soko.procedures.<code>``) uses these; a format never imports a
procedure, and procedures never import each other.
"""
