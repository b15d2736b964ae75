"""What a report template needs in a few calls: its context, tables, and display helpers.

Templates stay thin (load → soko → chart → prose); anything with logic lives here or in
the modules it calls, where it is tested.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Image, Markdown, display
from matplotlib.figure import Figure

from soko import derive
from soko.config import MarkScale, RegionConfig, min_group, region, vpr_subjects
from soko.paths import processed_dir as default_processed
from soko.plots import setup_style, work_label
from soko.suppression import format_count, format_percent, format_pp, format_table, to_display


@dataclass(frozen=True)
class Context:
    year: int
    processed: Path
    region: RegionConfig
    municipality: str | None = None
    procedure: str = "vpr"  # whose tables the page reads: vpr, niko, rpr (`<code>_marks` ...)

    @property
    def title(self) -> str:
        """«ВПР», «НИКО», «РПР»: the procedure's name for headings and prose."""
        from soko.analytic_base import procedure_title

        return procedure_title(self.procedure)

    @property
    def unit_code(self) -> str:
        return self.municipality or self.region.code

    @property
    def unit_level(self) -> str:
        return "municipality" if self.municipality else "region"

    @property
    def unit_name(self) -> str:
        if self.municipality:
            return self.region.municipality_name(self.municipality)
        return self.region.name


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
        from soko.analytic_base import procedure_title

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
    )


def first_municipality(processed_dir: str | None = None, procedure: str = "vpr") -> str:
    """The default municipality for running a municipality template by hand."""
    processed = Path(processed_dir) if processed_dir else default_processed()
    marks = derive.load(f"{procedure}_marks", processed)
    present = set(marks.loc[marks["level"] == "municipality", "unit_code"].dropna())
    ordered = [c for c in region().municipalities if c in present] or sorted(present)
    if not ordered:
        raise ValueError("В данных нет ни одного муниципалитета")
    return ordered[0]


def load(name: str, ctx: Context) -> pd.DataFrame:
    """A derived table with a readable `work` label («Русский язык, 4 кл.»)."""
    table = derive.load(name, ctx.processed)
    works = table[["subject", "grade"]].drop_duplicates()
    names = {
        (s, g): work_label(s, g) for s, g in zip(works["subject"], works["grade"], strict=True)
    }
    pairs = pd.Series(list(zip(table["subject"], table["grade"], strict=True)))
    table["label"] = pairs.map(names).to_numpy()
    order = {code: i for i, code in enumerate(vpr_subjects())}
    rank = table["subject"].map(order).fillna(len(order))
    return (
        table.assign(_rank=rank)
        .sort_values(["_rank", "grade"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


CORE_SUBJECTS: tuple[str, ...] = ("ru", "ma")


def core(table: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Rows a page details work by work: ВПР's Russian and mathematics (the other subjects
    are written by lot), every work of the other procedures."""
    if ctx.procedure != "vpr":
        return table
    return table[table["subject"].isin(CORE_SUBJECTS)]


def series(table: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """``core`` rows of the works written in at least two years: what a dynamics chart can
    draw (НИКО changes its works from year to year)."""
    rows = core(table, ctx)
    years = rows.groupby(["subject", "grade"])["year"].transform("nunique")
    return rows[years > 1]


def unit_rows(
    table: pd.DataFrame, ctx: Context, level: str | None = None, code: str | None = None
) -> pd.DataFrame:
    level = level or ctx.unit_level
    code = code or ctx.unit_code
    return table[(table["level"] == level) & (table["unit_code"] == code)].copy()


def scale(ctx: Context, subject: str, grade: int) -> MarkScale | None:
    from soko.procedures._workbook import layout_for

    return layout_for(ctx.procedure).scale(ctx.year, subject, grade)


def sql(query: str, processed_dir: str | None = None, params: Any = None) -> pd.DataFrame:
    """Query the analytic base (``soko.duckdb``, read-only; docs/analytic_base.md), e.g.
    ``nb.sql("SELECT * FROM school_year_results WHERE year = ?", params=[2026])``.

    The base has student rows: show only aggregates, through ``show`` (which suppresses).
    """
    from soko.analytic_base import query as run
    from soko.pipeline.declared import ANALYTIC_BASE, check_read

    check_read(ANALYTIC_BASE)  # a page that queries the base declares `analytic_base`
    return run(query, processed_dir, params)


def say(text: str) -> None:
    display(Markdown(text))


def show(table: pd.DataFrame, columns: list[str], *, kind: str | None = None, **kw: object) -> None:
    """Render a table for reviewers: suppressed, formatted, Russian headers, no index."""
    shown = to_display(table, columns, kind=kind, **kw)  # type: ignore[arg-type]
    display(HTML(shown.to_html(index=False, escape=True, classes="soko-table", border=0)))


def show_matrix(
    table: pd.DataFrame, *, index: str, columns: str, value: str, index_label: str = ""
) -> None:
    """Units × works, one formatted value per cell; groups under 5 shown as «<5».

    Suppression and formatting happen on the long table (each cell knows its own n), and
    only then is it pivoted, so a cell never shows what its group size forbids.
    """
    shown = format_table(table[[index, columns, value, "n"]])
    shown[index], shown[columns] = table[index].to_numpy(), table[columns].to_numpy()
    small = shown["n"].str.startswith("<")
    shown[value] = shown[value].mask(small, shown["n"])
    grid = shown.pivot(index=index, columns=columns, values=value)
    grid = grid[list(dict.fromkeys(table[columns]))].fillna("")
    grid.index.name = index_label or None
    grid.columns.name = None
    display(
        HTML(grid.reset_index().to_html(index=False, escape=True, classes="soko-table", border=0))
    )


def show_cross(comparison: pd.DataFrame, earlier: str, later: str, limit: int = 15) -> None:
    """Schools whose later (externally proctored) result falls furthest below the earlier one.

    Schools with fewer than the suppression minimum in either procedure are left out.
    """
    small = min_group()
    big = comparison[(comparison["n_earlier"] >= small) & (comparison["n_later"] >= small)]
    big = big.dropna(subset=["mean_score_share_diff"]).sort_values("mean_score_share_diff")
    rows = big.head(limit)
    shown = pd.DataFrame(
        {
            "Школа": rows.get("school_name", rows["school_code"]).to_numpy(),
            f"Участников {earlier}": rows["n_earlier"].map(format_count).to_numpy(),
            f"Участников {later}": rows["n_later"].map(format_count).to_numpy(),
            f"{earlier}: % от макс. балла": rows["mean_score_share_earlier"]
            .map(format_percent)
            .to_numpy(),
            f"{later}: % от макс. балла": rows["mean_score_share_later"]
            .map(format_percent)
            .to_numpy(),
            "Разница": rows["mean_score_share_diff"].map(format_pp).to_numpy(),
            f"{earlier}: успеваемость": rows["success_rate_earlier"].map(format_percent).to_numpy(),
            f"{later}: успеваемость": rows["success_rate_later"].map(format_percent).to_numpy(),
        }
    )
    display(HTML(shown.to_html(index=False, escape=True, classes="soko-table", border=0)))


def show_figure(fig: Figure) -> None:
    """Embed the chart as PNG whatever the backend (papermill, JupyterLab, a script)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"))
