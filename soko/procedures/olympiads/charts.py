"""Charts of the olympiad pages: participation over the years by stage, and the subjects'
share of winners and prize-winners with its interval against the average (weak ones red)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from soko.timing import CHARTS, timed

WEAK_COLOR, OTHER_COLOR = "#c0392b", "#1f618d"


@timed(CHARTS)
def dynamics_chart(rows: pd.DataFrame, *, title: str = "", min_n: int = 5) -> Figure:
    """Participants per 100 students (all grade bands) by year, a line per stage; a year
    whose students are fewer than ``min_n`` is left out (its rate is suppressed)."""
    fig, ax = plt.subplots(figsize=(8, 4))
    shown = rows[(rows["n"] >= min_n) & (rows["participants"] > 0)]
    for _stage, part in shown.groupby("stage", sort=False):
        ax.plot(
            part["year"], part["participants_per_100"], "o-", label=str(part["stage_name"].iloc[0])
        )
    years = sorted(int(y) for y in rows["year"].unique())
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylabel("участников на 100 обучающихся 4–11 кл.")
    ax.set_xlabel("год (окончания учебного года)")
    ax.set_ylim(bottom=0)
    if len(shown):
        ax.legend(frameon=False, fontsize=8, title="Этап", title_fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def subjects_chart(rows: pd.DataFrame, min_n: int = 5, *, title: str = "") -> Figure:
    """Per subject with at least ``min_n`` participants: the share of winners and
    prize-winners (dot) with its interval (bar); the dashed line is the share over all
    subjects; weak subjects in red."""
    data = rows[rows["n"] >= min_n].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(1, len(data)) + 1.6))
    y = np.arange(len(data))
    colors = [WEAK_COLOR if w else OTHER_COLOR for w in data["weak"]]
    ax.hlines(y, data["ci_low"] * 100, data["ci_high"] * 100, color=colors, lw=2)
    ax.scatter(data["share_awarded"] * 100, y, color=colors, zorder=3)
    if len(data):
        ax.axvline(
            float(data["unit_share"].iloc[0]) * 100,
            color="black",
            ls="--",
            lw=1,
            label="доля по всем предметам",
        )
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    else:
        ax.text(0.5, 0.5, "мало участников для сравнения", ha="center", transform=ax.transAxes)
    ax.set_yticks(y, [f"{r.subject_name} (n = {r.n})" for r in data.itertuples()], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("доля победителей и призёров среди участников, % (95 % интервал)")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
