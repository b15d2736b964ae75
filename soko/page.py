"""Page helpers every procedure's page modules share: the page context, tables, display.

Templates stay thin (load → soko → chart → prose); anything with logic lives here or in
the modules it calls, where it is tested. Templates import :mod:`soko.notebook`, which
re-exports these and adds what needs the registry of procedures (the context's title, a
work's scale, SQL over the analytic base); procedure page modules import this module.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Image, Markdown, display
from matplotlib.figure import Figure

from soko import derive
from soko.config import RegionConfig, core_subjects, min_group, region, vpr_subjects
from soko.paths import processed_dir as default_processed
from soko.plots import figure_png, setup_style, work_label
from soko.suppression import format_count, format_percent, format_pp, format_table, to_display
from soko.timing import CHARTS, TABLES, timed


@dataclass(frozen=True)
class Context:
    year: int
    processed: Path
    region: RegionConfig
    municipality: str | None = None
    procedure: str = "vpr"  # whose tables the page reads: vpr, niko, rpr (`<code>_marks` ...)
    title: str = "ВПР"  # the procedure's name for headings and prose: «ВПР», «НИКО», «РПР»

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


def first_municipality(processed_dir: str | None = None, procedure: str = "vpr") -> str:
    """The default municipality for running a municipality template by hand."""
    processed = Path(processed_dir) if processed_dir else default_processed()
    return first_municipality_in(derive.load(f"{procedure}_marks", processed))


def first_municipality_in(table: pd.DataFrame) -> str:
    """The first municipality (in the config's order) with rows in a derived ``table``."""
    present = set(table.loc[table["level"] == "municipality", "unit_code"].dropna())
    ordered = [c for c in region().municipalities if c in present] or sorted(present)
    if not ordered:
        raise ValueError("В данных нет ни одного муниципалитета")
    return ordered[0]


@timed(TABLES)
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


def core(table: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Rows a page details work by work: ВПР's core subjects (``core_subjects`` in
    ``config/region.yml``: the other subjects are written by lot), every work of the other
    procedures."""
    if ctx.procedure != "vpr":
        return table
    return table[table["subject"].isin(core_subjects())]


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


@timed(CHARTS)
def show_figure(fig: Figure) -> None:
    """Embed the chart as a compact PNG whatever the backend (papermill, JupyterLab, a script)."""
    data = figure_png(fig)
    plt.close(fig)
    display(Image(data=data, format="png"))


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
        municipality = first_municipality_in(data)
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


def download_link(table: pd.DataFrame, filename: str, label: str = "Скачать таблицу (CSV)") -> str:
    """An ``<a download>`` link carrying ``table`` as CSV inside the page itself.

    The compendium is read from ``file://`` and mailed around as single files, so a download
    cannot point at a server: the data travels in a ``data:`` URI. UTF-8 with a BOM and
    ``;`` as the separator, because that is what Russian-locale Excel opens correctly on a
    double click. Show only what the page shows: pass the already suppressed table.
    """
    text = table.to_csv(index=False, sep=";", lineterminator="\r\n")
    payload = base64.b64encode(("\ufeff" + text).encode("utf-8")).decode("ascii")
    name = html.escape(filename, quote=True)
    return (
        f'<a class="soko-download" download="{name}" '
        f'href="data:text/csv;charset=utf-8;base64,{payload}">{html.escape(label)}</a>'
    )


def show_source_table(
    table: pd.DataFrame,
    columns: Mapping[str, str],
    filename: str,
    *,
    keep: Iterable[str] = (),
    digits: int = 1,
) -> None:
    """The table under a chart: the figures it draws, with their indicator and source, and a
    link to download exactly what is shown (suppressed and labelled as on the page)."""
    shown = labelled_table(table, columns, keep=keep, digits=digits)
    show_html(shown)
    display(HTML(download_link(shown, filename)))
