"""Charts of the staffing pages: the quarters' trend, vacancy by subject, the projection."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from soko.timing import CHARTS, timed

MAIN, OTHER, NEED = "#1f618d", "#b2babb", "#c0392b"


@timed(CHARTS)
def quarter_trend(
    rows: pd.DataFrame, region: pd.DataFrame | None = None, *, title: str = ""
) -> Figure:
    """The vacancy rate by quarter (line), the region's beside a municipality's (grey)."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = np.arange(len(rows))
    if region is not None and len(region) == len(rows):
        ax.plot(x, region["vacancy_rate"], "o--", color=OTHER, label="регион")
    ax.plot(x, rows["vacancy_rate"], "o-", color=MAIN, label=title or "доля вакантных")
    ax.set_xticks(x, rows["period"], fontsize=8, rotation=30)
    ax.set_ylabel("вакантных ставок, %")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Доля вакантных ставок по кварталам")
    fig.tight_layout()
    return fig


@timed(CHARTS)
def subject_bars(rows: pd.DataFrame, *, title: str = "") -> Figure:
    """The vacancy rate of each subject (all levels), highest on top."""
    data = rows.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(1, len(data)) + 1.2))
    y = np.arange(len(data))
    ax.barh(y, data["vacancy_rate"].fillna(0), color=MAIN)
    ax.set_yticks(y, data["subject_name"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("вакантных ставок, %")
    ax.set_title(title or "Доля вакантных ставок по предметам")
    fig.tight_layout()
    return fig


@timed(CHARTS)
def projection_bars(rows: pd.DataFrame) -> Figure:
    """The need at each horizon: vacant now + expected departures, stacked."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    x = np.arange(len(rows))
    ax.bar(x, rows["vacant"], color=MAIN, label="вакантные ставки сейчас")
    ax.bar(
        x,
        rows["expected_departures"],
        bottom=rows["vacant"],
        color=NEED,
        label="ожидаемое выбытие по возрасту",
    )
    ax.set_xticks(x, [f"через {int(h)} г." for h in rows["horizon"]])
    ax.set_ylabel("педагогов")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Прогноз потребности в педагогах")
    fig.tight_layout()
    return fig
