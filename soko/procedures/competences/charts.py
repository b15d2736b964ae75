"""Charts of the competences pages: the deficits heat-map (red = more people below the level)
and the school-level scatter of teachers' mean diagnostic score against the school's result,
with r and its interval in the title — points are schools or groups of schools, never a
teacher."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from soko.procedures.competences.settings import competences_settings
from soko.suppression import format_signed
from soko.timing import CHARTS, timed

SCHOOL_COLOR, GROUP_COLOR, OWN_COLOR = "#1f618d", "#7f8c8d", "#c0392b"


@timed(CHARTS)
def deficits_heatmap(table: pd.DataFrame, *, index: str, title: str = "") -> Figure:
    """Rows ``index`` (subject or municipality) × domains: the share below the level, in %;
    masked (small) cells stay blank and say «<5» nowhere else but the table below."""
    data = table[table["share_deficit"].notna()]
    grid = data.pivot_table(
        index=index, columns="domain_name", values="share_deficit", aggfunc="first", sort=False
    )
    fig, ax = plt.subplots(
        figsize=(max(6.5, 2.2 * max(1, grid.shape[1]) + 3), 0.45 * max(1, grid.shape[0]) + 1.9)
    )
    if grid.empty:
        ax.text(0.5, 0.5, "нет групп от 5 человек", ha="center", va="center")
        ax.set_axis_off()
        return fig
    values = grid.to_numpy(dtype="float64") * 100
    image = ax.imshow(values, cmap="Reds", vmin=0, vmax=100, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if v > 60 else "black")  # fmt: skip
    ax.set_xticks(range(grid.shape[1]), [textwrap.fill(str(c), 18) for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [str(i) for i in grid.index])
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="доля ниже уровня дефицита, %")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def association_scatter(
    points: pd.DataFrame,
    coefficient: pd.Series | None,
    *,
    xlabel: str,
    ylabel: str,
    highlight: str | None = None,
    title: str = "",
    min_group: int | None = None,
) -> Figure:
    """Schools (filled) and groups of schools (hollow, size = schools in the group) with a
    least-squares line; ``highlight``: a municipality whose own school points are red."""
    k = competences_settings().min_group if min_group is None else min_group
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    alone = points[points["point"] == "school"]
    groups = points[points["point"] == "group"]
    own = alone["municipality_code"].astype("string").eq(highlight).fillna(False).to_numpy(bool)
    if (~own).any():
        ax.scatter(alone.loc[~own, "teacher_mean"], alone.loc[~own, "outcome"], s=28,
                   color=SCHOOL_COLOR, alpha=0.7, label=f"школа (от {k} учителей)")  # fmt: skip
    if own.any():
        ax.scatter(alone.loc[own, "teacher_mean"], alone.loc[own, "outcome"], s=34,
                   color=OWN_COLOR, label="школа муниципалитета")  # fmt: skip
    if len(groups):
        ax.scatter(groups["teacher_mean"], groups["outcome"], s=12 * groups["n_schools"],
                   facecolors="none", edgecolors=GROUP_COLOR, lw=1.4,
                   label=f"группа школ (меньше {k} учителей в каждой)")  # fmt: skip
    if len(points) >= 2 and points["teacher_mean"].nunique() > 1:
        weights = points["n_schools"].to_numpy(dtype="float64")
        slope, intercept = np.polyfit(
            points["teacher_mean"], points["outcome"], 1, w=np.sqrt(weights)
        )
        xs = np.linspace(points["teacher_mean"].min(), points["teacher_mean"].max(), 2)
        ax.plot(xs, intercept + slope * xs, color="black", lw=1, ls="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    head = title
    if coefficient is not None and pd.notna(coefficient["r"]):
        low, high = (format_signed(coefficient[c], 2) for c in ("ci_low", "ci_high"))
        head += (
            f"\nr = {format_signed(coefficient['r'], 2)}, 95 % интервал от {low} до {high}"
            f" (школ {int(coefficient['n_schools'])})"
        )
    ax.set_title(head, fontsize=10)
    if len(points):
        ax.legend(frameon=False, fontsize=7, loc="best")
    fig.tight_layout()
    return fig
