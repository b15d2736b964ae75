"""What the ГИА templates (``notebooks/gia_*.ipynb``) call: one function per page section.

One template pair serves every kind of РЦОИ protocol (ОГЭ, ЕГЭ, ...: the template resolves
its parameter ``procedure`` through the registry and passes the procedure here); the
sections differ by the kind's result (marks vs test scores), so the choice lives here,
where it is tested, and the templates stay a list of headings and calls. Kinds of several
grades label their subjects with the grade («Русский язык, 9 класс»). Everything shown is
suppressed for groups under the minimum (``soko.suppression``); student rows are never loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import HTML, display

from soko import derive
from soko.config import min_group, region
from soko.formats.rcoi_protocol import charts, commentary, scales
from soko.formats.rcoi_protocol.indicators import band_labels
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.formats.rcoi_protocol.labels import rename, value_labels
from soko.page import Context, say, show_figure, show_matrix
from soko.paths import processed_dir as default_processed
from soko.plots import dynamics as share_dynamics
from soko.plots import mark_distribution, score_histogram, setup_style
from soko.procedure import Procedure
from soko.suppression import format_table

# by the kind's result: mark | test_score
RESULT_COLUMNS = {
    "mark": [
        "label",
        "n",
        "share_mark2",
        "share_mark3",
        "share_mark4",
        "share_mark5",
        "success_rate",
        "quality_rate",
        "mean_primary_score",
    ],
    "test_score": [
        "label",
        "n",
        "mean_test_score",
        "share_below_min",
        "share_below_university",
        "share_high",
        "n_100",
    ],
}
DYNAMICS_COLUMNS = {
    "mark": [
        "label",
        "year",
        "n",
        "success_rate",
        "quality_rate",
        "share_mark2",
        "mean_primary_score",
    ],
    "test_score": ["label", "year", "n", "mean_test_score", "share_below_min", "share_high"],
}
CHANGE_COLUMNS = {
    "mark": [
        "label",
        "prev_year",
        "success_rate_change",
        "quality_rate_change",
        "share_mark2_change",
        "negative_dynamics",
    ],
    "test_score": [
        "label",
        "prev_year",
        "mean_test_score_change",
        "share_below_min_change",
        "share_high_change",
    ],
}


@dataclass(frozen=True)
class GiaPage:
    """A page's parameters resolved, with the procedure's indicator table loaded."""

    ctx: Context
    kind: GiaKind
    table: pd.DataFrame  # the derived indicator table with a subject ``label``

    @property
    def code(self) -> str:
        return self.kind.code

    def rows(self, level: str | None = None, code: str | None = None) -> pd.DataFrame:
        level = level or self.ctx.unit_level
        code = code or self.ctx.unit_code
        t = self.table
        return t[(t["level"] == level) & (t["unit_code"] == code)].copy()

    @property
    def unit(self) -> pd.DataFrame:
        return self.rows()

    @property
    def region(self) -> pd.DataFrame:
        return self.rows("region", self.ctx.region.code)

    def this_year(self, table: pd.DataFrame) -> pd.DataFrame:
        return table[table["year"] == self.ctx.year]


def load_table(name: str, kind: GiaKind, processed: Path) -> pd.DataFrame:
    """A derived table with subject names as ``label``, subjects in config order (kinds of
    several grades: grade by grade, the label naming it)."""
    table = derive.load(name, processed)
    names = scales.subjects(kind)
    order = {code: i for i, code in enumerate(names)}
    table["label"] = table["subject"].map(names).fillna(table["subject"])
    sort = ["_rank", "year"]
    if kind.several_grades:
        table["label"] = table["label"] + ", " + table["grade"].astype(str) + " класс"
        sort = ["grade", *sort]
    rank = table["subject"].map(order).fillna(len(order))
    return (
        table.assign(_rank=rank)
        .sort_values(sort, kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def _kind(procedure: Procedure | GiaKind | None) -> GiaKind:
    if isinstance(procedure, GiaKind):
        return procedure
    kind = None if procedure is None else procedure.extra.get("kind")
    if not isinstance(kind, GiaKind):
        raise ValueError("страница ГИА строится для процедуры из протоколов РЦОИ (ОГЭ, ЕГЭ, ...)")
    return kind


def page(
    procedure: Procedure | GiaKind | None,
    year: int | None = None,
    processed_dir: str | None = None,
    municipality: str | None = None,
    *,
    scope: str = "region",
) -> GiaPage:
    """Resolve a template's parameters; the defaults let an analyst press «Run all» as is
    (latest year, the first municipality in the data). ``procedure``: the registry's
    procedure (``soko.registry.procedure(code)``) or its kind."""
    kind = _kind(procedure)
    processed = Path(processed_dir) if processed_dir else default_processed()
    table = load_table(kind.indicator_table, kind, processed)
    years = sorted(int(y) for y in table["year"].unique())
    if not years:
        raise ValueError(f"Нет данных {kind.title}: выполните `soko ingest` и `soko build`")
    year = years[-1] if year is None else int(year)
    if year not in years:
        raise ValueError(f"Нет данных {kind.title} за {year} год; есть: {years}")
    cfg = region()
    if scope == "municipality" and municipality is None:
        present = set(table.loc[table["level"] == "municipality", "unit_code"])
        ordered = [c for c in [*cfg.municipalities, *sorted(present)] if c in present]
        if not ordered:
            raise ValueError(f"В данных {kind.title} нет ни одного муниципалитета")
        municipality = ordered[0]
    setup_style()
    ctx = Context(year=year, processed=processed, region=cfg, municipality=municipality)
    return GiaPage(ctx=ctx, kind=kind, table=table)


def show(p: GiaPage, table: pd.DataFrame, columns: list[str]) -> None:
    """A table for readers: small groups suppressed, formatted, Russian headers."""
    shown = format_table(table, keep=["label"], labels=value_labels(p.kind))[columns]
    html = rename(shown, p.kind).to_html(index=False, escape=True, classes="soko-table", border=0)
    display(HTML(html))


# --- sections -------------------------------------------------------------------------------


def summary(p: GiaPage) -> None:
    reg = None if p.ctx.municipality is None else p.region
    if p.kind.by_marks:
        say(commentary.marks_summary(p.kind, p.unit, reg, p.ctx.unit_name, p.ctx.year))
    else:
        say(commentary.scores_summary(p.kind, p.unit, reg, p.ctx.unit_name, p.ctx.year))


def results(p: GiaPage) -> None:
    """This year's results by subject, with the region for comparison on municipal pages."""
    show(p, p.this_year(p.unit), RESULT_COLUMNS[p.kind.result])
    if p.ctx.municipality is not None:
        say(f"Для сравнения — {p.ctx.region.name} в целом:")
        show(p, p.this_year(p.region), RESULT_COLUMNS[p.kind.result])
    if p.kind.by_marks:
        cond = p.this_year(p.unit)
        cond = cond[cond["n_condition_failed"].fillna(0) > 0]
        if not cond.empty:
            say(
                "Получили «2», набрав баллы на «3», из-за дополнительного условия шкалы "
                "(по математике — не менее 2 баллов за задания по геометрии):"
            )
            show(p, cond, ["label", "n", "n_condition_failed", "share_condition_failed"])


def distribution(p: GiaPage) -> None:
    rows = p.this_year(p.unit)
    title = f"{p.ctx.unit_name}: {p.kind.title}-{p.ctx.year}"
    if p.kind.by_marks:
        show_figure(mark_distribution(rows, title=f"{title}, распределение отметок"))
    else:
        show_figure(charts.band_distribution(p.kind, rows, title=f"{title}, тестовые баллы"))
        bands = len(band_labels(p.kind))
        show(p, rows, ["label", "n", *(f"share_band{i}" for i in range(1, bands + 1))])


def dynamics(p: GiaPage) -> None:
    """Three (or more) years: commentary, a chart against the region, the table."""
    unit = p.unit
    if p.kind.by_marks:
        say(commentary.dynamics_summary(unit, p.ctx.year, "quality_rate", "качество знаний"))
        say(
            commentary.dynamics_summary(
                unit, p.ctx.year, "share_mark2", "доля отметок «2»", higher_is_better=False
            )
        )
    else:
        say(commentary.dynamics_summary(unit, p.ctx.year, "mean_test_score", "средний балл"))
        say(
            commentary.dynamics_summary(
                unit,
                p.ctx.year,
                "share_below_min",
                "доля не набравших минимума",
                higher_is_better=False,
            )
        )
    lines = unit if p.ctx.municipality is None else pd.concat([unit, p.region])
    lines = lines[lines["year"] <= p.ctx.year]
    title = f"{p.kind.title}: {p.ctx.unit_name} по годам"
    if p.kind.by_marks:
        fig = share_dynamics(
            lines,
            "quality_rate",
            hue="unit_name",
            facet="label",
            title=title,
            ylabel="качество знаний",
        )
    else:
        fig = charts.value_dynamics(
            lines, "mean_test_score", hue="unit_name", ylabel="средний тестовый балл", title=title
        )
    show_figure(fig)
    history = unit[unit["year"] <= p.ctx.year]  # subjects in config order, then years
    show(p, history, DYNAMICS_COLUMNS[p.kind.result])
    show(p, p.this_year(unit), CHANGE_COLUMNS[p.kind.result])


def municipalities(p: GiaPage) -> None:
    """Region page: every municipality × subject; cells under 5 participants show «<5»."""
    munis = p.this_year(p.table[p.table["level"] == "municipality"])
    if p.kind.by_marks:
        say("Качество знаний (доля отметок «4» и «5»):")
        show_matrix(
            munis,
            index="unit_name",
            columns="label",
            value="quality_rate",
            index_label="Муниципалитет",
        )
        say("Доля отметок «2»:")
        show_matrix(
            munis,
            index="unit_name",
            columns="label",
            value="share_mark2",
            index_label="Муниципалитет",
        )
    else:
        say("Средний тестовый балл:")
        show_matrix(
            munis,
            index="unit_name",
            columns="label",
            value="mean_test_score",
            index_label="Муниципалитет",
        )
        say("Доля участников, не набравших минимального балла:")
        show_matrix(
            munis,
            index="unit_name",
            columns="label",
            value="share_below_min",
            index_label="Муниципалитет",
        )


def comparison(p: GiaPage) -> None:
    """Municipal page: the municipality next to the region, subject by subject."""
    unit, reg = p.this_year(p.unit), p.this_year(p.region)
    value, xlabel, xmax, title = (
        ("quality_rate", "качество знаний (доля 0–1)", 1.0, "Качество знаний")
        if p.kind.by_marks
        else ("mean_test_score", "средний тестовый балл", 100.0, "Средний тестовый балл")
    )
    fig = charts.unit_vs_region(
        unit,
        reg,
        value,
        unit_name=p.ctx.unit_name,
        region_name=p.ctx.region.name,
        xlabel=xlabel,
        xmax=xmax,
        title=title,
    )
    show_figure(fig)


def schools(p: GiaPage) -> None:
    """Municipal page: the municipality's schools × subjects."""
    t = p.table
    rows = t[(t["level"] == "school") & (t["municipality_code"] == p.ctx.municipality)]
    rows = p.this_year(rows)
    if rows.empty:
        say("Нет результатов школ за этот год.")
        return
    if p.kind.by_marks:
        say("Качество знаний по школам. Группы менее 5 участников не показываются («<5»).")
        show_matrix(
            rows, index="unit_name", columns="label", value="quality_rate", index_label="Школа"
        )
        say("Доля отметок «2»:")
        show_matrix(
            rows, index="unit_name", columns="label", value="share_mark2", index_label="Школа"
        )
    else:
        say("Средний тестовый балл по школам. Группы менее 5 участников не показываются («<5»).")
        show_matrix(
            rows, index="unit_name", columns="label", value="mean_test_score", index_label="Школа"
        )
        say("Доля участников, не набравших минимального балла:")
        show_matrix(
            rows, index="unit_name", columns="label", value="share_below_min", index_label="Школа"
        )


def histograms(p: GiaPage) -> None:
    """Score distributions: marks kinds' primary scores per subject with the mark thresholds
    drawn (peaks right at a threshold deserve a look); test-score bands of the units below."""
    if p.kind.distribution_table is None:
        _bands_below(p)
        return
    dist = load_table(p.kind.distribution_table, p.kind, p.ctx.processed)
    dist = dist[
        (dist["level"] == p.ctx.unit_level)
        & (dist["unit_code"] == p.ctx.unit_code)
        & (dist["year"] == p.ctx.year)
    ]
    shown = 0
    for (subject, grade, label), part in dist.groupby(["subject", "grade", "label"], sort=False):
        sc = scales.scale(p.kind, p.ctx.year, str(subject), int(grade))
        if sc is None or sc.marks is None or part["n"].iloc[0] < min_group():
            continue
        show_figure(score_histogram(part, sc.marks, sc.max_score, title=str(label)))
        shown += 1
    if not shown:
        say("Участников слишком мало, чтобы показать распределение баллов.")


def _bands_below(p: GiaPage) -> None:
    """Test-score bands per municipality (region page) or per school (municipal page)."""
    t = p.this_year(p.table)
    if p.ctx.municipality is None:
        below, what = t[t["level"] == "municipality"], "муниципалитетам"
    else:
        below = t[(t["level"] == "school") & (t["municipality_code"] == p.ctx.municipality)]
        what = "школам"
    below = below[below["n"].fillna(0) >= min_group()]
    if below.empty:
        say("Групп с числом участников не менее 5 нет: распределение не показывается.")
        return
    for label, part in below.groupby("label", sort=False):
        title = f"{label}: тестовые баллы по {what}"
        show_figure(charts.band_distribution(p.kind, part, label_column="unit_name", title=title))
