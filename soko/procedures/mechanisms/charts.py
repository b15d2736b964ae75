"""Charts of the mechanisms pages: the heat map of scores, the cycle's completeness, the
weakest stages, a municipality against the region, its stage × direction grid.

Each chart draws only what the table under it lists (``commentary``); scores are shares of
their maximum, drawn as percent.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from soko.procedures.mechanisms.scoring import TOTAL
from soko.procedures.mechanisms.settings import STAGES, MechanismsFile
from soko.timing import CHARTS, timed


@timed(CHARTS)
def score_heatmap(grid: pd.DataFrame, settings: MechanismsFile, *, title: str = "") -> Figure:
    """Units × directions (and the total), the score in % of its maximum per cell."""
    order = [*settings.directions, TOTAL]
    names = {TOTAL: "Итого", **{c: f"{c} {d.short}" for c, d in settings.directions.items()}}
    units = list(dict.fromkeys(grid.sort_values(["level"], kind="stable")["unit_name"]))
    wide = grid.pivot_table(
        index="unit_name", columns="direction", values="score", aggfunc="first", sort=False
    )
    wide = wide.reindex(index=units, columns=[c for c in order if c in wide.columns])
    wide.columns = [names[c] for c in wide.columns]
    fig, ax = plt.subplots(figsize=(max(8, 1.0 * wide.shape[1] + 4), 0.42 * len(wide) + 2.2))
    sns.heatmap(
        wide * 100, annot=True, fmt=".0f", cmap="RdYlBu", vmin=0, vmax=100, ax=ax,
        cbar_kws={"label": "% от максимума", "shrink": min(1.0, 12 / max(1, len(wide)))},
        linewidths=0.5, annot_kws={"fontsize": 8},
    )  # fmt: skip
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelrotation=35, labelsize=8)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.set_title(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def cycle_bars(completeness: pd.DataFrame, settings: MechanismsFile, *, title: str = "") -> Figure:
    """Per direction, stacked: municipalities with a full cycle, then those breaking at each
    stage (earlier stages darker)."""
    data = completeness.reset_index(drop=True)
    labels = [f"{c} {n}" for c, n in zip(data["direction"], data["direction_name"], strict=True)]
    fig, ax = plt.subplots(figsize=(11, 0.5 * len(data) + 2.4))
    left = np.zeros(len(data))
    ax.barh(labels, data["n_full"], color="#1f618d", label="полный цикл")
    left += data["n_full"].to_numpy(dtype=float)
    colors = [plt.get_cmap("tab10")(i + 1) for i in range(len(STAGES))]  # not full-cycle blue
    for k, stage in enumerate(STAGES):
        values = data[f"at_{stage}"].to_numpy(dtype=float)
        if values.sum() == 0:
            continue
        ax.barh(labels, values, left=left, color=colors[k],
                label=f"прерывается: {k + 1}. {settings.stages[stage]}")  # fmt: skip
        left += values
    ax.invert_yaxis()
    ax.set_xlabel("муниципалитетов")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False, fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def stage_bars(stages: pd.DataFrame, *, title: str = "") -> Figure:
    """Each stage of the cycle: the share of municipality × direction pairs with evidence."""
    labels = [
        f"{int(o)}. {n}" for o, n in zip(stages["stage_order"], stages["stage_name"], strict=True)
    ]
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(stages) + 1.6))
    ax.barh(labels, stages["share"] * 100, color="#5d8aa8")
    for i, v in enumerate(stages["share"] * 100):
        ax.text(v + 1, i, f"{v:.0f} %", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 108)
    ax.set_xlabel("% пар «муниципалитет × направление» с подтверждением")
    ax.set_title(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def unit_bars(table: pd.DataFrame, settings: MechanismsFile, *, title: str = "") -> Figure:
    """A municipality's score per direction against the region's."""
    names = {TOTAL: "Итого", **{c: f"{c} {d.short}" for c, d in settings.directions.items()}}
    labels = [names.get(d, d) for d in table["direction"]]
    y = np.arange(len(table))
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(table) + 1.8))
    ax.barh(y - 0.2, table["score"].astype(float) * 100, height=0.4, color="#1f618d",
            label="муниципалитет")  # fmt: skip
    ax.barh(y + 0.2, table["region_score"].astype(float) * 100, height=0.4, color="#bfc9ca",
            label="область")  # fmt: skip
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% от максимума")
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def stage_grid(grid: pd.DataFrame, settings: MechanismsFile, *, title: str = "") -> Figure:
    """Stage × direction for one municipality: confirmed (blue) or not (red)."""
    wide = grid.pivot_table(
        index="stage_order", columns="direction", values="done", aggfunc="first"
    ).astype(float)
    wide = wide.reindex(columns=list(settings.directions))
    wide.index = [f"{i}. {settings.stages[STAGES[i - 1]]}" for i in wide.index]
    fig, ax = plt.subplots(figsize=(9, 4.6))
    sns.heatmap(
        wide, cmap=ListedColormap(["#e6b0aa", "#7fb3d5"]), vmin=0, vmax=1, cbar=False,
        linewidths=1, linecolor="white", ax=ax,
        annot=wide.map(lambda v: "да" if v == 1 else "нет").to_numpy(), fmt="",
        annot_kws={"fontsize": 8},
    )  # fmt: skip
    ax.set_xlabel("направление")
    ax.set_ylabel("")
    ax.set_title(title)
    fig.tight_layout()
    return fig
