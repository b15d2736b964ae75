"""Charts of the objectivity pages: the evidence behind a marker, and where markers are.

Each chart reads an aggregated table (``objectivity_evidence`` parts or the municipality
shares of ``soko.objectivity.report``). A group under the suppression minimum is never drawn:
the chart says so instead (``soko.plots.drop_small``). Labels are Russian.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from soko.config import min_group
from soko.plots import MARK_COLORS, drop_small
from soko.timing import CHARTS, timed

SCHOOL_COLOR = "#148f77"  # not a mark colour: the school stands apart from «3»…«5»
REGION_COLOR = "#7f8c8d"
LEVEL_COLORS: dict[str, str] = {"Б": "#5dade2", "П": "#a569bd"}
LEVEL_NAMES: dict[str, str] = {"Б": "базового уровня", "П": "повышенного уровня"}
YEAR_COLORS: tuple[str, ...] = ("#d6eaf8", "#85c1e9", "#2e86c1", "#1b4f72")
HIGHLIGHT_COLOR = "#fdebd0"


def _pct_axis(ax: plt.Axes, axis: str = "x") -> None:
    fmt = PercentFormatter(xmax=1.0, decimals=0)
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def _too_small(title: str) -> Figure:
    """A placeholder that says why nothing is drawn (a group under the minimum)."""
    fig, ax = plt.subplots(figsize=(8, 1.2))
    ax.axis("off")
    ax.text(
        0.5,
        0.5,
        f"Менее {min_group()} участников: данные не показываются",
        ha="center",
        va="center",
        fontsize=10,
    )
    ax.set_title(title)
    return fig


@timed(CHARTS)
def score_histogram(scores: pd.DataFrame, *, title: str = "") -> Figure:
    """The school's participants per primary score (bars) against the region's distribution
    scaled to the school's number of participants (line), with the mark thresholds.

    Bars that tower over the region's curve right at a threshold and the point after it
    (shaded) while the points just below are empty are what the bunching signal counts.
    """
    data = drop_small(scores).sort_values("primary_score")
    if data.empty:
        return _too_small(title)
    n = int(data["n"].iloc[0])
    x = data["primary_score"].astype(int).to_numpy()
    top = int(data["max_score"].max())
    fig, ax = plt.subplots(figsize=(8.5, 4.0))
    thresholds = [data[f"threshold_{m}"].iloc[0] for m in (3, 4, 5)]
    for t, mark in zip(thresholds, (3, 4, 5), strict=True):
        if pd.isna(t):
            continue
        ax.axvspan(int(t) - 0.5, int(t) + 1.5, color=MARK_COLORS[mark], alpha=0.12, lw=0)
    bars = ax.bar(x, data["n_students"].astype(float), color=SCHOOL_COLOR, width=0.8, label="школа")
    expected = data["region_share"].astype(float).to_numpy() * n
    region_line = ax.step(
        x,
        expected,
        where="mid",
        color="black",
        lw=1.3,
        label=f"регион в пересчёте на {n} участников школы",
    )
    ymax = max(float(data["n_students"].max()), float(np.nanmax(expected)), 1.0) * 1.08
    ax.set_ylim(0, ymax)
    for t, mark in zip(thresholds, (3, 4, 5), strict=True):
        if pd.isna(t):
            continue
        ax.axvline(int(t) - 0.5, color=MARK_COLORS[mark], lw=1.6, ls="--")
        ax.text(  # above the plot, where no bar can hide it
            int(t) - 0.5,
            1.01,
            f"«{mark}»",
            color=MARK_COLORS[mark],
            fontsize=10,
            fontweight="bold",
            ha="center",
            va="bottom",
            transform=ax.get_xaxis_transform(),
        )
    ax.set_xlim(-0.8, top + 0.8)
    ax.set_xlabel("первичный балл")
    ax.set_ylabel("участников")
    ax.yaxis.get_major_locator().set_params(integer=True)
    handles = [
        bars,
        *region_line,
        Line2D([], [], color="#566573", ls="--", lw=1.4, label="порог отметки"),
        Patch(color="#566573", alpha=0.15, label="порог и балл выше"),
    ]
    ax.legend(
        handles=handles,
        frameon=False,
        fontsize=8,
        ncol=2,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.24),
    )
    ax.set_title(title, pad=18)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def task_levels(
    levels: pd.DataFrame, tasks: pd.DataFrame | None = None, *, title: str = ""
) -> Figure:
    """Completion of basic (Б) and advanced (П) tasks, school against region; with ``tasks``,
    a second panel per task ordered from the region's easiest to its hardest.

    Honest results fall from easy to hard tasks as the region's do; a school that solves the
    hard tasks about as well as the easy ones, or better than the region while the easy ones
    lag, shows the «inverted difficulty» pattern.
    """
    data = drop_small(levels)
    data = data[data["task_level"].isin(list(LEVEL_COLORS))]
    if data.empty:
        return _too_small(title)
    present = set(data["task_level"])
    data = data.set_index("task_level").reindex([lv for lv in LEVEL_COLORS if lv in present])
    per_task = drop_small(tasks) if tasks is not None else pd.DataFrame()
    panels = 2 if not per_task.empty else 1
    fig, axes = plt.subplots(
        1,
        panels,
        figsize=(4.2 + (6.3 if panels == 2 else 0), 3.8),
        squeeze=False,
        gridspec_kw={"width_ratios": [1, 2.2] if panels == 2 else [1]},
    )
    ax = axes[0][0]
    x = np.arange(len(data))
    width = 0.38
    school = data["completion"].astype(float).to_numpy()
    region = data["region_completion"].astype(float).to_numpy()
    ax.bar(x - width / 2, school, width, color=SCHOOL_COLOR, label="школа")
    ax.bar(x + width / 2, region, width, color=REGION_COLOR, label="регион")
    for xs, values in ((x - width / 2, school), (x + width / 2, region)):
        for xi, v in zip(xs, values, strict=True):
            if np.isfinite(v):
                ax.text(xi, v + 0.02, f"{v * 100:.0f}", ha="center", fontsize=8)
    ax.set_xticks(x, ["задания\n" + LEVEL_NAMES[lv] for lv in data.index], fontsize=9)
    ax.set_ylim(0, 1.08)
    _pct_axis(ax, "y")
    ax.set_ylabel("выполнение")
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    if panels == 2:
        _task_panel(axes[0][1], per_task)
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    return fig


def _task_panel(ax: plt.Axes, tasks: pd.DataFrame) -> None:
    """Per task: region (grey tick) and school (dot, colour = level), easiest task first."""
    data = tasks.sort_values(["region_completion", "task_order"], ascending=[False, True])
    x = np.arange(len(data))
    school = data["completion"].astype(float).to_numpy()
    region = data["region_completion"].astype(float).to_numpy()
    colors = [LEVEL_COLORS.get(str(lv), SCHOOL_COLOR) for lv in data["task_level"]]
    ax.vlines(x, np.minimum(school, region), np.maximum(school, region), color="#bfc9ca", lw=1.2)
    ax.scatter(x, region, marker="_", s=160, color="black", zorder=3)
    ax.scatter(x, school, s=30, color=colors, edgecolor="white", zorder=4)
    ax.set_xticks(x, data["task"].astype(str).tolist(), fontsize=7, rotation=90)
    ax.set_ylim(0, 1.05)
    _pct_axis(ax, "y")
    ax.set_xlabel("задания, от самого лёгкого для региона к самому трудному")
    handles = [
        Line2D([], [], ls="", marker="o", color=LEVEL_COLORS["Б"], label="школа, базовый"),
        Line2D([], [], ls="", marker="o", color=LEVEL_COLORS["П"], label="школа, повышенный"),
        Line2D([], [], ls="", marker="_", markersize=10, color="black", label="регион"),
    ]
    ax.legend(handles=handles, frameon=False, fontsize=8, loc="lower left")


@timed(CHARTS)
def municipality_shares(
    shares: pd.DataFrame, *, highlight: str | None = None, title: str = ""
) -> Figure:
    """Share of schools with at least one marker, per municipality (region first), one bar
    per year, the share written at its end («—» where no school was judged, so a zero is
    told from a gap). ``highlight``: a municipality code whose row is shaded (its page).

    ``shares``: ``soko.objectivity.report.municipality_shares`` (schools, not students: no
    group of students is drawn)."""
    years = sorted(int(y) for y in shares["year"].unique())
    units = shares.drop_duplicates("unit_code")[["unit_code", "unit_name", "level"]]
    units = pd.concat([units[units["level"] == "region"], units[units["level"] != "region"]])
    n_years = max(len(years), 1)
    fig, ax = plt.subplots(figsize=(8.5, 0.22 * max(len(units), 1) * n_years + 1.6))
    height = 0.8 / n_years
    colors = list(YEAR_COLORS[-n_years:]) if n_years <= len(YEAR_COLORS) else [None] * n_years
    grid = shares.pivot_table(index="unit_code", columns="year", values="share", aggfunc="first")
    grid = grid.reindex(index=units["unit_code"], columns=years)
    top = float(np.nanmax(grid.to_numpy(dtype=float))) if grid.notna().any().any() else 0.0
    right = min(1.0, max(0.1, top * 1.2))
    y = np.arange(len(units))
    for i, year in enumerate(years):
        values = grid[year].astype(float).to_numpy()
        offset = (i - (n_years - 1) / 2) * height
        ax.barh(y + offset, np.nan_to_num(values), height, color=colors[i], label=str(year))
        for yi, v in zip(y + offset, values, strict=True):
            text = "—" if np.isnan(v) else f"{v * 100:.0f}\u00a0%"
            ax.text((0 if np.isnan(v) else v) + right * 0.01, yi, text, va="center", fontsize=7)
    if highlight is not None:
        for r in np.flatnonzero(units["unit_code"].astype(str).to_numpy() == str(highlight)):
            ax.axhspan(r - 0.5, r + 0.5, color=HIGHLIGHT_COLOR, zorder=0)
    if (units["level"] == "region").any() and len(units) > 1:
        ax.axhline(0.5, color="#566573", lw=0.8)
    ax.set_yticks(y, units["unit_name"].astype(str).tolist(), fontsize=9)
    for label, level, code in zip(
        ax.get_yticklabels(), units["level"], units["unit_code"], strict=True
    ):
        if level == "region" or (highlight is not None and str(code) == str(highlight)):
            label.set_fontweight("bold")
    ax.grid(axis="y", visible=False)
    ax.set_ylim(max(len(units), 1) - 0.5, -0.5)
    ax.set_xlim(0, right * 1.08)
    _pct_axis(ax, "x")
    ax.set_xlabel("доля школ с признаками необъективности")
    handles = [Patch(color=colors[i], label=str(yr)) for i, yr in enumerate(years)]
    ax.legend(
        handles=handles,
        frameon=False,
        fontsize=8,
        title="год",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    ax.set_title(title)
    fig.tight_layout()
    return fig
