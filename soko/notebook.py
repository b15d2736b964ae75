"""The public API of report templates: ``from soko import notebook as nb``.

Everything a template needs in a few calls: its context (parameters resolved against the
data, so «Run all» with the defaults works in JupyterLab), tables, display helpers, and
SQL over the analytic base. The display helpers live in :mod:`soko.page` (procedure page
modules use them too); this module adds what needs the registry of procedures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from soko import derive
from soko.config import MarkScale, min_group, region
from soko.declared_reads import ANALYTIC_BASE, check_read
from soko.formats.fisoko_workbook import layout_for
from soko.page import (
    Context,
    core,
    download_link,
    first_municipality,
    labelled_table,
    load,
    procedure_context,
    say,
    series,
    show,
    show_cross,
    show_figure,
    show_html,
    show_labelled,
    show_matrix,
    show_source_table,
    unit_rows,
)
from soko.paths import processed_dir as default_processed
from soko.pipeline.analytic_base import query
from soko.plots import setup_style
from soko.registry import procedure_title

__all__ = [
    "Context",
    "context",
    "core",
    "derive",
    "download_link",
    "first_municipality",
    "labelled_table",
    "load",
    "min_group",
    "procedure_context",
    "say",
    "scale",
    "series",
    "show",
    "show_cross",
    "show_figure",
    "show_html",
    "show_labelled",
    "show_matrix",
    "show_source_table",
    "sql",
    "unit_rows",
]


def context(
    year: int | None = None,
    processed_dir: str | None = None,
    municipality: str | None = None,
    *,
    scope: str = "region",
    procedure: str = "vpr",
) -> Context:
    """Resolve a template's parameters; defaults let an analyst press «Run all» as is.

    A municipality page run by hand without a code gets the first municipality in the data.
    """
    processed = Path(processed_dir) if processed_dir else default_processed()
    marks = derive.load(f"{procedure}_marks", processed)
    years = sorted(int(y) for y in marks["year"].unique())
    if year is None:
        year = years[-1]
    if int(year) not in years:
        raise ValueError(f"Нет данных {procedure_title(procedure)} за {year} год; есть: {years}")
    if scope == "municipality" and municipality is None:
        municipality = first_municipality(processed_dir, procedure)
    setup_style()
    return Context(
        year=int(year),
        processed=processed,
        region=region(),
        municipality=municipality,
        procedure=procedure,
        title=procedure_title(procedure),
    )


def scale(ctx: Context, subject: str, grade: int) -> MarkScale | None:
    """The mark scale of one work of the page's procedure (ВПР, НИКО, РПР)."""
    return layout_for(ctx.procedure).scale(ctx.year, subject, grade)


def sql(query_text: str, processed_dir: str | None = None, params: Any = None) -> pd.DataFrame:
    """Query the analytic base (``soko.duckdb``, read-only; docs/analytic_base.md), e.g.
    ``nb.sql("SELECT * FROM school_year_results WHERE year = ?", params=[2026])``.

    The base has student rows: show only aggregates, through ``show`` (which suppresses).
    """
    check_read(ANALYTIC_BASE)  # a page that queries the base declares `analytic_base`
    return query(query_text, processed_dir, params)
