"""Notebook helpers shared by the PISA-model and survey templates.

``soko.notebook.context`` resolves the year from ВПР tables; a study that runs every other
year, or a survey, must resolve it from its own derived table, so that «Run all» with the
default parameters opens the latest year *of that procedure*. Tables of these procedures
have their own columns, so they are shown with explicit Russian headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from IPython.display import HTML, display

from soko import derive
from soko.config import region
from soko.notebook import Context
from soko.paths import processed_dir as default_processed
from soko.plots import setup_style
from soko.suppression import format_table


def procedure_context(
    table: str,
    year: int | None = None,
    processed_dir: str | None = None,
    municipality: str | None = None,
    *,
    scope: str = "region",
) -> Context:
    """Parameters resolved against the procedure's derived ``table``: the latest year with
    data by default and, for municipal pages, the first municipality in it."""
    processed = Path(processed_dir) if processed_dir else default_processed()
    data = derive.load(table, processed)
    years = sorted(int(y) for y in data["year"].unique())
    if not years:
        raise ValueError(f"В таблице {table} нет данных ни за один год")
    if year is None:
        year = years[-1]
    if int(year) not in years:
        raise ValueError(f"Нет данных за {year} год; есть: {years}")
    reg = region()
    if scope == "municipality" and municipality is None:
        present = set(data.loc[data["level"] == "municipality", "unit_code"].dropna())
        ordered = [c for c in reg.municipalities if c in present] or sorted(present)
        if not ordered:
            raise ValueError("В данных нет ни одного муниципалитета")
        municipality = ordered[0]
    setup_style()
    return Context(year=int(year), processed=processed, region=reg, municipality=municipality)


def labelled_table(
    table: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    keep: Iterable[str] = (),
    digits: int = 1,
) -> pd.DataFrame:
    """Suppressed (groups under 5 by ``n``), formatted, with the given Russian headers.

    ``keep``: descriptive columns (names of groups, domains, items) never masked.
    """
    shown = format_table(table, keep=list(keep), digits=digits)
    return shown[list(columns)].rename(columns=dict(columns))


def show_html(table: pd.DataFrame) -> None:
    """An already formatted table, as the compendium's tables look."""
    display(HTML(table.to_html(index=False, escape=True, classes="soko-table", border=0)))


def show_labelled(
    table: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    keep: Iterable[str] = (),
    digits: int = 1,
) -> None:
    show_html(labelled_table(table, columns, keep=keep, digits=digits))
