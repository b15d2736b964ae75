"""Charts of the survey pages: answer distributions, indices by unit and over years.

Rows of fewer than five respondents are dropped (``soko.plots.drop_small``) before drawing.
"""

from __future__ import annotations

import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from soko.plots import drop_small
from soko.procedures.survey.settings import SurveySettings, survey_settings
from soko.timing import CHARTS, timed

ANSWER_COLORS = ("#c0392b", "#f0b27a", "#d5d8dc", "#7fb3d5", "#1f618d")


@timed(CHARTS)
def likert_bars(
    items: pd.DataFrame, settings: SurveySettings | None = None, *, title: str = ""
) -> Figure:
    """Answers 1–5 per item as 100 % bars (``items`` with ``item_text``, ``share_answer1..5``);
    labels wrapped so that long statements stay readable."""
    settings = settings or survey_settings()
    data = drop_small(items).reset_index(drop=True)
    points = list(range(settings.scale_min, settings.scale_max + 1))
    labels = [textwrap.fill(t, 42) for t in data["item_text"]]
    fig, ax = plt.subplots(figsize=(11, 0.62 * max(1, len(data)) + 1.6))
    left = np.zeros(len(data))
    for k, v in enumerate(points):
        share = data[f"share_answer{v}"].astype(float).fillna(0.0).to_numpy()
        color = ANSWER_COLORS[k % len(ANSWER_COLORS)]
        ax.barh(labels, share, left=left, color=color, label=f"{v} — {settings.scale_labels[v]}")
        for i, (s_, l_) in enumerate(zip(share, left, strict=True)):
            if s_ >= 0.07:
                ax.text(
                    l_ + s_ / 2,
                    i,
                    f"{s_ * 100:.0f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if k in (0, len(points) - 1) else "black",
                )
        left = left + share
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(xmax=1.0, decimals=0))
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(
        ncol=len(points),
        loc="upper center",
        bbox_to_anchor=(0.4, -0.06 - 0.6 / max(1, len(data))),
        frameon=False,
        fontsize=7,
    )
    ax.set_title(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def index_trend(
    indices: pd.DataFrame, unit: tuple[str, str], region_code: str, *, title: str = ""
) -> Figure:
    """Mean index over the years: the unit (solid) and the region (dashed), per questionnaire."""
    level, code = unit
    mine = indices[(indices["level"] == level) & (indices["unit_code"] == code)]
    reg = indices[(indices["level"] == "region") & (indices["unit_code"] == region_code)]
    data = drop_small(pd.concat([mine.assign(who="unit"), reg.assign(who="region")]))
    if level == "region":
        data = data[data["who"] == "unit"]
    order = {code: k for k, code in enumerate(survey_settings().questionnaires)}
    panels = sorted(data["questionnaire"].unique(), key=lambda q: order.get(q, len(order)))
    fig, axes = plt.subplots(
        1,
        max(1, len(panels)),
        figsize=(5.2 * max(1, len(panels)), 3.6),
        sharey=True,
        squeeze=False,
    )
    years = sorted(data["year"].unique())
    style = None if level == "region" else "who"
    names = {"unit": "сплошная — муниципалитет", "region": "пунктир — регион"}
    for ax, panel in zip(axes[0], panels, strict=False):
        part = data[data["questionnaire"] == panel]
        sns.lineplot(
            data=part,
            x="year",
            y="mean_index",
            hue="index_name",
            style=style,
            style_order=["unit", "region"] if style else None,
            marker="o",
            ax=ax,
        )
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlabel("год")
        ax.set_ylabel("индекс (1–5)")
        ax.set_ylim(1, 5)
        ax.set_title(str(part["questionnaire_name"].iloc[0]), fontsize=10)
        handles, labels = ax.get_legend_handles_labels()
        keep = [
            (h, names.get(lb, lb))
            for h, lb in zip(handles, labels, strict=True)
            if lb not in ("index_name", "who")
        ]
        ax.legend(
            [h for h, _ in keep],
            [lb for _, lb in keep],
            frameon=False,
            fontsize=7,
            loc="lower left",
        )
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


@timed(CHARTS)
def index_by_unit(rows: pd.DataFrame, region_value: float | None, *, title: str = "") -> Figure:
    """One bar per unit (``unit_name``, ``mean_index``), the region's value as a line."""
    data = drop_small(rows).sort_values("mean_index", ascending=False)
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(1, len(data)) + 1.3))
    ax.barh(data["unit_name"], data["mean_index"].astype(float), color="#5dade2")
    if region_value is not None and pd.notna(region_value):
        ax.axvline(float(region_value), color="black", ls="--", lw=1, label="регион")
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.invert_yaxis()
    ax.set_xlim(1, 5)
    ax.set_xlabel("индекс (1–5)")
    ax.set_title(title)
    fig.tight_layout()
    return fig
